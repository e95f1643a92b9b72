"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 06:45:29.227929
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider")),
        sa.UniqueConstraint("domain", name=op.f("uq_provider_domain")),
    )
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.create_index(
            "ix_provider_article_count_domain", ["article_count", "domain"], unique=False
        )

    op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("latest_published_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
        sa.UniqueConstraint("slug", name=op.f("uq_topic_slug")),
    )
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("web_url", sa.Text(), nullable=True),
        sa.Column("amp_web_url", sa.Text(), nullable=True),
        sa.Column("cdn_amp_web_url", sa.Text(), nullable=True),
        sa.Column("original_url", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("quality", sa.BigInteger(), nullable=True),
        sa.Column("heat", sa.BigInteger(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("provider_name", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
            name=op.f("fk_article_provider_id_provider"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
        sa.UniqueConstraint("slug", name=op.f("uq_article_slug")),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(
            "ix_article_heat_published_at_slug", ["heat", "published_at", "slug"], unique=False
        )
        batch_op.create_index(
            "ix_article_provider_id_published_at_slug",
            ["provider_id", "published_at", "slug"],
            unique=False,
        )
        batch_op.create_index(
            "ix_article_published_at_slug", ["published_at", "slug"], unique=False
        )
        batch_op.create_index(
            "ix_article_published_published_at", ["published", "published_at"], unique=False
        )
        batch_op.create_index(
            "ix_article_quality_published_at_slug",
            ["quality", "published_at", "slug"],
            unique=False,
        )
        batch_op.create_index(
            "ix_article_type_published_at", ["type", "published_at"], unique=False
        )
        batch_op.create_index("ix_article_web_url", ["web_url"], unique=False)

    op.create_table(
        "article_source",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("front_matter", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_source_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_article_source")),
        sa.UniqueConstraint("path", name=op.f("uq_article_source_path")),
    )
    op.create_table(
        "article_topic",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_topic_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topic.id"],
            name=op.f("fk_article_topic_topic_id_topic"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("article_id", "topic_id", name=op.f("pk_article_topic")),
    )
    with op.batch_alter_table("article_topic", schema=None) as batch_op:
        batch_op.create_index(
            "ix_article_topic_topic_id_published_at",
            ["topic_id", "published_at", "article_id"],
            unique=False,
        )

    op.create_table(
        "image",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("width", sa.BigInteger(), nullable=True),
        sa.Column("height", sa.BigInteger(), nullable=True),
        sa.Column("is_cached", sa.Boolean(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_image_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "position", name=op.f("pk_image")),
    )
    op.create_table(
        "related_link",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("web_url", sa.Text(), nullable=True),
        sa.Column("amp_web_url", sa.Text(), nullable=True),
        sa.Column("cdn_amp_web_url", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("quality", sa.BigInteger(), nullable=True),
        sa.Column("provider_name", sa.Text(), nullable=True),
        sa.Column("provider_domain", sa.Text(), nullable=True),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_related_link_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "position", name=op.f("pk_related_link")),
    )


def downgrade() -> None:
    op.drop_table("related_link")
    op.drop_table("image")
    with op.batch_alter_table("article_topic", schema=None) as batch_op:
        batch_op.drop_index("ix_article_topic_topic_id_published_at")

    op.drop_table("article_topic")
    op.drop_table("article_source")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ix_article_web_url")
        batch_op.drop_index("ix_article_type_published_at")
        batch_op.drop_index("ix_article_quality_published_at_slug")
        batch_op.drop_index("ix_article_published_published_at")
        batch_op.drop_index("ix_article_published_at_slug")
        batch_op.drop_index("ix_article_provider_id_published_at_slug")
        batch_op.drop_index("ix_article_heat_published_at_slug")

    op.drop_table("article")
    op.drop_table("topic")
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_article_count_domain")

    op.drop_table("provider")
