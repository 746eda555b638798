"""`sms-docs demo`: a realistic repository made through the product's own actions, with real commits
at fixed dates over eighteen months, then its site."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
from typing import Any, TYPE_CHECKING

import pytest
from click.testing import CliRunner
from conftest import unavailable

from sms_docs.cli import cli

if TYPE_CHECKING:
    from pathlib import Path

TODAY = "2026-06-15"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def as_json(*args: str) -> Any:
    result = run(*args, "--format", "json")
    return json.loads(result.output)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("demo-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        target = tmp_path_factory.mktemp("demo") / "harbourline"
        started = time.perf_counter()
        result = run("demo", str(target), "--as-of", TODAY)
        elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return {"root": target, "output": result.output, "seconds": elapsed}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_demo_is_fast_and_says_where_the_site_is(demo: dict[str, Any]) -> None:
    root = demo["root"]
    assert demo["seconds"] < 60
    out = demo["output"]
    assert f"Created a demonstration repository in {root}" in out
    assert f"sms-docs serve -C {root}" in out and f"python3 -m http.server -d {root / 'site'}" in out
    assert (root / "site/index.html").is_file() and (root / "site/register/index.html").is_file()


def test_history_has_fixed_increasing_dates_over_eighteen_months_ending_before_today(demo: dict[str, Any]) -> None:
    root = demo["root"]
    times = [int(t) for t in git(root, "log", "--first-parent", "--format=%ct", "main").split()][::-1]
    assert times == sorted(times)
    every = [int(t) for t in git(root, "log", "--all", "--format=%ct %at").split()]
    first, last = dt.datetime.fromtimestamp(min(every), dt.timezone.utc).date(), dt.datetime.fromtimestamp(max(every), dt.timezone.utc).date()
    today = dt.date.fromisoformat(TODAY)
    assert last < today and (last - first).days >= 500 and (today - first).days <= 18 * 31 + 7
    assert git(root, "status", "--porcelain") == ""  # everything committed; the site is ignored


def test_changes_on_branches_merged_no_ff_with_approval_commits_and_trailers(demo: dict[str, Any]) -> None:
    root = demo["root"]
    merges = git(root, "log", "--first-parent", "--merges", "--format=%H %s", "main").splitlines()
    assert len(merges) >= 7
    messages = git(root, "log", "--all", "--format=%B%x00").split("\x00")
    assert any("Approval-of: POL-003 " in m for m in messages)  # an approval commit
    assert any(m.strip().endswith("Approved-by: Lena Fischer <lena.fischer@harbourline.example>") and m.strip().startswith("Merge")
               for m in messages)  # a GitLab-style merge trailer
    history = as_json("-C", str(root), "history", "PRC-002")
    evidence = {a["evidence"] for rev in history["revisions"] for a in rev["approvals"] if a["valid"]}
    assert evidence == {"approval-commit", "merge-trailer"}


def test_signed_approval(demo: dict[str, Any]) -> None:
    if shutil.which("ssh-keygen") is None:
        unavailable("ssh-keygen is not installed: the demo makes an unsigned approval instead")
    root = demo["root"]
    history = as_json("-C", str(root), "history", "POL-003")
    latest = history["revisions"][-1]
    assert latest["revision"] == 2
    assert [(a["name"], a["signature"], a["valid"]) for a in latest["approvals"]] == [("Priya Nair", "good", True)]
    assert "priya.nair@harbourline.example" in (root / ".sms/allowed_signers").read_text()


def test_audit_shows_the_rejected_self_approval_and_the_unapproved_change(demo: dict[str, Any]) -> None:
    root = demo["root"]
    audit = as_json("-C", str(root), "audit", "--as-of", TODAY)
    codes = {(f["code"], f["id"]) for f in audit["findings"]}
    assert ("self-approval", "PRC-004") in codes
    assert ("unapproved-change", "PRC-011") in codes
    assert not {c for c, _ in codes} & {"record-modified", "record-deleted", "signature-invalid", "obsolete-modified"}


def test_register_states(demo: dict[str, Any]) -> None:
    root = demo["root"]
    status = {d["id"]: d for d in as_json("-C", str(root), "status", "--as-of", TODAY)["documents"]}
    assert status["PRC-011"]["state"] == "changed"
    assert status["POL-005"]["state"] == "obsolete" and status["POL-006"]["state"] == "effective"
    assert status["PRC-004"]["revision"] == 2 and status["PRC-004"]["state"] == "effective"
    # Revision 2 is approved to take effect after the end of the demo: revision 1 stays in force.
    assert (status["PLN-004"]["state"], status["PLN-004"]["revision"]) == ("effective", 1)
    shown = as_json("-C", str(root), "show", "PLN-004", "--as-of", TODAY)
    assert shown["upcoming"]["revision"] == 2 and shown["upcoming"]["effective"] > TODAY
    assert status["POL-001"]["next_review"] > status["POL-002"]["effective"]  # a no-change review restarted its cycle
    assert run("-C", str(root), "check").exit_code == 0


def test_records_and_review(demo: dict[str, Any]) -> None:
    root = demo["root"]
    types = {}
    for path in (root / "records").rglob("*.yml"):
        text = path.read_text()
        kind = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("type: "))
        types.setdefault(kind, []).append(text)
    assert {"change", "incident-review", "audit", "review"} <= set(types)
    assert any("outcome: no-change" in t and "POL-001" in t and "blob: " in t for t in types["review"])


def test_demo_site(demo: dict[str, Any]) -> None:
    site = demo["root"] / "site"
    obsolete = (site / "policy/POL-005/index.html").read_text()
    assert "OBSOLETE" in obsolete and "POL-006" in obsolete
    supplier = (site / "procedure/PRC-011/index.html").read_text()
    assert "Twelve months before contract end" in supplier and "Nine months" not in supplier
    assert not (site / "agreement/AGR-002").exists()  # confidential: not on the internal site
    assert "signed" in (site / "policy/POL-003/index.html").read_text()


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    result = run("demo", str(tmp_path))
    assert result.exit_code == 1 and "not an empty folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_demo_ignores_the_users_git_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "gitconfig"
    config.write_text("[commit]\n\tgpgsign = true\n[user]\n\tsigningKey = /nonexistent/key\n[core]\n\thooksPath = /nonexistent\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    result = run("demo", str(tmp_path / "d"), "--no-build", "--as-of", TODAY, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["site"] is None and data["commits"] > 30 and not (tmp_path / "d/site").exists()
