"""Class 2: a change is judged by rules approved before it, never by the change itself: the
document's own `approvers:` and `type:`, `.sms/allowed_signers` and `main_branch`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attack import MARKER, approved_policy, assert_caught, evil_policy, hand_approved, published
from conftest import CONFIG, Repo, doc
from trust import (AS_OF, CONFIG_FILE, POL1, SIGNERS, approval_commit, approve, audit, codes, day,
                   signed_config, signer_line, ssh_key, start, use_key)

if TYPE_CHECKING:
    from pathlib import Path


def test_a_new_document_cannot_name_its_own_approvers(repo: Repo) -> None:
    approved_policy(repo)
    hand_approved(repo, "pol3", {"policies/POL-003-evil.md": doc("POL-003", "Evil", body=f"{MARKER}\n", approvers=["eve"])},
                  author="omar", approver="eve", date=day("2026-03-01"))
    data = assert_caught(repo, "approver-not-authorised")
    assert "unapproved-change" in codes(data, key="POL-003")


def test_a_revision_that_widens_its_approvers_is_judged_by_the_previous_list(repo: Repo) -> None:
    approved_policy(repo)
    hand_approved(repo, "widen", {POL1: evil_policy(approvers=["eve"])}, author="omar", approver="eve",
                  date=day("2026-03-01"))
    data = assert_caught(repo, "approver-not-authorised")
    assert "unapproved-change" in codes(data, key="POL-001")


def test_a_document_cannot_choose_a_type_with_easier_approvers(repo: Repo) -> None:
    approved_policy(repo)
    # a policy (approved by top management) that calls itself a procedure (approved by process owners)
    hand_approved(repo, "pol4", {"policies/POL-004-evil.md": doc("POL-004", "Evil", type="procedure", body=f"{MARKER}\n")},
                  author="omar", approver="lena", date=day("2026-03-01"))
    data = assert_caught(repo, "approver-not-authorised")
    assert "id-type-mismatch" in codes(data, key="POL-004") or "id-type-mismatch" in codes(data)


def test_a_change_cannot_enrol_its_own_signing_key(repo: Repo, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    dana_key, dana_pub = ssh_key(keys, "dana")
    eve_key, eve_pub = ssh_key(keys, "eve")
    start(repo, date=day("2026-01-05"))
    repo.branch("setup")
    repo.commit("Adopt", {CONFIG_FILE: signed_config(CONFIG), SIGNERS: signer_line("dana", dana_pub) + "\n"},
                who="omar", date=day("2026-01-05"))
    use_key(repo, dana_key)
    approve(repo, "--all", "--sign", who="dana", date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("setup", who="dana", date=day("2026-01-05"))
    # eve enrols her own key under dana's email in the same change, and signs "dana's" approval with it
    repo.branch("evil")
    repo.commit("Policy", {POL1: evil_policy(),
                           SIGNERS: signer_line("dana", dana_pub) + "\n" + signer_line("dana", eve_pub) + "\n"},
                who="omar", date=day("2026-03-01"))
    use_key(repo, eve_key)
    approval_commit(repo, "dana", [("POL-001", repo.blob(POL1))], date=day("2026-03-01"), sign=True)
    repo.checkout("main")
    repo.merge("evil", who="omar", date=day("2026-03-01"))
    data = audit(repo)
    assert {"signature-invalid", "approval-unsigned"} & set(codes(data, key="POL-001")), codes(data)
    assert "unapproved-change" in codes(data, key="POL-001")
    assert MARKER not in published(repo)


def test_main_branch_cannot_be_pointed_elsewhere_by_an_unapproved_commit(repo: Repo) -> None:
    approved_policy(repo)
    # an unprotected branch where eve merges her own text with a forged trailer
    repo.branch("evil")
    repo.branch("evil-work", "evil")
    repo.commit("Policy", {POL1: evil_policy()}, who="eve", date=day("2026-03-01"))
    repo.checkout("evil")
    repo.merge("evil-work", who="eve", date=day("2026-03-01"), trailers=["Approved-by: Dana Reyes <dana@example.com>"])
    repo.checkout("main")
    repo.commit("Point the audit elsewhere", {CONFIG_FILE: CONFIG.replace("main_branch: main", "main_branch: evil")},
                who="eve", date=day("2026-03-02"))
    data = audit(repo)
    assert data["ref"] == "main"
    assert "unapproved-change" in codes(data, key=CONFIG_FILE)
    assert not data["ok"]
    assert MARKER not in published(repo)
    # the site says the same without a working tree (a bare mirror reads everything from git)
    assert repo.run("status", "--as-of", AS_OF).exit_code == 0


def test_a_clean_history_has_none_of_these_findings(repo: Repo) -> None:
    approved_policy(repo)
    data = audit(repo, expect=0)
    assert data["findings"] == []
    assert "The approved policy text." in published(repo)


def test_the_repository_configuration_cannot_choose_who_verifies_signatures(repo: Repo, tmp_path: Path) -> None:
    """A clone's .git/config is not a rule: a verifier that always says "good" is never run."""
    keys = tmp_path / "keys"
    keys.mkdir()
    dana_key, dana_pub = ssh_key(keys, "dana")
    eve_key, _ = ssh_key(keys, "eve")
    start(repo, date=day("2026-01-05"))
    repo.branch("setup")
    repo.commit("Adopt", {CONFIG_FILE: signed_config(CONFIG), SIGNERS: signer_line("dana", dana_pub) + "\n"},
                who="omar", date=day("2026-01-05"))
    use_key(repo, dana_key)
    approve(repo, "--all", "--sign", who="dana", date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("setup", who="dana", date=day("2026-01-05"))
    repo.branch("evil")
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-03-01"))
    use_key(repo, eve_key)  # eve's key, under dana's name
    approval_commit(repo, "dana", [("POL-001", repo.blob(POL1))], date=day("2026-03-01"), sign=True)
    repo.checkout("main")
    repo.merge("evil", who="omar", date=day("2026-03-01"))
    liar = tmp_path / "always-good"
    liar.write_text("#!/bin/sh\ncat >/dev/null\n"
                    "echo 'Good \"git\" signature for dana@example.com with ED25519 key SHA256:forged'\nexit 0\n")
    liar.chmod(0o755)
    repo.git("config", "gpg.ssh.program", str(liar))
    repo.git("config", "gpg.ssh.allowedSignersFile", str(liar))
    data = audit(repo)
    assert "unapproved-change" in codes(data, key="POL-001")
    assert MARKER not in published(repo)


def test_an_approved_configuration_that_cannot_be_read_leaves_the_last_readable_one_in_force(repo: Repo) -> None:
    """The first configuration (at adoption) let a merger's merge approve; a later approved one
    stopped that. A third, approved but unreadable (a key given twice, easy to miss in a review),
    must not bring the first rules back: the last readable approved configuration stays in force,
    and the unreadable one is reported."""
    from trust import change, findings, setup, with_settings

    lax = with_settings(CONFIG, evidence=["approval-commit", "merge-trailer", "forge-review", "merger"])
    setup(repo, lax, date=day("2026-01-05"))
    change(repo, "strict", {CONFIG_FILE: CONFIG}, date=day("2026-01-10"))
    change(repo, "pol1", {POL1: evil_policy()}, approvers=(), merger="dana", date=day("2026-02-01"))
    assert "unapproved-change" in codes(audit(repo), key="POL-001")  # the strict rules judge it
    broken = CONFIG + "organisation: Example Services Ltd\n"
    hand_approved(repo, "broken", {CONFIG_FILE: broken}, author="omar", approver="dana", date=day("2026-02-10"))
    repo.branch("pol2")  # merged by dana, approved by nobody: only the first rules would count that
    repo.git("add", "-A")
    repo.write({POL1: evil_policy(title="Again")})
    repo.git("add", POL1)
    repo.git("commit", "-q", "-m", "Again", who="omar", date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("pol2", who="dana", date=day("2026-03-01"))
    change(repo, "fixed", {CONFIG_FILE: CONFIG.replace("Example Services Ltd", "Example Services Limited")},
           date=day("2026-03-05"))  # every command reads again from here on
    data = audit(repo)
    assert len([f for f in codes(data, key="POL-001") if f == "unapproved-change"]) == 2
    unread = [f for f in findings(data, "config-error") if f["path"] == CONFIG_FILE]
    assert unread and "duplicate key 'organisation'" in unread[0]["message"]
    assert MARKER not in published(repo)


def test_an_approved_deletion_of_the_configuration_leaves_the_last_one_in_force(repo: Repo) -> None:
    """Rules never lapse: after an approved deletion of sms-docs.yml the configuration approved
    before it still judges (here: a merger's merge is no approval), and the deletion is reported."""
    from trust import change, findings, setup, with_settings

    lax = with_settings(CONFIG, evidence=["approval-commit", "merge-trailer", "forge-review", "merger"])
    setup(repo, lax, date=day("2026-01-05"))
    change(repo, "strict", {CONFIG_FILE: CONFIG}, date=day("2026-01-10"))
    repo.branch("gone")
    repo.git("rm", "-q", CONFIG_FILE)
    repo.git("commit", "-q", "-m", "Remove the configuration", who="omar", date=day("2026-02-01"))
    approval_commit(repo, "dana", [(CONFIG_FILE, "0" * 40)], date=day("2026-02-01"))
    repo.checkout("main")
    repo.merge("gone", who="dana", date=day("2026-02-01"))
    repo.branch("pol1")  # merged by dana, approved by nobody
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-02-10"))
    repo.checkout("main")
    repo.merge("pol1", who="dana", date=day("2026-02-10"))
    repo.write({CONFIG_FILE: CONFIG})  # (today's working tree, never a rule)
    data = audit(repo)
    assert "unapproved-change" in codes(data, key="POL-001")
    assert any("was deleted" in f["message"] for f in findings(data, "config-error"))
    assert MARKER not in published(repo)
