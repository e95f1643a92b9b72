"""Wire shapes of the API. Field names follow the source files (camelCase)."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema


def format_utc(moment: datetime) -> str:
    """Render a UTC datetime (naive or aware) as ISO 8601 with a `Z`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds" if not moment.microsecond else "microseconds") + "Z"


UTCDateTime = Annotated[
    datetime,
    PlainSerializer(format_utc, return_type=str),
    Field(examples=["2020-06-17T19:02:00Z"]),
]


class Schema(BaseModel):
    """Base of every wire shape: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ProviderRef(Schema):
    name: str | None = Field(description="Provider name as the article's file gives it.")
    domain: str | None = Field(description="Provider domain (lower case), its key.")


class ImageOut(Schema):
    url: str | None
    width: int | None
    height: int | None
    is_cached: bool | None
    title: str | None


class ArticleSummary(Schema):
    """An article as lists show it."""

    slug: str = Field(description="File name without extension; the article's key.")
    title: str
    excerpt: str | None
    published_date_time: UTCDateTime
    web_url: str | None
    amp_web_url: str | None
    cdn_amp_web_url: str | None
    original_url: str | None
    type: str | None
    quality: int | None
    heat: int | None
    published: bool | None
    provider: ProviderRef | None
    topics: list[str] = Field(description="Topic names, in the file's order.")
    images: list[ImageOut]


class ArticleListItem(ArticleSummary):
    """An article as a list shows it; in a search, also where it matched."""

    # Absent, not null, without a search: SkipJsonSchema keeps null out of the document.
    highlight: SkipJsonSchema[None] | str = Field(
        default=None,
        description="Only with `q`: a short extract of the best matching field (`…` where text "
        "is left out) as HTML, every matched word in `<mark>`…`</mark>` and all other text "
        "escaped, safe to insert into a page as it is.",
        examples=["Microsoft Tried Selling Its <mark>Facial</mark> <mark>Recognition</mark>…"],
    )


class ProviderDetail(ProviderRef):
    images: list[dict[str, Any]] = Field(description="Provider logos, as the file gives them.")


class RelatedOut(Schema):
    """A related link as the article's file lists it."""

    title: str | None
    excerpt: str | None
    published_date_time: UTCDateTime | None
    web_url: str | None
    amp_web_url: str | None
    cdn_amp_web_url: str | None
    type: str | None
    quality: int | None
    provider: ProviderRef | None
    images: list[dict[str, Any]]
    article: str | None = Field(
        description="Slug of the imported article with this webUrl, or null if none is imported."
    )


class ArticleDetail(ArticleSummary):
    """The whole article: everything its file said."""

    provider: ProviderDetail | None
    category: str | None
    featured_content: str | None
    secured: str | None
    body: str = Field(description="Text after the front matter, as written (often empty).")
    related: list[RelatedOut]
    extra: dict[str, Any] = Field(
        description="Front-matter keys this API does not name, kept as written."
    )


class TopicBucket(Schema):
    value: str = Field(description="Topic slug.", examples=["computer-vision"])
    label: str = Field(description="Topic name.", examples=["Computer Vision"])
    count: int


class ProviderBucket(Schema):
    value: str | None = Field(
        description="Provider domain; null counts the articles without one.",
        examples=["forbes.com"],
    )
    label: str | None = Field(description="Provider name (null for the null bucket).")
    count: int


class TypeBucket(Schema):
    value: str | None = Field(
        description="Article type; null counts the articles without one.", examples=["article"]
    )
    count: int


class PublishedBucket(Schema):
    value: bool | None = Field(description="The file's `published`; null when it has none.")
    count: int


class MonthBucket(Schema):
    value: str = Field(
        description="UTC month of publishedDateTime.",
        pattern=r"^\d{4}-\d{2}$",
        examples=["2020-06"],
    )
    count: int


def _no_default(schema: JsonDict) -> None:
    # The key is absent unless asked for, never null: there is no default to document.
    schema.pop("default", None)


def _asked_for(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra=_no_default)


class Facets(Schema):
    """Counts over every article matching the filters (all pages), most frequent first, ties
    by value (null last), at most 20 buckets per facet. Only the facets asked for are present,
    always in this order."""

    topic: list[TopicBucket] | SkipJsonSchema[None] = _asked_for(
        "Topics of the matching articles (an article counts once in each of its topics; none "
        "for an article without topics)."
    )
    provider: list[ProviderBucket] | SkipJsonSchema[None] = _asked_for(
        "Providers of the matching articles."
    )
    type: list[TypeBucket] | SkipJsonSchema[None] = _asked_for("Types of the matching articles.")
    published: list[PublishedBucket] | SkipJsonSchema[None] = _asked_for(
        "`published` values of the matching articles."
    )
    month: list[MonthBucket] | SkipJsonSchema[None] = _asked_for(
        "Publication months (UTC) of the matching articles."
    )


class ArticlePage(Schema):
    items: list[ArticleListItem]
    total: int = Field(
        description="Number of articles matching the filters (all pages): exact up to a limit "
        "(EXACT_TOTAL_LIMIT, 10,000 by default); past it, the limit itself, with "
        "`totalIsExact` false. An unfiltered list and a list filtered only by one topic or by "
        "providers always have the exact total, from counters the importer maintains."
    )
    total_is_exact: bool = Field(description="Whether `total` is exact or a lower bound.")
    limit: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    facets: Facets | SkipJsonSchema[None] = _asked_for(
        "Present only when the `facets` parameter asks for some; the same on every page."
    )


class RelatedList(Schema):
    items: list[RelatedOut]


class TopicOut(Schema):
    slug: str
    name: str
    article_count: int
    latest_published_date_time: UTCDateTime | None


class TopicList(Schema):
    items: list[TopicOut]
    total: int


class ProviderOut(Schema):
    domain: str
    name: str | None
    images: list[dict[str, Any]]
    article_count: int


class ProviderPage(Schema):
    items: list[ProviderOut]
    total: int
    limit: int
    next_cursor: str | None


class ArticleChange(Schema):
    """An article added or changed since the token, as it is now."""

    change: Literal["added", "updated"] = Field(
        description="`added`: new since the token (or back after a removal); `updated`: "
        "changed since the token. Either way, store `article` under `slug`."
    )
    slug: str
    article: ArticleSummary


class ArticleRemoval(Schema):
    """A tombstone: an article removed (pruned) since the token."""

    change: Literal["removed"]
    slug: str
    removed_at: UTCDateTime


class ChangePage(Schema):
    changes: list[Annotated[ArticleChange | ArticleRemoval, Field(discriminator="change")]] = Field(
        description="Oldest first. Apply them in order."
    )
    next_token: str = Field(
        description="Pass as `since` to continue. On the last page it marks the current state: "
        "keep it and ask again later for what changes next."
    )
    has_more: bool = Field(description="Whether more changes follow right now.")


class Health(Schema):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])


class Problem(BaseModel):
    """An RFC 9457 problem document (application/problem+json)."""

    type: str = Field(examples=["/problems/invalid-parameter"])
    title: str = Field(examples=["Invalid Parameter"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["limit: Input should be greater than or equal to 1 (got '0')"])
    instance: str = Field(examples=["/articles"])
    parameter: str | None = Field(default=None, examples=["limit"])


class JSONFeedAuthor(BaseModel):
    """A JSON Feed author: here, the article's provider."""

    name: str


class JSONFeedItem(BaseModel):
    """A JSON Feed 1.1 item: one article."""

    id: str = Field(description="The article's API URL: permanent and unique.")
    url: str = Field(description="The article's `webUrl` (its API URL when it has none).")
    title: str
    content_text: str = Field(description="The excerpt (JSON Feed requires some content).")
    summary: str | None = Field(default=None, description="The excerpt.")
    image: str | None = Field(default=None, description="The article's first image.")
    date_published: UTCDateTime
    date_modified: UTCDateTime
    authors: list[JSONFeedAuthor] | None = None
    tags: list[str] | None = Field(default=None, description="Topic names.")


class JSONFeed(BaseModel):
    """A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1): one page of articles,
    newest first. Field names are the JSON Feed specification's own (snake_case)."""

    version: Literal["https://jsonfeed.org/version/1.1"] = "https://jsonfeed.org/version/1.1"
    title: str
    home_page_url: str = Field(description="The same query as a JSON list.")
    feed_url: str = Field(description="This page of the feed.")
    next_url: str | None = Field(default=None, description="The next page; absent on the last.")
    items: list[JSONFeedItem]
