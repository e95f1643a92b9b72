"""The deployment fingerprint changes with the code and the settings, never with a password."""

import os
from pathlib import Path

from app.fingerprint import deployment_fingerprint
from app.settings import Settings


def test_the_same_code_and_settings_give_the_same_fingerprint(settings: Settings) -> None:
    assert deployment_fingerprint(settings) == deployment_fingerprint(settings)


def test_any_changed_setting_changes_the_fingerprint(database_url: str) -> None:
    base = deployment_fingerprint(Settings(database_url=database_url))
    for changed in ({"exact_total_limit": 7}, {"cache_max_age": 1}, {"import_max_file_bytes": 9}):
        other = deployment_fingerprint(Settings(database_url=database_url, **changed))
        assert other.digest != base.digest, changed


def test_the_database_password_is_not_part_of_the_fingerprint() -> None:
    one = Settings(database_url="postgresql+psycopg://reader:secret@db.example/articles")
    other = Settings(database_url="postgresql+psycopg://reader:another@db.example/articles")
    assert deployment_fingerprint(one) == deployment_fingerprint(other)


def test_a_changed_source_file_changes_the_fingerprint_and_its_time(
    tmp_path: Path, settings: Settings
) -> None:
    module = tmp_path / "package" / "module.py"
    module.parent.mkdir()
    module.write_text("ANSWER = 1\n")
    os.utime(module, (1_600_000_000, 1_600_000_000))
    before = deployment_fingerprint(settings, package=module.parent)

    module.write_text("ANSWER = 2\n")
    os.utime(module, (1_700_000_000.5, 1_700_000_000.5))
    after = deployment_fingerprint(settings, package=module.parent)

    assert after.digest != before.digest
    assert before.code_time.isoformat() == "2020-09-13T12:26:40"
    assert after.code_time.isoformat() == "2023-11-14T22:13:20"
