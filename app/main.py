"""Build the FastAPI application: routers, error handlers, offline docs. No routes here."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app.api.openapi import install_openapi
from app.api.routes import articles, changes, downloads, feeds, health, providers, topics
from app.db import make_engine
from app.errors import install_error_handlers
from app.settings import Settings, load_settings

DESCRIPTION = """
A read-only API over a curated collection of news articles, imported from Markdown files
with YAML front matter (the format Smartable AI published its news in).

* Field names follow the files (`publishedDateTime`, `webUrl`, ...); times are UTC.
* Lists are paged with opaque cursors: follow `nextCursor` (or the `Link` header).
* Errors are `application/problem+json` documents (RFC 9457) naming the offending parameter.
"""


def create_app(settings: Settings) -> FastAPI:
    """The API for the database `settings.database_url`."""
    engine_options: dict[str, Any] = {
        "busy_timeout_ms": settings.sqlite_busy_timeout_ms,
        "read_only": True,
        "statement_timeout_ms": settings.database_statement_timeout_ms,
    }
    read_url = settings.database_read_url or settings.database_url
    engine = make_engine(read_url, pool=settings.pool_options(), **engine_options)
    # Downloads stream for as long as the client reads: they must not hold pooled connections.
    download_engine = make_engine(read_url, pooled=False, **engine_options)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()
        download_engine.dispose()

    # Docs assets (Swagger UI, ReDoc) come from the installed package, never from a CDN.
    app: FastAPI = FastAPIOffline(
        title="Curated Articles API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.download_engine = download_engine
    app.state.settings = settings
    install_error_handlers(app)
    for module in (articles, topics, providers, feeds, downloads, changes, health):
        app.include_router(module.router)
    install_openapi(app)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for uvicorn: the app configured from the environment."""
    return create_app(load_settings())
