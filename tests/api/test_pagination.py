"""Keyset pagination of article lists: cursors, the Link header, limits, stability."""

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    SORTS,
    Spec,
    assert_problem,
    expected_order,
    import_specs,
    matching,
    next_link,
    slugs,
    walk,
    walk_cursors,
)
from tests.conftest import ImportFiles
from tests.helpers import write_article


def item_slugs(items: list[dict[str, Any]]) -> list[str]:
    return [item["slug"] for item in items]


@pytest.mark.parametrize("limit", [1, 2, 5, 11, 12])
@pytest.mark.parametrize("sort", SORTS)
def test_cursor_walk_yields_every_article_once_in_order(
    client: TestClient, catalog: tuple[Spec, ...], sort: str, limit: int
) -> None:
    items = walk_cursors(client, "/articles", {"sort": sort, "limit": limit})
    assert item_slugs(items) == expected_order(catalog, sort)


FILTERED_WALKS: list[tuple[dict[str, Any], Any]] = [
    ({"topic": "AI"}, lambda s: "AI" in s.topics),
    ({"published": "true"}, lambda s: s.published is True),
    ({"min_quality": 10}, lambda s: s.quality is not None and s.quality >= 10),
    ({"from": "2020-06-17", "to": "2020-06-19"},
     lambda s: s.at.date().isoformat() in {"2020-06-17", "2020-06-18", "2020-06-19"}),
    ({"provider": ["alpha.example", "beta.example"], "type": "article"},
     lambda s: s.provider in {"alpha.example", "beta.example"} and s.type == "article"),
]  # fmt: skip


@pytest.mark.parametrize(("params", "predicate"), FILTERED_WALKS)
@pytest.mark.parametrize("sort", SORTS)
def test_link_walk_with_filters_yields_every_match_once_in_order(
    client: TestClient,
    catalog: tuple[Spec, ...],
    sort: str,
    params: dict[str, Any],
    predicate: Any,
) -> None:
    items = walk(client, "/articles", {**params, "sort": sort, "limit": 2})
    assert item_slugs(items) == expected_order(matching(predicate), sort)


@pytest.mark.parametrize("sort", SORTS)
def test_link_walk_over_the_real_files_matches_a_single_page(
    client: TestClient, real_articles: None, sort: str
) -> None:
    whole = slugs(client.get("/articles", params={"sort": sort, "limit": 100}))
    assert len(whole) == 8
    assert item_slugs(walk(client, "/articles", {"sort": sort, "limit": 3})) == whole


def test_every_page_reports_the_total_and_limit_of_the_whole_walk(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params={"limit": 5, "topic": "AI"})
    pages = []
    while True:
        pages.append(response.json())
        link = next_link(response)
        if link is None:
            break
        response = client.get(link)
    assert [len(page["items"]) for page in pages] == [5, 2]
    assert {page["total"] for page in pages} == {7}
    assert {page["limit"] for page in pages} == {5}
    assert pages[-1]["nextCursor"] is None


def test_last_page_has_no_link_header_and_a_null_cursor(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    exact = client.get("/articles", params={"limit": len(catalog)})
    assert len(exact.json()["items"]) == len(catalog)
    assert exact.json()["nextCursor"] is None
    assert "link" not in exact.headers
    more = client.get("/articles", params={"limit": len(catalog) - 1})
    assert more.json()["nextCursor"] is not None
    assert next_link(more) is not None


def test_link_header_keeps_every_filter_and_replaces_the_cursor(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    params = [
        ("topic", "AI"), ("topic", "Robotics"), ("sort", "quality"), ("limit", "1"),
        ("from", "2020-06-15T00:00:00+02:00"), ("published", "true"),
    ]  # fmt: skip
    first = client.get("/articles", params=params)
    link = next_link(first)
    assert link is not None
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "testserver", "/articles")
    query = parse_qsl(parts.query)
    # In canonical order: by name, repeated names in the order given (see test_caching).
    assert [pair for pair in query if pair[0] != "cursor"] == sorted(params, key=lambda p: p[0])
    assert ("cursor", first.json()["nextCursor"]) in query
    second = client.get(link)
    link_two = next_link(second)
    assert link_two is not None
    cursors = [value for key, value in parse_qsl(urlsplit(link_two).query) if key == "cursor"]
    assert cursors == [second.json()["nextCursor"]]
    expected = expected_order(
        matching(
            lambda s: (
                bool({"AI", "Robotics"} & set(s.topics))
                and s.published is True
                and s.at.isoformat() >= "2020-06-14T22:00:00+00:00"
            )
        ),
        "quality",
    )
    assert len(expected) == 4
    assert slugs(first) + slugs(second) == expected[:2]


def test_link_header_of_a_topic_whose_name_has_spaces_is_followable(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/topics/AI%20in%20Autos/articles", params={"limit": 1})
    link = next_link(response)
    assert link is not None
    assert urlsplit(link).path == "/topics/AI%20in%20Autos/articles"
    assert " " not in link
    items = walk(client, "/topics/AI%20in%20Autos/articles", {"limit": 1})
    assert item_slugs(items) == ["lemon", "fig", "damson"]


def test_link_header_of_a_topic_name_with_reserved_characters_is_followable(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    for n in range(3):
        write_article(
            tmp_path,
            f"rd-{n}.md",
            topics=["R&D: 100% Café"],
            publishedDateTime=f"2020-06-1{n}T00:00:00Z",
        )
    import_files(tmp_path)
    items = walk(client, "/topics/R%26D%3A%20100%25%20Caf%C3%A9/articles", {"limit": 1})
    assert item_slugs(items) == ["rd-2", "rd-1", "rd-0"]
    [topic] = client.get("/topics").json()["items"]
    assert topic["name"] == "R&D: 100% Café"
    by_topic_slug = walk(client, f"/topics/{quote(topic['slug'])}/articles", {"limit": 2})
    assert item_slugs(by_topic_slug) == ["rd-2", "rd-1", "rd-0"]


@pytest.mark.parametrize("sort", SORTS)
def test_walk_with_an_import_in_the_middle_yields_each_original_article_once_in_order(
    client: TestClient,
    catalog: tuple[Spec, ...],
    tmp_path: Path,
    import_files: ImportFiles,
    sort: str,
) -> None:
    first = client.get("/articles", params={"sort": sort, "limit": 4})
    seen = slugs(first)
    assert seen == expected_order(catalog, sort)[:4]
    # New articles on both sides of the cursor, some tying with originals on every key.
    newcomers = [
        Spec("aaa-new", "2020-06-17T19:00:00Z", 70, 80, True, "article", "alpha.example"),
        Spec("zzz-new", "2020-06-17T19:00:00Z", 70, 80, True, "article", "alpha.example"),
        Spec("newest-new", "2021-01-01T00:00:00Z", 100, 999, True, "article", "beta.example"),
        Spec("oldest-new", "2019-01-01T00:00:00Z", None, None, None, None, None),
        Spec("middle-new", "2020-06-18T12:00:00Z", 60, 20, False, "video", "beta.example"),
    ]
    import_specs(tmp_path / "later", import_files, newcomers)
    cursor = first.json()["nextCursor"]
    rest = walk(client, "/articles", {"sort": sort, "limit": 3, "cursor": cursor})
    found = seen + item_slugs(rest)

    originals = [slug for slug in found if slug in {spec.slug for spec in catalog}]
    assert originals == expected_order(catalog, sort)
    # The newcomers that sort after the page already read are found too, in their place.
    combined = expected_order([*catalog, *newcomers], sort)
    last_seen = combined.index(seen[-1])
    assert found == seen + combined[last_seen + 1 :]


def test_walk_with_an_import_in_the_middle_counts_the_new_total(
    client: TestClient, catalog: tuple[Spec, ...], tmp_path: Path, import_files: ImportFiles
) -> None:
    first = client.get("/articles", params={"limit": 5})
    import_specs(
        tmp_path / "later",
        import_files,
        [Spec("late", "2019-01-01T00:00:00Z", 1, 1, True, "article", "delta.example")],
    )
    second = client.get("/articles", params={"limit": 5, "cursor": first.json()["nextCursor"]})
    assert second.json()["total"] == len(catalog) + 1


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_accepts_both_ends_of_its_range(
    client: TestClient, catalog: tuple[Spec, ...], limit: str
) -> None:
    body = client.get("/articles", params={"limit": limit}).json()
    assert body["limit"] == int(limit)
    assert len(body["items"]) == min(int(limit), len(catalog))


def test_limit_defaults_to_25_and_walks_a_larger_set(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    specs = [
        Spec(f"bulk-{n:02d}", f"2020-01-{n // 2 + 1:02d}T00:00:00Z", n % 7 or None, n % 5,
             n % 2 == 0, "article", "bulk.example")
        for n in range(31)
    ]  # fmt: skip
    import_specs(tmp_path / "bulk", import_files, specs)
    first = client.get("/articles")
    assert first.json()["limit"] == 25
    assert len(first.json()["items"]) == 25
    assert first.json()["total"] == 31
    assert slugs(first) == expected_order(specs)[:25]
    items = walk(client, "/articles")
    assert item_slugs(items) == expected_order(specs)
    for sort in SORTS:
        assert item_slugs(walk(client, "/articles", {"sort": sort, "limit": 4})) == (
            expected_order(specs, sort)
        )


def test_limit_of_100_is_honoured_on_a_set_larger_than_a_page(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    specs = [
        Spec(f"many-{n:03d}", "2020-01-01T00:00:00Z", None, None, None, None, None)
        for n in range(101)
    ]
    import_specs(tmp_path / "many", import_files, specs)
    first = client.get("/articles", params={"limit": 100})
    assert len(first.json()["items"]) == 100
    link = next_link(first)
    assert link is not None
    assert slugs(client.get(link)) == ["many-000"]


def test_cursor_from_one_sort_used_with_another_is_refused(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    for issued in SORTS:
        cursor = client.get("/articles", params={"sort": issued, "limit": 2}).json()["nextCursor"]
        assert cursor is not None
        for other in SORTS:
            response = client.get("/articles", params={"sort": other, "cursor": cursor, "limit": 2})
            if other == issued:
                assert response.status_code == 200
            else:
                body = assert_problem(response, 422, "cursor")
                assert "cursor" in body["detail"]


def test_cursor_of_the_default_sort_is_refused_with_an_explicit_other_sort(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    cursor = client.get("/articles", params={"limit": 3}).json()["nextCursor"]
    assert_problem(
        client.get("/articles", params={"sort": "oldest", "cursor": cursor}), 422, "cursor"
    )
    response = client.get("/articles", params={"sort": "newest", "cursor": cursor, "limit": 3})
    assert slugs(response) == expected_order(catalog)[3:6]


def test_cursor_of_the_provider_list_is_refused_by_an_article_list(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    cursor = client.get("/providers", params={"limit": 1}).json()["nextCursor"]
    assert cursor is not None
    assert_problem(client.get("/articles", params={"cursor": cursor}), 422, "cursor")


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# (cursor, sort): each cursor is wrong for the sort it is used with.
MALFORMED_CURSORS: list[tuple[str, str]] = [
    ("not a cursor!", "newest"),
    ("%%%", "newest"),
    ("AAAA", "newest"),
    (base64.urlsafe_b64encode(b"\xff\xfe\x00garbage").decode(), "newest"),
    (_cursor({"sort": "newest"}), "newest"),
    (_cursor("newest"), "newest"),
    (_cursor(42), "newest"),
    (_cursor(["newest"]), "newest"),
    (_cursor(["newest", []]), "newest"),
    (_cursor(["newest", ["2020-06-17T19:00:00"]]), "newest"),
    (_cursor(["newest", ["2020-06-17T19:00:00", "mango", "extra"]]), "newest"),
    (_cursor(["newest", [None, "mango"]]), "newest"),
    (_cursor(["newest", [17, "mango"]]), "newest"),
    (_cursor(["newest", ["yesterday", "mango"]]), "newest"),
    (_cursor(["newest", ["2020-06-17T19:00:00", 5]]), "newest"),
    (_cursor(["oldest", ["2020-06-17T19:00:00", None]]), "oldest"),
    (_cursor(["quality", ["high", "2020-06-17T19:00:00", "mango"]]), "quality"),
    (_cursor(["quality", [True, "2020-06-17T19:00:00", "mango"]]), "quality"),
    (_cursor(["quality", [2**70, "2020-06-17T19:00:00", "mango"]]), "quality"),
    (_cursor(["quality", [7.5, "2020-06-17T19:00:00", "mango"]]), "quality"),
    (_cursor(["heat", [1, None, "mango"]]), "heat"),
    (_cursor(["popular", ["2020-06-17T19:00:00", "mango"]]), "newest"),
    ("x" * 1001, "newest"),
]


@pytest.mark.parametrize(("cursor", "sort"), MALFORMED_CURSORS)
def test_malformed_cursor_is_refused_naming_cursor(
    client: TestClient, catalog: tuple[Spec, ...], cursor: str, sort: str
) -> None:
    response = client.get("/articles", params={"cursor": cursor, "sort": sort})
    assert_problem(response, 422, "cursor")


def test_handmade_cursor_in_the_api_format_resumes_after_its_position(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    # A cursor may carry a null quality: the position among articles without quality.
    cursor = _cursor(["quality", [None, "2020-06-19T10:30:00", "kiwi"]])
    response = client.get("/articles", params={"sort": "quality", "cursor": cursor})
    assert slugs(response) == ["damson"]


def test_empty_cursor_means_the_first_page(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    response = client.get("/articles", params={"cursor": "", "limit": 3})
    assert slugs(response) == expected_order(catalog)[:3]
