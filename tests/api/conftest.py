"""Fixtures of the API tests: a purpose-made catalog of articles, and helpers to read pages.

The catalog is described by `Spec` values, so that each test can compute what the API should
answer (which articles match, in which order) from the data it wrote, without the app's code.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, write_article

PROBLEM_JSON = "application/problem+json"
SORTS = ("newest", "oldest", "quality", "heat")
LINK_NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')

PROVIDER_NAMES = {
    "alpha.example": "Alpha News",
    "beta.example": "Beta Daily",
    "gamma.example": "Gamma Wire",
    "delta.example": "Delta Post",
}
ALPHA_LOGOS = [{"url": "https://alpha.example/logo-50x50.jpg", "width": 50, "height": 50}]


@dataclass(frozen=True)
class Spec:
    """One article of a purpose-made dataset, as the test wrote it.

    `written` is the publishedDateTime exactly as it appears in the file (offsets included);
    None for quality, heat, published, type or provider means the key is absent from the file.
    """

    slug: str
    written: str
    quality: int | None
    heat: int | None
    published: bool | None
    type: str | None
    provider: str | None
    topics: tuple[str, ...] = ()
    images: tuple[dict[str, Any], ...] = field(default=())

    @property
    def at(self) -> datetime:
        """The publication time in UTC (aware)."""
        return datetime.fromisoformat(self.written).astimezone(UTC)

    @property
    def at_text(self) -> str:
        """The publication time as the API writes it: UTC with a `Z`."""
        return self.at.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def web_url(self) -> str:
        return f"https://{self.provider or 'nowhere.example'}/{self.slug}"


# A dozen articles chosen for the boundaries of every filter and the ties of every sort:
# three share 19:00Z on 2020-06-17 (written in three different offsets) and quality 70,
# two more share 10:30Z on 2020-06-19; some have no quality, heat, published, type,
# provider or topics; times sit exactly on day boundaries.
CATALOG: tuple[Spec, ...] = (
    Spec("apple", "2020-06-15T08:00:00Z", 90, 10, True, "article", "alpha.example",
         ("AI", "Robotics")),
    Spec("banana", "2020-06-16T23:59:59Z", 50, 80, False, "article", "beta.example",
         ("Computer Vision",)),
    Spec("cherry", "2020-06-17T00:00:00Z", 50, None, True, "video", "alpha.example", ("AI",)),
    Spec("damson", "2020-06-17T12:00:00Z", None, 5, None, "article", "gamma.example",
         ("AI in Autos", "AI")),
    Spec("mango", "2020-06-17T12:00:00-07:00", 70, 80, True, "article", "beta.example",
         ("Robotics",)),
    Spec("elder", "2020-06-17T19:00:00Z", 70, 80, False, "article", "alpha.example", ("AI",)),
    Spec("zucchini", "2020-06-17T21:00:00+02:00", 70, None, True, "article", "gamma.example",
         ("AI", "Robotics")),
    Spec("fig", "2020-06-17T23:59:59Z", 10, -1, True, "podcast", "gamma.example",
         ("AI in Autos",)),
    Spec("grape", "2020-06-18T00:00:00Z", 100, None, None, "article", "alpha.example",
         ("Computer Vision", "AI")),
    Spec("kiwi", "2020-06-19T10:30:00Z", None, None, True, "article", None, ()),
    Spec("honeydew", "2020-06-19T10:30:00Z", 0, 0, False, "video", "beta.example", ("AI",)),
    Spec("lemon", "2020-06-20T06:00:00Z", 70, 30, True, None, "delta.example",
         ("AI in Autos",)),
)  # fmt: skip


# The three article lists, and filters that each of them meets with some articles of CATALOG.
LISTS = ("/articles", "/topics/ai/articles", "/providers/alpha.example/articles")
LIST_FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"topic": "Robotics"},
    {"provider": ["alpha.example", "beta.example"]},
    {"type": "article", "published": "true"},
    {"from": "2020-06-17", "to": "2020-06-18"},
    {"min_quality": 50, "max_quality": 90},
    {"topic": "AI", "min_quality": 60},
)


def by_slug(slug: str, specs: Iterable[Spec] = CATALOG) -> Spec:
    return next(spec for spec in specs if spec.slug == slug)


def expected_order(specs: Iterable[Spec], sort: str = "newest") -> list[str]:
    """The slugs in the order the spec gives: newest is oldest reversed (time, then slug);
    quality and heat put the highest first and articles without the field last, ties newest
    first."""
    oldest = sorted(specs, key=lambda spec: (spec.at, spec.slug))
    if sort == "oldest":
        return [spec.slug for spec in oldest]
    newest = oldest[::-1]
    if sort == "newest":
        return [spec.slug for spec in newest]
    if sort == "quality":
        ranked = sorted(newest, key=lambda s: (s.quality is None, -(s.quality or 0)))
    elif sort == "heat":
        ranked = sorted(newest, key=lambda s: (s.heat is None, -(s.heat or 0)))
    else:
        raise ValueError(sort)
    return [spec.slug for spec in ranked]


def matching(predicate: Callable[[Spec], bool], specs: Iterable[Spec] = CATALOG) -> list[Spec]:
    return [spec for spec in specs if predicate(spec)]


def write_spec(folder: Path, spec: Spec) -> Path:
    """Write the article file for `spec` (absent fields are left out of the file)."""
    provider: dict[str, Any] | None = None
    if spec.provider is not None:
        provider = {
            "name": PROVIDER_NAMES.get(spec.provider, spec.provider),
            "domain": spec.provider,
        }
        if spec.provider == "alpha.example":
            provider["images"] = ALPHA_LOGOS
    return write_article(
        folder,
        f"{spec.slug}.md",
        title=f"Title of {spec.slug}",
        excerpt=f"Excerpt of {spec.slug}",
        publishedDateTime=spec.written,
        webUrl=spec.web_url,
        originalUrl=spec.web_url,
        ampWebUrl=f"{spec.web_url}/amp",
        cdnAmpWebUrl=f"https://cdn.example/{spec.slug}/amp",
        quality=spec.quality,
        heat=spec.heat,
        published=spec.published,
        type=spec.type,
        provider=provider,
        topics=list(spec.topics),
        images=[dict(image) for image in spec.images]
        or [{"url": f"https://img.example/{spec.slug}.jpg", "width": 640, "height": 360}],
    )


def import_specs(folder: Path, import_files: ImportFiles, specs: Sequence[Spec]) -> None:
    for spec in specs:
        write_spec(folder, spec)
    report = import_files(folder)
    assert report.rejected == []
    assert report.added == len(specs)


@pytest.fixture
def catalog(tmp_path: Path, import_files: ImportFiles) -> tuple[Spec, ...]:
    """The CATALOG, written as files and imported into the test's database."""
    import_specs(tmp_path / "catalog", import_files, CATALOG)
    return CATALOG


@pytest.fixture
def real_articles(import_files: ImportFiles) -> None:
    """The real article files of tests/fixtures/articles, imported."""
    report = import_files(FIXTURES)
    assert report.rejected == []
    assert report.added == 8


def slugs(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["slug"] for item in response.json()["items"]]


def next_link(response: httpx.Response) -> str | None:
    """The URL of the `Link: <...>; rel="next"` header, or None when there is none."""
    header = response.headers.get("link")
    if header is None:
        return None
    found = LINK_NEXT.match(header)
    assert found is not None, f"malformed Link header: {header!r}"
    return found["url"]


def walk(
    client: TestClient, url: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paged list, following the `Link` header from page to page. On every page
    the Link header and `nextCursor` must agree: both present (same cursor) or both absent."""
    items: list[dict[str, Any]] = []
    response = client.get(url, params=params)
    for _ in range(1000):
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= page["limit"]
        items.extend(page["items"])
        link = next_link(response)
        if page["nextCursor"] is None:
            assert link is None
            return items
        assert len(page["items"]) == page["limit"]
        assert link is not None
        assert parse_qs(urlsplit(link).query)["cursor"] == [page["nextCursor"]]
        response = client.get(link)
    raise AssertionError("the walk does not end")


def walk_cursors(
    client: TestClient, url: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every item of a paged list, passing `nextCursor` back as `cursor` (no Link header)."""
    params = dict(params or {})
    items: list[dict[str, Any]] = []
    for _ in range(1000):
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["nextCursor"] is None:
            return items
        params["cursor"] = page["nextCursor"]
    raise AssertionError("the walk does not end")


def assert_problem(
    response: httpx.Response, status: int, parameter: str | None = None
) -> dict[str, Any]:
    """Check an RFC 9457 problem answer and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    if parameter is None:
        assert "parameter" not in body
    else:
        assert body["parameter"] == parameter
    return body
