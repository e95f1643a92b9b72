"""Helpers to write article files for tests."""

from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "articles"
SEED_SLUG = "000_29aed2788627c48c"


def render(fields: dict[str, Any], body: str = "") -> str:
    """An article file: `fields` as YAML front matter between `---` lines, then `body`."""
    front_matter = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)
    return f"---\n{front_matter}---\n{body}"


def article_fields(**overrides: Any) -> dict[str, Any]:
    """A complete, valid front matter in the real files' shape; `overrides` replace keys and a
    value of None removes the key."""
    fields: dict[str, Any] = {
        "category": "news",
        "title": "A test article",
        "excerpt": "What the test article is about.",
        "publishedDateTime": "2020-06-17T19:02:00Z",
        "originalUrl": "https://news.example.com/a-test-article",
        "webUrl": "https://news.example.com/a-test-article",
        "ampWebUrl": "https://news.example.com/a-test-article/amp/",
        "cdnAmpWebUrl": "https://news-example-com.cdn.ampproject.org/c/s/news.example.com/a/amp/",
        "type": "article",
        "quality": 50,
        "heat": 40,
        "published": True,
        "provider": {"name": "Example News", "domain": "news.example.com"},
        "topics": ["AI"],
        "images": [{"url": "https://img.example.com/a.jpg", "width": 1200, "height": 630}],
        "secured": "opaque;blob==",
    }
    for key, value in overrides.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return fields


def write_article(folder: Path, name: str, body: str = "", **overrides: Any) -> Path:
    """Write a valid article file `folder/name` (name includes the extension)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(article_fields(**overrides), body), encoding="utf-8")
    return path


def write_text(folder: Path, name: str, text: str) -> Path:
    """Write `text` as the file `folder/name`, byte for byte (UTF-8, no newline translation)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path
