"""Safe, bounded conversion of a YAML document into JSON-compatible Python values.

PyYAML's C composer builds the node tree; we construct the values ourselves instead of with
`yaml.CSafeLoader`'s constructor so that:
- text fields keep the text that was written (`title: 2020-01-01` stays a string, not a date),
- no value outside JSON is produced (timestamps and non-finite floats keep their text),
- duplicate keys are an error instead of a silent overwrite,
- text with a NUL character is refused (no database stores it faithfully in every column),
- alias bombs and absurd nesting are refused after a fixed budget of nodes, text and depth,
  and a document with too many nodes is refused before its tree is built.
"""

import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

JSONValue = Any

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP = (
    _TAG + "str",
    _TAG + "null",
    _TAG + "bool",
    _TAG + "int",
    _TAG + "float",
    _TAG + "timestamp",
)
# Scalar tags that are kept as their text; anything else (e.g. `!python/object`) is refused.
_TEXT_TAGS = {_STR, _TIMESTAMP, _TAG + "binary", _TAG + "value", _TAG + "merge", _TAG + "yaml"}
_COLLECTION_TAGS = {_TAG + "map", _TAG + "seq", _TAG + "omap", _TAG + "pairs", _TAG + "set"}

# Keys whose scalar values are always taken as written, whatever YAML would make of them.
TEXT_KEYS = frozenset(
    {
        "category", "title", "excerpt", "publishedDateTime", "originalUrl", "webUrl",
        "ampWebUrl", "cdnAmpWebUrl", "type", "secured", "featuredContent", "name", "domain",
        "url", "topics",
    }
)  # fmt: skip

MAX_NODES = 50_000
MAX_DEPTH = 50
# Characters aliases may add to a document's own text: a few repeated values are fine, a long
# text repeated thousands of times (a bomb that the node budget alone lets through) is not.
MAX_ALIAS_CHARS = 1_000_000

_scalars = SafeConstructor()


class YAMLTreeError(ValueError):
    """The document cannot be turned into JSON-compatible values; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Document:
    """A converted document and the line (1-based, in the YAML text) of each mapping value."""

    value: JSONValue
    lines: dict[tuple[int, str], int] = field(default_factory=dict)

    def line_of(self, container: dict[str, Any], key: str) -> int | None:
        """Return the line of `container[key]`, if it came from this document."""
        return self.lines.get((id(container), key))


def compose(text: str) -> Node | None:
    """Parse YAML text into a node tree (one document).

    Raises:
        yaml.YAMLError: the text is not one well-formed YAML document.
        YAMLTreeError: the document has more than MAX_NODES values.
    """
    # Any value takes at least a character, so only a longer text can hold too many; count
    # them from the event stream first, which is fast and small, unlike a tree of nodes.
    if len(text) > MAX_NODES:
        _count_values(text)
    return yaml.compose(text, Loader=_Loader)


def _count_values(text: str) -> None:
    """Count the values `to_document` would count (every node but mapping keys; an alias
    once, so never more than it counts).

    Raises:
        YAMLTreeError: more than MAX_NODES values.
    """
    parser = _Loader(text)
    # For each open collection: [is a mapping, the next node is a key].
    open_collections: list[list[bool]] = []
    values = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, ScalarEvent | AliasEvent | CollectionStartEvent):
                inside = open_collections[-1] if open_collections else None
                is_key = inside is not None and inside[0] and inside[1]
                if inside is not None and inside[0]:
                    inside[1] = not inside[1]
                if not is_key:
                    values += 1
                    if values > MAX_NODES:
                        mark = event.start_mark
                        raise YAMLTreeError(_TOO_MANY, None if mark is None else mark.line + 1)
                if isinstance(event, CollectionStartEvent):
                    open_collections.append([isinstance(event, MappingStartEvent), True])
            elif isinstance(event, CollectionEndEvent):
                open_collections.pop()
    finally:
        parser.dispose()


def to_document(node: Node | None) -> Document:
    """Convert a node tree into plain values.

    Raises:
        YAMLTreeError: unsupported tag, duplicate or complex key, too many nodes or too deep.
    """
    doc = Document(value=None)
    if node is None:
        return doc
    own_text = int(node.end_mark.index) - int(node.start_mark.index)
    budget = _Budget(nodes=MAX_NODES, chars=own_text + MAX_ALIAS_CHARS)
    doc.value = _convert(node, doc, budget, 0, as_text=False)
    return doc


_TOO_MANY = f"document too large: more than {MAX_NODES} values (alias expansion?)"


@dataclass
class _Budget:
    """What is left of the limits while a document is converted."""

    nodes: int
    chars: int

    def spend(self, node: Node, chars: int) -> None:
        """Count one value of `chars` characters (keys included).

        Raises:
            YAMLTreeError: a limit is exceeded.
        """
        self.nodes -= 1
        self.chars -= chars
        if self.nodes < 0:
            raise YAMLTreeError(_TOO_MANY, _line(node))
        if self.chars < 0:
            raise YAMLTreeError(
                "document too large: aliases repeat more than "
                f"{MAX_ALIAS_CHARS} characters of text",
                _line(node),
            )


def _text(value: str, node: Node) -> str:
    """`value`, unless it holds a NUL character (PostgreSQL refuses it in text, and SQLite's
    text functions stop at it).

    Raises:
        YAMLTreeError: `value` contains a NUL character.
    """
    if "\x00" in value:
        raise YAMLTreeError(
            "text contains a NUL character (\\0), which cannot be stored", _line(node)
        )
    return value


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _convert(node: Node, doc: Document, budget: _Budget, depth: int, as_text: bool) -> Any:
    budget.spend(node, len(node.value) if isinstance(node, ScalarNode) else 0)
    if depth > MAX_DEPTH:
        raise YAMLTreeError(f"document nested deeper than {MAX_DEPTH} levels", _line(node))
    if isinstance(node, ScalarNode):
        value = _scalar(node, as_text)
        return _text(value, node) if isinstance(value, str) else value
    if node.tag not in _COLLECTION_TAGS:
        raise YAMLTreeError(f"unsupported YAML tag {node.tag!r}", _line(node))
    if isinstance(node, SequenceNode):
        return [_convert(item, doc, budget, depth + 1, as_text) for item in node.value]
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YAMLTreeError("a mapping key must be plain text", _line(key_node))
            key = _text(str(key_node.value), key_node)
            budget.chars -= len(key)
            if key in result:
                raise YAMLTreeError(f"duplicate key {key!r}", _line(key_node))
            text_value = as_text or key in TEXT_KEYS
            result[key] = _convert(value_node, doc, budget, depth + 1, text_value)
            doc.lines[(id(result), key)] = _line(value_node)
        return result
    raise YAMLTreeError(f"unsupported YAML node {type(node).__name__}", _line(node))


def _scalar(node: ScalarNode, as_text: bool) -> Any:
    tag = node.tag
    if tag == _NULL:
        return None
    if as_text or tag in _TEXT_TAGS:
        return str(node.value)
    try:
        if tag == _BOOL:
            return _scalars.construct_yaml_bool(node)
        if tag == _INT:
            return _scalars.construct_yaml_int(node)
        if tag == _FLOAT:
            number = _scalars.construct_yaml_float(node)
            # JSON has no inf or nan: keep what was written rather than invent a number.
            return number if math.isfinite(number) else str(node.value)
    except (ValueError, KeyError):
        # An explicit tag on text that is no such value (`!!int abc`), or a plain scalar that
        # PyYAML's resolver takes for a number it cannot build (`._`, `0x_`): keep the text,
        # and let the field's own check say what it expected.
        return str(node.value)
    raise YAMLTreeError(f"unsupported YAML tag {tag!r}", _line(node))
