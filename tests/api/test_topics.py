"""GET /topics, /topics/{slug} and /topics/{slug}/articles."""

from pathlib import Path
from typing import Any

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
)
from tests.conftest import ImportFiles

TOPIC_KEYS = {"slug", "name", "articleCount", "latestPublishedDateTime"}


def expected_topics(specs: tuple[Spec, ...]) -> list[dict[str, Any]]:
    """The topic list the catalog implies: most articles first, ties by name."""
    names = sorted({name for spec in specs for name in spec.topics})
    topics = []
    for name in names:
        members = [spec for spec in specs if name in spec.topics]
        topics.append(
            {
                "slug": name.lower().replace(" ", "-"),
                "name": name,
                "articleCount": len(members),
                "latestPublishedDateTime": max(members, key=lambda s: s.at).at_text,
            }
        )
    return sorted(topics, key=lambda topic: (-topic["articleCount"], topic["name"]))


def test_topics_of_an_empty_database_is_an_empty_list(client: TestClient) -> None:
    assert client.get("/topics").json() == {"items": [], "total": 0}


def test_topics_lists_every_topic_most_articles_first(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/topics")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == expected_topics(catalog)
    assert [item["name"] for item in body["items"]] == [
        "AI", "AI in Autos", "Robotics", "Computer Vision",
    ]  # fmt: skip
    assert body["total"] == 4
    for item in body["items"]:
        assert set(item) == TOPIC_KEYS


def test_topics_of_the_real_files(client: TestClient, real_articles: None) -> None:
    items = client.get("/topics").json()["items"]
    assert items[0] == {
        "slug": "ai",
        "name": "AI",
        "articleCount": 8,
        "latestPublishedDateTime": "2021-01-01T13:17:00Z",
    }
    counts = {item["name"]: item["articleCount"] for item in items}
    assert counts == {
        "AI": 8, "Computer Vision": 2, "Microsoft AI": 2, "AI in Autos": 1,
        "Natural Language Processing": 1,
    }  # fmt: skip
    assert [item["articleCount"] for item in items] == sorted(counts.values(), reverse=True)


def test_topic_counts_follow_a_later_import(
    client: TestClient, catalog: tuple[Spec, ...], tmp_path: Path, import_files: ImportFiles
) -> None:
    later = (
        Spec("new-1", "2021-03-01T00:00:00Z", 1, 1, True, "article", None, ("Robotics",)),
        Spec("new-2", "2021-02-01T00:00:00Z", 1, 1, True, "article", None, ("Robotics", "Space")),
    )
    import_specs(tmp_path / "later", import_files, later)
    body = client.get("/topics").json()
    assert body["items"] == expected_topics(catalog + later)
    assert body["items"][1] == {
        "slug": "robotics",
        "name": "Robotics",
        "articleCount": 5,
        "latestPublishedDateTime": "2021-03-01T00:00:00Z",
    }
    assert body["total"] == 5


@pytest.mark.parametrize("key", ["ai-in-autos", "AI in Autos", "ai in autos", "AI-in-Autos"])
def test_topic_is_found_by_slug_or_name(
    client: TestClient, catalog: tuple[Spec, ...], key: str
) -> None:
    response = client.get(f"/topics/{key}")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "ai-in-autos",
        "name": "AI in Autos",
        "articleCount": 3,
        "latestPublishedDateTime": "2020-06-20T06:00:00Z",
    }


def test_topic_detail_agrees_with_the_topic_list(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    for item in client.get("/topics").json()["items"]:
        assert client.get(f"/topics/{item['slug']}").json() == item


@pytest.mark.parametrize("key", ["no-such-topic", "ai-in", "AI in Autos and more"])
def test_unknown_topic_is_a_404_problem(
    client: TestClient, catalog: tuple[Spec, ...], key: str
) -> None:
    body = assert_problem(client.get(f"/topics/{key}"), 404, "slug")
    assert body["type"] == "/problems/not-found"
    assert key in body["detail"]


def test_topic_articles_lists_the_topics_articles_newest_first(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/topics/robotics/articles")
    assert slugs(response) == expected_order(matching(lambda s: "Robotics" in s.topics))
    assert slugs(response) == ["zucchini", "mango", "apple"]
    body = response.json()
    assert body["total"] == 3
    assert body["nextCursor"] is None
    assert "link" not in response.headers


def test_topic_articles_accepts_the_topic_name(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    assert slugs(client.get("/topics/AI%20in%20Autos/articles")) == ["lemon", "fig", "damson"]
    assert slugs(client.get("/topics/Computer Vision/articles")) == ["grape", "banana"]


TOPIC_FILTERS: list[tuple[dict[str, Any], Any]] = [
    ({"provider": "alpha.example"}, lambda s: s.provider == "alpha.example"),
    ({"published": "false"}, lambda s: s.published is False),
    ({"min_quality": 50}, lambda s: s.quality is not None and s.quality >= 50),
    ({"max_quality": 50}, lambda s: s.quality is not None and s.quality <= 50),
    ({"type": "video"}, lambda s: s.type == "video"),
    ({"from": "2020-06-17", "to": "2020-06-18"},
     lambda s: s.at.date().isoformat() in {"2020-06-17", "2020-06-18"}),
    ({"topic": "Robotics"}, lambda s: "Robotics" in s.topics),
    ({"topic": "AI in Autos"}, lambda s: "AI in Autos" in s.topics),
    ({"topic": "Space"}, lambda s: False),
]  # fmt: skip


@pytest.mark.parametrize(("params", "predicate"), TOPIC_FILTERS)
@pytest.mark.parametrize("sort", SORTS)
def test_topic_articles_take_the_same_filters_and_sorts_as_articles(
    client: TestClient,
    catalog: tuple[Spec, ...],
    params: dict[str, Any],
    predicate: Any,
    sort: str,
) -> None:
    response = client.get("/topics/ai/articles", params={**params, "sort": sort})
    expected = expected_order(matching(lambda s: "AI" in s.topics and predicate(s)), sort)
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected)
    same = client.get("/articles", params=[*params.items(), ("topic", "ai"), ("sort", sort)])
    if "topic" not in params:
        assert slugs(same) == expected


@pytest.mark.parametrize("sort", SORTS)
def test_topic_articles_walk_by_link_yields_every_article_once(
    client: TestClient, catalog: tuple[Spec, ...], sort: str
) -> None:
    items = walk(client, "/topics/AI/articles", {"sort": sort, "limit": 2})
    assert [item["slug"] for item in items] == expected_order(
        matching(lambda s: "AI" in s.topics), sort
    )


def test_topic_articles_link_points_at_the_topic_path(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    link = next_link(client.get("/topics/ai/articles", params={"limit": 3}))
    assert link is not None
    assert link.startswith("http://testserver/topics/ai/articles?")


def test_topic_articles_of_an_unknown_topic_is_a_404_problem(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    body = assert_problem(client.get("/topics/no-such-topic/articles"), 404, "slug")
    assert "no-such-topic" in body["detail"]


def test_topic_articles_validates_its_parameters(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    assert_problem(client.get("/topics/ai/articles", params={"limit": 0}), 422, "limit")
    assert_problem(client.get("/topics/ai/articles", params={"sort": "best"}), 422, "sort")
    assert_problem(client.get("/topics/ai/articles", params={"from": "soon"}), 422, "from")
