"""The answer cache: a repeated GET of a URL is answered from memory, byte for byte, until the
catalog version changes; nothing that varies, streams, fails or chose its own caching is kept."""

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from app.api.answer_cache import AnswerCache, KeptAnswer
from app.api.caching import CachingMiddleware
from app.fingerprint import Fingerprint
from app.services.catalog import CatalogVersion

BUDGET = 64 * 1024


class Counting:
    """A catalog version the test sets, and how many times each path was built."""

    def __init__(self) -> None:
        self.version = CatalogVersion(3, datetime(2020, 6, 17, 19, 2, 5))
        self.built: dict[str, int] = {}

    def read(self) -> CatalogVersion:
        return self.version

    def count(self, request: Request) -> int:
        self.built[request.url.path] = self.built.get(request.url.path, 0) + 1
        return self.built[request.url.path]


@pytest.fixture
def counting() -> Counting:
    return Counting()


@pytest.fixture
def client(counting: Counting) -> Iterator[TestClient]:
    async def plain(request: Request) -> Response:
        built = counting.count(request)
        return PlainTextResponse(f"{request.url.query} built {built}", headers={"Link": "<x>"})

    async def streamed(request: Request) -> Response:
        counting.count(request)

        async def chunks() -> AsyncIterator[bytes]:
            yield b"a,"
            yield b"b"

        return StreamingResponse(chunks(), media_type="text/csv")

    async def varies(request: Request) -> Response:
        return PlainTextResponse(f"built {counting.count(request)}", headers={"Vary": "Accept"})

    async def private(request: Request) -> Response:
        built = counting.count(request)
        return PlainTextResponse(f"built {built}", headers={"Cache-Control": "private"})

    async def missing(request: Request) -> Response:
        return PlainTextResponse(f"built {counting.count(request)}", status_code=404)

    async def big(request: Request) -> Response:
        counting.count(request)
        return PlainTextResponse("x" * (BUDGET // 4))

    app = Starlette(
        routes=[
            Route("/plain", plain),
            Route("/streamed", streamed),
            Route("/varies", varies),
            Route("/private", private),
            Route("/missing", missing),
            Route("/big", big),
        ]
    )
    app.add_middleware(
        CachingMiddleware,
        read_version=counting.read,
        fingerprint=Fingerprint(b"code", datetime(2020, 1, 1)),
        max_age=60,
        answer_cache_bytes=BUDGET,
    )
    with TestClient(app) as test_client:
        yield test_client


def test_a_repeated_get_is_answered_whole_from_memory(
    client: TestClient, counting: Counting
) -> None:
    first = client.get("/plain?a=1")
    again = client.get("/plain?a=1")

    assert counting.built == {"/plain": 1}
    assert again.content == first.content == b"a=1 built 1"
    assert again.headers == first.headers
    assert again.headers["link"] == "<x>"


def test_each_url_has_its_own_answer_and_reordered_queries_share_one(
    client: TestClient, counting: Counting
) -> None:
    assert client.get("/plain?a=1&b=2").text == "a=1&b=2 built 1"
    assert client.get("/plain?b=2&a=1").text == "a=1&b=2 built 1"
    assert client.get("/plain?a=2").text == "a=2 built 2"


def test_a_new_catalog_version_builds_the_answer_again(
    client: TestClient, counting: Counting
) -> None:
    old = client.get("/plain")
    counting.version = CatalogVersion(4, datetime(2020, 6, 18))
    new = client.get("/plain")

    assert new.text == " built 2"
    assert new.headers["etag"] != old.headers["etag"]
    # The old version's answers are gone, not merely hidden.
    counting.version = CatalogVersion(3, datetime(2020, 6, 17, 19, 2, 5))
    assert client.get("/plain").text == " built 3"


def test_head_and_get_share_the_kept_answer(client: TestClient, counting: Counting) -> None:
    head = client.head("/plain")
    get = client.get("/plain")
    head_again = client.head("/plain")

    assert counting.built == {"/plain": 1}
    assert head.content == head_again.content == b""
    assert get.text == " built 1"
    assert head_again.headers == get.headers


def test_a_conditional_get_of_a_kept_answer_is_still_a_304(
    client: TestClient, counting: Counting
) -> None:
    etag = client.get("/plain").headers["etag"]
    assert client.get("/plain", headers={"If-None-Match": etag}).status_code == 304
    star = client.get("/plain", headers={"If-None-Match": "*"})
    assert (star.status_code, counting.built) == (304, {"/plain": 2})


@pytest.mark.parametrize("path", ["/streamed", "/varies", "/private", "/missing", "/big"])
def test_what_streams_varies_chose_its_own_caching_failed_or_is_too_big_is_built_each_time(
    client: TestClient, counting: Counting, path: str
) -> None:
    first, again = client.get(path), client.get(path)
    assert counting.built == {path: 2}
    assert first.headers.get("etag") == again.headers.get("etag")


def test_without_a_budget_every_answer_is_built() -> None:
    counting = Counting()

    async def plain(request: Request) -> Response:
        return PlainTextResponse(f"built {counting.count(request)}")

    app = Starlette(routes=[Route("/plain", plain)])
    app.add_middleware(
        CachingMiddleware,
        read_version=counting.read,
        fingerprint=Fingerprint(b"code", datetime(2020, 1, 1)),
        max_age=60,
    )
    with TestClient(app) as client:
        assert [client.get("/plain").text for _ in range(2)] == ["built 1", "built 2"]


def answer(size: int) -> KeptAnswer:
    return KeptAnswer([(b"content-type", b"text/plain")], b"x" * size)


def test_the_cache_stays_within_its_budget_dropping_the_oldest_answers_first() -> None:
    cache = AnswerCache(budget_bytes=10_000)
    for number in range(40):
        cache.keep(b"tag-%d" % number, answer(1000))
        assert cache.used_bytes <= cache.budget_bytes

    assert cache.get(b"tag-0") is None
    assert cache.get(b"tag-39") is not None
    kept = [number for number in range(40) if cache.get(b"tag-%d" % number) is not None]
    assert kept == list(range(40 - len(cache), 40))


def test_an_answer_over_an_eighth_of_the_budget_is_never_kept() -> None:
    cache = AnswerCache(budget_bytes=8_000)
    cache.keep(b"small", answer(100))
    cache.keep(b"big", answer(1_000))

    assert cache.get(b"big") is None
    assert cache.get(b"small") is not None
    assert len(cache) == 1
