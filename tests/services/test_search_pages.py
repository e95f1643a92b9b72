"""A page of search hits is the same whichever way it is found and its items are built."""

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, Engine

from app.dialect import summary_json
from app.search.highlight import new_markers
from app.search.query import parse_query
from app.services import keyset, search_hits
from app.services.articles import (
    ArticleFilters,
    Sort,
    _conditions,
    _scope,
    _sort_keys,
    _summary_json_select,
    summaries,
    summary_select,
)
from app.services.search_hits import (
    by_hit_ids,
    find_hits,
    highlights,
    hit_items,
    with_highlights,
)
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES


@pytest.fixture
def connection(engine: Engine, import_files: ImportFiles) -> Iterator[Connection]:
    import_files(FIXTURES)
    with engine.connect() as connection:
        yield connection


def hits(
    connection: Connection,
    q: str,
    sort: Sort,
    *,
    matches: int,
    after: list[Any] | None = None,
    min_quality: int | None = None,
) -> list[str]:
    """The slugs of the hits, found by walking the order (many `matches`) or from the index."""
    scope = _scope(connection, ArticleFilters(q=parse_query(q), min_quality=min_quality))
    assert scope.search is not None
    keys = _sort_keys(sort, scope.search)
    found = find_hits(
        connection, scope.search, _conditions(scope.terms, scope.params), keys, after, 100,
        by_relevance=sort == "relevance", matches=matches,
    )  # fmt: skip
    return [row.slug for row in found]


def hits_after(connection: Connection, q: str, slug: str) -> list[str]:
    """The hits in newest order after the article `slug`, found by walking the order."""
    row = next(row for row in connection.execute(summary_select()) if row.slug == slug)
    after = [getattr(row, keyset.name(key)) for key in _sort_keys("newest", None)]
    return hits(connection, q, "newest", matches=10**6, after=after)


@pytest.mark.parametrize("sort", ["newest", "oldest", "quality", "heat"])
def test_walking_the_order_and_sorting_the_matches_find_the_same_hits(
    connection: Connection, sort: Sort
) -> None:
    walked = hits(connection, "the", sort, matches=10**6)
    assert len(walked) == 7
    assert hits(connection, "the", sort, matches=0) == walked

    middle = next(row for row in connection.execute(summary_select()) if row.slug == walked[3])
    after = [getattr(middle, keyset.name(key)) for key in _sort_keys(sort, None)]
    assert hits(connection, "the", sort, matches=10**6, after=after) == walked[4:]
    assert hits(connection, "the", sort, matches=0, after=after) == walked[4:]


@pytest.mark.parametrize("q", ["the", "th*", "the -zeppelin", '"the" a*'])
@pytest.mark.parametrize("min_quality", [None, 50])
def test_walking_and_sorting_agree_on_prefixes_exclusions_and_other_filters(
    connection: Connection, q: str, min_quality: int | None
) -> None:
    walked = hits(connection, q, "newest", matches=10**6, min_quality=min_quality)
    assert walked
    assert hits(connection, q, "newest", matches=0, min_quality=min_quality) == walked


@pytest.mark.parametrize(("chunk", "budget"), [(1, 1), (2, 3), (2, 1_000), (3, 5)])
@pytest.mark.parametrize("q", ["the", "the -zeppelin"])
def test_a_walk_in_small_chunks_or_cut_short_by_its_budget_finds_the_same_hits(
    connection: Connection, monkeypatch: pytest.MonkeyPatch, q: str, chunk: int, budget: int
) -> None:
    sorted_matches = hits(connection, q, "newest", matches=0)
    monkeypatch.setattr(search_hits, "PROBE_CHUNK", chunk)
    monkeypatch.setattr(search_hits, "PROBE_BUDGET", budget)
    assert hits(connection, q, "newest", matches=10**6) == sorted_matches
    after_first = hits_after(connection, q, sorted_matches[0])
    assert after_first == sorted_matches[1:]


def test_relevance_hits_come_group_by_group(connection: Connection) -> None:
    scope = _scope(connection, ArticleFilters(q=parse_query("the")))
    assert scope.search is not None
    keys = _sort_keys("relevance", scope.search)
    found = find_hits(connection, scope.search, [], keys, None, 100, by_relevance=True, matches=7)
    groups = [row.relevance_group for row in found]
    assert groups == sorted(groups) and set(groups) == {0, 1}
    for group in (0, 1):
        scores = [row.relevance_score for row in found if row.relevance_group == group]
        assert scores == sorted(scores)


@pytest.mark.sqlite_only("only SQLite renders list items as JSON in SQL (summary_json)")
def test_hits_rendered_by_sqlite_equal_hits_built_in_python(connection: Connection) -> None:
    item_json = summary_json("sqlite")
    assert item_json is not None
    markers = new_markers()
    scope = _scope(connection, ArticleFilters(q=parse_query("the")))
    assert scope.search is not None
    keys = _sort_keys("relevance", scope.search)
    found = find_hits(connection, scope.search, [], keys, None, 10, by_relevance=True, matches=7)

    rendered_rows = hit_items(connection, by_hit_ids(_summary_json_select(item_json)), found)
    built_rows = hit_items(connection, by_hit_ids(summary_select()), found)
    marked = highlights(connection, scope.search, found, markers)
    rendered = with_highlights(
        [orjson.Fragment(row.item) for row in rendered_rows], rendered_rows, marked,
        rendered=True,
    )  # fmt: skip
    built = with_highlights(summaries(connection, built_rows), built_rows, marked, rendered=False)

    assert [item["slug"] for item in built] == [row.slug for row in found]
    assert len(built) == 7
    assert all("<mark>" in item["highlight"] for item in built)
    assert orjson.loads(orjson.dumps(rendered)) == built
