"""The `articles` command, run in process with typer's runner and checked through the database."""

import base64
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, make_url, text
from typer.testing import CliRunner, Result

import app as app_package
from app import migrate
from app.cli import app
from app.db import is_sqlite
from tests.database import DatabaseView, row_versions, snapshot
from tests.helpers import FIXTURES, SEED_SLUG, article_fields, render, write_article, write_text

PROJECT_ROOT = Path(app_package.__file__).resolve().parent.parent
FIXTURE_COUNT = sum(1 for path in FIXTURES.iterdir() if path.is_file())
TABLES = {
    "alembic_version",
    "article",
    "article_source",
    "article_topic",
    "image",
    "provider",
    "related_link",
    "topic",
}


def run(database_url: str, *args: str, **env: str) -> Result:
    """Invoke `articles ARGS...` in process against the test's database."""
    return CliRunner().invoke(app, list(args), env={"DATABASE_URL": database_url, **env})


def summary(added: int, updated: int, unchanged: int, removed: int, rejected: int) -> str:
    return (
        f"{added} added, {updated} updated, {unchanged} unchanged, {removed} removed, "
        f"{rejected} rejected"
    )


def full_dump(path: Path) -> list[str]:
    """Schema and every row of every table of a SQLite file, as SQL."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture
def database_path(database_url: str) -> Path:
    """The file of the test's SQLite database."""
    return Path(database_url.removeprefix("sqlite:///"))


@pytest.fixture
def db(database_url: str) -> Iterator[DatabaseView]:
    """The test's database, read through SQLAlchemy (SQLite or PostgreSQL)."""
    view = DatabaseView(database_url)
    yield view
    view.close()


def slugs(db: DatabaseView) -> list[str]:
    return sorted(row["slug"] for row in db.rows("article"))


def assert_untouched(database_url: str) -> None:
    """The command created nothing: no SQLite file, no table in the PostgreSQL schema."""
    if is_sqlite(database_url):
        assert not Path(database_url.removeprefix("sqlite:///")).exists()
        return
    view = DatabaseView(database_url)
    try:
        assert view.table_names() == set()
    finally:
        view.close()


# articles db ...


def test_db_upgrade_creates_the_schema(database_url: str, db: DatabaseView) -> None:
    result = run(database_url, "db", "upgrade")

    assert result.exit_code == 0, result.output
    assert result.stdout == "database at head\n"
    assert db.table_names() >= TABLES
    head = migrate.head_revision(database_url)
    assert [row["version_num"] for row in db.rows("alembic_version")] == [head]
    assert db.count("article") == 0


def test_db_current_prints_empty_then_the_revision(database_url: str) -> None:
    head = migrate.head_revision(database_url)

    before = run(database_url, "db", "current")
    run(database_url, "db", "upgrade")
    after = run(database_url, "db", "current")

    assert before.exit_code == 0
    assert before.stdout == f"current: empty  head: {head}\n"
    assert after.exit_code == 0
    assert after.stdout == f"current: {head}  head: {head}\n"


def test_db_downgrade_to_base_removes_the_tables(database_url: str, db: DatabaseView) -> None:
    run(database_url, "db", "upgrade")

    result = run(database_url, "db", "downgrade", "base")

    assert result.exit_code == 0, result.output
    assert result.stdout == "database at base\n"
    assert db.table_names() & (TABLES - {"alembic_version"}) == set()
    assert run(database_url, "db", "current").stdout.startswith("current: empty")


def test_db_downgrade_minus_one_goes_back_one_revision(database_url: str, db: DatabaseView) -> None:
    run(database_url, "db", "upgrade")

    result = run(database_url, "db", "downgrade", "-1")

    assert result.exit_code == 0, result.output
    head = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_revision("head")
    assert head is not None
    assert run(database_url, "db", "current").stdout.startswith(f"current: {head.down_revision}")
    assert "article" in db.table_names()


# articles import ...


def test_import_creates_the_schema_imports_every_file_and_prints_a_summary(
    database_url: str, db: DatabaseView
) -> None:
    result = run(database_url, "import", str(FIXTURES))

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(FIXTURE_COUNT, 0, 0, 0, 0) + "\n"
    assert result.stderr == ""
    assert db.count("article") == FIXTURE_COUNT
    seed = db.row("article", slug=SEED_SLUG)
    assert seed["title"] == (
        "Microsoft Tried Selling Its Facial Recognition Technology To The DEA As It Called For "
        "Regulation On Government Use"
    )
    assert (seed["quality"], seed["heat"], seed["published"]) == (67, -1, False)
    assert seed["published_at"] == datetime(2020, 6, 17, 19, 2)
    source = db.row("article_source", article_id=seed["id"])
    assert source["path"] == str(FIXTURES / f"{SEED_SLUG}.txt")
    assert source["front_matter"]["secured"].endswith(";X6uqez/be8tCVyr/pF6mGQ==")
    assert db.count("related_link", article_id=seed["id"]) == 6
    assert db.row("provider", domain="forbes.com")["article_count"] >= 1


def test_import_of_unchanged_files_says_nothing_was_written(
    database_url: str, db: DatabaseView
) -> None:
    run(database_url, "import", str(FIXTURES))
    before = snapshot(db.engine)

    result = run(database_url, "import", str(FIXTURES))

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        summary(0, 0, FIXTURE_COUNT, 0, 0) + "; nothing to write, the database is up to date\n"
    )
    assert snapshot(db.engine) == before


def test_import_counts_an_edited_file_as_updated(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    path = write_article(tmp_path, "a.md", title="Before")
    write_article(tmp_path, "b.md")
    run(database_url, "import", str(tmp_path))
    write_article(tmp_path, "a.md", title="After, and longer")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))

    result = run(database_url, "import", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(0, 1, 1, 0, 0) + "\n"
    assert [row["title"] for row in db.rows("article", slug="a")] == ["After, and longer"]


def test_import_prints_rejected_files_with_path_line_and_reason_on_stderr_and_exits_one(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path, "good.md")
    syntax = write_text(tmp_path, "syntax.md", "---\ntitle: t\nexcerpt: a: b\n---\n")
    undated = write_text(tmp_path, "undated.md", "---\ntitle: t\n---\n")

    result = run(database_url, "import", str(tmp_path), str(tmp_path / "missing"))

    assert result.exit_code == 1
    assert result.stdout == summary(1, 0, 0, 0, 3) + "\n"
    assert result.stderr.splitlines() == [
        f"rejected {tmp_path / 'missing'}: no such file or folder",
        f"rejected {syntax}:3: YAML error: mapping values are not allowed in this context",
        f"rejected {undated}: no publishedDateTime: every article needs a publication time",
    ]
    assert slugs(db) == ["good"]


def test_import_exits_one_when_only_a_rejected_file_is_left(
    tmp_path: Path, database_url: str
) -> None:
    write_article(tmp_path, "good.md")
    run(database_url, "import", str(tmp_path))
    write_text(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\n")

    result = run(database_url, "import", str(tmp_path))

    assert result.exit_code == 1
    assert result.stdout == (
        summary(0, 0, 1, 0, 1) + "; nothing to write, the database is up to date\n"
    )
    assert result.stderr.startswith(f"rejected {tmp_path / 'bad.md'}:3: YAML error: ")


def test_import_strict_writes_nothing_when_a_file_is_rejected(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    run(database_url, "import", str(FIXTURES))
    before = snapshot(db.engine)
    write_article(tmp_path, "good.md")
    write_text(tmp_path, "bad.md", "---\ntitle: [\n---\n")

    result = run(database_url, "import", "--strict", str(tmp_path))

    assert result.exit_code == 1
    assert result.stdout == summary(1, 0, 0, 0, 1) + "; nothing was written (--strict)\n"
    assert result.stderr.startswith(f"rejected {tmp_path / 'bad.md'}:")
    assert snapshot(db.engine) == before
    assert "good" not in slugs(db)


def test_import_strict_imports_everything_when_nothing_is_rejected(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path, "good.md")

    result = run(database_url, "import", "--strict", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(1, 0, 0, 0, 0) + "\n"
    assert slugs(db) == ["good"]


def test_import_prune_removes_articles_whose_file_is_gone(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path, "keep.md", topics=["AI"])
    gone = write_article(tmp_path, "gone.md", topics=["Robots"])
    run(database_url, "import", str(tmp_path))
    gone.unlink()

    without = run(database_url, "import", str(tmp_path))
    result = run(database_url, "import", "--prune", str(tmp_path))

    assert without.stdout.startswith(summary(0, 0, 1, 0, 0))
    assert slugs(db) == ["keep"]
    assert result.exit_code == 0, result.output
    assert result.stdout == summary(0, 0, 1, 1, 0) + "\n"
    assert [row["slug"] for row in db.rows("topic")] == ["ai"]
    assert db.count("article_source") == 1


def test_import_json_prints_the_counts_and_the_rejected_files(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path, "good.md")
    write_text(tmp_path, "bad.md", "---\ntitle: t\npublishedDateTime: someday\n---\n")

    result = run(database_url, "import", "--json", str(tmp_path))

    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "rejected": [
            {
                "path": str(tmp_path / "bad.md"),
                "line": 3,
                "reason": "publishedDateTime is not a date or date-time: 'someday'",
            }
        ],
        "skipped": [],
        "committed": True,
    }
    assert result.stderr == ""
    assert slugs(db) == ["good"]


def test_import_json_with_strict_says_nothing_was_committed(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path, "good.md")
    write_text(tmp_path, "bad.md", "---\ntitle: t\n---\n")

    result = run(database_url, "import", "--json", "--strict", str(tmp_path))

    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (report["added"], report["committed"], len(report["rejected"])) == (1, False, 1)
    assert slugs(db) == []


def test_import_json_of_unchanged_files_exits_zero(tmp_path: Path, database_url: str) -> None:
    write_article(tmp_path, "good.md", title="Ünïcødé “quoted”")
    run(database_url, "import", str(tmp_path))

    result = run(database_url, "import", "--json", str(tmp_path))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "added": 0,
        "updated": 0,
        "unchanged": 1,
        "removed": 0,
        "rejected": [],
        "skipped": [],
        "committed": True,
    }


def test_import_max_file_bytes_rejects_larger_files(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    small = write_article(tmp_path, "small.md")
    large = write_article(tmp_path, "large.md", body="x" * 100)
    limit = small.stat().st_size

    result = run(database_url, "import", "--max-file-bytes", str(limit), str(tmp_path))

    assert result.exit_code == 1
    assert result.stderr == (
        f"rejected {large}: file is larger than the limit of {limit} bytes "
        f"({large.stat().st_size} bytes)\n"
    )
    assert slugs(db) == ["small"]


def test_import_reads_the_default_size_limit_from_the_environment(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    small = write_article(tmp_path, "small.md")
    write_article(tmp_path, "large.md", body="x" * 100)

    result = run(
        database_url, "import", str(tmp_path), IMPORT_MAX_FILE_BYTES=str(small.stat().st_size)
    )

    assert result.exit_code == 1
    assert "large.md: file is larger than the limit" in result.stderr
    assert slugs(db) == ["small"]


def test_import_accepts_a_one_mebibyte_file_by_default(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    path = write_article(tmp_path, "big.md")
    path.write_bytes(path.read_bytes().ljust(1024 * 1024, b"x"))
    write_article(tmp_path, "bigger.md", body="x" * (1024 * 1024))

    result = run(database_url, "import", str(tmp_path))

    assert result.exit_code == 1
    assert "bigger.md: file is larger than the limit of 1048576 bytes" in result.stderr
    assert slugs(db) == ["big"]


@pytest.mark.parametrize("limit", ["0", "-5", "lots"])
def test_import_refuses_a_size_limit_that_is_not_a_positive_number(
    tmp_path: Path, database_url: str, limit: str
) -> None:
    write_article(tmp_path, "a.md")

    result = run(database_url, "import", "--max-file-bytes", limit, str(tmp_path))

    assert result.exit_code == 2
    assert "--max-file-bytes" in result.stderr
    assert_untouched(database_url)


def test_import_without_paths_is_a_usage_error(database_url: str) -> None:
    result = run(database_url, "import")

    assert result.exit_code == 2
    assert "Missing argument" in result.stderr
    assert_untouched(database_url)


def test_import_takes_files_and_folders_together(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path / "folder", "a.md")
    write_article(tmp_path / "folder", "sub/b.markdown")
    single = write_article(tmp_path, "single.yaml")

    result = run(database_url, "import", str(tmp_path / "folder"), str(single))

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(3, 0, 0, 0, 0) + "\n"
    assert slugs(db) == ["a", "b", "single"]


# A killed import

KILLED_FILES = 300
# Each file stores ~40 KB (the excerpt twice: its column and the kept front matter), so a run
# outgrows SQLite's 2 MB page cache after a few dozen files and spills uncommitted pages into
# the WAL long before it commits (~13 MB of WAL in all). The excerpt is random text so that
# PostgreSQL cannot compress it away: there too the run writes ~13 MB of WAL before it commits.
KILLED_EXCERPT = 15_000  # random bytes, ~20,000 characters of base64
# Kill once as soon as the import writes, then twice later, all well before it can commit.
KILL_AT_WAL_BYTES = (0, 2_000_000, 4_000_000)


def write_many_articles(folder: Path, count: int) -> Path:
    folder.mkdir()
    template = render(article_fields(title="TITLE", excerpt="EXCERPT", topics=["AI", "TOPIC"]))
    noise = random.Random(0)
    for index in range(count):
        excerpt = base64.urlsafe_b64encode(noise.randbytes(KILLED_EXCERPT)).decode()
        text = (
            template.replace("TITLE", f"Article {index}")
            .replace("EXCERPT", f"{index}:{excerpt}")
            .replace("TOPIC", f"Topic {index % 40}")
        )
        (folder / f"{index:05}.md").write_text(text, encoding="utf-8")
    return folder


def topic_count(db: DatabaseView, slug: str) -> int:
    return int(db.row("topic", slug=slug)["article_count"])


def wal_size(database: Path) -> int:
    try:
        return os.stat(f"{database}-wal").st_size
    except FileNotFoundError:
        return 0


def empty_the_wal(database: Path) -> None:
    """Checkpoint and truncate the WAL, so that it grows only once an import writes."""
    connection = sqlite3.connect(database)
    try:
        busy, _frames, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    assert busy == 0
    assert wal_size(database) == 0


def row_counts(database: Path) -> dict[str, int]:
    with closing(sqlite_utils.Database(database)) as db:
        return {name: db[name].count for name in db.table_names()}


def integrity(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


def start_import(database_url: str, folder: Path, stderr: Path) -> subprocess.Popen[bytes]:
    """`articles import FOLDER` in a child process, its stderr kept in a file."""
    with stderr.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "import", str(folder)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


@dataclass
class KilledRun:
    """`articles import` in a child process, to be killed once the WAL outgrows a size."""

    database: Path
    kill_at_wal_bytes: int
    process: subprocess.Popen[bytes]
    stderr: Path
    ended_by_itself: bool = False

    @classmethod
    def start(cls, database: Path, kill_at_wal_bytes: int, folder: Path) -> "KilledRun":
        stderr = database.with_suffix(".stderr")
        process = start_import(f"sqlite:///{database}", folder, stderr)
        return cls(database, kill_at_wal_bytes, process, stderr)

    def kill_when_due(self) -> bool:
        """Kill the child once the WAL is big enough; tell whether it is gone."""
        if self.process.returncode is not None:
            return True
        if self.process.poll() is not None:
            self.ended_by_itself = True
            return True
        if wal_size(self.database) > self.kill_at_wal_bytes:
            self.process.kill()
            self.process.wait()
            return True
        return False


@pytest.mark.sqlite_only("copies the SQLite file, watches its WAL and runs PRAGMA integrity_check")
def test_import_killed_part_way_leaves_the_database_as_it_was(
    tmp_path: Path, database_url: str, database_path: Path, db: DatabaseView
) -> None:
    assert run(database_url, "import", str(FIXTURES)).exit_code == 0
    many = write_many_articles(tmp_path / "many", KILLED_FILES)
    empty_the_wal(database_path)
    before = full_dump(database_path)
    ai_articles = topic_count(db, "ai")
    # Three trials at once, each on its own copy of the database, killed at its own moment.
    databases = [database_path] + [
        Path(shutil.copy(database_path, tmp_path / f"trial{n}.db")) for n in (1, 2)
    ]
    runs = [
        KilledRun.start(database, kill_at, many)
        for database, kill_at in zip(databases, KILL_AT_WAL_BYTES, strict=True)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all([child.kill_when_due() for child in runs]):
            assert time.monotonic() < deadline, "an import never started writing"
            time.sleep(0.002)
    finally:
        for child in runs:
            child.process.kill()
            child.process.wait()

    for child in runs:
        assert not child.ended_by_itself, child.stderr.read_text()
        assert child.process.returncode == -signal.SIGKILL
        assert wal_size(child.database) > child.kill_at_wal_bytes  # it had started writing
        assert row_counts(child.database) == row_counts(database_path)
        assert full_dump(child.database) == before
        assert integrity(child.database) == ["ok"]

    result = run(database_url, "import", str(many))

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(KILLED_FILES, 0, 0, 0, 0) + "\n"
    assert topic_count(db, "ai") == ai_articles + KILLED_FILES
    assert topic_count(db, "topic-39") == KILLED_FILES // 40
    assert integrity(database_path) == ["ok"]


@dataclass
class ServerSide:
    """What the PostgreSQL server knows of the sessions that connect as `application_name`."""

    monitor: Connection
    application_name: str

    def writing(self) -> bool:
        """Whether such a session is in a transaction that has written (it has an xid)."""
        return bool(
            self.monitor.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = :name AND backend_xid IS NOT NULL"
                ),
                {"name": self.application_name},
            ).scalar_one()
        )

    def sessions(self) -> int:
        return int(
            self.monitor.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": self.application_name},
            ).scalar_one()
        )

    def wal_position(self) -> int:
        """Bytes of WAL written by the whole server so far: a clock that runs as it writes."""
        return int(
            self.monitor.execute(
                text("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')")
            ).scalar_one()
        )


def locks_on_the_schema(monitor: Connection) -> int:
    """Locks that other sessions hold on the tables of the monitor's schema."""
    return int(
        monitor.execute(
            text(
                "SELECT count(*) FROM pg_locks AS l "
                "JOIN pg_class AS c ON c.oid = l.relation "
                "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND l.pid <> pg_backend_pid()"
            )
        ).scalar_one()
    )


def kill_import_once_written(
    database_url: str, folder: Path, kill_after_wal_bytes: int, stderr: Path, monitor: Connection
) -> None:
    """Start `articles import FOLDER`, SIGKILL it once its transaction has written and the
    server's WAL has grown by `kill_after_wal_bytes` since, then wait until the server has
    ended its session. Fails if the import ends by itself."""
    name = f"killed-import-{uuid.uuid4().hex[:12]}"
    url = make_url(database_url).update_query_dict({"application_name": name})
    server = ServerSide(monitor, name)
    process = start_import(url.render_as_string(hide_password=False), folder, stderr)
    try:
        deadline = time.monotonic() + 60
        wrote_at: int | None = None
        while True:
            assert process.poll() is None, f"the import ended by itself: {stderr.read_text()}"
            assert time.monotonic() < deadline, "the import never started writing"
            if wrote_at is None and server.writing():
                wrote_at = server.wal_position()
            if wrote_at is not None and server.wal_position() - wrote_at >= kill_after_wal_bytes:
                assert server.writing(), "the import committed before it could be killed"
                break
            time.sleep(0.002)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while server.sessions():
        assert time.monotonic() < deadline, "the killed import's session lingers on the server"
        time.sleep(0.01)


@pytest.mark.postgres
def test_import_killed_part_way_leaves_the_postgresql_database_as_it_was(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    assert run(database_url, "import", str(FIXTURES)).exit_code == 0
    many = write_many_articles(tmp_path / "many", KILLED_FILES)
    before, versions = snapshot(db.engine), row_versions(db.engine)
    ai_articles = topic_count(db, "ai")

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as monitor:
        for trial, kill_at in enumerate(KILL_AT_WAL_BYTES):
            stderr = tmp_path / f"trial{trial}.stderr"
            kill_import_once_written(database_url, many, kill_at, stderr, monitor)

            assert snapshot(db.engine) == before
            assert row_versions(db.engine) == versions  # not a row rewritten, even identically
            assert locks_on_the_schema(monitor) == 0

    result = run(database_url, "import", str(many))

    assert result.exit_code == 0, result.output
    assert result.stdout == summary(KILLED_FILES, 0, 0, 0, 0) + "\n"
    assert topic_count(db, "ai") == ai_articles + KILLED_FILES
    assert topic_count(db, "topic-39") == KILLED_FILES // 40


def test_import_of_a_folder_lists_files_without_front_matter_as_skipped_and_exits_zero(
    tmp_path: Path, database_url: str, db: DatabaseView
) -> None:
    write_article(tmp_path, "good.md")
    write_text(tmp_path, "README.md", "# About these articles\n")

    result = run(database_url, "import", str(tmp_path))

    assert result.exit_code == 0
    assert result.stdout == summary(1, 0, 0, 0, 0) + ", 1 skipped\n"
    assert result.stderr == (
        f"skipped {tmp_path / 'README.md'}:1: no front matter: the file must start with a "
        "line '---' (not an article)\n"
    )
    assert slugs(db) == ["good"]
