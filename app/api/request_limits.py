"""Bounds on what a request may send, checked before routing: the size of the URL and of the
headers, and the encoding, length and number of values of every query parameter.

One place for every parameter of every route (including ones added later), so that no value a
client controls reaches a query unbounded, and none that is not text (invalid UTF-8, NUL).
"""

from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import BadRequest, DomainError, HeadersTooLarge, UriTooLong, problem_answer

# Bytes a query string may carry as they are: every ASCII byte (percent escapes included).
_ASCII = "".join(map(chr, range(128)))


@dataclass(frozen=True)
class RequestLimits:
    """The bounds (settings MAX_URL_BYTES, MAX_HEADER_BYTES, MAX_PARAMETER_LENGTH and
    MAX_PARAMETER_VALUES)."""

    max_url_bytes: int
    max_header_bytes: int
    max_parameter_length: int
    max_parameter_values: int


class RequestLimitsMiddleware:
    """Answer a request that exceeds a bound with a problem document before it is routed: 414
    for a long URL, 431 for large headers, 400 naming the parameter otherwise.

    A query string holding raw non-ASCII bytes (curl sends `?topic=Café` as typed) is passed on
    percent-encoded, so that the application reads them as the UTF-8 they must be.
    """

    def __init__(self, app: ASGIApp, *, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope["query_string"]
        if not query.isascii():
            query = quote_from_bytes(query, safe=_ASCII).encode("ascii")
            scope = dict(scope, query_string=query)
        error = self.check(scope)
        if error is not None:
            await problem_answer(error, scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> DomainError | None:
        """The first bound `scope` exceeds, as the error to answer; None when within all."""
        limits = self.limits
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
        query: bytes = scope["query_string"]
        if len(raw_path) + len(query) > limits.max_url_bytes:
            return UriTooLong(
                f"The URL is longer than {limits.max_url_bytes} bytes.", _longest(query, limits)
            )
        if sum(len(name) + len(value) for name, value in scope["headers"]) > (
            limits.max_header_bytes
        ):
            return HeadersTooLarge(
                f"The request headers are larger than {limits.max_header_bytes} bytes."
            )
        if b"%" in raw_path:
            try:
                path = unquote_to_bytes(raw_path).decode("utf-8")
            except UnicodeDecodeError:
                return BadRequest("The path is not UTF-8 (percent-encode UTF-8).")
            if "\x00" in path:
                return BadRequest("The path holds a NUL character.")
        return self._check_query(query) if query else None

    def _check_query(self, query: bytes) -> DomainError | None:
        limits = self.limits
        if (
            len(query) <= limits.max_parameter_length
            and query.count(b"&") < limits.max_parameter_values
            and b"%" not in query
            and b"\x00" not in query
        ):
            # Plain ASCII, no value can be too long nor any name too frequent: the common case,
            # checked without parsing.
            return None
        counts: Counter[str] = Counter()
        for piece in query.split(b"&"):
            if not piece:
                continue
            raw_name, _, raw_value = piece.partition(b"=")
            name = _decoded(raw_name)
            if name is None:
                shown = unquote_to_bytes(raw_name).decode("utf-8", "replace")
                return BadRequest("A query parameter name is not UTF-8.", shown)
            value = _decoded(raw_value)
            if value is None:
                return BadRequest(f"{name}: the value is not UTF-8 (percent-encode UTF-8).", name)
            if "\x00" in name or "\x00" in value:
                return BadRequest(f"{name}: NUL characters are not allowed.", name)
            if len(value) > limits.max_parameter_length:
                return BadRequest(
                    f"{name}: longer than {limits.max_parameter_length} characters.", name
                )
            counts[name] += 1
            if counts[name] > limits.max_parameter_values:
                return BadRequest(
                    f"{name}: given more than {limits.max_parameter_values} times.", name
                )
        return None


def _decoded(raw: bytes) -> str | None:
    """`raw` percent- and plus-decoded as the application will read it; None if not UTF-8."""
    if b"%" not in raw and b"+" not in raw:
        return raw.decode("latin-1")  # ASCII by now: the query was re-encoded if it was not
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _longest(query: bytes, limits: RequestLimits) -> str | None:
    """The name of the parameter that alone makes a URL too long, if one does."""
    if not query:
        return None
    piece = max(query.split(b"&"), key=len)
    raw_name, _, raw_value = piece.partition(b"=")
    if len(raw_value) <= limits.max_parameter_length:
        return None
    return unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8", "replace")
