"""search and change log: FTS5 index of articles (SQLite), change-log positions, tombstones

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:45:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Accents and case fold away ("Café" finds "cafe"); the index keeps no second copy of the
# article table's ids, only the text it indexes.
CREATE_SEARCH = (
    "CREATE VIRTUAL TABLE article_search USING fts5("
    "title, excerpt, body, tokenize = 'unicode61 remove_diacritics 2')"
)


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("created_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("change_seq", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("change_log_id", sa.Text(), server_default="", nullable=False)
        )
    # Articles imported before this revision enter the change log in id order.
    op.execute("UPDATE article SET change_seq = id, created_seq = id")
    op.execute(
        sa.text(
            "UPDATE catalog SET change_log_id = :log_id, "
            "change_seq = (SELECT coalesce(max(id), 0) FROM article)"
        ).bindparams(log_id=uuid.uuid4().hex)
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index("ix_article_change_seq", ["change_seq"], unique=True)

    op.create_table(
        "article_tombstone",
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_article_tombstone")),
        sa.UniqueConstraint("seq", name=op.f("uq_article_tombstone_seq")),
    )

    if op.get_context().dialect.name == "sqlite":
        op.execute(CREATE_SEARCH)
        op.execute(
            "INSERT INTO article_search (rowid, title, excerpt, body) "
            "SELECT a.id, a.title, a.excerpt, s.body "
            "FROM article AS a JOIN article_source AS s ON s.article_id = a.id"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE article_search")
    op.drop_table("article_tombstone")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ix_article_change_seq")
        batch_op.drop_column("created_seq")
        batch_op.drop_column("change_seq")
    with op.batch_alter_table("catalog", schema=None) as batch_op:
        batch_op.drop_column("change_log_id")
        batch_op.drop_column("change_seq")
