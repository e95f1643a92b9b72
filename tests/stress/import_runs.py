"""Run `articles import` in a child process and measure it: exit code, report, time, peak RSS."""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ImportRun:
    """How one `articles import --json` ended. `peak_rss_bytes` is the largest resident set of
    the process or of any worker process it waited for."""

    exit_code: int
    report: dict[str, Any] | None
    seconds: float
    peak_rss_bytes: int
    stderr: str

    def reasons(self) -> dict[str, str]:
        """File name -> reason, for every rejected and skipped file."""
        assert self.report is not None, self.stderr
        entries = self.report["rejected"] + self.report["skipped"]
        return {Path(entry["path"]).name: entry["reason"] for entry in entries}


def start_import(database_url: str, *args: str, **popen: Any) -> subprocess.Popen[bytes]:
    """Start `articles import ARGS...` on `database_url` in a child process."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "import", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        **popen,
    )


def run_import(
    database_url: str, *args: str, timeout_s: float = 300, user: int | None = None
) -> ImportRun:
    """Run `articles import --json ARGS...` to its end (killed after `timeout_s`), as `user`
    when given."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = start_import(database_url, "--json", *args, stdout=out, stderr=err, user=user)
        watchdog = threading.Timer(timeout_s, process.kill)
        watchdog.start()
        try:
            # wait4, not Popen.wait: it also says how much memory the process used.
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode(errors="replace")
    try:
        report = json.loads(output)
    except ValueError:
        report = None
    return ImportRun(process.returncode, report, seconds, usage.ru_maxrss * 1024, errors)
