"""/providers: publishers by article count, and each provider's articles."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.api.deps import DbConnection
from app.api.paging import article_page, link_next
from app.api.params import DEFAULT_LIMIT, Cursor, Limit, ListQuery
from app.api.problems import problem_responses
from app.schemas import ArticlePage, ProviderOut, ProviderPage
from app.services.providers import get_provider, list_providers

router = APIRouter(prefix="/providers", tags=["providers"])

Domain = Annotated[str, Path(description="Provider domain.", examples=["forbes.com"])]


@router.get("", responses=problem_responses(invalid="A parameter is invalid."))
def read_providers(
    request: Request,
    response: Response,
    connection: DbConnection,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> ProviderPage:
    """List providers, most articles first (then by domain), one page at a time."""
    page = list_providers(connection, limit=limit, cursor=cursor)
    link_next(request, response, page.next_cursor)
    return page


@router.get("/{domain}", responses=problem_responses(not_found="No such provider."))
def read_provider(connection: DbConnection, domain: Domain) -> ProviderOut:
    """Return one provider with its logos and article count."""
    return get_provider(connection, domain)


@router.get(
    "/{domain}/articles",
    responses=problem_responses(not_found="No such provider.", invalid="A parameter is invalid."),
)
def read_provider_articles(
    request: Request, response: Response, connection: DbConnection, domain: Domain, query: ListQuery
) -> ArticlePage:
    """List the provider's articles, with the same filters, sorts and paging as `/articles`."""
    return article_page(request, response, connection, query, within_provider=domain)
