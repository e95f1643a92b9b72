"""Optional rate limiting per client address: off by default; when on, RateLimit-Policy and
RateLimit on every answer, 429 problem + Retry-After past the quota, 304s counted too, and
X-Forwarded-For believed only from TRUSTED_PROXIES."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings
from tests.api.conftest import assert_problem

RATELIMIT = re.compile(r'^"minute";r=(?P<r>\d+);t=(?P<t>\d+)(?:, "burst";r=\d+;t=\d+)?$')


def limited_client(
    database_url: str, client: tuple[str, int] = ("192.0.2.1", 50000), **options: Any
) -> TestClient:
    settings = Settings(database_url=database_url, **options)
    return TestClient(create_app(settings), client=client, raise_server_exceptions=False)


@pytest.fixture
def three_a_minute(database_url: str, engine: Engine) -> Iterator[TestClient]:
    with limited_client(database_url, rate_limit_per_minute=3) as test_client:
        yield test_client


def remaining(response: httpx.Response) -> int:
    found = RATELIMIT.match(response.headers["ratelimit"])
    assert found is not None, response.headers["ratelimit"]
    return int(found["r"])


def test_rate_limiting_is_off_by_default(client: TestClient) -> None:
    for _ in range(30):
        response = client.get("/topics")
        assert response.status_code == 200
        assert "ratelimit" not in response.headers
        assert "ratelimit-policy" not in response.headers
    spec = client.get("/openapi.json").json()
    assert "429" not in spec["paths"]["/topics"]["get"]["responses"]


def test_answers_carry_the_policy_and_what_remains(three_a_minute: TestClient) -> None:
    answers = [three_a_minute.get("/topics") for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 200]
    assert [remaining(response) for response in answers] == [2, 1, 0]
    for response in answers:
        assert response.headers["ratelimit-policy"] == '"minute";q=3;w=60'
        assert 0 <= int(RATELIMIT.match(response.headers["ratelimit"])["t"]) <= 60  # type: ignore[index]


def test_past_the_quota_the_answer_is_a_429_problem_with_retry_after(
    three_a_minute: TestClient,
) -> None:
    for _ in range(3):
        assert three_a_minute.get("/articles").status_code == 200
    refused = three_a_minute.get("/articles")
    body = assert_problem(refused, 429)
    assert body["type"] == "/problems/quota-exceeded"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert remaining(refused) == 0
    assert refused.headers["ratelimit-policy"] == '"minute";q=3;w=60'
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["x-content-type-options"] == "nosniff"
    # Refused requests do not count: the client is not locked out for hammering.
    assert remaining(three_a_minute.get("/articles")) == 0


def test_every_request_counts_errors_and_304s_included(three_a_minute: TestClient) -> None:
    etag = three_a_minute.get("/topics").headers["etag"]
    assert three_a_minute.get("/topics", headers={"If-None-Match": etag}).status_code == 304
    assert three_a_minute.get("/no-such-path").status_code == 404
    assert_problem(three_a_minute.get("/topics", headers={"If-None-Match": etag}), 429)


def test_each_client_address_has_its_own_quota(database_url: str, engine: Engine) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=1)
    app = create_app(settings)
    with (
        TestClient(app, client=("192.0.2.1", 1)) as first,
        TestClient(app, client=("192.0.2.2", 1)) as second,
        TestClient(app, client=("2001:db8::1", 1)) as third,
        TestClient(app, client=("2001:db8::2", 1)) as same_network,
    ):
        assert first.get("/topics").status_code == 200
        assert first.get("/topics").status_code == 429
        assert second.get("/topics").status_code == 200
        # An IPv6 client counts by its /64: one host usually has the whole network.
        assert third.get("/topics").status_code == 200
        assert same_network.get("/topics").status_code == 429


def test_forwarded_addresses_are_ignored_unless_the_peer_is_a_trusted_proxy(
    database_url: str, engine: Engine
) -> None:
    def statuses(client: TestClient) -> list[int]:
        return [
            client.get("/topics", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(3)
        ]

    with limited_client(database_url, rate_limit_per_minute=1) as untrusted:
        assert statuses(untrusted) == [200, 429, 429]
    with limited_client(
        database_url, rate_limit_per_minute=1, trusted_proxies=["192.0.2.0/24"]
    ) as behind_proxy:
        assert statuses(behind_proxy) == [200, 200, 200]
        # The proxy's own scheme is believed too: links name the address clients used.
        response = behind_proxy.get(
            "/articles?limit=1",
            headers={"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"},
        )
        assert response.status_code == 200
    with limited_client(
        database_url, rate_limit_per_minute=1, trusted_proxies=["203.0.113.0/24"]
    ) as other_proxy:
        assert statuses(other_proxy) == [200, 429, 429]


def test_a_burst_bound_limits_requests_within_one_second(database_url: str, engine: Engine) -> None:
    with limited_client(database_url, rate_limit_per_minute=100, rate_limit_burst=2) as client:
        answers = [client.get("/topics") for _ in range(3)]
    assert [response.status_code for response in answers] == [200, 200, 429]
    policy = answers[0].headers["ratelimit-policy"]
    assert policy == '"minute";q=100;w=60, "burst";q=2;w=1'
    assert answers[2].headers["retry-after"] == "1"
    assert answers[2].headers["ratelimit"].endswith('"burst";r=0;t=1')


def test_browsers_may_read_the_rate_limit_headers(three_a_minute: TestClient) -> None:
    response = three_a_minute.get("/topics", headers={"Origin": "https://front.example"})
    exposed = {
        name.strip().lower()
        for name in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"ratelimit", "ratelimit-policy", "retry-after"} <= exposed


def test_the_429_is_documented_when_rate_limiting_is_on(three_a_minute: TestClient) -> None:
    spec = three_a_minute.get("/openapi.json").json()
    for operations in spec["paths"].values():
        for operation in operations.values():
            answer = operation["responses"]["429"]
            assert list(answer["content"]) == ["application/problem+json"]


@pytest.mark.parametrize(
    ("setting", "value"),
    [("trusted_proxies", "proxy.internal"), ("rate_limit_storage", "memory://"),
     ("rate_limit_per_minute", "-1")],
)  # fmt: skip
def test_rate_limit_settings_are_checked(setting: str, value: str) -> None:
    with pytest.raises(ValueError, match=setting):
        Settings(**{setting: value})
