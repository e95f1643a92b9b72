"""/articles: lists with filters, one article, its related links."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.api.deps import EngineDep, read
from app.api.paging import article_page
from app.api.params import ListQuery
from app.api.problems import problem_responses
from app.api.responses import JSONBody
from app.schemas import ArticleDetail, ArticlePage, RelatedList
from app.services.articles import get_article, list_related

router = APIRouter(prefix="/articles", tags=["articles"], default_response_class=JSONBody)

Slug = Annotated[
    str,
    Path(description="The article's slug (its file name without extension).",
         examples=["000_29aed2788627c48c"]),
]  # fmt: skip


@router.get(
    "", response_model=ArticlePage, responses=problem_responses(invalid="A parameter is invalid.")
)
async def read_articles(request: Request, engine: EngineDep, query: ListQuery) -> JSONBody:
    """List articles matching every filter given, one page at a time (follow `nextCursor`)."""
    return article_page(request, engine, query)


@router.get(
    "/{slug}",
    response_model=ArticleDetail,
    responses=problem_responses(not_found="No such article."),
)
async def read_article(engine: EngineDep, slug: Slug) -> JSONBody:
    """Return the whole article: body, provider logos, related links and unknown keys too."""
    return JSONBody(read(engine, get_article, slug))


@router.get(
    "/{slug}/related",
    response_model=RelatedList,
    responses=problem_responses(not_found="No such article."),
)
async def read_related(engine: EngineDep, slug: Slug) -> JSONBody:
    """List the article's related links; `article` names the imported article with that URL."""
    return JSONBody({"items": read(engine, list_related, slug)})
