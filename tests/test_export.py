"""`articles export`: the files it writes import back as the same articles, field for field."""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, Table, select

from app.main import create_app
from app.models import (
    article_table,
    article_topic_table,
    catalog_table,
    image_table,
    provider_table,
    related_table,
    source_table,
    topic_table,
)
from app.settings import Settings
from tests.api.conftest import CATALOG, import_specs, walk
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, write_article, write_text
from tests.test_cli import PROJECT_ROOT, run
from tests.test_shared_corpus import CORPUS

SEEDS = PROJECT_ROOT / "seeds"
# Columns that say where and when a file was read, not what it said.
FILE_FACTS = {"path", "size", "mtime_ns", "sha256"}

HOSTILE = """\
---
title: "  Hostile: 'single' \\"double\\" & <b>html</b> \\u200f\\U0001F600  "
publishedDateTime: 2020-06-17T12:00:00-07:00
quality: 9223372036854775807
heat: -9223372036854775808
published: false
type: "yes"
category: 2020-01-01
excerpt: null
topics: [AI, "AI in Autos", 123, "  Spaced Out  "]
provider: {name: ~, domain: EXAMPLE.com, images: [{url: logo, width: 1}]}
images:
  - {url: "https://x.example/y.jpg", width: 0x10, height: 1_000, isCached: yes, title: "null"}
  - {}
related:
  - title: 1e3
    publishedDateTime: 2001-12-14 21:59:43.10 -5
    quality: -1
    provider: {name: Foo, domain: Foo.Example}
    images: [{url: a}]
    unknown: [1, 2]
  - {}
huge: 123456789012345678901234567890
negative: -123456789012345678901234567890
float: 1.5e300
tiny: -5.0e-324
negative_zero: -0.0
inf: .inf
nan: .NaN
bools: [yes, No, on, OFF, true, False, y, n]
nulls: [~, null, ]
empty: ""
date: 2020-01-01
datetime: 2020-01-01T00:00:00Z
sexagesimal: 1:30
octal: 0o17
hex: 0x10
exponent: 1e3
binary: !!binary aGVsbG8=
tagged: !!str 42
set: !!set {a, b}
omap: !!omap [{a: 1}, {b: 2}]
anchored: &anchor {k: [1, 2]}
alias: *anchor
merge: {<<: *anchor, extra: 1}
multiline: |
  line one
    indented
  --- not a delimiter
  ...
folded: >
  folded
  text
escapes: "tab\\there\\nnewline \\x85 nel \\u2028 ls \\e esc"
spaces: "  lead and trail  "
dashes: "---"
dots: "..."
rtl: "\u200f\u05e9\u05dc\u05d5\u05dd\u202e"
unknown_nested: {a: [{b: {c: [null, 1, "2", 2.5, true]}}]}
"quoted key": 1
? complex key
: 2
'': empty key
---
Body with a dash line
---
inside, CRLF\r
and no newline at the end"""


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table as stored (JSON columns as their text, times as SQLite keeps
    them), with ids replaced by what names them (article slug, topic slug, provider domain), so
    that two databases can be compared value for value and type for type."""
    with engine.connect() as connection:
        names = {
            table.name: dict(connection.execute(select(table.c.id, name)).all())
            for table, name in (
                (article_table, article_table.c.slug),
                (topic_table, topic_table.c.slug),
                (provider_table, provider_table.c.domain),
            )
        }
        tables = (
            article_table, source_table, article_topic_table, image_table, related_table,
            topic_table, provider_table, catalog_table,
        )  # fmt: skip
        return {table.name: _stored_rows(connection, table, names) for table in tables}


def _stored_rows(
    connection: Connection, table: Table, names: dict[str, dict[int, str]]
) -> list[str]:
    rows = []
    # The driver's own values: SQLAlchemy's JSON type would hide a number stored differently.
    for row in connection.exec_driver_sql(f"SELECT * FROM {table.name}").mappings():
        values = {key: value for key, value in row.items() if key not in FILE_FACTS}
        values.pop("id", None)
        for kind in ("article", "topic", "provider"):
            if values.get(f"{kind}_id") is not None:
                values[f"{kind}_id"] = names[kind][values[f"{kind}_id"]]
        if table is catalog_table:  # when it was imported, not what
            del values["generation"], values["changed_at"]
        rows.append(repr(values))
    return sorted(rows)


def api_answers(engine: Engine, database_url: str) -> dict[str, Any]:
    """What the API answers about every article (whole, and its related links), every topic
    and every provider."""
    with engine.connect() as connection:
        article_slugs = sorted(connection.execute(select(article_table.c.slug)).scalars())
    answers: dict[str, Any] = {}
    app = create_app(Settings(database_url=database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        for url in ["/topics", "/providers?limit=100"] + [
            f"/articles/{slug}{tail}" for slug in article_slugs for tail in ("", "/related")
        ]:
            response = client.get(url)
            assert response.status_code == 200, (url, response.text)
            answers[url] = response.json()
    return answers


@pytest.fixture
def empty_database(another_engine: Engine) -> tuple[str, Engine]:
    """A second database, empty and migrated: where an export is imported again."""
    return another_engine.url.render_as_string(hide_password=False), another_engine


def round_trip(
    tmp_path: Path,
    source: tuple[str, Engine],
    target: tuple[str, Engine],
) -> Path:
    """Export everything from `source`, import the files into `target`, check they hold the same
    records and the API says the same about them; return the export folder."""
    (source_url, source_engine), (target_url, target_engine) = source, target
    folder = tmp_path / "export"

    exported = run(source_url, "export", str(folder))
    imported = run(target_url, "import", "--strict", str(folder))

    assert exported.exit_code == 0, exported.output
    assert imported.exit_code == 0, imported.output
    assert snapshot(target_engine) == snapshot(source_engine)
    assert api_answers(target_engine, target_url) == api_answers(source_engine, source_url)
    return folder


def assert_export_is_a_fixed_point(
    tmp_path: Path, folder: Path, database: tuple[str, Engine]
) -> None:
    """Exporting the imported export writes the same bytes again, and the database holds their
    SHA-256: a second round trip changes nothing, not even the files."""
    url, engine = database
    again = tmp_path / "export-again"

    result = run(url, "export", str(again))

    assert result.exit_code == 0, result.output
    files = sorted(path.name for path in folder.iterdir())
    assert sorted(path.name for path in again.iterdir()) == files
    for name in files:
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                select(article_table.c.slug, source_table.c.sha256).join(
                    source_table, source_table.c.article_id == article_table.c.id
                )
            ).all()
        )
    assert stored == {
        Path(name).stem: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files
    }


# The round trip.


@pytest.mark.parametrize("paths", [[FIXTURES], [SEEDS]], ids=["fixtures", "seed"])
def test_every_fixture_and_the_seed_import_back_from_an_export_as_the_same_records(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    empty_database: tuple[str, Engine],
    paths: list[Path],
) -> None:
    result = run(database_url, "import", "--strict", *map(str, paths))
    assert result.exit_code == 0, result.output
    files = [path for folder in paths for path in folder.iterdir() if path.is_file()]

    folder = round_trip(tmp_path, (database_url, engine), empty_database)

    assert sorted(path.name for path in folder.iterdir()) == sorted(
        f"{path.stem}.md" for path in files
    )
    assert_export_is_a_fixed_point(tmp_path, folder, empty_database)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")
def test_the_shared_corpus_imports_back_from_an_export_as_the_same_records(
    tmp_path: Path, database_url: str, engine: Engine, empty_database: tuple[str, Engine]
) -> None:
    result = run(database_url, "import", str(CORPUS))
    assert "rejected" not in result.stderr, result.stderr
    article_files = sorted((CORPUS / "smartable-ai").glob("*.md"))

    folder = round_trip(tmp_path, (database_url, engine), empty_database)

    assert sorted(path.name for path in folder.iterdir()) == [path.name for path in article_files]
    assert_export_is_a_fixed_point(tmp_path, folder, empty_database)


def test_hostile_but_valid_front_matter_imports_back_from_an_export_as_the_same_records(
    tmp_path: Path, database_url: str, engine: Engine, empty_database: tuple[str, Engine]
) -> None:
    source = tmp_path / "source"
    write_text(source, "hostile.md", HOSTILE)
    crlf = "\ufeff---  \r\ntitle: CRLF\r\npublishedDateTime: 2020-01-01\r\n---\t\r\n\r\nbody\r\n"
    write_text(source, "crlf.txt", crlf)
    minimal = "---\ntitle: yes\npublishedDateTime: 2020-01-02\n---"
    write_text(source, "closed-at-the-end.html", minimal)
    write_text(source, "dots.in.name.markdown", f"{minimal}\n---\n")
    write_article(source, "by-pyyaml.md", "Body\n", title="2020-01-01", extra={"k": [1.5, None]})
    result = run(database_url, "import", "--strict", str(source))
    assert result.exit_code == 0, result.output

    folder = round_trip(tmp_path, (database_url, engine), empty_database)

    assert sorted(path.name for path in folder.iterdir()) == [
        "by-pyyaml.md", "closed-at-the-end.md", "crlf.md", "dots.in.name.md", "hostile.md",
    ]  # fmt: skip
    _, target = empty_database
    with target.connect() as connection:
        front_matter, body = connection.execute(
            select(source_table.c.front_matter, source_table.c.body)
            .join(article_table, article_table.c.id == source_table.c.article_id)
            .where(article_table.c.slug == "hostile")
        ).one()
    assert front_matter["huge"] == 123456789012345678901234567890
    assert (front_matter["inf"], front_matter["nan"], front_matter["date"]) == (
        ".inf", ".NaN", "2020-01-01",
    )  # fmt: skip
    assert front_matter["escapes"] == "tab\there\nnewline \x85 nel \u2028 ls \x1b esc"
    assert front_matter["multiline"] == "line one\n  indented\n--- not a delimiter\n...\n"
    assert front_matter["alias"] == front_matter["anchored"] == {"k": [1, 2]}
    assert list(front_matter)[-3:] == ["quoted key", "complex key", ""]
    assert body == "Body with a dash line\n---\ninside, CRLF\r\nand no newline at the end"
    assert_export_is_a_fixed_point(tmp_path, folder, empty_database)


# Filters: the same as /articles, read by the same code.


@pytest.mark.parametrize(
    ("options", "query"),
    [
        ([], {}),
        (["--topic", "ai"], {"topic": "ai"}),
        (["--topic", "Robotics", "--topic", "ai-in-autos"], {"topic": ["Robotics", "ai-in-autos"]}),
        (["--topic", "no-such-topic"], {"topic": "no-such-topic"}),
        (["--provider", "ALPHA.example", "--provider", "beta.example"],
         {"provider": ["ALPHA.example", "beta.example"]}),
        (["--type", "video", "--type", "podcast"], {"type": ["video", "podcast"]}),
        (["--published"], {"published": "true"}),
        (["--unpublished"], {"published": "false"}),
        (["--from", "2020-06-17", "--to", "2020-06-18"],
         {"from": "2020-06-17", "to": "2020-06-18"}),
        (["--from", "2020-06-17T12:00:00-07:00"], {"from": "2020-06-17T12:00:00-07:00"}),
        (["--min-quality", "50", "--max-quality", "70"], {"min_quality": 50, "max_quality": 70}),
        (["--topic", "AI", "--provider", "gamma.example", "--published", "--min-quality", "10"],
         {"topic": "AI", "provider": "gamma.example", "published": "true", "min_quality": 10}),
        (["--q", "apple"], {"q": "apple"}),
        (["--q", "tit*"], {"q": "tit*"}),
        (["--q", "title -apple", "--topic", "AI"], {"q": "title -apple", "topic": "AI"}),
    ],
)  # fmt: skip
def test_export_writes_exactly_the_articles_the_api_lists_for_the_same_filters(
    tmp_path: Path,
    database_url: str,
    import_files: ImportFiles,
    client: TestClient,
    options: list[str],
    query: dict[str, Any],
) -> None:
    import_specs(tmp_path / "catalog", import_files, CATALOG)
    listed = {item["slug"] for item in walk(client, "/articles", {**query, "limit": 100})}
    folder = tmp_path / "export"

    result = run(database_url, "export", str(folder), *options)

    assert result.exit_code == 0, result.output
    assert {path.stem for path in folder.iterdir()} == listed
    assert result.stdout.endswith(f" written to {folder}\n")
    assert result.stdout.split()[0] == str(len(listed))


@pytest.mark.parametrize(
    ("options", "option"),
    [
        (["--from", "2020-13-01"], "--from"),
        (["--to", "yesterday"], "--to"),
        (["--from", "2020-06-02", "--to", "2020-06-01"], "--to"),
        (["--min-quality", "high"], "--min-quality"),
        (["--min-quality", str(2**63)], "--min-quality"),
        (["--max-quality", str(-(2**63) - 1)], "--max-quality"),
        (["--min-quality", "5", "--max-quality", "1"], "--max-quality"),
        (["--colour", "red"], "--colour"),
        (["--q", '"unbalanced'], "--q"),
        (["--q", "-only -exclusions"], "--q"),
    ],
)
def test_a_bad_option_value_exits_two_naming_the_option_and_writes_nothing(
    tmp_path: Path, database_url: str, options: list[str], option: str
) -> None:
    folder = tmp_path / "export"

    result = run(database_url, "export", str(folder), *options)

    assert result.exit_code == 2
    assert option in result.stderr
    assert "Traceback" not in result.output
    assert not folder.exists()


# Files and folder.


def test_export_creates_the_folder_replaces_same_named_files_and_leaves_others_alone(
    tmp_path: Path, database_url: str, import_files: ImportFiles
) -> None:
    write_article(tmp_path / "source", "apple.md", "Apple body\n")
    write_article(tmp_path / "source", "banana.txt", "Banana body\n")
    import_files(tmp_path / "source")
    folder = tmp_path / "new" / "nested" / "export"
    run(database_url, "export", str(folder))
    write_text(folder, "apple.md", "stale")
    write_text(folder, "notes.txt", "mine")

    result = run(database_url, "export", str(folder))

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in folder.iterdir()) == ["apple.md", "banana.md", "notes.txt"]
    assert (folder / "apple.md").read_text(encoding="utf-8").endswith("---\nApple body\n")
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    reference = tmp_path / "reference"
    reference.write_text("")
    assert (folder / "banana.md").stat().st_mode == reference.stat().st_mode


def test_export_json_prints_the_folder_and_the_count(
    tmp_path: Path, database_url: str, import_files: ImportFiles
) -> None:
    import_files(FIXTURES)
    folder = tmp_path / "export"

    result = run(database_url, "export", "--json", str(folder))

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"folder": str(folder), "written": 8, "failed": []}


def test_export_of_an_empty_database_writes_nothing_and_exits_zero(
    tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "export"

    result = run(database_url, "export", str(folder))

    assert result.exit_code == 0, result.output
    assert result.stdout == f"0 files written to {folder}\n"
    assert list(folder.iterdir()) == []


def test_a_file_that_cannot_be_written_is_reported_and_the_others_are_written(
    tmp_path: Path, database_url: str, import_files: ImportFiles
) -> None:
    write_article(tmp_path / "source", "apple.md")
    write_article(tmp_path / "source", "banana.md")
    import_files(tmp_path / "source")
    folder = tmp_path / "export"
    (folder / "apple.md").mkdir(parents=True)

    result = run(database_url, "export", str(folder))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"failed {folder / 'apple.md'}: ")
    assert result.stdout == f"1 file written to {folder}, 1 failed\n"
    assert sorted(path.name for path in folder.iterdir()) == ["apple.md", "banana.md"]
    assert (folder / "apple.md").is_dir()


def test_export_into_a_path_that_is_a_file_exits_two(tmp_path: Path, database_url: str) -> None:
    target = write_text(tmp_path, "a-file", "not a folder")

    result = run(database_url, "export", str(target), COLUMNS="1000")  # one line, unwrapped

    assert result.exit_code == 2
    assert f"Invalid value for 'folder': dir '{target}' is a file." in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder"
