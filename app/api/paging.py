"""Answering list requests: the page, and its `Link: <...>; rel="next"` header."""

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlalchemy import Engine

from app.api.deps import read
from app.api.params import ArticleListQuery
from app.api.responses import JSONBody
from app.services.articles import list_articles


def page_response(request: Request, page: dict[str, Any]) -> JSONBody:
    """The page as JSON, with a `Link` header to the next page when there is one."""
    response = JSONBody(page)
    next_cursor = page.get("nextCursor")
    if next_cursor is not None:
        response.headers["Link"] = link_next(request, cursor=next_cursor)
    return response


def next_page_url(request: Request, cursor: str) -> str:
    """The URL of this request with `cursor` in place of its own."""
    return _with_query(request, cursor=cursor)


def link_next(request: Request, **query: str) -> str:
    """A `Link` header value to this request's URL with `query` replaced: the next page."""
    return f'<{_with_query(request, **query)}>; rel="next"'


def _with_query(request: Request, **query: str) -> str:
    url = request.url.include_query_params(**query)
    # The path arrives decoded ("AI in Autos"); a URL in a header must be encoded again.
    return str(url.replace(path=quote(url.path)))


def article_page(
    request: Request,
    engine: Engine,
    query: ArticleListQuery,
    *,
    within_topic: str | None = None,
    within_provider: str | None = None,
) -> JSONBody:
    """One page of articles for `query`, optionally inside one topic or provider."""
    filters = replace(query.filters, within_topic=within_topic, within_provider=within_provider)
    page = read(
        engine,
        list_articles,
        filters,
        sort=query.sort,
        limit=query.limit,
        cursor=query.cursor,
        exact_total_limit=request.app.state.settings.exact_total_limit,
        facets=query.facets,
    )
    return page_response(request, page)
