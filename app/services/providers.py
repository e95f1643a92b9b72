"""Reading providers, most articles first, with their counters (maintained by the importer),
in the wire shape of `ProviderOut` / `ProviderPage`."""

from typing import Any

from sqlalchemy import Connection, func, select

from app.errors import NotFound
from app.models import provider_table
from app.services import keyset
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


def list_providers(connection: Connection, *, limit: int, cursor: str | None) -> Wire:
    """One page of providers, most articles first, then by domain.

    Raises:
        InvalidParameter: a malformed cursor.
    """
    query = select(p)
    if cursor:
        query = query.where(keyset.after(KEYS, keyset.decode_cursor(cursor, SORT, KEYS)))
    rows = connection.execute(query.order_by(*keyset.order_by(KEYS)).limit(limit + 1)).all()
    page, more = rows[:limit], len(rows) > limit
    total = connection.execute(select(func.count()).select_from(p)).scalar_one()
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
    row = connection.execute(select(p).where(p.c.domain == domain.strip().lower())).one_or_none()
    if row is None:
        raise NotFound(f"no provider {domain!r}", "domain")
    return _provider(row)
