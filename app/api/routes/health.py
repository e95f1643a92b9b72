"""/health: is the service able to answer."""

from fastapi import APIRouter

from app.api.deps import EngineDep
from app.api.problems import problem_responses
from app.schemas import Health
from app.services.health import check_health

router = APIRouter(tags=["health"])


@router.get("/health", responses=problem_responses(unavailable="The database does not answer."))
async def read_health(engine: EngineDep) -> Health:
    """Report whether the database answers."""
    return check_health(engine)
