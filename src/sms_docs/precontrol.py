"""History before control began (issue 12): a repository that kept its policies for years before it
adopted sms-docs.

Control begins at the first first-parent commit of the main line whose tree holds sms-docs.yml
(`policy.control_start`: the graph says so, never a message). Main-line commits before it are
pre-control history: kept per path, judged by nothing, attached to the files they became (through
the rename git detects where control began, `former_paths` of approved revisions, and exact moves
before it), and never revisions. `PreControl` is the part of the history walk (`history._Walker`)
that does this; `ControlStart` is what the audit states.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs import policy
from sms_docs.model import Author, PastEvidence, PreControlChange

if TYPE_CHECKING:
    import datetime as dt

    from sms_docs.config import Settings
    from sms_docs.gitrepo import Change, Commit, GitRepo
    from sms_docs.history import FileHistory, _Reader
    from sms_docs.recordlog import RecordLog


@dataclass(frozen=True)
class ControlStart:
    """Where control began: the first main-line commit holding sms-docs.yml, when the main line
    has commits before it (issue 12)."""

    commit: str
    date: dt.datetime
    pre_control_commits: int  # main-line commits before it
    evidence: dict[str, int] | None  # pre-control commits by past evidence (opt-in), else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"began": {"commit": self.commit, "date": self.date.date().isoformat()},
                               "pre_control_commits": self.pre_control_commits}
        if self.evidence is not None:
            out["pre_control_evidence"] = self.evidence
        return out


class PreControl:
    """The pre-control part of the history walk; the walker provides the state and helpers below."""

    repo: GitRepo
    reader: _Reader
    main: list[Commit]
    bundles: dict[str, list[Commit]]
    files: dict[str, FileHistory]
    record_log: RecordLog
    paths_of: dict[str, dict[str, str]]
    start: int  # main-line index where control began (policy.control_start)
    kind_of: dict[str, str]  # key -> kind, for files carried from before control began
    pre_by_path: dict[str, list[tuple[int, PreControlChange]]]

    def settings_in_force(self) -> Settings:
        raise NotImplementedError

    def classify(self, path: str, settings: Settings) -> tuple[str, str] | None:
        raise NotImplementedError

    def touched(self, c: Commit) -> tuple[set[str | None], set[str]]:
        raise NotImplementedError

    def merge_introduced(self, c: Commit, ch: Change) -> bool:
        raise NotImplementedError

    def moment(self, index: int) -> dt.datetime:
        raise NotImplementedError


    def pre_step(self, i: int, m: Commit) -> None:
        """A main-line commit from before control began: its changes are kept as history of their
        paths, judged by nothing (no rules were in force), and their authors are not the authors of
        the first controlled revision (that is the adoption's)."""
        settings = self.settings_in_force()
        self.record_log.settings = settings
        self.record_log.step(m, self.moment(i), self.bundles[m.sha])
        for ch in m.changes:
            found = self.classify(ch.path, settings)
            if found is None:
                continue
            key, kind = found
            self.kind_of[key] = kind
            paths = self.paths_of.setdefault(key, {})
            paths.pop(ch.path, None)
            if ch.is_file:
                paths[ch.path] = ch.new_blob
            authors: dict[str, Author] = {}
            for c in self.bundles[m.sha]:
                if ch.path not in self.touched(c)[1] or (c.is_merge and not self.merge_introduced(c, ch)):
                    continue
                authors.setdefault(c.author_email.lower(), Author(c.author_name, c.author_email))
            self.pre_by_path.setdefault(ch.path, []).append((i, PreControlChange(
                commit=m.sha, date=self.moment(i), path=ch.path, blob=ch.new_blob, authors=tuple(authors.values()),
                subject=m.subject)))

    def carried(self, touched: dict[str, str]) -> None:
        """At the commit where control begins, every controlled file that came from before and that
        this commit leaves as it was is brought under control as it stands: a revision that needs
        approval like any other (content nobody approved must not slip in with the adoption)."""
        for key, paths in self.paths_of.items():
            if paths and key not in touched and key in self.kind_of:
                touched[key] = self.kind_of[key]

    def attach_pre_control(self, only: set[str] | None = None) -> ControlStart | None:
        """Each controlled file's history from before control began, found from git objects: the
        rename git detects in the commit where control began, the `former_paths` of the file's
        approved revisions, and exact moves (`git mv` without an edit) before it; then where control
        began, with the past's merger evidence counted when opted in."""
        if self.start <= 0 or self.start >= len(self.main) or not any(m.changes for m in self.main[:self.start]):
            # Under control from the first commit (an empty first commit has no history to speak
            # of); or, as of the date asked, not yet.
            return None
        kinds = self.settings_in_force().approval.evidence
        evidence: dict[str, tuple[PastEvidence, ...]] = {}
        counts = {"merger": 0, "none": 0}
        for i in range(self.start):
            m = self.main[i]
            found = policy.past_evidence(is_merge=m.is_merge, message=m.message, committer=(m.committer_name, m.committer_email),
                                         author=(m.author_name, m.author_email), kinds=kinds)
            evidence[m.sha] = (PastEvidence(found[0], found[1], found[2], found[3], m.sha, self.moment(i)),) if found else ()
            counts["merger" if found else "none"] += 1
        began = self.main[self.start]
        renamed = self.repo.renames(began.parents[0], began.sha) if began.parents else {}
        moved: dict[str, set[str]] = {}  # path -> paths it was moved from, content unchanged
        for m in self.main[:self.start]:
            gone = {ch.old_blob: ch.path for ch in m.changes if ch.deleted}
            for ch in m.changes:
                if ch.status == "A" and ch.is_file and ch.new_blob in gone:
                    moved.setdefault(ch.path, set()).add(gone[ch.new_blob])
        for fh in self.files.values():
            if only is not None and fh.key not in only:
                continue
            paths = {r.path for r in fh.revisions} | ({fh.path} if fh.path else set())
            sources = set(paths) | {renamed[p] for p in paths if p in renamed}
            for rev in fh.approved:
                if fh.kind == "document" and not rev.deleted:
                    sources.update(policy.former_paths(self.reader.document(rev.path, rev.blob)))
            todo = list(sources)
            while todo:
                for older in moved.get(todo.pop(), ()):
                    if older not in sources:
                        sources.add(older)
                        todo.append(older)
            entries = sorted((item for p in sources for item in self.pre_by_path.get(p, [])),
                             key=lambda item: (item[0], item[1].path))
            fh.pre_control = [dataclasses.replace(e, evidence=evidence.get(e.commit, ())) for _, e in entries]
        return ControlStart(began.sha, self.moment(self.start), self.start,
                            counts if policy.PRE_CONTROL_MERGER in kinds else None)
