"""/topics: the topics with their counts, and each topic's articles."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.api.deps import DbConnection
from app.api.paging import article_page
from app.api.params import ListQuery
from app.api.problems import problem_responses
from app.schemas import ArticlePage, TopicList, TopicOut
from app.services.topics import get_topic, list_topics

router = APIRouter(prefix="/topics", tags=["topics"])

TopicSlug = Annotated[
    str, Path(description="Topic slug (a topic name works too).", examples=["computer-vision"])
]


@router.get("")
def read_topics(connection: DbConnection) -> TopicList:
    """List every topic with its article count and latest publication time, most articles first."""
    return list_topics(connection)


@router.get("/{slug}", responses=problem_responses(not_found="No such topic."))
def read_topic(connection: DbConnection, slug: TopicSlug) -> TopicOut:
    """Return one topic with its article count and latest publication time."""
    return get_topic(connection, slug)


@router.get(
    "/{slug}/articles",
    responses=problem_responses(not_found="No such topic.", invalid="A parameter is invalid."),
)
def read_topic_articles(
    request: Request,
    response: Response,
    connection: DbConnection,
    slug: TopicSlug,
    query: ListQuery,
) -> ArticlePage:
    """List the topic's articles, with the same filters, sorts and paging as `/articles`."""
    return article_page(request, response, connection, query, within_topic=slug)
