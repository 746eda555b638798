"""History before adoption (issue 12): a repository with years of pull-request history adopts
sms-docs in one commit that adds sms-docs.yml and renames its files to IDs. Control begins at the
first main-line commit that holds sms-docs.yml (the graph says so, never a message); what came
before is pre-control history, shown with the document but never as approved revisions, and the
audit says where control began instead of reporting every earlier change."""

from __future__ import annotations

import subprocess
from typing import Any

from conftest import CONFIG, Repo
from trust import approve, audit, codes, day, findings, run_json

OLD_AC = "policies/access-control.md"
OLD_IR = "policies/incident-response.md"
POL1 = "policies/POL-001-access-control.md"
POL2 = "policies/POL-002-incident-response.md"

AC_BODY = "".join(f"Line {n} of the access control policy: accounts are personal.\n" for n in range(1, 13))
IR_BODY = "".join(f"Step {n} of incident response: record, classify, resolve.\n" for n in range(1, 13))


def front(ident: str, title: str, **extra: str) -> str:
    lines = ["---", f"id: {ident}", f"title: {title}", "type: policy", "owner: dana", "classification: internal"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n---\n"


def squash(repo: Repo, message: str, files: dict[str, str | None], *, author: str, date: str) -> str:
    """A squash merge made by GitHub: authored by the pull request's author, committed by the forge."""
    repo.write(files)
    repo.git("add", "-A")
    env = repo.env(author, date)
    env.update(GIT_COMMITTER_NAME="GitHub", GIT_COMMITTER_EMAIL="noreply@github.com")
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo.path, env=env, check=True, capture_output=True)
    return repo.git("rev-parse", "HEAD")


def pre_history(repo: Repo, *, mkdocs: bool = False) -> dict[str, str]:
    """Two policies kept for a year without sms-docs: a first commit, a pull request merged by
    priya, a squash commit by the forge, a direct commit to main by eve. sms-docs.yml stays in the
    working tree (the fixture wrote it) until the adoption brings it in."""
    (repo.path / "sms-docs.yml").rename(repo.path / "sms-docs.yml.keep")
    shas: dict[str, str] = {}
    files = {OLD_AC: "# Access control\n\n" + AC_BODY, OLD_IR: "# Incident response\n\n" + IR_BODY,
             "README.md": "Our policies.\n"}
    if mkdocs:
        files["mkdocs.yml"] = "site_name: Policies\n"
    shas["root"] = repo.commit("Import the policies", files, who="omar", date=day("2025-01-10"))
    repo.branch("lena/edit-ac")
    repo.commit("Name the account owner", {OLD_AC: "# Access control\n\n" + AC_BODY + "Each account has an owner.\n"},
                who="lena", date=day("2025-03-01"))
    repo.checkout("main")
    shas["pr3"] = repo.merge("lena/edit-ac", "Merge pull request #3 from lena/edit-ac", who="priya",
                             date=day("2025-03-02"))
    shas["squash4"] = squash(repo, "Tighten incident response (#4)",
                             {OLD_IR: "# Incident response\n\n" + IR_BODY + "Call the duty manager.\n"},
                             author="omar", date=day("2025-05-05"))
    shas["direct"] = repo.commit("fix typo", {OLD_AC: "# Access control\n\n" + AC_BODY + "Each account has one owner.\n"},
                                 who="eve", date=day("2025-06-01"))
    (repo.path / "sms-docs.yml.keep").rename(repo.path / "sms-docs.yml.new")
    return shas


def adopt(repo: Repo, *, config: str = CONFIG, former: bool = True, approve_args: tuple[str, ...] = ("--all",)) -> str:
    """The adoption: sms-docs.yml added, files renamed with git mv and given front matter, in one
    commit on a branch; approved by dana; merged. Returns the merge (where control begins)."""
    (repo.path / "sms-docs.yml.new").unlink()
    repo.branch("adopt")
    repo.write({"sms-docs.yml": config})
    repo.git("mv", OLD_AC, POL1)
    repo.git("mv", OLD_IR, POL2)
    ac = (repo.path / POL1).read_text(encoding="utf-8")
    ir = (repo.path / POL2).read_text(encoding="utf-8")
    repo.write({POL1: front("POL-001", "Access control", former_paths=f"[{OLD_AC}]") + "\n" + ac if former
                else front("POL-001", "Access control") + "\n" + ac,
                POL2: front("POL-002", "Incident response") + "\n" + ir})
    repo.commit("Adopt sms-docs\n\nSms-docs-adoption: yes", who="omar", date=day("2025-09-01"))
    approve(repo, *approve_args, who="dana", date=day("2025-09-02"))
    repo.checkout("main")
    return repo.merge("adopt", "Merge pull request #9 from omar/adopt", who="dana", date=day("2025-09-03"))


def entry(data: dict[str, Any], commit: str) -> dict[str, Any]:
    found = [e for e in data["pre_control"] if e["commit"] == commit]
    assert len(found) == 1, data["pre_control"]
    return found[0]


# --- the audit -------------------------------------------------------------------------------------


def test_audit_after_adoption_is_clean_and_says_where_control_began(repo: Repo) -> None:
    shas = pre_history(repo)
    began = adopt(repo)
    data = audit(repo, expect=0)
    assert data["findings"] == [], data["findings"]
    assert data["control"]["began"] == {"commit": began, "date": "2025-09-03"}
    assert data["control"]["pre_control_commits"] == 4
    text = repo.run("audit", "--as-of", "2026-06-30").output
    assert f"Control began at commit {began[:10]} (2025-09-03)" in text
    assert "4 earlier main-line commit(s) are pre-control history" in text
    html = repo.run("audit", "--format", "html", "--as-of", "2026-06-30").output
    assert f"Control began at commit {began[:10]} (2025-09-03)" in html
    assert shas  # the history above is what the audit no longer reports one by one


def test_audit_as_of_a_day_before_control_began_reports_nothing_unapproved(repo: Repo) -> None:
    pre_history(repo)
    adopt(repo)
    data = audit(repo, "--as-of", "2025-07-01", expect=0)
    assert data["findings"] == [] and data["documents"] == [] and "control" not in data


def test_repository_under_control_from_its_first_commit_has_no_control_section(repo: Repo) -> None:
    repo.commit("Start", {POL1: front("POL-001", "Access control") + "\nText.\n"}, who="omar")
    data = audit(repo)
    assert "control" not in data
    assert "unapproved-change" in codes(data)


def test_change_after_adoption_is_never_pre_control(repo: Repo) -> None:
    """Attacker: a direct commit to main after the configuration exists, even one whose message
    claims to be the adoption, is an unapproved change, not pre-control history."""
    pre_history(repo)
    began = adopt(repo)
    sneaky = repo.commit("Adopt sms-docs again\n\nSms-docs-adoption: yes",
                         {POL1: (repo.path / POL1).read_text(encoding="utf-8") + "Shared accounts are fine.\n"},
                         who="eve", date=day("2025-10-01"))
    data = audit(repo, expect=1)
    assert [f["id"] for f in findings(data, "unapproved-change")] == ["POL-001"]
    assert data["control"]["began"]["commit"] == began
    hist = run_json(repo, "history", "POL-001")
    assert sneaky not in [e["commit"] for e in hist["pre_control"]]
    assert [r["commit"] for r in hist["revisions"]] == [began, sneaky]


def test_removing_and_restoring_the_configuration_does_not_move_the_start(repo: Repo) -> None:
    pre_history(repo)
    began = adopt(repo)
    config = (repo.path / "sms-docs.yml").read_text(encoding="utf-8")
    repo.commit("Remove the configuration", {"sms-docs.yml": None}, who="eve", date=day("2025-10-01"))
    repo.commit("Edit without control", {POL1: (repo.path / POL1).read_text(encoding="utf-8") + "More.\n"},
                who="eve", date=day("2025-10-02"))
    repo.commit("Bring the configuration back", {"sms-docs.yml": config}, who="eve", date=day("2025-10-03"))
    data = audit(repo, expect=1)
    assert data["control"]["began"]["commit"] == began
    assert "POL-001" in [f["id"] for f in findings(data, "unapproved-change")]
    assert "sms-docs.yml" in [f["path"] for f in findings(data, "unapproved-change")]


def test_content_from_before_control_left_untouched_by_the_adoption_needs_approval(repo: Repo) -> None:
    """mkdocs.yml came from before control and the adoption did not change it: its content was
    never approved, so control cannot begin with it silently accepted."""
    pre_history(repo, mkdocs=True)
    adopt(repo, approve_args=("POL-001", "POL-002", "sms-docs.yml"))
    data = audit(repo, expect=1)
    assert [f["path"] for f in findings(data, "unapproved-change")] == ["mkdocs.yml"]
    # approved after the merge, control is complete
    repo.branch("site")
    approve(repo, "mkdocs.yml", who="dana", date=day("2025-09-04"))
    repo.checkout("main")
    repo.merge("site", "Approve the site configuration", who="dana", date=day("2025-09-05"))
    assert audit(repo, expect=0)["findings"] == []


def test_approve_all_on_the_adoption_branch_covers_what_it_brings_under_control(repo: Repo) -> None:
    pre_history(repo, mkdocs=True)
    adopt(repo)
    data = audit(repo, expect=0)
    assert data["findings"] == []
    mkdocs = next(d for d in data["documents"] if d["id"] == "mkdocs.yml")
    assert [r["revision"] for r in mkdocs["revisions"]] == [1]


# --- history ----------------------------------------------------------------------------------------


def test_history_shows_pre_control_commits_apart_from_revisions(repo: Repo) -> None:
    shas = pre_history(repo)
    began = adopt(repo)
    hist = run_json(repo, "history", "POL-001", expect=0)
    assert [r["revision"] for r in hist["revisions"]] == [1]
    assert hist["revisions"][0]["commit"] == began
    assert [e["commit"] for e in hist["pre_control"]] == [shas["root"], shas["pr3"], shas["direct"]]
    assert hist["control_began"] == {"commit": began, "date": "2025-09-03"}
    first = entry(hist, shas["root"])
    assert first["path"] == OLD_AC and first["date"] == "2025-01-10" and first["subject"] == "Import the policies"
    assert first["authors"] == [{"name": "Omar Haddad", "email": "omar@example.com"}]
    assert entry(hist, shas["pr3"])["authors"] == [{"name": "Lena Fischer", "email": "lena@example.com"}]
    assert all(e["evidence"] == [] for e in hist["pre_control"])  # not opted in
    assert all(set(e) == {"commit", "date", "path", "blob", "authors", "subject", "evidence"} for e in hist["pre_control"])


def test_history_follows_the_rename_git_detects_without_former_paths(repo: Repo) -> None:
    shas = pre_history(repo)
    adopt(repo, former=False)
    hist = run_json(repo, "history", "POL-002", expect=0)
    assert [e["commit"] for e in hist["pre_control"]] == [shas["root"], shas["squash4"]]
    assert {e["path"] for e in hist["pre_control"]} == {OLD_IR}


def test_history_text_marks_pre_control_as_not_approved(repo: Repo) -> None:
    shas = pre_history(repo)
    began = adopt(repo)
    out = repo.run("history", "POL-001", "--as-of", "2026-06-30").output
    assert f"pre-control history: before control began at commit {began[:10]} (2025-09-03); not approved revisions" in out
    assert f"pre-control  2025-03-02  commit {shas['pr3'][:10]}  {OLD_AC}" in out
    assert out.index("rev 1") < out.index("pre-control history")


def test_former_paths_cannot_pull_in_changes_made_after_control_began(repo: Repo) -> None:
    """A document that names as former path a file edited under control gets only that file's
    commits from before control began."""
    pre_history(repo)
    began = adopt(repo)
    late = repo.commit("A note under control", {"policies/notes.md": "# Notes\n"}, who="eve", date=day("2025-10-01"))
    hist = run_json(repo, "history", "POL-001")
    assert late not in [e["commit"] for e in hist["pre_control"]] and began not in [e["commit"] for e in hist["pre_control"]]


# --- merger evidence for the pre-control period (opt-in) ---------------------------------------------


OPT_IN = CONFIG.replace("evidence: [approval-commit, merge-trailer, forge-review]",
                        "evidence: [approval-commit, merge-trailer, forge-review, pre-control-merger]")


def test_pre_control_merges_and_squash_commits_shown_as_merger_evidence_when_opted_in(repo: Repo) -> None:
    shas = pre_history(repo)
    adopt(repo, config=OPT_IN)
    hist = run_json(repo, "history", "POL-001", expect=0)
    assert entry(hist, shas["pr3"])["evidence"] == [{
        "evidence": "merger", "source": "merge-commit", "pull_request": 3, "name": "Priya Nair",
        "email": "priya@example.com", "commit": shas["pr3"], "date": "2025-03-02"}]
    assert entry(hist, shas["direct"])["evidence"] == []  # a direct commit has no evidence at all
    assert entry(hist, shas["root"])["evidence"] == []
    hist2 = run_json(repo, "history", "POL-002", expect=0)
    assert entry(hist2, shas["squash4"])["evidence"] == [{
        "evidence": "merger", "source": "squash-commit", "pull_request": 4, "name": "GitHub",
        "email": "noreply@github.com", "commit": shas["squash4"], "date": "2025-05-05"}]
    out = repo.run("history", "POL-001", "--as-of", "2026-06-30").output
    assert "merger (merge commit, pull request #3) Priya Nair <priya@example.com>" in out
    data = audit(repo, expect=0)
    assert data["control"]["pre_control_evidence"] == {"merger": 2, "none": 2}


def test_pre_control_merger_never_approves_a_change_after_control_began(repo: Repo) -> None:
    """Attacker: with pre-control merger evidence accepted, a plain merge after adoption still
    needs real approval evidence (`merger` itself is not listed)."""
    pre_history(repo)
    adopt(repo, config=OPT_IN)
    repo.branch("late")
    repo.commit("Loosen the policy (#12)", {POL1: (repo.path / POL1).read_text(encoding="utf-8") + "Loosened.\n"},
                who="omar", date=day("2025-10-01"))
    repo.checkout("main")
    repo.merge("late", "Merge pull request #12 from omar/late", who="priya", date=day("2025-10-02"))
    data = audit(repo, expect=1)
    assert [f["id"] for f in findings(data, "unapproved-change")] == ["POL-001"]


def test_adoption_committed_straight_on_main_then_approved_there(repo: Repo) -> None:
    """The adoption commit itself is where control begins when it lands on main directly; an
    approval commit after it approves it (post hoc), and nothing before it is reported."""
    shas = pre_history(repo)
    (repo.path / "sms-docs.yml.new").unlink()
    repo.write({"sms-docs.yml": CONFIG})
    repo.git("mv", OLD_AC, POL1)
    repo.write({POL1: front("POL-001", "Access control", former_paths=f"[{OLD_AC}]") + "\n" + (repo.path / POL1).read_text()})
    began = repo.commit("Adopt sms-docs", who="omar", date=day("2025-09-01"))
    approve(repo, "POL-001", "sms-docs.yml", who="dana", date=day("2025-09-02"))
    data = audit(repo, expect=1)
    assert data["control"]["began"]["commit"] == began
    # the incident response policy was left as it was: brought under control, and not approved
    assert [f["id"] for f in findings(data, "unapproved-change")] == [OLD_IR]
    hist = run_json(repo, "history", "POL-001")
    assert [r["revision"] for r in hist["revisions"]] == [1]
    assert [e["commit"] for e in hist["pre_control"]] == [shas["root"], shas["pr3"], shas["direct"]]


def test_authors_from_before_control_may_approve_the_adoption_as_the_audit_counts(repo: Repo) -> None:
    """Segregation of duties starts with control, in `approve` as in the audit: dana wrote the old
    site configuration before control began, and may approve it at adoption; priya, who made the
    adoption, may not."""
    pre_history(repo)
    repo.commit("Site configuration", {"mkdocs.yml": "site_name: Policies\n"}, who="dana", date=day("2025-07-01"))
    (repo.path / "sms-docs.yml.new").unlink()
    repo.branch("adopt")
    repo.write({"sms-docs.yml": CONFIG})
    repo.commit("Adopt sms-docs", who="priya", date=day("2025-09-01"))
    approve(repo, "mkdocs.yml", "sms-docs.yml", who="dana", date=day("2025-09-02"))
    refused = repo.run("approve", "sms-docs.yml", who="priya", date=day("2025-09-02"))
    assert refused.exit_code != 0 and "segregation of duties" in refused.output
    repo.checkout("main")
    repo.merge("adopt", "Merge pull request #9 from omar/adopt", who="dana", date=day("2025-09-03"))
    data = audit(repo)
    assert "mkdocs.yml" not in [f["path"] for f in data["findings"]]
    assert "self-approval" not in codes(data)
    # the old policies were left as they were, not renamed: brought under control, not approved by anyone
    assert sorted(f["path"] for f in findings(data, "unapproved-change")) == [OLD_AC, OLD_IR]


def test_serve_extends_a_kept_history_of_an_adopted_repository_as_a_full_walk_would(repo: Repo) -> None:
    """`sms-docs serve` extends its last history with new commits: in a repository adopted with
    history from before control began, each document walked again keeps its pre-control history, and
    the result is the full walk's (a direct change, then its approval landing later)."""
    import dataclasses

    from sms_docs.catalog import Catalog

    pre_history(repo)
    adopt(repo)
    with Catalog.open(repo.path, keep=True) as cat:
        kept = cat.history
    walk = kept.walk
    assert walk is not None and kept.control is not None
    text = (repo.path / POL1).read_text(encoding="utf-8")
    for step in (lambda: repo.commit("Say who owns accounts", {POL1: text + "Owners review access yearly.\n"}, who="omar",
                                     date=day("2025-10-01")),
                 lambda: approve(repo, "POL-001", who="dana", date=day("2025-10-02"))):
        step()
        with Catalog.open(repo.path, keep=True, previous=kept) as cat, Catalog.open(repo.path) as full:
            assert cat.history.walk is walk  # extended
            assert cat.history.files == full.history.files
            assert cat.history.files["POL-001"].pre_control  # kept through the walk again
            assert cat.history.control == full.history.control
            assert cat.history.pre_control_tip == full.history.pre_control_tip
            assert sorted(cat.findings, key=repr) == sorted(full.findings, key=repr)
            assert {k: dataclasses.replace(s, history=None) for k, s in cat.documents.items()} == \
                {k: dataclasses.replace(s, history=None) for k, s in full.documents.items()}
            kept = cat.history
    assert kept.files["POL-001"].revisions[-1].number == 2
