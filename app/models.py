"""Database tables: articles and what hangs off them. Definitions only, no queries."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    Table,
    Text,
    column,
)
from sqlmodel import Field, SQLModel

# Constraint names are stable across engines, which keeps Alembic migrations reviewable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def _sequence_number() -> Any:
    # Existing rows get 0 when the column is added; the migration numbers them right after.
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


def _utc_datetime(nullable: bool) -> Any:
    # Stored as naive UTC: SQLite has no time zones, and every value is converted on import.
    return Field(default=None, sa_column=Column(DateTime(timezone=False), nullable=nullable))


class Provider(SQLModel, table=True):
    """A publisher, keyed by its lower-cased domain."""

    __tablename__ = "provider"

    id: int | None = Field(default=None, primary_key=True)
    domain: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    name: str | None = Field(default=None, sa_column=Column(Text))
    images: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    article_count: int = Field(default=0, nullable=False)

    __table_args__ = (Index("ix_provider_article_count_domain", "article_count", "domain"),)


class Topic(SQLModel, table=True):
    """A topic, keyed by a slug of its name."""

    __tablename__ = "topic"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    article_count: int = Field(default=0, nullable=False)
    latest_published_at: datetime | None = _utc_datetime(nullable=True)


class Article(SQLModel, table=True):
    """The hot row of an article: everything lists filter, sort and show. Big columns live in
    `article_source` so that a page scan stays small."""

    __tablename__ = "article"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    title: str = Field(sa_column=Column(Text, nullable=False))
    excerpt: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime = _utc_datetime(nullable=False)
    web_url: str | None = Field(default=None, sa_column=Column(Text))
    amp_web_url: str | None = Field(default=None, sa_column=Column(Text))
    cdn_amp_web_url: str | None = Field(default=None, sa_column=Column(Text))
    original_url: str | None = Field(default=None, sa_column=Column(Text))
    type: str | None = Field(default=None, sa_column=Column(Text))
    quality: int | None = Field(default=None, sa_column=Column(BigInteger))
    heat: int | None = Field(default=None, sa_column=Column(BigInteger))
    published: bool | None = Field(default=None)
    provider_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("provider.id", ondelete="RESTRICT"), nullable=True),
    )
    provider_name: str | None = Field(default=None, sa_column=Column(Text))
    # Change-log positions (see `catalog.change_seq`): when the article last changed, and when
    # it was added, so that /changes can tell "added" from "updated".
    change_seq: int = _sequence_number()
    created_seq: int = _sequence_number()

    __table_args__ = (
        Index("ix_article_change_seq", "change_seq", unique=True),
        Index("ix_article_published_at_slug", "published_at", "slug"),
        # NULLs first, as SQLite's indexes always keep them (PostgreSQL's only when told):
        # walked backwards, these give "highest first, missing last", the API's order.
        Index(
            "ix_article_quality_published_at_slug",
            column("quality").nulls_first(),
            "published_at",
            "slug",
        ),
        Index(
            "ix_article_heat_published_at_slug",
            column("heat").nulls_first(),
            "published_at",
            "slug",
        ),
        Index("ix_article_provider_id_published_at_slug", "provider_id", "published_at", "slug"),
        Index("ix_article_type_published_at", "type", "published_at"),
        Index("ix_article_published_published_at", "published", "published_at"),
        Index("ix_article_web_url", "web_url"),
    )


class ArticleSource(SQLModel, table=True):
    """What the article's file said, kept whole: the parsed front matter (every key, in file
    order), the body, and what the importer needs to recognise an unchanged file."""

    __tablename__ = "article_source"

    article_id: int = Field(
        sa_column=Column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    path: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    mtime_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(sa_column=Column(Text, nullable=False))
    front_matter: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))


class ArticleTopic(SQLModel, table=True):
    """Link between an article and its topics, in file order. `published_at` and `quality` are
    copied from the article so that a topic's newest articles come straight off one index, and
    its articles of a period and a quality are counted from that index alone."""

    __tablename__ = "article_topic"

    article_id: int = Field(
        sa_column=Column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    topic_id: int = Field(
        sa_column=Column(ForeignKey("topic.id", ondelete="RESTRICT"), primary_key=True)
    )
    position: int = Field(nullable=False)
    published_at: datetime = _utc_datetime(nullable=False)
    quality: int | None = Field(default=None, sa_column=Column(BigInteger))

    __table_args__ = (
        Index(
            "ix_article_topic_topic_id_published_at_quality",
            "topic_id",
            "published_at",
            "quality",
            "article_id",
        ),
    )


class Image(SQLModel, table=True):
    """An image of an article, in file order."""

    __tablename__ = "image"

    article_id: int = Field(
        sa_column=Column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int = Field(primary_key=True)
    url: str | None = Field(default=None, sa_column=Column(Text))
    width: int | None = Field(default=None, sa_column=Column(BigInteger))
    height: int | None = Field(default=None, sa_column=Column(BigInteger))
    is_cached: bool | None = Field(default=None)
    title: str | None = Field(default=None, sa_column=Column(Text))


class RelatedLink(SQLModel, table=True):
    """A related link listed by an article, in file order, as the file describes it."""

    __tablename__ = "related_link"

    article_id: int = Field(
        sa_column=Column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int = Field(primary_key=True)
    title: str | None = Field(default=None, sa_column=Column(Text))
    excerpt: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime | None = _utc_datetime(nullable=True)
    web_url: str | None = Field(default=None, sa_column=Column(Text))
    amp_web_url: str | None = Field(default=None, sa_column=Column(Text))
    cdn_amp_web_url: str | None = Field(default=None, sa_column=Column(Text))
    type: str | None = Field(default=None, sa_column=Column(Text))
    quality: int | None = Field(default=None, sa_column=Column(BigInteger))
    provider_name: str | None = Field(default=None, sa_column=Column(Text))
    provider_domain: str | None = Field(default=None, sa_column=Column(Text))
    images: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class ArticleTombstone(SQLModel, table=True):
    """An article removed by a prune, remembered so that /changes can report the removal.
    Dropped again when an article with the same slug comes back."""

    __tablename__ = "article_tombstone"

    slug: str = Field(sa_column=Column(Text, primary_key=True))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    removed_at: datetime = _utc_datetime(nullable=False)


class Catalog(SQLModel, table=True):
    """One row about the whole collection, maintained by the importer: the article count (so
    an unfiltered list never counts rows), a generation that grows with every import that
    changes anything, and `change_seq`, the last change-log position handed out (each added,
    updated or removed article takes the next one)."""

    __tablename__ = "catalog"

    id: int = Field(default=1, primary_key=True)
    article_count: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    generation: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    changed_at: datetime | None = _utc_datetime(nullable=True)
    change_seq: int = _sequence_number()
    # Random, set when the change log starts: sync tokens carry it, so a token from another
    # database (one rebuilt by re-importing, say) is refused instead of silently misread.
    change_log_id: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )


# Core table handles, for the bulk statements of the importer and the read services.
provider_table = Provider.__table__  # type: ignore[attr-defined]
topic_table = Topic.__table__  # type: ignore[attr-defined]
article_table = Article.__table__  # type: ignore[attr-defined]
source_table = ArticleSource.__table__  # type: ignore[attr-defined]
article_topic_table = ArticleTopic.__table__  # type: ignore[attr-defined]
image_table = Image.__table__  # type: ignore[attr-defined]
related_table = RelatedLink.__table__  # type: ignore[attr-defined]
catalog_table = Catalog.__table__  # type: ignore[attr-defined]
tombstone_table = ArticleTombstone.__table__  # type: ignore[attr-defined]

# SQLite's full-text index (FTS5) of title, excerpt and body, keyed by article id (rowid). A
# virtual table, created by the migrations on SQLite only; it lives in its own metadata so
# that neither `create_all` nor Alembic's autogenerate mistakes it for an ordinary table.
SEARCH_TABLE = "article_search"
search_table = Table(
    SEARCH_TABLE,
    MetaData(),
    Column("rowid", BigInteger, primary_key=True),
    Column("title", Text),
    Column("excerpt", Text),
    Column("body", Text),
)
