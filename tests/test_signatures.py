"""Signed approvals (REQUIREMENTS D9, A3, A4; SPEC section 5): real ed25519 keys from ssh-keygen,
git's own SSH signing, `.sms/allowed_signers` on the main line. A signature is good only when git
verifies it against a key listed for the approver's own email; anything else is a finding."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from conftest import CONFIG, Repo, doc, unavailable
from trust import (POL1, PRC1, SIGNERS, approval_commit, approve, audit, audit_doc, codes, day, findings, policy,
                   run_json, signed_config, signer_line, ssh_key, start, status_of, trailer, use_key)

if TYPE_CHECKING:
    from pathlib import Path

SIGNED = signed_config(CONFIG)
OPENPGP = ".sms/openpgp-keys.asc"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {who: ssh_key(folder, who) for who in ("dana", "priya", "omar", "lena", "stranger")}


def signers(keys: dict[str, tuple[Path, str]], *people: str) -> str:
    return "# approvers' keys\n" + "".join(signer_line(p, keys[p][1]) + "\n" for p in people)


def signed_setup(repo: Repo, keys: dict[str, tuple[Path, str]], config: str = SIGNED,
                 listed: tuple[str, ...] = ("dana", "priya", "omar")) -> None:
    """Configuration requiring signatures and the allowed signers, approved by dana with a signed
    approval commit (the first configuration judges itself)."""
    start(repo, date=day("2026-01-05"))
    repo.branch("setup")
    repo.commit("Adopt sms-docs with signed approvals", {"sms-docs.yml": config, SIGNERS: signers(keys, *listed)},
                who="omar", date=day("2026-01-05"))
    use_key(repo, keys["dana"][0])
    approve(repo, "--all", "--sign", who="dana", date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("setup", who="dana", date=day("2026-01-05"))


def policy_branch(repo: Repo, name: str = "pol1") -> str:
    repo.branch(name)
    repo.commit("Policy", {POL1: policy()}, who="omar", date=day("2026-02-02"))
    return repo.blob(POL1)


def merge(repo: Repo, branch: str = "pol1", **kwargs: object) -> str:
    repo.checkout("main")
    return repo.merge(branch, who="omar", date=day("2026-02-04"), **kwargs)  # type: ignore[arg-type]


def approvals(repo: Repo, ident: str = "POL-001") -> list[dict[str, object]]:
    return audit_doc(audit(repo), ident)["revisions"][-1]["approvals"]


def test_setup_itself_is_clean(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    data = audit(repo, expect=0)
    assert data["findings"] == []
    for key in ("sms-docs.yml", SIGNERS):
        rev = audit_doc(data, key)["revisions"][0]
        assert rev["revision"] == 1
        assert [(a["signature"], a["valid"]) for a in rev["approvals"]] == [("good", True)]


def test_approve_sign_end_to_end(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    policy_branch(repo)
    use_key(repo, keys["priya"][0])
    result = repo.run("approve", "POL-001", "--sign", who="priya", date=day("2026-02-03"))
    assert result.exit_code == 0, result.output
    assert "(signed)" in result.output
    commit = repo.git("rev-parse", "HEAD")
    assert repo.git("cat-file", "-p", commit).count("-----BEGIN SSH SIGNATURE-----") == 1
    merge(repo)
    data = audit(repo, expect=0)
    assert data["findings"] == []
    rev = audit_doc(data, "POL-001")["revisions"][0]
    assert rev["revision"] == 1
    assert [(a["email"], a["signature"], a["valid"], a["commit"]) for a in rev["approvals"]] == [
        ("priya@example.com", "good", True, commit)]
    assert "signed: good" in repo.run("show", "POL-001", "--as-of", "2026-06-30").output


def test_unsigned_approval_is_approval_unsigned(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    policy_branch(repo)
    approve(repo, "POL-001", who="priya")
    merge(repo)
    data = audit(repo, expect=1)
    assert codes(data) == ["approval-unsigned", "unapproved-change"]
    f = findings(data, "approval-unsigned")[0]
    assert (f["severity"], f["id"], f["path"]) == ("error", "POL-001", POL1)
    assert [(a["signature"], a["valid"]) for a in approvals(repo)] == [("none", False)]
    assert status_of(repo, "POL-001")["state"] == "draft"


def test_key_not_in_allowed_signers_is_signature_invalid(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    policy_branch(repo)
    use_key(repo, keys["stranger"][0])  # priya signs with a key nobody listed
    approve(repo, "POL-001", "--sign", who="priya")
    merge(repo)
    data = audit(repo, expect=1)
    assert codes(data) == ["signature-invalid", "unapproved-change"]
    [a] = approvals(repo)
    assert a["valid"] is False and a["signature"] in ("unknown", "bad")


def test_key_of_someone_else_is_signature_invalid(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    """Priya's key on a commit that Omar made: git says the signature is good (for priya), but it is
    not Omar's signature."""
    signed_setup(repo, keys)
    repo.branch("prc")
    repo.commit("Procedure", {PRC1: doc("PRC-001", "Change management", type="procedure", owner="lena")},
                who="lena", date=day("2026-02-02"))
    use_key(repo, keys["priya"][0])
    approve(repo, "PRC-001", "--sign", who="omar")
    merge(repo, "prc")
    data = audit(repo, expect=1)
    assert codes(data) == ["signature-invalid", "unapproved-change"]
    [a] = approvals(repo, "PRC-001")
    assert a["email"] == "omar@example.com" and a["signature"] == "good" and a["valid"] is False
    assert "priya@example.com" in a["reason"]


def test_key_of_someone_else_is_signature_invalid_even_when_signatures_are_optional(
        repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys, config=CONFIG)
    repo.branch("prc")
    repo.commit("Procedure", {PRC1: doc("PRC-001", "Change management", type="procedure", owner="lena")},
                who="lena", date=day("2026-02-02"))
    use_key(repo, keys["priya"][0])
    approve(repo, "PRC-001", "--sign", who="omar")
    merge(repo, "prc")
    assert codes(audit(repo, expect=1)) == ["signature-invalid", "unapproved-change"]


def test_tampered_signed_commit_is_signature_invalid(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    """A signed approval commit whose message was edited afterwards (the signature no longer matches)."""
    signed_setup(repo, keys)
    blob = policy_branch(repo)
    use_key(repo, keys["priya"][0])
    approve(repo, "POL-001", "--sign", who="priya")
    raw = repo.git("cat-file", "commit", "HEAD")
    forged = raw.replace("Approve POL-001", "Approve POL-001 (all good)")
    sha = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=repo.path, input=forged + "\n",
                         capture_output=True, text=True, check=True).stdout.strip()
    repo.git("reset", "-q", "--hard", sha)
    assert repo.git("log", "-1", "--format=%(trailers:key=Approval-of,valueonly)").strip() == f"POL-001 {blob}"
    merge(repo)
    data = audit(repo, expect=1)
    assert codes(data) == ["signature-invalid", "unapproved-change"]
    assert [(a["signature"], a["valid"]) for a in approvals(repo)] == [("bad", False)]


def test_signature_is_reported_good_when_not_required(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys, config=CONFIG)
    policy_branch(repo)
    use_key(repo, keys["priya"][0])
    approve(repo, "POL-001", "--sign", who="priya")
    approve(repo, "POL-001", who="dana")
    merge(repo)
    data = audit(repo, expect=0)
    assert [(a["email"], a["signature"], a["valid"]) for a in audit_doc(data, "POL-001")["revisions"][0]["approvals"]] \
        == [("priya@example.com", "good", True), ("dana@example.com", "none", True)]  # in time order


def test_unsigned_merge_trailer_is_approval_unsigned(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    policy_branch(repo)
    merge(repo, trailers=[trailer("priya")])
    data = audit(repo, expect=1)
    assert codes(data) == ["approval-unsigned", "unapproved-change"]
    assert [(a["evidence"], a["signature"]) for a in approvals(repo)] == [("merge-trailer", "none")]


def test_merge_signed_by_the_approver_named_in_the_trailer_counts(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    policy_branch(repo)
    repo.checkout("main")
    use_key(repo, keys["priya"][0])
    repo.git("merge", "-q", "--no-ff", "-S", "-m", f"Merge branch 'pol1'\n\n{trailer('priya')}", "pol1",
             who="priya", date=day("2026-02-04"))
    data = audit(repo, expect=0)
    assert [(a["evidence"], a["signature"], a["valid"]) for a in approvals(repo)] == [("merge-trailer", "good", True)]
    assert data["findings"] == []


def test_approval_signed_for_a_forged_name_does_not_count(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    """Eve writes `Approved-by: Dana` into her own approval commit."""
    signed_setup(repo, keys, config=CONFIG)
    blob = policy_branch(repo)
    approval_commit(repo, "eve", [("POL-001", blob)], claimed="dana")
    merge(repo)
    data = audit(repo, expect=1)
    assert codes(data) == ["approver-not-authorised", "unapproved-change"]
    [a] = approvals(repo)
    assert a["email"] == "dana@example.com" and "eve@example.com" in a["reason"]


def test_changing_allowed_signers_needs_approval(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    repo.commit("Add my own key", {SIGNERS: signers(keys, "dana", "priya", "omar", "lena")}, who="lena",
                date=day("2026-03-01"))
    data = audit(repo, expect=1)
    assert codes(data) == ["unapproved-change"]
    assert findings(data, "unapproved-change")[0]["path"] == SIGNERS


def test_sign_without_a_signing_key_is_a_clear_error(repo: Repo, keys: dict[str, tuple[Path, str]]) -> None:
    signed_setup(repo, keys)
    policy_branch(repo)
    repo.git("config", "--unset", "user.signingkey")
    before = repo.git("rev-parse", "HEAD")
    result = repo.run("approve", "POL-001", "--sign", who="priya")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "could not be signed" in result.output and "user.signingkey" in result.output
    assert repo.git("rev-parse", "HEAD") == before
    history = run_json(repo, "history", "sms-docs.yml")
    assert history["revisions"][0]["approvals"][0]["signature"] == "good"


# --- OpenPGP: git's %GS is the key's user ID, `Name <email>` -----------------------------------------


@pytest.fixture
def gnupg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A private keyring with an ed25519 signing key for Priya (no passphrase); its agent is stopped after."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    made = subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-generate-key",
                           "Priya Nair <priya@example.com>", "ed25519", "sign", "never"], capture_output=True, text=True)
    if made.returncode != 0:
        unavailable(f"gpg cannot make a key here: {made.stderr.strip()}")
    listing = subprocess.run(["gpg", "--batch", "--with-colons", "--list-secret-keys"], capture_output=True, text=True,
                             check=True).stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    yield fingerprint
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True)


def openpgp_setup(repo: Repo, keys: dict[str, tuple[Path, str]], fingerprint: str) -> None:
    """The approvers' OpenPGP keys are controlled like their SSH keys: .sms/openpgp-keys.asc."""
    exported = subprocess.run(["gpg", "--batch", "--armor", "--export", fingerprint], capture_output=True, text=True,
                              check=True).stdout
    start(repo, date=day("2026-01-05"))
    repo.branch("setup")
    repo.commit("Adopt sms-docs with signed approvals", {"sms-docs.yml": SIGNED, SIGNERS: signers(keys, "dana", "priya"),
                                                         OPENPGP: exported}, who="omar", date=day("2026-01-05"))
    use_key(repo, keys["dana"][0])
    approve(repo, "--all", "--sign", who="dana", date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("setup", who="dana", date=day("2026-01-05"))


def test_openpgp_signature_of_the_approver_is_good(repo: Repo, keys: dict[str, tuple[Path, str]], gnupg: str) -> None:
    openpgp_setup(repo, keys, gnupg)
    policy_branch(repo)
    repo.git("config", "gpg.format", "openpgp")
    repo.git("config", "user.signingkey", gnupg)
    approve(repo, "POL-001", "--sign", who="priya")
    assert "BEGIN PGP SIGNATURE" in repo.git("cat-file", "commit", "HEAD")
    merge(repo)
    data = audit(repo, expect=0)
    assert [(a["email"], a["signature"], a["valid"]) for a in audit_doc(data, "POL-001")["revisions"][0]["approvals"]] \
        == [("priya@example.com", "good", True)]


def test_openpgp_signature_of_someone_else_is_signature_invalid(repo: Repo, keys: dict[str, tuple[Path, str]],
                                                                gnupg: str) -> None:
    openpgp_setup(repo, keys, gnupg)
    policy_branch(repo)
    repo.git("config", "gpg.format", "openpgp")
    repo.git("config", "user.signingkey", gnupg)
    approve(repo, "POL-001", "--sign", who="dana")  # Priya's key on Dana's approval
    merge(repo)
    data = audit(repo, expect=1)
    assert codes(data) == ["signature-invalid", "unapproved-change"]
    [a] = approvals(repo)
    assert a["signature"] == "good" and "Priya Nair <priya@example.com>" in a["reason"]


def test_openpgp_key_only_in_the_auditors_keyring_is_not_trusted(repo: Repo, keys: dict[str, tuple[Path, str]],
                                                                 gnupg: str) -> None:
    """The keyring of whoever runs the audit holds Priya's key, but the repository's approved keys do
    not: her signature cannot be verified, so under require_signature it does not count."""
    signed_setup(repo, keys)
    policy_branch(repo)
    repo.git("config", "gpg.format", "openpgp")
    repo.git("config", "user.signingkey", gnupg)
    approve(repo, "POL-001", "--sign", who="priya")
    merge(repo)
    data = audit(repo, expect=1)
    [a] = approvals(repo)
    assert a["signature"] != "good" and not a["valid"]
    assert "unapproved-change" in codes(data)


# --- a signature format sms-docs does not read -----------------------------------------------------

FAKE_VERIFIER = """#!/bin/sh
# Says any signature is priya's good signature, whatever it is given.
cat > /dev/null
echo '[GNUPG:] NEWSIG'
echo '[GNUPG:] GOODSIG 0123456789ABCDEF priya@example.com'
echo '[GNUPG:] VALIDSIG 0123456789ABCDEF0123456789ABCDEF01234567 2026-02-03 0 0 0 0 0 0 0 0123456789ABCDEF0123456789ABCDEF01234567'
echo '[GNUPG:] TRUST_ULTIMATE 0 shell'
exit 0
"""


def x509_signed(repo: Repo, sha: str) -> str:
    """The commit with an X.509 (CMS) signature header added (its bytes are never checked by anyone
    honest: the fake verifier below vouches for them), as a new object."""
    raw = repo.git("cat-file", "commit", sha) + "\n"
    head, body = raw.split("\n\n", 1)
    signature = "gpgsig -----BEGIN SIGNED MESSAGE-----\n MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0B\n -----END SIGNED MESSAGE-----"
    return subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=repo.path, input=f"{head}\n{signature}\n\n{body}",
                          capture_output=True, text=True, check=True).stdout.strip()


def test_a_verifier_named_in_the_repository_config_cannot_vouch_for_a_signature(
        repo: Repo, keys: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    """.git/config is no evidence: whoever can write it could name any program as git's X.509
    verifier, one that calls every signature good. An approval commit with an X.509 signature,
    checked by such a program, is not a signed approval."""
    signed_setup(repo, keys)
    policy_branch(repo)
    approve(repo, "POL-001", who="priya")
    repo.git("update-ref", "refs/heads/pol1", x509_signed(repo, repo.git("rev-parse", "HEAD")))
    repo.git("reset", "-q", "--hard", "pol1")
    verifier = tmp_path / "fake-gpgsm"
    verifier.write_text(FAKE_VERIFIER)
    verifier.chmod(0o755)
    repo.git("config", "gpg.x509.program", str(verifier))
    assert repo.git("log", "-1", "--format=%G? %GS", "pol1") == "G priya@example.com"  # (git itself is fooled)
    merge(repo)
    data = audit(repo, expect=1)
    assert codes(data) == ["approval-unsigned", "unapproved-change"]  # (sms-docs reads SSH and OpenPGP signatures only)
    [a] = approvals(repo)
    assert (a["valid"], a["signature"]) == (False, "none")
    assert status_of(repo, "POL-001")["state"] == "draft"
