"""Turn the text of one article file into a ParsedArticle, or say exactly why it cannot be.

Pure: no files, no database, no printing.
"""

import re
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

import yaml
from yaml.nodes import ScalarNode

from app.importer.yaml_tree import Document, YAMLTreeError, compose, to_document

# Front-matter keys the API names; every other key is served as `extra`. All are kept.
KNOWN_KEYS = frozenset(
    {
        "category", "title", "excerpt", "publishedDateTime", "originalUrl", "webUrl",
        "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published", "featuredContent",
        "provider", "topics", "images", "related", "secured",
    }
)  # fmt: skip
_DELIMITER = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
_INT64 = 2**63


class ArticleRejected(ValueError):
    """The file cannot be stored faithfully. `line` is 1-based in the file, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason if line is None else f"line {line}: {reason}")
        self.reason = reason
        self.line = line


class NoFrontMatter(ArticleRejected):
    """The file does not start with a `---` line: in a Jekyll collection it is not a
    document at all (a README, say), so a folder import skips it instead of rejecting it."""


class ParsedProvider(NamedTuple):
    domain: str | None
    name: str | None
    images: list[dict[str, Any]]


class ParsedImage(NamedTuple):
    url: str | None
    width: int | None
    height: int | None
    is_cached: bool | None
    title: str | None


class ParsedRelated(NamedTuple):
    title: str | None
    excerpt: str | None
    published_at: datetime | None
    web_url: str | None
    amp_web_url: str | None
    cdn_amp_web_url: str | None
    type: str | None
    quality: int | None
    provider_name: str | None
    provider_domain: str | None
    images: list[dict[str, Any]]


class ParsedTopic(NamedTuple):
    slug: str
    name: str


class ParsedArticle(NamedTuple):
    """Everything one file says. `front_matter` holds every key as written (in file order);
    the other fields are the typed view the database indexes. Named tuples, not dataclasses:
    worker processes send these to the writer, and tuples unpickle several times faster."""

    slug: str
    title: str
    excerpt: str | None
    published_at: datetime  # naive UTC
    web_url: str | None
    amp_web_url: str | None
    cdn_amp_web_url: str | None
    original_url: str | None
    type: str | None
    quality: int | None
    heat: int | None
    published: bool | None
    provider: ParsedProvider | None
    topics: list[ParsedTopic]
    images: list[ParsedImage]
    related: list[ParsedRelated]
    front_matter: dict[str, Any]
    body: str


def slugify(text: str) -> str:
    """Lower-case `text` and turn each run of non-alphanumerics into one `-`."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split a file into (front matter, body, line of the front matter's first line).

    Raises:
        NoFrontMatter: no opening `---` line.
        ArticleRejected: no closing `---` line.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    first_newline = text.find("\n")
    first_line = text if first_newline < 0 else text[:first_newline]
    if not _DELIMITER.fullmatch(first_line):
        raise NoFrontMatter("no front matter: the file must start with a line '---'", 1)
    # A file that is one `---` line has no closing line: don't let it close itself.
    start = len(text) + 1 if first_newline < 0 else first_newline + 1
    closing = _DELIMITER.search(text, start)
    if closing is None:
        raise ArticleRejected("front matter is not closed by a line '---'")
    front_matter = text[start : closing.start()]
    body_start = closing.end() + 1  # past the delimiter's newline
    return front_matter, text[body_start:], 2


def parse_article(text: str, slug: str) -> ParsedArticle:
    """Parse the text of one article file.

    Raises:
        ArticleRejected: with the reason (and line, where known) the file cannot be imported.
    """
    front_matter_text, body, first_line = split_front_matter(text)
    try:
        doc = to_document(compose(front_matter_text))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if mark is None else mark.line + first_line
        problem = error.problem or error.context or "invalid YAML"
        raise ArticleRejected(f"YAML error: {problem}", line) from None
    except yaml.YAMLError as error:
        raise ArticleRejected(f"YAML error: {error}") from None
    except YAMLTreeError as error:
        line = None if error.line is None else error.line + first_line - 1
        raise ArticleRejected(error.message, line) from None
    except RecursionError:
        raise ArticleRejected("front matter nested too deeply") from None
    if not isinstance(doc.value, dict):
        kind = "empty" if doc.value is None else f"a {_kind(doc.value)}"
        raise ArticleRejected(f"front matter must be a mapping of keys to values, not {kind}")
    return _Fields(doc, first_line - 1).article(slug, doc.value, body)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 / YAML timestamp into naive UTC. A value without an offset is UTC;
    a bare date is midnight UTC.

    Raises:
        ValueError: not a date or date-time.
    """
    text = text.strip()
    try:
        value: datetime | date = datetime.fromisoformat(text)
    except ValueError:
        # YAML's own timestamp forms, e.g. '2001-12-14 21:59:43.10 -5'.
        node = ScalarNode("tag:yaml.org,2002:timestamp", text)
        try:
            value = yaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
        except (ValueError, TypeError, AttributeError):
            raise ValueError(f"not a date or date-time: {text!r}") from None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError(f"date-time out of range in UTC: {text!r}") from None
    return value


class _Fields:
    """Typed extraction of the known fields, with the line of any value it refuses."""

    def __init__(self, doc: Document, line_offset: int) -> None:
        self.doc = doc
        self.line_offset = line_offset

    def reject(self, container: dict[str, Any], key: str, reason: str) -> ArticleRejected:
        line = self.doc.line_of(container, key)
        return ArticleRejected(reason, None if line is None else line + self.line_offset)

    def text(self, mapping: dict[str, Any], key: str, where: str = "") -> str | None:
        value = mapping.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.reject(mapping, key, f"{where}{key} must be text, not a {_kind(value)}")

    def integer(self, mapping: dict[str, Any], key: str, where: str = "") -> int | None:
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.reject(mapping, key, f"{where}{key} must be a whole number, not {value!r}")
        if not -_INT64 <= value < _INT64:
            raise self.reject(mapping, key, f"{where}{key} is out of range: {value}")
        return value

    def boolean(self, mapping: dict[str, Any], key: str, where: str = "") -> bool | None:
        value = mapping.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.reject(mapping, key, f"{where}{key} must be true or false, not {value!r}")

    def moment(self, mapping: dict[str, Any], key: str, where: str = "") -> datetime | None:
        raw = self.text(mapping, key, where)
        if raw is None:
            return None
        try:
            return parse_datetime(raw)
        except (ValueError, OverflowError):
            raise self.reject(
                mapping, key, f"{where}{key} is not a date or date-time: {raw!r}"
            ) from None

    def mapping(self, mapping: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = mapping.get(key)
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        raise self.reject(mapping, key, f"{where}{key} must be a mapping, not a {_kind(value)}")

    def items(self, mapping: dict[str, Any], key: str, where: str = "") -> list[Any]:
        value = mapping.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        raise self.reject(mapping, key, f"{where}{key} must be a list, not a {_kind(value)}")

    def mappings(self, mapping: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
        values = self.items(mapping, key, where)
        for index, value in enumerate(values):
            if not isinstance(value, dict):
                raise self.reject(
                    mapping, key, f"{where}{key}[{index}] must be a mapping, not a {_kind(value)}"
                )
        return values

    def article(self, slug: str, fm: dict[str, Any], body: str) -> ParsedArticle:
        title = self.text(fm, "title")
        # The line is known when the key is there with an empty value.
        if title is None or not title.strip():
            raise self.reject(fm, "title", "no title: the front matter needs a non-empty 'title'")
        if fm.get("publishedDateTime") is None:
            raise self.reject(
                fm,
                "publishedDateTime",
                "no publishedDateTime: every article needs a publication time",
            )
        published_at = self.moment(fm, "publishedDateTime")
        assert published_at is not None
        for key in ("category", "featuredContent", "secured"):
            self.text(fm, key)
        return ParsedArticle(
            slug=slug,
            title=title,
            excerpt=self.text(fm, "excerpt"),
            published_at=published_at,
            web_url=self.text(fm, "webUrl"),
            amp_web_url=self.text(fm, "ampWebUrl"),
            cdn_amp_web_url=self.text(fm, "cdnAmpWebUrl"),
            original_url=self.text(fm, "originalUrl"),
            type=self.text(fm, "type"),
            quality=self.integer(fm, "quality"),
            heat=self.integer(fm, "heat"),
            published=self.boolean(fm, "published"),
            provider=self.provider(fm),
            topics=self.topics(fm),
            images=[self.image(item, "images") for item in self.mappings(fm, "images")],
            related=[
                self.related(item, f"related[{index}].")
                for index, item in enumerate(self.mappings(fm, "related"))
            ],
            front_matter=fm,
            body=body,
        )

    def provider(self, fm: dict[str, Any]) -> ParsedProvider | None:
        if fm.get("provider") is None:
            return None
        provider = self.mapping(fm, "provider")
        domain = self.text(provider, "domain", "provider.")
        name = self.text(provider, "name", "provider.")
        images = self.mappings(provider, "images", "provider.")
        for image in images:
            self.image(image, "provider.images")
        normalized = domain.strip().lower() if domain else None
        return ParsedProvider(domain=normalized or None, name=name, images=images)

    def topics(self, fm: dict[str, Any]) -> list[ParsedTopic]:
        raw = fm.get("topics")
        names = [raw] if isinstance(raw, str) else self.items(fm, "topics")
        topics: dict[str, ParsedTopic] = {}
        for index, name in enumerate(names):
            if not isinstance(name, str) or not slugify(name):
                raise self.reject(
                    fm, "topics", f"topics[{index}] must be a topic name, not {name!r}"
                )
            topics.setdefault(slugify(name), ParsedTopic(slug=slugify(name), name=name.strip()))
        return list(topics.values())

    def image(self, item: dict[str, Any], where: str) -> ParsedImage:
        prefix = f"{where}[]."
        return ParsedImage(
            url=self.text(item, "url", prefix),
            width=self.integer(item, "width", prefix),
            height=self.integer(item, "height", prefix),
            is_cached=self.boolean(item, "isCached", prefix),
            title=self.text(item, "title", prefix),
        )

    def related(self, item: dict[str, Any], where: str) -> ParsedRelated:
        provider = self.mapping(item, "provider", where)
        images = self.mappings(item, "images", where)
        for image in images:
            self.image(image, f"{where}images")
        domain = self.text(provider, "domain", f"{where}provider.")
        return ParsedRelated(
            title=self.text(item, "title", where),
            excerpt=self.text(item, "excerpt", where),
            published_at=self.moment(item, "publishedDateTime", where),
            web_url=self.text(item, "webUrl", where),
            amp_web_url=self.text(item, "ampWebUrl", where),
            cdn_amp_web_url=self.text(item, "cdnAmpWebUrl", where),
            type=self.text(item, "type", where),
            quality=self.integer(item, "quality", where),
            provider_name=self.text(provider, "name", f"{where}provider."),
            provider_domain=domain.strip().lower() if domain else None,
            images=images,
        )
