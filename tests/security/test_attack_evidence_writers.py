"""Class 4: evidence anyone could write. A forge review record counts only when the configured CI
identity committed it with a signature by its own key; a disposal record excuses a deletion only
when the record's retention had ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attack import MARKER, approved_policy, evil_policy, published
from conftest import CONFIG, Repo
from trust import (CONFIG_FILE, GITHUB, POL1, SIGNERS, approve, audit, codes, day, git_as, identity, run_json, signer_line,
                   ssh_key, start, use_key)

if TYPE_CHECKING:
    from pathlib import Path

CI = ("Records bot", "ci-bot@example.com")
CI_CONFIG = CONFIG.replace("  allow_author_approval: false",
                           "  allow_author_approval: false\n  ci_identities: [ci-bot@example.com]").replace(
    "id: priya, name: Priya Nair, email: priya@example.com,", "id: priya, name: Priya Nair, email: priya@example.com, github: pnair,")


def review_record(merge: str, reviewed: str) -> str:
    return (f"id: APR-2026-0001\ntype: approvals\ndate: 2026-03-02\ncreated_by: system\nforge: github\n"
            f"pull_request: 12\nmerge_commit: {merge}\nreviews:\n  - reviewer: pnair\n    email: priya@example.com\n"
            f"    state: APPROVED\n    commit_id: {reviewed}\n    submitted_at: '2026-03-02T15:30:00Z'\n")


def forge_setup(repo: Repo, tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    keys.mkdir()
    ci_key, ci_pub = ssh_key(keys, "ci-bot")
    start(repo, date=day("2026-01-05"))
    repo.branch("setup")
    repo.commit("Adopt", {CONFIG_FILE: CI_CONFIG, SIGNERS: signer_line("ci-bot", ci_pub) + "\n"}, who="omar",
                date=day("2026-01-05"))
    approve(repo, "--all", who="dana", date=day("2026-01-05"))
    repo.checkout("main")
    repo.merge("setup", who="dana", date=day("2026-01-05"))
    return ci_key


def github_change(repo: Repo, author: str) -> tuple[str, str]:
    repo.branch("pol1")
    reviewed = repo.commit("Policy", {POL1: evil_policy()}, who=author, date=day("2026-03-01"))
    repo.checkout("main")
    merge = git_as(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #12", "pol1", author=identity(author),
                   committer=GITHUB, date=day("2026-03-02"))
    return reviewed, merge


def test_a_review_record_committed_by_an_ordinary_author_approves_nothing(repo: Repo, tmp_path: Path) -> None:
    forge_setup(repo, tmp_path)
    reviewed, merge = github_change(repo, "omar")
    repo.commit("Record the reviews of #12", {"records/approvals/APR-2026-0001.yml": review_record(merge, reviewed)},
                who="omar", date=day("2026-03-02"))
    data = audit(repo)
    assert "untrusted-evidence" in codes(data, key="POL-001") or "untrusted-evidence" in codes(data)
    assert "unapproved-change" in codes(data, key="POL-001")
    assert MARKER not in published(repo)


def test_a_review_record_signed_by_the_ci_identity_approves(repo: Repo, tmp_path: Path) -> None:
    ci_key = forge_setup(repo, tmp_path)
    reviewed, merge = github_change(repo, "omar")
    repo.write({"records/approvals/APR-2026-0001.yml": review_record(merge, reviewed)})
    repo.git("add", "-A")
    use_key(repo, ci_key)
    git_as(repo, "commit", "-q", "-S", "-m", "Record the reviews of #12", author=CI, committer=CI, date=day("2026-03-02"))
    data = audit(repo)
    assert "untrusted-evidence" not in codes(data)
    assert "unapproved-change" not in codes(data), data["findings"]
    assert MARKER in published(repo)


REVIEW_RECORD = "id: REV-2026-0001\ntype: review\ndate: 2026-02-03\ncreated_by: dana\nsubject: [POL-001]\noutcome: no-change\nnotes: fine\n"


def test_a_disposal_record_does_not_excuse_deleting_a_record_still_in_retention(repo: Repo) -> None:
    approved_policy(repo)
    rec = "records/review/2026/REV-2026-0001.yml"
    repo.commit("Review record", {rec: REVIEW_RECORD}, who="dana", date=day("2026-02-03"))
    assert "record-deleted" not in codes(audit(repo))
    disposal = ("id: DSP-2026-0001\ntype: disposal\ndate: 2026-03-01\ncreated_by: eve\n"
                "disposed: [REV-2026-0001]\nreason: tidy up\npaths: [records/review/2026/REV-2026-0001.yml]\n")
    repo.commit("Dispose", {"records/disposal/2026/DSP-2026-0001.yml": disposal, rec: None}, who="eve",
                date=day("2026-03-01"))
    data = audit(repo)
    assert "record-deleted" in codes(data)
    assert not data["ok"]


def test_a_disposal_after_retention_is_clean(repo: Repo) -> None:
    approved_policy(repo)
    rec = "records/review/2026/REV-2026-0001.yml"
    old = REVIEW_RECORD.replace("2026-02-03", "2026-02-03").replace("notes: fine", "retention: 1 month\nnotes: fine")
    repo.commit("Review record", {rec: old}, who="dana", date=day("2026-02-03"))
    disposal = ("id: DSP-2026-0001\ntype: disposal\ndate: 2026-04-01\ncreated_by: dana\n"
                "disposed: [REV-2026-0001]\nreason: retention ended\npaths: [records/review/2026/REV-2026-0001.yml]\n")
    repo.commit("Dispose", {"records/disposal/2026/DSP-2026-0001.yml": disposal, rec: None}, who="dana",
                date=day("2026-04-01"))
    assert "record-deleted" not in codes(audit(repo))


# --- periodic review records -------------------------------------------------------------------------

REVIEW = "records/review/2027/REV-2027-0001.yml"


def review_record_of(blob: str, created_by: str, date: str) -> str:
    return (f"id: REV-2027-0001\ntype: review\ndate: {date}\ncreated_by: {created_by}\nsubject: [POL-001]\n"
            f"outcome: no-change\nnotes: Still accurate.\nblob: {blob}\n")


def next_review(repo: Repo, as_of: str) -> str:
    [found] = [d for d in run_json(repo, "status", "--as-of", as_of)["documents"] if d["id"] == "POL-001"]
    return str(found["next_review"])


def test_a_review_record_written_in_someone_elses_name_does_not_restart_the_cycle(repo: Repo) -> None:
    """A no-change review record restarts a document's review cycle. Eve, who may write records,
    commits one that names Dana as its reviewer: it is not Dana's review."""
    approved_policy(repo)
    assert next_review(repo, "2026-12-01") == "2027-02-02"
    repo.commit("Review POL-001", {REVIEW: review_record_of(repo.blob(POL1), "dana", "2027-01-20")}, who="eve",
                date=day("2027-01-20"))
    assert next_review(repo, "2027-03-01") == "2027-02-02"
    data = audit(repo, "--as-of", "2027-03-01")
    assert codes(data) == ["review-overdue", "untrusted-evidence"]
    [found] = [f for f in data["findings"] if f["code"] == "untrusted-evidence"]
    assert (found["path"], found["id"], found["severity"]) == (REVIEW, "REV-2027-0001", "warning")
    assert "names dana" in found["message"] and "eve@example.com" in found["message"]


def test_a_review_record_by_its_reviewer_restarts_the_cycle(repo: Repo) -> None:
    approved_policy(repo)
    repo.commit("Review POL-001", {REVIEW: review_record_of(repo.blob(POL1), "dana", "2027-01-20")}, who="dana",
                date=day("2027-01-20"))
    assert next_review(repo, "2027-03-01") == "2028-01-20"
    assert codes(audit(repo, "--as-of", "2027-03-01")) == []


def test_a_review_dated_ahead_of_its_landing_counts_from_its_landing(repo: Repo) -> None:
    """The review's own date is one its writer chose: dated at the end of the year but on the main
    line in January, it restarts the cycle in January."""
    approved_policy(repo)
    repo.commit("Review POL-001", {REVIEW: review_record_of(repo.blob(POL1), "dana", "2027-12-31")}, who="dana",
                date=day("2027-01-20"))
    assert next_review(repo, "2027-03-01") == "2028-01-20"
    assert codes(audit(repo, "--as-of", "2028-02-01")) == ["review-overdue"]


def test_a_review_is_its_writers_whoever_merges_it(repo: Repo) -> None:
    """Through a merge request: the review counts when its branch commit is the reviewer's, not
    when the reviewer only merged someone else's record written in their name."""
    approved_policy(repo)
    blob = repo.blob(POL1)
    repo.branch("review-by-dana")
    repo.commit("Review POL-001", {REVIEW: review_record_of(blob, "dana", "2027-01-20")}, who="dana", date=day("2027-01-20"))
    repo.checkout("main")
    repo.merge("review-by-dana", who="priya", date=day("2027-01-21"))
    assert next_review(repo, "2027-03-01") == "2028-01-20"
    other = "records/review/2027/REV-2027-0002.yml"
    repo.branch("review-in-her-name")
    repo.commit("Review POL-001", {other: review_record_of(blob, "dana", "2028-01-10").replace("REV-2027-0001", "REV-2027-0002")},
                who="eve", date=day("2028-01-10"))
    repo.checkout("main")
    repo.merge("review-in-her-name", who="dana", date=day("2028-01-11"))
    assert next_review(repo, "2028-03-01") == "2028-01-20"
    assert codes(audit(repo, "--as-of", "2028-03-01")) == ["review-overdue", "untrusted-evidence"]


def _github_merge(repo: Repo, branch: str, body: str, *, merger: str = "lena") -> str:
    """A pull request merged on GitHub: the merge is authored by the person who pressed the button
    and committed by GitHub; its message is GitHub's subject and the pull request's own title (or
    description), which the pull request's author wrote."""
    return git_as(repo, "merge", "-q", "--no-ff", "-m", f"Merge pull request #7 from omar/{branch}\n\n{body}", branch,
                  author=identity(merger), committer=GITHUB, date=day("2026-03-01"))


def test_a_trailer_in_a_github_pull_request_text_approves_nothing(repo: Repo) -> None:
    """omar titles his pull request `Approved-by: Dana Reyes <dana@example.com>`; GitHub puts the
    title into the merge commit's message, where it reads as a merge trailer. GitHub never writes
    such trailers, so on a merge GitHub committed they are the pull request author's words."""
    from attack import assert_caught

    approved_policy(repo)
    repo.branch("pol2")
    repo.commit("Policy", {POL1: evil_policy()}, who="omar", date=day("2026-03-01"))
    repo.checkout("main")
    _github_merge(repo, "pol2", "Approved-by: Dana Reyes <dana@example.com>")
    data = assert_caught(repo, "unapproved-change")
    assert "untrusted-evidence" in codes(data)
    history = repo.run("history", "POL-001").output
    assert "GitHub pull request" in history


def test_a_trailer_in_a_merge_its_merger_committed_still_counts(repo: Repo) -> None:
    """The same trailer in a merge committed by a person (GitLab's `%{approved_by}`, a local merge)."""
    approved_policy(repo)
    repo.branch("pol2")
    repo.commit("Policy", {POL1: policy_text("Revised.")}, who="omar", date=day("2026-03-01"))
    repo.checkout("main")
    repo.merge("pol2", who="lena", date=day("2026-03-01"), trailers=["Approved-by: Dana Reyes <dana@example.com>"])
    assert audit(repo, expect=0)["findings"] == []


def policy_text(body: str) -> str:
    from trust import policy

    return policy(body=body + "\n")
