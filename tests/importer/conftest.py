"""Fixtures for the importer tests: a read-only view of the test's database."""

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select

from app.models import (
    article_table,
    article_topic_table,
    image_table,
    metadata,
    related_table,
    source_table,
)
from app.models import provider_table as provider_t
from app.models import topic_table as topic_t
from tests.database import commit_probe

Row = dict[str, Any]


@dataclass
class StoredData:
    """What the import wrote, read back through SQLAlchemy (so dates come back as datetimes)."""

    engine: Engine

    def _rows(self, table: Table, *order: Any, **where: Any) -> list[Row]:
        query = select(table).order_by(*order)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def articles(self) -> dict[str, Row]:
        """Every article row, by slug."""
        return {row["slug"]: row for row in self._rows(article_table, article_table.c.slug)}

    def article(self, slug: str) -> Row:
        """The article row of `slug` (KeyError if there is none)."""
        return self.articles()[slug]

    def source(self, slug: str) -> Row:
        """The article_source row of `slug`."""
        (row,) = self._rows(source_table, article_id=self.article(slug)["id"])
        return row

    def topic_slugs_of(self, slug: str) -> list[str]:
        """The slugs of the topics linked to article `slug`, in link position order."""
        query = (
            select(topic_t.c.slug)
            .join(article_topic_table, article_topic_table.c.topic_id == topic_t.c.id)
            .where(article_topic_table.c.article_id == self.article(slug)["id"])
            .order_by(article_topic_table.c.position)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def links_of(self, slug: str) -> list[Row]:
        """The article_topic rows of `slug`, in position order."""
        table = article_topic_table
        return self._rows(table, table.c.position, article_id=self.article(slug)["id"])

    def images_of(self, slug: str) -> list[Row]:
        """The image rows of `slug` without their keys, in position order."""
        rows = self._rows(image_table, image_table.c.position, article_id=self.article(slug)["id"])
        return [_without(row, "article_id") for row in rows]

    def related_of(self, slug: str) -> list[Row]:
        """The related_link rows of `slug` without their keys, in position order."""
        table = related_table
        rows = self._rows(table, table.c.position, article_id=self.article(slug)["id"])
        return [_without(row, "article_id") for row in rows]

    def topics(self) -> dict[str, Row]:
        """Every topic row, by slug."""
        return {row["slug"]: row for row in self._rows(topic_t, topic_t.c.slug)}

    def providers(self) -> dict[str, Row]:
        """Every provider row, by domain."""
        return {row["domain"]: row for row in self._rows(provider_t, provider_t.c.domain)}

    def dump(self) -> dict[str, list[Row]]:
        """Every row of every table, in a stable order: equal dumps mean equal databases."""
        return {
            name: self._rows(table, *table.primary_key.columns)
            for name, table in sorted(metadata.tables.items())
        }


def _without(row: Row, *keys: str) -> Row:
    return {key: value for key, value in row.items() if key not in keys}


@pytest.fixture
def stored(engine: Engine) -> StoredData:
    """A view of what the test's imports wrote."""
    return StoredData(engine)


@pytest.fixture
def database_path(database_url: str) -> Path:
    """The file of the test's SQLite database."""
    return Path(database_url.removeprefix("sqlite:///"))


@pytest.fixture
def data_version(engine: Engine) -> Iterator[Callable[[], Hashable]]:
    """A probe that changes exactly when another connection commits a change to the database
    (SQLite's `PRAGMA data_version`; on PostgreSQL, the versions of all rows)."""
    with commit_probe(engine) as probe:
        yield probe
