"""Many requests at once on one event loop: no request waits on a connection another holds."""

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES


def test_more_concurrent_requests_than_pooled_connections_all_succeed(
    import_files: ImportFiles, settings: Settings, tmp_path: Path
) -> None:
    import_files(FIXTURES)
    app: FastAPI = create_app(settings)
    paths = ["/articles", "/topics", "/providers", "/articles/000_29aed2788627c48c"] * 15

    async def fetch_all() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.get(path) for path in paths))
        return [response.status_code for response in responses]

    assert asyncio.run(fetch_all()) == [200] * len(paths)
