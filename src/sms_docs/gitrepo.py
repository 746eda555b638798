"""The only module that talks to git: one log pass, blob reads through a persistent cat-file,
signature checks, trailers, and the commits that actions make.

Blobs and object headers come from persistent `git cat-file` processes (`_CatFile` below);
the log is parsed here from one `git log --raw -z` pass over every commit reachable from
the ref, so history is read once for all documents, never per file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sms_docs.errors import GitError, NotADocumentRepository, Refused, ShallowHistory

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import IO

ZERO = "0" * 40
_CACHE_VERSION = 8
# Nothing under .git/ but objects and refs is trusted: replace refs and grafts would change the
# content and parents git reports, a planted commit-graph file the parents, and a repository's own
# configuration the programs that verify signatures and the shape of `git log` output. Every git
# process this module starts runs with these settings.
SAFE_ENV = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull}
# Settings that git would otherwise take from configuration files, which are no evidence (anyone who
# can write .git/config could name a program that calls every signature good). Signatures are checked
# by gpg (OpenPGP) and ssh-keygen (SSH); an X.509 signature is never read as one ("false" checks none).
SAFE_CONFIG = ("-c", "core.commitGraph=false", "-c", "log.showSignature=false", "-c", "gpg.program=gpg",
               "-c", "gpg.ssh.program=ssh-keygen", "-c", "gpg.x509.program=false", "-c", "core.fsmonitor=false",
               # a clone's configuration could hide submodule entries from `log --raw`, reorder a
               # commit's changes, or re-encode every name and message git prints
               "-c", "diff.ignoreSubmodules=none", "-c", f"diff.orderFile={os.devnull}",
               "-c", "i18n.logOutputEncoding=UTF-8")
# git's log text is read as records and fields. Names, e-mail addresses, messages and paths are the
# authors' own and may hold any control character, so a record starts with a mark made anew for each
# pass ("\x1e" and a random word: nobody can write it into a commit ahead of the run), and a header
# record whose fields hold the field separator is read again from the commit object (`_unambiguous`).
_NONCE_LENGTH = 16
_HEADER = "%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%B%x1f"  # after "%x1e<mark>%H"
_HEADER_FIELDS = 9  # field separators in a header record (10 with the tree)


def _mark() -> str:
    """The start of each record of one git pass: "\x1e" and a random word."""
    return "\x1e" + secrets.token_hex(_NONCE_LENGTH // 2)


def _format(fields: str, mark: str | None = None) -> str:
    """`--format=` of a pass whose records are `fields` (git's placeholders), each after the pass's
    mark (`mark`, else a new one)."""
    return "--format=" + (mark or _mark()).replace("\x1e", "%x1e") + fields


def _header(mark: str | None = None, *, with_tree: bool = False) -> str:
    """The format of a pass of commit headers (`_parse_log`)."""
    return _format("%H" + ("%x1f%T" if with_tree else "") + _HEADER, mark)


def _records(text: str) -> list[str]:
    """The records of one pass's text, which starts with its mark; text that does not is refused."""
    if not text.strip("\0\n"):
        return []
    if not text.startswith("\x1e"):
        raise GitError("git log gave text that does not start with its record mark")
    return text.split(text[:1 + _NONCE_LENGTH])[1:]


_BARE_REF = re.compile(r"^(?!refs/|HEAD$)[A-Za-z0-9_][A-Za-z0-9._/-]*$")  # a name git would look up as a ref
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*$")
_IDENT = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


@dataclass(slots=True, unsafe_hash=True)  # (a value: see model.Approval)
class Change:
    path: str
    old_blob: str
    new_blob: str  # ZERO when deleted
    status: str  # A M D T
    mode: str = "100644"  # the new mode: 120000 is a symbolic link, 160000 a submodule
    old_mode: str = "100644"

    @property
    def deleted(self) -> bool:
        return self.status == "D"

    @property
    def is_submodule(self) -> bool:
        """A gitlink: the tree names a commit of another repository, not a file. Its id may name any
        object here, a blob too, whose text a forge never shows (only "Subproject commit <id>")."""
        return self.mode == "160000"

    @property
    def is_file(self) -> bool:
        """A regular file (not deleted, not a link, not a submodule): the only kind of change whose
        blob is ever read as a controlled file."""
        return not self.deleted and self.mode not in ("120000", "160000")


@dataclass(slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_time: int
    committer_name: str
    committer_email: str
    commit_time: int
    message: str
    changes: list[Change] = field(default_factory=list)
    tree: str = ""  # its tree's id (read by the full pass only)
    # A merge read by the full pass: for each other parent, path -> the blob that parent has there
    # (ZERO when none) for every path where the merge differs from it. None: not read (ask git).
    against: dict[str, dict[str, str]] | None = None
    # More than one parent: set once (the walk asks it of every commit several times; parents never change).
    is_merge: bool = field(init=False, default=False, compare=False)
    # `date`, made on first use (the catalogue and the findings ask it of the same commits again and again).
    _date: dt.datetime | None = field(init=False, default=None, repr=False, compare=False)
    # `trailers()`, read on first use (the message never changes).
    _trailers: list[tuple[str, str]] | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.is_merge = len(self.parents) > 1

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def date(self) -> dt.datetime:
        """When it was committed (UTC)."""
        if self._date is None:
            self._date = dt.datetime.fromtimestamp(self.commit_time, tz=dt.timezone.utc)
        return self._date

    def trailers(self, known: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The message's trailers (`parse_trailers`); the list is shared: do not change it."""
        if known:
            return parse_trailers(self.message, known)
        if self._trailers is None:
            self._trailers = parse_trailers(self.message)
        return self._trailers




# Keys git generates or sms-docs writes: one of them lets a last paragraph that also holds other
# lines (GitLab's "See merge request group/project!12") count as a trailer block, as git does.
KNOWN_TRAILERS = frozenset({"signed-off-by", "approved-by", "approval-of", "approval-meaning", "change-reason"})


def parse_trailers(message: str, known: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Trailers of the message's last paragraph, by git's rule (`git interpret-trailers`): the
    paragraph is a trailer block when every line is `Key: value` (continuation lines folded), or
    when it holds a known key and at least a quarter of its lines are trailers. Only the trailer
    lines are returned."""
    if ":" not in message:  # no line can be a trailer (most commits: it is asked of every one)
        return []
    paragraphs = [p for p in _PARAGRAPHS.split(message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []
    out: list[tuple[str, str]] = []
    others = 0
    last_was_trailer = False
    for line in paragraphs[-1].splitlines():
        if line[:1] in (" ", "\t") and last_was_trailer:
            key, value = out[-1]
            out[-1] = (key, f"{value} {line.strip()}")
            continue
        match = _TRAILER.match(line)
        if not match:
            others += 1
            last_was_trailer = False
            continue
        out.append((match.group(1), match.group(2)))
        last_was_trailer = True
    if not out:
        return []
    if others:
        recognised = KNOWN_TRAILERS | {k.lower() for k in known}
        if not (any(key.lower() in recognised for key, _ in out) and len(out) * 3 >= others):
            return []
    return out


def parse_ident(value: str) -> tuple[str, str] | None:
    """`Jane Doe <jane@example.com>` -> (name, email)."""
    match = _IDENT.match(value.strip())
    if not match:
        return None
    return match.group(1).strip(), match.group(2).strip()


def _environment(env: Mapping[str, str | None] | None) -> dict[str, str]:
    """The process environment with SAFE_ENV and `env` applied: a value of None removes the variable."""
    out = {**os.environ, **SAFE_ENV}
    for key, value in (env or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _run_git(root: Path, *args: str, env: Mapping[str, str | None] | None = None, input: str | None = None,
             safe: bool = True) -> str:
    """git in `root`; `safe` (reads) overrides the repository's own settings listed in SAFE_CONFIG,
    which commands that write on the user's behalf (signing with their configured program) keep."""
    try:
        proc = subprocess.run(["git", *(SAFE_CONFIG if safe else ()), *args], cwd=root, capture_output=True, text=True, input=input,
                              env=_environment(env), encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}", hint="install git") from None
    if proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


class GitRepo:
    """One repository; the object database stays open for the life of the object."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            out = subprocess.run(["git", *SAFE_CONFIG, "rev-parse", "--absolute-git-dir", "--show-cdup"], cwd=root,
                                 capture_output=True, text=True, encoding="utf-8", errors="surrogateescape",
                                 env={**os.environ, **SAFE_ENV})
        except (OSError, ValueError) as exc:  # no git, or no such folder
            if isinstance(exc, FileNotFoundError) and root.is_dir():
                raise GitError(f"cannot run git: {exc}", hint="install git") from None
            out = None
        lines = out.stdout.splitlines() if out is not None and out.returncode == 0 else []
        if not lines or (len(lines) > 1 and lines[1].strip()):  # not a repository, or only inside one
            raise NotADocumentRepository(
                f"{root} is not a git repository", hint="history commands read git: run `git init` and commit"
            ) from None
        self._git_dir = Path(lines[0])
        self._blobs = _CatFile(root, contents=True, options=SAFE_CONFIG, env=SAFE_ENV)
        self._headers = _CatFile(root, contents=False, options=SAFE_CONFIG, env=SAFE_ENV)
        self._blob_cache: dict[str, bytes] = {}

    def close(self) -> None:
        from sms_docs import cache

        self._blobs.close()
        self._headers.close()
        cache.flush()  # the commits' cache, saved beside the caller's work (`commits`)

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def git_dir(self) -> Path:
        return self._git_dir

    def _git(self, *args: str, env: Mapping[str, str | None] | None = None, input: str | None = None) -> str:
        return _run_git(self.root, *args, env=env, input=input)

    def is_shallow(self) -> bool:
        return (self.git_dir / "shallow").exists()

    def require_full_history(self) -> None:
        if self.is_shallow():
            raise ShallowHistory(
                "shallow-history: this clone has only part of the history, and an audit of part of the "
                "history would be wrong",
                hint="fetch the full history: git fetch --unshallow (in CI: fetch-depth: 0, or GIT_DEPTH: 0)",
            )

    def full_ref(self, ref: str) -> str:
        """The unambiguous spelling of `ref`. git reads a bare name as a file `.git/<name>` first,
        then as a tag, and only then as a branch, so a stray file in a clone's `.git/` or a tag that
        anyone may push would win over the main branch. A bare name is read as a branch
        (`refs/heads/<name>`), else a remote-tracking branch (`refs/remotes/<name>`), else a tag;
        anything else as git reads it (a commit id, `HEAD~2`, a full ref)."""
        if not _BARE_REF.match(ref) or ".." in ref:
            return ref
        names = (f"refs/heads/{ref}", f"refs/remotes/{ref}", f"refs/tags/{ref}")
        found = set(self._git("for-each-ref", "--format=%(refname)", *names).split())
        return next((full for full in names if full in found), ref)

    def resolve(self, ref: str) -> str | None:
        try:
            out = _run_git(self.root, "rev-parse", "--verify", "--quiet", f"{self.full_ref(ref)}^{{commit}}")
        except GitError:
            return None
        return out.strip() or None

    def default_ref(self, main_branch: str) -> str:
        """The main branch, as a branch only: `main`, else the remote-tracking `origin/main` (a CI
        checkout), else HEAD. A tag or any other ref of the same name is never it."""
        main_branch = main_branch.removeprefix("refs/heads/")  # (`main_branch: refs/heads/main` names it too)
        if self.full_ref(main_branch) == f"refs/heads/{main_branch}":
            return main_branch
        tracking = f"refs/remotes/origin/{main_branch}"
        if tracking in self._git("for-each-ref", "--format=%(refname)", tracking).split():
            short = f"origin/{main_branch}"
            return short if self.full_ref(short) == tracking else tracking
        if self.resolve("HEAD"):
            return "HEAD"
        raise GitError("the repository has no commits yet", hint="commit the document set first")

    def log(self, tip: str, since_exclude: Iterable[str] = ()) -> Iterator[Commit]:
        """Every commit reachable from `tip` (newest first), each with its file changes; a merge's
        changes are against its first parent, and `against` holds what it differs in from each other
        parent."""
        chunk, done = self._log_pass(tip, since_exclude)
        yield from _commits_of(*chunk, done=done)

    def _log_text(self, tip: str, since_exclude: Iterable[str] = (),
                  tree_of: Callable[[str], str | None] = lambda sha: None) -> tuple[str, str, str, str]:
        """git's output of the log pass (see `_log_pass`)."""
        return self._log_pass(tip, since_exclude, tree_of)[0]

    def _log_pass(self, tip: str, since_exclude: Iterable[str] = (),
                  tree_of: Callable[[str], str | None] = lambda sha: None,
                  meanwhile: Callable[[list[Commit]], object] | None = None) -> tuple[tuple[str, str, str, str], list[Commit]]:
        """git's output for `log`: every commit's header with its tree, no diffs (in two git processes
        on a long main line, cut at its middle); then the diffs, each distinct pair of trees once, by
        `git diff-tree --stdin` given the pairs (no commit is parsed again, and a branch's last commit
        and its merge, which have the same pair, share one diff). A commit's own diff is its first
        parent's tree against its tree (a root commit's: the empty tree's); those pairs are cut in two
        git processes, and on a line cut in two a third diffs the newer half's pairs as soon as that
        half is read. A merge's other parents' trees against its tree go to two more, started once
        the own diffs are in and run behind their parsing; of those only the paths the merge changed
        against its first parent are kept (a long-lived branch's merge differs from that branch in
        thousands of paths).
        `tree_of` gives the trees of commits read before (the parents of the first new ones).
        `meanwhile` is given the commits as their headers say (no changes yet) while git diffs: work
        that needs the graph alone is done in time that is otherwise spent waiting.
        Returns git's text (the headers; the own diffs; the kept part of the other parents' diffs;
        and `<commit> <tree>` of each parent from outside this text), and what is parsed of it
        already: the commits as the headers say, pair -> its changes, and pair -> path -> the other
        parent's blob (`_commits_of` completes the commits)."""
        revs = [tip, *[f"^{x}" for x in since_exclude]]
        mark = _mark()
        passes: list[_Pass] = []
        try:
            line = self._git("rev-list", "--first-parent", *revs).split()
            cuts = [[*revs, f"^{line[len(line) // 2]}"], [line[len(line) // 2], *revs[1:]]] \
                if len(line) >= _SPLIT_HEADERS else [revs]
            header_passes = [_Pass(self, ["log", *part, "-z", "--no-color", _header(mark, with_tree=True),
                                          "--diff-merges=off", "--"], passes) for part in cuts]
            diff = ["diff-tree", "--stdin", "-r", "--raw", "--no-abbrev", "--no-renames", "-z", "--no-color"]
            texts = [p.text() for p in header_passes[:1]]
            own_passes: list[_Pass] = []
            # The newer half's own pairs of trees (of its commits whose parents it holds too) are
            # diffed at once, while the older half is read: git's second core would otherwise wait
            # for that reading.
            newer = _header_commits(texts[0], mark) if len(header_passes) > 1 else None
            early = _pairs_within(newer) if newer is not None else {}
            if early:
                own_passes.append(_Pass(self, diff, passes, "\n".join(early) + "\n"))
            texts += [p.text() for p in header_passes[1:]]
            raw = "".join(texts)  # (one mark: the texts are one)
            parsed = _header_commits(raw, mark) if len(texts) == 1 else None  # (two: a half read with care is too)
            if newer is not None:
                older = _header_commits(texts[-1], mark)
                parsed = newer + older if older is not None else None
            if parsed is None:  # a record whose fields hold the separator: read with care
                headers = self._unambiguous(raw, with_tree=True)
                parsed = list(_parse_log(headers, with_tree=True))
            else:
                headers = raw
            graph = [(c.sha, c.tree, c.parents) for c in parsed]
            outside = self._outside_trees(graph, tree_of)
            own, other = _pairs_wanted(graph, outside)
            del graph
            own = [pair for pair in own if pair not in early]
            cut = (len(own) + 1) // 2 if len(own) >= _SPLIT_DIFFS else len(own)
            own_passes += [_Pass(self, diff, passes, "\n".join(part) + "\n") for part in (own[:cut], own[cut:]) if part]
            if meanwhile is not None:  # (the commits have no changes yet)
                meanwhile(parsed)
            own_texts = [p.text() for p in own_passes]
            # The other parents' diffs are needed only once the own diffs are parsed and given: they
            # start now, behind the parsing (at a lower priority), not beside the own diffs, which
            # every later step waits for (a cold audit of 99,402 commits: 4.73 s for 4.93 s).
            half = (len(other) + 1) // 2  # (in two: each text is parsed and dropped while git writes the other)
            other_passes = [_Pass(self, diff, passes, "\n".join(part) + "\n", behind=True)
                            for part in (other[:half], other[half:]) if part]
            diffs: dict[str, list[Change]] = {}
            for text in own_texts:
                diffs.update(_parse_pairs(text))
            trees = _trees_of(parsed, outside)
            _give_changes(parsed, trees, diffs)
            compact: list[str] = []
            keep = _kept_paths(parsed, trees) if other_passes else {}
            theirs: dict[str, dict[str, str]] = {}
            for p in other_passes:
                theirs.update(_parse_other(p.text(), keep, compact))
            _give_against(parsed, trees, theirs)
        finally:
            for p in passes:
                p.close()
        outside_text = "".join(f"{sha} {tree}\n" for sha, tree in outside.items())
        return (headers, "".join(own_texts), "".join(compact), outside_text), parsed

    def _outside_trees(self, graph: list[tuple[str, str, tuple[str, ...]]],
                       tree_of: Callable[[str], str | None]) -> dict[str, str]:
        """The tree of each parent that is not among the commits read (`tree_of`'s, else git's)."""
        inside = {sha for sha, _, _ in graph}
        outside: dict[str, str] = {}
        missing: dict[str, None] = {}
        for _, _, parents in graph:
            for parent in parents:
                if parent not in inside and parent not in outside:
                    found = tree_of(parent)
                    if found:
                        outside[parent] = found
                    else:
                        missing[parent] = None
        for part in _chunks(list(missing)):
            trees = self._git("rev-parse", *[f"{sha}^{{tree}}" for sha in part]).split()
            outside.update(zip(part, trees, strict=True))
        return outside

    def scope_passes(self, tip: str, main_ref: str) -> tuple[list[str], dict[str, Commit], dict[str, list[Change]]]:
        """What an incremental audit reads, three git passes side by side: the main branch's
        first-parent line; every commit reachable from `tip` with its message but no diff (the graph
        and the approval evidence); and `tip`'s first-parent line with each commit's own changes (a
        merge's against its first parent)."""
        jobs = {
            "main": ["rev-list", "--first-parent", self.full_ref(main_ref)],
            "headers": ["log", tip, "-z", _header(), "--"],
            "line": ["log", tip, "--first-parent", "--raw", "--no-abbrev", "--no-renames", "-z",
                     "--diff-merges=first-parent", _format("%H"), "--"],
        }
        passes: list[_Pass] = []
        try:
            running = {name: _Pass(self, args, passes) for name, args in jobs.items()}
            out = {name: p.text() for name, p in running.items()}
        finally:
            for p in passes:
                p.close()
        headers = self._unambiguous(out["headers"])
        return out["main"].split(), {c.sha: c for c in _parse_log(headers)}, _parse_changes(out["line"])

    def changes_of(self, shas: Iterable[str]) -> list[Commit]:
        """The named commits with their own changes (a merge's are left out)."""
        wanted = list(shas)
        if not wanted:
            return []
        data = self._git("log", "--no-walk=unsorted", "--stdin", "--raw", "--no-abbrev", "--no-renames", "-z",
                         "--diff-merges=off", _header(), input="\n".join(wanted) + "\n")
        return list(_parse_log(self._unambiguous(data, with_changes=True)))

    def _unambiguous(self, text: str, *, with_tree: bool = False, with_changes: bool = False) -> str:
        """A header pass's text in which no record is ambiguous: a record whose fields hold the field
        separator (an author's name, a message or a path may) is replaced by the commit as its object
        says, in JSON (which escapes every control character). Checked in one count when none is."""
        fields = _HEADER_FIELDS + with_tree
        records = _records(text)
        if not records or text.count("\x1f") == fields * len(records):
            return text
        mark = text[:1 + _NONCE_LENGTH]
        return mark + mark.join(r if r.count("\x1f") == fields
                                else json.dumps(self._commit_object(r[:40], with_tree, with_changes)) for r in records)

    def _commit_object(self, sha: str, with_tree: bool, with_changes: bool) -> list[object]:
        """One commit read from its object: the fields of a header record (see `_parse_log`)."""
        if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
            raise GitError(f"git log gave a record without a commit id: {sha!r}")
        raw = self._git("cat-file", "commit", sha)
        head, _, message = raw.partition("\n\n")
        tree, parents, idents = "", [], {"author": ("", "", "0"), "committer": ("", "", "0")}
        for line in head.split("\n"):
            key, _, value = line.partition(" ")
            if key == "tree":
                tree = value
            elif key == "parent":
                parents.append(value)
            elif key in idents and "<" in value and ">" in value:
                opened = value.index("<")  # as git reads an ident: the name ends at the first "<"
                closed = value.index(">", opened)
                idents[key] = (value[:opened].rstrip(" "), value[opened + 1:closed], (value[closed + 1:].split() or ["0"])[0])
        changes: list[list[str]] = []
        if with_changes and len(parents) <= 1:
            tokens = self._git("diff-tree", "-r", "--raw", "-z", "--no-abbrev", "--no-renames", "--no-commit-id", "--root",
                               sha).split("\0")
            changes = [[tokens[i], tokens[i + 1]] for i in range(len(tokens) - 1) if tokens[i].startswith(":")]
        (an, ae, at), (cn, ce, ct) = idents["author"], idents["committer"]
        return [sha, tree if with_tree else None, " ".join(parents), an, ae, at, cn, ce, ct, message, changes]

    def commits(self, tip: str, *, use_cache: bool = True,
                meanwhile: Callable[[dict[str, Commit]], object] | None = None) -> dict[str, Commit]:
        """Every commit reachable from `tip`, by id. git's own output of each pass is kept in the cache
        (see `sms_docs.cache`) with the tips it was read for, so a later run asks git only for the
        commits that are new; the cache is an optimisation only (commits never change; delete it and
        the result is identical). Keeping git's text rather than parsed commits makes the cold run's
        save a plain write, and a warm run parses it as a cold run parses git. `meanwhile`: see
        `_log_pass` (given every commit, by id; not called when the cache holds `tip`)."""
        from sms_docs.cache import Store

        store = Store(self.git_dir if use_cache else None, "commits", _CACHE_VERSION)
        chunks: list[tuple[str, str, str, str]] = []
        tips: list[str] = []
        stored = store.load()
        if isinstance(stored, dict) and isinstance(stored.get("logs"), list):
            chunks = [(c[0], c[1], c[2], c[3]) for c in stored["logs"]
                      if isinstance(c, (list, tuple)) and len(c) == 4 and all(isinstance(x, str) for x in c)]
            tips = [t for t in stored.get("tips", []) if isinstance(t, str)]
        try:
            cached = {c.sha: c for chunk in chunks for c in _commits_of(*chunk)}
        except GitError:  # (a text this version cannot read whole: read git again)
            cached, chunks, tips = {}, [], []
        if tip in cached:
            return cached
        known = [t for t in tips if t in cached]

        def tree_of(sha: str) -> str | None:
            found = cached.get(sha)
            return found.tree if found is not None and found.tree else None

        every = dict(cached)

        def headers_read(new: list[Commit]) -> None:  # `meanwhile` is given every commit: the cached ones too
            every.update((c.sha, c) for c in new)  # (the same objects: their changes are given them later)
            if meanwhile is not None:
                meanwhile(every)

        try:
            chunk, _ = self._log_pass(tip, known, tree_of, headers_read)
        except GitError:
            if not known:
                raise
            every, known, chunks = {}, [], []
            chunk, _ = self._log_pass(tip, meanwhile=headers_read)
        if use_cache:  # written in a thread of its own while the caller works (hashing and writing free the GIL)
            store.save({"logs": [*chunks, chunk], "tips": [*known[-20:], tip]}, background=True)
        return every  # (`_log_pass` gave `headers_read` every commit it read, and has completed them since)

    def commits_since(self, tip: str, base: str, tree_of: Callable[[str], str | None]) -> dict[str, Commit]:
        """The commits reachable from `tip` but not from `base`, read as `commits` reads them (`tree_of`:
        the trees of commits read before). Nothing is cached: a `serve` asks this of each new tip."""
        chunk, done = self._log_pass(tip, [base], tree_of)
        return {c.sha: c for c in _commits_of(*chunk, done=done)}

    def read_blob(self, blob: str) -> bytes:
        """Blob content through the persistent `git cat-file --batch`."""
        found = self._blob_cache.get(blob)
        if found is None:
            answer = self._blobs.query(blob)
            if answer is None or answer[2] is None:
                raise GitError(f"cannot read blob {blob}: no such object")
            found = self._blob_cache[blob] = answer[2]
        return found

    def prefetch(self, blobs: Iterable[str]) -> None:
        """Read many blobs in pipelined `git cat-file --batch` runs (far faster than one round trip
        each): from _SPLIT_BLOBS blobs on, two side by side (inflating them is git's work, and
        Python only waits). Each writes into a file of its own (`_Pass`), read once it is done."""
        self.start_prefetch(blobs)()

    def start_prefetch(self, blobs: Iterable[str], *, behind: bool = False) -> Callable[[], None]:
        """`prefetch`, begun: git reads the blobs while the caller goes on; call the result to take
        them in (call it in any case: it also ends the git processes). No thread waits for git
        meanwhile, so none takes the interpreter from the caller. `behind`: see `_Pass`."""
        wanted = [b for b in dict.fromkeys(blobs) if b not in self._blob_cache and b != ZERO]
        if not wanted:
            return lambda: None
        cut = (len(wanted) + 1) // 2 if len(wanted) >= _SPLIT_BLOBS else len(wanted)
        parts = [part for part in (wanted[:cut], wanted[cut:]) if part]
        passes: list[_Pass] = []
        try:
            for part in parts:
                _Pass(self, ["cat-file", "--batch"], passes, "\n".join(part) + "\n", behind=behind)
        except BaseException:
            for p in passes:
                p.close()
            raise

        def finish() -> None:
            try:
                answers = [p.output() for p in passes]
            finally:
                for p in passes:
                    p.close()
            for part, data in zip(parts, answers, strict=True):
                pos = 0
                for blob in part:
                    end = data.index(b"\n", pos)
                    header = data[pos:end].split()
                    pos = end + 1
                    if len(header) < 3 or header[1] == b"missing":
                        continue
                    size = int(header[2])
                    self._blob_cache[blob] = data[pos:pos + size]
                    pos += size + 1

        return finish

    def blob_at(self, commit: str, path: str) -> str | None:
        """The blob id of `path` in `commit`, or None (persistent `cat-file --batch-check`)."""
        answer = self._headers.query(f"{commit}:{path}")
        return answer[0] if answer is not None and answer[1] == "blob" else None

    def list_tree(self, commit: str, folders: Iterable[str]) -> dict[str, str]:
        """path -> blob for every file under `folders` (and top-level files named there) in `commit`."""
        wanted = [f for f in folders if f]
        out = self._git("ls-tree", "-r", "-z", "--full-tree", commit, "--", *wanted) if wanted else ""
        result: dict[str, str] = {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                result[path] = sha
        return result

    def start_signatures(self, commits: Iterable[str], allowed_signers: bytes | None,
                         openpgp_keys: bytes | None = None) -> Callable[[], dict[str, tuple[str, str, str]]]:
        """Start verifying signatures in a git process of its own; call the result to wait for it:
        commit -> (%G?, signer principal %GS, key fingerprint %GF). Only the keys given count: SSH
        signatures against `allowed_signers` (git's allowed-signers format), OpenPGP signatures
        against `openpgp_keys` imported into a keyring of the run's own, never the keyring of whoever
        runs the audit. It runs beside our own work."""
        wanted = sorted(set(commits))
        if not wanted:
            return dict
        tmp = tempfile.TemporaryDirectory()
        signers = Path(tmp.name) / "allowed_signers"
        signers.write_bytes(allowed_signers or b"")
        home = Path(tmp.name) / "gnupg"
        home.mkdir(mode=0o700)
        (home / "gpg.conf").write_text("trust-model always\n")
        if openpgp_keys:
            keys = Path(tmp.name) / "keys.asc"
            keys.write_bytes(openpgp_keys)
            try:
                subprocess.run(["gpg", "--batch", "--quiet", "--homedir", str(home), "--import", str(keys)],
                               capture_output=True, check=False, timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                pass  # no gpg here: OpenPGP signatures stay unverified ("unknown")
        # Written into a file, not read by a thread meanwhile (see `_Pass`): the walk goes on beside it.
        passes: list[_Pass] = []
        verify = _Pass(self, ["-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--no-walk=unsorted", "--stdin",
                              _format("%H%x1f%G?%x1f%GS%x1f%GF")], passes, "\n".join(wanted) + "\n",
                       env={"GNUPGHOME": str(home)})

        def result() -> dict[str, tuple[str, str, str]]:
            try:
                data = verify.output()
            finally:
                verify.close()
                if openpgp_keys and shutil.which("gpgconf"):  # the run's own gpg-agent goes with its keyring
                    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False)
                tmp.cleanup()
            out: dict[str, tuple[str, str, str]] = {}
            for rec in _records(data.decode("utf-8", errors="replace")):
                sha, status, *signer, fpr = rec.strip("\n").split("\x1f")  # (a key's own text may hold the separator)
                out[sha] = (status.strip(), "\x1f".join(signer).strip(), fpr.strip())
            return out

        return result

    def blob_sizes(self, blobs: Iterable[str]) -> dict[str, int]:
        """Blob id -> size in bytes, in one pipelined `git cat-file --batch-check` (nothing is read)."""
        wanted = [b for b in dict.fromkeys(blobs) if b and b != ZERO]
        if not wanted:
            return {}
        proc = subprocess.run(["git", *SAFE_CONFIG, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
                              cwd=self.root, input="\n".join(wanted).encode() + b"\n", capture_output=True,
                              env={**os.environ, **SAFE_ENV})
        if proc.returncode != 0:
            raise GitError(f"git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
        out: dict[str, int] = {}
        for blob, line in zip(wanted, proc.stdout.decode("utf-8", "replace").splitlines(), strict=False):
            parts = line.split()
            if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit():
                out[blob] = int(parts[2])
        return out

    def blob_ids(self, specs: Iterable[str]) -> dict[str, str | None]:
        """`<commit>:<path>` -> the blob id there (None when absent or not a blob), in one pipelined
        `git cat-file --batch-check` for all of them."""
        wanted = list(dict.fromkeys(specs))
        if not wanted:
            return {}
        if any("\n" in spec for spec in wanted):
            return {spec: self.blob_at(*spec.split(":", 1)) for spec in wanted}
        proc = subprocess.run(["git", *SAFE_CONFIG, "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                              cwd=self.root, input="\n".join(wanted).encode("utf-8", "surrogateescape") + b"\n",
                              capture_output=True, env={**os.environ, **SAFE_ENV})
        if proc.returncode != 0:
            raise GitError(f"git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
        out: dict[str, str | None] = {}
        for spec, line in zip(wanted, proc.stdout.decode("utf-8", "replace").splitlines(), strict=False):
            parts = line.split()
            out[spec] = parts[0] if len(parts) == 2 and parts[1] == "blob" else None
        return out

    def related(self, a: str, b: str) -> bool:
        """Do two commits share any history?"""
        try:
            return bool(self._git("merge-base", a, b).strip())
        except GitError:
            return False

    def replacements(self) -> list[str]:
        """What would make git report other objects than the ones stored: replace refs, a graft file.
        Every read here ignores them; their presence is still worth a finding."""
        found = [line.split()[0] for line in self._git("for-each-ref", "--format=%(refname)", "refs/replace/").splitlines()
                 if line.strip()]
        grafts = self.git_dir / "info" / "grafts"
        try:
            if grafts.is_file() and grafts.read_text(encoding="utf-8", errors="replace").strip():
                found.append(str(Path("info") / "grafts"))
        except OSError:
            pass
        return found

    def working_tree_clean_index(self) -> bool:
        """True when nothing is staged (an approval commit must not carry staged changes)."""
        out = self._git("diff", "--cached", "--name-only")
        return not out.strip()

    def current_branch(self) -> str | None:
        try:
            out = self._git("symbolic-ref", "--quiet", "--short", "HEAD").strip()
        except GitError:
            return None
        return out or None

    def commit_empty(self, message: str, sign: bool, identity: Identity | None = None,
                     env: Mapping[str, str | None] | None = None) -> str:
        """An empty commit with this message, made as `identity` (else git's configured identity)."""
        args = ["commit", "--allow-empty", "--no-verify", "-q", "-F", "-"]
        if sign:
            args.insert(1, "-S")
        try:
            _run_git(self.root, *args, input=message, safe=False,
                     env={**(env or {}), **(identity.env() if identity else {})})
        except GitError as exc:
            if not sign:
                raise
            raise Refused(f"the approval commit could not be signed ({exc.message.removeprefix('git commit failed: ')}); "
                          "nothing was committed",
                          hint="set up git's signing: git config gpg.format ssh && git config user.signingkey "
                               "~/.ssh/id_ed25519.pub (and list the key in .sms/allowed_signers)") from None
        return self._git("rev-parse", "HEAD").strip()

    def tags(self, prefix: str) -> dict[str, str]:
        out = self._git("for-each-ref", "--format=%(refname:strip=2) %(objectname) %(*objectname)", f"refs/tags/{prefix}")
        result: dict[str, str] = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                result[parts[0]] = parts[2] if len(parts) > 2 and parts[2] else parts[1]
        return result


    # --- intents: what the catalogue, the actions and the integrations ask of git ----------------

    def ancestors(self, commit: str) -> set[str]:
        """Every commit reachable from `commit`, itself included."""
        return set(self._git("rev-list", commit).split())

    def first_parent_line(self, ref: str) -> list[str]:
        """The commits of `ref`'s first-parent line, newest first."""
        return self._git("rev-list", "--first-parent", self.full_ref(ref)).split()

    def commit_time(self, commit: str) -> dt.datetime | None:
        """When the commit was made (committer date, UTC); None when it is not in the repository."""
        try:
            out = self._git("log", "-1", "--format=%ct", commit).strip()
        except GitError:
            return None
        return dt.datetime.fromtimestamp(int(out), tz=dt.timezone.utc) if out.isdigit() else None

    def create_tag(self, tag: str, commit: str) -> None:
        """A lightweight tag."""
        self._git("tag", tag, commit)

    def is_ancestor(self, commit: str, tip: str) -> bool:
        """Is `commit` in the history of `tip`? (False for a commit git does not know.)"""
        try:
            self._git("merge-base", "--is-ancestor", commit, tip)
        except GitError:
            return False
        return True

    def paths_merged(self, merge_commit: str) -> list[str]:
        """The paths a commit changed against its first parent; [] for a root commit."""
        try:
            out = self._git("diff", "--name-only", "--no-renames", f"{merge_commit}^1", merge_commit)
        except GitError:
            return []
        return out.splitlines()

    def messages_with_trailer(self, tip: str, key: str, exclude: str | None = None) -> list[tuple[str, str, str]]:
        """(commit, committer email, message) of the commits reachable from `tip` but not from
        `exclude` whose message has a line starting `key:`."""
        out = self._unambiguous(self._git("log", tip, *([f"^{exclude}"] if exclude else []), f"--grep=^{key}:", "-z",
                                          _header(), "--"))
        return [(c.sha, c.committer_email.strip(), c.message) for c in _parse_log(out)]

    def renames(self, parent: str, commit: str) -> dict[str, str]:
        """Files `commit` renamed against `parent`, by git's rename detection: new path -> old path
        (how `git log --follow` sees a `git mv` that also edited the file)."""
        out = self._git("diff", "--no-ext-diff", "-M", "--name-status", "-z", "--diff-filter=R", parent, commit, "--")
        tokens = out.split("\0")
        found: dict[str, str] = {}
        i = 0
        while i + 2 < len(tokens):
            if tokens[i].startswith("R"):
                found[tokens[i + 2]] = tokens[i + 1]
                i += 3
            else:
                i += 1
        return found

    def has_uncommitted_changes(self, path: str) -> bool:
        """Does the working tree or the index differ from HEAD at `path`?"""
        return bool(self._git("status", "--porcelain", "--", path).strip())

    def authors_between(self, since: str | None, head: str, path: str) -> set[str]:
        """Author and committer emails (lower case) of the non-merge commits after `since` up to
        `head` that touched `path`."""
        revs = f"{since}..{head}" if since else head
        return {a.strip().lower() for a in self._git("log", "--no-merges", "--format=%ae%n%ce", revs, "--", path).split()}


    # --- intents of `sms-docs adopt`: an existing repository taken under control ------------------

    def has_local_changes(self) -> bool:
        """Does the index or the working tree differ from HEAD in a tracked file? (Untracked files
        are left alone: adopt commits only the paths it writes.)"""
        return bool(self._git("status", "--porcelain", "--untracked-files=no").strip())

    def tracked_files(self) -> list[str]:
        """Every path in the index (repo-relative, `/`)."""
        return [p for p in self._git("ls-files", "-z").split("\0") if p]

    def file_authorship(self, tip: str = "HEAD") -> dict[str, list[tuple[str, str, int, int]]]:
        """path as it is at `tip` -> (author name, author email, author time, commit time) of every
        non-merge commit that changed it, newest first, following renames back (one `git log` pass
        for the whole repository, never one per file)."""
        # Each record: its mark, then NUL-separated fields (no name, address or path holds a NUL).
        out = self._git("log", tip, "--no-merges", "-M", "--name-status", "-z",
                        _format("%an%x00%ae%x00%at%x00%ct%x00"))
        current: dict[str, str] = {}  # an older name -> the name it has at tip
        found: dict[str, list[tuple[str, str, int, int]]] = {}
        for record in _records(out):
            fields = record.split("\0", 4)
            if len(fields) < 5:
                continue
            name, email, at, ct = fields[0], fields[1], int(fields[2] or 0), int(fields[3] or 0)
            tokens = [t.lstrip("\n") for t in fields[4].split("\0")]
            i = 0
            while i < len(tokens):
                status = tokens[i]
                if not status:
                    i += 1
                    continue
                if status[0] in "RC" and i + 2 < len(tokens):
                    old, new = tokens[i + 1], tokens[i + 2]
                    now = current.get(new, new)
                    found.setdefault(now, []).append((name, email, at, ct))
                    if status[0] == "R":
                        current[old] = now
                    i += 3
                elif i + 1 < len(tokens):
                    path = tokens[i + 1]
                    now = current.get(path, path)
                    found.setdefault(now, []).append((name, email, at, ct))
                    i += 2
                else:
                    i += 1
        return found

    def mergers(self, tip: str = "HEAD") -> list[tuple[str, str]]:
        """(committer name, email) of each merge commit on `tip`'s first-parent line, newest first:
        who merged changes before the repository came under control."""
        out = self._git("log", tip, "--first-parent", "--merges", _format("%cn%x00%ce%x00"))
        return [(fields[0], fields[1]) for fields in (r.split("\0") for r in _records(out)) if len(fields) >= 2]

    def move_all(self, moves: list[tuple[str, str]]) -> None:
        """`git mv old new` for every pair, in two git runs however many files (a `git mv` each took
        half a minute for a thousand files). The caller has checked that no target exists and that no
        path goes through a link; the index ends as `git mv` leaves it, so `git log --follow` finds
        the old names."""
        for old, new in moves:
            target = self.root / new
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.root / old, target)
        for chunk in _chunks([old for old, _ in moves]):
            self._git("rm", "-q", "--cached", "--", *chunk)
        for chunk in _chunks([new for _, new in moves]):
            self._git("add", "--", *chunk)

    def stage(self, paths: Iterable[str]) -> None:
        wanted = list(paths)
        if wanted:
            self._git("add", "--", *wanted)

    def commit_staged(self, message: str) -> str:
        """Commit what is staged, as git's configured identity (the user's own hooks do not run: the
        commit is exactly what was planned); returns the new commit."""
        _run_git(self.root, "commit", "-q", "--no-verify", "-F", "-", input=message, safe=False)
        return self._git("rev-parse", "HEAD").strip()

    def restore_head(self) -> None:
        """Put the index and the tracked files back as HEAD has them. Only for undoing an action's own
        half-done work on a tree it found clean (adopt checks that first)."""
        self._git("reset", "-q", "--hard", "HEAD")

    def create_branch_here(self, name: str) -> None:
        """A new branch at HEAD, checked out (the working tree is kept)."""
        self._git("checkout", "-q", "-b", name)


def _chunks(paths: list[str], size: int = 500) -> Iterator[list[str]]:
    """Path lists cut to a length every system's command line takes."""
    for start in range(0, len(paths), size):
        yield paths[start:start + size]


_SPLIT_BLOBS = 2000  # from this many blobs on, `prefetch` reads them in two git processes
_SPLIT_HEADERS = 1000  # from this many main-line commits on, the headers' pass is cut in two git processes
_SPLIT_DIFFS = 2000  # from this many pairs of trees on, the own diffs are cut in two git processes
_BEHIND = 10  # how much nicer than this program a git process is whose output is wanted later (`_Pass`)
# The empty tree, by the length of the repository's object ids: a root commit's diff is against it.
_EMPTY_TREE = {40: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
               64: "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"}


def _spill() -> IO[bytes]:
    """An anonymous file for a git process's input or output: in memory where the system has memfd."""
    if hasattr(os, "memfd_create"):
        try:
            return os.fdopen(os.memfd_create("sms-docs-git", os.MFD_CLOEXEC), "w+b")
        except OSError:
            pass
    return tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it


class _Pass:
    """One git process writing into an anonymous file (`output` and `text` wait for it, read it whole).
    No pipe and no reader thread: a thread woken for each small piece git writes takes the GIL from
    the parsing that goes on meanwhile thousands of times (the header parse took twice as long)."""

    def __init__(self, repo: GitRepo, args: list[str], group: list[_Pass], input: str | None = None,
                 env: Mapping[str, str] | None = None, *, behind: bool = False) -> None:
        """`behind`: work wanted later than what this program does meanwhile, run at a lower priority
        so that the program's own thread keeps its core (where the system has priorities)."""
        self._files: list[IO[bytes]] = []
        self._what = next((a for a in args if not a.startswith("-") and "=" not in a), "")  # (after any -c key=value)
        try:
            self._out, self._err = self._file(), self._file()
            given = None
            if input is not None:
                given = self._file()
                given.write(input.encode("utf-8", "surrogateescape"))
                given.seek(0)
            self._proc = subprocess.Popen(["git", *SAFE_CONFIG, *args], cwd=repo.root, stdout=self._out,
                                          stderr=self._err, stdin=given if given is not None else subprocess.DEVNULL,
                                          env={**os.environ, **SAFE_ENV, **(env or {})})
        except OSError as exc:
            self._close_files()
            raise GitError(f"cannot run git: {exc}") from None
        group.append(self)
        if behind and hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):  # (a process that has ended already: nothing to lower)
                os.setpriority(os.PRIO_PROCESS, self._proc.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + _BEHIND))

    def _file(self) -> IO[bytes]:
        self._files.append(_spill())
        return self._files[-1]

    def _close_files(self) -> None:
        for f in self._files:
            f.close()
        self._files = []

    def output(self) -> bytes:
        """What git wrote, once it is done (GitError when it failed)."""
        self._proc.wait()
        try:
            if self._proc.returncode != 0:
                self._err.seek(0)
                raise GitError(f"git {self._what} failed: {self._err.read().decode('utf-8', errors='replace').strip()}")
            self._out.seek(0)
            return self._out.read()
        finally:
            self._close_files()

    def text(self) -> str:
        return self.output().decode("utf-8", errors="surrogateescape")

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._close_files()


def _header_commits(text: str, mark: str) -> list[Commit] | None:
    """The commits of a headers pass's text (`_header(mark, with_tree=True)`), read in one search;
    None when a record's fields hold the field separator (then it is read with care:
    `GitRepo._unambiguous`). A record is found only at the pass's mark, which nobody can write into
    a commit ahead of the run, and only whole: its ten fields and the next mark (or the end) after
    them, so a record with a separator too many is not found, and the count tells."""
    pattern = re.compile(re.escape(mark) + r"([0-9a-f]+)\x1f([0-9a-f]+)\x1f([0-9a-f ]*)\x1f([^\x1f]*)\x1f([^\x1f]*)\x1f"
                         r"([0-9]*)\x1f([^\x1f]*)\x1f([^\x1f]*)\x1f([0-9]*)\x1f([^\x1f]*)\x1f\x00?(?=" + re.escape(mark) + r"|\Z)")
    commits = [Commit(sha, tuple(parents.split()), an, ae, int(at or 0), cn, ce, int(ct or 0), message.rstrip("\n"), tree=tree)
               for sha, tree, parents, an, ae, at, cn, ce, ct, message in (m.groups() for m in pattern.finditer(text))]
    return commits if len(commits) == text.count(mark) else None


def _headers_read(text: str) -> list[Commit]:
    """The commits of a headers pass's text made unambiguous (`GitRepo._unambiguous`), as the cache
    keeps it: in one search when every record is plain."""
    found = _header_commits(text, text[:1 + _NONCE_LENGTH]) if text.startswith("\x1e") else None
    return found if found is not None else list(_parse_log(text, with_tree=True))


def _pairs_wanted(graph: list[tuple[str, str, tuple[str, ...]]], outside: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The pairs of trees git must diff (`<tree> <tree>`, each once): each commit's own (its first
    parent's tree, or the empty tree, against its tree), and each merge's other parents' trees
    against its tree. A pair of equal trees has no diff. The pairs keep the commits' order (git
    log's): one pair's trees lie close to the next one's in the pack and git's delta cache stays
    warm (the same pairs shuffled take nine times as long to diff)."""
    trees = {sha: tree for sha, tree, _ in graph}
    trees.update(outside)
    own: dict[str, None] = {}
    other: dict[str, None] = {}
    for _, tree, parents in graph:
        before = trees[parents[0]] if parents else _EMPTY_TREE.get(len(tree), _EMPTY_TREE[40])
        if before != tree:
            own[f"{before} {tree}"] = None
        for parent in parents[1:]:
            theirs = trees[parent]
            if theirs != tree:
                other[f"{theirs} {tree}"] = None
    return list(own), list(other)


def _pairs_within(commits: list[Commit]) -> dict[str, None]:
    """The own pairs of trees (`_pairs_wanted`'s) of the commits whose first parent is among them
    too, or that have none."""
    trees = {c.sha: c.tree for c in commits}
    graph = [(c.sha, c.tree, c.parents[:1]) for c in commits if not c.parents or c.parents[0] in trees]
    return dict.fromkeys(_pairs_wanted(graph, trees)[0])


def _trees_of(commits: list[Commit], outside: Mapping[str, str]) -> dict[str, str]:
    """commit -> its tree, for the commits read and the parents from outside them."""
    trees = {c.sha: c.tree for c in commits}
    trees.update(outside)
    return trees


def _give_changes(commits: list[Commit], trees: Mapping[str, str], diffs: Mapping[str, list[Change]]) -> None:
    """Each commit's changes: the diff of its first parent's tree (a root commit's: the empty tree)
    against its tree; a commit whose tree is its parent's changes nothing."""
    used: set[str] = set()
    try:
        for c in commits:
            tree, parents = c.tree, c.parents
            before = trees[parents[0]] if parents else _EMPTY_TREE.get(len(tree), _EMPTY_TREE[40])
            if before != tree:
                pair = f"{before} {tree}"
                found = diffs.get(pair)
                if found is not None:
                    c.changes = list(found) if pair in used else found  # (a second commit gets a copy)
                    used.add(pair)
    except KeyError:
        raise GitError("the log pass holds no tree for a parent of a commit it read") from None


def _kept_paths(commits: list[Commit], trees: Mapping[str, str]) -> dict[str, set[str]]:
    """For each pair of a merge's other parent's tree and its tree: the paths the merge changed against
    its first parent (`_give_changes` first; of the other parents' diffs nothing else is asked)."""
    keep: dict[str, set[str]] = {}
    for c in commits:
        if c.is_merge:
            paths = {ch.path for ch in c.changes}
            for parent in c.parents[1:]:
                keep.setdefault(f"{trees[parent]} {c.tree}", set()).update(paths)
    return keep


def _give_against(commits: list[Commit], trees: Mapping[str, str], theirs: Mapping[str, dict[str, str]]) -> None:
    """Each merge's `against`: for each other parent, what it has at the paths where the merge differs
    from it, of those the merge changed against its first parent (`_give_changes` first)."""
    try:
        for c in commits:
            if c.is_merge:
                tree = c.tree
                paths = {ch.path for ch in c.changes}
                against: dict[str, dict[str, str]] = {}
                for parent in c.parents[1:]:
                    their_tree = trees[parent]
                    blobs = theirs.get(f"{their_tree} {tree}", {}) if their_tree != tree else {}
                    against[parent] = {path: blob for path, blob in blobs.items() if path in paths}
                c.against = against
    except KeyError:
        raise GitError("the log pass holds no tree for a parent of a merge it read") from None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who makes a commit, and when (ISO 8601; None: now): passed to git for that commit only."""

    name: str
    email: str
    when: str | None = None

    def env(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
                                      "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}
        if self.when:
            out.update(GIT_AUTHOR_DATE=self.when, GIT_COMMITTER_DATE=self.when)
        return out


def _commits_of(headers: str, own: str, other: str, outside: str, *, done: list[Commit] | None = None) -> list[Commit]:
    """Commits from the passes of `GitRepo._log_pass`: every commit's header, the own diffs of the
    pairs of trees, the kept part of the other parents' diffs, and the trees of the parents from
    outside (`<commit> <tree>` lines). `done`: the same, read already (by `GitRepo._log_pass`)."""
    if done is not None:
        return done
    commits = _headers_read(headers)
    trees = _trees_of(commits, dict(row.split(" ", 1) for row in outside.split("\n") if " " in row))
    _give_changes(commits, trees, _parse_pairs(own))
    _give_against(commits, trees, _parse_other(other, None))
    return commits


# A run of raw fields, each `:<modes> <blobs> <status>` and then its path, as a structural reader
# steps through them: a field that starts with ":" (after any line breaks) is a raw field, and the
# field after it its path, whatever that holds. The run ends at the first other field (a heading).
_RAW_RUN = re.compile(r"(?:\n*:[^\0]*\0[^\0]*\0)*")


def _changes_in(tokens: list[str], start: int = 0) -> list[Change]:
    """The changes in NUL-separated fields from `start` on: each raw field (`:<modes> <blobs>
    <status>`, after any line breaks) and the path after it; other fields are stepped over."""
    out: list[Change] = []
    i, end = start, len(tokens)
    while i < end:
        meta = tokens[i].lstrip("\n")
        if meta.startswith(":") and i + 1 < end:
            fields = meta[1:].split()
            if len(fields) >= 5:
                out.append(Change(tokens[i + 1], fields[2], fields[3], fields[4][:1], fields[1], fields[0]))
            i += 2
        else:
            i += 1
    return out


def _raw_changes(run: str) -> list[Change]:
    """The changes of a run of raw fields (`_RAW_RUN`), in git's order."""
    return _changes_in(run.split("\0"))


def _kept_pairs(data: str, start: int, end: int, keep: set[str]) -> list[tuple[int, int]] | None:
    """Where (start, end of its raw field and path) each path of `keep` is in the run of raw fields
    data[start:end], in git's order, found by searching for the path itself: the run is not split.
    A path field is found as `\0<path>\0`; a raw field starts with ":" (after any line breaks), so a
    path that starts with neither cannot be mistaken for one. None when a path does (then the
    caller reads the run field by field)."""
    found: list[tuple[int, int]] = []
    for path in keep:
        if not path or path[0] in ":\n":
            return None
        needle = f"\0{path}\0"
        at = data.find(needle, start, end)  # (the NUL before a path ends its raw field)
        while at >= 0:
            field_start = data.rfind("\0", start, at)
            found.append((start if field_start < 0 else field_start + 1, at + len(needle)))
            at = data.find(needle, at + 1, end)
    found.sort()
    return found


# The heading of one diff of `git diff-tree --stdin -z` given a pair of trees: the pair, on a line
# of its own, right before the diff's first raw field (an empty diff has none).
_PAIR_HEADING = re.compile(r"([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64})\n")


def _pair_runs(data: str) -> Iterator[tuple[str, int, int]]:
    """(pair, start, end) of each diff's run of raw fields in `git diff-tree --stdin -r -z` text given
    pairs of trees. Every raw field is followed by its path, whatever that holds, so a heading is
    looked for only where a run ends; text of any other shape is refused."""
    pos, end = 0, len(data)
    while pos < end:
        heading = _PAIR_HEADING.match(data, pos)
        if heading is None:
            raise GitError("git diff-tree gave text that is not a diff of the pairs it was given")
        run_end = _RAW_RUN.match(data, heading.end()).end()  # type: ignore[union-attr]  # (it matches the empty run)
        yield data[pos:heading.end() - 1], heading.end(), run_end
        pos = run_end


def _parse_pairs(data: str) -> dict[str, list[Change]]:
    """pair of trees -> its changes, from `git diff-tree --stdin -r --raw -z` given pairs of trees."""
    return {pair: _raw_changes(data[start:end]) for pair, start, end in _pair_runs(data)}


def _parse_other(data: str, keep: Mapping[str, set[str]] | None, compact: list[str] | None = None) -> dict[str, dict[str, str]]:
    """pair of a merge's other parent's tree and its tree -> path -> the blob that parent has there
    (ZERO when none), for the paths of `keep[pair]` (None: every path) where they differ. The runs
    are not split: each kept path is looked up in its run (`_kept_pairs`). `compact` (when given)
    receives the text that parses to the same: each heading with its kept fields (what the cache
    keeps)."""
    out: dict[str, dict[str, str]] = {}
    for pair, start, end in _pair_runs(data):
        wanted = keep.get(pair) if keep is not None else None
        if keep is not None and not wanted:
            continue
        spans = _kept_pairs(data, start, end, wanted) if wanted is not None else [(start, end)]
        if spans is None:  # (a kept path that looks like a raw field: the run is read field by field)
            changes = [ch for ch in _raw_changes(data[start:end]) if wanted is None or ch.path in wanted]
        else:
            changes = [ch for a, b in spans for ch in _raw_changes(data[a:b])]
        if changes:
            out[pair] = {ch.path: ch.old_blob if ch.old_mode not in ("000000", "160000") else ZERO for ch in changes}
            if compact is not None:
                compact += (pair, "\n", *(_raw_field(ch) for ch in changes))
    return out


def _raw_field(ch: Change) -> str:
    """A change as a raw field and its path, as git writes them with -z."""
    return f":{ch.old_mode} {ch.mode} {ch.old_blob} {ch.new_blob} {ch.status}\0{ch.path}\0"


def _parse_changes(data: str) -> dict[str, list[Change]]:
    """commit -> its changes, from `git log --raw -z --format=<mark>%H` output (newest first)."""
    out: dict[str, list[Change]] = {}
    for record in _records(data):
        tokens = record.split("\0")
        out[tokens[0].strip()] = _changes_in(tokens, 1)
    return out


def _parse_log(data: str, *, with_tree: bool = False) -> Iterator[Commit]:
    """Commits from `git log -z [--raw] _header(mark, with_tree=...)` output made unambiguous
    (`GitRepo._unambiguous`: a record that is a JSON list was read from the commit object)."""
    first = 2 if with_tree else 1
    fields = first + 8
    for record in _records(data):
        if record.startswith("["):
            sha, tree_id, parent_ids, an, ae, at, cn, ce, ct, message, raw = json.loads(record)
            commit = Commit(sha, tuple(parent_ids.split()), an, ae, int(at or 0), cn, ce, int(ct or 0),
                            message.rstrip("\n"), tree=tree_id or "")
            commit.changes = _changes_in([field for pair in raw for field in pair])
            yield commit
            continue
        parts = record.split("\x1f", fields)  # the last part: what follows the message (its raw fields)
        if len(parts) <= fields:
            continue
        sha, tree = parts[0], (parts[1] if with_tree else "")
        parents, an, ae, at, cn, ce, ct, message, rest = parts[first:]
        commit = Commit(sha, tuple(parents.split()), an, ae, int(at or 0), cn, ce, int(ct or 0), message.rstrip("\n"),
                        tree=tree)
        if ":" in rest:
            commit.changes = _changes_in(rest.split("\0"))
        yield commit


def added_paths(root: Path, folder: str | None = None) -> list[str]:
    """Every path ever added in any commit of any ref (branches, tags, remotes); [] outside git."""
    args = ["git", *SAFE_CONFIG, "log", "--all", "--diff-filter=A", "--name-only", "--format=", "--no-renames"]
    if folder:
        args += ["--", folder]
    try:
        out = subprocess.run(args, cwd=root, capture_output=True, text=True, check=False,
                             env={**os.environ, **SAFE_ENV}).stdout
    except OSError:
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def worktree_root(start: Path) -> Path | None:
    """The top folder of the git working tree holding `start`; None outside one."""
    try:
        proc = subprocess.run(["git", *SAFE_CONFIG, "rev-parse", "--show-toplevel"], cwd=start, capture_output=True,
                              text=True, env={**os.environ, **SAFE_ENV}, check=False)
    except (OSError, ValueError):
        return None
    out = proc.stdout.strip()
    return Path(out) if proc.returncode == 0 and out else None


def committer_identity(root: Path, identity: Identity | None = None) -> tuple[str | None, str | None]:
    """git's committer identity (honours GIT_COMMITTER_* and user.*), as (name, email); a given
    identity is the answer itself."""
    if identity is not None:
        return identity.name, identity.email
    try:
        out = subprocess.run(["git", "var", "GIT_COMMITTER_IDENT"], cwd=root, capture_output=True,
                             text=True, check=False).stdout.strip()
    except OSError:
        return None, None
    if "<" not in out:
        return None, None
    name, rest = out.split("<", 1)
    return name.strip(), rest.split(">", 1)[0].strip()


# --- a working repository, as the `init` and `demo` actions make one ---------------------------------


def isolated() -> dict[str, str | None]:
    """An environment that keeps the user's own git configuration (signing by default, hooks,
    templates) and an outer repository's variables out of the commands it is given to."""
    return {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_DIR": None, "GIT_WORK_TREE": None, "GIT_INDEX_FILE": None}


def init_repository(target: Path, env: Mapping[str, str | None] | None = None) -> None:
    """`git init` of an existing folder, with main as the first branch."""
    _run_git(target, "init", "-q", "--initial-branch=main", str(target), env=env, safe=False)


def commit_all(root: Path, message: str, identity: Identity, paths: Iterable[str] = (),
               env: Mapping[str, str | None] | None = None) -> None:
    """Stage `paths` (everything when none) and commit them as `identity`."""
    full = {**(env or {}), **identity.env()}
    wanted = list(paths)
    _run_git(root, "add", "-A", *(["--", *wanted] if wanted else []), env=full, safe=False)
    _run_git(root, "commit", "-q", "--no-verify", "-F", "-", env=full, input=message + "\n", safe=False)


def create_branch(root: Path, name: str, start: str, env: Mapping[str, str | None] | None = None) -> None:
    """A new branch from `start`, checked out."""
    _run_git(root, "checkout", "-q", "-b", name, start, env=env, safe=False)


def merge_branch(root: Path, branch: str, into: str, message: str, identity: Identity,
                 env: Mapping[str, str | None] | None = None) -> None:
    """Merge `branch` into `into` with a merge commit (--no-ff) made as `identity`, then delete it."""
    full = {**(env or {}), **identity.env()}
    _run_git(root, "checkout", "-q", into, env=full, safe=False)
    _run_git(root, "merge", "-q", "--no-ff", "--no-verify", "-m", message, branch, env=full, safe=False)
    _run_git(root, "branch", "-q", "-d", branch, env=full, safe=False)


def set_config(root: Path, key: str, value: str | None, env: Mapping[str, str | None] | None = None) -> None:
    """Set a repository's local configuration value; None unsets it."""
    if value is None:
        _run_git(root, "config", "--unset", key, env=env, safe=False)
    else:
        _run_git(root, "config", key, value, env=env, safe=False)


class _CatFile:
    """A persistent `git cat-file --batch` (or `--batch-check`): one git process answers every object
    query of a run, started on first use. Reading a blob costs a pipe round trip, not a process.

    Object names are written one a line, so a name with a line break is never sent (it is answered as
    missing): a path in a tree may hold any byte but a NUL, and must not smuggle in a second query.
    """

    def __init__(self, root: Path, *, contents: bool, options: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.contents = contents
        self.options = list(options)  # git's own options (gitrepo.SAFE_CONFIG)
        self.env = dict(env or {})  # and environment (gitrepo.SAFE_ENV)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            mode = "--batch" if self.contents else "--batch-check"
            try:
                self._proc = subprocess.Popen(["git", "--no-replace-objects", *self.options, "cat-file", mode],
                                              cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL, env={**os.environ, **self.env})
            except OSError as exc:
                raise GitError(f"cannot run git: {exc}", hint="install git") from None
        return self._proc

    def query(self, name: str) -> tuple[str, str, bytes | None] | None:
        """(object id, type, contents or None for --batch-check) of `name`, or None when there is none."""
        if not name or "\n" in name or "\r" in name:
            return None
        with self._lock:
            proc = self._start()
            stdin, stdout = proc.stdin, proc.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
                stdin.flush()
                header = stdout.readline()
            except (OSError, ValueError) as exc:
                self.close()
                raise GitError(f"git cat-file stopped: {exc}") from None
            if not header:
                self.close()
                raise GitError("git cat-file stopped answering")
            parts = header.split()
            if len(parts) != 3 or parts[1] in (b"missing", b"ambiguous"):
                return None
            oid, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
            data = _read_exactly(stdout, size + 1)[:-1] if self.contents else None
            return oid, kind, data

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise GitError("git cat-file stopped in the middle of an object")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
