"""Answering feed requests: a page of articles as an Atom feed (built by feedgen) or a JSON
Feed 1.1 document (the pydantic models of `app.schemas`), with RFC 5005 `next` links."""

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from feedgen.feed import FeedGenerator
from sqlalchemy import Engine
from starlette.datastructures import URL
from starlette.responses import JSONResponse, Response

from app.api.deps import read
from app.api.paging import next_page_url
from app.api.params import ArticleListQuery
from app.schemas import JSONFeed, JSONFeedAuthor, JSONFeedItem
from app.services.feeds import article_feed

TITLE = "Curated Articles"
ATOM_SUFFIX = ".atom"
JSON_FEED_SUFFIX = ".feed.json"
# Atom requires an `updated` time, and an empty collection that never changed has none.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# XML 1.0 forbids control characters other than tab, newline and carriage return (and
# surrogates, U+FFFE, U+FFFF); a YAML file can hold them, so they are dropped from Atom text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Wire = dict[str, Any]


class AtomBody(Response):
    """An Atom feed (RFC 4287)."""

    media_type = "application/atom+xml"


class JSONFeedBody(JSONResponse):
    """A JSON Feed document. A `JSONResponse`, so that FastAPI documents the route's model
    under this media type."""

    media_type = "application/feed+json"

    def render(self, content: JSONFeed) -> bytes:
        return content.model_dump_json(exclude_none=True).encode()


@dataclass(frozen=True)
class FeedPage:
    """One page of a feed, with every URL it names."""

    title: str
    feed_id: str  # the feed's URL without its cursor: one identity for all its pages
    self_url: str
    next_url: str | None
    list_url: str  # the same page as a JSON list
    api_root: str
    updated: datetime
    articles: list[Wire]

    def article_url(self, article: Wire) -> str:
        return f"{self.api_root}articles/{quote(article['slug'], safe='')}"

    def link(self, article: Wire) -> str:
        web_url: str | None = article["webUrl"]
        return web_url or self.article_url(article)


def feed_page(
    request: Request,
    engine: Engine,
    query: ArticleListQuery,
    *,
    within_topic: str | None = None,
    within_provider: str | None = None,
) -> FeedPage:
    """One page of the feed of the articles matching `query`, newest first.

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters or a malformed cursor.
    """
    filters = replace(query.filters, within_topic=within_topic, within_provider=within_provider)
    feed = read(engine, article_feed, filters, limit=query.limit, cursor=query.cursor)
    articles: list[Wire] = feed["items"]
    if articles:
        updated = _moment(articles[0]["publishedDateTime"])
    elif feed["changedAt"] is not None:
        updated = feed["changedAt"].replace(tzinfo=UTC)
    else:
        updated = EPOCH
    next_cursor: str | None = feed["nextCursor"]
    list_path = request.url.path.removesuffix(ATOM_SUFFIX).removesuffix(JSON_FEED_SUFFIX)
    return FeedPage(
        title=TITLE if feed["scope"] is None else f"{TITLE}: {feed['scope']}",
        feed_id=_absolute(request.url.remove_query_params("cursor")),
        self_url=_absolute(request.url),
        next_url=None if next_cursor is None else next_page_url(request, next_cursor),
        list_url=_absolute(request.url.replace(path=list_path)),
        api_root=str(request.base_url),
        updated=updated,
        articles=articles,
    )


def atom_body(page: FeedPage) -> AtomBody:
    """The page as an Atom feed."""
    return AtomBody(_atom(page))


def json_feed_body(page: FeedPage) -> JSONFeedBody:
    """The page as a JSON Feed 1.1 document."""
    return JSONFeedBody(_json_feed(page))


def _absolute(url: URL) -> str:
    # The path arrives decoded ("AI in Autos"); a URL in a document must be encoded again.
    return str(url.replace(path=quote(url.path)))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _author(article: Wire) -> str | None:
    provider: Wire | None = article["provider"]
    if provider is None:
        return None
    name: str | None = provider["name"] or provider["domain"]
    return name


def _first_image(article: Wire) -> Wire | None:
    images: list[Wire] = article["images"]
    return next((image for image in images if image["url"]), None)


def _atom(page: FeedPage) -> bytes:
    generator = FeedGenerator()
    generator.load_extension("media")
    generator.id(page.feed_id)
    generator.title(_xml(page.title))
    generator.updated(page.updated)
    generator.author({"name": TITLE})
    generator.generator("Curated Articles API")
    generator.link(href=page.self_url, rel="self", type=AtomBody.media_type)
    generator.link(href=page.list_url, rel="alternate", type="application/json")
    if page.next_url is not None:
        generator.link(href=page.next_url, rel="next", type=AtomBody.media_type)
    for article in page.articles:
        entry = generator.add_entry(order="append")
        entry.id(page.article_url(article))
        # Atom wants a title; one made only of characters XML cannot carry falls back to the slug.
        entry.title(_xml(article["title"]).strip() or article["slug"])
        entry.link(href=_xml(page.link(article)), rel="alternate")
        moment = _moment(article["publishedDateTime"])
        entry.published(moment)
        entry.updated(moment)
        if article["excerpt"]:
            entry.summary(_xml(article["excerpt"]))
        author = _author(article)
        if author:
            entry.author({"name": _xml(author)})
        for topic in article["topics"]:
            entry.category(term=_xml(topic))
        image = _first_image(article)
        if image is not None:
            size = {key: str(image[key]) for key in ("width", "height") if image[key] is not None}
            entry.media.thumbnail(url=_xml(image["url"]), group=None, **size)
    atom: bytes = generator.atom_str(pretty=False)
    return atom


def _json_feed(page: FeedPage) -> JSONFeed:
    return JSONFeed(
        title=page.title,
        home_page_url=page.list_url,
        feed_url=page.self_url,
        next_url=page.next_url,
        items=[_json_feed_item(page, article) for article in page.articles],
    )


def _json_feed_item(page: FeedPage, article: Wire) -> JSONFeedItem:
    moment = _moment(article["publishedDateTime"])
    author = _author(article)
    image = _first_image(article)
    return JSONFeedItem(
        id=page.article_url(article),
        url=page.link(article),
        title=article["title"],
        content_text=article["excerpt"] or "",
        summary=article["excerpt"],
        image=None if image is None else image["url"],
        date_published=moment,
        date_modified=moment,
        authors=None if not author else [JSONFeedAuthor(name=author)],
        tags=article["topics"] or None,
    )
