"""The audit's JSON report is written without a dictionary per revision (`report.audit_json_text`,
`Revision.json_text`): byte for byte what `json.dumps` makes of `report.audit_json`, on a real history
with awkward names; and printed to a terminal or a pipe with the same escapes as before."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import TYPE_CHECKING

from trust import AS_OF, POL1, change, day, policy, setup

from sms_docs.catalog import Catalog
from sms_docs.model import Approval, Author, Revision
from sms_docs.report import audit_json

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Repo

AWKWARD = 'Zoë "Z" Back\\slash\u202eOdd\x7fName'  # a quote, a backslash, non-ASCII, a bidi override, DEL


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_each_revision_writes_what_json_dumps_writes() -> None:
    when = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    author = Author(AWKWARD, "z\t@example.com")
    approvals = (Approval(AWKWARD, "z@example.com", "approval", when, "c" * 40, "merge-trailer", "none", True),
                 Approval("Dana", "d@example.com", "review", when, "d" * 40, "approval-commit", "bad", False,
                          reason='signature "bad"\n\x00'))
    for rev in (Revision("POL-001", "p.md", "b" * 40, "a" * 40, when, "s", None, (author,), approvals, 3, when.date()),
                Revision("POL-001", "p.md", "b" * 40, "a" * 40, when, "s", None, (), (), None)):
        assert rev.json_text() == _dumps(rev.to_json())
        for item in (*rev.authors, *rev.approvals):
            assert item.json_text() == _dumps(item.to_json())


def test_the_audit_report_is_json_dumps_of_audit_json(repo: Repo, tmp_path: Path) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "c1", {POL1: policy(title=AWKWARD)}, author=AWKWARD, date=day("2026-01-06"))
    change(repo, "c2", {POL1: policy(title=AWKWARD, body="More.\n")}, author="omar", approvers=(),
           date=day("2026-01-07"))  # unapproved: an error finding, "ok": false
    out = tmp_path / "audit.json"
    assert repo.run("audit", "--format", "json", "--output", str(out), "--as-of", AS_OF).exit_code == 1
    with Catalog.open(repo.path, as_of=dt.date.fromisoformat(AS_OF)) as cat:
        expected = _dumps(audit_json(cat)) + "\n"
    written = out.read_text(encoding="utf-8")
    assert written == expected
    revisions = json.loads(written)["documents"][0]["revisions"]
    assert {a["name"] for r in revisions for a in r["authors"]} == {AWKWARD, "Omar Haddad"}
    # On standard output the bidi override and DEL are shown escaped, as JSON reads them back.
    printed = repo.run("audit", "--format", "json", "--as-of", AS_OF).stdout
    assert "\u202e" not in printed and "\x7f" not in printed and "\\u202e" in printed and "\\u007f" in printed
    assert json.loads(printed) == json.loads(written)


def test_an_ascii_report_is_printed_as_written(repo: Repo, tmp_path: Path) -> None:
    setup(repo, date=day("2026-01-05"))
    change(repo, "c1", {POL1: policy()}, date=day("2026-01-06"))
    out = tmp_path / "audit.json"
    assert repo.run("audit", "--format", "json", "--output", str(out), "--as-of", AS_OF).exit_code == 0
    printed = repo.run("audit", "--format", "json", "--as-of", AS_OF).stdout
    assert printed.isascii() and printed == out.read_text(encoding="utf-8")


def test_the_program_ends_as_soon_as_the_report_is_out(repo: Repo, tmp_path: Path) -> None:
    """`sms-docs audit` leaves its catalogue to the end of the process (cli.leave_to_exit): the whole
    report is still printed, and the exit code is still the audit's."""
    setup(repo, date=day("2026-01-05"))
    change(repo, "c1", {POL1: policy()}, date=day("2026-01-06"))
    repo.commit("Unapproved", {POL1: policy(body="Quick edit.\n")}, who="omar", date=day("2026-01-07"))
    out = tmp_path / "audit.json"
    assert repo.run("audit", "--format", "json", "--output", str(out), "--as-of", AS_OF).exit_code == 1
    program = [sys.executable, "-m", "sms_docs", "-C", str(repo.path), "audit", "--as-of", AS_OF]
    proc = subprocess.run([*program, "--format", "json"], capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1 and proc.stdout == out.read_text(encoding="utf-8") and proc.stderr == ""
    written = tmp_path / "again.json"
    proc = subprocess.run([*program, "--format", "json", "--output", str(written)], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr == f"wrote {written}\n" and written.read_text() == out.read_text()
    proc = subprocess.run([*program, "--strict"], capture_output=True, text=True)
    assert proc.returncode == 1 and "unapproved-change" in proc.stdout
