"""Answering CSV downloads: every article a list query matches, streamed from one snapshot."""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.api.format_params import ArticleCSVQuery
from app.services.articles import ArticleFilters, Sort, article_batches

# Rows read per query and written per chunk: memory stays bounded by one batch, and each
# query is one keyset step of an index.
BATCH_SIZE = 500
COLUMNS = (
    "slug", "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl",
    "originalUrl", "type", "quality", "heat", "published", "providerName", "providerDomain",
    "topics", "imageUrl",
)  # fmt: skip
TOPIC_SEPARATOR = "; "
_UNSAFE_IN_FILENAME = re.compile(r"[^a-z0-9._-]+")

Wire = dict[str, Any]


class CSVDownload(StreamingResponse):
    """A CSV attachment streamed from a connection that is closed when the answer ends, however
    it ends (sent, failed or the client gone)."""

    media_type = "text/csv"  # Starlette adds "; charset=utf-8"

    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        filename: str,
        close: Callable[[], None],
        status_code: int = 200,  # FastAPI's OpenAPI reads a response class's status here
    ) -> None:
        disposition = f'attachment; filename="{filename}"'
        super().__init__(chunks, status_code, {"Content-Disposition": disposition})
        self._close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._close()


def csv_filename(*parts: str) -> str:
    """A safe attachment name made of `parts`: `csv_filename("topic", "AI") == "topic-ai.csv"`."""
    cleaned = (_UNSAFE_IN_FILENAME.sub("-", part.lower()).strip("-.") for part in parts)
    return "-".join(part for part in cleaned if part) + ".csv"


async def csv_answer(
    engine: Engine,
    query: ArticleCSVQuery,
    filename: str,
    *,
    within_topic: str | None = None,
    within_provider: str | None = None,
) -> CSVDownload:
    """Every article matching `query`, in its sort order, as a CSV download.

    The connection is taken from `engine` (not the pool of the short reads: a download holds
    its connection for as long as the client takes to read it) and keeps one transaction, so
    the file is one snapshot even if an import commits meanwhile. The first batch is read
    before the answer starts, so an unknown topic or provider or a bad filter still gets its
    problem answer.

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters.
    """
    filters = replace(query.filters, within_topic=within_topic, within_provider=within_provider)
    connection, batches = await run_in_threadpool(_open, engine, filters, query.sort)
    return CSVDownload(csv_chunks(batches), filename=filename, close=connection.close)


def _open(
    engine: Engine, filters: ArticleFilters, sort: Sort | None
) -> tuple[Connection, Iterator[list[Wire]]]:
    # The engine's transactions read one snapshot (WAL on SQLite, REPEATABLE READ on
    # PostgreSQL), so a long download never mixes states from before and after an import.
    connection = engine.connect()
    try:
        return connection, article_batches(connection, filters, sort=sort, batch_size=BATCH_SIZE)
    except BaseException:
        connection.close()
        raise


def csv_chunks(batches: Iterable[list[Wire]]) -> Iterator[bytes]:
    """The header, then one chunk of UTF-8 CSV per batch of articles."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for batch in batches:
        writer.writerows(_row(article) for article in batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _row(article: Wire) -> list[Any]:
    provider: Wire = article["provider"] or {}
    images: list[Wire] = article["images"]
    return [
        article["slug"],
        article["title"],
        article["excerpt"],
        article["publishedDateTime"],
        article["webUrl"],
        article["ampWebUrl"],
        article["cdnAmpWebUrl"],
        article["originalUrl"],
        article["type"],
        article["quality"],
        article["heat"],
        _flag(article["published"]),
        provider.get("name"),
        provider.get("domain"),
        TOPIC_SEPARATOR.join(article["topics"]),
        images[0]["url"] if images else None,
    ]


def _flag(value: bool | None) -> str | None:
    # The wire's spelling, not Python's "True".
    return None if value is None else str(value).lower()
