"""Records and forge review records along the main line: the trail `history` keeps besides the
controlled files. Records are append-only evidence (REQUIREMENTS R3): an edit is `record-modified`,
a deletion without a disposal record is reported by the catalog as `record-deleted`. GitHub's pull
request reviews reach git only as approvals records (SPEC section 5.3), read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs.checks import is_record_path
from sms_docs.documents import RECORD_ID_RE
from sms_docs.model import Finding, error

if TYPE_CHECKING:
    from sms_docs.gitrepo import Change, Commit
    from sms_docs.config import Settings
    from collections.abc import Iterable, Sequence


@dataclass
class RecordHistory:
    id: str
    path: str
    added: Commit  # the main-line commit that brought it
    blob: str
    deleted: Commit | None = None
    landed: dt.datetime | None = None  # the main line's clock when it was brought (not a date its writer chose)
    bundle: Sequence[Commit] = ()  # `added` and the side commits its merge brought
    written_as: str = ""  # its path when it was brought (a reorganised folder moves it later)

    def writers(self) -> frozenset[str]:
        """Lower-case emails of the authors and committers of the commits that wrote the record: the
        side commits of a merge that did, else the main-line commit itself (a direct commit, or a
        merge that made it)."""
        path = self.written_as or self.path
        side = [c for c in self.bundle[1:] if any(ch.path == path and ch.is_file and ch.new_blob == self.blob for ch in c.changes)]
        return frozenset(e.lower() for c in (side or [self.added]) for e in (c.author_email, c.committer_email))


class RecordLog:
    """Every record's life on the main line, one main-line commit at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings  # the rules in force (the walk sets them before each step)
        self.records: dict[str, RecordHistory] = {}  # by current path
        self.findings: list[Finding] = []
        self._checked_by = settings
        self._is_record: dict[str, bool] = {}  # path -> is_record_path under `_checked_by`

    def step(self, m: Commit, landed: dt.datetime | None = None, bundle: Sequence[Commit] = ()) -> None:
        """`landed`: the main line's clock at `m`; `bundle`: `m` and the side commits its merge
        brought (who wrote a record)."""
        if self.settings is not self._checked_by:
            self._checked_by, self._is_record = self.settings, {}
        is_record = self._is_record
        changes = []
        for ch in m.changes:
            found = is_record.get(ch.path)
            if found is None:
                found = is_record[ch.path] = is_record_path(ch.path, self.settings)
            if found:
                changes.append(ch)
        if not changes:
            return  # (most commits)
        moved = self.moves(changes)
        for ch in changes:
            if ch.path in moved:
                continue
            if ch.deleted or ch.is_file:
                self.change(m, ch.path, ch.new_blob, ch.deleted, landed, bundle)
            else:  # never read: a record that was there is gone
                self.findings.append(not_a_file(ch, m.sha, (landed or m.date).date(), None))
                self.change(m, ch.path, ch.new_blob, True, landed, bundle)

    def moves(self, changes: list[Change]) -> set[str]:
        """Records moved unchanged in one commit (same blob, new path: a reorganised folder) keep
        their history; `changes`: the commit's changes of record paths. Returns the paths handled."""
        gone = {ch.old_blob: ch.path for ch in changes if ch.deleted and ch.path in self.records
                and self.records[ch.path].deleted is None}
        if not gone:
            return set()
        handled: set[str] = set()
        for ch in changes:
            if not ch.is_file or ch.new_blob not in gone:
                continue
            if ch.path in self.records and self.records[ch.path].deleted is None:
                continue
            old = gone.pop(ch.new_blob)
            rh = self.records.pop(old)
            rh.path = ch.path
            self.records[ch.path] = rh
            handled |= {old, ch.path}
        return handled

    def change(self, m: Commit, path: str, blob: str, deleted: bool, landed: dt.datetime | None = None,
               bundle: Sequence[Commit] = ()) -> None:
        existing = self.records.get(path)
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        ident = stem if RECORD_ID_RE.match(stem) else "-".join(stem.split("-")[:3])
        if deleted:
            if existing is not None:
                existing.deleted = m
            return
        if existing is None or existing.deleted is not None:
            self.records[path] = RecordHistory(ident, path, m, blob, landed=landed, bundle=bundle, written_as=path)
            return
        if existing.blob != blob:
            self.findings.append(error(
                "record-modified",
                f"{existing.id} was changed in {m.sha[:10]} ({m.date.date()}) after it was recorded in {existing.added.sha[:10]}: records never change; write a new record with `corrects: {existing.id}`",
                path=path, id=existing.id))
            existing.blob = blob


def not_a_file(ch: Change, commit: str, day: dt.date, ident: str | None) -> Finding:
    """The finding for a controlled path on the main line that holds a symbolic link or a submodule
    entry (a gitlink) rather than a file. Neither is ever read: a link shows whatever it points at;
    a gitlink names an object id that may hold any text, which a forge shows a reviewer only as
    "Subproject commit <id>"."""
    where = f"(commit {commit[:10]}, {day})"
    if ch.is_submodule:
        return error("submodule", f"{ch.path} is a submodule entry {where}, naming object {ch.new_blob[:10]}: a "
                     "controlled file must be a file; a reviewer sees only the id, never a text, so it is not read",
                     path=ch.path, id=ident)
    return error("symlink", f"{ch.path} is a symbolic link {where}: a controlled file must be a file of its own; "
                 "a link shows whatever it points at", path=ch.path, id=ident)


def forge_person(settings: Settings, review: dict[str, Any]) -> tuple[str, str] | None:
    if isinstance(review.get("email"), str) and review["email"]:
        p = settings.person_by_email(review["email"])
        return (p.name if p else str(review.get("reviewer", "")), review["email"])
    login = str(review.get("reviewer", ""))
    for p in settings.people:
        if login and login in (p.github, p.gitlab):
            return p.name, p.email
    return (login, f"{login}@users.noreply.forge") if login else None


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def disposed_ids(records: Iterable[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for meta in records:
        if meta.get("type") == "disposal" and isinstance(meta.get("disposed"), list):
            out.update(str(x) for x in meta["disposed"])
    return out
