"""Class 1: git object substitution. `git replace` refs and `.git/info/grafts` change what git
reports about content and parents; the audit ignores both and reports their presence."""

from __future__ import annotations

from attack import MARKER, approved_policy, assert_caught, evil_policy, published
from trust import POL1, audit, codes, day
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Repo


def test_a_replace_ref_cannot_swap_the_approved_content(repo: Repo) -> None:
    approved_policy(repo)
    blob_path = repo.path.parent / "evil.md"
    blob_path.write_text(evil_policy(), encoding="utf-8")
    evil = repo.git("hash-object", "-w", str(blob_path))
    repo.git("replace", repo.blob(POL1), evil)
    assert MARKER in repo.git("show", f"HEAD:{POL1}")  # git itself now reports the attacker's text
    data = assert_caught(repo, "replaced-objects")
    assert "POL-001" in [d["id"] for d in data["documents"]]
    assert "The approved policy text." in published(repo)


def test_a_graft_that_makes_a_plain_commit_look_like_an_approved_merge_is_ignored(repo: Repo) -> None:
    approved_policy(repo)
    base = repo.git("rev-parse", "HEAD")
    repo.branch("side")
    side = repo.commit("Side", {"notes.txt": "x\n"}, who="eve", date=day("2026-03-01"))
    repo.checkout("main")
    # eve commits straight to main, with a trailer that would count on a merge
    repo.write({POL1: evil_policy()})
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Update\n\nApproved-by: Dana Reyes <dana@example.com>", who="eve",
             date=day("2026-03-02"))
    plain = repo.git("rev-parse", "HEAD")
    assert codes(audit(repo), key="POL-001") == ["unapproved-change"]
    grafts = repo.path / ".git" / "info" / "grafts"
    grafts.parent.mkdir(exist_ok=True)
    grafts.write_text(f"{plain} {base} {side}\n")
    assert len(repo.git("log", "-1", "--format=%P", plain).split()) == 2  # git now sees a merge
    data = assert_caught(repo, "replaced-objects")
    assert "unapproved-change" in codes(data, key="POL-001")


def test_no_finding_without_replacements(repo: Repo) -> None:
    approved_policy(repo)
    data = audit(repo, expect=0)
    assert "replaced-objects" not in codes(data)
