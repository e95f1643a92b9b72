"""Running the API under uvicorn, with a shutdown that is graceful and bounded in time."""

from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

# uvicorn's supervisor kills a worker that does not answer its ping within this many seconds
# (its default is 5). A worker answers only once it has imported the `articles` command, which
# on a busy host can take longer than that: the worker is killed and replaced before it ever
# serves, again and again.
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
        sock = config.bind_socket()
        try:
            _Supervisor(config, sockets=[sock]).run()
        finally:
            sock.close()
        return True
    server = uvicorn.Server(config)
    server.run()
    return server.started
