"""The pure parts of adoption: people from git history, classifications and types from folders,
clauses from comply's `satisfies`, IDs kept from file names. No git: facts are given."""

from __future__ import annotations

import pytest

from sms_docs.adopt import people
from sms_docs.adopt.mapping import Mapping
from sms_docs.adopt.plan import Facts, Options, make_plan
from sms_docs.errors import UsageError

DANA = {"id": "dana", "name": "Dana Reyes", "email": "dana@example.com", "roles": ["top-management"]}


def planned(files: dict[str, bytes], **options: object) -> dict[str, dict[str, object]]:
    facts = Facts(files=files, tracked=frozenset(files), authorship={}, mergers=[], repo_name="x")
    plan = make_plan(facts, Options(people=(DANA,), **options))  # type: ignore[arg-type]
    return {i.path: i.to_json() for i in plan.items}


def test_people_one_per_name_with_all_addresses_robots_left_out_mergers_approve() -> None:
    authorship = {
        "a.md": [("Dana Reyes", "dana@example.com", 1, 1), ("Dana Reyes", "dana@old.example", 2, 2),
                 ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", 3, 3)],
        "b.md": [("Omar Haddad", "1234+ohaddad@users.noreply.github.com", 4, 4)],
    }
    found, notes = people.infer(authorship, [("Dana Reyes", "dana@example.com"), ("GitHub", "noreply@github.com")])
    by_id = {p.id: p for p in found}
    assert set(by_id) == {"dana", "omar"}
    assert by_id["dana"].all_emails == ["dana@example.com", "dana@old.example"]
    assert by_id["dana"].roles == ["top-management"] and by_id["omar"].roles == ["process-owner"]
    assert by_id["omar"].github == "ohaddad"
    assert any("noreply@github.com" in n and "dependabot" in n for n in notes)


def test_person_ids_do_not_collide() -> None:
    assert people.person_id("Dana Reyes", "dana@x.example", ["dana"]) == "dana-reyes"
    assert people.person_id("Dana Reyes", "d.r@x.example", ["dana", "dana-reyes"]) == "d.r"
    assert people.person_id("Ünal Ölçer", "u@x.example", []) == "unal"


def test_classification_from_front_matter_or_folder_else_internal() -> None:
    files = planned({"policies/a.md": b"---\nconfidentiality: Confidential\n---\n# A\n",
                     "policies/public/b.md": b"# B\n", "policies/c.md": b"# C\n"})
    assert files["policies/a.md"]["classification"] == "confidential"
    assert files["policies/a.md"]["decided"]["classification"] == "front matter confidentiality"  # type: ignore[index]
    assert files["policies/public/b.md"]["classification"] == "public"
    assert files["policies/c.md"]["classification"] == "internal"
    assert files["policies/public/b.md"]["new_path"] == "policies/public/POL-003-b.md"


def test_an_id_in_the_file_name_is_kept_and_numbering_skips_it() -> None:
    files = planned({"policies/POL-002-access.md": b"# Access\n", "policies/backup.md": b"# Backup\n",
                     "policies/change.md": b"# Change\n"})
    assert files["policies/POL-002-access.md"]["id"] == "POL-002"
    assert files["policies/POL-002-access.md"]["new_path"] == "policies/POL-002-access.md"
    assert "former_paths" not in files["policies/POL-002-access.md"]["fields"]  # type: ignore[operator]
    assert (files["policies/backup.md"]["id"], files["policies/change.md"]["id"]) == ("POL-001", "POL-003")


def test_types_from_folder_words_file_names_and_unknown_folders() -> None:
    files = planned({"Runbooks/restore.md": b"# Restore\n", "incident-response-plan.md": b"# IR plan\n",
                     "hr/leave.md": b"# Leave\n", "docs/misc.md": b"# Misc\n", "LICENSE.md": b"MIT\n"})
    assert files["Runbooks/restore.md"]["type"] == "procedure"
    assert files["incident-response-plan.md"]["type"] == "plan"
    assert files["incident-response-plan.md"]["new_path"] == "plans/PLN-001-ir-plan.md"
    assert (files["hr/leave.md"]["type"], files["hr/leave.md"]["id"]) == ("hr", "HR-001")
    assert files["docs/misc.md"]["type"] == "policy"
    assert any(str(n).startswith("decide: the type") for n in files["docs/misc.md"]["notes"])  # type: ignore[attr-defined]
    assert files["LICENSE.md"]["action"] == "skip"


def test_satisfies_iso20000_2018_is_cited_as_is_and_2011_through_the_catalogue() -> None:
    data = (b"name: Change policy\nsatisfies:\n  ISO 20000-1:2018: ['8.5.1']\n  ISO20000-2011: ['9.2']\n"
            b"  SOC2: [CC8.1]\n---\nBody\n")
    fields = planned({"policies/change.md": data})["policies/change.md"]["fields"]
    assert fields["clauses"][0] == "8.5.1" and len(fields["clauses"]) > 1  # type: ignore[index]
    assert fields["x-satisfies"]["SOC2"] == ["CC8.1"]  # type: ignore[index]
    mapped = planned({"policies/change.md": data}, mapping=Mapping(crosswalk={"SOC2": {"CC8.1": ["8.5.1.3"]}}))
    assert "8.5.1.3" in mapped["policies/change.md"]["fields"]["clauses"]  # type: ignore[index]


def test_a_type_of_the_mapping_moves_its_files_and_a_bad_folder_is_a_usage_error() -> None:
    files = planned({"policies/a.md": b"# A\n"}, mapping=Mapping(types={"policy": {"folder": "docs/policies"}}))
    assert files["policies/a.md"]["new_path"] == "docs/policies/POL-001-a.md"
    with pytest.raises(UsageError, match=r"types\.policy\.folder"):
        planned({"policies/a.md": b"# A\n"}, mapping=Mapping(types={"policy": {"folder": "My Policies"}}))
    with pytest.raises(UsageError, match=r"types\.policy\.prefix"):
        planned({"policies/a.md": b"# A\n"}, mapping=Mapping(types={"policy": {"prefix": "pol"}}))


def test_a_folder_the_mapping_types_is_that_type_s_folder() -> None:
    mapping = Mapping(folders={"guides": {"type": "procedure"}})
    files = planned({"guides/restore.md": b"# Restore\n", "guides/sub/backup.md": b"# Backup\n"}, mapping=mapping)
    assert files["guides/restore.md"]["new_path"] == "guides/PRC-001-restore.md"
    assert files["guides/sub/backup.md"]["new_path"] == "guides/sub/PRC-002-backup.md"
    assert files["guides/restore.md"]["decided"]["type"] == "mapping"  # type: ignore[index]


def test_numbers_in_file_names_are_counted_as_numbers() -> None:
    files = planned({f"policies/policy-{n}.md": f"# Policy {n}\n".encode() for n in (1, 2, 10, 100)})
    assert [files[f"policies/policy-{n}.md"]["id"] for n in (1, 2, 10, 100)] == ["POL-001", "POL-002", "POL-003", "POL-004"]
