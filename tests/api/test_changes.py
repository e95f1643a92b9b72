"""/changes: a client that follows the sync tokens ends with exactly the current collection."""

import base64
import random
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_problem, next_link, walk
from tests.conftest import ImportFiles
from tests.helpers import write_article


def changes(client: TestClient, since: str | None = None, limit: int = 100) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if since is not None:
        params["since"] = since
    response = client.get("/changes", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    link = next_link(response)
    assert (link is not None) == page["hasMore"]
    return page


def summary(changes_: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(change["change"], change["slug"]) for change in changes_]


class Replica:
    """A client's copy of the collection, kept by applying /changes in order."""

    def __init__(self) -> None:
        self.articles: dict[str, dict[str, Any]] = {}
        self.token: str | None = None

    def sync_page(self, client: TestClient, limit: int) -> bool:
        page = changes(client, self.token, limit)
        assert len(page["changes"]) <= limit
        for change in page["changes"]:
            if change["change"] == "removed":
                self.articles.pop(change["slug"], None)
            else:
                assert change["article"]["slug"] == change["slug"]
                self.articles[change["slug"]] = change["article"]
        self.token = page["nextToken"]
        return bool(page["hasMore"])

    def sync(self, client: TestClient, limit: int = 100) -> None:
        for _ in range(10_000):
            if not self.sync_page(client, limit):
                return
        raise AssertionError("the change log does not end")


def current(client: TestClient) -> dict[str, dict[str, Any]]:
    return {item["slug"]: item for item in walk(client, "/articles", {"limit": 100})}


def test_without_a_token_every_article_comes_as_added_oldest_import_first(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    write_article(tmp_path / "one", "b.md", title="B")
    import_files(tmp_path / "one")
    write_article(tmp_path / "two", "a.md", title="A")
    import_files(tmp_path / "two")

    page = changes(client)

    assert summary(page["changes"]) == [("added", "b"), ("added", "a")]
    assert page["changes"][0]["article"] == current(client)["b"]
    assert page["hasMore"] is False


def test_an_empty_collection_has_no_changes_and_a_token(client: TestClient) -> None:
    page = changes(client)

    assert page["changes"] == []
    assert page["hasMore"] is False
    assert changes(client, page["nextToken"])["changes"] == []


def test_after_a_token_come_exactly_the_additions_updates_and_removals_since_in_order(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    folder = tmp_path / "articles"
    for name in ("keep", "edit", "gone"):
        write_article(folder, f"{name}.md", title=name)
    import_files(folder)
    token = changes(client)["nextToken"]

    write_article(folder, "edit.md", title="edited")
    write_article(folder, "new.md", title="new")
    (folder / "gone.md").unlink()
    import_files(folder, prune=True)
    page = changes(client, token)

    assert sorted(summary(page["changes"])) == [
        ("added", "new"),
        ("removed", "gone"),
        ("updated", "edit"),
    ]
    by_slug = {change["slug"]: change for change in page["changes"]}
    assert by_slug["edit"]["article"]["title"] == "edited"
    removal = by_slug["gone"]
    assert set(removal) == {"change", "slug", "removedAt"}
    assert removal["removedAt"].endswith("Z")
    assert changes(client, page["nextToken"])["changes"] == []


def test_an_import_that_changes_nothing_adds_nothing_to_the_log(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    write_article(tmp_path, "a.md")
    import_files(tmp_path)
    token = changes(client)["nextToken"]

    import_files(tmp_path)

    page = changes(client, token)
    assert page["changes"] == []
    assert page["nextToken"] == token


def test_an_article_changed_twice_is_reported_once_as_it_is_now(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    write_article(tmp_path, "a.md", title="first")
    write_article(tmp_path, "b.md", title="b")
    import_files(tmp_path)
    token = changes(client)["nextToken"]
    write_article(tmp_path, "a.md", title="second")
    import_files(tmp_path)
    write_article(tmp_path, "a.md", title="third")
    import_files(tmp_path)

    page = changes(client, token)

    assert summary(page["changes"]) == [("updated", "a")]
    assert page["changes"][0]["article"]["title"] == "third"


def test_an_article_removed_and_back_again_is_added_and_its_tombstone_goes(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "a.md")
    write_article(folder, "b.md")
    import_files(folder)
    token = changes(client)["nextToken"]
    (folder / "a.md").unlink()
    import_files(folder, prune=True)
    assert summary(changes(client, token)["changes"]) == [("removed", "a")]

    write_article(folder, "a.md", title="back")
    import_files(folder)

    page = changes(client, token)
    assert summary(page["changes"]) == [("added", "a")]
    assert summary(changes(client)["changes"]) == [("added", "b"), ("added", "a")]


def test_pages_follow_one_another_through_the_link_header_and_the_token(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    for index in range(7):
        write_article(tmp_path, f"a{index}.md")
    import_files(tmp_path)

    seen: list[str] = []
    response = client.get("/changes", params={"limit": 3})
    while True:
        page = response.json()
        seen.extend(change["slug"] for change in page["changes"])
        link = next_link(response)
        if link is None:
            assert page["hasMore"] is False
            break
        assert f"since={page['nextToken']}" in link
        response = client.get(link)

    assert sorted(seen) == [f"a{index}" for index in range(7)]
    assert len(seen) == 7


def test_a_client_syncing_page_by_page_while_imports_run_ends_with_the_current_collection(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    rng = random.Random(20201117)
    folder = tmp_path / "articles"
    alive: set[str] = set()
    replica = Replica()

    def one_import(round_: int) -> None:
        for _ in range(rng.randint(1, 6)):
            name = f"a{rng.randint(0, 29)}"
            if name in alive and rng.random() < 0.4:
                (folder / f"{name}.md").unlink()
                alive.discard(name)
            else:
                write_article(folder, f"{name}.md", title=f"{name} in round {round_}")
                alive.add(name)
        import_files(folder, prune=True)

    for round_ in range(25):
        one_import(round_)
        # A few pages between imports, so that imports land in the middle of a walk.
        for _ in range(rng.randint(0, 3)):
            if not replica.sync_page(client, limit=rng.randint(1, 4)):
                break

    replica.sync(client, limit=3)
    assert replica.articles == current(client)
    assert set(replica.articles) == alive


def test_a_fresh_client_and_a_long_running_one_agree(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    folder = tmp_path / "articles"
    early = Replica()
    for round_ in range(5):
        write_article(folder, f"r{round_}.md", title=f"round {round_}")
        write_article(folder, "shared.md", title=f"shared {round_}")
        if round_ == 3:
            (folder / "r1.md").unlink()
        import_files(folder, prune=True)
        early.sync(client, limit=2)
    late = Replica()
    late.sync(client, limit=2)

    assert early.articles == late.articles == current(client)


@pytest.mark.parametrize("token", ["not a token!", "%%%", "bm90LWEtdG9rZW4", "Lg", "YS4tNQ"])
def test_a_malformed_token_is_a_422_naming_since(client: TestClient, token: str) -> None:
    assert_problem(client.get("/changes", params={"since": token}), 422, "since")


def test_a_token_of_another_database_or_from_its_future_is_410_gone(
    tmp_path: Path, import_files: ImportFiles, client: TestClient
) -> None:
    write_article(tmp_path, "a.md")
    import_files(tmp_path)
    token = changes(client)["nextToken"]
    log_id, seq = base64.urlsafe_b64decode(token + "==").decode().rsplit(".", 1)

    def forged(log: str, position: int) -> str:
        return base64.urlsafe_b64encode(f"{log}.{position}".encode()).decode().rstrip("=")

    other = forged("0" * 32, int(seq))
    future = forged(log_id, int(seq) + 1)
    for bad in (other, future):
        body = assert_problem(client.get("/changes", params={"since": bad}), 410, "since")
        assert "without `since`" in body["detail"]
    assert client.get("/changes", params={"since": forged(log_id, 0)}).status_code == 200


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_bad_limit_is_a_422_naming_limit(client: TestClient, limit: str) -> None:
    assert_problem(client.get("/changes", params={"limit": limit}), 422, "limit")
