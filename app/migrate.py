"""Run the Alembic migrations shipped in `migrations/` against a database URL."""

from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations
from app.models import SEARCH_TABLE

MIGRATIONS_DIR = Path(migrations.__file__).parent


def is_schema_object(name: str | None, type_: str, _parents: Mapping[str, str | None]) -> bool:
    """Whether autogenerate should compare this object: not the full-text index, whose virtual
    table and shadow tables (`article_search_data`, ...) the models do not describe."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the shipped migrations and `url` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision`."""
    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    """The newest revision shipped."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
