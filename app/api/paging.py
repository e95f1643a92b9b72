"""Answering article list requests: the page, and its `Link: <...>; rel="next"` header."""

from dataclasses import replace
from urllib.parse import quote

from fastapi import Request, Response
from sqlalchemy import Connection

from app.api.params import ArticleListQuery
from app.schemas import ArticlePage
from app.services.articles import list_articles


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    """Point the `Link` header at the next page, when there is one."""
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        # The path arrives decoded ("AI in Autos"); a URL in a header must be encoded again.
        url = url.replace(path=quote(url.path))
        response.headers["Link"] = f'<{url}>; rel="next"'


def article_page(
    request: Request,
    response: Response,
    connection: Connection,
    query: ArticleListQuery,
    *,
    within_topic: str | None = None,
    within_provider: str | None = None,
) -> ArticlePage:
    """One page of articles for `query`, optionally inside one topic or provider."""
    filters = replace(query.filters, within_topic=within_topic, within_provider=within_provider)
    page = list_articles(
        connection, filters, sort=query.sort, limit=query.limit, cursor=query.cursor
    )
    link_next(request, response, page.next_cursor)
    return page
