"""Engine construction: SQLite pragmas, PostgreSQL pool and timeouts, read-only engines."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

from app.jsontext import dump_json, load_json


def is_sqlite(url: str) -> bool:
    """Tell whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


@dataclass(frozen=True)
class PoolOptions:
    """Connection pool limits, from the settings: connections kept open, extra connections
    opened under load, and how long a request waits for one before giving up."""

    size: int = 5
    max_overflow: int = 10
    timeout_s: float = 10.0


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = 5000,
    read_only: bool = False,
    pool: PoolOptions | None = None,
    statement_timeout_ms: int | None = None,
    pooled: bool = True,
) -> Engine:
    """Build an engine for `url`. SQLite gets WAL, a busy timeout, foreign keys and real
    BEGINs; PostgreSQL a pre-pinged pool and a statement timeout. A `read_only` engine (the
    API's) cannot write, and each of its transactions reads one snapshot. An engine that is
    not `pooled` opens a connection of its own for every use."""
    json_options: dict[str, Any] = {"json_serializer": dump_json, "json_deserializer": load_json}
    pool = pool or PoolOptions()
    pool_options: dict[str, Any] = (
        {"pool_size": pool.size, "max_overflow": pool.max_overflow, "pool_timeout": pool.timeout_s}
        if pooled
        else {"poolclass": NullPool}
    )
    if not is_sqlite(url):
        connect_args: dict[str, Any] = {}
        if statement_timeout_ms:
            # Added to the URL's own `options` (a search_path, say), which it would replace.
            given = make_url(url).query.get("options", ())
            options = [given] if isinstance(given, str) else list(given)
            options.append(f"-c statement_timeout={int(statement_timeout_ms)}")
            connect_args["options"] = " ".join(options)
        engine = create_engine(
            url, pool_pre_ping=True, connect_args=connect_args, **pool_options, **json_options
        )
        if read_only:
            # REPEATABLE READ: a request's count and page come from one snapshot, so an import
            # committing in between is either wholly seen or not at all.
            return engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        return engine

    engine = create_engine(
        url, connect_args={"check_same_thread": False}, **pool_options, **json_options
    )

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
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        # A writer asks for "BEGIN IMMEDIATE" so that it queues for the lock instead of failing.
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine
