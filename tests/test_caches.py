"""The caches under .git/sms-docs/ are an optimisation only: delete them and every answer is the same."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from conftest import Repo, doc

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _history(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "Policy A"),
                          "policies/POL-002-b.md": doc("POL-002", "Policy B")}, who="omar")
    repo.run("approve", "--all", who="dana")
    repo.branch("edit")
    repo.commit("Edit A", {"policies/POL-001-a.md": doc("POL-001", "Policy A", body="New text.\n")}, who="omar")
    repo.run("approve", "POL-001", who="priya")
    repo.checkout("main")
    repo.merge("edit", who="priya")


def test_audit_is_identical_with_warm_cold_and_deleted_caches(repo: Repo) -> None:
    _history(repo)
    cache = repo.path / ".git" / "sms-docs"
    first = repo.json("audit", "--as-of", "2026-02-01")
    assert (cache / "commits.cache").is_file() and (cache / "documents.cache").is_file()
    second = repo.json("audit", "--as-of", "2026-02-01")
    shutil.rmtree(cache)
    third = repo.json("audit", "--as-of", "2026-02-01")
    assert first == second == third
    assert first["ok"] is True
    assert [r["revision"] for d in first["documents"] if d["id"] == "POL-001" for r in d["revisions"]] == [1, 2]


def test_new_commits_after_a_cached_run_are_read(repo: Repo) -> None:
    _history(repo)
    before = repo.json("status", "--as-of", "2026-02-01")
    repo.commit("Direct edit on main", {"policies/POL-002-b.md": doc("POL-002", "Policy B", body="Unapproved.\n")}, who="omar")
    after = repo.json("status", "--as-of", "2026-02-01")
    states = {d["id"]: d["state"] for d in after["documents"]}
    assert {d["id"]: d["state"] for d in before["documents"]}["POL-002"] == "effective"
    assert states["POL-002"] == "changed"


def test_a_corrupt_cache_is_ignored(repo: Repo) -> None:
    _history(repo)
    expected = repo.json("audit", "--as-of", "2026-02-01")
    for name in ("commits.cache", "documents.cache"):
        (repo.path / ".git" / "sms-docs" / name).write_bytes(b"not a cache")
    assert repo.json("audit", "--as-of", "2026-02-01") == expected


def test_site_pages_have_bodies_when_front_matter_comes_from_the_cache(repo: Repo) -> None:
    _history(repo)
    repo.json("status")  # fills the front matter cache
    from sms_docs.catalog import Catalog

    with Catalog.open(repo.path) as cat:
        status = cat.get("POL-001")
        assert status.current is not None
        full = cat.read_document(status.current)
        assert full is not None and "New text." in full.body


def test_a_cache_written_with_another_key_is_ignored(repo: Repo, monkeypatch: object) -> None:
    """Entries are signed with a key kept outside the repository: a file written by someone else
    (another account, a shared CI cache) is never read, whatever it says."""
    from sms_docs import cache, gitrepo

    _history(repo)
    expected = repo.json("audit", "--as-of", "2026-02-01")
    store = cache.Store(repo.path / ".git", "commits", gitrepo._CACHE_VERSION)
    assert store.load() is not None
    import pytest

    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("SMS_DOCS_CACHE_KEY", "someone else's key")
        assert store.load() is None  # the same file, another key: not ours
        store.save({"logs": [], "tips": []})  # a foreign file, validly signed with the other key
    finally:
        mp.undo()
    assert store.load() is None
    assert repo.json("audit", "--as-of", "2026-02-01") == expected


def test_a_save_in_the_background_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Store.save(background=True)` returns at once; a load of the same file waits for the write, a
    second save replaces it in order, `flush` waits for every one, and a folder that cannot be
    written leaves no cache and no error."""
    from sms_docs import cache

    monkeypatch.setenv("SMS_DOCS_CACHE_KEY", "background-key")
    git_dir = tmp_path / ".git"
    git_dir.mkdir()
    store = cache.Store(git_dir, "commits", 1)
    big = {"logs": [("x" * 5_000_000, "y", "z", "")], "tips": ["t"]}
    store.save(big, background=True)
    assert store.load() == big  # the same Store
    store.save({"logs": [], "tips": ["first"]}, background=True)
    store.save({"logs": [], "tips": ["second"]}, background=True)
    assert cache.Store(git_dir, "commits", 1).load() == {"logs": [], "tips": ["second"]}  # another Store, same file
    other = cache.Store(git_dir, "documents", 1)
    other.save({"n": 1}, background=True)
    cache.flush()
    assert not cache._saving
    assert (git_dir / "sms-docs" / "documents.cache").is_file() and other.load() == {"n": 1}
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the .git folder would be\n")
    cache.Store(blocked, "commits", 1).save(big, background=True)
    cache.flush()
    assert cache.Store(blocked, "commits", 1).load() is None
