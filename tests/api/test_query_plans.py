"""Every hot query is answered from an index: no full scan of the article table and no sort
of all matches, whatever the collection's size (checked with SQLite's EXPLAIN QUERY PLAN and
PostgreSQL's EXPLAIN)."""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, SEED_SLUG

# A table scan without an index, of a table that grows with the collection.
FULL_SCAN = re.compile(
    r"\bSCAN (article|article_source|article_topic|image|related_link)\b(?! USING)"
)
# Top-level walks of the big tables must come out of an index already in order: a sort there
# would read every match before the first row. (Sorting one article's few topics, or the ties
# of one provider count, is bounded and allowed.)
BIG_WALK = re.compile(r"\bSCAN (article|provider)\b")
FULL_SORT = "USE TEMP B-TREE FOR ORDER BY"

HOT_PATHS = [
    "/articles?limit=25",
    "/articles?limit=25&sort=oldest",
    "/articles?limit=25&sort=quality",
    "/articles?limit=25&sort=heat",
    "/articles?topic=Computer%20Vision&min_quality=50&from=2020-06-01&to=2020-06-30&limit=25",
    "/articles?provider=forbes.com&limit=25",
    "/articles?published=true&limit=25",
    f"/articles/{SEED_SLUG}",
    f"/articles/{SEED_SLUG}/related",
    "/topics",
    "/topics/ai/articles?limit=25",
    "/providers?limit=50",
    "/providers/forbes.com/articles?limit=25",
]
SEARCH_PATHS = [
    "/articles?q=facial%20recognition&limit=25",
    "/articles?q=facial%20recognition&sort=newest&limit=25",
    "/articles?q=recogn*%20-microsoft&sort=quality&limit=25",
    '/articles?q="facial%20recognition"&topic=Computer%20Vision&min_quality=50&from=2020-06-01',
    "/articles?q=facial&provider=forbes.com&published=false&type=article",
    "/topics/ai/articles?q=facial%20recognition&limit=25",
    "/providers/forbes.com/articles?q=facial%20recognition&sort=oldest&limit=25",
    # Matched by most articles: walked in the order's index, each tested against the matches.
    "/articles?q=the&sort=newest&limit=2",
    "/articles?q=the&sort=quality&published=true&limit=2",
    "/topics/ai/articles?q=the&sort=oldest&limit=2",
]
# Each search reads the full-text index (FTS5 answers MATCH from it: "M" in its plan).
FTS_INDEX = re.compile(r"\bSCAN article_search VIRTUAL TABLE INDEX \d+:\S*M")


@pytest.fixture
def statements(client: TestClient, import_files: ImportFiles) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements the app runs, recorded from its own engine."""
    import_files(FIXTURES)
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _plan(engine: Engine, statement: str, params: Any) -> list[tuple[int, str]]:
    """(parent node, detail) of each line of the statement's query plan."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
    return [(row[1], row[-1]) for row in rows]


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("path", HOT_PATHS + SEARCH_PATHS)
def test_hot_query_uses_indexes_and_never_scans_the_article_table(
    client: TestClient, statements: list[tuple[str, Any]], path: str, tmp_path: Path
) -> None:
    assert client.get(path).status_code == 200
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    assert statements, "the request ran no query"
    for statement, params in statements:
        plan = _plan(engine, statement, params)
        assert not [line for _parent, line in plan if FULL_SCAN.search(line)], (statement, plan)
        top = [line for parent, line in plan if parent == 0]
        if any(BIG_WALK.search(line) for line in top):
            assert FULL_SORT not in top, (statement, plan)


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN of FTS5 searches")
@pytest.mark.parametrize("path", SEARCH_PATHS)
def test_search_finds_its_matches_in_the_full_text_index_not_by_walking_articles(
    client: TestClient, statements: list[tuple[str, Any]], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.json()["items"], "the search found nothing: the plan proves little"
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    searches = [(sql, params) for sql, params in statements if "MATCH" in sql]
    assert len(searches) >= 2, "the count and the page should both search"
    for statement, params in searches:
        plan = _plan(engine, statement, params)
        assert any(FTS_INDEX.search(line) for _parent, line in plan), (statement, plan)
        # Articles are only ever walked in an index's order, stopping after a page.
        steps: dict[int, list[str]] = {}
        for parent, line in plan:
            steps.setdefault(parent, []).append(line)
        for lines in steps.values():
            if any(BIG_WALK.search(line) for line in lines):
                assert FULL_SORT not in lines, (statement, plan)


# PostgreSQL: tables that grow with the collection must never be read whole, and a walk of
# every article or provider must come out of an index in order, not feed a sort.
GROWING = {"article", "article_source", "article_topic", "image", "related_link"}
WALKED = {"article", "provider"}
Plan = dict[str, Any]


def _postgres_plan(engine: Engine, statement: str, params: Any) -> Plan:
    """The statement's plan (EXPLAIN's JSON) when the planner may neither read a table whole
    nor sort where an index could give the order. On tables this small the planner rightly
    prefers both; forbidding them asks what matters for a big table: can an index serve it?"""
    with engine.connect() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        explained = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
        plan: Plan = explained.scalar_one()[0]["Plan"]
    return plan


def _nodes(plan: Plan) -> Iterator[Plan]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _full_walk(node: Plan) -> bool:
    """A scan of a big table that reads all of it: sequential, or along an index unbounded."""
    if node.get("Relation Name") not in WALKED:
        return False
    if node["Node Type"] == "Seq Scan":
        return True
    return node["Node Type"] in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node


@pytest.mark.postgres
@pytest.mark.parametrize("path", HOT_PATHS)
def test_hot_query_can_use_indexes_and_never_needs_a_full_scan_on_postgresql(
    client: TestClient, statements: list[tuple[str, Any]], path: str
) -> None:
    assert client.get(path).status_code == 200
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    assert statements, "the request ran no query"
    for statement, params in statements:
        plan = _postgres_plan(engine, statement, params)
        shown = f"{statement}\n{json.dumps(plan, indent=1)}"
        scanned = [
            node["Relation Name"]
            for node in _nodes(plan)
            if node["Node Type"] == "Seq Scan" and node["Relation Name"] in GROWING
        ]
        assert scanned == [], shown
        sorted_walks = [
            node["Node Type"]
            for node in _nodes(plan)
            if node["Node Type"] == "Sort" and any(_full_walk(n) for n in _nodes(node))
        ]
        assert sorted_walks == [], shown


def _plan_of_the_one(
    client: TestClient,
    statements: list[tuple[str, Any]],
    path: str,
    chosen: Callable[[str], bool],
) -> list[str]:
    """SQLite's plan (its lines) of the one statement `chosen` among those GET `path` ran."""
    assert client.get(path).status_code == 200
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    (statement,) = [(sql, params) for sql, params in statements if chosen(sql)]
    return [line for _parent, line in _plan(engine, *statement)]


# One topic's articles of a period and a range of quality.
TOPIC_PERIODS = [
    "/articles?topic=Computer%20Vision&min_quality=50&from=2020-06-01&to=2020-06-30&limit=25",
    "/topics/ai/articles?max_quality=90&from=2020-01-01&limit=25",
]


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("path", TOPIC_PERIODS)
def test_a_topic_count_by_period_and_quality_reads_the_link_index_alone(
    client: TestClient, statements: list[tuple[str, Any]], path: str
) -> None:
    plan = _plan_of_the_one(client, statements, path, lambda sql: "count(" in sql.lower())
    assert any(
        "COVERING INDEX ix_article_topic_topic_id_published_at_quality" in line for line in plan
    ), plan
    # The quality is read from the link: no article is looked up to count.
    assert not [line for line in plan if re.search(r"\barticle\b(?!_)", line)], plan


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize(
    "path", [*TOPIC_PERIODS, "/topics/ai/articles?sort=oldest&provider=forbes.com&limit=25"]
)
def test_a_topic_page_in_time_order_walks_the_topic_links_of_the_period(
    client: TestClient, statements: list[tuple[str, Any]], path: str
) -> None:
    plan = _plan_of_the_one(client, statements, path, lambda sql: "JOIN article_topic ON" in sql)
    # The links come out of their index in time order, and only then is each article read.
    assert plan[0].startswith(
        "SEARCH article_topic USING COVERING INDEX ix_article_topic_topic_id_published_at_quality"
    ), plan
    assert "SEARCH article USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
