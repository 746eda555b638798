"""The history engine (SPEC sections 5, 6, 8): revisions numbered over approved blobs, the evidence
kinds (approval commit, merge trailer, forge review record, merger), derived states at several dates,
renames, and the exact JSON of `history`, `show` and `status`; `diff` between revisions."""

from __future__ import annotations


from typing import Any, TYPE_CHECKING

from conftest import CONFIG, Repo, identity
from trust import (APPROVAL_KEYS, AS_OF, GITHUB, POL1, POL2, PRC1, REVISION_KEYS, STATUS_KEYS, approve, audit, audit_doc, change, codes, day, findings, git_as, policy, run_json, setup,
                   status_of, trailer, with_settings, with_ci, ci_signers, ci_commit)
from conftest import doc

if TYPE_CHECKING:
    from pathlib import Path

OMAR = {"name": "Omar Haddad", "email": "omar@example.com"}


def approval(who: str, commit: str, date: str, *, evidence: str = "approval-commit", signature: str = "none",
             valid: bool = True, reason: str | None = None, meaning: str = "approval") -> dict[str, Any]:
    name, email = identity(who)
    return {"name": name, "email": email, "meaning": meaning, "date": date, "commit": commit,
            "evidence": evidence, "signature": signature, "valid": valid, "reason": reason}


# --- one approved change, end to end --------------------------------------------------------------


def test_approval_commit_merged_no_ff_is_revision_1_with_exact_json(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Write the service management policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    blob = repo.blob(POL1)
    approve(repo, "POL-001", who="dana", date=day("2026-02-03"))
    approval_sha = repo.git("rev-parse", "HEAD")
    repo.checkout("main")
    merge = repo.merge("pol1", who="dana", date=day("2026-02-04"))

    hist = run_json(repo, "history", "POL-001", expect=0)
    assert hist == {"id": "POL-001", "revisions": [{
        "revision": 1, "commit": merge, "date": "2026-02-04", "blob": blob, "authors": [OMAR],
        "approvals": [approval("dana", approval_sha, "2026-02-03")]}]}
    assert list(hist) == ["id", "revisions"]
    assert list(hist["revisions"][0]) == REVISION_KEYS
    assert list(hist["revisions"][0]["approvals"][0]) == APPROVAL_KEYS

    status = run_json(repo, "status", expect=0)
    assert status == {"ref": "main", "as_of": AS_OF, "documents": [{
        "id": "POL-001", "title": "Service management policy", "type": "policy", "owner": "dana",
        "classification": "internal", "state": "effective", "revision": 1, "effective": "2026-02-04",
        "next_review": "2027-02-04", "path": POL1}]}
    assert list(status) == ["ref", "as_of", "documents"]
    assert list(status["documents"][0]) == STATUS_KEYS

    show = run_json(repo, "show", "POL-001", expect=0)
    assert {k: show[k] for k in STATUS_KEYS} == status["documents"][0]
    assert show["blob"] == blob and show["commit"] == merge
    assert show["approvals"] == [approval("dana", approval_sha, "2026-02-03")]
    assert show["review_cycle"] == "12 months"

    data = audit(repo, expect=0)
    assert data["ok"] is True and data["findings"] == []
    assert list(data) == ["ok", "ref", "as_of", "documents", "records", "findings"]
    assert audit_doc(data, "POL-001") == {"id": "POL-001", "state": "effective", "revisions": hist["revisions"]}


def test_text_views_name_the_revision_state_and_approver(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "pol1", {POL1: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    shown = repo.run("show", "POL-001", "--as-of", AS_OF)
    assert shown.exit_code == 0
    assert "rev 1" in shown.output and "effective since 2026-02-02" in shown.output
    assert "Dana Reyes (top-management)" in shown.output and "approval-commit" in shown.output
    hist = repo.run("history", "POL-001", "--as-of", AS_OF)
    assert "rev 1  2026-02-02" in hist.output and "omar@example.com" in hist.output
    status = repo.run("status", "--as-of", AS_OF)
    assert "POL-001" in status.output and "effective" in status.output and "1 effective" in status.output


def test_unknown_id_is_a_usage_error_for_every_read_command(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    for command in (["show", "POL-404"], ["history", "POL-404"], ["diff", "POL-404"], ["status", "POL-404"]):
        result = repo.run(*command, "--as-of", AS_OF)
        assert result.exit_code == 2, (command, result.output)
        assert "POL-404" in result.output and "Traceback" not in result.output


# --- merge trailers --------------------------------------------------------------------------------


GITLAB_MESSAGE = """Merge branch 'pol1' into 'main'

Service management policy and change procedure

See merge request example/sms!12"""


def test_gitlab_merge_trailer_approves_the_files_the_merge_changed(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Policy and procedure", {POL1: policy(), PRC1: doc("PRC-001", "Change management", type="procedure",
                                                                    owner="omar")}, who="lena", date=day("2026-02-02"))
    repo.checkout("main")
    merge = repo.merge("pol1", GITLAB_MESSAGE, who="omar", date=day("2026-02-05"), trailers=[
        trailer("priya"), trailer("omar"), "Reviewed-by: Eve Stone <eve@example.com>",
        "Co-authored-by: Lena Fischer <lena@example.com>"])
    data = audit(repo, expect=0)
    pol = audit_doc(data, "POL-001")["revisions"]
    prc = audit_doc(data, "PRC-001")["revisions"]
    # Priya is top management: she approves the policy; Omar (process owner) the procedure.
    assert pol[0]["revision"] == 1 and prc[0]["revision"] == 1
    assert [(a["email"], a["valid"], a["evidence"]) for a in pol[0]["approvals"]] == [
        ("omar@example.com", False, "merge-trailer"), ("priya@example.com", True, "merge-trailer")]
    assert pol[0]["approvals"][1]["commit"] == merge and pol[0]["approvals"][1]["date"] == "2026-02-05"
    assert [(a["email"], a["valid"]) for a in prc[0]["approvals"]] == [
        ("omar@example.com", True), ("priya@example.com", False)]
    # Reviewed-by is not a configured approval key: Eve appears nowhere.
    assert "eve@example.com" not in str(data["documents"])
    # The invalid trailers on an approved revision are reported as warnings, not errors.
    assert sorted((f["code"], f["severity"], f["id"]) for f in data["findings"]) == [
        ("approver-not-authorised", "warning", "POL-001"), ("approver-not-authorised", "warning", "PRC-001")]


def test_merge_trailer_next_to_a_see_merge_request_line_still_counts(repo: Repo) -> None:
    """GitLab templates often put `%{approved_by}` straight under `See merge request ...`: git's own
    rule (a block with a known trailer and at least 25 % trailers) reads it as a trailer block."""
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    repo.git("merge", "-q", "--no-ff", "-m", GITLAB_MESSAGE + "\n" + trailer("priya"), "pol1",
             who="omar", date=day("2026-02-05"))
    assert status_of(repo, "POL-001")["revision"] == 1


def test_trailer_outside_the_last_paragraph_does_not_count(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    repo.merge("pol1", f"Merge branch 'pol1'\n\n{trailer('priya')}\n\nSee merge request example/sms!12",
               who="omar", date=day("2026-02-05"))
    data = audit(repo, expect=1)
    assert codes(data, key="POL-001") == ["unapproved-change"]
    assert status_of(repo, "POL-001")["state"] == "draft"


def test_trailer_on_a_squash_commit_is_not_a_merge_trailer(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    repo.commit(f"Policy (#12)\n\n{trailer('priya')}", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    data = audit(repo, expect=1)
    assert codes(data, key="POL-001") == ["unapproved-change"]
    assert audit_doc(data, "POL-001")["revisions"][0]["approvals"] == []


def test_merge_trailer_key_is_configurable(repo: Repo) -> None:
    setup(repo, with_settings(CONFIG, merge_trailers=["Acked-by"]), date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    repo.merge("pol1", who="omar", date=day("2026-02-05"), trailers=["Acked-by: Priya Nair <priya@example.com>"])
    assert status_of(repo, "POL-001")["revision"] == 1
    repo.branch("pol2")
    repo.commit("Policy edit", {POL1: policy(body="Changed.\n")}, who="omar", date=day("2026-03-02"))
    repo.checkout("main")
    repo.merge("pol2", who="omar", date=day("2026-03-05"), trailers=[trailer("priya")])
    assert codes(audit(repo), key="POL-001") == ["unapproved-change"]


# --- derived state through time --------------------------------------------------------------------


def test_state_and_revision_at_several_as_of_dates(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    change(repo, "r2", {POL1: policy(body="Second text.\n")}, ids=("POL-001",), date=day("2026-04-01"))
    repo.commit("Hot fix straight on main", {POL1: policy(body="Unapproved text.\n")}, who="omar",
                date=day("2026-05-01"))
    change(repo, "p2", {POL2: policy("POL-002", "Change policy", effective="2026-09-01")}, ids=("POL-002",),
           date=day("2026-06-01"))

    def state(ident: str, as_of: str) -> tuple[str, int | None, str | None]:
        data = run_json(repo, "status", "--as-of", as_of)
        found = [d for d in data["documents"] if d["id"] == ident]
        return (found[0]["state"], found[0]["revision"], found[0]["effective"]) if found else ("absent", None, None)

    assert run_json(repo, "status", "--as-of", "2026-01-01")["documents"] == []
    assert state("POL-001", "2026-01-20") == ("absent", None, None)
    assert state("POL-001", "2026-02-02") == ("effective", 1, "2026-02-02")
    assert state("POL-001", "2026-03-15") == ("effective", 1, "2026-02-02")
    assert state("POL-001", "2026-04-01") == ("effective", 2, "2026-04-01")
    assert state("POL-001", "2026-05-01") == ("changed", 2, "2026-04-01")
    assert state("POL-002", "2026-05-31") == ("absent", None, None)
    assert state("POL-002", "2026-06-01") == ("approved", 1, "2026-09-01")
    assert state("POL-002", "2026-08-31") == ("approved", 1, "2026-09-01")
    assert state("POL-002", "2026-09-01") == ("effective", 1, "2026-09-01")
    # The unapproved hot fix is found only from the day it landed.
    assert codes(audit(repo, "--as-of", "2026-04-30"), key="POL-001") == []
    assert codes(audit(repo, "--as-of", "2026-05-01"), key="POL-001") == ["unapproved-change"]
    # Review dates follow the effective date of the revision in force.
    assert status_of(repo, "POL-001", "--as-of", "2026-03-15")["next_review"] == "2027-02-02"
    assert status_of(repo, "POL-001", "--as-of", "2026-05-01")["next_review"] == "2027-04-01"
    assert status_of(repo, "POL-002", "--as-of", "2026-09-01")["next_review"] == "2027-09-01"


def test_direct_commit_to_main_is_changed_and_the_approved_revision_stays_published(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    merge = change(repo, "r1", {POL1: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    approved_blob = repo.blob(POL1)
    direct = repo.commit("Quick edit", {POL1: policy(body="Nobody approved this.\n")}, who="omar",
                         date=day("2026-03-01"))
    s = status_of(repo, "POL-001")
    assert (s["state"], s["revision"], s["effective"]) == ("changed", 1, "2026-02-02")
    show = run_json(repo, "show", "POL-001")
    assert show["blob"] == approved_blob and show["commit"] == merge  # the published revision
    data = audit(repo, expect=1)
    assert codes(data) == ["unapproved-change"]
    bad = findings(data, "unapproved-change")[0]
    assert (bad["severity"], bad["id"], bad["path"]) == ("error", "POL-001", POL1)
    assert direct[:10] in bad["message"] and "omar@example.com" in bad["message"]
    revs = audit_doc(data, "POL-001")["revisions"]
    assert [(r["revision"], r["commit"]) for r in revs] == [(1, merge), (None, direct)]
    assert revs[1]["authors"] == [OMAR] and revs[1]["approvals"] == []
    assert "the revision above stays the one published" in repo.run("show", "POL-001", "--as-of", AS_OF).output


def test_post_hoc_approval_on_main_takes_effect_when_given(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    repo.commit("Quick edit", {POL1: policy(body="Fixed a typo.\n")}, who="omar", date=day("2026-03-01"))
    approve(repo, "POL-001", who="priya", date=day("2026-03-04"))
    s = status_of(repo, "POL-001")
    assert (s["state"], s["revision"], s["effective"]) == ("effective", 2, "2026-03-04")
    assert status_of(repo, "POL-001", "--as-of", "2026-03-02")["state"] == "changed"
    assert audit(repo, expect=0)["findings"] == []


def test_an_approved_revert_is_that_revision_again(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    change(repo, "r2", {POL1: policy(body="Second.\n")}, ids=("POL-001",), date=day("2026-03-02"))
    change(repo, "r3", {POL1: policy()}, ids=("POL-001",), date=day("2026-04-02"))
    hist = run_json(repo, "history", "POL-001")
    assert [r["revision"] for r in hist["revisions"]] == [1, 2, 1]
    assert status_of(repo, "POL-001")["state"] == "effective"
    assert audit(repo, expect=0)["findings"] == []


def test_a_revert_needs_an_approval_of_its_own(repo: Repo) -> None:
    """The approvals of revision 1 were given for its first landing; the same text brought back
    later is a new change (graph order, not blob identity, decides; tests/security covers the attack)."""
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    change(repo, "r2", {POL1: policy(body="Second.\n")}, ids=("POL-001",), date=day("2026-03-02"))
    change(repo, "r3", {POL1: policy()}, ids=("POL-001",), approvers=(), date=day("2026-04-02"))
    hist = run_json(repo, "history", "POL-001")
    assert [r["revision"] for r in hist["revisions"]] == [1, 2, None]
    assert status_of(repo, "POL-001")["state"] == "changed"
    assert codes(audit(repo), key="POL-001") == ["unapproved-change"]


# --- renames ---------------------------------------------------------------------------------------


def test_rename_keeps_history_and_approvals_of_the_same_blob(repo: Repo) -> None:
    old = "policies/POL-001-old-name.md"
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {old: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    # A pure rename needs no approval: the content is the approved content.
    repo.branch("rename")
    repo.git("mv", old, POL1)
    repo.commit("Rename the file", who="omar", date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("rename", who="omar", date=day("2026-03-02"))
    s = status_of(repo, "POL-001")
    assert (s["state"], s["revision"], s["path"], s["effective"]) == ("effective", 1, POL1, "2026-02-02")
    # An approval given before a rename on the same branch still binds: same ID, same blob.
    repo.branch("r2")
    repo.commit("Second text", {POL1: policy(body="Second.\n")}, who="omar", date=day("2026-04-01"))
    approve(repo, "POL-001", who="dana", date=day("2026-04-02"))
    repo.git("mv", POL1, "policies/POL-001.md")
    repo.commit("Shorter name", who="omar", date=day("2026-04-03"))
    repo.checkout("main")
    repo.merge("r2", who="omar", date=day("2026-04-04"))
    hist = run_json(repo, "history", "POL-001")
    assert [r["revision"] for r in hist["revisions"]] == [1, 2]
    assert hist["revisions"][1]["approvals"][0]["valid"] is True
    assert status_of(repo, "POL-001")["path"] == "policies/POL-001.md"
    assert audit(repo, expect=0)["findings"] == []


def test_rename_with_an_edit_is_a_new_revision_needing_approval(repo: Repo) -> None:
    old = "policies/POL-001-old-name.md"
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {old: policy()}, ids=("POL-001",), date=day("2026-02-02"))
    repo.branch("r2")
    repo.git("mv", old, POL1)
    repo.commit("Rename and edit", {POL1: policy(body="Edited while renaming.\n")}, who="omar",
                date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("r2", who="omar", date=day("2026-03-02"))
    data = audit(repo, expect=1)
    assert codes(data) == ["unapproved-change"]
    assert findings(data, "unapproved-change")[0]["path"] == POL1
    s = status_of(repo, "POL-001")
    assert (s["state"], s["revision"], s["path"]) == ("changed", 1, POL1)


# --- forge review records (GitHub) -----------------------------------------------------------------


def review_record(merge: str, reviewed: str, *, state: str = "APPROVED", email: str | None = "priya@example.com",
                  reviewer: str = "pnair", ident: str = "APR-2026-0001") -> str:
    email_line = f"    email: {email}\n" if email else ""
    return (f"id: {ident}\ntype: approvals\ndate: 2026-02-05\ncreated_by: system\nforge: github\n"
            f"pull_request: 12\nmerge_commit: {merge}\nreviews:\n  - reviewer: {reviewer}\n{email_line}"
            f"    state: {state}\n    commit_id: {reviewed}\n    submitted_at: '2026-02-04T15:30:00Z'\n")


def github_merge(repo: Repo, branch: str, date: str) -> str:
    """GitHub's "Merge pull request": authored by the person who pressed the button, committed by GitHub."""
    return git_as(repo, "merge", "-q", "--no-ff", "-m", f"Merge pull request #12 from example/{branch}", branch,
                  author=identity("omar"), committer=GITHUB, date=date)


def test_forge_review_record_approves_the_blob_the_reviewer_saw(repo: Repo, tmp_path: Path) -> None:
    key, signers = ci_signers(tmp_path)
    setup(repo, with_ci(CONFIG).replace("id: priya, name: Priya Nair, email: priya@example.com,",
                                        "id: priya, name: Priya Nair, email: priya@example.com, github: pnair,"),
          date=day("2026-01-05"), extra={".sms/allowed_signers": signers})
    repo.branch("pol1")
    reviewed = repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    merge = github_merge(repo, "pol1", day("2026-02-05"))
    assert codes(audit(repo), key="POL-001") == ["unapproved-change"]  # before CI records the reviews
    record = ci_commit(repo, "Record the reviews of #12", {"records/approvals/APR-2026-0001.yml":
                                                           review_record(merge, reviewed, email=None)},
                       key, date=day("2026-02-05"))
    data = audit(repo, expect=0)
    assert data["findings"] == []
    rev = audit_doc(data, "POL-001")["revisions"][0]
    assert rev["revision"] == 1 and rev["commit"] == merge
    assert rev["approvals"] == [approval("priya", record, "2026-02-04", evidence="forge-review", signature="system")]
    assert [r["id"] for r in data["records"]] == ["APR-2026-0001"]


def test_forge_review_of_an_earlier_push_does_not_approve_the_merged_blob(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    reviewed = repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.commit("Policy, after the review", {POL1: policy(body="Changed after approval.\n")}, who="omar",
                date=day("2026-02-03"))
    repo.checkout("main")
    merge = github_merge(repo, "pol1", day("2026-02-05"))
    repo.commit("Record the reviews of #12", {"records/approvals/APR-2026-0001.yml": review_record(merge, reviewed)},
                who="omar", date=day("2026-02-05"))
    data = audit(repo, expect=1)
    assert codes(data) == ["unapproved-change"]
    assert audit_doc(data, "POL-001")["revisions"][0]["approvals"] == []


def test_forge_review_that_is_not_an_approval_does_not_count(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    reviewed = repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    merge = github_merge(repo, "pol1", day("2026-02-05"))
    repo.commit("Record the reviews of #12", {"records/approvals/APR-2026-0001.yml":
                                               review_record(merge, reviewed, state="COMMENTED")},
                who="omar", date=day("2026-02-05"))
    assert codes(audit(repo, expect=1)) == ["unapproved-change"]


def test_forge_review_is_off_when_evidence_does_not_list_it(repo: Repo) -> None:
    setup(repo, with_settings(CONFIG, evidence=["approval-commit", "merge-trailer"]), date=day("2026-01-05"))
    repo.branch("pol1")
    reviewed = repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    merge = github_merge(repo, "pol1", day("2026-02-05"))
    repo.commit("Record", {"records/approvals/APR-2026-0001.yml": review_record(merge, reviewed)}, who="omar",
                date=day("2026-02-05"))
    assert codes(audit(repo, expect=1)) == ["unapproved-change"]


# --- merger (opt-in) --------------------------------------------------------------------------------


MERGER = with_settings(CONFIG, evidence=["approval-commit", "merge-trailer", "forge-review", "merger"])


def test_merger_evidence_is_off_by_default(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "pol1", {POL1: policy()}, approvers=(), merger="priya", date=day("2026-02-02"))
    data = audit(repo, expect=1)
    assert codes(data) == ["unapproved-change"]
    assert audit_doc(data, "POL-001")["revisions"][0]["approvals"] == []


def test_merger_counts_a_plain_merge_committer_when_opted_in(repo: Repo) -> None:
    setup(repo, MERGER, date=day("2026-01-05"))
    merge = change(repo, "pol1", {POL1: policy()}, approvers=(), merger="priya", date=day("2026-02-02"))
    data = audit(repo, expect=0)
    assert data["findings"] == []
    rev = audit_doc(data, "POL-001")["revisions"][0]
    assert rev["revision"] == 1
    assert rev["approvals"] == [approval("priya", merge, "2026-02-02", evidence="merger")]


def test_merger_who_authored_the_change_is_a_self_approval(repo: Repo) -> None:
    setup(repo, MERGER, date=day("2026-01-05"))
    change(repo, "pol1", {POL1: policy()}, author="priya", approvers=(), merger="priya", date=day("2026-02-02"))
    data = audit(repo, expect=1)
    assert codes(data) == ["self-approval", "unapproved-change"]
    assert audit_doc(data, "POL-001")["revisions"][0]["approvals"][0]["reason"] == "priya authored a change to this revision"


def test_merger_of_a_github_web_merge_is_the_person_who_pressed_merge(repo: Repo) -> None:
    """GitHub commits "Merge pull request #N" as itself and records the person as the author."""
    setup(repo, MERGER.replace("id: omar, name: Omar Haddad, email: omar@example.com, roles: [sms-manager, process-owner]",
                               "id: omar, name: Omar Haddad, email: omar@example.com, roles: [top-management]"),
          date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Policy", {POL1: policy()}, who="lena", date=day("2026-02-02"))
    repo.checkout("main")
    merge = github_merge(repo, "pol1", day("2026-02-05"))
    rev = audit_doc(audit(repo, expect=0), "POL-001")["revisions"][0]
    assert rev["approvals"] == [approval("omar", merge, "2026-02-05", evidence="merger")]


def test_squash_merge_committed_by_the_forge_never_counts_as_merger(repo: Repo) -> None:
    setup(repo, MERGER, date=day("2026-01-05"))
    repo.write({POL1: policy()})
    repo.git("add", "-A")
    git_as(repo, "commit", "-q", "-m", "Policy (#12)", author=identity("omar"), committer=GITHUB,
           date=day("2026-02-05"))
    assert codes(audit(repo, expect=1)) == ["unapproved-change"]


# --- diff -------------------------------------------------------------------------------------------


def test_diff_between_revisions_and_against_the_working_tree(repo: Repo) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "r1", {POL1: policy(body="First text.\n")}, ids=("POL-001",), date=day("2026-02-02"))
    change(repo, "r2", {POL1: policy(body="Second text.\n")}, ids=("POL-001",), date=day("2026-03-02"))
    data = run_json(repo, "diff", "POL-001", "1", "2", expect=0)
    assert "-First text." in data["diff"] and "+Second text." in data["diff"]
    assert data["from"].startswith("POL-001 rev 1") and data["to"].startswith("POL-001 rev 2")
    same = repo.run("diff", "POL-001", "--as-of", AS_OF)
    assert same.exit_code == 0 and "no differences" in same.output
    repo.write({POL1: policy(body="Working on a third text.\n")})
    worktree = run_json(repo, "diff", "POL-001", expect=0)
    assert "-Second text." in worktree["diff"] and "+Working on a third text." in worktree["diff"]
    assert worktree["to"] == f"{POL1} (working tree)"
    text = repo.run("diff", "POL-001", "1", "--as-of", AS_OF)
    assert "+Working on a third text." in text.output and "-First text." in text.output
    bad = repo.run("diff", "POL-001", "7", "--as-of", AS_OF)
    assert bad.exit_code == 2 and "no revision 7" in bad.output


# --- trailer parsing (git's rule) -------------------------------------------------------------------


def test_trailer_block_rules() -> None:
    from sms_docs.gitrepo import parse_trailers

    assert parse_trailers("Subject\n\nApproved-by: A <a@x>\nReviewed-by: B <b@x>") == [
        ("Approved-by", "A <a@x>"), ("Reviewed-by", "B <b@x>")]
    # A known key and at least a quarter trailers: the other lines are kept out.
    assert parse_trailers("Subject\n\nSee merge request g/p!12\nApproved-by: A <a@x>") == [("Approved-by", "A <a@x>")]
    # No known key among prose: not a trailer block.
    assert parse_trailers("Subject\n\nSee merge request g/p!12\nNote: this is prose") == []
    # Too few trailers for the prose around them.
    assert parse_trailers("Subject\n\nline one\nline two\nline three\nline four\nline five\nApproved-by: A <a@x>") == []
    # Only the last paragraph; a subject alone has no trailers.
    assert parse_trailers("Subject\n\nApproved-by: A <a@x>\n\nMore text") == []
    assert parse_trailers("Approved-by: A <a@x>") == []
    # Continuation lines fold into the trailer above.
    assert parse_trailers("Subject\n\nChange-reason: a long\n  explanation\nApproved-by: A <a@x>") == [
        ("Change-reason", "a long explanation"), ("Approved-by", "A <a@x>")]
    # Configured keys count as known.
    assert parse_trailers("Subject\n\nSee merge request g/p!12\nAcked-by: A <a@x>", ["Acked-by"]) == [("Acked-by", "A <a@x>")]


def test_a_merges_other_parents_come_from_the_one_pass_exactly_as_git_looks_them_up(repo: Repo) -> None:
    """The log pass reads each merge's diff against every parent (`-m`): what the other parents hold
    at each path the merge changed must be what `git cat-file` says, for a clean merge, a merge that
    changes content itself (an evil merge), a deletion, a file only one side added, and an octopus."""
    from sms_docs import gitrepo

    repo.commit("Initial", {POL1: policy(), POL2: doc("POL-002", "Two"), "notes/a.txt": "a\n"}, who="omar")
    repo.branch("side")
    repo.commit("Side edit", {POL1: policy(body="Side.\n"), "notes/b.txt": "b\n"}, who="omar")
    repo.checkout("main")
    repo.commit("Main edit", {POL2: doc("POL-002", "Two", body="Main.\n"), "notes/a.txt": None}, who="omar")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.write({POL1: policy(body="Evil.\n"), "notes/c.txt": "c\n"})
    repo.commit("Merge side, changed")
    for name in ("o1", "o2"):
        repo.branch(name)
        repo.commit(f"{name}", {f"notes/{name}.txt": name}, who="omar")
        repo.checkout("main")
    repo.git("merge", "-q", "--no-ff", "-m", "Octopus", "o1", "o2")
    with gitrepo.GitRepo(repo.path) as r:
        commits = r.commits(r.resolve("main") or "", use_cache=False)
        merges = [c for c in commits.values() if c.is_merge]
        assert len(merges) == 2 and all(c.against is not None for c in merges)
        checked = 0
        for c in merges:
            assert c.changes == [ch for ch in gitrepo._parse_changes(r._git(
                "log", "-1", c.sha, "--raw", "--no-abbrev", "--no-renames", "-z", "--diff-merges=first-parent",
                gitrepo._format("%H"), "--"))[c.sha]]
            for ch in c.changes:
                for parent in c.parents[1:]:
                    assert c.against is not None
                    theirs = c.against[parent].get(ch.path, ch.new_blob)
                    assert theirs == (r.blob_at(parent, ch.path) or gitrepo.ZERO), (c.subject, ch.path, parent)
                    checked += 1
        assert checked >= 6


def test_every_commits_changes_are_git_own_diff_though_each_pair_of_trees_is_diffed_once(repo: Repo) -> None:
    """The log pass diffs each distinct (parent tree, tree) pair once: a commit whose merge has the
    same pair (a branch merged as it stands), an empty commit, a root commit, and the commits read on
    top of a cache (their parents' trees from the cache) all get exactly git's own diff."""
    from sms_docs import gitrepo

    def git_diff(r: gitrepo.GitRepo, sha: str) -> list[gitrepo.Change]:
        out = r._git("log", "-1", sha, "--raw", "--no-abbrev", "--no-renames", "-z", "--root",
                     "--diff-merges=first-parent", gitrepo._format("%H"), "--")
        return gitrepo._parse_changes(out).get(sha, [])

    repo.commit("Initial", {POL1: policy(), "notes/a.txt": "a\n"}, who="omar")
    for n in range(3):
        repo.branch(f"b{n}")
        repo.commit(f"Edit {n}", {POL1: policy(body=f"Edit {n}.\n")}, who="omar")
        repo.commit(f"Approve {n}", allow_empty=True)
        repo.checkout("main")
        repo.merge(f"b{n}")
    repo.branch("late")
    repo.commit("Late edit", {"notes/b.txt": "b\n"}, who="omar")
    repo.checkout("main")
    repo.commit("Main moves on", {"notes/a.txt": "a2\n"}, who="omar")
    repo.merge("late")
    with gitrepo.GitRepo(repo.path) as r:
        first = r.commits(r.resolve("main") or "")
        _, own, _, _ = r._log_text(r.resolve("main") or "")
        pairs = len(list(gitrepo._pair_runs(own)))
        assert pairs <= sum(1 for c in first.values() if c.changes) - 3  # three edits merged as they stood
        assert sum(1 for c in first.values() if not c.changes) >= 3  # and three empty approvals: no diff
        for sha, c in first.items():
            assert c.changes == git_diff(r, sha), c.subject
    repo.branch("b9")
    repo.commit("Edit 9", {POL1: policy(body="Edit 9.\n")}, who="omar")
    repo.checkout("main")
    repo.merge("b9")
    with gitrepo.GitRepo(repo.path) as r:
        again = r.commits(r.resolve("main") or "")  # the new commits on top of the cache
        assert len(again) == len(first) + 2
        for sha, c in again.items():
            assert c.changes == git_diff(r, sha), c.subject


def test_a_kept_history_extended_by_new_commits_is_the_full_walks(repo: Repo) -> None:
    """`sms-docs serve` extends its last history with the commits added on top of it: an unapproved
    change straight on the main line, then an approval of it landing later (evidence for a revision
    the kept history already holds), then a second document. Each time the result is the full walk's;
    a new main line that does not continue the kept one is walked in full."""
    import dataclasses

    from sms_docs.catalog import Catalog

    def same(kept: Catalog, full: Catalog) -> None:
        assert kept.history.files == full.history.files
        key = lambda f: (f.severity.value, f.code, f.id or "", f.path or "", f.message)  # noqa: E731
        assert sorted(kept.findings, key=key) == sorted(full.findings, key=key)
        assert {k: dataclasses.replace(s, history=None) for k, s in kept.documents.items()} == \
            {k: dataclasses.replace(s, history=None) for k, s in full.documents.items()}

    setup(repo, date=day("2026-01-05"))
    repo.branch("pol1")
    repo.commit("Write the policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    approve(repo, "POL-001", who="dana", date=day("2026-02-03"))
    repo.checkout("main")
    repo.merge("pol1", who="dana", date=day("2026-02-04"))
    with Catalog.open(repo.path, as_of=None, keep=True) as cat:
        kept = cat.history
    walk = kept.walk
    assert walk is not None
    steps = [
        lambda: repo.commit("Quick fix", {POL1: policy(body="Other text.\n")}, who="omar", date=day("2026-02-10")),
        lambda: approve(repo, "POL-001", who="dana", date=day("2026-02-11")),
        lambda: repo.commit("Second policy", {POL2: policy("POL-002", "Second policy")}, who="omar", date=day("2026-02-12")),
    ]
    for step in steps:
        step()
        with Catalog.open(repo.path, keep=True, previous=kept) as cat, Catalog.open(repo.path) as full:
            assert cat.history.walk is walk  # extended
            same(cat, full)
            kept = cat.history
    assert kept.files["POL-001"].revisions[-1].number == 2  # the late approval counted
    repo.git("reset", "-q", "--hard", "HEAD~1")  # the main line rewritten: a full walk
    with Catalog.open(repo.path, keep=True, previous=kept) as cat, Catalog.open(repo.path) as full:
        assert cat.history.walk is not walk
        same(cat, full)
