"""The pieces of RFC 9110 conditional requests: HTTP dates, entity-tag lists, canonical queries."""

import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import unquote_plus

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"\d\d:\d\d:\d\d"
# The three forms RFC 9110 (5.6.7) obliges a recipient to read: IMF-fixdate, RFC 850, asctime.
_HTTP_DATE = re.compile(
    rf"{_DAY}, \d\d {_MONTH} \d{{4}} {_TIME} GMT"
    rf"|{_LONG_DAY}, \d\d-{_MONTH}-\d\d {_TIME} GMT"
    rf"|{_DAY} {_MONTH} [ \d]\d {_TIME} \d{{4}}"
)
_ENTITY_TAG = re.compile(rb'"[^"]*"')


def format_http_date(moment: datetime) -> str:
    """`moment` (naive UTC or aware) as an IMF-fixdate, e.g. `Wed, 17 Jun 2020 19:02:00 GMT`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(text: str) -> datetime | None:
    """The aware UTC datetime an HTTP-date names, or None when `text` is not one (RFC 9110 says
    to ignore an invalid date, not to reject the request)."""
    text = text.strip()
    if not _HTTP_DATE.fullmatch(text):
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def etag_listed(header: bytes, etag: bytes) -> bool:
    """Whether an If-None-Match list names `etag`, by weak comparison (RFC 9110 8.8.3.2): a
    `W/` prefix is ignored, the quoted opaque tags must be equal."""
    return etag in _ENTITY_TAG.findall(header)


def canonical_query(raw: bytes) -> bytes:
    """The query string with its parameters sorted by name; values of the same name keep their
    relative order (`topic=b&topic=a` may mean something else than `topic=a&topic=b`).

    Parameters are not decoded and re-encoded, only moved, so the application reads exactly the
    same values from either form. Empty pieces (`a=1&&b=2`) are dropped, as parsing does.
    """
    if b"&" not in raw:
        return raw
    pieces = [piece for piece in raw.split(b"&") if piece]
    # The sort key is the name as the application decodes it, so that `a` and `%61` sort as one.
    pieces.sort(key=lambda piece: unquote_plus(piece.split(b"=", 1)[0].decode("latin-1")))
    return b"&".join(pieces)
