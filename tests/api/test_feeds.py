"""Atom and JSON Feed forms of the article lists: /articles.atom, /articles.feed.json and
their topic and provider siblings, read as feed readers read them (feedparser for Atom)."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import (
    LIST_FILTERS,
    LISTS,
    PROVIDER_NAMES,
    Spec,
    assert_problem,
    by_slug,
    expected_order,
    matching,
    walk,
)
from tests.conftest import ImportFiles
from tests.helpers import write_article

ATOM = "application/atom+xml"
JSON_FEED = "application/feed+json"
API = "http://testserver"


def atom(client: TestClient, url: str, params: dict[str, Any] | None = None) -> Any:
    """The Atom feed at `url`, parsed by feedparser (which must find it well-formed Atom)."""
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ATOM
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def json_feed(client: TestClient, url: str, params: dict[str, Any] | None = None) -> Any:
    """The JSON Feed at `url`, checked against what JSON Feed 1.1 requires of every document."""
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_FEED
    document: dict[str, Any] = response.json()
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_text", item.get("content_html")), str)
        for field in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[field]).tzinfo is not None
    assert None not in document.values()
    return document


def link(parsed: Any, rel: str) -> str | None:
    return next((item.href for item in parsed.feed.links if item.rel == rel), None)


def slug_of(entry_id: str) -> str:
    assert entry_id.startswith(f"{API}/articles/")
    return entry_id.removeprefix(f"{API}/articles/")


def walk_atom(client: TestClient, url: str, params: dict[str, Any]) -> list[list[Any]]:
    """The entries of every page of an Atom feed, following `<link rel="next">`."""
    pages = [atom(client, url, params)]
    while (following := link(pages[-1], "next")) is not None and len(pages) < 100:
        pages.append(atom(client, following))
    return [page.entries for page in pages]


def walk_json_feed(client: TestClient, url: str, params: dict[str, Any]) -> list[list[Any]]:
    """The items of every page of a JSON Feed, following `next_url`."""
    pages = [json_feed(client, url, params)]
    while (following := pages[-1].get("next_url")) is not None and len(pages) < 100:
        pages.append(json_feed(client, following))
    return [page["items"] for page in pages]


@pytest.mark.parametrize("scope", LISTS)
@pytest.mark.parametrize("params", LIST_FILTERS)
def test_feed_entries_are_the_json_lists_items_in_the_same_order(
    client: TestClient, catalog: tuple[Spec, ...], scope: str, params: dict[str, Any]
) -> None:
    items = walk(client, scope, {**params, "limit": 100})
    entries = atom(client, f"{scope}.atom", {**params, "limit": 100}).entries
    feed_items = json_feed(client, f"{scope}.feed.json", {**params, "limit": 100})["items"]

    assert items, "every filter of the test matches something"
    assert [slug_of(entry.id) for entry in entries] == [item["slug"] for item in items]
    assert [entry.link for entry in entries] == [item["webUrl"] for item in items]
    assert [entry.title for entry in entries] == [item["title"] for item in items]
    assert [item["id"] for item in feed_items] == [entry.id for entry in entries]
    assert [item["url"] for item in feed_items] == [item["webUrl"] for item in items]


def test_atom_next_links_walk_every_match_exactly_once_page_by_page(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    pages = walk_atom(client, "/articles.atom", {"limit": 5})

    assert [len(page) for page in pages] == [5, 5, 2]
    walked = [slug_of(entry.id) for page in pages for entry in page]
    assert walked == expected_order(catalog)


def test_json_feed_next_urls_walk_every_match_exactly_once_page_by_page(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    params = {"topic": "AI", "limit": 2}
    pages = walk_json_feed(client, "/articles.feed.json", params)

    expected = expected_order(matching(lambda spec: "AI" in spec.topics))
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [slug_of(item["id"]) for page in pages for item in page] == expected


def test_a_feed_page_is_the_json_list_page_of_the_same_cursor(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    first = client.get("/articles", params={"limit": 4}).json()
    following = atom(client, "/articles.atom", {"limit": 4, "cursor": first["nextCursor"]})
    second = client.get("/articles", params={"limit": 4, "cursor": first["nextCursor"]}).json()

    assert [slug_of(entry.id) for entry in following.entries] == [
        item["slug"] for item in second["items"]
    ]
    next_url = link(following, "next")
    assert next_url is not None
    assert parse_qs(urlsplit(next_url).query)["cursor"] == [second["nextCursor"]]


def test_the_last_page_of_a_feed_has_no_next_link(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    parsed = atom(client, "/articles.atom", {"limit": 100})
    document = json_feed(client, "/articles.feed.json", {"limit": 100})

    assert len(parsed.entries) == len(catalog)
    assert link(parsed, "next") is None
    assert "next_url" not in document


def test_feeds_default_to_the_lists_page_size(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    for day in range(1, 28):
        write_article(tmp_path, f"day-{day:02}.md", publishedDateTime=f"2020-06-{day:02}T12:00:00Z")
    import_files(tmp_path)

    parsed = atom(client, "/articles.atom")
    document = json_feed(client, "/articles.feed.json")

    assert len(parsed.entries) == len(document["items"]) == 25
    assert slug_of(parsed.entries[0].id) == "day-27"
    following = link(parsed, "next")
    assert following is not None
    assert [slug_of(entry.id) for entry in atom(client, following).entries] == ["day-02", "day-01"]


def test_atom_entry_carries_the_article(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    entries = atom(client, "/articles.atom", {"limit": 100}).entries
    entry = next(entry for entry in entries if entry.id.endswith("/articles/zucchini"))
    spec = by_slug("zucchini")

    assert entry.id == f"{API}/articles/zucchini"
    assert entry.title == "Title of zucchini"
    assert entry.link == spec.web_url
    assert entry.summary == "Excerpt of zucchini"
    assert entry.published == entry.updated == "2020-06-17T19:00:00+00:00"
    assert entry.author == "Gamma Wire"
    assert [tag.term for tag in entry.tags] == ["AI", "Robotics"]
    assert entry.media_thumbnail == [
        {"url": "https://img.example/zucchini.jpg", "width": "640", "height": "360"}
    ]


def test_json_feed_item_carries_the_article(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    items = json_feed(client, "/articles.feed.json", {"limit": 100})["items"]
    item = next(item for item in items if item["id"].endswith("/articles/damson"))

    assert item == {
        "id": f"{API}/articles/damson",
        "url": "https://gamma.example/damson",
        "title": "Title of damson",
        "content_text": "Excerpt of damson",
        "summary": "Excerpt of damson",
        "image": "https://img.example/damson.jpg",
        "date_published": "2020-06-17T12:00:00Z",
        "date_modified": "2020-06-17T12:00:00Z",
        "authors": [{"name": "Gamma Wire"}],
        "tags": ["AI in Autos", "AI"],
    }


def test_an_article_without_provider_topics_or_web_url_links_to_its_api_url(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    write_article(
        tmp_path, "bare.md", webUrl=None, provider=None, topics=None, images=None, excerpt=None
    )
    import_files(tmp_path)

    parsed = atom(client, "/articles.atom")
    (entry,) = parsed.entries
    (item,) = json_feed(client, "/articles.feed.json")["items"]

    assert entry.link == f"{API}/articles/bare"
    # Atom wants an author for every entry: the feed's own stands in.
    assert "author" not in entry and parsed.feed.author == "Curated Articles"
    assert "summary" not in entry and "tags" not in entry and "media_thumbnail" not in entry
    assert item == {
        "id": f"{API}/articles/bare",
        "url": f"{API}/articles/bare",
        "title": "A test article",
        "content_text": "",
        "date_published": "2020-06-17T19:02:00Z",
        "date_modified": "2020-06-17T19:02:00Z",
    }


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/articles", "Curated Articles"),
        ("/topics/ai-in-autos/articles", "Curated Articles: AI in Autos"),
        ("/topics/AI in Autos/articles", "Curated Articles: AI in Autos"),
        (
            "/providers/alpha.example/articles",
            f"Curated Articles: {PROVIDER_NAMES['alpha.example']}",
        ),
    ],
)
def test_feed_title_names_its_scope(
    client: TestClient, catalog: tuple[Spec, ...], path: str, title: str
) -> None:
    assert atom(client, f"{path}.atom").feed.title == title
    assert json_feed(client, f"{path}.feed.json")["title"] == title


def test_feed_links_to_itself_and_to_the_same_query_as_a_json_list(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    params = {"published": "true", "limit": 1}
    parsed = atom(client, "/topics/AI in Autos/articles.atom", params)
    document = json_feed(client, "/topics/AI in Autos/articles.feed.json", params)

    base = f"{API}/topics/AI%20in%20Autos/articles"
    # The query comes back in canonical (sorted) order, as the caching layer passes it on.
    assert link(parsed, "self") == f"{base}.atom?limit=1&published=true"
    assert parsed.feed.id == f"{base}.atom?limit=1&published=true"
    assert link(parsed, "alternate") == f"{base}?limit=1&published=true"
    assert document["feed_url"] == f"{base}.feed.json?limit=1&published=true"
    assert document["home_page_url"] == f"{base}?limit=1&published=true"
    # Every page of a feed is the same feed: its id does not change with the cursor.
    following = link(parsed, "next")
    assert following is not None and following.startswith(
        f"{base}.atom?limit=1&published=true&cursor="
    )
    assert atom(client, following).feed.id == parsed.feed.id


def test_feed_updated_is_its_newest_entry(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    parsed = atom(client, "/providers/beta.example/articles.atom")

    newest = max(matching(lambda spec: spec.provider == "beta.example"), key=lambda s: s.at)
    assert parsed.feed.updated == newest.at.isoformat()


def test_empty_feed_is_updated_when_the_collection_last_changed(
    client: TestClient, catalog: tuple[Spec, ...], engine: Engine
) -> None:
    with engine.connect() as connection:
        changed_at = connection.execute(text("SELECT changed_at FROM catalog")).scalar_one()

    parsed = atom(client, "/articles.atom", {"min_quality": 1000})

    assert parsed.entries == []
    expected = datetime.fromisoformat(changed_at).replace(tzinfo=UTC)
    assert datetime.fromisoformat(parsed.feed.updated) == expected


def test_feed_of_an_empty_database_is_a_valid_empty_feed(client: TestClient) -> None:
    parsed = atom(client, "/articles.atom")
    document = json_feed(client, "/articles.feed.json")

    assert parsed.entries == [] and document["items"] == []
    assert parsed.feed.updated == "1970-01-01T00:00:00+00:00"


def test_unicode_and_markup_survive_in_both_feeds(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    title = "Ünïcödé <b>bold</b> & “quotes” — 日本語 🚗"
    write_article(
        tmp_path,
        "unicode.md",
        title=title,
        excerpt="Line one\nline two & <i>three</i>",
        topics=["Künstliche Intelligenz"],
        provider={"name": "Zeitung für Ä", "domain": "zeitung.example"},
    )
    import_files(tmp_path)

    path = "/topics/Künstliche Intelligenz/articles"
    parsed = atom(client, f"{path}.atom")
    document = json_feed(client, f"{path}.feed.json")

    assert parsed.feed.title == document["title"] == "Curated Articles: Künstliche Intelligenz"
    (entry,), (item,) = parsed.entries, document["items"]
    assert entry.title == item["title"] == title
    assert entry.summary == item["summary"] == "Line one\nline two & <i>three</i>"
    assert entry.author == item["authors"][0]["name"] == "Zeitung für Ä"
    assert link(parsed, "self") == f"{API}{quote(path)}.atom"


def test_characters_xml_cannot_carry_are_dropped_from_atom_only(
    client: TestClient, import_files: ImportFiles, tmp_path: Path
) -> None:
    (tmp_path / "control.md").write_text(
        '---\ntitle: "Bell\\a and\\x01 null"\nexcerpt: "Tab\\tstays\\x0b"\n'
        "publishedDateTime: 2020-06-17T19:02:00Z\n---\n",
        encoding="utf-8",
    )
    assert import_files(tmp_path).rejected == []

    (entry,) = atom(client, "/articles.atom").entries
    (item,) = json_feed(client, "/articles.feed.json")["items"]

    assert entry.title == "Bell and null"
    assert entry.summary == "Tab\tstays"
    assert item["title"] == "Bell\a and\x01 null"


@pytest.mark.parametrize("suffix", [".atom", ".feed.json"])
@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/topics/no-such-topic/articles", "slug"), ("/providers/nowhere.example/articles", "domain")],
)
def test_feed_of_an_unknown_topic_or_provider_is_not_found(
    client: TestClient, suffix: str, path: str, parameter: str
) -> None:
    assert_problem(client.get(f"{path}{suffix}"), 404, parameter)


@pytest.mark.parametrize("suffix", [".atom", ".feed.json"])
@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"sort": "quality"}, "sort"),
        ({"from": "2020-06-18", "to": "2020-06-17"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"published": "maybe"}, "published"),
    ],
)
def test_feed_with_a_bad_parameter_is_a_problem_naming_it(
    client: TestClient,
    suffix: str,
    params: dict[str, Any],
    parameter: str,
) -> None:
    for scope in LISTS:
        assert_problem(client.get(f"{scope}{suffix}", params=params), 422, parameter)


def test_a_cursor_of_another_sort_is_refused_by_a_feed(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    cursor = client.get("/articles", params={"sort": "oldest", "limit": 2}).json()["nextCursor"]

    assert_problem(client.get("/articles.atom", params={"cursor": cursor}), 422, "cursor")


def test_feeds_accept_newest_as_their_only_sort(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    parsed = atom(client, "/articles.atom", {"sort": "newest", "limit": 3})

    assert [slug_of(entry.id) for entry in parsed.entries] == expected_order(catalog)[:3]
