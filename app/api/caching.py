"""HTTP caching of GET answers: ETag, Last-Modified, Cache-Control, and 304 before routing.

A pure ASGI middleware, so that a revalidation that hits costs one catalog read and one hash,
not FastAPI's routing, dependencies and query. With an answer cache, a repeated GET of a URL
costs the same: its whole answer is kept under its tag until the catalog version changes.
"""

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from functools import partial
from hashlib import blake2b

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.answer_cache import AnswerCache, KeptAnswer
from app.api.conditional import canonical_query, etag_listed, format_http_date, parse_http_date
from app.errors import Unavailable
from app.fingerprint import Fingerprint
from app.services.catalog import CatalogVersion

_READS = frozenset({"GET", "HEAD"})
# URLs whose tag is remembered per catalog version (a tag costs microseconds to compute; an
# entry holds the query twice, up to a few KB with a cursor).
_TAGS_KEPT = 2048
_NO_STORE = (b"cache-control", b"no-store")
# Headers by which an answer takes its caching in hand: such an answer is never kept whole.
_CHOSEN_BY_ANSWER = frozenset({b"cache-control", b"vary", b"set-cookie"})


class _Validators:
    """What every answer for one catalog version shares, and the tags of the URLs asked for."""

    def __init__(
        self, version: CatalogVersion, fingerprint: Fingerprint, answer_cache_bytes: int
    ) -> None:
        self.version = version
        # Answers of this version only: a new version starts with an empty cache.
        self.answers = AnswerCache(answer_cache_bytes) if answer_cache_bytes > 0 else None
        # The code's time counts too, so that a new deployment is "modified" for clients that
        # only send If-Modified-Since; a database never imported is as old as the code. Never
        # later than now (RFC 9110 8.8.2.1), and in whole seconds, as HTTP dates are.
        changed = max(version.changed_at or fingerprint.code_time, fingerprint.code_time)
        now = datetime.now(UTC).replace(tzinfo=None)
        self.last_modified = min(changed, now).replace(microsecond=0, tzinfo=UTC)
        self.last_modified_header = format_http_date(self.last_modified).encode()
        self._tag_prefix = b'"%d-' % version.generation
        # changed_at is in the seed too: two databases (or a restored backup) at the same
        # generation are told apart by the moment their last import ran.
        self._seed = fingerprint.digest + str(version.changed_at).encode()
        self._tags: dict[tuple[str, bytes, str, bytes], tuple[bytes, bytes]] = {}

    def tag(self, scheme: str, host: bytes, path: str, query: bytes) -> tuple[bytes, bytes]:
        """The strong tag of the answer to this URL, and the canonical form of its query.

        The tag is the generation, then a hash of the code, settings and catalog version with
        the URL: the host and scheme too, since answers hold absolute URLs (Link headers).
        """
        key = (scheme, host, path, query)
        found = self._tags.get(key)
        if found is None:
            if len(self._tags) >= _TAGS_KEPT:
                self._tags.clear()
            canonical = canonical_query(query)
            url = [scheme.encode(), host, path.encode("utf-8", "surrogatepass"), canonical]
            named = b"".join(b"%d:%b" % (len(part), part) for part in url)
            digest = blake2b(self._seed + named, digest_size=8).hexdigest().encode()
            found = self._tags[key] = (self._tag_prefix + digest + b'"', canonical)
        return found


class CachingMiddleware:
    """Validators on every successful GET/HEAD answer, and 304 Not Modified without routing.

    The catalog version is read before the answer is built: an answer built from newer data
    under an older tag is only revalidated once too often, while the reverse would serve stale
    data as fresh for as long as nothing else changes.

    Answering 304 before routing is sound because a tag is only ever issued on a 200 answer, and
    it covers everything that answer depends on (code, settings, catalog version, scheme, host,
    path, query). A request naming a current tag therefore repeats a request that was answered
    200 on this very data, and would be again; a URL that answers 404 or 422 never had a tag.
    If-None-Match: * and a later-than-ever If-Modified-Since prove nothing about the URL, so they
    are decided on the application's answer instead (a 200 is turned into a 304).

    HEAD is answered as GET without the body, for every path under this middleware.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        read_version: Callable[[], CatalogVersion],
        fingerprint: Fingerprint,
        max_age: int,
        no_store: Collection[str] = (),
        bypass: tuple[str, ...] = (),
        answer_cache_bytes: int = 0,
    ) -> None:
        """`no_store`: paths whose answers must never be cached (live state); `bypass`: path
        prefixes left entirely to the application (files with validators of their own);
        `answer_cache_bytes`: memory for whole answers kept per catalog version (0: none)."""
        self.app = app
        self.answer_cache_bytes = answer_cache_bytes
        self.read_version = read_version
        self.fingerprint = fingerprint
        self.cache_control = (b"cache-control", b"public, max-age=%d" % max_age)
        self.no_store = frozenset(no_store)
        self.bypass = bypass
        self._current: _Validators | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _READS
            or scope["path"].startswith(self.bypass)
        ):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if scope["path"] in self.no_store:
            await self.app(_as_get(scope, head), receive, _Answer(send, head).send)
            return
        try:
            validators = self._validators(self.read_version())
        except Unavailable:
            # Whatever the application answers about a database that does not answer, it is
            # not to be kept.
            await self.app(_as_get(scope, head), receive, _Answer(send, head).send)
            return

        host = if_none_match = if_modified_since = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"if-none-match":
                # Several header lines make one list (RFC 9110 5.3).
                if_none_match = value if if_none_match is None else if_none_match + b"," + value
            elif name == b"if-modified-since":
                # More than one is invalid, and an invalid date is ignored (RFC 9110 13.1.3).
                if_modified_since = b"" if if_modified_since is not None else value
        etag, query = validators.tag(
            scope["scheme"],
            host or b"",
            scope.get("root_path", "") + scope["path"],
            scope["query_string"],
        )
        headers = [
            (b"etag", etag),
            (b"last-modified", validators.last_modified_header),
            self.cache_control,
        ]

        # RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without it.
        decide_on_answer = False
        if if_none_match is not None:
            if if_none_match.strip() == b"*":
                decide_on_answer = True
            elif if_none_match == etag or etag_listed(if_none_match, etag):
                await _not_modified(send, headers)
                return
        elif if_modified_since:
            since = parse_http_date(if_modified_since.decode("latin-1"))
            if since == validators.last_modified:
                await _not_modified(send, headers)
                return
            decide_on_answer = since is not None and since > validators.last_modified

        answers = None if decide_on_answer else validators.answers
        if answers is not None:
            kept = answers.get(etag)
            if kept is not None:
                await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
                await send({"type": "http.response.body", "body": b"" if head else kept.body})
                return

        if query != scope["query_string"]:
            # The application reads the very query the tag covers, so that reordered parameters
            # give byte-identical answers (the Link header repeats the query) under one tag.
            scope = dict(scope, query_string=query)
        keep = None if answers is None else partial(answers.keep, etag)
        answer = _Answer(send, head, headers, not_modified=decide_on_answer, keep=keep)
        await self.app(_as_get(scope, head), receive, answer.send)

    def _validators(self, version: CatalogVersion) -> _Validators:
        current = self._current
        if current is None or current.version != version:
            current = self._current = _Validators(
                version, self.fingerprint, self.answer_cache_bytes
            )
        return current


class _Answer:
    """The `send` of one request: adds the validators to a 200 answer and `no-store` to an
    error, drops the body of a HEAD answer, turns a 200 into a 304 when asked to, and hands a
    whole 200 answer to `keep`."""

    def __init__(
        self,
        send: Send,
        head: bool,
        headers: list[tuple[bytes, bytes]] | None = None,
        *,
        not_modified: bool = False,
        keep: Callable[[KeptAnswer], None] | None = None,
    ) -> None:
        """`headers`: the ETag, Last-Modified and Cache-Control of a 200 (None: not to be
        cached whatever the status); `keep`: where a 200 answer sent in one piece goes, when
        it left its caching to this middleware."""
        self._send = send
        self._head = head
        self._headers = headers
        self._not_modified = not_modified
        self._silenced = False
        self._keep = keep
        self._kept_headers: list[tuple[bytes, bytes]] | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message = await self._start(message)
            if self._silenced:
                return
        elif self._silenced:
            return
        elif message["type"] == "http.response.body":
            self._keep_whole(message)
            if self._head and message.get("body"):
                message = dict(message, body=b"")
        await self._send(message)

    def _keep_whole(self, message: Message) -> None:
        headers, self._kept_headers = self._kept_headers, None
        if headers is not None and self._keep is not None and not message.get("more_body"):
            # A copy of exactly its size: the body as rendered may sit in a larger buffer
            # (orjson's output keeps the capacity it grew to, up to twice the length).
            self._keep(KeptAnswer(headers, bytes(memoryview(message.get("body", b"")))))

    async def _start(self, message: Message) -> Message:
        status: int = message["status"]
        headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
        names = {name.lower() for name, _ in headers}
        if self._headers is None or status >= 400:
            if b"cache-control" not in names:
                headers.append(_NO_STORE)
        elif status == 200 and b"etag" not in names:
            if self._not_modified:
                vary = [(name, value) for name, value in headers if name.lower() == b"vary"]
                await _not_modified(self._send, [*self._headers, *vary])
                self._silenced = True
                return message
            # An answer that chose its own caching keeps it (the validators still apply); one
            # that varies with the request's headers is not the URL's alone.
            headers += [h for h in self._headers if h[0] not in names]
            if not names & _CHOSEN_BY_ANSWER:
                self._kept_headers = headers
        return dict(message, headers=headers)


def _as_get(scope: Scope, head: bool) -> Scope:
    return dict(scope, method="GET") if head else scope


async def _not_modified(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
