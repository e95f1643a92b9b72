"""catalog: collection-wide article count and import generation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    catalog = op.create_table(
        "catalog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_count", sa.BigInteger(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog")),
    )
    # Databases imported before this revision get their count now.
    op.execute(
        catalog.insert().from_select(
            ["id", "article_count", "generation"],
            sa.select(sa.literal(1), sa.func.count(), sa.literal(1)).select_from(
                sa.table("article")
            ),
        )
    )


def downgrade() -> None:
    op.drop_table("catalog")
