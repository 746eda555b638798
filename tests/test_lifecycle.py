"""Periodic review (`review`, `due`), withdrawal (`obsolete`) and the register of documents of external
origin (`external`), on real repositories with fixed dates: the records they write, the state the
catalog derives once those reach the main line, the `--as-of` edges (due today, due tomorrow, leap
years) and every refusal, which exits non-zero, changes nothing and says why."""

from __future__ import annotations

import hashlib

import pytest

from conftest import CONFIG, Repo, doc
from lifecycle_support import (POL1, POL2, POL3, PRC1, audit_codes, bootstrap, day, files_under, finish, land,
                               read_yaml, record_on_main, run, run_json, snapshot, status_of)

REV1 = "records/review/2026/REV-2026-0001.yml"


def pol1() -> str:
    return doc("POL-001", "Service management policy")


# --- review --------------------------------------------------------------------------------------


def test_review_writes_a_record_bound_to_the_effective_blob(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    blob = repo.blob(POL1, "main")
    result = run(repo, "review", "POL-001", "--outcome", "no-change", "--notes", "Checked against practice",
                 as_of="2026-12-01", who="lena")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == REV1
    assert "Wrote review record REV-2026-0001: POL-001 Service management policy (rev 1" in result.output
    assert "by Lena Fischer on 2026-12-01" in result.output
    assert "next review of POL-001 is due 2027-12-01 (cycle 12 months)" in result.output
    assert "Nothing was committed" in result.output
    assert read_yaml(repo, REV1) == {
        "id": "REV-2026-0001", "type": "review", "date": "2026-12-01", "created_by": "lena",
        "subject": ["POL-001"], "outcome": "no-change", "notes": "Checked against practice", "blob": blob}
    # Written, not committed; and what it wrote passes `check`.
    assert repo.git("status", "--porcelain") == "?? records/"
    assert run(repo, "check").exit_code == 0


def test_review_json_output(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    data = run_json(repo, "review", "POL-001", "--outcome", "revise", as_of="2026-12-01")
    assert data == {"id": "REV-2026-0001", "path": REV1, "subject": "POL-001", "revision": 1,
                    "blob": repo.blob(POL1, "main"), "outcome": "revise", "date": "2026-12-01",
                    "created_by": "dana", "next_review": "2027-01-05", "committed": False}


def test_no_change_review_restarts_the_cycle_once_it_reaches_the_main_line(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()}, on="2026-01-05")
    assert status_of(repo, "POL-001", "2026-12-01")["next_review"] == "2027-01-05"
    assert run(repo, "review", "POL-001", "--outcome", "no-change", as_of="2026-12-01").exit_code == 0
    # In the working tree only, the record changes nothing: the main line is the evidence.
    assert status_of(repo, "POL-001", "2026-12-01")["next_review"] == "2027-01-05"
    record_on_main(repo, "Review POL-001", on="2026-12-01")
    after = status_of(repo, "POL-001", "2026-12-01")
    assert after["next_review"] == "2027-12-01"
    assert after["revision"] == 1 and after["state"] == "effective"  # no new revision
    assert "2027-12-01" in run(repo, "status", as_of="2026-12-01").output
    # As of the day before the record reached the main line, the old cycle stands.
    assert status_of(repo, "POL-001", "2026-11-30")["next_review"] == "2027-01-05"
    assert run_json(repo, "due", as_of="2026-12-10")["reviews"] == []
    assert ("review-overdue", "POL-001") not in audit_codes(repo, "2027-01-06")


def test_revise_outcome_leaves_evidence_but_does_not_restart_the_cycle(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    result = run(repo, "review", "POL-001", "--outcome", "revise", "--notes", "Roles are out of date", as_of="2026-12-01")
    assert result.exit_code == 0
    assert "the review cycle does not restart" in result.output
    record_on_main(repo, "Review POL-001", on="2026-12-01")
    assert read_yaml(repo, REV1)["outcome"] == "revise"
    assert status_of(repo, "POL-001", "2026-12-01")["next_review"] == "2027-01-05"


def test_a_review_counts_only_for_the_content_it_names(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    other = "0123456789abcdef0123456789abcdef01234567"
    record_on_main(repo, "A review of other content", {REV1: (
        "id: REV-2026-0001\ntype: review\ndate: 2026-12-01\ncreated_by: dana\nsubject: [POL-001]\n"
        f"outcome: no-change\nnotes: ''\nblob: {other}\n")}, on="2026-12-01")
    assert status_of(repo, "POL-001", "2026-12-01")["next_review"] == "2027-01-05"


def test_review_of_a_changed_document_binds_to_the_effective_revision(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    approved = repo.blob(POL1, "main")
    repo.commit("Edit without approval", {POL1: doc("POL-001", "Service management policy", body="New.\n")},
                who="omar", date=day("2026-02-01"))
    assert status_of(repo, "POL-001", "2026-02-02")["state"] == "changed"
    result = run(repo, "review", "POL-001", "--outcome", "no-change", as_of="2026-02-02")
    assert result.exit_code == 0
    assert "unapproved change" in result.output
    assert read_yaml(repo, "records/review/2026/REV-2026-0001.yml")["blob"] == approved


def test_review_numbers_continue_across_branches(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    repo.branch("reviews")
    assert run(repo, "review", "POL-001", "--outcome", "no-change", as_of="2026-12-01").output.startswith(REV1)
    repo.commit("Review on a branch", date=day("2026-12-01"))
    repo.checkout("main")
    assert not (repo.path / REV1).exists()
    second = run(repo, "review", "POL-001", "--outcome", "no-change", as_of="2026-12-02")
    assert second.output.splitlines()[0] == "records/review/2026/REV-2026-0002.yml"
    third = run(repo, "review", "POL-001", "--outcome", "no-change", as_of="2027-01-02")
    assert third.output.splitlines()[0] == "records/review/2027/REV-2027-0001.yml"


@pytest.mark.parametrize(("args", "who", "code", "words"), [
    (["POL-001", "--outcome", "no-change"], "stranger", 1, ["stranger@example.com is not a person in sms-docs.yml"]),
    (["POL-099", "--outcome", "no-change"], "dana", 2, ["no document POL-099"]),
    (["POL-002", "--outcome", "no-change"], "dana", 1, ["POL-002 is obsolete", "not reviewed"]),
    (["POL-003", "--outcome", "no-change"], "dana", 1, ["POL-003 has no effective revision", "never approved"]),
    (["POL-001", "--outcome", "maybe"], "dana", 2, ["'maybe' is not one of"]),
], ids=["unknown-person", "unknown-id", "obsolete", "draft", "bad-outcome"])
def test_review_refusals_change_nothing(repo: Repo, args: list[str], who: str, code: int, words: list[str]) -> None:
    bootstrap(repo, {POL1: pol1(),
                     POL2: doc("POL-002", "Old change policy", status="obsolete", withdrawn_reason="Merged into POL-001")})
    repo.commit("Draft without approval", {POL3: doc("POL-003", "Change policy")}, date=day("2026-02-01"))
    before = snapshot(repo)
    result = run(repo, "review", *args, as_of="2026-12-01", who=who)
    assert result.exit_code == code
    for word in words:
        assert word in result.output
    assert snapshot(repo) == before
    assert files_under(repo.path, "records") == []


# --- due -----------------------------------------------------------------------------------------


@pytest.fixture
def leap(repo: Repo) -> Repo:
    """Approved on 2024-02-29: a policy (12 months), a procedure (24 months) and a policy with its own
    cycle of 3 years."""
    bootstrap(repo, {POL1: pol1(),
                     PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar"),
                     POL3: doc("POL-003", "Change policy", review_cycle="3 years")}, on="2024-02-29",
              approver=["priya", "lena"])
    return repo


def test_leap_day_plus_twelve_months_is_the_last_day_of_february(leap: Repo) -> None:
    assert status_of(leap, "POL-001", "2024-03-01")["next_review"] == "2025-02-28"
    assert status_of(leap, "PRC-001", "2024-03-01")["next_review"] == "2026-02-28"
    assert status_of(leap, "POL-003", "2024-03-01")["next_review"] == "2027-02-28"  # the document's own cycle


@pytest.mark.parametrize(("as_of", "within", "expected"), [
    ("2025-02-26", "1d", []),
    ("2025-02-27", "0d", []),
    ("2025-02-27", "1d", [{"id": "POL-001", "due": "2025-02-28", "days": 1}]),
    ("2025-02-28", "0d", [{"id": "POL-001", "due": "2025-02-28", "days": 0}]),
    ("2025-03-01", "0d", [{"id": "POL-001", "due": "2025-02-28", "days": -1}]),
    ("2026-02-27", "1d", [{"id": "POL-001", "due": "2025-02-28", "days": -364},
                          {"id": "PRC-001", "due": "2026-02-28", "days": 1}]),
], ids=["two-days-ahead", "tomorrow-outside-0d", "due-tomorrow", "due-today", "overdue-by-one", "years-later"])
def test_due_as_of_edges(leap: Repo, as_of: str, within: str, expected: list[dict[str, object]]) -> None:
    data = run_json(leap, "due", "--within", within, as_of=as_of)
    assert data["reviews"] == expected
    assert data["as_of"] == as_of and data["records"] == []
    assert list(data) == ["as_of", "reviews", "records"]


def test_due_text_says_today_tomorrow_and_overdue(leap: Repo) -> None:
    today = run(leap, "due", "--within", "0d", as_of="2025-02-28")
    assert today.exit_code == 0
    assert "POL-001" in today.output and "due today" in today.output
    assert "Reviews due by 2025-02-28 (main as of 2025-02-28, within 0d)" in today.output
    tomorrow = run(leap, "due", "--within", "1d", as_of="2025-02-27")
    assert "due tomorrow" in tomorrow.output
    late = run(leap, "due", "--within", "0d", as_of="2025-03-03")
    assert "overdue by 3 days" in late.output and "  -3  " in late.output
    assert "1 review due (1 overdue)" in late.output


def test_due_is_a_report_but_strict_fails_when_overdue(leap: Repo) -> None:
    assert run(leap, "due", "--strict", as_of="2025-02-28").exit_code == 0  # due today is not overdue
    assert run(leap, "due", as_of="2025-03-01").exit_code == 0
    assert run(leap, "due", "--strict", as_of="2025-03-01").exit_code == 1
    # The audit agrees on the same day boundary.
    assert ("review-overdue", "POL-001") not in audit_codes(leap, "2025-02-28")
    assert ("review-overdue", "POL-001") in audit_codes(leap, "2025-03-01")


@pytest.mark.parametrize(("within", "listed"), [
    ("30d", []), ("88d", []), ("89d", ["POL-001"]), ("12w", []), ("13w", ["POL-001"]), ("3m", ["POL-001"]),
    ("14m", ["POL-001"]), ("15m", ["POL-001", "PRC-001"]), ("2y", ["POL-001", "PRC-001"]),
    ("3y", ["POL-001", "POL-003", "PRC-001"]),
])
def test_due_within_accepts_days_weeks_months_years(leap: Repo, within: str, listed: list[str]) -> None:
    # As of 2024-12-01: POL-001 is due 2025-02-28 (in 89 days), PRC-001 2026-02-28, POL-003 2027-02-28.
    data = run_json(leap, "due", "--within", within, as_of="2024-12-01")
    assert sorted(r["id"] for r in data["reviews"]) == listed


def test_due_within_must_be_a_period(leap: Repo) -> None:
    result = run(leap, "due", "--within", "soon", as_of="2024-08-01")
    assert result.exit_code == 2
    assert "--within 'soon'" in result.output and "30d, 6w, 3m, 1y" in result.output


def test_due_lists_records_past_retention_but_never_disposal_records(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()}, on="2020-01-06")
    record_on_main(repo, "Record a change and an old disposal", {
        "records/change/2020/CHG-2020-0001.yml":
            "id: CHG-2020-0001\ntype: change\ndate: 2020-01-10\ncreated_by: omar\nchange_type: normal\n"
            "summary: Firewall upgrade\n",
        "records/disposal/2010/DSP-2010-0001.yml":
            "id: DSP-2010-0001\ntype: disposal\ndate: 2010-01-10\ncreated_by: dana\ndisposed: [CHG-2006-0001]\n"
            "reason: Retention ended\n",
    }, on="2020-01-10")
    # A change record is kept 3 years: until 2023-01-10, disposable from the day after.
    on_the_day = run_json(repo, "due", as_of="2023-01-10")
    assert on_the_day["records"] == []
    after = run_json(repo, "due", as_of="2023-01-11")
    assert after["records"] == [{"id": "CHG-2020-0001", "retention_until": "2023-01-10"}]
    text = run(repo, "due", as_of="2023-01-11")
    assert "CHG-2020-0001" in text.output and "2023-01-10" in text.output
    assert "records/change/2020/CHG-2020-0001.yml" in text.output
    assert "DSP-2010-0001" not in text.output
    assert "sms-docs records dispose ID" in text.output
    assert run(repo, "due", "--strict", as_of="2023-01-11").exit_code == 1


def test_nothing_due_says_none(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    result = run(repo, "due", as_of="2026-02-01")
    assert result.exit_code == 0
    assert "0 reviews due (0 overdue), 0 records past retention." in result.output


# --- obsolete ------------------------------------------------------------------------------------

OLD_POLICY = ("---\n"
              "# Owned by the service desk\n"
              "id: POL-002\n"
              "title: Old change policy\n"
              "type: policy\n"
              "owner: dana\n"
              "classification: internal\n"
              "x-department: Operations   # kept as it is\n"
              "---\n\n# Old change policy\n\nText with two trailing spaces  \n")


def test_obsolete_rewrites_only_the_status_fields_and_the_successors_supersedes(repo: Repo) -> None:
    repo.write({POL2: OLD_POLICY, POL3: doc("POL-003", "Change policy")})
    successor = (repo.path / POL3).read_text()
    result = run(repo, "obsolete", "POL-002", "--superseded-by", "POL-003")
    assert result.exit_code == 0, result.output
    assert (repo.path / POL2).read_text() == OLD_POLICY.replace(
        "# kept as it is\n---", "# kept as it is\nstatus: obsolete\nsuperseded_by: POL-003\n---")
    assert (repo.path / POL3).read_text() == successor.replace(
        "classification: internal\n---", "classification: internal\nsupersedes:\n  - POL-002\n---")
    assert f"POL-002  {POL2}: status: obsolete, superseded_by: POL-003" in result.output
    assert f"POL-003  {POL3}: added POL-002 to supersedes" in result.output
    assert "a change like any other" in result.output and "sms-docs approve POL-002 POL-003" in result.output
    check = run(repo, "check", "--strict")
    assert check.exit_code == 0, check.output


def test_obsolete_keeps_crlf_and_appends_to_an_existing_supersedes(repo: Repo) -> None:
    crlf = doc("POL-002", "Old change policy").replace("\n", "\r\n").encode()
    repo.write({POL2: crlf, POL3: doc("POL-003", "Change policy", supersedes=["POL-001"]), POL1: pol1()})
    assert run(repo, "obsolete", "POL-002", "--superseded-by", "POL-003").exit_code == 0
    assert (repo.path / POL2).read_bytes() == crlf.replace(
        b"classification: internal\r\n---", b"classification: internal\r\nstatus: obsolete\r\nsuperseded_by: POL-003\r\n---")
    assert '"POL-001", POL-002]' in (repo.path / POL3).read_text()


def test_obsolete_with_a_successor_that_already_lists_it_leaves_the_successor_alone(repo: Repo) -> None:
    repo.write({POL2: doc("POL-002", "Old change policy"), POL3: doc("POL-003", "Change policy", supersedes=["POL-002"])})
    successor = (repo.path / POL3).read_bytes()
    result = run(repo, "obsolete", "POL-002", "--superseded-by", "POL-003")
    assert result.exit_code == 0
    assert (repo.path / POL3).read_bytes() == successor
    assert "already lists POL-002 in supersedes (unchanged)" in result.output
    assert "sms-docs approve POL-002;" in result.output or "sms-docs approve POL-002)" in result.output


def test_obsolete_with_a_reason_and_json(repo: Repo) -> None:
    repo.write({POL2: doc("POL-002", "Old change policy")})
    data = run_json(repo, "obsolete", "POL-002", "--reason", "Service discontinued")
    assert data == {"id": "POL-002", "path": POL2, "status": "obsolete", "superseded_by": None,
                    "withdrawn_reason": "Service discontinued", "successor": None, "referrers": []}
    assert (repo.path / POL2).read_text().endswith(
        "classification: internal\nstatus: obsolete\nwithdrawn_reason: Service discontinued\n---\n\n# Old change policy\n\nSome text.\n")


def test_obsolete_names_the_documents_still_pointing_at_it(repo: Repo) -> None:
    repo.write({POL2: doc("POL-002", "Old change policy"), POL3: doc("POL-003", "Change policy"),
                PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar", related=["POL-002"],
                          body="See [the policy](../policies/POL-002-old-change-policy.md).\n")})
    result = run(repo, "obsolete", "POL-002", "--superseded-by", "POL-003")
    assert result.exit_code == 0
    assert f"still points at POL-002: PRC-001 {PRC1} (related (line 7))" in result.output
    assert f"still points at POL-002: PRC-001 {PRC1} (link on line 12)" in result.output
    check = run(repo, "check", "--format", "json")
    assert "reference-to-obsolete" in check.output


@pytest.mark.parametrize(("args", "code", "words"), [
    (["POL-002"], 2, ["--superseded-by ID", "--reason TEXT", "nothing was changed"]),
    (["POL-002", "--reason", "   "], 2, ["--reason TEXT"]),
    (["POL-099", "--reason", "Gone"], 2, ["no document POL-099"]),
    (["POL-002", "--superseded-by", "POL-077"], 1, ["successor POL-077 does not exist"]),
    (["POL-002", "--superseded-by", "POL-004"], 1, ["successor POL-004 is itself obsolete", "withdrawn: Merged"]),
    (["POL-002", "--superseded-by", "POL-002"], 1, ["cannot supersede itself"]),
    (["POL-004", "--superseded-by", "POL-003"], 1, ["POL-004 is already obsolete"]),
], ids=["no-successor-or-reason", "blank-reason", "unknown-id", "successor-unknown", "successor-obsolete",
        "successor-itself", "already-obsolete"])
def test_obsolete_refusals_change_nothing(repo: Repo, args: list[str], code: int, words: list[str]) -> None:
    repo.write({POL2: doc("POL-002", "Old change policy"), POL3: doc("POL-003", "Change policy"),
                "policies/POL-004-older.md": doc("POL-004", "Older", status="obsolete", withdrawn_reason="Merged into POL-003")})
    before = snapshot(repo)
    result = run(repo, "obsolete", *args)
    assert result.exit_code == code, result.output
    for word in words:
        assert word in result.output
    assert "Traceback" not in result.output
    assert snapshot(repo) == before


def test_withdrawal_end_to_end_needs_approval_is_never_due_and_edits_after_it_are_found(repo: Repo) -> None:
    bootstrap(repo, {POL2: doc("POL-002", "Old change policy"), POL3: doc("POL-003", "Change policy")}, on="2026-01-05")
    repo.branch("withdraw-pol-002")
    assert run(repo, "obsolete", "POL-002", "--superseded-by", "POL-003").exit_code == 0
    # Committed on the main line without approval, the withdrawal would be an unapproved change: here it
    # is merged with its approval like any other change.
    finish(repo, "withdraw-pol-002", on="2026-03-02", subject="Withdraw POL-002")
    pol2 = status_of(repo, "POL-002", "2026-03-03")
    assert pol2["state"] == "obsolete" and pol2["revision"] == 2 and pol2["next_review"] is None
    assert status_of(repo, "POL-003", "2026-03-03")["revision"] == 2
    assert audit_codes(repo, "2026-03-03") == []
    # Years later, only the successor is ever due.
    due = run_json(repo, "due", "--within", "10y", as_of="2030-01-01")
    assert [r["id"] for r in due["reviews"]] == ["POL-003"]
    assert ("review-overdue", "POL-002") not in audit_codes(repo, "2030-01-01")
    assert run(repo, "review", "POL-002", "--outcome", "no-change", as_of="2030-01-01").exit_code == 1
    # An edit to the withdrawn document, even approved, is found.
    text = (repo.path / POL2).read_text().replace("Some text.", "Edited after withdrawal.")
    land(repo, "edit-old", {POL2: text}, on="2026-04-01")
    assert ("obsolete-modified", "POL-002") in audit_codes(repo, "2026-04-02")


def test_an_unapproved_withdrawal_is_an_unapproved_change(repo: Repo) -> None:
    bootstrap(repo, {POL2: doc("POL-002", "Old change policy"), POL3: doc("POL-003", "Change policy")})
    assert run(repo, "obsolete", "POL-002", "--reason", "No longer needed").exit_code == 0
    repo.commit("Withdraw POL-002 straight on main", who="omar", date=day("2026-03-02"))
    assert status_of(repo, "POL-002", "2026-03-03")["state"] == "changed"  # not withdrawn until approved
    assert ("unapproved-change", "POL-002") in audit_codes(repo, "2026-03-03")


def test_deleting_an_approved_document_is_a_finding(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1(), POL3: doc("POL-003", "Change policy")})
    land(repo, "delete", {POL1: None}, on="2026-02-01")
    assert ("document-deleted", "POL-001") in audit_codes(repo, "2026-02-02")
    assert ("document-deleted", "POL-003") not in audit_codes(repo, "2026-02-02")


def test_deleting_an_obsolete_document_is_a_finding_too(repo: Repo) -> None:
    # REQUIREMENTS D16: obsolete documents are kept, never deleted.
    bootstrap(repo, {POL2: doc("POL-002", "Old change policy", status="obsolete", withdrawn_reason="Replaced")})
    land(repo, "delete", {POL2: None}, on="2026-02-01")
    assert any(code == "document-deleted" and ident == "POL-002" for code, ident in audit_codes(repo, "2026-02-02"))


# --- documents of external origin ---------------------------------------------------------------

EXT1 = "external/EXT-001-iso-20000-1.md"
EXT2 = "external/EXT-002-itil.md"
EXT3 = "external/EXT-003-supplier-terms.md"
COPY1 = "external/copies/iso-20000-1.pdf"
COPY2 = "external/copies/itil.pdf"
COPY_BYTES = b"%PDF-1.7 pretend copy of ISO/IEC 20000-1:2018\n"
SHA1 = hashlib.sha256(COPY_BYTES).hexdigest()


# Who approves documents of external origin is the type's rule (a document never names its own first
# approvers): here top management, Priya among them.
EXTERNAL_CONFIG = CONFIG.replace("\napproval:", "\n  external: {approvers: [top-management]}\napproval:")


def external_files(copy2: bytes = b"%PDF-1.7 ITIL 4\n") -> dict[str, str | bytes | None]:
    return {
        "sms-docs.yml": EXTERNAL_CONFIG,
        EXT1: doc("EXT-001", "ISO/IEC 20000-1:2018", type="external", owner="lena", approvers=["priya"],
                  external={"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018",
                            "retrieved": "2025-11-01", "distribution": ["process-owner"], "copy": COPY1, "sha256": SHA1}),
        EXT2: doc("EXT-002", "ITIL 4 Foundation", type="external", owner="lena", approvers=["priya"],
                  external={"publisher": "PeopleCert", "reference": "ITIL 4", "edition": "2019",
                            "retrieved": "2025-10-01", "distribution": ["sms-manager", "lena"], "copy": COPY2,
                            "sha256": hashlib.sha256(b"%PDF-1.7 ITIL 4\n").hexdigest()}),
        EXT3: doc("EXT-003", "Hosting supplier terms", type="external", owner="omar", approvers=["priya"],
                  external={"publisher": "Example Hosting plc", "reference": "Terms of service", "edition": "v12",
                            "retrieved": "2026-01-02", "distribution": ["top-management"],
                            "url": "https://hosting.example/terms"}),
        COPY1: COPY_BYTES,
        COPY2: copy2,
    }


def test_external_register_json_and_text(repo: Repo) -> None:
    bootstrap(repo, external_files(), on="2026-01-05")
    repo.write({COPY2: b"%PDF-1.7 ITIL 4, a newer printing\n"})  # the local copy changed
    data = run_json(repo, "external", as_of="2026-02-01")
    assert list(data) == ["ref", "as_of", "documents"]
    assert data["ref"] == "main" and data["as_of"] == "2026-02-01"
    rows = {d["id"]: d for d in data["documents"]}
    assert list(rows) == ["EXT-001", "EXT-002", "EXT-003"]
    assert rows["EXT-001"] == {
        "id": "EXT-001", "title": "ISO/IEC 20000-1:2018", "state": "effective", "revision": 1, "owner": "lena",
        "publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018", "retrieved": "2025-11-01",
        "distribution": ["process-owner"], "url": None, "copy": COPY1, "sha256": SHA1, "copy_status": "ok", "path": EXT1}
    assert rows["EXT-002"]["copy_status"] == "mismatch"
    assert rows["EXT-003"]["copy_status"] == "none" and rows["EXT-003"]["url"] == "https://hosting.example/terms"
    text = run(repo, "external", as_of="2026-02-01")
    assert text.exit_code == 0
    assert "EXT-001  ISO/IEC 20000-1:2018" in text.output
    assert "publisher ISO · reference ISO/IEC 20000-1 · edition 2018 · retrieved 2025-11-01" in text.output
    assert "distribution sms-manager, lena" in text.output
    assert f"copy {COPY1}: checksum ok" in text.output
    assert f"copy {COPY2}: CHECKSUM MISMATCH" in text.output
    assert "copy -: no local copy" in text.output
    assert "3 documents of external origin on main as of 2026-02-01; 1 with a copy problem" in text.output
    assert run(repo, "external", "--strict", as_of="2026-02-01").exit_code == 1


def test_external_register_strict_passes_when_every_copy_matches(repo: Repo) -> None:
    bootstrap(repo, external_files(), on="2026-01-05")
    assert run(repo, "external", "--strict", as_of="2026-02-01").exit_code == 0
    repo.write({COPY1: None})
    data = run_json(repo, "external", "--strict", as_of="2026-02-01", expect=1)
    assert data["documents"][0]["copy_status"] == "missing"


def test_external_register_never_reads_a_copy_through_a_link_that_leads_out(repo: Repo) -> None:
    bootstrap(repo, external_files(), on="2026-01-05")
    outside = repo.path.parent / "elsewhere.pdf"
    outside.write_bytes(COPY_BYTES)  # (the registered content: read, it would pass)
    repo.write({COPY1: None})
    (repo.path / COPY1).symlink_to(outside)
    data = run_json(repo, "external", "--strict", as_of="2026-02-01", expect=1)
    assert data["documents"][0]["copy_status"] == "outside"
    assert "COPY OUTSIDE THE REPOSITORY (not read)" in run(repo, "external", as_of="2026-02-01").output


def test_check_verifies_the_sha256_of_the_local_copy(repo: Repo) -> None:
    repo.write(external_files())
    clean = run_json(repo, "check")
    assert clean["findings"] == []
    repo.write({COPY1: b"a newer edition\n"})
    data = run_json(repo, "check", expect=1)
    found = [f for f in data["findings"] if f["code"] == "checksum-mismatch"]
    assert [(f["path"], f["id"]) for f in found] == [(EXT1, "EXT-001")]
    assert SHA1 in found[0]["message"] and COPY1 in found[0]["message"]


@pytest.mark.parametrize(("external", "words"), [
    ({"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018", "retrieved": "2025-11-01"},
     ["external.distribution", "required"]),
    ({"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018", "retrieved": "01/11/2025",
      "distribution": ["lena"]}, ["external.retrieved"]),
    ({"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018", "retrieved": "2025-11-01",
      "distribution": ["lena"], "sha256": "abc"}, ["external.sha256"]),
    ({"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018", "retrieved": "2025-11-01",
      "distribution": ["lena"], "licence": "site"}, ["external.licence", "unknown field"]),
], ids=["distribution-missing", "retrieved-not-a-date", "sha256-malformed", "unknown-field"])
def test_the_external_block_is_validated(repo: Repo, external: dict[str, object], words: list[str]) -> None:
    repo.write({EXT1: doc("EXT-001", "ISO/IEC 20000-1:2018", type="external", owner="lena", external=external)})
    data = run_json(repo, "check", expect=1)
    messages = [f["message"] for f in data["findings"] if f["code"] == "schema-violation" and f["path"] == EXT1]
    assert any(all(w in m for w in words) for m in messages), messages


def test_an_external_document_without_its_block_is_a_schema_violation(repo: Repo) -> None:
    repo.write({EXT1: doc("EXT-001", "ISO/IEC 20000-1:2018", type="external", owner="lena")})
    data = run_json(repo, "check", expect=1)
    assert any("external" in f["message"] and "required" in f["message"] for f in data["findings"])


def test_no_external_documents(repo: Repo) -> None:
    bootstrap(repo, {POL1: pol1()})
    result = run(repo, "external", as_of="2026-02-01")
    assert result.exit_code == 0
    assert "no documents of external origin on main as of 2026-02-01" in result.output


def test_lifecycle_commands_document_themselves_with_examples() -> None:
    from click.testing import CliRunner

    from sms_docs.cli import cli

    runner = CliRunner()
    for args in (["review"], ["due"], ["obsolete"], ["records"], ["records", "new"], ["records", "list"],
                 ["records", "dispose"], ["external"], ["changes"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Examples:" in result.output, args
        assert "sms-docs " + args[0] in result.output, args
