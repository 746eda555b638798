"""`sms-docs audit` (SPEC sections 5, 6, 8; REQUIREMENTS D4-D10, D16, D18, R3, R4, A1-A7): every
audit finding code fires on a history built for it and stays silent on a clean one; `status` and
`audit` agree; the JSON, CSV and self-contained HTML reports; shallow clones and rewritten history."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from typing import Any, TYPE_CHECKING

import pytest

from conftest import CONFIG, Repo, doc
from trust import (AS_OF, CONFIG_FILE, FINDING_KEYS, POL1, POL2, PRC1, SIGNERS, approval_commit, approve, audit,
                   audit_doc, change, codes, day, findings, policy, run_json, setup, signed_config, signer_line,
                   ssh_key, status_of, trailer, use_key)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

POL3 = "policies/POL-003-information-security-policy.md"
REV1 = "records/review/2026/REV-2026-0001.yml"
CHG1 = "records/change/2026/CHG-2026-0001.yml"
OLD = "records/change/2019/CHG-2019-0001.yml"
DSP1 = "records/disposal/2026/DSP-2026-0001.yml"
SCHEMA = "schemas/record-change.schema.json"


def procedure(ident: str = "PRC-001", body: str = "Steps.\n", **extra: Any) -> str:
    return doc(ident, "Change management", type="procedure", owner="omar", body=body, **extra)


def change_record(ident: str = "CHG-2026-0001", date: str = "2026-02-10", summary: str = "Adopt the change policy",
                  **extra: str) -> str:
    more = "".join(f"{k}: {v}\n" for k, v in extra.items())
    return (f"id: {ident}\ntype: change\ndate: {date}\ncreated_by: omar\nsubject: [POL-001]\n"
            f"change_type: normal\nsummary: {summary}\n{more}")


def review(blob: str, date: str, ident: str = "REV-2026-0001", subject: str = "POL-001") -> str:
    return (f"id: {ident}\ntype: review\ndate: {date}\ncreated_by: omar\nsubject: [{subject}]\noutcome: no-change\n"
            f"blob: {blob}\nnotes: Still accurate.\n")


def disposal(*ids: str, date: str = "2026-03-01") -> str:
    return (f"id: DSP-2026-0001\ntype: disposal\ndate: {date}\ncreated_by: omar\ndisposed: [{', '.join(ids)}]\n"
            "reason: retention period ended\n")


def two_approvals(config: str = CONFIG) -> str:
    return config.replace("approvers: [top-management], min_approvals: 1", "approvers: [top-management], min_approvals: 2")


# --- a clean history ----------------------------------------------------------------------------------


def clean_history(repo: Repo) -> None:
    """Every kind of controlled change done right: documents approved by each evidence kind, a rename,
    an approved configuration and schema change, a document withdrawn with a successor, records
    added (one corrected by a new record), an expired record disposed of, reviews on time."""
    setup(repo, date=day("2026-01-05"))
    old_blob_date = day("2026-01-06")
    change(repo, "c1", {POL1: policy(), POL2: policy("POL-002", "Old change policy"), PRC1: procedure(),
                        OLD: change_record("CHG-2019-0001", date="2019-01-10", summary="An old change")},
           approvers=("dana", "lena"), date=old_blob_date)
    repo.branch("c2")
    repo.commit("Merge-request style change", {POL3: policy("POL-003", "Information security policy")}, who="omar",
                date=day("2026-02-02"))
    repo.checkout("main")
    repo.merge("c2", who="omar", date=day("2026-02-03"), trailers=[trailer("priya")])
    change(repo, "c3", {POL2: policy("POL-002", "Old change policy", status="obsolete", superseded_by="POL-001"),
                        CHG1: change_record()}, ids=("POL-002",), date=day("2026-02-10"))
    change(repo, "c4", {CONFIG_FILE: CONFIG.replace("Example Services Ltd", "Example Services Limited"),
                        SCHEMA: json.dumps({"$ref": "record.schema.json", "type": "object"}) + "\n"},
           approvers=("priya",), date=day("2026-02-20"))
    repo.commit("Correct the change record", {"records/change/2026/CHG-2026-0002.yml": change_record(
        "CHG-2026-0002", summary="Adopt the change policy, corrected", corrects="CHG-2026-0001")}, who="omar",
        date=day("2026-02-21"))
    repo.commit("Dispose of an expired record", {OLD: None, DSP1: disposal("CHG-2019-0001")}, who="omar",
                date=day("2026-03-01"))
    repo.branch("rename")
    repo.git("mv", PRC1, "procedures/PRC-001.md")
    repo.commit("Shorter file name", who="lena", date=day("2026-03-02"))
    repo.checkout("main")
    repo.merge("rename", who="lena", date=day("2026-03-02"))


def test_clean_history_has_no_findings_even_in_strict_mode(repo: Repo) -> None:
    clean_history(repo)
    data = audit(repo, expect=0)
    assert data["findings"] == []
    assert data["ok"] is True
    assert {d["id"]: d["state"] for d in data["documents"]} == {
        "POL-001": "effective", "POL-002": "obsolete", "POL-003": "effective", "PRC-001": "effective",
        SCHEMA: "effective", CONFIG_FILE: "effective"}
    assert [r["id"] for r in data["records"]] == ["CHG-2026-0001", "CHG-2026-0002", "DSP-2026-0001"]
    assert repo.run("audit", "--strict", "--as-of", AS_OF).exit_code == 0
    text = repo.run("audit", "--as-of", AS_OF)
    assert text.exit_code == 0 and "no findings" in text.output
    assert "4 documents" in text.output


def test_audit_json_shape_is_exactly_the_spec(repo: Repo) -> None:
    clean_history(repo)
    repo.commit("Unapproved", {POL1: policy(body="Quick edit.\n")}, who="omar", date=day("2026-04-01"))
    data = audit(repo, expect=1)
    assert list(data) == ["ok", "ref", "as_of", "documents", "records", "findings"]
    assert data["ok"] is False and data["ref"] == "main" and data["as_of"] == AS_OF
    for item in data["documents"]:
        assert list(item) == ["id", "state", "revisions"]
        for rev in item["revisions"]:
            assert list(rev) == ["revision", "commit", "date", "blob", "authors", "approvals"]
            assert len(rev["commit"]) == 40 and len(rev["blob"]) == 40
            assert rev["revision"] is None or isinstance(rev["revision"], int)
            for a in rev["approvals"]:
                assert a["evidence"] in ("approval-commit", "merge-trailer", "forge-review", "merger")
                assert a["signature"] in ("good", "bad", "none", "unknown", "system")
    for record in data["records"]:
        assert list(record) == ["id", "path", "commit", "date"]
        assert len(record["commit"]) == 40
    for f in data["findings"]:
        assert list(f) == FINDING_KEYS


# --- every finding code ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["audit"], ["status"], ["due"], ["history", "POL-001"], ["records", "list", "--since"]])
def test_a_date_beyond_what_can_be_counted_is_a_usage_error(repo: Repo, command: list[str]) -> None:
    clean_history(repo)
    option = [] if command[-1] == "--since" else ["--as-of"]
    result = repo.run(*command, *option, "9999-12-31")
    assert result.exit_code == 2 and "'9999-12-31' is too far ahead" in result.output, result.output
    assert "internal error" not in result.output
    assert repo.run(*command, *option, "9000-12-31").exit_code in (0, 1)


def base(repo: Repo, config: str = CONFIG) -> None:
    setup(repo, config, date=day("2026-01-05"))
    change(repo, "base", {POL1: policy(), PRC1: procedure()}, approvers=("dana", "priya", "lena"),
           date=day("2026-01-10"))


def unapproved_stale(repo: Repo) -> None:
    """The approval binds to the blob it saw; a later commit on the same branch voids it."""
    base(repo)
    repo.branch("stale")
    repo.commit("Edit", {POL1: policy(body="First edit.\n")}, who="omar", date=day("2026-02-01"))
    approve(repo, "POL-001", who="dana", date=day("2026-02-02"))
    repo.commit("Edit after the approval", {POL1: policy(body="Second edit.\n")}, who="omar", date=day("2026-02-03"))
    repo.checkout("main")
    repo.merge("stale", who="omar", date=day("2026-02-04"))


def insufficient(repo: Repo) -> None:
    base(repo, two_approvals())
    change(repo, "one", {POL1: policy(body="Edit.\n")}, ids=("POL-001",), approvers=("dana",), date=day("2026-02-01"))


def self_approval(repo: Repo) -> None:
    base(repo)
    repo.branch("self")
    repo.commit("Edit", {PRC1: procedure(body="Omar's steps.\n")}, who="omar", date=day("2026-02-01"))
    approval_commit(repo, "omar", [("PRC-001", repo.blob(PRC1))], date=day("2026-02-02"))
    repo.checkout("main")
    repo.merge("self", who="omar", date=day("2026-02-04"))


def not_authorised(repo: Repo) -> None:
    base(repo)
    repo.branch("lena")
    repo.commit("Edit", {POL1: policy(body="Edit.\n")}, who="omar", date=day("2026-02-01"))
    approval_commit(repo, "lena", [("POL-001", repo.blob(POL1))], date=day("2026-02-02"))  # no top-management role
    repo.checkout("main")
    repo.merge("lena", who="omar", date=day("2026-02-04"))


def unknown_email(repo: Repo) -> None:
    base(repo)
    repo.branch("mallory")
    repo.commit("Edit", {POL1: policy(body="Edit.\n")}, who="omar", date=day("2026-02-01"))
    repo.checkout("main")
    repo.merge("mallory", who="omar", date=day("2026-02-04"), trailers=["Approved-by: Mallory <mallory@example.com>"])


def unsigned(repo: Repo) -> None:
    base(repo)
    change(repo, "sign", {CONFIG_FILE: signed_config(CONFIG)}, approvers=("dana",), date=day("2026-02-01"))
    change(repo, "edit", {POL1: policy(body="Edit.\n")}, ids=("POL-001",), approvers=("priya",), date=day("2026-02-05"))


def bad_signature(repo: Repo) -> None:
    """Priya's approval commit signed with Dana's key: git verifies it (for dana), but it is not
    Priya's signature. Invalid even where signatures are optional."""
    keys = repo.path.parent / "keys"
    keys.mkdir()
    dana_key, dana_public = ssh_key(keys, "dana")
    base(repo)
    change(repo, "keys", {SIGNERS: signer_line("dana", dana_public) + "\n"}, approvers=("dana",), date=day("2026-02-01"))
    repo.branch("edit")
    repo.commit("Edit", {POL1: policy(body="Edit.\n")}, who="omar", date=day("2026-02-05"))
    use_key(repo, dana_key)
    approve(repo, "POL-001", "--sign", who="priya", date=day("2026-02-05"))
    repo.checkout("main")
    repo.merge("edit", who="omar", date=day("2026-02-06"))


def obsolete_modified(repo: Repo) -> None:
    base(repo)
    change(repo, "withdraw", {POL2: policy("POL-002", "Old policy", status="obsolete", withdrawn_reason="Merged into POL-001")},
           ids=("POL-002",), date=day("2026-02-01"))
    change(repo, "revive", {POL2: policy("POL-002", "Old policy", status="obsolete", withdrawn_reason="Merged into POL-001",
                                         body="Edited after withdrawal.\n")}, ids=("POL-002",), date=day("2026-03-01"))


def document_deleted(repo: Repo) -> None:
    base(repo)
    change(repo, "delete", {POL1: None}, approvers=(), date=day("2026-02-01"))


def id_reused(repo: Repo) -> None:
    base(repo)
    repo.commit("Delete", {POL1: None}, who="omar", date=day("2026-02-01"))
    change(repo, "reuse", {"policies/POL-001-remote-working.md": policy("POL-001", "Remote working policy")},
           ids=("POL-001",), date=day("2026-03-01"))


def record_modified(repo: Repo) -> None:
    base(repo)
    repo.commit("Record a change", {CHG1: change_record()}, who="omar", date=day("2026-02-01"))
    repo.commit("Improve the record", {CHG1: change_record(summary="Better words")}, who="omar", date=day("2026-02-02"))


def record_deleted(repo: Repo) -> None:
    base(repo)
    repo.commit("Record a change", {CHG1: change_record()}, who="omar", date=day("2026-02-01"))
    repo.commit("Remove it", {CHG1: None}, who="omar", date=day("2026-02-02"))


def retention_expired(repo: Repo) -> None:
    base(repo)
    repo.commit("An old record", {OLD: change_record("CHG-2019-0001", date="2019-01-10")}, who="omar",
                date=day("2026-02-01"))


def review_overdue(repo: Repo) -> None:
    base(repo)  # POL-001 effective 2026-01-10, cycle 12 months


def history_rewritten(repo: Repo) -> None:
    base(repo)
    change(repo, "r2", {POL1: policy(body="Second.\n")}, ids=("POL-001",), date=day("2026-02-01"))
    result = repo.run("audit", "--record-tags", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert repo.git("tag", "--list", "sms/*").split() == ["sms/POL-001/r1", "sms/POL-001/r2", "sms/PRC-001/r1"]
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.git("commit", "-q", "--amend", "-m", "Merge branch 'base' (reworded)", who="dana", date=day("2026-01-10", 11))


def duplicate_id(repo: Repo) -> None:
    """Two files with one ID on the main line: `check` reports it, and so must the audit."""
    base(repo)
    repo.commit("Copy the policy", {"policies/POL-001-copy.md": policy(title="Copy of the policy", body="Copied.\n")},
                who="omar", date=day("2026-02-01"))


def duplicate_record_id(repo: Repo) -> None:
    base(repo)
    repo.commit("Record a change", {CHG1: change_record()}, who="omar", date=day("2026-02-01"))
    repo.commit("Record it again", {"records/change/2026/CHG-2026-0001-again.yml": change_record(summary="Again")},
                who="omar", date=day("2026-02-02"))


def unapproved_config(repo: Repo) -> None:
    base(repo)
    repo.commit("New schema", {SCHEMA: '{"type": "object"}\n'}, who="dana", date=day("2026-02-01"))


# code -> (build, as-of, expected findings: (code, severity, id, path))
CASES: dict[str, tuple[Callable[[Repo], None], str, list[tuple[str, str, str | None, str | None]]]] = {
    "unapproved-change": (unapproved_stale, AS_OF, [("unapproved-change", "error", "POL-001", POL1)]),
    "unapproved-change-config": (unapproved_config, AS_OF, [("unapproved-change", "error", None, SCHEMA)]),
    "insufficient-approvals": (insufficient, AS_OF, [("insufficient-approvals", "error", "POL-001", POL1)]),
    "self-approval": (self_approval, AS_OF, [("self-approval", "error", "PRC-001", PRC1),
                                            ("unapproved-change", "error", "PRC-001", PRC1)]),
    "approver-not-authorised": (not_authorised, AS_OF, [("approver-not-authorised", "error", "POL-001", POL1),
                                                        ("unapproved-change", "error", "POL-001", POL1)]),
    "approver-not-authorised-unknown": (unknown_email, AS_OF, [("approver-not-authorised", "error", "POL-001", POL1),
                                                               ("unapproved-change", "error", "POL-001", POL1)]),
    "approval-unsigned": (unsigned, AS_OF, [("approval-unsigned", "error", "POL-001", POL1),
                                            ("unapproved-change", "error", "POL-001", POL1)]),
    "signature-invalid": (bad_signature, AS_OF, [("signature-invalid", "error", "POL-001", POL1),
                                                 ("unapproved-change", "error", "POL-001", POL1)]),
    "obsolete-modified": (obsolete_modified, AS_OF, [("obsolete-modified", "error", "POL-002", POL2)]),
    "document-deleted": (document_deleted, AS_OF, [("document-deleted", "error", "POL-001", POL1)]),
    "id-reused": (id_reused, AS_OF, [("document-deleted", "error", "POL-001", POL1),
                                     ("id-reused", "error", "POL-001", "policies/POL-001-remote-working.md")]),
    "record-modified": (record_modified, AS_OF, [("record-modified", "error", "CHG-2026-0001", CHG1)]),
    "record-deleted": (record_deleted, AS_OF, [("record-deleted", "error", "CHG-2026-0001", CHG1)]),
    "retention-expired": (retention_expired, AS_OF, [("retention-expired", "warning", "CHG-2019-0001", OLD)]),
    "review-overdue": (review_overdue, "2027-01-11", [("review-overdue", "warning", "POL-001", POL1)]),
    "duplicate-id": (duplicate_id, AS_OF, [("duplicate-id", "error", "POL-001", "policies/POL-001-copy.md"),
                                           ("unapproved-change", "error", "POL-001", "policies/POL-001-copy.md")]),
    "duplicate-id-record": (duplicate_record_id, AS_OF, [("duplicate-id", "error", "CHG-2026-0001",
                                                          "records/change/2026/CHG-2026-0001-again.yml")]),
    "history-rewritten": (history_rewritten, AS_OF, [("history-rewritten", "error", "POL-001", None),
                                                     ("history-rewritten", "error", "POL-001", None),
                                                     ("history-rewritten", "error", "PRC-001", None)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_finding_code_fires(repo: Repo, case: str) -> None:
    build, as_of, expected = CASES[case]
    build(repo)
    result = repo.run("audit", "--format", "json", "--as-of", as_of)
    data = json.loads(result.stdout)
    got = sorted((f["code"], f["severity"], f["id"], f["path"]) for f in data["findings"])
    assert got == sorted(expected), json.dumps(data["findings"], indent=1)
    if case == "unapproved-change":
        assert "is for other content" in findings(data, "unapproved-change")[0]["message"]
    errors = any(severity == "error" for _, severity, _, _ in expected)
    assert result.exit_code == (1 if errors else 0)
    assert data["ok"] is not errors
    for f in data["findings"]:
        assert f["message"] and f["line"] is None
    if not errors:
        assert repo.run("audit", "--strict", "--as-of", as_of).exit_code == 1
    text = repo.run("audit", "--as-of", as_of)
    for code, *_ in expected:
        assert code in text.output


def test_every_audit_code_has_a_case() -> None:
    spec = {"unapproved-change", "insufficient-approvals", "self-approval", "approver-not-authorised",
            "approval-unsigned", "signature-invalid", "obsolete-modified", "id-reused", "record-modified",
            "record-deleted", "retention-expired", "review-overdue", "history-rewritten", "document-deleted"}
    fired = {code for _, _, expected in CASES.values() for code, *_ in expected}
    assert spec <= fired


# --- ... and where each must stay silent --------------------------------------------------------------


def test_approval_after_the_last_edit_is_not_stale(repo: Repo) -> None:
    base(repo)
    repo.branch("fresh")
    repo.commit("Edit", {POL1: policy(body="First edit.\n")}, who="omar", date=day("2026-02-01"))
    repo.commit("Edit again", {POL1: policy(body="Second edit.\n")}, who="omar", date=day("2026-02-03"))
    approve(repo, "POL-001", who="dana", date=day("2026-02-04"))
    repo.checkout("main")
    repo.merge("fresh", who="omar", date=day("2026-02-04"))
    assert audit(repo, expect=0)["findings"] == []


def test_two_approvals_meet_min_approvals_2(repo: Repo) -> None:
    base(repo, two_approvals())
    change(repo, "two", {POL1: policy(body="Edit.\n")}, ids=("POL-001",), approvers=("dana", "priya"),
           date=day("2026-02-01"))
    assert audit(repo, expect=0)["findings"] == []
    assert status_of(repo, "POL-001")["revision"] == 2


def test_the_same_person_twice_is_one_approval(repo: Repo) -> None:
    base(repo, two_approvals())
    repo.branch("twice")
    repo.commit("Edit", {POL1: policy(body="Edit.\n")}, who="omar", date=day("2026-02-01"))
    approve(repo, "POL-001", who="dana")
    repo.checkout("main")
    repo.merge("twice", who="omar", trailers=[trailer("dana")])
    assert codes(audit(repo, expect=1)) == ["insufficient-approvals"]


def test_approver_who_did_not_author_is_no_self_approval(repo: Repo) -> None:
    """Merging is not authoring; a earlier author whose change was approved is not an author of the next one."""
    base(repo)  # omar wrote PRC-001 revision 1
    change(repo, "lena", {PRC1: procedure(body="Lena's steps.\n")}, author="lena", approvers=("omar",),
           ids=("PRC-001",), merger="omar", date=day("2026-02-01"))
    assert audit(repo, expect=0)["findings"] == []


def test_authors_since_the_last_approved_revision_count_for_self_approval(repo: Repo) -> None:
    """Omar edits straight on main (unapproved), lena edits on a branch and omar approves: omar
    authored part of what he approves."""
    base(repo)
    repo.commit("Omar's direct edit", {PRC1: procedure(body="Omar's steps.\n")}, who="omar", date=day("2026-02-01"))
    repo.branch("lena")
    repo.commit("Lena's edit", {PRC1: procedure(body="Lena's steps.\n")}, who="lena", date=day("2026-02-02"))
    approval_commit(repo, "omar", [("PRC-001", repo.blob(PRC1))], date=day("2026-02-03"))
    repo.checkout("main")
    repo.merge("lena", who="dana", date=day("2026-02-04"))
    data = audit(repo, expect=1)
    assert codes(data) == ["self-approval", "unapproved-change", "unapproved-change"]
    last = audit_doc(data, "PRC-001")["revisions"][-1]
    assert sorted(a["email"] for a in last["authors"]) == ["lena@example.com", "omar@example.com"]


def test_configuration_changes_approved_by_top_management_are_clean(repo: Repo) -> None:
    base(repo)
    change(repo, "cfg", {CONFIG_FILE: CONFIG.replace("Example Services Ltd", "Example Ltd"),
                         SCHEMA: '{"$ref": "record.schema.json"}\n', SIGNERS: "# no keys yet\n"},
           author="omar", approvers=("priya",), date=day("2026-02-01"))
    data = audit(repo, expect=0)
    assert data["findings"] == []
    for key in (CONFIG_FILE, SCHEMA, SIGNERS):
        assert audit_doc(data, key)["state"] == "effective"
    assert run_json(repo, "history", SIGNERS)["revisions"][0]["revision"] == 1


@pytest.mark.parametrize("path,content", [
    (CONFIG_FILE, CONFIG.replace("Example Services Ltd", "Example Ltd")),
    (SCHEMA, '{"type": "object"}\n'),
    (SIGNERS, "# no keys\n"),
])
def test_configuration_change_without_approval_is_unapproved(repo: Repo, path: str, content: str) -> None:
    base(repo)
    repo.branch("cfg")
    repo.commit("Configuration change", {path: content}, who="lena", date=day("2026-02-01"))
    approval_commit(repo, "omar", [(path, repo.blob(path))], date=day("2026-02-02"))  # omar is not top management
    repo.checkout("main")
    repo.merge("cfg", who="omar", date=day("2026-02-03"))
    data = audit(repo, expect=1)
    assert sorted((f["code"], f["path"], f["id"]) for f in data["findings"]) == [
        ("approver-not-authorised", path, None), ("unapproved-change", path, None)]
    # sms-docs.yml had an approved revision (changed); the schema and the signers file are new (draft).
    assert audit_doc(data, path)["state"] == ("changed" if path == CONFIG_FILE else "draft")


def test_deleting_a_configuration_file_needs_approval(repo: Repo) -> None:
    base(repo)
    change(repo, "cfg", {SCHEMA: '{"$ref": "record.schema.json"}\n'}, approvers=("priya",), date=day("2026-02-01"))
    repo.commit("Drop the schema override", {SCHEMA: None}, who="omar", date=day("2026-02-05"))
    data = audit(repo, expect=1)
    assert [(f["code"], f["path"]) for f in data["findings"]] == [("unapproved-change", SCHEMA)]
    # Restoring the approved content is a change of its own: the old approval was for its first
    # landing (graph order; tests/security/test_attack_graph_order.py has the attack this closes).
    change(repo, "restore", {SCHEMA: '{"$ref": "record.schema.json"}\n'}, approvers=("priya",), date=day("2026-02-06"))
    assert [r["revision"] for r in run_json(repo, "history", SCHEMA)["revisions"]] == [1, None, 1]
    repo.branch("drop")
    repo.commit("Drop it, approved this time", {SCHEMA: None}, who="omar", date=day("2026-02-07"))
    repo.checkout("main")
    repo.merge("drop", who="omar", date=day("2026-02-08"), trailers=[trailer("priya")])
    assert [(f["code"], f["path"]) for f in audit(repo)["findings"]] == [("unapproved-change", SCHEMA)]
    revs = run_json(repo, "history", SCHEMA)["revisions"]
    assert [(r["revision"], r["blob"]) for r in revs][-1] == (2, "0" * 40)
    assert audit_doc(audit(repo), SCHEMA)["state"] == "obsolete"


def test_a_new_configuration_is_judged_by_the_one_in_force(repo: Repo) -> None:
    """Omar cannot make himself top management: the change is judged by the approved configuration."""
    base(repo)
    promoted = CONFIG.replace("roles: [sms-manager, process-owner]", "roles: [top-management]")
    repo.branch("promote")
    repo.commit("Promote omar", {CONFIG_FILE: promoted, POL1: policy(body="Omar's policy.\n")}, who="lena",
                date=day("2026-02-01"))
    # `approve` itself goes by the configuration in force on the main line, not the branch's.
    refused = repo.run("approve", "--all", who="omar")
    assert refused.exit_code == 1 and "omar may not approve" in refused.output
    approval_commit(repo, "omar", [(CONFIG_FILE, repo.blob(CONFIG_FILE)), ("POL-001", repo.blob(POL1))],
                    date=day("2026-02-02"))
    repo.checkout("main")
    repo.merge("promote", who="omar", date=day("2026-02-03"))
    data = audit(repo, expect=1)
    assert sorted((f["code"], f["path"]) for f in data["findings"]) == [
        ("approver-not-authorised", POL1), ("approver-not-authorised", CONFIG_FILE),
        ("unapproved-change", POL1), ("unapproved-change", CONFIG_FILE)]


def test_obsolete_document_with_a_successor_is_not_modified(repo: Repo) -> None:
    base(repo)
    change(repo, "withdraw", {POL2: policy("POL-002", "Old policy")}, ids=("POL-002",), date=day("2026-02-01"))
    change(repo, "obsolete", {POL2: policy("POL-002", "Old policy", status="obsolete", superseded_by="POL-001")},
           ids=("POL-002",), date=day("2026-02-05"))
    data = audit(repo, expect=0)
    assert data["findings"] == []
    assert status_of(repo, "POL-002")["state"] == "obsolete"


def test_deleting_a_draft_is_not_a_deleted_document_and_its_id_may_come_back(repo: Repo) -> None:
    base(repo)
    repo.commit("A draft", {POL2: policy("POL-002", "Draft")}, who="omar", date=day("2026-02-01"))
    repo.commit("Drop the draft", {POL2: None}, who="omar", date=day("2026-02-02"))
    data = audit(repo)
    assert codes(data) == ["unapproved-change"]  # the draft reached main without approval
    change(repo, "again", {POL2: policy("POL-002", "Second try")}, ids=("POL-002",), date=day("2026-02-05"))
    assert "id-reused" not in codes(audit(repo)) and "document-deleted" not in codes(audit(repo))


def test_deleting_an_obsolete_document_is_still_a_deleted_document(repo: Repo) -> None:
    """REQUIREMENTS D16: obsolete documents are retained and marked, never deleted."""
    base(repo)
    change(repo, "withdraw", {POL2: policy("POL-002", "Old policy")}, ids=("POL-002",), date=day("2026-02-01"))
    change(repo, "obsolete", {POL2: policy("POL-002", "Old policy", status="obsolete", superseded_by="POL-001")},
           ids=("POL-002",), date=day("2026-02-05"))
    change(repo, "delete", {POL2: None}, approvers=(), date=day("2026-03-01"))
    data = audit(repo, expect=1)
    assert codes(data) == ["document-deleted"]
    assert status_of(repo, "POL-002")["state"] == "obsolete"


def test_restoring_a_deleted_document_is_not_id_reuse(repo: Repo) -> None:
    base(repo)
    repo.commit("Delete", {POL1: None}, who="omar", date=day("2026-02-01"))
    repo.git("revert", "--no-edit", "HEAD", who="omar", date=day("2026-02-02"))
    data = audit(repo, expect=1)
    # the deletion stays on the record, and the restore, a change of its own, awaits approval
    assert codes(data) == ["document-deleted", "unapproved-change"]
    assert "id-reused" not in codes(data)
    assert status_of(repo, "POL-001")["state"] == "effective"  # what stands is the approved text of revision 1


def test_renaming_a_document_is_no_duplicate_id(repo: Repo) -> None:
    base(repo)
    change(repo, "rename", {POL1: None, "policies/POL-001-renamed.md": policy()}, approvers=(), date=day("2026-02-01"))
    data = audit(repo, expect=0)
    assert "duplicate-id" not in codes(data) and data["findings"] == []
    assert repo.run("check").exit_code == 0


def test_disposed_record_is_not_deleted_and_a_moved_record_is_not_either(repo: Repo) -> None:
    base(repo)
    repo.commit("Old record", {OLD: change_record("CHG-2019-0001", date="2019-01-10")}, who="omar",
                date=day("2026-02-01"))
    repo.commit("Dispose", {OLD: None, DSP1: disposal("CHG-2019-0001")}, who="omar", date=day("2026-03-01"))
    repo.commit("Record", {CHG1: change_record()}, who="omar", date=day("2026-03-02"))
    repo.git("mv", CHG1, "records/change/CHG-2026-0001.yml")
    repo.commit("Flatter folders", who="omar", date=day("2026-03-03"))
    data = audit(repo, expect=0)
    assert data["findings"] == []
    assert [r["path"] for r in data["records"]] == ["records/change/CHG-2026-0001.yml", DSP1]


def test_retention_not_yet_expired_and_disposal_records_never_expire(repo: Repo) -> None:
    base(repo)
    repo.commit("Records", {CHG1: change_record(date="2023-07-01"),  # 3 years: until 2026-07-01
                            DSP1: disposal("CHG-2019-0001", date="2010-01-01")}, who="omar", date=day("2026-02-01"))
    assert audit(repo, expect=0)["findings"] == []
    later = audit(repo, "--as-of", "2026-07-02", expect=0)
    assert [(f["code"], f["id"]) for f in later["findings"]] == [("retention-expired", "CHG-2026-0001")]


def test_review_on_time_and_a_no_change_review_moves_the_next_review(repo: Repo) -> None:
    base(repo)
    assert codes(audit(repo, "--as-of", "2027-01-10")) == []
    blob = repo.blob(POL1)
    repo.commit("Review", {REV1: review(blob, "2026-12-01")}, who="omar", date=day("2026-12-01"))
    assert status_of(repo, "POL-001", "--as-of", "2027-01-11")["next_review"] == "2027-12-01"
    assert codes(audit(repo, "--as-of", "2027-01-11")) == []
    assert codes(audit(repo, "--as-of", "2027-12-02")) == ["review-overdue"]


def test_review_of_other_content_does_not_move_the_next_review(repo: Repo) -> None:
    base(repo)
    repo.commit("Review", {REV1: review("0" * 40, "2026-12-01")}, who="omar", date=day("2026-12-01"))
    assert status_of(repo, "POL-001", "--as-of", "2027-01-11")["next_review"] == "2027-01-10"
    assert codes(audit(repo, "--as-of", "2027-01-11")) == ["review-overdue"]


def test_recorded_tags_without_a_rewrite_are_silent(repo: Repo) -> None:
    base(repo)
    change(repo, "r2", {POL1: policy(body="Second.\n")}, ids=("POL-001",), date=day("2026-02-01"))
    assert repo.run("audit", "--record-tags", "--as-of", AS_OF).exit_code == 0
    change(repo, "r3", {POL1: policy(body="Third.\n")}, ids=("POL-001",), date=day("2026-03-01"))
    assert audit(repo, expect=0)["findings"] == []
    assert audit(repo, "--as-of", "2026-01-20", expect=0)["findings"] == []  # tags newer than the day are not rewrites
    result = repo.run("audit", "--record-tags", "--as-of", AS_OF)
    assert "tagged 1 approved revision" in result.output
    assert repo.git("rev-parse", "sms/POL-001/r3^{commit}") == repo.git("rev-parse", "main")


def test_shallow_clone_exits_3_with_how_to_fetch_the_full_history(repo: Repo, tmp_path: Path) -> None:
    base(repo)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True,
                   capture_output=True)
    shallow = Repo(clone)
    for command in (["audit"], ["status"], ["history", "POL-001"], ["audit", "--format", "json"]):
        result = shallow.run(*command, "--as-of", AS_OF)
        assert result.exit_code == 3, (command, result.output)
        assert "git fetch --unshallow" in result.output and "Traceback" not in result.output
        assert "shallow" in result.output


def test_audit_works_on_an_offline_mirror(repo: Repo, tmp_path: Path) -> None:
    """REQUIREMENTS D8: every piece of evidence is in git; a bare mirror with the configuration is enough."""
    clean_history(repo)
    mirror = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(mirror / ".git")], check=True)
    subprocess.run(["git", "config", "--bool", "core.bare", "false"], cwd=mirror, check=True)
    subprocess.run(["git", "checkout", "-q", "main", "--", "sms-docs.yml"], cwd=mirror, check=True)
    copy = Repo(mirror)
    assert json.loads(copy.run("audit", "--format", "json", "--as-of", AS_OF).stdout) == audit(repo)


# --- status and audit agree --------------------------------------------------------------------------


def every_state(repo: Repo) -> None:
    base(repo)  # POL-001, PRC-001 effective
    change(repo, "future", {POL3: policy("POL-003", "Security policy", effective="2026-12-01")}, ids=("POL-003",),
           date=day("2026-02-01"))  # approved
    repo.commit("Draft", {POL2: policy("POL-002", "Draft policy")}, who="omar", date=day("2026-02-02"))  # draft
    repo.commit("Quick edit", {PRC1: procedure(body="Unapproved.\n")}, who="omar", date=day("2026-02-03"))  # changed
    change(repo, "obs", {"policies/POL-004-old.md": policy("POL-004", "Old")}, ids=("POL-004",), date=day("2026-02-04"))
    change(repo, "obs2", {"policies/POL-004-old.md": policy("POL-004", "Old", status="obsolete", superseded_by="POL-001")},
           ids=("POL-004",), date=day("2026-02-05"))


def test_status_and_audit_agree_on_every_state(repo: Repo) -> None:
    every_state(repo)
    for as_of in ("2026-01-10", "2026-02-02", AS_OF, "2026-12-01"):
        status = {d["id"]: d["state"] for d in run_json(repo, "status", "--as-of", as_of)["documents"]}
        audited = {d["id"]: d["state"] for d in audit(repo, "--as-of", as_of)["documents"] if "/" not in d["id"]
                   and d["id"] != CONFIG_FILE}
        assert status == audited, as_of
    assert {d["id"]: d["state"] for d in run_json(repo, "status")["documents"]} == {
        "POL-001": "effective", "POL-002": "draft", "POL-003": "approved", "POL-004": "obsolete", "PRC-001": "changed"}
    only = run_json(repo, "status", "--state", "changed")
    assert [d["id"] for d in only["documents"]] == ["PRC-001"]


# --- reports -------------------------------------------------------------------------------------------


def test_html_report_is_self_contained_and_escaped(repo: Repo, tmp_path: Path) -> None:
    base(repo)
    change(repo, "xss", {POL2: policy("POL-002", "<script>alert('x')</script> & policy")}, approvers=(),
           date=day("2026-02-01"))
    out = tmp_path / "audit.html"
    result = repo.run("audit", "--format", "html", "--output", str(out), "--as-of", AS_OF)
    assert result.exit_code == 1
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; policy" in html
    assert "src=" not in html and "href=\"http" not in html and "<link" not in html  # nothing fetched
    assert "Document control audit: Example Services Ltd" in html
    assert "FAIL: 1 errors, 0 warnings" in html
    assert "unapproved-change" in html and "POL-002" in html
    assert "<th>Rev</th>" in html and "Dana Reyes" in html and "approval-commit" in html
    assert "<h2>Findings</h2>" in html and "<h2>Documents</h2>" in html


def test_csv_report_has_a_header_and_a_row_per_approval(repo: Repo) -> None:
    base(repo)
    result = repo.run("audit", "--format", "csv", "--as-of", AS_OF)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["id", "revision", "commit", "date", "blob", "authors", "approver", "email", "meaning",
                             "approval_date", "evidence", "signature", "valid", "reason"]
    pol = [r for r in rows if r["id"] == "POL-001"]
    assert [(r["revision"], r["approver"], r["evidence"], r["valid"]) for r in pol] == [
        ("1", "Dana Reyes", "approval-commit", "yes"), ("1", "Priya Nair", "approval-commit", "yes")]


def test_output_file_for_json_and_text(repo: Repo, tmp_path: Path) -> None:
    base(repo)
    out = tmp_path / "audit.json"
    result = repo.run("audit", "--format", "json", "--output", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0 and f"wrote {out}" in result.output
    assert json.loads(out.read_text()) == audit(repo)


def test_a_second_file_with_the_same_id_cannot_hide_a_change(repo: Repo) -> None:
    base(repo)
    change(repo, "dup", {"policies/POL-001-copy.md": policy(body="Copy.\n")}, approvers=(), trailers=[trailer("priya")],
           date=day("2026-02-01"))
    repo.commit("Edit the copy", {"policies/POL-001-copy.md": policy(body="Nobody approved this.\n")}, who="omar",
                date=day("2026-02-02"))
    data = audit(repo, expect=1)
    assert sorted((f["code"], f["path"]) for f in data["findings"]) == [
        ("duplicate-id", "policies/POL-001-copy.md"), ("unapproved-change", "policies/POL-001-copy.md")]


def test_unknown_ref_is_a_usage_error(repo: Repo) -> None:
    base(repo)
    result = repo.run("status", "--ref", "no-such-branch")
    assert result.exit_code == 2 and "no-such-branch" in result.output


def test_tags_are_not_rewrites_when_auditing_a_branch_behind_main(repo: Repo) -> None:
    base(repo)
    repo.git("branch", "old", "main")
    change(repo, "r2", {POL1: policy(body="Second.\n")}, ids=("POL-001",), date=day("2026-02-01"))
    assert repo.run("audit", "--record-tags", "--as-of", AS_OF).exit_code == 0
    data = audit(repo, "--ref", "old", expect=0)
    assert data["findings"] == [] and data["ref"] == "old"
