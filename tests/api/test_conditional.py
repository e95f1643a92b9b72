"""HTTP dates, entity-tag lists and canonical query strings, read as RFC 9110 says."""

from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from app.api.conditional import canonical_query, etag_listed, format_http_date, parse_http_date

NOV_6 = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
)
def test_the_three_http_date_forms_are_read(text: str) -> None:
    assert parse_http_date(text) == NOV_6


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49:37",
        "1994-11-06T08:49:37Z",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
    ],
)
def test_anything_else_is_not_a_date(text: str) -> None:
    assert parse_http_date(text) is None


def test_dates_are_written_as_imf_fixdate_in_gmt() -> None:
    assert format_http_date(NOV_6) == "Sun, 06 Nov 1994 08:49:37 GMT"
    assert format_http_date(NOV_6.replace(tzinfo=None)) == "Sun, 06 Nov 1994 08:49:37 GMT"


@pytest.mark.parametrize(
    ("header", "listed"),
    [
        ('"1-ab"', True),
        ('W/"1-ab"', True),
        ('"x", W/"1-ab" , "y"', True),
        ('"1-abc"', False),
        ('"1-a"', False),
        ("1-ab", False),
        ("", False),
    ],
)
def test_an_entity_tag_is_found_in_a_list_by_weak_comparison(header: str, listed: bool) -> None:
    assert etag_listed(header.encode(), b'"1-ab"') is listed


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (b"", b""),
        (b"limit=1", b"limit=1"),
        (b"sort=oldest&limit=1", b"limit=1&sort=oldest"),
        (b"topic=b&limit=1&topic=a", b"limit=1&topic=b&topic=a"),
        (b"b=1&&a=2&", b"a=2&b=1"),
        # Same name however it is written: relative order kept.
        (b"%61=1&b=2&a=3", b"%61=1&a=3&b=2"),
        (b"a+b=1&a%20b=2&a=0", b"a=0&a+b=1&a%20b=2"),
    ],
)
def test_a_canonical_query_sorts_by_name_and_keeps_the_order_of_one_name(
    raw: bytes, canonical: bytes
) -> None:
    assert canonical_query(raw) == canonical


def test_a_canonical_query_means_the_same_to_the_application() -> None:
    raw = b"to=2020-06-30&topic=AI%20Ethics&topic=a%2Bb&from=2020-06-01&flag&topic=%C3%A9"
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    canonical = parse_qsl(canonical_query(raw).decode("latin-1"), keep_blank_values=True)
    assert sorted(canonical) == sorted(pairs)
    assert [v for k, v in canonical if k == "topic"] == [v for k, v in pairs if k == "topic"]
