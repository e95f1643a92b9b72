"""Article lists as feeds: Atom and JSON Feed 1.1, newest first, paged with `next` links."""

from typing import Any

from fastapi import APIRouter, Request

from app.api.deps import EngineDep
from app.api.feeds import AtomBody, JSONFeedBody, atom_body, feed_page, json_feed_body
from app.api.format_params import FeedQuery
from app.api.problems import problem_responses
from app.api.routes.providers import Domain
from app.api.routes.topics import TopicSlug
from app.schemas import JSONFeed

router = APIRouter(tags=["feeds"])

ATOM: dict[int | str, Any] = {
    200: {
        "description": 'An Atom feed (RFC 4287); `<link rel="next">` (RFC 5005) leads to the '
        "next page.",
        "content": {AtomBody.media_type: {"schema": {"type": "string"}}},
    }
}
JSON_FEED: dict[int | str, Any] = {
    200: {"description": "A JSON Feed 1.1 document; `next_url` leads to the next page."}
}


def _responses(answer: dict[int | str, Any], **problems: str) -> dict[int | str, Any]:
    return {**answer, **problem_responses(invalid="A parameter is invalid.", **problems)}


@router.get("/articles.atom", response_class=AtomBody, responses=_responses(ATOM))
async def read_articles_atom(request: Request, engine: EngineDep, query: FeedQuery) -> AtomBody:
    """Feed the articles matching every filter as Atom, newest first, one page at a time."""
    return atom_body(feed_page(request, engine, query))


@router.get(
    "/articles.feed.json",
    response_class=JSONFeedBody,
    response_model=JSONFeed,
    responses=_responses(JSON_FEED),
)
async def read_articles_json_feed(
    request: Request, engine: EngineDep, query: FeedQuery
) -> JSONFeedBody:
    """Feed the articles matching every filter as JSON Feed 1.1, newest first, page by page."""
    return json_feed_body(feed_page(request, engine, query))


@router.get(
    "/topics/{slug}/articles.atom",
    response_class=AtomBody,
    responses=_responses(ATOM, not_found="No such topic."),
)
async def read_topic_atom(
    request: Request, engine: EngineDep, slug: TopicSlug, query: FeedQuery
) -> AtomBody:
    """Feed the topic's articles as Atom, newest first, with the same filters as `/articles`."""
    return atom_body(feed_page(request, engine, query, within_topic=slug))


@router.get(
    "/topics/{slug}/articles.feed.json",
    response_class=JSONFeedBody,
    response_model=JSONFeed,
    responses=_responses(JSON_FEED, not_found="No such topic."),
)
async def read_topic_json_feed(
    request: Request, engine: EngineDep, slug: TopicSlug, query: FeedQuery
) -> JSONFeedBody:
    """Feed the topic's articles as JSON Feed 1.1, newest first, with the same filters."""
    return json_feed_body(feed_page(request, engine, query, within_topic=slug))


@router.get(
    "/providers/{domain}/articles.atom",
    response_class=AtomBody,
    responses=_responses(ATOM, not_found="No such provider."),
)
async def read_provider_atom(
    request: Request, engine: EngineDep, domain: Domain, query: FeedQuery
) -> AtomBody:
    """Feed the provider's articles as Atom, newest first, with the same filters as `/articles`."""
    return atom_body(feed_page(request, engine, query, within_provider=domain))


@router.get(
    "/providers/{domain}/articles.feed.json",
    response_class=JSONFeedBody,
    response_model=JSONFeed,
    responses=_responses(JSON_FEED, not_found="No such provider."),
)
async def read_provider_json_feed(
    request: Request, engine: EngineDep, domain: Domain, query: FeedQuery
) -> JSONFeedBody:
    """Feed the provider's articles as JSON Feed 1.1, newest first, with the same filters."""
    return json_feed_body(feed_page(request, engine, query, within_provider=domain))
