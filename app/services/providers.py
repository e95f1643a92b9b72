"""Reading providers, most articles first, with their counters (maintained by the importer),
in the wire shape of `ProviderOut` / `ProviderPage`."""

from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select

from app.errors import NotFound
from app.models import provider_table
from app.services import keyset, statements
from app.services.keyset import Key

p = provider_table
SORT = "articles"
KEYS = [Key(p.c.article_count, descending=True, kind=int), Key(p.c.domain, descending=False)]


Wire = dict[str, Any]


def _provider(row: Any) -> Wire:
    return {
        "domain": row.domain,
        "name": row.name,
        "images": row.images,
        "articleCount": row.article_count,
    }


@statements.memoized(limit=2)
def _page_statement(cursor: tuple[bool, ...] | None) -> Select[Any]:
    """A page after a cursor of this shape (None: the first page), `:limit` rows."""
    query = select(p) if cursor is None else select(p).where(keyset.after_bound(KEYS, cursor))
    return query.order_by(*keyset.order_by(KEYS)).limit(bindparam("limit"))


_COUNT = select(func.count()).select_from(p)
_PROVIDER = select(p).where(p.c.domain == bindparam("domain"))


def list_providers(connection: Connection, *, limit: int, cursor: str | None) -> Wire:
    """One page of providers, most articles first, then by domain.

    Raises:
        InvalidParameter: a malformed cursor.
    """
    params: dict[str, Any] = {"limit": limit + 1}
    shape = None
    if cursor:
        after = keyset.decode_cursor(cursor, SORT, KEYS)
        shape = keyset.cursor_shape(after)
        params.update(keyset.cursor_params(after))
    rows = connection.execute(_page_statement(shape), params).all()
    page, more = rows[:limit], len(rows) > limit
    total = connection.execute(_COUNT).scalar_one()
    return {
        "items": [_provider(row) for row in page],
        "total": total,
        "limit": limit,
        "nextCursor": keyset.encode_cursor(SORT, KEYS, page[-1]) if more else None,
    }


def get_provider(connection: Connection, domain: str) -> Wire:
    """The provider with this domain (case does not matter).

    Raises:
        NotFound: no such provider.
    """
    row = connection.execute(_PROVIDER, {"domain": domain.strip().lower()}).one_or_none()
    if row is None:
        raise NotFound(f"no provider {domain!r}", "domain")
    return _provider(row)
