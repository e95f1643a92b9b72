"""The importer keeps the full-text index and the change log in step with the articles."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.search import fts5
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, write_article

FTS5 = pytest.mark.sqlite_only(
    "reads the FTS5 index itself; PostgreSQL search is tested through the API"
)


def indexed(engine: Engine) -> dict[int, tuple[str, str | None, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT rowid, title, excerpt, body FROM article_search"))
        return {rowid: (title, excerpt, body) for rowid, title, excerpt, body in rows}


def stored(engine: Engine) -> dict[int, tuple[str, str | None, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.id, a.title, a.excerpt, s.body FROM article AS a "
                "JOIN article_source AS s ON s.article_id = a.id"
            )
        )
        return {article_id: (title, excerpt, body) for article_id, title, excerpt, body in rows}


def matches(engine: Engine, query: str) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.slug FROM article_search JOIN article AS a ON a.id = article_search.rowid"
                " WHERE article_search MATCH :query"
            ),
            {"query": query},
        )
        return set(rows.scalars())


def change_log(engine: Engine) -> tuple[int, list[tuple[str, int, int]], list[tuple[str, int]]]:
    """The last position handed out, each article's positions, and the tombstones."""
    with engine.connect() as connection:
        last = connection.execute(text("SELECT change_seq FROM catalog")).scalar_one()
        articles = connection.execute(
            text("SELECT slug, created_seq, change_seq FROM article ORDER BY slug")
        ).all()
        tombstones = connection.execute(
            text("SELECT slug, seq FROM article_tombstone ORDER BY slug")
        ).all()
    return last, [tuple(row) for row in articles], [tuple(row) for row in tombstones]


def assert_index_sound(engine: Engine) -> None:
    assert indexed(engine) == stored(engine)
    with engine.begin() as connection:
        # FTS5 checks its own structures against what it indexed; it raises when corrupt.
        connection.execute(
            text("INSERT INTO article_search (article_search, rank) VALUES ('integrity-check', 1)")
        )


@FTS5
def test_every_imported_article_is_indexed_with_its_title_excerpt_and_body(
    import_files: ImportFiles, engine: Engine
) -> None:
    import_files(FIXTURES)

    assert len(indexed(engine)) == 8
    assert_index_sound(engine)


@FTS5
def test_an_edited_article_is_found_by_its_new_words_only(
    tmp_path: Path, import_files: ImportFiles, engine: Engine
) -> None:
    write_article(tmp_path, "a.md", title="Zeppelins return", body="Airships are back.")
    write_article(tmp_path, "b.md", title="Submarines", body="Under the sea.")
    import_files(tmp_path)
    assert matches(engine, "zeppelins") == {"a"}

    write_article(tmp_path, "a.md", title="Gliders return", body="Silent flight.")
    import_files(tmp_path)

    assert matches(engine, "zeppelins") == set()
    assert matches(engine, "airships") == set()
    assert matches(engine, "gliders") == {"a"}
    assert matches(engine, "silent") == {"a"}
    assert_index_sound(engine)


@FTS5
def test_a_pruned_article_leaves_the_index(
    tmp_path: Path, import_files: ImportFiles, engine: Engine
) -> None:
    write_article(tmp_path, "a.md", title="Zeppelins")
    write_article(tmp_path, "b.md", title="Submarines")
    import_files(tmp_path)
    (tmp_path / "a.md").unlink()

    import_files(tmp_path, prune=True)

    assert matches(engine, "zeppelins") == set()
    assert_index_sound(engine)


@FTS5
def test_accents_and_case_do_not_matter_to_the_index(
    tmp_path: Path, import_files: ImportFiles, engine: Engine
) -> None:
    write_article(tmp_path, "a.md", title="Café CRÈME à Zürich")
    import_files(tmp_path)

    assert matches(engine, "cafe") == matches(engine, "ZURICH") == matches(engine, "crème") == {"a"}


@FTS5
def test_a_rolled_back_import_leaves_the_index_as_it_was(
    tmp_path: Path, import_files: ImportFiles, engine: Engine
) -> None:
    write_article(tmp_path, "a.md", title="Zeppelins")
    import_files(tmp_path)
    write_article(tmp_path, "a.md", title="Gliders")
    (tmp_path / "bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")

    report = import_files(tmp_path, strict=True)

    assert report.committed is False
    assert matches(engine, "zeppelins") == {"a"}
    assert matches(engine, "gliders") == set()
    assert_index_sound(engine)


def test_a_rolled_back_import_leaves_the_change_log_as_it_was(
    tmp_path: Path, import_files: ImportFiles, engine: Engine
) -> None:
    write_article(tmp_path, "a.md", title="Zeppelins")
    gone = write_article(tmp_path, "gone.md")
    import_files(tmp_path)
    before = change_log(engine)
    write_article(tmp_path, "a.md", title="Gliders")
    write_article(tmp_path, "new.md")
    gone.unlink()
    (tmp_path / "bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")

    report = import_files(tmp_path, strict=True, prune=True)

    assert report.committed is False
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert change_log(engine) == before


def test_each_change_takes_the_next_position_of_the_log(
    tmp_path: Path, import_files: ImportFiles, engine: Engine
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "a.md")
    write_article(folder, "b.md")
    import_files(folder)
    write_article(folder, "a.md", title="edited")
    (folder / "b.md").unlink()
    import_files(folder, prune=True)

    with engine.connect() as connection:
        article = connection.execute(
            text("SELECT slug, created_seq, change_seq FROM article")
        ).all()
        tombstones = connection.execute(text("SELECT slug, seq FROM article_tombstone")).all()
        last = connection.execute(text("SELECT change_seq FROM catalog")).scalar_one()
    assert [tuple(row) for row in article] == [("a", 1, 3)]
    assert [tuple(row) for row in tombstones] == [("b", 4)]
    assert last == 4


def segments(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(DISTINCT id >> 37) FROM article_search_data WHERE id >= 1 << 37")
        ).scalar_one()


@FTS5
def test_an_import_merges_the_index_once_segments_pile_up(
    engine: Engine, import_files: ImportFiles, tmp_path: Path
) -> None:
    # Without FTS5's own merging, every import that writes leaves one more segment.
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO article_search(article_search, rank) VALUES ('automerge', 0)")
        )
    counts = []
    for number in range(fts5.MAX_SEGMENTS + 2):
        write_article(tmp_path / str(number), f"piece-{number}.md", f"zeppelin number {number}")
        import_files(tmp_path / str(number))
        counts.append(segments(engine))
    assert counts == [*range(1, fts5.MAX_SEGMENTS + 1), 1, 2]
    assert_index_sound(engine)
    assert matches(engine, "zeppelin") == {f"piece-{n}" for n in range(fts5.MAX_SEGMENTS + 2)}

    # An import that writes nothing leaves the index alone.
    import_files(*(tmp_path / str(n) for n in range(fts5.MAX_SEGMENTS + 2)))
    assert segments(engine) == 2


@FTS5
def test_merging_a_merged_index_does_nothing(engine: Engine, import_files: ImportFiles) -> None:
    import_files(FIXTURES)
    with engine.begin() as connection:
        assert fts5.merge_segments(connection) is False
    assert segments(engine) == 1
