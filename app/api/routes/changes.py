"""/changes: the change log, for clients that keep a copy of the collection in sync."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.api.deps import EngineDep, read
from app.api.paging import link_next
from app.api.problems import problem_responses
from app.api.responses import JSONBody
from app.schemas import ChangePage
from app.services.changes import list_changes

router = APIRouter(tags=["sync"], default_response_class=JSONBody)

MAX_CHANGES = 1000


@router.get(
    "/changes",
    response_model=ChangePage,
    responses=problem_responses(
        invalid="`since` is not a sync token, or another parameter is invalid.",
        gone="`since` belongs to another copy of the database: start again without it.",
    ),
)
async def read_changes(
    request: Request,
    engine: EngineDep,
    since: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A `nextToken` from an earlier answer; leave out to start from the "
            "beginning (every current article, as `added`).",
            examples=["ZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQuMTA"],
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_CHANGES,
            description=f"Changes per answer (1..{MAX_CHANGES}).",
            examples=[100],
        ),
    ] = 100,
) -> JSONBody:
    """List what was added, updated or removed since `since`, oldest first. Follow
    `nextToken` while `hasMore`; a client that does ends with exactly the current collection,
    whatever imports ran meanwhile."""
    page = read(engine, list_changes, since, limit=limit)
    response = JSONBody(page)
    if page["hasMore"]:
        response.headers["Link"] = link_next(request, since=page["nextToken"])
    return response
