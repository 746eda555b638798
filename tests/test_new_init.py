"""`sms-docs new` (next free ID, template, escaping, never overwrites) and `sms-docs init`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import Repo, doc
from sms_docs import config, frontmatter
from sms_docs.actions import new as new_action
from sms_docs.actions.init import REPO_TEMPLATES
from sms_docs.cli import cli


def created(repo: Repo, result: Result) -> tuple[str, dict[str, Any], str]:
    """The new file's path, front matter and body, from `new`'s output."""
    assert result.exit_code == 0, result.output
    rel = result.stdout.strip()
    text = (repo.path / rel).read_text(encoding="utf-8")
    parts = frontmatter.split(text)
    assert parts.body.startswith("\n")  # a blank line between front matter and body
    return rel, frontmatter.load_yaml(parts.front), parts.body[1:]


def check_ok(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["-C", str(path), "check", "--format", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["findings"] == [] and result.exit_code == 0, result.output
    return data


# --- new: the next free ID ------------------------------------------------------------------------------


def test_new_in_an_empty_repository(repo: Repo) -> None:
    rel, meta, body = created(repo, repo.run("new", "policy", "--title", "Remote working policy"))
    assert rel == "policies/POL-001-remote-working-policy.md"
    assert meta == {"id": "POL-001", "title": "Remote working policy", "type": "policy", "owner": "dana",
                    "classification": "internal"}
    assert body.startswith("# Remote working policy\n")
    assert "POL-001" in body  # the template's ${id} is filled in
    assert "${" not in body
    assert check_ok(repo.path)["documents"] == 1


def test_new_owner_from_the_committer_email(repo: Repo) -> None:
    _, meta, _ = created(repo, repo.run("new", "procedure", "--title", "Access reviews", who="omar"))
    assert meta["owner"] == "omar"
    _, meta, _ = created(repo, repo.run("new", "procedure", "--title", "Backups", "--owner", "lena",
                                        "--classification", "confidential"))
    assert (meta["id"], meta["owner"], meta["classification"]) == ("PRC-002", "lena", "confidential")


def test_new_considers_the_working_tree(repo: Repo) -> None:
    repo.write({"policies/POL-004-untracked.md": doc("POL-004", "Untracked"),
                "procedures/PRC-009-x.md": doc("PRC-009", "Other prefix", type="procedure"),
                "records/POL-006-misfiled.md": "IDs anywhere in the tree count\n"})
    rel, meta, _ = created(repo, repo.run("new", "policy", "--title", "Next"))
    assert meta["id"] == "POL-007"
    assert rel == "policies/POL-007-next.md"


def test_new_considers_another_local_branch(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "A")})
    repo.branch("feature/new-policy")
    repo.commit("Add POL-007", {"policies/POL-007-b.md": doc("POL-007", "B")})
    repo.checkout("main")
    assert not (repo.path / "policies/POL-007-b.md").exists()
    _, meta, _ = created(repo, repo.run("new", "policy", "--title", "C"))
    assert meta["id"] == "POL-008"


def test_new_considers_remote_tracking_branches(repo: Repo, tmp_path: Path) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "A")})
    clone = Repo(tmp_path / "clone")
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone.path)], check=True, capture_output=True)
    # Someone else opens a pull request with POL-010 on the shared repository.
    repo.branch("pr/supplier-policy")
    repo.commit("Add POL-010", {"policies/POL-010-supplier.md": doc("POL-010", "Supplier")})
    repo.checkout("main")
    _, meta, _ = created(clone, clone.run("new", "policy", "--title", "Before fetch"))
    assert meta["id"] == "POL-002"
    clone.git("fetch", "-q", "origin")
    assert clone.git("branch", "--list") == "* main"  # only a remote-tracking branch holds POL-010
    _, meta, _ = created(clone, clone.run("new", "policy", "--title", "After fetch"))
    assert meta["id"] == "POL-011"


def test_new_considers_a_ref_under_refs_remotes(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "A")})
    repo.branch("tmp")
    commit = repo.commit("POL-020", {"policies/POL-020-x.md": doc("POL-020", "X")})
    repo.checkout("main")
    repo.git("branch", "-D", "tmp")
    repo.git("update-ref", "refs/remotes/origin/x", commit)
    _, meta, _ = created(repo, repo.run("new", "policy", "--title", "Y"))
    assert meta["id"] == "POL-021"


def test_new_never_reuses_an_id_deleted_from_history(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "A"),
                          "policies/POL-005-withdrawn.md": doc("POL-005", "Withdrawn")})
    repo.commit("Remove POL-005", {"policies/POL-005-withdrawn.md": None})
    repo.commit("Rename", {"policies/POL-001-a.md": None, "policies/POL-001-renamed.md": doc("POL-001", "A")})
    _, meta, _ = created(repo, repo.run("new", "policy", "--title", "Next"))
    assert meta["id"] == "POL-006"


def test_new_numbers_grow_past_three_digits(repo: Repo) -> None:
    repo.write({"policies/POL-999-last.md": doc("POL-999", "Last")})
    _, meta, _ = created(repo, repo.run("new", "policy", "--title", "Thousand"))
    assert meta["id"] == "POL-1000"
    assert check_ok(repo.path)["documents"] == 2


# --- new: title, template, refusals ------------------------------------------------------------------------

NASTY = 'Access <script>alert(1)</script> & [link](http://x) *bold* _em_ `code` #1 | "quoted": it\'s 10:30'


def test_title_is_escaped_in_the_body_and_valid_yaml_in_the_front_matter(repo: Repo) -> None:
    rel, meta, body = created(repo, repo.run("new", "policy", "--title", NASTY))
    assert meta["title"] == NASTY  # exactly, as a YAML string
    heading = body.splitlines()[0]
    assert heading.startswith("# ")
    assert "<script>" not in body and "</script>" not in body
    assert "\\<script\\>" in heading
    assert "\\[link\\]\\(http://x\\)" in heading
    assert "\\*bold\\*" in heading and "\\_em\\_" in heading and "\\`code\\`" in heading and "\\#1" in heading
    # Unescaped, the heading is the title again.
    unescaped = heading[2:].replace("\\", "")
    assert unescaped == NASTY.replace("\\", "")
    assert rel.startswith("policies/POL-001-access-script-alert-1-script-link-http-x-bold")
    assert check_ok(repo.path)["documents"] == 1


@pytest.mark.parametrize("title", ["10:30", "yes", "2026-01-01", "null", "123", "- item", "# hash", "a: b",
                                   "Ünïcödé — policy", "'single'", "   spaced   out   "])
def test_awkward_titles_read_back_and_pass_check(repo: Repo, title: str) -> None:
    rel, meta, _ = created(repo, repo.run("new", "policy", "--title", title))
    assert meta["title"] == " ".join(title.split())
    assert rel.endswith(".md") and "/" not in rel.split("/", 1)[1]
    check_ok(repo.path)


def test_created_document_passes_check_for_every_type(repo: Repo) -> None:
    for type_name in ("policy", "plan", "procedure", "sla", "agreement"):
        result = repo.run("new", type_name, "--title", f"A {type_name}")
        assert result.exit_code == 0, result.output
    data = check_ok(repo.path)
    assert data["documents"] == 5
    assert sorted(p.name for p in (repo.path / "agreements").iterdir()) == [
        "AGR-001-a-agreement.md", "SLA-001-a-sla.md"]


def test_repository_template_is_used(repo: Repo) -> None:
    repo.write({"sms-docs.yml": (repo.path / "sms-docs.yml").read_text().replace(
        "  policy: {prefix: POL,", "  policy: {template: templates/policy.md, prefix: POL,"),
        "templates/policy.md": "# ${title}\n\nOur own template for ${id}.\n"})
    _, _, body = created(repo, repo.run("new", "policy", "--title", "Custom"))
    assert body == "# Custom\n\nOur own template for POL-001.\n"


def test_unknown_owner_exits_2_and_writes_nothing(repo: Repo) -> None:
    result = repo.run("new", "policy", "--title", "X", "--owner", "nobody")
    assert result.exit_code == 2
    assert "nobody" in result.stderr and "Traceback" not in result.output
    assert not (repo.path / "policies").exists()


def test_unknown_committer_without_owner_exits_2(repo: Repo) -> None:
    result = repo.run("new", "policy", "--title", "X", who="stranger")
    assert result.exit_code == 2
    assert "--owner" in result.output
    assert not (repo.path / "policies").exists()


@pytest.mark.parametrize(("args", "words"), [
    (["memo", "--title", "X", "--owner", "dana"], "unknown type 'memo'"),
    (["policy", "--title", "   ", "--owner", "dana"], "title is empty"),
    (["policy", "--owner", "dana"], "--title"),
    (["policy", "--title", "X", "--classification", "secret"], "secret"),
])
def test_usage_errors_exit_2(repo: Repo, args: list[str], words: str) -> None:
    result = repo.run("new", *args)
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (repo.path / "policies").exists()


def test_a_title_the_schema_refuses_exits_2_and_writes_nothing(repo: Repo) -> None:
    result = repo.run("new", "policy", "--title", "x" * 400, "--owner", "dana")
    assert result.exit_code == 2, result.output
    assert "would not be valid, so nothing was written" in result.stderr and "too long" in result.stderr
    assert not (repo.path / "policies").exists()
    longest = repo.run("new", "policy", "--title", "x" * 200, "--owner", "dana")
    assert longest.exit_code == 0 and repo.json("check")["findings"] == []


def test_new_json_output(repo: Repo) -> None:
    data = repo.json("new", "procedure", "--title", "Access reviews", "--owner", "lena")
    assert data == {"path": "procedures/PRC-001-access-reviews.md", "id": "PRC-001"}


def test_new_never_overwrites(repo: Repo) -> None:
    first, _, _ = created(repo, repo.run("new", "policy", "--title", "Same"))
    before = (repo.path / first).read_bytes()
    second, meta, _ = created(repo, repo.run("new", "policy", "--title", "Same"))
    assert (first, second) == ("policies/POL-001-same.md", "policies/POL-002-same.md")
    assert (repo.path / first).read_bytes() == before
    assert meta["id"] == "POL-002"


def test_new_refuses_when_the_target_exists(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two `new` runs racing for the same ID: the loser must not replace the winner's file.
    existing = repo.path / "policies" / "POL-003-race.md"
    repo.write({"policies/POL-003-race.md": "the other run's file\n"})
    monkeypatch.setattr(new_action, "next_id", lambda root, prefix: "POL-003")
    result = repo.run("new", "policy", "--title", "Race")
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "nothing was written" in result.stderr
    assert existing.read_text() == "the other run's file\n"
    assert sorted(p.name for p in existing.parent.iterdir()) == ["POL-003-race.md"]


def test_escape_markdown_and_slugify() -> None:
    assert new_action.escape_markdown("a  *b*\n<c>") == "a \\*b\\* \\<c\\>"
    assert new_action.slugify("Ünïcödé — Policy: v2.0!") == "unicode-policy-v2-0"
    assert new_action.slugify("!!!") == "document"
    assert len(new_action.slugify("word " * 50)) <= 60


# --- init -----------------------------------------------------------------------------------------------------


def run_init(*args: str) -> Result:
    return CliRunner().invoke(cli, ["init", *args], catch_exceptions=False)


def git_in(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True)


def test_init_creates_a_repository_that_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "my-sms"
    result = run_init(str(target), "--org", "Acme & Co: Services")
    assert result.exit_code == 0, result.output
    assert "nothing committed" in result.output
    assert (target / ".git").is_dir()
    assert git_in(target, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # no commit yet
    assert git_in(target, "symbolic-ref", "--short", "HEAD").stdout.strip() == "main"
    assert git_in(target, "status", "--porcelain").stdout  # untracked files waiting
    for rel in ("sms-docs.yml", "mkdocs.yml", ".gitignore", ".pre-commit-config.yaml", ".sms/allowed_signers",
                "schemas/document.schema.json", "schemas/config.schema.json"):
        assert (target / rel).is_file(), rel
    settings, findings = config.load(target)
    assert findings == []
    assert settings.organisation == "Acme & Co: Services"
    assert settings.standard == "iso20000-1:2018"
    assert "Acme & Co: Services" in (target / "mkdocs.yml").read_text()
    data = check_ok(target)
    assert data["ok"] is True and data["documents"] >= 5


def test_init_keeps_the_config_comments(tmp_path: Path) -> None:
    target = tmp_path / "sms"
    assert run_init(str(target), "--org", "yes").exit_code == 0
    text = (target / "sms-docs.yml").read_text()
    assert text.startswith("# sms-docs configuration")
    assert config.load(target)[0].organisation == "yes"


def test_init_standard_2011(tmp_path: Path) -> None:
    target = tmp_path / "sms"
    assert run_init(str(target), "--standard", "iso20000-1:2011").exit_code == 0
    settings, _ = config.load(target)
    assert settings.standard == "iso20000-1:2011"
    assert settings.organisation == "Example Services Ltd"
    check_ok(target)


def test_init_in_the_current_folder_via_C(tmp_path: Path) -> None:
    target = tmp_path / "here"
    target.mkdir()
    result = CliRunner().invoke(cli, ["-C", str(target), "init", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["directory"]) == target
    assert "sms-docs.yml" in data["files"] and all(not Path(f).is_absolute() for f in data["files"])
    assert (target / "sms-docs.yml").is_file()


def test_init_accepts_a_folder_holding_only_git(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    assert git_in(target, "init", "-q").returncode == 0
    assert run_init(str(target)).exit_code == 0
    assert (target / "sms-docs.yml").is_file()
    check_ok(target)


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = run_init(str(target))
    assert result.exit_code != 0
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert "Traceback" not in result.output
    assert [p.name for p in target.iterdir()] == ["notes.txt"]  # nothing written, not even .git


def test_init_force_adds_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    (target / "mkdocs.yml").write_text("site_name: our own\n")
    result = run_init(str(target), "--force", "--org", "Forced Ltd")
    assert result.exit_code == 0, result.output
    assert (target / "notes.txt").read_text() == "mine\n"
    assert (target / "mkdocs.yml").read_text() == "site_name: our own\n"
    assert config.load(target)[0].organisation == "Forced Ltd"
    assert (target / ".git").is_dir()
    check_ok(target)


def test_init_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = run_init(str(target))
    assert result.exit_code != 0
    assert target.read_text() == "x"


@pytest.mark.parametrize(("ci", "template", "written"), [
    ("github", "github-workflow.yml", ".github/workflows/sms-docs.yml"),
    ("gitlab", "gitlab-ci.yml", ".gitlab-ci.yml"),
])
def test_init_ci_files(tmp_path: Path, ci: str, template: str, written: str) -> None:
    target = tmp_path / "sms"
    result = run_init(str(target), "--ci", ci)
    assert result.exit_code == 0, result.output
    assert (target / written).read_bytes() == (REPO_TEMPLATES / template).read_bytes()
    check_ok(target)


def test_init_without_ci_writes_no_ci_files(tmp_path: Path) -> None:
    target = tmp_path / "sms"
    assert run_init(str(target)).exit_code == 0
    assert not (target / ".github").exists()
    assert not (target / ".gitlab-ci.yml").exists()


def test_new_works_in_a_fresh_init(tmp_path: Path) -> None:
    target = tmp_path / "sms"
    assert run_init(str(target)).exit_code == 0
    repo = Repo(target)
    rel, meta, _ = created(repo, repo.run("new", "policy", "--title", "Another policy", "--owner", "dana"))
    assert meta["id"] == "POL-006"  # the starter has POL-001 .. POL-005
    assert rel == "policies/POL-006-another-policy.md"
    check_ok(target)


def test_init_site_name_survives_any_organisation_name(tmp_path: Path) -> None:
    import yaml

    from click.testing import CliRunner

    from sms_docs.cli import cli

    name = 'Acme "Q" & Co: Services \\ Ltd'
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "r"), "--org", name])
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "r" / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == f"{name} - service management system"
