"""The OpenAPI document describes everything; /docs and /redoc work without the internet."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

EXPECTED_OPERATIONS = {
    ("get", "/articles"),
    ("get", "/articles/{slug}"),
    ("get", "/articles/{slug}/related"),
    ("get", "/topics"),
    ("get", "/topics/{slug}"),
    ("get", "/topics/{slug}/articles"),
    ("get", "/providers"),
    ("get", "/providers/{domain}"),
    ("get", "/providers/{domain}/articles"),
    ("get", "/changes"),
    ("get", "/health"),
    *(
        ("get", f"{scope}articles{suffix}")
        for scope in ("/", "/topics/{slug}/", "/providers/{domain}/")
        for suffix in (".atom", ".feed.json", ".csv")
    ),
}
LIST_PARAMETERS = {
    "q", "topic", "provider", "type", "published", "from", "to", "min_quality", "max_quality",
    "sort", "limit", "cursor", "facets",
}  # fmt: skip
ARTICLE_LISTS = ["/articles", "/topics/{slug}/articles", "/providers/{domain}/articles"]
FORMATS = {
    ".atom": "application/atom+xml",
    ".feed.json": "application/feed+json",
    ".csv": "text/csv",
}
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def parameter_examples(parameter: dict[str, Any]) -> list[Any]:
    """The examples a parameter documents, wherever OpenAPI 3.1 lets them sit."""
    found: list[Any] = []
    schema = parameter.get("schema", {})
    for holder in (parameter, schema):
        if "example" in holder:
            found.append(holder["example"])
        examples = holder.get("examples")
        if isinstance(examples, list):
            found.extend(examples)
        elif isinstance(examples, dict):
            found.extend(example.get("value") for example in examples.values())
    return found


@pytest.fixture
def openapi(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_openapi_lists_every_endpoint(openapi: dict[str, Any]) -> None:
    assert {(method, path) for method, path, _ in operations(openapi)} == EXPECTED_OPERATIONS
    assert openapi["info"]["title"] == "Curated Articles API"
    assert openapi["info"]["description"].strip()


def test_every_endpoint_has_a_description(openapi: dict[str, Any]) -> None:
    for method, path, operation in operations(openapi):
        description = operation.get("description", "")
        assert len(description.strip()) >= 20, (method, path)


def test_every_parameter_has_a_description_and_an_example(openapi: dict[str, Any]) -> None:
    seen = 0
    for method, path, operation in operations(openapi):
        for parameter in operation.get("parameters", []):
            seen += 1
            where = (method, path, parameter["name"])
            assert parameter.get("description", "").strip(), where
            examples = parameter_examples(parameter)
            assert examples, where
            assert all(example is not None for example in examples), where
    assert seen >= 3 * len(LIST_PARAMETERS) + 2


@pytest.mark.parametrize("path", ARTICLE_LISTS)
def test_every_article_list_documents_every_filter(openapi: dict[str, Any], path: str) -> None:
    parameters = openapi["paths"][path]["get"]["parameters"]
    query = {p["name"] for p in parameters if p["in"] == "query"}
    assert query == LIST_PARAMETERS
    sort = next(p for p in parameters if p["name"] == "sort")
    enum = next(s["enum"] for s in sort["schema"]["anyOf"] if "enum" in s)
    assert enum == ["relevance", "newest", "oldest", "quality", "heat"]
    assert "default" not in sort["schema"]  # relevance with q, newest without
    assert "`relevance`" in sort["description"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    assert limit["schema"]["default"] == 25


@pytest.mark.parametrize("path", ARTICLE_LISTS)
@pytest.mark.parametrize("suffix", list(FORMATS))
def test_every_feed_and_csv_form_documents_its_media_type_and_the_lists_filters(
    openapi: dict[str, Any], path: str, suffix: str
) -> None:
    operation = openapi["paths"][f"{path}{suffix}"]["get"]
    answer = operation["responses"]["200"]
    assert answer["description"].strip()
    assert list(answer["content"]) == [FORMATS[suffix]]
    query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    # Facets belong to JSON pages only.
    filters = LIST_PARAMETERS - {"sort", "limit", "cursor", "facets"}
    assert query == (filters | {"sort"} if suffix == ".csv" else LIST_PARAMETERS - {"facets"})
    sort = next(p for p in operation["parameters"] if p["name"] == "sort")["schema"]
    if suffix == ".csv":
        assert sort["anyOf"][0]["enum"] == ["relevance", "newest", "oldest", "quality", "heat"]
    else:
        assert sort["const"] == "newest"
    assert "422" in operation["responses"]
    assert ("404" in operation["responses"]) == ("{" in path)


def test_json_feed_answer_documents_the_json_feed_document(openapi: dict[str, Any]) -> None:
    answer = openapi["paths"]["/articles.feed.json"]["get"]["responses"]["200"]
    schema = answer["content"]["application/feed+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/JSONFeed"}
    document = openapi["components"]["schemas"]["JSONFeed"]
    assert {"version", "title", "feed_url", "next_url", "items"} <= set(document["properties"])


def test_parameter_examples_are_valid_requests(client: TestClient, openapi: dict[str, Any]) -> None:
    parameters = openapi["paths"]["/articles"]["get"]["parameters"]
    query = {p["name"]: parameter_examples(p)[0] for p in parameters if p["name"] != "cursor"}
    response = client.get("/articles", params=query)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/articles", "422"), ("get", "/articles/{slug}", "404"),
     ("get", "/articles/{slug}/related", "404"), ("get", "/topics/{slug}", "404"),
     ("get", "/topics/{slug}/articles", "404"), ("get", "/topics/{slug}/articles", "422"),
     ("get", "/providers", "422"), ("get", "/providers/{domain}", "404"),
     ("get", "/providers/{domain}/articles", "404"),
     ("get", "/providers/{domain}/articles", "422"), ("get", "/health", "503")],
)  # fmt: skip
def test_problem_answers_are_documented_as_problem_json(
    openapi: dict[str, Any], method: str, path: str, status: str
) -> None:
    response = openapi["paths"][path][method]["responses"][status]
    assert response["description"].strip()
    schema = response["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Problem"}
    problem = openapi["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "parameter"} <= set(problem["properties"])


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html, re.IGNORECASE)
    assets = ASSET.findall(html)
    scripts = [asset for asset in assets if asset.endswith(".js")]
    assert scripts, "the page loads no script"
    for asset in assets:
        assert asset.startswith("/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset
    assert "/openapi.json" in html


def test_swagger_ui_loads_its_stylesheet_locally(client: TestClient) -> None:
    html = client.get("/docs").text
    stylesheets = [asset for asset in ASSET.findall(html) if asset.endswith(".css")]
    assert stylesheets
    for stylesheet in stylesheets:
        response = client.get(stylesheet)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/css")


def test_every_documented_error_is_a_problem_document_and_only_where_it_can_happen(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()

    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (
                        path, method, status,
                    )  # fmt: skip
            assert ("422" in operation["responses"]) == has_query, (path, method)
