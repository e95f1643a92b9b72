"""Benchmark runner: corpus -> `articles import` -> `articles serve` -> bounded load -> a table.

Run from the repository root with the project's Python:

    python -m tests.perf.bench --size 10000
    python -m tests.perf.bench --size 100000 --datasette --nginx --repeat 3 --json out.json

See tests/perf/README.md for what each row means. Every server it starts is stopped when it
ends (normally, on an error or on Ctrl-C); load only ever goes to 127.0.0.1.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from tests.perf import queries as api_queries
from tests.perf import reference
from tests.perf.load import make_driver
from tests.perf.prepare import (
    REPO,
    Layout,
    ReferenceImport,
    api_env,
    articles_command,
    log,
    prepare_corpus,
    prepare_database,
    prepare_reference,
    reimport,
)
from tests.perf.procs import (
    BenchError,
    Measured,
    Processes,
    Server,
    free_port,
    uvicorn_workers,
    wait_until_answering,
)
from tests.perf.report import MB, ImportFigures, Report, render, write_json
from tests.perf.rounds import build_jobs, run_rounds, server_pids

DEFAULT_KIT = REPO.parent / "shared" / "bench"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "articles-bench"
WORKER_BOOT_SECONDS = 30.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.bench",
        description="Import a generated corpus, serve it and load Q1-Q7 on 127.0.0.1.",
    )
    add = parser.add_argument
    add("--size", type=int, required=True, help="number of articles in the corpus")
    add("--seed", type=int, default=1, help="corpus seed (default 1)")
    add(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help=f"where corpora, databases and logs go (default {DEFAULT_WORK})",
    )
    add(
        "--corpus-dir",
        type=Path,
        help="use (or generate into) this corpus folder instead of WORK_DIR/nSIZE/corpus",
    )
    add("--force", action="store_true", help="regenerate the corpus and rebuild every database")
    add(
        "--reimport",
        action="store_true",
        help="keep the corpus, rebuild the databases (time a fresh import)",
    )
    add("--workers", type=int, default=2, help="`articles serve --workers` (default 2)")
    add(
        "--answer-cache-mb",
        type=float,
        help="the API's ANSWER_CACHE_MB (default: its own default); 0 measures every answer "
        "built from the database",
    )
    add("--duration", type=float, default=8.0, help="seconds per load run (default 8)")
    add("--connections", type=int, default=16, help="concurrent connections (default 16)")
    add("--threads", type=int, default=1, help="wrk threads (default 1)")
    add("--repeat", type=int, default=1, help="load each query K times, report the median")
    add(
        "--driver",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed (auto), or Python threads",
    )
    add(
        "--with-search",
        action="store_true",
        help="add Q6 (full-text search), when the API supports q",
    )
    add(
        "--datasette",
        action="store_true",
        help="run the reference kit's Datasette on the same corpus and print ratios",
    )
    add(
        "--nginx",
        action="store_true",
        help="serve the API's pre-rendered answers with nginx (the ceiling)",
    )
    add("--kit", type=Path, default=DEFAULT_KIT, help=f"reference kit (default {DEFAULT_KIT})")
    add("--kit-python", help="Python with PyYAML for load_reference.py")
    add("--json", type=Path, dest="json_path", help="also save the results as JSON")
    args = parser.parse_args(argv)
    for name in ("size", "workers", "connections", "threads", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def start_api(
    processes: Processes,
    layout: Layout,
    workers: int,
    answer_cache_mb: float | None,
    notes: list[str],
) -> Server:
    """`articles serve` on a free loopback port, answering /health, its workers all up."""
    port = free_port()
    argv = [articles_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]  # fmt: skip
    env = api_env(layout.database)
    if answer_cache_mb is not None:
        env["ANSWER_CACHE_MB"] = f"{answer_cache_mb:g}"
    log(f"serve: {' '.join(argv[1:])} (ANSWER_CACHE_MB={env.get('ANSWER_CACHE_MB', 'default')})")
    server = processes.start(
        "articles serve", argv, base_url=f"http://127.0.0.1:{port}",
        env=env, cwd=REPO, log=layout.logs / "serve.log",
    )  # fmt: skip
    seconds = wait_until_answering(server, "/health")
    log(f"serve: /health answered {seconds:.2f} s after spawn")
    deadline = time.perf_counter() + WORKER_BOOT_SECONDS
    expected = workers if workers > 1 else 1
    while len(uvicorn_workers(server.proc.pid)) < expected and time.perf_counter() < deadline:
        time.sleep(0.1)
    found = len(uvicorn_workers(server.proc.pid))
    if found != expected:
        notes.append(f"expected {expected} API worker processes, found {found}")
    return server


def start_datasette(
    processes: Processes, layout: Layout, kit: reference.Kit, datasette: str
) -> Server:
    """Datasette on news.db with the kit's canned queries, as run_anchors.sh starts it."""
    port = free_port()
    server = processes.start(
        "datasette", reference.datasette_argv(datasette, kit, port),
        base_url=f"http://127.0.0.1:{port}", env=dict(os.environ), cwd=layout.reference,
        log=layout.logs / "datasette.log",
    )  # fmt: skip
    seconds = wait_until_answering(server, "/-/versions.json")
    log(f"datasette: answering {seconds:.2f} s after spawn")
    return server


def start_nginx(
    processes: Processes,
    layout: Layout,
    kit: reference.Kit,
    api: Server,
    queries: list[api_queries.Query],
) -> tuple[Server, dict[str, str]]:
    """nginx (the kit's nginx.conf) serving the API's own answers, saved once."""
    nginx = reference.find_nginx()
    wanted = {q.key: q.path for q in queries if not q.headers}
    if layout.static.exists():
        shutil.rmtree(layout.static)
    served = reference.snapshot(api.base_url, wanted, layout.static)
    port = free_port()
    config = reference.nginx_config(kit, port, layout.static, layout.root)
    server = processes.start(
        "nginx", reference.nginx_argv(nginx, config), base_url=f"http://127.0.0.1:{port}",
        env=dict(os.environ), cwd=layout.root, log=layout.logs / "nginx.log",
    )  # fmt: skip
    wait_until_answering(server, next(iter(served.values())))
    log(f"nginx: serving {len(served)} snapshots on port {port}")
    return server, served


def _mb(kib: float) -> str:
    return f"{kib / MB:.0f} MB"


def describe_memory(api: Server, peaks: dict[int, int]) -> str:
    """Peak RSS of each API worker (and of the supervising parent, when there is one)."""
    workers = uvicorn_workers(api.proc.pid)
    parts = [f"{_mb(peaks.get(pid, 0))} (pid {pid})" for pid in workers]
    if workers != [api.proc.pid]:
        parts.append(f"supervisor {_mb(peaks.get(api.proc.pid, 0))}")
    return ", ".join(parts)


def _import_lines(report: Report, figures: ImportFigures, again: Measured, database: Path) -> None:
    reused = f" (database reused: measured {figures.reused_from})" if figures.reused_from else ""
    report.lines["import"] = (
        f"{figures.files} files in {figures.seconds:.1f} s = "
        f"{figures.files_per_second:.0f} files/s{reused}"
    )
    report.lines["re-import (unchanged)"] = f"{again.seconds:.2f} s"
    report.lines["peak import RSS"] = (
        f"{_mb(figures.peak_rss_kb)} (re-import {_mb(again.peak_rss_kb)})"
    )
    report.lines["database size"] = _mb(database.stat().st_size / 1024)
    report.figures["import"] = {
        "files": figures.files, "seconds": figures.seconds,
        "files_per_second": figures.files_per_second, "peak_rss_kb": figures.peak_rss_kb,
        "reused_from": figures.reused_from, "reimport_seconds": again.seconds,
        "reimport_peak_rss_kb": again.peak_rss_kb, "database_bytes": database.stat().st_size,
    }  # fmt: skip


def _reference_lines(
    report: Report, ref: ReferenceImport, figures: ImportFigures, ds: Server, peaks: dict[int, int]
) -> None:
    if ref.total_seconds:
        kit_rate = figures.files / ref.total_seconds
        reused = f", built {ref.reused_from}" if ref.reused_from else ""
        report.lines["kit importer (load_reference.py)"] = (
            f"{ref.total_seconds:.1f} s = {kit_rate:.0f} files/s (1 process{reused}); "
            f"API import at {figures.files_per_second / kit_rate:.2f}x its speed"
        )
    ds_peak = max(peaks.get(pid, 0) for pid in server_pids(ds))
    report.lines["Datasette"] = (
        f"startup {ds.startup_seconds:.2f} s, peak RSS {_mb(ds_peak)}, "
        f"news.db {_mb(ref.database.stat().st_size / 1024)}"
    )
    report.figures["datasette"] = {
        "startup_seconds": ds.startup_seconds, "peak_rss_kb": ds_peak,
        "kit_import_seconds": ref.total_seconds,
    }  # fmt: skip


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so the same clean-up runs as on Ctrl-C."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def commit_of(repo: Path) -> str | None:
    """The checked-out commit (the working tree may hold uncommitted changes on top)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=False, timeout=10,
        )  # fmt: skip
    except OSError:
        return None
    return done.stdout.strip() or None


def check_tools(args: argparse.Namespace) -> tuple[reference.Kit | None, str | None]:
    """Fail before any long step when --datasette or --nginx cannot work."""
    if args.datasette and args.size <= api_queries.DEEP_ARTICLES:
        raise BenchError(
            f"--datasette needs --size above {api_queries.DEEP_ARTICLES}: the kit's paths.py "
            "takes Q7's keyset bound from the 5,000th newest article"
        )
    kit = reference.locate_kit(args.kit) if args.datasette or args.nginx else None
    datasette = reference.find_datasette() if args.datasette else None
    if args.nginx:
        reference.find_nginx()
    return kit, datasette


def run(args: argparse.Namespace) -> Report:
    """The whole benchmark; every server started is stopped before it returns or raises."""
    kit, datasette = check_tools(args)
    driver = make_driver(args.driver, args.duration, args.connections, args.threads)
    report = Report(settings={
        "size": args.size, "seed": args.seed, "workers": args.workers,
        "duration_s": args.duration, "connections": args.connections, "repeat": args.repeat,
        "driver": driver.name, "cpus": os.cpu_count(), "started": datetime.now(UTC).isoformat(),
        "commit": commit_of(REPO), "answer_cache_mb": args.answer_cache_mb,
    })  # fmt: skip
    layout = Layout.make(args.work_dir, args.size, args.corpus_dir)
    identity = prepare_corpus(layout, args.size, args.seed, args.force)
    rebuild = args.force or args.reimport
    figures = prepare_database(layout, args.size, identity, rebuild, report.notes)
    again = reimport(layout, report.notes)
    ref = None
    if kit is not None and datasette is not None:
        python = reference.kit_python(args.kit_python, datasette)
        ref = prepare_reference(layout, kit, python, identity, args.size, rebuild)
    with Processes() as processes:
        api = start_api(processes, layout, args.workers, args.answer_cache_mb, report.notes)
        log("discovery: walking cursors for Q7, finding Q3's article")
        found = api_queries.discover(api.base_url, with_search=args.with_search)
        report.notes += found.notes
        ds: Server | None = None
        ds_paths: dict[str, str] = {}
        if ref is not None and kit is not None and datasette is not None:
            ds = start_datasette(processes, layout, kit, datasette)
            ds_paths = reference.reference_paths(kit, ref.database)
        nginx: Server | None = None
        nginx_paths: dict[str, str] = {}
        if args.nginx and kit is not None:
            nginx, nginx_paths = start_nginx(processes, layout, kit, api, found.queries)
        report.figures["reference_forms"] = {q.key: list(q.references) for q in found.queries}
        jobs = build_jobs(api, found.queries, ds, ds_paths, nginx, nginx_paths)
        before = os.getloadavg()[0]
        peaks = run_rounds(driver, jobs, args.repeat, report)
        report.settings["load_average"] = {"before": before, "after": os.getloadavg()[0]}
        _import_lines(report, figures, again, layout.database)
        report.lines["API startup"] = (
            f"{api.startup_seconds:.2f} s spawn -> /health answering "
            f"({args.workers} worker{'s' if args.workers > 1 else ''})"
        )
        report.lines["peak RSS per API worker"] = describe_memory(api, peaks)
        report.figures["api"] = {
            "startup_seconds": api.startup_seconds,
            "peak_rss_kb": {str(pid): kib for pid, kib in peaks.items()
                            if pid in server_pids(api)},
        }  # fmt: skip
        if ds is not None and ref is not None:
            _reference_lines(report, ref, figures, ds, peaks)
        report.lines["load"] = (
            f"{driver.name}, {args.connections} connections, {args.duration:g} s per run, "
            f"median of {args.repeat}; 1-min load average before {before:.2f}"
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run, print the table, save JSON; exit 2 on a setup error, 130 on Ctrl-C."""
    args = parse_args(argv)
    try:
        with interrupt_on_sigterm():
            report = run(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started has been stopped", file=sys.stderr)
        return 130
    print(render(report))
    if args.json_path:
        write_json(report, args.json_path)
        print(f"\nresults saved to {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
