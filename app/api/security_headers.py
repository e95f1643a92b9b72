"""Security headers on every answer, error pages of the server itself included: no sniffing, no
framing, no referrer, and a Content-Security-Policy that lets nothing run but the docs pages.

Installed around the whole Starlette stack (outside its ServerErrorMiddleware, which answers
unhandled errors without passing through any other middleware).
"""

import base64
import hashlib
import re
from collections.abc import Callable, Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON, feeds and CSV are data, never documents to render: nothing may load, run or frame them.
API_POLICY = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The docs pages: scripts from this server and their own inline scripts, by hash (filled in
# per answer: they vary with the root path), data: images (the stylesheets' icons), and the
# OpenAPI document fetched from here. Checked in Chromium: nothing else is needed, except...
_DOCS_POLICY = (
    "default-src 'none'; script-src 'self'{scripts}; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; "
)
SWAGGER_UI_POLICY = _DOCS_POLICY + "style-src 'self'"
# ...ReDoc, which injects its styles (styled-components) and runs its search in a blob: worker.
REDOC_POLICY = _DOCS_POLICY + "style-src 'self' 'unsafe-inline'; worker-src blob:"
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_SET = frozenset(name for name, _ in COMMON_HEADERS) | {b"content-security-policy", b"server"}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP answer, replacing any of the same name, and drop
    a `server` header: the answer names no software, let alone its version."""

    def __init__(self, app: ASGIApp, *, docs_pages: Mapping[str, str]) -> None:
        """`docs_pages`: the policy of each HTML page that may run scripts (the docs), with
        `{scripts}` where the hashes of its inline scripts go."""
        self.app = app
        self.docs_pages = dict(docs_pages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.docs_pages.get(scope["path"])
        if policy is not None:
            await self.app(scope, receive, _DocsPage(send, policy).send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_headers(message, API_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _DocsPage:
    """The `send` of a docs page: holds the page back until it is whole, then sends it with a
    policy that names the hash of each of its inline scripts (they vary with the root path)."""

    def __init__(self, send: Send, policy: str) -> None:
        self._send = send
        self._policy = policy
        self._start: Message | None = None
        self._body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        if message["type"] != "http.response.body" or self._start is None:
            await self._send(message)
            return
        self._body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(self._body)
        await self._send(_with_headers(self._start, _docs_policy(self._policy, body)))
        await self._send({"type": "http.response.body", "body": body})


def _docs_policy(policy: str, html: bytes) -> bytes:
    hashes = "".join(
        " 'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return policy.format(scripts=hashes).encode("ascii")


def _with_headers(message: Message, policy: bytes) -> Message:
    # Header names are lower case in ASGI.
    headers = [(name, value) for name, value in message.get("headers", ()) if name not in _SET]
    headers += [*COMMON_HEADERS, (b"content-security-policy", policy)]
    return dict(message, headers=headers)


def install_security_headers(app: FastAPI, docs_pages: Mapping[str, str]) -> None:
    """Wrap the whole middleware stack of `app`, as Starlette builds it, in the headers."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build(), docs_pages=docs_pages)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
