"""`audit --since BASE`: an incremental audit equals the full audit on what it covers, on every
generated history and on hand-made edge cases; a base off the main line is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sms_docs.cli import cli
from sms_docs.incremental import restrict

from conftest import Repo, doc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate import generate, generate_large  # noqa: E402

AS_OF = "2026-06-01"


def audit(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["-C", str(root), "audit", "--format", "json", "--as-of", AS_OF, *args],
                                catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def assert_same(root: Path, base: str, ref: str | None = None) -> dict[str, Any]:
    refs = ["--ref", ref] if ref else []
    full_code, full = audit(root, *refs)
    code, inc = audit(root, "--since", base, *refs)
    scope = inc.pop("incremental")
    assert scope["base"] == subprocess.run(["git", "rev-parse", base], cwd=root, capture_output=True,
                                           text=True, check=True).stdout.strip()
    assert "audited in full" in scope["trusted"]
    assert inc == restrict(full, scope["documents"])
    assert code == (1 if any(f["severity"] == "error" for f in inc["findings"]) else 0)
    assert full_code in (0, 1)
    return scope


@pytest.mark.parametrize("bases", [["main~1", "main~4", "main~17", "main~40"]])
def test_equal_to_the_full_audit_on_the_generated_history(tmp_path: Path, bases: list[str]) -> None:
    root = tmp_path / "gen"
    generate(root, 25, 40)
    sizes = [len(assert_same(root, base)["documents"]) for base in bases]
    assert sizes[0] == 1 and sizes[-1] > sizes[0]


def test_equal_to_the_full_audit_on_the_long_generated_history(tmp_path: Path) -> None:
    """Long-lived branches, renames, several author commits per change, records."""
    root = tmp_path / "large"
    generate_large(root, 120, 90, long_every=7, long_span=12, rename_every=3, record_every=2)
    sizes = [len(assert_same(root, base)["documents"]) for base in ("main~1", "main~9", "main~30", "main~80")]
    assert sizes == sorted(sizes) and sizes[0] == 1
    # the first commit as the base: every document changed since is audited
    first = subprocess.run(["git", "rev-list", "--max-parents=0", "main"], cwd=root, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert len(assert_same(root, first)["documents"]) >= sizes[-1]


def approved_change(repo: Repo, branch: str, files: dict[str, str | None], ident: str, path: str, *,
                    author: str = "omar", approver: str = "dana", merge: bool = True) -> None:
    repo.branch(branch)
    repo.commit(f"Change {ident}", files, who=author)
    repo.commit(f"Approve {ident}\n\nApproval-of: {ident} {repo.blob(path)}", who=approver, allow_empty=True)
    repo.checkout("main")
    if merge:
        repo.merge(branch)


def test_equal_on_edge_cases_and_a_merge_request_branch(repo: Repo) -> None:
    pol = "policies/POL-001-security.md"
    repo.commit("Initial", {pol: doc("POL-001", "Security"), "policies/POL-002-access.md": doc("POL-002", "Access")},
                who="omar")
    repo.commit(f"Approve\n\nApproval-of: POL-001 {repo.blob(pol)}\nApproval-of: POL-002 "
                f"{repo.blob('policies/POL-002-access.md')}\nApproval-of: sms-docs.yml {repo.blob('sms-docs.yml')}",
                allow_empty=True)
    # before the base: an unapproved direct change (its author stays pending), a rename
    repo.commit("Direct edit", {pol: doc("POL-001", "Security", body="Edited directly.\n")}, who="eve")
    repo.git("mv", pol, "policies/POL-001-information-security.md")
    repo.commit("Rename POL-001", who="omar")
    pol = "policies/POL-001-information-security.md"
    base = repo.git("rev-parse", "HEAD")
    # after the base: POL-001 approved by its own author (self-approval), POL-003 new and approved
    approved_change(repo, "c1", {pol: doc("POL-001", "Security", body="Rewritten.\n")}, "POL-001", pol,
                    author="dana", approver="dana")
    approved_change(repo, "c2", {"policies/POL-003-backup.md": doc("POL-003", "Backup")}, "POL-003",
                    "policies/POL-003-backup.md")
    scope = assert_same(repo.path, base)
    assert scope["documents"] == ["POL-001", "POL-003"]
    _code, inc = audit(repo.path, "--since", base)
    codes = {(f["code"], f.get("id")) for f in inc["findings"]}
    assert ("self-approval", "POL-001") in codes
    assert not any(f.get("id") == "POL-002" for f in inc["findings"])
    # a merge request branch, not merged yet: audited from where it left main
    approved_change(repo, "mr", {"policies/POL-002-access.md": doc("POL-002", "Access", body="New.\n")}, "POL-002",
                    "policies/POL-002-access.md", merge=False)
    fork = repo.git("merge-base", "main", "mr")
    assert assert_same(repo.path, fork, ref="mr")["documents"] == ["POL-002"]


def test_a_base_off_the_main_line_is_refused(repo: Repo) -> None:
    pol = "policies/POL-001-security.md"
    repo.commit("Initial", {pol: doc("POL-001", "Security")}, who="omar")
    repo.commit(f"Approve\n\nApproval-of: POL-001 {repo.blob(pol)}\nApproval-of: sms-docs.yml {repo.blob('sms-docs.yml')}",
                allow_empty=True)
    repo.branch("side")
    side = repo.commit("Side work", {pol: doc("POL-001", "Security", body="Side.\n")}, who="omar")
    repo.checkout("main")
    repo.merge("side")
    # a commit brought in by a merge is reachable, but it is not on the first-parent line
    result = repo.run("audit", "--since", side)
    assert result.exit_code == 2
    assert "not on the first-parent line of main" in result.output
    result = repo.run("audit", "--since", "no-such-commit")
    assert result.exit_code == 2 and "no such commit" in result.output
    result = repo.run("audit", "--since", "main", "--record-tags")
    assert result.exit_code == 2
    # a base on main that the audited ref does not descend from along its first-parent line
    repo.branch("old", "main~1")
    result = repo.run("audit", "--since", "main", "--ref", "old")
    assert result.exit_code == 2 and "first-parent line of the audited ref" in result.output


def test_no_cache_under_git_dir_is_read_not_even_a_signed_one(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commits cache signed with the key (a job of another merge request on a shared runner could
    write one) says the last commit changed nothing: the full audit uses it, `--since` does not."""
    from sms_docs import gitrepo
    from sms_docs.cache import Store

    monkeypatch.setenv("SMS_DOCS_CACHE_KEY", "shared-runner-key")
    pol = "policies/POL-001-security.md"
    repo.commit("Initial", {pol: doc("POL-001", "Security")}, who="omar")
    repo.commit(f"Approve\n\nApproval-of: POL-001 {repo.blob(pol)}\nApproval-of: sms-docs.yml {repo.blob('sms-docs.yml')}",
                allow_empty=True)
    base = repo.git("rev-parse", "HEAD")
    tip = repo.commit("Unapproved edit", {pol: doc("POL-001", "Security", body="Sneaky.\n")}, who="eve")
    git_dir = Path(repo.git("rev-parse", "--absolute-git-dir"))
    with gitrepo.GitRepo(repo.path) as r:
        headers, own, other, outside = r._log_text(tip)
        tip_pair = f"{r._git('rev-parse', tip + '~1^{tree}').strip()} {r._git('rev-parse', tip + '^{tree}').strip()}"
    # git's own output of the passes, with the tip's changes cut off
    forged = "".join(own[start - len(pair) - 1:end] for pair, start, end in gitrepo._pair_runs(own) if pair != tip_pair)
    assert forged != own
    Store(git_dir, "commits", gitrepo._CACHE_VERSION).save({"logs": [(headers, forged, other, outside)], "tips": [tip]})
    code, full = audit(repo.path)
    assert not any(f["code"] == "unapproved-change" for f in full["findings"])  # the cache was used
    code, inc = audit(repo.path, "--since", base)
    assert code == 1
    assert [f["code"] for f in inc["findings"] if f.get("id") == "POL-001"] == ["unapproved-change"]
