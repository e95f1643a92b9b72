"""Query parameters shared by every article list, with their OpenAPI descriptions."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from app.search.query import MAX_QUERY_LENGTH, MAX_TERMS, parse_query
from app.services.articles import SORTS, ArticleFilters, Sort, TimeBound, parse_time_bound
from app.services.facets import FACETS, FacetName, parse_facets

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
# Qualities are stored as 64-bit integers; a bound outside that range is a bad value, not a 500.
MIN_QUALITY = -(2**63)
MAX_QUALITY = 2**63 - 1

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1..{MAX_LIMIT}).", examples=[25]),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="Opaque position from a previous answer's `nextCursor`.",
        examples=["WyJuZXdlc3QiLFsiMjAyMC0wNi0xN1QxOTowMjowMCIsIjAwMF8yOWFlZDI3ODg2MjdjNDhjIl1d"],
    ),
]
SortParam = Annotated[
    Sort | None,
    Query(
        description="`relevance` (the default with `q`, and only with it: articles whose title "
        "holds every searched word first, then by BM25 score, title above excerpt above body), "
        "`newest` (the default otherwise), `oldest`, `quality` or `heat` (highest first; "
        "articles without the field last). Ties break by time, then slug.",
        examples=[*(sort for sort in SORTS if sort != "relevance"), "relevance"],
    ),
]
FacetsParam = Annotated[
    list[str] | None,
    Query(
        description="Facets to count over every matching article (all pages), comma-separated "
        f"or repeated: {', '.join(f'`{name}`' for name in FACETS)}. Adds `facets` to the answer.",
        examples=["topic,month"],
    ),
]


def _bound(value: str | None, parameter: str, *, upper: bool) -> TimeBound | None:
    return None if value is None else parse_time_bound(value, parameter, upper=upper)


async def article_filters(
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="Full-text search of title, excerpt and body, case and accents ignored: "
            'words (all must match), `"exact phrases"`, `prefix*`, `-excluded` (also '
            f'`-"a phrase"`); nothing else is an operator. At most {MAX_QUERY_LENGTH} characters '
            f"and {MAX_TERMS} terms. Sorts by `relevance` unless `sort` says otherwise; each item "
            "then carries a `highlight`.",
            examples=["facial recognition", '"facial recognition" -IBM', "recogni*"],
        ),
    ] = None,
    topic: Annotated[
        list[str] | None,
        Query(
            description="Topic slug or name; repeat for any of several.",
            examples=["computer-vision"],
        ),
    ] = None,
    provider: Annotated[
        list[str] | None,
        Query(description="Provider domain; repeat for any of several.", examples=["forbes.com"]),
    ] = None,
    type: Annotated[  # noqa: A002 - the public parameter name
        list[str] | None,
        Query(
            description="Article type, e.g. `article`; repeat for any of several.",
            examples=["article"],
        ),
    ] = None,
    published: Annotated[
        bool | None,
        Query(
            description="`true` or `false`. Articles whose file has no `published` match neither.",
            examples=[True],
        ),
    ] = None,
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            description="Earliest publication time, inclusive: an ISO date (whole UTC day) or "
            "date-time (an offset is honoured; none means UTC).",
            examples=["2020-06-01"],
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(
            description="Latest publication time, inclusive: an ISO date (the whole UTC day) or "
            "date-time.",
            examples=["2020-06-30"],
        ),
    ] = None,
    min_quality: Annotated[
        int | None,
        Query(
            ge=MIN_QUALITY,
            le=MAX_QUALITY,
            description="Lowest quality, inclusive. Articles without quality never match.",
            examples=[50],
        ),
    ] = None,
    max_quality: Annotated[
        int | None,
        Query(
            ge=MIN_QUALITY,
            le=MAX_QUALITY,
            description="Highest quality, inclusive. Articles without quality never match.",
            examples=[100],
        ),
    ] = None,
) -> ArticleFilters:
    """Collect the list filters; the service checks they are consistent."""
    return ArticleFilters(
        q=None if q is None else parse_query(q),
        topics=tuple(topic or ()),
        providers=tuple(provider or ()),
        types=tuple(type or ()),
        published=published,
        published_from=_bound(from_, "from", upper=False),
        published_to=_bound(to, "to", upper=True),
        min_quality=min_quality,
        max_quality=max_quality,
    )


@dataclass(frozen=True)
class ArticleListQuery:
    """Everything an article list request asks for."""

    filters: ArticleFilters
    sort: Sort | None  # None: the default for the filters (the service decides)
    limit: int
    cursor: str | None
    facets: tuple[FacetName, ...] = ()


async def article_list_query(
    filters: Annotated[ArticleFilters, Depends(article_filters)],
    sort: SortParam = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    facets: FacetsParam = None,
) -> ArticleListQuery:
    """Collect filters, sort, paging and facets of an article list."""
    return ArticleListQuery(
        filters=filters, sort=sort, limit=limit, cursor=cursor, facets=parse_facets(facets or ())
    )


ListQuery = Annotated[ArticleListQuery, Depends(article_list_query)]
