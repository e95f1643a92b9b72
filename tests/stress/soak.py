"""A soak run: steady load over many distinct URLs for minutes, sampling each worker's resident
memory, which must stay flat once warm."""

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx

from tests.perf.procs import rss_kb
from tests.stress.checks import DetailProbe, PageProbe, Probe, probes, tag_generation
from tests.stress.generations import Corpus, list_views
from tests.stress.server import Serving
from tests.stress.traffic import Client, Figures, Gate, read_forever

# Samples at the start and at the end of the measured part that are compared (their medians).
ENDS = 5


@dataclass
class WorkerMemory:
    """One worker's RSS samples (seconds since the start, KiB) after the warm-up."""

    pid: int
    samples: list[tuple[float, int]] = field(default_factory=list)

    @property
    def start_kb(self) -> int:
        return sorted(kb for _, kb in self.samples[:ENDS])[len(self.samples[:ENDS]) // 2]

    @property
    def end_kb(self) -> int:
        return sorted(kb for _, kb in self.samples[-ENDS:])[len(self.samples[-ENDS:]) // 2]

    @property
    def max_kb(self) -> int:
        return max(kb for _, kb in self.samples)

    @property
    def growth(self) -> float:
        """End over start, minus one: 0.05 is 5 % more memory at the end than at the start."""
        return self.end_kb / self.start_kb - 1

    def path(self, points: int = 11) -> list[int]:
        """RSS at evenly spaced moments from the first sample to the last."""
        last = len(self.samples) - 1
        return [self.samples[round(last * n / (points - 1))][1] for n in range(points)]

    @property
    def slope_kb_per_min(self) -> float:
        """The least-squares slope of RSS over time."""
        n = len(self.samples)
        mean_t = sum(t for t, _ in self.samples) / n
        mean_kb = sum(kb for _, kb in self.samples) / n
        spread = sum((t - mean_t) ** 2 for t, _ in self.samples)
        if not spread:
            return 0.0
        covariance = sum((t - mean_t) * (kb - mean_kb) for t, kb in self.samples)
        return covariance / spread * 60


@dataclass
class SoakFigures:
    """The load's figures and every worker's memory."""

    load: Figures
    workers: list[WorkerMemory]
    warmup_s: float
    bound: float
    replaced: bool = False  # whether the workers at the end are not those of the start

    def problems(self) -> list[str]:
        found = []
        if self.load.failures:
            found.append(f"{self.load.failures} failed requests: {self.load.failure_samples}")
        if self.load.violations:
            found.append(f"{self.load.violations} wrong answers: {self.load.violation_samples}")
        if self.replaced or any(kb == 0 for w in self.workers for _, kb in w.samples):
            found.append("a worker exited or was replaced during the run")
        for worker in self.workers:
            if len(worker.samples) < 2 * ENDS:
                found.append(f"worker {worker.pid}: too few samples ({len(worker.samples)})")
            elif worker.growth >= self.bound:
                found.append(
                    f"worker {worker.pid} grew {worker.growth:.1%} after the warm-up "
                    f"(bound {self.bound:.0%})"
                )
        return found

    def lines(self) -> list[str]:
        figures = self.load
        lines = [
            f"requests      {figures.requests} in {figures.seconds:.0f} s = "
            f"{figures.rps:.0f} req/s, {figures.failures} failed; "
            f"p50 {figures.percentile(0.5):.1f} ms, p99 {figures.percentile(0.99):.1f} ms",
            f"memory        per worker after a {self.warmup_s:.0f} s warm-up (MiB): start -> end,"
            " max, slope",
        ]
        for worker in self.workers:
            if len(worker.samples) < 2 * ENDS:
                lines.append(f"  worker {worker.pid}: {len(worker.samples)} samples only")
                continue
            path = " ".join(f"{kb / 1024:.1f}" for kb in worker.path())
            lines.append(
                f"  worker {worker.pid}: {worker.start_kb / 1024:.1f} -> "
                f"{worker.end_kb / 1024:.1f} ({worker.growth:+.1%}), max "
                f"{worker.max_kb / 1024:.1f}, {worker.slope_kb_per_min:+.0f} KiB/min; "
                f"each tenth: {path}"
            )
        return lines


def soak_probes(corpus: Corpus, seed: int = 7) -> list[Probe]:
    """Many distinct URLs, so that anything kept per URL would show up as growth: every list at
    many page sizes, and every article."""
    rng = random.Random(seed)
    views = list_views()
    found = probes(corpus, views)
    found += [PageProbe(corpus, rng.choice(views), limit) for limit in range(1, 101)]
    found += [DetailProbe(corpus, article.slug) for article in corpus.members(1)]
    return found


async def soak(
    server: Serving, corpus: Corpus, *, clients: int, seconds: float, warmup: float,
    interval: float = 1.0, bound: float = 0.10,
) -> SoakFigures:  # fmt: skip
    """Load `server` with `clients` clients for `seconds` seconds and sample every worker's
    RSS every `interval` seconds once `warmup` seconds have passed."""
    figures = Figures()
    gate = Gate(0)
    checks = soak_probes(corpus)
    workers = [WorkerMemory(pid) for pid in server.worker_pids()]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as http:
        client = Client(http, figures, gate)
        first = await client.get("/articles", {})
        figures.generation_before = None if first is None else tag_generation(first)
        started = time.monotonic()
        readers = [asyncio.create_task(read_forever(client, checks, n)) for n in range(clients)]
        try:
            while (elapsed := time.monotonic() - started) < seconds:
                if elapsed >= warmup:
                    for worker in workers:
                        worker.samples.append((elapsed, rss_kb(worker.pid)))
                await asyncio.sleep(interval)
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        figures.seconds = time.monotonic() - started
    replaced = sorted(server.worker_pids()) != sorted(w.pid for w in workers)
    return SoakFigures(figures, workers, warmup, bound, replaced)
