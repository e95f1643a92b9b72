"""CSV downloads of the article lists: /articles.csv and its topic and provider siblings, read
back with the csv module as a spreadsheet would read them."""

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.api.downloads import BATCH_SIZE, csv_chunks
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import (
    LIST_FILTERS,
    LISTS,
    SORTS,
    Spec,
    assert_problem,
    expected_order,
    walk,
)
from tests.conftest import ImportFiles
from tests.helpers import write_article

HEADER = [
    "slug", "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl",
    "originalUrl", "type", "quality", "heat", "published", "providerName", "providerDomain",
    "topics", "imageUrl",
]  # fmt: skip
# More articles than two batches: the download takes three queries, the last one short.
MANY = 2 * BATCH_SIZE + 3


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    """The rows of a CSV answer, checked for its media type and one exact header row."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in rows)
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def as_row(item: dict[str, Any]) -> dict[str, str]:
    """What a JSON list item becomes in the CSV: empty cells for null, true/false, topics
    joined by "; ", the first image's URL."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    provider = item["provider"] or {}
    return {
        **{key: cell(item[key]) for key in HEADER[:12]},
        "providerName": cell(provider.get("name")),
        "providerDomain": cell(provider.get("domain")),
        "topics": "; ".join(item["topics"]),
        "imageUrl": item["images"][0]["url"] if item["images"] else "",
    }


def write_many(folder: Path, count: int) -> list[str]:
    """`count` articles a minute apart (written without a YAML dumper, which would take
    most of the test's time); their slugs, newest first."""
    folder.mkdir(parents=True, exist_ok=True)
    slugs = []
    for number in range(count):
        hour, minute = divmod(number, 60)
        slug = f"many-{number:04}"
        (folder / f"{slug}.md").write_text(
            f"---\ntitle: Article {number}\nexcerpt: The {number}th article, in brief.\n"
            f"publishedDateTime: 2020-07-{1 + hour // 24:02}T{hour % 24:02}:{minute:02}:00Z\n"
            f"webUrl: https://many.example/{slug}\nprovider: {{name: Many, domain: many.example}}\n"
            f"topics: [Many, AI]\nimages: [{{url: 'https://img.example/{slug}.jpg'}}]\n---\n",
            encoding="utf-8",
        )
        slugs.append(slug)
    return slugs[::-1]


@pytest.mark.parametrize("scope", LISTS)
@pytest.mark.parametrize("sort", SORTS)
def test_csv_rows_are_every_item_of_the_json_list_in_each_sort(
    client: TestClient, catalog: tuple[Spec, ...], scope: str, sort: str
) -> None:
    items = walk(client, scope, {"sort": sort, "limit": 5})

    rows = read_csv(client.get(f"{scope}.csv", params={"sort": sort}))

    assert items
    assert rows == [as_row(item) for item in items]


@pytest.mark.parametrize("params", LIST_FILTERS)
def test_csv_takes_the_json_lists_filters(
    client: TestClient, catalog: tuple[Spec, ...], params: dict[str, Any]
) -> None:
    for scope in LISTS:
        items = walk(client, scope, {**params, "sort": "quality"})

        rows = read_csv(client.get(f"{scope}.csv", params={**params, "sort": "quality"}))

        assert [row["slug"] for row in rows] == [item["slug"] for item in items], scope
        assert rows == [as_row(item) for item in items]


def test_csv_of_the_catalog_spells_each_field_as_the_json_does(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    rows = read_csv(client.get("/articles.csv"))

    assert [row["slug"] for row in rows] == expected_order(catalog)
    assert rows[0] == {
        "slug": "lemon",
        "title": "Title of lemon",
        "excerpt": "Excerpt of lemon",
        "publishedDateTime": "2020-06-20T06:00:00Z",
        "webUrl": "https://delta.example/lemon",
        "ampWebUrl": "https://delta.example/lemon/amp",
        "cdnAmpWebUrl": "https://cdn.example/lemon/amp",
        "originalUrl": "https://delta.example/lemon",
        "type": "",
        "quality": "70",
        "heat": "30",
        "published": "true",
        "providerName": "Delta Post",
        "providerDomain": "delta.example",
        "topics": "AI in Autos",
        "imageUrl": "https://img.example/lemon.jpg",
    }
    kiwi = next(row for row in rows if row["slug"] == "kiwi")
    assert (kiwi["providerName"], kiwi["providerDomain"], kiwi["topics"]) == ("", "", "")
    zucchini = next(row for row in rows if row["slug"] == "zucchini")
    assert zucchini["topics"] == "AI; Robotics"


def test_newlines_quotes_commas_and_unicode_survive_a_round_trip(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    excerpt = 'Line one\nline "two", three\r\nfour; five\ttab — 日本語 🚗'
    title = '=SUM(A1) "quoted", with commas'
    write_article(tmp_path, "tricky.md", title=title, excerpt=excerpt, topics=["Ä, B", "C"])
    import_files(tmp_path)

    (row,) = read_csv(client.get("/articles.csv"))

    assert row["title"] == title
    assert row["excerpt"] == excerpt
    assert row["topics"] == "Ä, B; C"


def test_csv_of_no_match_is_the_header_alone(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    response = client.get("/articles.csv", params={"min_quality": 1000})

    assert read_csv(response) == []
    assert response.content == (",".join(HEADER) + "\r\n").encode()


def test_csv_of_an_empty_database_is_the_header_alone(client: TestClient) -> None:
    assert read_csv(client.get("/articles.csv")) == []


@pytest.mark.parametrize(
    ("path", "filename"),
    [
        ("/articles.csv", "articles.csv"),
        ("/topics/ai-in-autos/articles.csv", "topic-ai-in-autos.csv"),
        ("/topics/AI in Autos/articles.csv", "topic-ai-in-autos.csv"),
        ("/providers/alpha.example/articles.csv", "provider-alpha.example.csv"),
    ],
)
def test_csv_is_an_attachment_named_after_its_scope(
    client: TestClient, catalog: tuple[Spec, ...], path: str, filename: str
) -> None:
    response = client.get(path)

    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert read_csv(response)


def test_csv_filename_keeps_to_safe_characters(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    write_article(tmp_path, "a.md", topics=['Künstliche "Intelligenz"'])
    import_files(tmp_path)

    response = client.get('/topics/Künstliche "Intelligenz"/articles.csv')

    assert len(read_csv(response)) == 1
    assert response.headers["content-disposition"] == (
        'attachment; filename="topic-k-nstliche-intelligenz.csv"'
    )


def test_csv_streams_every_match_across_several_batches(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    newest_first = write_many(tmp_path, MANY)
    import_files(tmp_path)

    newest = read_csv(client.get("/articles.csv"))
    oldest = read_csv(client.get("/articles.csv", params={"sort": "oldest"}))

    assert [row["slug"] for row in newest] == newest_first
    assert [row["slug"] for row in oldest] == newest_first[::-1]
    assert newest == [as_row(item) for item in walk(client, "/articles", {"limit": 100})]


def test_csv_chunks_are_the_header_and_then_one_chunk_per_batch() -> None:
    article = {
        "slug": "s", "title": "t", "excerpt": None, "publishedDateTime": "2020-01-01T00:00:00Z",
        "webUrl": None, "ampWebUrl": None, "cdnAmpWebUrl": None, "originalUrl": None,
        "type": None, "quality": None, "heat": None, "published": None, "provider": None,
        "topics": [], "images": [],
    }  # fmt: skip

    chunks = list(csv_chunks(iter([[article, article], [article]])))

    row = "s,t,,2020-01-01T00:00:00Z,,,,,,,,,,,,\r\n"
    assert chunks == [f"{','.join(HEADER)}\r\n{row}{row}".encode(), row.encode()]


async def asgi_get(
    app: FastAPI,
    url: str,
    on_chunk: Callable[[int], Awaitable[None]] | None = None,
    disconnect: asyncio.Event | None = None,
) -> tuple[int, bytes]:
    """GET `url` from `app` as uvicorn would (ASGI spec 2.3: the app listens for a disconnect),
    awaiting `on_chunk(n)` as the n-th body chunk arrives, the way a slow client reads. The
    client goes away when `disconnect` is set."""
    parts = urlsplit(url)
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": parts.path, "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(), "root_path": "", "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 50000), "server": ("test", 80),
    }  # fmt: skip
    requested = False
    gone = disconnect or asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and message["body"]:
            chunks.append(message["body"])
            if on_chunk is not None:
                await on_chunk(len(chunks))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def count_connections(app: FastAPI) -> dict[str, int]:
    """Counts of the download engine's connections opened and given back, kept up to date."""
    counts = {"checkout": 0, "checkin": 0}
    for name in counts:

        def count(*_: Any, name: str = name) -> None:
            counts[name] += 1

        event.listen(app.state.download_engine, name, count)
    return counts


def test_csv_is_one_snapshot_even_when_an_import_commits_while_it_streams(
    settings: Settings, import_files: ImportFiles, tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    newest_first = write_many(folder, MANY)
    import_files(folder)
    app = create_app(settings)
    with TestClient(app) as client:
        before = client.get("/articles.csv").content

    async def import_meanwhile(chunk: int) -> None:
        if chunk == 1:  # the header and first batch are out; two batches are still unread
            write_article(folder, "newcomer.md", publishedDateTime="2019-01-01T00:00:00Z")
            write_article(folder, "many-0000.md", title="Edited while streaming",
                          publishedDateTime="2020-07-01T00:00:00Z")  # fmt: skip
            (folder / "many-0001.md").unlink()
            report = import_files(folder, prune=True)
            assert (report.added, report.updated, report.removed) == (1, 1, 1)

    status, during = asyncio.run(asgi_get(app, "/articles.csv", on_chunk=import_meanwhile))

    assert status == 200
    assert during == before
    with TestClient(app) as client:
        after = read_csv(client.get("/articles.csv"))
    assert [row["slug"] for row in after[-2:]] == ["many-0000", "newcomer"]
    assert after[-2]["title"] == "Edited while streaming"
    assert len(after) == len(newest_first)


def test_slow_downloads_never_starve_the_other_requests(
    settings: Settings, catalog: tuple[Spec, ...]
) -> None:
    app = create_app(settings)
    counts = count_connections(app)
    # More downloads at once than the pool of the short reads holds (5 + 10 overflow).
    downloads = 20
    release = asyncio.Event()

    async def read_slowly(chunk: int) -> None:
        await release.wait()

    async def scenario() -> tuple[list[tuple[int, bytes]], list[int]]:
        started = [asyncio.create_task(asgi_get(app, "/articles.csv", read_slowly))]
        started += [
            asyncio.create_task(asgi_get(app, f"/topics/ai/articles.csv?n={n}", read_slowly))
            for n in range(downloads - 1)
        ]

        async def all_downloading() -> None:
            while counts["checkout"] < downloads:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(all_downloading(), timeout=10)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = await asyncio.wait_for(
                asyncio.gather(*(client.get(path) for path in ["/articles", "/topics"] * 10)),
                timeout=10,
            )
        assert counts["checkin"] == 0  # every download was still holding its connection
        release.set()
        return await asyncio.gather(*started), [answer.status_code for answer in answers]

    finished, statuses = asyncio.run(scenario())

    assert statuses == [200] * 20
    assert [status for status, _ in finished] == [200] * downloads
    assert finished[0][1].count(b"\r\n") == 1 + len(catalog)
    assert counts == {"checkout": downloads, "checkin": downloads}


def test_a_client_leaving_mid_download_gives_its_connection_back(
    settings: Settings, import_files: ImportFiles, tmp_path: Path
) -> None:
    write_many(tmp_path, MANY)
    import_files(tmp_path)
    app = create_app(settings)
    counts = count_connections(app)
    gone = asyncio.Event()

    async def leave(chunk: int) -> None:
        gone.set()
        await asyncio.sleep(0.5)  # the client reads no more

    status, body = asyncio.run(asgi_get(app, "/articles.csv", leave, gone))

    assert status == 200
    assert body.count(b"\r\n") == 1 + BATCH_SIZE  # the header and the first batch only
    assert counts == {"checkout": 1, "checkin": 1}


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/topics/no-such-topic/articles.csv", "slug"),
     ("/providers/nowhere.example/articles.csv", "domain")],
)  # fmt: skip
def test_csv_of_an_unknown_topic_or_provider_is_not_found(
    client: TestClient, catalog: tuple[Spec, ...], path: str, parameter: str
) -> None:
    assert_problem(client.get(path), 404, parameter)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"sort": "random"}, "sort"),
        ({"from": "2020-06-18", "to": "2020-06-17"}, "to"),
        ({"min_quality": 90, "max_quality": 10}, "max_quality"),
        ({"to": "soon"}, "to"),
        ({"published": "maybe"}, "published"),
    ],
)
def test_csv_with_a_bad_parameter_is_a_problem_naming_it(
    client: TestClient, params: dict[str, Any], parameter: str
) -> None:
    for scope in LISTS:
        assert_problem(client.get(f"{scope}.csv", params=params), 422, parameter)
