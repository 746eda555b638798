"""`coverage` and the clause catalogues: the starter SMS once approved covers every clause and every
mandatory item of both editions; a missing mandatory document exits 1 naming the gap; only
effective revisions count; the 2011 crosswalk; the loader."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import CONFIG, Repo, doc
from sms_docs import clauses
from sms_docs.cli import cli
from sms_docs.coverage import compute_from
from sms_docs.errors import UsageError

AS_OF = "2026-02-01"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The people of the starter sms-docs.yml (Harbourline Services Ltd).
HARBOUR = {"dana": "Dana Reyes", "priya": "Priya Nair", "omar": "Omar Haddad", "lena": "Lena Fischer",
           "marcus": "Marcus Bell", "sofia": "Sofia Alvarez", "kwame": "Kwame Mensah", "ines": "Ines Duarte",
           "tom": "Tom Walsh"}


@dataclass
class Harbour(Repo):
    """A repository made by `init` from the starter SMS: people are the starter's."""

    def env(self, who: str = "dana", date: str | None = None, committer: str | None = None) -> dict[str, str]:
        out = super().env(who, date, committer)
        for role, person in (("AUTHOR", who), ("COMMITTER", committer or who)):
            name = HARBOUR[person]
            out[f"GIT_{role}_NAME"] = name
            out[f"GIT_{role}_EMAIL"] = name.lower().replace(" ", ".") + "@harbourline.example"
        return out


def starter(tmp_path: Path, *, edit: dict[str, Any] | None = None, standard_2011: bool = False,
            approvers: tuple[str, ...] = ("dana", "omar")) -> Harbour:
    """`init`, then the whole starter set committed by tom on a branch, approved with `approve --all`
    by enough people, and merged into main (the first approved merge)."""
    path = tmp_path / "sms"
    result = CliRunner().invoke(cli, ["init", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    r = Harbour(path)
    r.git("commit", "-q", "--allow-empty", "-m", "Start the document repository", who="tom")
    r.branch("first-document-set")
    if standard_2011:
        config = (path / "sms-docs.yml").read_text(encoding="utf-8")
        assert "standard: iso20000-1:2018" in config
        r.write({"sms-docs.yml": config.replace("standard: iso20000-1:2018", "standard: iso20000-1:2011")})
    if edit:
        r.write(edit)
    r.commit("Adopt the starter service management system", who="tom")
    for who in approvers:
        res = r.run("approve", "--all", who=who)
        assert res.exit_code == 0, res.output
    r.checkout("main")
    r.merge("first-document-set", who="dana")
    return r


def coverage_json(r: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    res = r.run("coverage", "--format", "json", "--as-of", AS_OF, *args)
    return res.exit_code, json.loads(res.stdout)


# --- the starter SMS ---------------------------------------------------------------------------


def test_starter_once_approved_covers_all_of_2018(tmp_path: Path) -> None:
    r = starter(tmp_path)
    status = r.json("status", "--as-of", AS_OF)
    assert {d["state"] for d in status["documents"]} == {"effective"}
    code, data = coverage_json(r)
    assert code == 0
    assert data["standard"] == "iso20000-1:2018" and data["as_of"] == AS_OF
    assert data["gaps"] == []
    assert data["clauses"] and all(c["covered"] and c["documents"] for c in data["clauses"])
    assert [m["id"] for m in data["mandatory"]] == [f"7.5.4 {x}" for x in "abcdefghijkl"]
    assert all(m["covered"] for m in data["mandatory"])
    assert set(data) >= {"standard", "as_of", "clauses", "mandatory", "gaps"}
    assert set(data["clauses"][0]) >= {"number", "title", "documented", "documents", "covered"}
    assert set(data["mandatory"][0]["parts"][0]) >= {"title", "documents", "covered"}
    # The information security policy is what covers that part of 7.5.4 d.
    d = next(m for m in data["mandatory"] if m["id"] == "7.5.4 d")
    part = next(p for p in d["parts"] if p["title"] == "Information security policy")
    assert part["documents"] == ["POL-003"]
    text = r.run("coverage", "--as-of", AS_OF)
    assert text.exit_code == 0
    assert "no gaps" in text.output and "Information security policy" in text.output
    assert r.run("coverage", "--strict", "--as-of", AS_OF).exit_code == 0


def test_starter_covers_all_of_2011_through_the_crosswalk(tmp_path: Path) -> None:
    # The standard is changed in sms-docs.yml in the same change, and approved with it.
    r = starter(tmp_path, standard_2011=True)
    history = r.json("history", "sms-docs.yml", "--as-of", AS_OF)
    assert history["revisions"][-1]["revision"] is not None
    code, data = coverage_json(r)
    assert code == 0
    assert data["standard"] == "iso20000-1:2011"
    assert data["gaps"] == []
    assert [m["id"] for m in data["mandatory"]] == [f"4.3.1 {x}" for x in "abcdefg"]
    assert all(c["covered"] for c in data["clauses"])
    # 2011 9.2 (change management) is covered by what cites 2018 8.5.1.x, not by the internal audit
    # procedure, which cites 2018 9.2.
    change = next(c for c in data["clauses"] if c["number"] == "9.2")
    assert "PRC-005" in change["documents"] and "PRC-016" not in change["documents"]


def test_a_missing_mandatory_document_exits_1_naming_the_gap(tmp_path: Path) -> None:
    security = next((PROJECT_ROOT / "policies").glob("POL-003-*.md")).relative_to(PROJECT_ROOT).as_posix()
    assert "8.7.3.1" in (PROJECT_ROOT / security).read_text(encoding="utf-8")
    r = starter(tmp_path, edit={security: None})
    code, data = coverage_json(r)
    assert code == 1
    assert data["ok"] is False
    missing = [g for g in data["gaps"] if g["severity"] == "error"]
    assert [(g["ref"], g["part"]) for g in missing] == [("7.5.4 d", "Information security policy")]
    item = next(m for m in data["mandatory"] if m["id"] == "7.5.4 d")
    assert item["covered"] is False
    text = r.run("coverage", "--as-of", AS_OF)
    assert text.exit_code == 1
    assert "7.5.4 d Information security policy: no effective document cites 8.7.3.1" in text.output
    assert "MISSING" in text.output
    # Measured against the other edition, the same hole is named in its terms.
    code, data = coverage_json(r, "--standard", "iso20000-1:2011")
    assert code == 1 and data["standard"] == "iso20000-1:2011"
    assert [(g["ref"], g["part"]) for g in data["gaps"] if g["severity"] == "error"] == [
        ("4.3.1 c", "Information security policy")]


# --- what counts: effective revisions only ------------------------------------------------------


def land(r: Repo, branch: str, files: dict[str, str | None], approvers: tuple[str, ...] = ("dana",),
         author: str = "eve") -> None:
    r.branch(branch)
    r.commit(f"Change on {branch}", files, who=author)
    for who in approvers:
        res = r.run("approve", "--all", who=who)
        assert res.exit_code == 0, res.output
    r.checkout("main")
    r.merge(branch, who="dana")


POL1 = "policies/POL-001-service-management-policy.md"
POL2 = "policies/POL-002-information-security-policy.md"
POL3 = "policies/POL-003-change-policy.md"
PRC1 = "procedures/PRC-001-change-management.md"


@pytest.fixture
def small(repo: Repo) -> Repo:
    repo.git("commit", "-q", "--allow-empty", "-m", "Root", who="eve")
    land(repo, "first", {
        "sms-docs.yml": CONFIG,
        POL1: doc("POL-001", "Service management policy", clauses=["5.2", "6.2", "7.5.4 b"]),
        PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar", clauses=["8.5.1.2"]),
    }, approvers=("dana", "omar"))
    return repo


def test_only_effective_documents_count_and_drafts_are_pending(small: Repo) -> None:
    small.branch("draft")
    small.commit("Draft security policy", {POL2: doc("POL-002", "Information security policy", clauses=["8.7.3.1"])},
                 who="eve")
    small.checkout("main")
    small.merge("draft", who="dana")  # merged without approval: on the main line, but a draft
    code, data = coverage_json(small)
    assert code == 1
    assert "POL-002" not in data["documents"]
    d = next(m for m in data["mandatory"] if m["id"] == "7.5.4 d")
    part = next(p for p in d["parts"] if p["title"] == "Information security policy")
    assert part["documents"] == [] and part["pending"] == ["POL-002"] and part["covered"] is False
    gap = next(g for g in data["gaps"] if g["part"] == "Information security policy")
    assert gap["pending"] == ["POL-002"] and "not yet in effect: POL-002" in gap["message"]
    # The policy counts once it is approved.
    small.branch("approve-it")
    assert small.run("approve", "POL-002", who="priya").exit_code == 0
    small.checkout("main")
    small.merge("approve-it", who="dana")
    code, data = coverage_json(small)
    part = next(p for p in next(m for m in data["mandatory"] if m["id"] == "7.5.4 d")["parts"]
                if p["title"] == "Information security policy")
    assert part["documents"] == ["POL-002"] and part["pending"] == []


def test_clause_covered_by_sub_clause_and_parts_need_exact_citations(small: Repo) -> None:
    code, data = coverage_json(small)
    rows = {c["number"]: c for c in data["clauses"]}
    # PRC-001 cites 8.5.1.2: that covers 8.5.1, 8.5 and 8, not 8.5.1.1 or 8.5.1.3.
    for number in ("8", "8.5", "8.5.1", "8.5.1.2"):
        assert rows[number]["documents"] == ["PRC-001"], number
    assert rows["8.5.1.1"]["covered"] is False and rows["8.5.1.3"]["covered"] is False
    # POL-001 cites "7.5.4 b": a lettered item covers its clause 7.5.4 and the parents.
    assert rows["7.5.4"]["documents"] == ["POL-001"] and rows["7"]["documents"] == ["POL-001"]
    assert rows["7.5.1"]["covered"] is False
    b = next(m for m in data["mandatory"] if m["id"] == "7.5.4 b")
    assert b["covered"] is True
    e = next(m for m in data["mandatory"] if m["id"] == "7.5.4 e")
    change = next(p for p in e["parts"] if p["title"] == "Change management process")
    assert change["documents"] == ["PRC-001"]
    assert next(p for p in e["parts"] if p["title"] == "Incident management process")["covered"] is False
    # An uncited clause is a warning-level gap; a missing mandatory part an error.
    kinds = {(g["kind"], g["severity"]) for g in data["gaps"]}
    assert kinds == {("mandatory", "error"), ("clause", "warning")}
    assert code == 1


def test_a_changed_document_counts_with_its_effective_revision(small: Repo) -> None:
    small.branch("edit")
    small.commit("Cite the information security policy clause",
                 {POL1: doc("POL-001", "Service management policy", clauses=["5.2", "6.2", "7.5.4 b", "8.7.3.1"])},
                 who="eve")
    small.checkout("main")
    small.merge("edit", who="dana")  # unapproved edit: POL-001 is `changed`
    assert small.json("status", "POL-001", "--as-of", AS_OF)["documents"][0]["state"] == "changed"
    _code, data = coverage_json(small)
    assert "POL-001" in data["documents"]
    rows = {c["number"]: c for c in data["clauses"]}
    assert rows["5.2"]["documents"] == ["POL-001"]
    assert rows["8.7.3.1"]["documents"] == [] and rows["8.7.3.1"]["pending"] == ["POL-001"]


def test_obsolete_and_not_yet_effective_documents_do_not_count(small: Repo) -> None:
    land(small, "withdraw", {
        POL3: doc("POL-003", "Change policy", clauses=["8.5.1.1"], effective="2026-03-01"),
        PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar", clauses=["8.5.1.2"],
                  status="obsolete", withdrawn_reason="Merged into the change policy"),
    }, approvers=("dana", "omar"))
    _, data = coverage_json(small)
    assert "PRC-001" not in data["documents"]
    assert "POL-003" not in data["documents"]  # approved, effective only from 2026-03-01
    rows = {c["number"]: c for c in data["clauses"]}
    assert rows["8.5.1.2"]["covered"] is False
    _code, later = coverage_json(small, "--as-of", "2026-03-02")
    rows = {c["number"]: c for c in later["clauses"]}
    assert rows["8.5.1.1"]["documents"] == ["POL-003"]


def test_unknown_citations_are_listed(small: Repo) -> None:
    land(small, "typo", {POL2: doc("POL-002", "Information security policy", clauses=["8.7.3.1", "8.9.1"])},
         approvers=("dana",))
    _, data = coverage_json(small)
    assert data["unknown_citations"] == [{"document": "POL-002", "clause": "8.9.1"}]
    text = small.run("coverage", "--as-of", AS_OF).output
    assert "POL-002: 8.9.1" in text
    # No unknown citation in the clean starter-style case.
    _code, data = coverage_json(small, "--ref", "main~1")
    assert data["unknown_citations"] == []


def test_text_gaps_only(small: Repo) -> None:
    res = small.run("coverage", "--gaps", "--as-of", AS_OF)
    assert res.exit_code == 1
    assert "Clauses (" not in res.output and "Gaps" in res.output
    assert "7.5.4 a Scope statement: no effective document cites 4.3, 7.5.4 a" in res.output


def test_an_uncited_clause_is_a_warning_that_fails_only_under_strict(tmp_path: Path) -> None:
    # Document control stops citing 7.5.1: every mandatory item is still covered.
    name = "procedures/PRC-001-document-control.md"
    text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
    assert '"7.5.1", ' in text
    r = starter(tmp_path, edit={name: text.replace('"7.5.1", ', "", 1)})
    code, data = coverage_json(r)
    assert code == 0 and data["ok"] is True
    assert [(g["kind"], g["ref"], g["severity"]) for g in data["gaps"]] == [("clause", "7.5.1", "warning")]
    res = r.run("coverage", "--strict", "--as-of", AS_OF)
    assert res.exit_code == 1 and "7.5.1 General" in res.output


def test_coverage_help_has_examples() -> None:
    res = CliRunner().invoke(cli, ["coverage", "--help"])
    assert res.exit_code == 0 and "Examples:" in res.output and "sms-docs coverage --gaps" in res.output


def test_outside_a_repository_exits_3(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["-C", str(tmp_path), "coverage"])
    assert res.exit_code == 3 and "Traceback" not in res.output


# --- the pure computation and the crosswalk ---------------------------------------------------


def test_2011_reads_2018_citations_through_the_crosswalk() -> None:
    cov = compute_from("iso20000-1:2011", {"PRC-016": ["9.2"], "POL-003": ["8.7.3.1"]})
    rows = {c.number: c for c in cov.clauses}
    # 2018 9.2 is internal audit: it covers 2011 4.5.4.2 and its parents, never 2011 9.2.
    assert rows["4.5.4.2"].documents == ("PRC-016",)
    assert rows["4.5.4"].documents == ("PRC-016",) and rows["4"].documents == ("PRC-016",)
    assert rows["9.2"].documents == () and rows["9"].documents == ()
    assert rows["6.6.1"].documents == ("POL-003",) and rows["6.6"].documents == ("POL-003",)
    c = next(m for m in cov.mandatory if m.id == "4.3.1 c")
    assert next(p for p in c.parts if p.title == "Information security policy").documents == ("POL-003",)


def test_2011_numbers_that_2018_lacks_are_read_as_2011() -> None:
    cov = compute_from("iso20000-1:2011", {"POL-009": ["6.6.1", "4.5.4.2"]})
    rows = {c.number: c for c in cov.clauses}
    assert rows["6.6.1"].documents == ("POL-009",) and rows["6"].documents == ("POL-009",)
    assert rows["4.5.4.2"].documents == ("POL-009",) and rows["4"].documents == ("POL-009",)
    # ... and stand for their 2018 counterparts in the mandatory items.
    c = next(m for m in cov.mandatory if m.id == "4.3.1 c")
    assert next(p for p in c.parts if p.title == "Information security policy").documents == ("POL-009",)
    assert cov.unknown == ()
    # Under 2018 the same citations are not 2018 clauses: reported, never counted.
    cov18 = compute_from("iso20000-1:2018", {"POL-009": ["6.6.1", "8.7.3.1"]})
    assert [(u.document, u.citation) for u in cov18.unknown] == [("POL-009", "6.6.1")]


def test_compute_from_to_json_shape_and_ok() -> None:
    import datetime as dt

    cov = compute_from("iso20000-1:2018", {}, ref="main", as_of=dt.date(2026, 1, 1))
    data = cov.to_json()
    assert data["as_of"] == "2026-01-01" and data["ref"] == "main" and data["ok"] is False
    assert len([g for g in data["gaps"] if g["severity"] == "error"]) == sum(len(m.parts) for m in cov.mandatory)
    json.dumps(data)


# --- the catalogues -----------------------------------------------------------------------------


def test_both_catalogues_load_once_and_hang_together() -> None:
    new, old = clauses.load("iso20000-1:2018"), clauses.load("iso20000-1:2011")
    assert clauses.load("iso20000-1:2018") is new  # cached
    assert new.clause("8.7.3.1") and new.clause("8.7.3.1").documented
    numbers = [c.number for c in new.clauses]
    assert len(numbers) == len(set(numbers))
    # Every clause a mandatory part names is a 2018 clause or a 2018 7.5.4 item (2011 parts too).
    for cat in (new, old):
        for item in cat.mandatory:
            for part in item.parts:
                for c in part.clauses:
                    assert new.knows(c), (cat.standard, item.id, c)
    # The crosswalk points at 2018 clauses only, and every 2011 clause has one.
    for clause in old.clauses:
        assert clause.maps_to, clause.number
        for target in clause.maps_to:
            assert new.clause(target) is not None, (clause.number, target)


def test_within_and_unknown_standard() -> None:
    assert clauses.within("8.5.1.2", "8.5") and clauses.within("7.5.4 a", "7.5.4")
    assert not clauses.within("8.50", "8.5") and not clauses.within("8", "8.5")
    with pytest.raises(UsageError):
        clauses.load("iso9001:2015")


def test_catalogue_ships_as_package_data() -> None:
    import importlib.resources

    names = {p.name for p in importlib.resources.files("sms_docs.clauses").iterdir()}
    assert {"iso20000-1-2018.yml", "iso20000-1-2011.yml"} <= names
    assert os.sep not in clauses.file_name("iso20000-1:2011")


def test_the_clause_index_finds_exactly_what_asking_every_document_about_every_clause_finds() -> None:
    """covering_clause reads an index of citation prefixes: the same documents as `within` for
    each pair, in both editions and through the crosswalk."""
    from sms_docs import clauses as clauses_mod
    from sms_docs.clauses import within
    from sms_docs.coverage import _Reading

    cites = ["8", "8.5", "8.5.1", "8.5.1.2 a", "8.50", "7.5.4 a", "4.1", "4.3.2", "4.3.2 h", "10.1", "1", "x.1", "8.5 b"]
    effective = {f"DOC-{i:03d}": [cites[(i * 7 + k) % len(cites)] for k in range(i % 4)] for i in range(40)}
    for standard in ("iso20000-1:2018", "iso20000-1:2011"):
        cat = clauses_mod.load(standard)
        reading = _Reading(cat, clauses_mod.load(clauses_mod.LATEST))
        read = reading.read(effective)
        for clause in cat.clauses:
            targets = reading._mapped(clause.number)
            expected = tuple(sorted(
                i for i, (new, old) in read.items()
                if (any(within(c, clause.number) for c in new) if not reading.crosswalk else
                    any(within(c, clause.number) for c in old) or any(within(c, t) for c in new for t in targets))))
            assert reading.covering_clause(read, clause.number) == expected, (standard, clause.number)
