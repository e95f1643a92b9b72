"""One import run: find files, skip unchanged ones, parse the rest, write everything in one
transaction, and report what happened to every file."""

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.dialect import lock_for_import
from app.importer.discover import Candidate, discover
from app.importer.examine import KnownFile, Outcome, Parsed, Refused, Task, Unchanged, examine_batch
from app.importer.store import ArticleStore, NewVersion, StoredSource

BATCH = 500
# Below this many files a process pool costs more (spawning, pickling) than it saves.
PARALLEL_THRESHOLD = 2000


@dataclass(frozen=True)
class Rejection:
    """A file that was not imported, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What one run did. `committed` is false when nothing was written (`--strict`)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Rejection] = field(default_factory=list)
    committed: bool = True

    @property
    def files(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.rejected) + len(self.skipped)

    @property
    def changed(self) -> bool:
        return self.committed and bool(self.added or self.updated or self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "rejected": [asdict(r) for r in self.rejected],
            "skipped": [asdict(r) for r in self.skipped],
            "committed": self.committed,
        }


ProgressCallback = Callable[[int], None]
BatchResults = Iterator[tuple[Sequence[Candidate], dict[str, StoredSource], list[Outcome]]]


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    max_file_bytes: int,
    prune: bool = False,
    strict: bool = False,
    workers: int = 0,
    on_start: Callable[[int], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import every article file under `paths` in one transaction and return the report.

    Files are read and parsed by `workers` processes while this process writes (0: one
    process per CPU for a large import, none for a small one). A killed or failed run leaves
    the database as it was. With `strict`, any rejected file rolls the whole run back. With
    `prune`, articles whose file is gone from the given folders are removed.
    """
    report = ImportReport()
    found, missing, folders = discover(paths)
    report.rejected.extend(Rejection(m.path, m.reason) for m in missing)

    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with connection.begin() as transaction:
            lock_for_import(connection)
            store = ArticleStore(connection)
            candidates = _drop_duplicate_slugs(store, found, report)
            if on_start:
                on_start(len(candidates))
            processes = _process_count(workers, len(candidates))
            for batch, known, outcomes in _examined(store, candidates, max_file_bytes, processes):
                _apply(store, batch, known, outcomes, report)
                if on_progress:
                    on_progress(len(batch))
            if prune:
                # Every file found keeps its article, even one rejected this time.
                report.removed = len(store.prune(folders, {c.path for c in found}))
            store.refresh_counters()
            if report.added or report.updated or report.removed:
                store.tidy_search_index()
                store.refresh_catalog()
            if strict and report.rejected:
                transaction.rollback()
                report.committed = False
    return report


def _process_count(workers: int, files: int) -> int:
    """`workers` processes when asked for; by default one per CPU for a large import."""
    if workers > 0:
        return workers
    return 1 if files < PARALLEL_THRESHOLD else (os.cpu_count() or 1)


def _batches(items: Sequence[Candidate], size: int) -> Iterator[Sequence[Candidate]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _tasks(
    store: ArticleStore, batch: Sequence[Candidate], max_file_bytes: int
) -> tuple[dict[str, StoredSource], list[Task]]:
    known = store.sources_by_path([c.path for c in batch])
    tasks = []
    for candidate in batch:
        source = known.get(candidate.path)
        facts = KnownFile(source.size, source.mtime_ns, source.sha256) if source else None
        tasks.append(Task(candidate, facts, max_file_bytes))
    return known, tasks


def _examined(
    store: ArticleStore, candidates: Sequence[Candidate], max_file_bytes: int, processes: int
) -> BatchResults:
    """Examine the candidates batch by batch, in order; with several processes, a bounded
    number of batches is in flight so memory stays flat whatever the corpus size."""
    if processes <= 1:
        for batch in _batches(candidates, BATCH):
            known, tasks = _tasks(store, batch, max_file_bytes)
            yield batch, known, examine_batch(tasks)
        return
    with _pool(processes) as pool:
        pending: deque[tuple[Sequence[Candidate], dict[str, StoredSource], Future[list[Outcome]]]]
        pending = deque()
        for batch in _batches(candidates, BATCH):
            known, tasks = _tasks(store, batch, max_file_bytes)
            pending.append((batch, known, pool.submit(examine_batch, tasks)))
            if len(pending) > 2 * processes:
                done_batch, done_known, future = pending.popleft()
                yield done_batch, done_known, future.result()
        while pending:
            done_batch, done_known, future = pending.popleft()
            yield done_batch, done_known, future.result()


@contextmanager
def _pool(processes: int) -> Iterator[ProcessPoolExecutor]:
    # "spawn": the parent may hold threads (a progress bar) and an open database connection,
    # neither of which a forked child should inherit.
    pool = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _exit_with_parent() -> None:
    """In a worker: end it as soon as the importing process is gone. A killed import would
    otherwise leave its workers waiting forever for work that never comes."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, args=(parent.sentinel,), daemon=True).start()


def _drop_duplicate_slugs(
    store: ArticleStore, candidates: list[Candidate], report: ImportReport
) -> list[Candidate]:
    """Keep one file per slug: the one already imported, else the first by path; reject the
    others."""
    # Sorted hashes of the slugs narrow the search to a few candidates: grouping every
    # candidate by slug would hold a string and a list per file, hundreds of MB for a million.
    hashes = sorted(hash(candidate.slug) for candidate in candidates)
    colliding = {value for value, following in pairwise(hashes) if value == following}
    del hashes
    by_slug: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if colliding and hash(candidate.slug) in colliding:
            by_slug.setdefault(candidate.slug, []).append(candidate)
    shared = {slug for slug, group in by_slug.items() if len(group) > 1}
    if not shared:
        return candidates
    by_slug = {slug: by_slug[slug] for slug in shared}
    stored = store.sources_by_slug(sorted(shared))
    chosen: dict[str, Candidate] = {}
    for slug, group in by_slug.items():
        source = stored.get(slug)
        imported = [c for c in group if source is not None and c.path == source.path]
        chosen[slug] = (imported or group)[0]
    kept: list[Candidate] = []
    for candidate in candidates:
        first = chosen.get(candidate.slug, candidate)
        if first is candidate:
            kept.append(candidate)
        else:
            report.rejected.append(
                Rejection(
                    candidate.path,
                    f"two files for the same article {candidate.slug!r}: {first.path} is imported",
                )
            )
    return kept


def _apply(
    store: ArticleStore,
    batch: Sequence[Candidate],
    known: dict[str, StoredSource],
    outcomes: list[Outcome],
    report: ImportReport,
) -> None:
    """Record what examining a batch found, and write its new and changed articles at once."""
    parsed = [(c, o) for c, o in zip(batch, outcomes, strict=True) if isinstance(o, Parsed)]
    by_slug = store.sources_by_slug([c.slug for c, _o in parsed if c.path not in known])
    versions: list[NewVersion] = []
    for candidate, outcome in zip(batch, outcomes, strict=True):
        stored = known.get(candidate.path)
        if isinstance(outcome, Unchanged):
            report.unchanged += 1
            if outcome.touched and stored:
                store.touch_source(stored.article_id, outcome.touched)
        elif isinstance(outcome, Refused):
            # Not a document in a folder (a README, say), unless it used to be an article.
            skipped = outcome.no_front_matter and not candidate.named and stored is None
            (report.skipped if skipped else report.rejected).append(
                Rejection(candidate.path, outcome.reason, outcome.line)
            )
        else:
            target = _target_article(candidate, stored, by_slug.get(candidate.slug))
            if isinstance(target, Rejection):
                report.rejected.append(target)
                continue
            versions.append(
                NewVersion(outcome.article, outcome.facts, outcome.front_matter_json, target)
            )
            if target is None:
                report.added += 1
            else:
                report.updated += 1
    store.save_many(versions)


def _target_article(
    candidate: Candidate, by_path: StoredSource | None, by_slug: StoredSource | None
) -> int | Rejection | None:
    """The id of the article this file replaces, None for a new article, or the rejection
    when another file that still exists already holds this slug."""
    if by_path is not None:
        return by_path.article_id
    if by_slug is None:
        return None
    if os.path.lexists(by_slug.path):
        return Rejection(
            candidate.path,
            f"two files for the same article {candidate.slug!r}: "
            f"{by_slug.path} is already imported",
        )
    return by_slug.article_id  # the file moved: same article, new path
