"""SIGTERM to `articles serve` (several workers): answers in flight finish, new connections are
refused at once, a client that stops reading is cut off after SHUTDOWN_TIMEOUT_S, and the
server exits 0."""

import asyncio
from pathlib import Path

from sqlalchemy import Engine

from app.importer.load import import_paths
from tests.stress.generations import Corpus
from tests.stress.server import alarms, serving
from tests.stress.shutdown import sigterm_under_downloads

GRACE_S = 4


def test_sigterm_lets_downloads_in_flight_finish_refuses_new_connections_and_exits_zero(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    folder = tmp_path / "articles"
    # 600 articles with 8 KB excerpts: a CSV of about 5 MB, more than the kernel's socket
    # buffers hold, so that a download is still being produced while it is read.
    Corpus(initial=600, added=0, removed=0, excerpt_bytes=8000).write(folder, 1)
    import_paths(engine, [folder], max_file_bytes=1 << 20)

    settings = {"SHUTDOWN_TIMEOUT_S": str(GRACE_S)}
    with serving(database_url, 2, tmp_path / "serve.log", settings=settings) as server:
        figures = asyncio.run(
            sigterm_under_downloads(
                server, "/articles.csv", downloads=4, rate=4_000_000, stalled=True,
                exit_within=GRACE_S + 20,
            )
        )  # fmt: skip
    print("\n".join(figures.lines()))

    assert figures.problems() == []
    assert figures.complete == figures.in_flight - 1 == 4  # the stalled one aside
    assert figures.drained_s > 0.5  # they were still being sent after SIGTERM
    assert figures.stalled_cut is True
    assert figures.exit_code == 0
    assert figures.exit_s < GRACE_S + 10
    assert figures.refused_s is not None and figures.refused_s < figures.exit_s
    [cut_off] = alarms(server.log_text())  # the stalled download, and nothing else
    assert "timeout graceful shutdown exceeded" in cut_off
