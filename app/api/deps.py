"""Request-scoped dependencies: a database connection per request."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_connection(request: Request) -> AsyncIterator[Connection]:
    """One connection, and one read transaction (one snapshot), per request.

    Async on purpose: the queries behind every route are bounded (indexed, paged, counted up
    to a limit) and take well under a millisecond on SQLite, so running them on the event loop
    costs less than the two thread hand-offs a sync dependency and route would add.
    """
    engine: Engine = request.app.state.engine
    with engine.connect() as connection:
        yield connection


DbConnection = Annotated[Connection, Depends(get_connection)]
EngineDep = Annotated[Engine, Depends(get_engine)]
