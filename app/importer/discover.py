"""Find the article files named on the command line: files as given, folders recursively."""

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html"})


@dataclass(frozen=True)
class Candidate:
    """A file to import, as an absolute path, and the article slug it would hold. `named` is
    true for a file named on the command line, false for one found in a folder."""

    path: str
    slug: str
    named: bool = False


@dataclass(frozen=True)
class Missing:
    """A path named on the command line that does not exist or cannot be listed."""

    path: str
    reason: str


def slug_for(path: str) -> str:
    """The article slug a file holds: its name without the extension."""
    name = os.path.basename(path)
    stem, dot, _suffix = name.rpartition(".")
    return stem if dot and stem else name


def discover(paths: Iterable[str | Path]) -> tuple[list[Candidate], list[Missing], list[str]]:
    """List the article files under `paths`, in a stable order.

    Returns the candidates, the paths that could not be read, and the folders that were walked
    (the scope of `--prune`). A file named directly is taken whatever its extension; inside a
    folder only Jekyll's article extensions count, and hidden files and folders are skipped.
    Symbolic links to folders are not followed, so a link loop cannot trap the walk.
    """
    found: dict[str, Candidate] = {}
    missing: list[Missing] = []
    folders: list[str] = []
    for given in paths:
        path = os.path.abspath(os.fspath(given))
        if os.path.isdir(path):
            folders.append(path)
            for file_path in _walk(path, missing):
                found.setdefault(file_path, Candidate(file_path, slug_for(file_path)))
        elif os.path.lexists(path):
            found.setdefault(path, Candidate(path, slug_for(path), named=True))
        else:
            missing.append(Missing(path, "no such file or folder"))
    return sorted(found.values(), key=lambda c: c.path), missing, folders


def _walk(folder: str, missing: list[Missing]) -> list[str]:
    def on_error(error: OSError) -> None:
        missing.append(Missing(error.filename or folder, f"cannot list folder: {error.strerror}"))

    files: list[str] = []
    for root, dirs, names in os.walk(folder, onerror=on_error, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES:
                files.append(os.path.join(root, name))
    return files
