"""Helpers for the lifecycle tests (review, due, obsolete, records, external, changes): changes are
committed on a branch by their author and merged --no-ff by the approver with an `Approved-by:`
trailer, on fixed dates; records are committed straight to the main line (they need no approval).
Everything runs on real repositories; nothing mocks git."""

from __future__ import annotations

import json
from typing import Any, TYPE_CHECKING

from conftest import Repo, identity
from sms_docs.frontmatter import load_yaml

if TYPE_CHECKING:
    from pathlib import Path

POL1 = "policies/POL-001-service-management-policy.md"
POL2 = "policies/POL-002-old-change-policy.md"
POL3 = "policies/POL-003-change-policy.md"
PRC1 = "procedures/PRC-001-change-management.md"


def day(d: str, hour: int = 10) -> str:
    """A fixed git date on day `d` (YYYY-MM-DD)."""
    return f"{d}T{hour:02d}:00:00+00:00"


def trailer(who: str) -> str:
    name, email = identity(who)
    return f"Approved-by: {name} <{email}>"


def land(repo: Repo, branch: str, files: dict[str, str | bytes | None], *, on: str, author: str = "omar",
         approver: str | list[str] = "priya", subject: str | None = None, reason: str | None = None) -> str:
    """A change written by `author` on `branch`, merged into main on day `on` by `approver`, whose
    merge trailer approves it. Returns the merge commit."""
    repo.branch(branch)
    return finish(repo, branch, files, on=on, author=author, approver=approver, subject=subject, reason=reason)


def finish(repo: Repo, branch: str, files: dict[str, str | bytes | None] | None = None, *, on: str,
           author: str = "omar", approver: str | list[str] = "priya", subject: str | None = None,
           reason: str | None = None) -> str:
    """Commit what the working tree holds (plus `files`) on the checked-out `branch`, and merge it as `land`
    (the first approver merges; every approver is a trailer)."""
    repo.commit(subject or f"Change {branch}", files, who=author, date=day(on, 9))
    repo.checkout("main")
    approvers = [approver] if isinstance(approver, str) else approver
    trailers = [trailer(a) for a in approvers] + ([f"Change-reason: {reason}"] if reason else [])
    return repo.merge(branch, who=approvers[0], date=day(on, 10), trailers=trailers)


def bootstrap(repo: Repo, files: dict[str, str | bytes | None] | None = None, *, on: str = "2026-01-05",
              approver: str | list[str] = "priya") -> str:
    """An empty first commit, then sms-docs.yml (and `files`), written by Omar and approved by top
    management (Priya; add Lena, a process owner, when procedures are in the set)."""
    repo.git("commit", "-q", "--allow-empty", "-m", "Start the document repository", date=day(on, 8))
    return land(repo, "setup", files or {}, on=on, subject="Set up document control", approver=approver)


def record_on_main(repo: Repo, message: str, files: dict[str, str | bytes | None] | None = None, *, on: str,
                   who: str = "dana") -> str:
    """Commit records (or anything already in the working tree) straight to main."""
    return repo.commit(message, files, who=who, date=day(on, 11))


def run(repo: Repo, *args: str, as_of: str | None = None, who: str = "dana") -> Any:
    extra = ("--as-of", as_of) if as_of else ()
    result = repo.run(*args, *extra, who=who)
    assert "Traceback" not in result.output, result.output
    return result


def run_json(repo: Repo, *args: str, as_of: str | None = None, who: str = "dana", expect: int = 0) -> Any:
    result = run(repo, *args, "--format", "json", as_of=as_of, who=who)
    assert result.exit_code == expect, result.output
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output}") from None


def read_yaml(repo: Repo, rel: str) -> Any:
    return load_yaml((repo.path / rel).read_text(encoding="utf-8"))


def snapshot(repo: Repo) -> dict[str, bytes]:
    """Every file of the working tree outside .git, for 'nothing changed' assertions."""
    return {p.relative_to(repo.path).as_posix(): p.read_bytes()
            for p in sorted(repo.path.rglob("*")) if p.is_file() and ".git" not in p.relative_to(repo.path).parts}


def status_of(repo: Repo, ident: str, as_of: str) -> dict[str, Any]:
    data = run_json(repo, "status", as_of=as_of)
    return next(d for d in data["documents"] if d["id"] == ident)


def audit_codes(repo: Repo, as_of: str) -> list[tuple[str, str | None]]:
    result = run(repo, "audit", "--format", "json", as_of=as_of)
    data = json.loads(result.stdout)
    return [(f["code"], f["id"]) for f in data["findings"]]


def files_under(root: Path, folder: str) -> list[str]:
    base = root / folder
    return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
