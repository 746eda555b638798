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


def _gitlink_change(repo: Repo, path: str, target: str, branch: str, date: str) -> None:
    """A branch whose commit puts a submodule entry (a gitlink, mode 160000) at `path`, pointing at
    `target`, merged by omar with dana's Approved-by trailer: on a forge the reviewer sees only
    "Subproject commit <id>", never the text a reader of that object would get."""
    from trust import trailer

    repo.branch(branch)
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{target},{path}")
    repo.git("commit", "-q", "-m", f"Bump {branch}", who="omar", date=date)
    repo.git("reset", "-q", "--hard")
    repo.checkout("main")
    repo.merge(branch, who="omar", date=date, trailers=[trailer("dana")])


def test_a_document_that_is_a_submodule_entry_is_a_finding_and_never_published(repo: Repo) -> None:
    """A gitlink at a document's path naming a blob of an unapproved text: the forge shows the
    reviewer a submodule bump, while a reader of the object id would get the text. The audit reports
    it and never reads it: to the audit the document is gone from that commit on (a deletion, which
    is a finding of its own), and the text is never a revision nor published."""
    from attack import MARKER, assert_caught, evil_policy
    from trust import POL1, findings

    approved_policy(repo)
    text = repo.path.parent / "hidden.md"
    text.write_text(evil_policy(), encoding="utf-8")
    hidden = repo.git("hash-object", "-w", str(text))
    _gitlink_change(repo, POL1, hidden, "bump", day("2026-03-01"))
    data = assert_caught(repo, "submodule")
    assert [f["path"] for f in findings(data, "submodule")] == [POL1]
    assert "document-deleted" in codes(data)
    assert "history-rewritten" not in codes(data)
    revisions = [r for d in data["documents"] if d["id"] == "POL-001" for r in d["revisions"]]
    assert hidden not in [r["blob"] for r in revisions]
    assert MARKER not in repo.run("history", "POL-001").output


def test_a_record_that_is_a_submodule_entry_is_a_finding(repo: Repo) -> None:
    """A gitlink where a record goes is reported and is no record; one that takes the place of a
    record, naming that record's own blob (which would look like a record moved unchanged), is the
    record's deletion."""
    from trust import findings

    approved_policy(repo)
    record = "records/review/2026/REV-2026-0001.yml"
    _gitlink_change(repo, record, repo.git("rev-parse", "HEAD"), "rec", day("2026-03-01"))
    data = audit(repo)
    assert [f["path"] for f in findings(data, "submodule")] == [record]
    assert data["records"] == []

    review = "records/review/2026/REV-2026-0002.yml"
    repo.write({review: "id: REV-2026-0002\ntype: review\ncreated: 2026-03-02\ncreated_by: dana\n"
                        "subject: POL-001\noutcome: no-change\n"})
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Review", who="dana", date=day("2026-03-02"))
    blob = repo.blob(review)
    repo.git("rm", "-q", review)
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{blob},records/review/2026/REV-2026-0003.yml")
    repo.git("commit", "-q", "-m", "Move", who="omar", date=day("2026-03-03"))
    data = audit(repo)
    assert "record-deleted" in codes(data)
    assert "records/review/2026/REV-2026-0003.yml" in [f["path"] for f in findings(data, "submodule")]
    assert data["records"] == []  # the record is gone; the gitlink is none


def test_a_symlinked_record_on_the_main_line_is_a_finding(repo: Repo) -> None:
    approved_policy(repo)
    (repo.path / "records" / "review" / "2026").mkdir(parents=True)
    os.symlink("../../../sms-docs.yml", repo.path / "records" / "review" / "2026" / "REV-2026-0001.yml")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Link", who="dana", date=day("2026-03-01"))
    assert "symlink" in codes(audit(repo))


def test_a_configuration_that_is_a_submodule_entry_sets_no_rules(repo: Repo) -> None:
    """The first sms-docs.yml on the main line as a gitlink naming a blob of lax rules (the merger's
    merge counts as approval): the forge shows a submodule bump. Control does not begin there and
    those rules are never read: a change merged without approval stays unapproved."""
    from trust import CONFIG_FILE, POL1, policy, start, trailer, with_settings

    start(repo, date=day("2026-01-05"))
    lax = repo.path.parent / "lax.yml"
    lax.write_text(with_settings(CONFIG, evidence=["merger"]), encoding="utf-8")
    hidden = repo.git("hash-object", "-w", str(lax))
    repo.branch("setup")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{hidden},{CONFIG_FILE}")
    repo.git("commit", "-q", "-m", "Adopt sms-docs", who="omar", date=day("2026-01-05"))
    repo.checkout("main")
    working = (repo.path / CONFIG_FILE).read_text(encoding="utf-8")  # (the working tree's, uncommitted)
    (repo.path / CONFIG_FILE).unlink()
    repo.merge("setup", who="dana", date=day("2026-01-05"), trailers=[trailer("dana")])
    (repo.path / CONFIG_FILE).rmdir()
    (repo.path / CONFIG_FILE).write_text(working, encoding="utf-8")
    repo.branch("pol1")  # a change nobody approved, merged by dana
    repo.write({POL1: policy()})
    repo.git("add", POL1)
    repo.git("commit", "-q", "-m", "Policy", who="omar", date=day("2026-02-02"))
    repo.checkout("main")
    repo.merge("pol1", who="dana", date=day("2026-02-02"))
    data = audit(repo)
    assert "submodule" in codes(data)
    assert "unapproved-change" in codes(data)
    assert "Control began" not in repo.run("audit", "--as-of", AS_OF).output


def test_a_clone_configuration_cannot_hide_a_submodule_entry_or_garble_the_log(repo: Repo) -> None:
    """`.git/config` is not input: `diff.ignoreSubmodules=all` would drop gitlinks from `git log
    --raw`, `diff.orderFile` reorder a commit's changes, and `i18n.logOutputEncoding` re-encode
    every name and message it prints."""
    from attack import evil_policy
    from trust import POL1

    approved_policy(repo)
    before = audit(repo, expect=0)
    text = repo.path.parent / "hidden.md"
    text.write_text(evil_policy(), encoding="utf-8")
    hidden = repo.git("hash-object", "-w", str(text))
    _gitlink_change(repo, POL1, hidden, "bump", day("2026-03-01"))
    clean = audit(repo)
    assert "submodule" in codes(clean)
    repo.git("config", "diff.ignoreSubmodules", "all")
    repo.git("config", "i18n.logOutputEncoding", "UTF-16")
    (repo.path.parent / "order").write_text("sms-docs.yml\n")
    repo.git("config", "diff.orderFile", str(repo.path.parent / "order"))
    assert audit(repo) == clean
    assert before["documents"][0]["revisions"] == clean["documents"][0]["revisions"]
