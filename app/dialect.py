"""What differs between the database engines, in one place."""

from sqlalchemy import Connection, Table, func, select, text


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Reserve `count` new primary-key values of `table` inside the caller's transaction, so
    that rows can be bulk-inserted with their ids known up front (no RETURNING per row)."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return [int(value) for value in rows.scalars()]
    # SQLite: the importer holds the write lock (BEGIN IMMEDIATE), so nobody else can take
    # the ids above the current maximum before this transaction ends.
    top = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))
