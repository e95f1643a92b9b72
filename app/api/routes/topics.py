"""/topics: the topics with their counts, and each topic's articles."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.api.deps import EngineDep, read
from app.api.paging import article_page
from app.api.params import ListQuery
from app.api.problems import problem_responses
from app.api.responses import JSONBody
from app.schemas import ArticlePage, TopicList, TopicOut
from app.services.topics import get_topic, list_topics

router = APIRouter(prefix="/topics", tags=["topics"], default_response_class=JSONBody)

TopicSlug = Annotated[
    str, Path(description="Topic slug (a topic name works too).", examples=["computer-vision"])
]


@router.get("", response_model=TopicList)
async def read_topics(engine: EngineDep) -> JSONBody:
    """List every topic with its article count and latest publication time, most articles first."""
    return JSONBody(read(engine, list_topics))


@router.get(
    "/{slug}", response_model=TopicOut, responses=problem_responses(not_found="No such topic.")
)
async def read_topic(engine: EngineDep, slug: TopicSlug) -> JSONBody:
    """Return one topic with its article count and latest publication time."""
    return JSONBody(read(engine, get_topic, slug))


@router.get(
    "/{slug}/articles",
    response_model=ArticlePage,
    responses=problem_responses(not_found="No such topic.", invalid="A parameter is invalid."),
)
async def read_topic_articles(
    request: Request, engine: EngineDep, slug: TopicSlug, query: ListQuery
) -> JSONBody:
    """List the topic's articles, with the same filters, sorts and paging as `/articles`."""
    return article_page(request, engine, query, within_topic=slug)
