"""One-off HTTP GETs to the servers under test (probes, discovery, snapshots); loopback only."""

import http.client
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer; header names are lower case."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


def split_loopback_url(url: str) -> tuple[str, int, str]:
    """(host, port, path with query) of an http://127.0.0.1 URL.

    Raises:
        ValueError: the URL does not point at 127.0.0.1 over plain HTTP; load goes nowhere else.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.port is None:
        raise ValueError(f"refusing to send requests to {url!r}: only http://127.0.0.1:PORT")
    path = parts.path or "/"
    return LOOPBACK, parts.port, f"{path}?{parts.query}" if parts.query else path


def get(url: str, headers: Mapping[str, str] | None = None, timeout: float = 30.0) -> Reply:
    """GET `url` and read the whole answer, whatever its status (3xx and 4xx included)."""
    host, port, target = split_loopback_url(url)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", target, headers=dict(headers or {}))
        response = connection.getresponse()
        body = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return Reply(status=response.status, headers=found, body=body)
    finally:
        connection.close()
