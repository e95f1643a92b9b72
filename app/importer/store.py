"""Writes of one import run: upsert articles with their links, prune, refresh the counters.

Works on one Core connection inside the run's transaction; never commits.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from app.importer.parse import ParsedArticle
from app.models import article_table as article_t
from app.models import article_topic_table as link_t
from app.models import image_table as image_t
from app.models import provider_table as provider_t
from app.models import related_table as related_t
from app.models import source_table as source_t
from app.models import topic_table as topic_t

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
class FileFacts:
    """Identity of a file's content as read."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


class ArticleStore:
    """The import run's view of the database."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._providers: dict[str, tuple[int, tuple[str | None, list[dict[str, Any]]]]] = {}
        self._topic_ids: dict[str, int] = {}
        self.touched_providers: set[int] = set()
        self.touched_topics: set[int] = set()

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

    def save(self, article: ParsedArticle, facts: FileFacts, article_id: int | None) -> int:
        """Insert the article, or replace article `article_id` in place; return its id."""
        provider_id = self._provider_id(article)
        row = {
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
            "provider_id": provider_id,
            "provider_name": article.provider.name if article.provider else None,
        }
        source = {
            "path": facts.path,
            "size": facts.size,
            "mtime_ns": facts.mtime_ns,
            "sha256": facts.sha256,
            "front_matter": article.front_matter,
            "body": article.body,
        }
        if article_id is None:
            article_id = int(
                self.connection.execute(
                    insert(article_t).returning(article_t.c.id), row
                ).scalar_one()
            )
            self.connection.execute(insert(source_t), {"article_id": article_id, **source})
        else:
            self._forget_links(article_id)
            self.connection.execute(update(article_t).where(article_t.c.id == article_id), row)
            self.connection.execute(
                update(source_t).where(source_t.c.article_id == article_id), source
            )
        self._insert_links(article_id, article)
        return article_id

    def _provider_id(self, article: ParsedArticle) -> int | None:
        provider = article.provider
        if provider is None or provider.domain is None:
            return None
        wanted = (provider.name, provider.images)
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
                known = (int(provider_id), wanted)
            else:
                known = (int(row.id), (row.name, row.images))
        provider_id, current = known
        if current != wanted:
            # The latest file imported speaks for the provider's name and logo.
            self.connection.execute(
                update(provider_t)
                .where(provider_t.c.id == provider_id)
                .values(name=provider.name, images=provider.images)
            )
        self._providers[provider.domain] = (provider_id, wanted)
        self.touched_providers.add(provider_id)
        return provider_id

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

    def _forget_links(self, article_id: int) -> None:
        old = self.connection.execute(
            select(article_t.c.provider_id).where(article_t.c.id == article_id)
        ).scalar_one_or_none()
        if old is not None:
            self.touched_providers.add(int(old))
        self.touched_topics.update(
            int(t)
            for t in self.connection.execute(
                select(link_t.c.topic_id).where(link_t.c.article_id == article_id)
            ).scalars()
        )
        for table in (link_t, image_t, related_t):
            self.connection.execute(delete(table).where(table.c.article_id == article_id))

    def _insert_links(self, article_id: int, article: ParsedArticle) -> None:
        links = [
            {
                "article_id": article_id,
                "topic_id": self._topic_id(topic.slug, topic.name),
                "position": position,
                "published_at": article.published_at,
            }
            for position, topic in enumerate(article.topics)
        ]
        images = [
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
        ]
        related = [
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
        ]
        for table, rows in ((link_t, links), (image_t, images), (related_t, related)):
            if rows:
                self.connection.execute(insert(table), rows)

    def prune(self, folders: Iterable[str], keep_paths: set[str]) -> list[str]:
        """Delete the articles whose source file lies under `folders` but is not in
        `keep_paths`; return their slugs."""
        removed: list[str] = []
        for folder in folders:
            prefix = folder.rstrip("/\\") + "/"
            rows = self.connection.execute(
                select(source_t.c.article_id, source_t.c.path, article_t.c.slug)
                .join(article_t, article_t.c.id == source_t.c.article_id)
                .where(source_t.c.path.startswith(prefix, autoescape=True))
            ).all()
            for article_id, path, slug in rows:
                if path in keep_paths:
                    continue
                self._forget_links(article_id)
                self.connection.execute(delete(source_t).where(source_t.c.article_id == article_id))
                self.connection.execute(delete(article_t).where(article_t.c.id == article_id))
                removed.append(slug)
        return removed

    def refresh_counters(self) -> None:
        """Recount the touched topics and providers; drop those left without articles."""
        for topic_id in sorted(self.touched_topics):
            count, latest = self.connection.execute(
                select(func.count(), func.max(link_t.c.published_at)).where(
                    link_t.c.topic_id == topic_id
                )
            ).one()
            if count:
                self.connection.execute(
                    update(topic_t)
                    .where(topic_t.c.id == topic_id)
                    .values(article_count=count, latest_published_at=latest)
                )
            else:
                self.connection.execute(delete(topic_t).where(topic_t.c.id == topic_id))
        for provider_id in sorted(self.touched_providers):
            count = self.connection.execute(
                select(func.count()).where(article_t.c.provider_id == provider_id)
            ).scalar_one()
            if count:
                self.connection.execute(
                    update(provider_t)
                    .where(provider_t.c.id == provider_id)
                    .values(article_count=count)
                )
            else:
                self.connection.execute(delete(provider_t).where(provider_t.c.id == provider_id))
        self._topic_ids.clear()
        self._providers.clear()
