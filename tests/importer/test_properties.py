"""Property: whatever a file holds, the importer stores it faithfully or rejects it with a
reason; it never crashes, never writes part of an article, and the other files still import.
`python -m tests.stress.hostile_files` runs the same properties on many more examples."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.importer.generated import (
    GeneratedFile,
    ScratchDatabase,
    article_files,
    check_import,
    dumped_files,
    scratch_database,
    yaml_text_files,
)

pytestmark = pytest.mark.sqlite_only("each example starts from a copy of the migrated SQLite file")

SUITE = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    # The database fixture is shared by the examples on purpose: each starts with fresh().
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def database(migrated_template: Path) -> Iterator[ScratchDatabase]:
    with scratch_database(migrated_template) as scratch:
        yield scratch


@SUITE
@given(files=st.lists(article_files(), min_size=1, max_size=3))
def test_a_valid_article_is_imported_faithfully_and_a_poisoned_one_rejected(
    database: ScratchDatabase, files: list[GeneratedFile]
) -> None:
    check_import(database.fresh(), files)


@SUITE
@given(files=st.lists(dumped_files(), min_size=1, max_size=3))
def test_generated_front_matter_is_imported_faithfully_or_rejected_with_a_reason(
    database: ScratchDatabase, files: list[GeneratedFile]
) -> None:
    check_import(database.fresh(), files)


@SUITE
@given(files=st.lists(yaml_text_files(), min_size=1, max_size=3))
def test_generated_yaml_text_is_imported_faithfully_or_rejected_with_a_reason(
    database: ScratchDatabase, files: list[GeneratedFile]
) -> None:
    check_import(database.fresh(), files)
