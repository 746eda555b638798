"""Records (`records new`, `records list`, `records dispose`) and the audit's record findings
(`record-modified`, `record-deleted` unless disposed, `retention-expired`), end to end on real
repositories with fixed dates. Refusals exit non-zero, change nothing and say why."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import Repo, doc
from lifecycle_support import (POL1, PRC1, audit_codes, bootstrap, files_under, finish, land, read_yaml, record_on_main,
                               run, run_json, snapshot)
from sms_docs.cli import cli

CHG20 = "records/change/2020/CHG-2020-0001.yml"
REV26 = "records/review/2026/REV-2026-0001.yml"


def documents() -> dict[str, str | bytes | None]:
    return {POL1: doc("POL-001", "Service management policy"),
            PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar")}


def change_record(ident: str = "CHG-2020-0001", date: str = "2020-01-10", extra: str = "") -> str:
    return (f"id: {ident}\ntype: change\ndate: {date}\ncreated_by: omar\nsubject: [PRC-001]\n"
            f"change_type: normal\nsummary: Firewall firmware upgrade\n{extra}")


def review_record(ident: str = "REV-2026-0001", date: str = "2026-01-10", subject: str = "POL-001") -> str:
    return (f"id: {ident}\ntype: review\ndate: {date}\ncreated_by: lena\nsubject: [{subject}]\n"
            "outcome: no-change\nnotes: Still accurate.\n")


# --- records new ---------------------------------------------------------------------------------


def test_records_new_fills_the_common_fields_and_keeps_the_templates_guidance(repo: Repo) -> None:
    repo.write(documents())
    result = run(repo, "records", "new", "change", "--subject", "PRC-001", "--subject", "POL-001",
                 "summary=Upgrade: firewall firmware", "risk=medium", "services=[desk, mail]", as_of="2026-03-04",
                 who="omar")
    assert result.exit_code == 0, result.output
    rel = "records/change/2026/CHG-2026-0001.yml"
    assert result.output.splitlines()[0] == rel
    assert "Wrote change record CHG-2026-0001 by Omar Haddad" in result.output
    assert "corrects: CHG-2026-0001" in result.output  # how to correct it later
    text = (repo.path / rel).read_text()
    assert text.startswith("id: CHG-2026-0001\ntype: change\ndate: 2026-03-04\ncreated_by: omar\n"
                           "subject:\n  - PRC-001\n  - POL-001\n"
                           "# Type of change: standard (pre-approved), normal or emergency.\nchange_type: normal\n")
    assert "# Assessed risk: low, medium or high.\nrisk: medium\n" in text
    # A list replacing the template's value keeps the next field's comment above that field.
    assert "services:\n  - desk\n  - mail\n# Configuration items affected (CMDB names or ids).\n" in text
    meta = read_yaml(repo, rel)
    assert meta["summary"] == "Upgrade: firewall firmware"  # text as typed, not a YAML mapping
    assert meta["outcome"] == "pending"  # the template's default
    assert run(repo, "check").exit_code == 0
    assert f"?? {rel}" in repo.git("status", "--porcelain", "--untracked-files=all").splitlines()


def test_records_new_values_are_yaml_where_plainly_meant(repo: Repo) -> None:
    repo.write(documents())
    data = run_json(repo, "records", "new", "satisfaction-survey", "sent=120", "responses=37", "score=4.2",
                    "customers=[Retail, Finance]", "period='2026'", "scale=1-5 #stars", as_of="2026-03-04")
    rec = data["record"]
    assert data["id"] == "SAT-2026-0001" and data["path"] == "records/satisfaction-survey/2026/SAT-2026-0001.yml"
    assert data["committed"] is False
    assert (rec["sent"], rec["responses"], rec["score"]) == (120, 37, 4.2)
    assert rec["customers"] == ["Retail", "Finance"] and rec["period"] == "2026"
    assert rec["scale"] == "1-5 #stars"  # not cut at '#' as a YAML comment would be


@pytest.mark.parametrize("type_name", ["review", "audit", "management-review", "change", "release", "incident-review",
                                       "problem", "continuity-test", "complaint", "satisfaction-survey",
                                       "supplier-review", "training"])
def test_every_starter_record_type_can_be_made_from_its_template(repo: Repo, type_name: str) -> None:
    repo.write(documents())
    result = run(repo, "records", "new", type_name, "--subject", "POL-001", as_of="2026-03-04")
    assert result.exit_code == 0, result.output
    rel = result.output.splitlines()[0]
    assert rel.startswith(f"records/{type_name}/2026/") and rel.endswith("-2026-0001.yml")
    assert read_yaml(repo, rel)["type"] == type_name
    check = run(repo, "check")
    assert check.exit_code == 0, check.output


@pytest.mark.parametrize(("args", "who", "code", "words"), [
    (["change", "risk=extreme"], "dana", 1, ["would not be valid", "risk: 'extreme' is not one of low, medium, high"]),
    (["change", "colour=red"], "dana", 1, ["colour: unknown field"]),
    (["change", "services=[desk"], "dana", 2, ["not valid YAML"]),
    (["minutes"], "dana", 2, ["unknown record type 'minutes'", "change"]),
    (["disposal"], "dana", 1, ["written by a command", "sms-docs records dispose"]),
    (["approvals"], "dana", 1, ["written by a command", "approvals import"]),
    (["change", "--subject", "POL-099"], "dana", 1, ["subject POL-099: no such document or record"]),
    (["review", "corrects=REV-2026-0099"], "dana", 1, ["corrects: REV-2026-0099 is not a record"]),
    (["change", "id=CHG-2026-0042"], "dana", 2, ["id is filled in by sms-docs"]),
    (["change", "created_by=priya"], "dana", 2, ["created_by is filled in by sms-docs"]),
    (["change", "summary"], "dana", 2, ["'summary' is not field=value"]),
    (["change", "date=tomorrow"], "dana", 2, ["date= must be a date"]),
    (["change"], "stranger", 1, ["stranger@example.com is not a person in sms-docs.yml"]),
], ids=["bad-enum", "unknown-field", "bad-yaml", "unknown-type", "disposal-by-hand", "approvals-by-hand",
        "unknown-subject", "corrects-unknown", "id-assigned", "created-by-assigned", "not-field-value",
        "bad-date", "unknown-person"])
def test_records_new_refusals_write_nothing(repo: Repo, args: list[str], who: str, code: int, words: list[str]) -> None:
    repo.write(documents())
    before = snapshot(repo)
    result = run(repo, "records", "new", *args, as_of="2026-03-04", who=who)
    assert result.exit_code == code, result.output
    for word in words:
        assert word in result.output
    assert snapshot(repo) == before
    assert files_under(repo.path, "records") == []


def test_record_ids_are_per_type_and_year_and_never_reused(repo: Repo) -> None:
    bootstrap(repo, documents())
    # CHG-2026-0005 exists only on another branch; CHG-2026-0006 was recorded and later disposed of.
    repo.branch("elsewhere")
    record_on_main(repo, "A change on a branch", {"records/change/2026/CHG-2026-0005.yml": change_record("CHG-2026-0005", "2026-01-20")},
                   on="2026-01-20")
    repo.checkout("main")
    record_on_main(repo, "Record", {"records/change/2026/CHG-2026-0006.yml": change_record("CHG-2026-0006", "2026-01-21")}, on="2026-01-21")
    record_on_main(repo, "Gone", {"records/change/2026/CHG-2026-0006.yml": None}, on="2026-01-22")
    first = run(repo, "records", "new", "change", as_of="2026-03-04")
    assert first.output.splitlines()[0] == "records/change/2026/CHG-2026-0007.yml"
    second = run(repo, "records", "new", "change", as_of="2026-03-04")
    assert second.output.splitlines()[0] == "records/change/2026/CHG-2026-0008.yml"
    other_type = run(repo, "records", "new", "problem", as_of="2026-03-04")
    assert other_type.output.splitlines()[0] == "records/problem/2026/PRB-2026-0001.yml"
    backdated = run(repo, "records", "new", "change", "date=2025-12-30", as_of="2026-03-04")
    assert backdated.output.splitlines()[0] == "records/change/2025/CHG-2025-0001.yml"
    assert read_yaml(repo, "records/change/2025/CHG-2025-0001.yml")["date"] == "2025-12-30"


def test_a_correction_is_a_new_record_naming_the_one_it_corrects(repo: Repo) -> None:
    repo.write({**documents(), REV26: review_record()})
    result = run(repo, "records", "new", "review", "--subject", "POL-001", "corrects=REV-2026-0001",
                 "notes=The date of the review was wrong", as_of="2026-03-04")
    assert result.exit_code == 0, result.output
    assert read_yaml(repo, "records/review/2026/REV-2026-0002.yml")["corrects"] == "REV-2026-0001"
    assert (repo.path / REV26).read_text() == review_record()  # the original is untouched
    assert run(repo, "check").exit_code == 0


# --- records list --------------------------------------------------------------------------------


@pytest.fixture
def listed(repo: Repo) -> Repo:
    repo.write({**documents(), CHG20: change_record(),
                "records/change/2025/CHG-2025-0003.yml": change_record("CHG-2025-0003", "2025-06-01"),
                REV26: review_record(),
                "records/README.md": "Records live here.\n"})
    return repo


def test_records_list_json_is_every_record_oldest_first(listed: Repo) -> None:
    data = run_json(listed, "records", "list", as_of="2026-03-04")
    assert data == {"records": [
        {"id": "CHG-2020-0001", "type": "change", "date": "2020-01-10", "created_by": "omar", "subject": ["PRC-001"],
         "retention_until": "2023-01-10", "path": CHG20},
        {"id": "CHG-2025-0003", "type": "change", "date": "2025-06-01", "created_by": "omar", "subject": ["PRC-001"],
         "retention_until": "2028-06-01", "path": "records/change/2025/CHG-2025-0003.yml"},
        {"id": "REV-2026-0001", "type": "review", "date": "2026-01-10", "created_by": "lena", "subject": ["POL-001"],
         "retention_until": "2032-01-10", "path": REV26},
    ]}


@pytest.mark.parametrize(("args", "ids"), [
    (["--type", "change"], ["CHG-2020-0001", "CHG-2025-0003"]),
    (["--since", "2025-06-01"], ["CHG-2025-0003", "REV-2026-0001"]),
    (["--since", "2025-06-02"], ["REV-2026-0001"]),
    (["--subject", "POL-001"], ["REV-2026-0001"]),
    (["--type", "change", "--subject", "POL-001"], []),
])
def test_records_list_filters(listed: Repo, args: list[str], ids: list[str]) -> None:
    data = run_json(listed, "records", "list", *args, as_of="2026-03-04")
    assert [r["id"] for r in data["records"]] == ids


def test_records_list_text_marks_records_past_retention(listed: Repo) -> None:
    result = run(listed, "records", "list", as_of="2026-03-04")
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.output.splitlines() if line[:3] in ("CHG", "REV")}
    assert "2023-01-10!" in rows["CHG-2020-0001"] and CHG20 in rows["CHG-2020-0001"]
    assert "!" not in rows["REV-2026-0001"]
    assert "3 records; ! marks a record past its retention (as of 2026-03-04)" in result.output
    none = run(listed, "records", "list", "--type", "training")
    assert none.exit_code == 0 and "no records match" in none.output


def test_records_list_rejects_an_unknown_type_or_date(listed: Repo) -> None:
    assert run(listed, "records", "list", "--type", "minutes").exit_code == 2
    bad = run(listed, "records", "list", "--since", "last week")
    assert bad.exit_code == 2 and "not a date YYYY-MM-DD" in bad.output


# --- records dispose -----------------------------------------------------------------------------


def test_dispose_after_retention_writes_a_disposal_record_and_deletes_the_file(listed: Repo) -> None:
    result = run(listed, "records", "dispose", "CHG-2020-0001", "--reason", "Retention of 3 years ended",
                 as_of="2023-01-11")
    assert result.exit_code == 0, result.output
    rel = "records/disposal/2023/DSP-2023-0001.yml"
    assert result.output.splitlines()[0] == rel
    assert f"deleted:\n  {CHG20}" in result.output
    assert "commit the disposal record and the deletions together" in result.output
    assert "Git history still holds the disposed content" in result.output
    assert "git filter-repo --invert-paths --prune-empty never --path PATH" in result.output
    assert "sms-docs audit --record-tags" in result.output
    assert not (listed.path / CHG20).exists()
    assert read_yaml(listed, rel) == {
        "id": "DSP-2023-0001", "type": "disposal", "date": "2023-01-11", "created_by": "dana",
        "disposed": ["CHG-2020-0001"], "reason": "Retention of 3 years ended", "paths": [CHG20]}
    check = run(listed, "check")
    assert check.exit_code == 0, check.output


def test_dispose_several_records_in_one_disposal_json(repo: Repo) -> None:
    repo.write({**documents(), CHG20: change_record(),
                "records/change/2020/CHG-2020-0002.yml": change_record("CHG-2020-0002", "2020-02-01")})
    data = run_json(repo, "records", "dispose", "CHG-2020-0001", "CHG-2020-0002", "--reason", "Retention ended",
                    as_of="2024-01-01")
    assert data["id"] == "DSP-2024-0001" and data["disposed"] == ["CHG-2020-0001", "CHG-2020-0002"]
    assert data["deleted"] == [CHG20, "records/change/2020/CHG-2020-0002.yml"]
    assert data["committed"] is False and "git filter-repo" in data["note"]
    assert files_under(repo.path, "records") == ["records/disposal/2024/DSP-2024-0001.yml"]


@pytest.mark.parametrize(("args", "as_of", "code", "words"), [
    (["CHG-2020-0001"], "2021-06-30", 1, ["CHG-2020-0001 must be kept until 2023-01-10", "retention 3 years from 2020-01-10",
                                          "disposed of from 2023-01-11", "nothing was changed"]),
    (["CHG-2020-0001"], "2023-01-10", 1, ["must be kept until 2023-01-10"]),
    (["CHG-2020-0001", "REV-2026-0001"], "2027-01-01", 1, ["REV-2026-0001 must be kept until 2032-01-10"]),
    (["CHG-2099-0001"], "2030-01-01", 2, ["no record CHG-2099-0001"]),
    (["DSP-2010-0001"], "2030-01-01", 1, ["DSP-2010-0001 is a disposal record", "kept"]),
    (["CHG-2020-0002"], "2030-01-01", 1, ["CHG-2020-0003", "names CHG-2020-0002 as its subject", "dispose of them together"]),
], ids=["too-early", "on-the-last-day", "one-of-several-too-early", "unknown", "disposal-record", "still-cited"])
def test_dispose_refusals_change_nothing(repo: Repo, args: list[str], as_of: str, code: int, words: list[str]) -> None:
    repo.write({**documents(), CHG20: change_record(), REV26: review_record(),
                "records/change/2020/CHG-2020-0002.yml": change_record("CHG-2020-0002"),
                "records/change/2020/CHG-2020-0003.yml": change_record("CHG-2020-0003", extra="").replace(
                    "subject: [PRC-001]", "subject: [PRC-001, CHG-2020-0002]"),
                "records/disposal/2010/DSP-2010-0001.yml":
                    "id: DSP-2010-0001\ntype: disposal\ndate: 2010-01-10\ncreated_by: dana\ndisposed: [CHG-2006-0001]\n"
                    "reason: Retention ended\n"})
    before = snapshot(repo)
    result = run(repo, "records", "dispose", *args, "--reason", "Retention ended", as_of=as_of)
    assert result.exit_code == code, result.output
    for word in words:
        assert word in result.output
    assert snapshot(repo) == before


def test_dispose_needs_a_reason(listed: Repo) -> None:
    before = snapshot(listed)
    missing = run(listed, "records", "dispose", "CHG-2020-0001", as_of="2024-01-01")
    assert missing.exit_code == 2 and "--reason" in missing.output
    blank = run(listed, "records", "dispose", "CHG-2020-0001", "--reason", " ", as_of="2024-01-01")
    assert blank.exit_code == 2 and "--reason is empty" in blank.output
    assert snapshot(listed) == before


def test_dispose_help_explains_that_history_keeps_the_content_and_how_to_purge_it() -> None:
    result = CliRunner().invoke(cli, ["records", "dispose", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Git history still holds the disposed content" in text
    assert "git filter-repo --invert-paths --prune-empty never --path PATH" in text
    assert "agreed with your auditor" in text
    assert "sms-docs audit --record-tags" in text


# --- the audit's view of records -----------------------------------------------------------------


def approved_documents(repo: Repo, on: str, extra: dict[str, str | bytes | None] | None = None) -> None:
    """The policies approved by top management, the procedure by a process owner."""
    docs = documents()
    bootstrap(repo, {POL1: docs[POL1], **(extra or {})}, on=on)
    land(repo, "procedures", {PRC1: docs[PRC1]}, on=on, approver="lena")


def record_codes(repo: Repo, as_of: str) -> list[tuple[str, str | None]]:
    return [c for c in audit_codes(repo, as_of) if c[0].startswith(("record-", "retention-"))]


@pytest.fixture
def recorded(repo: Repo) -> Repo:
    approved_documents(repo, "2020-01-06")
    record_on_main(repo, "Record the firewall change", {CHG20: change_record()}, on="2020-01-10")
    return repo


def test_records_on_the_main_line_audit_clean(recorded: Repo) -> None:
    assert audit_codes(recorded, "2020-12-01") == []
    data = run_json(recorded, "audit", as_of="2020-12-01")
    assert [r["id"] for r in data["records"]] == ["CHG-2020-0001"]


def test_record_modified_on_the_main_line_is_an_error(recorded: Repo) -> None:
    record_on_main(recorded, "Tidy the record", {CHG20: change_record(extra="risk: low\n")}, on="2021-03-01")
    assert ("record-modified", "CHG-2020-0001") in audit_codes(recorded, "2021-03-02")
    assert ("record-modified", "CHG-2020-0001") not in audit_codes(recorded, "2021-02-28")  # before the edit
    result = run(recorded, "audit", as_of="2021-03-02")
    assert result.exit_code == 1
    assert "record-modified" in result.output and "corrects: CHG-2020-0001" in result.output


def test_record_deleted_without_disposal_is_an_error(recorded: Repo) -> None:
    record_on_main(recorded, "Remove an old record", {CHG20: None}, on="2023-02-01")
    assert ("record-deleted", "CHG-2020-0001") in audit_codes(recorded, "2023-02-02")
    assert run(recorded, "audit", as_of="2023-02-02").exit_code == 1


def test_retention_expired_is_a_warning_from_the_day_after_retention(recorded: Repo) -> None:
    assert ("retention-expired", "CHG-2020-0001") not in audit_codes(recorded, "2023-01-10")
    assert ("retention-expired", "CHG-2020-0001") in audit_codes(recorded, "2023-01-11")
    data = run_json(recorded, "audit", as_of="2023-01-11")
    finding = next(f for f in data["findings"] if f["code"] == "retention-expired")
    assert finding["severity"] == "warning" and finding["path"] == CHG20
    assert run(recorded, "audit", as_of="2023-01-11").exit_code == 0
    assert run(recorded, "audit", "--strict", as_of="2023-01-11").exit_code == 1


def test_disposed_record_committed_with_its_disposal_audits_clean(recorded: Repo) -> None:
    result = run(recorded, "records", "dispose", "CHG-2020-0001", "--reason", "Retention of 3 years ended",
                 as_of="2023-01-11")
    assert result.exit_code == 0, result.output
    record_on_main(recorded, "Dispose of CHG-2020-0001", on="2023-01-11")
    assert record_codes(recorded, "2023-01-12") == []  # (the documents' reviews are overdue by then)
    assert run_json(recorded, "due", as_of="2023-01-12")["records"] == []
    # The disposal record is itself kept, and is never reported past retention.
    assert record_codes(recorded, "2040-01-01") == []
    # History still holds the disposed content, as the command said.
    assert "Firewall firmware upgrade" in recorded.git("log", "-p", "--all", "--", CHG20)


def test_document_controller_scenario(repo: Repo) -> None:
    """A history with a no-change review, an obsoleted policy and a tampered record: `due`, `records list`,
    `records dispose` and `audit` each say what a document controller expects."""
    pol2 = "policies/POL-002-old-change-policy.md"
    approved_documents(repo, "2020-01-06", {pol2: doc("POL-002", "Old change policy")})
    record_on_main(repo, "Record the firewall change", {CHG20: change_record()}, on="2020-01-10")
    # A no-change review of POL-001 on 2020-12-01.
    assert run(repo, "review", "POL-001", "--outcome", "no-change", "--notes", "Fine", as_of="2020-12-01").exit_code == 0
    record_on_main(repo, "Review POL-001", on="2020-12-01")
    # POL-002 withdrawn, with approval.
    repo.branch("withdraw")
    assert run(repo, "obsolete", "POL-002", "--reason", "Merged into POL-001").exit_code == 0
    finish(repo, "withdraw", on="2021-02-01", subject="Withdraw POL-002")
    # The change record tampered with.
    record_on_main(repo, "Fix a typo", {CHG20: change_record().replace("Firewall", "Firewal")}, on="2021-03-01")

    as_of = "2021-12-10"
    due = run_json(repo, "due", as_of=as_of)
    assert due == {"as_of": as_of, "reviews": [{"id": "POL-001", "due": "2021-12-01", "days": -9},
                                               {"id": "PRC-001", "due": "2022-01-06", "days": 27}], "records": []}
    due_text = run(repo, "due", as_of=as_of).output
    assert "POL-001" in due_text and "overdue by 9 days" in due_text and "POL-002" not in due_text
    # The review made no revision: the notice has only the withdrawal.
    notice = run_json(repo, "changes", "--since", "2020-06-01", as_of=as_of)
    assert [(c["change"], c["id"], c["withdrawn_reason"]) for c in notice["changes"]] == [
        ("withdrawn", "POL-002", "Merged into POL-001")]
    markdown = run(repo, "changes", "--since", "2020-06-01", "--format", "markdown", as_of=as_of).output
    assert "## Withdrawn" in markdown and "Withdrawn: Merged into POL-001." in markdown and "## Revised" not in markdown
    codes = audit_codes(repo, as_of)
    audit_text = run(repo, "audit", as_of=as_of)
    assert audit_text.exit_code == 1 and "record-modified" in audit_text.output
    assert ("record-modified", "CHG-2020-0001") in codes
    assert ("review-overdue", "POL-001") in codes
    assert not any(ident == "POL-002" for _, ident in codes)  # withdrawn properly: nothing to say
    listing = run_json(repo, "records", "list", as_of=as_of)
    assert [r["id"] for r in listing["records"]] == ["CHG-2020-0001", "REV-2020-0001"]
    early = run(repo, "records", "dispose", "CHG-2020-0001", "--reason", "Retention ended", as_of=as_of)
    assert early.exit_code == 1 and "must be kept until 2023-01-10" in early.output
    assert run(repo, "records", "dispose", "CHG-2020-0001", "--reason", "Retention ended", as_of="2023-02-01").exit_code == 0
    record_on_main(repo, "Dispose of CHG-2020-0001", on="2023-02-01")
    later = audit_codes(repo, "2023-02-02")
    assert ("record-deleted", "CHG-2020-0001") not in later
    assert ("record-modified", "CHG-2020-0001") in later  # the tampering stays on the record of history


def test_an_organisations_own_record_type_uses_its_own_template(repo: Repo) -> None:
    from conftest import CONFIG

    repo.write({**documents(), "sms-docs.yml": CONFIG + "records:\n  minutes: {prefix: MIN, retention: 2 years, "
                "template: templates/minutes.yml}\n",
                "templates/minutes.yml": "# Who attended.\nx-attendees: []\n# What was decided.\nx-decisions: []\n"})
    result = run(repo, "records", "new", "minutes", "x-attendees=[dana, omar]", as_of="2026-03-04")
    assert result.exit_code == 0, result.output
    rel = "records/minutes/2026/MIN-2026-0001.yml"
    assert (repo.path / rel).read_text() == (
        "id: MIN-2026-0001\ntype: minutes\ndate: 2026-03-04\ncreated_by: dana\n"
        "# Who attended.\nx-attendees:\n  - dana\n  - omar\n# What was decided.\nx-decisions: []\n")
    assert run_json(repo, "records", "list", "--type", "minutes")["records"][0]["retention_until"] == "2028-03-04"


def test_a_template_that_sets_the_common_fields_is_a_configuration_error(repo: Repo) -> None:
    from conftest import CONFIG

    repo.write({"sms-docs.yml": CONFIG + "records:\n  minutes: {prefix: MIN, template: templates/minutes.yml}\n",
                "templates/minutes.yml": "id: MIN-0000-0000\nx-attendees: []\n"})
    result = run(repo, "records", "new", "minutes", as_of="2026-03-04")
    assert result.exit_code == 3
    assert "templates/minutes.yml: cannot be used as a record template" in result.output
    assert files_under(repo.path, "records") == []
