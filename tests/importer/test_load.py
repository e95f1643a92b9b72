"""import_paths: files -> database in one transaction, with a report of every file."""

import hashlib
import os
import shutil
from collections import Counter
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, Text, cast, select

from app.importer.load import ImportReport, Rejection, import_paths
from app.importer.parse import slugify
from app.models import article_table
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, SEED_SLUG, article_fields, render, write_article, write_text
from tests.importer.conftest import StoredData

MiB = 1024 * 1024
FIXTURE_FILES = sorted(path for path in FIXTURES.iterdir() if path.is_file())


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rewrite(path: Path, text: str) -> None:
    """Replace the content of `path`, making sure its mtime moves even on a coarse clock."""
    before = path.stat().st_mtime_ns
    path.write_bytes(text.encode("utf-8"))
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def edit_article(path: Path, body: str = "", **overrides: Any) -> None:
    rewrite(path, render(article_fields(**overrides), body))


def counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    """(added, updated, unchanged, removed, rejected)"""
    return report.added, report.updated, report.unchanged, report.removed, len(report.rejected)


def read_fixture(path: Path) -> tuple[dict[str, Any], str]:
    """The front matter (by yaml.safe_load) and the body of a real file, split line by line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0] == "---\n"
    closing = lines.index("---\n", 1)
    return yaml.safe_load("".join(lines[1:closing])), "".join(lines[closing + 1 :])


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def as_written(value: Any) -> Any:
    """safe_load's value with its datetimes written back as the files write them."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {key: as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_written(item) for item in value]
    return value


# The real files


def test_import_of_the_fixture_files_stores_what_yaml_safe_load_reads_field_by_field(
    import_files: ImportFiles, stored: StoredData
) -> None:
    report = import_files(FIXTURES)

    assert counts(report) == (len(FIXTURE_FILES), 0, 0, 0, 0)
    articles = stored.articles()
    assert sorted(articles) == sorted(path.name.rsplit(".", 1)[0] for path in FIXTURE_FILES)
    for path in FIXTURE_FILES:
        fm, body = read_fixture(path)
        slug = path.name.rsplit(".", 1)[0]
        article = articles[slug]
        assert article["title"] == fm["title"]
        assert article["excerpt"] == fm["excerpt"]
        assert article["published_at"] == utc(fm["publishedDateTime"])
        assert article["web_url"] == fm["webUrl"]
        assert article["amp_web_url"] == fm.get("ampWebUrl")
        assert article["cdn_amp_web_url"] == fm.get("cdnAmpWebUrl")
        assert article["original_url"] == fm.get("originalUrl")
        assert article["type"] == fm["type"]
        assert article["quality"] == fm.get("quality")
        assert article["heat"] == fm.get("heat")
        assert article["published"] == fm.get("published")
        assert article["provider_name"] == fm["provider"]["name"]
        provider = stored.providers()[fm["provider"]["domain"]]
        assert article["provider_id"] == provider["id"]

        assert stored.topic_slugs_of(slug) == [slugify(name) for name in fm["topics"]]
        topics = stored.topics()
        assert [topics[slugify(name)]["name"] for name in fm["topics"]] == fm["topics"]
        assert all(
            link["published_at"] == article["published_at"] for link in stored.links_of(slug)
        )

        assert stored.images_of(slug) == [
            {
                "position": position,
                "url": image["url"],
                "width": image["width"],
                "height": image["height"],
                "is_cached": image.get("isCached"),
                "title": image.get("title"),
            }
            for position, image in enumerate(fm.get("images", []))
        ]
        assert stored.related_of(slug) == [
            {
                "position": position,
                "title": item["title"],
                "excerpt": item["excerpt"],
                "published_at": utc(item["publishedDateTime"]),
                "web_url": item["webUrl"],
                "amp_web_url": item.get("ampWebUrl"),
                "cdn_amp_web_url": item.get("cdnAmpWebUrl"),
                "type": item["type"],
                "quality": item["quality"],
                "provider_name": item["provider"]["name"],
                "provider_domain": item["provider"]["domain"],
                "images": item.get("images", []),
            }
            for position, item in enumerate(fm.get("related", []))
        ]

        source = stored.source(slug)
        assert source["front_matter"] == as_written(fm)
        assert list(source["front_matter"]) == list(fm)
        assert source["body"] == body
        assert source["path"] == str(path)
        assert source["size"] == path.stat().st_size
        assert source["mtime_ns"] == path.stat().st_mtime_ns
        assert source["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_of_the_fixture_files_counts_articles_per_topic_and_provider(
    import_files: ImportFiles, stored: StoredData
) -> None:
    import_files(FIXTURES)

    parsed = [read_fixture(path)[0] for path in FIXTURE_FILES]
    topic_counts = Counter(slugify(name) for fm in parsed for name in fm["topics"])
    latest = {
        slug: max(
            utc(fm["publishedDateTime"]) for fm in parsed if slug in map(slugify, fm["topics"])
        )
        for slug in topic_counts
    }
    topics = stored.topics()
    assert {slug: row["article_count"] for slug, row in topics.items()} == topic_counts
    assert {slug: row["latest_published_at"] for slug, row in topics.items()} == latest

    provider_counts = Counter(fm["provider"]["domain"] for fm in parsed)
    providers = stored.providers()
    assert {domain: row["article_count"] for domain, row in providers.items()} == provider_counts
    for domain, row in providers.items():
        last = [fm["provider"] for fm in parsed if fm["provider"]["domain"] == domain][-1]
        assert row["name"] == last["name"]
        assert row["images"] == last.get("images", [])


def test_import_of_the_seed_file_keeps_its_negative_heat_and_unpublished_state(
    import_files: ImportFiles, stored: StoredData
) -> None:
    import_files(FIXTURES / f"{SEED_SLUG}.txt")

    seed = stored.article(SEED_SLUG)
    assert (seed["quality"], seed["heat"], seed["published"]) == (67, -1, False)
    assert seed["published_at"] == datetime(2020, 6, 17, 19, 2)
    assert stored.topic_slugs_of(SEED_SLUG) == ["computer-vision", "ai"]
    assert len(stored.related_of(SEED_SLUG)) == 6
    assert stored.providers()["forbes.com"]["images"] == [
        {
            "url": "https://smartableai.github.io/artificial-intelligence/assets/images/"
            "organizations/forbes.com-50x50.jpg",
            "width": 50,
            "height": 50,
        }
    ]


# Fields


def test_import_stores_a_file_without_provider_or_quality_with_nulls(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(
        tmp_path, "bare.md", provider=None, quality=None, heat=None, published=None, images=None
    )

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 0)
    article = stored.article("bare")
    assert article["provider_id"] is None
    assert article["provider_name"] is None
    assert (article["quality"], article["heat"], article["published"]) == (None, None, None)
    assert stored.images_of("bare") == []
    assert stored.providers() == {}


def test_import_stores_a_provider_without_domain_by_name_only(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md", provider={"name": "Somebody"})

    import_files(tmp_path)

    assert stored.article("a")["provider_name"] == "Somebody"
    assert stored.article("a")["provider_id"] is None
    assert stored.providers() == {}


def test_import_stores_publication_times_in_utc(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData, engine: Engine
) -> None:
    write_text(
        tmp_path,
        "offset.md",
        "---\ntitle: t\npublishedDateTime: 2020-06-17T12:02:00-07:00\n"
        "related:\n  - title: r\n    publishedDateTime: 2019-06-01T02:18+02:00\n---\n",
    )

    import_files(tmp_path)

    assert stored.article("offset")["published_at"] == datetime(2020, 6, 17, 19, 2)
    assert stored.related_of("offset")[0]["published_at"] == datetime(2019, 6, 1, 0, 18)
    # As the database itself writes the stored value: UTC, with no offset.
    with engine.connect() as connection:
        stored_text = connection.execute(select(cast(article_table.c.published_at, Text))).scalar()
    assert stored_text is not None
    assert stored_text.startswith("2020-06-17 19:02:00")


def test_import_keeps_unknown_keys_in_file_order(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_text(
        tmp_path,
        "extra.md",
        "---\nzeta: 1\ntitle: t\nalpha: {b: 2, a: 1}\npublishedDateTime: 2020-01-01\n"
        "provider: {tier: 1, name: P, domain: p.example}\n"
        "related:\n  - {z: 1, title: r, a: 2}\nupdatedDateTime: 2021-01-01T00:00:00Z\n---\n",
    )

    import_files(tmp_path)

    fm = stored.source("extra")["front_matter"]
    assert list(fm) == [
        "zeta", "title", "alpha", "publishedDateTime", "provider", "related", "updatedDateTime",
    ]  # fmt: skip
    assert list(fm["alpha"].items()) == [("b", 2), ("a", 1)]
    assert list(fm["provider"].items()) == [("tier", 1), ("name", "P"), ("domain", "p.example")]
    assert list(fm["related"][0].items()) == [("z", 1), ("title", "r"), ("a", 2)]
    assert fm["updatedDateTime"] == "2021-01-01T00:00:00Z"


def test_import_stores_the_body_as_written(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    body = "\n# Title\n\nText --- with dashes\n---\nmore\n"
    write_article(tmp_path, "a.md", body=body)

    import_files(tmp_path)

    assert stored.source("a")["body"] == body


def test_import_reads_a_file_with_bom_and_crlf_line_endings(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    text = render(article_fields(title="Windows"), "body\n").replace("\n", "\r\n")
    write_bytes(tmp_path, "win.md", b"\xef\xbb\xbf" + text.encode("utf-8"))

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 0)
    assert stored.article("win")["title"] == "Windows"
    assert stored.topic_slugs_of("win") == ["ai"]
    assert stored.source("win")["body"] == "body\r\n"


def test_import_links_a_topic_listed_twice_in_one_file_once(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md", topics=["AI in Healthcare", "AI", "ai in healthcare", "AI"])

    import_files(tmp_path)

    assert stored.topic_slugs_of("a") == ["ai-in-healthcare", "ai"]
    topics = stored.topics()
    assert topics["ai-in-healthcare"]["name"] == "AI in Healthcare"
    assert topics["ai-in-healthcare"]["article_count"] == 1
    assert topics["ai"]["article_count"] == 1


def test_import_shares_one_topic_between_spellings_of_the_same_slug(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md", topics=["AI in Healthcare"])
    write_article(tmp_path, "b.md", topics=["ai-in-healthcare"])

    import_files(tmp_path)

    assert list(stored.topics()) == ["ai-in-healthcare"]
    assert stored.topics()["ai-in-healthcare"]["article_count"] == 2


def test_import_keeps_topic_names_that_look_like_other_types_as_text(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_text(
        tmp_path,
        "a.md",
        "---\ntitle: yes\npublishedDateTime: 2020-01-01\ntopics:\n  - 2020\n  - true\n---\n",
    )

    import_files(tmp_path)

    assert stored.article("a")["title"] == "yes"
    assert {slug: row["name"] for slug, row in stored.topics().items()} == {
        "2020": "2020",
        "true": "true",
    }


def test_import_calls_back_with_the_number_of_files_and_the_progress(
    tmp_path: Path, import_files: ImportFiles
) -> None:
    for index in range(3):
        write_article(tmp_path, f"a{index}.md")
    started: list[int] = []
    progressed: list[int] = []

    import_files(tmp_path, on_start=started.append, on_progress=progressed.append)

    assert started == [3]
    assert sum(progressed) == 3


# Bad input


BAD_FILES: list[tuple[str, bytes, int | None, str]] = [
    ("latin1.md", b"---\ntitle: caf\xe9\n---\n", 2, "not UTF-8 text: byte 0xe9 at offset 14"),
    (
        "utf16.md",
        "---\ntitle: t\n---\n".encode("utf-16"),
        1,
        "not UTF-8 text: byte 0xff at offset 0",
    ),
    ("image.md", bytes(range(256)) * 4, 2, "not UTF-8 text: byte 0x80 at offset 128"),
    ("nul.md", b"---\ntitle: t\npublishedDateTime: 2020-01-01\n\x00\n---\n", 4, "contains a NUL"),
    (
        "open.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\n",
        None,
        "front matter is not closed",
    ),
    (
        "syntax.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\ntype: a: b\n---\n",
        4,
        "YAML error",
    ),
    (
        "list.md",
        b"---\n- a\n---\n",
        None,
        "front matter must be a mapping of keys to values, not a list",
    ),
    ("scalar.md", b"---\nhello\n---\n", None, "must be a mapping of keys to values, not a text"),
    ("hollow.md", b"---\n---\n", None, "must be a mapping of keys to values, not empty"),
    ("untitled.md", b"---\npublishedDateTime: 2020-01-01\n---\n", None, "no title"),
    ("nulltitle.md", b"---\ntitle: null\npublishedDateTime: 2020-01-01\n---\n", 2, "no title"),
    ("undated.md", b"---\ntitle: t\n---\n", None, "no publishedDateTime"),
    ("baddate.md", b"---\ntitle: t\npublishedDateTime: June 17th\n---\n", 3, "not a date"),
    (
        "relateddate.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\n"
        b"related:\n  - publishedDateTime: later\n---\n",
        5,
        "related[0].publishedDateTime is not a date or date-time: 'later'",
    ),
    (
        "high.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\nquality: high\n---\n",
        4,
        "quality",
    ),
    ("half.md", b"---\ntitle: t\npublishedDateTime: 2020-01-01\nquality: 4.5\n---\n", 4, "4.5"),
    ("bool.md", b"---\ntitle: t\npublishedDateTime: 2020-01-01\nquality: true\n---\n", 4, "True"),
    (
        "width.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\nimages:\n  - width: big\n---\n",
        5,
        "images[].width must be a whole number, not 'big'",
    ),
    (
        "published.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\npublished: 'no'\n---\n",
        4,
        "published must be true or false, not 'no'",
    ),
    (
        "dupkey.md",
        b"---\ntitle: t\ntitle: u\npublishedDateTime: 2020-01-01\n---\n",
        3,
        "duplicate key",
    ),
    (
        "python.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\nx: !!python/object:os.system ls\n---\n",
        4,
        "unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'",
    ),
    (
        "custom.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\nx: !custom 1\n---\n",
        4,
        "'!custom'",
    ),
    (
        "bomb.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode()
            for i in range(8)
        )
        + b"---\n",
        4,
        "document too large",
    ),
    (
        "deep.md",
        b"---\ntitle: t\npublishedDateTime: 2020-01-01\nx: "
        + b"[" * 5000
        + b"]" * 5000
        + b"\n---\n",
        4,
        "nest",
    ),
]


@pytest.mark.parametrize("name, data, line, reason", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_import_rejects_a_bad_file_with_path_line_and_reason_and_imports_the_others(
    tmp_path: Path,
    import_files: ImportFiles,
    stored: StoredData,
    name: str,
    data: bytes,
    line: int | None,
    reason: str,
) -> None:
    write_article(tmp_path, "good.md", title="Good")
    bad = write_bytes(tmp_path, name, data)

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 1)
    (rejection,) = report.rejected
    assert rejection.path == str(bad)
    assert rejection.line == line
    assert reason in rejection.reason
    assert list(stored.articles()) == ["good"]
    assert report.committed


def test_import_rejects_every_bad_file_of_a_folder_in_one_run(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "good.md", title="Good")
    for name, data, _line, _reason in BAD_FILES:
        write_bytes(tmp_path, name, data)

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, len(BAD_FILES))
    assert {(r.path, r.line) for r in report.rejected} == {
        (str(tmp_path / name), line) for name, _data, line, _reason in BAD_FILES
    }
    assert list(stored.articles()) == ["good"]


def test_rejection_reads_as_path_line_and_reason() -> None:
    assert str(Rejection("/a/b.md", "no title", 3)) == "/a/b.md:3: no title"
    assert str(Rejection("/a/b.md", "no title")) == "/a/b.md: no title"


def test_import_rejects_a_file_larger_than_one_mebibyte_by_default(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    head = render(article_fields(title="Big"))
    write_text(tmp_path, "fits.md", head + "x" * (MiB - len(head.encode())))
    write_text(tmp_path, "over.md", head + "x" * (MiB - len(head.encode()) + 1))

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 1)
    assert report.rejected == [
        Rejection(
            str(tmp_path / "over.md"),
            f"file is larger than the limit of {MiB} bytes ({MiB + 1} bytes)",
        )
    ]
    assert list(stored.articles()) == ["fits"]


def test_import_rejects_a_file_larger_than_a_custom_limit(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    small = write_article(tmp_path, "small.md")
    limit = small.stat().st_size
    write_article(tmp_path, "large.md", excerpt="a longer excerpt than the small file has")

    report = import_files(tmp_path, max_file_bytes=limit)

    assert counts(report) == (1, 0, 0, 0, 1)
    assert report.rejected[0].path == str(tmp_path / "large.md")
    assert f"larger than the limit of {limit} bytes" in report.rejected[0].reason
    assert list(stored.articles()) == ["small"]


def test_import_reports_a_missing_path_and_imports_the_rest(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path / "arts", "a.md")

    report = import_files(tmp_path / "arts", tmp_path / "missing.md")

    assert counts(report) == (1, 0, 0, 0, 1)
    assert report.rejected == [Rejection(str(tmp_path / "missing.md"), "no such file or folder")]
    assert list(stored.articles()) == ["a"]


def test_import_rejects_a_file_that_is_not_a_regular_file(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "good.md")
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 2)
    assert {(r.path, r.reason) for r in report.rejected} == {
        (str(tmp_path / "pipe.md"), "not a regular file"),
        (str(tmp_path / "loop.md"), "cannot read file: Too many levels of symbolic links"),
    }
    assert list(stored.articles()) == ["good"]


def test_import_rejects_two_files_for_the_same_article_in_one_folder(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md", title="Markdown")
    write_article(tmp_path, "a.txt", title="Text")

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 1)
    (rejection,) = report.rejected
    assert rejection.path == str(tmp_path / "a.txt")
    assert (
        rejection.reason == f"two files for the same article 'a': {tmp_path / 'a.md'} is imported"
    )
    assert stored.article("a")["title"] == "Markdown"


def test_import_rejects_two_files_for_the_same_article_in_two_folders(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path / "one", "a.md", title="One")
    write_article(tmp_path / "two", "a.md", title="Two")

    report = import_files(tmp_path / "two", tmp_path / "one")

    assert counts(report) == (1, 0, 0, 0, 1)
    assert report.rejected[0].path == str(tmp_path / "two" / "a.md")
    assert str(tmp_path / "one" / "a.md") in report.rejected[0].reason
    assert stored.article("a")["title"] == "One"
    assert stored.source("a")["path"] == str(tmp_path / "one" / "a.md")


def test_import_keeps_the_imported_file_when_a_second_file_for_its_article_appears(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.txt", title="Original")
    import_files(tmp_path)
    write_article(tmp_path, "a.md", title="Newcomer")  # sorts before a.txt

    report = import_files(tmp_path, prune=True)

    assert counts(report) == (0, 0, 1, 0, 1)
    assert report.rejected[0].path == str(tmp_path / "a.md")
    assert str(tmp_path / "a.txt") in report.rejected[0].reason
    assert stored.article("a")["title"] == "Original"
    assert stored.source("a")["path"] == str(tmp_path / "a.txt")


def test_import_rejects_a_second_file_for_an_article_whose_file_still_exists(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path / "one", "a.md", title="One")
    import_files(tmp_path / "one")
    article_id = stored.article("a")["id"]
    write_article(tmp_path / "two", "a.md", title="Two")

    report = import_files(tmp_path / "two")

    assert counts(report) == (0, 0, 0, 0, 1)
    assert report.rejected == [
        Rejection(
            str(tmp_path / "two" / "a.md"),
            f"two files for the same article 'a': {tmp_path / 'one' / 'a.md'} is already imported",
        )
    ]
    assert stored.article("a")["id"] == article_id
    assert stored.article("a")["title"] == "One"


# Re-import


def test_reimport_of_the_same_files_writes_nothing(
    tmp_path: Path,
    import_files: ImportFiles,
    stored: StoredData,
    data_version: Callable[[], Hashable],
) -> None:
    arts = tmp_path / "arts"
    shutil.copytree(FIXTURES, arts)
    empty = data_version()
    import_files(arts)
    before = stored.dump()
    version = data_version()
    assert version != empty  # the probe does see the first import's commit

    report = import_files(arts)
    again = import_files(arts, prune=True)

    for result in (report, again):
        assert counts(result) == (0, 0, len(FIXTURE_FILES), 0, 0)
        assert not result.changed
    assert data_version() == version
    assert stored.dump() == before


@pytest.mark.sqlite_only("compares the bytes of the SQLite database file and its WAL")
def test_reimport_of_the_same_files_leaves_the_database_files_byte_for_byte(
    tmp_path: Path, import_files: ImportFiles, database_path: Path
) -> None:
    arts = tmp_path / "arts"
    shutil.copytree(FIXTURES, arts)
    import_files(arts)
    files = {
        p: p.read_bytes()
        for p in database_path.parent.glob("articles.db*")
        if p.suffix != ".db-shm"
    }

    assert database_path in files
    assert database_path.with_name("articles.db-wal") in files

    import_files(arts)
    import_files(arts, prune=True)

    assert {p: p.read_bytes() for p in files} == files


def test_reimport_of_an_edited_file_updates_its_article_in_place_and_replaces_its_links(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_article(
        tmp_path,
        "a.md",
        title="First",
        topics=["AI", "Robots"],
        provider={"name": "Old", "domain": "old.example"},
        images=[{"url": "1.jpg"}, {"url": "2.jpg"}],
        related=[
            {"title": "r1", "publishedDateTime": "2020-01-01T00:00:00Z"},
            {"title": "r2", "publishedDateTime": "2020-01-02T00:00:00Z"},
        ],
    )
    write_article(tmp_path, "other.md", topics=["Robots"])
    import_files(tmp_path)
    article_id = stored.article("a")["id"]
    other_before = stored.article("other")

    edit_article(
        path,
        body="new body",
        title="Second",
        publishedDateTime="2021-02-03T04:05:06+01:00",
        topics=["Vision"],
        provider={"name": "New", "domain": "new.example"},
        images=[{"url": "3.jpg", "width": 10, "height": 20, "isCached": False}],
        related=[{"title": "r3", "webUrl": "https://r3.example"}],
        quality=3,
    )
    report = import_files(tmp_path)

    assert counts(report) == (0, 1, 1, 0, 0)
    article = stored.article("a")
    assert article["id"] == article_id
    assert article["title"] == "Second"
    assert article["quality"] == 3
    assert article["published_at"] == datetime(2021, 2, 3, 3, 5, 6)
    assert article["provider_name"] == "New"
    assert stored.topic_slugs_of("a") == ["vision"]
    assert [link["published_at"] for link in stored.links_of("a")] == [article["published_at"]]
    assert stored.images_of("a") == [
        {
            "position": 0,
            "url": "3.jpg",
            "width": 10,
            "height": 20,
            "is_cached": False,
            "title": None,
        }
    ]
    assert [(r["position"], r["title"], r["web_url"]) for r in stored.related_of("a")] == [
        (0, "r3", "https://r3.example")
    ]
    assert stored.source("a")["body"] == "new body"
    assert stored.source("a")["front_matter"]["title"] == "Second"
    assert stored.article("other") == other_before
    assert set(stored.topics()) == {"robots", "vision"}
    assert set(stored.providers()) == {"news.example.com", "new.example"}


def test_reimport_of_a_touched_file_is_unchanged_and_remembers_the_new_mtime(
    tmp_path: Path,
    import_files: ImportFiles,
    stored: StoredData,
    data_version: Callable[[], Hashable],
) -> None:
    path = write_article(tmp_path, "a.md")
    import_files(tmp_path)
    before = stored.dump()
    mtime = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(mtime, mtime))

    report = import_files(tmp_path)

    assert counts(report) == (0, 0, 1, 0, 0)
    assert not report.changed
    assert stored.source("a")["mtime_ns"] == mtime
    after = stored.dump()
    after["article_source"][0]["mtime_ns"] = before["article_source"][0]["mtime_ns"]
    assert after == before
    version = data_version()
    assert counts(import_files(tmp_path)) == (0, 0, 1, 0, 0)
    assert data_version() == version


def test_reimport_notices_new_content_of_the_same_size(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_article(tmp_path, "a.md", title="AAAA")
    import_files(tmp_path)
    size = path.stat().st_size

    edit_article(path, title="BBBB")
    report = import_files(tmp_path)

    assert path.stat().st_size == size
    assert counts(report) == (0, 1, 0, 0, 0)
    assert stored.article("a")["title"] == "BBBB"


def test_reimport_of_a_fixed_file_imports_it(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_text(tmp_path, "a.md", "---\ntitle: t\n---\n")
    assert counts(import_files(tmp_path)) == (0, 0, 0, 0, 1)

    edit_article(path, title="Fixed")
    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 0)
    assert stored.article("a")["title"] == "Fixed"


def test_reimport_of_a_moved_file_updates_the_same_article(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    old = write_article(tmp_path / "old", "a.md", title="Moving", topics=["AI"])
    import_files(tmp_path / "old")
    article_id = stored.article("a")["id"]
    new = tmp_path / "new" / "a.md"
    new.parent.mkdir()
    old.rename(new)

    report = import_files(tmp_path / "new")

    assert counts(report) == (0, 1, 0, 0, 0)
    assert stored.article("a")["id"] == article_id
    assert stored.article("a")["title"] == "Moving"
    assert stored.source("a")["path"] == str(new)
    assert stored.topics()["ai"]["article_count"] == 1
    assert counts(import_files(tmp_path / "new")) == (0, 0, 1, 0, 0)


def test_reimport_with_prune_follows_a_file_moved_within_the_folder(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    old = write_article(tmp_path, "a.md")
    import_files(tmp_path)
    article_id = stored.article("a")["id"]
    (tmp_path / "2020").mkdir()
    old.rename(tmp_path / "2020" / "a.md")

    report = import_files(tmp_path, prune=True)

    assert counts(report) == (0, 1, 0, 0, 0)
    assert stored.article("a")["id"] == article_id
    assert stored.source("a")["path"] == str(tmp_path / "2020" / "a.md")


# Prune


def test_prune_removes_articles_whose_file_is_gone_from_the_given_folder_only(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path / "arts", "keep.md", topics=["AI"])
    gone = write_article(
        tmp_path / "arts",
        "sub/gone.md",
        topics=["Robots"],
        provider={"name": "G", "domain": "g.example"},
    )
    write_article(tmp_path / "elsewhere", "other.md")
    write_article(tmp_path / "arts2", "sibling.md")
    import_files(tmp_path / "arts", tmp_path / "elsewhere", tmp_path / "arts2")
    (tmp_path / "elsewhere" / "other.md").unlink()
    (tmp_path / "arts2" / "sibling.md").unlink()
    gone.unlink()

    report = import_files(tmp_path / "arts", prune=True)

    assert counts(report) == (0, 0, 1, 1, 0)
    assert sorted(stored.articles()) == ["keep", "other", "sibling"]
    assert set(stored.topics()) == {"ai"}
    assert set(stored.providers()) == {"news.example.com"}
    assert stored.topics()["ai"]["article_count"] == 3


def test_import_without_prune_keeps_articles_whose_file_is_gone(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md")
    gone = write_article(tmp_path, "gone.md")
    import_files(tmp_path)
    gone.unlink()

    report = import_files(tmp_path)

    assert counts(report) == (0, 0, 1, 0, 0)
    assert sorted(stored.articles()) == ["a", "gone"]


def test_prune_leaves_alone_folders_whose_name_matches_as_a_like_pattern(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path / "a_b", "one.md")
    write_article(tmp_path / "axb", "two.md")
    write_article(tmp_path / "100%", "three.md")
    write_article(tmp_path / "100x", "four.md")
    import_files(tmp_path / "a_b", tmp_path / "axb", tmp_path / "100%", tmp_path / "100x")

    report = import_files(tmp_path / "a_b", tmp_path / "100%", prune=True)

    assert counts(report) == (0, 0, 2, 0, 0)
    assert sorted(stored.articles()) == ["four", "one", "three", "two"]


def test_prune_ignores_articles_of_files_named_directly(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md")
    write_article(tmp_path, "b.md")
    import_files(tmp_path)
    (tmp_path / "b.md").unlink()

    report = import_files(tmp_path / "a.md", prune=True)

    assert counts(report) == (0, 0, 1, 0, 0)
    assert sorted(stored.articles()) == ["a", "b"]


def test_prune_keeps_the_article_of_a_file_rejected_this_time(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_article(tmp_path, "a.md", title="Was fine")
    import_files(tmp_path)
    rewrite(path, "---\ntitle: [broken\n---\n")

    report = import_files(tmp_path, prune=True)

    assert counts(report) == (0, 0, 0, 0, 1)
    assert stored.article("a")["title"] == "Was fine"


# Counters


def test_import_keeps_topic_and_provider_counters_right_through_add_edit_and_prune(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    forbes = {"name": "Forbes", "domain": "forbes.com"}
    zdnet = {"name": "ZDNet", "domain": "zdnet.com"}
    a = write_article(
        tmp_path, "a.md", topics=["AI", "AI in Autos"], provider=forbes,
        publishedDateTime="2020-04-01T00:00:00Z",
    )  # fmt: skip
    write_article(
        tmp_path, "b.md", topics=["AI"], provider=forbes, publishedDateTime="2020-05-01T00:00:00Z"
    )
    c = write_article(
        tmp_path, "c.md", topics=["AI in Autos"], provider=zdnet,
        publishedDateTime="2020-03-01T00:00:00-05:00",
    )  # fmt: skip

    def state() -> tuple[dict[str, tuple[int, datetime]], dict[str, int]]:
        topics = {
            s: (t["article_count"], t["latest_published_at"]) for s, t in stored.topics().items()
        }
        providers = {d: p["article_count"] for d, p in stored.providers().items()}
        return topics, providers

    import_files(tmp_path)
    assert state() == (
        {"ai": (2, datetime(2020, 5, 1)), "ai-in-autos": (2, datetime(2020, 4, 1))},
        {"forbes.com": 2, "zdnet.com": 1},
    )

    edit_article(
        a,
        topics=["AI", "Computer Vision"],
        provider=zdnet,
        publishedDateTime="2020-06-01T00:00:00Z",
    )
    import_files(tmp_path)
    assert state() == (
        {
            "ai": (2, datetime(2020, 6, 1)),
            "ai-in-autos": (1, datetime(2020, 3, 1, 5)),
            "computer-vision": (1, datetime(2020, 6, 1)),
        },
        {"forbes.com": 1, "zdnet.com": 2},
    )

    c.unlink()
    import_files(tmp_path, prune=True)
    assert state() == (
        {"ai": (2, datetime(2020, 6, 1)), "computer-vision": (1, datetime(2020, 6, 1))},
        {"forbes.com": 1, "zdnet.com": 1},
    )

    edit_article(a, topics=["AI"], provider=forbes, publishedDateTime="2020-01-01T00:00:00Z")
    import_files(tmp_path)
    assert state() == ({"ai": (2, datetime(2020, 5, 1))}, {"forbes.com": 2})


def test_import_lets_the_latest_imported_file_name_the_provider(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    path = write_article(tmp_path, "a.md", provider={"name": "Old Name", "domain": "p.example"})
    write_article(tmp_path, "b.md", provider={"name": "Old Name", "domain": "P.Example"})
    import_files(tmp_path)
    assert list(stored.providers()) == ["p.example"]

    logo = [{"url": "logo.png", "width": 50, "height": 50}]
    edit_article(path, provider={"name": "New Name", "domain": "p.example", "images": logo})
    import_files(tmp_path)

    provider = stored.providers()["p.example"]
    assert (provider["name"], provider["images"], provider["article_count"]) == (
        "New Name",
        logo,
        2,
    )


# strict


def test_strict_import_writes_nothing_when_any_file_is_rejected(
    tmp_path: Path,
    import_files: ImportFiles,
    stored: StoredData,
    data_version: Callable[[], Hashable],
) -> None:
    edited = write_article(tmp_path, "edited.md", title="Before", topics=["AI"])
    gone = write_article(tmp_path, "gone.md", topics=["Robots"])
    import_files(tmp_path)
    before = stored.dump()
    version = data_version()
    edit_article(edited, title="After", topics=["Vision"])
    gone.unlink()
    write_article(tmp_path, "new.md")
    write_text(tmp_path, "bad.md", "---\nno: closing line\n")

    report = import_files(tmp_path, strict=True, prune=True)

    assert not report.committed
    assert not report.changed
    assert counts(report) == (1, 1, 0, 1, 1)
    assert report.rejected[0].path == str(tmp_path / "bad.md")
    assert stored.dump() == before
    assert data_version() == version


def test_strict_import_into_an_empty_database_leaves_it_empty(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "good.md")
    empty = stored.dump()

    report = import_files(tmp_path, tmp_path / "missing", strict=True)

    assert not report.committed
    assert report.rejected == [Rejection(str(tmp_path / "missing"), "no such file or folder")]
    assert stored.dump() == empty
    assert all(rows == [] for name, rows in empty.items() if name != "catalog")
    assert [row["article_count"] for row in empty["catalog"]] == [0]


def test_strict_import_without_rejections_commits(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "good.md")

    report = import_files(tmp_path, strict=True)

    assert report.committed
    assert report.changed
    assert counts(report) == (1, 0, 0, 0, 0)
    assert list(stored.articles()) == ["good"]


def test_report_as_dict_lists_counts_rejections_and_commit_state(
    tmp_path: Path, import_files: ImportFiles
) -> None:
    write_article(tmp_path, "good.md")
    write_text(tmp_path, "bad.md", "---\ntitle: t\n---\n")

    report = import_files(tmp_path)

    assert report.files == 2
    assert report.as_dict() == {
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "rejected": [
            {
                "path": str(tmp_path / "bad.md"),
                "reason": "no publishedDateTime: every article needs a publication time",
                "line": None,
            }
        ],
        "skipped": [],
        "committed": True,
    }


NOT_DOCUMENTS = [("plain.md", b"Just some notes.\n"), ("empty.md", b"")]


@pytest.mark.parametrize("name, data", NOT_DOCUMENTS, ids=[case[0] for case in NOT_DOCUMENTS])
def test_import_of_a_folder_skips_a_file_without_front_matter_and_reports_it(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData, name: str, data: bytes
) -> None:
    write_article(tmp_path, "good.md", title="Good")
    other = write_bytes(tmp_path, name, data)

    report = import_files(tmp_path)

    assert counts(report) == (1, 0, 0, 0, 0)
    assert report.skipped == [
        Rejection(str(other), "no front matter: the file must start with a line '---'", 1)
    ]
    assert list(stored.articles()) == ["good"]


@pytest.mark.parametrize("name, data", NOT_DOCUMENTS, ids=[case[0] for case in NOT_DOCUMENTS])
def test_import_rejects_a_named_file_without_front_matter(
    tmp_path: Path, import_files: ImportFiles, name: str, data: bytes
) -> None:
    named = write_bytes(tmp_path, name, data)

    report = import_files(named)

    assert report.skipped == []
    assert report.rejected == [
        Rejection(str(named), "no front matter: the file must start with a line '---'", 1)
    ]


def test_import_rejects_an_imported_article_whose_file_lost_its_front_matter(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    article = write_article(tmp_path, "once.md", title="Once an article")
    import_files(tmp_path)
    article.write_text("The front matter was deleted by mistake.\n", encoding="utf-8")

    report = import_files(tmp_path, prune=True)

    assert report.skipped == []
    assert [r.path for r in report.rejected] == [str(article)]
    assert report.removed == 0
    assert list(stored.articles()) == ["once"]


def test_import_with_worker_processes_stores_the_same_as_without(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData, another_engine: Engine
) -> None:
    folder = tmp_path / "articles"
    for index in range(30):
        write_article(
            folder, f"a{index:02}.md", title=f"Article {index}", topics=["AI", f"T{index % 4}"]
        )
    write_text(folder, "bad.md", "---\ntitle: t\n---\n")
    # An mtime from moments ago is not stored (it cannot vouch for the content yet); the
    # second run starts later, perhaps too late for that, so give every file an old one.
    for path in folder.iterdir():
        os.utime(path, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9))
    serial = import_files(folder, workers=1)

    parallel = import_paths(another_engine, [folder], max_file_bytes=MiB, workers=2)

    assert parallel.as_dict() == serial.as_dict()
    before, after = stored.dump(), StoredData(another_engine).dump()
    for catalog in (before["catalog"], after["catalog"]):
        for row in catalog:
            # When each import ran, and the id each database's change log was given.
            del row["changed_at"], row["change_log_id"]
    assert after == before


def test_catalog_counts_articles_and_moves_to_a_new_generation_only_when_something_changed(
    tmp_path: Path, import_files: ImportFiles, stored: StoredData
) -> None:
    write_article(tmp_path, "a.md")
    write_article(tmp_path, "b.md")
    import_files(tmp_path)
    first = stored.dump()["catalog"]

    import_files(tmp_path)
    unchanged = stored.dump()["catalog"]
    (tmp_path / "b.md").unlink()
    import_files(tmp_path, prune=True)
    pruned = stored.dump()["catalog"]

    assert first[0]["article_count"] == 2
    assert unchanged == first
    assert pruned[0]["article_count"] == 1
    assert pruned[0]["generation"] == first[0]["generation"] + 1
