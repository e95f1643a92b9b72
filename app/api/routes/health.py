"""/health: is the service able to answer."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import Engine

from app.api.deps import get_engine
from app.api.problems import problem_responses
from app.schemas import Health
from app.services.health import check_health

router = APIRouter(tags=["health"])


@router.get("/health", responses=problem_responses(unavailable="The database does not answer."))
async def read_health(engine: Annotated[Engine, Depends(get_engine)]) -> Health:
    """Report whether the database answers."""
    return check_health(engine)
