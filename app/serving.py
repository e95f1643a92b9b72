"""Running the API under uvicorn, with a shutdown that is graceful and bounded in time."""

import importlib
import itertools
import multiprocessing
import signal
import socket
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn import _subprocess
from uvicorn.supervisors import Multiprocess, multiprocess

# uvicorn's supervisor kills a worker that does not answer its ping within this many seconds
# (its default is 5). A worker answers only once it has started its server (and, spawned by
# plain uvicorn, imported everything first), which on a busy host can take longer than that:
# the worker is killed and replaced before it ever serves, again and again.
WORKER_PING_TIMEOUT_S = 30


class _Supervisor(Multiprocess):
    """uvicorn's supervisor of worker processes, which stops listening as soon as SIGTERM or
    SIGINT arrives.

    Each worker closes its copy of the listening socket when its graceful shutdown begins, but
    uvicorn's supervisor keeps its own open until the last worker has exited: meanwhile new
    connections queue in the kernel, answered by nobody, and are reset at the end. Closed at
    once, they are refused at once, and a client or load balancer can go elsewhere.
    """

    def handle_term(self) -> None:
        self._stop_listening()
        super().handle_term()

    def handle_int(self) -> None:
        self._stop_listening()
        super().handle_int()

    def _stop_listening(self) -> None:
        for sock in self.sockets:
            sock.close()


def _forked_worker(
    config: uvicorn.Config,
    target: Callable[..., None],
    sockets: list[socket.socket],
    others: list[socket.socket],
) -> BaseProcess:
    """uvicorn's worker process, forked instead of spawned.

    A spawned worker starts a new interpreter and imports the app, FastAPI, SQLAlchemy and
    pydantic again: about a second of CPU each, paid by every worker at once at startup. A
    forked one starts with what the supervisor imported, and begins by building the app. The
    supervisor holds no database connection and no thread of its own when it forks (the
    migration's engine is disposed), so nothing shared is used on both sides. It serves
    `sockets` and closes its copies of `others`, the other workers' sockets.
    """
    kwargs = {"config": config, "target": target, "sockets": sockets, "stdin_fileno": None}
    return _FORK.Process(target=_forked_worker_started, args=(others,), kwargs=kwargs)


def _forked_worker_started(others: list[socket.socket], **kwargs: Any) -> None:
    # Open here, another worker's socket would go on listening after that worker closed it at
    # shutdown, and take connections nobody accepts.
    for sock in others:
        sock.close()
    # A forked worker inherits the supervisor's signal handlers, which queue signals for the
    # supervisor's loop; it must start with an interpreter's own, as a spawned worker does
    # (uvicorn re-raises SIGTERM through them when its graceful shutdown ends).
    for signum in multiprocess.SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _subprocess.subprocess_started(**kwargs)


_FORK = multiprocessing.get_context("fork")


class _WorkerSockets:
    """One listening socket per worker, all bound to the same address with SO_REUSEPORT, so
    that the kernel spreads new connections evenly over the workers.

    Workers sharing one socket race to accept: whichever wakes first takes a whole burst of
    connections, and with keep-alive clients one worker can serve them all while the other
    idles (seen in the benchmark: one worker at 100 % CPU, the other at none). The supervisor
    keeps every socket open, so connections that reach a dead worker's socket wait there for
    its replacement, which takes that socket: the one whose newest live worker is oldest (none
    alive: a dead worker's; during a restart of all workers, the one being replaced).
    """

    def __init__(self, config: uvicorn.Config, count: int) -> None:
        # A plain bind first: it fails, as uvicorn's own would, if anything holds the address
        # (SO_REUSEPORT alone would let a second server of ours share the connections).
        config.bind_socket().close()
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        self.sockets = [_reusable_socket(family, config.host, config.port) for _ in range(count)]
        self._workers: list[list[tuple[int, BaseProcess]]] = [[] for _ in self.sockets]
        self._order = itertools.count()

    def worker(
        self, config: uvicorn.Config, target: Callable[..., None], _all: list[socket.socket]
    ) -> BaseProcess:
        """A forked worker (uvicorn's `get_subprocess`) serving one socket of its own."""
        index = min(range(len(self.sockets)), key=self._newest_alive)
        own = self.sockets[index]
        process = _forked_worker(config, target, [own], [s for s in self.sockets if s is not own])
        alive = [(order, worker) for order, worker in self._workers[index] if worker.is_alive()]
        self._workers[index] = [*alive, (next(self._order), process)]
        return process

    def _newest_alive(self, index: int) -> int:
        return max((order for order, w in self._workers[index] if w.is_alive()), default=-1)


def _reusable_socket(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def run(app: str, *, workers: int, shutdown_timeout_s: int, **options: Any) -> bool:
    """Serve the app factory `app` until SIGTERM or SIGINT, then stop accepting connections,
    let the answers in flight finish for up to `shutdown_timeout_s` seconds, and return
    whether the server had started (False: the app failed to start in the one process).

    `options` are uvicorn's (host, port, log settings, ...).
    """
    config = uvicorn.Config(
        app,
        factory=True,
        workers=workers,
        timeout_graceful_shutdown=shutdown_timeout_s,
        timeout_worker_healthcheck=WORKER_PING_TIMEOUT_S,
        **options,
    )
    if config.workers > 1:
        # Import the app's module here, once, for every forked worker to inherit.
        importlib.import_module(app.partition(":")[0])
        shares = _WorkerSockets(config, config.workers)
        # uvicorn has no option to fork its workers, nor to give each its own socket: its one
        # factory of worker processes is swapped while this supervisor runs.
        spawned = getattr(multiprocess, "get_subprocess")  # noqa: B009 - not exported
        setattr(multiprocess, "get_subprocess", shares.worker)  # noqa: B010
        try:
            _Supervisor(config, sockets=shares.sockets).run()
        finally:
            setattr(multiprocess, "get_subprocess", spawned)  # noqa: B010
            for sock in shares.sockets:
                sock.close()
        return True
    server = uvicorn.Server(config)
    server.run()
    return server.started
