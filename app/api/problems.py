"""OpenAPI descriptions of the problem answers routes can give."""

from typing import Any

from app.errors import PROBLEM_JSON
from app.schemas import Problem

# `model=Problem` registers the schema among the components; the reference puts it under the
# media type the answers really have (FastAPI would only attach it to application/json).
_PROBLEM_SCHEMA = {"$ref": f"#/components/schemas/{Problem.__name__}"}


def problem_responses(**descriptions: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: e.g. problem_responses(not_found="No such topic.")."""
    statuses = {"not_found": 404, "gone": 410, "invalid": 422, "unavailable": 503}
    return {
        statuses[name]: {
            "model": Problem,
            "content": {PROBLEM_JSON: {"schema": dict(_PROBLEM_SCHEMA)}},
            "description": text,
        }
        for name, text in descriptions.items()
    }
