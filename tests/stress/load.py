"""The long runs behind the load guarantees of the README, printing their figures: load with an
import in the middle, a soak that watches each worker's memory, and SIGTERM under downloads.
Exit status 1 when any guarantee broke. pytest does not collect this folder; the suite runs
short versions (tests/test_serve_under_load.py, tests/test_serve_shutdown.py).

usage: python -m tests.stress.load {load,soak,shutdown,all} [options]   (--help for each)
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

from app import migrate
from app.db import make_engine
from app.importer.load import import_paths
from tests.stress.generations import Corpus
from tests.stress.server import alarms, run_import, serving
from tests.stress.shutdown import ShutdownFigures, sigterm_under_downloads
from tests.stress.soak import soak
from tests.stress.traffic import Figures, LoadOptions, run_load

MAX_FILE_BYTES = 1 << 20


def build_database(work: Path, name: str, corpus: Corpus) -> tuple[str, Path]:
    """A SQLite database in `work` holding generation 1 of `corpus` (files in `work/name`)."""
    folder = work / name
    database_url = f"sqlite:///{work / name}.db"
    corpus.write(folder, 1)
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        import_paths(engine, [folder], max_file_bytes=MAX_FILE_BYTES)
    finally:
        engine.dispose()
    return database_url, folder


def report(title: str, lines: Sequence[str], problems: Sequence[str], log: Path) -> list[str]:
    """Print a run's figures and what it broke, the server log's alarms included; return the
    problems. uvicorn logs a download it cut off at the end of a graceful shutdown as an error:
    that one is expected."""
    logged = [line for line in alarms(log.read_text()) if "graceful shutdown" not in line]
    problems = [*problems, *(f"log: {line}" for line in logged)]
    print(f"\n== {title}")
    for line in lines:
        print(line)
    print("ok: every guarantee held" if not problems else "BROKEN:")
    for problem in problems:
        print(f"  - {problem}")
    return problems


def load_runs(args: argparse.Namespace, work: Path) -> list[str]:
    """`--repeat` runs of load with an import in the middle, each on a fresh database."""
    problems: list[str] = []
    runs: list[Figures] = []
    for number in range(1, args.repeat + 1):
        corpus = Corpus(args.initial, args.added, args.removed)
        database_url, folder = build_database(work, f"load{number}", corpus)
        corpus.write(folder, 2)
        options = LoadOptions(clients=args.clients, duration=args.duration, warmup=args.warmup)
        log = work / f"load{number}.log"
        importing = partial(run_import, database_url, folder)
        with serving(database_url, args.workers, log) as server:
            figures = asyncio.run(run_load(server.base_url, corpus, importing, options))
        title = (
            f"load {number}/{args.repeat}: {args.workers} workers, {args.clients} clients, "
            f"{args.initial} articles, then an import of "
            f"{len(corpus.members(2))} files ({args.added} new, {args.removed} gone)"
        )
        problems += report(title, figures.lines(), figures.problems(corpus), log)
        runs.append(figures)
    if len(runs) > 1:
        print(
            f"\nmedians of {len(runs)} runs: {_median(r.rps for r in runs):.0f} req/s, p50 "
            f"{_median(r.percentile(0.5) for r in runs):.1f} ms, p99 "
            f"{_median(r.percentile(0.99) for r in runs):.1f} ms; failures "
            f"{sum(r.failures for r in runs)}, violations {sum(r.violations for r in runs)}"
        )
    return problems


def soak_run(args: argparse.Namespace, work: Path) -> list[str]:
    corpus = Corpus(args.initial, 0, 0)
    database_url, _folder = build_database(work, "soak", corpus)
    log = work / "soak.log"
    with serving(database_url, args.workers, log) as server:
        figures = asyncio.run(
            soak(
                server, corpus, clients=args.clients, seconds=args.minutes * 60,
                warmup=args.warmup, interval=args.interval, bound=args.bound,
            )
        )  # fmt: skip
    title = (
        f"soak: {args.workers} workers, {args.clients} clients, {args.minutes:g} min over "
        f"{args.initial} articles"
    )
    return report(title, figures.lines(), figures.problems(), log)


def shutdown_runs(args: argparse.Namespace, work: Path) -> list[str]:
    corpus = Corpus(args.initial, 0, 0, excerpt_bytes=args.excerpt_bytes)
    database_url, _folder = build_database(work, "shutdown", corpus)
    settings = {"SHUTDOWN_TIMEOUT_S": str(args.grace)}
    problems: list[str] = []
    runs: list[ShutdownFigures] = []
    for number in range(1, args.repeat + 1):
        log = work / f"shutdown{number}.log"
        with serving(database_url, args.workers, log, settings=settings) as server:
            figures = asyncio.run(
                sigterm_under_downloads(
                    server, "/articles.csv", args.downloads, args.rate, stalled=True,
                    exit_within=args.grace + 30,
                )
            )  # fmt: skip
        title = (
            f"shutdown {number}/{args.repeat}: SIGTERM to {args.workers} workers with "
            f"{args.downloads} downloads of /articles.csv in flight, read at "
            f"{args.rate / 1e6:g} MB/s, and one stalled; SHUTDOWN_TIMEOUT_S={args.grace}"
        )
        problems += report(title, figures.lines(), figures.problems(), log)
        runs.append(figures)
    print(
        f"\nmedians of {len(runs)} trials: new connections refused "
        f"{_median(r.refused_s or 0.0 for r in runs):.2f} s after SIGTERM, downloads done "
        f"{_median(r.drained_s for r in runs):.2f} s, server exited "
        f"{_median(r.exit_s for r in runs):.2f} s"
    )
    return problems


def _median(values: Iterable[float]) -> float:
    found = list(values)
    return float(statistics.median(found)) if found else 0.0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m tests.stress.load", description=__doc__)
    main.add_argument("--work-dir", type=Path, help="where databases, files and logs go")
    commands = main.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="load with an import of thousands of files")
    load.add_argument("--workers", type=int, default=4)
    load.add_argument("--clients", type=int, default=48)
    load.add_argument("--duration", type=float, default=60.0, help="seconds of load at least")
    load.add_argument("--warmup", type=float, default=5.0, help="seconds before the import")
    load.add_argument("--initial", type=int, default=10_000, help="articles before the import")
    load.add_argument("--added", type=int, default=5_000, help="articles the import adds")
    load.add_argument("--removed", type=int, default=1_000, help="articles the import prunes")
    load.add_argument("--repeat", type=int, default=1)

    soaking = commands.add_parser("soak", help="steady load; each worker's memory over time")
    soaking.add_argument("--workers", type=int, default=2)
    soaking.add_argument("--clients", type=int, default=16)
    # A worker's RSS rises for the first two minutes or so (measured: +12-14 % from 30 s to 3
    # min, then within 108-122 MiB up to 8 min), so only what follows is compared.
    soaking.add_argument("--minutes", type=float, default=6.0)
    soaking.add_argument("--warmup", type=float, default=120.0, help="seconds not measured")
    soaking.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    soaking.add_argument("--bound", type=float, default=0.10, help="largest growth allowed")
    soaking.add_argument("--initial", type=int, default=5_000, help="articles served")

    stopping = commands.add_parser("shutdown", help="SIGTERM with downloads in flight")
    stopping.add_argument("--workers", type=int, default=2)
    stopping.add_argument("--downloads", type=int, default=8)
    stopping.add_argument("--rate", type=float, default=4e6, help="bytes/s each download reads")
    stopping.add_argument("--grace", type=int, default=5, help="SHUTDOWN_TIMEOUT_S")
    stopping.add_argument("--initial", type=int, default=600, help="articles")
    stopping.add_argument("--excerpt-bytes", type=int, default=8000)
    stopping.add_argument("--repeat", type=int, default=3)

    everything = commands.add_parser("all", help="load, soak and shutdown with their defaults")
    everything.set_defaults(parts=("load", "soak", "shutdown"))
    return main


RUNS: dict[str, Callable[[argparse.Namespace, Path], list[str]]] = {
    "load": load_runs,
    "soak": soak_run,
    "shutdown": shutdown_runs,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="articles-stress-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work dir (databases, files, server logs): {work}")
    problems: list[str] = []
    if args.command == "all":
        for part in args.parts:
            defaults = parser().parse_args([part])
            problems += RUNS[part](defaults, work)
    else:
        problems += RUNS[args.command](args, work)
    print(f"\n{'all guarantees held' if not problems else f'{len(problems)} broken'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
