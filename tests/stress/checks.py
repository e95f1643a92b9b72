"""What a consistent answer is while generation 2 replaces generation 1: the exact answer the
corpus gives for one generation, never parts of both."""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tests.stress.generations import Corpus, Key, ListView, generation_of, order_key


@dataclass(frozen=True)
class Observed:
    """Which generation an answer showed, or what was wrong with it."""

    generation: int | None
    problem: str | None = None


def one_generation(titles: Sequence[str]) -> Observed:
    """The generation all `titles` come from, or a problem when they mix or carry none."""
    found = {generation_of(title) for title in titles}
    numbers = sorted(number for number in found if number is not None)
    if len(numbers) != len(found):
        return Observed(None, f"a title without a generation marker among {list(titles)[:3]}")
    if len(numbers) != 1:
        return Observed(None, f"a mix of generations {numbers}")
    return Observed(numbers[0])


def check_items(
    what: str, items: Sequence[tuple[str, str]], expected: Callable[[int], list[str]]
) -> Observed:
    """(slug, title) `items` must be exactly the `expected` slugs of the one generation their
    titles name."""
    if not items:
        return Observed(None, f"{what}: nothing")
    seen = one_generation([title for _, title in items])
    if seen.generation is None:
        return Observed(None, f"{what}: {seen.problem}")
    slugs = [slug for slug, _ in items]
    if slugs != expected(seen.generation):
        return Observed(None, f"{what}: {len(slugs)} items, not gen-{seen.generation}'s")
    return seen


def check_page(
    corpus: Corpus, view: ListView, page: dict[str, Any], limit: int, after: Key | None
) -> Observed:
    """A list page (first, or after the key `after`) must be exactly the page of one
    generation: the same articles in the same order, and that generation's total."""
    items = page["items"]
    if not items:
        return Observed(None, f"{view.path}: an empty page")
    seen = one_generation([item["title"] for item in items])
    if seen.generation is None:
        return Observed(None, f"{view.path}: {seen.problem}")
    generation = seen.generation
    slugs = [item["slug"] for item in items]
    expected = corpus.page(view, generation, limit, after)
    total = corpus.total(view, generation)
    if slugs != expected:
        return Observed(None, f"{view.path} gen-{generation}: {slugs[:3]}... not {expected[:3]}")
    if page["total"] != total or page["totalIsExact"] is not True:
        return Observed(
            None, f"{view.path}: gen-{generation} items with total {page['total']}, not {total}"
        )
    return Observed(generation)


@dataclass(frozen=True)
class PageProbe:
    """The first page of a list."""

    corpus: Corpus
    view: ListView
    limit: int

    @property
    def path(self) -> str:
        return self.view.path

    @property
    def params(self) -> dict[str, str | int]:
        return self.view.url_params(self.limit)

    def check(self, response: httpx.Response) -> Observed:
        return check_page(self.corpus, self.view, response.json(), self.limit, None)


@dataclass(frozen=True)
class CountsProbe:
    """/topics or /providers: every count must come from the same generation."""

    path: str
    params: dict[str, str | int]
    key: str
    expected: dict[int, dict[str, int]]

    def check(self, response: httpx.Response) -> Observed:
        counts = {item[self.key]: item["articleCount"] for item in response.json()["items"]}
        for generation, expected in self.expected.items():
            if counts == expected:
                return Observed(generation)
        return Observed(None, f"{self.path}: counts {counts} are no generation's")


@dataclass(frozen=True)
class DetailProbe:
    """One article that exists in both generations."""

    corpus: Corpus
    slug: str

    @property
    def path(self) -> str:
        return f"/articles/{self.slug}"

    @property
    def params(self) -> dict[str, str | int]:
        return {}

    def check(self, response: httpx.Response) -> Observed:
        body = response.json()
        seen = one_generation([body["title"]])
        article = self.corpus.by_slug[self.slug]
        if seen.generation is not None and body["publishedDateTime"] != article.at_text:
            return Observed(None, f"{self.path}: publishedDateTime {body['publishedDateTime']}")
        if seen.generation == 2 and body["extra"].get("revision") != 2:
            return Observed(None, f"{self.path}: a gen-2 title without its revision key")
        return seen


@dataclass(frozen=True)
class CsvProbe:
    """A whole CSV download: one generation's every row, in order."""

    corpus: Corpus
    view: ListView

    @property
    def path(self) -> str:
        return self.view.path + ".csv"

    @property
    def params(self) -> dict[str, str | int]:
        return self.view.query()

    def check(self, response: httpx.Response) -> Observed:
        rows = list(csv.DictReader(io.StringIO(response.text)))
        return check_items(
            self.path,
            [(row["slug"], row["title"]) for row in rows],
            lambda generation: self.corpus.page(self.view, generation, len(self.corpus.articles)),
        )


@dataclass(frozen=True)
class FeedProbe:
    """The first page of a list as a JSON Feed."""

    corpus: Corpus
    view: ListView
    limit: int

    @property
    def path(self) -> str:
        return self.view.path + ".feed.json"

    @property
    def params(self) -> dict[str, str | int]:
        return self.view.url_params(self.limit)

    def check(self, response: httpx.Response) -> Observed:
        items = response.json()["items"]
        return check_items(
            self.path,
            [(item["id"].rsplit("/", 1)[-1], item["title"]) for item in items],
            lambda generation: self.corpus.page(self.view, generation, self.limit),
        )


Probe = PageProbe | CountsProbe | DetailProbe | CsvProbe | FeedProbe


def probes(corpus: Corpus, views: Sequence[ListView], limit: int = 25) -> list[Probe]:
    """What the load's clients ask for, each with its check."""
    found: list[Probe] = [PageProbe(corpus, view, limit) for view in views]
    found += [
        CountsProbe("/topics", {}, "slug", {g: corpus.topic_counts(g) for g in (1, 2)}),
        CountsProbe(
            "/providers", {"limit": 50}, "domain", {g: corpus.provider_counts(g) for g in (1, 2)}
        ),
        FeedProbe(corpus, views[3], 20),
        CsvProbe(corpus, views[4]),
    ]
    survivors = corpus.survivors
    found += [DetailProbe(corpus, a.slug) for a in survivors[:: max(1, len(survivors) // 4)][:4]]
    return found


def tag_generation(response: httpx.Response) -> int | None:
    """The catalog generation an ETag names (tags are `"<generation>-<hash>"`)."""
    tag = response.headers.get("etag", "")
    number = tag.strip('"').partition("-")[0]
    return int(number) if number.isdigit() else None


def last_key(view: ListView, page: dict[str, Any], corpus: Corpus) -> Key:
    """The order key of a page's last item: where the next page starts."""
    return order_key(corpus.by_slug[page["items"][-1]["slug"]], view.sort)
