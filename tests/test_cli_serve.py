"""`articles serve` as clients meet it: a real uvicorn process on loopback, which names no
server software and believes no forwarded address unless TRUSTED_PROXIES says so."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES
from tests.perf.procs import cmdline, established_connections
from tests.stress.server import Serving, alarms, serving

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(database_url: str, import_files: ImportFiles, tmp_path: Path) -> Iterator[str]:
    """The base URL of `articles serve` (one worker, rate limited to 2 a minute) over the real
    articles."""
    import_files(FIXTURES)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "RATE_LIMIT_PER_MINUTE": "2"}
    log = (tmp_path / "serve.log").open("wb")
    command = ["serve", "--no-migrate", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", *command],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)  # one request of the quota
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.mark.sqlite_only("serves a SQLite file from a child process")
def test_served_answers_name_no_server_and_ignore_forwarded_addresses(served: str) -> None:
    # The readiness probe above used one request of the quota.
    first = httpx.get(f"{served}/articles", headers={"X-Forwarded-For": "198.51.100.1"})
    assert first.status_code == 200
    assert "server" not in first.headers
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.headers["ratelimit-policy"] == '"minute";q=2;w=60'
    # uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the app must not.
    spoofed = httpx.get(f"{served}/articles", headers={"X-Forwarded-For": "198.51.100.2"})
    assert spoofed.status_code == 429
    assert "server" not in spoofed.headers
    assert spoofed.headers["content-type"] == "application/problem+json"


def test_several_workers_are_forked_from_the_supervisor_and_each_answers(
    database_url: str, import_files: ImportFiles, tmp_path: Path
) -> None:
    import_files(FIXTURES)
    with serving(database_url, workers=2, log=tmp_path / "serve.log") as server:
        workers = server.worker_pids()
        answers = {httpx.get(f"{server.base_url}/articles?limit=1").status_code for _ in range(8)}
        supervisor = cmdline(server.proc.pid)
        worker_commands = {cmdline(pid) for pid in workers}

    # Forked workers start with the supervisor's imports (and its command line); spawned ones
    # would import everything again, a second or so each at startup.
    assert len(workers) == 2
    assert worker_commands == {supervisor}
    assert answers == {200}
    assert alarms(server.log_text()) == []


def burst_of_connections(server: Serving, count: int) -> list[socket.socket]:
    """`count` keep-alive connections, opened at once, each of which has had one answer."""
    port = int(server.base_url.rsplit(":", 1)[1])
    connections = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(count)]
    for connection in connections:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
    for connection in connections:
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
    return connections


def connections_held(server: Serving) -> list[int]:
    port = int(server.base_url.rsplit(":", 1)[1])
    return sorted(established_connections(pid, port) for pid in server.worker_pids())


def test_workers_share_a_burst_of_keep_alive_connections_even_after_one_dies(
    database_url: str, import_files: ImportFiles, tmp_path: Path
) -> None:
    import_files(FIXTURES)
    with serving(database_url, workers=2, log=tmp_path / "serve.log") as server:
        # Each worker has a socket of its own, and the kernel spreads connections over them
        # (a shared socket lets the first worker to wake take a whole burst).
        connections = burst_of_connections(server, 32)
        held = connections_held(server)
        for connection in connections:
            connection.close()
        # A killed worker's connections wait on its socket for its replacement.
        os.kill(server.worker_pids()[0], signal.SIGKILL)
        connections = burst_of_connections(server, 32)
        held_after = connections_held(server)
        for connection in connections:
            connection.close()

    # 32 connections hashed over 2 sockets: fewer than 4 on one is a 1-in-300,000 chance.
    assert sum(held) == 32 and held[0] >= 4, held
    assert sum(held_after) == 32 and held_after[0] >= 4, held_after


def test_a_second_server_on_the_same_port_fails_to_start(
    database_url: str, import_files: ImportFiles, tmp_path: Path
) -> None:
    import_files(FIXTURES)
    with serving(database_url, workers=2, log=tmp_path / "serve.log") as server:
        port = server.base_url.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", port,
             "--workers", "2"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip
        answer = httpx.get(f"{server.base_url}/health")

    assert second.returncode != 0
    assert "address already in use" in second.stderr.lower() + second.stdout.lower()
    assert answer.status_code == 200


def ask(connection: socket.socket) -> bytes:
    """GET /health on `connection`; its status line, once the whole answer is read."""
    connection.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(65536)
    head, body = answer.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1]) for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )  # fmt: skip
    while len(body) < length:
        body += connection.recv(65536)
    return head.split(b"\r\n", 1)[0]


def test_an_idle_connection_stays_open_for_keep_alive_s_then_is_closed(
    database_url: str, import_files: ImportFiles, tmp_path: Path
) -> None:
    import_files(FIXTURES)
    settings = {"KEEP_ALIVE_S": "2"}
    with serving(database_url, workers=2, log=tmp_path / "serve.log", settings=settings) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            assert ask(connection) == b"HTTP/1.1 200 OK"
            time.sleep(1)
            assert ask(connection) == b"HTTP/1.1 200 OK"  # still open after 1 s idle
            time.sleep(3.5)
            assert connection.recv(65536) == b""  # closed by the server after 2 s idle


def test_the_server_keeps_idle_connections_longer_than_clients_and_proxies_do() -> None:
    # httpx drops idle connections after 5 s, nginx and load balancers after 60 s: a server
    # that closes first can close one just as a client reuses it (seen as failed requests
    # under load with uvicorn's own 5 s).
    assert Settings().keep_alive_s > 60
