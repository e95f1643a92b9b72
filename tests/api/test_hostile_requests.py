"""Hostile query strings and paths: injection, overlong and repeated values, broken encodings,
absurd cursors, limits and dates. Each is a 4xx problem naming the parameter (or data that
matches nothing), never a 5xx, and the bounds are checked before any database work."""

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from starlette.types import Message, Receive, Scope, Send

from app.api.request_limits import RequestLimits, RequestLimitsMiddleware
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import CATALOG, LISTS, Spec, assert_problem, import_specs, slugs
from tests.conftest import ImportFiles

INJECTIONS = (
    "' OR 1=1 --",
    '"; DROP TABLE article; --',
    "') UNION SELECT sql, 1, 1 FROM sqlite_master --",
    "%' OR '%'='",
    "1; SELECT pg_sleep(10)",
    "* OR title MATCH 'a'",
)
# Filters whose values are data: an injection is a value nothing has, so nothing matches.
DATA_PARAMETERS = ("topic", "provider", "type")
# Parameters with a grammar: an injection is not a value of it.
GRAMMAR_PARAMETERS = ("from", "to", "sort", "cursor", "facets", "min_quality", "limit")


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        tables = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ).scalars()
        return {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in list(tables)
        }


@pytest.mark.sqlite_only("counts rows through sqlite_master")
def test_injection_strings_are_data_that_matches_nothing_and_change_nothing(
    client: TestClient, catalog: tuple[Spec, ...], engine: Engine
) -> None:
    before = table_counts(engine)
    generation = client.get("/articles").headers["etag"]
    for value in INJECTIONS:
        for path in LISTS:
            for parameter in DATA_PARAMETERS:
                assert slugs(client.get(path, params={parameter: value})) == []
        for parameter in GRAMMAR_PARAMETERS:
            assert_problem(client.get("/articles", params={parameter: value}), 422, parameter)
        assert_problem(client.get("/changes", params={"since": value}), 422, "since")
        for path in ("/articles/{}", "/articles/{}/related", "/topics/{}", "/providers/{}"):
            response = client.get(path.format(value.replace("/", "")))
            assert response.status_code == 404, response.text
        # `q` (full-text search) is data or a syntax error, never a server error.
        assert client.get("/articles", params={"q": value}).status_code < 500
    assert table_counts(engine) == before
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert client.get("/articles").headers["etag"] == generation
    assert len(slugs(client.get("/articles", params={"limit": 100}))) == len(CATALOG)


def test_a_value_longer_than_max_parameter_length_is_a_400_naming_it(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    for parameter in ("topic", "provider", "type", "cursor", "from", "q", "unknown"):
        response = client.get("/articles", params={parameter: "a" * 1025})
        body = assert_problem(response, 400, parameter)
        assert body["type"] == "/problems/bad-request"
        assert "1024" in body["detail"]
        assert response.headers["cache-control"] == "no-store"
    assert slugs(client.get("/articles", params={"topic": "a" * 1024})) == []


def test_a_10_kb_value_makes_the_url_too_long_a_414_naming_the_parameter(
    client: TestClient,
) -> None:
    body = assert_problem(client.get("/articles", params={"topic": "x" * 10_240}), 414, "topic")
    assert body["type"] == "/problems/uri-too-long"
    assert "8192" in body["detail"]


def test_a_100_kb_query_string_is_a_414(settings: Settings) -> None:
    query = "&".join(f"p{index}=value" for index in range(10_000)).encode()
    assert len(query) > 100_000
    # Sent as raw ASGI: HTTP clients refuse to build such a URL.
    status, body = call(create_app(settings), "/articles", query)
    assert status == 414
    assert json.loads(body)["type"] == "/problems/uri-too-long"


def test_a_10_kb_path_is_a_414(client: TestClient) -> None:
    assert_problem(client.get("/topics/" + "t" * 10_240), 414)


def test_a_parameter_repeated_more_than_max_parameter_values_is_a_400_naming_it(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    body = assert_problem(client.get("/articles", params={"topic": ["AI"] * 500}), 400, "topic")
    assert "50" in body["detail"]
    assert_problem(client.get("/articles", params={"facets": ["topic"] * 51}), 400, "facets")
    assert len(slugs(client.get("/articles", params={"topic": ["AI"] * 50}))) > 0


def test_headers_larger_than_max_header_bytes_are_a_431(client: TestClient) -> None:
    response = client.get("/articles", headers={"If-None-Match": '"x", ' * 4000})
    body = assert_problem(response, 431)
    assert body["type"] == "/problems/headers-too-large"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("topic=%ff%fe", "topic"), ("provider=caf%e9", "provider"), ("q=%c3%28", "q"),
     ("cursor=%ed%a0%80", "cursor"), ("%ff=1", "\ufffd"), ("topic=%00", "topic"),
     ("type=article%00", "type"), ("from=2020-06-17%00", "from"), ("x%00=1", "x\x00")],
)  # fmt: skip
def test_a_parameter_not_utf8_or_holding_nul_is_a_400_naming_it(
    client: TestClient, catalog: tuple[Spec, ...], query: str, parameter: str
) -> None:
    body = assert_problem(client.get(f"/articles?{query}"), 400, parameter)
    assert body["type"] == "/problems/bad-request"


@pytest.mark.parametrize("path", ["/articles/%ff", "/topics/%c3%28/articles", "/articles/a%00b"])
def test_a_path_not_utf8_or_holding_nul_is_a_400(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 400)


def test_percent_encoded_utf8_and_plus_signs_are_read_as_text(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    spec = Spec("cafe", "2020-06-17T19:00:00Z", 50, 1, True, "article", "alpha.example",
                ("Café Society", "C++"))  # fmt: skip
    import_specs(tmp_path / "files", import_files, [spec])
    assert slugs(client.get("/articles?topic=Caf%C3%A9+Society")) == ["cafe"]
    assert slugs(client.get("/articles?topic=C%2B%2B")) == ["cafe"]


def call(app: Any, path: str, query: bytes) -> tuple[int, bytes]:
    """Send one GET straight to an ASGI app, with the query string's bytes exactly as given
    (HTTP clients would percent-encode them)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query, "headers": [(b"host", b"testserver")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}  # fmt: skip
    status = 0
    body: list[bytes] = []
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()  # the client stays until the whole answer is sent
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    async def main() -> None:
        nonlocal answered
        answered = asyncio.Event()
        await app(scope, receive, send)

    answered: asyncio.Event
    asyncio.run(main())
    return status, b"".join(body)


def test_raw_utf8_bytes_in_the_query_string_are_read_as_utf8(
    settings: Settings, tmp_path: Path, import_files: ImportFiles
) -> None:
    spec = Spec("cafe", "2020-06-17T19:00:00Z", 50, 1, True, "article", "alpha.example",
                ("Café",))  # fmt: skip
    import_specs(tmp_path / "files", import_files, [spec])
    app = create_app(settings)
    status, body = call(app, "/articles", "topic=Café".encode())
    assert status == 200, body
    assert [item["slug"] for item in json.loads(body)["items"]] == ["cafe"]
    status, body = call(app, "/articles", b"topic=Caf\xe9")
    assert status == 400
    assert json.loads(body)["parameter"] == "topic"


def test_raw_non_ascii_bytes_reach_the_application_percent_encoded() -> None:
    seen: list[bytes] = []

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["query_string"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limits = RequestLimits(8192, 16384, 1024, 50)
    status, _ = call(
        RequestLimitsMiddleware(application, limits=limits), "/", "a=é&b=%41+".encode()
    )
    assert status == 204
    assert seen == [b"a=%C3%A9&b=%41+"]


def cursor_of(payload: Any) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ABSURD_CURSORS = [
    "AAAA", "////", "Zm9v", "=", "%", "..", base64.b64encode(bytes(range(256))).decode()[:300],
    cursor_of({"sort": "newest"}), cursor_of([1, 2, 3]), cursor_of("newest"), cursor_of(None),
    cursor_of(["newest"]), cursor_of(["newest", None]), cursor_of(["newest", [1, 2]]),
    cursor_of(["newest", ["2020-06-17T19:00:00", 5]]),
    cursor_of(["newest", ["not a date", "apple"]]),
    cursor_of(["newest", ["2020-06-17T19:00:00", "apple\u0000"]]),
    cursor_of(["newest", ["2020-06-17T19:00:00", "apple", "extra"]]),
    cursor_of(["quality", [2**70, "2020-06-17T19:00:00", "apple"]]),
    cursor_of(["quality", [True, "2020-06-17T19:00:00", "apple"]]),
    cursor_of(["heat", [1.5, "2020-06-17T19:00:00", "apple"]]),
    "W" * 4 + cursor_of("x"),
    cursor_of(json.loads("[" * 300 + "]" * 300)),
    "a" * 1000,
]  # fmt: skip


def test_an_absurd_cursor_is_a_422_naming_it(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    for cursor in ABSURD_CURSORS:
        for path in LISTS:
            assert_problem(client.get(path, params={"cursor": cursor}), 422, "cursor")


def test_a_cursor_of_another_sort_or_list_is_a_422(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    newest = client.get("/articles", params={"limit": 2}).json()["nextCursor"]
    providers = client.get("/providers", params={"limit": 1}).json()["nextCursor"]
    assert_problem(
        client.get("/articles", params={"cursor": newest, "sort": "heat"}), 422, "cursor"
    )
    assert_problem(client.get("/articles", params={"cursor": providers}), 422, "cursor")
    assert_problem(client.get("/providers", params={"cursor": newest}), 422, "cursor")


def test_a_huge_cursor_is_refused_before_it_is_decoded(client: TestClient) -> None:
    assert_problem(client.get("/articles", params={"cursor": "A" * 5000}), 400, "cursor")


@pytest.mark.parametrize(
    "limit", ["-1", "0", "1001", "10" + "0" * 30, "1e3", "NaN", "inf", "", "0x10", "1.5", "五"]
)
def test_an_absurd_limit_is_a_422_naming_it(client: TestClient, limit: str) -> None:
    for path in ("/articles", "/providers", "/changes", "/articles.atom"):
        assert_problem(client.get(path, params={"limit": limit}), 422, "limit")


@pytest.mark.parametrize(
    "value",
    ["0000-01-01", "99999-01-01", "now", "today", "+002020-06-17", "2020-06-17T24:00:01Z",
     "2020-06-17T19:00:00+25:00", "1e9", "-1", "2020-W99", "\u0662\u0660\u0662\u0660-06-17"],
)  # fmt: skip
def test_an_absurd_date_is_a_422_naming_it(client: TestClient, value: str) -> None:
    for parameter in ("from", "to"):
        body = assert_problem(client.get("/articles", params={parameter: value}), 422, parameter)
        assert body["type"] == "/problems/invalid-parameter"


def test_unknown_parameters_are_ignored(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    plain = client.get("/articles")
    decorated = client.get("/articles", params={"utm_source": "x", "_": "1", "Topic": "AI"})
    assert decorated.json() == plain.json()


def test_requests_beyond_the_bounds_are_refused_before_any_database_work(
    tmp_path: Path,
) -> None:
    unopenable = Settings(database_url=f"sqlite:///{tmp_path / 'missing' / 'a.db'}")
    with TestClient(create_app(unopenable), raise_server_exceptions=False) as client:
        assert client.get("/articles").status_code >= 500  # the database is really unusable
        assert_problem(client.get("/articles", params={"topic": ["a"] * 51}), 400, "topic")
        assert_problem(client.get("/articles", params={"topic": "a" * 2000}), 400, "topic")
        assert_problem(client.get("/articles?topic=%ff"), 400, "topic")
        assert_problem(client.get("/articles", params={"topic": "a" * 9000}), 414, "topic")
        assert_problem(client.get("/articles", headers={"X-Big": "a" * 20_000}), 431)


def test_the_bounds_are_settings(database_url: str, engine: Engine) -> None:
    settings = Settings(
        database_url=database_url,
        max_url_bytes=300,
        max_parameter_length=64,
        max_parameter_values=2,
        max_header_bytes=2048,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/articles", params={"topic": ["a", "b"], "type": "t" * 64}).is_success
        assert_problem(client.get("/articles", params={"topic": ["a"] * 3}), 400, "topic")
        assert_problem(client.get("/articles", params={"type": "t" * 65}), 400, "type")
        assert_problem(client.get("/articles", params={"p": "v" * 290}), 414, "p")
        assert_problem(client.get("/articles", headers={"X-Big": "a" * 2048}), 431)
