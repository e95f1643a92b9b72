"""discover: which files an import reads, given files and folders."""

import threading
from pathlib import Path

import pytest

from app.importer.discover import Candidate, Missing, discover, slug_for
from tests.helpers import write_text


def touch(folder: Path, *names: str) -> list[Path]:
    return [write_text(folder, name, "---\ntitle: t\n---\n") for name in names]


def found_paths(paths: list[str | Path]) -> list[str]:
    candidates, missing, _folders = discover(paths)
    assert missing == []
    return [c.path for c in candidates]


def test_discover_takes_a_file_named_directly_whatever_its_extension(tmp_path: Path) -> None:
    files = touch(tmp_path, "notes.yaml", "README", "page.MD", "archive.tar.gz")

    candidates, missing, folders = discover(files)

    assert candidates == sorted(
        [
            Candidate(str(tmp_path / "notes.yaml"), named=True),
            Candidate(str(tmp_path / "README"), named=True),
            Candidate(str(tmp_path / "page.MD"), named=True),
            Candidate(str(tmp_path / "archive.tar.gz"), named=True),
        ],
        key=lambda c: c.path,
    )
    assert {c.slug for c in candidates} == {"notes", "README", "page", "archive.tar"}
    assert missing == []
    assert folders == []


def test_discover_takes_a_hidden_file_named_directly(tmp_path: Path) -> None:
    (hidden,) = touch(tmp_path, ".draft.md")

    assert found_paths([hidden]) == [str(hidden)]


def test_discover_reads_folders_recursively_keeping_only_article_extensions(
    tmp_path: Path,
) -> None:
    touch(
        tmp_path,
        "a.md",
        "b.markdown",
        "c.txt",
        "d.html",
        "E.MD",
        "sub/deeper/f.md",
        "sub/g.Txt",
        "notes.yaml",
        "data.json",
        "image.jpg",
        "README",
        "page.htm",
        "sub/h.md.bak",
    )

    assert found_paths([tmp_path]) == [
        str(tmp_path / name)
        for name in sorted(
            ["a.md", "b.markdown", "c.txt", "d.html", "E.MD", "sub/deeper/f.md", "sub/g.Txt"]
        )
    ]


def test_discover_skips_hidden_files_and_folders_inside_folders(tmp_path: Path) -> None:
    touch(tmp_path, "visible.md", ".hidden.md", ".git/HEAD.md", ".drafts/sub/x.md", "sub/.y.md")

    assert found_paths([tmp_path]) == [str(tmp_path / "visible.md")]


def test_discover_walks_a_hidden_folder_named_directly(tmp_path: Path) -> None:
    touch(tmp_path, ".articles/a.md")

    assert found_paths([tmp_path / ".articles"]) == [str(tmp_path / ".articles" / "a.md")]


def test_discover_gives_the_slug_of_each_file(tmp_path: Path) -> None:
    touch(tmp_path, "2020-04-16-some-title.md", "000_29aed2788627c48c.txt", "v1.2.md")

    candidates, _missing, _folders = discover([tmp_path])

    assert [c.slug for c in candidates] == [
        "000_29aed2788627c48c",
        "2020-04-16-some-title",
        "v1.2",
    ]


@pytest.mark.parametrize(
    "name, slug",
    [("a.md", "a"), ("a.b.md", "a.b"), ("README", "README"), ("/x/y/z.html", "z"), (".md", ".md")],
)
def test_slug_for_is_the_file_name_without_its_extension(name: str, slug: str) -> None:
    assert slug_for(name) == slug


def test_discover_lists_files_in_a_stable_order_and_each_once(tmp_path: Path) -> None:
    touch(tmp_path, "b/2.md", "a/1.md", "c.md")

    paths = found_paths([tmp_path / "c.md", tmp_path, tmp_path / "a", tmp_path / "a" / "1.md"])

    assert paths == [str(tmp_path / n) for n in ("a/1.md", "b/2.md", "c.md")]


def test_discover_returns_absolute_paths_and_the_folders_it_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "arts/a.md", "more/b.md", "c.md")
    monkeypatch.chdir(tmp_path)

    candidates, missing, folders = discover(["arts", Path("more"), "c.md"])

    assert [c.path for c in candidates] == [
        str(tmp_path / "arts" / "a.md"),
        str(tmp_path / "c.md"),
        str(tmp_path / "more" / "b.md"),
    ]
    assert missing == []
    assert folders == [str(tmp_path / "arts"), str(tmp_path / "more")]


def test_discover_reports_a_missing_path_and_still_lists_the_others(tmp_path: Path) -> None:
    touch(tmp_path, "arts/a.md")

    candidates, missing, folders = discover(
        [tmp_path / "nope", tmp_path / "arts", str(tmp_path / "gone.md")]
    )

    assert [c.path for c in candidates] == [str(tmp_path / "arts" / "a.md")]
    assert missing == [
        Missing(str(tmp_path / "nope"), "no such file or folder"),
        Missing(str(tmp_path / "gone.md"), "no such file or folder"),
    ]
    assert folders == [str(tmp_path / "arts")]


def test_discover_does_not_follow_a_symlink_loop(tmp_path: Path) -> None:
    touch(tmp_path, "arts/a.md", "arts/sub/b.md")
    (tmp_path / "arts" / "sub" / "loop").symlink_to(tmp_path / "arts", target_is_directory=True)
    (tmp_path / "arts" / "self.md").symlink_to(tmp_path / "arts" / "self.md")
    result: list[list[str]] = []
    walker = threading.Thread(target=lambda: result.append(found_paths([tmp_path / "arts"])))

    walker.start()
    walker.join(timeout=10)

    assert not walker.is_alive(), "discover did not return: it followed the link loop"
    # The looping file link is listed (the import rejects it); the folder link is not followed.
    assert result == [
        [str(tmp_path / "arts" / n) for n in ("a.md", "self.md", "sub/b.md")],
    ]


def test_discover_lists_a_symlinked_file_and_walks_a_folder_named_through_a_link(
    tmp_path: Path,
) -> None:
    touch(tmp_path, "real/a.md", "elsewhere/b.md")
    (tmp_path / "real" / "link.md").symlink_to(tmp_path / "elsewhere" / "b.md")
    (tmp_path / "via").symlink_to(tmp_path / "real", target_is_directory=True)

    assert found_paths([tmp_path / "via"]) == [
        str(tmp_path / "via" / "a.md"),
        str(tmp_path / "via" / "link.md"),
    ]
