"""Load with an import in the middle: concurrent clients that check every answer, cursor walks
and a /changes sync that start before the import and end after it, and the run's figures."""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from tests.stress.checks import Observed, Probe, check_page, last_key, probes, tag_generation
from tests.stress.generations import Corpus, Key, ListView, list_views
from tests.stress.server import ImportRun

SAMPLES_KEPT = 10


@dataclass(frozen=True)
class LoadOptions:
    """How hard and how long: `clients` concurrent clients for at least `duration` seconds and
    at least `tail` seconds after the import ended; the import starts after `warmup` seconds.
    Walks and the sync read `page_limit` items a page, one page every `pace` seconds."""

    clients: int = 8
    duration: float = 3.0
    warmup: float = 0.5
    tail: float = 0.5
    page_limit: int = 100
    pace: float = 0.02
    timeout: float = 300.0


@dataclass
class WalkResult:
    """A cursor walk through one list, from before the import to after it."""

    path: str
    generations: list[int | None]
    slugs: list[str]
    duplicates: list[str]
    missing: list[str]
    strays: list[str]

    @property
    def straddled(self) -> bool:
        """Whether the walk saw pages of both generations (it began before the import and
        ended after it)."""
        return {1, 2} <= set(self.generations)


@dataclass
class SyncResult:
    """A /changes sync from an empty replica, from before the import to after it."""

    pages: int
    articles: int
    equals_final: bool
    difference: list[str]


@dataclass
class Figures:
    """What one load run measured and every broken property it met."""

    generation_before: int | None = None
    requests: int = 0
    seconds: float = 0.0
    by_phase: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    failure_samples: list[str] = field(default_factory=list)
    violations: int = 0
    violation_samples: list[str] = field(default_factory=list)
    pages_by_generation: Counter[int] = field(default_factory=Counter)
    locked: int = 0
    walks: list[WalkResult] = field(default_factory=list)
    sync: SyncResult | None = None
    import_run: ImportRun | None = None
    import_window: tuple[float, float] = (0.0, 0.0)

    def fail(self, message: str) -> None:
        self.failures += 1
        if len(self.failure_samples) < SAMPLES_KEPT:
            self.failure_samples.append(message)

    def violate(self, message: str) -> None:
        self.violations += 1
        if len(self.violation_samples) < SAMPLES_KEPT:
            self.violation_samples.append(message)

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def problems(self, corpus: Corpus) -> list[str]:
        """Every guarantee this run saw broken (empty when all held)."""
        found: list[str] = []
        if self.failures:
            found.append(f"{self.failures} failed requests: {self.failure_samples}")
        if self.violations:
            found.append(f"{self.violations} inconsistent answers: {self.violation_samples}")
        if self.locked:
            found.append(f"{self.locked} answers said 'database is locked'")
        found += _import_problems(self.import_run, corpus)
        if self.pages_by_generation[1] == 0 or self.pages_by_generation[2] == 0:
            found.append(f"the load did not see both generations: {self.pages_by_generation}")
        if self.by_phase["during"] == 0:
            found.append("no request was answered while the import ran")
        for walk in self.walks:
            if walk.duplicates or walk.missing or walk.strays:
                found.append(
                    f"walk of {walk.path}: duplicates {walk.duplicates[:5]}, missing "
                    f"{walk.missing[:5]}, strays {walk.strays[:5]}"
                )
            if not walk.straddled:
                found.append(f"walk of {walk.path} did not straddle the import")
        if self.sync is None or not self.sync.equals_final:
            difference = self.sync.difference if self.sync else "no sync"
            found.append(f"the /changes sync did not end with the final collection: {difference}")
        return found

    def lines(self) -> list[str]:
        """The figures, one aspect a line."""
        phases = "/".join(str(self.by_phase[p]) for p in ("before", "during", "after"))
        start, end = self.import_window
        walked = sum(len(w.slugs) for w in self.walks)
        run = self.import_run
        lines = [
            f"requests      {self.requests} in {self.seconds:.1f} s = {self.rps:.0f} req/s "
            f"(answered before/during/after the import: {phases})",
            f"failures      {self.failures} {self.failure_samples[:3] if self.failures else ''}",
            f"latency       p50 {self.percentile(0.5):.1f} ms, p99 {self.percentile(0.99):.1f} ms,"
            f" max {max(self.latencies_ms, default=0):.0f} ms",
            f"consistency   {sum(self.pages_by_generation.values())} answers checked "
            f"(gen-1 {self.pages_by_generation[1]}, gen-2 {self.pages_by_generation[2]}), "
            f"{self.violations} violations {self.violation_samples[:3] if self.violations else ''}",
            f"walks         {len(self.walks)} cursor walks, {walked} items, duplicates "
            f"{sum(len(w.duplicates) for w in self.walks)}, missing "
            f"{sum(len(w.missing) for w in self.walks)}, all straddled the import: "
            f"{all(w.straddled for w in self.walks)}",
        ]
        if self.sync is not None:
            lines.append(
                f"sync          /changes: {self.sync.pages} pages, {self.sync.articles} articles, "
                f"equals the final collection: {self.sync.equals_final}"
            )
        if run is not None:
            lines.append(
                f"import        {run.seconds:.1f} s (from {start:.1f} s to {end:.1f} s of the "
                f"load), exit {run.returncode}: {_report_text(run.report)}"
            )
        lines.append(f"locks         {self.locked} answers naming 'database is locked'")
        return lines


def _report_text(report: dict[str, Any]) -> str:
    keys = ("added", "updated", "unchanged", "removed")
    return ", ".join(f"{report.get(key)} {key}" for key in keys)


def _import_problems(run: ImportRun | None, corpus: Corpus) -> list[str]:
    if run is None:
        return ["the import never ran"]
    found = []
    if run.returncode != 0:
        found.append(f"the import exited {run.returncode}: {run.stderr[-500:]}")
    expected = {"added": corpus.added, "updated": len(corpus.survivors), "removed": corpus.removed}
    got = {key: run.report.get(key) for key in expected}
    if got != expected:
        found.append(f"the import did {got}, not {expected}")
    if "database is locked" in run.stderr:
        found.append("the import said 'database is locked'")
    return found


class Gate:
    """The import's place in the run: it starts once every walk has its first page; walks and
    the sync finish only after it ended."""

    def __init__(self, walkers: int) -> None:
        self._waiting = walkers
        self.walkers_started = asyncio.Event()
        self.import_started = asyncio.Event()
        self.import_ended = asyncio.Event()

    def walker_started(self) -> None:
        self._waiting -= 1
        if self._waiting == 0:
            self.walkers_started.set()

    def phase(self) -> str:
        if self.import_ended.is_set():
            return "after"
        return "during" if self.import_started.is_set() else "before"


class Client:
    """GETs that count, time and check every answer."""

    def __init__(self, http: httpx.AsyncClient, figures: Figures, gate: Gate) -> None:
        self.http = http
        self.figures = figures
        self.gate = gate

    async def get(self, path: str, params: dict[str, Any]) -> httpx.Response | None:
        """The answer when it is a 200; None (and a failure counted) for anything else."""
        started = time.perf_counter()
        try:
            response = await self.http.get(path, params=params)
        except httpx.HTTPError as error:
            self.figures.fail(f"GET {path}: {type(error).__name__}: {error}")
            return None
        self.figures.requests += 1
        self.figures.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.figures.by_phase[self.gate.phase()] += 1
        if b"database is locked" in response.content:
            self.figures.locked += 1
        if response.status_code != 200:
            self.figures.fail(f"GET {path}: {response.status_code} {response.text[:200]}")
            return None
        return response

    def record(self, path: str, response: httpx.Response, observed: Observed) -> None:
        """Count what the answer showed; an answer of generation 1 under a tag that names a
        later catalog would be served as fresh after the import: a violation too."""
        if observed.problem is not None:
            self.figures.violate(observed.problem)
            return
        if observed.generation is None:
            return
        self.figures.pages_by_generation[observed.generation] += 1
        tag = tag_generation(response)
        before = self.figures.generation_before
        if observed.generation == 1 and (tag is None or before is None or tag > before):
            self.figures.violate(f"{path}: a gen-1 answer under the tag of catalog {tag}")

    async def check(
        self, path: str, params: dict[str, Any], check: Callable[[httpx.Response], Observed]
    ) -> tuple[int | None, httpx.Response] | None:
        """GET, check and record: the generation shown (None if inconsistent) and the answer;
        None when the request failed."""
        response = await self.get(path, params)
        if response is None:
            return None
        try:
            observed = check(response)
        except (ValueError, KeyError, TypeError) as error:
            observed = Observed(None, f"{path}: unreadable answer ({error!r})")
        self.record(path, response, observed)
        return observed.generation, response


async def read_forever(client: Client, checks: Sequence[Probe], seed: int) -> None:
    rng = random.Random(seed)
    while True:
        probe = rng.choice(checks)
        await client.check(probe.path, probe.params, probe.check)


async def walk(
    client: Client, corpus: Corpus, view: ListView, options: LoadOptions, gate: Gate
) -> WalkResult:
    """Walk every page of `view` by cursor, slowly: the first page before the import, half the
    list at most while it runs, the rest after it ended."""
    params: dict[str, Any] = view.url_params(options.page_limit)
    halfway = corpus.total(view, 1) // 2
    slugs: list[str] = []
    generations: list[int | None] = []
    after = None
    while True:
        checked = await client.check(
            view.path, params, partial(_check_walk, corpus, view, options.page_limit, after)
        )
        if checked is None:
            await asyncio.sleep(options.pace)  # counted; a client retries the same page
            continue
        generation, response = checked  # an inconsistent page is counted, and walked on
        page = response.json()
        if not slugs:
            gate.walker_started()
        slugs += [item["slug"] for item in page["items"]]
        generations.append(generation)
        if page["nextCursor"] is None:
            break
        after = last_key(view, page, corpus)
        params["cursor"] = page["nextCursor"]
        if len(slugs) >= halfway:
            await gate.import_ended.wait()
        await asyncio.sleep(options.pace)
    return _walk_result(corpus, view, slugs, generations)


def _check_walk(
    corpus: Corpus, view: ListView, limit: int, after: Key | None, response: httpx.Response
) -> Observed:
    return check_page(corpus, view, response.json(), limit, after)


def _walk_result(
    corpus: Corpus, view: ListView, slugs: list[str], generations: list[int | None]
) -> WalkResult:
    counted = Counter(slugs)
    shown = {a.slug for g in (1, 2) for a in corpus.ordered(view, g)[1]}
    throughout = [a.slug for a in corpus.survivors if view.matches(a)]
    return WalkResult(
        path=view.path + (f"?sort={view.sort}" if view.sort != "newest" else ""),
        generations=generations,
        slugs=slugs,
        duplicates=sorted(slug for slug, n in counted.items() if n > 1),
        missing=sorted(slug for slug in throughout if slug not in counted),
        strays=sorted(slug for slug in counted if slug not in shown),
    )


async def sync(client: Client, corpus: Corpus, options: LoadOptions, gate: Gate) -> SyncResult:
    """Keep a replica by /changes from nothing: half of it before or during the import, the
    rest after; it must end equal to the final collection."""
    replica: dict[str, str] = {}
    params: dict[str, Any] = {"limit": options.page_limit}
    pages = 0
    halfway = corpus.initial // 2
    while True:
        response = await client.get("/changes", params)
        if response is None:
            await asyncio.sleep(options.pace)
            continue
        page = response.json()
        pages += 1
        if pages == 1:
            gate.walker_started()
        for change in page["changes"]:
            if change["change"] == "removed":
                replica.pop(change["slug"], None)
            else:
                replica[change["slug"]] = change["article"]["title"]
        params["since"] = page["nextToken"]
        if not page["hasMore"] and gate.import_ended.is_set():
            break
        if len(replica) >= halfway or not page["hasMore"]:
            await gate.import_ended.wait()
        await asyncio.sleep(options.pace)
    final = {a.slug: a.title(2) for a in corpus.members(2)}
    difference = sorted(set(replica.items()) ^ set(final.items()))
    return SyncResult(pages, len(replica), replica == final, [str(d) for d in difference[:5]])


async def run_load(
    base_url: str,
    corpus: Corpus,
    run_import: Callable[[], Awaitable[ImportRun]],
    options: LoadOptions,
) -> Figures:
    """Load the server at `base_url` while `run_import` imports generation 2 over generation 1."""
    figures = Figures()
    views = list_views()
    walked = (views[0], views[2], views[3])
    gate = Gate(len(walked) + 1)
    connections = options.clients + len(walked) + 2
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as http:
        client = Client(http, figures, gate)
        first = await client.get("/articles", {})
        figures.generation_before = None if first is None else tag_generation(first)
        checks = probes(corpus, views)
        started = time.monotonic()
        readers = [
            asyncio.create_task(read_forever(client, checks, n)) for n in range(options.clients)
        ]
        walks = [asyncio.create_task(walk(client, corpus, v, options, gate)) for v in walked]
        syncing = asyncio.create_task(sync(client, corpus, options, gate))
        try:
            async with asyncio.timeout(options.timeout):
                await gate.walkers_started.wait()
                await asyncio.sleep(max(0.0, started + options.warmup - time.monotonic()))
                gate.import_started.set()
                import_start = time.monotonic() - started
                figures.import_run = await run_import()
                gate.import_ended.set()
                figures.import_window = (import_start, time.monotonic() - started)
                figures.walks = list(await asyncio.gather(*walks))
                figures.sync = await syncing
                end = max(started + options.duration, time.monotonic() + options.tail)
                await asyncio.sleep(end - time.monotonic())
        finally:
            for task in [*readers, *walks, syncing]:
                task.cancel()
            await asyncio.gather(*readers, *walks, syncing, return_exceptions=True)
        figures.seconds = time.monotonic() - started
    return figures
