"""/providers: publishers by article count, and each provider's articles."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.api.deps import EngineDep, read
from app.api.paging import article_page, page_response
from app.api.params import DEFAULT_LIMIT, Cursor, Limit, ListQuery
from app.api.problems import problem_responses
from app.api.responses import JSONBody
from app.schemas import ArticlePage, ProviderOut, ProviderPage
from app.services.providers import get_provider, list_providers

router = APIRouter(prefix="/providers", tags=["providers"], default_response_class=JSONBody)

Domain = Annotated[str, Path(description="Provider domain.", examples=["forbes.com"])]


@router.get(
    "", response_model=ProviderPage, responses=problem_responses(invalid="A parameter is invalid.")
)
async def read_providers(
    request: Request, engine: EngineDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> JSONBody:
    """List providers, most articles first (then by domain), one page at a time."""
    return page_response(request, read(engine, list_providers, limit=limit, cursor=cursor))


@router.get(
    "/{domain}",
    response_model=ProviderOut,
    responses=problem_responses(not_found="No such provider."),
)
async def read_provider(engine: EngineDep, domain: Domain) -> JSONBody:
    """Return one provider with its logos and article count."""
    return JSONBody(read(engine, get_provider, domain))


@router.get(
    "/{domain}/articles",
    response_model=ArticlePage,
    responses=problem_responses(not_found="No such provider.", invalid="A parameter is invalid."),
)
async def read_provider_articles(
    request: Request, engine: EngineDep, domain: Domain, query: ListQuery
) -> JSONBody:
    """List the provider's articles, with the same filters, sorts and paging as `/articles`."""
    return article_page(request, engine, query, within_provider=domain)
