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
    # Revision 1 is in force, with its own dates; approving revision 2 (2026-02-10) was a review of it.
    assert (status["state"], status["revision"], status["effective"]) == ("effective", 1, "2025-01-06")
    assert status["next_review"] == "2027-02-10"
    audit = repo.json("audit", "--as-of", "2026-02-15")
    assert not [f for f in audit["findings"] if f["code"] == "review-overdue"]
    due = repo.json("due", "--as-of", "2026-02-15", "--within", "30d")
    assert due["reviews"] == []
    status = repo.json("status", "--as-of", "2026-03-01")["documents"][0]
    assert (status["state"], status["revision"], status["effective"], status["next_review"]) == (
        "effective", 2, "2026-03-01", "2027-03-01")


def test_show_describes_the_revision_in_force_and_names_the_upcoming_one(repo: Repo) -> None:
    """`show` printed revision 2's number with revision 1's approval and blob (issue 11)."""
    _pending_revision(repo)
    rev1, rev2 = repo.json("history", "POL-001")["revisions"]
    shown = repo.json("show", "POL-001", "--as-of", "2026-02-15")
    assert (shown["revision"], shown["state"], shown["effective"]) == (1, "effective", "2025-01-06")
    assert (shown["blob"], shown["commit"]) == (rev1["blob"], rev1["commit"])
    assert [a["commit"] for a in shown["approvals"]] == [a["commit"] for a in rev1["approvals"]]
    upcoming = shown["upcoming"]
    assert (upcoming["revision"], upcoming["effective"], upcoming["blob"]) == (2, "2026-03-01", rev2["blob"])
    text = repo.run("show", "POL-001", "--as-of", "2026-02-15").output
    assert "rev 1 · effective · effective since 2025-01-06" in text and f"blob {rev1['blob'][:8]}" in text
    assert "upcoming: rev 2 approved by Priya Nair, takes effect on 2026-03-01" in text
    later = repo.json("show", "POL-001", "--as-of", "2026-03-01")
    assert (later["revision"], later["blob"], later["upcoming"]) == (2, rev2["blob"], None)


def test_overdue_before_the_revision_is_approved_in_due_and_audit_alike(repo: Repo) -> None:
    _pending_revision(repo)
    audit = repo.json("audit", "--as-of", "2026-02-01")
    overdue = [f for f in audit["findings"] if f["code"] == "review-overdue"]
    assert [f["id"] for f in overdue] == ["POL-001"]
    due = repo.json("due", "--as-of", "2026-02-01")
    assert [(r["id"], r["due"]) for r in due["reviews"]] == [("POL-001", "2026-01-06")]
    assert due["reviews"][0]["days"] == -26
