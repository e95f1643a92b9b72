"""Engine and session construction, with the SQLite pragmas the service relies on."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

from app.jsontext import dump_json, load_json


def is_sqlite(url: str) -> bool:
    """Tell whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, busy_timeout_ms: int = 5000, pooled: bool = True) -> Engine:
    """Build an engine for `url`; SQLite gets WAL, a busy timeout, foreign keys and real BEGINs.
    An engine that is not `pooled` opens a connection of its own for every use."""
    json_options: dict[str, Any] = {"json_serializer": dump_json, "json_deserializer": load_json}
    pool: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **json_options, **pool)

    engine = create_engine(url, connect_args={"check_same_thread": False}, **json_options, **pool)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is emitted by us (below):
        # a reader's count and page then come from one snapshot, and an import is atomic.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers keep reading the last committed state while an import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        # A writer asks for "BEGIN IMMEDIATE" so that it queues for the lock instead of failing.
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine
