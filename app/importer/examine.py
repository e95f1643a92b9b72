"""Look at one file without the database: is it unchanged, unreadable, or what article is it?

Runs in worker processes during a large import, so everything here is picklable and pure
apart from reading the file.
"""

import hashlib
import os
import stat
from dataclasses import dataclass
from typing import NamedTuple

from app.importer.discover import Candidate
from app.importer.parse import ArticleRejected, NoFrontMatter, ParsedArticle, parse_article
from app.jsontext import dump_json


class FileFacts(NamedTuple):
    """Identity of a file's content as read."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


class KnownFile(NamedTuple):
    """What the database remembers of a file imported before."""

    size: int
    mtime_ns: int
    sha256: str


class Unchanged(NamedTuple):
    """The file holds what the database holds. `touched` carries new size/mtime facts when
    only those changed."""

    touched: FileFacts | None = None


class Refused(NamedTuple):
    """The file cannot be imported; `no_front_matter` tells a non-document apart."""

    reason: str
    line: int | None
    no_front_matter: bool = False


class Parsed(NamedTuple):
    """The file's article, and the facts to recognise the file next time. The front matter
    travels as JSON text (its stored form): cheaper to send between processes than a dict,
    and serialized here, in parallel, rather than in the one writing process."""

    article: ParsedArticle
    facts: FileFacts
    front_matter_json: str


Outcome = Unchanged | Refused | Parsed


@dataclass(frozen=True)
class Task:
    """One file to examine."""

    candidate: Candidate
    known: KnownFile | None
    max_file_bytes: int


def examine_batch(tasks: list[Task]) -> list[Outcome]:
    """Examine files in order (the unit of work sent to a worker process)."""
    return [examine(task) for task in tasks]


def examine(task: Task) -> Outcome:
    """Examine one file: skip it cheaply when unchanged, else read, check and parse it."""
    try:
        facts, text = _read_if_changed(task)
        if facts is None or text is None:
            return Unchanged(touched=facts)
        article = parse_article(text, task.candidate.slug)
        return Parsed(article._replace(front_matter={}), facts, dump_json(article.front_matter))
    except NoFrontMatter as refused:
        return Refused(refused.reason, refused.line, no_front_matter=True)
    except ArticleRejected as refused:
        return Refused(refused.reason, refused.line)


def _read_if_changed(task: Task) -> tuple[FileFacts | None, str | None]:
    """The file's facts and text; text None when the content is what the database holds
    (facts None too when even size and mtime match, so nothing needs writing).

    Raises:
        ArticleRejected: the file cannot be read, is too large, or is not UTF-8 text.
    """
    path, known, limit = task.candidate.path, task.known, task.max_file_bytes
    try:
        before = os.stat(path)
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    if not stat.S_ISREG(before.st_mode):
        raise ArticleRejected("not a regular file")
    if known and known.size == before.st_size and known.mtime_ns == before.st_mtime_ns:
        return None, None
    if before.st_size > limit:
        raise ArticleRejected(
            f"file is larger than the limit of {limit} bytes ({before.st_size} bytes)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
            after = os.fstat(handle.fileno())
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    if len(data) > limit:
        raise ArticleRejected(f"file is larger than the limit of {limit} bytes")
    if len(data) != after.st_size or after.st_mtime_ns != before.st_mtime_ns:
        raise ArticleRejected("file changed while it was being read; import it again")
    facts = FileFacts(path, len(data), after.st_mtime_ns, hashlib.sha256(data).hexdigest())
    if known and known.sha256 == facts.sha256:
        return facts, None
    return facts, decode(data)


def decode(data: bytes) -> str:
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
