"""The JSON answer of every route: orjson over wire-shaped dicts.

FastAPI's default path validates the returned value against the response model and then
serializes it; on a list page that costs several times the SQL. Services already build the
exact wire shape (documented by the models in `app.schemas`, checked by the tests), so routes
hand it straight to orjson and declare the model only for the OpenAPI document.
"""

from typing import Any

from starlette.responses import JSONResponse

from app.jsontext import dump_json_bytes


class JSONBody(JSONResponse):
    """`application/json` rendered with orjson. A `JSONResponse`, so that FastAPI documents the
    route's `response_model` under this media type (it documents any other class as a string)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dump_json_bytes(content)
