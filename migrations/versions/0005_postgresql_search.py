"""PostgreSQL full-text search: a weighted tsvector of title, excerpt and body, GIN-indexed

The same table name and key column (`rowid`) as SQLite's FTS5 index, so that the importer keeps
both in step the same way; the document is a generated column. Accents and case fold away
through the `unaccent` dictionary (a trusted extension since PostgreSQL 13, installed in
`public`). Nothing changes on SQLite.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Title weighs A, excerpt B, body C (ts_rank's weights follow; see app/search/postgres.py).
# Angle brackets become spaces first: PostgreSQL's parser would take `<script>...</script>` for
# markup and leave its words out, where the articles' text is text, as SQLite indexes it.
UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    "CREATE TEXT SEARCH CONFIGURATION articles_search (COPY = pg_catalog.simple)",
    "ALTER TEXT SEARCH CONFIGURATION articles_search "
    "ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part "
    "WITH public.unaccent, simple",
    """CREATE TABLE article_search (
        rowid INTEGER NOT NULL,
        title TEXT NOT NULL,
        excerpt TEXT,
        body TEXT NOT NULL,
        document TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector('articles_search', translate(title, '<>', '  ')), 'A')
            || setweight(
                to_tsvector('articles_search', translate(coalesce(excerpt, ''), '<>', '  ')), 'B'
            )
            || setweight(to_tsvector('articles_search', translate(body, '<>', '  ')), 'C')
        ) STORED,
        CONSTRAINT pk_article_search PRIMARY KEY (rowid),
        CONSTRAINT fk_article_search_rowid_article FOREIGN KEY (rowid)
            REFERENCES article (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_article_search_document ON article_search USING gin (document)",
    "INSERT INTO article_search (rowid, title, excerpt, body) "
    "SELECT a.id, a.title, a.excerpt, s.body "
    "FROM article AS a JOIN article_source AS s ON s.article_id = a.id",
]


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE article_search")
    op.execute("DROP TEXT SEARCH CONFIGURATION articles_search")
