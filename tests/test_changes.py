"""`changes`: the change notice (new, revised and withdrawn documents since a date or a ref, with
revision, effective date, approvers and reason), in text, Markdown and JSON, on a real history with
fixed dates. Unapproved changes are never news."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Repo, doc
from lifecycle_support import POL1, POL2, POL3, bootstrap, day, finish, land, run, run_json

POL4 = "policies/POL-004-information-security-policy.md"
POL5 = "policies/POL-005-remote-working-policy.md"
POL6 = "policies/POL-006-draft.md"
AS_OF = "2026-03-31"


@pytest.fixture
def history(repo: Repo) -> Repo:
    """2026-01-05 POL-001 and POL-002 rev 1; 2026-02-10 POL-003 new (Change-reason trailer);
    2026-03-01 POL-001 rev 2 (reason from the commit subject); 2026-03-05 POL-005 approved with a
    planned effective date of 2026-04-01; 2026-03-10 POL-004 new, confidential, approved by two;
    2026-03-15 POL-002 withdrawn, superseded by POL-003 (POL-003 rev 2); 2026-03-20 an unapproved
    edit to POL-001 and an unapproved draft POL-006 straight on the main line."""
    bootstrap(repo, {POL1: doc("POL-001", "Service management policy"), POL2: doc("POL-002", "Old change policy")},
              on="2026-01-05")
    land(repo, "pol3", {POL3: doc("POL-003", "Change policy")}, on="2026-02-10",
         reason="Introduce the change policy required by clause 8.5.1")
    land(repo, "pol1-roles", {POL1: doc("POL-001", "Service management policy", body="Roles updated.\n")},
         on="2026-03-01", subject="Update roles in the service management policy")
    land(repo, "pol5", {POL5: doc("POL-005", "Remote working policy", effective="2026-04-01")}, on="2026-03-05",
         reason="Remote working is allowed from April")
    land(repo, "pol4", {POL4: doc("POL-004", "Information security policy (ISMS_core)", classification="confidential")},
         on="2026-03-10", approver=["priya", "dana"], reason="Adopt the *new* security baseline")
    repo.branch("withdraw")
    assert run(repo, "obsolete", "POL-002", "--superseded-by", "POL-003").exit_code == 0
    finish(repo, "withdraw", on="2026-03-15", subject="Withdraw the old change policy")
    repo.commit("Quick fix without approval", {POL1: doc("POL-001", "Service management policy", body="Oops.\n"),
                                                POL6: doc("POL-006", "Unapproved draft")},
                who="omar", date=day("2026-03-20"))
    return repo


MARKDOWN = """\
# Document changes since 2026-02-01

Example Services Ltd · 3 new, 1 revised, 1 withdrawn · main as of 2026-03-31

## New

- **POL-004** Information security policy (ISMS\\_core) — rev 1, effective 2026-03-10, approved by Dana Reyes, Priya Nair: Adopt the \\*new\\* security baseline
- **POL-003** Change policy — rev 2, effective 2026-03-15, approved by Priya Nair: Introduce the change policy required by clause 8.5.1; Withdraw the old change policy
- **POL-005** Remote working policy — rev 1, effective 2026-04-01, approved by Priya Nair: Remote working is allowed from April

## Revised

- **POL-001** Service management policy — rev 2, effective 2026-03-01, approved by Priya Nair: Update roles in the service management policy

## Withdrawn

- **POL-002** Old change policy — rev 2, effective 2026-03-15, approved by Priya Nair: Withdraw the old change policy. Superseded by **POL-003** Change policy: use it instead.

Only the current approved revision of each document is valid; printed copies are uncontrolled.
"""


def test_markdown_notice_can_be_sent_as_it_is(history: Repo) -> None:
    result = run(history, "changes", "--since", "2026-02-01", "--format", "markdown", as_of=AS_OF)
    assert result.exit_code == 0, result.output
    assert result.output == MARKDOWN


def test_text_notice_groups_the_same_lines_without_markup(history: Repo) -> None:
    result = run(history, "changes", "--since", "2026-02-01", as_of=AS_OF)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Document changes since 2026-02-01"
    assert lines.index("New") < lines.index("Revised") < lines.index("Withdrawn")
    assert ("  POL-001 Service management policy — rev 2, effective 2026-03-01, approved by Priya Nair: "
            "Update roles in the service management policy") in lines
    assert ("  POL-002 Old change policy — rev 2, effective 2026-03-15, approved by Priya Nair: Withdraw the old "
            "change policy. Superseded by POL-003 Change policy: use it instead.") in lines
    assert "**" not in result.output and "\\" not in result.output


def change(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(c for c in data["changes"] if c["id"] == ident)


def test_json_names_kind_revision_approvers_and_reason(history: Repo) -> None:
    data = run_json(history, "changes", "--since", "2026-02-01", as_of=AS_OF)
    assert list(data) == ["since", "ref", "as_of", "changes"]
    assert (data["since"], data["ref"], data["as_of"]) == ("2026-02-01", "main", AS_OF)
    assert [(c["change"], c["id"]) for c in data["changes"]] == [
        ("new", "POL-004"), ("new", "POL-003"), ("new", "POL-005"), ("revised", "POL-001"), ("withdrawn", "POL-002")]
    pol2 = change(data, "POL-002")
    assert pol2 == {"change": "withdrawn", "id": "POL-002", "title": "Old change policy", "type": "policy",
                    "classification": "internal", "revision": 2, "effective": "2026-03-15",
                    "commit": history.git("log", "-1", "--format=%H", "--grep", "Merge branch 'withdraw'", "main"),
                    "approvers": ["Priya Nair"], "reason": "Withdraw the old change policy",
                    "superseded_by": "POL-003", "withdrawn_reason": None, "path": POL2}
    assert change(data, "POL-004")["approvers"] == ["Dana Reyes", "Priya Nair"]
    assert change(data, "POL-005")["effective"] == "2026-04-01"  # planned date, announced ahead


def test_unapproved_changes_are_never_news(history: Repo) -> None:
    # After 2026-03-16 only an unapproved edit of POL-001 and an unapproved draft POL-006 reached the main
    # line; POL-005 is listed because its planned effective date (2026-04-01) falls in the window.
    data = run_json(history, "changes", "--since", "2026-03-16", as_of=AS_OF)
    assert [(c["change"], c["id"]) for c in data["changes"]] == [("new", "POL-005")]


def test_since_a_date_includes_that_day(history: Repo) -> None:
    data = run_json(history, "changes", "--since", "2026-03-15", as_of=AS_OF)
    # POL-003's rev 2 took effect that day: a revision now, since its rev 1 is older than the window.
    assert [(c["change"], c["id"], c["revision"]) for c in data["changes"]] == [
        ("new", "POL-005", 1), ("revised", "POL-003", 2), ("withdrawn", "POL-002", 2)]


def test_since_a_ref_lists_what_reached_the_main_line_after_it(history: Repo) -> None:
    pol3_merge = history.git("log", "-1", "--format=%H", "--grep", "Merge branch 'pol3'", "main")
    history.git("tag", "notice-2026-02", pol3_merge)
    data = run_json(history, "changes", "--since", "notice-2026-02", as_of=AS_OF)
    assert data["since"] == "notice-2026-02"
    assert [(c["change"], c["id"], c["revision"]) for c in data["changes"]] == [
        ("new", "POL-004", 1), ("new", "POL-005", 1), ("revised", "POL-001", 2), ("revised", "POL-003", 2),
        ("withdrawn", "POL-002", 2)]
    assert change(data, "POL-003")["reason"] == "Withdraw the old change policy"


def test_as_of_cuts_the_history(history: Repo) -> None:
    data = run_json(history, "changes", "--since", "2026-02-01", as_of="2026-03-12")
    assert [c["id"] for c in data["changes"]] == ["POL-003", "POL-004", "POL-005", "POL-001"]
    assert change(data, "POL-003")["revision"] == 1


def test_audience_leaves_out_documents_classified_above_it(history: Repo) -> None:
    data = run_json(history, "changes", "--since", "2026-02-01", "--audience", "internal", as_of=AS_OF)
    assert "POL-004" not in [c["id"] for c in data["changes"]]
    text = run(history, "changes", "--since", "2026-02-01", "--audience", "internal", "--format", "markdown", as_of=AS_OF)
    assert "POL-004" not in text.output and "ISMS" not in text.output
    assert "2 new, 1 revised, 1 withdrawn" in text.output


def test_nothing_since_says_so(history: Repo) -> None:
    result = run(history, "changes", "--since", "2026-04-02", "--format", "markdown", as_of="2026-04-30")
    assert result.exit_code == 0
    assert "0 new, 0 revised, 0 withdrawn" in result.output
    assert "No document was issued, revised or withdrawn since 2026-04-02." in result.output
    assert "## New" not in result.output


def test_withdrawal_with_a_reason_says_why(repo: Repo) -> None:
    bootstrap(repo, {POL2: doc("POL-002", "Old change policy")}, on="2026-01-05")
    repo.branch("withdraw")
    assert run(repo, "obsolete", "POL-002", "--reason", "Service discontinued").exit_code == 0
    finish(repo, "withdraw", on="2026-02-01", reason="The service ends on 31 January")
    result = run(repo, "changes", "--since", "2026-01-06", "--format", "markdown", as_of="2026-02-02")
    assert ("- **POL-002** Old change policy — rev 2, effective 2026-02-01, approved by Priya Nair: The service ends "
            "on 31 January. Withdrawn: Service discontinued.") in result.output


@pytest.mark.parametrize(("since", "words"), [
    ("nowhere", ["--since nowhere: neither a date (YYYY-MM-DD) nor a ref"]),
    ("2026-02-30", ["--since 2026-02-30: not a valid date"]),
])
def test_since_must_be_a_date_or_a_ref(history: Repo, since: str, words: list[str]) -> None:
    result = run(history, "changes", "--since", since, as_of=AS_OF)
    assert result.exit_code == 2
    for word in words:
        assert word in result.output


def test_since_is_required(history: Repo) -> None:
    result = run(history, "changes", as_of=AS_OF)
    assert result.exit_code == 2 and "--since" in result.output


def test_audience_takes_the_stricter_of_the_approved_and_the_main_line_classification(history: Repo) -> None:
    """The same rule as the site: an unapproved commit that raises a document's classification
    hides it at once, and a classification sms-docs does not know counts as restricted."""
    history.commit("Raise the classification without approval", {
        POL1: doc("POL-001", "Service management policy", classification="confidential", body="Roles updated.\n"),
        POL3: doc("POL-003", "Change policy", classification="secret")}, who="omar", date=day("2026-03-25"))
    internal = [c["id"] for c in run_json(history, "changes", "--since", "2026-02-01", "--audience", "internal",
                                          as_of=AS_OF)["changes"]]
    assert "POL-001" not in internal and "POL-003" not in internal
    assert "POL-005" in internal
    confidential = [c["id"] for c in run_json(history, "changes", "--since", "2026-02-01", "--audience",
                                              "confidential", as_of=AS_OF)["changes"]]
    assert "POL-001" in confidential and "POL-003" not in confidential
    restricted = [c["id"] for c in run_json(history, "changes", "--since", "2026-02-01", "--audience", "restricted",
                                            as_of=AS_OF)["changes"]]
    assert "POL-003" in restricted
