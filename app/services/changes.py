"""The change log: what was added, updated or removed since a sync token, oldest first.

Every import hands each article it adds or changes, and each tombstone of an article it
prunes, the next position of one collection-wide sequence (`catalog.change_seq`); an article
keeps only its latest position. Reading everything past a position, in order, therefore
replays the collection's current state: whatever changed after the client's token shows up
once, as it is now.
"""

import base64
import binascii
import heapq
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, select

from app.dialect import summary_json
from app.errors import Gone, InvalidParameter
from app.models import article_table, catalog_table, provider_table, tombstone_table
from app.schemas import format_utc
from app.services.articles import Wire, summaries, summary_select

a, tomb = article_table, tombstone_table


class _Change(NamedTuple):
    seq: int
    entry: Wire


def encode_token(log_id: str, seq: int) -> str:
    """The opaque token of position `seq` in the change log `log_id`."""
    return base64.urlsafe_b64encode(f"{log_id}.{seq}".encode()).decode().rstrip("=")


def _decode_token(token: str, log_id: str, last_seq: int) -> int:
    """The position a token names.

    Raises:
        InvalidParameter: not a token this API wrote.
        Gone: a token of another database's change log, or from beyond this one's end.
    """
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        token_log, _dot, seq_text = text.rpartition(".")
        seq = int(seq_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidParameter(
            "since: not a sync token; use a nextToken from /changes, or leave it out to start "
            "from the beginning",
            "since",
        ) from None
    if not token_log or seq < 0:
        raise InvalidParameter("since: not a sync token", "since")
    if token_log != log_id or seq > last_seq:
        raise Gone(
            "since: this token belongs to another copy of the database (it was rebuilt or "
            "replaced); start again without `since`",
            "since",
        )
    return seq


def list_changes(connection: Connection, since: str | None, *, limit: int = 100) -> Wire:
    """Up to `limit` changes after the token `since` (from the start without one), oldest
    first, with the token to continue from (a `ChangePage`).

    Raises:
        InvalidParameter: `since` is not a sync token.
        Gone: `since` belongs to another database.
    """
    log_id, last_seq = connection.execute(
        select(catalog_table.c.change_log_id, catalog_table.c.change_seq)
    ).one()
    position = 0 if since is None else _decode_token(since, log_id, last_seq)
    changes = heapq.merge(
        _updates(connection, position, limit + 1), _removals(connection, position, limit + 1)
    )
    page = [change for _, change in zip(range(limit + 1), changes, strict=False)]
    more = len(page) > limit
    page = page[:limit]
    # At the end of the log the token moves to its very end: positions later taken over by a
    # newer change of the same article leave gaps that need not be read again.
    end = page[-1].seq if more else last_seq
    return {
        "changes": [change.entry for change in page],
        "nextToken": encode_token(log_id, end),
        "hasMore": more,
    }


def _updates(connection: Connection, position: int, limit: int) -> list[_Change]:
    item_json = summary_json(connection.dialect.name)
    if item_json is None:
        query = summary_select().add_columns(a.c.change_seq, a.c.created_seq)
    else:
        query = select(a.c.change_seq, a.c.created_seq, a.c.slug, item_json.label("item"))
        query = query.select_from(
            a.outerjoin(provider_table, provider_table.c.id == a.c.provider_id)
        )
    rows = connection.execute(
        query.where(a.c.change_seq > position).order_by(a.c.change_seq).limit(limit)
    ).all()
    items: list[Any] = (
        summaries(connection, rows)
        if item_json is None
        else [orjson.Fragment(row.item) for row in rows]
    )
    return [
        _Change(
            row.change_seq,
            {
                "change": "added" if row.created_seq > position else "updated",
                "slug": row.slug,
                "article": item,
            },
        )
        for row, item in zip(rows, items, strict=True)
    ]


def _removals(connection: Connection, position: int, limit: int) -> list[_Change]:
    rows = connection.execute(
        select(tomb.c.seq, tomb.c.slug, tomb.c.removed_at)
        .where(tomb.c.seq > position)
        .order_by(tomb.c.seq)
        .limit(limit)
    )
    return [
        _Change(seq, {"change": "removed", "slug": slug, "removedAt": format_utc(removed_at)})
        for seq, slug, removed_at in rows
    ]
