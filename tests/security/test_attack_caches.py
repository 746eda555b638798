"""Class 8: nothing under .git/sms-docs/ is trusted. A planted pickle never runs; a tampered or
foreign cache entry never changes a result."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from attack import MARKER, approved_policy, evil_policy, published
from trust import POL1, audit, change, codes, day

if TYPE_CHECKING:
    from conftest import Repo


class _Payload:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (Path.touch, (str(self.target),))  # type: ignore[return-value]


def cache_dir(repo: Repo) -> Path:
    return repo.path / ".git" / "sms-docs"


def test_a_planted_pickle_is_never_loaded(repo: Repo) -> None:
    approved_policy(repo)
    folder = cache_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    ran = repo.path.parent / "payload-ran"
    for name in ("commits.pickle", "documents.pickle", "check-cache.pickle"):
        (folder / name).write_bytes(pickle.dumps({"version": 2, "commits": _Payload(ran), "documents": _Payload(ran),
                                                  "fingerprint": _Payload(ran), "entries": _Payload(ran)}))
    audit(repo, expect=0)
    repo.run("check")
    assert not ran.exists()


def test_a_tampered_cache_entry_does_not_change_the_audit(repo: Repo) -> None:
    approved_policy(repo)
    change(repo, "pol2", {POL1: evil_policy()}, author="eve", approvers=(), date=day("2026-03-01"))
    before = audit(repo)
    assert "unapproved-change" in codes(before, key="POL-001")
    for path in cache_dir(repo).iterdir():  # flip bytes in every cache file, and write foreign ones
        if path.is_file():
            data = bytearray(path.read_bytes())
            for i in range(len(data) // 2, min(len(data), len(data) // 2 + 64)):
                data[i] ^= 0x55
            path.write_bytes(bytes(data))
    assert audit(repo) == before


def test_a_forged_render_cache_entry_is_not_published(repo: Repo) -> None:
    approved_policy(repo)
    assert MARKER not in published(repo)
    found = False
    for path in cache_dir(repo).iterdir():
        if path.name.startswith("site"):
            raw = path.read_bytes()
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("entries"), dict):
                for entry in data["entries"].values():
                    entry["html"] = f"<p>{MARKER}</p>"
                path.write_text(json.dumps(data))
            else:  # an opaque format: overwrite it with one that claims to hold the marker
                path.write_bytes(raw.replace(b"approved policy text", MARKER.encode()[:20]))
            found = True
    assert found
    assert MARKER not in published(repo)
