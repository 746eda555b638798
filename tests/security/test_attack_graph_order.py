"""Class 5: order comes from the commit graph, never from dates people set. An approval given for
one landing of a text does not approve the same text when a revert brings it back; a commit dated
in the future cannot leave a change's authors out of an `--as-of` audit."""

from __future__ import annotations

from attack import assert_caught, evil_policy
from trust import POL1, approval_commit, audit, change, codes, day, policy, setup
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Repo


def test_an_old_approval_does_not_approve_the_same_text_brought_back_by_a_revert(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy(body="First.\n")}, date=day("2026-02-01"))
    change(repo, "r2", {POL1: evil_policy()}, date=day("2026-02-02"))  # approved at the time: rev 2
    change(repo, "r3", {POL1: policy(body="Third, replacing the marker.\n")}, date=day("2026-02-03"))
    assert audit(repo, expect=0)["findings"] == []
    # eve reverts straight on main: the text of revision 2 is back, with no approval of its own
    repo.commit("Revert", {POL1: evil_policy()}, who="eve", date=day("2026-03-01"))
    data = audit(repo)
    assert "unapproved-change" in codes(data, key="POL-001"), data["findings"]
    status = next(d for d in data["documents"] if d["id"] == "POL-001")
    assert status["revisions"][-1]["revision"] is None


def test_a_future_dated_commit_cannot_hide_its_author_from_an_as_of_audit(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy(body="First.\n")}, date=day("2026-02-01"))
    repo.branch("r2")
    repo.commit("Edit", {POL1: evil_policy()}, who="dana", date=day("2031-01-01"))  # dated years ahead
    approval_commit(repo, "dana", [("POL-001", repo.blob(POL1))], date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("r2", who="dana", date=day("2026-03-01"))
    assert "self-approval" in codes(audit(repo, "--as-of", "2031-02-01"))
    assert_caught(repo, "self-approval")  # as of AS_OF (2026-06-30), before the commit's claimed date


def test_approval_then_landing_in_order_is_clean(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy(body="First.\n")}, date=day("2026-02-01"))
    change(repo, "r2", {POL1: policy(body="Second.\n")}, date=day("2026-02-02"))
    change(repo, "r3", {POL1: policy(body="First.\n")}, date=day("2026-02-03"))  # a revert, approved again
    data = audit(repo, expect=0)
    revs = next(d for d in data["documents"] if d["id"] == "POL-001")["revisions"]
    assert [r["revision"] for r in revs] == [1, 2, 1] or [r["revision"] for r in revs] == [1, 2, 3]
