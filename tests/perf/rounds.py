"""The load phase: which paths to load on which server, interleaved rounds, CPU and peak RSS."""

import time
from dataclasses import dataclass, replace

from tests.perf.client import get
from tests.perf.load import Driver
from tests.perf.prepare import log
from tests.perf.procs import BenchError, PeakSampler, Server, cpu_seconds, descendants
from tests.perf.queries import Query
from tests.perf.report import Report, Row


@dataclass(frozen=True)
class Job:
    """One path to load on one server."""

    server: Server
    label: str
    key: str
    title: str
    path: str
    headers: dict[str, str]
    expect: int = 200


def server_pids(server: Server) -> list[int]:
    """The server process and everything under it."""
    return [server.proc.pid, *descendants(server.proc.pid)]


def run_job(driver: Driver, job: Job, row: Row) -> None:
    """Load one path once; add the run (with the server's CPU use) to its row."""
    pids = server_pids(job.server)
    cpu_before = cpu_seconds(pids)
    try:
        result = driver.run(job.server.base_url + job.path, job.headers)
    except (RuntimeError, ValueError, OSError) as error:
        raise BenchError(f"load on {job.label} {job.key} failed: {error}") from error
    cpu = (cpu_seconds(pids) - cpu_before) / result.seconds * 100 if result.seconds else None
    row.runs.append(replace(result, cpu_percent=cpu))
    wait_until_idle(pids)


# A server still answering requests that wrk gave up on (a slow query's backlog) would slow
# the next run down: it must first fall below this share of one CPU, over IDLE_SAMPLE_S.
IDLE_CPU_PERCENT = 20
IDLE_SAMPLE_S = 0.2
IDLE_WAIT_S = 60


def wait_until_idle(pids: list[int]) -> None:
    """Wait (up to IDLE_WAIT_S) until the processes `pids` have finished the work they had."""
    deadline = time.monotonic() + IDLE_WAIT_S
    while time.monotonic() < deadline:
        before = cpu_seconds(pids)
        time.sleep(IDLE_SAMPLE_S)
        if (cpu_seconds(pids) - before) / IDLE_SAMPLE_S * 100 < IDLE_CPU_PERCENT:
            return
    log(f"the server was still busy {IDLE_WAIT_S} s after a load run")


def probe(job: Job, row: Row, notes: list[str]) -> None:
    """One GET before the load: status and size for the table; a note if unexpected."""
    reply = get(job.server.base_url + job.path, job.headers)
    row.status, row.size = reply.status, len(reply.body)
    if reply.status != job.expect:
        notes.append(f"{job.label} {job.key} answered {reply.status} (expected {job.expect})")


def run_rounds(driver: Driver, jobs: list[Job], repeat: int, report: Report) -> dict[int, int]:
    """Load every job `repeat` times, interleaved; return the peak RSS (KiB) of each server pid."""
    rows: dict[tuple[str, str], Row] = {}
    servers = {job.server.proc.pid: job.server for job in jobs}
    total = len(jobs) * repeat
    with PeakSampler(lambda: [p for s in servers.values() for p in server_pids(s)]) as sampler:
        for round_number in range(repeat):
            for index, job in enumerate(jobs):
                done = round_number * len(jobs) + index
                log(f"load {done + 1}/{total}: {job.label} {job.key}")
                row = rows.get((job.label, job.key))
                if row is None:
                    row = Row(job.label, job.key, job.title, job.path)
                    rows[(job.label, job.key)] = row
                    report.rows.append(row)
                    probe(job, row, report.notes)
                run_job(driver, job, row)
    return sampler.peak_kb


def build_jobs(
    api: Server,
    queries: list[Query],
    datasette: Server | None,
    ds_paths: dict[str, str],
    nginx: Server | None,
    nginx_paths: dict[str, str],
) -> list[Job]:
    """Per query: the API, then its Datasette forms, then its nginx snapshot."""
    jobs = []
    for query in queries:
        jobs.append(Job(api, "api", query.key, query.title, query.path, dict(query.headers),
                        query.expect))  # fmt: skip
        if datasette is not None:
            for form in query.references:
                if form in ds_paths:
                    jobs.append(Job(datasette, "datasette", form, form, ds_paths[form], {}))
        if nginx is not None and query.key in nginx_paths:
            jobs.append(Job(nginx, "nginx", query.key, query.title, nginx_paths[query.key], {}))
    return jobs
