"""Two generations of one corpus, so that every answer tells which state of the database it
comes from: generation 1 is imported first; generation 2 rewrites the title of every article
that survives ("gen-1 ..." becomes "gen-2 ..."), removes some articles and adds new ones,
interleaved in time with the old. Sort keys (time, quality) never change between generations.
"""

import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOPICS = ("Alpha", "Beta", "Gamma", "Delta", "Epsilon")
PROVIDERS = tuple(f"p{n}.example" for n in range(6))
FIRST_MOMENT = datetime(2020, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 400 * 86400
EXCERPT_WORDS = "An excerpt of the kind news articles carry, this one about "

Key = tuple[int, ...]


@dataclass(frozen=True)
class Article:
    """One article's facts that no generation changes."""

    slug: str
    at: datetime
    quality: int
    heat: int
    kind: str
    provider: str
    topics: tuple[str, ...]

    @property
    def at_text(self) -> str:
        return self.at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def title(self, generation: int) -> str:
        return f"gen-{generation} {self.slug}"

    def render(self, generation: int, excerpt_bytes: int = 300) -> str:
        """The article's file in `generation` (generation 2 also carries a key of its own)."""
        topics = "".join(f"  - {topic}\n" for topic in self.topics)
        revision = f"revision: {generation}\n" if generation > 1 else ""
        return (
            f'---\ntitle: "{self.title(generation)}"\n'
            f'excerpt: "{excerpt(excerpt_bytes)} {self.slug}."\n'
            f"publishedDateTime: {self.at_text}\n"
            f'webUrl: "https://{self.provider}/{self.slug}"\n'
            f"type: {self.kind}\nquality: {self.quality}\nheat: {self.heat}\n"
            f"provider:\n  name: {self.provider.split('.')[0].upper()} News\n"
            f"  domain: {self.provider}\n"
            f"topics:\n{topics}{revision}---\nBody of {self.slug}.\n"
        )


def excerpt(size: int) -> str:
    """About `size` bytes of excerpt text (bulk for answers and downloads)."""
    return (EXCERPT_WORDS * (size // len(EXCERPT_WORDS) + 1))[:size].strip()


def generation_of(title: str) -> int | None:
    """The generation a title was written in ("gen-2 a00007" -> 2), None for any other title."""
    marker, _, _ = title.partition(" ")
    number = marker.removeprefix("gen-")
    return int(number) if marker.startswith("gen-") and number.isdigit() else None


def topic_slug(name: str) -> str:
    return name.lower()


Sort = str  # newest | oldest | quality


def order_key(article: Article, sort: Sort) -> Key:
    """The API's order as an ascending key (publication times are unique in a corpus)."""
    moment = int(article.at.timestamp())
    if sort == "newest":
        return (-moment,)
    if sort == "oldest":
        return (moment,)
    if sort == "quality":
        return (-article.quality, -moment)
    raise ValueError(sort)


@dataclass(frozen=True)
class ListView:
    """One article list of the API (path, query, order) and which articles it shows."""

    path: str
    params: dict[str, str | int] = field(default_factory=dict)
    sort: Sort = "newest"
    matches: Callable[[Article], bool] = lambda _article: True

    def query(self) -> dict[str, str | int]:
        """The list's query parameters (the sort included unless it is the default)."""
        return dict(self.params) if self.sort == "newest" else dict(self.params, sort=self.sort)

    def url_params(self, limit: int) -> dict[str, str | int]:
        return dict(self.query(), limit=limit)


@dataclass
class Corpus:
    """`initial` articles in generation 1; generation 2 drops `removed` of them and adds
    `added` new ones. The same numbers and seed always give the same corpus. Excerpts are
    `excerpt_bytes` long (about 300 in real files)."""

    initial: int
    added: int
    removed: int
    seed: int = 6
    excerpt_bytes: int = 300
    articles: list[Article] = field(init=False)
    gone: frozenset[str] = field(init=False)
    by_slug: dict[str, Article] = field(init=False)
    _ordered: dict[tuple[str, int], tuple[list[Key], list[Article]]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if self.removed > self.initial:
            raise ValueError("cannot remove more articles than generation 1 has")
        rng = random.Random(self.seed)
        total = self.initial + self.added
        seconds = rng.sample(range(SPAN_SECONDS), total)
        self.articles = [
            Article(
                slug=f"a{index:06d}",
                at=FIRST_MOMENT + timedelta(seconds=seconds[index]),
                quality=rng.randint(0, 100),
                heat=rng.randint(-1, 100),
                kind="article" if rng.random() < 0.8 else "video",
                provider=PROVIDERS[min(int(rng.expovariate(0.6)), len(PROVIDERS) - 1)],
                topics=tuple(rng.sample(TOPICS, rng.choice((1, 1, 2)))),
            )
            for index in range(total)
        ]
        removed = rng.sample(self.articles[: self.initial], self.removed)
        self.gone = frozenset(a.slug for a in removed)
        self.by_slug = {a.slug: a for a in self.articles}

    def members(self, generation: int) -> list[Article]:
        """The articles the database holds once `generation` is imported."""
        if generation == 1:
            return self.articles[: self.initial]
        return [a for a in self.articles if a.slug not in self.gone]

    @property
    def survivors(self) -> list[Article]:
        """The articles that exist in both generations."""
        return [a for a in self.articles[: self.initial] if a.slug not in self.gone]

    def write(self, folder: Path, generation: int) -> int:
        """Make `folder` hold exactly the files of `generation`; returns how many there are."""
        folder.mkdir(parents=True, exist_ok=True)
        members = self.members(generation)
        keep = {f"{a.slug}.md" for a in members}
        for stale in folder.glob("*.md"):
            if stale.name not in keep:
                stale.unlink()
        for article in members:
            text = article.render(generation, self.excerpt_bytes)
            (folder / f"{article.slug}.md").write_text(text, "utf-8")
        return len(members)

    def ordered(self, view: ListView, generation: int) -> tuple[list[Key], list[Article]]:
        """The articles `view` shows in `generation`, in its order, with their keys."""
        cache_key = (repr((view.path, sorted(view.params.items()), view.sort)), generation)
        found = self._ordered.get(cache_key)
        if found is None:
            shown = sorted(
                (a for a in self.members(generation) if view.matches(a)),
                key=lambda a: order_key(a, view.sort),
            )
            found = self._ordered[cache_key] = ([order_key(a, view.sort) for a in shown], shown)
        return found

    def page(
        self, view: ListView, generation: int, limit: int, after: Key | None = None
    ) -> list[str]:
        """The slugs of the page of `view` after the key `after` (the first page without)."""
        keys, shown = self.ordered(view, generation)
        start = 0 if after is None else bisect_right(keys, after)
        return [a.slug for a in shown[start : start + limit]]

    def total(self, view: ListView, generation: int) -> int:
        return len(self.ordered(view, generation)[1])

    def topic_counts(self, generation: int) -> dict[str, int]:
        return _counts(t for a in self.members(generation) for t in map(topic_slug, a.topics))

    def provider_counts(self, generation: int) -> dict[str, int]:
        return _counts(a.provider for a in self.members(generation))


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(Counter(values))


def list_views() -> Sequence[ListView]:
    """The lists the load reads: every sort, a topic, a provider, and filters whose totals are
    counted by the query rather than kept by the importer."""
    return (
        ListView("/articles"),
        ListView("/articles", sort="oldest"),
        ListView("/articles", sort="quality"),
        ListView("/topics/beta/articles", matches=lambda a: "Beta" in a.topics),
        ListView(
            "/providers/p1.example/articles",
            sort="oldest",
            matches=lambda a: a.provider == "p1.example",
        ),
        ListView(
            "/articles",
            {"min_quality": 50, "type": "article"},
            matches=lambda a: a.quality >= 50 and a.kind == "article",
        ),
        ListView(
            "/articles",
            {"topic": "gamma", "provider": "p0.example"},
            sort="quality",
            matches=lambda a: "Gamma" in a.topics and a.provider == "p0.example",
        ),
    )
