"""Reading articles: filtered, sorted, cursor-paged lists; one article whole; its related links."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Select, false, func, select

from app.errors import InvalidParameter, NotFound
from app.importer.parse import KNOWN_KEYS, slugify
from app.models import (
    article_table,
    article_topic_table,
    image_table,
    provider_table,
    related_table,
    source_table,
    topic_table,
)
from app.schemas import (
    ArticleDetail,
    ArticlePage,
    ArticleSummary,
    ImageOut,
    ProviderDetail,
    ProviderRef,
    RelatedOut,
)
from app.services import keyset
from app.services.keyset import Key

Sort = Literal["newest", "oldest", "quality", "heat"]
SORTS: tuple[Sort, ...] = ("newest", "oldest", "quality", "heat")

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


def list_articles(
    connection: Connection,
    filters: ArticleFilters,
    *,
    sort: Sort = "newest",
    limit: int = 25,
    cursor: str | None = None,
) -> ArticlePage:
    """One page of the articles matching `filters`, in `sort` order, after `cursor`.

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters or a malformed cursor.
    """
    filters.check()
    keys = SORT_KEYS[sort]
    after = keyset.decode_cursor(cursor, sort, keys) if cursor else None
    conditions = _conditions(connection, filters)
    total = connection.execute(select(func.count()).select_from(a).where(*conditions)).scalar_one()
    query = _summary_select().where(*conditions)
    if after is not None:
        query = query.where(keyset.after(keys, after))
    rows = connection.execute(query.order_by(*keyset.order_by(keys)).limit(limit + 1)).all()
    page, more = rows[:limit], len(rows) > limit
    return ArticlePage(
        items=summaries(connection, page),
        total=total,
        limit=limit,
        next_cursor=keyset.encode_cursor(sort, keys, page[-1]) if more else None,
    )


def _conditions(connection: Connection, filters: ArticleFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.within_topic is not None:
        topic_ids = _topic_ids(connection, [filters.within_topic])
        if not topic_ids:
            raise NotFound(f"no topic {filters.within_topic!r}", "slug")
        conditions.append(_in_topics(topic_ids))
    if filters.within_provider is not None:
        provider_ids = _provider_ids(connection, [filters.within_provider])
        if not provider_ids:
            raise NotFound(f"no provider {filters.within_provider!r}", "domain")
        conditions.append(a.c.provider_id.in_(provider_ids))
    if filters.topics:
        conditions.append(_in_topics(_topic_ids(connection, filters.topics)))
    if filters.providers:
        conditions.append(a.c.provider_id.in_(_provider_ids(connection, filters.providers)))
    if filters.types:
        conditions.append(a.c.type.in_(list(filters.types)))
    if filters.published is not None:
        conditions.append(a.c.published.is_(filters.published))
    if filters.published_from:
        bound = filters.published_from
        conditions.append(
            a.c.published_at >= bound.moment if bound.inclusive else a.c.published_at > bound.moment
        )
    if filters.published_to:
        bound = filters.published_to
        conditions.append(
            a.c.published_at <= bound.moment if bound.inclusive else a.c.published_at < bound.moment
        )
    if filters.min_quality is not None:
        conditions.append(a.c.quality >= filters.min_quality)
    if filters.max_quality is not None:
        conditions.append(a.c.quality <= filters.max_quality)
    return conditions


def _in_topics(topic_ids: list[int]) -> ColumnElement[bool]:
    if not topic_ids:
        return false()
    link = article_topic_table
    subquery = select(link.c.article_id).where(link.c.topic_id.in_(topic_ids))
    condition: ColumnElement[bool] = a.c.id.in_(subquery)
    return condition


def _topic_ids(connection: Connection, names_or_slugs: Sequence[str]) -> list[int]:
    slugs = sorted({slugify(value) for value in names_or_slugs})
    t = topic_table
    return list(connection.execute(select(t.c.id).where(t.c.slug.in_(slugs))).scalars())


def _provider_ids(connection: Connection, domains: Sequence[str]) -> list[int]:
    wanted = sorted({domain.strip().lower() for domain in domains})
    p = provider_table
    return list(connection.execute(select(p.c.id).where(p.c.domain.in_(wanted))).scalars())


def _summary_select() -> Select[Any]:
    return select(
        a.c.id, a.c.slug, a.c.title, a.c.excerpt, a.c.published_at, a.c.web_url,
        a.c.amp_web_url, a.c.cdn_amp_web_url, a.c.original_url, a.c.type, a.c.quality,
        a.c.heat, a.c.published, a.c.provider_name,
        provider_table.c.domain.label("provider_domain"),
    ).select_from(a.outerjoin(provider_table, provider_table.c.id == a.c.provider_id))  # fmt: skip


def summaries(connection: Connection, rows: Sequence[Any]) -> list[ArticleSummary]:
    """Turn article rows (from `_summary_select`) into list items, with topics and images."""
    ids = [row.id for row in rows]
    topics, images = _topic_names(connection, ids), _images(connection, ids)
    return [
        ArticleSummary(
            **_article_fields(row),
            provider=_provider_ref(row.provider_name, row.provider_domain),
            topics=topics.get(row.id, []),
            images=images.get(row.id, []),
        )
        for row in rows
    ]


def _article_fields(row: Any) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "title": row.title,
        "excerpt": row.excerpt,
        "published_date_time": row.published_at,
        "web_url": row.web_url,
        "amp_web_url": row.amp_web_url,
        "cdn_amp_web_url": row.cdn_amp_web_url,
        "original_url": row.original_url,
        "type": row.type,
        "quality": row.quality,
        "heat": row.heat,
        "published": row.published,
    }


def _provider_ref(name: str | None, domain: str | None) -> ProviderRef | None:
    return None if name is None and domain is None else ProviderRef(name=name, domain=domain)


def _topic_names(connection: Connection, ids: list[int]) -> dict[int, list[str]]:
    link, t = article_topic_table, topic_table
    found: dict[int, list[str]] = defaultdict(list)
    if ids:
        rows = connection.execute(
            select(link.c.article_id, t.c.name)
            .join(t, t.c.id == link.c.topic_id)
            .where(link.c.article_id.in_(ids))
            .order_by(link.c.article_id, link.c.position)
        )
        for article_id, name in rows:
            found[article_id].append(name)
    return found


def _images(connection: Connection, ids: list[int]) -> dict[int, list[ImageOut]]:
    i = image_table
    found: dict[int, list[ImageOut]] = defaultdict(list)
    if ids:
        rows = connection.execute(
            select(i).where(i.c.article_id.in_(ids)).order_by(i.c.article_id, i.c.position)
        )
        for row in rows:
            found[row.article_id].append(
                ImageOut(
                    url=row.url,
                    width=row.width,
                    height=row.height,
                    is_cached=row.is_cached,
                    title=row.title,
                )
            )
    return found


def get_article(connection: Connection, slug: str) -> ArticleDetail:
    """The whole article with this slug.

    Raises:
        NotFound: no article has this slug.
    """
    row = connection.execute(
        _summary_select()
        .add_columns(
            provider_table.c.images.label("provider_images"),
            source_table.c.front_matter,
            source_table.c.body,
        )
        .join(source_table, source_table.c.article_id == a.c.id)
        .where(a.c.slug == slug)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no article with slug {slug!r}", "slug")
    front_matter: dict[str, Any] = row.front_matter
    provider = None
    if row.provider_name is not None or row.provider_domain is not None:
        provider = ProviderDetail(
            name=row.provider_name,
            domain=row.provider_domain,
            images=_file_provider_images(front_matter),
        )
    return ArticleDetail(
        **_article_fields(row),
        provider=provider,
        topics=_topic_names(connection, [row.id]).get(row.id, []),
        images=_images(connection, [row.id]).get(row.id, []),
        category=front_matter.get("category"),
        featured_content=front_matter.get("featuredContent"),
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


def list_related(connection: Connection, slug: str) -> list[RelatedOut]:
    """The related links of the article with this slug.

    Raises:
        NotFound: no article has this slug.
    """
    article_id = connection.execute(select(a.c.id).where(a.c.slug == slug)).scalar_one_or_none()
    if article_id is None:
        raise NotFound(f"no article with slug {slug!r}", "slug")
    return _related(connection, article_id)


def _related(connection: Connection, article_id: int) -> list[RelatedOut]:
    r = related_table
    rows = connection.execute(
        select(r).where(r.c.article_id == article_id).order_by(r.c.position)
    ).all()
    urls = sorted({row.web_url for row in rows if row.web_url is not None})
    slugs: dict[str, str] = {}
    if urls:
        found = connection.execute(
            select(a.c.web_url, func.min(a.c.slug))
            .where(a.c.web_url.in_(urls))
            .group_by(a.c.web_url)
        )
        slugs = {web_url: slug for web_url, slug in found}
    return [
        RelatedOut(
            title=row.title,
            excerpt=row.excerpt,
            published_date_time=row.published_at,
            web_url=row.web_url,
            amp_web_url=row.amp_web_url,
            cdn_amp_web_url=row.cdn_amp_web_url,
            type=row.type,
            quality=row.quality,
            provider=_provider_ref(row.provider_name, row.provider_domain),
            images=row.images,
            article=slugs.get(row.web_url) if row.web_url else None,
        )
        for row in rows
    ]
