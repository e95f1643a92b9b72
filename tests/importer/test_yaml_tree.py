"""yaml_tree: a YAML document -> JSON-compatible values, with lines, limits and no surprises."""

import time

import pytest
import yaml

from app.importer.yaml_tree import (
    MAX_ALIAS_CHARS,
    MAX_DEPTH,
    MAX_NODES,
    TEXT_KEYS,
    Document,
    YAMLTreeError,
    compose,
    to_document,
)


def convert(text: str) -> Document:
    return to_document(compose(text))


def refusal(text: str) -> YAMLTreeError:
    with pytest.raises(YAMLTreeError) as caught:
        convert(text)
    return caught.value


def test_to_document_builds_plain_json_values() -> None:
    doc = convert(
        "int: 42\nneg: -1\nfloat: 1.5\nbool: true\nno: false\nnull: ~\ntext: hello\n"
        "list: [1, two]\nmap: {a: 1}\nquoted: '42'\n"
    )

    assert doc.value == {
        "int": 42,
        "neg": -1,
        "float": 1.5,
        "bool": True,
        "no": False,
        "null": None,
        "text": "hello",
        "list": [1, "two"],
        "map": {"a": 1},
        "quoted": "42",
    }


def test_to_document_keeps_timestamps_and_non_finite_floats_as_their_text() -> None:
    doc = convert("when: 2020-06-17T19:02:00Z\nday: 2020-06-17\ninf: .inf\nnan: .NaN\nneg: -.inf\n")

    assert doc.value == {
        "when": "2020-06-17T19:02:00Z",
        "day": "2020-06-17",
        "inf": ".inf",
        "nan": ".NaN",
        "neg": "-.inf",
    }


@pytest.mark.parametrize("key", sorted(TEXT_KEYS))
def test_to_document_keeps_every_value_under_a_text_key_as_text(key: str) -> None:
    doc = convert(f"{key}: [2020, yes, 1.5, 2020-01-01, {{n: 7}}]\nother: [2020, yes]\n")

    assert doc.value == {
        key: ["2020", "yes", "1.5", "2020-01-01", {"n": "7"}],
        "other": [2020, True],
    }


def test_to_document_applies_text_keys_at_any_depth() -> None:
    doc = convert("related:\n  - title: 2020\n    quality: 3\n    provider: {name: yes}\n")

    assert doc.value == {"related": [{"title": "2020", "quality": 3, "provider": {"name": "yes"}}]}


def test_to_document_keeps_explicit_binary_and_str_tags_as_text() -> None:
    doc = convert("b: !!binary aGVsbG8=\ns: !!str 5\nt: !!timestamp 2020-01-01\n")

    assert doc.value == {"b": "aGVsbG8=", "s": "5", "t": "2020-01-01"}


def test_to_document_accepts_the_standard_collection_tags() -> None:
    doc = convert("m: !!map {a: 1}\ns: !!seq [1]\nset: !!set {x, y}\no: !!omap [{a: 1}]\n")

    assert doc.value == {"m": {"a": 1}, "s": [1], "set": {"x": None, "y": None}, "o": [{"a": 1}]}


def test_to_document_of_an_empty_document_is_none() -> None:
    assert convert("").value is None
    assert convert("# just a comment\n").value is None
    assert to_document(None).value is None


def test_document_knows_the_line_of_each_mapping_value() -> None:
    doc = convert("a: 1\nb:\n  c: [x]\n  d:\n    - 2\n")

    assert doc.line_of(doc.value, "a") == 1
    assert doc.line_of(doc.value, "b") == 3
    assert doc.line_of(doc.value["b"], "c") == 3
    assert doc.line_of(doc.value["b"], "d") == 5
    assert doc.line_of(doc.value, "missing") is None
    assert doc.line_of({"a": 1}, "a") is None  # a mapping of another document


def test_to_document_refuses_a_duplicate_key_with_its_line() -> None:
    refused = refusal("a: 1\nb:\n  x: 1\n  x: 2\n")

    assert refused.message == "duplicate key 'x'"
    assert refused.line == 4


def test_to_document_refuses_keys_that_collide_once_read_as_text() -> None:
    refused = refusal("1: a\n'1': b\n")

    assert refused.message == "duplicate key '1'"
    assert refused.line == 2


def test_to_document_refuses_a_complex_key() -> None:
    refused = refusal("? {a: 1}\n: x\n")

    assert refused.message == "a mapping key must be plain text"
    assert refused.line == 1


@pytest.mark.parametrize(
    "text, tag",
    [
        ("x: !!python/object:os.system ls\n", "tag:yaml.org,2002:python/object:os.system"),
        (
            "x: !!python/object/apply:os.system [ls]\n",
            "tag:yaml.org,2002:python/object/apply:os.system",
        ),
        ("x: !!python/object/new:dict {a: 1}\n", "tag:yaml.org,2002:python/object/new:dict"),
        ("x: !custom 1\n", "!custom"),
        ("x: !custom [1]\n", "!custom"),
        ("x: !<tag:example.com,2020:thing> 1\n", "tag:example.com,2020:thing"),
    ],
)
def test_to_document_refuses_an_unsupported_tag(text: str, tag: str) -> None:
    refused = refusal(text)

    assert refused.message == f"unsupported YAML tag {tag!r}"
    assert refused.line == 1


@pytest.mark.parametrize(
    "written, value",
    [
        ("!!int abc", "abc"),
        ("!!float x", "x"),
        ("!!bool maybe", "maybe"),
        ("._", "._"),
        ("0x_", "0x_"),
    ],
)
def test_to_document_keeps_the_text_of_a_scalar_it_cannot_build(written: str, value: str) -> None:
    assert convert(f"x: {written}\n").value == {"x": value}


def test_to_document_counts_every_value_an_alias_expands_to() -> None:
    doc = convert("a: &x [1, 2]\nb: *x\nc: *x\n")

    assert doc.value == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}
    assert doc.value["b"] is not doc.value["c"]


def test_to_document_refuses_more_than_max_nodes_values() -> None:
    items = ", ".join("1" for _ in range(MAX_NODES))

    refused = refusal(f"big: [{items}]\n")

    assert refused.message.startswith(f"document too large: more than {MAX_NODES} values")
    assert refused.line == 1


def test_to_document_accepts_exactly_max_nodes_values() -> None:
    # The mapping, its key's value list and MAX_NODES - 2 items: MAX_NODES values in all.
    items = ", ".join("1" for _ in range(MAX_NODES - 2))

    doc = convert(f"big: [{items}]\n")

    assert len(doc.value["big"]) == MAX_NODES - 2


def test_to_document_accepts_max_depth_and_refuses_one_level_more() -> None:
    # The root list is depth 0, so MAX_DEPTH + 1 brackets reach depth MAX_DEPTH.
    deepest = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    too_deep = "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2)

    assert convert(deepest).value is not None
    refused = refusal(too_deep)
    assert refused.message == f"document nested deeper than {MAX_DEPTH} levels"
    assert refused.line == 1


def test_compose_refuses_more_than_one_document() -> None:
    with pytest.raises(yaml.YAMLError):
        compose("a: 1\n---\nb: 2\n")


def test_compose_reports_a_syntax_error_with_its_mark() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        compose("a: 1\nb: [x\nc: 2\n")

    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line == 2  # zero-based: the third line


@pytest.mark.parametrize(
    "text",
    ['x: "a\\0b"\n', 'x: ["\\x00"]\n', 'x: {y: "\\u0000"}\n', '"\\0": 1\n', 'title: "\\0"\n'],
)
def test_to_document_refuses_text_with_a_nul_character_in_a_value_or_a_key(text: str) -> None:
    refused = refusal(text)

    assert refused.message == "text contains a NUL character (\\0), which cannot be stored"
    assert refused.line == 1


def test_to_document_refuses_aliases_that_repeat_a_long_text_too_often() -> None:
    # 2,000 values, far below the node budget, but 200 MB of text once expanded.
    text = f"a: &a {'x' * 100_000}\nb: [{', '.join(['*a'] * 2_000)}]\n"
    start = time.process_time()

    refused = refusal(text)

    assert time.process_time() - start < 1
    assert refused.message == (
        f"document too large: aliases repeat more than {MAX_ALIAS_CHARS} characters of text"
    )
    assert refused.line == 1  # where the repeated text is


def test_to_document_accepts_aliases_that_repeat_text_within_the_allowance() -> None:
    copies = MAX_ALIAS_CHARS // 10_000
    text = f"a: &a {'x' * 10_000}\nb: [{', '.join(['*a'] * (copies - 1))}]\n"

    doc = convert(text)

    assert len(doc.value["b"]) == copies - 1
    assert doc.value["b"][-1] == "x" * 10_000


def test_compose_refuses_too_many_values_quickly_without_building_the_tree() -> None:
    text = "big: [" + ", ".join("1" for _ in range(500_000)) + "]\n"
    start = time.process_time()

    with pytest.raises(YAMLTreeError) as caught:
        compose(text)

    assert time.process_time() - start < 1
    assert caught.value.message.startswith(f"document too large: more than {MAX_NODES} values")
    assert caught.value.line == 1


def test_compose_counts_values_as_to_document_does_not_counting_keys() -> None:
    # The root mapping is one value and each key brings one more, its value: the value of the
    # key on line MAX_NODES is one too many. Counting keys would refuse near line MAX_NODES / 2.
    text = "".join(f"k{index}: {index}\n" for index in range(MAX_NODES))

    with pytest.raises(YAMLTreeError) as caught:
        compose(text)

    assert caught.value.line == MAX_NODES
