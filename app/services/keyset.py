"""Keyset pagination: opaque cursors and the WHERE clause that resumes after one.

An order is a list of keys; the last key must be unique (the slug or domain), so the order
is total and a walk over all pages yields every row exactly once, even while rows are added.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, bindparam, false, or_
from sqlalchemy.sql.elements import UnaryExpression

from app.errors import InvalidParameter


@dataclass(frozen=True)
class Key:
    """One sort key. `nullable` keys sort their NULLs last whatever the direction."""

    column: ColumnElement[Any]
    descending: bool
    nullable: bool = False
    kind: type = str  # the Python type of the values: str, int, float or datetime

    def order_by(self) -> UnaryExpression[Any]:
        ordered = self.column.desc() if self.descending else self.column.asc()
        return ordered.nulls_last() if self.nullable else ordered


def order_by(keys: list[Key]) -> list[UnaryExpression[Any]]:
    """ORDER BY terms for `keys`."""
    return [key.order_by() for key in keys]


def on(keys: list[Key], selected: FromClause) -> list[Key]:
    """The same keys, on the columns of `selected` (a subquery that selected them)."""
    return [replace(key, column=selected.c[name(key)]) for key in keys]


def after(keys: list[Key], values: list[Any]) -> ColumnElement[bool]:
    """Rows that come strictly after the row whose key values are `values`.

    Written as `k1 <= v AND (k1 < v OR (k1 = v AND ...))` so the leading key bounds an index
    range instead of forcing a scan from the start.
    """
    key, value = keys[0], values[0]
    rest = keys[1:]
    if key.nullable and value is None:
        return and_(key.column.is_(None), after(rest, values[1:]) if rest else false())
    beyond = key.column < value if key.descending else key.column > value
    if rest:
        same_or_beyond = key.column <= value if key.descending else key.column >= value
        clause = and_(
            same_or_beyond, or_(beyond, and_(key.column == value, after(rest, values[1:])))
        )
    else:
        clause = beyond
    return or_(clause, key.column.is_(None)) if key.nullable else clause


def cursor_shape(values: list[Any]) -> tuple[bool, ...]:
    """Which of a cursor's values are NULL: all of a cursor that changes the SQL of `after`."""
    return tuple(value is None for value in values)


def cursor_params(values: list[Any]) -> dict[str, Any]:
    """A cursor's values as the parameters that `after_bound` names."""
    return {_param(index): value for index, value in enumerate(values) if value is not None}


def after_bound(keys: list[Key], nulls: tuple[bool, ...]) -> ColumnElement[bool]:
    """`after` for any cursor of this shape (see `cursor_shape`), its values left as named
    parameters (`cursor_params`): one statement serves every such cursor."""
    return after(keys, [None if null else bindparam(_param(i)) for i, null in enumerate(nulls)])


def _param(index: int) -> str:
    return f"after_{index}"


def encode_cursor(sort: str, keys: list[Key], row: Any) -> str:
    """An opaque cursor for the position just after `row` in `sort` order."""
    values = [_encode_value(getattr(row, name(key))) for key in keys]
    payload = json.dumps([sort, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, keys: list[Key]) -> list[Any]:
    """The key values a cursor holds.

    Raises:
        InvalidParameter: the cursor is malformed or belongs to another sort order.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidParameter("cursor: not a cursor this API issued", "cursor") from None
    if cursor_sort != sort:
        raise InvalidParameter(
            f"cursor: issued for sort={cursor_sort!r}, not sort={sort!r}", "cursor"
        )
    if not isinstance(values, list) or len(values) != len(keys):
        raise InvalidParameter("cursor: not a cursor this API issued", "cursor")
    return [_decode_value(key, value) for key, value in zip(keys, values, strict=True)]


def name(key: Key) -> str:
    """The name of the key's column in a row (its label for an expression)."""
    return str(getattr(key.column, "key", None) or getattr(key.column, "name", ""))


def _encode_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode_value(key: Key, value: Any) -> Any:
    invalid = InvalidParameter("cursor: not a cursor this API issued", "cursor")
    if value is None:
        if not key.nullable:
            raise invalid
        return None
    if key.kind is datetime:
        if not isinstance(value, str):
            raise invalid
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise invalid from None
    if key.kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid
        try:
            number = float(value)
        except OverflowError:
            raise invalid from None
        if not math.isfinite(number):
            raise invalid
        return number
    if key.kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
            raise invalid
        return value
    # No stored key holds a NUL, and PostgreSQL refuses one in any text it is sent.
    if not isinstance(value, str) or "\x00" in value:
        raise invalid
    return value
