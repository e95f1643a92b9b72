"""The importer against files nobody checked: each is rejected or skipped quickly with a clear
reason, memory stays bounded, and the other files of the run still import."""

import gc
import hashlib
import json
import os
import random
import shutil
import stat
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from app import migrate
from app.db import make_engine
from app.importer.examine import read_whole
from app.importer.load import ImportReport, import_paths
from app.importer.parse import ArticleRejected
from tests.conftest import ImportFiles
from tests.helpers import article_fields, render, write_article, write_text
from tests.importer.conftest import StoredData
from tests.stress.hostile_files import (
    import_while_rewritten,
    last_version_wins,
    rewritten,
    write_hostile_files,
)
from tests.stress.import_runs import run_import

LIMIT = 1024 * 1024
# CPU seconds, which other work on the machine hardly changes: well above what any of these
# takes (milliseconds), well below what the worst took before it was bounded (seconds).
QUICK_CPU_S = 1.0
# Wall-clock seconds after which a run that waits for something is taken for hung.
HUNG_S = 30.0
BILLION_LAUGHS = "\n".join(
    ['lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [
        f"{b}: &{b} [{', '.join(['*' + a] * 9)}]"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


def article_text(*lines: str, body: str = "Body\n") -> str:
    """An article file whose front matter has a title, a time and `lines`."""
    front_matter = "\n".join(["title: Hostile", "publishedDateTime: 2020-01-01", *lines])
    return f"---\n{front_matter}\n---\n{body}"


def timed_import(import_files: ImportFiles, *paths: Path, **options: Any) -> ImportReport:
    """Import `paths`, failing the test if it takes more than QUICK_CPU_S of CPU time."""
    # The collector's passes over what earlier tests left alive are not the import's cost:
    # frozen, those objects are not traversed again.
    gc.collect()
    gc.freeze()
    try:
        start = time.process_time()
        report = import_files(*paths, **options)
        assert time.process_time() - start < QUICK_CPU_S
    finally:
        gc.unfreeze()
    return report


def reasons(report: ImportReport) -> dict[str, str]:
    """File name -> reason of every rejected file."""
    return {Path(rejection.path).name: rejection.reason for rejection in report.rejected}


def only_good_imported(report: ImportReport, stored: StoredData, *good: str) -> None:
    assert (report.added, report.updated) == (len(good), 0)
    assert sorted(stored.articles()) == sorted(good)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding one good article file, `good.md`."""
    articles = tmp_path / "articles"
    write_article(articles, "good.md")
    return articles


# Documents built to exhaust the reader


def test_an_alias_bomb_is_rejected_quickly_and_the_other_files_import(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_text(folder, "bomb.md", article_text(*BILLION_LAUGHS.splitlines()))

    report = timed_import(import_files, folder)

    assert reasons(report) == {
        "bomb.md": "document too large: more than 50000 values (alias expansion?)"
    }
    only_good_imported(report, stored, "good")


def test_an_alias_bomb_of_long_text_is_rejected_before_it_is_built(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    # 500 KB of text repeated 1,000 times: 500 MB once expanded, with only 1,002 values.
    aliases = ", ".join(["*x"] * 1000)
    write_text(folder, "bomb.md", article_text(f"a: &x {'x' * 500_000}", f"b: [{aliases}]"))

    report = timed_import(import_files, folder)

    assert reasons(report) == {
        "bomb.md": "document too large: aliases repeat more than 1000000 characters of text"
    }
    only_good_imported(report, stored, "good")


def test_a_file_of_half_a_million_values_is_rejected_quickly(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    values = ",".join("1" * 500_000)
    write_text(folder, "many.md", article_text(f"x: [{values}]"))
    assert (folder / "many.md").stat().st_size < LIMIT

    report = timed_import(import_files, folder)

    assert reasons(report) == {
        "many.md": "document too large: more than 50000 values (alias expansion?)"
    }
    only_good_imported(report, stored, "good")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("x: " + "[" * 100_000 + "]" * 100_000, "YAML error: exceeded maximum nesting depth"),
        ("x: " + "{a: " * 60 + "1" + "}" * 60, "document nested deeper than 50 levels"),
        (
            "\n".join(" " * depth + "k:" for depth in range(1100)),
            "YAML error: exceeded maximum nesting depth",
        ),
    ],
    ids=["flow-100000", "flow-60", "block-1100"],
)
def test_a_deeply_nested_document_is_rejected_quickly(
    folder: Path, import_files: ImportFiles, stored: StoredData, document: str, reason: str
) -> None:
    write_text(folder, "deep.md", article_text(document))

    report = timed_import(import_files, folder)

    assert reasons(report) == {"deep.md": reason}
    only_good_imported(report, stored, "good")


def test_a_nul_character_escaped_in_the_front_matter_is_rejected_with_its_line(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    # PostgreSQL refuses NUL in text: storing it would fail the whole run there.
    write_text(folder, "nul.md", article_text('excerpt: "before\\0after"'))

    report = timed_import(import_files, folder)

    (rejection,) = report.rejected
    assert (rejection.reason, rejection.line) == (
        "text contains a NUL character (\\0), which cannot be stored",
        4,
    )
    only_good_imported(report, stored, "good")


@pytest.mark.sqlite_only("two child imports side by side, each on a SQLite file of its own")
def test_every_hostile_file_at_once_is_rejected_and_memory_stays_bounded(
    tmp_path: Path, migrated_template: Path
) -> None:
    expected = write_hostile_files(tmp_path / "hostile")
    for folder in ("hostile", "baseline"):
        for index in range(5):
            write_article(tmp_path / folder, f"good{index}.md")
    databases = {
        folder: shutil.copy(migrated_template, tmp_path / f"{folder}.db")
        for folder in ("hostile", "baseline")
    }
    with ThreadPoolExecutor(2) as pool:
        hostile, baseline = pool.map(
            lambda folder: run_import(f"sqlite:///{databases[folder]}", str(tmp_path / folder)),
            ["hostile", "baseline"],
        )

    assert hostile.reasons() == expected
    assert hostile.report is not None and hostile.report["added"] == 5
    assert baseline.exit_code == 0, baseline.stderr
    # Files are read whole up to the 1 MiB limit, one at a time; nothing else may grow. (A
    # long text repeated by aliases once took 500 MB here, half a million values 150 MB.)
    assert hostile.peak_rss_bytes - baseline.peak_rss_bytes < 32 * 1024 * 1024


# Files that are not text


def test_a_one_gigabyte_file_is_rejected_by_its_size_without_being_read(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    huge = folder / "huge.md"
    with huge.open("wb") as sparse:
        sparse.write(article_text().encode())
        sparse.truncate(2**30)  # sparse: no disk used, nothing to read but zeros

    report = timed_import(import_files, folder)

    assert reasons(report) == {
        "huge.md": f"file is larger than the limit of {LIMIT} bytes ({2**30} bytes)"
    }
    only_good_imported(report, stored, "good")


def random_bytes(size: int) -> bytes:
    return random.Random(6).randbytes(size)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (random_bytes(100_000), "not UTF-8 text: byte 0x"),
        (b"\x00" * 4096, "contains a NUL character (binary file?)"),
        (article_text(body="text\x00binary").encode(), "contains a NUL character (binary file?)"),
        (article_text(body="\udc80").encode(errors="surrogateescape"), "not UTF-8 text: byte 0x80"),
        # A lone surrogate encoded as UTF-8 would be: no UTF-8 decoder may accept it.
        (article_text(body="").encode() + b"\xed\xa0\x80", "not UTF-8 text: byte 0xed"),
        (article_text(body="").encode() + b"\xc0\xaf", "not UTF-8 text: byte 0xc0"),
        (article_text(body="").encode() + b"\xe2\x82", "not UTF-8 text: byte 0xe2"),
        ("---\ntitle: caf\xe9\n---\n".encode("latin-1"), "not UTF-8 text: byte 0xe9"),
    ],
    ids=["random", "zeros", "nul-body", "bad-byte", "surrogate", "overlong", "truncated", "latin1"],
)
def test_a_binary_file_named_md_is_rejected_as_not_text(
    folder: Path, import_files: ImportFiles, stored: StoredData, content: bytes, reason: str
) -> None:
    (folder / "binary.md").write_bytes(content)

    report = timed_import(import_files, folder)

    assert list(reasons(report)) == ["binary.md"]
    assert reasons(report)["binary.md"].startswith(reason)
    only_good_imported(report, stored, "good")


def test_an_empty_file_is_skipped_in_a_folder_and_rejected_when_named(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    empty = write_text(folder, "empty.md", "")

    in_folder = timed_import(import_files, folder)
    named = timed_import(import_files, empty)

    no_front_matter = "no front matter: the file must start with a line '---'"
    assert [(Path(s.path).name, s.reason) for s in in_folder.skipped] == [
        ("empty.md", no_front_matter)
    ]
    assert in_folder.rejected == []
    assert reasons(named) == {"empty.md": no_front_matter}
    only_good_imported(in_folder, stored, "good")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---", "front matter is not closed by a line '---'"),
        ("---\n", "front matter is not closed by a line '---'"),
        ("---\n---\n", "front matter must be a mapping of keys to values, not empty"),
        ("---\n---", "front matter must be a mapping of keys to values, not empty"),
    ],
)
def test_a_file_of_dash_lines_only_is_rejected_with_the_reason(
    folder: Path, import_files: ImportFiles, stored: StoredData, text: str, reason: str
) -> None:
    write_text(folder, "dashes.md", text)

    report = timed_import(import_files, folder)

    assert reasons(report) == {"dashes.md": reason}
    only_good_imported(report, stored, "good")


# What is not a regular file


def test_symlink_loops_are_rejected_and_a_link_to_a_parent_folder_is_not_followed(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    (folder / "a.md").symlink_to(folder / "b.md")
    (folder / "b.md").symlink_to(folder / "a.md")
    (folder / "self.md").symlink_to(folder / "self.md")
    (folder / "loop-a").symlink_to(folder / "loop-b", target_is_directory=True)
    (folder / "loop-b").symlink_to(folder / "loop-a", target_is_directory=True)
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    write_article(folder / "sub", "inner.md")

    report = timed_import(import_files, folder)

    loop = "cannot read file: Too many levels of symbolic links"
    assert reasons(report) == {"a.md": loop, "b.md": loop, "self.md": loop}
    only_good_imported(report, stored, "good", "inner")


def test_a_link_to_dev_zero_named_md_is_rejected_without_being_read(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    (folder / "zero.md").symlink_to("/dev/zero")
    (folder / "random.md").symlink_to("/dev/urandom")

    report = timed_import(import_files, folder)

    assert reasons(report) == {"zero.md": "not a regular file", "random.md": "not a regular file"}
    only_good_imported(report, stored, "good")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_a_proc_file_that_says_it_is_empty_is_rejected(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    (folder / "status.md").symlink_to("/proc/self/status")

    report = timed_import(import_files, folder)

    assert reasons(report) == {
        "status.md": "content does not match the file's size (a /proc or /sys file?)"
    }
    only_good_imported(report, stored, "good")


def test_a_directory_named_like_an_article_is_walked_not_rejected(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(folder / "x.md", "inner.md")

    report = timed_import(import_files, folder)

    assert report.rejected == report.skipped == []
    only_good_imported(report, stored, "good", "inner")


def within(seconds: float, work: Callable[[], ImportReport], unblock: Callable[[], None]) -> Any:
    """Run `work` in a thread and return its result; fail if it is not done in `seconds`,
    after calling `unblock` so that the thread can end."""
    results: list[ImportReport] = []
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        unblock()
        thread.join(seconds)
        pytest.fail(f"still running after {seconds} s")
    assert results, "the work raised"
    return results[0]


def open_for_writing(fifo: Path) -> None:
    """Give a reader blocked on `fifo` its end of file."""
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_named_md_is_rejected_without_hanging(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    fifo = folder / "pipe.md"
    os.mkfifo(fifo)

    report = within(HUNG_S, lambda: import_files(folder), lambda: open_for_writing(fifo))

    assert reasons(report) == {"pipe.md": "not a regular file"}
    only_good_imported(report, stored, "good")


def test_reading_a_fifo_swapped_in_after_the_check_does_not_hang(tmp_path: Path) -> None:
    # What the importer meets when a file becomes a FIFO between its stat and its open.
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    refused: list[str] = []

    def read() -> ImportReport:
        with pytest.raises(ArticleRejected) as caught:
            read_whole(str(fifo), LIMIT)
        refused.append(caught.value.reason)
        return ImportReport()

    within(HUNG_S, read, lambda: open_for_writing(fifo))

    assert refused == ["not a regular file"]


# Files that come and go


def test_a_file_that_disappears_before_it_is_read_is_rejected(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    doomed = write_article(folder, "doomed.md")

    # on_start runs once the files are listed, before any is read.
    report = timed_import(import_files, folder, on_start=lambda _count: doomed.unlink())

    assert reasons(report) == {"doomed.md": "cannot read file: No such file or directory"}
    only_good_imported(report, stored, "good")


def test_a_file_replaced_by_a_fifo_before_it_is_read_is_rejected_without_hanging(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    swapped = write_article(folder, "swapped.md")

    def swap(_count: int) -> None:
        swapped.unlink()
        os.mkfifo(swapped)

    report = within(
        HUNG_S,
        lambda: import_files(folder, on_start=swap),
        lambda: open_for_writing(swapped),
    )

    assert reasons(report) == {"swapped.md": "not a regular file"}
    only_good_imported(report, stored, "good")


def test_a_file_rewritten_before_it_is_read_is_stored_as_read(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    edited = write_article(folder, "edited.md", title="Before")
    after = render(article_fields(title="After, and longer"), "New body\n")

    report = timed_import(
        import_files, folder, on_start=lambda _count: edited.write_text(after, encoding="utf-8")
    )

    assert report.rejected == []
    source = stored.source("edited")
    assert stored.article("edited")["title"] == "After, and longer"
    assert source["body"] == "New body\n"
    assert source["sha256"] == hashlib.sha256(after.encode()).hexdigest()
    assert source["size"] == len(after.encode())


def test_a_file_rewritten_while_it_is_read_is_stored_as_it_was_and_the_last_version_wins(
    folder: Path, engine: Engine
) -> None:
    # A read that overlaps a write sees part of each version (once in a hundred runs here,
    # before reads were checked): the importer reads again until a read holds still.
    with rewritten(folder) as (moving, header):
        outcomes = {import_while_rewritten(engine, folder, header) for _run in range(60)}

    assert outcomes <= {"rejected", "version a", "version b", "torn"}
    last_version_wins(engine, folder, moving, header)


def test_reimport_notices_a_rewrite_that_kept_the_size_and_the_mtime(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    # Timestamps are coarse: a second write within the same clock tick leaves the mtime as the
    # first write set it. Only a file written moments before it was read can be caught so.
    path = write_article(tmp_path, "a.md", title="AAAA")
    now = time.time_ns()
    os.utime(path, ns=(now, now))
    assert import_files(tmp_path).added == 1

    path.write_text(render(article_fields(title="BBBB")), encoding="utf-8")
    os.utime(path, ns=(now, now))
    report = import_files(tmp_path)

    assert (report.updated, report.unchanged) == (1, 0)
    assert stored.article("a")["title"] == "BBBB"


def test_reimport_trusts_size_and_mtime_of_a_file_last_written_long_before_it_was_read(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_article(tmp_path, "a.md", title="AAAA")
    long_ago = 1_600_000_000 * 10**9
    os.utime(path, ns=(long_ago, long_ago))
    import_files(tmp_path)
    assert stored.source("a")["mtime_ns"] == long_ago

    # Only a clock set back, or a hand-made mtime, could do this: the file is not read again.
    path.write_text(render(article_fields(title="BBBB")), encoding="utf-8")
    os.utime(path, ns=(long_ago, long_ago))
    report = import_files(tmp_path)

    assert (report.updated, report.unchanged) == (0, 1)
    assert stored.article("a")["title"] == "AAAA"


def test_a_file_written_moments_ago_is_compared_by_content_until_its_mtime_can_be_trusted(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_article(tmp_path, "a.md")
    import_files(tmp_path)
    first = stored.dump()

    again = import_files(tmp_path)  # moments later: read again, same content, nothing written

    assert (again.unchanged, again.changed) == (1, False)
    assert stored.dump() == first
    long_ago = 1_600_000_000 * 10**9
    os.utime(path, ns=(long_ago, long_ago))
    later = import_files(tmp_path)  # an old mtime can vouch for the content: it is kept
    assert (later.unchanged, later.changed) == (1, False)
    assert stored.source("a")["mtime_ns"] == long_ago
    assert stored.article("a") == first["article"][0]


def is_root() -> bool:
    return os.geteuid() == 0


@pytest.mark.skipif(is_root(), reason="root reads any file whatever its mode (see the next test)")
def test_an_unreadable_file_is_rejected_with_the_reason(
    folder: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    locked = write_article(folder, "locked.md")
    locked.chmod(0)
    (folder / "closed").mkdir()
    write_article(folder / "closed", "inside.md")
    (folder / "closed").chmod(0)
    try:
        report = timed_import(import_files, folder)
    finally:
        (folder / "closed").chmod(stat.S_IRWXU)

    assert reasons(report) == {
        "locked.md": "cannot read file: Permission denied",
        "closed": "cannot list folder: Permission denied",
    }
    only_good_imported(report, stored, "good")


NOBODY = 65534


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's own temporary folders are root's)."""
    path = Path(tempfile.mkdtemp(prefix="articles-unprivileged-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def import_as(user: int, database_url: str, folder: Path) -> dict[str, Any]:
    """Import `folder` in a forked child that runs as `user`; return the report as a dict."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(user)
            os.setuid(user)
            engine = make_engine(database_url)
            report = import_paths(engine, [folder], max_file_bytes=LIMIT)
            engine.dispose()
            os.write(writer, json.dumps(report.as_dict()).encode())
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        output = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the unprivileged import failed (see stderr)"
    report: dict[str, Any] = json.loads(output)
    return report


@pytest.mark.skipif(not is_root(), reason="switching to an unprivileged user needs root")
def test_an_unreadable_file_is_rejected_when_an_unprivileged_user_imports(
    shared_folder: Path, database_url: str, engine: Engine
) -> None:
    articles = shared_folder / "articles"
    write_article(articles, "good.md")
    write_article(articles, "locked.md").chmod(0)
    write_article(articles / "closed", "inside.md")
    (articles / "closed").chmod(0)
    if database_url.startswith("sqlite"):  # a database file the user may write
        data = shared_folder / "data"
        data.mkdir()
        database_url = f"sqlite:///{data / 'articles.db'}"
        migrate.upgrade(database_url)
        for path in [data, *data.iterdir()]:
            os.chown(path, NOBODY, NOBODY)

    report = import_as(NOBODY, database_url, articles)

    assert {Path(entry["path"]).name: entry["reason"] for entry in report["rejected"]} == {
        "locked.md": "cannot read file: Permission denied",
        "closed": "cannot list folder: Permission denied",
    }
    assert report["added"] == 1
