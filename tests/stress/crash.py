"""Kill `articles import` with SIGKILL at random moments of a large import, many times over.
After each kill the database must pass `PRAGMA integrity_check` and equal its state before
that import (or after it, when the kill came after the commit), no worker process may
outlive the importer, and the next import must complete. Prints the figures.

    python -m tests.stress.crash [--trials 50] [--files 2000] [--workers 0] [--parallel 2]
"""

import argparse
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from app.db import make_engine
from app.importer.load import import_paths
from tests.helpers import FIXTURES, article_fields, render
from tests.stress.hostile_files import migrated_template
from tests.stress.import_runs import run_import, start_import

# An mtime long past: whenever a trial reads the files, they are stored the same way.
LONG_AGO_NS = 1_600_000_000 * 10**9
_CATALOG_TIME = re.compile(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?'")


def write_corpus(folder: Path, files: int, excerpt_chars: int) -> Path:
    """`files` articles sharing topics, each with a long excerpt: an import of them outgrows
    SQLite's page cache and spills uncommitted pages into the WAL long before it commits."""
    folder.mkdir(parents=True)
    template = render(article_fields(title="TITLE", excerpt="EXCERPT", topics=["AI", "TOPIC"]))
    for index in range(files):
        path = folder / f"{index:05}.md"
        path.write_text(
            template.replace("TITLE", f"Article {index}")
            .replace("EXCERPT", f"{index}:" + "x" * excerpt_chars)
            .replace("TOPIC", f"Topic {index % 40}"),
            encoding="utf-8",
        )
        os.utime(path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    return folder


def prepare_database(path: Path, template: Path) -> None:
    """A database holding the fixture articles, its WAL folded in and empty."""
    path.write_bytes(template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    try:
        import_paths(engine, [FIXTURES], max_file_bytes=1024 * 1024)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    assert wal_size(path) == 0


def wal_size(database: Path) -> int:
    try:
        return os.stat(f"{database}-wal").st_size
    except FileNotFoundError:
        return 0


def dump(database: Path) -> list[str]:
    """Schema and every row of every table as SQL, the catalog's time of change blanked out
    (two complete imports of the same files differ in nothing else)."""
    with closing(sqlite3.connect(database)) as connection:
        lines = list(connection.iterdump())
    return [
        _CATALOG_TIME.sub("'T'", line) if line.startswith('INSERT INTO "catalog"') else line
        for line in lines
    ]


def integrity(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


def living(group: int) -> list[int]:
    """The processes of a process group that are still running (zombies do not count)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == group and state != "Z":
            alive.append(int(entry.name))
    return alive


# Decides, from the seconds since the import started and the WAL's size, when to kill it.
KillRule = Callable[[float, int], bool]


def at_second(moment: float) -> KillRule:
    """Kill `moment` seconds after the start."""
    return lambda elapsed, _wal: elapsed >= moment


def when_wal_exceeds(size: int) -> KillRule:
    """Kill once the import has written more than `size` bytes to the WAL."""
    return lambda _elapsed, wal: wal > size


@dataclass
class Trial:
    """One import, killed when its rule says so."""

    database: Path
    rule: KillRule
    process: subprocess.Popen[bytes]
    started: float
    killed_at: float | None = None
    wal_at_kill: int = 0
    processes_at_kill: int = 0
    finished_first: bool = False
    peak_rss_bytes: int = 0
    orphans: int = 0

    @classmethod
    def start(cls, database: Path, corpus: Path, workers: int, rule: KillRule) -> "Trial":
        process = start_import(
            f"sqlite:///{database}",
            "--workers",
            str(workers),
            str(corpus),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: its workers can be found
        )
        return cls(database, rule, process, time.perf_counter())

    def poll(self) -> bool:
        """Kill the import when due; tell whether it is over."""
        if self.killed_at is not None or self.finished_first:
            return True
        elapsed, wal = time.perf_counter() - self.started, wal_size(self.database)
        if self.process.poll() is not None:
            self.finished_first = True
            return True
        if self.rule(elapsed, wal):
            self.processes_at_kill = len(living(self.process.pid))
            self.process.send_signal(signal.SIGKILL)
            self.killed_at, self.wal_at_kill = elapsed, wal
            return True
        return False

    def reap(self, grace_s: float = 5.0) -> None:
        """Collect the import's exit, and count the workers still running `grace_s` after."""
        if self.process.returncode is None:
            _pid, status, usage = os.wait4(self.process.pid, 0)
            self.process.returncode = os.waitstatus_to_exitcode(status)
            self.peak_rss_bytes = usage.ru_maxrss * 1024
        deadline = time.perf_counter() + grace_s
        while living(self.process.pid) and time.perf_counter() < deadline:
            time.sleep(0.05)
        self.orphans = len(living(self.process.pid))
        if self.orphans:
            os.killpg(self.process.pid, signal.SIGKILL)


def run_trials(trials: list[Trial], timeout_s: float = 600) -> None:
    """Poll the trials together until each is killed or over, then reap them."""
    deadline = time.perf_counter() + timeout_s
    try:
        while not all([trial.poll() for trial in trials]):
            assert time.perf_counter() < deadline, "an import neither ended nor was killed"
            time.sleep(0.002)
    finally:
        for trial in trials:
            if trial.process.returncode is None and trial.killed_at is None:
                trial.process.kill()
            trial.reap()


def state_of(database: Path, before: list[str], after: list[str] | None) -> str:
    """ "before" or "after" the import; anything else is a broken database."""
    now = dump(database)
    if now == before:
        return "before"
    if after is not None and now == after:
        return "after"
    return "neither before nor after"


def kill_many(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="articles-crash-") as folder:
        scratch = Path(folder)
        corpus = write_corpus(scratch / "corpus", args.files, args.excerpt)
        base = scratch / "base.db"
        prepare_database(base, migrated_template(scratch))
        before = dump(base)

        reference = scratch / "reference.db"
        reference.write_bytes(base.read_bytes())
        full = run_import(f"sqlite:///{reference}", "--workers", str(args.workers), str(corpus))
        assert full.exit_code == 0 and full.report and full.report["added"] == args.files
        after = dump(reference)
        print(
            f"corpus: {args.files} files; a whole import takes {full.seconds:.1f} s, "
            f"peak RSS {full.peak_rss_bytes / 2**20:.0f} MB; killing at uniformly random "
            f"moments in [0, {full.seconds * 1.05:.1f}] s"
        )

        seen: Counter[str] = Counter()
        kills, resumes = [], []
        for first in range(0, args.trials, args.parallel):
            trials = []
            for index in range(first, min(first + args.parallel, args.trials)):
                database = scratch / f"trial{index}.db"
                database.write_bytes(base.read_bytes())
                moment = rng.uniform(0, full.seconds * 1.05)
                trials.append(Trial.start(database, corpus, args.workers, at_second(moment)))
            run_trials(trials)
            for trial in trials:
                state = state_of(trial.database, before, after)
                assert state in ("before", "after"), state
                assert integrity(trial.database) == ["ok"]
                assert trial.orphans == 0, f"{trial.orphans} workers outlived the import"
                if trial.finished_first:
                    seen["ended before the kill"] += 1
                elif trial.wal_at_kill == 0:
                    seen["killed before writing"] += 1
                else:
                    seen[f"killed while writing, database {state}"] += 1
                kills.append(trial.killed_at or 0.0)
                resumed = run_import(
                    f"sqlite:///{trial.database}", "--workers", str(args.workers), str(corpus)
                )
                assert resumed.exit_code == 0, resumed.stderr
                assert dump(trial.database) == after
                assert integrity(trial.database) == ["ok"]
                resumes.append(resumed.seconds)
                trial.database.unlink()
            print(f"  {min(first + args.parallel, args.trials)}/{args.trials} trials", flush=True)

    print(
        f"{args.trials} trials, 0 failures: "
        + ", ".join(f"{count} {what}" for what, count in sorted(seen.items()))
    )
    print(
        f"every database: integrity ok, equal to its state before the import or after it; "
        f"no worker outlived a killed import; the next import completed (median "
        f"{statistics.median(resumes):.1f} s); median kill at {statistics.median(kills):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--files", type=int, default=2000, help="files in the killed import")
    parser.add_argument("--excerpt", type=int, default=4000, help="characters of each excerpt")
    parser.add_argument("--workers", type=int, default=0, help="as `articles import --workers`")
    parser.add_argument("--parallel", type=int, default=2, help="trials run at once")
    parser.add_argument("--seed", type=int, default=None)
    kill_many(parser.parse_args())


if __name__ == "__main__":
    main()
