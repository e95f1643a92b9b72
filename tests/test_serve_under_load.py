"""`articles serve` with several workers under many clients while an import runs: no request
fails or meets a lock, every answer is wholly from before or wholly from after the import, and
a cursor walk or a /changes sync begun before it ends exact (the long run: tests/stress)."""

import asyncio
from pathlib import Path

from sqlalchemy import Engine

from app.importer.load import import_paths
from tests.stress.generations import Corpus
from tests.stress.server import alarms, run_import, serving
from tests.stress.traffic import LoadOptions, run_load


def test_an_import_under_load_fails_no_request_and_shows_each_answer_one_state_only(
    tmp_path: Path, engine: Engine, database_url: str
) -> None:
    corpus = Corpus(initial=1000, added=1000, removed=100)
    folder = tmp_path / "articles"
    corpus.write(folder, 1)
    assert import_paths(engine, [folder], max_file_bytes=1 << 20).added == 1000
    corpus.write(folder, 2)  # 900 rewritten, 100 gone, 1000 new: imported under load

    with serving(database_url, workers=2, log=tmp_path / "serve.log") as server:
        figures = asyncio.run(
            run_load(
                server.base_url,
                corpus,
                lambda: run_import(database_url, folder),
                LoadOptions(clients=8, duration=3.0),
            )
        )
    print("\n".join(figures.lines()))

    assert figures.problems(corpus) == []
    assert figures.failures == 0
    assert figures.violations == 0
    assert figures.by_phase["during"] > 0
    assert all(walk.straddled and not walk.duplicates for walk in figures.walks)
    assert figures.sync is not None and figures.sync.equals_final
    assert alarms(server.log_text()) == []
