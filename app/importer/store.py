"""Writes of one import run: upsert articles with their links in bulk, prune, refresh the
counters.

Works on one Core connection inside the run's transaction; never commits.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from app.dialect import allocate_ids
from app.importer.examine import FileFacts
from app.importer.parse import ParsedArticle
from app.jsontext import load_json
from app.models import article_table as article_t
from app.models import article_topic_table as link_t
from app.models import catalog_table as catalog_t
from app.models import image_table as image_t
from app.models import provider_table as provider_t
from app.models import related_table as related_t
from app.models import search_table as search_t
from app.models import source_table as source_t
from app.models import tombstone_table as tombstone_t
from app.models import topic_table as topic_t
from app.search.engines import has_search_index, tidy_search_index

# Large enough to amortize a round trip, small enough for any engine's parameter limit.
LOOKUP_BATCH = 500


@dataclass(frozen=True)
class StoredSource:
    """What the database knows of an imported file."""

    article_id: int
    slug: str
    path: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class NewVersion:
    """An article to write: new when `article_id` is None, else replacing that article."""

    article: ParsedArticle
    facts: FileFacts
    front_matter_json: str
    article_id: int | None


@dataclass
class _KnownProvider:
    id: int
    name: str | None
    images: list[dict[str, Any]]


class BulkInsert:
    """An INSERT compiled once for `table` and run through the driver's own executemany:
    SQLAlchemy's per-row parameter handling costs more than SQLite's insert itself. Values
    still pass through each column type's bind processor, so they are stored exactly as the
    ORM would store them; columns in `encoded` arrive in their stored form already."""

    def __init__(
        self, connection: Connection, table: Table, encoded: frozenset[str] = frozenset()
    ) -> None:
        self.connection = connection
        dialect = connection.dialect
        compiled = insert(table).compile(dialect=dialect)
        self.sql = str(compiled)
        self.names: list[str] = list(compiled.positiontup or compiled.params)
        # PostgreSQL loads rows fastest through COPY, which psycopg streams in one go.
        self.copy_sql = (
            f"COPY {table.name} ({', '.join(self.names)}) FROM STDIN"
            if dialect.name == "postgresql"
            else None
        )
        self.positional = bool(compiled.positiontup)
        processors = [
            None if name in encoded else table.c[name].type._cached_bind_processor(dialect)
            for name in self.names
        ]
        self.processors = [(i, p) for i, p in enumerate(processors) if p is not None]

    def __call__(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        names, processors = self.names, self.processors
        params: list[Any] = []
        for row in rows:
            values = [row.get(name) for name in names]
            for index, process in processors:
                values[index] = process(values[index])
            params.append(
                tuple(values)
                if self.positional or self.copy_sql
                else dict(zip(names, values, strict=True))
            )
        if self.copy_sql is None:
            self.connection.exec_driver_sql(self.sql, params)
            return
        cursor = self.connection.connection.cursor()
        with cursor.copy(self.copy_sql) as copy:
            for row_values in params:
                copy.write_row(row_values)


class ArticleStore:
    """The import run's view of the database."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._insert = {
            table.name: BulkInsert(connection, table)
            for table in (article_t, link_t, image_t, related_t, tombstone_t)
        }
        self._insert[source_t.name] = BulkInsert(connection, source_t, frozenset({"front_matter"}))
        self._insert[search_t.name] = BulkInsert(connection, search_t)
        self._providers: dict[str, _KnownProvider] = {}
        self._topic_ids: dict[str, int] = {}
        self.touched_providers: set[int] = set()
        self.touched_topics: set[int] = set()
        self._searchable = has_search_index(connection.dialect.name)
        self._last_seq: int | None = None

    def _next_seqs(self, count: int) -> list[int]:
        """Hand out the next `count` change-log positions (the run holds the write lock)."""
        if self._last_seq is None:
            self._last_seq = int(
                self.connection.execute(select(catalog_t.c.change_seq)).scalar_one()
            )
        first = self._last_seq + 1
        self._last_seq += count
        return list(range(first, first + count))

    def sources_by_path(self, paths: Sequence[str]) -> dict[str, StoredSource]:
        """Look up the stored sources of `paths`."""
        return {s.path: s for s in self._sources(source_t.c.path, paths)}

    def sources_by_slug(self, slugs: Sequence[str]) -> dict[str, StoredSource]:
        """Look up the stored sources of the articles with these slugs."""
        return {s.slug: s for s in self._sources(article_t.c.slug, slugs)}

    def _sources(self, column: Any, values: Sequence[str]) -> list[StoredSource]:
        found: list[StoredSource] = []
        for start in range(0, len(values), LOOKUP_BATCH):
            batch = values[start : start + LOOKUP_BATCH]
            rows = self.connection.execute(
                select(
                    source_t.c.article_id,
                    article_t.c.slug,
                    source_t.c.path,
                    source_t.c.size,
                    source_t.c.mtime_ns,
                    source_t.c.sha256,
                )
                .join(article_t, article_t.c.id == source_t.c.article_id)
                .where(column.in_(batch))
            )
            found.extend(StoredSource(*row) for row in rows)
        return found

    def touch_source(self, article_id: int, facts: FileFacts) -> None:
        """Record new size and mtime for a file whose content did not change."""
        self.connection.execute(
            update(source_t)
            .where(source_t.c.article_id == article_id)
            .values(path=facts.path, size=facts.size, mtime_ns=facts.mtime_ns)
        )

    def save_many(self, versions: Sequence[NewVersion]) -> list[int]:
        """Insert new articles and replace changed ones in place, with their topics, images
        and related links; return their ids in order. A handful of statements per call,
        whatever the number of articles."""
        if not versions:
            return []
        rows = [
            {**self._article_row(v.article), "change_seq": seq}
            for v, seq in zip(versions, self._next_seqs(len(versions)), strict=True)
        ]
        replaced = [v.article_id for v in versions if v.article_id is not None]
        self._forget_links(replaced)
        self._forget_search(replaced)
        if replaced:
            self.connection.execute(
                update(article_t).where(article_t.c.id == bindparam("target_id")),
                [
                    {"target_id": v.article_id, **row}
                    for v, row in zip(versions, rows, strict=True)
                    if v.article_id is not None
                ],
            )
            # Edits are few: the ORM path, with the front matter as a value again.
            self.connection.execute(
                update(source_t).where(source_t.c.article_id == bindparam("target_id")),
                [
                    {
                        "target_id": v.article_id,
                        **_source_row(v),
                        "front_matter": load_json(v.front_matter_json),
                    }
                    for v in versions
                    if v.article_id is not None
                ],
            )
        fresh = [(v, row) for v, row in zip(versions, rows, strict=True) if v.article_id is None]
        new_ids = allocate_ids(self.connection, article_t, len(fresh))
        self._insert["article"](
            [
                {"id": i, **row, "created_seq": row["change_seq"]}
                for (_v, row), i in zip(fresh, new_ids, strict=True)
            ]
        )
        self._forget_tombstones([v.article.slug for v, _row in fresh])
        self._insert["article_source"](
            [
                {"article_id": article_id, **_source_row(v)}
                for (v, _row), article_id in zip(fresh, new_ids, strict=True)
            ]
        )
        fresh_ids = iter(new_ids)
        ids = [v.article_id if v.article_id is not None else next(fresh_ids) for v in versions]
        self._insert_links(list(zip(ids, (v.article for v in versions), strict=True)))
        if self._searchable:
            self._insert["article_search"](
                [
                    {
                        "rowid": article_id,
                        "title": v.article.title,
                        "excerpt": v.article.excerpt,
                        "body": v.article.body,
                    }
                    for v, article_id in zip(versions, ids, strict=True)
                ]
            )
        return ids

    def _forget_search(self, article_ids: Sequence[int]) -> None:
        """Take the articles out of the full-text index (they are re-indexed when written)."""
        if not self._searchable:
            return
        for start in range(0, len(article_ids), LOOKUP_BATCH):
            batch = list(article_ids[start : start + LOOKUP_BATCH])
            self.connection.execute(delete(search_t).where(search_t.c.rowid.in_(batch)))

    def _forget_tombstones(self, slugs: Sequence[str]) -> None:
        """An article that comes back is no longer removed."""
        for start in range(0, len(slugs), LOOKUP_BATCH):
            batch = list(slugs[start : start + LOOKUP_BATCH])
            self.connection.execute(delete(tombstone_t).where(tombstone_t.c.slug.in_(batch)))

    def _article_row(self, article: ParsedArticle) -> dict[str, Any]:
        return {
            "slug": article.slug,
            "title": article.title,
            "excerpt": article.excerpt,
            "published_at": article.published_at,
            "web_url": article.web_url,
            "amp_web_url": article.amp_web_url,
            "cdn_amp_web_url": article.cdn_amp_web_url,
            "original_url": article.original_url,
            "type": article.type,
            "quality": article.quality,
            "heat": article.heat,
            "published": article.published,
            "provider_id": self._provider_id(article),
            "provider_name": article.provider.name if article.provider else None,
        }

    def _provider_id(self, article: ParsedArticle) -> int | None:
        provider = article.provider
        if provider is None or provider.domain is None:
            return None
        known = self._providers.get(provider.domain)
        if known is None:
            row = self.connection.execute(
                select(provider_t.c.id, provider_t.c.name, provider_t.c.images).where(
                    provider_t.c.domain == provider.domain
                )
            ).one_or_none()
            if row is None:
                provider_id = self.connection.execute(
                    insert(provider_t).returning(provider_t.c.id),
                    {
                        "domain": provider.domain,
                        "name": provider.name,
                        "images": provider.images,
                        "article_count": 0,
                    },
                ).scalar_one()
                known = _KnownProvider(int(provider_id), provider.name, provider.images)
            else:
                known = _KnownProvider(int(row.id), row.name, row.images)
            self._providers[provider.domain] = known
        # A file that names the provider, or lists its logos, speaks for it; a file that
        # leaves them out does not erase what another file said.
        name = provider.name or known.name
        images = provider.images or known.images
        if (name, images) != (known.name, known.images):
            self.connection.execute(
                update(provider_t)
                .where(provider_t.c.id == known.id)
                .values(name=name, images=images)
            )
            known.name, known.images = name, images
        self.touched_providers.add(known.id)
        return known.id

    def _topic_id(self, slug: str, name: str) -> int:
        topic_id = self._topic_ids.get(slug)
        if topic_id is None:
            topic_id = self.connection.execute(
                select(topic_t.c.id).where(topic_t.c.slug == slug)
            ).scalar_one_or_none()
        if topic_id is None:
            topic_id = self.connection.execute(
                insert(topic_t).returning(topic_t.c.id),
                {"slug": slug, "name": name, "article_count": 0},
            ).scalar_one()
        self._topic_ids[slug] = int(topic_id)
        self.touched_topics.add(int(topic_id))
        return int(topic_id)

    def _forget_links(self, article_ids: Sequence[int]) -> None:
        """Delete the articles' topic links, images and related links, noting which topics
        and providers need recounting."""
        for start in range(0, len(article_ids), LOOKUP_BATCH):
            batch = list(article_ids[start : start + LOOKUP_BATCH])
            self.touched_providers.update(
                int(p)
                for p in self.connection.execute(
                    select(article_t.c.provider_id).where(
                        article_t.c.id.in_(batch), article_t.c.provider_id.is_not(None)
                    )
                ).scalars()
            )
            self.touched_topics.update(
                int(t)
                for t in self.connection.execute(
                    select(link_t.c.topic_id).where(link_t.c.article_id.in_(batch)).distinct()
                ).scalars()
            )
            for table in (link_t, image_t, related_t):
                self.connection.execute(delete(table).where(table.c.article_id.in_(batch)))

    def _insert_links(self, articles: Sequence[tuple[int, ParsedArticle]]) -> None:
        links: list[dict[str, Any]] = []
        images: list[dict[str, Any]] = []
        related: list[dict[str, Any]] = []
        for article_id, article in articles:
            links.extend(
                {
                    "article_id": article_id,
                    "topic_id": self._topic_id(topic.slug, topic.name),
                    "position": position,
                    "published_at": article.published_at,
                    "quality": article.quality,
                }
                for position, topic in enumerate(article.topics)
            )
            images.extend(
                {
                    "article_id": article_id,
                    "position": position,
                    "url": image.url,
                    "width": image.width,
                    "height": image.height,
                    "is_cached": image.is_cached,
                    "title": image.title,
                }
                for position, image in enumerate(article.images)
            )
            related.extend(
                {
                    "article_id": article_id,
                    "position": position,
                    "title": link.title,
                    "excerpt": link.excerpt,
                    "published_at": link.published_at,
                    "web_url": link.web_url,
                    "amp_web_url": link.amp_web_url,
                    "cdn_amp_web_url": link.cdn_amp_web_url,
                    "type": link.type,
                    "quality": link.quality,
                    "provider_name": link.provider_name,
                    "provider_domain": link.provider_domain,
                    "images": link.images,
                }
                for position, link in enumerate(article.related)
            )
        for table, rows in ((link_t, links), (image_t, images), (related_t, related)):
            self._insert[table.name](rows)

    def prune(self, folders: Iterable[str], keep_paths: set[str]) -> list[str]:
        """Delete the articles whose source file lies under `folders` but is not in
        `keep_paths`; return their slugs."""
        doomed: dict[int, str] = {}
        for folder in folders:
            prefix = folder.rstrip("/\\") + "/"
            rows = self.connection.execute(
                select(source_t.c.article_id, source_t.c.path, article_t.c.slug)
                .join(article_t, article_t.c.id == source_t.c.article_id)
                .where(source_t.c.path.startswith(prefix, autoescape=True))
            )
            doomed.update((i, slug) for i, path, slug in rows if path not in keep_paths)
        ids = list(doomed)
        self._forget_links(ids)
        self._forget_search(ids)
        removed_at = _now()
        self._insert[tombstone_t.name](
            [
                {"slug": slug, "seq": seq, "removed_at": removed_at}
                for slug, seq in zip(doomed.values(), self._next_seqs(len(ids)), strict=True)
            ]
        )
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            self.connection.execute(delete(source_t).where(source_t.c.article_id.in_(batch)))
            self.connection.execute(delete(article_t).where(article_t.c.id.in_(batch)))
        return list(doomed.values())

    def refresh_counters(self) -> None:
        """Recount the touched topics and providers; drop those left without articles."""
        topic_ids, provider_ids = sorted(self.touched_topics), sorted(self.touched_providers)
        for start in range(0, len(topic_ids), LOOKUP_BATCH):
            batch = topic_ids[start : start + LOOKUP_BATCH]
            self.connection.execute(
                update(topic_t)
                .where(topic_t.c.id.in_(batch))
                .values(
                    article_count=select(func.count())
                    .select_from(link_t)
                    .where(link_t.c.topic_id == topic_t.c.id)
                    .scalar_subquery(),
                    latest_published_at=select(func.max(link_t.c.published_at))
                    .where(link_t.c.topic_id == topic_t.c.id)
                    .scalar_subquery(),
                )
            )
            self.connection.execute(
                delete(topic_t).where(topic_t.c.id.in_(batch), topic_t.c.article_count == 0)
            )
        for start in range(0, len(provider_ids), LOOKUP_BATCH):
            batch = provider_ids[start : start + LOOKUP_BATCH]
            self.connection.execute(
                update(provider_t)
                .where(provider_t.c.id.in_(batch))
                .values(
                    article_count=select(func.count())
                    .select_from(article_t)
                    .where(article_t.c.provider_id == provider_t.c.id)
                    .scalar_subquery()
                )
            )
            self.connection.execute(
                delete(provider_t).where(
                    provider_t.c.id.in_(batch), provider_t.c.article_count == 0
                )
            )
        self._topic_ids.clear()
        self._providers.clear()
        self.touched_topics.clear()
        self.touched_providers.clear()

    def tidy_search_index(self) -> None:
        """Keep the full-text index quick to query after this run wrote to it."""
        if self._searchable:
            tidy_search_index(self.connection)

    def refresh_catalog(self) -> None:
        """Recount the collection and mark a new generation (the run changed something)."""
        count = select(func.count()).select_from(article_t).scalar_subquery()
        self.connection.execute(
            update(catalog_t).values(
                article_count=count,
                generation=catalog_t.c.generation + 1,
                changed_at=_now(),
                change_seq=self._last_seq if self._last_seq is not None else catalog_t.c.change_seq,
            )
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _source_row(version: NewVersion) -> dict[str, Any]:
    facts = version.facts
    return {
        "path": facts.path,
        "size": facts.size,
        "mtime_ns": facts.mtime_ns,
        "sha256": facts.sha256,
        "front_matter": version.front_matter_json,
        "body": version.article.body,
    }
