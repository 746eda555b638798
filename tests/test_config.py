"""`sms-docs.yml`: built-in defaults, field-by-field overrides, validation with lines, people lookup."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from conftest import CONFIG
from sms_docs import config
from sms_docs.errors import ConfigError, NotADocumentRepository

if TYPE_CHECKING:
    from sms_docs.config import Settings
    from pathlib import Path

MINIMAL = """\
organisation: Minimal Ltd
people:
  - id: dana
    name: Dana Reyes
    email: Dana.Reyes@Example.com
    emails: [dana@old-domain.example, DREYES@contractor.example]
    github: dreyes
    roles: [top-management]
  - {id: omar, name: Omar Haddad, email: omar@example.com}
"""


def load(tmp_path: Path, text: str) -> tuple[Settings, list[dict[str, object]]]:
    (tmp_path / "sms-docs.yml").write_text(text, encoding="utf-8")
    settings, findings = config.load(tmp_path)
    return settings, [f.to_json() for f in findings]


# --- defaults -------------------------------------------------------------------------------------------


def test_six_default_document_types(tmp_path: Path) -> None:
    settings, findings = load(tmp_path, MINIMAL)
    assert findings == []
    assert {name: (t.prefix, t.folder) for name, t in settings.types.items()} == {
        "policy": ("POL", "policies"),
        "plan": ("PLN", "plans"),
        "procedure": ("PRC", "procedures"),
        "sla": ("SLA", "agreements"),
        "agreement": ("AGR", "agreements"),
        "external": ("EXT", "external"),
    }
    assert settings.types["external"].schema == "external.schema.json"
    assert settings.types["policy"].schema == "document.schema.json"
    assert settings.types["procedure"].review_cycle == "24 months"
    assert settings.types["policy"].approvers == ("top-management",)
    assert all(t.min_approvals == 1 for t in settings.types.values())


def test_fourteen_default_record_types(tmp_path: Path) -> None:
    settings, _ = load(tmp_path, MINIMAL)
    expected = {
        "review": "REV", "audit": "AUD", "management-review": "MRV", "change": "CHG", "release": "REL",
        "incident-review": "MIR", "problem": "PRB", "continuity-test": "CTS", "complaint": "CMP",
        "satisfaction-survey": "SAT", "supplier-review": "SUP", "training": "TRN", "disposal": "DSP",
        "approvals": "APR",
    }
    assert {name: r.prefix for name, r in settings.records.items()} == expected
    for name, rtype in settings.records.items():
        assert rtype.folder == f"records/{name}"
        assert rtype.schema == f"record-{name}.schema.json"
        assert config.months_of(rtype.retention) >= 36
    assert settings.records["disposal"].retention == "10 years"


def test_defaults_for_everything_else(tmp_path: Path) -> None:
    settings, _ = load(tmp_path, MINIMAL)
    assert settings.organisation == "Minimal Ltd"
    assert settings.standard == "iso20000-1:2018"
    assert settings.main_branch == "main"
    assert settings.approval.evidence == ("approval-commit", "merge-trailer", "forge-review")
    assert settings.approval.merge_trailers == ("Approved-by",)
    assert settings.approval.require_signature is False
    assert settings.approval.allow_author_approval is False
    assert settings.approval.config_approvers == ("top-management",)
    assert settings.document_folders == ["agreements", "external", "plans", "policies", "procedures"]


def test_a_type_override_merges_field_by_field(tmp_path: Path) -> None:
    text = MINIMAL + (
        "types:\n"
        "  policy: {review_cycle: 6 months}\n"
        "  procedure: {approvers: [sms-manager], min_approvals: 2, folder: processes}\n"
        "  memo: {prefix: MEM, folder: memos}\n"
        "records:\n"
        "  review: {retention: 10 years}\n"
        "  minutes: {prefix: MIN, retention: 2 years}\n"
        "approval:\n"
        "  evidence: [approval-commit, merger]\n"
        "  require_signature: true\n"
    )
    settings, findings = load(tmp_path, text)
    assert findings == []
    policy = settings.types["policy"]
    assert (policy.prefix, policy.folder, policy.approvers, policy.review_cycle) == (
        "POL", "policies", ("top-management",), "6 months")
    procedure = settings.types["procedure"]
    assert (procedure.prefix, procedure.folder, procedure.approvers, procedure.min_approvals,
            procedure.review_cycle) == ("PRC", "processes", ("sms-manager",), 2, "24 months")
    memo = settings.types["memo"]
    assert (memo.prefix, memo.folder, memo.schema, memo.approvers, memo.min_approvals, memo.review_cycle) == (
        "MEM", "memos", "document.schema.json", ("top-management",), 1, "12 months")
    assert len(settings.types) == 7  # the defaults stay
    review = settings.records["review"]
    assert (review.prefix, review.folder, review.retention) == ("REV", "records/review", "10 years")
    assert settings.records["minutes"].schema == "record-minutes.schema.json"
    assert len(settings.records) == 15
    assert settings.approval.evidence == ("approval-commit", "merger")
    assert settings.approval.require_signature is True
    assert settings.approval.merge_trailers == ("Approved-by",)  # not overridden


def test_type_for_prefix(tmp_path: Path) -> None:
    settings, _ = load(tmp_path, CONFIG)
    assert settings.type_for_prefix("PRC").name == "procedure"  # type: ignore[union-attr]
    assert settings.type_for_prefix("XYZ") is None
    assert settings.record_type_for_prefix("MRV").name == "management-review"  # type: ignore[union-attr]


# --- people ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["Dana.Reyes@Example.com", "dana.reyes@example.com", "DANA.REYES@EXAMPLE.COM",
                                   "dana@old-domain.example", "Dana@Old-Domain.Example", "dreyes@contractor.example",
                                   "  dana@old-domain.example "])
def test_person_by_any_of_their_emails_case_insensitively(tmp_path: Path, email: str) -> None:
    settings, _ = load(tmp_path, MINIMAL)
    person = settings.person_by_email(email)
    assert person is not None and person.id == "dana"


def test_person_lookup_misses(tmp_path: Path) -> None:
    settings, _ = load(tmp_path, MINIMAL)
    assert settings.person_by_email("dreyes") is None
    assert settings.person_by_email("someone@example.com") is None
    assert settings.person("nobody") is None
    dana = settings.person("dana")
    assert dana is not None
    assert dana.all_emails == ("Dana.Reyes@Example.com", "dana@old-domain.example", "DREYES@contractor.example")
    assert (dana.github, dana.roles) == ("dreyes", ("top-management",))
    omar = settings.person("omar")
    assert omar is not None and omar.roles == () and omar.name == "Omar Haddad"


def test_a_person_listed_twice_is_a_config_error(tmp_path: Path) -> None:
    settings, findings = load(tmp_path, MINIMAL + "  - {id: omar, name: Other Omar, email: omar2@example.com}\n")
    assert findings == [{"code": "config-error", "severity": "error", "path": "sms-docs.yml", "line": 10,
                         "id": None, "message": "people[2].id: 'omar' is listed twice"}]
    assert [p.id for p in settings.people] == ["dana", "omar"]
    assert settings.person("omar").name == "Omar Haddad"  # type: ignore[union-attr]


def test_an_address_of_two_people_is_a_config_error(tmp_path: Path) -> None:
    """One address, two people: every commit under it would be the first one's, and segregation of
    duties (who wrote, who approved) could not tell them apart."""
    settings, findings = load(tmp_path, MINIMAL + "  - {id: eve, name: Eve Stone, email: eve@example.com, "
                                                  "emails: [dana.reyes@example.com]}\n")
    assert findings == [{"code": "config-error", "severity": "error", "path": "sms-docs.yml", "line": 10,
                         "id": None, "message": "people[2].emails: 'dana.reyes@example.com' is already "
                                                "an address of dana: each address belongs to one person"}]
    assert settings.person_by_email("DANA.REYES@example.com").id == "dana"  # type: ignore[union-attr]
    assert load(tmp_path, MINIMAL)[1] == []


# --- validation --------------------------------------------------------------------------------------------


def test_schema_violations_are_findings_naming_key_and_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("organisation: Minimal Ltd", "organisation: Minimal Ltd\nstandard: iso9001") + (
        "types:\n"
        "  policy: {prefix: pol, colour: blue}\n"
        "approval:\n"
        "  evidence: [handshake]\n"
    )
    settings, findings = load(tmp_path, text)
    by_message = {f["message"]: f["line"] for f in findings}
    assert all(f["code"] == "config-error" and f["path"] == "sms-docs.yml" for f in findings)
    assert by_message == {
        "standard: 'iso9001' is not one of iso20000-1:2018, iso20000-1:2011": 2,
        "types.policy.colour: unknown field": 12,
        "types.policy.prefix: 'pol' does not match the expected form ^[A-Z][A-Z0-9]{1,5}$": 12,
        "approval.evidence[0]: 'handshake' is not one of approval-commit, merge-trailer, forge-review, merger, pre-control-merger": 14,
    }
    # what is valid still counts
    assert settings.standard == "iso20000-1:2018"
    assert [p.id for p in settings.people] == ["dana", "omar"]


def test_required_keys(tmp_path: Path) -> None:
    _, findings = load(tmp_path, "organisation: X\n")
    assert [f["message"] for f in findings] == ["people: required field is missing"]


def test_invalid_yaml_raises_config_error_with_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, "organisation: X\npeople:\n  - id: [dana\n")
    assert info.value.message.startswith("sms-docs.yml line ")
    assert "invalid YAML" in info.value.message
    assert info.value.exit_code == 3


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_not_a_mapping_raises_config_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        load(tmp_path, text)


def test_not_utf8_raises_config_error(tmp_path: Path) -> None:
    (tmp_path / "sms-docs.yml").write_bytes(b"standard: iso20000-1:2018\norganisation: Caf\xe9\n")
    with pytest.raises(ConfigError, match=r"sms-docs.yml line 2: not UTF-8 text: byte 0xe9 at line 2, column 18"):
        config.load(tmp_path)


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "sms-docs.yml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    settings, findings = config.load(tmp_path)
    assert findings == [] and settings.organisation == "Minimal Ltd"


def test_type_names_that_yaml_reads_as_numbers_are_findings(tmp_path: Path) -> None:
    settings, findings = load(tmp_path, MINIMAL + "types:\n  123: {prefix: ABC}\nrecords:\n  7: {prefix: SVN}\n")
    assert [(f["message"], f["line"]) for f in findings] == [
        ("types: the name 123 must be text (quote it)", 11),
        ("records: the name 7 must be text (quote it)", 13),
    ]
    assert len(settings.types) == 6 and len(settings.records) == 14


def test_dates_and_yes_in_config_stay_strings(tmp_path: Path) -> None:
    settings, findings = load(tmp_path, MINIMAL.replace("Minimal Ltd", "yes") + "scope: 2026-01-01\n")
    assert findings == []
    assert settings.organisation == "yes"
    assert settings.raw["scope"] == "2026-01-01"


def test_months_of() -> None:
    assert config.months_of("12 months") == 12
    assert config.months_of("1 month") == 1
    assert config.months_of("2 years") == 24
    with pytest.raises(ValueError):
        config.months_of("fortnightly")


# --- finding the root --------------------------------------------------------------------------------------


def test_find_root_walks_up(tmp_path: Path) -> None:
    (tmp_path / "sms-docs.yml").write_text(MINIMAL)
    deep = tmp_path / "policies" / "drafts"
    deep.mkdir(parents=True)
    assert config.find_root(deep) == tmp_path.resolve()


def test_find_root_without_config(tmp_path: Path) -> None:
    with pytest.raises(NotADocumentRepository) as info:
        config.find_root(tmp_path)
    assert "no sms-docs.yml" in info.value.message
    assert info.value.hint and "sms-docs init" in info.value.hint
