"""HTTP caching: validators on every successful GET, 304 answers, what changes a tag."""

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.fingerprint import deployment_fingerprint
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import assert_problem, next_link
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, SEED_SLUG, write_article

STRONG_TAG = re.compile(r'^"(?P<generation>\d+)-[0-9a-f]{16}"$')
CACHED_PATHS = [
    "/articles",
    "/articles?topic=ai&sort=quality&limit=2",
    f"/articles/{SEED_SLUG}",
    f"/articles/{SEED_SLUG}/related",
    "/topics",
    "/topics/computer-vision",
    "/topics/computer-vision/articles",
    "/providers",
    "/providers/forbes.com",
    "/providers/forbes.com/articles?limit=1",
    "/openapi.json",
    "/docs",
]
LONG_AGO = "Thu, 01 Jan 1970 00:00:00 GMT"


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def last_modified(response: httpx.Response) -> datetime:
    return parsedate_to_datetime(response.headers["last-modified"])


def changed_at(engine: Engine) -> datetime:
    """The catalog's changed_at, as aware UTC in whole seconds."""
    with engine.connect() as connection:
        value = connection.execute(text("SELECT changed_at FROM catalog")).scalar_one()
    # SQLite hands back its stored text, PostgreSQL a datetime.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(microsecond=0, tzinfo=UTC)


def assert_not_modified(response: httpx.Response, etag: str) -> None:
    assert response.status_code == 304, response.text
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert "last-modified" in response.headers
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "content-type" not in response.headers


def assert_answered_in_full(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["items"]
    assert STRONG_TAG.match(response.headers["etag"])


@pytest.fixture
def statements(client: TestClient) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs during the test."""
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", CACHED_PATHS)
def test_every_successful_get_carries_a_strong_etag_last_modified_and_cache_control(
    client: TestClient, real_articles: None, engine: Engine, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200, response.text
    assert STRONG_TAG.match(response.headers["etag"])
    assert last_modified(response) == changed_at(engine)
    assert response.headers["cache-control"] == "public, max-age=60"


def test_the_tag_begins_with_the_import_generation(
    client: TestClient, real_articles: None, engine: Engine
) -> None:
    with engine.connect() as connection:
        generation = connection.execute(text("SELECT generation FROM catalog")).scalar_one()
    found = STRONG_TAG.match(client.get("/articles").headers["etag"])
    assert found is not None
    assert int(found["generation"]) == generation


def test_the_same_data_gives_the_same_tag_across_requests_and_restarts(
    client: TestClient, real_articles: None, settings: Settings
) -> None:
    first = client.get("/topics")
    again = client.get("/topics")
    with TestClient(create_app(settings)) as restarted:
        after_restart = restarted.get("/topics")

    assert first.headers["etag"] == again.headers["etag"] == after_restart.headers["etag"]
    assert first.headers["last-modified"] == after_restart.headers["last-modified"]
    assert first.content == after_restart.content


def test_reordered_query_parameters_give_one_tag_and_the_same_answer(
    client: TestClient, real_articles: None
) -> None:
    one = client.get("/articles?limit=1&sort=oldest&topic=ai")
    other = client.get("/articles?topic=ai&sort=oldest&limit=1")

    assert one.headers["etag"] == other.headers["etag"]
    assert one.content == other.content
    assert one.headers["link"] == other.headers["link"]


def test_repeated_parameters_keep_their_relative_order(
    client: TestClient, real_articles: None
) -> None:
    response = client.get("/articles?topic=ai&limit=1&topic=computer-vision")
    link = next_link(response)
    assert link is not None
    assert link.index("topic=ai") < link.index("topic=computer-vision")
    swapped = client.get("/articles?topic=computer-vision&limit=1&topic=ai")
    assert swapped.headers["etag"] != response.headers["etag"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("/articles?limit=1", "/articles?limit=2"),
        ("/articles?limit=1", "/articles"),
        ("/topics", "/providers"),
        ("/articles?topic=ai", "/articles?topic=ai&topic=ai"),
    ],
)
def test_a_different_query_or_path_gives_a_different_tag(
    client: TestClient, real_articles: None, one: str, other: str
) -> None:
    assert client.get(one).headers["etag"] != client.get(other).headers["etag"]


def test_a_different_host_or_scheme_gives_a_different_tag(
    client: TestClient, real_articles: None
) -> None:
    # The answers differ too: the Link header is an absolute URL.
    tags = {
        client.get(f"{base}/articles?limit=1").headers["etag"]
        for base in ("http://testserver", "http://api.example", "https://testserver")
    }
    assert len(tags) == 3


def test_an_import_that_changes_something_changes_every_tag(
    client: TestClient, real_articles: None, import_files: ImportFiles, tmp_path: Path
) -> None:
    paths = ["/articles", f"/articles/{SEED_SLUG}", "/topics", "/openapi.json"]
    before = {path: client.get(path).headers["etag"] for path in paths}

    write_article(tmp_path, "brand-new.md", title="Brand new", topics=["Robots"])
    assert import_files(tmp_path).added == 1

    after = {path: client.get(path).headers["etag"] for path in paths}
    for path in paths:
        assert after[path] != before[path], path
        assert int(after[path][1:].split("-")[0]) == int(before[path][1:].split("-")[0]) + 1


def test_an_import_that_changes_nothing_keeps_every_tag(
    client: TestClient, real_articles: None, import_files: ImportFiles
) -> None:
    before = client.get("/articles")

    report = import_files(FIXTURES)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 8)

    after = client.get("/articles")
    assert after.headers["etag"] == before.headers["etag"]
    assert after.headers["last-modified"] == before.headers["last-modified"]
    assert_not_modified(
        client.get("/articles", headers={"If-None-Match": before.headers["etag"]}),
        before.headers["etag"],
    )


def test_a_changed_setting_changes_the_tags(
    client: TestClient, real_articles: None, database_url: str
) -> None:
    default = client.get("/articles").headers["etag"]
    with TestClient(create_app(Settings(database_url=database_url, exact_total_limit=5))) as other:
        assert other.get("/articles").headers["etag"] != default


def test_if_none_match_with_the_current_tag_answers_304_with_validators_only(
    client: TestClient, real_articles: None
) -> None:
    fresh = client.get("/articles?limit=2")
    etag = fresh.headers["etag"]

    revalidated = client.get("/articles?limit=2", headers={"If-None-Match": etag})

    assert_not_modified(revalidated, etag)
    assert revalidated.headers["last-modified"] == fresh.headers["last-modified"]
    assert "link" not in revalidated.headers


def test_a_304_runs_no_query(
    client: TestClient, real_articles: None, statements: list[str]
) -> None:
    etag = client.get(f"/articles/{SEED_SLUG}").headers["etag"]
    assert statements, "a 200 answer runs queries on the engine"
    statements.clear()

    for _ in range(3):
        assert_not_modified(
            client.get(f"/articles/{SEED_SLUG}", headers={"If-None-Match": etag}), etag
        )
    # Nothing but the catalog's version (on SQLite read outside the engine altogether).
    assert [s for s in statements if "catalog.generation" not in s] == []


def test_a_304_is_answered_even_when_the_query_could_no_longer_run(
    client: TestClient, real_articles: None, engine: Engine
) -> None:
    etag = client.get("/articles").headers["etag"]
    # Without the table the list query fails (a 500), but no import ran, so the tag is current.
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE image")

    assert_not_modified(client.get("/articles", headers={"If-None-Match": etag}), etag)
    # A URL whose answer was never kept runs the query.
    assert client.get("/articles?limit=3").status_code == 500


def test_a_tag_from_before_an_import_answers_200_with_the_new_data(
    client: TestClient, real_articles: None, import_files: ImportFiles, tmp_path: Path
) -> None:
    old = client.get("/articles")
    write_article(tmp_path, "brand-new.md", title="Brand new", publishedDateTime="2030-01-01")
    import_files(tmp_path)

    response = client.get("/articles", headers={"If-None-Match": old.headers["etag"]})

    assert response.status_code == 200
    assert response.json()["items"][0]["slug"] == "brand-new"
    assert response.headers["etag"] != old.headers["etag"]


@pytest.mark.parametrize(
    "header",
    [
        '"0-0000000000000000", {etag}',
        '{etag},"other"',
        "W/{etag}",
        '"a", W/{etag}, "b"',
    ],
)
def test_if_none_match_finds_the_tag_in_a_list_and_in_weak_form(
    client: TestClient, real_articles: None, header: str
) -> None:
    etag = client.get("/topics").headers["etag"]
    response = client.get("/topics", headers={"If-None-Match": header.format(etag=etag)})
    assert_not_modified(response, etag)


def test_if_none_match_over_several_header_lines_is_one_list(
    client: TestClient, real_articles: None
) -> None:
    etag = client.get("/topics").headers["etag"]
    headers = [("If-None-Match", '"nope"'), ("If-None-Match", etag)]
    assert_not_modified(client.get("/topics", headers=headers), etag)


@pytest.mark.parametrize("header", ['"nope"', '"0-0000000000000000"', "W/", "garbage", ""])
def test_if_none_match_without_the_current_tag_answers_200(
    client: TestClient, real_articles: None, header: str
) -> None:
    assert_answered_in_full(client.get("/topics", headers={"If-None-Match": header}))


def test_if_none_match_star_answers_304_for_what_exists_and_404_for_what_does_not(
    client: TestClient, real_articles: None
) -> None:
    etag = client.get(f"/articles/{SEED_SLUG}").headers["etag"]

    exists = client.get(f"/articles/{SEED_SLUG}", headers={"If-None-Match": "*"})
    missing = client.get("/articles/no-such-article", headers={"If-None-Match": "*"})

    assert_not_modified(exists, etag)
    assert_problem(missing, 404, "slug")


def test_if_modified_since_at_or_after_last_modified_answers_304(
    client: TestClient, real_articles: None
) -> None:
    fresh = client.get("/providers")
    etag, modified = fresh.headers["etag"], last_modified(fresh)

    at = client.get("/providers", headers={"If-Modified-Since": http_date(modified)})
    later = client.get(
        "/providers", headers={"If-Modified-Since": http_date(modified + timedelta(days=1))}
    )

    assert_not_modified(at, etag)
    assert_not_modified(later, etag)


def test_if_modified_since_before_last_modified_answers_200(
    client: TestClient, real_articles: None
) -> None:
    modified = last_modified(client.get("/providers"))
    earlier = http_date(modified - timedelta(seconds=1))

    for since in (earlier, LONG_AGO):
        assert_answered_in_full(client.get("/providers", headers={"If-Modified-Since": since}))


@pytest.mark.parametrize(
    "form",
    ["{d:%A, %d-%b-%y %H:%M:%S} GMT", "{d:%a %b} {d.day:2d} {d:%H:%M:%S %Y}"],
)
def test_if_modified_since_reads_the_obsolete_date_forms(
    client: TestClient, real_articles: None, form: str
) -> None:
    modified = last_modified(client.get("/topics"))
    response = client.get("/topics", headers={"If-Modified-Since": form.format(d=modified)})
    assert response.status_code == 304


@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "Fri, 01 Jan 2100 00:00:00 +0000",  # a numeric zone is not an HTTP-date
        "2100-01-01T00:00:00Z",
        "Fri, 01 Jan 2100 00:00:00 GMT, Fri, 01 Jan 2100 00:00:00 GMT",
        "Fri, 32 Jan 2100 00:00:00 GMT",
    ],
)
def test_an_invalid_if_modified_since_is_ignored(
    client: TestClient, real_articles: None, since: str
) -> None:
    assert_answered_in_full(client.get("/topics", headers={"If-Modified-Since": since}))


def test_if_modified_since_is_ignored_when_if_none_match_is_present(
    client: TestClient, real_articles: None
) -> None:
    modified = client.get("/topics").headers["last-modified"]
    response = client.get(
        "/topics", headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
    )
    assert response.status_code == 200


def test_if_modified_since_in_the_future_does_not_hide_a_missing_article(
    client: TestClient, real_articles: None
) -> None:
    response = client.get(
        "/articles/no-such-article", headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )
    assert_problem(response, 404, "slug")


def test_if_modified_since_after_an_import_answers_200(
    client: TestClient, real_articles: None, import_files: ImportFiles, tmp_path: Path
) -> None:
    before = client.get("/topics")
    # Last-Modified has whole seconds: let the next import fall in a later second.
    wait = last_modified(before) + timedelta(seconds=1) - datetime.now(UTC)
    time.sleep(max(wait.total_seconds(), 0))
    write_article(tmp_path, "brand-new.md", title="Brand new", topics=["Robots"])
    import_files(tmp_path)

    response = client.get("/topics", headers={"If-Modified-Since": before.headers["last-modified"]})

    assert response.status_code == 200
    assert "Robots" in [topic["name"] for topic in response.json()["items"]]
    assert last_modified(response) > last_modified(before)


def test_head_answers_the_headers_of_get_without_a_body(
    client: TestClient, real_articles: None
) -> None:
    got = client.get("/articles?limit=1")
    head = client.head("/articles?limit=1")

    assert head.status_code == 200
    assert head.content == b""
    for name in ("etag", "last-modified", "cache-control", "content-length", "link"):
        assert head.headers[name] == got.headers[name]
    assert_not_modified(
        client.head("/articles?limit=1", headers={"If-None-Match": got.headers["etag"]}),
        got.headers["etag"],
    )


def test_health_is_never_cached(client: TestClient, real_articles: None) -> None:
    for headers in ({}, {"If-None-Match": "*"}, {"If-Modified-Since": LONG_AGO}):
        response = client.get("/health", headers=headers)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
        assert "last-modified" not in response.headers


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/articles/no-such-article", 404, "slug"),
        ("/topics/no-such-topic/articles", 404, "slug"),
        ("/no-such-route", 404, None),
        ("/articles?limit=0", 422, "limit"),
        ("/articles?sort=sideways", 422, "sort"),
    ],
)
def test_errors_are_not_cached(
    client: TestClient, real_articles: None, path: str, status: int, parameter: str | None
) -> None:
    for headers in ({}, {"If-None-Match": "*"}):
        response = client.get(path, headers=headers)
        assert_problem(response, status, parameter)
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
        assert "last-modified" not in response.headers


def test_answers_from_a_database_that_does_not_answer_are_not_cached(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'never-migrated.db'}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as unmigrated:
        response = unmigrated.get("/topics")
    assert response.status_code == 500
    assert "etag" not in response.headers


def test_max_age_follows_the_setting(database_url: str, engine: Engine) -> None:
    settings = Settings(database_url=database_url, cache_max_age=3600)
    with TestClient(create_app(settings)) as configured:
        fresh = configured.get("/topics")
        revalidated = configured.get("/topics", headers={"If-None-Match": fresh.headers["etag"]})
    assert fresh.headers["cache-control"] == "public, max-age=3600"
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"] == "public, max-age=3600"


def test_a_database_never_imported_is_as_old_as_the_code(
    client: TestClient, settings: Settings
) -> None:
    response = client.get("/articles")
    assert response.json()["items"] == []
    code_time = deployment_fingerprint(settings).code_time.replace(tzinfo=UTC)
    assert last_modified(response) == code_time
    assert STRONG_TAG.match(response.headers["etag"])


def test_docs_assets_keep_their_own_validators(client: TestClient) -> None:
    asset = client.get("/static-offline-docs/swagger-ui.css")
    assert asset.status_code == 200
    etag = asset.headers["etag"]
    assert not STRONG_TAG.match(etag)
    revalidated = client.get("/static-offline-docs/swagger-ui.css", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304


@pytest.mark.parametrize("path", CACHED_PATHS)
def test_a_repeated_get_runs_no_query_and_answers_the_same_bytes(
    client: TestClient, real_articles: None, statements: list[str], path: str
) -> None:
    first = client.get(path)
    statements.clear()
    again = client.get(path)

    # Only the catalog's version is read (on SQLite outside the engine, on PostgreSQL through
    # it), to know that the kept answer is current.
    assert [sql for sql in statements if "catalog.generation" not in sql] == []
    assert (again.status_code, again.content) == (200, first.content)
    assert again.headers == first.headers


def test_an_import_replaces_every_kept_answer(
    client: TestClient, real_articles: None, import_files: ImportFiles, tmp_path: Path
) -> None:
    before = client.get("/articles?limit=1")
    write_article(tmp_path, "brand-new.md", title="Brand new", publishedDateTime="2030-01-01")
    import_files(tmp_path)

    after = client.get("/articles?limit=1")

    assert after.json()["items"][0]["slug"] == "brand-new"
    assert after.json()["total"] == before.json()["total"] + 1


def test_an_error_is_never_kept(
    client: TestClient, real_articles: None, statements: list[str]
) -> None:
    for _ in range(2):
        statements.clear()
        assert client.get("/articles/no-such-article").status_code == 404
        assert statements
