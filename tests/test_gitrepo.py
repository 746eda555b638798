"""The log pass of gitrepo: each distinct pair of trees is diffed once by `git diff-tree --stdin`;
the merges' diffs against their other parents are not split, only the paths a merge changed are
looked up in them; paths that look like git's own fields (a raw field, a pair's heading) must not
fool either reading, and the compact text the cache keeps must parse to the same."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

import pytest
from conftest import doc

from sms_docs import gitrepo
from sms_docs.errors import GitError

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Repo

POL1 = "policies/POL-001-security.md"


def _field_by_field(data: str) -> dict[str, list[gitrepo.Change]]:
    """The reading the structural readers must match: every NUL-terminated field in turn; a field
    that follows a path is a raw field, after its pair's heading when it starts a diff."""
    out: dict[str, list[gitrepo.Change]] = {}
    tokens = data.split("\0")
    assert tokens[-1] == ""
    current: list[gitrepo.Change] = []
    for i in range(0, len(tokens) - 1, 2):
        meta, path = tokens[i], tokens[i + 1]
        if not meta.startswith(":"):
            heading, meta = meta.split("\n", 1)
            current = out.setdefault(heading, [])
        fields = meta[1:].split()
        current.append(gitrepo.Change(path, fields[2], fields[3], fields[4][:1], fields[1], fields[0]))
    return out


def _pair_of(trees: dict[str, str], c: gitrepo.Commit, parent: str) -> str:
    return f"{trees[parent]} {c.tree}"


def test_merges_against_other_parents_with_paths_that_look_like_git_fields(repo: Repo) -> None:
    """A long-lived branch holds files named like a raw field (":..."), with a line break first, and
    exactly like the heading of an older merge's diff; a merge that changes them against both its
    parents, and an octopus. Each merge's `against` is what git has in each parent, its changes are
    git's first-parent diff, the skipping reader finds what a field-by-field reading finds, and the
    compact text (what the cache keeps) parses to the same."""
    repo.commit("Initial", {POL1: doc("POL-001", "Security"), "notes/a.txt": "a\n"}, who="omar")
    repo.branch("early")
    repo.commit("Early", {"notes/early.txt": "e\n"}, who="omar")
    repo.checkout("main")
    early = repo.merge("early")
    early_parent = repo.git("rev-parse", f"{early}^1")
    heading = f"{early} (from {early_parent}) Merge branch 'early'"
    odd = [":100644 100644 looks-raw M", "\nstarts with a line break", heading, "sp ace/(from) x.txt"]
    repo.branch("long")
    for n in range(30):
        repo.commit(f"Long {n}", {f"long/file-{n:02d}.txt": f"{n}\n"}, who="omar")
    repo.commit("Odd names", dict.fromkeys(odd, "long side\n"), who="omar")
    repo.checkout("main")
    repo.commit("Main side", {**dict.fromkeys(odd, "main side\n"), "notes/a.txt": "a2\n"}, who="omar")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "-X", "ours", "long")
    repo.write({**dict.fromkeys(odd, "resolved\n"), POL1: doc("POL-001", "Security", body="In the merge.\n")})
    repo.commit("Merge long, resolved")
    for name in ("o1", "o2"):
        repo.branch(name)
        repo.commit(name, {f"notes/{name}.txt": name, **({odd[3]: "o1\n"} if name == "o1" else {})}, who="omar")
        repo.checkout("main")
    repo.git("merge", "-q", "--no-ff", "-m", "Octopus", "o1", "o2")
    tip = repo.git("rev-parse", "main")
    with gitrepo.GitRepo(repo.path) as r:
        uncached = r.commits(tip, use_cache=False)
        trees = {sha: c.tree for sha, c in uncached.items()}
        merges = [c for c in uncached.values() if c.is_merge]
        own = [_pair_of(trees, c, c.parents[0]) for c in merges]
        other = [_pair_of(trees, c, p) for c in merges for p in c.parents[1:] if trees[p] != c.tree]
        diff = ["diff-tree", "--stdin", "-r", "--raw", "--no-abbrev", "--no-renames", "-z"]
        own_text = r._git(*diff, input="\n".join(own) + "\n")
        other_text = r._git(*diff, input="\n".join(other) + "\n")
        assert gitrepo._parse_pairs(own_text) == _field_by_field(own_text)
        keep = gitrepo._kept_paths(merges, trees)
        compact: list[str] = []
        looked_up = gitrepo._parse_other(other_text, keep, compact)
        whole = _field_by_field(other_text)
        assert looked_up == {pair: {ch.path: ch.old_blob if ch.old_mode not in ("000000", "160000") else gitrepo.ZERO
                                    for ch in changes if ch.path in keep.get(pair, set())}
                             for pair, changes in whole.items() if any(ch.path in keep.get(pair, set()) for ch in changes)}
        assert gitrepo._parse_other("".join(compact), None) == looked_up
        assert len("".join(compact)) <= len(other_text)
        r.commits(tip)  # cold: writes the cache
        warm = r.commits(tip)
        assert warm == uncached
        def tree(commit: str) -> dict[str, str]:  # (blob_at refuses a path with a line break)
            entries = (e.split("\t", 1) for e in r._git("ls-tree", "-r", "-z", commit).split("\0") if e)
            return {path: meta.split()[2] for meta, path in entries}

        checked = set()
        for c in merges:
            fp = r._git("log", "-1", c.sha, "--raw", "--no-abbrev", "--no-renames", "-z", "--diff-merges=first-parent",
                        gitrepo._format("%H"), "--")
            assert c.changes == gitrepo._parse_changes(fp).get(c.sha, []), c.subject
            assert c.against is not None
            for ch in c.changes:
                for parent in c.parents[1:]:
                    theirs = c.against[parent].get(ch.path, ch.new_blob)
                    assert theirs == tree(parent).get(ch.path, gitrepo.ZERO), (c.subject, ch.path)
                    if theirs != ch.new_blob:
                        checked.add(ch.path)
        assert set(odd) <= checked


def test_a_path_named_like_a_later_heading_does_not_end_a_diff() -> None:
    """git's text as it would be if a branch held files named exactly like the heading of a later
    diff (a pair of trees and the raw field after it), or like a raw field: each is a path (it
    follows a raw field), never the start of another diff, whether the run is split or looked up."""
    t1, t2, t3, t4 = "a" * 40, "b" * 40, "c" * 40, "d" * 40
    blob = "e" * 40

    def raw(path: str, old: str = blob, new: str = "f" * 40) -> str:
        return f":100644 100644 {old} {new} M\0{path}\0"

    fake = f"{t3} {t4}\n:100644 100644 {blob} {'9' * 40} M"
    data = (f"{t1} {t2}\n" + raw("x.md") + raw(fake) + raw("z.md")
            + f"{t3} {t2}\n" + raw("y.md") + raw(fake, old="1" * 40) + raw("x.md", old="2" * 40)
            + f"{t3} {t4}\n" + raw(":odd") + raw("\nnl", old="3" * 40) + raw("w.md"))
    assert gitrepo._parse_pairs(data) == _field_by_field(data)
    assert [ch.path for ch in gitrepo._parse_pairs(data)[f"{t1} {t2}"]] == ["x.md", fake, "z.md"]
    keep = {f"{t3} {t2}": {"x.md", fake}, f"{t3} {t4}": {":odd", "\nnl"}, f"{t1} {t2}": set()}
    compact: list[str] = []
    out = gitrepo._parse_other(data, keep, compact)
    assert out == {f"{t3} {t2}": {fake: "1" * 40, "x.md": "2" * 40},  # looked up, not split
                   f"{t3} {t4}": {":odd": blob, "\nnl": "3" * 40}}  # (a path like a raw field: split)
    assert gitrepo._parse_other("".join(compact), None) == out


@pytest.mark.parametrize("text", [
    "not a heading\n:100644 100644 " + "e" * 40 + " " + "f" * 40 + " M\0x.md\0",
    "a" * 40 + " " + "b" * 40 + "\n:100644 100644 " + "e" * 40 + " " + "f" * 40 + " M\0x.md",  # cut short
    "a" * 40 + " " + "b" * 40 + "\nsomething else\0",
])
def test_diff_text_of_another_shape_is_refused(text: str) -> None:
    """Text that is not diffs of pairs of trees, or is cut short, is an error, never read as
    changes (a commit would silently change nothing)."""
    with pytest.raises(GitError):
        gitrepo._parse_pairs(text)
    with pytest.raises(GitError):
        gitrepo._parse_other(text, None)


def test_headers_read_in_one_search_are_the_careful_reading(repo: Repo) -> None:
    """The one-search reading of a headers pass gives what the record-by-record reading gives; a
    record whose fields hold the separator makes it step aside for the careful reading."""
    repo.commit("Add policy", {POL1: doc("POL-001", "Security")}, who="omar")
    repo.commit("Change\n\nReviewed-by: Dana <dana@example.com>", {POL1: doc("POL-001", "Security", body="Two.\n")},
                who="dana")
    with gitrepo.GitRepo(repo.path) as r:
        mark = gitrepo._mark()
        text = r._git("log", "main", "-z", gitrepo._header(mark, with_tree=True), "--")
        assert gitrepo._header_commits(text, mark) == list(gitrepo._parse_log(text, with_tree=True))
        assert len(gitrepo._headers_read(text)) == 2
        assert gitrepo._headers_read(text) == list(gitrepo._parse_log(text, with_tree=True))
        assert gitrepo._header_commits(text.replace("Reviewed-by", "Reviewed\x1fby", 1), mark) is None
        assert gitrepo._header_commits(text.replace("Reviewed-by", "Reviewed\x1f\x1fby", 1), mark) is None


def test_a_sha256_repository_is_diffed_by_its_own_trees(tmp_path: Path) -> None:
    """In a repository of 64-digit object ids the root commit is diffed against that format's empty
    tree, and every commit gets git's own diff."""
    root = tmp_path / "sha256"
    env = {**os.environ, "GIT_AUTHOR_NAME": "Omar", "GIT_AUTHOR_EMAIL": "omar@example.com",
           "GIT_COMMITTER_NAME": "Omar", "GIT_COMMITTER_EMAIL": "omar@example.com",
           "GIT_AUTHOR_DATE": "2026-01-05T10:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-05T10:00:00+00:00"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout

    root.mkdir()
    git("init", "-q", "--object-format=sha256")
    (root / "policies").mkdir()
    (root / POL1).write_text(doc("POL-001", "Security"))
    git("add", "-A")
    git("commit", "-qm", "Initial")
    (root / POL1).write_text(doc("POL-001", "Security", body="Two.\n"))
    (root / "notes.txt").write_text("n\n")
    git("add", "-A")
    git("commit", "-qm", "Change")
    with gitrepo.GitRepo(root) as r:
        commits = r.commits(r.resolve("HEAD") or "", use_cache=False)
    assert len(commits) == 2
    for sha, c in commits.items():
        assert len(sha) == 64
        raw = git("log", "-1", sha, "--raw", "--no-abbrev", "--no-renames", "-z", "--root", "--format=")
        fields = raw.lstrip("\n").split("\0")
        assert [(ch.path, ch.status, ch.new_blob) for ch in c.changes] == [
            (fields[i + 1], fields[i].split()[4], fields[i].split()[3]) for i in range(0, len(fields) - 1, 2)]
    assert {ch.status for c in commits.values() for ch in c.changes} == {"A", "M"}


def test_commits_read_on_top_of_another_reading_take_their_parents_trees_from_git(repo: Repo) -> None:
    """A reading of the commits after a base (as `serve` asks), given no trees of the base's side:
    the parents from outside are resolved by git, and every new commit gets git's own diff."""
    repo.commit("Initial", {POL1: doc("POL-001", "Security")}, who="omar")
    base = repo.git("rev-parse", "main")
    repo.branch("side")
    repo.commit("Side edit", {POL1: doc("POL-001", "Security", body="Side.\n")}, who="omar")
    repo.checkout("main")
    repo.commit("Main moves", {"notes/a.txt": "a\n"}, who="omar")
    repo.merge("side")
    tip = repo.git("rev-parse", "main")
    with gitrepo.GitRepo(repo.path) as r:
        new = r.commits_since(tip, base, lambda sha: None)
        assert base not in new and len(new) == 3
        for sha, c in new.items():
            fp = r._git("log", "-1", sha, "--raw", "--no-abbrev", "--no-renames", "-z", "--diff-merges=first-parent",
                        gitrepo._format("%H"), "--")
            assert c.changes == gitrepo._parse_changes(fp).get(sha, []), c.subject
        merge = new[tip]
        assert merge.against is not None and set(merge.against) == set(merge.parents[1:])


def test_a_cached_text_without_a_parents_tree_is_read_again_from_git(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache chunk that lacks the tree of a parent from outside it (a text this version cannot read
    whole) is dropped, and git is read again: the commits are what a cold read gives."""
    from pathlib import Path

    from sms_docs.cache import Store

    monkeypatch.setenv("SMS_DOCS_CACHE_KEY", "test-key")
    repo.commit("Initial", {POL1: doc("POL-001", "Security")}, who="omar")
    first = repo.git("rev-parse", "main")
    tip = repo.commit("Change", {POL1: doc("POL-001", "Security", body="Two.\n")}, who="dana")
    with gitrepo.GitRepo(repo.path) as r:
        cold = r.commits(tip, use_cache=False)
        headers, own, other, outside = r._log_text(tip, [first], lambda sha: cold[sha].tree if sha in cold else None)
    assert outside  # the new commit's parent is outside this chunk
    git_dir = Path(repo.git("rev-parse", "--absolute-git-dir"))
    Store(git_dir, "commits", gitrepo._CACHE_VERSION).save({"logs": [(headers, own, other, "")], "tips": [tip]})
    with pytest.raises(GitError):
        gitrepo._commits_of(headers, own, other, "")
    with gitrepo.GitRepo(repo.path) as r:
        again = r.commits(tip)
    assert again == cold


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="a system without process priorities")
def test_a_pass_run_behind_is_nicer_and_writes_the_same(repo: Repo) -> None:
    """The other parents' diffs run behind the parsing of the own ones: at a lower priority than the
    program (never a higher one, whatever its own), with the same output as a pass at its priority."""
    repo.commit("Initial", {POL1: doc("POL-001", "Security")}, who="omar")
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    with gitrepo.GitRepo(repo.path) as r:
        group: list[gitrepo._Pass] = []
        try:
            behind = gitrepo._Pass(r, ["rev-list", "--all"], group, behind=True)
            level = gitrepo._Pass(r, ["rev-list", "--all"], group)
            # (read before `text` reaps them: a process that has exited keeps its priority until then)
            assert os.getpriority(os.PRIO_PROCESS, behind._proc.pid) == min(19, mine + gitrepo._BEHIND)
            assert os.getpriority(os.PRIO_PROCESS, level._proc.pid) == mine
            assert behind.text() == level.text() != ""
        finally:
            for p in group:
                p.close()


def test_blobs_read_ahead_are_git_s_own_and_a_missing_one_is_left_to_read_blob(repo: Repo) -> None:
    """`start_prefetch` runs `git cat-file --batch` while the caller goes on; what it takes in is
    each blob byte for byte, in both of its processes (from _SPLIT_BLOBS blobs on), and a blob git
    does not have is not taken in (`read_blob` then says so)."""
    files = {f"notes/n{i:04d}.txt": f"note {i}\n" + "x" * (i % 7) for i in range(gitrepo._SPLIT_BLOBS + 3)}
    repo.commit("Notes", files, who="omar")
    missing = "0123456789abcdef0123456789abcdef01234567"
    with gitrepo.GitRepo(repo.path) as r:
        blobs = r.list_tree("main", ["notes"])
        finish = r.start_prefetch([*blobs.values(), missing])
        assert not r._blob_cache  # (nothing taken in before the caller asks)
        finish()
        assert {path: r._blob_cache[blob] for path, blob in blobs.items()} == {p: t.encode() for p, t in files.items()}
        assert missing not in r._blob_cache
        with pytest.raises(GitError, match="cannot read blob"):
            r.read_blob(missing)
