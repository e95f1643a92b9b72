"""JSON text for JSON columns: orjson's speed, the standard library where orjson refuses."""

import json
import re
from typing import Any

import orjson

# orjson reads an integer beyond 64 bits as a float, silently; any number that long goes to
# the standard library, which keeps it exact (a long digit run inside a string only costs time).
_LONG_DIGITS = re.compile("[0-9]{19}")
_LONG_DIGITS_BYTES = re.compile(b"[0-9]{19}")


def dump_json(value: Any) -> str:
    """Serialize `value`; integers beyond 64 bits (which YAML allows) fall back to `json`."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def load_json(text: str | bytes) -> Any:
    """Parse JSON text (orjson first; the standard library for integers beyond 64 bits)."""
    if isinstance(text, bytes):
        if _LONG_DIGITS_BYTES.search(text):
            return json.loads(text)
    elif _LONG_DIGITS.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dump_json_bytes(value: Any) -> bytes:
    """Like `dump_json`, as UTF-8 bytes for an HTTP body."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False).encode()
