"""topic links carry the article's quality, so a topic's articles of a period and a quality
are counted from one index

The count behind `/articles?topic=...&min_quality=...&from=...` walked the topic's links of the
period in the (topic_id, published_at) index and looked up every article for its quality: at a
million articles, a few thousand random reads per request. With the quality copied onto the
link (as published_at already is) and in the index, the count reads the index alone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = "ix_article_topic_topic_id_published_at"
NEW_INDEX = "ix_article_topic_topic_id_published_at_quality"


def upgrade() -> None:
    op.add_column("article_topic", sa.Column("quality", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE article_topic SET quality = "
        "(SELECT article.quality FROM article WHERE article.id = article_topic.article_id)"
    )
    op.drop_index(OLD_INDEX, table_name="article_topic")
    op.create_index(
        NEW_INDEX, "article_topic", ["topic_id", "published_at", "quality", "article_id"]
    )


def downgrade() -> None:
    op.drop_index(NEW_INDEX, table_name="article_topic")
    op.create_index(OLD_INDEX, "article_topic", ["topic_id", "published_at", "article_id"])
    with op.batch_alter_table("article_topic") as batch:
        batch.drop_column("quality")
