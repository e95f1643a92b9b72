"""Security headers on every answer, whatever answers it; docs pages run only their own
scripts; no answer names the server software or leaks paths, SQL or stack traces."""

import base64
import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings
from tests.api.conftest import Spec
from tests.helpers import SEED_SLUG

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
BANNER = re.compile(r"uvicorn|starlette|fastapi|python|sqlite|sqlalchemy|\d+\.\d+\.\d+", re.I)


def assert_secured(response: httpx.Response, policy: str | None = API_POLICY) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    if policy is not None:
        assert headers["content-security-policy"] == policy
    assert "server" not in headers
    assert "x-powered-by" not in headers
    for name, value in headers.items():
        if name not in ("etag", "last-modified", "date", "content-length", "link", "expires"):
            assert not BANNER.search(value), (name, value)


ANSWERS = [
    ("/articles", 200), ("/articles/apple", 200), ("/topics", 200), ("/providers", 200),
    ("/articles.atom", 200), ("/articles.feed.json", 200), ("/articles.csv", 200),
    ("/changes", 200), ("/health", 200), ("/openapi.json", 200),
    ("/static-offline-docs/swagger-ui.css", 200), ("/articles/nope", 404), ("/nope", 404),
    ("/articles?limit=0", 422), ("/articles?topic=%ff", 400),
    ("/articles?topic=" + "a" * 9000, 414),
]  # fmt: skip


def test_every_answer_carries_the_security_headers(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    for path, status in ANSWERS:
        response = client.get(path)
        assert response.status_code == status, path[:80]
        assert_secured(response)


def test_not_modified_head_and_preflight_answers_carry_them_too(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    etag = client.get("/articles").headers["etag"]
    not_modified = client.get("/articles", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert_secured(not_modified)
    assert_secured(client.head("/articles"))
    assert_secured(client.post("/articles"))
    preflight = client.options(
        "/articles",
        headers={"Origin": "https://front.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert_secured(preflight)


def test_headers_too_large_and_server_errors_carry_them_too(
    client: TestClient, catalog: tuple[Spec, ...], engine: Engine
) -> None:
    assert_secured(client.get("/articles", headers={"X-Big": "a" * 20_000}))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE image")
    # Answered by Starlette's ServerErrorMiddleware, outside every other middleware.
    failed = client.get("/articles")
    assert failed.status_code == 500
    assert_secured(failed)


def test_an_unavailable_database_answer_carries_them(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'missing' / 'a.db'}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert_secured(response)


def script_hashes(html: str) -> set[str]:
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(html)
    }


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parsed}


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_may_run_their_own_scripts_only(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert_secured(response, policy=None)
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Scripts from this server, and the page's inline scripts by hash: nothing else.
    assert policy["script-src"] == ["'self'", *sorted(script_hashes(response.text))]
    assert set(policy["connect-src"]) == {"'self'"}
    assert all(
        not source.startswith(("http", "*")) for values in policy.values() for source in values
    )


def test_only_redoc_may_apply_inline_styles_and_run_a_worker(client: TestClient) -> None:
    swagger = directives(client.get("/docs"))
    redoc = directives(client.get("/redoc"))
    assert swagger["style-src"] == ["'self'"]
    assert "worker-src" not in swagger
    assert redoc["style-src"] == ["'self'", "'unsafe-inline'"]
    assert redoc["worker-src"] == ["blob:"]
    assert script_hashes(client.get("/docs").text)  # Swagger UI starts from an inline script


def test_the_docs_script_hash_follows_the_root_path(settings: Settings) -> None:
    with TestClient(create_app(settings), root_path="/api") as client:
        response = client.get("/docs")
    assert "/api/openapi.json" in response.text
    assert directives(response)["script-src"] == ["'self'", *script_hashes(response.text)]


LEAKS = ("Traceback", 'File "', ".py", "/tmp", "/work", "/home", "sqlite", "sqlalchemy",
         "SELECT", "FROM ", "WHERE", "Error:", "line ")  # fmt: skip


def test_no_error_answer_shows_paths_sql_or_stack_traces(
    client: TestClient, catalog: tuple[Spec, ...], engine: Engine
) -> None:
    requests = ["/articles?limit=0", "/articles?cursor=bad", "/articles?from=never",
                "/articles?topic=%ff", "/articles?topic=" + "a" * 9000, "/articles/none",
                "/changes?since=nope", "/nope", f"/articles/{SEED_SLUG}/../../etc/passwd",
                "/static-offline-docs/../../app/main.py",
                "/static-offline-docs/missing.js"]  # fmt: skip
    answers = [client.get(url) for url in requests]
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE related_link")
    answers.append(client.get("/articles/apple"))
    for response in answers:
        assert response.status_code >= 400, response.url
        body = response.json()
        # The instance repeats the path the client sent; nothing else may come from the server.
        assert body.pop("instance") == response.url.path
        shown = json.dumps(body) + json.dumps(dict(response.headers))
        for leak in LEAKS:
            assert leak not in shown, (str(response.url)[:80], leak, shown)
