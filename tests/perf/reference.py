"""The reference kit (../shared/bench): its importer, Datasette with its canned queries, nginx.

The kit's files are used as they are: load_reference.py builds news.db, metadata.yml holds the
canned queries, paths.py prints their paths, and nginx.conf is the ceiling's configuration
(only its port, pid file, log and root are pointed into the benchmark's work dir).
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.perf.client import get
from tests.perf.procs import BenchError

KIT_FILES = ("load_reference.py", "paths.py", "metadata.yml", "nginx.conf")


@dataclass(frozen=True)
class Kit:
    """Where the reference kit lives."""

    root: Path

    def file(self, name: str) -> Path:
        """Path of one of the kit's files."""
        return self.root / name


def locate_kit(root: Path) -> Kit:
    """The kit at `root`.

    Raises:
        BenchError: the folder or one of the files the benchmark uses is missing.
    """
    missing = [name for name in KIT_FILES if not (root / name).is_file()]
    if not root.is_dir() or missing:
        what = "folder" if not root.is_dir() else ", ".join(missing)
        raise BenchError(
            f"reference kit not found at {root} (missing: {what}); pass --kit PATH "
            "(the folder with load_reference.py, paths.py, metadata.yml, nginx.conf)"
        )
    return Kit(root)


def find_datasette() -> str:
    """The Datasette executable: $DATASETTE, else `datasette` on PATH.

    Raises:
        BenchError: neither exists.
    """
    wanted = os.environ.get("DATASETTE", "datasette")
    found = shutil.which(wanted)
    if found is None:
        raise BenchError(
            f"Datasette not found ({wanted!r}): pip install datasette in a virtualenv and set "
            "DATASETTE=/path/to/venv/bin/datasette"
        )
    return found


def find_nginx() -> str:
    """The nginx executable on PATH.

    Raises:
        BenchError: nginx is not installed.
    """
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        raise BenchError("--nginx: nginx is not installed (apt-get install nginx)")
    return found


def kit_python(explicit: str | None, datasette: str | None) -> str:
    """A Python with PyYAML for load_reference.py: --kit-python, else the one beside Datasette,
    else the one running the benchmark (the project's venv has PyYAML)."""
    if explicit:
        return explicit
    if datasette:
        beside = Path(datasette).parent / "python"
        if beside.exists() and _has_yaml(str(beside)):
            return str(beside)
    return sys.executable


def _has_yaml(python: str) -> bool:
    check = [python, "-c", "import yaml"]
    return subprocess.run(check, capture_output=True, check=False).returncode == 0


def parse_reference_import(output: str) -> float | None:
    """load_reference.py's end-to-end single-process time (`total_s=`), if printed."""
    match = re.search(r"^total_s=([0-9.]+)", output, re.M)
    return float(match[1]) if match else None


def datasette_argv(datasette: str, kit: Kit, port: int) -> list[str]:
    """Serve news.db (from the current folder) with the kit's canned queries, as the kit does."""
    return [
        datasette, "serve", "news.db",
        "--metadata", str(kit.file("metadata.yml")),
        "-h", "127.0.0.1", "-p", str(port),
        "--setting", "default_cache_ttl", "0",
    ]  # fmt: skip


def reference_paths(kit: Kit, database: Path) -> dict[str, str]:
    """Canned query name -> Datasette path, as the kit's paths.py prints them.

    Raises:
        BenchError: paths.py failed.
    """
    done = subprocess.run(
        [sys.executable, str(kit.file("paths.py")), str(database)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"paths.py failed: {done.stderr.strip()}")
    paths = {}
    for line in done.stdout.split():
        name = line.split("?", 1)[0].rsplit("/", 1)[1].removesuffix(".json")
        paths[name] = line
    return paths


def nginx_config(kit: Kit, port: int, root: Path, workdir: Path) -> Path:
    """The kit's nginx.conf with its port, pid file, error log and root moved into `workdir`."""
    text = kit.file("nginx.conf").read_text()
    replacements = {
        r"listen\s+127\.0\.0\.1:\d+;": f"listen 127.0.0.1:{port};",
        r"^pid\s+\S+;": f"pid {workdir / 'nginx.pid'};",
        r"^error_log\s+\S+;": f"error_log {workdir / 'nginx-error.log'};",
        r"root\s+\S+;": f"root {root};",
    }
    for pattern, replacement in replacements.items():
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        if count != 1:
            raise BenchError(f"the kit's nginx.conf has changed: no single {pattern!r}")
    config = workdir / "nginx.conf"
    config.write_text(text)
    return config


def nginx_argv(nginx: str, config: Path) -> list[str]:
    """nginx in the foreground (so the process we started is the master we stop)."""
    return [nginx, "-c", str(config), "-p", str(config.parent), "-g", "daemon off;"]


def snapshot(base: str, paths: dict[str, str], outdir: Path) -> dict[str, str]:
    """Save each answer as OUTDIR/<name>.json (what the kit's snapshot.sh does); name -> path.

    Raises:
        BenchError: an answer was not 200.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    served = {}
    for name, path in paths.items():
        reply = get(base + path)
        if reply.status != 200:
            raise BenchError(f"snapshot of {path} answered {reply.status}")
        file_name = re.sub(r"[^A-Za-z0-9_-]+", "_", name).lower() + ".json"
        (outdir / file_name).write_bytes(reply.body)
        served[name] = "/" + file_name
    return served
