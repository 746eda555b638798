"""The log pass of gitrepo: the merges' diffs against their other parents are skipped rather than
split, and only the paths a merge changed are looked up in them; paths that look like git's own
fields (a raw field, a heading) must not fool that, and the compact text the cache keeps must parse
to the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conftest import doc

from sms_docs import gitrepo

if TYPE_CHECKING:
    from conftest import Repo

POL1 = "policies/POL-001-security.md"


def _field_by_field(data: str, first_parent: dict[str, str]) -> dict[str, dict[str, list[gitrepo.Change]]]:
    """The reading `_parse_separate` must match: every NUL-terminated field in turn."""
    out: dict[str, dict[str, list[gitrepo.Change]]] = {}
    current: list[gitrepo.Change] | None = None
    keep: set[str] | None = None
    tokens = data.split("\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        if token.startswith(":"):
            if i + 1 >= len(tokens) - 1:  # no NUL after the path: git's text was cut short
                break
            path = tokens[i + 1]
            fields = token[1:].split()
            if current is not None and len(fields) >= 5 and (keep is None or path in keep):
                current.append(gitrepo.Change(path, fields[2], fields[3], fields[4][:1], fields[1], fields[0]))
            i += 2
            continue
        if token[40:47] == " (from ":
            merge, parent = token[:40], token[47:87]
            diffs = out.setdefault(merge, {})
            keep = None if parent == first_parent.get(merge) else {
                ch.path for ch in diffs.get(first_parent.get(merge, ""), [])}
            current = diffs.setdefault(parent, [])
        else:
            current = None
        i += 1
    return out


def _non_empty(diffs: dict[str, dict[str, list[gitrepo.Change]]],
               first_parent: dict[str, str]) -> dict[str, dict[str, list[gitrepo.Change]]]:
    return {m: {p: v for p, v in d.items() if v or p == first_parent.get(m)} for m, d in diffs.items()}


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
        raw = r._git("log", tip, "--raw", "--no-abbrev", "--no-renames", "-z", "--no-color", "--merges",
                     "--diff-merges=separate", "--pretty=oneline", "--no-abbrev-commit", "--no-decorate", "--")
        uncached = r.commits(tip, use_cache=False)
        first_parent = {c.sha: c.parents[0] for c in uncached.values() if c.is_merge}
        compact: list[str] = []
        skipped = gitrepo._parse_separate(raw, first_parent, compact)
        assert skipped == _field_by_field(raw, first_parent)
        assert _non_empty(gitrepo._parse_separate("".join(compact), first_parent), first_parent) == \
            _non_empty(skipped, first_parent)
        assert len("".join(compact)) <= len(raw)
        r.commits(tip)  # cold: writes the cache
        warm = r.commits(tip)
        assert warm == uncached
        def tree(commit: str) -> dict[str, str]:  # (blob_at refuses a path with a line break)
            entries = (e.split("\t", 1) for e in r._git("ls-tree", "-r", "-z", commit).split("\0") if e)
            return {path: meta.split()[2] for meta, path in entries}

        checked = set()
        for c in uncached.values():
            if not c.is_merge:
                continue
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
    """git's text as it would be if a branch held a file named exactly like the heading of a later
    diff: it is a path (it follows a raw field), never the start of another diff."""
    m, p1, p2, other = "a" * 40, "b" * 40, "c" * 40, "d" * 40
    blob = "e" * 40

    def raw(path: str, old: str = blob, new: str = "f" * 40) -> str:
        return f":100644 100644 {old} {new} M\0{path}\0"

    fake = f"{other} (from {p1}) Merge"
    m2 = "9" * 40
    data = (f"{m} (from {p1}) Merge\0" + raw("x.md") + raw("z.md")
            + f"{m} (from {p2}) Merge\0" + raw("y.md") + raw(fake) + raw("x.md", old="1" * 40) + raw("w.md")
            + f"{other} (from {p1}) Merge\0" + raw(fake)
            + f"{m2} (from {p1}) Merge\0" + raw(":odd") + raw("\nnl")
            + f"{m2} (from {p2}) Merge\0" + raw(fake) + raw("\nnl", old="3" * 40) + raw(":odd", old="2" * 40))
    first_parent = {m: p1, other: p1, m2: p1}
    compact: list[str] = []
    out = gitrepo._parse_separate(data, first_parent, compact)
    assert out == _field_by_field(data, first_parent)
    assert [(ch.path, ch.old_blob) for ch in out[m][p2]] == [("x.md", "1" * 40)]  # looked up, not split
    assert [(ch.path, ch.old_blob) for ch in out[m2][p2]] == [("\nnl", "3" * 40), (":odd", "2" * 40)]  # split
    assert gitrepo._parse_separate("".join(compact), first_parent) == out
    assert [ch.path for ch in out[other][p1]] == [fake]
