"""`articles serve` and `articles import` as an operator runs them: child processes on loopback,
their output kept in files and read for alarms (locks, tracebacks, errors, restarted workers).
"""

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.perf.procs import free_port, stop, uvicorn_workers

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Lines of a server's or importer's output that mean something went wrong: a reader or the
# importer that met a lock, an exception, an error logged, a worker that died and was replaced.
ALARMS = ("database is locked", "Traceback", "ERROR", "died")
READY_LINE = "Application startup complete."


def environment(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: ours, with its database (and `extra` settings)."""
    return {**os.environ, "DATABASE_URL": database_url, **(extra or {})}


def alarms(text: str) -> list[str]:
    """The lines of `text` that name a lock, a traceback, an error or a dead worker."""
    return [line for line in text.splitlines() if any(alarm in line for alarm in ALARMS)]


@dataclass
class Serving:
    """A running `articles serve`: its process (the supervisor with several workers), URL, log."""

    proc: "subprocess.Popen[bytes]"
    base_url: str
    log: Path
    workers: int
    startup_seconds: float = 0.0

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        return uvicorn_workers(self.proc.pid)

    def wait_until_ready(self, timeout: float) -> None:
        """Wait until every worker has started and /health answers.

        Raises:
            RuntimeError: the server exited or was not ready in time.
        """
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"articles serve exited: {self.log_text()[-2000:]}")
            if self.log_text().count(READY_LINE) >= self.workers and self._healthy():
                self.startup_seconds = time.monotonic() - started
                return
            time.sleep(0.05)
        raise RuntimeError(f"articles serve not ready in {timeout} s: {self.log_text()[-2000:]}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/health", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


def start_serving(
    database_url: str,
    workers: int,
    log: Path,
    *,
    settings: Mapping[str, str] | None = None,
) -> Serving:
    """Start `articles serve` on a free loopback port, in a session of its own (so that it and
    its workers can be stopped as one group); it is not waited for."""
    port = free_port()
    argv = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    argv += ["--workers", str(workers), "--no-migrate"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env=environment(database_url, settings),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Serving(proc, f"http://127.0.0.1:{port}", log, workers)


@contextmanager
def serving(
    database_url: str,
    workers: int,
    log: Path,
    *,
    settings: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[Serving]:
    """`articles serve`, ready, for the length of a `with` block; stopped however it ends."""
    server = start_serving(database_url, workers, log, settings=settings)
    try:
        server.wait_until_ready(timeout)
        yield server
    finally:
        stop(server.proc)


@dataclass(frozen=True)
class ImportRun:
    """A finished `articles import --json`: exit status, wall time, its report and stderr."""

    returncode: int
    seconds: float
    report: dict[str, Any]
    stderr: str


async def run_import(database_url: str, folder: Path) -> ImportRun:
    """Run `articles import --prune --json FOLDER` in a child process and wait for it."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "import", "--prune", "--json", str(folder),
        cwd=PROJECT_ROOT,
        env=environment(database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    seconds = time.monotonic() - started
    try:
        report = json.loads(out)
    except ValueError:
        report = {"output": out.decode(errors="replace")}
    return ImportRun(proc.returncode or 0, seconds, report, err.decode(errors="replace"))
