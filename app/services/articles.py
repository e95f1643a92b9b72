"""Reading articles: filtered, sorted, cursor-paged lists; one article whole; its related links.

Answers are built as plain dicts in the wire shape of `app.schemas` (camelCase), ready for
orjson: on the hot path, building and validating pydantic models costs more than the SQL.
For the same reason, statements are built once, as constants or once per shape (see
`app.services.statements`), and executed with their values as named parameters.
"""

import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple

import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    exists,
    false,
    func,
    select,
)

from app.dialect import summary_json
from app.errors import InvalidParameter, NotFound
from app.importer.parse import KNOWN_KEYS, slugify
from app.jsontext import load_json
from app.models import (
    article_table,
    article_topic_table,
    catalog_table,
    image_table,
    provider_table,
    related_table,
    source_table,
    topic_table,
)
from app.schemas import format_utc
from app.search.engines import search_source
from app.search.highlight import new_markers
from app.search.query import SearchQuery
from app.search.source import SearchSource
from app.services import keyset, search_hits, statements
from app.services.facets import FacetName, count_facets
from app.services.keyset import Key

Sort = Literal["relevance", "newest", "oldest", "quality", "heat"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest", "quality", "heat")

a = article_table
_TIME = Key(a.c.published_at, descending=True, kind=datetime)
_SLUG = Key(a.c.slug, descending=True)
SORT_KEYS: dict[str, list[Key]] = {
    "newest": [_TIME, _SLUG],
    "oldest": [
        Key(a.c.published_at, descending=False, kind=datetime),
        Key(a.c.slug, descending=False),
    ],
    "quality": [Key(a.c.quality, descending=True, nullable=True, kind=int), _TIME, _SLUG],
    "heat": [Key(a.c.heat, descending=True, nullable=True, kind=int), _TIME, _SLUG],
}


@dataclass(frozen=True)
class TimeBound:
    """One end of a time range, in naive UTC."""

    moment: datetime
    inclusive: bool


def parse_time_bound(text: str, parameter: str, *, upper: bool) -> TimeBound:
    """Read `from`/`to`: an ISO date (the whole UTC day) or date-time (offset honoured, UTC if
    none).

    Raises:
        InvalidParameter: not an ISO date or date-time.
    """
    value = text.strip()
    day = _iso_date(value)
    try:
        moment = datetime.combine(day, time()) if day is not None else datetime.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            f"{parameter}: expected an ISO date (2020-06-17) or date-time "
            f"(2020-06-17T19:02:00Z), got {text!r}",
            parameter,
        ) from None
    try:
        if day is not None and upper:
            return TimeBound(moment + timedelta(days=1), inclusive=False)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return _beyond_calendar(below=moment.year == 1, upper=upper)
    return TimeBound(moment, inclusive=True)


def _iso_date(value: str) -> date | None:
    """The date `value` names when it is a bare ISO date (2020-06-17, 20200617), else None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _beyond_calendar(*, below: bool, upper: bool) -> TimeBound:
    # A bound whose UTC time falls outside years 1..9999 (9999-12-31 as `to`, or an offset
    # across either end) lies before or after every storable time: it keeps all or nothing.
    if below:
        return TimeBound(datetime.min, inclusive=not upper)
    return TimeBound(datetime.max, inclusive=upper)


@dataclass(frozen=True)
class ArticleFilters:
    """What a list request asks for; every field narrows the set, empty fields don't."""

    topics: Sequence[str] = ()
    providers: Sequence[str] = ()
    types: Sequence[str] = ()
    published: bool | None = None
    published_from: TimeBound | None = None
    published_to: TimeBound | None = None
    min_quality: int | None = None
    max_quality: int | None = None
    within_topic: str | None = None
    within_provider: str | None = None
    q: SearchQuery | None = None

    def check(self) -> None:
        """Refuse contradictory bounds.

        Raises:
            InvalidParameter: `to` before `from`, or `max_quality` below `min_quality`.
        """
        low, high = self.published_from, self.published_to
        if low and high and (high.moment < low.moment or (
            high.moment == low.moment and not (low.inclusive and high.inclusive)
        )):  # fmt: skip
            raise InvalidParameter("to: must not be before from", "to")
        if (
            self.min_quality is not None
            and self.max_quality is not None
            and self.max_quality < self.min_quality
        ):
            raise InvalidParameter("max_quality: must not be below min_quality", "max_quality")


Wire = dict[str, Any]


Op = Literal["linked", "in", ">=", ">", "<=", "<", "is true", "is false", "never"]


class _Term(NamedTuple):
    """One filter as it shapes the SQL: `column op :param` on the article ("linked": linked to
    one of the topics `:param`; "never": nothing matches). The values live apart, by `param`,
    so that requests that differ only in values share one statement."""

    op: Op
    column: str = ""
    param: str = ""


_NEVER = _Term("never")
# The article's columns copied onto its topic links (and into their index).
_ON_TOPIC_LINK = frozenset({"published_at", "quality"})


@dataclass(frozen=True)
class _Scope:
    """The filters as terms and their values, and the exact count when a maintained counter
    has it. With one topic, `by_topic` lets the count walk that topic's links in time order
    instead of the articles of the whole period."""

    terms: tuple[_Term, ...]
    params: dict[str, Any]
    known_total: int | None
    by_topic: bool = False
    search: SearchSource | None = None
    searched: ColumnElement[bool] | None = None  # the search as a condition on the article

    @property
    def conditions(self) -> list[ColumnElement[bool]]:
        """Every condition, its values bound: for statements built afresh (search, facets)."""
        bound = _conditions(self.terms, self.params)
        return bound if self.searched is None else [*bound, self.searched]


class _PageShape(NamedTuple):
    dialect: str
    sort: Sort
    terms: tuple[_Term, ...]
    cursor: tuple[bool, ...] | None  # which of the cursor's values are NULL; None: first page
    through_topic_links: bool = False  # one topic, in time order: see _through_topic_links


class _CountShape(NamedTuple):
    terms: tuple[_Term, ...]
    by_topic: bool


# Filters, sorts and cursors combine into some 80,000 shapes, of which a worker meets a few
# dozen in practice: these bounds keep all of those, and the memory in check whatever the
# requests (an evicted shape costs one build, about half a millisecond, when it comes back).
PAGE_SHAPES = 512
COUNT_SHAPES = 256


def list_articles(
    connection: Connection,
    filters: ArticleFilters,
    *,
    sort: Sort | None = None,
    limit: int = 25,
    cursor: str | None = None,
    exact_total_limit: int = 10_000,
    facets: Sequence[FacetName] = (),
    as_dicts: bool = False,
) -> Wire:
    """One page (an `ArticlePage`) of the articles matching `filters`, in `sort` order (by
    default `relevance` when searching with `q`, else `newest`), after `cursor`. `total` is
    exact up to `exact_total_limit` matches; past it, it is that limit and `totalIsExact` is
    false, so that a cheap page never turns into a count of everything. With `q`, each item
    carries a `highlight`. `facets` adds
    those facets of the whole matching set (no `facets` key when empty). Items are ready-made
    JSON fragments where the database renders them, unless `as_dicts` asks for plain dicts
    (for answers other than JSON).

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters, `sort=relevance` without `q`, a search this
            database cannot run, or a malformed cursor.
    """
    filters.check()
    sort = _resolve_sort(sort, filters)
    scope = _scope(connection, filters)
    keys = _sort_keys(sort, scope.search)
    after = keyset.decode_cursor(cursor, sort, keys) if cursor else None
    total, exact = _total(connection, scope, exact_total_limit)
    item_json = summary_json(connection.dialect.name)
    highlights: list[str] | None = None
    if scope.search is None:
        shape = _PageShape(
            connection.dialect.name, sort, scope.terms,
            None if after is None else keyset.cursor_shape(after),
            scope.by_topic and sort in _TIME_SORTS,
        )  # fmt: skip
        params = {**scope.params, "limit": limit + 1}
        if after is not None:
            params.update(keyset.cursor_params(after))
        rows = connection.execute(_page_statement(shape), params).all()
        page, more = rows[:limit], len(rows) > limit
        shown = page
    else:
        hits = search_hits.find_hits(
            connection, scope.search, _conditions(scope.terms, scope.params), keys, after, limit,
            by_relevance=sort == "relevance", matches=total,
        )  # fmt: skip
        page, more = hits[:limit], len(hits) > limit
        shown = search_hits.hit_items(
            connection, _hit_items_statement(connection.dialect.name), page
        )
        highlights = search_hits.highlights(connection, scope.search, page, new_markers())
    items: list[Any]
    if item_json is None:
        items = summaries(connection, shown)
    elif as_dicts:
        items = [load_json(row.item) for row in shown]
    else:
        items = [orjson.Fragment(row.item) for row in shown]
    if highlights is not None:
        items = search_hits.with_highlights(
            items, shown, highlights, rendered=item_json is not None and not as_dicts
        )
    answer: Wire = {
        "items": items,
        "total": total,
        "totalIsExact": exact,
        "limit": limit,
        "nextCursor": keyset.encode_cursor(sort, keys, page[-1]) if more else None,
    }
    if facets:
        answer["facets"] = count_facets(connection, scope.conditions, facets)
    return answer


def article_batches(
    connection: Connection, filters: ArticleFilters, *, sort: Sort | None, batch_size: int
) -> Iterator[list[Wire]]:
    """Every article matching `filters`, in `sort` order, as lists of at most `batch_size`
    items (dicts). The first batch is read at the call, so that bad filters and unknown
    topics or providers raise before anything is yielded; later batches resume from a cursor
    on the same connection, hence from the same snapshot as long as its transaction lasts.

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters.
    """

    def batches(first: Wire) -> Iterator[list[Wire]]:
        current = first
        while current["items"]:
            yield current["items"]
            if current["nextCursor"] is None:
                return
            current = list_article_dicts(
                connection, filters, sort=sort, limit=batch_size, cursor=current["nextCursor"]
            )

    return batches(list_article_dicts(connection, filters, sort=sort, limit=batch_size))


def list_article_dicts(
    connection: Connection,
    filters: ArticleFilters,
    *,
    sort: Sort | None = None,
    limit: int = 25,
    cursor: str | None = None,
) -> Wire:
    """A page as `list_articles` gives it, with dict items, for answers that show no total:
    an exact-total limit of 0 keeps the count to a single probe (`total` is then not to be
    trusted).

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters or a malformed cursor.
    """
    return list_articles(
        connection, filters, sort=sort, limit=limit, cursor=cursor,
        exact_total_limit=0, as_dicts=True,
    )  # fmt: skip


def _resolve_sort(sort: Sort | None, filters: ArticleFilters) -> Sort:
    """The sort asked for, or the default: the best matches first for a search, else newest.

    Raises:
        InvalidParameter: `relevance` without a search to rank.
    """
    if sort is None:
        return "newest" if filters.q is None else "relevance"
    if sort == "relevance" and filters.q is None:
        raise InvalidParameter("sort: relevance ranks the matches of a search; give q too", "sort")
    return sort


def _sort_keys(sort: Sort, search: SearchSource | None) -> list[Key]:
    if sort == "relevance" and search is not None:
        # Scores are floats from the index: cursors carry them exactly (JSON keeps a double's
        # shortest repr), and within one snapshot of the database they are the same on every
        # page.
        return search_hits.relevance_keys(search, [_TIME, _SLUG])
    return SORT_KEYS[sort]


def _total(connection: Connection, scope: _Scope, exact_limit: int) -> tuple[int, bool]:
    if scope.known_total is not None:
        return scope.known_total, True
    if scope.search is None:
        count = _count_statement(_CountShape(scope.terms, scope.by_topic))
    else:
        count = _count_query(scope.terms, scope.by_topic, scope.search, scope.searched)
    params = {**scope.params, "count_limit": exact_limit + 1}
    counted = connection.execute(count, params).scalar_one()
    return min(counted, exact_limit), counted <= exact_limit


def _count_query(
    terms: tuple[_Term, ...],
    by_topic: bool,
    search: SearchSource | None = None,
    searched: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """How many articles meet `terms` (and `searched`), counted up to `:count_limit`."""
    limit: BindParameter[int] = bindparam("count_limit")
    searches = [] if searched is None else [searched]
    if search is not None and not terms:
        # The index holds exactly the articles (the importer keeps it in step): count there.
        matches = select(search.article_id).where(search.match).limit(limit).subquery()
    elif by_topic:
        link = article_topic_table
        # The link rows carry the article's time and quality: the time bounds pick a range of
        # (topic_id, published_at, quality) index entries, the quality bounds are read there,
        # and the articles themselves are read only for the other filters.
        topic, on_link, on_article = _split_at_topic_links(terms)
        linked = select(link.c.article_id).where(
            link.c.topic_id.in_(_bind(topic.param, None, expanding=True)),
            *_conditions(on_link, table=link),
        )
        if on_article or searches:
            linked = linked.join(a, a.c.id == link.c.article_id).where(
                *_conditions(on_article), *searches
            )
        matches = linked.limit(limit).subquery()
    else:
        matches = select(a.c.id).where(*_conditions(terms), *searches).limit(limit).subquery()
    return select(func.count()).select_from(matches)


def _split_at_topic_links(
    terms: Sequence[_Term],
) -> tuple[_Term, list[_Term], list[_Term]]:
    """The one topic filter, the filters the topic links can answer, and the others."""
    (topic,) = [term for term in terms if term.op == "linked"]
    on_link = [term for term in terms if term.column in _ON_TOPIC_LINK]
    return topic, on_link, [term for term in terms if term != topic and term not in on_link]


@statements.memoized(limit=COUNT_SHAPES)
def _count_statement(shape: _CountShape) -> Select[Any]:
    return _count_query(shape.terms, shape.by_topic)


_CATALOG_COUNT = select(catalog_table.c.article_count)


def _scope(connection: Connection, filters: ArticleFilters) -> _Scope:
    terms: list[_Term] = []
    params: dict[str, Any] = {}
    counters: list[int] = []  # maintained counts of the single topic or provider filters
    topic_filters: list[dict[int, int]] = []  # the topics each topic filter found

    def narrow(term: _Term, value: Any = None) -> None:
        terms.append(term)
        if term.param:
            params[term.param] = value

    if filters.within_topic is not None:
        topics = _topics(connection, [filters.within_topic])
        if not topics:
            raise NotFound(f"no topic {filters.within_topic!r}", "slug")
        narrow(_Term("linked", param="within_topic_ids"), list(topics))
        topic_filters.append(topics)
        counters.append(sum(topics.values()))
    if filters.within_provider is not None:
        providers = _providers(connection, [filters.within_provider])
        if not providers:
            raise NotFound(f"no provider {filters.within_provider!r}", "domain")
        narrow(_Term("in", "provider_id", "within_provider_ids"), list(providers))
        counters.append(sum(providers.values()))
    if filters.topics:
        topics = _topics(connection, filters.topics)
        narrow(_Term("linked", param="topic_ids") if topics else _NEVER, list(topics))
        topic_filters.append(topics)
        counters.append(sum(topics.values()) if len(topics) == 1 else -1)
    if filters.providers:
        providers = _providers(connection, filters.providers)
        narrow(_Term("in", "provider_id", "provider_ids"), list(providers))
        counters.append(sum(providers.values()))
    if filters.types:
        narrow(_Term("in", "type", "types"), list(filters.types))
    if filters.published is not None:
        narrow(_Term("is true" if filters.published else "is false", "published"))
    low, high = filters.published_from, filters.published_to
    if low:
        narrow(_Term(">=" if low.inclusive else ">", "published_at", "published_from"), low.moment)
    if high:
        narrow(_Term("<=" if high.inclusive else "<", "published_at", "published_to"), high.moment)
    if filters.min_quality is not None:
        narrow(_Term(">=", "quality", "min_quality"), filters.min_quality)
    if filters.max_quality is not None:
        narrow(_Term("<=", "quality", "max_quality"), filters.max_quality)
    search, searched = None, None
    if filters.q is not None:
        search = search_source(connection.dialect.name, filters.q)
        searched = a.c.id.in_(select(search.article_id).where(search.match))
    narrowing = len(terms) + (search is not None)
    known_total: int | None = None
    if not narrowing:
        known_total = connection.execute(_CATALOG_COUNT).scalar()
    elif narrowing == len(counters) == 1 and counters[0] >= 0:
        known_total = counters[0]
    by_topic = len(topic_filters) == 1 and len(topic_filters[0]) == 1
    return _Scope(tuple(terms), params, known_total, by_topic, search, searched)


_COMPARISONS: dict[str, Callable[[ColumnElement[Any], Any], ColumnElement[bool]]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}  # fmt: skip


def _conditions(
    terms: Sequence[_Term], values: Mapping[str, Any] | None = None, *, table: Table = a
) -> list[ColumnElement[bool]]:
    """The terms as conditions on the columns of `table`: with their `values` bound, or
    without (None) for a statement built once and executed with the values."""
    return [_condition(term, values, table) for term in terms]


def _condition(term: _Term, values: Mapping[str, Any] | None, table: Table) -> ColumnElement[bool]:
    if term.op == "never":
        return false()
    if term.op in ("is true", "is false"):
        flag: ColumnElement[bool] = table.c[term.column].is_(term.op == "is true")
        return flag
    value = _bind(term.param, values, expanding=term.op in ("linked", "in"))
    if term.op == "linked":
        return _in_topics(value)
    if term.op == "in":
        return table.c[term.column].in_(value)
    return _COMPARISONS[term.op](table.c[term.column], value)


def _bind(
    name: str, values: Mapping[str, Any] | None, *, expanding: bool = False
) -> BindParameter[Any]:
    if values is None:
        return bindparam(name, expanding=expanding)
    return bindparam(name, values[name], expanding=expanding)


def _in_topics(topic_ids: BindParameter[Any]) -> ColumnElement[bool]:
    # EXISTS probes the link table's primary key once per article: the planner then walks the
    # article order index and stops after one page, instead of collecting every article of
    # the topic first (12 ms against 1.6 ms at 100k articles).
    link = article_topic_table
    condition: ColumnElement[bool] = exists().where(
        link.c.article_id == a.c.id, link.c.topic_id.in_(topic_ids)
    )
    return condition


_TOPIC_COUNTS = select(topic_table.c.id, topic_table.c.article_count).where(
    topic_table.c.slug.in_(bindparam("slugs", expanding=True))
)
_PROVIDER_COUNTS = select(provider_table.c.id, provider_table.c.article_count).where(
    provider_table.c.domain.in_(bindparam("domains", expanding=True))
)


def _topics(connection: Connection, names_or_slugs: Sequence[str]) -> dict[int, int]:
    """Topic id -> article count, for the topics named (by slug or name)."""
    slugs = sorted({slugify(value) for value in names_or_slugs})
    rows = connection.execute(_TOPIC_COUNTS, {"slugs": slugs})
    return {topic_id: count for topic_id, count in rows}


def _providers(connection: Connection, domains: Sequence[str]) -> dict[int, int]:
    """Provider id -> article count, for the domains named."""
    wanted = sorted({domain.strip().lower() for domain in domains})
    rows = connection.execute(_PROVIDER_COUNTS, {"domains": wanted})
    return {provider_id: count for provider_id, count in rows}


@statements.memoized(limit=PAGE_SHAPES)
def _page_statement(shape: _PageShape) -> Select[Any]:
    """A page of a list without search: the filters, the cursor, `:limit` rows in order."""
    item_json = summary_json(shape.dialect)
    query = summary_select() if item_json is None else _summary_json_select(item_json)
    keys = SORT_KEYS[shape.sort]
    if shape.through_topic_links:
        query, keys = _through_topic_links(query, keys, shape.terms)
    else:
        query = query.where(*_conditions(shape.terms))
    if shape.cursor is not None:
        query = query.where(keyset.after_bound(keys, shape.cursor))
    return query.order_by(*keyset.order_by(keys)).limit(bindparam("limit"))


# Orders the topic links' own index follows: (topic_id, published_at, ...).
_TIME_SORTS = ("newest", "oldest")


def _through_topic_links(
    query: Select[Any], keys: list[Key], terms: tuple[_Term, ...]
) -> tuple[Select[Any], list[Key]]:
    """`query` (a page of one topic's articles in time order) read through the topic's links,
    and its keys with the time taken from the links.

    The links carry the article's time and quality, in that index order: a page walks the
    topic's links of the period alone (196 for Q2 at 100k), where walking the articles of the
    period in time order and testing each for the topic reads all of them (4,046 for Q2).
    """
    link = article_topic_table
    topic, on_link, on_article = _split_at_topic_links(terms)
    query = query.join(link, link.c.article_id == a.c.id).where(
        link.c.topic_id.in_(_bind(topic.param, None, expanding=True)),
        *_conditions(on_link, table=link),
        *_conditions(on_article),
    )
    time_key, *rest = keys
    return query, [replace(time_key, column=link.c.published_at), *rest]


@statements.memoized(limit=4)
def _hit_items_statement(dialect: str) -> Select[Any]:
    """The items of a search's hits, whose ids are given at execution."""
    item_json = summary_json(dialect)
    query = summary_select() if item_json is None else _summary_json_select(item_json)
    return search_hits.by_hit_ids(query)


def summary_select() -> Select[Any]:
    return select(
        a.c.id, a.c.slug, a.c.title, a.c.excerpt, a.c.published_at, a.c.web_url,
        a.c.amp_web_url, a.c.cdn_amp_web_url, a.c.original_url, a.c.type, a.c.quality,
        a.c.heat, a.c.published, a.c.provider_name,
        provider_table.c.domain.label("provider_domain"),
    ).select_from(a.outerjoin(provider_table, provider_table.c.id == a.c.provider_id))  # fmt: skip


def _summary_json_select(item_json: ColumnElement[str]) -> Select[Any]:
    # The sort keys (for the cursor) and the item the database rendered as JSON.
    return select(
        a.c.published_at, a.c.slug, a.c.quality, a.c.heat, item_json.label("item")
    ).select_from(a.outerjoin(provider_table, provider_table.c.id == a.c.provider_id))


def summaries(connection: Connection, rows: Sequence[Any]) -> list[Wire]:
    """Turn article rows (from `summary_select`) into list items (`ArticleSummary`)."""
    ids = [row.id for row in rows]
    topics, images = _topic_names(connection, ids), _images(connection, ids)
    return [
        _article_fields(
            row,
            provider=_provider_ref(row.provider_name, row.provider_domain),
            topics=topics.get(row.id, []),
            images=images.get(row.id, []),
        )
        for row in rows
    ]


def _article_fields(row: Any, **more: Any) -> Wire:
    return {
        "slug": row.slug,
        "title": row.title,
        "excerpt": row.excerpt,
        "publishedDateTime": format_utc(row.published_at),
        "webUrl": row.web_url,
        "ampWebUrl": row.amp_web_url,
        "cdnAmpWebUrl": row.cdn_amp_web_url,
        "originalUrl": row.original_url,
        "type": row.type,
        "quality": row.quality,
        "heat": row.heat,
        "published": row.published,
        **more,
    }


def _provider_ref(name: str | None, domain: str | None) -> Wire | None:
    return None if name is None and domain is None else {"name": name, "domain": domain}


_TOPIC_NAMES = (
    select(article_topic_table.c.article_id, topic_table.c.name)
    .join(topic_table, topic_table.c.id == article_topic_table.c.topic_id)
    .where(article_topic_table.c.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(article_topic_table.c.article_id, article_topic_table.c.position)
)
_IMAGES = (
    select(
        image_table.c.article_id, image_table.c.url, image_table.c.width, image_table.c.height,
        image_table.c.is_cached, image_table.c.title,
    )
    .where(image_table.c.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(image_table.c.article_id, image_table.c.position)
)  # fmt: skip


def _topic_names(connection: Connection, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if ids:
        for article_id, name in connection.execute(_TOPIC_NAMES, {"ids": ids}):
            found[article_id].append(name)
    return found


def _images(connection: Connection, ids: list[int]) -> dict[int, list[Wire]]:
    found: dict[int, list[Wire]] = defaultdict(list)
    if ids:
        rows = connection.execute(_IMAGES, {"ids": ids})
        for article_id, url, width, height, is_cached, title in rows:
            found[article_id].append(
                {
                    "url": url,
                    "width": width,
                    "height": height,
                    "isCached": is_cached,
                    "title": title,
                }
            )
    return found


_ARTICLE = (
    summary_select()
    .add_columns(source_table.c.front_matter, source_table.c.body)
    .join(source_table, source_table.c.article_id == a.c.id)
    .where(a.c.slug == bindparam("slug"))
)


def get_article(connection: Connection, slug: str) -> Wire:
    """The whole article (`ArticleDetail`) with this slug.

    Raises:
        NotFound: no article has this slug.
    """
    row = connection.execute(_ARTICLE, {"slug": slug}).one_or_none()
    if row is None:
        raise NotFound(f"no article with slug {slug!r}", "slug")
    front_matter: dict[str, Any] = row.front_matter
    provider = None
    if row.provider_name is not None or row.provider_domain is not None:
        provider = {
            "name": row.provider_name,
            "domain": row.provider_domain,
            "images": _file_provider_images(front_matter),
        }
    return _article_fields(
        row,
        provider=provider,
        topics=_topic_names(connection, [row.id]).get(row.id, []),
        images=_images(connection, [row.id]).get(row.id, []),
        category=front_matter.get("category"),
        featuredContent=front_matter.get("featuredContent"),
        secured=front_matter.get("secured"),
        body=row.body,
        related=_related(connection, row.id),
        extra={key: value for key, value in front_matter.items() if key not in KNOWN_KEYS},
    )


def _file_provider_images(front_matter: dict[str, Any]) -> list[dict[str, Any]]:
    # The article's own file speaks for its provider's logos, not the latest file imported.
    provider = front_matter.get("provider")
    images = provider.get("images") if isinstance(provider, dict) else None
    return images if isinstance(images, list) else []


_ARTICLE_ID = select(a.c.id).where(a.c.slug == bindparam("slug"))


def list_related(connection: Connection, slug: str) -> list[Wire]:
    """The related links (`RelatedOut`) of the article with this slug.

    Raises:
        NotFound: no article has this slug.
    """
    article_id = connection.execute(_ARTICLE_ID, {"slug": slug}).scalar_one_or_none()
    if article_id is None:
        raise NotFound(f"no article with slug {slug!r}", "slug")
    return _related(connection, article_id)


_RELATED = (
    select(related_table)
    .where(related_table.c.article_id == bindparam("article_id"))
    .order_by(related_table.c.position)
)
_SLUGS_BY_URL = (
    select(a.c.web_url, func.min(a.c.slug))
    .where(a.c.web_url.in_(bindparam("urls", expanding=True)))
    .group_by(a.c.web_url)
)


def _related(connection: Connection, article_id: int) -> list[Wire]:
    rows = connection.execute(_RELATED, {"article_id": article_id}).all()
    urls = sorted({row.web_url for row in rows if row.web_url is not None})
    slugs: dict[str, str] = {}
    if urls:
        found = connection.execute(_SLUGS_BY_URL, {"urls": urls})
        slugs = {web_url: slug for web_url, slug in found}
    return [
        {
            "title": row.title,
            "excerpt": row.excerpt,
            "publishedDateTime": None if row.published_at is None else format_utc(row.published_at),
            "webUrl": row.web_url,
            "ampWebUrl": row.amp_web_url,
            "cdnAmpWebUrl": row.cdn_amp_web_url,
            "type": row.type,
            "quality": row.quality,
            "provider": _provider_ref(row.provider_name, row.provider_domain),
            "images": row.images,
            "article": slugs.get(row.web_url) if row.web_url else None,
        }
        for row in rows
    ]
