"""One pass over history: every controlled file's main-line revisions, their evidence and authors.

The main line is the first-parent history of the ref. Every commit reachable from it is read once
(`GitRepo.log`); each non-main-line commit is assigned to the main-line merge that brought it in,
so the authors of a change and the approval commits made on its branch are known without a
`git log` per file. Approvals bind to blob ids (SPEC section 5).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import policy
from sms_docs.errors import ConfigError, GitError
from sms_docs.documents import Parsed, pack, parse_record, read_document, unpack
from sms_docs.gitrepo import ZERO, Commit, GitRepo, parse_ident
from sms_docs.model import Author, Document, Finding, Revision, error, warning
from sms_docs.recordlog import RecordHistory, RecordLog, forge_reviews

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from sms_docs.schemas import SchemaSet
    from sms_docs.config import Settings

_DOC_CACHE_VERSION = 2
APPROVAL_OF = "Approval-of"
APPROVAL_MEANING = "Approval-meaning"
CHANGE_REASON = "Change-reason"
TAG_PREFIX = "sms/"


@dataclass
class FileHistory:
    """A controlled file (document by ID, configuration file by path) along the main line."""

    key: str
    kind: str  # "document" | "config"
    path: str | None = None  # current path on the main line; None once deleted
    blob: str | None = None
    revisions: list[Revision] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)  # blob -> revision number
    obsolete_at: Revision | None = None
    deleted_at: Commit | None = None
    ever_deleted: bool = False

    @property
    def approved(self) -> list[Revision]:
        return [r for r in self.revisions if r.number is not None]


@dataclass
class History:
    tip: str | None
    main_line: list[Commit]
    files: dict[str, FileHistory]
    records: dict[str, RecordHistory]  # by path
    findings: list[Finding]
    meta_by_blob: dict[str, Parsed]

    def document(self, ident: str) -> FileHistory | None:
        found = self.files.get(ident)
        return found if found is not None and found.kind == "document" else None


class _Reader:
    """Parsed blobs and configurations, each read once (blob ids never change meaning)."""

    def __init__(self, repo: GitRepo, settings: Settings, schemas: SchemaSet) -> None:
        self.repo = repo
        self.settings = settings
        self.schemas = schemas
        self.parsed: dict[str, Parsed] = {}
        self.configs: dict[str, Settings | None] = {}
        # Front matter by blob id and path, kept under .git/sms-docs/ between runs: a blob never changes,
        # so this is an optimisation only. Bodies are not kept (Catalog.read_document reads them).
        self.cache_path = repo.git_dir / "sms-docs" / "documents.pickle"
        self.cached: dict[str, tuple[Any, ...]] = {}
        self.added = False
        try:
            with self.cache_path.open("rb") as fh:
                stored = pickle.load(fh)  # noqa: S301 - our own file under .git/
            if stored.get("version") == _DOC_CACHE_VERSION:
                self.cached = stored["documents"]
        except Exception:  # missing, stale or broken: a miss
            self.cached = {}

    def uncached(self, items: Iterable[tuple[str, str]]) -> list[str]:
        """Blob ids (of (path, blob) pairs) whose front matter is not cached yet."""
        return [blob for path, blob in items if f"{blob}:{path}" not in self.cached]

    def document(self, path: str, blob: str) -> Document | None:
        found = self.parsed.get(blob)
        if found is None:
            packed = self.cached.get(f"{blob}:{path}")
            if packed is not None:
                found = unpack(packed)
            else:
                found = Parsed(read_document(path, self.repo.read_blob(blob), front_matter_only=True), None, ())
                self.cached[f"{blob}:{path}"] = pack(found)
                self.added = True
            self.parsed[blob] = found
        return found.doc

    def save(self) -> None:
        if not self.added:
            return
        tmp = self.cache_path.with_suffix(".tmp")
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as fh:
                pickle.dump({"version": _DOC_CACHE_VERSION, "documents": self.cached}, fh,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.cache_path)
        except (OSError, RecursionError, pickle.PicklingError):
            tmp.unlink(missing_ok=True)

    def record(self, path: str, blob: str) -> dict[str, Any] | None:
        found = self.parsed.get(blob)
        if found is None:
            found = parse_record(path, self.repo.read_blob(blob), self.settings, self.schemas, validate=False)
            self.parsed[blob] = found
        return dict(found.record.meta) if found.record else None

    def config(self, blob: str) -> Settings | None:
        if blob not in self.configs:
            settings: Settings | None
            try:
                text = self.repo.read_blob(blob).decode("utf-8-sig")
                settings, _ = config_mod.parse(self.settings.root, text, self.schemas, validate=False)
            except (UnicodeDecodeError, ConfigError, GitError):  # unreadable: fall back to the current one
                settings = None
            self.configs[blob] = settings
        return self.configs[blob]


def _cutoff(as_of: dt.date | None) -> int | None:
    if as_of is None:
        return None
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    return int(end.timestamp())


def build(repo: GitRepo, settings: Settings, schemas: SchemaSet, ref: str, as_of: dt.date | None) -> History:
    tip = repo.resolve(ref)
    if tip is None:
        return History(None, [], {}, {}, [], {})
    commits = repo.commits(tip)
    cutoff = _cutoff(as_of)
    # The main line, oldest first, as it stood at the end of the as-of day.
    chain: list[Commit] = []
    sha: str | None = tip
    while sha is not None and sha in commits:
        chain.append(commits[sha])
        sha = commits[sha].parents[0] if commits[sha].parents else None
    if cutoff is not None:
        while chain and chain[0].commit_time >= cutoff:
            chain.pop(0)
    main = list(reversed(chain))
    on_main = {c.sha for c in main}
    bundles = _bundles(main, commits, on_main)
    reachable = [c for m in main for c in bundles[m.sha]]
    if cutoff is not None:
        reachable = [c for c in reachable if c.commit_time < cutoff]
    reader = _Reader(repo, settings, schemas)
    walker = _Walker(repo, settings, reader, main, bundles, reachable)
    return walker.run()


def _bundles(main: list[Commit], commits: dict[str, Commit], on_main: set[str]) -> dict[str, list[Commit]]:
    """Each main-line commit with the side commits its merge brought in (each commit counted once)."""
    assigned: set[str] = set()
    out: dict[str, list[Commit]] = {}
    for m in main:
        bundle = [m]
        stack = list(m.parents[1:])
        while stack:
            sha = stack.pop()
            if sha in assigned or sha in on_main or sha not in commits:
                continue
            assigned.add(sha)
            c = commits[sha]
            bundle.append(c)
            stack.extend(c.parents)
        out[m.sha] = bundle
    return out


class _Walker:
    def __init__(self, repo: GitRepo, settings: Settings, reader: _Reader, main: list[Commit],
                 bundles: dict[str, list[Commit]], reachable: list[Commit]) -> None:
        self.repo = repo
        self.settings = settings
        self.reader = reader
        self.main = main
        self.bundles = bundles
        self.reachable = reachable
        self.files: dict[str, FileHistory] = {}
        self.record_log = RecordLog(settings)
        self.findings: list[Finding] = []
        self.paths_of: dict[str, dict[str, str]] = {}  # document ID -> {path: blob}
        self.pending_authors: dict[str, dict[str, Author]] = {}
        self.evidence: dict[tuple[str, str], list[policy.Evidence]] = {}
        self.config_blob: str | None = None  # the configuration in force (last approved)
        self.tree_config_blob: str | None = None
        self.signatures: dict[str, tuple[str, str, str]] = {}
        self._key_cache: dict[str, tuple[str, str] | None] = {}
        self._evidence_by_key: dict[str, list[policy.Evidence]] | None = None
        self._commit_keys: dict[str, set[str]] = {}

    # --- classification -----------------------------------------------------------------------

    def key_of(self, path: str) -> tuple[str, str] | None:
        try:
            return self._key_cache[path]
        except KeyError:
            pass
        found = self._key_cache[path] = policy.key_of_path(path, self.settings)
        return found

    def keys_of(self, commit: Commit) -> set[str]:
        """The controlled keys a commit's changes touch (computed once per commit)."""
        found = self._commit_keys.get(commit.sha)
        if found is None:
            found = {k[0] for k in map(self.key_of, (ch.path for ch in commit.changes)) if k is not None}
            self._commit_keys[commit.sha] = found
        return found

    # --- evidence gathered before the walk ----------------------------------------------------

    def collect_approval_commits(self) -> None:
        for c in self.reachable:
            if APPROVAL_OF + ":" not in c.message:
                continue
            trailers = c.trailers()
            meaning = next((v.strip().lower() for k, v in trailers if k.lower() == APPROVAL_MEANING.lower()), "approval")
            claimed = next((parse_ident(v) for k, v in trailers if k.lower() == "approved-by"), None)
            name, email = claimed if claimed else (c.committer_name, c.committer_email)
            for key, value in trailers:
                if key.lower() != APPROVAL_OF.lower():
                    continue
                parts = value.split()
                if len(parts) != 2:
                    continue
                self.evidence.setdefault((parts[0], parts[1]), []).append(policy.Evidence(
                    key=parts[0], blob=parts[1], name=name, email=email,
                    meaning=meaning if meaning in ("approval", "review") else "approval",
                    when=c.date, commit=c.sha, kind="approval-commit", signature="none",
                    committer_email=c.committer_email))

    def verify_signatures(self, tip: Commit | None) -> Callable[[], dict[str, tuple[str, str, str]]]:
        """Start checking the signatures of every commit that carries evidence; returns the waiter."""
        wanted = {ev.commit for evs in self.evidence.values() for ev in evs}
        # Merges matter only when they change a controlled file (their trailers or merger are evidence):
        # a forge that signs every merge would otherwise cost one gpg run per merge.
        wanted |= {m.sha for m in self.main if m.is_merge and self.keys_of(m)}
        signers = None
        if tip is not None:
            blob = self.repo.blob_at(tip.sha, config_mod.SIGNERS_FILE)
            signers = self.repo.read_blob(blob) if blob else None
        return self.repo.start_signatures(wanted, signers)

    def signature_of(self, sha: str, committer_email: str) -> tuple[str, str | None]:
        status, signer, _ = self.signatures.get(sha, ("N", "", ""))
        word = policy.signature_word(status)
        if committer_email.lower() in policy.FORGE_EMAILS and status != "N":
            return "system", None
        return word, (signer or None)

    # --- the walk -------------------------------------------------------------------------------

    def run(self) -> History:
        self.collect_approval_commits()
        signatures = self.verify_signatures(self.main[-1] if self.main else None)
        forge = forge_reviews(self.repo, self.settings, self.main, self.reader.record)
        wanted = [(ch.path, ch.new_blob) for m in self.main for ch in m.changes
                  if not ch.deleted and (self.key_of(ch.path) or ("", ""))[1] == "document"]
        self.repo.prefetch(self.reader.uncached(wanted))
        for path, blob in wanted:  # front matter read while git verifies signatures
            self.reader.document(path, blob)
        self.signatures = signatures()
        for m in self.main:
            self.step(m, forge.get(m.sha, []))
        self.reader.save()
        return History(self.main[-1].sha if self.main else None, self.main, self.files, self.record_log.records,
                       self.findings + self.record_log.findings, self.reader.parsed)

    def step(self, m: Commit, forge_reviews: list[dict[str, Any]]) -> None:
        touched: dict[str, str] = {}  # key -> kind
        self.record_log.step(m)
        for ch in m.changes:
            found = self.key_of(ch.path)
            if found is None:
                continue
            key, kind = found
            paths = self.paths_of.setdefault(key, {})
            paths.pop(ch.path, None)
            if not ch.deleted:
                paths[ch.path] = ch.new_blob  # last: the file this change touched is the one judged
            touched[key] = kind
        if not touched:
            return
        # Authors: every non-merge commit of this change that touched the key's files.
        for c in self.bundles[m.sha]:
            if c.is_merge:
                continue
            author = Author(c.author_name, c.author_email)
            for key in self.keys_of(c) & touched.keys():
                self.pending_authors.setdefault(key, {})[c.author_email.lower()] = author
        # Configuration first: documents in the same change are judged by the configuration in force.
        for key in sorted(touched, key=lambda k: touched[k] != "config"):
            self.revision(m, key, touched[key], forge_reviews)

    def settings_in_force(self) -> Settings:
        for blob in (self.config_blob, self.tree_config_blob):
            if blob:
                found = self.reader.config(blob)
                if found is not None:
                    return found
        return self.settings

    def revision(self, m: Commit, key: str, kind: str, forge_reviews: list[dict[str, Any]]) -> None:
        fh = self.files.get(key)
        if fh is None:
            fh = self.files[key] = FileHistory(key, kind)
        paths = self.paths_of.get(key, {})
        deleted = not paths
        if deleted:
            if fh.path is None:
                return
            gone = fh.path
            fh.deleted_at, fh.ever_deleted = m, True
            if kind == "document":
                fh.path, fh.blob = None, None
                if fh.approved:
                    # ISO/IEC 20000-1:2011 4.3.2 h, REQUIREMENTS D16: documents are withdrawn and kept, never deleted.
                    how = (f"it was withdrawn in revision {fh.obsolete_at.number}: keep obsolete documents, marked, "
                           "never delete them") if fh.obsolete_at is not None else \
                        "withdraw documents with `sms-docs obsolete`, never delete them"
                    self.findings.append(error(
                        "document-deleted", f"{key} was deleted in {m.sha[:10]} ({m.date.date()}): {how}",
                        id=key, path=gone))
                return
            # A configuration file's deletion changes the control as much as an edit: it is a
            # revision (blob ZERO) and needs the same approval.
            path, blob = gone, ZERO
        else:
            path = next(reversed(paths))  # two files with one ID: the one changed last (check reports the duplicate)
            blob = paths[path]
        if kind == "config" and key == config_mod.CONFIG_FILE and not deleted:
            if self.tree_config_blob is None:
                self.tree_config_blob = blob  # bootstrap: the first configuration judges itself
        if blob == fh.blob:
            fh.path = path  # a rename: same content, same approvals
            return
        if fh.path is None and kind == "document" and fh.approved and blob not in fh.numbers:
            # A document that was issued and deleted comes back with other content: its ID is taken
            # for good (a restore of approved content is not a reuse; its deletion stays reported).
            self.findings.append(error(
                "id-reused", f"{key} comes back in {m.sha[:10]} ({m.date.date()}) after it was deleted: IDs are never reused, take a new one",
                path=path, id=key))
        if fh.obsolete_at is not None and not deleted:
            self.findings.append(error(
                "obsolete-modified",
                f"{key} was changed in {m.sha[:10]} ({m.date.date()}) after it was withdrawn in revision {fh.obsolete_at.number}",
                path=path, id=key))
        fh.path, fh.blob = (None, None) if deleted else (path, blob)
        settings = self.settings_in_force()
        doc = self.reader.document(path, blob) if kind == "document" else None
        rules = self.rules_for(kind, doc, settings)
        authors = list(self.pending_authors.get(key, {}).values())
        verdicts = [policy.judge(ev, rules, settings.person_by_email, [a.email for a in authors])
                    for ev in self.evidence_for(m, key, path, blob, kind, settings, forge_reviews)]
        approvals = tuple(sorted((v.approval for v in verdicts), key=lambda a: (a.date, a.email)))
        valid = policy.count_valid(approvals)
        approved = len(valid) >= rules.min_approvals
        number = None
        effective = None
        if approved:
            number = fh.numbers.get(blob) or (max(fh.numbers.values(), default=0) + 1)
            fh.numbers[blob] = number
            planned = doc.meta.get("effective") if doc is not None else None
            effective = policy.effective_date(m.date, valid, rules.min_approvals, planned if isinstance(planned, str) else None)
        trailers = dict((k.lower(), v) for k, v in m.trailers())
        side = [c for c in self.bundles[m.sha] if not c.is_merge]
        reason = trailers.get(CHANGE_REASON.lower()) or next(
            (c.subject for c in side if key in self.keys_of(c)), m.subject)
        rev = Revision(key=key, path=path, blob=blob, commit=m.sha, date=m.date, subject=m.subject, reason=reason,
                       authors=tuple(authors), approvals=approvals, number=number, effective=effective, deleted=deleted)
        fh.revisions.append(rev)
        self.revision_findings(rev, verdicts, approved, len(valid), rules, kind)
        if approved:
            self.pending_authors.pop(key, None)
            if kind == "config" and key == config_mod.CONFIG_FILE and not deleted:
                self.config_blob = blob
            if doc is not None and doc.obsolete and fh.obsolete_at is None:
                fh.obsolete_at = rev
        if kind == "config" and key == config_mod.CONFIG_FILE and self.config_blob is None and not deleted:
            self.tree_config_blob = blob

    def rules_for(self, kind: str, doc: Document | None, settings: Settings) -> policy.Rules:
        return policy.rules_for(kind, doc, settings, self.settings)

    def evidence_for(self, m: Commit, key: str, path: str, blob: str, kind: str, settings: Settings,
                     forge_reviews: list[dict[str, Any]]) -> list[policy.Evidence]:
        kinds = settings.approval.evidence
        out: list[policy.Evidence] = []
        if "approval-commit" in kinds:
            for ev in self.evidence.get((key, blob), []) + (self.evidence.get((path, blob), []) if path != key else []):
                sig, signer = self.signature_of(ev.commit, ev.committer_email or "")
                out.append(dataclasses.replace(ev, signature=sig, signer=signer))
        if m.is_merge and "merge-trailer" in kinds:
            keys = {k.lower() for k in settings.approval.merge_trailers}
            sig, signer = self.signature_of(m.sha, m.committer_email)
            for k, v in m.trailers(keys):
                ident = parse_ident(v) if k.lower() in keys else None
                if ident:
                    out.append(policy.Evidence(key, blob, ident[0], ident[1], "approval", m.date, m.sha,
                                               "merge-trailer", sig, signer))
        if m.is_merge and "merger" in kinds:
            sig, signer = self.signature_of(m.sha, m.committer_email)
            name, email = m.committer_name, m.committer_email
            if email.lower() in policy.FORGE_EMAILS:
                # GitHub's "Merge pull request #N" is committed by GitHub itself; the person who
                # pressed the button is the merge commit's author.
                name, email = m.author_name, m.author_email
            out.append(policy.Evidence(key, blob, name, email, "approval", m.date, m.sha, "merger", sig, signer))
        if "forge-review" in kinds:
            for review in forge_reviews:
                reviewed = self.repo.blob_at(review["commit_id"], path)
                if reviewed is None and blob == ZERO and self.repo.resolve(review["commit_id"]):
                    reviewed = ZERO  # the reviewed commit deletes the file too
                if reviewed == blob:
                    out.append(policy.Evidence(key, blob, review["name"], review["email"], "approval",
                                               review["when"], review["record_commit"], "forge-review", "system"))
        return out

    def revision_findings(self, rev: Revision, verdicts: list[policy.Verdict], approved: bool, valid: int,
                          rules: policy.Rules, kind: str) -> None:
        where = {"path": rev.path, "id": rev.key if kind == "document" else None}
        what = "deletion" if rev.deleted else "change"
        if rev.number is not None:
            which = f"rev {rev.number}"
        else:
            before = [r.number for r in self.files[rev.key].revisions[:-1] if r.number is not None]
            which = f"{what} after rev {before[-1]}" if before else f"{what} before any approved revision"
        label = f"{rev.key} {which} (commit {rev.commit[:10]}, {rev.date.date()})"
        for v in verdicts:
            if v.code:
                if approved and v.approval.evidence == "merger" and v.code == "approver-not-authorised":
                    continue  # merging is implicit evidence, not a claim: only a self-merge is worth a word
                make = warning if approved else error
                self.findings.append(make(v.code, f"{label}: {v.approval.evidence} by {v.approval.email} ({v.approval.commit[:10]}) does not count: {v.approval.reason}", **where))
        if not approved:
            if valid:
                self.findings.append(error("insufficient-approvals", f"{label}: {valid} valid approval(s), {rules.min_approvals} needed", **where))
            else:
                by = ", ".join(sorted({a.email for a in rev.authors})) or "unknown"
                self.findings.append(error("unapproved-change", f"{label} by {by}: no valid approval{self.stale_hint(rev)}",
                                           **where))

    def stale_hint(self, rev: Revision) -> str:
        """Approvals in this change for other content of the file: stale (REQUIREMENTS D7)."""
        if self._evidence_by_key is None:
            self._evidence_by_key = {}
            for (key, blob), evs in self.evidence.items():
                self._evidence_by_key.setdefault(key, []).extend(evs)
        bundle = {c.sha for c in self.bundles.get(rev.commit, [])}
        candidates = self._evidence_by_key.get(rev.key, []) + (
            self._evidence_by_key.get(rev.path, []) if rev.path != rev.key else [])
        stale = sorted({ev.commit[:10] for ev in candidates if ev.blob != rev.blob and ev.commit in bundle})
        if not stale:
            return ""
        return (f"; the approval in {', '.join(stale)} is for other content (the file changed after it was approved, "
                "or the merge combined it with other edits): approve the content that was merged")
