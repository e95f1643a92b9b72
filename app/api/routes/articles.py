"""/articles: lists with filters, one article, its related links."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.api.deps import DbConnection
from app.api.paging import article_page
from app.api.params import ListQuery
from app.api.problems import problem_responses
from app.schemas import ArticleDetail, ArticlePage, RelatedList
from app.services.articles import get_article, list_related

router = APIRouter(prefix="/articles", tags=["articles"])

Slug = Annotated[
    str,
    Path(description="The article's slug (its file name without extension).",
         examples=["000_29aed2788627c48c"]),
]  # fmt: skip


@router.get("", responses=problem_responses(invalid="A parameter is invalid."))
def read_articles(
    request: Request, response: Response, connection: DbConnection, query: ListQuery
) -> ArticlePage:
    """List articles matching every filter given, one page at a time (follow `nextCursor`)."""
    return article_page(request, response, connection, query)


@router.get("/{slug}", responses=problem_responses(not_found="No such article."))
def read_article(connection: DbConnection, slug: Slug) -> ArticleDetail:
    """Return the whole article: body, provider logos, related links and unknown keys too."""
    return get_article(connection, slug)


@router.get("/{slug}/related", responses=problem_responses(not_found="No such article."))
def read_related(connection: DbConnection, slug: Slug) -> RelatedList:
    """List the article's related links; `article` names the imported article with that URL."""
    return RelatedList(items=list_related(connection, slug))
