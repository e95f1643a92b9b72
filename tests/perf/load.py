"""Load drivers: wrk when it is installed, else keep-alive connections in Python threads.

Both send GETs for one URL on 127.0.0.1 over a fixed number of connections for a bounded time
and report requests per second, latency percentiles and errors (status >= 400, or a socket
error or timeout).
"""

import http.client
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tests.perf.client import split_loopback_url

WRK_TIMEOUT_SLACK = 15.0  # seconds a wrk run may take beyond its -d before it is killed


@dataclass(frozen=True)
class LoadResult:
    """One bounded load run against one URL."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_percent: float | None = None  # server CPU, % of one core, over the run


class Driver(Protocol):
    """Something that loads one URL for a bounded time."""

    name: str

    def run(self, url: str, headers: Mapping[str, str]) -> LoadResult:
        """Load `url` (with `headers`) and report."""
        ...


def median_result(results: Sequence[LoadResult]) -> LoadResult:
    """The median of every figure over repeated runs; errors are summed (any error matters)."""
    cpu = [r.cpu_percent for r in results if r.cpu_percent is not None]
    return LoadResult(
        requests=int(statistics.median(r.requests for r in results)),
        seconds=statistics.median(r.seconds for r in results),
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        cpu_percent=statistics.median(cpu) if cpu else None,
    )


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNIT_MS[match[2]]


def parse_wrk(output: str) -> LoadResult:
    """Read req/s, p50, p99, total requests and errors from `wrk --latency` output.

    Raises:
        ValueError: the output lacks the figures (wrk failed).
    """
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ([0-9.]+)(\w+)", output, re.M)
    if not (rps and total):
        raise ValueError(f"wrk printed no figures:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (int(non_2xx[1]) if non_2xx else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    return LoadResult(
        requests=int(total[1]),
        seconds=_duration_ms(total[2] + total[3]) / 1000,
        rps=float(rps[1]),
        # wrk prints no distribution when nothing completed.
        p50_ms=_duration_ms(p50[1]) if p50 else float("nan"),
        p99_ms=_duration_ms(p99[1]) if p99 else float("nan"),
        errors=errors,
    )


class WrkDriver:
    """`wrk -t1 -cC -dDs --latency`, the kit's load.sh settings by default."""

    name = "wrk"

    def __init__(self, executable: str, duration: float, connections: int, threads: int) -> None:
        self.executable = executable
        self.duration = duration
        self.connections = connections
        self.threads = threads

    def run(self, url: str, headers: Mapping[str, str]) -> LoadResult:
        """Run wrk once and parse what it prints."""
        split_loopback_url(url)
        argv = [
            self.executable,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{self.duration:g}s",
            "--latency",
        ]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        done = subprocess.run(
            [*argv, url],
            capture_output=True,
            text=True,
            timeout=self.duration + WRK_TIMEOUT_SLACK,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr.strip()}")
        return parse_wrk(done.stdout)


def percentile_ms(sorted_seconds: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted latencies, in milliseconds."""
    if not sorted_seconds:
        return float("nan")
    rank = max(0, min(len(sorted_seconds) - 1, round(fraction * len(sorted_seconds)) - 1))
    return sorted_seconds[rank] * 1000


@dataclass
class _Tally:
    latencies: list[float]
    errors: int = 0


class PythonDriver:
    """Keep-alive connections, one thread each; slower than wrk, so compare like with like."""

    name = "python"

    def __init__(self, duration: float, connections: int, timeout: float = 10.0) -> None:
        self.duration = duration
        self.connections = connections
        self.timeout = timeout

    def _hammer(self, url: str, headers: Mapping[str, str], deadline: float, tally: _Tally) -> None:
        host, port, target = split_loopback_url(url)
        connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    connection.request("GET", target, headers=dict(headers))
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    tally.errors += 1
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
                    continue
                tally.latencies.append(time.perf_counter() - started)
                if response.status >= 400:
                    tally.errors += 1
        finally:
            connection.close()

    def run(self, url: str, headers: Mapping[str, str]) -> LoadResult:
        """Load `url` from `connections` threads until the deadline; at most duration+timeout."""
        split_loopback_url(url)
        started = time.perf_counter()
        deadline = started + self.duration
        tallies = [_Tally(latencies=[]) for _ in range(self.connections)]
        threads = [
            threading.Thread(target=self._hammer, args=(url, headers, deadline, t), daemon=True)
            for t in tallies
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        latencies = sorted(x for t in tallies for x in t.latencies)
        return LoadResult(
            requests=len(latencies),
            seconds=seconds,
            rps=len(latencies) / seconds,
            p50_ms=percentile_ms(latencies, 0.50),
            p99_ms=percentile_ms(latencies, 0.99),
            errors=sum(t.errors for t in tallies),
        )


def make_driver(kind: str, duration: float, connections: int, threads: int) -> Driver:
    """The driver asked for: `wrk`, `python`, or `auto` (wrk when it is on PATH).

    Raises:
        RuntimeError: `wrk` was asked for and is not installed.
    """
    wrk = shutil.which("wrk")
    if kind == "wrk" and wrk is None:
        raise RuntimeError("--driver wrk: wrk is not on PATH (apt-get install wrk)")
    if kind in ("wrk", "auto") and wrk is not None:
        return WrkDriver(wrk, duration, connections, threads)
    return PythonDriver(duration, connections)
