"""Class 3: segregation of duties. Authoring includes content a merge introduces that neither
parent had, committing someone else's change, and an approval commit made by another person; an
author who is nobody in sms-docs.yml is a finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attack import approved_policy, assert_caught, evil_policy, hand_approved
from trust import POL1, approve, audit, change, codes, day, git_as, identity, policy, trailer

if TYPE_CHECKING:
    from conftest import Repo


def test_an_approver_editing_inside_the_merge_authored_it(repo: Repo) -> None:
    approved_policy(repo)
    repo.branch("pol2")
    repo.commit("Policy wording", {POL1: policy(body="A harmless edit.\n")}, who="omar", date=day("2026-03-01"))
    repo.checkout("main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "pol2", who="dana", date=day("2026-03-02"))
    repo.write({POL1: evil_policy()})
    repo.git("add", POL1)
    repo.git("commit", "-q", "-m", f"Merge branch 'pol2'\n\n{trailer('dana')}", who="dana", date=day("2026-03-02"))
    data = assert_caught(repo, "self-approval")
    assert "unapproved-change" in codes(data, key="POL-001")


def test_the_committer_of_a_change_authored_it(repo: Repo) -> None:
    approved_policy(repo)
    hand_approved(repo, "pol2", {POL1: evil_policy()}, author="omar", committer="dana", approver="dana",
                  date=day("2026-03-01"))
    assert_caught(repo, "self-approval")


def test_an_approval_commit_authored_by_someone_else_does_not_count(repo: Repo) -> None:
    approved_policy(repo)
    repo.branch("pol2")
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-03-01"))
    blob = repo.blob(POL1)
    name, email = identity("dana")
    git_as(repo, "commit", "-q", "--allow-empty", "-m",
           f"Approve POL-001\n\nApproved-by: {name} <{email}>\nApproval-of: POL-001 {blob}\nApproval-meaning: approval",
           author=identity("eve"), committer=identity("dana"), date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("pol2", who="omar", date=day("2026-03-01"))
    assert_caught(repo, "approver-not-authorised")


def test_an_author_nobody_knows_is_a_finding_not_silence(repo: Repo) -> None:
    approved_policy(repo)
    repo.branch("pol2")
    repo.write({POL1: evil_policy()})
    repo.git("add", "-A")
    git_as(repo, "commit", "-q", "-m", "Policy", author=("Ghost", "ghost@elsewhere.example"),
           committer=("Ghost", "ghost@elsewhere.example"), date=day("2026-03-01"))
    approve(repo, "--all", who="dana", date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("pol2", who="dana", date=day("2026-03-01"))
    data = assert_caught(repo, "unknown-author")
    assert any("ghost@elsewhere.example" in f["message"] for f in data["findings"] if f["code"] == "unknown-author")


def test_ordinary_changes_raise_none_of_these(repo: Repo) -> None:
    approved_policy(repo)
    change(repo, "pol2", {POL1: policy(body="Second revision.\n")}, date=day("2026-03-01"))
    data = audit(repo, expect=0)
    assert not {"self-approval", "unknown-author", "approver-not-authorised"} & set(codes(data))
