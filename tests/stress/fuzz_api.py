"""Hostile requests at length: schemathesis against every operation of the app's OpenAPI
document (valid and invalid requests, many examples each), then hostile query strings timed
against a corpus of generated articles. Prints its figures; exits 1 on any failure.

usage: python -m tests.stress.fuzz_api [--examples 300] [--articles 5000] [--seed S]

The test suite runs a few examples of the same checks (tests/api/test_openapi_fuzz.py) and one
request of each hostile kind (tests/api/test_hostile_requests.py).
"""

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.generation.case import Case
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation

from app import migrate
from app.db import make_engine
from app.importer.load import import_paths
from app.main import create_app
from app.settings import Settings
from tests.api.test_hostile_requests import call
from tests.api.test_openapi_fuzz import CHECKS, cases, operations, query_names, send
from tests.helpers import FIXTURES
from tests.perf.corpus import write_corpus

# A hostile request answered more slowly than this (in-process, no network) fails the run: a
# bound that lets a pathological query through, not a busy machine, should trip it.
SLOW_MS = 1000.0


@dataclass
class Tally:
    """What one operation answered in one generation mode."""

    statuses: Counter[int] = field(default_factory=Counter)
    failure: str | None = None


def fuzz_operation(
    client: TestClient, operation: APIOperation, mode: GenerationMode, examples: int, seed: int
) -> Tally:
    tally = Tally()

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(cases(operation, mode))
    def run(case: Case) -> None:
        response = send(client, case)
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Exception as failure:  # every failure is reported, then the run fails
        tally.failure = f"{type(failure).__name__}: {failure}"[:2000]
    return tally


def fuzz_all(client: TestClient, examples: int, seed: int) -> bool:
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    ok = True
    total = 0
    started = time.perf_counter()
    print(f"schemathesis: up to {examples} examples per operation and mode")
    for operation in operations(schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not query_names(operation):
                continue
            tally = fuzz_operation(client, operation, mode, examples, seed)
            sent = sum(tally.statuses.values())
            total += sent
            statuses = " ".join(f"{code}x{n}" for code, n in sorted(tally.statuses.items()))
            verdict = "ok" if tally.failure is None else "FAILED"
            print(f"  {operation.label:45} {mode.value:8} {sent:5} requests  {statuses}  {verdict}")
            if tally.failure is not None:
                ok = False
                print("    " + tally.failure.replace("\n", "\n    "))
    seconds = time.perf_counter() - started
    print(f"  {total} requests in {seconds:.0f} s, {'no failure' if ok else 'FAILURES'}")
    return ok


def cursor_of(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def hostile_requests(settings: Settings) -> dict[str, list[str]]:
    """Kinds of hostile request, each a list of URLs (path and query)."""
    longest = settings.max_parameter_length
    most = settings.max_parameter_values
    # As many values as a URL under the bound can carry, each as long as allowed.
    room = settings.max_url_bytes - 200
    long_values = "&".join(f"topic={'t' * longest}" for _ in range(room // (longest + 7)))
    many_values = "&".join(f"provider={'p' * (room // most - 10)}" for _ in range(most))
    everything = (
        "facets=topic,provider,type,published,month&sort=heat&limit=100&published=true"
        "&from=0001-01-01&to=9999-12-31&min_quality=-9223372036854775808"
        "&max_quality=9223372036854775807&type=article&topic=ai"
    )
    injections = ["' OR 1=1 --", '"; DROP TABLE article; --', "%' OR '%'='", "1) OR (1=1"]
    return {
        "injection in every filter": [
            f"/articles?{name}={value}"
            for value in injections
            for name in ("topic", "provider", "type", "q", "from", "cursor", "facets", "sort")
        ],
        "longest values allowed": [f"/articles?{long_values}", f"/articles.csv?{long_values}"],
        "most values allowed": [
            f"/articles?{many_values}",
            f"/articles?{many_values}&{everything}",
        ],
        "every filter and facet": [f"/articles?{everything}", f"/topics/ai/articles?{everything}"],
        "too long or too many (refused)": [
            f"/articles?topic={'t' * (longest + 1)}",
            "/articles?" + "&".join(["topic=ai"] * (most + 1)),
            "/articles?" + "&".join(f"p{n}=v" for n in range(20_000)),
            "/topics/" + "t" * 20_000,
        ],
        "absurd cursors": [
            f"/articles?cursor={cursor}"
            for cursor in (
                "A" * 1000,
                cursor_of(["newest", ["9999-12-31T23:59:59", "\uffff" * 100]]),
                cursor_of(["heat", [2**63 - 1, "0001-01-01T00:00:00", ""]]),
                cursor_of(json.loads("[" * 300 + "]" * 300)),
            )
        ]
        + ["/articles?sort=heat&cursor=" + cursor_of(["heat", [None, "0001-01-01T00:00:00", ""]])],
        "absurd limits and dates": [
            f"/articles?{query}"
            for query in ("limit=" + "9" * 1000, "limit=NaN", "from=99999-01-01", "to=now")
        ],
        "broken encodings": [
            "/articles?topic=%ff%fe",
            "/articles?topic=%00",
            "/articles/%ed%a0%80",
            "/articles?%ff=1",
        ],
    }


def time_hostile(settings: Settings, repeats: int) -> bool:
    print(f"hostile requests: each sent {repeats} times, milliseconds in-process")
    # Straight to the ASGI app: HTTP clients refuse (or rewrite) some of these URLs.
    app = create_app(settings)
    ok = True
    for kind, urls in hostile_requests(settings).items():
        timings: list[float] = []
        statuses: Counter[int] = Counter()
        for url in urls:
            path, _, query = url.partition("?")
            for _ in range(repeats):
                started = time.perf_counter()
                status, _body = call(app, path, query.encode())
                timings.append((time.perf_counter() - started) * 1000)
                statuses[status] += 1
                if status >= 500:
                    ok = False
                    print(f"  SERVER ERROR {status} for {url[:120]}")
        slowest = max(timings)
        if slowest > SLOW_MS:
            ok = False
        shown = " ".join(f"{code}x{n}" for code, n in sorted(statuses.items()))
        print(
            f"  {kind:32} median {statistics.median(timings):6.1f}  max {slowest:6.1f}  {shown}"
            + ("  SLOW" if slowest > SLOW_MS else "")
        )
    return ok


def prepare(folder: Path, articles: int) -> Settings:
    """A database with the real fixtures and `articles` generated ones."""
    url = f"sqlite:///{folder / 'articles.db'}"
    migrate.upgrade(url)
    write_corpus(articles, folder / "corpus")
    engine = make_engine(url)
    started = time.perf_counter()
    report = import_paths(engine, [FIXTURES, folder / "corpus"], max_file_bytes=1 << 20)
    engine.dispose()
    seconds = time.perf_counter() - started
    rejected = len(report.rejected)
    print(f"corpus: {report.added} articles imported in {seconds:.1f} s ({rejected} rejected)")
    return Settings(database_url=url)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="per operation and mode")
    parser.add_argument("--articles", type=int, default=5000, help="generated articles")
    parser.add_argument("--repeats", type=int, default=20, help="sends of each hostile request")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    options = parser.parse_args(argv)
    print(f"seed {options.seed}")
    with tempfile.TemporaryDirectory() as folder:
        settings = prepare(Path(folder), options.articles)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            steps: list[Callable[[], bool]] = [
                lambda: fuzz_all(client, options.examples, options.seed),
                lambda: time_hostile(settings, options.repeats),
            ]
            ok = all([step() for step in steps])
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
