"""Database access for routes: each service call gets a connection of its own."""

from collections.abc import Callable
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

P = ParamSpec("P")
T = TypeVar("T")


async def get_engine(request: Request) -> Engine:
    # Async so that FastAPI does not hand this trivial lookup to its thread pool.
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def read(
    engine: Engine,
    operation: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run one read-only service call on its own connection (one transaction, one snapshot).

    Routes are async and call this without awaiting anything: the queries are bounded
    (indexed, paged, counted up to a limit) and take well under a millisecond, so running
    them on the event loop costs less than handing them to a thread. And since no `await`
    happens while the connection is held, concurrent requests can never exhaust the pool
    while waiting on each other.
    """
    with engine.connect() as connection:
        return operation(connection, *args, **kwargs)


async def get_download_engine(request: Request) -> Engine:
    # Downloads hold a connection while the client reads; they get their own, outside the
    # pool of the short reads, so that slow downloads can never starve the other requests.
    engine: Engine = request.app.state.download_engine
    return engine


DownloadEngineDep = Annotated[Engine, Depends(get_download_engine)]
