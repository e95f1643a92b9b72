"""Hypothesis strategies for article files nobody checked, and what importing them must do."""

import hashlib
import math
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from app.db import make_engine
from app.importer.load import import_paths
from app.importer.parse import KNOWN_KEYS, slugify
from app.importer.yaml_tree import TEXT_KEYS
from app.jsontext import load_json
from tests.helpers import write_article

LIMIT = 1024 * 1024
INT64 = 2**63
_DELIMITER = re.compile(r"---[ \t]*\r?")
_SURROGATE = "\ud800"


@dataclass(frozen=True)
class GeneratedFile:
    """One article file as bytes, with what went into it. `yaml` and `body` are None when the
    file is not made of them (bytes spliced in). `must_reject` names why no importer could
    take it; `must_import` says it is a valid article that must be taken."""

    content: bytes
    yaml: str | None = None
    body: str | None = None
    must_reject: str | None = None
    must_import: bool = False


# Values

_SPECIAL_TEXT = [
    "", " ", "yes", "No", "on", "~", "null", "1e3", "0x10", "0o17", "1_000", "1:30", ".inf",
    ".nan", "2020-01-01", "2001-12-14 21:59:43.10 -5", "<<", "=", "---", "...", "- a", "a: b",
    "#", "&a", "*a", "!x", "|", ">", "'", '"', "\\", "%TAG", "@", "`", "\t", "\r", "\r\n",
    "a\nb", "\n", "\x85", "\u2028", "\u2029", "\ufeff", "\u200f", "\u202e", "\u200e\u200f",
    "\U0001f600", "\ufffe", "\uffff", "\x7f", "\x1b[0m", "\x07", "x" * 300,
]  # fmt: skip
# Text no database takes or no YAML file can hold: importing it must fail.
_UNSTORABLE_TEXT = ["\x00", "a\x00b", "\ud800", "\udfff", "x\udc80y", "\ud83d\ude00"]


def rarely(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`rare` about one draw in twenty, else `usual` (Hypothesis leans to simple draws, and
    a rare case in every value would leave few files to import)."""
    return st.integers(0, 19).flatmap(lambda roll: rare if roll == 19 else usual)


def one_in(count: int) -> st.SearchStrategy[bool]:
    """True about once in `count` draws."""
    return st.integers(1, count).map(lambda roll: roll == count)


storable_texts = st.text(max_size=12) | st.sampled_from(_SPECIAL_TEXT)
texts = rarely(storable_texts, st.sampled_from(_UNSTORABLE_TEXT))
big_integers = st.integers(min_value=-(10**300), max_value=10**300) | st.sampled_from(
    [INT64 - 1, -INT64, INT64, -INT64 - 1, 10**4000, -(10**4000)]
)
integers = st.integers(min_value=-INT64, max_value=INT64 - 1)
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.none() | offsets
)
recent_moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.none() | offsets
)
scalars = (
    st.none() | st.booleans() | integers | big_integers | st.floats() | texts | st.dates() | moments
)
keys = (
    texts | st.integers(-10, 10) | st.booleans() | st.none() | st.sampled_from(sorted(KNOWN_KEYS))
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)

# Known keys, with a value the importer must take

_plain_text = storable_texts.filter(lambda value: "\x00" not in value)
# What st.text() draws (any UTF-8 character) but NUL, which the importer refuses everywhere.
_stored_characters = st.characters(codec="utf-8", exclude_characters="\x00")
valid_times = (
    recent_moments.map(
        lambda moment: moment.isoformat() if moment.tzinfo else moment.isoformat() + "Z"
    )
    | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)).map(date.isoformat)
    | st.sampled_from(["2020-06-17T19:02:00Z", "2019-06-01T02:18Z", "2020-06-17T12:00:00-07:00"])
)
topic_names = st.text(_stored_characters, min_size=1, max_size=12).filter(
    lambda name: bool(slugify(name))
)
# Under a key read as text, any scalar is kept as the text written.
text_like = st.none() | _plain_text | st.booleans() | integers | st.dates()
images = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "url": text_like,
            "width": integers,
            "height": integers,
            "isCached": st.booleans(),
            "title": text_like,
            "extra": _plain_text,
        },
    ),
    max_size=3,
)
providers = st.fixed_dictionaries(
    {}, optional={"name": text_like, "domain": text_like, "images": images}
)
VALID: dict[str, st.SearchStrategy[Any]] = {
    "title": st.text(_stored_characters, min_size=1).filter(str.strip)
    | st.sampled_from(["yes", "1e3", "~x"]),
    "publishedDateTime": valid_times,
    "quality": integers,
    "heat": integers,
    "published": st.booleans(),
    "provider": providers,
    "topics": st.lists(topic_names, max_size=4) | topic_names,
    "images": images,
    "related": st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "title": text_like,
                "excerpt": text_like,
                "publishedDateTime": valid_times,
                "webUrl": text_like,
                "type": text_like,
                "quality": integers,
                "provider": providers,
                "images": images,
            },
        ),
        max_size=3,
    ),
    **{key: text_like for key in ("category", "excerpt", "webUrl", "ampWebUrl", "type")},
    **{key: text_like for key in ("cdnAmpWebUrl", "originalUrl", "featuredContent", "secured")},
}
assert set(VALID) == KNOWN_KEYS


@st.composite
def front_matters(draw: st.DrawFn) -> tuple[dict[Any, Any], bool]:
    """A front matter, and whether it is a valid article's: every known key it has holds a
    value the importer takes, and every key at every level is text."""
    pairs: list[tuple[Any, Any]] = []
    valid = True
    for key in draw(st.lists(st.sampled_from(sorted(KNOWN_KEYS)), unique=True)):
        if draw(st.booleans()):
            pairs.append((key, draw(VALID[key])))
        else:
            pairs.append((key, draw(anything)))
            valid = False
    for key in ("title", "publishedDateTime"):  # most files have these, in either place
        if key not in dict(pairs) and not draw(one_in(10)):
            pairs.insert(draw(st.integers(0, len(pairs))), (key, draw(VALID[key])))
    extra = draw(st.lists(st.tuples(keys, anything), max_size=5))
    if any(key in KNOWN_KEYS for key, _value in extra):
        valid = False
    pairs += extra
    front_matter = dict(pairs)
    if any(key not in front_matter for key in ("title", "publishedDateTime")):
        valid = False
    return front_matter, valid and _storable(front_matter) and _text_keys_only(front_matter)


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _storable(value: Any) -> bool:
    """No NUL and no lone surrogate anywhere, keys included."""
    return not any(
        isinstance(part, str) and ("\x00" in part or any(_SURROGATE <= c <= "\udfff" for c in part))
        for part in _walk(value)
    )


def _text_keys_only(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and _text_keys_only(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_text_keys_only(item) for item in value)
    return True


clean_bodies = st.text().filter(lambda body: "\x00" not in body) | st.tuples(
    st.lists(
        st.sampled_from(["---", "--- ", "...", "", "# Title", "text", "\r", "\ufeff", "\u202e"])
        | st.text(max_size=20).filter(lambda line: "\x00" not in line),
        max_size=6,
    ),
    st.sampled_from(["\n", "\r\n", "", "\n\n"]),
).map(lambda parts: "\n".join(parts[0]) + parts[1])
bodies = rarely(clean_bodies, st.sampled_from(["\x00", "text\x00", "\n---\n\x00"]))
# Bytes no UTF-8 decoder may accept: a stray continuation byte, an overlong form, an encoded
# surrogate (what a raw lone surrogate would be), a truncated sequence, bytes never used.
INVALID_UTF8 = [b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xe2\x82", b"\xff"]


def _has_delimiter_line(document: str) -> bool:
    """Whether a line of the YAML would close the front matter early."""
    return any(_DELIMITER.fullmatch(line) for line in document.split("\n"))


# PyYAML writes a line break other than "\n" (NEL, LS, PS) as it is in a single-quoted scalar
# (with allow_unicode), where YAML reads a lone break as a space: two keys it wrote, "\x85"
# and " ", are then one key twice, and any file must be rejected for that.
KEY_REPEATED_ONCE_READ = "a key repeated once YAML reads what PyYAML wrote"


def _repeats_a_key(document: str) -> bool:
    """Whether a mapping of the document, as YAML reads it, holds a key twice."""
    return any(
        len({key for key, _value in value}) < len(value)
        for value in _walk_read(read_as_written(document))
        if isinstance(value, _Pairs)
    )


def _walk_read(value: Any) -> Iterator[Any]:
    """`value` (as `read_as_written` gives it) and every value inside it."""
    yield value
    if isinstance(value, list):  # a sequence, or a mapping's (key, value) pairs
        for item in value:
            yield from _walk_read(item[1] if isinstance(value, _Pairs) else item)


@st.composite
def dumped_files(draw: st.DrawFn) -> GeneratedFile:
    """A front matter written by PyYAML in one of its styles, perhaps with a key repeated
    and a body, perhaps with bytes that are not UTF-8 spliced in."""
    front_matter, valid = draw(front_matters())
    options = draw(
        st.fixed_dictionaries(
            {
                "default_flow_style": st.sampled_from([False, True, None]),
                "allow_unicode": st.booleans(),
                "width": st.sampled_from([20, 80, 10_000]),
                "explicit_end": st.booleans(),
            }
        )
    )
    document = yaml.safe_dump(front_matter, sort_keys=False, **options)
    if front_matter and draw(one_in(10)):
        repeated = draw(st.sampled_from(list(front_matter)))
        document += yaml.safe_dump({repeated: draw(anything)}, sort_keys=False)
        valid = False
    assume(not _has_delimiter_line(document))
    body = draw(bodies)
    content = f"---\n{document}---\n{body}".encode(errors="surrogatepass")
    must_reject = None
    if "\x00" in body:
        must_reject = "contains a NUL character"
    elif not _storable(front_matter):
        must_reject = "NUL or surrogate in the front matter"
    elif valid and _repeats_a_key(document):
        must_reject = KEY_REPEATED_ONCE_READ
    if draw(one_in(10)):
        splice = draw(st.integers(0, len(content)))
        content = content[:splice] + draw(st.sampled_from(INVALID_UTF8)) + content[splice:]
        must_reject = must_reject or "not UTF-8 text"
    return GeneratedFile(content, document, body, must_reject, valid and must_reject is None)


storable_anything = st.recursive(
    st.none()
    | st.booleans()
    | integers
    | big_integers
    | st.floats()
    | storable_texts.filter(_storable)
    | st.dates()
    | moments,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(storable_texts.filter(_storable), inner, max_size=4)
    ),
    max_leaves=20,
)
unknown_keys = storable_texts.filter(lambda key: _storable(key) and key not in KNOWN_KEYS)
# One thing that makes a valid article file impossible to import, and how it does.
POISONS = [
    "NUL in a value", "NUL in a key", "lone surrogate", "NUL in the body", "not UTF-8",
    "repeated key", "title not text", "quality not a number", "no publishedDateTime",
]  # fmt: skip


@st.composite
def article_files(draw: st.DrawFn) -> GeneratedFile:
    """A valid article (each known key it has holds a value the importer takes; unknown
    keys hold anything storable), which must be imported faithfully; or, about one time in
    two, the same with one poison, which must be rejected."""
    known = draw(st.lists(st.sampled_from(sorted(KNOWN_KEYS - {"title", "publishedDateTime"}))))
    pairs = [(key, draw(VALID[key])) for key in ["title", "publishedDateTime", *known]]
    pairs += draw(st.lists(st.tuples(unknown_keys, storable_anything), max_size=5))
    front_matter = dict(draw(st.permutations(pairs)))
    assert _storable(front_matter), "a valid article must hold only text the importer stores"
    body = draw(clean_bodies)
    roll = draw(st.integers(0, 2 * len(POISONS) - 1))
    poison = POISONS[roll] if roll < len(POISONS) else None
    if poison == "NUL in a value":
        front_matter[draw(unknown_keys)] = draw(st.sampled_from(["\x00", "a\x00", ["\x00"]]))
    elif poison == "NUL in a key":
        front_matter["key\x00"] = draw(storable_anything)
    elif poison == "lone surrogate":
        front_matter[draw(unknown_keys)] = draw(st.sampled_from(["\ud800", "x\udfff"]))
    elif poison == "NUL in the body":
        body += "\x00"
    elif poison == "title not text":
        front_matter["title"] = draw(st.sampled_from([[], {}, ["a"], {"a": 1}]))
    elif poison == "quality not a number":
        front_matter["quality"] = draw(st.sampled_from(["high", 1.5, True, [1], 2**63]))
    elif poison == "no publishedDateTime":
        del front_matter["publishedDateTime"]
    document = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=draw(st.booleans()))
    if poison == "repeated key":
        repeated = draw(st.sampled_from(list(front_matter)))
        document += yaml.safe_dump({repeated: draw(storable_anything)}, sort_keys=False)
    elif poison is None and _repeats_a_key(document):
        poison = KEY_REPEATED_ONCE_READ
    assume(not _has_delimiter_line(document))
    content = f"---\n{document}---\n{body}".encode()
    if poison == "not UTF-8":
        splice = draw(st.integers(0, len(content)))
        content = content[:splice] + draw(st.sampled_from(INVALID_UTF8)) + content[splice:]
    return GeneratedFile(content, document, body, poison, must_import=poison is None)


_VALUES = [
    "a", "b c", "'quoted'", '"tab\\there"', '"\\x41\\u00e9"', "1", "-2", "1.5", "1e3",
    "0x10", "017", "1_000", "1:30", "yes", "No", "~", "null", "", ".inf", "-.inf", ".nan",
    "2020-01-01", "2020-01-01 10:00:00 +5", "'2020-01-01'", "[1, two, 2020-01-01]",
    "{a: 1, b: [x, ~]}", "&a anchored", "*a", "&m {x: 1}", "!!str 5", "!!int 1", "!!float 2",
    "!!binary aGk=", "!!int nope", "._", "0x_", "=", "|\n  block\n   text\n",
    ">-\n  folded\n  text", "\u200f\u05e9\u202e", "\U0001f600", "9" * 5000, "'it''s'",
    "a #comment", "a:b", "- - x",
]  # fmt: skip
# Pieces that break a document, or name what it may not hold.
_BREAKING = [
    "?", "- -", "::", '"\\0"', '"\\ud800"', "*undefined", "!local", "!!python/object:os.system",
    "{", "[", "]", "|", "%YAML 1.1", "...", "<<: *m", "&a [1, *a]", "\t", "'", '"', "@", "`",
]  # fmt: skip
values = rarely(st.sampled_from(_VALUES) | st.text(max_size=6), st.sampled_from(_BREAKING))


@st.composite
def yaml_text_files(draw: st.DrawFn) -> GeneratedFile:
    """YAML written by hand: `key: value` lines with every kind of scalar, anchor, alias,
    tag and block, sometimes indented or listed, sometimes broken."""
    lines = []
    if not draw(one_in(10)):
        lines += ["title: Generated", "publishedDateTime: 2020-01-01"]
    for index in range(draw(st.integers(0, 8))):
        key = draw(rarely(st.just(f"k{index}"), st.sampled_from(["k0", "title", "<<", "? k", "1"])))
        value = draw(values)
        line = draw(
            rarely(
                st.just(f"{key}: {value}"),
                st.sampled_from([f"- {value}", f"  {key}: {value}", f" {value}", key]),
            )
        )
        lines.append(line)
    document = "\n".join(lines) + "\n"
    assume(not _has_delimiter_line(document))
    body = draw(bodies)
    text_content = f"---\n{document}---\n{body}"
    must_reject = "contains a NUL character" if "\x00" in text_content else None
    return GeneratedFile(text_content.encode(), document, body, must_reject)


# What the importer must have done


class _PairsLoader(yaml.CSafeLoader):
    """PyYAML's safe loader over libyaml (the parser the importer uses: PyYAML's own scanner
    refuses some valid YAML, such as a tab after `key:`), with the rules the importer
    documents: mappings as ordered (key, value) pairs, so that keys equal once read stay two;
    merge keys kept as the key `<<`; `=`, `!!binary` and numbers too big to build kept as
    their text."""


def _pairs(loader: _PairsLoader, node: yaml.MappingNode) -> list[tuple[Any, Any]]:
    return [
        (loader.construct_object(key, deep=True), loader.construct_object(value, deep=True))
        for key, value in node.value
    ]


class _Pairs(list[tuple[Any, Any]]):
    pass


def _as_written(loader: _PairsLoader, node: yaml.ScalarNode) -> str:
    return str(node.value)


def _number_or_text(build: Any) -> Any:
    def construct(loader: _PairsLoader, node: yaml.ScalarNode) -> Any:
        try:
            return build(loader, node)
        except ValueError:
            return str(node.value)

    return construct


_PairsLoader.add_constructor(
    "tag:yaml.org,2002:map", lambda loader, node: _Pairs(_pairs(loader, node))
)
_PairsLoader.add_constructor("tag:yaml.org,2002:merge", _as_written)
_PairsLoader.add_constructor("tag:yaml.org,2002:value", _as_written)
_PairsLoader.add_constructor("tag:yaml.org,2002:binary", _as_written)
_PairsLoader.add_constructor(
    "tag:yaml.org,2002:int", _number_or_text(yaml.SafeLoader.construct_yaml_int)
)
_PairsLoader.add_constructor(
    "tag:yaml.org,2002:float", _number_or_text(yaml.SafeLoader.construct_yaml_float)
)


def read_as_written(document: str) -> Any:
    """The front matter as PyYAML reads it, under the rules the importer documents.

    Raises:
        yaml.YAMLError: not one well-formed YAML document.
    """
    return yaml.load(document, Loader=_PairsLoader)


def _same_scalar(stored: Any, value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return isinstance(stored, float) and math.isnan(stored)
    return type(stored) is type(value) and stored == value


def _text_of(stored: Any, value: Any) -> bool:
    """Whether `stored` is text that YAML reads back as `value`."""
    if not isinstance(stored, str):
        return False
    try:
        again = yaml.safe_load(stored)
    except (yaml.YAMLError, ValueError):
        return False
    if isinstance(value, datetime) and isinstance(again, datetime):
        return again == value and (again.tzinfo is None) == (value.tzinfo is None)
    return _same_scalar(again, value)


def _kept_as_text(value: Any) -> bool:
    """Values the importer keeps as the text written wherever they are."""
    return isinstance(value, date) or (isinstance(value, float) and not math.isfinite(value))


def faithful(stored: Any, value: Any, as_text: bool = False) -> bool:
    """Whether the stored front matter is `value` (as `read_as_written` gives it)."""
    if isinstance(value, _Pairs):
        if not isinstance(stored, dict) or len(stored) != len(value):
            return False
        return all(
            (key == loaded_key or _text_of(key, loaded_key))
            and faithful(item, loaded, as_text or key in TEXT_KEYS)
            for (key, item), (loaded_key, loaded) in zip(stored.items(), value, strict=True)
        )
    if isinstance(value, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(value)
            and all(faithful(s, v, as_text) for s, v in zip(stored, value, strict=True))
        )
    if isinstance(value, str) or value is None:
        return stored == value
    if as_text or _kept_as_text(value):
        return _text_of(stored, value)
    return _same_scalar(stored, value)


@dataclass
class Outcomes:
    """How many generated files were imported, rejected and skipped, and why."""

    imported: int = 0
    rejected: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, other: "Outcomes") -> None:
        self.imported += other.imported
        self.rejected += other.rejected
        self.skipped += other.skipped
        self.reasons += other.reasons


class ScratchDatabase:
    """One SQLite database for many examples: `fresh()` brings back the migrated, empty
    state of `template` in place, so the engine (and its cache of compiled SQL) lives on."""

    def __init__(self, template: Path, folder: Path) -> None:
        self.template = template
        self.path = folder / "scratch.db"
        shutil.copyfile(template, self.path)
        self.engine = make_engine(f"sqlite:///{self.path}")

    def fresh(self) -> Engine:
        """The engine, over a database as empty as the template."""
        self.engine.dispose()  # no connection may hold the file while it is overwritten
        with (
            closing(sqlite3.connect(self.template)) as source,
            closing(sqlite3.connect(self.path)) as target,
        ):
            source.backup(target)
        return self.engine


@contextmanager
def scratch_database(template: Path) -> Iterator[ScratchDatabase]:
    """A ScratchDatabase in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="articles-scratch-") as folder:
        database = ScratchDatabase(template, Path(folder))
        try:
            yield database
        finally:
            database.engine.dispose()


def check_import(engine: Engine, files: list[GeneratedFile]) -> Outcomes:
    """Import the files beside a good one and check that each was imported faithfully or
    rejected (or skipped) with a reason, that the good one was imported, and that the
    database holds no partial article."""
    with tempfile.TemporaryDirectory(prefix="articles-generated-") as scratch:
        folder = Path(scratch)
        write_article(folder, "good.md")
        for index, generated in enumerate(files):
            (folder / f"case{index}.md").write_bytes(generated.content)

        report = import_paths(engine, [folder], max_file_bytes=LIMIT)

        refused = {r.path: r.reason for r in report.rejected + report.skipped}
        stored = _stored_sources(engine)
        outcomes = Outcomes()
        assert "good" in stored and str(folder / "good.md") not in refused
        for index, generated in enumerate(files):
            path, slug = str(folder / f"case{index}.md"), f"case{index}"
            if path in refused:
                assert slug not in stored, "a rejected file left an article"
                assert isinstance(refused[path], str) and refused[path].strip()
                assert not generated.must_import, f"a valid file was refused: {refused[path]}"
                outcomes.reasons[_reason_kind(refused[path])] += 1
                if any(path == s.path for s in report.skipped):
                    outcomes.skipped += 1
                else:
                    outcomes.rejected += 1
                continue
            assert generated.must_reject is None, f"imported: {generated.must_reject}"
            assert slug in stored, "a file neither imported nor rejected"
            _assert_faithful(stored[slug], generated)
            outcomes.imported += 1
        assert_consistent(engine)
        assert report.added == outcomes.imported + 1
    return outcomes


def _reason_kind(reason: str) -> str:
    """A reason without the particulars (values, offsets), to count reasons by kind."""
    if reason.startswith("YAML error: "):
        return reason[:60]
    return reason.split(":")[0].split("[")[0].split(" must ")[0][:60]


def _stored_sources(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT article.slug, article.title, article_source.front_matter, "
                "article_source.body, article_source.sha256, article_source.size "
                "FROM article JOIN article_source ON article_source.article_id = article.id"
            )
        ).mappings()
        return {row["slug"]: dict(row) for row in rows}


def _assert_faithful(row: dict[str, Any], generated: GeneratedFile) -> None:
    assert row["sha256"] == hashlib.sha256(generated.content).hexdigest()
    assert row["size"] == len(generated.content)
    assert generated.yaml is not None and generated.body is not None
    assert row["body"] == generated.body
    front_matter = row["front_matter"]
    front_matter = load_json(front_matter) if isinstance(front_matter, str) else front_matter
    assert faithful(front_matter, read_as_written(generated.yaml)), front_matter
    assert row["title"] == front_matter["title"]


# Checks every table of the database; each query counts rows that break a rule.
CONSISTENCY = {
    "article without source": "SELECT count(*) FROM article a WHERE NOT EXISTS "
    "(SELECT 1 FROM article_source s WHERE s.article_id = a.id)",
    "source without article": "SELECT count(*) FROM article_source s WHERE NOT EXISTS "
    "(SELECT 1 FROM article a WHERE a.id = s.article_id)",
    "topic link without article or topic": "SELECT count(*) FROM article_topic l WHERE "
    "NOT EXISTS (SELECT 1 FROM article a WHERE a.id = l.article_id) OR "
    "NOT EXISTS (SELECT 1 FROM topic t WHERE t.id = l.topic_id)",
    "image without article": "SELECT count(*) FROM image i WHERE NOT EXISTS "
    "(SELECT 1 FROM article a WHERE a.id = i.article_id)",
    "related link without article": "SELECT count(*) FROM related_link r WHERE NOT EXISTS "
    "(SELECT 1 FROM article a WHERE a.id = r.article_id)",
    "article with an unknown provider": "SELECT count(*) FROM article a WHERE a.provider_id "
    "IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provider p WHERE p.id = a.provider_id)",
    "topic miscounted or empty": "SELECT count(*) FROM topic t WHERE t.article_count = 0 OR "
    "t.article_count != (SELECT count(*) FROM article_topic l WHERE l.topic_id = t.id)",
    "provider miscounted or empty": "SELECT count(*) FROM provider p WHERE p.article_count = 0 "
    "OR p.article_count != (SELECT count(*) FROM article a WHERE a.provider_id = p.id)",
    "catalog miscounted": "SELECT count(*) FROM catalog "
    "WHERE article_count != (SELECT count(*) FROM article)",
}
SQLITE_CONSISTENCY = {
    "article missing from the search index": "SELECT count(*) FROM article a WHERE NOT EXISTS "
    "(SELECT 1 FROM article_search f WHERE f.rowid = a.id)",
    "search entry without article": "SELECT count(*) FROM article_search f WHERE NOT EXISTS "
    "(SELECT 1 FROM article a WHERE a.id = f.rowid)",
}


def assert_consistent(engine: Engine) -> None:
    """Fail if any table holds a row that breaks a rule: an orphan, a partial article, a
    count that does not add up."""
    checks = dict(CONSISTENCY)
    if engine.dialect.name == "sqlite":
        checks.update(SQLITE_CONSISTENCY)
    with engine.connect() as connection:
        broken = {
            rule: count
            for rule, query in checks.items()
            if (count := connection.execute(text(query)).scalar_one())
        }
    assert broken == {}
