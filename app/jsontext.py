"""JSON text for JSON columns: orjson's speed, the standard library where orjson refuses."""

import json
from typing import Any

import orjson


def dump_json(value: Any) -> str:
    """Serialize `value`; integers beyond 64 bits (which YAML allows) fall back to `json`."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def load_json(text: str | bytes) -> Any:
    """Parse JSON text (orjson first; the standard library for integers beyond 64 bits)."""
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
