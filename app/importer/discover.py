"""Find the article files named on the command line: files as given, folders recursively."""

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ARTICLE_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to import, as an absolute path. `named` is true for a file named on the command
    line, false for one found in a folder."""

    # Slots and a slug worked out when asked: a million candidates are held at once.
    path: str
    named: bool = False

    @property
    def slug(self) -> str:
        """The article slug the file would hold."""
        return slug_for(self.path)


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
    found: list[Candidate] = []
    missing: list[Missing] = []
    folders: list[str] = []
    for given in paths:
        path = os.path.abspath(os.fspath(given))
        if os.path.isdir(path):
            folders.append(path)
            found.extend(Candidate(file_path) for file_path in _walk(path, missing))
        elif os.path.lexists(path):
            found.append(Candidate(path, named=True))
        else:
            missing.append(Missing(path, "no such file or folder"))
    # A file found twice (named, and in a folder named too) counts once, as first found: the
    # sort is stable. A list sorted in place costs no more than the candidates themselves.
    found.sort(key=lambda candidate: candidate.path)
    return (
        [
            candidate
            for index, candidate in enumerate(found)
            if index == 0 or found[index - 1].path != candidate.path
        ],
        missing,
        folders,
    )


def _walk(folder: str, missing: list[Missing]) -> Iterator[str]:
    """The article files under `folder`, one at a time: a folder of a million files is never
    held as a list of names. Hidden entries are skipped, linked folders not entered."""
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if _is_folder(entry):
                        if not entry.is_symlink():
                            pending.append(entry.path)
                    elif os.path.splitext(entry.name)[1].lower() in ARTICLE_SUFFIXES:
                        yield entry.path
        except OSError as error:
            missing.append(
                Missing(error.filename or current, f"cannot list folder: {error.strerror}")
            )


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
