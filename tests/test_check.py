"""`sms-docs check`: every finding code on a crafted document, the JSON shape, PATH limits, the cache,
configuration errors, and the project's own starter SMS."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import CONFIG, Repo, doc
from sms_docs.cli import cli

PROJECT_ROOT = Path(__file__).resolve().parent.parent

POL1 = "policies/POL-001-service-management-policy.md"
POL2 = "policies/POL-002-old-change-policy.md"
POL3 = "policies/POL-003-change-policy.md"
PRC1 = "procedures/PRC-001-change-management.md"
EXT1 = "external/EXT-001-iso-20000-1.md"
COPY = "external/copies/iso-20000-1.pdf"
REV1 = "records/review/2026/REV-2026-0001.yml"
CHG1 = "records/change/2026/CHG-2026-0001.yml"

COPY_BYTES = b"%PDF-1.7 pretend copy of ISO/IEC 20000-1:2018\n"


def review_record(ident: str = "REV-2026-0001", *, created_by: str = "omar", subject: str = "POL-001",
                  type: str = "review", extra: str = "") -> str:
    return (f"id: {ident}\ntype: {type}\ndate: 2026-01-10\ncreated_by: {created_by}\nsubject: [{subject}]\n"
            f"outcome: no-change\nnotes: Still accurate.\n{extra}")


def clean_files() -> dict[str, str | bytes]:
    """A repository that exercises every check and passes them all: an obsolete document properly
    superseded, links and references between documents, an external document with a matching copy,
    records naming people, documents and the configuration file."""
    return {
        POL1: doc("POL-001", "Service management policy", clauses=["5.2"], related=["PRC-001"],
                  approvers=["top-management", "priya"],
                  body="Changes follow [the change procedure](../procedures/PRC-001-change-management.md).\n"),
        POL2: doc("POL-002", "Old change policy", status="obsolete", superseded_by="POL-003"),
        POL3: doc("POL-003", "Change policy", supersedes=["POL-002"], effective="2026-03-01",
                  x_department="Operations"),
        PRC1: doc("PRC-001", "Change management", type="procedure", owner="omar", related=["POL-001", "POL-003"],
                  body="See [the policy](../policies/POL-003-change-policy.md#scope) and\n"
                       "[the standard][iso].\n\n[iso]: ../external/EXT-001-iso-20000-1.md\n"),
        EXT1: doc("EXT-001", "ISO/IEC 20000-1:2018", type="external", owner="lena",
                  external={"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018",
                            "retrieved": "2025-11-01", "distribution": ["process-owner"], "copy": COPY,
                            "sha256": hashlib.sha256(COPY_BYTES).hexdigest()}),
        COPY: COPY_BYTES,
        REV1: review_record(),
        CHG1: "id: CHG-2026-0001\ntype: change\ndate: 2026-01-12\ncreated_by: system\n"
              "subject: [sms-docs.yml, POL-003]\nchange_type: normal\nsummary: Adopt the new change policy\n",
        "policies/README.md": "Not a controlled document: no front matter needed.\n",
    }


@pytest.fixture
def clean(repo: Repo) -> Repo:
    repo.write(clean_files())
    return repo


def check(repo: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    result = repo.run("check", "--format", "json", *args)
    assert "Traceback" not in result.output
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output}") from None
    return result.exit_code, data


def with_code(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["code"] == code]


# --- a clean repository ----------------------------------------------------------------------------


def test_clean_repository_has_no_findings(clean: Repo) -> None:
    code, data = check(clean)
    assert data == {"ok": True, "documents": 5, "records": 2, "findings": []}
    assert code == 0
    text = clean.run("check")
    assert text.exit_code == 0
    assert "no findings (5 documents, 2 records checked" in text.output


def test_clean_repository_fires_no_code_even_in_strict_mode(clean: Repo) -> None:
    result = clean.run("check", "--strict")
    assert result.exit_code == 0, result.output


def test_json_shape_is_exactly_the_spec(clean: Repo) -> None:
    clean.write({POL1: doc("POL-001", "Service management policy", classification="secret"),
                 POL3: doc("POL-003", "Change policy")})  # an error and a supersedes-mismatch warning
    code, data = check(clean)
    assert code == 1
    assert set(data) == {"ok", "documents", "records", "findings"}
    assert data["ok"] is False
    assert isinstance(data["documents"], int) and isinstance(data["records"], int)
    assert {f["severity"] for f in data["findings"]} == {"error", "warning"}
    for finding in data["findings"]:
        assert list(finding) == ["code", "severity", "path", "line", "id", "message"]
        assert isinstance(finding["code"], str) and finding["code"]
        assert finding["severity"] in ("error", "warning")
        assert finding["path"] is None or (isinstance(finding["path"], str) and "\\" not in finding["path"])
        assert finding["line"] is None or (isinstance(finding["line"], int) and finding["line"] >= 1)
        assert finding["id"] is None or isinstance(finding["id"], str)
        assert isinstance(finding["message"], str) and finding["message"]


def test_warnings_alone_keep_ok_true(clean: Repo) -> None:
    clean.write({POL3: doc("POL-003", "Change policy")})
    code, data = check(clean)
    assert code == 0
    assert data["ok"] is True
    assert [f["severity"] for f in data["findings"]] == ["warning"]


# --- every finding code ----------------------------------------------------------------------------

NO_OWNER = "---\nid: POL-004\ntitle: No owner\ntype: policy\nclassification: internal\n---\n\nText.\n"

# (files written over the clean set, code, path, line, id, words the message must contain)
CASES: list[tuple[str, dict[str, str | bytes | None], str, str, int | None, str | None, list[str]]] = [
    ("yaml-error-document", {"policies/POL-004-x.md": "---\nid: POL-004\ntitle: a: b\n---\nText\n"},
     "yaml-error", "policies/POL-004-x.md", 3, "POL-004", ["invalid YAML"]),
    ("yaml-error-later-line", {"policies/POL-004-x.md": "---\nid: POL-004\ntitle: T\ntype: policy\nowner: [dana\n---\n"},
     "yaml-error", "policies/POL-004-x.md", 6, "POL-004", ["invalid YAML"]),
    ("yaml-error-duplicate-key", {"policies/POL-004-x.md": "---\nid: POL-004\ntitle: T\nclassification: confidential\n"
                                                           "type: policy\nowner: dana\nclassification: public\n---\n"},
     "yaml-error", "policies/POL-004-x.md", 7, "POL-004", ["duplicate key 'classification'"]),
    ("yaml-error-duplicate-nested-key", {"policies/POL-004-x.md": "---\nid: POL-004\ntitle: T\ntype: policy\n"
                                                                  "external: {publisher: A, publisher: B}\n---\n"},
     "yaml-error", "policies/POL-004-x.md", 5, "POL-004", ["duplicate key 'publisher'"]),
    ("yaml-error-record", {"records/review/2026/REV-2026-0002.yml": "id: REV-2026-0002\ntype: review\n  date: x: y\n"},
     "yaml-error", "records/review/2026/REV-2026-0002.yml", 3, None, ["invalid YAML"]),
    ("yaml-error-not-utf8", {"policies/POL-004-x.md": b"---\nid: POL-004\ntitle: caf\xe9\n---\n"},
     "yaml-error", "policies/POL-004-x.md", 3, "POL-004", ["not UTF-8", "0xe9", "line 3, column 11", "byte 26 of the file"]),
    ("yaml-error-not-utf8-bom-body", {"policies/POL-004-x.md": b"\xef\xbb\xbf---\nid: POL-004\n---\n\nLine five \x96 dash\n"},
     "yaml-error", "policies/POL-004-x.md", 5, "POL-004", ["0x96", "line 5, column 11"]),
    ("yaml-error-not-utf8-record", {"records/review/2026/REV-2026-0002.yml": b"id: REV-2026-0002\nnotes: \xff\n"},
     "yaml-error", "records/review/2026/REV-2026-0002.yml", 2, None, ["0xff", "line 2, column 8"]),
    ("front-matter-missing", {"policies/POL-004-x.md": "# Just a heading\n\nText.\n"},
     "front-matter-missing", "policies/POL-004-x.md", 1, "POL-004", ["'---'"]),
    ("front-matter-unclosed", {"policies/POL-004-x.md": "---\nid: POL-004\ntitle: T\n\n# Heading\n"},
     "front-matter-missing", "policies/POL-004-x.md", 1, "POL-004", ["closing"]),
    ("front-matter-not-mapping", {"policies/POL-004-x.md": "---\n- id\n- title\n---\n"},
     "front-matter-missing", "policies/POL-004-x.md", 2, "POL-004", ["mapping"]),
    ("schema-bad-enum", {POL1: doc("POL-001", "Service management policy", classification="secret")},
     "schema-violation", POL1, 6, "POL-001", ["classification", "'secret'", "public, internal, confidential, restricted"]),
    ("schema-unknown-field", {POL1: doc("POL-001", "Service management policy", colour="red")},
     "schema-violation", POL1, 7, "POL-001", ["colour", "unknown field", "x-"]),
    ("schema-missing-required", {"policies/POL-004-x.md": NO_OWNER},
     "schema-violation", "policies/POL-004-x.md", 2, "POL-004", ["owner", "required"]),
    ("schema-bad-date", {POL1: doc("POL-001", "Service management policy", effective="2026-02-30")},
     "schema-violation", POL1, 7, "POL-001", ["effective", "2026-02-30"]),
    ("schema-bad-record-date", {REV1: review_record().replace("2026-01-10", "10/01/2026")},
     "schema-violation", REV1, 3, "REV-2026-0001", ["date"]),
    ("schema-record-field", {REV1: review_record(extra="verdict: fine\n")},
     "schema-violation", REV1, 8, "REV-2026-0001", ["verdict", "unknown field"]),
    ("duplicate-id-document", {"policies/POL-001-copy.md": doc("POL-001", "Copy")},
     "duplicate-id", POL1, 2, "POL-001", ["POL-001", "policies/POL-001-copy.md"]),
    ("duplicate-id-record", {"records/review/2025/REV-2026-0001.yml": review_record()},
     "duplicate-id", REV1, 1, "REV-2026-0001", ["records/review/2025/REV-2026-0001.yml"]),
    ("id-filename-mismatch", {"policies/POL-004-x.md": doc("POL-005", "Five")},
     "id-filename-mismatch", "policies/POL-004-x.md", 2, "POL-005", ["POL-005", "file name"]),
    ("id-filename-mismatch-record", {"records/review/2026/REV-2026-0009.yml": review_record("REV-2026-0008")},
     "id-filename-mismatch", "records/review/2026/REV-2026-0009.yml", 1, "REV-2026-0008", ["REV-2026-0008.yml"]),
    ("id-type-mismatch", {"policies/PRC-009-x.md": doc("PRC-009", "Nine")},
     "id-type-mismatch", "policies/PRC-009-x.md", 2, "PRC-009", ["POL", "policy"]),
    ("id-type-mismatch-record", {"records/review/2026/CHG-2026-0005.yml": review_record("CHG-2026-0005")},
     "id-type-mismatch", "records/review/2026/CHG-2026-0005.yml", 1, "CHG-2026-0005", ["REV", "review"]),
    ("unknown-type-document", {"policies/POL-004-x.md": doc("POL-004", "Memo", type="memo")},
     "unknown-type", "policies/POL-004-x.md", 4, "POL-004", ["'memo'", "policy"]),
    ("unknown-type-record", {"records/minutes/MIN-2026-0001.yml": review_record("MIN-2026-0001", type="minutes")},
     "unknown-type", "records/minutes/MIN-2026-0001.yml", 2, "MIN-2026-0001", ["'minutes'", "review"]),
    ("unknown-person-owner", {POL1: doc("POL-001", "Service management policy", owner="dnaa")},
     "unknown-person", POL1, 5, "POL-001", ["owner 'dnaa'", "did you mean 'dana'?"]),
    ("unknown-person-approver", {POL1: doc("POL-001", "Service management policy", approvers=["prya"])},
     "unknown-person", POL1, 7, "POL-001", ["approver 'prya'", "did you mean 'priya'?"]),
    ("unknown-person-record", {REV1: review_record(created_by="omr")},
     "unknown-person", REV1, 4, "REV-2026-0001", ["created_by 'omr'", "did you mean 'omar'?"]),
    ("broken-reference-related", {POL1: doc("POL-001", "Service management policy", related=["POL-099"])},
     "broken-reference", POL1, 7, "POL-001", ["related", "POL-099"]),
    ("broken-reference-supersedes", {POL1: doc("POL-001", "Service management policy", supersedes=["POL-098"])},
     "broken-reference", POL1, 7, "POL-001", ["supersedes", "POL-098"]),
    ("broken-reference-link", {POL1: doc("POL-001", "Service management policy",
                                         body="Intro.\n\nSee [gone](../policies/POL-077-gone.md).\n")},
     "broken-reference", POL1, 13, "POL-001", ["policies/POL-077-gone.md"]),
    ("broken-reference-superseded-by", {POL2: doc("POL-002", "Old", status="obsolete", superseded_by="POL-097")},
     "broken-reference", POL2, 8, "POL-002", ["superseded_by", "POL-097"]),
    ("broken-reference-record-subject", {REV1: review_record(subject="POL-055")},
     "broken-reference", REV1, 5, "REV-2026-0001", ["subject POL-055"]),
    ("reference-to-obsolete-related", {POL1: doc("POL-001", "Service management policy", related=["POL-002"])},
     "reference-to-obsolete", POL1, 7, "POL-001", ["POL-002 is obsolete", "superseded by POL-003"]),
    ("reference-to-obsolete-link", {POL1: doc("POL-001", "Service management policy",
                                              body="See [old](POL-002-old-change-policy.md).\n")},
     "reference-to-obsolete", POL1, 11, "POL-001", ["POL-002", "superseded by POL-003", "link to POL-003 instead"]),
    ("obsolete-without-successor", {POL2: doc("POL-002", "Old change policy", status="obsolete"),
                                    POL3: doc("POL-003", "Change policy")},
     "obsolete-without-successor", POL2, 7, "POL-002", ["superseded_by", "withdrawn_reason"]),
    ("checksum-mismatch", {COPY: b"a newer edition of the standard\n"},
     "checksum-mismatch", EXT1, 7, "EXT-001", [COPY, hashlib.sha256(COPY_BYTES).hexdigest()]),
    ("config-error", {"sms-docs.yml": CONFIG.replace("standard: iso20000-1:2018", "standard: iso9001")},
     "config-error", "sms-docs.yml", 2, None, ["standard", "'iso9001'"]),
    ("config-error-person", {"sms-docs.yml": CONFIG.replace("email: eve@example.com", "email: eve@example.com, age: 3")},
     "config-error", "sms-docs.yml", 9, None, ["people[4].age", "unknown field"]),
]


@pytest.mark.parametrize(("files", "code", "path", "line", "ident", "words"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_finding_code_fires(clean: Repo, files: dict[str, str | bytes | None], code: str, path: str,
                            line: int | None, ident: str | None, words: list[str]) -> None:
    clean.write(files)
    exit_code, data = check(clean)
    assert exit_code == 1
    assert data["ok"] is False
    found = [f for f in with_code(data, code) if f["path"] == path]
    assert found, f"no {code} on {path}: {data['findings']}"
    finding = found[0]
    assert finding["severity"] == "error"
    assert finding["line"] == line
    assert finding["id"] == ident
    for word in words:
        assert word in finding["message"]
    # The text report names the file, the line and the code, and exits 1 too.
    text = clean.run("check")
    assert text.exit_code == 1
    assert "Traceback" not in text.output
    assert path in text.output
    assert code in text.output
    if line is not None:
        assert any(row.strip().startswith(f"{line} ") and code in row for row in text.output.splitlines())


def test_every_check_code_is_covered() -> None:
    covered = {case[2] for case in CASES}
    spec = {"yaml-error", "front-matter-missing", "schema-violation", "duplicate-id", "id-filename-mismatch",
            "unknown-type", "unknown-person", "broken-reference", "reference-to-obsolete",
            "obsolete-without-successor", "config-error"}
    assert spec | {"id-type-mismatch", "checksum-mismatch"} <= covered


def test_findings_are_collected_across_files_not_stopped_at_the_first(clean: Repo) -> None:
    clean.write({"policies/POL-004-x.md": "no front matter\n",
                 POL1: doc("POL-001", "Service management policy", owner="nobody"),
                 REV1: review_record(subject="POL-404")})
    code, data = check(clean)
    assert code == 1
    assert {(f["code"], f["path"]) for f in data["findings"]} == {
        ("front-matter-missing", "policies/POL-004-x.md"),
        ("unknown-person", POL1),
        ("broken-reference", REV1),
    }


def test_withdrawn_obsolete_document_needs_no_successor(clean: Repo) -> None:
    clean.write({POL2: doc("POL-002", "Old change policy", status="obsolete",
                           withdrawn_reason="Merged into the service management policy"),
                 POL3: doc("POL-003", "Change policy")})
    code, data = check(clean)
    assert (code, data["findings"]) == (0, [])


def test_obsolete_document_may_link_to_obsolete_documents(clean: Repo) -> None:
    # Only active documents must not point readers at withdrawn ones.
    clean.write({"policies/POL-004-older.md": doc("POL-004", "Older", status="obsolete", superseded_by="POL-003",
                                                  related=["POL-002"], body="See [old](POL-002-old-change-policy.md).\n"),
                 POL3: doc("POL-003", "Change policy", supersedes=["POL-002", "POL-004"])})
    code, data = check(clean)
    assert (code, data["findings"]) == (0, [])


def test_supersedes_mismatch_is_a_warning_failing_only_under_strict(clean: Repo) -> None:
    clean.write({POL3: doc("POL-003", "Change policy")})  # POL-002 says superseded_by POL-003
    code, data = check(clean)
    assert code == 0
    [finding] = data["findings"]
    assert finding == {"code": "supersedes-mismatch", "severity": "warning", "path": POL2, "line": 8,
                       "id": "POL-002", "message": finding["message"]}
    assert "POL-003 does not list POL-002" in finding["message"]
    strict = clean.run("check", "--strict")
    assert strict.exit_code == 1
    assert "supersedes-mismatch" in strict.output and POL2 in strict.output


def test_supersedes_an_active_document_is_a_warning(clean: Repo) -> None:
    clean.write({"policies/POL-004-new.md": doc("POL-004", "New", supersedes=["POL-001"])})
    code, data = check(clean)
    assert code == 0
    [finding] = data["findings"]
    assert (finding["code"], finding["path"], finding["line"]) == ("supersedes-mismatch", "policies/POL-004-new.md", 7)
    assert "sms-docs obsolete POL-001 --superseded-by POL-004" in finding["message"]
    assert clean.run("check", "--strict").exit_code == 1


def test_external_copy_missing_is_a_broken_reference(clean: Repo) -> None:
    clean.write({COPY: None})
    code, data = check(clean)
    assert code == 1
    [finding] = data["findings"]
    assert (finding["code"], finding["path"], finding["line"]) == ("broken-reference", EXT1, 7)
    assert COPY in finding["message"]


def external_with_copy(copy: str, sha256: str) -> str:
    return doc("EXT-001", "ISO/IEC 20000-1:2018", type="external", owner="lena",
               external={"publisher": "ISO", "reference": "ISO/IEC 20000-1", "edition": "2018", "retrieved": "2025-11-01",
                         "distribution": ["process-owner"], "copy": copy, "sha256": sha256})


def test_external_copy_outside_the_repository_is_never_read(clean: Repo) -> None:
    """A register entry may not make `check` read files outside the repository (a device or /proc
    file could hang it; the hash of another file would be told): an absolute path, `..`, or a link
    that leads out is a broken reference, and the file is not hashed."""
    outside = clean.path.parent / "secret.txt"
    outside.write_bytes(b"not for the report\n")
    (clean.path / "external" / "copies" / "link.pdf").symlink_to(outside)
    told = hashlib.sha256(b"not for the report\n").hexdigest()
    for copy in (str(outside), "../secret.txt", "external/../../secret.txt", "external/copies/link.pdf", "/proc/self/status"):
        clean.write({EXT1: external_with_copy(copy, "0" * 64)})
        code, data = check(clean)
        assert code == 1, copy
        [finding] = data["findings"]
        assert (finding["code"], finding["path"], finding["line"]) == ("broken-reference", EXT1, 7), (copy, finding)
        assert "outside the repository" in finding["message"] and told not in finding["message"]


def test_external_copy_in_a_folder_of_the_repository_is_hashed(clean: Repo) -> None:
    clean.write({"external/copies/sub/iso.pdf": COPY_BYTES,
                 EXT1: external_with_copy("external/copies/sub/iso.pdf", hashlib.sha256(COPY_BYTES).hexdigest())})
    assert check(clean) == (0, check(clean)[1]) and check(clean)[1]["findings"] == []
    clean.write({"external/copies/sub/iso.pdf": b"another edition\n"})
    assert [f["code"] for f in check(clean)[1]["findings"]] == ["checksum-mismatch"]


def test_external_document_needs_its_register_fields(clean: Repo) -> None:
    clean.write({EXT1: doc("EXT-001", "ISO/IEC 20000-1:2018", type="external", owner="lena")})
    code, data = check(clean)
    assert code == 1
    assert [f["message"] for f in with_code(data, "schema-violation")] == ["external: required field is missing"]


def test_x_fields_are_allowed_and_unknown_top_level_fields_are_not(clean: Repo) -> None:
    clean.write({POL1: doc("POL-001", "Service management policy", x_review_board="CAB", revision=3)})
    code, data = check(clean)
    assert code == 1
    assert [f["message"] for f in data["findings"]] == [
        "revision: unknown field (an organisation's own fields must start with 'x-')"]


def test_body_links_to_other_files_and_anchors_are_fine(clean: Repo) -> None:
    clean.write({"guides/matrix.md": "plain file outside the document folders\n",
                 POL1: doc("POL-001", "Service management policy",
                           body="[a](README.md) [b](#top) [c](https://example.com/x.md) [e](../guides/matrix.md)\n"
                                "![img](missing.md) [d](/guides/matrix.md) [f](../guides/matrix.pdf) [g](/img/logo.png)\n")})
    code, data = check(clean)
    assert (code, data["findings"]) == (0, [])


def test_site_absolute_link_to_no_file_is_a_broken_reference(clean: Repo) -> None:
    """Site-absolute links (`/policies/x/`, as an old site wrote them) are checked too (issue 12)."""
    clean.write({POL1: doc("POL-001", "Service management policy", body="[d](/absolute.md) [e](/policies/gone/)\n")})
    code, data = check(clean)
    assert code == 1
    assert [(f["code"], f["line"]) for f in data["findings"]] == [("broken-reference", 11), ("broken-reference", 11)]


# --- configuration -----------------------------------------------------------------------------------


def test_invalid_yaml_in_config_exits_3_naming_file_and_line(clean: Repo) -> None:
    clean.write({"sms-docs.yml": CONFIG.replace("main_branch: main", "main_branch: [main")})
    for args in (("check",), ("check", "--format", "json")):
        result = clean.run(*args)
        assert result.exit_code == 3
        assert "sms-docs.yml line " in result.stderr
        assert "invalid YAML" in result.stderr
        assert "Traceback" not in result.output
        assert "internal error" not in result.output
        assert result.stdout == ""


def test_a_key_twice_in_the_configuration_exits_3_naming_the_line(clean: Repo) -> None:
    """The second `approval:` block would win silently over the one a reviewer reads."""
    clean.write({"sms-docs.yml": CONFIG + "approval:\n  evidence: [merger]\n"})
    result = clean.run("check")
    assert result.exit_code == 3
    assert "duplicate key 'approval'" in result.stderr and "sms-docs.yml line " in result.stderr


def test_config_that_is_not_a_mapping_exits_3(clean: Repo) -> None:
    clean.write({"sms-docs.yml": "- just\n- a list\n"})
    result = clean.run("check")
    assert result.exit_code == 3
    assert "sms-docs.yml" in result.stderr and "mapping" in result.stderr
    assert "Traceback" not in result.output


def test_no_config_exits_3_saying_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["-C", str(empty), "check"], catch_exceptions=False)
    assert result.exit_code == 3
    assert "no sms-docs.yml" in result.stderr
    assert "sms-docs init" in result.stderr  # the hint
    assert "Traceback" not in result.output


def test_check_finds_the_root_from_a_subfolder(clean: Repo) -> None:
    result = CliRunner().invoke(cli, ["-C", str(clean.path / "policies"), "check", "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["documents"] == 5


def test_config_schema_violation_still_checks_the_documents(clean: Repo) -> None:
    clean.write({"sms-docs.yml": CONFIG.replace("standard: iso20000-1:2018", "standard: iso9001"),
                 POL1: doc("POL-001", "Service management policy", owner="nobody")})
    code, data = check(clean)
    assert code == 1
    assert {f["code"] for f in data["findings"]} == {"config-error", "unknown-person"}


def test_config_type_naming_a_missing_schema_is_a_config_error(clean: Repo) -> None:
    clean.write({"sms-docs.yml": CONFIG.replace(
        "types:\n", "types:\n  memo: {prefix: MEM, folder: memos, schema: memo.schema.json}\n")})
    code, data = check(clean)
    assert code == 1
    [finding] = data["findings"]
    assert finding["code"] == "config-error" and "memo.schema.json" in finding["message"]


def test_repository_schema_overrides_the_builtin(clean: Repo) -> None:
    builtin = json.loads((PROJECT_ROOT / "schemas/document.schema.json").read_text())
    builtin["properties"]["classification"] = {"enum": ["internal", "secret"]}
    clean.write({"schemas/document.schema.json": json.dumps(builtin),
                 POL1: doc("POL-001", "Service management policy", classification="secret")})
    code, data = check(clean)
    # POL-001 is now fine; every other document says `internal`; EXT-001's schema refers to it too.
    assert (code, data["findings"]) == (0, [])


def test_record_may_be_markdown_with_front_matter(clean: Repo) -> None:
    clean.write({"records/review/2026/REV-2026-0002.md": "---\n" + review_record("REV-2026-0002") + "---\n\nMinutes.\n",
                 "records/review/2026/REV-2026-0003.md": "no front matter\n"})
    code, data = check(clean)
    assert code == 1
    assert data["records"] == 3
    assert [(f["code"], f["path"]) for f in data["findings"]] == [
        ("front-matter-missing", "records/review/2026/REV-2026-0003.md")]


# --- check PATH ---------------------------------------------------------------------------------------


def broken_two(repo: Repo) -> None:
    repo.write({POL1: doc("POL-001", "Service management policy", owner="nobody"),
                PRC1: doc("PRC-001", "Change management", type="procedure", owner="nobody2")})


def test_check_path_limits_the_report_to_that_file(clean: Repo) -> None:
    broken_two(clean)
    code, data = check(clean)
    assert {f["path"] for f in data["findings"]} == {POL1, PRC1}
    code, data = check(clean, str(clean.path / POL1))
    assert code == 1
    assert [f["path"] for f in data["findings"]] == [POL1]
    assert data["documents"] == 5  # the whole set is still read, for IDs and references


def test_check_folder_limits_the_report_to_that_folder(clean: Repo) -> None:
    broken_two(clean)
    code, data = check(clean, str(clean.path / "procedures"))
    assert code == 1
    assert [f["path"] for f in data["findings"]] == [PRC1]
    code, data = check(clean, str(clean.path / "records"))
    assert (code, data["findings"]) == (0, [])


def test_check_path_that_does_not_exist_is_named_on_stderr(clean: Repo) -> None:
    """A typo in a path must not read as "no findings" there; a hook's list of staged paths may
    name a deleted file, so the run goes on and says so."""
    broken_two(clean)
    result = clean.run("check", "--format", "json", "policies/POL-001-typo.md", POL1)
    assert result.stderr == "Warning: policies/POL-001-typo.md does not exist: nothing there was checked\n"
    assert result.exit_code == 1 and [f["path"] for f in json.loads(result.stdout)["findings"]] == [POL1]
    quiet = clean.run("check", "--format", "json", POL1)
    assert quiet.stderr == "" and quiet.exit_code == 1


def test_check_path_relative_to_the_current_folder(clean: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    broken_two(clean)
    monkeypatch.chdir(clean.path / "procedures")
    _, data = check(clean, "PRC-001-change-management.md")
    assert [f["path"] for f in data["findings"]] == [PRC1]
    monkeypatch.chdir(clean.path)
    _code, data = check(clean, "policies/")
    assert [f["path"] for f in data["findings"]] == [POL1]


# --- the cache ----------------------------------------------------------------------------------------

CACHE = Path(".git/sms-docs/check.cache")


def test_second_run_gives_identical_results(clean: Repo) -> None:
    broken_two(clean)
    first = check(clean)
    assert (clean.path / CACHE).is_file()
    assert check(clean) == first
    assert check(clean) == first
    assert first[0] == 1 and len(first[1]["findings"]) == 2


def test_edited_file_is_read_again(clean: Repo) -> None:
    assert check(clean) == (0, {"ok": True, "documents": 5, "records": 2, "findings": []})
    target = clean.path / POL1
    before = target.stat()
    clean.write({POL1: doc("POL-001", "Service management policy", owner="nobody")})
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))
    code, data = check(clean)
    assert code == 1
    assert [(f["code"], f["path"]) for f in data["findings"]] == [("unknown-person", POL1)]
    # and fixed again
    clean.write({POL1: clean_files()[POL1]})
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 10_000_000_000))
    assert check(clean)[1]["findings"] == []


def test_same_size_edit_in_the_same_timestamp_is_not_missed(clean: Repo) -> None:
    # "Racily clean" files (git's term): an edit that keeps the size and the mtime must still be seen
    # when the cache was written no later than the file's mtime.
    target = clean.path / POL1
    text = clean_files()[POL1]
    assert isinstance(text, str)
    stamp = target.stat().st_mtime_ns + 60_000_000_000  # a minute in the future: after the cache write
    os.utime(target, ns=(stamp, stamp))
    assert check(clean)[1]["findings"] == []
    target.write_text(text.replace("classification: internal", "classification: internax"), encoding="utf-8")
    os.utime(target, ns=(stamp, stamp))
    code, data = check(clean)
    assert code == 1
    assert [f["code"] for f in data["findings"]] == ["schema-violation"]


def test_no_cache_and_deleted_cache_give_the_same_result(clean: Repo) -> None:
    broken_two(clean)
    clean.write({"policies/POL-004-x.md": "no front matter\n"})
    cached = check(clean)
    assert check(clean, "--no-cache") == cached
    shutil.rmtree(clean.path / ".git" / "sms-docs")
    assert check(clean, "--no-cache") == cached
    assert not (clean.path / ".git" / "sms-docs").exists()  # --no-cache writes no cache
    assert check(clean) == cached
    assert (clean.path / CACHE).is_file()
    shutil.rmtree(clean.path / ".git" / "sms-docs")
    assert check(clean) == cached


def test_broken_cache_file_is_ignored(clean: Repo) -> None:
    broken_two(clean)
    first = check(clean)
    (clean.path / CACHE).write_bytes(b"not a pickle")
    assert check(clean) == first


def test_configuration_change_invalidates_cached_results(clean: Repo) -> None:
    clean.write({"memos/MEM-001-x.md": doc("MEM-001", "Memo", type="memo"),
                 POL1: doc("POL-001", "Service management policy", type="memo")})
    _, data = check(clean)
    assert [(f["code"], f["path"]) for f in data["findings"]] == [("unknown-type", POL1)]
    clean.write({"sms-docs.yml": CONFIG.replace("types:\n", "types:\n  memo: {prefix: MEM, folder: memos}\n")})
    _code, data = check(clean)
    assert data["documents"] == 6
    assert [(f["code"], f["path"]) for f in data["findings"]] == [("id-type-mismatch", POL1)]


def test_deleted_file_disappears_from_the_report(clean: Repo) -> None:
    clean.write({"policies/POL-004-x.md": "no front matter\n"})
    assert check(clean)[0] == 1
    clean.write({"policies/POL-004-x.md": None})
    assert check(clean) == (0, {"ok": True, "documents": 5, "records": 2, "findings": []})


# --- the project's own starter SMS --------------------------------------------------------------------


def test_project_starter_sms_checks_clean() -> None:
    # --no-cache: write nothing under the project's own .git
    result = CliRunner().invoke(cli, ["-C", str(PROJECT_ROOT), "check", "--format", "json", "--no-cache"],
                                catch_exceptions=False)
    data = json.loads(result.stdout)
    assert data["findings"] == []
    assert data["ok"] is True
    assert data["documents"] >= 5
    assert result.exit_code == 0


def test_unchanged_files_are_not_read_again(clean: Repo) -> None:
    # The cache is keyed by path, size and mtime: a file whose stat is unchanged (and older than the
    # cache) is not parsed again. This is what makes a pre-commit run on 10,000 documents fast.
    target = clean.path / POL1
    old = 1_600_000_000_000_000_000  # 2020-09-13: long before the cache is written
    os.utime(target, ns=(old, old))
    assert check(clean)[1]["findings"] == []
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("classification: internal", "classification: internax"), encoding="utf-8")
    os.utime(target, ns=(old, old))
    assert check(clean)[1]["findings"] == []  # served from the cache
    assert check(clean, "--no-cache")[1]["findings"][0]["code"] == "schema-violation"


# --- hostile input: findings, never a crash or a hang ----------------------------------------------------


def test_field_names_that_are_not_text_are_schema_violations(clean: Repo) -> None:
    clean.write({POL1: doc("POL-001", "Service management policy").replace(
        "classification: internal\n", "classification: internal\n1: one\nnull: nothing\n")})
    code, data = check(clean)
    assert code == 1
    messages = {(f["message"], f["line"]) for f in data["findings"]}
    assert ("1: a field name must be text (quote it)", 7) in messages
    assert all(f["code"] == "schema-violation" and f["path"] == POL1 for f in data["findings"])


def test_config_type_named_by_a_number_is_a_config_error(clean: Repo) -> None:
    clean.write({"sms-docs.yml": CONFIG.replace("types:\n", "types:\n  123: {prefix: NUM}\n")})
    code, data = check(clean)
    assert code == 1
    [finding] = data["findings"]
    assert (finding["code"], finding["path"], finding["line"]) == ("config-error", "sms-docs.yml", 15)
    assert "123" in finding["message"]


def test_absurdly_deep_front_matter_is_reported_not_crashed(clean: Repo) -> None:
    depth = 3000
    clean.write({POL1: doc("POL-001", "Service management policy", x_deep=0).replace(
        "x-deep: 0", "deep: " + "[" * depth + "]" * depth)})
    for _ in range(2):  # the second run reads the cache (which cannot hold this file)
        code, data = check(clean)
        assert code == 1
        # libyaml refuses nesting this deep (a yaml-error); the pure-Python parser hits the recursion
        # limit (also a yaml-error). Either way one finding, and references to POL-001 are not "broken".
        [finding] = data["findings"]
        assert (finding["code"], finding["path"]) == ("yaml-error", POL1)
        assert "nest" in finding["message"]


def test_references_to_an_unreadable_document_are_not_reported_broken(clean: Repo) -> None:
    # PRC-001 relates to POL-001 and REV-2026-0001 reviews it: one cause (bad YAML), one finding.
    clean.write({POL1: "---\nid: POL-001\ntitle: a: b\n---\nText\n"})
    code, data = check(clean)
    assert code == 1
    assert [(f["code"], f["path"]) for f in data["findings"]] == [("yaml-error", POL1)]


def test_references_to_a_missing_document_are_still_broken(clean: Repo) -> None:
    clean.write({POL1: None})
    code, data = check(clean)
    assert code == 1
    # One missing document cited from two files: one finding that names the other file.
    [finding] = data["findings"]
    assert finding["code"] == "broken-reference" and "the same in 1 more place" in finding["message"]
    code, data = check(clean, "--all-findings")
    assert sorted(f["code"] for f in data["findings"]) == ["broken-reference", "broken-reference"]


def test_alias_bomb_is_a_yaml_error(clean: Repo) -> None:
    # "Billion laughs": ten lines of aliases expanding to 10**9 values must not hang CI.
    bomb = "x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"x-a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))
    text = doc("POL-001", "Service management policy")
    clean.write({POL1: text.replace("classification: internal\n", "classification: internal\n" + bomb + "related: *a8\n")})
    code, data = check(clean)
    assert code == 1
    [finding] = [f for f in data["findings"] if f["path"] == POL1]
    assert finding["code"] == "yaml-error" and "aliases" in finding["message"]
    # POL-001 exists but is unreadable: that is its one finding, so what refers to it is not "broken".
    assert [f for f in data["findings"] if f["path"] != POL1] == []


def test_former_paths_is_a_known_field_and_must_be_a_list_of_paths(clean: Repo) -> None:
    # `sms-docs adopt` records where a renamed document used to live.
    clean.write({POL1: doc("POL-001", "Service management policy", former_paths=["policy/service.md"])})
    code, data = check(clean)
    assert (code, data["findings"]) == (0, [])
    clean.write({POL1: doc("POL-001", "Service management policy", former_paths="policy/service.md")})
    code, data = check(clean)
    assert code == 1
    assert [(f["code"], f["path"]) for f in data["findings"]] == [("schema-violation", POL1)]
