"""Optional rate limiting per client address, with the RateLimit-Policy and RateLimit fields of
draft-ietf-httpapi-ratelimit-headers on every answer and 429 + Retry-After past the quota.

Counts are kept by the `limits` library (moving windows: exact, no burst at window edges), in
each process by default: with N workers a client may make up to N times the quota, unless
RATE_LIMIT_STORAGE names a store the workers share.
"""

import ipaddress
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import QuotaExceeded, problem_answer


@dataclass(frozen=True)
class Policy:
    """One quota: `item.amount` requests in any `item.get_expiry()` seconds."""

    name: str
    item: RateLimitItem


def policies(per_minute: int, burst: int) -> list[Policy]:
    """The quotas the settings ask for: per minute, and per second when `burst` is set."""
    chosen = [Policy("minute", RateLimitItemPerMinute(per_minute))]
    if burst:
        chosen.append(Policy("burst", RateLimitItemPerSecond(burst)))
    return chosen


def client_key(scope: Scope) -> str:
    """Whom a request counts against: its client address (the socket peer, or the address a
    trusted proxy reported), an IPv6 client by its /64, which one host usually has whole."""
    client = scope.get("client")
    host: str = client[0] if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return host


class RateLimitMiddleware:
    """Count every request (304s and errors included) against its client's quotas; answer 429
    without calling the application once one is used up. Refused requests do not count."""

    def __init__(self, app: ASGIApp, *, quotas: list[Policy], storage_uri: str) -> None:
        """`storage_uri`: a `limits` async storage, e.g. `async+memory://`."""
        self.app = app
        self.quotas = quotas
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        described = ", ".join(
            f'"{quota.name}";q={quota.item.amount};w={quota.item.get_expiry()}' for quota in quotas
        )
        self.policy_header = (b"ratelimit-policy", described.encode("ascii"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        allowed = [await self.limiter.test(quota.item, key) for quota in self.quotas]
        if all(allowed):
            for quota in self.quotas:
                await self.limiter.hit(quota.item, key)
        now = time.time()
        fields: list[str] = []
        waits: list[int] = []
        for quota, ok in zip(self.quotas, allowed, strict=True):
            stats = await self.limiter.get_window_stats(quota.item, key)
            seconds = max(0, math.ceil(stats.reset_time - now))
            fields.append(f'"{quota.name}";r={max(0, stats.remaining)};t={seconds}')
            if not ok:
                waits.append(max(1, seconds))
        headers = [self.policy_header, (b"ratelimit", ", ".join(fields).encode("ascii"))]
        if waits:
            answer = problem_answer(
                QuotaExceeded(f"Too many requests from this address; try again in {max(waits)} s."),
                scope["path"],
            )
            answer.headers["Retry-After"] = str(max(waits))
            answer.raw_headers.extend(headers)
            await answer(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", ()), *headers])
            await send(message)

        await self.app(scope, receive, send_with_headers)
