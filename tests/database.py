"""Engine-neutral views of a test's database: its tables and rows, and whether anything changed."""

import sqlite3
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    Table,
    create_engine,
    func,
    inspect,
    select,
)
from sqlalchemy.pool import NullPool

from app.models import metadata

Row = dict[str, Any]


class DatabaseView:
    """The database at `url` read through SQLAlchemy, on SQLite or PostgreSQL alike. Rows come
    typed by the models' columns (times as datetimes, flags as booleans, JSON as objects);
    tables the models do not describe (alembic_version) are reflected."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool)

    def close(self) -> None:
        self.engine.dispose()

    def table_names(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(inspect(connection).get_table_names())

    def rows(self, name: str, **where: Any) -> list[Row]:
        """The rows of table `name` whose columns equal the `where` values, in key order."""
        with self.engine.connect() as connection:
            table = _table(connection, name)
            query = select(table).where(*_equal(table, where))
            query = query.order_by(*table.primary_key.columns)
            return [dict(row) for row in connection.execute(query).mappings()]

    def row(self, name: str, **where: Any) -> Row:
        """The one row of table `name` matching `where` (it fails unless there is exactly one)."""
        (found,) = self.rows(name, **where)
        return found

    def count(self, name: str, **where: Any) -> int:
        with self.engine.connect() as connection:
            table = _table(connection, name)
            query = select(func.count()).select_from(table).where(*_equal(table, where))
            return int(connection.execute(query).scalar_one())


def _equal(table: Table, where: dict[str, Any]) -> list[ColumnElement[bool]]:
    return [table.c[column] == value for column, value in where.items()]


def _table(connection: Connection, name: str) -> Table:
    if name in metadata.tables:
        return metadata.tables[name]
    return Table(name, MetaData(), autoload_with=connection)


def snapshot(engine: Engine) -> dict[str, Any]:
    """Every table's columns and indexes, and all its rows as the driver returns them (the
    full-text index's tables included, where there are some): equal snapshots, equal databases."""
    tables: dict[str, Any] = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        quote = connection.dialect.identifier_preparer.quote
        for name in sorted(inspector.get_table_names()):
            columns = [
                (column["name"], str(column["type"]), column["nullable"], column.get("default"))
                for column in inspector.get_columns(name)
            ]
            indexes = sorted(
                (index["name"], tuple(index["column_names"]), index["unique"])
                for index in inspector.get_indexes(name)
            )
            rows = connection.exec_driver_sql(f"SELECT * FROM {quote(name)}").all()
            # Any stable order will do; repr sorts every mix of values (NULLs, JSON, bytes).
            tables[name] = (columns, indexes, sorted((tuple(row) for row in rows), key=repr))
    return tables


def row_versions(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    """PostgreSQL: the (ctid, xmin) of every row of every table. Any committed insert, update
    or delete changes them, even one that writes values equal to the old ones."""
    versions: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.exec_driver_sql(
                f"SELECT ctid::text, xmin::text FROM {quote(name)} ORDER BY ctid"
            ).all()
            versions[name] = [(ctid, xmin) for ctid, xmin in rows]
    return versions


@contextmanager
def commit_probe(engine: Engine) -> Iterator[Callable[[], Hashable]]:
    """A probe whose value changes exactly when another connection commits a change to the
    database. SQLite: `PRAGMA data_version`, read on a connection of the probe's own.
    PostgreSQL: the version of every row (`row_versions`)."""
    if engine.dialect.name != "sqlite":
        yield lambda: repr(row_versions(engine))
        return
    watcher = sqlite3.connect(str(engine.url.database))
    try:
        yield lambda: int(watcher.execute("PRAGMA data_version").fetchone()[0])
    finally:
        watcher.close()
