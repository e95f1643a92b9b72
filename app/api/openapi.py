"""The OpenAPI document as clients see the API: every error is a problem+json document."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


# What any request may be answered before it is routed (app/api/request_limits.py).
BOUNDS = {
    "400": "The request is malformed: a parameter (named) is not UTF-8, holds a NUL character, "
    "is longer than MAX_PARAMETER_LENGTH or given more than MAX_PARAMETER_VALUES times.",
    "414": "The URL is longer than MAX_URL_BYTES.",
    "431": "The request headers are larger than MAX_HEADER_BYTES.",
}
RATE_LIMITED = {
    "429": "Too many requests from this address: wait `Retry-After` seconds (see the "
    "`RateLimit` and `RateLimit-Policy` headers).",
}


def install_openapi(app: FastAPI, *, rate_limited: bool = False) -> None:
    """Replace FastAPI's generated error responses with what the API really answers.

    FastAPI documents a 422 `HTTPValidationError` (application/json) on every route with
    parameters, and every declared error under application/json too; the API answers every
    error with an RFC 9457 problem document, and a route whose only parameter is a free-text
    path segment cannot answer 422 at all. Every route can answer the bounds' errors (and 429
    when rate limiting is on).
    """
    common = {**BOUNDS, **(RATE_LIMITED if rate_limited else {})}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    for status, description in common.items():
                        responses.setdefault(status, {"description": description})
                    _problems_only(operation)
            schemas = schema.get("components", {}).get("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problems_only(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.get("responses", {})
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if "422" in responses and not has_query:
        del responses["422"]
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
            if response.get("description") == "Validation Error":
                response["description"] = "A parameter is invalid."
