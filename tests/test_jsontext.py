"""JSON text for JSON columns: what is written reads back as the same value and type."""

import pytest

from app.jsontext import dump_json, load_json


@pytest.mark.parametrize(
    "number",
    [2**63 - 1, 2**63, 2**64, 2**100, -(2**63), -(2**63) - 1, -(2**100)],
    ids=str,
)
def test_an_integer_of_any_size_reads_back_as_the_same_integer(number: int) -> None:
    value = {"n": number, "list": [number], "text": "0123456789" * 3}

    for text in (dump_json(value), dump_json(value).encode()):
        loaded = load_json(text)
        assert loaded == value
        assert type(loaded["n"]) is int


def test_floats_and_long_digit_runs_in_text_read_back_unchanged() -> None:
    value = {"f": 1.2345678901234568e29, "z": -0.0, "id": "12345678901234567890123"}

    loaded = load_json(dump_json(value))

    assert loaded == value
    assert str(loaded["z"]) == "-0.0"
