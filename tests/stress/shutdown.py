"""SIGTERM to `articles serve` while downloads are in flight: they finish byte for byte, new
connections are refused at once, a client that stopped reading is cut off after the grace
period, and the server exits 0."""

import asyncio
import contextlib
import signal
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.stress.server import Serving

CHUNK = 16 * 1024
# A small receive window: the server cannot hand a whole answer to the kernel at once, so the
# answer stays in flight for as long as the client takes to read it.
RECEIVE_BUFFER = 16 * 1024
PROBE_EVERY_S = 0.1
PROBE_WAIT_S = 1.0


@dataclass
class Download:
    """One GET, its body read at `rate` bytes a second (None: at once); a `stalled` one stops
    reading after the headers until told to resume."""

    rate: float | None = None
    stalled: bool = False
    headers_in: asyncio.Event = field(default_factory=asyncio.Event)
    body: bytes = b""
    error: str | None = None
    ended_at: float = 0.0


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock, limit=CHUNK)


async def download(port: int, path: str, state: Download, resume: asyncio.Event) -> Download:
    """GET `path` over HTTP/1.0 (the body then ends when the server closes the connection, so
    a cut answer is a short one) and read it as `state` says."""
    try:
        reader, writer = await _connect(port)
        writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            state.error = head.split(b"\r\n", 1)[0].decode(errors="replace")
        state.headers_in.set()
        if state.stalled:
            await resume.wait()
        chunks = []
        while chunk := await reader.read(CHUNK):
            chunks.append(chunk)
            if state.rate:
                await asyncio.sleep(len(chunk) / state.rate)
        state.body = b"".join(chunks)
        writer.close()
    except (OSError, asyncio.IncompleteReadError) as error:
        state.error = f"{type(error).__name__}: {error}"
    finally:
        state.headers_in.set()
        state.ended_at = time.monotonic()
    return state


async def probe_new_connection(port: int) -> str:
    """What a new connection meets: "answered", "refused", "reset" or "unanswered" (accepted by
    the kernel but by no server within PROBE_WAIT_S)."""
    try:
        reader, writer = await asyncio.wait_for(_connect(port), PROBE_WAIT_S)
    except ConnectionRefusedError:
        return "refused"
    except (OSError, TimeoutError):
        return "unanswered"
    try:
        writer.write(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(12), PROBE_WAIT_S)
        return "answered" if answer.startswith(b"HTTP/1.1") else "reset"
    except TimeoutError:
        return "unanswered"
    except OSError:
        return "reset"
    finally:
        writer.close()


@dataclass
class ShutdownFigures:
    """What a SIGTERM under in-flight downloads did."""

    in_flight: int = 0
    complete: int = 0
    broken: list[str] = field(default_factory=list)
    stalled_cut: bool | None = None
    exit_code: int | None = None
    exit_s: float = 0.0  # SIGTERM to the server's exit
    drained_s: float = 0.0  # SIGTERM to the last reading download's end
    refused_s: float | None = None  # SIGTERM to the first new connection refused before exit
    probes: dict[str, int] = field(default_factory=dict)
    # New connections made once they were first refused, and not refused: the server would
    # have been listening again.
    accepted_after_refusal: int = 0

    def problems(self) -> list[str]:
        found = [f"download {problem}" for problem in self.broken]
        if self.exit_code != 0:
            found.append(f"the server exited {self.exit_code}")
        if self.stalled_cut is False:
            found.append("the stalled download was not cut at the grace period")
        if self.refused_s is None:
            found.append("new connections were not refused while the server drained")
        # A connection the kernel accepted just as the server stopped listening is reset;
        # one left waiting for an answer that never comes is the fault.
        if self.probes.get("unanswered"):
            found.append(f"new connections were left unanswered: {self.probes}")
        if self.accepted_after_refusal:
            found.append(f"{self.accepted_after_refusal} new connections met a server again")
        return found

    def lines(self) -> list[str]:
        return [
            f"in flight     {self.in_flight} downloads at SIGTERM, {self.complete} completed "
            f"byte for byte; stalled one cut at the grace period: {self.stalled_cut}",
            f"timing        last download done {self.drained_s:.2f} s after SIGTERM, server "
            f"exited {self.exit_s:.2f} s after it with status {self.exit_code}",
            f"new conns     first refused {_seconds(self.refused_s)} after SIGTERM, while "
            f"draining; probes {self.probes}",
        ]


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


async def fetch(port: int, path: str) -> bytes:
    """The whole body of `path`, read as fast as possible."""
    state = await download(port, path, Download(), asyncio.Event())
    if state.error:
        raise RuntimeError(f"GET {path}: {state.error}")
    return state.body


async def sigterm_under_downloads(
    server: Serving, path: str, downloads: int, rate: float, *, stalled: bool, exit_within: float
) -> ShutdownFigures:
    """Start `downloads` GETs of `path` read at `rate` bytes/s (and one that stops reading when
    `stalled`), send SIGTERM to the server once all have their headers, probe new connections
    until the server exits, and check every body against a download made before."""
    port = urlsplit(server.base_url).port
    assert port is not None
    reference = await fetch(port, path)
    resume = asyncio.Event()
    states = [Download(rate) for _ in range(downloads)]
    states += [Download(stalled=True)] if stalled else []
    tasks = [asyncio.create_task(download(port, path, s, resume)) for s in states]
    await asyncio.gather(*(s.headers_in.wait() for s in states))
    figures = ShutdownFigures(in_flight=sum(1 for s in states if s.error is None))

    sent = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    loop = asyncio.get_running_loop()
    exited = loop.run_in_executor(None, server.proc.wait)
    exited.add_done_callback(lambda _: setattr(figures, "exit_s", time.monotonic() - sent))
    while not exited.done() and time.monotonic() - sent < exit_within:
        outcome = await probe_new_connection(port)
        figures.probes[outcome] = figures.probes.get(outcome, 0) + 1
        if outcome == "refused" and figures.refused_s is None and not exited.done():
            figures.refused_s = time.monotonic() - sent
        elif outcome != "refused" and figures.refused_s is not None:
            figures.accepted_after_refusal += 1
        await asyncio.sleep(PROBE_EVERY_S)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.shield(exited), max(0.0, sent + exit_within - time.monotonic())
        )
    figures.exit_code = server.proc.poll()
    if figures.exit_code is None:
        figures.exit_s = time.monotonic() - sent
    resume.set()
    await asyncio.gather(*tasks)

    reading = states[:downloads]
    figures.drained_s = max(s.ended_at for s in reading) - sent
    for number, state in enumerate(reading):
        if state.error or state.body != reference:
            figures.broken.append(
                f"{number}: {state.error or f'{len(state.body)} of {len(reference)} bytes'}"
            )
    figures.complete = downloads - len(figures.broken)
    if stalled:
        figures.stalled_cut = len(states[-1].body) < len(reference)
    return figures
