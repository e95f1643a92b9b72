"""The benchmark queries Q1-Q7 against the API, with the data-dependent parts found through the API.

Same meaning as the reference kit's queries: Q1 newest 25; Q2 topic + quality + month; Q3 one
article with related links; Q4 topics with counts; Q5 top 50 providers; Q6 full-text search,
newest 25 (optional; Q6r: the same search by relevance, the API's default with q); Q7 25
articles 5,000 deep, reached by following cursors. A 304 row is added when the API sends an
ETag.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tests.perf.client import get
from tests.perf.procs import BenchError

Q1_PATH = "/articles?limit=25"
Q2_PATH = "/articles?topic=Computer%20Vision&min_quality=50&from=2020-06-01&to=2020-06-30&limit=25"
Q4_PATH = "/topics"
Q5_PATH = "/providers?limit=50"
Q6_PATH = "/articles?q=face%20recognition&sort=newest&limit=25"
Q6R_PATH = "/articles?q=face%20recognition&limit=25"
DEEP_ARTICLES = 5000
WALK_LIMIT = 100
MIN_RELATED = 3
MAX_DETAIL_PROBES = 1000

# The Datasette canned queries (kit's metadata.yml) each API query is compared with; the tuned
# forms for Q2, Q6 and Q7 (keyset first: the same algorithm as the API's cursors).
REFERENCE_FORMS: dict[str, tuple[str, ...]] = {
    "Q1": ("q1_newest",),
    "Q2": ("q2_topic_filter_tuned",),
    "Q3": ("q3_article",),
    "Q4": ("q4_topics",),
    "Q5": ("q5_providers",),
    "Q6": ("q6_search_tuned",),
    "Q7": ("q7_keyset", "q7_offset_tuned"),
}


@dataclass(frozen=True)
class Query:
    """One row of the benchmark: a path on the API, the headers to send, the status expected."""

    key: str
    title: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    expect: int = 200

    @property
    def references(self) -> tuple[str, ...]:
        """The kit's canned queries with the same answer."""
        return REFERENCE_FORMS.get(self.key, ())


@dataclass
class Discovery:
    """The queries to load and what was noticed while finding them."""

    queries: list[Query]
    notes: list[str]


def _json(base: str, path: str) -> Any:
    reply = get(base + path)
    if reply.status != 200:
        raise BenchError(f"GET {path} answered {reply.status}: {reply.body[:300]!r}")
    return reply.json()


def walk_newest(base: str, pages: int) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
    """Newest-first pages of WALK_LIMIT articles, with each page's nextCursor, following cursors."""
    cursor: str | None = None
    for _ in range(pages):
        path = f"/articles?limit={WALK_LIMIT}" + (f"&cursor={quote(cursor)}" if cursor else "")
        page = _json(base, path)
        cursor = page["nextCursor"]
        yield page["items"], cursor
        if cursor is None:
            return


def deep_cursor(base: str, depth: int) -> tuple[str, int, list[dict[str, Any]]]:
    """The cursor after the `depth` newest articles (or the deepest one short of the end).

    Returns the cursor, the depth it stands at and the articles walked past (newest first).

    Raises:
        BenchError: fewer than WALK_LIMIT + 1 articles, so there is no cursor at all.
    """
    best: tuple[str, int] | None = None
    walked: list[dict[str, Any]] = []
    for items, cursor in walk_newest(base, depth // WALK_LIMIT):
        walked += items
        if cursor is not None:
            best = (cursor, len(walked))
    if best is None:
        raise BenchError("the database holds too few articles for a deep page (Q7)")
    return best[0], best[1], walked


def _is_rich(article: Mapping[str, Any]) -> bool:
    return bool(
        article.get("body", "").strip()
        and article.get("images")
        and len(article.get("related") or []) >= MIN_RELATED
    )


def article_with_related(base: str, candidates: list[dict[str, Any]]) -> tuple[str, str]:
    """The newest article with a body, images and 3+ related links (the kit's choice for Q3).

    Returns its slug and a note on how it was chosen.

    Raises:
        BenchError: no candidate has any related link.
    """
    fallback: tuple[int, str] | None = None
    for summary in candidates[:MAX_DETAIL_PROBES]:
        slug = summary["slug"]
        article = _json(base, f"/articles/{quote(slug, safe='')}")
        if _is_rich(article):
            return slug, f"Q3 article: {slug} (newest with body, images, 3+ related links)"
        related = len(article.get("related") or [])
        if related and (fallback is None or related > fallback[0]):
            fallback = (related, slug)
    if fallback is None:
        raise BenchError("no article with related links among the newest ones (Q3)")
    count, slug = fallback
    return slug, f"Q3 article: {slug} ({count} related links; none had body+images+3 related)"


def search_supported(base: str) -> tuple[bool, str]:
    """Whether the API filters on `q` (a 422 or an answer equal to the unfiltered one: no)."""
    searched = get(base + Q6_PATH)
    if searched.status != 200:
        return False, f"Q6 skipped: the API answers {searched.status} to q="
    unfiltered = _json(base, Q1_PATH)
    if searched.json()["total"] == unfiltered["total"]:
        return False, "Q6 skipped: the API ignores q (same total as without it)"
    return True, f"Q6 search: {searched.json()['total']} matches"


def etag_query(base: str, queries: list[Query]) -> tuple[Query | None, str]:
    """A conditional-request row (If-None-Match) for the first query answered with an ETag."""
    for query in queries:
        etag = get(base + query.path).headers.get("etag")
        if etag:
            row = Query(
                key=f"{query.key} 304",
                title=f"{query.title}, If-None-Match",
                path=query.path,
                headers={"If-None-Match": etag},
                expect=304,
            )
            return row, f"304 row: If-None-Match {etag} on {query.key}"
    return None, "304 row skipped: the API sends no ETag"


def discover(base: str, *, with_search: bool, depth: int = DEEP_ARTICLES) -> Discovery:
    """Build Q1-Q7 (and the 304 row) for the API at `base`."""
    notes: list[str] = []
    cursor, reached, walked = deep_cursor(base, depth)
    if reached != depth:
        notes.append(f"Q7 depth: {reached} articles (the corpus is too small for {depth})")
    slug, note = article_with_related(base, walked)
    notes.append(note)
    queries = [
        Query("Q1", "newest 25", Q1_PATH),
        Query("Q2", "topic+quality+month", Q2_PATH),
        Query("Q3", "one article", f"/articles/{quote(slug, safe='')}"),
        Query("Q4", "topics + counts", Q4_PATH),
        Query("Q5", "top 50 providers", Q5_PATH),
    ]
    if with_search:
        supported, note = search_supported(base)
        notes.append(note)
        if supported:
            queries.append(Query("Q6", "full-text search", Q6_PATH))
            queries.append(Query("Q6r", "full-text search, by relevance", Q6R_PATH))
    queries.append(
        Query("Q7", f"25 at depth {reached}", f"/articles?limit=25&cursor={quote(cursor)}")
    )
    conditional, note = etag_query(base, [queries[0], queries[2]])
    notes.append(note)
    if conditional is not None:
        queries.append(conditional)
    return Discovery(queries, notes)
