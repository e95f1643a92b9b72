"""What a benchmark run found, printed as one table (plus the comparison with the kit) or JSON."""

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.perf.load import LoadResult, median_result

MB = 1024  # KiB per MiB


@dataclass
class Row:
    """One path loaded on one server, possibly several times."""

    server: str
    key: str
    title: str
    path: str
    status: int = 0
    size: int = 0
    runs: list[LoadResult] = field(default_factory=list)

    @property
    def median(self) -> LoadResult:
        """Median figures over the runs."""
        return median_result(self.runs)


@dataclass
class ImportFigures:
    """The timed first import (or the figures of the run that built a reused database)."""

    files: int
    seconds: float
    peak_rss_kb: int
    reused_from: str | None = None  # when the database was built by an earlier run

    @property
    def files_per_second(self) -> float:
        """Import throughput."""
        return self.files / self.seconds if self.seconds else math.nan


@dataclass
class Report:
    """Everything a run measured."""

    settings: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    lines: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def rows_of(self, server: str) -> list[Row]:
        """The rows loaded on one server, in load order."""
        return [row for row in self.rows if row.server == server]

    def find(self, server: str, key: str) -> Row | None:
        """The row for `key` on `server`, if it was loaded."""
        return next((r for r in self.rows if r.server == server and r.key == key), None)


def _number(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator or math.isnan(numerator) or math.isnan(denominator):
        return "-"
    return f"{numerator / denominator:.2f}"


def _table(header: list[str], body: list[list[str]], left: int) -> str:
    """Columns sized to fit; the first `left` columns flush left, the rest flush right."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in body)])


def api_table(report: Report) -> str:
    """The main table: one line per API query, medians over the repeats."""
    header = ["query", "what", "code", "bytes", "req/s", "p50 ms", "p99 ms", "errors", "cpu%"]
    body = []
    for row in report.rows_of("api"):
        m = row.median
        body.append([
            row.key, row.title, str(row.status), str(row.size), _number(m.rps),
            _number(m.p50_ms, 2), _number(m.p99_ms, 2), str(m.errors),
            _number(m.cpu_percent or math.nan, 0),
        ])  # fmt: skip
    return _table(header, body, left=2)


def reference_table(report: Report) -> str:
    """The API against Datasette's canned queries and/or the nginx ceiling, whichever ran."""
    with_ds, with_nginx = bool(report.rows_of("datasette")), bool(report.rows_of("nginx"))
    header = ["query", "Datasette form"] if with_ds else ["query"]
    header += ["API req/s", "API p99"]
    if with_ds:
        header += ["DS req/s", "DS p99", "DS errors", "DS code", "API/DS"]
    if with_nginx:
        header += ["nginx req/s", "API/nginx"]
    body = []
    for api in report.rows_of("api"):
        references = [r for r in report.rows_of("datasette") if r.key in _forms(report, api.key)]
        # A conditional row (If-None-Match) is held against nginx serving the same path.
        ceiling = report.find("nginx", api.key) or report.find("nginx", api.key.split()[0])
        options: list[Row | None] = [*references] or [None]
        for reference in options:
            line = [api.key]
            if with_ds:
                line.append(reference.key if reference else "-")
            line += [_number(api.median.rps), _number(api.median.p99_ms, 2)]
            if with_ds:
                line += _reference_cells(api, reference)
            if with_nginx:
                top = ceiling.median.rps if ceiling else None
                line += [_number(top or math.nan), _ratio(api.median.rps, top)]
            body.append(line)
    return _table(header, body, left=2 if with_ds else 1)


def _reference_cells(api: Row, reference: Row | None) -> list[str]:
    if reference is None:
        return ["-"] * 5
    ds = reference.median
    return [
        _number(ds.rps), _number(ds.p99_ms, 2), str(ds.errors), str(reference.status),
        _ratio(api.median.rps, ds.rps),
    ]  # fmt: skip


def _forms(report: Report, key: str) -> list[str]:
    forms: dict[str, list[str]] = report.figures.get("reference_forms", {})
    return forms.get(key, [])


def render(report: Report) -> str:
    """The whole printed report: table, figure lines, comparison, paths, notes."""
    parts = [api_table(report), ""]
    width = max(len(label) for label in report.lines) if report.lines else 0
    parts += [f"{label.ljust(width)}  {text}" for label, text in report.lines.items()]
    if report.rows_of("datasette") or report.rows_of("nginx"):
        parts += ["", "API against the references (req/s ratios; above 1: the API is faster)"]
        parts += ["", reference_table(report)]
    parts += ["", "paths:"]
    parts += [f"  {row.server:9} {row.key:22} {_shorten(row.path)}" for row in report.rows]
    if report.notes:
        parts += ["", "notes:", *(f"  - {note}" for note in report.notes)]
    return "\n".join(parts)


def _shorten(path: str, limit: int = 110) -> str:
    return path if len(path) <= limit else path[: limit - 3] + "..."


def write_json(report: Report, path: Path) -> None:
    """Save the report (runs, medians, figures, notes) as JSON."""
    document = {
        "settings": report.settings,
        "figures": report.figures,
        "lines": report.lines,
        "notes": report.notes,
        "rows": [{**asdict(row), "median": asdict(row.median)} for row in report.rows],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
