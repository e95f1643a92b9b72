"""OpenAPI descriptions of the problem answers routes can give."""

from typing import Any

from app.errors import PROBLEM_JSON
from app.schemas import Problem


def problem_responses(**descriptions: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: e.g. problem_responses(not_found="No such topic.")."""
    statuses = {"not_found": 404, "invalid": 422, "unavailable": 503}
    return {
        statuses[name]: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": text}
        for name, text in descriptions.items()
    }
