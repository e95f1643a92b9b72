"""GET /articles/{slug} and /articles/{slug}/related: the whole article and its related links."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.api.conftest import assert_problem
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, SEED_SLUG, write_article, write_text

DETAIL_KEYS = {
    "slug", "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl",
    "originalUrl", "type", "quality", "heat", "published", "provider", "topics", "images",
    "category", "featuredContent", "secured", "body", "related", "extra",
}  # fmt: skip
RELATED_KEYS = {
    "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type",
    "quality", "provider", "images", "article",
}  # fmt: skip
PAIGE = (
    "2020-04-23-paige-raises-5-million-more-from-goldman-sachs-"
    "to-detect-cancer-with-computer-vision"
)
PEAKAI = "2020-04-23-peakai-raises-12-million-to-bolster-enterprise-ai-adoption"
CES = "2021-01-01-ces-2021-and-cars-what-we-expect-in-autonomous-cars-evs-and-more"
ARISTA = "2020-04-24-arista-delivers-cognitive-wifi-for-collaboration-video-and-chat-applications"


def front_matter(name: str) -> dict[str, Any]:
    """A real fixture file's front matter, read with PyYAML (independently of the importer)."""
    path = next(FIXTURES.glob(f"{name}.*"))
    text = path.read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return loaded


def expected_related(link: dict[str, Any]) -> dict[str, Any]:
    """A related link of a file as the API should serve it (without `article`)."""
    provider = link.get("provider")
    return {
        "title": link["title"],
        "excerpt": link.get("excerpt"),
        "publishedDateTime": link["publishedDateTime"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "webUrl": link.get("webUrl"),
        "ampWebUrl": link.get("ampWebUrl"),
        "cdnAmpWebUrl": link.get("cdnAmpWebUrl"),
        "type": link.get("type"),
        "quality": link.get("quality"),
        "provider": None if provider is None else {
            "name": provider.get("name"), "domain": provider.get("domain"),
        },
        "images": link.get("images", []),
    }  # fmt: skip


def test_detail_serves_the_whole_seed_article(client: TestClient, real_articles: None) -> None:
    response = client.get(f"/articles/{SEED_SLUG}")
    assert response.status_code == 200
    article = response.json()
    assert set(article) == DETAIL_KEYS
    written = front_matter(SEED_SLUG)
    assert article["slug"] == SEED_SLUG
    assert article["title"] == written["title"]
    assert article["excerpt"] == written["excerpt"]
    assert article["publishedDateTime"] == "2020-06-17T19:02:00Z"
    assert article["webUrl"] == written["webUrl"]
    assert article["ampWebUrl"] == written["ampWebUrl"]
    assert article["cdnAmpWebUrl"] == written["cdnAmpWebUrl"]
    assert article["originalUrl"] is None
    assert article["type"] == "article"
    assert (article["quality"], article["heat"], article["published"]) == (67, -1, False)
    assert article["category"] == "news"
    assert article["featuredContent"] is None
    assert article["secured"] == written["secured"]
    assert article["body"] == "\n"  # the file has one empty line after its front matter
    assert article["extra"] == {}
    assert article["topics"] == ["Computer Vision", "AI"]
    assert article["provider"] == {
        "name": "Forbes",
        "domain": "forbes.com",
        "images": [
            {
                "url": "https://smartableai.github.io/artificial-intelligence/assets/images/"
                "organizations/forbes.com-50x50.jpg",
                "width": 50,
                "height": 50,
            }
        ],
    }
    assert article["images"] == [
        {
            "url": written["images"][0]["url"],
            "width": 1200,
            "height": 747,
            "isCached": True,
            "title": written["title"],
        }
    ]
    assert len(article["related"]) == 6
    for served, link in zip(article["related"], written["related"], strict=True):
        assert set(served) == RELATED_KEYS
        assert {k: v for k, v in served.items() if k != "article"} == expected_related(link)
        assert served["article"] is None  # none of the seed's related articles is imported


def test_detail_agrees_with_the_list_item(client: TestClient, real_articles: None) -> None:
    items = client.get("/articles", params={"limit": 100}).json()["items"]
    for item in items:
        article = client.get(f"/articles/{item['slug']}").json()
        summary = {key: article[key] for key in item if key != "provider"}
        assert summary == {key: value for key, value in item.items() if key != "provider"}
        assert {"name": article["provider"]["name"], "domain": article["provider"]["domain"]} == (
            item["provider"]
        )


def test_detail_keeps_the_body_as_written(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    body = "# Heading\n\nSome *markdown*, kept as written.\n\n---\n\nEven after a rule.\n"
    write_article(tmp_path, "with-body.md", body=body)
    import_files(tmp_path)
    assert client.get("/articles/with-body").json()["body"] == body


def test_detail_serves_featured_content_and_category(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    write_article(tmp_path, "featured.md", featuredContent="Editor's pick", category="analysis")
    import_files(tmp_path)
    article = client.get("/articles/featured").json()
    assert article["featuredContent"] == "Editor's pick"
    assert article["category"] == "analysis"
    assert article["secured"] == "opaque;blob=="


def test_detail_serves_unknown_front_matter_keys_as_extra_as_written(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    write_text(
        tmp_path,
        "extra.md",
        "---\n"
        "title: With extras\n"
        "publishedDateTime: 2020-06-17T19:02:00Z\n"
        "zeta: last letter first\n"
        "author:\n"
        "  name: Ann Example\n"
        "  handles: ['@ann', '@ann2']\n"
        "updated: 2020-06-18\n"
        "revision: 3\n"
        "score: 4.5\n"
        "draft: false\n"
        "nothing: null\n"
        "tags: [ai, news]\n"
        "version: '007'\n"
        "---\n",
    )
    import_files(tmp_path)
    extra = client.get("/articles/extra").json()["extra"]
    assert extra == {
        "zeta": "last letter first",
        "author": {"name": "Ann Example", "handles": ["@ann", "@ann2"]},
        "updated": "2020-06-18",
        "revision": 3,
        "score": 4.5,
        "draft": False,
        "nothing": None,
        "tags": ["ai", "news"],
        "version": "007",
    }
    assert list(extra) == [
        "zeta", "author", "updated", "revision", "score", "draft", "nothing", "tags", "version",
    ]  # fmt: skip


def test_detail_of_a_minimal_file_has_nulls_and_empty_collections(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    write_text(tmp_path, "minimal.md", "---\ntitle: Minimal\npublishedDateTime: 2020-01-02\n---\n")
    import_files(tmp_path)
    assert client.get("/articles/minimal").json() == {
        "slug": "minimal",
        "title": "Minimal",
        "excerpt": None,
        "publishedDateTime": "2020-01-02T00:00:00Z",
        "webUrl": None,
        "ampWebUrl": None,
        "cdnAmpWebUrl": None,
        "originalUrl": None,
        "type": None,
        "quality": None,
        "heat": None,
        "published": None,
        "provider": None,
        "topics": [],
        "images": [],
        "category": None,
        "featuredContent": None,
        "secured": None,
        "body": "",
        "related": [],
        "extra": {},
    }


def test_detail_provider_logos_are_those_of_the_articles_own_file(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    old_logo = [{"url": "https://p.example/old.png", "width": 10, "height": 10}]
    new_logo = [{"url": "https://p.example/new.png", "width": 20, "height": 20}]
    write_article(tmp_path, "a-old.md", provider={"name": "P", "domain": "p.example",
                                                  "images": old_logo})  # fmt: skip
    write_article(tmp_path, "b-new.md", provider={"name": "P", "domain": "p.example",
                                                  "images": new_logo})  # fmt: skip
    import_files(tmp_path)
    assert client.get("/articles/a-old").json()["provider"]["images"] == old_logo
    assert client.get("/articles/b-new").json()["provider"]["images"] == new_logo


def test_detail_of_an_article_whose_provider_has_no_domain_keeps_its_name(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    write_article(tmp_path, "anonymous.md", provider={"name": "Someone"})
    import_files(tmp_path)
    assert client.get("/articles/anonymous").json()["provider"] == {
        "name": "Someone", "domain": None, "images": [],
    }  # fmt: skip
    item = client.get("/articles").json()["items"][0]
    assert item["provider"] == {"name": "Someone", "domain": None}


@pytest.mark.parametrize("slug", ["no-such-article", "000_29aed2788627c48", "Ünïcode slug"])
def test_detail_of_an_unknown_slug_is_a_404_problem(
    client: TestClient, real_articles: None, slug: str
) -> None:
    body = assert_problem(client.get(f"/articles/{slug}"), 404, "slug")
    assert body["type"] == "/problems/not-found"
    assert slug in body["detail"]


def test_detail_slug_is_case_sensitive(client: TestClient, real_articles: None) -> None:
    assert client.get(f"/articles/{SEED_SLUG}").status_code == 200
    assert_problem(client.get(f"/articles/{SEED_SLUG.upper()}"), 404, "slug")


def test_related_of_paige_and_peakai_point_at_each_other(
    client: TestClient, real_articles: None
) -> None:
    paige = client.get(f"/articles/{PAIGE}/related")
    assert paige.status_code == 200
    assert set(paige.json()) == {"items"}
    [link] = paige.json()["items"]
    assert link["article"] == PEAKAI
    assert link["webUrl"] == client.get(f"/articles/{PEAKAI}").json()["webUrl"]
    [back] = client.get(f"/articles/{PEAKAI}/related").json()["items"]
    assert back["article"] == PAIGE


def test_related_items_are_served_as_the_file_lists_them(
    client: TestClient, real_articles: None
) -> None:
    for slug in (SEED_SLUG, PAIGE, PEAKAI, CES, ARISTA):
        items = client.get(f"/articles/{slug}/related").json()["items"]
        written = front_matter(slug)["related"]
        assert [{k: v for k, v in item.items() if k != "article"} for item in items] == [
            expected_related(link) for link in written
        ]
        for item in items:
            assert set(item) == RELATED_KEYS


def test_related_item_with_the_articles_own_web_url_points_at_itself(
    client: TestClient, real_articles: None
) -> None:
    items = client.get(f"/articles/{CES}/related").json()["items"]
    assert [item["article"] for item in items] == [CES, None]
    assert items[0]["webUrl"] == client.get(f"/articles/{CES}").json()["webUrl"]
    assert items[0]["title"].startswith("What we expect at CES 2021")
    assert items[0]["provider"] == {"name": "Digital Trends", "domain": "digitaltrends.com"}
    assert items[0]["images"] == [
        {
            "url": "https://icdn4.digitaltrends.com/image/digitaltrends/sony-vision-s-electric-"
            "concept-car-1200x630-c-ar1.91.jpg",
            "width": 1200,
            "height": 628,
            "isCached": True,
        }
    ]


def test_related_article_is_null_until_the_article_with_that_url_is_imported(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    paige_file = next(FIXTURES.glob(f"{PAIGE}.*"))
    peakai_file = next(FIXTURES.glob(f"{PEAKAI}.*"))
    import_files(paige_file)
    assert [
        item["article"] for item in client.get(f"/articles/{PAIGE}/related").json()["items"]
    ] == [None]
    import_files(peakai_file)
    assert [
        item["article"] for item in client.get(f"/articles/{PAIGE}/related").json()["items"]
    ] == [PEAKAI]


def test_related_of_an_article_without_related_links_is_empty(
    client: TestClient, real_articles: None
) -> None:
    slug = "2020-10-06-simqu-leading-the-change-at-sage-publications"
    response = client.get(f"/articles/{slug}/related")
    assert response.json() == {"items": []}
    assert client.get(f"/articles/{slug}").json()["related"] == []


def test_detail_related_equals_the_related_endpoint(
    client: TestClient, real_articles: None
) -> None:
    for slug in (SEED_SLUG, PAIGE, PEAKAI, CES, ARISTA):
        detail = client.get(f"/articles/{slug}").json()["related"]
        assert detail == client.get(f"/articles/{slug}/related").json()["items"]


def test_related_link_without_optional_fields_has_nulls(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    write_article(tmp_path, "sparse.md", related=[{"title": "Only a title"}, {"webUrl": "x"}])
    import_files(tmp_path)
    items = client.get("/articles/sparse/related").json()["items"]
    assert items == [
        {
            "title": "Only a title", "excerpt": None, "publishedDateTime": None, "webUrl": None,
            "ampWebUrl": None, "cdnAmpWebUrl": None, "type": None, "quality": None,
            "provider": None, "images": [], "article": None,
        },
        {
            "title": None, "excerpt": None, "publishedDateTime": None, "webUrl": "x",
            "ampWebUrl": None, "cdnAmpWebUrl": None, "type": None, "quality": None,
            "provider": None, "images": [], "article": None,
        },
    ]  # fmt: skip


def test_related_of_an_unknown_slug_is_a_404_problem(
    client: TestClient, real_articles: None
) -> None:
    body = assert_problem(client.get("/articles/no-such-article/related"), 404, "slug")
    assert "no-such-article" in body["detail"]
