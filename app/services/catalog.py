"""The catalog's version (import generation and time of the last change), read for every request."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError

from app.errors import Unavailable
from app.models import catalog_table

_VERSION = select(catalog_table.c.generation, catalog_table.c.changed_at).where(
    catalog_table.c.id == 1
)


@dataclass(frozen=True)
class CatalogVersion:
    """Which state of the collection the database holds: `generation` grows with every import
    that changes anything; `changed_at` (naive UTC) is when that import ran, None if never."""

    generation: int
    changed_at: datetime | None


def read_catalog_version(connection: Connection) -> CatalogVersion:
    """The catalog's current version (generation 0 for a database without its row)."""
    row = connection.execute(_VERSION).first()
    return CatalogVersion(0, None) if row is None else CatalogVersion(row[0], row[1])


class CatalogReader:
    """Reads the catalog version cheaply enough to do it before every request.

    On SQLite it keeps one connection of its own, outside the pool, in autocommit mode: each
    read is one indexed single-row SELECT (a few microseconds, no pool checkout, no
    SQLAlchemy statement machinery) that sees the last committed import, as WAL readers do.
    Other engines take a pooled connection per read. The connection opens on first use, so
    that it belongs to the worker process that uses it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._raw: Any = None
        self._execute: Callable[[str], Any] | None = None
        self._last: tuple[tuple[Any, ...], CatalogVersion] | None = None
        self._fast = engine.dialect.name == "sqlite"
        dialect = engine.dialect
        # The statement is compiled once, with its one constant inlined; the column type's own
        # result processor turns SQLite's stored text back into a datetime.
        self._sql = str(_VERSION.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        column_type = catalog_table.c.changed_at.type.dialect_impl(dialect)
        processor = column_type.result_processor(dialect, None)
        self._to_datetime: Callable[[Any], datetime | None] = processor or (lambda value: value)
        self._errors: tuple[type[BaseException], ...] = (SQLAlchemyError,)
        if dialect.loaded_dbapi is not None:
            self._errors += (dialect.loaded_dbapi.Error,)

    def read(self) -> CatalogVersion:
        """The catalog's current version.

        Raises:
            Unavailable: the database cannot be opened or has no catalog table.
        """
        try:
            if not self._fast:
                with self._engine.connect() as connection:
                    return read_catalog_version(connection)
            with self._lock:
                return self._read_raw()
        except self._errors as error:
            self.close()
            raise Unavailable(f"database does not answer: {type(error).__name__}") from None

    def _read_raw(self) -> CatalogVersion:
        if self._execute is None:
            pooled = self._engine.raw_connection()
            pooled.detach()
            dbapi_connection: Any = pooled.dbapi_connection
            self._raw, self._execute = pooled, dbapi_connection.execute
        row = self._execute(self._sql).fetchone()
        key = (0, None) if row is None else row
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        version = CatalogVersion(key[0], self._to_datetime(key[1]))
        self._last = (key, version)
        return version

    def close(self) -> None:
        """Close the reader's own connection (the next read opens a new one)."""
        with self._lock:
            raw, self._raw, self._execute = self._raw, None, None
            if raw is not None:
                raw.close()
