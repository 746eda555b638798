"""`sms-docs approve`: the approval commit (SPEC section 5.1) and every refusal, each of which leaves
the repository exactly as it was."""

from __future__ import annotations

import json

import pytest

from conftest import CONFIG, Repo, doc
from trust import (AS_OF, POL1, POL2, PRC1, approve, audit, audit_doc, change, codes, day, policy, run_json,
                   setup, status_of)


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD")


@pytest.fixture
def branch(repo: Repo) -> Repo:
    """Configuration approved on main; a branch `pol1` where omar wrote POL-001 and PRC-001."""
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Policy and procedure", {POL1: policy(), PRC1: doc("PRC-001", "Change management", type="procedure",
                                                                    owner="omar")}, who="omar", date=day("2026-02-02"))
    return repo


def test_approval_commit_changes_no_file_and_carries_the_trailers(branch: Repo) -> None:
    before = head(branch)
    blob = branch.blob(POL1)
    result = branch.run("approve", "POL-001", "--format", "json", who="dana", date=day("2026-02-03"))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    commit = head(branch)
    assert out == {"commit": commit, "name": "Dana Reyes", "email": "dana@example.com", "meaning": "approval",
                   "signed": False, "skipped": [], "approved": [{"id": "POL-001", "path": POL1, "blob": blob}]}
    assert branch.git("rev-parse", f"{commit}^") == before
    assert branch.git("rev-parse", f"{commit}^{{tree}}") == branch.git("rev-parse", f"{before}^{{tree}}")
    assert branch.git("log", "-1", "--format=%cn <%ce>") == "Dana Reyes <dana@example.com>"
    assert branch.git("log", "-1", "--format=%B") == (
        f"Approve POL-001\n\nApproved-by: Dana Reyes <dana@example.com>\nApproval-of: POL-001 {blob}\n"
        "Approval-meaning: approval")
    assert branch.git("log", "-1", "--format=%(trailers:key=Approval-of,valueonly)").strip() == f"POL-001 {blob}"


def test_text_output_names_the_commit_and_each_approved_file(branch: Repo) -> None:
    result = branch.run("approve", "PRC-001", who="lena")
    assert result.exit_code == 0, result.output
    assert "Recorded approval by Lena Fischer <lena@example.com>" in result.output
    assert "PRC-001" in result.output and PRC1 in result.output


def test_approved_branch_merges_clean(branch: Repo) -> None:
    approve(branch, "POL-001", who="dana", date=day("2026-02-03"))
    approve(branch, "PRC-001", who="lena", date=day("2026-02-03"))
    branch.checkout("main")
    branch.merge("pol1", who="omar", date=day("2026-02-04"))
    data = audit(branch, expect=0)
    assert data["findings"] == []
    assert [audit_doc(data, i)["state"] for i in ("POL-001", "PRC-001")] == ["effective", "effective"]


def test_all_approves_what_the_branch_changes_and_skips_what_is_not_yours(branch: Repo) -> None:
    result = branch.run("approve", "--all", "--format", "json", who="dana")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [a["id"] for a in out["approved"]] == ["POL-001"]
    assert len(out["skipped"]) == 1 and "PRC-001" in out["skipped"][0] and "may not approve" in out["skipped"][0]
    # sms-docs.yml is approved on main already: --all leaves it out.
    assert "sms-docs.yml" not in branch.git("log", "-1", "--format=%B")


def test_all_includes_configuration_files_by_path(branch: Repo) -> None:
    branch.commit("A stricter document schema", {"schemas/document.schema.json": '{"type": "object"}\n'},
                  who="omar", date=day("2026-02-02"))
    result = branch.run("approve", "--all", "--format", "json", who="priya")
    assert result.exit_code == 0, result.output
    assert [a["id"] for a in json.loads(result.output)["approved"]] == ["POL-001", "schemas/document.schema.json"]


def test_review_meaning_is_recorded_but_does_not_approve(branch: Repo) -> None:
    approve(branch, "POL-001", "--meaning", "review", who="priya", date=day("2026-02-03"))
    assert "Approval-meaning: review" in branch.git("log", "-1", "--format=%B")
    branch.checkout("main")
    branch.merge("pol1", who="omar", date=day("2026-02-04"))
    data = audit(branch, expect=1)
    assert "unapproved-change" in codes(data, key="POL-001")
    approvals = audit_doc(data, "POL-001")["revisions"][0]["approvals"]
    assert [(a["email"], a["meaning"], a["valid"]) for a in approvals] == [("priya@example.com", "review", True)]


# --- refusals: each leaves no new commit -----------------------------------------------------------


def refused(repo: Repo, *args: str, who: str, code: int = 1) -> str:
    before = head(repo)
    result = repo.run("approve", *args, who=who)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert head(repo) == before, "a refused approval made a commit"
    return result.output


def test_refuses_with_staged_changes(branch: Repo) -> None:
    branch.write({POL2: policy("POL-002", "Another policy")})
    branch.git("add", POL2)
    out = refused(branch, "POL-001", who="dana")
    assert "staged changes" in out and "nothing was committed" in out


def test_refuses_an_unknown_id_as_a_usage_error(branch: Repo) -> None:
    out = refused(branch, "POL-404", who="dana", code=2)
    assert "POL-404 is not a controlled file" in out


def test_refuses_without_ids_or_all(branch: Repo) -> None:
    out = refused(branch, who="dana", code=2)
    assert "--all" in out


def test_refuses_an_approver_without_the_role(branch: Repo) -> None:
    out = refused(branch, "POL-001", who="lena")
    assert "lena may not approve POL-001" in out and "top-management" in out


def test_refuses_an_email_that_is_not_a_person(branch: Repo) -> None:
    out = refused(branch, "POL-001", who="mallory")
    assert "mallory@example.com is not a person in the approved sms-docs.yml" in out


def test_before_any_configuration_is_approved_the_first_one_names_the_approvers(repo: Repo) -> None:
    """A new repository: the branch brings the first sms-docs.yml, which judges itself; the refusal
    says so rather than speak of an approved configuration that does not exist yet."""
    repo.git("commit", "-q", "--allow-empty", "-m", "Start", who="dana")
    repo.branch("setup")
    repo.commit("Adopt sms-docs", {"sms-docs.yml": CONFIG}, who="omar")
    result = repo.run("approve", "--all", who="mallory")
    assert result.exit_code == 1
    assert "mallory@example.com is not a person in sms-docs.yml (the first configuration" in result.output
    assert repo.run("approve", "--all", who="dana").exit_code == 0


def test_refuses_what_is_unchanged_since_its_approved_revision(branch: Repo) -> None:
    approve(branch, "POL-001", who="dana")
    branch.checkout("main")
    branch.merge("pol1", who="omar")
    branch.branch("again")
    out = refused(branch, "POL-001", who="priya")
    assert "unchanged since its approved revision 1" in out


def test_refuses_the_author_of_the_change(branch: Repo) -> None:
    out = refused(branch, "PRC-001", who="omar")
    assert "omar authored a change to PRC-001" in out and "segregation of duties" in out


def test_author_may_approve_when_the_configuration_allows_it(repo: Repo) -> None:
    setup(repo, CONFIG.replace("allow_author_approval: false", "allow_author_approval: true"), date=day("2026-01-05"))
    change(repo, "prc", {PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar")},
           author="omar", approvers=("omar",), ids=("PRC-001",), date=day("2026-02-02"))
    assert status_of(repo, "PRC-001")["state"] == "effective"
    assert audit(repo, expect=0)["findings"] == []


def test_refuses_uncommitted_edits_to_the_file(branch: Repo) -> None:
    branch.write({POL1: policy(body="Not committed yet.\n")})
    out = refused(branch, "POL-001", who="dana")
    assert "uncommitted changes" in out


def test_refuses_a_second_approval_of_the_same_content_by_the_same_person(branch: Repo) -> None:
    approve(branch, "POL-001", who="dana")
    out = refused(branch, "POL-001", who="dana")
    assert "already approved" in out
    approve(branch, "POL-001", who="priya")  # a second person is welcome


def test_all_refuses_when_nothing_is_left_to_approve(branch: Repo) -> None:
    approve(branch, "--all", who="dana")
    out = refused(branch, "--all", who="dana", code=1)
    assert "nothing you may approve" in out and "dana may not approve PRC-001" in out
    approve(branch, "--all", who="lena")
    branch.checkout("main")
    branch.merge("pol1", who="omar")
    branch.branch("next")
    out = refused(branch, "--all", who="lena", code=1)
    assert "nothing to approve" in out
    branch.commit("Edit", {POL1: policy(body="Next text.\n")}, who="omar")
    out = refused(branch, "--all", who="eve", code=1)  # eve has no role at all
    assert "nothing you may approve" in out and "eve may not approve POL-001" in out


def test_approval_after_a_later_edit_needs_a_new_approval(branch: Repo) -> None:
    approve(branch, "POL-001", who="dana", date=day("2026-02-03"))
    branch.commit("Edit after approval", {POL1: policy(body="Changed.\n")}, who="omar", date=day("2026-02-04"))
    approve(branch, "POL-001", who="dana", date=day("2026-02-05"))  # new content: a new approval is allowed
    approve(branch, "PRC-001", who="lena", date=day("2026-02-05"))
    branch.checkout("main")
    branch.merge("pol1", who="omar", date=day("2026-02-06"))
    data = audit(branch, expect=0)
    approvals = audit_doc(data, "POL-001")["revisions"][0]["approvals"]
    assert [(a["date"], a["valid"]) for a in approvals] == [("2026-02-05", True)]


def test_help_has_examples() -> None:
    from click.testing import CliRunner

    from sms_docs.cli import cli

    for command in ("approve", "status", "show", "history", "diff", "audit"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.output and f"sms-docs {command}" in result.output


def test_status_as_of_and_json_after_approve(branch: Repo) -> None:
    approve(branch, "--all", who="dana", date=day("2026-02-03"))
    approve(branch, "--all", who="lena", date=day("2026-02-03"))
    branch.checkout("main")
    branch.merge("pol1", who="omar", date=day("2026-02-04"))
    data = run_json(branch, "status", expect=0)
    assert data["as_of"] == AS_OF
    assert [(d["id"], d["state"], d["revision"]) for d in data["documents"]] == [
        ("POL-001", "effective", 1), ("PRC-001", "effective", 1)]


def test_first_document_set_committed_on_main_is_approved_with_all(repo: Repo) -> None:
    """A new repository: everything committed at once on main, then approved there after the fact."""
    repo.commit("Starter SMS", {POL1: policy(), PRC1: doc("PRC-001", "Change management", type="procedure",
                                                          owner="omar")}, who="omar", date=day("2026-01-05"))
    assert sorted(codes(audit(repo, expect=1))) == ["unapproved-change"] * 3
    approve(repo, "--all", who="dana", date=day("2026-01-06"))
    approve(repo, "--all", who="lena", date=day("2026-01-06"))
    data = audit(repo, expect=0)
    assert data["findings"] == []
    assert {d["id"]: (d["state"], d["revisions"][0]["revision"]) for d in data["documents"]} == {
        "POL-001": ("effective", 1), "PRC-001": ("effective", 1), "sms-docs.yml": ("effective", 1)}
    assert status_of(repo, "POL-001")["effective"] == "2026-01-06"  # effective once approved
