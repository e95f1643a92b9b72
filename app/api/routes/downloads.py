"""Article lists as CSV downloads: every match of a query, in its sort order."""

from typing import Any

from fastapi import APIRouter

from app.api.deps import DownloadEngineDep
from app.api.downloads import CSVDownload, csv_answer, csv_filename
from app.api.format_params import CSVQuery
from app.api.problems import problem_responses
from app.api.routes.providers import Domain
from app.api.routes.topics import TopicSlug

router = APIRouter(tags=["downloads"])

CSV: dict[int | str, Any] = {
    200: {
        "description": "Every matching article as CSV (RFC 4180, UTF-8, one header row), "
        "streamed as an attachment.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/articles.csv",
    response_class=CSVDownload,
    responses={**CSV, **problem_responses(invalid="A parameter is invalid.")},
)
async def download_articles(engine: DownloadEngineDep, query: CSVQuery) -> CSVDownload:
    """Download every article matching the filters as CSV, in `sort` order (no paging)."""
    return await csv_answer(engine, query, csv_filename("articles"))


@router.get(
    "/topics/{slug}/articles.csv",
    response_class=CSVDownload,
    responses={
        **CSV,
        **problem_responses(not_found="No such topic.", invalid="A parameter is invalid."),
    },
)
async def download_topic_articles(
    engine: DownloadEngineDep, slug: TopicSlug, query: CSVQuery
) -> CSVDownload:
    """Download every article of the topic matching the filters as CSV, in `sort` order."""
    return await csv_answer(engine, query, csv_filename("topic", slug), within_topic=slug)


@router.get(
    "/providers/{domain}/articles.csv",
    response_class=CSVDownload,
    responses={
        **CSV,
        **problem_responses(not_found="No such provider.", invalid="A parameter is invalid."),
    },
)
async def download_provider_articles(
    engine: DownloadEngineDep, domain: Domain, query: CSVQuery
) -> CSVDownload:
    """Download every article of the provider matching the filters as CSV, in `sort` order."""
    return await csv_answer(engine, query, csv_filename("provider", domain), within_provider=domain)
