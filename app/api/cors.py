"""CORS for browser front ends: which origins may read the API (GET and HEAD only)."""

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

# Browsers let scripts read only safelisted response headers unless told otherwise.
EXPOSED_HEADERS = ("ETag", "Last-Modified", "Link", "RateLimit", "RateLimit-Policy", "Retry-After")
# What a front end sends to revalidate its copy; it makes the request non-simple (preflighted).
ALLOWED_HEADERS = ("If-None-Match", "If-Modified-Since")


def install_cors(app: FastAPI, origins: Sequence[str]) -> None:
    """Answer preflights and mark answers readable by `origins` (`*`: any origin).

    Install it after every other middleware: the last one added is the outermost, so that
    304s answered by the caching middleware and error answers carry the CORS headers too.
    """
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "HEAD"],
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
    )
