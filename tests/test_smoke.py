from fastapi.testclient import TestClient

from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, SEED_SLUG


def test_seed_article_is_served_after_import(client: TestClient, import_files: ImportFiles) -> None:
    report = import_files(FIXTURES)
    assert report.rejected == []
    response = client.get("/articles")
    assert response.status_code == 200
    assert SEED_SLUG in [item["slug"] for item in response.json()["items"]]
