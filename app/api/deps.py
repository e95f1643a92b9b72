"""Request-scoped dependencies: a database connection per request."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """One connection, and one read transaction (one snapshot), per request."""
    with engine.connect() as connection:
        yield connection


DbConnection = Annotated[Connection, Depends(get_connection)]
