"""Refs anyone who can push could plant: the main branch is read only as a branch.

git reads a bare name such as `main` as `.git/main` first, then a tag `refs/tags/main`, and only
then the branch `refs/heads/main`. Anyone who may push tags (rarely protected), or write a file in a
clone's `.git/`, could otherwise point the audit and the published site at a history of their own,
with a configuration of their own as its root of trust."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from attack import MARKER, approved_policy, evil_policy, published
from conftest import CONFIG
from trust import AS_OF, CONFIG_FILE, POL1, approval_commit, audit, change, day, policy, status_of

if TYPE_CHECKING:
    from conftest import Repo


def attacker_history(repo: Repo) -> str:
    """An orphan history: eve's own configuration (eve in top management) and her policy text,
    written by omar and approved by eve on that line, as its first configuration judges itself.
    Returns its tip; the main branch is left as it was."""
    repo.git("checkout", "-q", "--orphan", "evil")
    repo.git("rm", "-rq", "--cached", ".")
    rules = CONFIG.replace("{id: eve, name: Eve Stone, email: eve@example.com}",
                           "{id: eve, name: Eve Stone, email: eve@example.com, roles: [top-management]}")
    repo.write({CONFIG_FILE: rules, POL1: evil_policy()})
    repo.git("add", CONFIG_FILE, POL1)
    repo.git("commit", "-q", "-m", "Adopt sms-docs", who="omar", date="2026-01-01T10:00:00+00:00")
    approval_commit(repo, "eve", [("POL-001", repo.blob(POL1))], date="2026-01-01T11:00:00+00:00")
    tip = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-f", "main")
    repo.git("clean", "-qfd")
    repo.write({CONFIG_FILE: CONFIG})
    return tip


def plant(repo: Repo, how: str, tip: str) -> None:
    if how == "tag":
        repo.git("tag", "main", tip)
    else:
        (repo.path / ".git" / "main").write_text(tip + "\n")


@pytest.mark.parametrize("how", ["tag", "file in .git"])
def test_a_ref_named_like_the_main_branch_is_never_read_for_it(repo: Repo, how: str) -> None:
    approved_policy(repo)
    main = repo.git("rev-parse", "refs/heads/main")
    tip = attacker_history(repo)
    # the attacker's own history is approved under its own rules: read as the main line, it would pass
    assert MARKER in published(repo, "--ref", "evil")
    plant(repo, how, tip)
    assert repo.git("rev-parse", "main") == tip  # what git itself reads for the name
    data = audit(repo, expect=0)
    assert data["ref"] == "main" and data["findings"] == []
    assert f"Audit of main @ {main[:8]}" in repo.run("audit", "--as-of", AS_OF).output
    assert MARKER not in published(repo)
    assert "The approved policy text." in published(repo)
    assert MARKER not in repo.run("show", "POL-001", "--as-of", AS_OF).output


@pytest.mark.parametrize("how", ["tag", "file in .git"])
def test_an_older_commit_named_like_the_main_branch_does_not_roll_the_site_back(repo: Repo, how: str) -> None:
    """The same ref pointing at the main line's own past: the site would publish a withdrawn text."""
    approved_policy(repo)
    before = repo.git("rev-parse", "HEAD")
    change(repo, "pol2", {POL1: policy(body="The revised policy text.\n")}, date=day("2026-03-02"))
    plant(repo, how, before)
    assert status_of(repo, "POL-001")["revision"] == 2
    site = published(repo)
    assert "The revised policy text." in site and "The approved policy text." not in site


def test_the_main_branch_is_found_by_name_full_name_or_remote_tracking_branch(repo: Repo) -> None:
    from sms_docs.gitrepo import GitRepo

    approved_policy(repo)
    main = repo.git("rev-parse", "refs/heads/main")
    with GitRepo(repo.path) as git:
        assert git.default_ref("main") == "main" and git.default_ref("refs/heads/main") == "main"
        assert git.resolve("main") == main
        repo.git("update-ref", "refs/remotes/origin/trunk", main)
        repo.git("tag", "trunk", repo.git("rev-parse", "HEAD~1"))
        assert git.default_ref("trunk") == "origin/trunk" and git.resolve("origin/trunk") == main
        repo.git("branch", "origin/trunk", "HEAD~1")  # a local branch that would shadow the tracking one
        assert git.default_ref("trunk") == "refs/remotes/origin/trunk"
        older = repo.git("rev-parse", "HEAD~1")
        repo.git("tag", "release", older)
        (repo.path / ".git" / "release").write_text(main + "\n")  # git itself would read this file first
        assert git.resolve("release") == older
        repo.git("checkout", "-q", "--detach")
        repo.git("update-ref", "-d", "refs/heads/main")
        assert git.default_ref("main") == "HEAD"
