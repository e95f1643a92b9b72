"""One import run: find files, skip unchanged ones, parse the rest, write everything in one
transaction, and report what happened to every file."""

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.importer.discover import Candidate, discover
from app.importer.parse import ArticleRejected, NoFrontMatter, ParsedArticle, parse_article
from app.importer.store import ArticleStore, FileFacts, StoredSource

BATCH = 500


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


@dataclass
class _Read:
    """A file read into memory whose content differs from what is stored."""

    candidate: Candidate
    facts: FileFacts
    text: str


class _Skip(Exception):
    """Raised inside the run: the file needs no write."""


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    max_file_bytes: int,
    prune: bool = False,
    strict: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import every article file under `paths` in one transaction and return the report.

    A killed or failed run leaves the database as it was. With `strict`, any rejected file
    rolls the whole run back. With `prune`, articles whose file is gone from the given folders
    are removed.
    """
    report = ImportReport()
    found, missing, folders = discover(paths)
    report.rejected.extend(Rejection(m.path, m.reason) for m in missing)

    with engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with connection.begin() as transaction:
            store = ArticleStore(connection)
            candidates = _drop_duplicate_slugs(store, found, report)
            if on_start:
                on_start(len(candidates))
            for batch in _batches(candidates, BATCH):
                _import_batch(store, batch, report, max_file_bytes)
                if on_progress:
                    on_progress(len(batch))
            if prune:
                # Every file found keeps its article, even one rejected this time.
                report.removed = len(store.prune(folders, {c.path for c in found}))
            store.refresh_counters()
            if strict and report.rejected:
                transaction.rollback()
                report.committed = False
    return report


def _batches(items: Sequence[Candidate], size: int) -> Iterator[Sequence[Candidate]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _drop_duplicate_slugs(
    store: ArticleStore, candidates: list[Candidate], report: ImportReport
) -> list[Candidate]:
    """Keep one file per slug: the one already imported, else the first by path; reject the
    others."""
    by_slug: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_slug.setdefault(candidate.slug, []).append(candidate)
    shared = [slug for slug, group in by_slug.items() if len(group) > 1]
    stored = store.sources_by_slug(shared)
    chosen: dict[str, Candidate] = {}
    for slug in shared:
        group = by_slug[slug]
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


def _import_batch(
    store: ArticleStore, batch: Sequence[Candidate], report: ImportReport, max_file_bytes: int
) -> None:
    by_path = store.sources_by_path([c.path for c in batch])
    by_slug = store.sources_by_slug([c.slug for c in batch])
    for candidate in batch:
        stored = by_path.get(candidate.path)
        try:
            read = _read_if_changed(store, candidate, stored, max_file_bytes)
            parsed = parse_article(read.text, candidate.slug)
            target = _target_article(candidate, stored, by_slug.get(candidate.slug))
        except _Skip:
            report.unchanged += 1
            continue
        except NoFrontMatter as rejected:
            # Not a document in a folder (a README, say), unless it used to be an article.
            skipped = not candidate.named and stored is None
            (report.skipped if skipped else report.rejected).append(
                Rejection(candidate.path, rejected.reason, rejected.line)
            )
            continue
        except ArticleRejected as rejected:
            report.rejected.append(Rejection(candidate.path, rejected.reason, rejected.line))
            continue
        _save(store, parsed, read.facts, target, report)


def _save(
    store: ArticleStore,
    parsed: ParsedArticle,
    facts: FileFacts,
    target: int | None,
    report: ImportReport,
) -> None:
    store.save(parsed, facts, target)
    if target is None:
        report.added += 1
    else:
        report.updated += 1


def _target_article(
    candidate: Candidate, by_path: StoredSource | None, by_slug: StoredSource | None
) -> int | None:
    """The id of the article this file replaces, or None for a new article.

    Raises:
        ArticleRejected: another file that still exists already holds this slug.
    """
    if by_path is not None:
        return by_path.article_id
    if by_slug is None:
        return None
    if os.path.lexists(by_slug.path):
        raise ArticleRejected(
            f"two files for the same article {candidate.slug!r}: {by_slug.path} is already imported"
        )
    return by_slug.article_id  # the file moved: same article, new path


def _read_if_changed(
    store: ArticleStore, candidate: Candidate, stored: StoredSource | None, max_file_bytes: int
) -> _Read:
    """Read the file unless its size and mtime (then its hash) match what is stored.

    Raises:
        _Skip: the content is what the database already holds.
        ArticleRejected: the file cannot be read, is too large, or is not UTF-8 text.
    """
    try:
        before = os.stat(candidate.path)
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    if not stat.S_ISREG(before.st_mode):
        raise ArticleRejected("not a regular file")
    if stored and stored.size == before.st_size and stored.mtime_ns == before.st_mtime_ns:
        raise _Skip
    if before.st_size > max_file_bytes:
        raise ArticleRejected(
            f"file is larger than the limit of {max_file_bytes} bytes ({before.st_size} bytes)"
        )
    try:
        with open(candidate.path, "rb") as handle:
            data = handle.read(max_file_bytes + 1)
            after = os.fstat(handle.fileno())
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    if len(data) > max_file_bytes:
        raise ArticleRejected(f"file is larger than the limit of {max_file_bytes} bytes")
    if len(data) != after.st_size or after.st_mtime_ns != before.st_mtime_ns:
        raise ArticleRejected("file changed while it was being read; import it again")
    facts = FileFacts(
        candidate.path, len(data), after.st_mtime_ns, hashlib.sha256(data).hexdigest()
    )
    if stored and stored.sha256 == facts.sha256:
        store.touch_source(stored.article_id, facts)
        raise _Skip
    return _Read(candidate, facts, _decode(data))


def _decode(data: bytes) -> str:
    """Decode UTF-8 text.

    Raises:
        ArticleRejected: not UTF-8, or contains NUL characters (a binary file).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ArticleRejected(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start}", line
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise ArticleRejected(
            "contains a NUL character (binary file?)", text.count("\n", 0, nul) + 1
        )
    return text
