"""Integrations: CODEOWNERS from owners and approvers, GitHub reviews imported as approvals records
(end to end through the history), the CI files `init --ci` writes, and the pre-commit hook."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from trust import ci_commit, ci_signers, with_ci
from conftest import CONFIG, Repo, doc
from sms_docs.cli import cli
from sms_docs.integrations import parse_reviews_json, select_reviews

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "src" / "sms_docs" / "templates" / "repo"
AS_OF = "2026-02-01"

# The test configuration, with forge usernames for some people (eve and lena have none).
FORGE_CONFIG = (CONFIG
                .replace("email: dana@example.com,", "email: dana@example.com, github: DReyes, gitlab: dana.r,")
                .replace("email: priya@example.com,", "email: priya@example.com, github: pnair, gitlab: priya.n,")
                .replace("email: omar@example.com,", "email: omar@example.com, github: ohaddad,"))

POL1 = "policies/POL-001-service-management-policy.md"
POL2 = "policies/POL-002-remote-working.md"
PRC1 = "procedures/PRC-001-change-management.md"


def stdout_json(res: Any) -> Any:
    assert res.stdout.strip(), res.output
    return json.loads(res.stdout)


# --- CODEOWNERS ---------------------------------------------------------------------------------


@pytest.fixture
def owned(repo: Repo) -> Repo:
    repo.write({
        "sms-docs.yml": FORGE_CONFIG,
        POL1: doc("POL-001", "Service management policy"),
        POL2: doc("POL-002", "Remote working", owner="lena", approvers=["priya"]),
        PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar"),
    })
    return repo


def owner_lines(text: str) -> dict[str, list[str]]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")):
            path, *owners = line.split()
            out[path] = owners
    return out


def test_codeowners_lines_match_the_documents(owned: Repo) -> None:
    res = owned.run("codeowners")
    assert res.exit_code == 0, res.output
    lines = owner_lines(res.stdout)
    # Owner first, then everyone who may approve: the type's roles, or the document's `approvers`.
    assert lines[f"/{POL1}"] == ["@DReyes", "@pnair"]
    assert lines[f"/{POL2}"] == ["lena@example.com", "@pnair"]
    assert lines[f"/{PRC1}"] == ["@ohaddad", "lena@example.com"]
    # Configuration files belong to the configuration approvers (top-management by default).
    for pattern in ("/sms-docs.yml", "/schemas/", "/.sms/", "/.github/CODEOWNERS", "/.github/workflows/"):
        assert lines[pattern] == ["@DReyes", "@pnair"], pattern
    assert len([p for p in lines if p.endswith(".md")]) == 3
    assert "[Documents]" not in res.stdout
    assert res.stderr == ""  # every approver role is held by someone: no warning


def test_codeowners_gitlab_syntax_and_usernames(owned: Repo) -> None:
    res = owned.run("codeowners", "--forge", "gitlab")
    assert res.exit_code == 0
    text = res.stdout
    assert "[Documents]" in text and "[Configuration]" in text
    assert text.index("[Configuration]") < text.index("/sms-docs.yml") < text.index("[Documents]") < text.index(f"/{POL1}")
    lines = owner_lines(text)
    assert lines[f"/{POL1}"] == ["@dana.r", "@priya.n"]
    assert lines[f"/{PRC1}"] == ["omar@example.com", "lena@example.com"]  # no gitlab username
    assert "/CODEOWNERS" in lines and "/.gitlab-ci.yml" in lines


def test_codeowners_write_and_check(owned: Repo) -> None:
    printed = owned.run("codeowners").stdout
    assert owned.run("codeowners", "--check").exit_code == 1  # not written yet
    res = owned.run("codeowners", "--write")
    assert res.exit_code == 0 and "wrote .github/CODEOWNERS (3 documents)" in res.output
    assert (owned.path / ".github" / "CODEOWNERS").read_text() == printed
    assert owned.run("codeowners", "--check").exit_code == 0
    # A new owner makes the file stale.
    owned.write({POL1: doc("POL-001", "Service management policy", owner="omar")})
    stale = owned.run("codeowners", "--check")
    assert stale.exit_code == 1 and "out of date" in stale.output
    assert owned.run("codeowners", "--write", "--forge", "gitlab").exit_code == 0
    assert "[Documents]" in (owned.path / "CODEOWNERS").read_text()
    data = owned.json("codeowners")
    entry = next(e for e in data["entries"] if e["document"] == "POL-001")
    assert entry == {"path": f"/{POL1}", "owners": ["@ohaddad", "@DReyes", "@pnair"], "section": "Documents",
                     "document": "POL-001"}


def test_codeowners_warns_about_roles_nobody_holds_and_escapes_paths(owned: Repo) -> None:
    owned.write({"procedures/PRC-002 access reviews.md": doc("PRC-002", "Access reviews", type="procedure",
                                                              owner="omar", approvers=["auditor"])})
    res = owned.run("codeowners")
    assert res.exit_code == 0
    assert "nobody in sms-docs.yml holds the role or is the person 'auditor'" in res.stderr
    assert "/procedures/PRC-002\\ access\\ reviews.md @ohaddad" in res.stdout


# --- GitHub reviews ---------------------------------------------------------------------------


def review(login: str | None, state: str, commit: str, at: str, rid: int) -> dict[str, Any]:
    return {"id": rid, "user": {"login": login, "type": "User"} if login else None, "state": state,
            "commit_id": commit, "submitted_at": at, "body": "", "author_association": "MEMBER"}


C1, C2 = "1" * 40, "2" * 40


def test_select_reviews_keeps_each_users_latest_standing_approval() -> None:
    items = [
        review("pnair", "APPROVED", C1, "2026-01-05T10:00:00Z", 1),
        review("ohaddad", "APPROVED", C1, "2026-01-05T10:01:00Z", 2),
        review("ohaddad", "CHANGES_REQUESTED", C2, "2026-01-05T10:05:00Z", 3),  # cancels omar's approval
        review("PNair", "APPROVED", C2, "2026-01-05T10:06:00Z", 4),  # priya again, later commit: latest wins
        review("pnair", "COMMENTED", C2, "2026-01-05T10:07:00Z", 5),  # a comment cancels nothing
        review("dreyes", "DISMISSED", C1, "2026-01-05T10:02:00Z", 6),
        review("eve", "PENDING", C2, "", 7),
        review(None, "APPROVED", C2, "2026-01-05T10:03:00Z", 8),
    ]
    kept, notes = select_reviews(items)
    assert [(r.reviewer, r.commit_id, r.id) for r in kept] == [("PNair", C2, 4)]
    assert any("ohaddad" in n and "CHANGES_REQUESTED" in n for n in notes)
    assert any("no user" in n for n in notes)


def test_parse_reviews_json_joins_paginated_arrays_and_rejects_error_objects() -> None:
    a = json.dumps([review("pnair", "APPROVED", C1, "2026-01-05T10:00:00Z", 1)])
    b = json.dumps([review("dreyes", "APPROVED", C1, "2026-01-05T10:01:00Z", 2)])
    assert [i["id"] for i in parse_reviews_json(a + "\n" + b)] == [1, 2]
    assert parse_reviews_json("[]") == []
    from sms_docs.errors import UsageError

    with pytest.raises(UsageError, match="Not Found"):
        parse_reviews_json('{"message": "Not Found", "status": "404"}')
    with pytest.raises(UsageError, match="not JSON"):
        parse_reviews_json("[{")


@pytest.fixture
def merged(repo: Repo, tmp_path: Path) -> dict[str, Any]:
    """main holds an approved POL-001 rev 1; pull request #7 edits it twice (commits A then B) and is
    merged with a merge commit that carries no approval."""
    repo.git("commit", "-q", "--allow-empty", "-m", "Root", who="eve")
    repo.branch("first")
    key, signers = ci_signers(tmp_path)
    repo.commit("First document set", {"sms-docs.yml": with_ci(FORGE_CONFIG), ".sms/allowed_signers": signers,
                                       POL1: doc("POL-001", "Service management policy", body="Version one.\n"),
                                       PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar")},
                who="eve")
    assert repo.run("approve", "--all", who="dana").exit_code == 0
    assert repo.run("approve", "--all", who="omar").exit_code == 0
    repo.checkout("main")
    repo.merge("first", who="dana")
    repo.branch("pr-7")
    a = repo.commit("Draft the new policy", {POL1: doc("POL-001", "Service management policy", body="Draft.\n")}, who="eve")
    b = repo.commit("Final wording", {POL1: doc("POL-001", "Service management policy", body="Version two.\n")}, who="eve")
    repo.checkout("main")
    m = repo.merge("pr-7", "Merge pull request #7 from example/pr-7", who="dana")
    return {"repo": repo, "A": a, "B": b, "M": m, "dir": tmp_path, "key": key}


def import_reviews(ctx: dict[str, Any], reviews: list[dict[str, Any]], *extra: str) -> Any:
    path = ctx["dir"] / "reviews.json"
    path.write_text(json.dumps(reviews))
    return ctx["repo"].run("approvals", "import", "--github-reviews", str(path), "--pr", "7",
                           "--merge-commit", ctx["M"], *extra)


def test_imported_review_of_the_merged_content_approves_it(merged: dict[str, Any]) -> None:
    r: Repo = merged["repo"]
    assert r.json("status", "POL-001", "--as-of", AS_OF)["documents"][0]["state"] == "changed"
    res = import_reviews(merged, [review("pnair", "APPROVED", merged["B"], "2026-01-05T11:00:00Z", 11),
                                  review("eve", "COMMENTED", merged["B"], "2026-01-05T11:01:00Z", 12)])
    assert res.exit_code == 0, res.output
    rel = res.stdout.strip()
    assert rel == "records/approvals/2026/APR-2026-0001.yml"
    record = yaml.safe_load((r.path / rel).read_text())
    assert record["type"] == "approvals" and record["created_by"] == "system"
    assert record["forge"] == "github" and record["pull_request"] == 7 and record["merge_commit"] == merged["M"]
    assert record["subject"] == ["POL-001"]
    assert record["reviews"] == [{"reviewer": "pnair", "email": "priya@example.com", "state": "APPROVED",
                                  "commit_id": merged["B"], "submitted_at": "2026-01-05T11:00:00Z"}]
    assert r.run("check").exit_code == 0  # the record passes its schema
    ci_commit(r, "Record reviews of pull request #7", None, merged["key"])  # CI commits it on main
    history = r.json("history", "POL-001", "--as-of", AS_OF)
    rev2 = history["revisions"][-1]
    assert rev2["revision"] == 2 and rev2["commit"] == merged["M"]
    assert [(a["name"], a["evidence"], a["signature"], a["valid"]) for a in rev2["approvals"]] == [
        ("Priya Nair", "forge-review", "system", True)]
    status = r.json("status", "POL-001", "--as-of", AS_OF)["documents"][0]
    assert status["state"] == "effective" and status["revision"] == 2
    audit = r.run("audit", "--as-of", AS_OF)
    assert audit.exit_code == 0, audit.output


def test_a_review_of_an_older_commit_whose_content_differs_approves_nothing(merged: dict[str, Any]) -> None:
    r: Repo = merged["repo"]
    res = import_reviews(merged, [review("pnair", "APPROVED", merged["A"], "2026-01-05T11:00:00Z", 11)])
    assert res.exit_code == 0, res.output
    ci_commit(r, "Record reviews of pull request #7", None, merged["key"])
    status = r.json("status", "POL-001", "--as-of", AS_OF)["documents"][0]
    assert status["state"] == "changed" and status["revision"] == 1
    audit = r.json("audit", "--as-of", AS_OF)
    codes = {(f["code"], f["id"]) for f in audit["findings"]}
    assert ("unapproved-change", "POL-001") in codes


def test_a_later_change_request_cancels_the_approval(merged: dict[str, Any]) -> None:
    r: Repo = merged["repo"]
    res = import_reviews(merged, [review("pnair", "APPROVED", merged["B"], "2026-01-05T11:00:00Z", 11),
                                  review("pnair", "CHANGES_REQUESTED", merged["B"], "2026-01-05T11:05:00Z", 12)])
    assert res.exit_code == 0
    assert "no standing approval" in res.stderr
    record = yaml.safe_load((r.path / res.stdout.strip()).read_text())
    assert record["reviews"] == []
    ci_commit(r, "Record reviews of pull request #7", None, merged["key"])
    assert r.json("status", "POL-001", "--as-of", AS_OF)["documents"][0]["state"] == "changed"


def test_an_unknown_login_is_recorded_but_never_counts(merged: dict[str, Any]) -> None:
    r: Repo = merged["repo"]
    res = import_reviews(merged, [review("stranger", "APPROVED", merged["B"], "2026-01-05T11:00:00Z", 11)])
    assert res.exit_code == 0
    assert "no person in sms-docs.yml has `github: stranger`" in res.stderr
    record = yaml.safe_load((r.path / res.stdout.strip()).read_text())
    assert record["reviews"][0] == {"reviewer": "stranger", "state": "APPROVED", "commit_id": merged["B"],
                                    "submitted_at": "2026-01-05T11:00:00Z"}
    ci_commit(r, "Record reviews of pull request #7", None, merged["key"])
    rev = r.json("history", "POL-001", "--as-of", AS_OF)["revisions"][-1]
    assert rev["revision"] is None
    assert [(a["evidence"], a["valid"]) for a in rev["approvals"]] == [("forge-review", False)]


def test_import_is_idempotent_and_numbers_records(merged: dict[str, Any]) -> None:
    r: Repo = merged["repo"]
    reviews = [review("pnair", "APPROVED", merged["B"], "2026-01-05T11:00:00Z", 11)]
    dry = import_reviews(merged, reviews, "--dry-run")
    assert dry.exit_code == 0 and "pull_request: 7" in dry.stdout and "id: APR-2026-0001" in dry.stdout
    assert not (r.path / "records" / "approvals").exists()
    first = import_reviews(merged, reviews)
    again = import_reviews(merged, reviews)
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert "already recorded in APR-2026-0001" in again.stderr
    assert len(list((r.path / "records" / "approvals").rglob("*.yml"))) == 1
    # Another pull request gets the next number; --as-of dates the record; JSON output.
    path = merged["dir"] / "other.json"
    path.write_text("[]")
    res = r.run("approvals", "import", "--github-reviews", str(path), "--pr", "8", "--merge-commit",
                merged["M"], "--as-of", "2027-01-03", "--format", "json")
    data = stdout_json(res)
    assert data["id"] == "APR-2027-0001" and data["path"] == "records/approvals/2027/APR-2027-0001.yml"
    assert data["created"] is True and data["reviews"] == []
    res = r.run("approvals", "import", "--github-reviews", str(path), "--pr", "9", "--merge-commit", merged["M"])
    assert res.stdout.strip() == "records/approvals/2026/APR-2026-0002.yml"


def test_import_refuses_bad_input(merged: dict[str, Any]) -> None:
    r: Repo = merged["repo"]
    path = merged["dir"] / "reviews.json"
    path.write_text("[]")
    short = r.run("approvals", "import", "--github-reviews", str(path), "--pr", "7", "--merge-commit", "abc123")
    assert short.exit_code == 2 and "full 40-character commit id" in short.output
    absent = r.run("approvals", "import", "--github-reviews", str(path), "--pr", "7", "--merge-commit", "f" * 40)
    assert absent.exit_code == 1 and "not in this repository" in absent.output
    path.write_text('{"message": "Bad credentials"}')
    bad = r.run("approvals", "import", "--github-reviews", str(path), "--pr", "7", "--merge-commit", merged["M"])
    assert bad.exit_code == 2 and "Bad credentials" in bad.output and "Traceback" not in bad.output
    missing = r.run("approvals", "import", "--github-reviews", str(merged["dir"] / "nope.json"), "--pr", "7",
                    "--merge-commit", merged["M"])
    assert missing.exit_code == 2 and "cannot be read" in missing.output
    assert not (r.path / "records" / "approvals").exists()


# --- CI files and pre-commit ------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_scripts(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script") and isinstance(value, (str, list)):
                out.extend([value] if isinstance(value, str) else [str(v) for v in value])
            else:
                out.extend(run_scripts(value))
    elif isinstance(node, list):
        for item in node:
            out.extend(run_scripts(item))
    return out


def test_github_workflow_has_the_jobs_and_full_history() -> None:
    data = load_yaml(TEMPLATES / "github-workflow.yml")
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "closed" in triggers["pull_request"]["types"] and triggers["push"]["branches"] == ["main"]
    jobs = data["jobs"]
    assert {"check", "publish", "deploy", "record-reviews"} <= set(jobs)
    checkouts = [s for job in jobs.values() for s in job.get("steps", []) if str(s.get("uses", "")).startswith("actions/checkout")]
    assert len(checkouts) == 3 and all(s["with"]["fetch-depth"] == 0 for s in checkouts)
    scripts = {name: "\n".join(run_scripts(job)) for name, job in jobs.items()}
    assert "sms-docs check" in scripts["check"]
    assert "sms-docs audit" in scripts["check"] and "--format html --output audit.html" in scripts["check"]
    assert any(s.get("with", {}).get("path") == "audit.html" for s in jobs["check"]["steps"])
    assert all(cmd in scripts["publish"] for cmd in ("sms-docs check", "sms-docs audit", "sms-docs build"))
    assert any(str(s.get("uses", "")).startswith("actions/upload-pages-artifact") for s in jobs["publish"]["steps"])
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages") for s in jobs["deploy"]["steps"])
    record = jobs["record-reviews"]
    assert "github.event.pull_request.merged == true" in record["if"] and "closed" in record["if"]
    assert "gh api" in scripts["record-reviews"] and "/reviews" in scripts["record-reviews"]
    assert "sms-docs approvals import --github-reviews" in scripts["record-reviews"]
    assert "git commit" in scripts["record-reviews"] and "git push" in scripts["record-reviews"]
    assert record["permissions"]["contents"] == "write"
    assert "pip install" in scripts["check"]


def test_gitlab_ci_has_the_jobs_full_history_and_the_template_comment() -> None:
    text = (TEMPLATES / "gitlab-ci.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["variables"]["GIT_DEPTH"] == "0"
    assert {"check", "audit", "pages"} <= set(data)
    assert data["check"]["script"] == ["sms-docs check"]
    assert "--format html --output audit.html" in " ".join(data["audit"]["script"])
    assert data["audit"]["artifacts"]["paths"] == ["audit.html"]
    assert any("sms-docs build --site-dir public" in line for line in data["pages"]["script"])
    assert data["pages"]["artifacts"]["paths"] == ["public"]
    assert "pip install" in " ".join(data["default"]["before_script"])
    # The merge commit template that turns GitLab approvals into `Approved-by:` trailers.
    assert re.search(r"^#\s+%\{approved_by\}$", text, re.M)
    assert "%{title}" in text and "%{description}" in text


SAMPLE_VALUES = {"PR": "7", "MERGE_COMMIT": "0" * 40, "SMS_DOCS_AUDIENCE": "public", "RUNNER_TEMP": "/tmp"}


@pytest.mark.parametrize("template", ["github-workflow.yml", "gitlab-ci.yml"])
def test_every_sms_docs_command_in_the_ci_files_parses(template: str) -> None:
    """The CI files only use commands and options the CLI has (commands not registered yet by their
    own issue are skipped, and named in the skip reason)."""
    scripts = "\n".join(run_scripts(load_yaml(TEMPLATES / template)))
    calls = re.findall(r"sms-docs ([a-z][^\n\"$()]*(?:\"\$[A-Z_]+[^\"]*\"[^\n\"$()]*)*)", scripts)
    assert calls
    missing = []
    for call in calls:
        args = [re.sub(r"\$([A-Z_]+)", lambda m: SAMPLE_VALUES.get(m.group(1), "x"), a) for a in shlex.split(call)]
        if args[0] not in cli.commands:
            missing.append(args[0])
            continue
        command: click.Command = cli.commands[args[0]]
        rest = args[1:]
        if isinstance(command, click.Group):
            command, rest = command.commands[rest[0]], rest[1:]
        command.make_context(args[0], rest)  # raises click.UsageError on an unknown option or bad value
    assert not missing, f"CI files call commands that do not exist: {', '.join(sorted(set(missing)))}"


@pytest.mark.parametrize(("ci", "written", "template"), [
    ("github", ".github/workflows/sms-docs.yml", "github-workflow.yml"),
    ("gitlab", ".gitlab-ci.yml", "gitlab-ci.yml"),
])
def test_init_ci_writes_the_workflow(tmp_path: Path, ci: str, written: str, template: str) -> None:
    target = tmp_path / "sms"
    res = CliRunner().invoke(cli, ["init", str(target), "--ci", ci], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (target / written).read_bytes() == (TEMPLATES / template).read_bytes()
    other = ".gitlab-ci.yml" if ci == "github" else ".github/workflows/sms-docs.yml"
    assert not (target / other).exists()
    assert load_yaml(target / written)


def test_init_without_ci_writes_no_workflow(tmp_path: Path) -> None:
    target = tmp_path / "sms"
    assert CliRunner().invoke(cli, ["init", str(target)], catch_exceptions=False).exit_code == 0
    assert not (target / ".github").exists() and not (target / ".gitlab-ci.yml").exists()


def test_pre_commit_hook_is_offered() -> None:
    hooks = load_yaml(PROJECT_ROOT / ".pre-commit-hooks.yaml")
    hook = next(h for h in hooks if h["id"] == "sms-docs-check")
    assert hook["entry"] == "sms-docs check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["entry"].split()[1] in cli.commands


def test_help_of_the_integration_commands_has_examples() -> None:
    for args in (["codeowners", "--help"], ["approvals", "import", "--help"], ["coverage", "--help"]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0 and "Examples:" in res.output, args
    assert "import" in CliRunner().invoke(cli, ["approvals", "--help"]).output
