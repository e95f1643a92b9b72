"""GET /articles: the shape of list items, every filter and its boundaries, every sort."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings
from tests.api.conftest import (
    CATALOG,
    SORTS,
    Spec,
    by_slug,
    expected_order,
    matching,
    slugs,
)
from tests.conftest import ImportFiles
from tests.helpers import SEED_SLUG, write_article

SUMMARY_KEYS = {
    "slug", "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl",
    "originalUrl", "type", "quality", "heat", "published", "provider", "topics", "images",
}  # fmt: skip


def newest(predicate: Callable[[Spec], bool]) -> list[str]:
    return expected_order(matching(predicate))


def assert_lists_exactly(
    client: TestClient,
    params: dict[str, str] | list[tuple[str, str]],
    predicate: Callable[[Spec], bool],
) -> None:
    """/articles with `params` lists exactly the catalog entries `predicate` accepts, newest
    first, and counts them."""
    response = client.get("/articles", params=params)
    expected = newest(predicate)
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_list_of_an_empty_database_is_an_empty_last_page(client: TestClient) -> None:
    response = client.get("/articles")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "items": [],
        "total": 0,
        "totalIsExact": True,
        "limit": 25,
        "nextCursor": None,
    }
    assert "link" not in response.headers


def test_list_returns_every_article_newest_first_by_default(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles")
    body = response.json()
    assert set(body) == {"items", "total", "totalIsExact", "limit", "nextCursor"}
    assert body["totalIsExact"] is True
    assert slugs(response) == expected_order(catalog, "newest")
    assert body["total"] == len(catalog)
    assert body["limit"] == 25
    assert body["nextCursor"] is None
    assert "link" not in response.headers


def test_list_item_has_every_summary_field_of_the_seed_article(
    client: TestClient, real_articles: None
) -> None:
    items = client.get("/articles", params={"limit": 100}).json()["items"]
    seed = next(item for item in items if item["slug"] == SEED_SLUG)
    url = "https://www.forbes.com/sites/davidjeans/2020/06/17/microsoft-facial-recognition-technology-dea/"
    assert seed == {
        "slug": SEED_SLUG,
        "title": "Microsoft Tried Selling Its Facial Recognition Technology To The DEA As It "
        "Called For Regulation On Government Use",
        "excerpt": "The DEA ultimately opted against buying its technology, citing criticism "
        "targeted at the FBI's facial recognition program.",
        "publishedDateTime": "2020-06-17T19:02:00Z",
        "webUrl": url,
        "ampWebUrl": f"{url}amp/",
        "cdnAmpWebUrl": "https://www-forbes-com.cdn.ampproject.org/c/s/www.forbes.com/sites/"
        "davidjeans/2020/06/17/microsoft-facial-recognition-technology-dea/amp/",
        "originalUrl": None,
        "type": "article",
        "quality": 67,
        "heat": -1,
        "published": False,
        "provider": {"name": "Forbes", "domain": "forbes.com"},
        "topics": ["Computer Vision", "AI"],
        "images": [
            {
                "url": "https://thumbor.forbes.com/thumbor/fit-in/1200x0/filters%3Aformat%28jpg"
                "%29/https%3A%2F%2Fspecials-images.forbesimg.com%2Fimageserve%2F1216203551"
                "%2F0x0.jpg",
                "width": 1200,
                "height": 747,
                "isCached": True,
                "title": "Microsoft Tried Selling Its Facial Recognition Technology To The DEA "
                "As It Called For Regulation On Government Use",
            }
        ],
    }


def test_list_items_never_carry_detail_fields(client: TestClient, real_articles: None) -> None:
    items = client.get("/articles", params={"limit": 100}).json()["items"]
    assert len(items) == 8
    for item in items:
        assert set(item) == SUMMARY_KEYS


def test_list_item_fields_missing_from_the_file_are_null_not_defaults(
    client: TestClient, real_articles: None
) -> None:
    items = client.get("/articles", params={"limit": 100}).json()["items"]
    simqu = next(item for item in items if item["slug"].startswith("2020-10-06-simqu"))
    assert simqu["quality"] is None
    assert simqu["heat"] is None
    assert simqu["published"] is None
    assert simqu["ampWebUrl"] is None
    assert simqu["cdnAmpWebUrl"] is None
    assert simqu["provider"] == {"name": "Information Today%2c Inc.", "domain": "infotoday.com"}
    assert simqu["images"][0]["title"] is None
    microsoft = next(item for item in items if item["slug"].startswith("2020-04-16-microsoft"))
    assert microsoft["images"][0]["isCached"] is None
    assert microsoft["webUrl"].endswith("article31355525.ece#!")
    assert microsoft["originalUrl"] is None


def test_list_item_of_a_minimal_file_has_nulls_and_empty_lists(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    write_article(
        tmp_path,
        "bare.md",
        excerpt=None, originalUrl=None, webUrl=None, ampWebUrl=None, cdnAmpWebUrl=None,
        type=None, quality=None, heat=None, published=None, provider=None, topics=None,
        images=None,
    )  # fmt: skip
    import_files(tmp_path)
    assert client.get("/articles").json()["items"] == [
        {
            "slug": "bare",
            "title": "A test article",
            "excerpt": None,
            "publishedDateTime": "2020-06-17T19:02:00Z",
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
        }
    ]


def test_list_item_keeps_topics_and_images_in_file_order(
    client: TestClient, tmp_path: Path, import_files: ImportFiles
) -> None:
    images = [
        {"url": f"https://img.example/{n}.jpg", "width": n, "height": n + 1, "isCached": n == 2,
         "title": f"image {n}"}
        for n in (3, 1, 2)
    ]  # fmt: skip
    write_article(tmp_path, "ordered.md", topics=["Zeta", "Alpha", "Mid Topic"], images=images)
    import_files(tmp_path)
    item = client.get("/articles").json()["items"][0]
    assert item["topics"] == ["Zeta", "Alpha", "Mid Topic"]
    assert item["images"] == images


@pytest.mark.parametrize(
    ("written", "served"),
    [
        ("2020-06-17T19:02:00Z", "2020-06-17T19:02:00Z"),
        ("2020-06-17T12:00:00-07:00", "2020-06-17T19:00:00Z"),
        ("2020-06-18T01:30:00+05:30", "2020-06-17T20:00:00Z"),
        ("2020-06-17T19:02:00", "2020-06-17T19:02:00Z"),
        ("2020-06-17", "2020-06-17T00:00:00Z"),
        ("2020-06-17T19:02:00.250000Z", "2020-06-17T19:02:00.250000Z"),
    ],
)
def test_list_serves_publication_time_in_utc_with_z(
    client: TestClient, tmp_path: Path, import_files: ImportFiles, written: str, served: str
) -> None:
    write_article(tmp_path, "timed.md", publishedDateTime=written)
    import_files(tmp_path)
    assert client.get("/articles").json()["items"][0]["publishedDateTime"] == served


def test_list_item_shows_the_catalog_values(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    items = {item["slug"]: item for item in client.get("/articles").json()["items"]}
    for spec in catalog:
        item = items[spec.slug]
        assert item["publishedDateTime"] == spec.at_text
        assert item["quality"] == spec.quality
        assert item["heat"] == spec.heat
        assert item["published"] is spec.published
        assert item["type"] == spec.type
        assert item["topics"] == list(spec.topics)
        assert item["webUrl"] == spec.web_url
        if spec.provider is None:
            assert item["provider"] is None
        else:
            assert item["provider"]["domain"] == spec.provider
    # A list item's provider is a reference: the provider's logos are not repeated in lists.
    assert items["apple"]["provider"] == {"name": "Alpha News", "domain": "alpha.example"}


@pytest.mark.parametrize("value", ["AI in Autos", "ai-in-autos", "ai in autos", "AI-IN-AUTOS"])
def test_list_filters_by_topic_name_or_slug(
    client: TestClient, catalog: tuple[Spec, ...], value: str
) -> None:
    response = client.get("/articles", params={"topic": value})
    assert slugs(response) == newest(lambda s: "AI in Autos" in s.topics)
    assert slugs(response) == ["lemon", "fig", "damson"]
    assert response.json()["total"] == 3


def test_list_filter_by_topic_does_not_match_a_topic_whose_name_merely_contains_it(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params={"topic": "AI"})
    assert slugs(response) == newest(lambda s: "AI" in s.topics)
    assert "lemon" not in slugs(response)  # its only topic is "AI in Autos"


def test_list_filter_by_repeated_topic_matches_any_of_them(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params=[("topic", "robotics"), ("topic", "Computer Vision")])
    expected = newest(lambda s: bool({"Robotics", "Computer Vision"} & set(s.topics)))
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected) == 5


def test_list_filter_by_repeated_topic_lists_an_article_in_both_only_once(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params=[("topic", "AI"), ("topic", "Robotics")])
    assert slugs(response) == newest(lambda s: bool({"AI", "Robotics"} & set(s.topics)))
    assert slugs(response).count("apple") == 1
    assert slugs(response).count("zucchini") == 1


@pytest.mark.parametrize("params", [{"topic": "no-such-topic"}, {"topic": "!!!"}, {"topic": ""}])
def test_list_filter_by_unknown_topic_gives_an_empty_list(
    client: TestClient, catalog: tuple[Spec, ...], params: dict[str, str]
) -> None:
    response = client.get("/articles", params=params)
    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "total": 0,
        "totalIsExact": True,
        "limit": 25,
        "nextCursor": None,
    }


def test_list_filter_by_unknown_topic_among_known_ones_is_ignored(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params=[("topic", "nope"), ("topic", "Computer Vision")])
    assert slugs(response) == ["grape", "banana"]


def test_list_filters_by_provider_domain(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    response = client.get("/articles", params={"provider": "beta.example"})
    assert slugs(response) == newest(lambda s: s.provider == "beta.example")
    assert slugs(response) == ["honeydew", "mango", "banana"]


def test_list_filter_by_provider_ignores_the_case_of_the_domain(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    assert slugs(client.get("/articles", params={"provider": "Beta.EXAMPLE"})) == [
        "honeydew", "mango", "banana",
    ]  # fmt: skip


def test_list_filter_by_repeated_provider_matches_any_of_them(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get(
        "/articles", params=[("provider", "gamma.example"), ("provider", "delta.example")]
    )
    assert slugs(response) == newest(lambda s: s.provider in {"gamma.example", "delta.example"})


@pytest.mark.parametrize("domain", ["no-such.example", "Alpha News", "example"])
def test_list_filter_by_unknown_provider_gives_an_empty_list(
    client: TestClient, catalog: tuple[Spec, ...], domain: str
) -> None:
    response = client.get("/articles", params={"provider": domain})
    assert response.json() == {
        "items": [],
        "total": 0,
        "totalIsExact": True,
        "limit": 25,
        "nextCursor": None,
    }


def test_list_filters_by_type(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    assert slugs(client.get("/articles", params={"type": "video"})) == ["honeydew", "cherry"]
    assert slugs(client.get("/articles", params={"type": "article"})) == newest(
        lambda s: s.type == "article"
    )


def test_list_filter_by_repeated_type_matches_any_of_them(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params=[("type", "video"), ("type", "podcast")])
    assert slugs(response) == ["honeydew", "fig", "cherry"]


def test_list_filter_by_type_never_matches_an_article_without_type(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    every_type = [("type", t) for t in ("article", "video", "podcast")]
    found = slugs(client.get("/articles", params=every_type))
    assert found == newest(lambda s: s.type is not None)
    assert "lemon" not in found
    assert slugs(client.get("/articles", params={"type": "nothing"})) == []


@pytest.mark.parametrize(
    ("value", "wanted"), [("true", True), ("false", False), ("1", True), ("0", False)]
)
def test_list_filters_by_published(
    client: TestClient, catalog: tuple[Spec, ...], value: str, wanted: bool
) -> None:
    response = client.get("/articles", params={"published": value})
    assert slugs(response) == newest(lambda s: s.published is wanted)


def test_list_filter_by_published_never_matches_an_article_without_published(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    shown = set(slugs(client.get("/articles", params={"published": "true"})))
    hidden = set(slugs(client.get("/articles", params={"published": "false"})))
    unknown = {spec.slug for spec in catalog if spec.published is None}
    assert unknown == {"damson", "grape"}
    assert not unknown & (shown | hidden)
    assert shown | hidden | unknown == {spec.slug for spec in catalog}
    assert not shown & hidden


def test_list_without_published_parameter_does_not_filter_on_it(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    assert client.get("/articles").json()["total"] == len(catalog)


# Publication time bounds. CATALOG has articles at exactly 2020-06-17T00:00:00Z, 19:00:00Z
# (three), 23:59:59Z and 2020-06-18T00:00:00Z, and one a second before 2020-06-17.
TIME_BOUNDS: list[tuple[dict[str, str], Callable[[Spec], bool]]] = [
    ({"from": "2020-06-17"}, lambda s: s.at >= utc("2020-06-17T00:00:00Z")),
    ({"to": "2020-06-17"}, lambda s: s.at < utc("2020-06-18T00:00:00Z")),
    ({"from": "2020-06-17", "to": "2020-06-17"}, lambda s: s.at.date().isoformat() == "2020-06-17"),
    ({"from": "2020-06-17T19:00:00Z"}, lambda s: s.at >= utc("2020-06-17T19:00:00Z")),
    ({"to": "2020-06-17T19:00:00Z"}, lambda s: s.at <= utc("2020-06-17T19:00:00Z")),
    ({"from": "2020-06-17T19:00:00Z", "to": "2020-06-17T19:00:00Z"},
     lambda s: s.at == utc("2020-06-17T19:00:00Z")),
    ({"from": "2020-06-17T19:00:00.000001Z"}, lambda s: s.at > utc("2020-06-17T19:00:00Z")),
    ({"to": "2020-06-17T18:59:59Z"}, lambda s: s.at < utc("2020-06-17T19:00:00Z")),
    ({"from": "2020-06-17T12:00:00-07:00"}, lambda s: s.at >= utc("2020-06-17T19:00:00Z")),
    ({"to": "2020-06-17T12:00:00-07:00"}, lambda s: s.at <= utc("2020-06-17T19:00:00Z")),
    ({"from": "2020-06-18T00:30:00+05:30"}, lambda s: s.at >= utc("2020-06-17T19:00:00Z")),
    ({"from": "2020-06-17T12:00:00"}, lambda s: s.at >= utc("2020-06-17T12:00:00Z")),
    ({"to": "2020-06-17T11:59:59"}, lambda s: s.at < utc("2020-06-17T12:00:00Z")),
    ({"from": "2020-06-16T23:59:59Z", "to": "2020-06-17T00:00:00Z"},
     lambda s: utc("2020-06-16T23:59:59Z") <= s.at <= utc("2020-06-17T00:00:00Z")),
    ({"from": "2020-06-18", "to": "2020-06-19"},
     lambda s: utc("2020-06-18T00:00:00Z") <= s.at < utc("2020-06-20T00:00:00Z")),
    ({"to": "20200617"}, lambda s: s.at < utc("2020-06-18T00:00:00Z")),
    ({"from": "20200617", "to": "20200617"}, lambda s: s.at.date().isoformat() == "2020-06-17"),
    ({"to": "9999-12-31"}, lambda s: True),
    ({"from": "0001-01-01"}, lambda s: True),
    ({"from": "0001-01-01T00:00:00+01:00"}, lambda s: True),
    ({"to": "0001-01-01T00:00:00+01:00"}, lambda s: False),
    ({"from": "9999-12-31T23:00:00-05:00"}, lambda s: False),
    ({"to": "9999-12-31T23:00:00-05:00"}, lambda s: True),
    ({"from": "2020-06-21"}, lambda s: False),
    ({"to": "2020-06-14"}, lambda s: False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "predicate"),
    TIME_BOUNDS,
    ids=["&".join(f"{k}={v}" for k, v in params.items()) for params, _ in TIME_BOUNDS],
)
def test_list_filters_by_publication_time_with_inclusive_bounds(
    client: TestClient,
    catalog: tuple[Spec, ...],
    params: dict[str, str],
    predicate: Callable[[Spec], bool],
) -> None:
    assert_lists_exactly(client, params, predicate)


def test_list_bare_date_bounds_cover_the_whole_utc_day(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    day = slugs(client.get("/articles", params={"from": "2020-06-17", "to": "2020-06-17"}))
    assert day == ["fig", "zucchini", "mango", "elder", "damson", "cherry"]
    assert "banana" not in day  # 2020-06-16T23:59:59Z
    assert "grape" not in day  # 2020-06-18T00:00:00Z


def test_list_from_with_offset_is_converted_to_utc(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    found = slugs(client.get("/articles", params={"from": "2020-06-17T12:00:00-07:00"}))
    assert "damson" not in found  # 12:00Z is before 12:00-07:00
    assert {"mango", "elder", "zucchini"} <= set(found)  # exactly 19:00Z: included


def test_list_filters_by_quality_with_inclusive_bounds(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    def check(params: dict[str, int], predicate: Callable[[int], bool]) -> None:
        expected = newest(lambda s: s.quality is not None and predicate(s.quality))
        assert slugs(client.get("/articles", params=params)) == expected, params

    check({"min_quality": 70}, lambda q: q >= 70)
    check({"min_quality": 71}, lambda q: q >= 71)
    check({"max_quality": 50}, lambda q: q <= 50)
    check({"max_quality": 49}, lambda q: q <= 49)
    check({"min_quality": 70, "max_quality": 70}, lambda q: q == 70)
    check({"min_quality": 0}, lambda q: q >= 0)
    check({"max_quality": 0}, lambda q: q == 0)
    check({"min_quality": 50, "max_quality": 90}, lambda q: 50 <= q <= 90)
    check({"min_quality": 101}, lambda q: False)
    check({"min_quality": -5}, lambda q: True)
    assert slugs(client.get("/articles", params={"min_quality": 70, "max_quality": 70})) == [
        "lemon", "zucchini", "mango", "elder",
    ]  # fmt: skip


def test_list_quality_bounds_never_match_an_article_without_quality(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    no_quality = {"damson", "kiwi"}
    low = set(slugs(client.get("/articles", params={"min_quality": -(2**62)})))
    high = set(slugs(client.get("/articles", params={"max_quality": 2**62})))
    assert low == high == {spec.slug for spec in catalog} - no_quality


COMBINATIONS: list[tuple[list[tuple[str, str]], Callable[[Spec], bool]]] = [
    ([("topic", "AI"), ("provider", "alpha.example")],
     lambda s: "AI" in s.topics and s.provider == "alpha.example"),
    ([("topic", "AI"), ("provider", "alpha.example"), ("published", "true"),
      ("min_quality", "50")],
     lambda s: "AI" in s.topics and s.provider == "alpha.example" and s.published is True
     and s.quality is not None and s.quality >= 50),
    ([("topic", "AI"), ("provider", "alpha.example"), ("published", "true"),
      ("min_quality", "50"), ("from", "2020-06-16")],
     lambda s: s.slug == "cherry"),
    ([("topic", "AI in Autos"), ("topic", "Robotics"), ("type", "article"),
      ("from", "2020-06-17"), ("to", "2020-06-17")],
     lambda s: bool({"AI in Autos", "Robotics"} & set(s.topics)) and s.type == "article"
     and s.at.date().isoformat() == "2020-06-17"),
    ([("provider", "beta.example"), ("provider", "gamma.example"), ("published", "false")],
     lambda s: s.provider in {"beta.example", "gamma.example"} and s.published is False),
    ([("type", "video"), ("max_quality", "10")],
     lambda s: s.type == "video" and s.quality is not None and s.quality <= 10),
    ([("published", "true"), ("min_quality", "70"), ("to", "2020-06-17T12:00:00-07:00")],
     lambda s: s.published is True and s.quality is not None and s.quality >= 70
     and s.at <= utc("2020-06-17T19:00:00Z")),
    ([("topic", "Computer Vision"), ("provider", "gamma.example")], lambda s: False),
]  # fmt: skip


@pytest.mark.parametrize(("params", "predicate"), COMBINATIONS)
def test_list_combines_every_filter_given(
    client: TestClient,
    catalog: tuple[Spec, ...],
    params: list[tuple[str, str]],
    predicate: Callable[[Spec], bool],
) -> None:
    assert_lists_exactly(client, params, predicate)


def test_list_combination_narrows_to_a_single_known_article(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    params = {
        "topic": "AI",
        "provider": "alpha.example",
        "published": "true",
        "min_quality": "50",
        "from": "2020-06-16",
    }
    assert slugs(client.get("/articles", params=params)) == ["cherry"]


@pytest.mark.parametrize("sort", SORTS)
def test_list_sorts_in_the_expected_total_order(
    client: TestClient, catalog: tuple[Spec, ...], sort: str
) -> None:
    response = client.get("/articles", params={"sort": sort})
    assert slugs(response) == expected_order(catalog, sort)


def test_list_sort_newest_breaks_time_ties_by_slug(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    found = slugs(client.get("/articles", params={"sort": "newest"}))
    # zucchini, mango and elder share 2020-06-17T19:00:00Z; kiwi and honeydew 10:30 on 06-19.
    assert found[found.index("kiwi") : found.index("kiwi") + 2] == ["kiwi", "honeydew"]
    index = found.index("zucchini")
    assert found[index : index + 3] == ["zucchini", "mango", "elder"]


def test_list_sort_oldest_is_newest_reversed(client: TestClient, catalog: tuple[Spec, ...]) -> None:
    oldest = slugs(client.get("/articles", params={"sort": "oldest"}))
    newest_first = slugs(client.get("/articles", params={"sort": "newest"}))
    assert oldest == newest_first[::-1]
    assert oldest[:3] == ["apple", "banana", "cherry"]


def test_list_sort_quality_puts_highest_first_and_missing_quality_last(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    found = slugs(client.get("/articles", params={"sort": "quality"}))
    assert found == [
        "grape",  # 100
        "apple",  # 90
        "lemon",  # 70, newest of the 70s
        "zucchini", "mango", "elder",  # 70 at the same time: by slug
        "cherry", "banana",  # 50, newest first
        "fig",  # 10
        "honeydew",  # 0
        "kiwi", "damson",  # no quality: last, newest first
    ]  # fmt: skip


def test_list_sort_heat_puts_highest_first_and_missing_heat_last(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    found = slugs(client.get("/articles", params={"sort": "heat"}))
    assert found == [
        "mango", "elder",  # 80 at the same time: by slug
        "banana",  # 80, older
        "lemon",  # 30
        "apple",  # 10
        "damson",  # 5
        "honeydew",  # 0
        "fig",  # -1
        "kiwi", "grape", "zucchini", "cherry",  # no heat: last, newest first
    ]  # fmt: skip


@pytest.mark.parametrize("sort", SORTS)
def test_list_sort_applies_after_filters(
    client: TestClient, catalog: tuple[Spec, ...], sort: str
) -> None:
    params = [("topic", "AI"), ("topic", "AI in Autos"), ("sort", sort)]
    expected = expected_order(matching(lambda s: bool({"AI", "AI in Autos"} & set(s.topics))), sort)
    assert slugs(client.get("/articles", params=params)) == expected


def test_list_total_counts_every_match_not_just_the_page(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles", params={"topic": "AI", "limit": 2})
    body = response.json()
    assert len(body["items"]) == 2
    assert body["total"] == len(matching(lambda s: "AI" in s.topics)) == 7
    assert body["limit"] == 2


@pytest.mark.parametrize("sort", SORTS)
def test_list_sorts_the_real_files_as_the_spec_says(
    client: TestClient, real_articles: None, sort: str
) -> None:
    items = client.get("/articles", params={"sort": sort}).json()["items"]
    specs = [
        Spec(item["slug"], item["publishedDateTime"], item["quality"], item["heat"],
             item["published"], item["type"], None)
        for item in items
    ]  # fmt: skip
    assert [item["slug"] for item in items] == expected_order(specs, sort)
    if sort == "quality":
        assert [item["quality"] for item in items][-3:] == [None, None, None]
        assert items[0]["quality"] == 97


def test_catalog_has_the_ties_the_sort_tests_rely_on() -> None:
    ties = [spec.slug for spec in CATALOG if spec.at == utc("2020-06-17T19:00:00Z")]
    assert sorted(ties) == ["elder", "mango", "zucchini"]
    assert by_slug("mango").written != by_slug("zucchini").written


def test_total_is_exact_up_to_the_limit_then_says_it_is_a_lower_bound(
    tmp_path: Path, engine: Engine, import_files: ImportFiles, database_url: str
) -> None:
    for index in range(5):
        write_article(tmp_path, f"a{index}.md", quality=10 * index, topics=["AI", "Robots"])
    import_files(tmp_path)
    settings = Settings(database_url=database_url, exact_total_limit=3)

    with TestClient(create_app(settings)) as limited:
        bounded = limited.get("/articles", params={"min_quality": 0}).json()
        exact = limited.get("/articles", params={"min_quality": 20}).json()
        unfiltered = limited.get("/articles").json()
        by_topic = limited.get("/articles", params={"topic": "robots"}).json()

    assert (bounded["total"], bounded["totalIsExact"]) == (3, False)
    assert (exact["total"], exact["totalIsExact"]) == (3, True)
    # Maintained counters answer exactly whatever the limit.
    assert (unfiltered["total"], unfiltered["totalIsExact"]) == (5, True)
    assert (by_topic["total"], by_topic["totalIsExact"]) == (5, True)
