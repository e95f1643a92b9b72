"""A page of one topic's articles in time order, read through the topic's links, holds what
filtering every article would give, page after page."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from app.services.articles import ArticleFilters, Sort, list_article_dicts, parse_time_bound
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, write_article

SAME_TIME = "2020-06-17T19:02:00Z"


@pytest.fixture
def connection(engine: Engine, import_files: ImportFiles, tmp_path: Path) -> Iterator[Connection]:
    # Beside the real files: articles of one time (cursors then turn on the slug), in the topic
    # or not, of several qualities.
    for number in range(6):
        topics = ["AI", "Robots"] if number % 3 else ["Robots"]
        write_article(
            tmp_path, f"same-time-{number}.md",
            publishedDateTime=SAME_TIME, quality=40 + 5 * number, topics=topics,
        )  # fmt: skip
    import_files(FIXTURES, tmp_path)
    with engine.connect() as connection:
        yield connection


def walk(connection: Connection, filters: ArticleFilters, sort: Sort) -> list[str]:
    """The slugs of every page, two at a time, following the cursors."""
    slugs, cursor = [], None
    while True:
        page = list_article_dicts(connection, filters, sort=sort, limit=2, cursor=cursor)
        slugs += [item["slug"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            return slugs


FILTERS: dict[str, dict[str, Any]] = {
    "topic": {},
    "quality": {"min_quality": 50},
    "period": {
        "published_from": parse_time_bound("2020-04-20", "from", upper=False),
        "published_to": parse_time_bound("2020-06-17", "to", upper=True),
    },
    "provider": {"providers": ("news.example.com", "venturebeat.com")},
}


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("name", FILTERS)
def test_topic_pages_through_the_links_hold_what_filtering_every_article_gives(
    connection: Connection, sort: Sort, name: str
) -> None:
    others = FILTERS[name]
    everything = list_article_dicts(connection, ArticleFilters(), sort=sort, limit=100)["items"]
    with_others = {
        item["slug"] for item in list_article_dicts(
            connection, ArticleFilters(**others), sort=sort, limit=100
        )["items"]
    }  # fmt: skip
    expected = [
        item["slug"]
        for item in everything
        if "AI" in item["topics"] and item["slug"] in with_others
    ]
    statements: list[str] = []
    event.listen(connection, "before_cursor_execute", lambda *args: statements.append(args[2]))

    walked = walk(connection, ArticleFilters(topics=("AI",), **others), sort)
    within = walk(connection, ArticleFilters(within_topic="ai", **others), sort)

    assert len(expected) >= 3
    assert walked == within == expected
    assert any("JOIN article_topic ON" in statement for statement in statements)
