"""Look at one file without the database: is it unchanged, unreadable, or what article is it?

Runs in worker processes during a large import, so everything here is picklable and pure
apart from reading the file.
"""

import hashlib
import os
import stat
import time
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

READ_ATTEMPTS = 3
# File timestamps are coarse (a clock tick on Linux, up to 2 s on FAT): a file written this
# close to being read may be written again without its mtime moving. Its mtime is then stored
# as UNTRUSTED_MTIME_NS, which matches no file, so the next run compares its content instead.
RECENT_NS = 2_000_000_000
UNTRUSTED_MTIME_NS = -1


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
    (facts None too when the stored facts still hold, so nothing needs writing).

    Raises:
        ArticleRejected: the file cannot be read, is too large, is not UTF-8 text, or kept
            changing while it was read.
    """
    path, known, limit = task.candidate.path, task.known, task.max_file_bytes
    try:
        before = os.stat(path)
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    # Checked before opening: opening a device or a FIFO can block or have side effects.
    if not stat.S_ISREG(before.st_mode):
        raise ArticleRejected("not a regular file")
    if known and known.size == before.st_size and known.mtime_ns == before.st_mtime_ns:
        return None, None
    if before.st_size > limit:
        raise ArticleRejected(
            f"file is larger than the limit of {limit} bytes ({before.st_size} bytes)"
        )
    data, status = read_whole(path, limit)
    mtime_ns = UNTRUSTED_MTIME_NS if _recently_modified(status) else status.st_mtime_ns
    facts = FileFacts(path, len(data), mtime_ns, hashlib.sha256(data).hexdigest())
    if known and known.sha256 == facts.sha256:
        unchanged = (known.size, known.mtime_ns) == (facts.size, facts.mtime_ns)
        return (None if unchanged else facts), None
    return facts, decode(data)


def read_whole(path: str, limit: int) -> tuple[bytes, os.stat_result]:
    """Read a regular file of at most `limit` bytes as it was at one moment, with its status.

    A read that overlaps a write is retried; a file written moments ago is read twice and taken
    only when both reads agree, since its mtime may not move again on its next write.

    Raises:
        ArticleRejected: not a regular file, too large, unreadable, or changing on every read.
    """
    for _attempt in range(READ_ATTEMPTS):
        first = _read_once(path, limit)
        if first is None:
            continue
        data, status = first
        if not _recently_modified(status):
            return data, status
        second = _read_once(path, limit)
        if second is not None and second[0] == data and _same(second[1], status):
            return data, status
    raise ArticleRejected("file kept changing while it was being read; import it again")


def _read_once(path: str, limit: int) -> tuple[bytes, os.stat_result] | None:
    """The file's bytes and status, or None when it changed during the read.

    Raises:
        ArticleRejected: not a regular file, too large, unreadable, or not as long as it says.
    """
    try:
        # Non-blocking: a FIFO or device swapped in after the caller's stat must not hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise ArticleRejected("not a regular file")
        if before.st_size > limit:
            raise ArticleRejected(
                f"file is larger than the limit of {limit} bytes ({before.st_size} bytes)"
            )
        # One byte more than the size tells a file that grew (or a /proc file that lies about
        # its size) from one read whole, yet never more than the limit is held.
        data = _read_up_to(fd, before.st_size + 1)
        after = os.fstat(fd)
    except OSError as error:
        raise ArticleRejected(f"cannot read file: {error.strerror}") from None
    finally:
        os.close(fd)
    if not _same(before, after):
        return None
    if len(data) != before.st_size:
        # The same file, unchanged, yet not as long as it says: a /proc or /sys file.
        raise ArticleRejected("content does not match the file's size (a /proc or /sys file?)")
    return data, after


def _read_up_to(fd: int, count: int) -> bytes:
    chunks: list[bytes] = []
    while count > 0:
        chunk = os.read(fd, count)
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _same(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether the file is still the same file with the same content, as far as its status
    can tell."""
    return _identity(before) == _identity(after)


def _identity(status: os.stat_result) -> tuple[int, ...]:
    return status.st_ino, status.st_dev, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def _recently_modified(status: os.stat_result) -> bool:
    """Whether the file's mtime is too close to now to vouch for its content later."""
    return abs(time.time_ns() - status.st_mtime_ns) < RECENT_NS


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
