"""Generate large document repositories for the benchmarks, quickly, with `git fast-import`.

History shape (SPEC section 10): an initial commit with N documents, approved by an approval
commit; then M changes, each on its own branch (a commit by the author, an approval commit by an
approver bound to the new blob), merged into main with --no-ff.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

CONFIG = """\
organisation: Benchmark Services Ltd
standard: iso20000-1:2018
main_branch: main
people:
  - {id: dana, name: Dana Reyes, email: dana@example.com, roles: [top-management]}
  - {id: omar, name: Omar Haddad, email: omar@example.com, roles: [sms-manager, process-owner]}
roles:
  top-management: Top management
  sms-manager: SMS manager
  process-owner: Process owner
"""

PARAGRAPH = (
    "This procedure sets out how the organisation plans, performs and records the activity, who is "
    "accountable for each step, which inputs it needs and which records it produces.\n\n"
)


def document(i: int, version: int) -> str:
    ident = f"POL-{i:05d}"
    return (
        f"---\nid: {ident}\ntitle: \"Generated policy {i}\"\ntype: policy\nowner: dana\n"
        f"classification: internal\nclauses: [\"5.2\", \"8.5.1\"]\n---\n\n# Generated policy {i}\n\n"
        + PARAGRAPH * 4 + f"Version marker {version}.\n"
    )


def path_of(i: int) -> str:
    return f"policies/POL-{i:05d}-generated-policy-{i}.md"


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's object id


class FastImport:
    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=repo, stdin=subprocess.PIPE)
        self.mark = 0
        self.time = 1_700_000_000

    def write(self, text: str | bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)

    def commit(self, ref: str, who: tuple[str, str], message: str, files: dict[str, bytes] | None = None,
               parents: list[int] | None = None, deleted: list[str] | None = None) -> int:
        self.mark += 1
        self.time += 60
        name, email = who
        msg = message.encode()
        self.write(f"commit {ref}\nmark :{self.mark}\n")
        self.write(f"author {name} <{email}> {self.time} +0000\ncommitter {name} <{email}> {self.time} +0000\n")
        self.write(b"data %d\n" % len(msg) + msg + b"\n")
        for i, p in enumerate(parents or []):
            self.write(f"{'from' if i == 0 else 'merge'} :{p}\n")
        for path in deleted or []:
            self.write(f"D {path}\n")
        for path, data in (files or {}).items():
            self.write(f"M 100644 inline {path}\n")
            self.write(b"data %d\n" % len(data) + data + b"\n")
        self.write("\n")
        return self.mark

    def close(self) -> None:
        self.write("done\n")
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError("git fast-import failed")


DANA = ("Dana Reyes", "dana@example.com")
OMAR = ("Omar Haddad", "omar@example.com")


def generate(repo: Path, documents: int, changes: int, *, approve_changes: bool = True) -> None:
    """A repository with `documents` policies and `changes` merged, approved changes."""
    repo.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(repo)], check=True)
    fi = FastImport(repo)
    files = {"sms-docs.yml": CONFIG.encode()}
    for i in range(1, documents + 1):
        files[path_of(i)] = document(i, 0).encode()
    base = fi.commit("refs/heads/main", OMAR, "Initial document set\n", files)
    trailers = "".join(f"Approval-of: {p if p == 'sms-docs.yml' else 'POL-' + p.split('-')[1]} {blob_id(d)}\n"
                       for p, d in files.items())
    main = fi.commit("refs/heads/main", DANA, f"Approve the initial set\n\nApproved-by: Dana Reyes <dana@example.com>\n{trailers}", parents=[base])
    for n in range(1, changes + 1):
        i = (n * 7919) % documents + 1
        data = document(i, n).encode()
        branch = f"refs/heads/change-{n}"
        edit = fi.commit(branch, OMAR, f"Update POL-{i:05d}\n", {path_of(i): data}, parents=[main])
        tip = edit
        if approve_changes:
            tip = fi.commit(branch, DANA, f"Approve POL-{i:05d}\n\nApproved-by: Dana Reyes <dana@example.com>\n"
                            f"Approval-of: POL-{i:05d} {blob_id(data)}\nApproval-meaning: approval\n", parents=[edit])
        # fast-import takes a merge's tree from its first parent: restate the merged file.
        main = fi.commit("refs/heads/main", DANA, f"Merge branch 'change-{n}'\n", {path_of(i): data}, parents=[main, tip])
    fi.close()
    # The branches are merged: drop them, as a forge does after a merge.
    refs = subprocess.run(["git", "for-each-ref", "--format=delete %(refname)", "refs/heads/change-*"], cwd=repo,
                          capture_output=True, text=True, check=True).stdout
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input=refs, text=True, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)


def worktree_only(root: Path, documents: int) -> None:
    """A document repository (git initialised, nothing committed) with `documents` files."""
    (root / "policies").mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(root)], check=True)
    (root / "sms-docs.yml").write_text(CONFIG)
    for i in range(1, documents + 1):
        (root / path_of(i)).write_text(document(i, 0))


def large_path_of(i: int, slug: int = 0) -> str:
    """Documents in folders of 100, as large repositories keep them; a rename changes the slug."""
    area = (i - 1) // 100 + 1
    name = f"generated-policy-{i}" if slug == 0 else f"policy-{i}-renamed-{slug}"
    return f"policies/area-{area:03d}/POL-{i:05d}-{name}.md"


def change_record(n: int) -> bytes:
    year = 2023 + n // 10_000
    return (f"id: CHG-{year}-{n:05d}\ntype: change\ndate: \"{year}-01-01\"\ncreated_by: omar\n"
            f"change_type: normal\nsummary: \"Generated change {n}\"\nrisk: low\noutcome: successful\n").encode()


def record_path(n: int) -> str:
    year = 2023 + n // 10_000
    return f"records/change/{year}/CHG-{year}-{n:05d}.yml"


def generate_large(repo: Path, documents: int = 5_000, changes: int = 20_000, *, long_every: int = 50,
                   long_span: int = 400, rename_every: int = 10, record_every: int = 4) -> int:
    """A long history: `documents` policies in folders of 100, then `changes` merged changes of one to
    five author commits and an approval commit each (about five commits a change, so 20,000 changes
    make about 100,000 commits). Every `long_every`-th change is a long-lived branch, forked
    `long_span` merges before it is merged; every `rename_every`-th change renames its document;
    every `record_every`-th change adds a change record. Returns the number of commits."""
    repo.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(repo)], check=True)
    fi = FastImport(repo)
    files = {"sms-docs.yml": CONFIG.encode()}
    paths = {i: large_path_of(i) for i in range(1, documents + 1)}
    for i, path in paths.items():
        files[path] = document(i, 0).encode()
    base = fi.commit("refs/heads/main", OMAR, "Initial document set\n", files)
    trailers = "".join(f"Approval-of: {'sms-docs.yml' if p == 'sms-docs.yml' else 'POL-' + p.rsplit('/', 1)[1].split('-')[1]} "
                       f"{blob_id(d)}\n" for p, d in files.items())
    main = fi.commit("refs/heads/main", DANA, f"Approve the initial set\n\nApproved-by: Dana Reyes <dana@example.com>\n{trailers}",
                     parents=[base])
    commits = 2
    history = [main]  # main after each merge: where long-lived branches fork
    busy: set[int] = set()  # documents on an open long-lived branch (main leaves them alone)
    pending: dict[int, tuple[int, int, dict[str, bytes], list[str], int]] = {}  # merge at change n -> branch
    for n in range(1, changes + 1):
        if n in pending:  # a long-lived branch comes home
            tip, i, restated, gone, started = pending.pop(n)
            busy.discard(i)
            main = fi.commit("refs/heads/main", DANA, f"Merge branch 'long-{started}'\n", restated, parents=[main, tip],
                             deleted=gone)
            commits += 1
            history.append(main)
            continue
        i = (n * 7919) % documents + 1
        while i in busy:
            i = i % documents + 1
        long_lived = n % long_every == 0 and n + long_span <= changes
        fork = history[max(0, len(history) - 1 - long_span)] if long_lived else main
        branch = f"refs/heads/{'long' if long_lived else 'change'}-{n}"
        edits = 1 + (n * 31) % 5
        parent = fork
        old_path = paths[i]
        rename = n % rename_every == 0
        if rename:
            paths[i] = large_path_of(i, n)
        for k in range(edits):
            changed: dict[str, bytes] = {paths[i]: document(i, n * 10 + k).encode()}
            if rename and k == 0:
                changed[old_path] = b""  # marker: deleted below
            if n % record_every == 0 and k == edits - 1:
                changed[record_path(n)] = change_record(n)
            parent = fi.commit(branch, OMAR, f"Update POL-{i:05d} ({k + 1} of {edits})\n",
                               {p: d for p, d in changed.items() if d}, parents=[parent],
                               deleted=[p for p, d in changed.items() if not d])
            commits += 1
        data = document(i, n * 10 + edits - 1).encode()
        tip = fi.commit(branch, DANA, f"Approve POL-{i:05d}\n\nApproved-by: Dana Reyes <dana@example.com>\n"
                        f"Approval-of: POL-{i:05d} {blob_id(data)}\nApproval-meaning: approval\n", parents=[parent])
        commits += 1
        restate = {paths[i]: data}
        if n % record_every == 0:
            restate[record_path(n)] = change_record(n)
        if long_lived:
            busy.add(i)
            pending[n + long_span] = (tip, i, restate, [old_path] if rename else [], n)
            continue
        main = fi.commit("refs/heads/main", DANA, f"Merge branch 'change-{n}'\n", restate, parents=[main, tip],
                         deleted=[old_path] if rename else [])
        commits += 1
        history.append(main)
    fi.close()
    refs = subprocess.run(["git", "for-each-ref", "--format=delete %(refname)", "refs/heads/change-*", "refs/heads/long-*"],
                          cwd=repo, capture_output=True, text=True, check=True).stdout
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo, input=refs, text=True, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)
    return commits


def add_site_config(repo: Path, text: str) -> None:
    """Commit `mkdocs.yml` on main and approve it (site inputs are controlled, like sms-docs.yml)."""
    path = repo / "mkdocs.yml"
    path.write_text(text)
    env = lambda who: {**os.environ, "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],  # noqa: E731
                       "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]}
    subprocess.run(["git", "add", "mkdocs.yml"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "Add the site configuration"], cwd=repo, check=True, env=env(OMAR))
    blob = blob_id(text.encode())
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m",
                    f"Approve the site configuration\n\nApproved-by: Dana Reyes <dana@example.com>\n"
                    f"Approval-of: mkdocs.yml {blob}\n"], cwd=repo, check=True, env=env(DANA))


# The benchmark site: sms-docs over the generated repository, and plain Material over the same pages.
MKDOCS_SMS = """\
site_name: Benchmark Services Ltd - service management system
docs_dir: site-src
site_dir: site
theme:
  name: material
plugins:
  - search
  - sms-docs:
      audience: internal
"""

MKDOCS_PLAIN = """\
site_name: Benchmark Services Ltd - plain MkDocs
docs_dir: docs
site_dir: site
theme:
  name: material
plugins:
  - search
"""
