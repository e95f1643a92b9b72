"""Domain errors, and the one place that turns every error into an RFC 9457 problem answer."""

import logging
from http import HTTPStatus
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """Base of the errors services raise; each maps to one HTTP status."""

    status = 500
    kind = "internal-error"
    title = "Internal Server Error"

    def __init__(self, detail: str, parameter: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter


class NotFound(DomainError):
    """The slug, topic or provider named in the path does not exist."""

    status = 404
    kind = "not-found"
    title = "Not Found"


class InvalidParameter(DomainError):
    """A request parameter has a value the API cannot use."""

    status = 422
    kind = "invalid-parameter"
    title = "Invalid Parameter"


class Gone(DomainError):
    """A token refers to a state this database no longer (or never) had."""

    status = 410
    kind = "gone"
    title = "Gone"


class BadRequest(DomainError):
    """The request is malformed before any parameter is read: not UTF-8, a NUL character, or a
    parameter longer or repeated more often than the configured bounds."""

    status = 400
    kind = "bad-request"
    title = "Bad Request"


class UriTooLong(DomainError):
    """The path and query string together are longer than the configured bound."""

    status = 414
    kind = "uri-too-long"
    title = "URI Too Long"


class HeadersTooLarge(DomainError):
    """The request headers are larger than the configured bound."""

    status = 431
    kind = "headers-too-large"
    title = "Request Header Fields Too Large"


class QuotaExceeded(DomainError):
    """The client made more requests than the rate limit allows."""

    status = 429
    kind = "quota-exceeded"
    title = "Too Many Requests"


class Unavailable(DomainError):
    """The database does not answer."""

    status = 503
    kind = "unavailable"
    title = "Service Unavailable"


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    instance: str,
    **extra: Any,
) -> JSONResponse:
    """Build an `application/problem+json` answer."""
    body: dict[str, Any] = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    # Never kept, even when answered outside the caching middleware (before routing, or by
    # Starlette's ServerErrorMiddleware).
    headers = {"Cache-Control": "no-store"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _describe_validation_error(error: dict[str, Any]) -> tuple[str | None, str]:
    location = [str(part) for part in error.get("loc", ())]
    parameter = location[1] if len(location) > 1 else None
    message = str(error.get("msg", "invalid value"))
    if "input" in error and parameter is not None and error.get("type") != "missing":
        return parameter, f"{parameter}: {message} (got {error['input']!r})"
    return parameter, f"{parameter or 'request'}: {message}"


def problem_answer(exc: DomainError, instance: str) -> JSONResponse:
    """The problem answer for a domain error, for code that answers outside the handlers
    (middleware that rejects a request before routing)."""
    return problem(exc.status, exc.kind, exc.title, exc.detail, instance, parameter=exc.parameter)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_answer(exc, request.url.path)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    described = [_describe_validation_error(error) for error in exc.errors()]
    parameter, detail = described[0] if described else (None, "invalid request")
    return problem(
        422,
        InvalidParameter.kind,
        InvalidParameter.title,
        detail,
        request.url.path,
        parameter=parameter,
        errors=[{"parameter": p, "detail": d} for p, d in described],
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kinds = {404: "not-found", 405: "method-not-allowed"}
    response = problem(
        exc.status_code,
        kinds.get(exc.status_code, f"http-{exc.status_code}"),
        _reason(exc.status_code),
        str(exc.detail),
        request.url.path,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


# SQLite's "database is busy" and "table is locked": another writer held on too long.
_SQLITE_BUSY_CODES = {5, 6}


def _is_transient(exc: Exception) -> bool:
    """Whether a database error says "not now" rather than "never": no free connection in
    the pool, a dropped or refused connection, a statement timeout, a busy SQLite file."""
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return True
    if not isinstance(exc, sqlalchemy.exc.OperationalError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY_CODES
    # PostgreSQL (psycopg): operational errors are connection failures, cancelled statements
    # (timeouts) and the like; mistakes in SQL are ProgrammingErrors.
    return True


async def _database_error(request: Request, exc: Exception) -> Response:
    if not _is_transient(exc):
        return await _unexpected_error(request, exc)
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    response = problem(
        503,
        Unavailable.kind,
        Unavailable.title,
        "The database is busy or unreachable; try again shortly.",
        request.url.path,
    )
    response.headers["Retry-After"] = "1"
    return response


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Logged in full for the operator; the client learns only that it failed.
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        DomainError.kind,
        DomainError.title,
        "The server failed to answer this request; the error has been logged.",
        request.url.path,
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer a problem+json document and never leak a stack trace."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, _database_error)
    app.add_exception_handler(sqlalchemy.exc.OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
