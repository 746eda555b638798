"""Class 10: files in the first commits are judged by the configuration history holds, never by
today's working tree."""

from __future__ import annotations

from attack import assert_caught, evil_policy
from conftest import CONFIG, Repo
from trust import CONFIG_FILE, POL1, approval_commit, approve, codes, day


def test_documents_before_any_configuration_are_not_judged_by_the_working_tree(repo: Repo) -> None:
    repo.write({CONFIG_FILE: None})
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-01-02"))
    approval_commit(repo, "eve", [("POL-001", repo.blob(POL1))], date=day("2026-01-03"))
    repo.branch("setup")
    repo.commit("Adopt", {CONFIG_FILE: CONFIG}, who="omar", date=day("2026-01-05"))
    approve(repo, CONFIG_FILE, who="dana", date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("setup", who="dana", date=day("2026-01-05"))
    # today's working tree makes eve top management (an edit nobody approved)
    repo.write({CONFIG_FILE: CONFIG.replace("id: eve, name: Eve Stone, email: eve@example.com",
                                            "id: eve, name: Eve Stone, email: eve@example.com, roles: [top-management]")})
    assert_caught(repo, "unapproved-change")


def test_the_first_configuration_judges_the_first_commit(repo: Repo) -> None:
    """Configuration and documents arrive together in the root commit: that configuration (in which
    eve approves nothing) judges them, not today's working tree (in which she is top management)."""
    repo.commit("Everything at once", {POL1: evil_policy()}, who="omar", date=day("2026-01-02"))
    approval_commit(repo, "eve", [("POL-001", repo.blob(POL1)), (CONFIG_FILE, repo.blob(CONFIG_FILE))],
                    date=day("2026-01-03"))
    repo.write({CONFIG_FILE: CONFIG.replace("id: eve, name: Eve Stone, email: eve@example.com",
                                            "id: eve, name: Eve Stone, email: eve@example.com, roles: [top-management]")})
    data = assert_caught(repo, "unapproved-change")
    assert "approver-not-authorised" in codes(data, key="POL-001")


def test_a_first_configuration_that_cannot_be_read_leaves_no_rule_to_the_working_tree(repo: Repo) -> None:
    """The first sms-docs.yml on the main line cannot be read (a key given twice); a readable one is
    approved later. What came between is judged by that first readable configuration (in which eve
    approves nothing), never by today's working tree (in which she is top management)."""
    repo.commit("Adopt", {CONFIG_FILE: CONFIG + "organisation: Example Services Ltd\n"}, who="omar",
                date=day("2026-01-02"))
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-01-03"))
    approval_commit(repo, "eve", [("POL-001", repo.blob(POL1))], date=day("2026-01-04"))
    repo.branch("fix")
    repo.commit("Readable configuration", {CONFIG_FILE: CONFIG}, who="omar", date=day("2026-01-05"))
    approval_commit(repo, "dana", [(CONFIG_FILE, repo.blob(CONFIG_FILE))], date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("fix", who="dana", date=day("2026-01-05"))
    repo.write({CONFIG_FILE: CONFIG.replace("id: eve, name: Eve Stone, email: eve@example.com",
                                            "id: eve, name: Eve Stone, email: eve@example.com, roles: [top-management]")})
    data = assert_caught(repo, "unapproved-change")
    assert "approver-not-authorised" in codes(data, key="POL-001")


def test_when_no_configuration_on_the_main_line_can_be_read_nobody_approves(repo: Repo) -> None:
    """The main line holds only an sms-docs.yml that cannot be read; today's working tree has a
    readable one (in which eve is top management). No rule comes from it: nobody approves."""
    repo.commit("Adopt", {CONFIG_FILE: CONFIG + "organisation: Example Services Ltd\n"}, who="omar",
                date=day("2026-01-02"))
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-01-03"))
    approval_commit(repo, "eve", [("POL-001", repo.blob(POL1))], date=day("2026-01-04"))
    repo.write({CONFIG_FILE: CONFIG.replace("id: eve, name: Eve Stone, email: eve@example.com",
                                            "id: eve, name: Eve Stone, email: eve@example.com, roles: [top-management]")})
    data = assert_caught(repo, "unknown-author")  # (every author: nobody is a person)
    assert "approver-not-authorised" in codes(data, key="POL-001")
