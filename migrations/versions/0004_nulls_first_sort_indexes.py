"""sort indexes keep NULLs first on every engine, so sort=quality and sort=heat walk them

SQLite's indexes always keep NULLs first: walked backwards, (quality, published_at, slug)
gives "highest first, missing last", the API's order. PostgreSQL's keep NULLs last unless
told, so there no index gave that order and every page sorted all matching articles. Nothing
changes on SQLite.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Index name -> its nullable leading key.
SORT_INDEXES = {
    "ix_article_quality_published_at_slug": "quality",
    "ix_article_heat_published_at_slug": "heat",
}


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    for name, key in SORT_INDEXES.items():
        op.drop_index(name, table_name="article")
        op.create_index(name, "article", [sa.column(key).nulls_first(), "published_at", "slug"])


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    for name, key in SORT_INDEXES.items():
        op.drop_index(name, table_name="article")
        op.create_index(name, "article", [key, "published_at", "slug"])
