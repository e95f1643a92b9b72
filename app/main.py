"""Build the FastAPI application: routers, error handlers, middleware, offline docs. No routes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api.caching import CachingMiddleware
from app.api.cors import install_cors
from app.api.openapi import install_openapi
from app.api.rate_limit import RateLimitMiddleware, policies
from app.api.request_limits import RequestLimits, RequestLimitsMiddleware
from app.api.routes import articles, changes, downloads, feeds, health, providers, topics
from app.api.security_headers import (
    REDOC_POLICY,
    SWAGGER_UI_POLICY,
    install_security_headers,
)
from app.db import make_engine
from app.errors import install_error_handlers
from app.fingerprint import deployment_fingerprint
from app.services.catalog import CatalogReader
from app.settings import Settings, load_settings

# Swagger UI and ReDoc assets: static files with validators of their own.
DOCS_ASSETS = "/static-offline-docs"
# Answers about live state, never to be reused.
UNCACHED_PATHS = ("/health",)
# HTML pages whose own scripts may run, with what else each needs.
DOCS_PAGES = {
    "/docs": SWAGGER_UI_POLICY,
    "/docs/oauth2-redirect": SWAGGER_UI_POLICY,
    "/redoc": REDOC_POLICY,
}

DESCRIPTION = """
A read-only API over a curated collection of news articles, imported from Markdown files
with YAML front matter (the format Smartable AI published its news in).

* Field names follow the files (`publishedDateTime`, `webUrl`, ...); times are UTC.
* Lists are paged with opaque cursors: follow `nextCursor` (or the `Link` header).
* Errors are `application/problem+json` documents (RFC 9457) naming the offending parameter.
* Answers carry `ETag` and `Last-Modified`: ask again with `If-None-Match` (or
  `If-Modified-Since`) and get `304 Not Modified` while no import has changed anything.
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
    catalog = CatalogReader(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        catalog.close()
        engine.dispose()
        download_engine.dispose()

    # Docs assets (Swagger UI, ReDoc) come from the installed package, never from a CDN.
    app: FastAPI = FastAPIOffline(
        title="Curated Articles API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
    )
    app.state.engine = engine
    app.state.download_engine = download_engine
    app.state.settings = settings
    install_error_handlers(app)
    for module in (articles, topics, providers, feeds, downloads, changes, health):
        app.include_router(module.router)
    install_openapi(app, rate_limited=settings.rate_limit_per_minute > 0)
    # The last added is the outermost: proxy headers, CORS, rate limit, request bounds, caching.
    app.add_middleware(
        CachingMiddleware,
        read_version=catalog.read,
        fingerprint=deployment_fingerprint(settings),
        max_age=settings.cache_max_age,
        no_store=UNCACHED_PATHS,
        bypass=(DOCS_ASSETS + "/",),
        answer_cache_bytes=int(settings.answer_cache_mb * 1024 * 1024),
    )
    app.add_middleware(
        RequestLimitsMiddleware,
        limits=RequestLimits(
            max_url_bytes=settings.max_url_bytes,
            max_header_bytes=settings.max_header_bytes,
            max_parameter_length=settings.max_parameter_length,
            max_parameter_values=settings.max_parameter_values,
        ),
    )
    if settings.rate_limit_per_minute:
        # Outside the caching middleware, so that 304s count too.
        app.add_middleware(
            RateLimitMiddleware,
            quotas=policies(settings.rate_limit_per_minute, settings.rate_limit_burst),
            storage_uri=settings.rate_limit_storage,
        )
    install_cors(app, settings.cors_allow_origins)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    install_security_headers(app, DOCS_PAGES)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for uvicorn: the app configured from the environment."""
    return create_app(load_settings())
