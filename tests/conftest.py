"""Shared test fixtures: real git repositories in temporary folders, with fixed dates and an
isolated git configuration (a developer's own settings cannot leak in). No mocks of git."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from sms_docs.cli import cli

if TYPE_CHECKING:
    from pathlib import Path

PEOPLE = {
    "dana": ("Dana Reyes", "dana@example.com", ["top-management"]),
    "priya": ("Priya Nair", "priya@example.com", ["top-management"]),
    "omar": ("Omar Haddad", "omar@example.com", ["sms-manager", "process-owner"]),
    "lena": ("Lena Fischer", "lena@example.com", ["process-owner"]),
    "eve": ("Eve Stone", "eve@example.com", []),
}

CONFIG = """\
organisation: Example Services Ltd
standard: iso20000-1:2018
main_branch: main
people:
  - {id: dana, name: Dana Reyes, email: dana@example.com, roles: [top-management]}
  - {id: priya, name: Priya Nair, email: priya@example.com, roles: [top-management]}
  - {id: omar, name: Omar Haddad, email: omar@example.com, roles: [sms-manager, process-owner]}
  - {id: lena, name: Lena Fischer, email: lena@example.com, roles: [process-owner]}
  - {id: eve, name: Eve Stone, email: eve@example.com}
roles:
  top-management: Top management
  sms-manager: SMS manager
  process-owner: Process owner
types:
  policy: {prefix: POL, folder: policies, approvers: [top-management], min_approvals: 1, review_cycle: 12 months}
  procedure: {prefix: PRC, folder: procedures, approvers: [sms-manager, process-owner], min_approvals: 1, review_cycle: 24 months}
approval:
  evidence: [approval-commit, merge-trailer, forge-review]
  merge_trailers: [Approved-by]
  require_signature: false
  allow_author_approval: false
"""


def unavailable(reason: str) -> None:
    """A tool a test needs is missing: skip on a developer's machine, fail under CI (which installs it)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must provide it (.ci/run installs it)")
    pytest.skip(reason)


def doc(ident: str, title: str = "A document", *, type: str = "policy", owner: str = "dana",
        classification: str = "internal", body: str = "Some text.\n", **extra: Any) -> str:
    """A document's text with the given front matter fields (lists and strings as YAML)."""
    lines = ["---", f"id: {ident}", f"title: {json.dumps(title)}", f"type: {type}", f"owner: {owner}",
             f"classification: {classification}"]
    for key, value in extra.items():
        lines.append(f"{key.replace('_', '-') if key.startswith('x_') else key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n---\n\n# " + title + "\n\n" + body


def site_config(name: str = "Example Services Ltd - service management system", *, site_url: str | None = None) -> str:
    """The mkdocs.yml of a test site: Material, search, and sms-docs for the internal audience (last,
    so a test may append plugin options)."""
    return (f"site_name: {name}\n" + (f"site_url: {site_url}\n" if site_url else "")
            + "docs_dir: site-src\nsite_dir: site\ntheme:\n  name: material\nplugins:\n  - search\n"
            + "  - sms-docs:\n      audience: internal\n")


def identity(who: str) -> tuple[str, str]:
    name, email, _ = PEOPLE.get(who, (who, f"{who}@example.com", []))
    return name, email


@dataclass
class Repo:
    """A real git repository; every commit has fixed dates and a chosen author and committer."""

    path: Path
    runner: CliRunner = field(default_factory=CliRunner)
    clock: int = 0  # minutes added to each default date, so commits are ordered

    def env(self, who: str = "dana", date: str | None = None, committer: str | None = None) -> dict[str, str]:
        if date is None:
            self.clock += 1
            date = f"2026-01-05T{9 + self.clock // 60:02d}:{self.clock % 60:02d}:00+00:00"
        a_name, a_email = identity(who)
        c_name, c_email = identity(committer or who)
        return {**os.environ, "GIT_AUTHOR_NAME": a_name, "GIT_AUTHOR_EMAIL": a_email,
                "GIT_COMMITTER_NAME": c_name, "GIT_COMMITTER_EMAIL": c_email,
                "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}

    def git(self, *args: str, who: str = "dana", date: str | None = None, committer: str | None = None,
            check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, env=self.env(who, date, committer),
                              capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout.strip()

    def write(self, files: dict[str, str | bytes | None]) -> None:
        for rel, content in files.items():
            target = self.path / rel
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str | bytes | None] | None = None, *, who: str = "dana",
               date: str | None = None, committer: str | None = None, allow_empty: bool = False) -> str:
        if files:
            self.write(files)
        self.git("add", "-A")
        args = ["commit", "-q", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, who=who, date=date, committer=committer)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def merge(self, branch: str, message: str | None = None, *, who: str = "dana", date: str | None = None,
              trailers: list[str] | None = None) -> str:
        """A --no-ff merge into the current branch, committed by `who`, with optional trailers."""
        msg = message or f"Merge branch '{branch}'"
        if trailers:
            msg += "\n\n" + "\n".join(trailers)
        self.git("merge", "-q", "--no-ff", "-m", msg, branch, who=who, date=date)
        return self.git("rev-parse", "HEAD")

    def blob(self, path: str, rev: str = "HEAD") -> str:
        return self.git("rev-parse", f"{rev}:{path}")

    def run(self, *args: str, who: str = "dana", date: str | None = None, input: str | None = None) -> Result:
        """Run the CLI in this repository, as `who` (git committer identity)."""
        env = {k: v for k, v in self.env(who, date).items() if k.startswith("GIT_")}
        return self.runner.invoke(cli, ["-C", str(self.path), *args], env=env, input=input,
                                  catch_exceptions=False)

    def json(self, *args: str, who: str = "dana", date: str | None = None) -> Any:
        result = self.run(*args, "--format", "json", who=who, date=date)
        try:
            return json.loads(result.output)
        except json.JSONDecodeError:
            raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output}") from None


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    empty = home / "gitconfig"
    empty.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "SMS_DOCS_DEBUG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A document repository with the test configuration and nothing committed yet."""
    path = tmp_path / "repo"
    path.mkdir()
    r = Repo(path)
    r.git("init", "-q", "--initial-branch=main")
    r.write({"sms-docs.yml": CONFIG})
    return r
