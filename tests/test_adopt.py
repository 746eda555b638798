"""`sms-docs adopt`: repositories in each shape (plain Markdown folders, strongdm/comply, doorstop)
with real history are adopted in one commit; no text is lost; the plan, the mapping file and the
refusals; and the way through: adopt, check, approve, audit, build."""

from __future__ import annotations

import json
from typing import Any, TYPE_CHECKING

import pytest
import yaml

import adopt_support as shapes
from conftest import Repo
from sms_docs import frontmatter
from sms_docs.gitrepo import parse_trailers

if TYPE_CHECKING:
    from pathlib import Path


def plan(repo: Repo, *args: str, who: str = "omar") -> dict[str, Any]:
    result = repo.run("adopt", "--dry-run", "--format", "json", *args, who=who)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_path(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in data["files"]}


def adopt(repo: Repo, *args: str, who: str = "omar") -> dict[str, Any]:
    result = repo.run("adopt", "--yes", "--branch", "adopt", "--format", "json", *args, who=who)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def body_of(data: bytes) -> bytes:
    return frontmatter.split(frontmatter.decode(data)).body.encode("utf-8")


def meta_of(repo: Repo, path: str) -> dict[str, Any]:
    data = frontmatter.load_yaml(frontmatter.split(frontmatter.decode((repo.path / path).read_bytes())).front)
    assert isinstance(data, dict)
    return data


# --- plain Markdown folders ----------------------------------------------------------------------------


@pytest.fixture
def plain(tmp_path: Path) -> Repo:
    return shapes.plain(tmp_path / "plain")


def test_plain_plan_proposes_type_id_title_owner_and_people(plain: Repo) -> None:
    head = plain.git("rev-parse", "HEAD")
    data = plan(plain)
    files = by_path(data)
    assert files["README.md"]["action"] == "skip"
    access = files["policies/access-control.md"]
    assert (access["type"], access["id"], access["title"], access["owner"], access["classification"]) == \
        ("policy", "POL-001", "Access control", "omar", "internal")
    assert access["decided"]["title"] == "file name"
    assert access["decided"]["owner"] == "most commits to the file (2 of 3)"
    assert access["new_path"] == "policies/POL-001-access-control.md"
    assert files["policies/password.md"]["title"] == "Password & passphrase policy"
    assert files["policies/password.md"]["decided"]["title"] == "HTML heading"
    assert files["policies/remote-working.md"]["title"] == "Remote working policy 🏠"
    assert files["policies/remote-working.md"]["new_path"] == "policies/POL-003-remote-working-policy.md"
    # the rename in the history is followed: the old name's author counts
    assert files["policies/remote-working.md"]["decided"]["owner"] == "most commits to the file (1 of 2)"
    incident = files["procedures/incident-response.md"]
    assert (incident["type"], incident["id"], incident["title"]) == ("procedure", "PRC-001", "Incident response")
    assert incident["decided"]["title"] == "underlined heading"
    people = {p["id"]: p for p in data["people"]}
    assert set(people) == {"dana", "lena", "omar"}  # the forge's own identity is nobody
    assert people["dana"]["roles"] == ["top-management"] and people["dana"]["merges"] == 1
    assert people["omar"]["roles"] == ["process-owner"]
    assert not any("github.com" in e for p in data["people"] for e in [p["email"], *p.get("emails", [])])
    # a dry run changes nothing
    assert plain.git("rev-parse", "HEAD") == head
    assert plain.git("status", "--porcelain") == ""


def test_relative_links_to_renamed_and_to_missing_files_are_notes_and_the_body_is_not_touched(plain: Repo) -> None:
    plain.git("checkout", "-q", "-b", "linked")
    body = shapes.INCIDENT + "See [remote](../policies/remote-working.md#scope) and [old](../policies/gone.md).\n"
    shapes.commit(plain, "Link the remote working policy", {"procedures/incident-response.md": body},
                  author=shapes.PEOPLE["lena"])
    incident = by_path(plan(plain))["procedures/incident-response.md"]
    assert incident["notes"] == [
        "links to ../policies/remote-working.md, now policies/POL-003-remote-working-policy.md: the body is kept as "
        "it is, and the link is resolved through former_paths",
        "decide: links to ../policies/gone.md, which is not in the repository: `check` reports it"]


def test_plain_text_plan_says_what_to_decide(plain: Repo) -> None:
    result = plain.run("adopt", "--dry-run", who="omar")
    assert result.exit_code == 0, result.output
    assert "policies/access-control.md -> policies/POL-001-access-control.md" in result.output
    assert "decide: no heading to take the title from; it comes from the file name" in result.output
    assert "README.md: left as it is" in result.output


def test_plain_adoption_is_one_commit_with_renames_git_follows_and_bodies_kept(plain: Repo) -> None:
    before = {p: plain.git("rev-parse", f"HEAD:{p}") for p in
              ("policies/access-control.md", "policies/password.md", "procedures/incident-response.md")}
    old_bytes = {p: (plain.path / p).read_bytes() for p in before}
    done = adopt(plain)
    assert plain.git("rev-list", "--count", "main..adopt") == "1"
    assert plain.git("branch", "--show-current") == "adopt"
    message = plain.git("log", "-1", "--format=%B")
    assert parse_trailers(message) == [("Sms-docs-adoption", "yes")]
    assert done["renamed"]["policies/access-control.md"] == "policies/POL-001-access-control.md"
    assert done["rename_not_followed"] == []
    assert not (plain.path / "policies/access-control.md").exists()
    # the body is the old file byte for byte (the BOM stays at the very start)
    for old, new in (("policies/access-control.md", "policies/POL-001-access-control.md"),
                     ("policies/password.md", "policies/POL-002-password-passphrase-policy.md"),
                     ("procedures/incident-response.md", "procedures/PRC-001-incident-response.md")):
        data = (plain.path / new).read_bytes()
        assert body_of(data) == old_bytes[old].removeprefix(b"\xef\xbb\xbf")
    password = (plain.path / "policies/POL-002-password-passphrase-policy.md").read_bytes()
    assert password.startswith(b"\xef\xbb\xbf---\r\nid: POL-002\r\n")
    assert not password.endswith(b"\n")
    assert meta_of(plain, "policies/POL-001-access-control.md")["former_paths"] == ["policies/access-control.md"]
    # git log --follow reaches back past the adoption, and past the earlier rename too
    log = plain.git("log", "--follow", "--format=%s", "--", "policies/POL-003-remote-working-policy.md").splitlines()
    assert log == ["Adopt 4 documents under sms-docs document control", "Rename the remote working policy (#7)",
                   "Initial policies"]
    access_log = plain.git("log", "--follow", "--format=%s", "--", "policies/POL-001-access-control.md").splitlines()
    assert access_log[-3:] == ["Access: leavers", "Access: quarterly reviews", "Initial policies"]
    config = yaml.safe_load((plain.path / "sms-docs.yml").read_text())
    assert {p["id"] for p in config["people"]} == {"dana", "lena", "omar"}
    assert config["main_branch"] == "main"
    check = plain.run("check", who="omar")
    assert check.exit_code == 0, check.output


# --- strongdm/comply ----------------------------------------------------------------------------------


@pytest.fixture
def comply(tmp_path: Path) -> Repo:
    return shapes.comply(tmp_path / "comply")


def test_comply_headless_front_matter_becomes_fields_and_clauses(comply: Repo, tmp_path: Path) -> None:
    mapping = tmp_path / "adopt.yml"
    mapping.write_text("crosswalk:\n  TSC:\n    CC6.1: ['8.7.3']\n")
    data = plan(comply, "--mapping", str(mapping))
    files = by_path(data)
    assert "standards/TSC-2017.yml" not in files  # a control catalogue, not a document
    assert files["policies/README.md"]["action"] == "skip"
    access = files["policies/access.md"]
    assert (access["id"], access["title"], access["decided"]["title"]) == ("POL-001", "Access Control Policy", "comply name")
    fields = access["fields"]
    # 2011's 4.3.1 through the catalogue's crosswalk, CC6.1 through the mapping's; CC6.2 has none
    assert "8.7.3" in fields["clauses"] and len(fields["clauses"]) > 1
    assert fields["x-satisfies"] == {"TSC": ["CC6.1", "CC6.2"], "ISO20000-2011": ["4.3.1"]}
    assert fields["x-acronym"] == "ACP"
    assert fields["x-majorRevisions"] == [{"date": "Jun 1 2018", "comment": "Initial document"}]
    assert "name" not in fields and "x-name" not in fields
    assert any("TSC CC6.2" in n for n in access["notes"])
    narrative = files["narratives/control.md"]
    assert (narrative["type"], narrative["id"]) == ("narrative", "NAR-001")
    assert any("{{.Name}}" in n for n in narrative["notes"])
    procedure = files["procedures/onboarding.md"]
    assert procedure["fields"]["x-id"] == "onboard" and procedure["fields"]["x-cron"] == "0 0 * * *"
    people = {p["id"]: p["roles"] for p in data["people"]}
    assert people["priya"] == ["top-management"]
    assert any("standards/TSC-2017.yml" in n for n in data["notes"])


def test_comply_adoption_keeps_the_body_after_the_headless_fence(comply: Repo) -> None:
    old = (comply.path / "policies/access.md").read_bytes()
    adopt(comply)
    new = (comply.path / "policies/POL-001-access-control-policy.md").read_bytes()
    assert body_of(new) == old.split(b"---\n", 1)[1]
    assert comply.run("check", who="omar").exit_code == 0


# --- doorstop ------------------------------------------------------------------------------------------


@pytest.fixture
def doorstop(tmp_path: Path) -> Repo:
    return shapes.doorstop(tmp_path / "doorstop")


def test_doorstop_items_as_documents_keep_their_numbers_and_links(doorstop: Repo) -> None:
    data = plan(doorstop)
    files = by_path(data)
    assert "reqs/.doorstop.yml" not in files
    assert files["reqs/REQ002.yml"]["action"] == "skip" and "heading" in files["reqs/REQ002.yml"]["reason"]
    assert files["reqs/REQ004.yml"]["action"] == "skip" and files["reqs/REQ004.yml"]["reason"] == "inactive in doorstop"
    req1 = files["reqs/REQ001.yml"]
    assert (req1["type"], req1["id"], req1["title"], req1["new_path"]) == \
        ("requirement", "REQ-001", "Change approval", "reqs/REQ-001-change-approval.md")
    assert req1["fields"]["x-level"] == 1.1 and req1["fields"]["x-reviewed"] == "abc123="
    tut = files["reqs/tutorial/TUT001.yml"]
    assert (tut["id"], tut["title"]) == ("TUT-001", "Approving a change")
    assert tut["fields"]["related"] == ["REQ-001", "REQ-003"]
    assert data["types"]["requirement"]["folder"] == "reqs"
    assert data["types"]["tut"]["folder"] == "reqs/tutorial"
    done = adopt(doorstop)
    text = (doorstop.path / "reqs/REQ-001-change-approval.md").read_text()
    assert text.endswith("---\nChanges **shall** be approved before release.\n\nEvery change has an owner and a reviewer.\n")
    assert "reqs/REQ-001-change-approval.md" in done["renamed"].values()
    # YAML became Markdown: nothing of the old file is left line for line, so git sees a new file;
    # former_paths keeps the link (and the plan says so)
    assert "reqs/REQ-001-change-approval.md" in done["rename_not_followed"]
    assert meta_of(doorstop, "reqs/REQ-001-change-approval.md")["former_paths"] == ["reqs/REQ001.yml"]
    assert doorstop.run("check", who="omar").exit_code == 0


def test_doorstop_items_as_records_keep_their_yaml_whole(doorstop: Repo) -> None:
    old = (doorstop.path / "reqs/REQ003.yml").read_bytes()
    data = plan(doorstop, "--doorstop-as", "record")
    req3 = by_path(data)["reqs/REQ003.yml"]
    assert (req3["as"], req3["id"], req3["new_path"]) == ("record", "REQ-2025-0002", "records/requirement/2025/REQ-2025-0002.yml")
    assert data["records"]["requirement"]["schema"] == "record.schema.json"
    done = adopt(doorstop, "--doorstop-as", "record")
    assert "records/requirement/2025/REQ-2025-0002.yml" in done["rename_followed"]
    log = doorstop.git("log", "--follow", "--format=%s", "--", "records/requirement/2025/REQ-2025-0002.yml")
    assert log.splitlines()[-1] == "doorstop create REQ"
    new = (doorstop.path / "records/requirement/2025/REQ-2025-0002.yml").read_bytes()
    assert new.endswith(old)
    record = yaml.safe_load(new)
    assert (record["id"], record["type"], record["created_by"], record["date"]) == \
        ("REQ-2025-0002", "requirement", "lena", "2025-03-01")
    check = doorstop.run("check", who="omar")
    assert check.exit_code == 0, check.output


# --- the mapping file ----------------------------------------------------------------------------------


def test_written_mapping_reproduces_the_plan_and_edits_win(plain: Repo, tmp_path: Path) -> None:
    mapping = tmp_path / "adopt.yml"
    first = plan(plain, "--write-mapping", str(mapping))
    def essentials(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(f["path"], f["action"], f.get("id"), f.get("title"), f.get("owner"), f.get("new_path"))
                for f in data["files"]]

    assert essentials(plan(plain, "--mapping", str(mapping))) == essentials(first)
    data = yaml.safe_load(mapping.read_text())
    data["files"]["policies/access-control.md"]["title"] = "Access control policy"
    data["files"]["policies/access-control.md"]["classification"] = "confidential"
    data["files"]["procedures/incident-response.md"] = {"skip": True}
    mapping.write_text(yaml.safe_dump(data, allow_unicode=True))
    files = by_path(plan(plain, "--mapping", str(mapping)))
    access = files["policies/access-control.md"]
    assert (access["title"], access["classification"], access["new_path"]) == \
        ("Access control policy", "confidential", "policies/POL-001-access-control-policy.md")
    assert access["decided"]["title"] == "mapping"
    assert files["procedures/incident-response.md"]["action"] == "skip"


def test_a_mistake_in_the_mapping_names_file_line_and_field(plain: Repo, tmp_path: Path) -> None:
    mapping = tmp_path / "adopt.yml"
    mapping.write_text("files:\n  policies/password.md:\n    titel: Passwords\n")
    result = plain.run("adopt", "--dry-run", "--mapping", str(mapping), who="omar")
    assert result.exit_code == 2
    assert f"{mapping}, line 3: files.policies/password.md.titel: unknown key" in result.output
    assert "Traceback" not in result.output


def test_person_option_adds_an_approver(plain: Repo) -> None:
    data = plan(plain, "--person", "priya:Priya Nair <priya@example.com>")
    people = {p["id"]: p for p in data["people"]}
    assert people["priya"]["roles"] == ["top-management"]
    bad = plain.run("adopt", "--dry-run", "--person", "priya", who="omar")
    assert bad.exit_code == 2 and "expected id:Name <email>:role,role" in bad.output


# --- refusals ------------------------------------------------------------------------------------------


def test_refuses_a_dirty_tree_the_main_branch_and_a_second_adoption(plain: Repo) -> None:
    plain.write({"policies/password.md": "changed\n"})
    dirty = plain.run("adopt", "--yes", "--branch", "adopt", who="omar")
    assert dirty.exit_code == 1 and "uncommitted changes" in dirty.output
    plain.git("checkout", "--", "policies/password.md")
    on_main = plain.run("adopt", "--yes", who="omar")
    assert on_main.exit_code == 1 and "--branch" in on_main.output
    assert plain.git("status", "--porcelain") == "" and plain.git("branch", "--show-current") == "main"
    adopt(plain)
    again = plain.run("adopt", "--yes", "--branch", "again", who="omar")
    assert again.exit_code == 1 and "already exists" in again.output


def test_untracked_files_do_not_block_but_an_untracked_target_does(plain: Repo) -> None:
    plain.write({"notes.txt": "mine\n", "policies/POL-001-access-control.md": "in the way\n"})
    result = plain.run("adopt", "--yes", "--branch", "adopt", who="omar")
    assert result.exit_code == 1 and "policies/POL-001-access-control.md already exists" in result.output
    assert (plain.path / "policies/access-control.md").exists()
    assert not (plain.path / "sms-docs.yml").exists()
    assert plain.git("branch", "--show-current") == "main"


def test_outside_a_git_repository_exit_3(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    result = repo.run("adopt", "--dry-run")
    assert result.exit_code == 3 and "not in a git repository" in result.output


def test_declining_the_prompt_changes_nothing(plain: Repo) -> None:
    head = plain.git("rev-parse", "HEAD")
    result = plain.run("adopt", "--branch", "adopt", who="omar", input="n\n")
    assert result.exit_code == 1 and "Nothing was changed." in result.output
    assert plain.git("rev-parse", "HEAD") == head and plain.git("status", "--porcelain") == ""


# --- the way through: adopt, check, approve, audit, build -----------------------------------------------


@pytest.mark.parametrize("shape", ["plain", "comply", "doorstop"])
def test_adopt_check_approve_audit_build(shape: str, tmp_path: Path) -> None:
    repo: Repo = getattr(shapes, shape)(tmp_path / shape)
    done = adopt(repo, who="omar")
    ids = [f["id"] for f in done["files"] if f["action"] == "adopt"]
    assert repo.run("check", who="omar").exit_code == 0
    approver = "priya" if shape == "comply" else "dana"
    approved = repo.run("approve", "--all", who=approver)
    assert approved.exit_code == 0, approved.output
    repo.checkout("main")
    repo.merge("adopt", "Merge pull request #20 from adopt", who=approver)
    result = repo.run("audit", "--format", "json", who=approver)
    audit = json.loads(result.stdout)
    docs = {d["id"]: d for d in audit["documents"]}
    for ident in ids:
        revisions = [r for r in docs[ident]["revisions"] if r["revision"] is not None]
        assert [r["revision"] for r in revisions] == [1], ident
        assert revisions[0]["approvals"][0]["valid"] is True
        assert revisions[0]["approvals"][0]["evidence"] == "approval-commit"
        assert docs[ident]["state"] == "effective"
    assert [f for f in audit["findings"] if f["id"] in ids or f["path"] == "sms-docs.yml"] == []
    built = repo.run("build", who=approver)
    assert built.exit_code == 0, built.output
    config = yaml.safe_load((repo.path / "sms-docs.yml").read_text())
    prefixes = {t["prefix"]: name for name, t in config["types"].items()}
    for ident in ids:
        page = repo.path / "site" / prefixes[ident.split("-")[0]] / ident / "index.html"
        assert page.is_file(), page


def test_a_folder_name_with_spaces_becomes_a_plain_type_folder_and_a_skipped_file_is_flagged(tmp_path: Path) -> None:
    repo = shapes.new_repo(tmp_path / "spaces")
    shapes.commit(repo, "Policies", {"Security Policies/Acceptable Use.md": "# Acceptable use\n\n" + shapes.LONG,
                                     "Security Policies/draft-ideas.md": "not a policy yet\n"},
                  author=shapes.PEOPLE["dana"])
    mapping = tmp_path / "adopt.yml"
    mapping.write_text("files:\n  Security Policies/draft-ideas.md: {skip: true}\n")
    data = plan(repo, "--mapping", str(mapping))
    files = by_path(data)
    assert files["Security Policies/Acceptable Use.md"]["new_path"] == "security-policies/POL-001-acceptable-use.md"
    assert data["types"]["policy"]["folder"] == "security-policies"
    assert not any("front-matter-missing" in n for n in files["Security Policies/draft-ideas.md"]["notes"])
    adopt(repo, "--mapping", str(mapping), who="dana")
    assert repo.run("check", who="dana").exit_code == 0


def test_a_skipped_markdown_file_left_in_a_document_folder_is_a_note(plain: Repo, tmp_path: Path) -> None:
    mapping = tmp_path / "adopt.yml"
    mapping.write_text("files:\n  policies/password.md: {skip: true}\n")
    password = by_path(plan(plain, "--mapping", str(mapping)))["policies/password.md"]
    assert password["action"] == "skip"
    assert any("front-matter-missing" in n for n in password["notes"])


def test_json_without_dry_run_or_yes_is_a_usage_error(plain: Repo) -> None:
    result = plain.run("adopt", "--format", "json", "--branch", "adopt", who="omar")
    assert result.exit_code == 2 and "--format json needs --dry-run or --yes" in result.output


def test_a_master_branch_is_the_main_branch_and_an_existing_mkdocs_yml_is_a_note(plain: Repo) -> None:
    plain.git("branch", "-m", "main", "master")
    shapes.commit(plain, "Site", {"mkdocs.yml": "site_name: Policies\n"}, author=shapes.PEOPLE["dana"])
    data = plan(plain)
    assert data["main_branch"] == "master"
    assert any(n.startswith("decide: mkdocs.yml exists") for n in data["notes"])
    on_master = plain.run("adopt", "--yes", who="omar")
    assert on_master.exit_code == 1 and "you are on master" in on_master.output


def test_accepting_the_prompt_adopts(plain: Repo) -> None:
    result = plain.run("adopt", "--branch", "adopt", who="omar", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Committed" in result.output and (plain.path / "sms-docs.yml").is_file()


def test_paths_limit_the_adoption_and_what_is_left_in_a_document_folder_is_a_note(plain: Repo) -> None:
    data = plan(plain, "policies")
    assert {f["path"] for f in data["files"]} == {"policies/access-control.md", "policies/password.md",
                                                 "policies/remote-working.md"}
    assert any("procedures/incident-response.md" in n for n in data["notes"])


def test_a_commit_that_fails_leaves_the_tree_as_it_was(plain: Repo) -> None:
    plain.git("config", "commit.gpgsign", "true")
    plain.git("config", "gpg.program", "false")  # signing fails, so the commit does
    result = plain.run("adopt", "--yes", "--branch", "adopt", who="omar")
    assert result.exit_code == 3 and "git commit failed" in result.output
    assert plain.git("status", "--porcelain", "--untracked-files=all") == ""
    assert (plain.path / "policies/access-control.md").is_file()
    assert not (plain.path / "sms-docs.yml").exists()
    assert plain.git("rev-parse", "adopt") == plain.git("rev-parse", "main")
