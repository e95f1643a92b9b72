"""Running the API under uvicorn, with a shutdown that is graceful and bounded in time."""

import importlib
import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from socket import socket
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
    config: uvicorn.Config, target: Callable[..., None], sockets: list[socket]
) -> BaseProcess:
    """uvicorn's worker process, forked instead of spawned.

    A spawned worker starts a new interpreter and imports the app, FastAPI, SQLAlchemy and
    pydantic again: about a second of CPU each, paid by every worker at once at startup. A
    forked one starts with what the supervisor imported, and begins by building the app. The
    supervisor holds no database connection and no thread of its own when it forks (the
    migration's engine is disposed), so nothing shared is used on both sides.
    """
    kwargs = {"config": config, "target": target, "sockets": sockets, "stdin_fileno": None}
    return _FORK.Process(target=_forked_worker_started, kwargs=kwargs)


def _forked_worker_started(**kwargs: Any) -> None:
    # A forked worker inherits the supervisor's signal handlers, which queue signals for the
    # supervisor's loop; it must start with an interpreter's own, as a spawned worker does
    # (uvicorn re-raises SIGTERM through them when its graceful shutdown ends).
    for signum in multiprocess.SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _subprocess.subprocess_started(**kwargs)


_FORK = multiprocessing.get_context("fork")


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
        sock = config.bind_socket()
        # uvicorn has no option to fork its workers: its one factory of worker processes is
        # swapped while this supervisor runs.
        spawned = getattr(multiprocess, "get_subprocess")  # noqa: B009 - not exported
        setattr(multiprocess, "get_subprocess", _forked_worker)  # noqa: B010
        try:
            _Supervisor(config, sockets=[sock]).run()
        finally:
            setattr(multiprocess, "get_subprocess", spawned)  # noqa: B010
            sock.close()
        return True
    server = uvicorn.Server(config)
    server.run()
    return server.started
