"""`facets=` on every article list: counts over the whole filtered set, computed here from the
specs the test wrote."""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from app.models import provider_table, topic_table
from app.schemas import ArticlePage
from app.services.facets import FACETS
from tests.api.conftest import (
    PROVIDER_NAMES,
    Spec,
    assert_problem,
    import_specs,
    matching,
    next_link,
)
from tests.conftest import ImportFiles

ALL = ",".join(FACETS)
Params = dict[str, Any] | list[tuple[str, str]]


def topic_slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def buckets(counts: Counter[Any], labels: dict[Any, Any] | None = None) -> list[dict[str, Any]]:
    """The top 20 of `counts`: most first, ties by value with null last."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0]))[:20]
    if labels is None:
        return [{"value": value, "count": n} for value, n in ranked]
    return [{"value": value, "label": labels[value], "count": n} for value, n in ranked]


def expected_facets(specs: Iterable[Spec], names: Sequence[str] = FACETS) -> dict[str, Any]:
    """The facets the specs imply, in canonical order."""
    specs = list(specs)
    topic_names = {topic_slug(name): name for spec in specs for name in spec.topics}
    providers = {
        spec.provider: None
        if spec.provider is None
        else PROVIDER_NAMES.get(spec.provider, spec.provider)
        for spec in specs
    }
    every = {
        "topic": buckets(
            Counter(topic_slug(name) for spec in specs for name in set(spec.topics)), topic_names
        ),
        "provider": buckets(Counter(spec.provider for spec in specs), providers),
        "type": buckets(Counter(spec.type for spec in specs)),
        "published": buckets(Counter(spec.published for spec in specs)),
        "month": buckets(Counter(spec.at.strftime("%Y-%m") for spec in specs)),
    }
    return {name: every[name] for name in FACETS if name in names}


def facets_of(client: TestClient, path: str, params: Params, facets: str = ALL) -> Any:
    """The `facets` of the answer, after checking it counts what `total` counts."""
    query = [*params.items()] if isinstance(params, dict) else list(params)
    response = client.get(path, params=[*query, ("facets", facets)])
    assert response.status_code == 200, response.text
    return response.json()["facets"]


def test_facets_count_the_whole_catalog(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    response = client.get("/articles", params={"facets": ALL, "limit": 1})
    body = response.json()

    assert list(body["facets"]) == ["topic", "provider", "type", "published", "month"]
    assert body["facets"] == expected_facets(catalog)
    assert len(body["items"]) == 1


def test_facets_sort_by_count_then_value_with_null_last(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    facets = facets_of(client, "/articles", {})

    assert facets["topic"] == [
        {"value": "ai", "label": "AI", "count": 7},
        {"value": "ai-in-autos", "label": "AI in Autos", "count": 3},
        {"value": "robotics", "label": "Robotics", "count": 3},
        {"value": "computer-vision", "label": "Computer Vision", "count": 2},
    ]
    assert facets["provider"] == [
        {"value": "alpha.example", "label": "Alpha News", "count": 4},
        {"value": "beta.example", "label": "Beta Daily", "count": 3},
        {"value": "gamma.example", "label": "Gamma Wire", "count": 3},
        {"value": "delta.example", "label": "Delta Post", "count": 1},
        {"value": None, "label": None, "count": 1},
    ]
    assert facets["type"] == [
        {"value": "article", "count": 8},
        {"value": "video", "count": 2},
        {"value": "podcast", "count": 1},
        {"value": None, "count": 1},
    ]
    assert facets["published"] == [
        {"value": True, "count": 7},
        {"value": False, "count": 3},
        {"value": None, "count": 2},
    ]
    assert facets["month"] == [{"value": "2020-06", "count": 12}]


FILTERED: list[tuple[str, Params, Callable[[Spec], bool]]] = [
    ("/articles", {"type": "article"}, lambda s: s.type == "article"),
    ("/articles", {"published": "false"}, lambda s: s.published is False),
    ("/articles", {"from": "2020-06-17", "to": "2020-06-17"},
     lambda s: s.at.date() == date(2020, 6, 17)),
    ("/articles", {"min_quality": "50"}, lambda s: s.quality is not None and s.quality >= 50),
    ("/articles", {"topic": "robotics"}, lambda s: "Robotics" in s.topics),
    ("/articles", [("topic", "AI"), ("topic", "Robotics")],
     lambda s: bool({"AI", "Robotics"} & set(s.topics))),
    ("/articles", [("provider", "alpha.example"), ("provider", "gamma.example")],
     lambda s: s.provider in ("alpha.example", "gamma.example")),
    ("/articles", {"topic": "AI", "published": "true", "max_quality": "70", "type": "article"},
     lambda s: "AI" in s.topics and s.published is True and s.type == "article"
     and s.quality is not None and s.quality <= 70),
    ("/articles", {"topic": "no-such-topic"}, lambda s: False),
    ("/topics/ai/articles", {}, lambda s: "AI" in s.topics),
    ("/topics/AI in Autos/articles", {"provider": "gamma.example"},
     lambda s: "AI in Autos" in s.topics and s.provider == "gamma.example"),
    ("/topics/robotics/articles", {"topic": "Computer Vision"},
     lambda s: "Robotics" in s.topics and "Computer Vision" in s.topics),
    ("/providers/alpha.example/articles", {}, lambda s: s.provider == "alpha.example"),
    ("/providers/beta.example/articles", {"topic": "Robotics", "sort": "quality"},
     lambda s: s.provider == "beta.example" and "Robotics" in s.topics),
    ("/providers/gamma.example/articles", {"to": "2020-06-17T12:00:00Z"},
     lambda s: s.provider == "gamma.example" and s.at_text <= "2020-06-17T12:00:00Z"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "params", "predicate"), FILTERED)
def test_facets_count_exactly_what_the_list_matches(
    client: TestClient,
    catalog: tuple[Spec, ...],
    path: str,
    params: Params,
    predicate: Callable[[Spec], bool],
) -> None:
    assert facets_of(client, path, params) == expected_facets(matching(predicate))


def test_topic_facet_inside_a_topic_counts_the_topics_its_articles_share(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    facets = facets_of(client, "/topics/robotics/articles", {}, "topic")

    assert facets == {
        "topic": [
            {"value": "robotics", "label": "Robotics", "count": 3},
            {"value": "ai", "label": "AI", "count": 2},
        ]
    }


def test_facets_with_a_null_bucket_add_up_to_the_total(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    for params in ({}, {"min_quality": "0"}, {"topic": "AI"}):
        body = client.get("/articles", params={**params, "facets": ALL}).json()
        for name in ("provider", "type", "published", "month"):
            assert sum(bucket["count"] for bucket in body["facets"][name]) == body["total"]


def test_facets_are_the_same_on_every_page_and_the_next_link_keeps_them(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    params = {"facets": ALL, "limit": 5, "min_quality": 10}
    expected = expected_facets(matching(lambda s: s.quality is not None and s.quality >= 10))
    response = client.get("/articles", params=params)
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        assert response.json()["facets"] == expected
        pages += 1
        link = next_link(response)
        if link is None:
            break
        response = client.get(link)

    assert pages == 2
    cursor = client.get("/articles", params=params).json()["nextCursor"]
    assert facets_of(client, "/articles", {"limit": 1, "min_quality": 10, "cursor": cursor}) == (
        expected
    )


def test_facets_answer_the_same_bytes_whatever_the_order_repeats_and_duplicates(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    one = client.get("/articles", params=[("facets", "month,topic"), ("facets", "type")])
    two = client.get("/articles", params=[("facets", " type ,month,,topic,month,type")])
    three = client.get("/articles", params=[("facets", t) for t in ("topic", "type", "month")])

    assert one.status_code == 200
    assert list(one.json()["facets"]) == ["topic", "type", "month"]
    assert one.content == two.content == three.content


def test_a_list_without_facets_has_no_facets_key(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    plain = client.get("/articles")
    empty = client.get("/articles", params={"facets": ""})

    assert "facets" not in plain.json()
    assert empty.content == plain.content


@pytest.mark.parametrize(
    "path", ["/articles", "/topics/ai/articles", "/providers/alpha.example/articles"]
)
def test_an_unknown_facet_is_a_problem_naming_the_parameter_and_the_valid_names(
    client: TestClient, catalog: tuple[Spec, ...], path: str
) -> None:
    response = client.get(path, params=[("facets", "topic"), ("facets", "colour,month")])

    body = assert_problem(response, 422, "facets")
    assert "'colour'" in body["detail"]
    assert all(name in body["detail"] for name in FACETS)


def test_unfiltered_topic_and_provider_facets_come_from_the_maintained_counters(
    client: TestClient, catalog: tuple[Spec, ...], engine: Engine
) -> None:
    # Counters nobody would compute from the rows show which path answered.
    with engine.begin() as connection:
        connection.execute(
            update(topic_table)
            .where(topic_table.c.slug == "computer-vision")
            .values(article_count=50)
        )
        connection.execute(
            update(provider_table)
            .where(provider_table.c.domain == "delta.example")
            .values(article_count=40)
        )

    unfiltered = facets_of(client, "/articles", {}, "topic,provider")
    counted = facets_of(client, "/articles", {"from": "2000-01-01"}, "topic,provider")

    assert unfiltered["topic"][0] == {
        "value": "computer-vision", "label": "Computer Vision", "count": 50,
    }  # fmt: skip
    assert unfiltered["provider"][0] == {
        "value": "delta.example",
        "label": "Delta Post",
        "count": 40,
    }
    assert unfiltered["provider"][-1] == {"value": None, "label": None, "count": 1}
    assert counted == expected_facets(catalog, ("topic", "provider"))


def wide_specs() -> list[Spec]:
    """26 articles: three share every value ("zeta"), 22 have values of their own, and one has
    no type, provider or topics; each facet has more than 20 values."""
    specs = [
        Spec(f"zeta-{i}", "2030-01-15T12:00:00Z", 50, 1, True, "zeta", "zeta.example", ("Zeta",))
        for i in range(3)
    ]
    for k in range(22):
        year, month = 2000 + k // 12, k % 12 + 1
        specs.append(
            Spec(f"own-{k:02d}", f"{year}-{month:02d}-10T00:00:00Z", 50, 1, False,
                 f"kind-{k:02d}", f"p{k:02d}.example", (f"Topic {k:02d}",))
        )  # fmt: skip
    specs.append(Spec("bare", "2001-11-10T00:00:00Z", None, None, None, None, None))
    return specs


@pytest.mark.parametrize("params", [{}, {"from": "1990-01-01"}], ids=["counters", "counted"])
def test_each_facet_keeps_the_top_twenty_ties_broken_by_value(
    client: TestClient, tmp_path: Path, import_files: ImportFiles, params: dict[str, str]
) -> None:
    specs = wide_specs()
    import_specs(tmp_path / "wide", import_files, specs)

    facets = facets_of(client, "/articles", params)

    assert facets == expected_facets(specs)
    assert [len(facets[name]) for name in ("topic", "provider", "type", "month")] == [20] * 4
    assert [b["value"] for b in facets["type"]] == ["zeta", *(f"kind-{k:02d}" for k in range(19))]
    assert [b["value"] for b in facets["provider"]][:2] == ["zeta.example", "p00.example"]
    assert [b["value"] for b in facets["topic"]][-1] == "topic-18"
    assert facets["month"][:3] == [
        {"value": "2030-01", "count": 3},
        {"value": "2000-01", "count": 1},
        {"value": "2000-02", "count": 1},
    ]
    assert facets["month"][-1]["value"] == "2001-07"
    assert None not in [b["value"] for b in facets["type"]]


def test_month_facet_takes_the_utc_month_of_the_publication_time(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    specs = [
        Spec("late", "2020-07-01T01:30:00+02:00", None, None, None, None, None),
        Spec("early", "2020-06-30T23:30:00-01:00", None, None, None, None, None),
        Spec("fraction", "2020-06-30T23:59:59.999999Z", None, None, None, None, None),
    ]
    import_specs(tmp_path / "months", import_files, specs)

    assert facets_of(client, "/articles", {}, "month") == {
        "month": [{"value": "2020-06", "count": 2}, {"value": "2020-07", "count": 1}]
    }


def test_facets_of_an_empty_database_are_empty_lists(client: TestClient) -> None:
    assert facets_of(client, "/articles", {}) == {name: [] for name in FACETS}


def test_an_answer_with_facets_is_exactly_what_the_schema_documents(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    body = client.get("/articles", params={"facets": ALL}).json()
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    dumped = ArticlePage.model_validate(body).model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )
    assert dumped == body
    facets = schemas["Facets"]
    assert list(facets["properties"]) == list(FACETS)
    assert "required" not in facets
    for name, buckets_ in body["facets"].items():
        bucket = schemas[facets["properties"][name]["items"]["$ref"].rsplit("/", 1)[-1]]
        assert set(bucket["properties"]) == set(bucket["required"]) == set(buckets_[0])
    page = schemas["ArticlePage"]
    assert "facets" in page["properties"] and "facets" not in page["required"]
