"""Statements built once per shape: reused across requests of one shape, bounded in number."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Executable, event, select

from app.models import article_table
from app.services.articles import ArticleFilters, list_article_dicts
from app.services.providers import list_providers
from app.services.statements import Memo
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES


@pytest.fixture
def connection(engine: Engine, import_files: ImportFiles) -> Iterator[Connection]:
    import_files(FIXTURES)
    with engine.connect() as connection:
        yield connection


@contextmanager
def executed(connection: Connection) -> Iterator[list[Any]]:
    """The statement objects `connection` is given to execute, in order."""
    seen: list[Any] = []

    def record(_conn: Any, statement: Any, *_: Any) -> None:
        seen.append(statement)

    event.listen(connection, "before_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_execute", record)


def test_lists_of_one_shape_run_the_same_statements_and_answer_for_their_own_values(
    connection: Connection,
) -> None:
    everything = list_article_dicts(connection, ArticleFilters(), limit=100)["items"]
    qualities = sorted({item["quality"] for item in everything if item["quality"] is not None})
    low, high = qualities[0], qualities[len(qualities) // 2]

    with executed(connection) as first:
        low_page = list_article_dicts(connection, ArticleFilters(min_quality=low), limit=100)
    with executed(connection) as second:
        high_page = list_article_dicts(connection, ArticleFilters(min_quality=high), limit=100)

    assert first and [id(s) for s in first] == [id(s) for s in second]
    for page, bound in ((low_page, low), (high_page, high)):
        expected = [item for item in everything if (item["quality"] or -1) >= bound]
        assert page["items"] == expected
    assert low_page["items"] != high_page["items"]


def test_lists_of_other_shapes_run_other_statements(connection: Connection) -> None:
    with executed(connection) as at_least:
        list_article_dicts(connection, ArticleFilters(min_quality=50))
    with executed(connection) as at_most:
        list_article_dicts(connection, ArticleFilters(max_quality=50))

    # The count, then the page; PostgreSQL then reads topics and images, whatever the shape.
    assert not {id(s) for s in at_least[:2]} & {id(s) for s in at_most[:2]}


def test_every_page_after_a_cursor_runs_one_statement(connection: Connection) -> None:
    everything = list_article_dicts(connection, ArticleFilters(), limit=100)["items"]
    walked, pages, cursor = [], [], None
    while True:
        with executed(connection) as seen:
            page = list_article_dicts(connection, ArticleFilters(), limit=2, cursor=cursor)
        walked += page["items"]
        pages.append({id(s) for s in seen})
        cursor = page["nextCursor"]
        if cursor is None:
            break

    assert walked == everything
    assert len(pages) >= 3 and all(later == pages[1] for later in pages[2:])
    assert pages[0] != pages[1]  # the first page has no cursor: another shape


def test_provider_pages_after_a_cursor_run_one_statement(connection: Connection) -> None:
    first = list_providers(connection, limit=1, cursor=None)
    with executed(connection) as second_seen:
        second = list_providers(connection, limit=1, cursor=first["nextCursor"])
    with executed(connection) as third_seen:
        third = list_providers(connection, limit=1, cursor=second["nextCursor"])

    assert [id(s) for s in second_seen] == [id(s) for s in third_seen]
    assert len({first["items"][0]["domain"], second["items"][0]["domain"]}) == 2
    assert third["items"] != second["items"]


def counting_memo(limit: int) -> tuple[Memo[int, Executable], list[int]]:
    """A memo of `limit` statements, and the shapes it built, in order."""
    built: list[int] = []

    def build(shape: int) -> Executable:
        built.append(shape)
        return select(article_table.c.id).limit(shape)

    return Memo(build, limit=limit), built


def test_a_memo_builds_each_shape_once() -> None:
    memo, built = counting_memo(10)

    assert memo(1) is memo(1)
    assert memo(2) is not memo(1)
    assert built == [1, 2]


def test_a_memo_keeps_at_most_its_limit_dropping_the_oldest_shape() -> None:
    memo, built = counting_memo(2)
    for shape in (1, 2, 3):
        memo(shape)
    memo(2)
    memo(1)

    assert len(memo) == 2
    assert built == [1, 2, 3, 1]  # 1 was dropped for 3, then built again
