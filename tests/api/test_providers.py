"""GET /providers, /providers/{domain} and /providers/{domain}/articles."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    ALPHA_LOGOS,
    PROVIDER_NAMES,
    SORTS,
    Spec,
    assert_problem,
    expected_order,
    import_specs,
    matching,
    next_link,
    slugs,
    walk,
)
from tests.conftest import ImportFiles
from tests.helpers import write_article

PROVIDER_KEYS = {"domain", "name", "images", "articleCount"}


def expected_providers(specs: tuple[Spec, ...]) -> list[dict[str, Any]]:
    """The provider list the catalog implies: most articles first, ties by domain."""
    domains = {spec.provider for spec in specs if spec.provider is not None}
    providers = [
        {
            "domain": domain,
            "name": PROVIDER_NAMES[domain],
            "images": ALPHA_LOGOS if domain == "alpha.example" else [],
            "articleCount": sum(1 for spec in specs if spec.provider == domain),
        }
        for domain in domains
    ]
    return sorted(providers, key=lambda p: (-p["articleCount"], p["domain"]))


def test_providers_of_an_empty_database_is_an_empty_page(client: TestClient) -> None:
    response = client.get("/providers")
    assert response.json() == {"items": [], "total": 0, "limit": 25, "nextCursor": None}
    assert "link" not in response.headers


def test_providers_lists_most_articles_first_then_by_domain(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/providers")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == expected_providers(catalog)
    assert [item["domain"] for item in body["items"]] == [
        "alpha.example", "beta.example", "gamma.example", "delta.example",
    ]  # fmt: skip
    assert [item["articleCount"] for item in body["items"]] == [4, 3, 3, 1]
    assert (body["total"], body["limit"], body["nextCursor"]) == (4, 25, None)
    for item in body["items"]:
        assert set(item) == PROVIDER_KEYS


def test_providers_of_the_real_files(client: TestClient, real_articles: None) -> None:
    items = client.get("/providers").json()["items"]
    assert items[0] == {
        "domain": "venturebeat.com",
        "name": "VentureBeat",
        "images": [
            {
                "url": "https://smartableai.github.io/artificial-intelligence/assets/images/"
                "organizations/venturebeat.com-50x50.jpg",
                "width": 50,
                "height": 50,
            }
        ],
        "articleCount": 2,
    }
    rest = [item["domain"] for item in items[1:]]
    assert rest == sorted(rest)
    assert {item["articleCount"] for item in items[1:]} == {1}
    assert len(items) == 7


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_providers_walk_by_link_yields_every_provider_once_in_order(
    client: TestClient, catalog: tuple[Spec, ...], limit: int
) -> None:
    items = walk(client, "/providers", {"limit": limit})
    assert items == expected_providers(catalog)


def test_providers_page_reports_total_limit_and_next_cursor(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    first = client.get("/providers", params={"limit": 3})
    body = first.json()
    assert [item["domain"] for item in body["items"]] == [
        "alpha.example", "beta.example", "gamma.example",
    ]  # fmt: skip
    assert (body["total"], body["limit"]) == (4, 3)
    link = next_link(first)
    assert link is not None
    assert urlsplit(link).path == "/providers"
    assert parse_qs(urlsplit(link).query) == {"limit": ["3"], "cursor": [body["nextCursor"]]}
    last = client.get("/providers", params={"limit": 3, "cursor": body["nextCursor"]})
    assert [item["domain"] for item in last.json()["items"]] == ["delta.example"]
    assert last.json()["nextCursor"] is None
    assert "link" not in last.headers


def test_providers_walk_with_a_provider_added_in_the_middle_keeps_the_others_in_order(
    client: TestClient, catalog: tuple[Spec, ...], tmp_path: Path, import_files: ImportFiles
) -> None:
    first = client.get("/providers", params={"limit": 2})
    import_specs(
        tmp_path / "later",
        import_files,
        [Spec("late", "2020-01-01T00:00:00Z", None, None, None, None, "aardvark.example")],
    )
    rest = walk(client, "/providers", {"limit": 2, "cursor": first.json()["nextCursor"]})
    domains = [item["domain"] for item in first.json()["items"] + rest]
    # aardvark.example has one article, like delta.example, and sorts before it by domain.
    assert domains == [
        "alpha.example", "beta.example", "gamma.example", "aardvark.example", "delta.example",
    ]  # fmt: skip


@pytest.mark.parametrize(("params", "parameter"), [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "bogus!"}, "cursor"),
])  # fmt: skip
def test_providers_validates_its_parameters(
    client: TestClient, catalog: tuple[Spec, ...], params: dict[str, Any], parameter: str
) -> None:
    assert_problem(client.get("/providers", params=params), 422, parameter)


def test_providers_refuses_a_cursor_of_an_article_list(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    cursor = client.get("/articles", params={"limit": 1}).json()["nextCursor"]
    assert_problem(client.get("/providers", params={"cursor": cursor}), 422, "cursor")


@pytest.mark.parametrize("domain", ["alpha.example", "ALPHA.Example"])
def test_provider_is_found_by_domain_whatever_its_case(
    client: TestClient, catalog: tuple[Spec, ...], domain: str
) -> None:
    response = client.get(f"/providers/{domain}")
    assert response.status_code == 200
    assert response.json() == {
        "domain": "alpha.example",
        "name": "Alpha News",
        "images": ALPHA_LOGOS,
        "articleCount": 4,
    }


def test_provider_detail_agrees_with_the_provider_list(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    for item in client.get("/providers").json()["items"]:
        assert client.get(f"/providers/{item['domain']}").json() == item


def test_provider_name_and_logos_come_from_the_latest_file_imported(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    logo = [{"url": "https://p.example/new.png", "width": 20, "height": 20}]
    write_article(tmp_path / "one", "first.md", provider={"name": "Old P", "domain": "p.example"})
    import_files(tmp_path / "one")
    write_article(
        tmp_path / "two", "second.md", provider={"name": "New P", "domain": "P.example",
                                                 "images": logo},
    )  # fmt: skip
    import_files(tmp_path / "two")
    assert client.get("/providers/p.example").json() == {
        "domain": "p.example", "name": "New P", "images": logo, "articleCount": 2,
    }  # fmt: skip


@pytest.mark.parametrize("domain", ["no-such.example", "alpha", "Alpha News"])
def test_unknown_provider_is_a_404_problem(
    client: TestClient, catalog: tuple[Spec, ...], domain: str
) -> None:
    body = assert_problem(client.get(f"/providers/{domain}"), 404, "domain")
    assert body["type"] == "/problems/not-found"
    assert domain in body["detail"]


def test_provider_articles_lists_the_providers_articles_newest_first(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/providers/alpha.example/articles")
    assert slugs(response) == ["grape", "elder", "cherry", "apple"]
    assert slugs(response) == expected_order(matching(lambda s: s.provider == "alpha.example"))
    assert response.json()["total"] == 4
    assert {item["provider"]["domain"] for item in response.json()["items"]} == {"alpha.example"}


PROVIDER_FILTERS: list[tuple[dict[str, Any], Any]] = [
    ({"topic": "AI"}, lambda s: "AI" in s.topics),
    ({"published": "true"}, lambda s: s.published is True),
    ({"min_quality": 90}, lambda s: s.quality is not None and s.quality >= 90),
    ({"type": "video"}, lambda s: s.type == "video"),
    ({"to": "2020-06-17"}, lambda s: s.at.date().isoformat() <= "2020-06-17"),
    ({"provider": "alpha.example"}, lambda s: True),
    ({"provider": "beta.example"}, lambda s: False),
]


@pytest.mark.parametrize(("params", "predicate"), PROVIDER_FILTERS)
@pytest.mark.parametrize("sort", SORTS)
def test_provider_articles_take_the_same_filters_and_sorts_as_articles(
    client: TestClient,
    catalog: tuple[Spec, ...],
    params: dict[str, Any],
    predicate: Any,
    sort: str,
) -> None:
    response = client.get("/providers/alpha.example/articles", params={**params, "sort": sort})
    expected = expected_order(
        matching(lambda s: s.provider == "alpha.example" and predicate(s)), sort
    )
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize("sort", SORTS)
def test_provider_articles_walk_by_link_yields_every_article_once(
    client: TestClient, catalog: tuple[Spec, ...], sort: str
) -> None:
    items = walk(client, "/providers/Alpha.Example/articles", {"sort": sort, "limit": 1})
    assert [item["slug"] for item in items] == expected_order(
        matching(lambda s: s.provider == "alpha.example"), sort
    )


def test_provider_articles_of_an_unknown_provider_is_a_404_problem(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    body = assert_problem(client.get("/providers/no-such.example/articles"), 404, "domain")
    assert "no-such.example" in body["detail"]


def test_provider_articles_validates_its_parameters(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    url = "/providers/alpha.example/articles"
    assert_problem(client.get(url, params={"limit": 101}), 422, "limit")
    assert_problem(client.get(url, params={"min_quality": "high"}), 422, "min_quality")
    assert_problem(client.get(url, params={"to": "2020-01-01", "from": "2020-02-01"}), 422, "to")
