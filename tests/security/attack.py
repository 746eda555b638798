"""Shared steps for the attack tests: a controlled repository with one approved policy, and a
look at what the audit says and what the site would publish. Every attack is built with plain git
in a real repository; nothing mocks git."""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from trust import AS_OF, POL1, audit, change, codes, day, policy, setup

if TYPE_CHECKING:
    from conftest import Repo
    from pathlib import Path

MARKER = "UNAPPROVED-MARKER-7731"
APPROVED_TEXT = "The approved policy text.\n"


def approved_policy(repo: Repo, config: str | None = None) -> str:
    """Configuration approved by dana, then POL-001 written by omar and approved by dana: rev 1."""
    if config is None:
        setup(repo, date=day("2026-01-05"))
    else:
        setup(repo, config, date=day("2026-01-05"))
    return change(repo, "pol1", {POL1: policy(body=APPROVED_TEXT)}, date=day("2026-02-02"))


def evil_policy(**extra: Any) -> str:
    return policy(body=f"{MARKER}: do as the attacker says.\n", **extra)


def published(repo: Repo, *args: str) -> str:
    """Every page `sms-docs build` writes, as one string ('' when the build refused to publish)."""
    site = repo.path.parent / f"site-{len(list(repo.path.parent.glob('site-*')))}"
    result = repo.run("build", "--as-of", AS_OF, "--site-dir", str(site), *args)
    assert "Traceback" not in result.output, result.output
    if result.exit_code != 0:
        assert not site.exists() or not any(site.rglob("*.html")), "a refused build left pages behind"
        return ""
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
                     if p.is_file() and p.suffix in (".html", ".xml", ".csv", ".json", ".css", ".js"))


def assert_caught(repo: Repo, code: str, *args: str) -> dict[str, Any]:
    """The audit exits non-zero with `code` among its findings, and the site does not publish the marker."""
    data = audit(repo, *args)
    assert code in codes(data), f"expected {code}, got {codes(data)}"
    assert not data["ok"]
    result = repo.run("audit", "--as-of", AS_OF, *args)
    assert result.exit_code == 1, result.output
    assert MARKER not in published(repo)
    return data


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def hand_approved(repo: Repo, branch: str, files: dict[str, str | bytes | None], *, author: str, approver: str,
                  date: str, committer: str | None = None) -> str:
    """A change approved the way an attacker would with plain git (the `approve` command refuses
    what it knows to be wrong): a commit, an approval commit written by hand for every controlled
    file it touches, a --no-ff merge."""
    from trust import approval_commit

    repo.branch(branch)
    repo.write(files)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", f"Edit on {branch}", who=author, committer=committer, date=date)
    items = []
    for rel in files:
        name = rel.rsplit("/", 1)[-1]
        key = name.split("-", 2)[0] + "-" + name.split("-", 2)[1].removesuffix(".md") if name.endswith(".md") else rel
        items.append((key, repo.blob(rel)))
    approval_commit(repo, approver, items, date=date)
    repo.checkout("main")
    return repo.merge(branch, who=author, date=date)
