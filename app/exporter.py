"""One export run: write the matching articles into a folder as `<slug>.md` front-matter files,
each one atomically, and report what happened."""

import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.importer.render import render_article
from app.services.articles import ArticleFilters
from app.services.export import iter_article_sources

SUFFIX = ".md"


@dataclass(frozen=True)
class ExportFailure:
    """An article whose file could not be written, and why."""

    slug: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ExportReport:
    """What one run wrote, and where."""

    folder: str
    written: int = 0
    failed: list[ExportFailure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "written": self.written,
            "failed": [asdict(failure) for failure in self.failed],
        }


def export_articles(engine: Engine, folder: Path, filters: ArticleFilters) -> ExportReport:
    """Write every article matching `filters` into `folder` (created if missing) as
    `<slug>.md`, which `articles import` reads back as the same article. A file of that name
    is replaced; other files are left alone. The articles come from one snapshot of the
    database and pass through memory one batch at a time.

    Raises:
        OSError: `folder` cannot be created.
        InvalidParameter: contradictory filters.
    """
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport(folder=str(folder.resolve()))
    with engine.connect() as connection, connection.begin():
        for source in iter_article_sources(connection, filters):
            path = folder / f"{source.slug}{SUFFIX}"
            text = render_article(source.front_matter, source.body)
            try:
                write_atomically(path, text.encode("utf-8"))
            except OSError as error:
                reason = error.strerror or str(error)
                report.failed.append(ExportFailure(source.slug, str(path), reason))
            else:
                report.written += 1
    return report


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with a file holding `data`: a reader sees the old file or the new one,
    never part of it.

    Raises:
        OSError: the file cannot be written or moved into place.
    """
    # A hidden name: an import of the folder running meanwhile skips the half-written file.
    temporary = path.with_name(f".export-{secrets.token_hex(8)}.tmp")
    # Created like any new file (0666 less the umask), not private as tempfile would make it.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        # Bytes, so that the body's line endings are written as stored. No fsync: the promise
        # is all-or-nothing for readers, not durability across a power cut, which would cost
        # a disk flush per file.
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
