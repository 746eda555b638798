"""Incremental audit: what a merge request adds on top of a main line that was audited already.

`sms-docs audit --since BASE` audits every document the main line changes after BASE (the merge
request's own commits, or the merges after BASE), with its whole history, every configuration file
and every record. Its results for those are the full audit's results, computed from the same git
objects by the same walk; documents the merge request does not touch are left to the audit of BASE.

What is trusted, and what is not:

- BASE is named on the command line and must be a commit on the first-parent line of the main
  branch *and* of the audited ref. Nothing about BASE is read from a file: not its findings, not
  any state. It only decides which documents are looked at; each of them is re-derived from git.
- Nothing under `.git/` is read but git's own objects and refs: no cache, no earlier result.
- Trusting BASE means trusting that the main line up to BASE passed its own full audit (CI of the
  main branch runs `sms-docs audit` on every merge). An attacker who chose BASE could at most skip
  documents the merge request does not change.

Cost: one `git log --first-parent --raw` pass over the main line (to follow each document's paths
through renames), commit headers without diffs, and the diffs of the side commits of the merges that
touched the documents concerned. The full audit diffs every commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs.checks import is_document_path, is_record_path
from sms_docs.documents import id_from_filename
from sms_docs.errors import UsageError
from sms_docs.gitrepo import Commit, GitRepo
from sms_docs.policy import is_config_path

if TYPE_CHECKING:
    from collections.abc import Callable

    from sms_docs.config import Settings
    from pathlib import Path
    import datetime as dt


@dataclass
class Scope:
    """What an incremental audit looked at, and the base it trusted."""

    base: str
    main_ref: str
    new_commits: int  # main-line commits after the base
    documents: list[str]  # document keys audited (changed after the base)

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "main_ref": self.main_ref, "new_main_line_commits": self.new_commits,
                "documents": self.documents,
                "trusted": f"the main line up to {self.base[:12]} was audited in full (it is on the first-parent "
                           f"line of {self.main_ref}); each document changed after it is audited here with its "
                           "whole history, re-derived from git objects"}


class ScopedRepo(GitRepo):
    """A GitRepo whose `commits` holds every commit (headers) but only the changes that concern the
    documents changed after the base, every configuration file and every record."""

    uncached = True  # no cache under .git/ is read or written: every result comes from git objects

    def __init__(self, root: Path, base_ref: str, settings: Settings) -> None:
        super().__init__(root)
        self.settings = settings
        base = self.resolve(base_ref)
        if base is None:
            raise UsageError(f"--since {base_ref}: no such commit", hint="name a commit of the main branch")
        self.base = base
        self.scope: Scope | None = None
        self._commits: dict[str, dict[str, Commit]] = {}

    def key_of(self, path: str) -> str | None:
        if is_config_path(path) or is_record_path(path, self.settings):
            return path
        if is_document_path(path, self.settings):
            return id_from_filename(path) or path
        return None

    def commits(self, tip: str, *, use_cache: bool = True,
                meanwhile: Callable[[dict[str, Commit]], object] | None = None) -> dict[str, Commit]:
        if tip not in self._commits:
            self._commits[tip] = self._scoped(tip)
        return self._commits[tip]

    def _scoped(self, tip: str) -> dict[str, Commit]:
        main_ref = self.default_ref(self.settings.main_branch)
        main_line, commits, main_changes = self.scope_passes(tip, main_ref)
        if self.base not in set(main_line):
            raise UsageError(f"--since {self.base[:12]} is not on the first-parent line of {main_ref}",
                             hint="name a commit of the main branch that was audited (in CI: the target branch's tip)")
        chain = list(main_changes)  # newest first
        if self.base not in main_changes:
            raise UsageError(f"--since {self.base[:12]} is not on the first-parent line of the audited ref",
                             hint="name the commit the merge request starts from (git merge-base)")
        after = set(chain[:chain.index(self.base)])
        wanted = {k for sha in after for ch in main_changes.get(sha, []) if (k := self.key_of(ch.path)) is not None}
        documents = sorted(k for k in wanted if not is_config_path(k) and not is_record_path(k, self.settings))

        def concerned(path: str) -> bool:
            key = self.key_of(path)
            return key is not None and (key in wanted or is_config_path(path) or is_record_path(path, self.settings))

        on_main = set(chain)
        side: list[str] = []
        for sha in chain:
            changes = [ch for ch in main_changes.get(sha, []) if concerned(ch.path)]
            commits[sha].changes = changes
            if changes and len(commits[sha].parents) > 1:
                side += _side_commits(commits, sha, on_main)
        # The side commits that brought those changes in: their own diffs give the authors.
        if side:
            for c in self.changes_of(dict.fromkeys(side)):
                commits[c.sha].changes = c.changes
        self.scope = Scope(self.base, main_ref, len(after), documents)
        return commits


def _side_commits(commits: dict[str, Commit], merge: str, on_main: set[str]) -> list[str]:
    """Non-merge commits a main-line merge may have brought in (a superset of its bundle)."""
    out: list[str] = []
    seen: set[str] = set()
    stack = list(commits[merge].parents[1:])
    while stack:
        sha = stack.pop()
        if sha in seen or sha in on_main or sha not in commits:
            continue
        seen.add(sha)
        c = commits[sha]
        if len(c.parents) <= 1:
            out.append(sha)
        stack.extend(c.parents)
    return out


def restrict(audit: dict[str, Any], documents: list[str]) -> dict[str, Any]:
    """A full audit's JSON cut to what an incremental audit of `documents` reports: those documents,
    every configuration file and record, and every finding not about another document."""
    keep = set(documents)
    ids = {d["id"] for d in audit["documents"]}
    configs = {d["id"] for d in audit["documents"] if is_config_path(d["id"])}
    others = ids - keep - configs
    out = dict(audit)
    out["documents"] = [d for d in audit["documents"] if d["id"] in keep or d["id"] in configs]
    out["findings"] = [f for f in audit["findings"] if f.get("id") not in others]
    out["ok"] = not any(f["severity"] == "error" for f in out["findings"])
    return out


def open_catalog(root: Path, base_ref: str, ref: str | None = None, as_of: dt.date | None = None) -> Any:
    """The catalogue of an incremental audit: Catalog.open on a ScopedRepo."""
    from sms_docs.catalog import Catalog
    from sms_docs.schemas import SchemaSet

    schemas = SchemaSet.load(root)
    if (root / config_mod.CONFIG_FILE).is_file():
        settings, _ = config_mod.load(root, schemas, validate=False)
        repo = ScopedRepo(root, base_ref, settings)
    else:  # a bare mirror: the configuration comes from git, as Catalog.open reads it
        from sms_docs.catalog import _settings_from_git

        probe = GitRepo(root)
        try:
            settings = _settings_from_git(probe, root, schemas, ref)
        finally:
            probe.close()
        repo = ScopedRepo(root, base_ref, settings)
    return Catalog.open(root, ref=ref, as_of=as_of, repo=repo)
