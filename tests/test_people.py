"""`init --person/--people`: your people replace the starter's fictional ones and the starter documents
are assigned to them by role, so `check` is clean; `owners reassign` changes owners in bulk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from conftest import CONFIG, Repo, doc
from sms_docs.cli import cli
from sms_docs.frontmatter import load_yaml, split

DANA = "dana:Dana Reyes <dana@example.com>:top-management"
INES = "ines:Ines Duarte <ines@example.com>:document-controller,sms-manager,process-owner"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def front(path: Path) -> dict[str, Any]:
    value = load_yaml(split(path.read_text(encoding="utf-8")).front)
    assert isinstance(value, dict)
    return value


def owners(root: Path) -> dict[str, str]:
    return {p.name.split("-")[0] + "-" + p.name.split("-")[1]: front(p)["owner"]
            for folder in ("policies", "plans", "procedures", "agreements") for p in sorted((root / folder).glob("*.md"))
            if p.name != "README.md"}


def check_json(root: Path) -> tuple[int, dict[str, Any]]:
    result = run("-C", str(root), "check", "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def test_replacing_the_people_by_hand_is_what_init_spares_you(tmp_path: Path) -> None:
    # Before: the starter's documents are owned by its fictional people; your own people alone break them all.
    assert run("init", str(tmp_path / "sms")).exit_code == 0
    config = tmp_path / "sms" / "sms-docs.yml"
    text = config.read_text(encoding="utf-8")
    start, end = text.index("people:\n"), text.index("\nroles:")
    config.write_text(text[:start] + "people:\n  - {id: me, name: Me, email: me@example.com, roles: [top-management]}\n" + text[end:],
                      encoding="utf-8")
    code, data = check_json(tmp_path / "sms")
    assert code == 1 and {f["code"] for f in data["findings"]} == {"unknown-person"}


def test_init_with_people_checks_clean_and_assigns_by_role(tmp_path: Path) -> None:
    target = tmp_path / "sms"
    result = run("init", str(target), "--org", "Example Services Ltd", "--person", DANA, "--person", INES)
    assert result.exit_code == 0, result.output
    assert "People: dana, ines" in result.output
    code, data = check_json(target)
    assert (code, data["findings"]) == (0, []), data["findings"]
    assert data["documents"] == 36
    config = load_yaml((target / "sms-docs.yml").read_text(encoding="utf-8"))
    assert [(p["id"], p["email"], p["roles"]) for p in config["people"]] == [
        ("dana", "dana@example.com", ["top-management"]),
        ("ines", "ines@example.com", ["document-controller", "sms-manager", "process-owner"])]
    assert "# sms-docs configuration" in (target / "sms-docs.yml").read_text(encoding="utf-8")  # comments kept
    found = owners(target)
    assert set(found.values()) == {"dana", "ines"}
    # The starter's top-management owners (dana, priya) -> dana; its process owners and SMS manager -> ines.
    assert found["POL-001"] == "dana" and found["PRC-002"] == "ines" and found["PRC-001"] == "ines"
    # The body is untouched.
    assert (target / "policies/POL-001-service-management-policy.md").read_text(encoding="utf-8").split("---", 2)[2] == \
        (Path(__file__).parents[1] / "policies/POL-001-service-management-policy.md").read_text(encoding="utf-8").split("---", 2)[2]


def test_init_with_a_people_file_adds_new_roles_and_warns_of_roles_nobody_holds(tmp_path: Path) -> None:
    people = tmp_path / "people.yml"
    people.write_text("- id: ceo\n  name: Chief Executive\n  email: ceo@example.com\n  roles: [top-management, board]\n"
                      "  github: ceo-gh\n", encoding="utf-8")
    result = run("init", str(tmp_path / "sms"), "--people", str(people))
    assert result.exit_code == 0, result.output
    assert "nobody holds the role 'process-owner', which approves procedure" in result.output
    code, data = check_json(tmp_path / "sms")
    assert (code, data["findings"]) == (0, [])
    config = load_yaml((tmp_path / "sms" / "sms-docs.yml").read_text(encoding="utf-8"))
    assert config["roles"]["board"] == "Board" and config["people"][0]["github"] == "ceo-gh"
    assert set(owners(tmp_path / "sms").values()) == {"ceo"}


def test_init_refuses_bad_people_and_writes_nothing(tmp_path: Path) -> None:
    for args, words in [(["--person", "dana Dana <dana@example.com>"], "expected id:Name <email>:role,role"),
                        (["--person", "Dana:Dana <dana@example.com>:x"], "lower-case"),
                        (["--person", DANA, "--person", DANA.replace("Dana Reyes", "Other")], "given twice")]:
        target = tmp_path / "x"
        result = run("init", str(target), *args)
        assert result.exit_code == 2, result.output
        assert words in result.output and "Traceback" not in result.output
        assert not target.exists() or not any(target.iterdir())
    bad = tmp_path / "bad.yml"
    bad.write_text("- id: a\n  name: A\n", encoding="utf-8")
    result = run("init", str(tmp_path / "y"), "--people", str(bad))
    assert result.exit_code == 2 and "line 1: each person needs id and email" in result.output


# --- owners reassign --------------------------------------------------------------------------------


def with_documents(repo: Repo) -> Repo:
    repo.write({"policies/POL-001-a.md": doc("POL-001", "A", owner="omar").replace("type: policy", "type: policy  # kept"),
                "policies/POL-002-b.md": doc("POL-002", "B", owner="omar", status="obsolete", withdrawn_reason="Gone"),
                "procedures/PRC-001-c.md": doc("PRC-001", "C", type="procedure", owner="omar", body="Body *kept*.\n"),
                "procedures/PRC-002-d.md": doc("PRC-002", "D", type="procedure", owner="lena")})
    repo.commit("Start")
    return repo


def test_owners_reassign_rewrites_only_the_owner_and_commits_nothing(repo: Repo) -> None:
    with_documents(repo)
    head = repo.git("rev-parse", "HEAD")
    before = {p: (repo.path / p).read_bytes() for p in ("policies/POL-001-a.md", "procedures/PRC-001-c.md")}
    result = repo.run("owners", "reassign", "omar", "lena")
    assert result.exit_code == 0, result.output
    assert "POL-001   policies/POL-001-a.md: owner omar -> lena" in result.output
    assert "POL-002   policies/POL-002-b.md: skipped (obsolete" in result.output
    assert "2 documents changed, 1 skipped; nothing committed" in result.output
    for path, old in before.items():
        assert (repo.path / path).read_bytes() == old.replace(b"owner: omar", b"owner: lena")  # comments and body kept
    assert b"owner: omar" in (repo.path / "policies/POL-002-b.md").read_bytes()
    assert repo.git("rev-parse", "HEAD") == head
    assert repo.run("check").exit_code == 0


def test_owners_reassign_dry_run_type_and_json(repo: Repo) -> None:
    with_documents(repo)
    data = repo.json("owners", "reassign", "omar", "dana", "--type", "procedure", "--dry-run")
    assert data == {"old": "omar", "new": "dana", "type": "procedure", "dry_run": True,
                    "changed": [{"id": "PRC-001", "path": "procedures/PRC-001-c.md"}], "skipped": []}
    assert b"owner: omar" in (repo.path / "procedures/PRC-001-c.md").read_bytes()
    assert repo.git("status", "--porcelain") == ""
    data = repo.json("owners", "reassign", "omar", "dana", "--type", "procedure")
    assert data["dry_run"] is False and [c["id"] for c in data["changed"]] == ["PRC-001"]
    assert repo.git("status", "--porcelain") == "M procedures/PRC-001-c.md"
    assert b"owner: omar" in (repo.path / "policies/POL-001-a.md").read_bytes()  # another type: untouched


def test_owners_reassign_after_the_old_owner_left(repo: Repo) -> None:
    with_documents(repo)
    repo.write({"sms-docs.yml": CONFIG.replace("  - {id: omar, name: Omar Haddad, email: omar@example.com, roles: [sms-manager, process-owner]}\n", "")})
    assert repo.run("check").exit_code == 1
    result = repo.run("owners", "reassign", "omar", "lena")
    assert result.exit_code == 0, result.output
    code = repo.run("check")
    assert code.exit_code == 1 and "'omar'" in code.output  # only the obsolete POL-002 is left, as it must be
    assert "policies/POL-002-b.md" in code.output and "POL-001" not in code.output


def test_owners_reassign_refuses_an_unknown_new_owner(repo: Repo) -> None:
    with_documents(repo)
    for args, words in [(["omar", "zed"], "zed is not a person in sms-docs.yml"),
                        (["omar", "lena", "--type", "memo"], "unknown type 'memo'"),
                        (["omar", "omar"], "the same person")]:
        result = repo.run("owners", "reassign", *args)
        assert result.exit_code == 2, result.output
        assert words in result.output
    assert repo.git("status", "--porcelain") == ""
