"""Crash safety: `articles import` killed with SIGKILL at a random moment leaves the database
intact and as it was, none of its workers outlives it, and the next import completes.
`python -m tests.stress.crash` runs many more trials; tests/test_cli.py kills a one-process
import at fixed moments."""

import random
import signal
from pathlib import Path

import pytest

from app.db import make_engine
from app.importer.load import import_paths
from tests.stress.crash import (
    Trial,
    dump,
    integrity,
    prepare_database,
    run_trials,
    when_wal_exceeds,
    write_corpus,
)

pytestmark = pytest.mark.sqlite_only("kills SQLite's writer and checks its recovery")

FILES = 200
EXCERPT = 20_000  # ~9 MB of WAL in all, most of it written before the commit


def test_an_import_with_workers_killed_at_a_random_moment_leaves_the_database_as_it_was(
    tmp_path: Path, migrated_template: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus", FILES, EXCERPT)
    database = tmp_path / "articles.db"
    prepare_database(database, migrated_template)
    before = dump(database)
    seed = random.randrange(2**32)
    # A random point of the write, while the workers still run (they stop before the commit).
    wal_bytes = random.Random(seed).randrange(1, 6_000_000)
    trial = Trial.start(database, corpus, 2, when_wal_exceeds(wal_bytes))

    run_trials([trial], timeout_s=120)

    assert trial.process.returncode == -signal.SIGKILL, f"seed {seed}: it was not killed"
    assert trial.processes_at_kill > 1, f"seed {seed}: killed without workers"
    assert integrity(database) == ["ok"], f"seed {seed}"
    assert trial.orphans == 0, f"seed {seed}: a worker outlived the import"
    was_unchanged = dump(database) == before
    engine = make_engine(f"sqlite:///{database}")
    try:
        report = import_paths(engine, [corpus], max_file_bytes=1024 * 1024)
    finally:
        engine.dispose()
    # Killed after its commit, the import had stored everything: nothing is left to do.
    expected = (FILES, 0) if was_unchanged else (0, FILES)
    assert (report.added, report.unchanged, report.rejected) == (*expected, []), f"seed {seed}"
    assert integrity(database) == ["ok"]
