"""Optional: the real corpus in ../shared/corpus imports with nothing rejected or lost."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from app.importer.parse import parse_datetime, split_front_matter
from app.models import article_table, source_table
from tests.conftest import ImportFiles

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _as_written(value: Any) -> Any:
    """What PyYAML's safe_load gives, brought to the stored form (times as UTC datetimes)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    if isinstance(value, dict):
        return {str(k): _as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_written(v) for v in value]
    return value


def _stored(value: Any, key: str = "") -> Any:
    if key == "publishedDateTime" and isinstance(value, str):
        return parse_datetime(value)
    if isinstance(value, dict):
        return {k: _stored(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stored(v, key) for v in value]
    return value


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no shared corpus at {CORPUS}")
def test_the_shared_corpus_imports_with_nothing_rejected_or_lost(
    engine: Engine, import_files: ImportFiles
) -> None:
    files = sorted((CORPUS / "smartable-ai").glob("*.md"))
    assert files, "the shared corpus has no article files"
    report = import_files(CORPUS)
    assert report.rejected == []
    assert report.added == len(files)

    with engine.connect() as connection:
        stored = {
            row.slug: row
            for row in connection.execute(
                select(article_table.c.slug, source_table.c.front_matter, source_table.c.body).join(
                    source_table, source_table.c.article_id == article_table.c.id
                )
            )
        }
    for path in files:
        text = path.read_text(encoding="utf-8")
        front_matter, body, _ = split_front_matter(text)
        row = stored[path.stem]
        assert _stored(row.front_matter) == _as_written(yaml.safe_load(front_matter)), path.name
        assert list(row.front_matter) == list(yaml.safe_load(front_matter)), path.name
        assert row.body == body
