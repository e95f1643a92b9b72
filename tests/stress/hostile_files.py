"""Stress the importer with hostile files and print the figures: many generated files, a file
rewritten while it is read, and each hostile file timed and measured (peak RSS) in a child
`articles import`. The test suite runs a fast subset of each.

    python -m tests.stress.hostile_files [--examples 2000] [--rewrites 1000]
"""

import argparse
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from app import migrate
from app.db import make_engine
from app.importer.load import import_paths
from tests.helpers import article_fields, render, write_article, write_text
from tests.importer.generated import (
    GeneratedFile,
    Outcomes,
    ScratchDatabase,
    article_files,
    check_import,
    dumped_files,
    scratch_database,
    yaml_text_files,
)
from tests.stress.import_runs import run_import

LIMIT = 1024 * 1024
MB = 1024 * 1024


def _front_matter(*lines: str) -> str:
    return "---\n" + "\n".join(["title: Hostile", "publishedDateTime: 2020-01-01", *lines])


def _text(*lines: str) -> Callable[[Path], None]:
    content = _front_matter(*lines) + "\n---\nBody\n"
    return lambda path: path.write_text(content, encoding="utf-8")


def _sparse_gigabyte(path: Path) -> None:
    with path.open("wb") as sparse:
        sparse.write(_front_matter().encode())
        sparse.truncate(2**30)


_LAUGHS = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'] + [
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
]
_TOO_MANY = "document too large: more than 50000 values (alias expansion?)"
_NOT_REGULAR = "not a regular file"


@dataclass(frozen=True)
class Hostile:
    """A hostile file: how to make it, and the reason the importer must give."""

    make: Callable[[Path], None]
    reason: str


# Each is written as `<name>.md` beside good files; none may cost more than a moment.
HOSTILE: dict[str, Hostile] = {
    "billion-laughs": Hostile(_text(*_LAUGHS), _TOO_MANY),
    "long-text-bomb": Hostile(
        _text(f"a: &x {'x' * 500_000}", f"b: [{', '.join(['*x'] * 1000)}]"),
        "document too large: aliases repeat more than 1000000 characters of text",
    ),
    "half-a-million-values": Hostile(_text(f"x: [{','.join('1' * 500_000)}]"), _TOO_MANY),
    "nested-100000": Hostile(
        _text("x: " + "[" * 100_000 + "]" * 100_000), "YAML error: exceeded maximum nesting depth"
    ),
    "nested-60": Hostile(
        _text("x: " + "{a: " * 60 + "1" + "}" * 60), "document nested deeper than 50 levels"
    ),
    "nul-escape": Hostile(
        _text('x: "\\0"'), "text contains a NUL character (\\0), which cannot be stored"
    ),
    "one-gigabyte": Hostile(
        _sparse_gigabyte, f"file is larger than the limit of {LIMIT} bytes ({2**30} bytes)"
    ),
    "binary": Hostile(
        lambda path: path.write_bytes(b"\xff" + random.Random(6).randbytes(LIMIT - 1)),
        "not UTF-8 text: byte 0xff at offset 0",
    ),
    "dev-zero": Hostile(lambda path: path.symlink_to("/dev/zero"), _NOT_REGULAR),
    "fifo": Hostile(os.mkfifo, _NOT_REGULAR),
    "symlink-loop": Hostile(
        lambda path: path.symlink_to(path), "cannot read file: Too many levels of symbolic links"
    ),
    "only-dashes": Hostile(
        lambda path: path.write_text("---"), "front matter is not closed by a line '---'"
    ),
}


def write_hostile_files(folder: Path, names: list[str] | None = None) -> dict[str, str]:
    """Write the hostile files (all, or those named) into `folder`; return the reason each
    must be rejected with, by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or list(HOSTILE):
        HOSTILE[name].make(folder / f"{name}.md")
    return {f"{name}.md": HOSTILE[name].reason for name in names or list(HOSTILE)}


# A file rewritten while it is read

WRITER = """
import os, random, sys, time
path, *sources = sys.argv[1:]
versions = [open(source, "rb").read() for source in sources]
fd = os.open(path, os.O_WRONLY)
pause = random.Random(6)
while True:
    for version in versions:
        os.pwrite(fd, version, 0)  # in place, one call: the size never changes
        if pause.random() < 0.3:
            time.sleep(pause.random() / 500)
"""
KEPT_CHANGING = "file kept changing while it was being read; import it again"


BODY_CHARS = 200_000


@contextmanager
def rewritten(folder: Path) -> Iterator[tuple[Path, str]]:
    """`folder/moving.md`, rewritten in place by another process as fast as it can, with
    two versions of the same size in turn: a header, then a body of only `a` or only `b`.
    Yields the file and the header."""
    header = render(article_fields(title="Moving"))
    sources = [
        write_text(folder.parent, f"version-{letter}", header + letter * BODY_CHARS + "\n")
        for letter in "ab"
    ]
    moving = write_text(folder, "moving.md", sources[0].read_text())
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(moving), *map(str, sources)])
    try:
        yield moving, header
    finally:
        writer.kill()
        writer.wait()


def stored_moving(engine: Engine) -> tuple[str, str, int] | None:
    """The body, hash and size stored for `moving.md`, if it is stored."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT body, sha256, size FROM article_source JOIN article "
                "ON article.id = article_source.article_id WHERE slug = 'moving'"
            )
        ).one_or_none()
    return None if row is None else (row.body, row.sha256, row.size)


def import_while_rewritten(engine: Engine, folder: Path, header: str) -> str:
    """Import `folder` once, and check and tell what became of `moving.md`: "rejected" (as
    changing on every read), or stored as "version a", "version b" or "torn" (a state the
    file held while its writer was paused mid-write), always with the hash and the size of
    the text stored."""
    report = import_paths(engine, [folder], max_file_bytes=LIMIT)
    rejected = {Path(r.path).name: r.reason for r in report.rejected}
    assert rejected in ({}, {"moving.md": KEPT_CHANGING}), rejected
    stored = stored_moving(engine)
    if stored is None:
        return "rejected"
    body, sha256, size = stored
    content = (header + body).encode()
    assert (sha256, size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert len(body) == BODY_CHARS + 1 and set(body) <= set("ab\n"), "not what the file held"
    if rejected:
        return "rejected"
    return f"version {body[0]}" if len(set(body[:-1])) == 1 else "torn"


def last_version_wins(engine: Engine, folder: Path, moving: Path, header: str) -> None:
    """Once the writes stop, the next import stores the last version, even one written in
    the same clock tick as the version the import before saw (so the mtime did not move)."""
    import_paths(engine, [folder], max_file_bytes=LIMIT)
    tick = moving.stat().st_mtime_ns
    last = header + "c" * BODY_CHARS + "\n"
    moving.write_text(last, encoding="utf-8")
    os.utime(moving, ns=(tick, tick))

    import_paths(engine, [folder], max_file_bytes=LIMIT)

    stored = stored_moving(engine)
    assert stored is not None and stored[0] == "c" * BODY_CHARS + "\n"
    assert stored[1] == hashlib.sha256(last.encode()).hexdigest()


# The runs


def migrated_template(folder: Path) -> Path:
    """A migrated, empty SQLite database with its WAL folded in."""
    path = folder / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def run_examples(database: ScratchDatabase, examples: int) -> None:
    for name, strategy in (
        ("valid or poisoned articles", article_files()),
        ("front matter of anything", dumped_files()),
        ("YAML by hand", yaml_text_files()),
    ):
        totals, times = run_property(database, strategy, examples)
        files = totals.imported + totals.rejected + totals.skipped
        print(
            f"generated files, {name}: {len(times)} imports, {files} files: "
            f"{totals.imported} imported faithfully, {totals.rejected} rejected, "
            f"{totals.skipped} skipped, 0 failures; median import "
            f"{sorted(times)[len(times) // 2] * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms"
        )
        for reason, count in totals.reasons.most_common(8):
            print(f"    {count:6}  {reason}")


def run_property(
    database: ScratchDatabase, strategy: st.SearchStrategy[GeneratedFile], examples: int
) -> tuple[Outcomes, list[float]]:
    """Check `examples` imports of one to three generated files; return what became of the
    files and how long each import took."""
    totals, times = Outcomes(), []

    @settings(
        max_examples=examples, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(files=st.lists(strategy, min_size=1, max_size=3))
    def check(files: list[GeneratedFile]) -> None:
        start = time.perf_counter()
        totals.add(check_import(database.fresh(), files))
        times.append(time.perf_counter() - start)

    check()
    return totals, times


def run_rewrites(database: ScratchDatabase, scratch: Path, rewrites: int) -> None:
    folder = scratch / "rewritten"
    write_article(folder, "good.md")
    seen: Counter[str] = Counter()
    engine = database.fresh()
    start = time.perf_counter()
    with rewritten(folder) as (moving, header):
        for _run in range(rewrites):
            seen[import_while_rewritten(engine, folder, header)] += 1
    last_version_wins(engine, folder, moving, header)
    elapsed = time.perf_counter() - start
    print(
        f"file rewritten in place while read: {rewrites} imports in {elapsed:.1f} s: "
        + ", ".join(f"{count} {outcome}" for outcome, count in sorted(seen.items()))
        + "; hash and size always those of the text stored; the last version won"
    )


def run_hostile(template: Path, scratch: Path) -> None:
    print("hostile files, each beside 5 good files in a child `articles import`:")
    print(f"    {'file':24} {'seconds':>8} {'peak RSS':>9}  reason")
    for name in [None, *HOSTILE]:
        folder = scratch / f"hostile-{name or 'none'}"
        for index in range(5):
            write_article(folder, f"good{index}.md")
        expected = write_hostile_files(folder, [name]) if name else {}
        database = scratch / f"hostile-{name or 'none'}.db"
        database.write_bytes(template.read_bytes())
        run = run_import(f"sqlite:///{database}", str(folder), timeout_s=120)
        assert run.report is not None and run.report["added"] == 5, run.stderr
        assert run.reasons() == expected, run.reasons()
        reason = next(iter(expected.values()), "(5 good files only)")
        print(
            f"    {name or 'baseline':24} {run.seconds:8.2f} "
            f"{run.peak_rss_bytes / MB:6.0f} MB  {reason[:60]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=2000, help="per property")
    parser.add_argument("--rewrites", type=int, default=1000, help="imports of a rewritten file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="articles-stress-") as folder:
        scratch = Path(folder)
        template = migrated_template(scratch)
        run_hostile(template, scratch)
        with scratch_database(template) as database:
            run_rewrites(database, scratch, args.rewrites)
            run_examples(database, args.examples)


if __name__ == "__main__":
    main()
