"""The repository as a whole, as of a ref and a day: configuration, documents, records and history
joined. The CLI, the audit and the site all read this one object, so they can never disagree."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import history as history_mod
from sms_docs.checks import is_record_path
from sms_docs.config import Settings, months_of
from sms_docs.errors import NotADocumentRepository, UsageError
from sms_docs.gitrepo import GitRepo
from sms_docs.recordlog import disposed_ids
from sms_docs.model import Document, Finding, Revision, State, error, warning
from sms_docs import policy
from sms_docs.policy import next_review, retention_end
from sms_docs.schemas import SchemaSet

if TYPE_CHECKING:
    from sms_docs.history import FileHistory, History
    from collections.abc import Callable, Iterable
    from pathlib import Path


@dataclass
class DocStatus:
    """One document's derived state (SPEC section 6)."""

    id: str
    history: FileHistory
    # Front matter only (bodies may be left out): Catalog.read_document(revision) gives the body.
    head: Document | None  # the document as it stands on the main line
    published: Document | None  # the document at its effective revision
    current: Revision | None  # the revision in force (published); for a withdrawn document, its withdrawal
    latest_approved: Revision | None
    state: State
    next_review: dt.date | None
    last_review: dt.date | None
    review_cycle: str
    upcoming: Revision | None = None  # approved, its planned effective date still ahead (policy.in_force)

    @property
    def described(self) -> Revision | None:
        """The revision whose facts are the document's: the one in force, else (nothing in force yet)
        the approved one waiting for its date."""
        return self.current or self.latest_approved

    @property
    def shown(self) -> Document | None:
        return self.published or self.head

    @property
    def title(self) -> str:
        return self.shown.title if self.shown else self.id

    @property
    def type(self) -> str:
        return self.shown.type if self.shown else ""

    @property
    def owner(self) -> str:
        return self.shown.owner if self.shown else ""

    @property
    def classification(self) -> str:
        return self.shown.classification if self.shown else "internal"

    @property
    def revision(self) -> int | None:
        return self.described.number if self.described else None

    @property
    def effective(self) -> dt.date | None:
        return self.described.effective if self.described else None

    @property
    def withdrawn_on(self) -> dt.date | None:
        """The day an obsolete document was withdrawn: its withdrawal revision took effect, or (a file
        deleted from the main line) the day it was deleted."""
        if self.state is not State.OBSOLETE:
            return None
        if self.published is not None and self.published.obsolete and self.current is not None:
            return self.current.effective
        gone = self.history.deleted_at
        return gone.date.date() if gone is not None else None

    @property
    def path(self) -> str | None:
        return self.history.path or (self.latest_approved.path if self.latest_approved else None)

    @property
    def revisions(self) -> list[Revision]:
        return self.history.revisions

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "type": self.type, "owner": self.owner,
            "classification": self.classification, "state": self.state.value, "revision": self.revision,
            "effective": _iso(self.effective), "next_review": _iso(self.next_review), "path": self.path,
        }


@dataclass
class RecordEntry:
    id: str
    path: str
    meta: dict[str, Any]
    commit: str | None
    date: dt.date | None  # the record's own date field
    retention_until: dt.date | None
    landed: dt.date | None = None  # the main line's clock when it was brought (`date` is its writer's choice)
    writers: frozenset[str] = frozenset()  # review records: lower-case emails of who wrote and committed it

    @property
    def type(self) -> str:
        return str(self.meta.get("type", ""))

    @property
    def subject(self) -> list[str]:
        value = self.meta.get("subject")
        return [str(v) for v in value] if isinstance(value, list) else ([value] if isinstance(value, str) else [])


def _settings_from_git(repo: GitRepo, root: Path, schemas: SchemaSet, ref: str | None) -> Settings:
    commit = repo.resolve(ref or "HEAD")
    blob = repo.blob_at(commit, config_mod.CONFIG_FILE) if commit else None
    if blob is None:
        raise NotADocumentRepository(
            f"{root}: no {config_mod.CONFIG_FILE} at {ref or 'HEAD'}", hint="name the main branch with --ref")
    settings, findings = config_mod.parse(root, repo.read_blob(blob).decode("utf-8-sig", errors="replace"), schemas)
    config_mod.require_valid(findings)
    return settings


class _Beside:
    """A call run in a thread of its own; `result()` waits for it and returns or raises what it did."""

    def __init__(self, call: Callable[[], Settings]) -> None:
        self._out: list[Settings] = []
        self._error: list[BaseException] = []

        def run() -> None:
            try:
                self._out.append(call())
            except BaseException as exc:  # handed to the caller by result()
                self._error.append(exc)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self) -> Settings:
        self._thread.join()
        if self._error:
            raise self._error[0]
        return self._out[0]


def _main_branch_in_force(repo: GitRepo, settings: Settings, schemas: SchemaSet, ref: str, as_of: dt.date | None,
                          hist: History) -> tuple[str, History]:
    """Which branch is the main line is itself a rule: the one the approved configuration names,
    never the working tree's (one unapproved commit could point the audit and the site at a branch
    nobody protects). The candidate comes from the working tree; when the configuration in force on
    its main line names another branch, that one is read instead. A candidate that shares no history
    with the checkout is refused: it cannot be this repository's main line."""
    head = repo.resolve("HEAD")
    # Without --as-of the history was read from the ref's tip on, which is its main line's last commit.
    tip = hist.tip if as_of is None and hist.tip else repo.resolve(ref)
    if head and tip and head != tip and not repo.related(head, tip):  # (the usual checkout: no git to ask)
        raise UsageError(f"main_branch {ref!r} shares no history with the checked-out commit",
                         hint="name the branch to read with --ref")
    approved = (hist.settings.main_branch if hist.settings is not None else settings.main_branch).removeprefix("refs/heads/")
    if approved == ref.removeprefix("refs/remotes/").removeprefix("origin/") or repo.resolve(approved) is None:
        return ref, hist
    ref = repo.default_ref(approved)
    return ref, history_mod.build(repo, settings, schemas, ref, as_of)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass
class Catalog:
    root: Path
    settings: Settings
    schemas: SchemaSet
    repo: GitRepo
    ref: str
    as_of: dt.date
    history: History
    documents: dict[str, DocStatus] = field(default_factory=dict)
    configs: dict[str, FileHistory] = field(default_factory=dict)
    records: list[RecordEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Blobs of current and effective revisions over `max_file_size`: never published (see `_oversize`).
    oversize: dict[str, int] = field(default_factory=dict)
    _full: dict[str, Document | None] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: Path, ref: str | None = None, as_of: dt.date | None = None, *,
             require_history: bool = True, repo: GitRepo | None = None, previous: History | None = None,
             keep: bool = False) -> Catalog:
        """`keep`, `previous`: see `history.build` (a `serve` extends its last history when it can)."""
        schemas = SchemaSet.load(root)
        repo = repo if repo is not None else GitRepo(root)  # incremental.ScopedRepo: an audit --since
        check: _Beside | None = None
        if (root / config_mod.CONFIG_FILE).is_file():
            # The schema check of sms-docs.yml (jsonschema: most of the start-up's imports) runs beside
            # the history pass, which mostly waits on git. The settings are built from the file alone
            # either way (`config.parse`), and an invalid file still stops the run before anything is
            # answered, with the same error, whatever else went wrong meanwhile.
            settings, _ = config_mod.load(root, schemas, validate=False)
            check = _Beside(lambda: config_mod.load_valid(root, schemas))
        else:  # a bare mirror (`git clone --mirror`): everything, the configuration too, comes from git
            settings = _settings_from_git(repo, root, schemas, ref)
        try:
            if require_history:
                repo.require_full_history()
            named = ref
            if not ref:
                ref = repo.default_ref(settings.main_branch)  # the first candidate that resolves
            elif repo.resolve(ref) is None:
                raise UsageError(f"unknown ref {ref!r}", hint="name a branch, tag or commit")
            today = as_of or dt.date.today()
            hist = history_mod.build(repo, settings, schemas, ref, as_of, previous=previous, keep=keep)
            if named is None:
                ref, hist = _main_branch_in_force(repo, settings, schemas, ref, as_of, hist)
        except BaseException:
            if check is not None:
                check.result()  # an invalid configuration is the error to report
            raise
        if check is not None:
            settings = check.result()
        cat = cls(root, hist.settings or settings, schemas, repo, ref, today, hist)
        cat._join()
        return cat

    def close(self) -> None:
        self.repo.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def tip(self) -> str | None:
        return self.history.tip

    def read_document(self, rev: Revision) -> Document | None:
        """The document at a revision, body included (read from git once per blob)."""
        if rev.blob not in self._full:
            from sms_docs.documents import read_document

            self._full[rev.blob] = read_document(rev.path, self.repo.read_blob(rev.blob))
        return self._full[rev.blob]

    def remember_document(self, blob: str, doc: Document) -> None:
        """A document read from this blob before (by an earlier catalogue of the same repository)."""
        self._full.setdefault(blob, doc)

    def prefetch(self, revs: Iterable[Revision | None]) -> None:
        """Read the blobs of these revisions from git in one batch (read_document then needs no round trip)."""
        self.repo.prefetch(r.blob for r in revs if r is not None and r.blob not in self._full)

    def meta_document(self, rev: Revision) -> Document | None:
        """The document's front matter at a revision (the body may be left out: use read_document)."""
        found = self.history.meta_by_blob.get(rev.blob)
        return found.doc if found is not None else self.read_document(rev)

    def _oversize(self) -> None:
        """Documents whose file on the main line, or whose effective revision, is over `max_file_size`:
        a `file-too-large` finding each, and the site leaves them out (sizes from git; nothing is read)."""
        from sms_docs.documents import too_large

        wanted = [r.blob for s in self.documents.values() for r in (s.current, s.upcoming) if r is not None]
        wanted += [s.history.blob for s in self.documents.values() if s.history.blob]
        sizes = self.repo.blob_sizes(wanted)
        self.oversize = {b: n for b, n in sizes.items() if n > self.settings.max_file_size}
        for s in self.documents.values():
            head = s.history.blob
            found = None
            if head in self.oversize and s.history.path:
                found = too_large(s.history.path, self.oversize[head], self.settings, s.id)
            else:
                for rev, which in ((s.current, "effective"), (s.upcoming, "upcoming")):
                    if rev is not None and rev.blob in self.oversize:
                        found = too_large(rev.path, self.oversize[rev.blob], self.settings, s.id,
                                          what=f"{which} revision {rev.number}: ")
                        break
            if found is not None:
                self.findings.append(found)

    def get(self, ident: str) -> DocStatus:
        found = self.documents.get(ident)
        if found is None:
            raise UsageError(f"no document {ident} on {self.ref} as of {self.as_of}",
                             hint="`sms-docs status` lists the documents")
        return found

    # ---------------------------------------------------------------------------------------

    def _join(self) -> None:
        self.findings.extend(self.history.findings)
        self._load_records()
        reviews = self._reviews()
        for key, fh in sorted(self.history.files.items()):
            if fh.kind == "config":
                self.configs[key] = fh
                continue
            if fh.path is None and not fh.approved:
                continue  # a draft that was deleted: nothing to control
            self.documents[key] = self._status(fh, reviews)
        self._record_findings()
        self._tag_findings()
        self._oversize()
        for status in self.documents.values():
            if status.next_review and policy.review_overdue(status.next_review, status.state, self.as_of):
                days = (self.as_of - status.next_review).days
                self.findings.append(warning(
                    "review-overdue", f"{status.id} review was due {status.next_review} ({days} days ago): review it (`sms-docs review {status.id} --outcome no-change|revise`)",
                    path=status.path, id=status.id))
        self.findings.sort(key=lambda f: (f.severity.value != "error", f.id or "", f.path or "", f.message))

    def _status(self, fh: FileHistory, reviews: dict[tuple[str, str], dt.date]) -> DocStatus:
        approved = [r for r in fh.revisions if r.number is not None]
        latest_approved = approved[-1] if approved else None
        current, upcoming = policy.in_force(approved, self.as_of)
        head_rev = fh.revisions[-1] if fh.revisions else None
        head = self.meta_document(head_rev) if head_rev and fh.path else None
        published = self.meta_document(current) if current else None
        latest_doc = self.meta_document(latest_approved) if latest_approved else None
        withdrawn = latest_doc is not None and latest_doc.obsolete
        state = policy.document_state(
            approved=latest_approved is not None, withdrawn=withdrawn, on_main_line=fh.path is not None,
            head_is_approved=head_rev is None or latest_approved is None or head_rev.blob == latest_approved.blob,
            effective=(current or latest_approved).effective if latest_approved else None, today=self.as_of)
        if withdrawn:  # a withdrawn document shows its withdrawal revision
            published, current, upcoming = latest_doc, latest_approved, None
        shown = published or head
        type_ = self.settings.types.get(shown.type) if shown else None
        cycle = str(shown.meta.get("review_cycle")) if shown and shown.meta.get("review_cycle") else (
            type_.review_cycle if type_ else "12 months")
        # The revision in force has its own dates: the cycle runs from its effective date or its last
        # review, and approving its successor (even one whose planned date is still ahead) counts as
        # a review of it (policy.review_base).
        last_review = policy.review_base(reviews.get((fh.key, current.blob)), upcoming) if current else None
        due = None
        if current is not None and state not in (State.OBSOLETE, State.DRAFT):
            try:
                due = next_review(current.effective, last_review, months_of(cycle))
            except ValueError:
                due = None
        return DocStatus(fh.key, fh, head, published, current, latest_approved, state, due, last_review, cycle, upcoming)

    def _load_records(self) -> None:
        if self.tip is None:
            return
        added = {rh.path: rh for rh in self.history.records.values() if rh.deleted is None}
        tree = self.repo.list_tree(self.tip, [self.settings.record_root])
        self.repo.prefetch(b for p, b in tree.items() if b not in self.history.meta_by_blob)
        for path, blob in sorted(tree.items()):
            if not is_record_path(path, self.settings):
                continue
            parsed = self.history.meta_by_blob.get(blob)
            if parsed is None:
                from sms_docs.documents import parse_record

                parsed = parse_record(path, self.repo.read_blob(blob), self.settings, self.schemas, validate=False)
                self.history.meta_by_blob[blob] = parsed
            if parsed.record is None:
                continue
            meta = dict(parsed.record.meta)
            day = _date(meta.get("date"))
            until = policy.retention_until(meta, self.settings)
            rh = added.get(path)
            self.records.append(RecordEntry(parsed.record.id, path, meta, rh.added.sha if rh else None, day, until,
                                            rh.landed.date() if rh and rh.landed else None,
                                            rh.writers() if rh and meta.get("type") == "review" else frozenset()))

    def _reviews(self) -> dict[tuple[str, str], dt.date]:
        """(document ID, blob) -> date of the last no-change review of that exact content."""
        out: dict[tuple[str, str], dt.date] = {}
        for rec in self.records:
            if rec.type != "review" or rec.meta.get("outcome") != "no-change" or not rec.date:
                continue
            # Dated by its writer, it counts from the day it reached the main line at the latest.
            day = min(rec.date, rec.landed) if rec.landed else rec.date
            if day > self.as_of or self._untrusted_review(rec):
                continue
            blob = str(rec.meta.get("blob", ""))
            for subject in rec.subject:
                key = (subject, blob)
                if key not in out or out[key] < day:
                    out[key] = day
        return out

    def _untrusted_review(self, rec: RecordEntry) -> str | None:
        """Why a review record is not its reviewer's evidence, or None. Anyone may write a record;
        a review counts only when the person it names as `created_by` wrote or committed it (as an
        approval commit must be the approver's own)."""
        if rec.type != "review" or not rec.writers:
            return None
        named = rec.meta.get("created_by")
        person = self.settings.person(named) if isinstance(named, str) else None
        if person is None:
            return f"{rec.id} names {named!r} as its reviewer, who is nobody in sms-docs.yml"
        if not {e.lower() for e in person.all_emails} & rec.writers:
            return (f"{rec.id} names {person.id} as its reviewer, but was written by {', '.join(sorted(rec.writers))}: "
                    "it is not counted as a review (the reviewer commits their own review record)")
        return None

    def _retention_end(self, path: str, blob: str) -> dt.date | None:
        parsed = self.history.meta_by_blob.get(blob)
        if parsed is None:
            from sms_docs.documents import parse_record

            parsed = parse_record(path, self.repo.read_blob(blob), self.settings, self.schemas, validate=False)
        meta = dict(parsed.record.meta) if parsed.record else {}
        retention = policy.retention_of(meta, self.settings)
        try:
            months = months_of(retention) if retention else None
        except ValueError:
            months = None
        return retention_end(str(meta.get("date", "")), months)

    def disposed(self) -> set[str]:
        return disposed_ids(r.meta for r in self.records)

    def _record_findings(self) -> None:
        first: dict[str, str] = {}
        order = {c.sha: i for i, c in enumerate(self.history.main_line)}
        # One ID, one record (as `check` says): the record that came first keeps it.
        for rec in sorted(self.records, key=lambda r: (order.get(r.commit or "", len(order)), r.path)):
            if rec.id in first:
                self.findings.append(error(
                    "duplicate-id", f"{rec.id} is also used by {first[rec.id]} on the main line: record IDs are unique, "
                    "give this one the next free ID (`sms-docs records new`)", path=rec.path, id=rec.id))
            else:
                first[rec.id] = rec.path
        disposed = self.disposed()
        for rh in self.history.records.values():
            if rh.deleted is not None and rh.id not in disposed:
                self.findings.append(error(
                    "record-deleted", f"{rh.id} was deleted in {rh.deleted.sha[:10]} ({rh.deleted.date.date()}) without a disposal record: restore it, or dispose of it with `sms-docs records dispose`",
                    path=rh.path, id=rh.id))
            elif rh.deleted is not None:
                # A disposal record is evidence anyone can write: it excuses a deletion only when the
                # record's retention had ended by the day it was deleted (REQUIREMENTS R3).
                until = self._retention_end(rh.path, rh.blob)
                gone = min(rh.deleted.date.date(), self.as_of)
                if until is None or gone <= until:
                    kept = f"must be kept until {until}" if until else "has no readable date or retention"
                    self.findings.append(error(
                        "record-deleted", f"{rh.id} was deleted in {rh.deleted.sha[:10]} ({rh.deleted.date.date()}) but {kept}: "
                        "a disposal record cannot shorten its retention; restore it", path=rh.path, id=rh.id))
        for rec in self.records:
            untrusted = self._untrusted_review(rec)
            if untrusted:
                self.findings.append(warning("untrusted-evidence", untrusted, path=rec.path, id=rec.id))
            if policy.retention_expired(rec.retention_until, rec.type, self.as_of):
                self.findings.append(warning(
                    "retention-expired", f"{rec.id} retention ended {rec.retention_until}: dispose of it (`sms-docs records dispose {rec.id} --reason ...`) or extend its retention",
                    path=rec.path, id=rec.id))

    def _tag_findings(self) -> None:
        """A revision recorded as tag sms/<ID>/r<N> must still be that revision on the main line
        (REQUIREMENTS A6)."""
        tags = self.repo.tags(history_mod.TAG_PREFIX)
        if not tags or not self.history.main_line:
            return
        on_line = {c.sha for c in self.history.main_line}  # the main line as of the day
        later: set[str] | None = None  # the full first-parent lines of the ref and of main_branch
        for tag, commit in sorted(tags.items()):
            parts = tag.split("/")
            if len(parts) != 3 or not parts[2].startswith("r") or not parts[2][1:].isdigit():
                continue
            ident, number = parts[1], int(parts[2][1:])
            if commit in on_line:
                status = self.documents.get(ident)
                rev = next((r for r in status.revisions if r.number == number), None) if status else None
                if rev is not None and rev.commit == commit:
                    continue
            else:
                if later is None:
                    later = self._first_parent_lines()
                if commit in later:
                    continue  # on the main line after the as-of day, or on main_branch but not on this ref
                commit_time = self._commit_time(commit)
                if commit_time is not None and commit_time.date() > self.as_of:
                    continue  # a revision the as-of day had not seen yet
            self.findings.append(error(
                "history-rewritten",
                f"tag {tag} records revision {number} of {ident} at {commit[:10]}, which is no longer that revision "
                "on the main line: history was rewritten (restore it from a clone or backup, or explain it to the "
                "auditor and re-record the tags)",
                id=ident))

    def _first_parent_lines(self) -> set[str]:
        out: set[str] = set()
        for ref in dict.fromkeys((self.ref, self.settings.main_branch)):
            if self.repo.resolve(ref):
                out.update(self.repo.first_parent_line(ref))
        return out

    def _commit_time(self, sha: str) -> dt.datetime | None:
        return self.repo.commit_time(sha)

    def record_tags(self) -> list[str]:
        """Tag every approved revision as sms/<ID>/r<N> (lightweight); returns the tags made."""
        existing = self.repo.tags(history_mod.TAG_PREFIX)
        made = []
        for status in self.documents.values():
            for rev in status.revisions:
                if rev.number is None:
                    continue
                tag = f"{history_mod.TAG_PREFIX}{status.id}/r{rev.number}"
                if tag not in existing:
                    self.repo.create_tag(tag, rev.commit)
                    made.append(tag)
        return made
