"""Evidence lives in git only: an offline `git clone --mirror` audits exactly like the working copy
(REQUIREMENTS D8)."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

from click.testing import CliRunner
from conftest import Repo, doc

from sms_docs.cli import cli

if TYPE_CHECKING:
    from pathlib import Path


def test_audit_of_a_bare_mirror_equals_the_audit_of_the_working_copy(repo: Repo, tmp_path: Path) -> None:
    repo.commit("Configuration", {"policies/POL-001-a.md": doc("POL-001", "Policy A")}, who="omar")
    repo.run("approve", "--all", who="dana")
    repo.branch("edit")
    repo.commit("Tighten policy A", {"policies/POL-001-a.md": doc("POL-001", "Policy A", body="Stricter.\n")}, who="omar")
    assert repo.run("approve", "POL-001", who="priya").exit_code == 0
    repo.checkout("main")
    repo.merge("edit", who="priya")
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(mirror)], check=True)

    here = repo.json("audit", "--as-of", "2026-02-01")
    result = CliRunner().invoke(cli, ["-C", str(mirror), "audit", "--format", "json", "--as-of", "2026-02-01"])
    assert result.exit_code == 0, result.output
    there = json.loads(result.output)
    assert there == here
    assert [d["state"] for d in there["documents"] if d["id"] == "POL-001"] == ["effective"]
    assert [r["revision"] for d in there["documents"] if d["id"] == "POL-001" for r in d["revisions"]] == [1, 2]


def test_check_in_a_bare_mirror_says_it_needs_a_working_tree(repo: Repo, tmp_path: Path) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001")}, who="omar")
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(mirror)], check=True)
    result = CliRunner().invoke(cli, ["-C", str(mirror), "check"])
    assert result.exit_code == 3
    assert "sms-docs.yml" in result.output and "Traceback" not in result.output
