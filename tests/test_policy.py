"""The control rules of `policy.py`, exercised directly: no git, no clock, no files but the
configuration text. Each rule here is the one the audit, the register, `changes`, `approve` and the
site apply."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from conftest import CONFIG
from sms_docs import config, policy
from sms_docs.model import Approval, Document, State

if TYPE_CHECKING:
    from sms_docs.config import Settings

D = dt.date


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return config.parse(tmp_path_factory.mktemp("cfg"), CONFIG, validate=False)[0]


def document(**meta: object) -> Document:
    return Document(id="POL-001", path="policies/POL-001-x.md", meta={"id": "POL-001", "type": "policy", **meta})


# --- visibility per audience ---------------------------------------------------------------------


@pytest.mark.parametrize(("audience", "classifications", "shown"), [
    (None, ("restricted",), True),  # no audience: everything
    ("public", ("public",), True),
    ("public", ("internal",), False),
    ("internal", ("public", "internal"), True),
    ("internal", ("internal", "confidential"), False),  # raised on the main line: hidden at once
    ("internal", ("confidential", "internal"), False),  # lowered but not approved yet: still hidden
    ("confidential", ("secret",), False),  # an unknown value counts as restricted
    ("restricted", ("secret",), True),
    ("public", ("public", None), True),  # no main-line copy (deleted): the published one decides
])
def test_the_stricter_classification_decides(audience: str | None, classifications: tuple[str | None, ...],
                                             shown: bool) -> None:
    assert policy.visible(audience, *classifications) is shown


def test_unknown_classification_ranks_as_restricted() -> None:
    assert policy.rank("secret") == policy.rank("restricted") == 3
    assert policy.rank("public") == 0


# --- path to key ---------------------------------------------------------------------------------


def test_path_to_key(settings: Settings) -> None:
    assert policy.key_of_path("policies/POL-001-security.md", settings) == ("POL-001", "document")
    assert policy.key_of_path("sms-docs.yml", settings) == ("sms-docs.yml", "config")
    assert policy.key_of_path(".sms/allowed_signers", settings) == (".sms/allowed_signers", "config")
    assert policy.key_of_path("schemas/memo.schema.json", settings) == ("schemas/memo.schema.json", "config")
    assert policy.key_of_path("schemas/nested/x.json", settings) is None
    assert policy.key_of_path("policies/README.md", settings) is None
    assert policy.key_of_path("records/change/CHG-2026-0001.yml", settings) is None
    assert policy.key_of_path("policies/no-id.md", settings) == ("policies/no-id.md", "document")
    assert policy.key_of_path("mkdocs.yml", settings) == ("mkdocs.yml", "config")  # the site's inputs too
    assert policy.change_key("policies/POL-001-security.md") == "POL-001"
    assert policy.change_key("notes/readme.txt") is None


# --- who may approve, segregation of duties ------------------------------------------------------


def test_approvers_come_from_the_previous_revision_else_the_type_of_the_prefix(settings: Settings) -> None:
    dana, omar = settings.person("dana"), settings.person("omar")
    assert dana is not None and omar is not None
    by_type = policy.rules_for("document", "POL-001", settings)
    assert by_type.approvers == ("top-management",) and by_type.min_approvals == 1
    assert policy.may_approve(by_type, dana) and not policy.may_approve(by_type, omar)
    previous = policy.rules_for("document", "POL-001", settings, document(approvers=["omar"]))
    assert policy.may_approve(previous, omar) and not policy.may_approve(previous, dana)
    unknown_prefix = policy.rules_for("document", "MEM-001", settings)
    assert unknown_prefix.approvers == settings.approval.config_approvers
    assert unknown_prefix.min_approvals == settings.approval.config_min_approvals
    assert policy.rules_for("config", "sms-docs.yml", settings).min_approvals == settings.approval.config_min_approvals


def test_the_rule_book_answers_as_rules_for(settings: Settings) -> None:
    """The walk's memo of `rules_for` under one configuration: the same answer for every kind, prefix
    and previous `approvers:`, each worked out once."""
    book = policy.RuleBook(settings)
    asked = [("document", "POL-001", None), ("document", "POL-002", None), ("document", "MEM-001", None),
             ("document", "POL-001", document(approvers=["omar"])), ("document", "POL-003", document(approvers=["omar"])),
             ("document", "POL-001", document(approvers=["dana", "omar"])), ("config", "sms-docs.yml", None),
             ("config", ".sms/allowed_signers", None)]
    for kind, key, previous in asked * 2:
        assert book.rules_for(kind, key, previous) == policy.rules_for(kind, key, settings, previous)
    assert book.rules_for("document", "POL-001") is book.rules_for("document", "POL-002")  # one prefix, one answer


def test_signed_evidence_is_replace_built_directly() -> None:
    """`Evidence.signed` copies every other field (a field added later must be copied too)."""
    import dataclasses

    day = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
    ev = policy.Evidence("POL-001", "b" * 40, "Dana", "dana@example.com", "review", day, "c" * 40, "approval-commit",
                         "bad", "eve@example.com", "c@example.com", "a@example.com", day + dt.timedelta(days=1),
                         ("r@example.com", "s@example.com"), ("good", "ci@example.com"))
    assert all(getattr(ev, f.name) != f.default for f in dataclasses.fields(ev))  # every field set: none slips by
    assert ev.signed("good", "dana@example.com") == dataclasses.replace(ev, signature="good", signer="dana@example.com")
    assert ev.signed("none", None) == dataclasses.replace(ev, signature="none", signer=None)
    assert ev.signed("bad", "eve@example.com") is ev  # nothing new: the same evidence


def test_segregation_of_duties(settings: Settings) -> None:
    dana = settings.person("dana")
    assert dana is not None
    assert policy.authored(dana, ["DANA@example.com"])
    assert not policy.authored(dana, ["omar@example.com"])
    ev = policy.Evidence("POL-001", "b" * 40, "Dana", "dana@example.com", "approval",
                         dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc), "c" * 40, "approval-commit", "none")
    rules = policy.rules_for("document", "POL-001", settings)
    assert policy.judge(ev, rules, settings.person_by_email, ["dana@example.com"]).code == "self-approval"
    assert policy.judge(ev, rules, settings.person_by_email, ["omar@example.com"]).code is None


# --- document state, effective and review dates --------------------------------------------------


@pytest.mark.parametrize(("facts", "state"), [
    ({"approved": False}, State.DRAFT),
    ({"withdrawn": True}, State.OBSOLETE),
    ({"on_main_line": False}, State.OBSOLETE),
    ({"head_is_approved": False}, State.CHANGED),
    ({"effective": D(2026, 4, 1)}, State.APPROVED),
    ({"effective": D(2026, 3, 31)}, State.EFFECTIVE),
    ({}, State.EFFECTIVE),
])
def test_document_state(facts: dict[str, object], state: State) -> None:
    base: dict[str, object] = {"approved": True, "withdrawn": False, "on_main_line": True, "head_is_approved": True,
                               "effective": D(2026, 1, 5), "today": D(2026, 3, 31)}
    assert policy.document_state(**{**base, **facts}) is state  # type: ignore[arg-type]


def test_effective_date_is_the_latest_of_landing_completing_approval_and_plan() -> None:
    landed = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)

    def approval(day: int) -> Approval:
        return Approval(name="x", email=f"{day}@x", meaning="approval", date=dt.datetime(2026, 3, day, tzinfo=dt.timezone.utc),
                        commit="c", evidence="approval-commit", signature="none", valid=True)

    assert policy.effective_date(landed, [approval(1)], 1, None) == D(2026, 3, 1)
    assert policy.effective_date(landed, [approval(1), approval(9)], 2, None) == D(2026, 3, 9)  # post-hoc
    assert policy.effective_date(landed, [approval(1)], 1, "2026-04-01") == D(2026, 4, 1)
    assert policy.effective_date(landed, [approval(1)], 1, "not a date") == D(2026, 3, 1)


def test_review_dates() -> None:
    assert policy.next_review(D(2024, 2, 29), None, 12) == D(2025, 2, 28)
    assert policy.next_review(D(2025, 1, 1), D(2025, 6, 1), 12) == D(2026, 6, 1)
    assert policy.next_review(None, None, 12) is None
    assert policy.review_overdue(D(2026, 3, 30), State.EFFECTIVE, D(2026, 3, 31))
    assert not policy.review_overdue(D(2026, 3, 31), State.EFFECTIVE, D(2026, 3, 31))
    assert not policy.review_overdue(D(2026, 1, 1), State.OBSOLETE, D(2026, 3, 31))
    assert policy.review_due(D(2026, 4, 30), State.CHANGED, D(2026, 4, 30))
    assert not policy.review_due(D(2026, 4, 30), State.DRAFT, D(2026, 4, 30))


# --- retention and disposal ----------------------------------------------------------------------


def test_retention(settings: Settings) -> None:
    change = {"type": "change", "date": "2020-02-29"}
    assert policy.retention_of(change, settings) == settings.records["change"].retention
    assert policy.retention_until({**change, "retention": "1 year"}, settings) == D(2021, 2, 28)
    assert policy.retention_until({**change, "retention": "forever"}, settings) is None
    assert policy.retention_until({"type": "change", "date": "someday"}, settings) is None
    assert policy.retention_expired(D(2026, 1, 1), "change", D(2026, 1, 2))
    assert not policy.retention_expired(D(2026, 1, 1), "change", D(2026, 1, 1))
    assert not policy.retention_expired(D(2020, 1, 1), "disposal", D(2026, 1, 2))  # the disposal record is kept
    assert not policy.retention_expired(None, "change", D(2026, 1, 2))


# --- before adoption (issue 12) ------------------------------------------------------------------------


def test_control_starts_at_the_first_main_line_commit_holding_the_configuration() -> None:
    assert policy.control_start([4, 9]) == 4
    assert policy.control_start([]) == 0  # no configuration on the main line: everything is judged
    assert policy.is_pre_control(3, 4) and not policy.is_pre_control(4, 4) and not policy.is_pre_control(7, 4)


@pytest.mark.parametrize(("is_merge", "message", "committer", "expected"), [
    (True, "Merge pull request #3 from lena/x", ("Priya Nair", "priya@example.com"),
     ("merge-commit", 3, "Priya Nair", "priya@example.com")),
    (True, "Merge pull request #3 from lena/x", ("GitHub", "noreply@github.com"),
     ("merge-commit", 3, "Omar Haddad", "omar@example.com")),  # the forge committed it: the author pressed the button
    (True, "Merge branch 'x' into 'main'\n\nSee merge request group/project!12", ("Dana Reyes", "dana@example.com"),
     ("merge-commit", 12, "Dana Reyes", "dana@example.com")),
    (False, "Tighten incident response (#4)", ("GitHub", "noreply@github.com"),
     ("squash-commit", 4, "GitHub", "noreply@github.com")),
    (False, "fix typo", ("Eve Stone", "eve@example.com"), None),
    (False, "Mention (#4) in the middle", ("Eve Stone", "eve@example.com"), None),
])
def test_past_evidence_of_merges_and_squash_commits(is_merge: bool, message: str, committer: tuple[str, str],
                                                    expected: tuple[str, int | None, str, str] | None) -> None:
    kinds = ("approval-commit", policy.PRE_CONTROL_MERGER)
    assert policy.past_evidence(is_merge=is_merge, message=message, committer=committer,
                                author=("Omar Haddad", "omar@example.com"), kinds=kinds) == expected
    assert policy.past_evidence(is_merge=is_merge, message=message, committer=committer,
                                author=("Omar Haddad", "omar@example.com"), kinds=("merger",)) is None  # opt-in


@pytest.mark.parametrize(("raw", "candidates", "site_absolute"), [
    ("x.md", ["policies/x.md"], False),
    ("../plans/y.md#a", ["plans/y.md"], False),
    ("/policies/x.md", ["policies/x.md", "docs/policies/x.md", "site-src/policies/x.md"], True),
    ("/policies/x/", ["policies/x.md", "policies/x/index.md", "policies/x/README.md",
                      "docs/policies/x.md", "docs/policies/x/index.md", "docs/policies/x/README.md",
                      "site-src/policies/x.md", "site-src/policies/x/index.md", "site-src/policies/x/README.md"], True),
    ("/policies/x.html", ["policies/x.md", "docs/policies/x.md", "site-src/policies/x.md"], True),
    ("/", ["index.md", "README.md", "docs/index.md", "docs/README.md", "site-src/index.md", "site-src/README.md"], True),
])
def test_link_targets(raw: str, candidates: list[str], site_absolute: bool) -> None:
    found = policy.link_target(raw, "policies/POL-001-a.md")
    assert found is not None and list(found.candidates) == candidates and found.site_absolute is site_absolute


@pytest.mark.parametrize("raw", ["https://example.com/x.md", "#top", "//cdn.example.com/x/", "/img/logo.png",
                                 "guide.pdf", "mailto:a@example.com", "/policies/x.pdf"])
def test_links_that_are_not_pages_are_left_alone(raw: str) -> None:
    assert policy.link_target(raw, "policies/POL-001-a.md") is None


def test_former_paths_never_take_a_current_path_and_a_shared_one_leads_nowhere() -> None:
    index, conflicts = policy.former_path_index([
        ("POL-001", "policies/POL-001-a.md", ["policies/a.md", "policies/shared.md"]),
        ("POL-002", "policies/POL-002-b.md", ["policies/POL-001-a.md", "policies/shared.md", "policies/b.md"]),
    ])
    assert index == {"policies/POL-001-a.md": "POL-001", "policies/POL-002-b.md": "POL-002",
                     "policies/a.md": "POL-001", "policies/b.md": "POL-002"}
    assert conflicts == {"policies/shared.md": ["POL-001", "POL-002"]}
    assert policy.resolve_link(policy.link_target("/policies/b/", "x.md"), index) == "POL-002"  # type: ignore[arg-type]
    assert policy.resolve_link(policy.link_target("shared.md", "policies/x.md"), index) is None  # type: ignore[arg-type]
    assert policy.resolve_link(policy.link_target("POL-009-new.md", "policies/x.md"), index) == "POL-009"  # type: ignore[arg-type]


def test_site_absolute_links_to_generated_and_own_pages() -> None:
    pages = [*policy.GENERATED_PAGES, "policy/index.md", "about.md"]
    assert policy.site_page(policy.link_target("/register/", "x.md"), pages) == "register.md"  # type: ignore[arg-type]
    assert policy.site_page(policy.link_target("/policy/", "x.md"), pages) == "policy/index.md"  # type: ignore[arg-type]
    assert policy.site_page(policy.link_target("/about.html", "x.md"), pages) == "about.md"  # type: ignore[arg-type]
    assert policy.site_page(policy.link_target("/gone/", "x.md"), pages) is None  # type: ignore[arg-type]
    assert policy.site_page(policy.link_target("about.md", "x.md"), pages) is None  # type: ignore[arg-type]


def test_generated_pages_are_the_ones_the_site_makes() -> None:
    from sms_docs.site import listings

    assert set(policy.GENERATED_PAGES) == set(listings._KIND)
