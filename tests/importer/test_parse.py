"""parse_article: text of one file -> ParsedArticle, or ArticleRejected with reason and line."""

import json
import time
from datetime import datetime

import pytest
import yaml

from app.importer.parse import (
    ArticleRejected,
    ParsedArticle,
    ParsedImage,
    ParsedProvider,
    ParsedRelated,
    ParsedTopic,
    parse_article,
    parse_datetime,
    slugify,
    split_front_matter,
)
from tests.helpers import article_fields, render

COMPLETE = """\
---
category: news
title: "Robots learn to sort parcels"
excerpt: "A warehouse study, with \\"quotes\\" and \u2019curly\u2019 ones."
publishedDateTime: 2020-06-17T12:02:00-07:00
originalUrl: "https://example.com/original?a=1&b=2"
webUrl: "https://example.com/robots#!"
ampWebUrl: "https://example.com/robots/amp/"
cdnAmpWebUrl: "https://example-com.cdn.ampproject.org/c/s/example.com/robots/amp/"
type: article
quality: 67
heat: -1
published: false
featuredContent: "https://example.com/featured"
provider:
  name: Example News, Inc.
  domain: Example.COM
  images:
    - url: "https://example.com/logo.png"
      width: 50
      height: 50
topics:
  - AI in Robotics
  - AI
images:
  - url: "https://example.com/a.jpg?w=1200&#038;strip=all"
    width: 1200
    height: 630
    isCached: true
    title: "A robot"
  - url: "https://example.com/b.jpg"
    width: 800
    height: 600
related:
  - title: "Older robots"
    excerpt: "Before."
    publishedDateTime: 2020-06-16T08:00:00Z
    webUrl: "https://other.example/older"
    ampWebUrl: "https://other.example/older/amp"
    cdnAmpWebUrl: "https://other-example.cdn.ampproject.org/c/s/other.example/older/amp"
    type: article
    provider:
      name: Other
      domain: Other.Example
    quality: 12
    images:
      - url: "https://other.example/o.jpg"
        width: 400
        height: 300
        isCached: false
  - title: "Bare related item"
secured: "a/3K+Gg==;X6uq=="
---
"""


def minimal(*lines: str, body: str = "") -> str:
    """A file whose front matter is a title, a publication time, then `lines` (from line 4)."""
    front_matter = "".join(f"{line}\n" for line in lines)
    return f"---\ntitle: t\npublishedDateTime: 2020-01-01T00:00:00Z\n{front_matter}---\n{body}"


def rejection(text: str) -> ArticleRejected:
    """The ArticleRejected that parsing `text` raises."""
    with pytest.raises(ArticleRejected) as caught:
        parse_article(text, "slug")
    return caught.value


def test_parse_reads_every_field_of_a_complete_front_matter() -> None:
    article = parse_article(COMPLETE, "robots")

    assert article.slug == "robots"
    assert article.title == "Robots learn to sort parcels"
    assert article.excerpt == 'A warehouse study, with "quotes" and \u2019curly\u2019 ones.'
    assert article.published_at == datetime(2020, 6, 17, 19, 2)
    assert article.original_url == "https://example.com/original?a=1&b=2"
    assert article.web_url == "https://example.com/robots#!"
    assert article.amp_web_url == "https://example.com/robots/amp/"
    assert article.cdn_amp_web_url == (
        "https://example-com.cdn.ampproject.org/c/s/example.com/robots/amp/"
    )
    assert article.type == "article"
    assert article.quality == 67
    assert article.heat == -1
    assert article.published is False
    assert article.provider == ParsedProvider(
        domain="example.com",
        name="Example News, Inc.",
        images=[{"url": "https://example.com/logo.png", "width": 50, "height": 50}],
    )
    assert article.topics == [
        ParsedTopic(slug="ai-in-robotics", name="AI in Robotics"),
        ParsedTopic(slug="ai", name="AI"),
    ]
    assert article.images == [
        ParsedImage(
            url="https://example.com/a.jpg?w=1200&#038;strip=all",
            width=1200,
            height=630,
            is_cached=True,
            title="A robot",
        ),
        ParsedImage(
            url="https://example.com/b.jpg", width=800, height=600, is_cached=None, title=None
        ),
    ]
    assert article.related == [
        ParsedRelated(
            title="Older robots",
            excerpt="Before.",
            published_at=datetime(2020, 6, 16, 8, 0),
            web_url="https://other.example/older",
            amp_web_url="https://other.example/older/amp",
            cdn_amp_web_url="https://other-example.cdn.ampproject.org/c/s/other.example/older/amp",
            type="article",
            quality=12,
            provider_name="Other",
            provider_domain="other.example",
            images=[
                {
                    "url": "https://other.example/o.jpg",
                    "width": 400,
                    "height": 300,
                    "isCached": False,
                }
            ],
        ),
        ParsedRelated(
            title="Bare related item",
            excerpt=None,
            published_at=None,
            web_url=None,
            amp_web_url=None,
            cdn_amp_web_url=None,
            type=None,
            quality=None,
            provider_name=None,
            provider_domain=None,
            images=[],
        ),
    ]
    assert article.front_matter["featuredContent"] == "https://example.com/featured"
    assert article.front_matter["secured"] == "a/3K+Gg==;X6uq=="
    assert article.front_matter["category"] == "news"
    assert article.body == ""


def test_parse_keeps_the_whole_front_matter_as_written_in_file_order() -> None:
    article = parse_article(COMPLETE, "robots")

    assert list(article.front_matter) == [
        "category", "title", "excerpt", "publishedDateTime", "originalUrl", "webUrl",
        "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published", "featuredContent",
        "provider", "topics", "images", "related", "secured",
    ]  # fmt: skip
    # Times and text fields keep the text that was written; the domain is not normalized here.
    assert article.front_matter["publishedDateTime"] == "2020-06-17T12:02:00-07:00"
    assert article.front_matter["provider"]["domain"] == "Example.COM"
    assert article.front_matter["related"][0]["publishedDateTime"] == "2020-06-16T08:00:00Z"
    assert article.front_matter["related"][1] == {"title": "Bare related item"}
    json.dumps(article.front_matter)  # storable as JSON as it is


def test_parse_of_a_file_with_only_title_and_time_leaves_every_optional_field_empty() -> None:
    article = parse_article(minimal(), "bare")

    assert article == ParsedArticle(
        slug="bare",
        title="t",
        excerpt=None,
        published_at=datetime(2020, 1, 1),
        web_url=None,
        amp_web_url=None,
        cdn_amp_web_url=None,
        original_url=None,
        type=None,
        quality=None,
        heat=None,
        published=None,
        provider=None,
        topics=[],
        images=[],
        related=[],
        front_matter={"title": "t", "publishedDateTime": "2020-01-01T00:00:00Z"},
        body="",
    )


def test_parse_reads_a_file_written_by_the_test_helpers() -> None:
    fields = article_fields(title="From the helpers", topics=["AI", "Computer Vision"])

    article = parse_article(render(fields, "Body text.\n"), "helpers")

    assert article.title == "From the helpers"
    assert [t.slug for t in article.topics] == ["ai", "computer-vision"]
    assert article.front_matter == fields
    assert article.body == "Body text.\n"


def test_parse_keeps_the_body_after_the_closing_line_as_written() -> None:
    body = "\n# Heading\n\nA line with --- inside.\n---\n  ---\nlast line without newline"

    article = parse_article(minimal(body=body), "s")

    assert article.body == body
    assert article.title == "t"


def test_parse_takes_the_first_line_that_is_exactly_three_dashes_as_the_end_of_front_matter() -> (
    None
):
    text = minimal("excerpt: first", body="excerpt: not front matter\n---\n")

    article = parse_article(text, "s")

    assert article.excerpt == "first"
    assert article.body == "excerpt: not front matter\n---\n"


@pytest.mark.parametrize(
    "line, expected",
    [
        ('excerpt: "a --- b"', "a --- b"),
        ("excerpt: a --- b", "a --- b"),
        ('excerpt: "---"', "---"),
        ("excerpt: '---'", "---"),
        ("excerpt: |\n  ---\n  indented dashes", "---\nindented dashes\n"),
    ],
)
def test_parse_does_not_take_dashes_inside_a_value_for_a_delimiter(
    line: str, expected: str
) -> None:
    article = parse_article(minimal(line, "type: article"), "s")

    assert article.excerpt == expected
    assert article.type == "article"


def test_parse_accepts_crlf_line_endings() -> None:
    text = minimal("excerpt: e", "topics:", "  - AI", body="body\r\nline two\r\n")
    crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")

    article = parse_article(crlf, "s")

    assert article.title == "t"
    assert article.excerpt == "e"
    assert article.published_at == datetime(2020, 1, 1)
    assert article.topics == [ParsedTopic("ai", "AI")]
    assert article.body == "body\r\nline two\r\n"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_parse_accepts_a_utf8_byte_order_mark(newline: str) -> None:
    text = "\ufeff" + minimal("excerpt: café", body="body\n").replace("\n", newline)

    article = parse_article(text, "s")

    assert article.title == "t"
    assert article.excerpt == "café"
    assert article.body == f"body{newline}"


def test_parse_accepts_a_closing_line_at_the_end_of_the_file_without_newline() -> None:
    article = parse_article("---\ntitle: t\npublishedDateTime: 2020-01-01\n---", "s")

    assert article.title == "t"
    assert article.body == ""


def test_split_front_matter_returns_the_yaml_the_body_and_the_first_yaml_line() -> None:
    assert split_front_matter("---\na: 1\n---\nbody\n") == ("a: 1\n", "body\n", 2)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2020-06-17T19:02:00Z", datetime(2020, 6, 17, 19, 2)),
        ("2020-06-17T12:02:00-07:00", datetime(2020, 6, 17, 19, 2)),
        ("2020-06-18T00:32:00+05:30", datetime(2020, 6, 17, 19, 2)),
        ("2019-06-01T02:18Z", datetime(2019, 6, 1, 2, 18)),
        ("2019-06-01T02:18+02:00", datetime(2019, 6, 1, 0, 18)),
        ("2020-09-25T12:11:59.123456Z", datetime(2020, 9, 25, 12, 11, 59, 123456)),
        ("2020-09-25T12:11:59.5Z", datetime(2020, 9, 25, 12, 11, 59, 500000)),
        ("2020-06-17", datetime(2020, 6, 17)),
        ("2020-06-17T19:02:00", datetime(2020, 6, 17, 19, 2)),
        ('"2020-06-17T12:02:00-07:00"', datetime(2020, 6, 17, 19, 2)),
        ("'2020-06-17'", datetime(2020, 6, 17)),
        ("2001-12-14 21:59:43.10 -5", datetime(2001, 12, 15, 2, 59, 43, 100000)),
        ("2020-12-31T23:30:00-01:00", datetime(2021, 1, 1, 0, 30)),
    ],
)
def test_parse_stores_every_date_form_as_naive_utc(raw: str, expected: datetime) -> None:
    text = (
        f"---\ntitle: t\npublishedDateTime: {raw}\n"
        f"related:\n  - title: r\n    publishedDateTime: {raw}\n---\n"
    )

    article = parse_article(text, "s")

    assert article.published_at == expected
    assert article.published_at.tzinfo is None
    assert article.related[0].published_at == expected
    assert article.front_matter["publishedDateTime"] == raw.strip("'\"")


def test_pyyaml_leaves_a_time_without_seconds_as_text_which_the_parser_still_reads() -> None:
    # The reason the parser reads dates itself: safe_load gives a str here, a datetime with seconds.
    assert yaml.safe_load("t: 2019-06-01T02:18Z")["t"] == "2019-06-01T02:18Z"
    assert isinstance(yaml.safe_load("t: 2019-06-01T02:18:00Z")["t"], datetime)

    article = parse_article("---\ntitle: t\npublishedDateTime: 2019-06-01T02:18Z\n---\n", "s")

    assert article.published_at == datetime(2019, 6, 1, 2, 18)


@pytest.mark.parametrize(
    "raw",
    ["soon", "2020-13-01", "2020-06-17T25:00:00Z", "12345", "", "0001-01-01T00:00:00+01:00"],
)
def test_parse_datetime_refuses_what_is_not_a_date(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(raw)


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2020-01-01", "2020-01-01"),
        ("2020-01-01T10:00:00Z", "2020-01-01T10:00:00Z"),
        ("yes", "yes"),
        ("no", "no"),
        ("off", "off"),
        ("true", "true"),
        ("1.50", "1.50"),
        ("007", "007"),
        ("0x1F", "0x1F"),
        ("1e3", "1e3"),
        (".inf", ".inf"),
        ("12:30", "12:30"),
        ('"null"', "null"),
        ("'~'", "~"),
        ("Null Island", "Null Island"),
    ],
)
def test_parse_keeps_a_title_as_the_text_written(written: str, expected: str) -> None:
    text = f"---\ntitle: {written}\npublishedDateTime: 2020-01-01T00:00:00Z\n---\n"

    article = parse_article(text, "s")

    assert article.title == expected
    assert article.front_matter["title"] == expected


@pytest.mark.parametrize("written", ["null", "Null", "NULL", "~", "", '""', "''", '"   "'])
def test_parse_rejects_a_null_or_empty_title_as_no_title(written: str) -> None:
    text = f"---\ntitle: {written}\npublishedDateTime: 2020-01-01T00:00:00Z\n---\n"

    rejected = rejection(text)

    assert rejected.reason == "no title: the front matter needs a non-empty 'title'"
    assert rejected.line == 2


def test_parse_rejects_a_file_without_title() -> None:
    rejected = rejection("---\npublishedDateTime: 2020-01-01T00:00:00Z\nexcerpt: e\n---\n")

    assert rejected.reason.startswith("no title")
    assert rejected.line is None


@pytest.mark.parametrize("written", ["2020", "true", "no", "1.5", "2020-01-01", "~x"])
def test_parse_keeps_topic_names_as_text(written: str) -> None:
    article = parse_article(minimal("topics:", f"  - {written}", "  - AI"), "s")

    assert article.topics == [
        ParsedTopic(slug=slugify(written), name=written),
        ParsedTopic("ai", "AI"),
    ]
    assert article.front_matter["topics"] == [written, "AI"]


def test_parse_keeps_other_text_fields_as_text_whatever_yaml_makes_of_them() -> None:
    text = minimal(
        "category: 2020",
        "excerpt: 42",
        "type: yes",
        "originalUrl: 1.0",
        "webUrl: 2020-01-01",
        "secured: 123",
        "featuredContent: true",
        "provider:",
        "  name: on",
        "  domain: 10.0",
        "images:",
        "  - url: 2020-01-01",
        "    title: 1.5",
    )

    article = parse_article(text, "s")

    assert article.excerpt == "42"
    assert article.type == "yes"
    assert article.original_url == "1.0"
    assert article.web_url == "2020-01-01"
    assert article.provider == ParsedProvider(domain="10.0", name="on", images=[])
    assert article.images == [ParsedImage("2020-01-01", None, None, None, "1.5")]
    fm = article.front_matter
    assert (fm["category"], fm["secured"], fm["featuredContent"]) == ("2020", "123", "true")


def test_parse_keeps_unknown_keys_top_level_and_nested_in_file_order() -> None:
    text = (
        "---\n"
        "zeta: 1\n"
        "title: t\n"
        "alpha:\n"
        "  b: 2\n"
        "  a: [1, x, true, null, 1.5]\n"
        "publishedDateTime: 2020-01-01T00:00:00Z\n"
        "provider:\n"
        "  country: FR\n"
        "  name: P\n"
        "  domain: p.example\n"
        "images:\n"
        "  - url: u\n"
        "    caption: c\n"
        "related:\n"
        "  - extra: {deep: [1, 2]}\n"
        "    title: r\n"
        "updatedDateTime: 2021-02-03T04:05:06Z\n"
        "score: .nan\n"
        "huge: 1e400\n"
        "middle: 0\n"
        "---\n"
    )

    article = parse_article(text, "s")

    fm = article.front_matter
    assert list(fm) == [
        "zeta", "title", "alpha", "publishedDateTime", "provider", "images", "related",
        "updatedDateTime", "score", "huge", "middle",
    ]  # fmt: skip
    assert fm["zeta"] == 1
    assert list(fm["alpha"]) == ["b", "a"]
    assert fm["alpha"] == {"b": 2, "a": [1, "x", True, None, 1.5]}
    assert list(fm["provider"]) == ["country", "name", "domain"]
    assert fm["provider"]["country"] == "FR"
    assert fm["images"] == [{"url": "u", "caption": "c"}]
    assert list(fm["related"][0]) == ["extra", "title"]
    assert fm["related"][0]["extra"] == {"deep": [1, 2]}
    # No value outside JSON: timestamps and non-finite numbers keep their text.
    assert fm["updatedDateTime"] == "2021-02-03T04:05:06Z"
    assert fm["score"] == ".nan"
    assert fm["huge"] == "1e400"
    assert fm["middle"] == 0
    assert json.loads(json.dumps(fm, allow_nan=False)) == fm


@pytest.mark.parametrize(
    "name, slug",
    [
        ("AI in Healthcare", "ai-in-healthcare"),
        ("AI", "ai"),
        ("Natural Language Processing", "natural-language-processing"),
        ("C++ & AI!", "c-ai"),
        ("  Edge -- Case  ", "edge-case"),
        ("snake_case_name", "snake-case-name"),
        ("AWS AI 2.0", "aws-ai-2-0"),
        ("Künstliche Intelligenz", "künstliche-intelligenz"),
        ("人工知能", "人工知能"),
    ],
)
def test_slugify_lower_cases_and_turns_runs_of_non_alphanumerics_into_one_dash(
    name: str, slug: str
) -> None:
    assert slugify(name) == slug


def test_parse_lists_a_topic_named_twice_in_one_file_once() -> None:
    text = minimal("topics:", "  - AI", "  - Robots", "  - ai", "  - ' AI '", "  - A-I")

    article = parse_article(text, "s")

    assert article.topics == [
        ParsedTopic("ai", "AI"),
        ParsedTopic("robots", "Robots"),
        ParsedTopic("a-i", "A-I"),
    ]


def test_parse_accepts_a_single_topic_written_as_text() -> None:
    article = parse_article(minimal("topics: AI in Autos"), "s")

    assert article.topics == [ParsedTopic("ai-in-autos", "AI in Autos")]


def test_parse_accepts_a_provider_without_domain_and_keeps_its_name() -> None:
    article = parse_article(minimal("provider:", "  name: Somebody"), "s")

    assert article.provider == ParsedProvider(domain=None, name="Somebody", images=[])


def test_parse_normalizes_the_provider_domain_to_lower_case_without_spaces() -> None:
    article = parse_article(minimal("provider:", "  name: P", "  domain: ' WWW.Example.COM '"), "s")

    assert article.provider is not None
    assert article.provider.domain == "www.example.com"


@pytest.mark.parametrize(
    "lines, quality, heat, published",
    [
        (["quality: 0", "heat: -1", "published: true"], 0, -1, True),
        (["quality: 148", "heat: 198", "published: false"], 148, 198, False),
        (["quality: 9223372036854775807", "heat: -9223372036854775808"], 2**63 - 1, -(2**63), None),
        (["quality:", "heat: null", "published: ~"], None, None, None),
    ],
)
def test_parse_reads_whole_numbers_and_booleans(
    lines: list[str], quality: int | None, heat: int | None, published: bool | None
) -> None:
    article = parse_article(minimal(*lines), "s")

    assert (article.quality, article.heat, article.published) == (quality, heat, published)


# Rejections. Line numbers count every line of the file, the opening `---` being line 1;
# `minimal(...)` puts its first extra line on line 4.
@pytest.mark.parametrize(
    "text, line, reason",
    [
        ("title: t\npublishedDateTime: 2020-01-01\n", 1, "no front matter: the file must start"),
        ("", 1, "no front matter"),
        ("\n---\ntitle: t\n---\n", 1, "no front matter"),
        (" ---\ntitle: t\n---\n", 1, "no front matter"),
        ("---\ntitle: t\npublishedDateTime: 2020-01-01\n", None, "front matter is not closed"),
        ("---\ntitle: t\n--\n", None, "front matter is not closed"),
        ("---\n", None, "front matter is not closed"),
        ("---", None, "front matter is not closed"),
        (minimal("excerpt: a: b"), 4, "YAML error: mapping values are not allowed"),
        (minimal("topics: [a, b", "type: x"), 5, "YAML error: did not find expected ',' or ']'"),
        (minimal("provider:", "\tname: x"), 5, "YAML error: found character that cannot start"),
        (
            minimal("provider:", "  name: x", " domain: y"),
            6,
            "YAML error: did not find expected key",
        ),
        (
            "---\n- a\n- b\n---\n",
            None,
            "front matter must be a mapping of keys to values, not a list",
        ),
        ("---\njust text\n---\n", None, "must be a mapping of keys to values, not a text"),
        ("---\n42\n---\n", None, "must be a mapping of keys to values, not a number"),
        ("---\n---\n", None, "must be a mapping of keys to values, not empty"),
        ("---\n# only a comment\n---\n", None, "must be a mapping of keys to values, not empty"),
        ("---\ntitle: t\n---\n", None, "no publishedDateTime: every article needs"),
        ("---\ntitle: t\npublishedDateTime:\n---\n", 3, "no publishedDateTime"),
        (
            "---\ntitle: t\npublishedDateTime: next tuesday\n---\n",
            3,
            "publishedDateTime is not a date or date-time: 'next tuesday'",
        ),
        (
            minimal(
                "related:",
                "  - title: fine",
                "    publishedDateTime: 2020-01-01T00:00:00Z",
                "  - title: broken",
                "    publishedDateTime: 2020-02-30T00:00:00Z",
            ),
            8,
            "related[1].publishedDateTime is not a date or date-time: '2020-02-30T00:00:00Z'",
        ),
        (minimal("quality: high"), 4, "quality must be a whole number, not 'high'"),
        (minimal('quality: "67"'), 4, "quality must be a whole number, not '67'"),
        (minimal("quality: 4.5"), 4, "quality must be a whole number, not 4.5"),
        (minimal("quality: true"), 4, "quality must be a whole number, not True"),
        (minimal("heat: [1]"), 4, "heat must be a whole number, not [1]"),
        (minimal("quality: 9223372036854775808"), 4, "quality is out of range"),
        (minimal("images:", "  - url: u", "    width: big"), 6, "images[].width must be a whole"),
        (minimal("images:", "  - height: 1.5"), 5, "images[].height must be a whole number"),
        (minimal("images:", "  - isCached: 'no'"), 5, "images[].isCached must be true or false"),
        (
            minimal("provider:", "  domain: d", "  images:", "    - url: u", "      width: 5px"),
            8,
            "provider.images[].width must be a whole number, not '5px'",
        ),
        (
            minimal("related:", "  - title: r", "    quality: good"),
            6,
            "related[0].quality must be a whole number, not 'good'",
        ),
        (
            minimal("related:", "  - title: r", "    images:", "      - width: wide"),
            7,
            "related[0].images[].width must be a whole number, not 'wide'",
        ),
        (minimal('published: "yes"'), 4, "published must be true or false, not 'yes'"),
        (minimal("published: 1"), 4, "published must be true or false, not 1"),
        (minimal("published: 'true'"), 4, "published must be true or false, not 'true'"),
        (
            "---\ntitle: [a]\npublishedDateTime: 2020-01-01\n---\n",
            2,
            "title must be text, not a list",
        ),
        (minimal("excerpt: {a: 1}"), 4, "excerpt must be text, not a mapping"),
        (minimal("secured: [x]"), 4, "secured must be text, not a list"),
        (minimal("provider: Forbes"), 4, "provider must be a mapping, not a text"),
        (minimal("provider:", "  domain: [a]"), 5, "provider.domain must be text, not a list"),
        (minimal("topics: {AI: 1}"), 4, "topics must be a list, not a mapping"),
        (minimal("topics:", "  - AI", "  -"), 5, "topics[1] must be a topic name, not None"),
        (minimal("topics:", "  - '!!!'"), 5, "topics[0] must be a topic name, not '!!!'"),
        (minimal("topics:", "  - [a, b]"), 5, "topics[0] must be a topic name"),
        (minimal("images: a.jpg"), 4, "images must be a list, not a text"),
        (minimal("images:", "  - a.jpg"), 5, "images[0] must be a mapping, not a text"),
        (
            minimal("related:", "  - title: r", "  - 3"),
            5,
            "related[1] must be a mapping, not a number",
        ),
        (minimal("related:", "  - provider: x"), 5, "related[0].provider must be a mapping"),
        (minimal("title: again"), 4, "duplicate key 'title'"),
        (minimal("provider:", "  name: a", "  name: b"), 6, "duplicate key 'name'"),
        (minimal("x: !!python/object:os.system ls"), 4, "unsupported YAML tag"),
        (minimal('x: !!python/object/apply:os.system ["rm -rf /"]'), 4, "unsupported YAML tag"),
        (minimal("x: !!python/name:os.system"), 4, "unsupported YAML tag"),
        (minimal("x: !custom 1"), 4, "unsupported YAML tag '!custom'"),
        (minimal("x: !custom {a: 1}"), 4, "unsupported YAML tag '!custom'"),
        (minimal("? [a, b]", ": c"), 4, "a mapping key must be plain text"),
    ],
)
def test_parse_rejects_a_bad_file_with_its_line_and_a_clear_reason(
    text: str, line: int | None, reason: str
) -> None:
    rejected = rejection(text)

    assert reason in rejected.reason
    assert rejected.line == line
    assert str(rejected) == (rejected.reason if line is None else f"line {line}: {rejected.reason}")


def test_parse_counts_the_opening_line_in_the_line_of_a_yaml_error() -> None:
    text = "---\ntitle: t\npublishedDateTime: 2020-01-01\nexcerpt: 'ok'\ntype: a: b\n---\n"
    assert text.splitlines()[4] == "type: a: b"  # file line 5

    assert rejection(text).line == 5


@pytest.mark.parametrize(
    "tagged",
    ["quality: !!int abc", "quality: !!float abc", "published: !!bool maybe", "quality: ._"],
)
def test_parse_rejects_a_value_yaml_cannot_build_instead_of_crashing(tagged: str) -> None:
    rejected = rejection(minimal(tagged))

    assert rejected.line == 4
    assert "must be" in rejected.reason


@pytest.mark.parametrize("tagged", ["extra: !!int abc", "extra: ._", "extra: 0x_"])
def test_parse_keeps_the_text_of_an_unknown_key_yaml_cannot_build(tagged: str) -> None:
    article = parse_article(minimal(tagged), "s")

    assert article.front_matter["extra"] == tagged.split(" ")[-1]


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_parse_rejects_a_yaml_alias_bomb_quickly() -> None:
    start = time.perf_counter()

    rejected = rejection(minimal(*BILLION_LAUGHS.splitlines()))

    assert time.perf_counter() - start < 2
    assert "document too large" in rejected.reason
    assert rejected.line is not None and 4 <= rejected.line <= 12


def test_parse_expands_a_few_aliases_faithfully() -> None:
    article = parse_article(minimal("base: &logo {url: u, width: 5}", "copy: *logo"), "s")

    assert article.front_matter["copy"] == {"url": "u", "width": 5}


def test_parse_rejects_a_deeply_nested_block_document() -> None:
    nested = ["deep:"] + ["  " * (level + 1) + f"k{level}:" for level in range(200)]

    rejected = rejection(minimal(*nested))

    assert "nested deeper than" in rejected.reason
    assert rejected.line is not None and rejected.line > 4


@pytest.mark.parametrize("depth", [100, 100_000])
def test_parse_rejects_a_deeply_nested_flow_document_quickly(depth: int) -> None:
    start = time.perf_counter()

    rejected = rejection(minimal("deep: " + "[" * depth + "]" * depth))

    assert time.perf_counter() - start < 2
    assert "nest" in rejected.reason
    assert rejected.line == 4
