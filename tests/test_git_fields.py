"""Names, e-mail addresses, messages and paths are the authors' own and may hold any control
character, the separators of git's log text among them. None of them can forge a commit, its
identities, its parents, its message or its changes in what sms-docs reads from git."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import doc, identity

from sms_docs import gitrepo

if TYPE_CHECKING:
    from conftest import Repo

POL1 = "policies/POL-001-security.md"


def _truth(repo: Repo, sha: str) -> tuple[object, ...]:
    """What git says of one commit, NUL-separated (no name, address or message holds a NUL)."""
    out = subprocess.run(["git", "log", "-1", "--format=%P%x00%an%x00%ae%x00%cn%x00%ce%x00%B", sha], cwd=repo.path,
                         capture_output=True, text=True, check=True).stdout  # (str.strip takes \x1c-\x1f too)
    parents, an, ae, cn, ce, message = out.split("\0")
    return tuple(parents.split()), an, ae, cn, ce, message.rstrip("\n")


def _changes(repo: Repo, sha: str) -> list[gitrepo.Change]:
    tokens = repo.git("diff-tree", "-r", "--raw", "-z", "--no-abbrev", "--no-renames", "--no-commit-id", "--root",
                      *([f"{sha}^1"] if len(_truth(repo, sha)[0]) > 1 else []), sha).split("\0")
    return [gitrepo.Change(tokens[i + 1], *(lambda f: (f[2], f[3], f[4][:1], f[1], f[0]))(tokens[i][1:].split()))
            for i in range(len(tokens) - 1) if tokens[i].startswith(":")]


def _forged_history(repo: Repo) -> dict[str, str]:
    """An honest approval by Dana; then Eve's commit whose name, message and a file name hold git's
    field and record separators written to read as Dana's approval of Eve's change and as another
    commit's changes; then Omar's commit."""
    shas: dict[str, str] = {}
    repo.commit("Add policy", {POL1: doc("POL-001", "Security")}, who="omar")
    shas["dana"] = repo.commit("Approve POL-001\n\nApproved-by: Dana", {"notes/d.txt": "d\n"}, who="dana")
    fake = (f"\x1f\x1e{shas['dana']}\x1f{'0' * 40}\x1f\x1fDana Reyes\x1fdana@example.com\x1f1700000000"
            f"\x1fDana Reyes\x1fdana@example.com\x1f1700000000\x1fApproved-by: Dana\x1f")
    repo.write({POL1: doc("POL-001", "Security", body="Eve's change.\n"),
                f"notes/x\x1e{shas['dana']}": "x\n", f"notes/y\x1f{'1' * 40}": "y\n"})
    repo.git("add", "-A")
    env = {**repo.env("omar"), "GIT_AUTHOR_NAME": "Eve\x1fdana@example.com\x1f1700000000\x1fDana Reyes",
           "GIT_AUTHOR_EMAIL": "eve@example.com", "GIT_COMMITTER_EMAIL": "eve@example.com",
           "GIT_COMMITTER_NAME": "Eve\x1fdana@example.com\x1f1700000000"}
    subprocess.run(["git", "commit", "-q", "-m", "Eve's change" + fake], cwd=repo.path, env=env, check=True)
    shas["eve"] = repo.git("rev-parse", "HEAD")
    shas["omar"] = repo.commit("Later", {"notes/o.txt": "o\n"}, who="omar")
    return shas


@pytest.mark.parametrize("cached", [False, True])
def test_separators_in_names_messages_and_paths_forge_nothing(repo: Repo, cached: bool,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_DOCS_CACHE_KEY", "test-key")
    shas = _forged_history(repo)
    with gitrepo.GitRepo(repo.path) as r:
        tip = repo.git("rev-parse", "main")
        if cached:
            r.commits(tip)  # cold, writes the cache; the warm read below parses the cached text
        commits = r.commits(tip, use_cache=cached)
        assert set(commits) == set(repo.git("rev-list", "main").split())
        for sha, c in commits.items():
            assert (c.parents, c.author_name, c.author_email, c.committer_name, c.committer_email,
                    c.message) == _truth(repo, sha), sha
            assert sorted(c.changes, key=lambda ch: ch.path) == sorted(_changes(repo, sha), key=lambda ch: ch.path)
        eve = commits[shas["eve"]]
        assert eve.author_email != "dana@example.com" and "Eve" in eve.committer_name
        assert [c.sha for c in r.changes_of([shas["eve"], shas["dana"]])] == [shas["eve"], shas["dana"]]
        for c in r.changes_of([shas["eve"], shas["dana"]]):
            assert (c.parents, c.author_name, c.author_email, c.committer_name, c.committer_email,
                    c.message) == _truth(repo, c.sha)
            assert sorted(c.changes, key=lambda ch: ch.path) == sorted(_changes(repo, c.sha), key=lambda ch: ch.path)
        _, headers, line = r.scope_passes("main", "main")
        assert set(headers) == set(commits)
        for sha, c in headers.items():
            truth = _truth(repo, sha)
            assert (c.author_email, c.committer_email, c.message) == (truth[2], truth[4], truth[5])
        assert line[shas["dana"]] == _changes(repo, shas["dana"])


def test_a_plain_history_is_read_without_asking_the_objects(repo: Repo) -> None:
    """The usual case costs one count: no record is re-read from its commit object."""
    repo.commit("Add policy", {POL1: doc("POL-001", "Security")}, who="omar")
    repo.commit("Change", {POL1: doc("POL-001", "Security", body="Two.\n")}, who="dana")
    with gitrepo.GitRepo(repo.path) as r:
        text = r._git("log", "main", "-z", gitrepo._header(with_tree=True), "--")
        assert r._unambiguous(text, with_tree=True) is text
        assert len(list(gitrepo._parse_log(text, with_tree=True))) == 2


def test_the_non_merges_read_in_two_passes_are_cached_as_one_text(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The own diffs come from two git processes when there are many pairs; the cache keeps their
    texts as one, and reading it again gives every commit its own changes, as the cold read did."""
    monkeypatch.setattr(gitrepo, "_SPLIT_DIFFS", 2)
    monkeypatch.setenv("SMS_DOCS_CACHE_KEY", "test-key")
    for n in range(6):
        repo.commit(f"Change {n}", {POL1: doc("POL-001", "Security", body=f"Text {n}.\n"), f"notes/{n}.txt": "n\n"},
                    who="omar")
    tip = repo.git("rev-parse", "main")  # (as the audit asks: by commit id)
    with gitrepo.GitRepo(repo.path) as r:
        cold = r.commits(tip)
    assert (Path(repo.git("rev-parse", "--absolute-git-dir")) / "sms-docs" / "commits.cache").is_file()
    with gitrepo.GitRepo(repo.path) as r:
        warm = r.commits(tip)
    assert warm == cold
    for sha, c in warm.items():
        assert sorted(c.changes, key=lambda ch: ch.path) == sorted(_changes(repo, sha), key=lambda ch: ch.path)


def test_the_merges_pass_cut_in_two_reads_what_one_pass_reads(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a long main line the headers come from two git processes, cut at the line's middle:
    every merge (on the main line or on a branch) is read once, with the same diffs against each
    parent as one pass gives, cold and from the cache."""
    monkeypatch.setenv("SMS_DOCS_CACHE_KEY", "test-key")
    repo.commit("Initial", {POL1: doc("POL-001", "Security"), "notes/a.txt": "a\n"}, who="omar")
    for n in range(5):
        repo.branch(f"b{n}")
        repo.commit(f"Side {n}", {POL1: doc("POL-001", "Security", body=f"Side {n}.\n")}, who="omar")
        if n == 2:  # a merge on a branch: main into it
            repo.checkout("main")
            repo.commit("Main moves", {"notes/a.txt": "a2\n"}, who="omar")
            repo.checkout("b2")
            repo.git("merge", "-q", "--no-ff", "-m", "Update b2", "main")
        repo.checkout("main")
        repo.merge(f"b{n}")
    tip = repo.git("rev-parse", "main")
    with gitrepo.GitRepo(repo.path) as r:
        whole = r.commits(tip, use_cache=False)
    monkeypatch.setattr(gitrepo, "_SPLIT_HEADERS", 2)
    with gitrepo.GitRepo(repo.path) as r:
        cut = r.commits(tip)
    with gitrepo.GitRepo(repo.path) as r:
        cached = r.commits(tip)
    assert sum(1 for c in whole.values() if c.is_merge) == 6
    assert cut == whole
    assert cached == whole


@pytest.mark.parametrize("odd", [None, "newer", "older"])
def test_the_newer_half_diffed_early_reads_what_one_pass_reads(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                                                odd: str | None) -> None:
    """With the headers cut in two, the newer half's own pairs are diffed while the older half is
    read. Whatever half holds a record with the field separator in its message (read with care),
    every commit gets what one uncut pass gives it, and the early diffs were asked for the newer
    half's pairs only (each pair once in all)."""
    repo.commit("Initial", {POL1: doc("POL-001", "Security")}, who="omar")
    for n in range(6):
        message = f"Change {n}" + ("\x1fnot a field" if (odd, n) in (("older", 1), ("newer", 5)) else "")
        repo.commit(message, {POL1: doc("POL-001", "Security", body=f"Text {n}.\n"), f"notes/{n}.txt": "n\n"},
                    who="omar")
    tip = repo.git("rev-parse", "main")
    with gitrepo.GitRepo(repo.path) as r:
        whole = r.commits(tip, use_cache=False)
    asked: list[dict[str, None]] = []
    within = gitrepo._pairs_within
    monkeypatch.setattr(gitrepo, "_pairs_within", lambda commits: asked.append(within(commits)) or asked[-1])
    monkeypatch.setattr(gitrepo, "_SPLIT_HEADERS", 2)
    with gitrepo.GitRepo(repo.path) as r:
        cut = r.commits(tip, use_cache=False)
    assert cut == whole
    if odd == "newer":
        assert asked == []  # (a half read with care is read whole with the other: nothing early)
    else:
        line = repo.git("rev-list", "--first-parent", tip).split()
        newer = line[:len(line) // 2]  # (the commits not reachable from the line's middle)
        assert list(asked[0]) == [f"{whole[whole[c].parents[0]].tree} {whole[c].tree}"
                                  for c in newer if whole[c].parents[0] in newer]


def test_authorship_read_for_adopt_takes_names_as_they_are(repo: Repo) -> None:
    """`adopt` proposes owners from who changed each file and who merged: a name holding git's
    separators is read whole, and names no other person or file."""
    _forged_history(repo)
    repo.branch("side")
    repo.commit("Side", {"notes/s.txt": "s\n"}, who="omar")
    repo.checkout("main")
    env = {**repo.env("omar"), "GIT_COMMITTER_NAME": "Mal\x1e\x1fdana@example.com", "GIT_COMMITTER_EMAIL": "mal@example.com"}
    subprocess.run(["git", "merge", "-q", "--no-ff", "-m", "Merge side", "side"], cwd=repo.path, env=env, check=True)
    with gitrepo.GitRepo(repo.path) as r:
        authorship = r.file_authorship("HEAD")
        assert r.mergers("HEAD") == [("Mal\x1e\x1fdana@example.com", "mal@example.com")]
    eve = "Eve\x1fdana@example.com\x1f1700000000\x1fDana Reyes"
    assert [who[:2] for who in authorship[POL1]] == [(eve, "eve@example.com"), identity("omar")]
    assert {who[1] for whos in authorship.values() for who in whos} <= {"eve@example.com", "omar@example.com",
                                                                         "dana@example.com"}
