"""The app against its own OpenAPI document (schemathesis): for requests generated from every
operation, valid and invalid, no answer is a server error, and every answer is documented:
its status code, its content type and its body's schema.

Kept small for the suite (a few examples per operation and mode); `python -m
tests.stress.fuzz_api` runs the same checks with many more.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.case import Case
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation, BaseSchema

from app.main import create_app
from app.settings import Settings
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, SEED_SLUG

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Path parameters naming what the real article files hold, so that generated requests also
# reach the answers about existing things, not only 404s.
EXISTING = {"slug": [SEED_SLUG, "ai", "computer-vision"], "domain": ["forbes.com"]}


def cases(operation: APIOperation, mode: GenerationMode) -> st.SearchStrategy[Case]:
    """Requests for `operation`: generated throughout, or with existing path parameters."""
    names = [p.name for p in operation.path_parameters]
    existing = [
        operation.as_strategy(mode, path_parameters={name: value for name in names})
        for value in {value for name in names for value in EXISTING.get(name, [])}
    ]
    return st.one_of(operation.as_strategy(mode), *existing)


def operations(schema: BaseSchema) -> list[APIOperation]:
    return [result.ok() for result in schema.get_all_operations()]


def query_names(operation: APIOperation) -> frozenset[str]:
    return frozenset(p.name for p in operation.iter_parameters() if p.location == "query")


def negative_targets(found: list[APIOperation]) -> list[APIOperation]:
    """One operation per set of query parameters: invalid requests are costly to generate, and
    the lists (of articles, of a topic's, ...) share theirs. Without query parameters there is
    nothing to get wrong but the path, and any text is a valid slug (an unknown one is a 404)."""
    chosen: dict[frozenset[str], APIOperation] = {}
    for operation in found:
        names = query_names(operation)
        if names:
            chosen.setdefault(names, operation)
    return list(chosen.values())


def send(client: TestClient, case: Case) -> httpx.Response:
    """Send a generated request through `client` (one client for a whole run: schemathesis's
    own transport would start the app, and its lifespan, for every request)."""
    request = case.as_transport_kwargs(base_url=str(client.base_url))
    assert not request.pop("cookies", None)
    return client.request(**request)


def fuzz(client: TestClient, operation: APIOperation, mode: GenerationMode, examples: int) -> None:
    """Send `examples` generated requests for `operation` and check every answer."""

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        derandomize=examples <= 100,  # the suite's runs repeat exactly; long runs explore
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    @hypothesis.given(cases(operation, mode))
    def run(case: Case) -> None:
        case.validate_response(send(client, case), checks=CHECKS)

    run()


@pytest.fixture
def api(settings: Settings, import_files: ImportFiles) -> Iterator[tuple[TestClient, BaseSchema]]:
    """A client of the app over the real article files, and the app's OpenAPI document."""
    assert import_files(FIXTURES).rejected == []
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, schemathesis.openapi.from_dict(client.get("/openapi.json").json())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented_and_never_fails(
    api: tuple[TestClient, BaseSchema], subtests: pytest.Subtests, mode: GenerationMode
) -> None:
    client, schema = api
    found = operations(schema)
    assert len(found) >= 20
    targets = negative_targets(found) if mode is GenerationMode.NEGATIVE else found
    for operation in targets:
        with subtests.test(msg=operation.label):
            fuzz(client, operation, mode, examples=6)


def test_every_json_answer_documents_its_model(client: TestClient) -> None:
    spec: dict[str, Any] = client.get("/openapi.json").json()
    for path, operations_of_path in spec["paths"].items():
        for operation in operations_of_path.values():
            for media, content in operation["responses"]["200"].get("content", {}).items():
                if "json" in media:
                    assert content["schema"] != {"type": "string"}, (path, media)
                    assert "$ref" in content["schema"], (path, media)
