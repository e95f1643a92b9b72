"""Processes the benchmark starts: spawning, measuring, finding workers, sampling RSS, stopping.

Every server is started in a session of its own, so stopping it means signalling the process
group whose id is the pid we started, never anything found by name.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tests.perf.client import get

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A condition that stops the benchmark, with a message for the person running it."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc/PID/task/*/children)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """`pid`'s children, grandchildren and so on."""
    found, queue = [], children(pid)
    while queue:
        child = queue.pop()
        found.append(child)
        queue += children(child)
    return found


def cmdline(pid: int) -> str:
    """The command line of `pid`, arguments joined by spaces ("" once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def rss_kb(pid: int) -> int:
    """Resident set size of `pid` in KiB (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * PAGE_KB


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time used so far by the processes `pids` (threads included)."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; the fields after its closing ")" are fixed.
        after_name = stat.rsplit(")", 1)[1].split()
        ticks += int(after_name[11]) + int(after_name[12])
    return ticks / CLOCK_TICKS


def established_connections(pid: int, port: int) -> int:
    """How many established TCP connections on the local `port` the process `pid` holds (its
    socket file descriptors, found in /proc/net/tcp and tcp6)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since listed
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            established = state == "01"
            if established and int(local.rsplit(":", 1)[1], 16) == port and inode in inodes:
                count += 1
    return count


def uvicorn_workers(parent: int) -> list[int]:
    """The worker processes serving requests under an `articles serve` parent.

    With several workers `articles serve` forks them (their command line is the parent's), and
    plain uvicorn spawns them through multiprocessing (`spawn_main`); with one the parent serves
    itself. Helpers such as the resource tracker are not workers.
    """
    own = cmdline(parent)
    workers = [
        pid for pid in children(parent) if cmdline(pid) == own or "spawn_main" in cmdline(pid)
    ]
    return workers or [parent]


class PeakSampler:
    """Samples the RSS of a changing set of processes in a thread; keeps each pid's peak."""

    def __init__(self, pids: Callable[[], Iterable[int]], interval: float = 0.2) -> None:
        self._pids = pids
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.peak_kb: dict[int, int] = {}
        self.peak_total_kb = 0

    def _sample(self) -> None:
        total = 0
        for pid in self._pids():
            rss = rss_kb(pid)
            total += rss
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), rss)
        self.peak_total_kb = max(self.peak_total_kb, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self._interval)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class Measured:
    """A finished command: exit status, wall time, peak RSS, and where its output went."""

    returncode: int
    seconds: float
    peak_rss_kb: int
    stdout: str
    stderr: str


def run_measured(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_dir: Path, name: str
) -> Measured:
    """Run a command to completion; time it and take its peak RSS.

    The peak is the larger of the kernel's own figure for the process (wait4's ru_maxrss) and
    the sampled sum over its process tree (which counts helper processes running together).
    """
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=dict(env), cwd=cwd, stdout=out, stderr=err)
        try:
            tree = PeakSampler(lambda: [proc.pid, *descendants(proc.pid)])
            with tree:
                _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
    return Measured(
        returncode=proc.returncode,
        seconds=seconds,
        peak_rss_kb=max(usage.ru_maxrss, tree.peak_total_kb),
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


@dataclass
class Server:
    """A server process we started, its log, and how long it took to answer."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    base_url: str
    spawned_at: float
    startup_seconds: float = 0.0

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Processes:
    """Every server started in a `with` block; all are stopped when it ends, however it ends."""

    def __init__(self) -> None:
        self._servers: list[Server] = []

    def __enter__(self) -> "Processes":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        base_url: str,
        env: Mapping[str, str],
        cwd: Path,
        log: Path,
    ) -> Server:
        """Start a server in its own session (so its whole process group can be stopped)."""
        spawned_at = time.perf_counter()
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                argv,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(name, proc, log, base_url, spawned_at)
        self._servers.append(server)
        return server

    def stop_all(self) -> None:
        """Stop every server, newest first."""
        while self._servers:
            stop(self._servers.pop().proc)


def stop(proc: "subprocess.Popen[bytes]", grace: float = 10.0) -> None:
    """Stop the process group led by `proc`: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        _signal_group(proc.pid, signal.SIGKILL)  # leftovers of a parent that already exited
        return
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def wait_until_answering(server: Server, path: str, timeout: float = 120.0) -> float:
    """Poll `path` until it answers 2xx; return (and record) the seconds since the spawn.

    Raises:
        BenchError: the server exited or did not answer in time.
    """
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(
                f"{server.name} exited with status {server.proc.returncode} before answering "
                f"{path}; its log ({server.log}) ends with:\n{server.log_tail()}"
            )
        try:
            if 200 <= get(server.base_url + path, timeout=2.0).status < 300:
                server.startup_seconds = time.perf_counter() - server.spawned_at
                return server.startup_seconds
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise BenchError(f"{server.name} did not answer {path} within {timeout:.0f} s ({server.log})")
