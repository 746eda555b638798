"""Findings that follow from another are grouped under their cause (`sms_docs.causes`): one bad value in
sms-docs.yml, one person removed, one missing document or type never buries the real cause under dozens
of follow-on findings."""

from __future__ import annotations

import json
from typing import Any, TYPE_CHECKING

from conftest import CONFIG, doc
from sms_docs.causes import group
from sms_docs.model import error, warning

if TYPE_CHECKING:
    from conftest import Repo


def check(repo: Repo, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = repo.run("check", "--format", "json", *args)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def procedures_cited_by_policies(repo: Repo, n: int = 6) -> None:
    files: dict[str, str | bytes | None] = {}
    for i in range(1, n + 1):
        files[f"procedures/PRC-{i:03d}-p.md"] = doc(f"PRC-{i:03d}", f"Procedure {i}", type="procedure", owner="omar")
        files[f"policies/POL-{i:03d}-p.md"] = doc(f"POL-{i:03d}", f"Policy {i}", related=[f"PRC-{i:03d}"])
    repo.write(files)


def test_a_bad_type_value_is_the_one_finding_and_counts_what_follows(repo: Repo) -> None:
    procedures_cited_by_policies(repo)
    assert check(repo) == (0, [])
    bad = CONFIG.replace("approvers: [sms-manager, process-owner], min_approvals: 1", "approvers: [sms-manager, process-owner], min_approvals: two")
    repo.write({"sms-docs.yml": bad})
    code, findings = check(repo)
    assert code == 1
    assert [f["code"] for f in findings] == ["config-error"]  # the cause, and nothing before or after it
    cause = findings[0]
    assert cause["path"] == "sms-docs.yml" and cause["line"] == 16
    assert "types.procedure.min_approvals: 'two'" in cause["message"]
    assert "6 findings that follow from it (broken-reference) are left out, in 6 files" in cause["message"]
    assert "policies/POL-001-p.md" in cause["message"] and "and 3 more" in cause["message"]
    # Every one of them, on request; the cause still comes first.
    code, every = check(repo, "--all-findings")
    assert code == 1
    assert [f["code"] for f in every] == ["config-error"] + ["broken-reference"] * 6
    text = repo.run("check")
    assert text.output.splitlines()[0] == "sms-docs.yml"
    assert "6 follow-on findings grouped under their cause (--all-findings lists them)" in text.output


def test_a_person_removed_is_one_finding_naming_the_other_files(repo: Repo) -> None:
    procedures_cited_by_policies(repo, 5)
    repo.write({"sms-docs.yml": CONFIG.replace("  - {id: omar, name: Omar Haddad, email: omar@example.com, roles: [sms-manager, process-owner]}\n", "")})
    code, findings = check(repo)
    assert code == 1
    owners = [f for f in findings if f["code"] == "unknown-person"]
    assert len(owners) == 1
    first = owners[0]
    assert first["path"] == "procedures/PRC-001-p.md" and first["line"] == 5
    assert "owner 'omar' is not in sms-docs.yml people" in first["message"]
    assert "the same in 4 more places, in 4 files: procedures/PRC-002-p.md" in first["message"]
    assert "sms-docs owners reassign omar NEW" in first["message"]
    _, every = check(repo, "--all-findings")
    assert len([f for f in every if f["code"] == "unknown-person"]) == 5


def test_a_bad_person_entry_in_the_configuration_is_the_cause(repo: Repo) -> None:
    procedures_cited_by_policies(repo, 3)
    repo.write({"sms-docs.yml": CONFIG.replace("{id: omar, name: Omar Haddad, email: omar@example.com,", "{id: omar, name: Omar Haddad, email: 42,")})
    code, findings = check(repo)
    assert code == 1
    assert [f["code"] for f in findings] == ["config-error"]
    assert "people[2].email" in findings[0]["message"] and "3 findings that follow from it (unknown-person)" in findings[0]["message"]


def test_one_unknown_type_in_many_files_is_one_finding(repo: Repo) -> None:
    repo.write({f"policies/POL-00{i}-m.md": doc(f"POL-00{i}", "Memo", type="memo") for i in range(1, 5)})
    code, findings = check(repo)
    assert code == 1
    types = [f for f in findings if f["code"] == "unknown-type"]
    assert len(types) == 1 and "the same in 3 more places" in types[0]["message"]


def test_a_missing_document_cited_by_many_is_one_finding(repo: Repo) -> None:
    repo.write({f"policies/POL-00{i}-m.md": doc(f"POL-00{i}", "P", related=["PRC-077"]) for i in range(1, 4)})
    code, findings = check(repo)
    assert code == 1
    assert len(findings) == 1
    assert findings[0]["code"] == "broken-reference" and "the same in 2 more places" in findings[0]["message"]


def test_unrelated_findings_are_not_grouped(repo: Repo) -> None:
    # Two different missing people, two different missing documents: four findings, each as it was.
    repo.write({"policies/POL-001-a.md": doc("POL-001", "A", owner="zed", related=["POL-090"]),
                "policies/POL-002-b.md": doc("POL-002", "B", owner="yan", related=["POL-091"])})
    code, findings = check(repo)
    assert code == 1
    assert len(findings) == 4
    assert not any("the same in" in f["message"] or "follow from it" in f["message"] for f in findings)
    assert "grouped" not in repo.run("check").output


def test_the_rule_itself() -> None:
    cfg = error("config-error", "types.x.prefix: bad", path="sms-docs.yml", line=3, cause="type:x")
    cfg2 = error("config-error", "types.x.folder: bad", path="sms-docs.yml", line=4, cause="type:x")
    follow = [error("unknown-type", "type 'x'", path=f"p/{i}.md", cause="type:x") for i in range(5)]
    alone = warning("unknown-clause", "clause", path="p/0.md")
    same = [error("unknown-person", "owner 'q'", path=f"p/{i}.md", cause="person:q") for i in range(2)]
    out = group([*follow, alone, *same, cfg, cfg2])
    assert out[0].path == out[1].path == "sms-docs.yml"  # the configuration first, never left out
    assert "5 findings that follow from it (unknown-type) are left out, in 5 files" in out[0].message
    assert out[1] == cfg2 and out[1].message == cfg2.message
    assert out[2:] == [alone, out[3]] and "the same in 1 more place, in 1 file: p/1.md" in out[3].message
    assert out[3].severity == same[0].severity and out[3].path == "p/0.md"
    assert group([*follow, cfg], expand=True) == [cfg, *follow]
