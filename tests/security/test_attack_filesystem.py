"""Class 7: the local filesystem. A committed symlink never makes a command read or write outside
the repository; the site directory is never deleted through a link; a symlinked document is a
finding; a failed strict build leaves no half-built site."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from attack import approved_policy
from conftest import CONFIG
from trust import AS_OF, audit, codes, day

if TYPE_CHECKING:
    from conftest import Repo
    from pathlib import Path


def outside(repo: Repo) -> Path:
    target = repo.path.parent / "outside"
    target.mkdir(exist_ok=True)
    (target / "precious.txt").write_text("keep me\n")
    return target


def test_build_never_deletes_through_a_site_symlink(repo: Repo) -> None:
    approved_policy(repo)
    target = outside(repo)
    os.symlink(target, repo.path / "site")
    result = repo.run("build", "--as-of", AS_OF)
    assert result.exit_code != 0 and "symbolic link" in result.output
    assert (target / "precious.txt").read_text() == "keep me\n"


def test_new_never_writes_through_a_folder_symlink(repo: Repo) -> None:
    approved_policy(repo)
    target = outside(repo)
    os.symlink(target, repo.path / "procedures")
    result = repo.run("new", "procedure", "--title", "Escape", "--owner", "omar")
    assert result.exit_code != 0 and "symbolic link" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]


def test_records_new_never_writes_through_a_folder_symlink(repo: Repo) -> None:
    approved_policy(repo)
    target = outside(repo)
    (repo.path / "records").mkdir(exist_ok=True)
    os.symlink(target, repo.path / "records" / "review")
    result = repo.run("records", "new", "review", "outcome=no-change", "--subject", "POL-001", who="dana")
    assert result.exit_code != 0 and "symbolic link" in result.output, result.output
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]


def test_a_symlinked_document_is_a_finding(repo: Repo) -> None:
    approved_policy(repo)
    target = outside(repo)
    os.symlink(target / "precious.txt", repo.path / "policies" / "POL-009-link.md")
    check = repo.json("check")
    assert "symlink" in [f["code"] for f in check["findings"]]
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Link", who="omar", date=day("2026-03-01"))
    assert "symlink" in codes(audit(repo))


def test_a_failed_strict_build_leaves_no_half_built_site(repo: Repo) -> None:
    approved_policy(repo)
    site = repo.path.parent / "strict-site"
    (repo.path / "mkdocs.yml").write_text("site_name: x\ndocs_dir: site-src\ntheme:\n  name: material\n"
                                          "plugins:\n  - search\n  - sms-docs\nnav:\n  - Missing: missing.md\n")
    (repo.path / "site-src").mkdir()
    result = repo.run("build", "--drafts", "--strict", "--site-dir", str(site))
    assert result.exit_code != 0
    assert not site.exists()


def test_no_findings_for_plain_files(repo: Repo) -> None:
    approved_policy(repo)
    assert "symlink" not in [f["code"] for f in repo.json("check")["findings"]]
    assert audit(repo, expect=0)["findings"] == []


def test_build_never_replaces_a_folder_that_is_not_a_site(repo: Repo) -> None:
    """A build replaces its site folder whole. A folder of the user's own (a typo in --site-dir, a
    folder of documents, the repository itself) is refused, and nothing in it is touched."""
    approved_policy(repo)
    target = outside(repo)
    for site in (target, repo.path, repo.path / "policies", repo.path.parent):
        before = sorted(p.name for p in site.iterdir())
        result = repo.run("build", "--as-of", AS_OF, "--site-dir", str(site))
        assert result.exit_code == 1 and "not a site built before" in result.output, result.output
        assert "Traceback" not in result.output and "nothing was changed" in result.output
        assert sorted(p.name for p in site.iterdir()) == before
    assert (target / "precious.txt").read_text() == "keep me\n"


def test_build_replaces_a_site_it_built_and_fills_an_empty_folder(repo: Repo) -> None:
    approved_policy(repo)
    site = repo.path.parent / "built"
    site.mkdir()
    assert repo.run("build", "--as-of", AS_OF, "--site-dir", str(site)).exit_code == 0
    (site / "stale.html").write_text("from an older build\n")
    assert repo.run("build", "--as-of", AS_OF, "--site-dir", str(site)).exit_code == 0
    assert (site / "index.html").is_file() and not (site / "stale.html").exists()


def test_build_into_a_folder_that_cannot_be_made_is_a_clear_error(repo: Repo) -> None:
    approved_policy(repo)
    blocker = repo.path.parent / "a-file"
    blocker.write_text("not a folder\n")
    result = repo.run("build", "--as-of", AS_OF, "--site-dir", str(blocker / "site"))
    assert result.exit_code == 3 and "cannot write the site" in result.output, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert blocker.read_text() == "not a folder\n"


def test_build_never_replaces_a_file_named_as_the_site_folder(repo: Repo) -> None:
    """mkdocs.yml may name any path as its site_dir (--site-dir itself must be a folder)."""
    approved_policy(repo)
    (repo.path / "notes.txt").write_text("keep me\n")
    (repo.path / "mkdocs.yml").write_text("site_name: x\ndocs_dir: site-src\nsite_dir: notes.txt\ntheme:\n"
                                          "  name: material\nplugins:\n  - sms-docs\n")
    (repo.path / "site-src").mkdir()
    result = repo.run("build", "--as-of", AS_OF)
    assert result.exit_code == 1 and "is a file" in result.output, result.output
    assert (repo.path / "notes.txt").read_text() == "keep me\n"



@pytest.mark.parametrize(("setting", "value"), [
    ("folder", "../outside"), ("folder", "policies/../../outside"), ("folder", "/tmp/outside"), ("folder", ".git/hooks"),
    ("template", "../outside/precious.txt"), ("template", "/etc/hostname"), ("template", "policies/../../outside/precious.txt"),
])
def test_a_configuration_from_a_branch_cannot_make_commands_leave_the_repository(repo: Repo, setting: str, value: str) -> None:
    """sms-docs.yml in the working tree is whatever the checked-out branch holds. A type's folder or
    template that leads out of the repository (or into .git/) would make `new` write there, or copy a
    file from outside into a document that is then committed, and `check` read another folder: such a
    value is a configuration error, and nothing is read or written."""
    approved_policy(repo)
    target = outside(repo)
    line = "  policy: {prefix: POL, folder: policies, approvers: [top-management], min_approvals: 1, review_cycle: 12 months}"
    changed = line.replace("folder: policies", f"folder: {value}") if setting == "folder" else line.replace("}", f", template: {value}}}")
    assert line in CONFIG
    (repo.path / "sms-docs.yml").write_text(CONFIG.replace(line, changed))
    before = sorted(p.name for p in target.iterdir())
    check = repo.run("check")
    assert check.exit_code == 1 and "config-error" in check.output and "inside the repository" in check.output, check.output
    assert value in check.output and "Escape" not in check.output
    made = repo.run("new", "policy", "--title", "Escape", "--owner", "omar")
    assert made.exit_code == 3 and "Traceback" not in made.output, made.output
    assert sorted(p.name for p in target.iterdir()) == before
    assert not list(repo.path.rglob("POL-00*-escape.md")) and not (repo.path / ".git" / "hooks" / "POL-002-escape.md").exists()


def test_folders_and_templates_inside_the_repository_are_fine(repo: Repo) -> None:
    approved_policy(repo)
    (repo.path / "templates").mkdir()
    (repo.path / "templates" / "policy.md").write_text("# ${title}\n\nOur own template.\n")
    line = "  policy: {prefix: POL, folder: policies, approvers: [top-management], min_approvals: 1, review_cycle: 12 months}"
    (repo.path / "sms-docs.yml").write_text(CONFIG.replace(line, line.replace("}", ", template: templates/policy.md}")))
    made = repo.run("new", "policy", "--title", "Inside", "--owner", "omar")
    assert made.exit_code == 0, made.output
    assert "Our own template." in (repo.path / "policies" / "POL-002-inside.md").read_text()


def test_a_template_that_is_a_link_leading_out_is_never_read(repo: Repo) -> None:
    approved_policy(repo)
    target = outside(repo)
    (repo.path / "templates").mkdir()
    os.symlink(target / "precious.txt", repo.path / "templates" / "policy.md")
    line = "  policy: {prefix: POL, folder: policies, approvers: [top-management], min_approvals: 1, review_cycle: 12 months}"
    (repo.path / "sms-docs.yml").write_text(CONFIG.replace(line, line.replace("}", ", template: templates/policy.md}")))
    made = repo.run("new", "policy", "--title", "Escape", "--owner", "omar")
    assert made.exit_code == 3 and "leads outside the repository" in made.output, made.output
    assert not list(repo.path.rglob("POL-00*-escape.md"))
