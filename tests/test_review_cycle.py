"""`due`, `status` and `audit` agree on review dates, also while a new revision waits for its planned
effective date (approving it was the outcome of a review)."""

from __future__ import annotations

from conftest import Repo, doc


def _pending_revision(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "Policy A")}, who="omar",
                date="2025-01-06T10:00:00+00:00")
    repo.run("approve", "--all", who="dana", date="2025-01-06T11:00:00+00:00")
    repo.branch("revise")
    repo.commit("Revise A", {"policies/POL-001-a.md": doc("POL-001", "Policy A", body="New.\n", effective="2026-03-01")},
                who="omar", date="2026-02-10T10:00:00+00:00")
    repo.run("approve", "POL-001", who="priya", date="2026-02-10T11:00:00+00:00")
    repo.checkout("main")
    repo.merge("revise", who="priya", date="2026-02-10T12:00:00+00:00")


def test_an_approved_revision_awaiting_its_date_restarts_the_cycle(repo: Repo) -> None:
    _pending_revision(repo)
    status = repo.json("status", "--as-of", "2026-02-15")["documents"][0]
    assert status["state"] == "approved" and status["revision"] == 2 and status["effective"] == "2026-03-01"
    assert status["next_review"] == "2027-03-01"
    audit = repo.json("audit", "--as-of", "2026-02-15")
    assert not [f for f in audit["findings"] if f["code"] == "review-overdue"]
    due = repo.json("due", "--as-of", "2026-02-15", "--within", "30d")
    assert due["reviews"] == []


def test_overdue_before_the_revision_is_approved_in_due_and_audit_alike(repo: Repo) -> None:
    _pending_revision(repo)
    audit = repo.json("audit", "--as-of", "2026-02-01")
    overdue = [f for f in audit["findings"] if f["code"] == "review-overdue"]
    assert [f["id"] for f in overdue] == ["POL-001"]
    due = repo.json("due", "--as-of", "2026-02-01")
    assert [(r["id"], r["due"]) for r in due["reviews"]] == [("POL-001", "2026-01-06")]
    assert due["reviews"][0]["days"] == -26
