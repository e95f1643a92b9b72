"""Full-text search with `q` on every article list: matching, ranking, sorts, paging,
filters, highlights, and the refusal of malformed queries."""

import base64
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from app.main import create_app
from app.search.query import MAX_QUERY_LENGTH, MAX_TERMS
from app.settings import Settings
from tests.api.conftest import (
    SORTS,
    Spec,
    assert_problem,
    expected_order,
    matching,
    slugs,
    walk,
    walk_cursors,
)
from tests.api.test_articles import COMBINATIONS
from tests.api.test_providers import PROVIDER_FILTERS
from tests.api.test_topics import TOPIC_FILTERS
from tests.conftest import ImportFiles
from tests.helpers import SEED_SLUG, write_article

FILLER = " ".join(f"filler{index % 97}" for index in range(400))

# slug: (title, excerpt, body, published time). Newest first: the order of this table.
ARTICLES: dict[str, tuple[str, str, str, str]] = {
    "body-repeats": ("Transport news", "What moves us.", "zeppelin " * 30,
                     "2020-06-20T10:00:00Z"),
    "in-excerpt": ("Aviation weekly", "A zeppelin over the lake.", "", "2020-06-19T10:00:00Z"),
    "in-title": ("Zeppelins and the zeppelin age", "Old news.", FILLER, "2020-06-18T10:00:00Z"),
    "phrase": ("Sheds", "Where airships sleep.", "A zeppelin airship hangar.",
               "2020-06-17T10:00:00Z"),
    "airship-zeppelin": ("Museum tour", "", "The airship of Count zeppelin.",
                         "2020-06-16T10:00:00Z"),
    "cafe": ("Café culture in Zürich", "Espresso.", "Don't e-mail AT&T about C++.",
             "2020-06-15T10:00:00Z"),
    "script": ("Security notes", "Escaping.", "<script>alert('zeppelin')</script> & \"more\"",
               "2020-06-14T10:00:00Z"),
    "literal": ("NEAR(a b) and title:foo", "a OR b", "^x (y) z", "2020-06-13T10:00:00Z"),
}  # fmt: skip
ZEPPELINS = ["body-repeats", "in-excerpt", "in-title", "phrase", "airship-zeppelin", "script"]


@pytest.fixture
def articles(tmp_path: Path, import_files: ImportFiles) -> None:
    for slug, (title, excerpt, body, written) in ARTICLES.items():
        write_article(
            tmp_path / "search",
            f"{slug}.md",
            body=body,
            title=title,
            excerpt=excerpt,
            publishedDateTime=written,
        )
    report = import_files(tmp_path / "search")
    assert report.rejected == []


def found(client: TestClient, q: str, **params: Any) -> list[str]:
    return slugs(client.get("/articles", params={"q": q, **params}))


def newest(matches: list[str]) -> list[str]:
    return [slug for slug in ARTICLES if slug in matches]


@pytest.mark.parametrize(
    ("q", "matches"),
    [("zeppelins", ["in-title"]), ("lake", ["in-excerpt"]), ("hangar", ["phrase"]),
     ("espresso", ["cafe"]), ("count", ["airship-zeppelin"])],
)  # fmt: skip
def test_search_finds_words_of_the_title_the_excerpt_or_the_body(
    client: TestClient, articles: None, q: str, matches: list[str]
) -> None:
    assert found(client, q) == matches


def test_search_finds_only_articles_with_every_word(client: TestClient, articles: None) -> None:
    assert found(client, "zeppelin airship", sort="newest") == ["phrase", "airship-zeppelin"]
    assert found(client, "zeppelin airship lake") == []


def test_search_phrase_finds_the_words_in_that_order_only(
    client: TestClient, articles: None
) -> None:
    assert found(client, '"zeppelin airship"') == ["phrase"]
    assert found(client, '"airship of count"') == ["airship-zeppelin"]


def test_search_prefix_finds_longer_words(client: TestClient, articles: None) -> None:
    assert found(client, "zepp", sort="newest") == []
    assert found(client, "zepp*", sort="newest") == ZEPPELINS
    assert found(client, '"zeppelin air"*') == ["phrase"]


def test_search_exclusion_removes_articles_with_the_word_or_phrase(
    client: TestClient, articles: None
) -> None:
    assert found(client, "zeppelin -airship", sort="newest") == newest(
        [s for s in ZEPPELINS if s not in {"phrase", "airship-zeppelin"}]
    )
    assert found(client, 'zeppelin -"zeppelin airship"', sort="newest") == newest(
        [s for s in ZEPPELINS if s != "phrase"]
    )
    assert found(client, "zeppelin -hang* -lake -transport -age", sort="newest") == [
        "airship-zeppelin",
        "script",
    ]


@pytest.mark.parametrize("q", ["cafe", "CAFÉ", "Café", "zurich", "ZURICH", "Zürich", "zu*"])
def test_search_ignores_case_and_accents(client: TestClient, articles: None, q: str) -> None:
    assert found(client, q) == ["cafe"]


@pytest.mark.parametrize("q", ["e-mail", "AT&T", "C++", "don't", "DON'T e-mail"])
def test_search_finds_words_that_punctuation_splits(
    client: TestClient, articles: None, q: str
) -> None:
    assert found(client, q) == ["cafe"]


@pytest.mark.parametrize("q", ["title:foo", "NEAR(a b)", "a OR b", "^x", "(y)", "z)", "("])
def test_search_engine_syntax_in_q_is_taken_literally(
    client: TestClient, articles: None, q: str
) -> None:
    response = client.get("/articles", params={"q": q})
    if re.search(r"\w", q):
        assert slugs(response) == ["literal"]
    else:
        assert_problem(response, 422, "q")


def test_search_without_matches_is_an_empty_last_page(client: TestClient, articles: None) -> None:
    assert client.get("/articles", params={"q": "submarine"}).json() == {
        "items": [],
        "total": 0,
        "totalIsExact": True,
        "limit": 25,
        "nextCursor": None,
    }


def test_search_ranks_title_matches_first_even_above_a_body_that_repeats_the_word(
    client: TestClient, articles: None
) -> None:
    ranked = found(client, "zeppelin")
    assert sorted(ranked) == sorted(ZEPPELINS)
    assert ranked[0] == "in-title"
    assert ranked.index("in-excerpt") < ranked.index("script")


@pytest.mark.sqlite_only("reads FTS5's bm25() directly")
def test_column_weights_alone_would_rank_a_body_that_repeats_the_word_first(
    engine: Engine, articles: None
) -> None:
    # Hence the ranked groups: the short body that repeats the word scores best by bm25.
    with engine.connect() as connection:
        by_score = connection.execute(
            text(
                "SELECT a.slug FROM article_search JOIN article AS a ON a.id = article_search.rowid"
                " WHERE article_search MATCH 'zeppelin' ORDER BY bm25(article_search, 10, 3, 1)"
            )
        ).scalars()
        assert next(by_score) == "body-repeats"


def test_search_sorts_by_relevance_unless_told_otherwise(
    client: TestClient, articles: None
) -> None:
    default = client.get("/articles", params={"q": "zeppelin"}).json()
    relevance = client.get("/articles", params={"q": "zeppelin", "sort": "relevance"}).json()
    assert default["items"] == relevance["items"]
    assert found(client, "zeppelin", sort="newest") == ZEPPELINS
    assert found(client, "zeppelin", sort="oldest") == ZEPPELINS[::-1]


def test_sort_by_relevance_without_q_is_refused_naming_sort(client: TestClient) -> None:
    body = assert_problem(client.get("/articles", params={"sort": "relevance"}), 422, "sort")
    assert "give q" in body["detail"]


def test_search_counts_every_match_and_pages_them(client: TestClient, articles: None) -> None:
    page = client.get("/articles", params={"q": "zeppelin", "limit": 2}).json()
    assert (page["total"], page["totalIsExact"]) == (len(ZEPPELINS), True)
    assert len(page["items"]) == 2
    assert page["nextCursor"] is not None


@pytest.mark.parametrize("sort", ["relevance", *SORTS])
@pytest.mark.parametrize("limit", [1, 4])
def test_search_walk_yields_every_match_once_in_the_order_of_one_page(
    client: TestClient, articles: None, sort: str, limit: int
) -> None:
    whole = found(client, "zeppelin", sort=sort, limit=100)
    by_link = walk(client, "/articles", {"q": "zeppelin", "sort": sort, "limit": limit})
    by_cursor = walk_cursors(client, "/articles", {"q": "zeppelin", "sort": sort, "limit": limit})
    assert [item["slug"] for item in by_link] == whole
    assert [item["slug"] for item in by_cursor] == whole
    assert sorted(whole) == sorted(ZEPPELINS)


# The catalog's titles are "Title of <slug>": this query matches all but three of them.
CATALOG_Q = "title -cherry -mango -Grape"


def searched(predicate: Callable[[Spec], bool]) -> Callable[[Spec], bool]:
    return lambda spec: spec.slug not in {"cherry", "mango", "grape"} and predicate(spec)


@pytest.mark.parametrize("sort", SORTS)
def test_search_lists_its_matches_in_every_other_sort_order(
    client: TestClient, catalog: tuple[Spec, ...], sort: str
) -> None:
    response = client.get("/articles", params={"q": CATALOG_Q, "sort": sort})
    expected = expected_order(matching(searched(lambda s: True)), sort)
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize(("params", "predicate"), COMBINATIONS)
def test_search_combines_with_every_filter(
    client: TestClient,
    catalog: tuple[Spec, ...],
    params: list[tuple[str, str]],
    predicate: Callable[[Spec], bool],
) -> None:
    response = client.get("/articles", params=[*params, ("q", CATALOG_Q), ("sort", "newest")])
    expected = expected_order(matching(searched(predicate)))
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize(("params", "predicate"), [({}, lambda s: True), *TOPIC_FILTERS])
def test_search_works_on_a_topics_articles(
    client: TestClient, catalog: tuple[Spec, ...], params: dict[str, Any], predicate: Any
) -> None:
    response = client.get(
        "/topics/AI/articles", params={**params, "q": CATALOG_Q, "sort": "oldest"}
    )
    expected = expected_order(matching(searched(lambda s: "AI" in s.topics and predicate(s))))
    assert slugs(response) == expected[::-1]
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize(("params", "predicate"), [({}, lambda s: True), *PROVIDER_FILTERS])
def test_search_works_on_a_providers_articles(
    client: TestClient, catalog: tuple[Spec, ...], params: dict[str, Any], predicate: Any
) -> None:
    response = client.get(
        "/providers/alpha.example/articles", params={**params, "q": CATALOG_Q, "sort": "quality"}
    )
    expected = expected_order(
        matching(searched(lambda s: s.provider == "alpha.example" and predicate(s))), "quality"
    )
    assert slugs(response) == expected
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize("path", ["/topics/ai/articles", "/providers/alpha.example/articles"])
def test_search_walk_on_a_topic_or_provider_yields_every_match_once(
    client: TestClient, catalog: tuple[Spec, ...], path: str
) -> None:
    whole = slugs(client.get(path, params={"q": CATALOG_Q, "limit": 100}))
    items = walk(client, path, {"q": CATALOG_Q, "limit": 1})
    assert [item["slug"] for item in items] == whole
    assert whole


def test_search_total_is_counted_up_to_the_limit(
    tmp_path: Path, articles: None, database_url: str
) -> None:
    settings = Settings(database_url=database_url, exact_total_limit=3)
    with TestClient(create_app(settings)) as limited:
        many = limited.get("/articles", params={"q": "zeppelin"}).json()
        few = limited.get("/articles", params={"q": "zeppelin airship"}).json()
    assert (many["total"], many["totalIsExact"]) == (3, False)
    assert len(many["items"]) == len(ZEPPELINS)
    assert (few["total"], few["totalIsExact"]) == (2, True)


@pytest.mark.sqlite_only("the exact extract FTS5's snippet() cuts; see the neutral test below")
def test_search_hits_carry_a_highlight_with_the_matched_words_marked(
    client: TestClient, articles: None
) -> None:
    items = {
        item["slug"]: item
        for item in client.get("/articles", params={"q": "zepp*"}).json()["items"]
    }
    assert items["in-title"]["highlight"] == (
        "<mark>Zeppelins</mark> and the <mark>zeppelin</mark> age"
    )
    assert items["in-excerpt"]["highlight"] == "A <mark>zeppelin</mark> over the lake."
    assert items["body-repeats"]["highlight"].startswith("<mark>zeppelin</mark> <mark>zeppelin")
    assert items["body-repeats"]["highlight"].endswith("…")
    for item in items.values():
        assert list(item)[-1] == "highlight"


@pytest.mark.sqlite_only("the exact extract FTS5's snippet() cuts; see the neutral test below")
def test_search_highlight_is_a_short_extract_of_a_long_text(
    client: TestClient, articles: None
) -> None:
    [item] = client.get("/articles", params={"q": "filler50"}).json()["items"]
    words = item["highlight"].split()
    assert 8 <= len(words) <= 16
    assert "<mark>filler50</mark>" in words
    assert item["highlight"].startswith("…") and item["highlight"].endswith("…")


@pytest.mark.sqlite_only("the exact extract FTS5's snippet() cuts; see the neutral test below")
def test_search_highlight_escapes_the_articles_html(client: TestClient, articles: None) -> None:
    [item] = client.get("/articles", params={"q": "alert"}).json()["items"]
    assert item["highlight"] == (
        "&lt;script&gt;<mark>alert</mark>(&#x27;zeppelin&#x27;)&lt;/script&gt; "
        "&amp; &quot;more&quot;"
    )
    assert "<script" not in item["highlight"]


@pytest.mark.sqlite_only("the exact extract FTS5's snippet() cuts; see the neutral test below")
def test_search_highlight_marks_a_phrase_as_one(client: TestClient, articles: None) -> None:
    [item] = client.get("/articles", params={"q": '"zeppelin airship"'}).json()["items"]
    assert item["highlight"] == "A <mark>zeppelin airship</mark> hangar."


@pytest.mark.parametrize(
    ("q", "marked"),
    [("zepp*", "zepp"), ("alert", "alert"), ("filler50", "filler50"), ("cafe", "caf")],
)
def test_every_hit_has_a_short_escaped_highlight_marking_what_matched(
    client: TestClient, articles: None, q: str, marked: str
) -> None:
    items = client.get("/articles", params={"q": q}).json()["items"]
    assert items
    for item in items:
        highlight = item["highlight"]
        marks = re.findall(r"<mark>(.*?)</mark>", highlight)
        assert marks, highlight
        assert all(marked in unidecoded(mark) for mark in marks), highlight
        # The only markup is the marks: the article's own text arrives escaped.
        assert re.sub(r"</?mark>", "", highlight).count("<") == 0, highlight
        assert len(highlight.split()) <= 20, highlight


def unidecoded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_lists_without_q_have_no_highlight(client: TestClient, articles: None) -> None:
    for path in ("/articles", "/topics/ai/articles", "/providers/news.example.com/articles"):
        items = client.get(path).json()["items"]
        assert items
        assert all("highlight" not in item for item in items), path


def test_search_items_are_list_items_plus_the_highlight(
    client: TestClient, real_articles: None
) -> None:
    plain = {item["slug"]: item for item in client.get("/articles").json()["items"]}
    hits = client.get("/articles", params={"q": "facial recognition"}).json()["items"]
    assert [hit["slug"] for hit in hits] == [SEED_SLUG]
    hit = dict(hits[0])
    assert "<mark>Facial</mark> <mark>Recognition</mark>" in hit.pop("highlight")
    assert hit == plain[SEED_SLUG]


def test_search_follows_an_import_that_changes_the_text(
    tmp_path: Path, client: TestClient, import_files: ImportFiles
) -> None:
    write_article(tmp_path, "a.md", title="Zeppelins return")
    import_files(tmp_path)
    assert found(client, "zeppelins") == ["a"]

    write_article(tmp_path, "a.md", title="Gliders return")
    import_files(tmp_path)
    assert found(client, "zeppelins") == []
    assert found(client, "gliders") == ["a"]


@pytest.mark.parametrize(
    ("q", "says"),
    [
        ('"zeppelin airship', 'unbalanced quote: the " at position 1 is never closed'),
        ('zeppelin "airship', 'the " at position 10 is never closed'),
        ("-", "nothing to search for"),
        ("*", "nothing to search for"),
        ('""', "nothing to search for"),
        ('- * "" "*"', "nothing to search for"),
        ("-zeppelin", "only exclusions"),
        ('-zeppelin -"air ship"', "only exclusions"),
        ("", "empty"),
        ("   ", "empty"),
        (" ".join(["w"] * 3 + [f"w{i}" for i in range(MAX_TERMS)]), "too many terms"),
    ],
)
def test_malformed_search_is_a_422_naming_q_that_says_what_is_wrong(
    client: TestClient, articles: None, q: str, says: str
) -> None:
    for path in ("/articles", "/topics/ai/articles", "/providers/news.example.com/articles"):
        body = assert_problem(client.get(path, params={"q": q}), 422, "q")
        assert says in body["detail"], (path, body["detail"])


def test_search_longer_than_the_limit_is_a_422_naming_q(client: TestClient) -> None:
    body = assert_problem(
        client.get("/articles", params={"q": "a" * (MAX_QUERY_LENGTH + 1)}), 422, "q"
    )
    assert f"at most {MAX_QUERY_LENGTH} characters" in body["detail"]


def relevance_cursor(values: str) -> str:
    """A cursor of the relevance order holding `values`, JSON text written by hand."""
    payload = f'["relevance",{values}]'.encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    ['[0,"x","2020-06-17T10:00:00","a"]', '[0,true,"2020-06-17T10:00:00","a"]',
     '[0,null,"2020-06-17T10:00:00","a"]', '[0,1e999,"2020-06-17T10:00:00","a"]',
     '[0,NaN,"2020-06-17T10:00:00","a"]', f'[0,1{"0" * 400},"2020-06-17T10:00:00","a"]',
     '[0.5,-1.0,"2020-06-17T10:00:00","a"]', '[2,-1.0,"2020-06-17T10:00:00","a"]',
     '[-1,-1.0,"2020-06-17T10:00:00","a"]', '[0,-1.0,"2020-06-17T10:00:00"]'],
)  # fmt: skip
def test_a_tampered_relevance_cursor_is_a_422_naming_cursor(
    client: TestClient, articles: None, values: str
) -> None:
    cursor = relevance_cursor(values)
    response = client.get("/articles", params={"q": "zeppelin", "cursor": cursor})
    assert_problem(response, 422, "cursor")


def test_a_relevance_cursor_in_the_second_group_skips_the_title_matches(
    client: TestClient, articles: None
) -> None:
    cursor = relevance_cursor('[1,-1000.0,"2100-01-01T00:00:00","z"]')
    rest = found(client, "zeppelin", cursor=cursor)
    assert sorted(rest) == sorted(s for s in ZEPPELINS if s != "in-title")


def test_a_relevance_cursor_belongs_to_its_sort(client: TestClient, articles: None) -> None:
    cursor = client.get("/articles", params={"q": "zeppelin", "limit": 1}).json()["nextCursor"]
    response = client.get("/articles", params={"q": "zeppelin", "sort": "newest", "cursor": cursor})
    assert_problem(response, 422, "cursor")


@settings(
    max_examples=150,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(q=st.text(max_size=40) | st.text(alphabet=' "-*:^()+abcORNEAT', max_size=20))
@example(q="a\x00")
def test_no_query_text_ever_makes_the_api_fail(client: TestClient, articles: None, q: str) -> None:
    for more in ({}, {"sort": "newest"}):
        response = client.get("/articles", params={"q": q, "limit": 2, **more})
        if response.status_code != 200:
            # A NUL is refused before routing, as in any parameter (request bounds).
            assert_problem(response, 400 if "\x00" in q else 422, "q")
            continue
        for item in response.json()["items"]:
            assert isinstance(item["highlight"], str)


def test_feeds_and_csv_take_q_and_list_the_same_matches_as_the_json_list(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    query = {"q": "title -apple -banana", "sort": "newest"}
    listed = [item["slug"] for item in walk(client, "/articles", {**query, "limit": 100})]
    assert 0 < len(listed) < len(catalog)

    csv_rows = list(csv.DictReader(io.StringIO(client.get("/articles.csv", params=query).text)))
    feed = client.get("/articles.feed.json", params={**query, "limit": 100}).json()

    assert [row["slug"] for row in csv_rows] == listed
    # A feed entry's id is the article's API URL, which ends with its slug.
    assert [item["id"].rsplit("/", 1)[-1] for item in feed["items"]] == listed


def test_the_search_index_follows_edits_and_prunes_on_every_engine(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    folder = tmp_path / "edits"
    write_article(folder, "a.md", title="Zeppelins return", body="Airships are back.")
    write_article(folder, "b.md", title="Submarines", body="Under the sea.")
    import_files(folder)
    assert found(client, "airships") == ["a"]

    write_article(folder, "a.md", title="Gliders return", body="Silent flight.")
    import_files(folder)
    assert found(client, "airships") == found(client, "zeppelins") == []
    assert found(client, "silent") == found(client, "gliders") == ["a"]

    (folder / "a.md").unlink()
    import_files(folder, prune=True)
    assert found(client, "gliders") == []
    assert found(client, "submarines") == ["b"]
