"""The README's "Your own document repository" section runs as written, start to finish: the shell
block is taken from README.md itself, only the editor step is replaced, and it runs in a temporary
folder with fixed commit dates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Your own document repository")
    end = readme.index("\n## ", start + 5)
    return readme[start:end]


def test_the_section_says_how_sms_docs_gets_on_path() -> None:
    text = section()
    assert "pipx install" in text
    assert "bin/activate" in text


def test_the_own_repository_recipe_runs_as_written(tmp_path: Path) -> None:
    blocks = re.findall(r"```sh\n(.*?)```", section(), re.S)
    [recipe] = [b for b in blocks if "sms-docs init" in b]
    editor = [line for line in recipe.splitlines() if line.startswith("$EDITOR ")]
    assert len(editor) == 1, "the recipe has one editor step"
    script = "set -euo pipefail\n" + recipe.replace(editor[0], "true  # the editor step")
    env = {**os.environ,
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
           "GIT_AUTHOR_DATE": "2026-01-05T09:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-05T09:00:00+00:00"}
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EDITOR"):
        env.pop(name, None)  # the recipe's own `git config user.*` says who acts
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    out = proc.stdout
    assert "36 documents on main as of" in out and "36 effective" in out  # sms-docs status
    assert "0 findings" in out and "no findings" in out  # sms-docs audit
    assert "Built the site in site/" in out  # sms-docs build
    repo = tmp_path / "my-sms"
    assert (repo / "site" / "index.html").is_file()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout.strip()

    # A real approved main line: a start commit, then the starter set merged with Dana's approval commit.
    first_parent = git("log", "--first-parent", "--format=%s", "main").splitlines()
    assert first_parent == ["Starter SMS, approved by Dana Reyes", "Start the document repository"]
    assert git("log", "-1", "--format=%P", "main").count(" ") == 1  # a merge commit
    assert "Approved-by: Dana Reyes <dana@example.com>" in git("log", "--format=%B", "initial")
