"""Helpers for the trust-engine tests (history, approve, audit, signatures): change branches merged
with --no-ff, approvals made through the real `sms-docs approve`, SSH signing keys made with
ssh-keygen. Everything runs on real repositories with fixed dates; nothing mocks git."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from conftest import CONFIG, Repo, doc, identity

POL1 = "policies/POL-001-service-management-policy.md"
POL2 = "policies/POL-002-change-policy.md"
PRC1 = "procedures/PRC-001-change-management.md"
CONFIG_FILE = "sms-docs.yml"
SIGNERS = ".sms/allowed_signers"

REVISION_KEYS = ["revision", "commit", "date", "blob", "authors", "approvals"]
APPROVAL_KEYS = ["name", "email", "meaning", "date", "commit", "evidence", "signature", "valid", "reason"]
STATUS_KEYS = ["id", "title", "type", "owner", "classification", "state", "revision", "effective",
               "next_review", "path"]
FINDING_KEYS = ["code", "severity", "path", "line", "id", "message"]


def day(d: str, hour: int = 10) -> str:
    """A fixed git date on day `d` (YYYY-MM-DD)."""
    return f"{d}T{hour:02d}:00:00+00:00"


def start(repo: Repo, *, date: str | None = None) -> str:
    """The main line's root: an empty commit, so change branches have something to merge into.

    The configuration file stays in the working tree, uncommitted, until a test brings it in."""
    repo.git("commit", "-q", "--allow-empty", "-m", "Start the document repository", who="dana", date=date)
    return repo.git("rev-parse", "HEAD")


def setup(repo: Repo, config: str = CONFIG, *, date: str | None = None, extra: dict[str, str | bytes] | None = None) -> str:
    """The root commit, then the configuration brought in by omar and approved by dana on a branch."""
    start(repo, date=date)
    repo.branch("setup")
    repo.commit("Adopt sms-docs", {CONFIG_FILE: config, **(extra or {})}, who="omar", date=date)
    approve(repo, "--all", who="dana", date=date)
    repo.checkout("main")
    return repo.merge("setup", "Merge branch 'setup'", who="dana", date=date)


def approve(repo: Repo, *args: str, who: str, date: str | None = None, expect: int = 0) -> Any:
    result = repo.run("approve", *args, who=who, date=date)
    assert "Traceback" not in result.output
    assert result.exit_code == expect, f"approve {args} as {who}: exit {result.exit_code}: {result.output}"
    return result


def change(repo: Repo, branch: str, files: dict[str, str | bytes | None], *, author: str = "omar",
           approvers: tuple[str, ...] = ("dana",), ids: tuple[str, ...] | None = None,
           trailers: list[str] | None = None, merger: str = "dana", date: str | None = None,
           message: str | None = None) -> str:
    """One change the usual way: a branch, a commit by `author`, an approval commit by each of
    `approvers` (`sms-docs approve IDS`), then a --no-ff merge into main. Returns the merge commit."""
    repo.branch(branch)
    repo.commit(message or f"Edit on {branch}", files, who=author, date=date)
    for who in approvers:
        approve(repo, *(ids or ("--all",)), who=who, date=date)
    repo.checkout("main")
    return repo.merge(branch, f"Merge branch '{branch}'", who=merger, date=date, trailers=trailers)


def trailer(who: str) -> str:
    name, email = identity(who)
    return f"Approved-by: {name} <{email}>"


AS_OF = "2026-06-30"  # every read is pinned to a day, so no test depends on the real date


def pinned(args: tuple[str, ...]) -> tuple[str, ...]:
    return args if "--as-of" in args else (*args, "--as-of", AS_OF)


def run_json(repo: Repo, *args: str, expect: int | None = None, who: str = "dana") -> Any:
    result = repo.run(*pinned(args), "--format", "json", who=who)
    assert "Traceback" not in result.output
    if expect is not None:
        assert result.exit_code == expect, f"{args}: exit {result.exit_code}: {result.output}"
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output}") from None


def audit(repo: Repo, *args: str, expect: int | None = None) -> dict[str, Any]:
    return run_json(repo, "audit", *args, expect=expect)


def codes(data: dict[str, Any], *, key: str | None = None) -> list[str]:
    """Finding codes, optionally only those about one document ID or path."""
    return sorted(f["code"] for f in data["findings"] if key is None or key in (f["id"], f["path"]))


def findings(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["code"] == code]


def status_of(repo: Repo, ident: str, *args: str) -> dict[str, Any]:
    data = run_json(repo, "status", *args)
    found = [d for d in data["documents"] if d["id"] == ident]
    assert found, f"{ident} not in status: {data}"
    return found[0]


def audit_doc(data: dict[str, Any], ident: str) -> dict[str, Any]:
    found = [d for d in data["documents"] if d["id"] == ident]
    assert found, f"{ident} not in audit: {[d['id'] for d in data['documents']]}"
    return found[0]


# --- SSH signing -------------------------------------------------------------------------------------


def ssh_key(tmp: Path, who: str) -> tuple[Path, str]:
    """A new ed25519 key for `who`: (private key path, public key line)."""
    key = tmp / f"{who}_ed25519"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(key)], check=True,
                       capture_output=True)
    return key, Path(str(key) + ".pub").read_text().strip()


def signer_line(who: str, public_key: str) -> str:
    _, email = identity(who)
    key_type, key_data = public_key.split()[:2]
    return f'{email} namespaces="git" {key_type} {key_data}'


def use_key(repo: Repo, key: Path) -> None:
    """Sign with this key: git's own SSH signing configuration in the repository."""
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(key))


def signed_config(config: str = CONFIG) -> str:
    return config.replace("require_signature: false", "require_signature: true")


def with_settings(config: str = CONFIG, **approval: Any) -> str:
    """The test configuration with approval settings changed (evidence lists, booleans)."""
    out = config
    for key, value in approval.items():
        rendered = json.dumps(value) if not isinstance(value, bool) else ("true" if value else "false")
        lines = out.splitlines()
        lines = [f"  {key}: {rendered}" if line.startswith(f"  {key}:") else line for line in lines]
        out = "\n".join(lines) + "\n"
    return out


def policy(ident: str = "POL-001", title: str = "Service management policy", body: str = "Some text.\n",
           **extra: Any) -> str:
    return doc(ident, title, body=body, **extra)


def approval_commit(repo: Repo, who: str, items: list[tuple[str, str]], *, claimed: str | None = None,
                    meaning: str = "approval", date: str | None = None, sign: bool = False) -> str:
    """An approval commit written by hand (as a forger or an old tool would): committed by `who`,
    `Approved-by:` naming `claimed` (default `who`), one `Approval-of:` line per (key, blob)."""
    name, email = identity(claimed or who)
    lines = [f"Approve {', '.join(k for k, _ in items)}", "", f"Approved-by: {name} <{email}>"]
    lines += [f"Approval-of: {key} {blob}" for key, blob in items]
    lines.append(f"Approval-meaning: {meaning}")
    args = ["commit", "-q", "--allow-empty", "-m", "\n".join(lines)]
    if sign:
        args.insert(1, "-S")
    repo.git(*args, who=who, date=date)
    return repo.git("rev-parse", "HEAD")


def git_as(repo: Repo, *args: str, author: tuple[str, str], committer: tuple[str, str], date: str) -> str:
    """git with an arbitrary identity (a forge's, which the people table does not have)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
           "GIT_COMMITTER_NAME": committer[0], "GIT_COMMITTER_EMAIL": committer[1],
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    proc = subprocess.run(["git", *args], cwd=repo.path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {args} failed: {proc.stderr}"
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo.path, capture_output=True, text=True).stdout.strip()


GITHUB = ("GitHub", "noreply@github.com")


# --- the CI identity that records forge reviews ------------------------------------------------------

CI_BOT = ("Records bot", "ci-bot@example.com")


def with_ci(config: str = CONFIG) -> str:
    """The configuration with a CI identity allowed to commit forge review records."""
    return config.replace("  allow_author_approval: false",
                          "  allow_author_approval: false\n  ci_identities: [ci-bot@example.com]")


def ci_signers(tmp: Path) -> tuple[Path, str]:
    """The CI job's SSH key, and its allowed-signers line."""
    folder = tmp / "ci-keys"
    folder.mkdir(exist_ok=True)
    key, public = ssh_key(folder, "ci-bot")
    key_type, key_data = public.split()[:2]
    return key, f'{CI_BOT[1]} namespaces="git" {key_type} {key_data}\n'


def ci_commit(repo: Repo, message: str, files: dict[str, str | bytes | None] | None, key: Path, *,
              date: str | None = None) -> str:
    """What CI does on merge: commit the records it wrote, signed with its own key."""
    if files:
        repo.write(files)
    repo.git("add", "-A")
    use_key(repo, key)
    return git_as(repo, "commit", "-q", "-S", "-m", message, author=CI_BOT, committer=CI_BOT,
                  date=date or "2026-01-05T12:00:00+00:00")
