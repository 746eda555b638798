"""One pass over history: every controlled file's main-line revisions, their evidence and authors.

The main line is the first-parent history of the ref. Every commit reachable from it is read once
(`GitRepo.log`); each non-main-line commit is assigned to the main-line merge that brought it in,
so the authors of a change and the approval commits made on its branch are known without a
`git log` per file. Approvals bind to blob ids (SPEC section 5).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import policy
from sms_docs.policy import change_key
from sms_docs.checks import is_document_path
from sms_docs.cache import Store
from sms_docs.errors import SmsDocsError
from sms_docs.documents import (RECORD_SUFFIXES, Parsed, pack, parse_document, parse_record, read_document,
                                unpack)
from sms_docs.gitrepo import ZERO, Change, Commit, GitRepo, parse_ident
from sms_docs.model import Author, Document, Finding, PreControlChange, Revision, error, warning
from sms_docs.precontrol import ControlStart, PreControl
from sms_docs.recordlog import RecordHistory, RecordLog, forge_person, not_a_file, parse_time

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from sms_docs.schemas import SchemaSet
    from sms_docs.config import DocType, Settings

_DOC_CACHE_VERSION = 3
APPROVAL_OF = "Approval-of"
APPROVAL_MEANING = "Approval-meaning"
CHANGE_REASON = "Change-reason"
_APPROVAL_OF_LINE = APPROVAL_OF + ":"  # what an approval commit's message holds
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
    # Main-line commits from before control began that changed this file under its earlier paths
    # (followed through the adoption's rename and `former_paths`): history, never revisions.
    pre_control: list[PreControlChange] = field(default_factory=list)

    @property
    def approved(self) -> list[Revision]:
        return [r for r in self.revisions if r.number is not None]

    def last_approved(self) -> Revision | None:
        """`approved[-1]`, or None: found from the end (the walk asks at every revision)."""
        for r in reversed(self.revisions):
            if r.number is not None:
                return r
        return None


@dataclass
class History:
    tip: str | None
    main_line: list[Commit]
    files: dict[str, FileHistory]
    records: dict[str, RecordHistory]  # by path
    findings: list[Finding]
    meta_by_blob: dict[str, Parsed]
    settings: Settings | None = None  # the configuration in force at the tip (last approved)
    control: ControlStart | None = None  # None: under control from the main line's first commit
    # The last main-line commit before control began (the main tip when the main line holds no
    # sms-docs.yml yet: an adoption branch is being approved); None when under control throughout.
    pre_control_tip: str | None = None
    # `build(..., keep=True)` (a `serve`): the finished walk, in this process's memory only, which a
    # later build of the same ref may extend with the commits that are new (`_extend`).
    walk: _Walk | None = field(default=None, repr=False, compare=False)

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
        # Front matter by blob id and path, kept in the cache between runs: a blob never changes,
        # so this is an optimisation only. Bodies are not kept (Catalog.read_document reads them).
        # (`audit --since` reads no cache at all: its repository says so)
        self.store = Store(None if getattr(repo, "uncached", False) else repo.git_dir, "documents", _DOC_CACHE_VERSION)
        stored = self.store.load()
        self.cached: dict[str, tuple[Any, ...]] = stored if isinstance(stored, dict) else {}
        self.added = False
        self.fronts: dict[str, Any] = {}  # front matter text -> its values (read_document's memo)

    def uncached(self, items: Iterable[tuple[str, str]]) -> list[str]:
        """Blob ids (of (path, blob) pairs) whose front matter is not cached yet."""
        return [blob for path, blob in items if f"{blob}:{path}" not in self.cached]

    def document(self, path: str, blob: str) -> Document | None:
        found = self.parsed.get(blob)
        if found is None:
            packed = self.cached.get(f"{blob}:{path}")
            try:
                found = unpack(packed) if packed is not None else None
            except (TypeError, ValueError, IndexError):
                found = None
            if found is None:
                found = Parsed(read_document(path, self.repo.read_blob(blob), front_matter_only=True, memo=self.fronts),
                               None, ())
                self.cached[f"{blob}:{path}"] = pack(found)
                self.added = True
            self.parsed[blob] = found
        return found.doc

    def save(self) -> None:
        if self.added:
            self.store.save(self.cached)

    def unreadable(self, key: str, path: str, blob: str, where: str, settings: Settings) -> Finding:
        """Why a document's text on the main line is no document (`document` gave None), as `check`
        would say it: it is in nobody's register and never published, whoever approved it."""
        said = [f for f in parse_document(path, self.repo.read_blob(blob), settings, self.schemas).findings
                if f.code in ("yaml-error", "front-matter-missing")]
        code, message, line = (said[0].code, said[0].message, said[0].line) if said else \
            ("front-matter-missing", "the front matter names no ID and the file name holds none", None)
        return error(code, f"{key} ({where}): {message}; the main line's text is no document, so it is in no register "
                     "and never published", path=path, line=line, id=key)

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
            except (UnicodeDecodeError, SmsDocsError, ValueError, RecursionError):
                settings = None  # an unreadable configuration never comes into force
            self.configs[blob] = settings
        return self.configs[blob]

    def config_problem(self, blob: str) -> str:
        """Why `config(blob)` is None, in a line."""
        try:
            config_mod.parse(self.settings.root, self.repo.read_blob(blob).decode("utf-8-sig"), self.schemas, validate=False)
        except UnicodeDecodeError:
            return "not UTF-8"
        except SmsDocsError as exc:
            return str(exc)
        except (ValueError, RecursionError) as exc:
            return str(exc) or type(exc).__name__
        return "unreadable"


def _cutoff(as_of: dt.date | None) -> int | None:
    if as_of is None:
        return None
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    return int(end.timestamp())


def build(repo: GitRepo, settings: Settings, schemas: SchemaSet, ref: str, as_of: dt.date | None, *,
          previous: History | None = None, keep: bool = False) -> History:
    """The history of `ref`. `keep`: the result holds its walk (`History.walk`), so that a later build
    given it as `previous` may read only the commits added on top of it (`sms-docs serve`); the result
    is the same as a full build's, and whenever that cannot be shown cheaply the build is a full one.

    Python's cycle collector is paused meanwhile: the pass makes hundreds of thousands of small
    objects (commits, changes, evidence) that live until it ends and hold no cycles, and a collection
    every few hundred allocations would walk all of them again and again (a fifth of the run on
    100,000 commits). It runs once at the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(repo, settings, schemas, ref, as_of, previous, keep)
    finally:
        if enabled:
            gc.enable()


def _build(repo: GitRepo, settings: Settings, schemas: SchemaSet, ref: str, as_of: dt.date | None,
           previous: History | None, keep: bool) -> History:
    tip = repo.resolve(ref)
    if tip is None:
        return History(None, [], {}, {}, [], {}, settings)
    if previous is not None and previous.walk is not None and keep and as_of is None:
        extended = _extend(previous.walk, repo, settings, schemas, ref, tip)
        if extended is not None:
            return extended
    planned: list[_Plan] = []

    def meanwhile(headers: dict[str, Commit]) -> None:
        """What the headers alone decide, worked out while git diffs: the main line and what each of
        its merges brought in, and the trailers of the approval commits."""
        planned.append(_plan(tip, headers, as_of))
        for c in headers.values():
            if _APPROVAL_OF_LINE in c.message:
                c.trailers()

    commits = repo.commits(tip, meanwhile=meanwhile)
    whole, main, clock, bundles = planned[-1] if planned else _plan(tip, commits, as_of)  # (the pass that was kept)
    # Control begins at the first main-line commit holding sms-docs.yml, found on the whole main
    # line (an `--as-of` before it leaves nothing under control yet, not everything unapproved).
    start = policy.control_start(next(([i] for i, c in enumerate(whole) if any(
        ch.path == config_mod.CONFIG_FILE and ch.is_file for ch in c.changes)), []))
    reader = _Reader(repo, settings, schemas)
    walker = _Walker(repo, settings, reader, main, clock, bundles, start)
    hist = walker.run()
    if keep and as_of is None:
        hist.walk = _Walk(walker, ref, settings, schemas.schemas)
    if start > 0 and start <= len(main):
        hist.pre_control_tip = main[start - 1].sha
    elif main and not any(ch.path == config_mod.CONFIG_FILE for c in main for ch in c.changes):
        hist.pre_control_tip = main[-1].sha
    replaced = repo.replacements()
    if replaced:
        hist.findings.append(error(
            "replaced-objects",
            f"this repository holds {', '.join(replaced)}: they would make git report other content or parents than "
            "the stored commits. The audit ignored them and read the stored objects; find out who made them and "
            "delete them (git replace -d, or remove .git/info/grafts)"))
    return hist


# The whole main line, the main line up to `--as-of`, its clock, and each main-line commit's bundle.
_Plan = tuple[list[Commit], list[Commit], list[int], dict[str, list[Commit]]]


def _plan(tip: str, commits: dict[str, Commit], as_of: dt.date | None) -> _Plan:
    """The main line, oldest first, and what each of its commits brought in (the graph alone).
    Its clock never runs backwards: a commit dated before its predecessor is taken to be as late
    as it (a date is what its author typed; the order is the graph's), so `--as-of` cuts the main
    line at one point, and no commit dated into the past or the future can step out of it."""
    chain: list[Commit] = []
    sha: str | None = tip
    while sha is not None and sha in commits:
        chain.append(commits[sha])
        sha = commits[sha].parents[0] if commits[sha].parents else None
    whole = list(reversed(chain))
    clock: list[int] = []
    for c in whole:
        clock.append(max(c.commit_time, clock[-1]) if clock else c.commit_time)
    main = whole
    cutoff = _cutoff(as_of)
    if cutoff is not None:
        kept = sum(1 for t in clock if t < cutoff)
        main, clock = whole[:kept], clock[:kept]
    return whole, main, clock, _bundles(main, commits, {c.sha for c in main})


def _bundles(main: list[Commit], commits: dict[str, Commit], on_main: set[str]) -> dict[str, list[Commit]]:
    """Each main-line commit with the side commits its merge brought in (each commit counted once)."""
    assigned = set(on_main)  # (a main-line commit is in its own bundle only)
    out: dict[str, list[Commit]] = {}
    get, add = commits.get, assigned.add
    for m in main:
        bundle = [m]
        if m.is_merge:
            stack = list(m.parents[1:])
            while stack:
                sha = stack.pop()
                if sha in assigned:
                    continue
                c = get(sha)
                if c is None:
                    continue
                add(sha)
                bundle.append(c)
                stack += c.parents
        out[m.sha] = bundle
    return out


class _Walker(PreControl):
    def __init__(self, repo: GitRepo, settings: Settings, reader: _Reader, main: list[Commit], clock: list[int],
                 bundles: dict[str, list[Commit]], start: int = 0) -> None:
        self.repo = repo
        self.settings = settings  # the working tree's: only where git holds no configuration at all
        self.reader = reader
        self.main = main
        self.clock = clock
        self.bundles = bundles
        self.index = {m.sha: i for i, m in enumerate(main)}
        self.landing = {c.sha: i for i, m in enumerate(main) for c in bundles[m.sha]}
        self.files: dict[str, FileHistory] = {}
        self.record_log = RecordLog(settings)
        self.findings: list[Finding] = []
        self.paths_of: dict[str, dict[str, str]] = {}  # document ID -> {path: blob}
        self.pending_authors: dict[str, dict[str, Author]] = {}
        self.evidence: dict[tuple[str, str], list[policy.Evidence]] = {}
        self.forge: dict[str, list[policy.Evidence]] = {}  # merge commit -> forge review evidence
        self.approved_blob: dict[str, str] = {}  # config path -> its last approved blob (the rules in force)
        self.bootstrap_blob: str | None = None  # the first configuration on the main line judges itself
        self.config_on_main = False  # the main line holds an sms-docs.yml (readable or not)
        self._nobody: Settings | None = None
        self.bootstrap_trust: dict[str, str] = {}  # and so do the keys that came with it, in the same commit
        self.signatures: dict[tuple[str | None, str | None], dict[str, tuple[str, str, str]]] = {}
        self.changes_at: dict[str, list[int]] = {}  # change key -> main-line indexes where it changed
        self._evidence_by_key: dict[str, list[policy.Evidence]] | None = None
        self._reported: set[tuple[str, str, str]] = set()
        self._theirs: dict[str, str | None] = {}  # "<parent>:<path>" -> blob, for merges' other parents
        self._touched: dict[str, tuple[set[str | None], set[str]]] = {}  # commit -> its change keys, paths
        self.start = start  # main-line index where control began (policy.control_start)
        self.kind_of: dict[str, str] = {}  # key -> kind, for files carried from before control began
        self.pre_by_path: dict[str, list[tuple[int, PreControlChange]]] = {}
        self._keys: dict[str, str | None] = {}  # path -> policy.change_key (asked for every change)
        # Answers that depend on the rules in force alone, kept while the same rules are in force.
        self._classified_by = settings
        self._classified: dict[str, tuple[str, str] | None] = {}
        self._rulebook = policy.RuleBook(settings)
        self._types: dict[str, tuple[DocType | None, str | None, str]] = {}  # ID prefix -> its type, name, folder
        # Answers that depend on one commit alone, worked out once per commit.
        self._moments: dict[int, dt.datetime] = {}  # main-line index -> its clock (`moment`)
        self._reasons: dict[str, str | None] = {}  # commit -> its Change-reason trailer
        self._claims: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] = {}  # (merge, trailer keys) -> idents
        self._people: dict[tuple[str, str, str, str], tuple[tuple[str, Author], ...]] = {}  # `people_of`
        self._authors: dict[tuple[str, str], Author] = {}
        self._sides: dict[str, tuple[list[Commit], dict[str | None, int], dict[str, int]]] = {}  # `side_subject`
        # The rules and approvers' keys in force at each main-line index walked (for `extend`), and
        # while a change is walked again, the ones of its index.
        self.rules_at: list[tuple[Settings, tuple[str | None, str | None]]] = []
        self.paths_at_start: dict[str, dict[str, str]] = {}  # paths_of as control began (files from before it)
        self.control: ControlStart | None = None
        self._at: tuple[Settings, tuple[str | None, str | None]] | None = None

    # --- the rules in force -------------------------------------------------------------------

    def settings_in_force(self) -> Settings:
        """The last approved sms-docs.yml on the main line so far; before one is approved, the first
        one the main line holds that can be read (it judges itself and everything before it); the
        working tree's only when git holds none at all. When git holds some but none can be read,
        nobody is a person: nothing is approved until a readable configuration is."""
        if self._at is not None:
            return self._at[0]
        for blob in (self.approved_blob.get(config_mod.CONFIG_FILE), self.bootstrap_blob):
            if blob:
                found = self.reader.config(blob)
                if found is not None:
                    return found
        if not self.config_on_main:
            return self.settings
        if self._nobody is None:
            self._nobody = dataclasses.replace(self.settings, people=())
        return self._nobody

    def trust_in_force(self) -> tuple[str | None, str | None]:
        """The approvers' keys in force: the last approved versions; before any, the ones that came
        with the first configuration (they judge themselves, as it does)."""
        if self._at is not None:
            return self._at[1]
        ssh, pgp = config_mod.SIGNERS_FILE, config_mod.OPENPGP_KEYS_FILE
        return (self.approved_blob.get(ssh, self.bootstrap_trust.get(ssh)),
                self.approved_blob.get(pgp, self.bootstrap_trust.get(pgp)))

    def touched(self, c: Commit) -> tuple[set[str | None], set[str]]:
        """The change keys and the paths a commit changes, computed once per commit (a commit that adds
        thousands of documents is asked once for each of them)."""
        found = self._touched.get(c.sha)
        if found is None:
            found = self._touched[c.sha] = ({self.change_key(ch.path) for ch in c.changes}, {ch.path for ch in c.changes})
        return found

    def change_key(self, path: str) -> str | None:
        """policy.change_key, asked once per distinct path (it depends on the path alone)."""
        try:
            return self._keys[path]
        except KeyError:
            found = self._keys[path] = change_key(path)
            return found

    def in_force(self, settings: Settings) -> None:
        """Forget the answers kept for other rules than `settings` (the rules change rarely: when a
        configuration is approved)."""
        if settings is not self._classified_by:
            self._classified_by, self._classified = settings, {}
            self._rulebook, self._types = policy.RuleBook(settings), {}

    def classify(self, path: str, settings: Settings) -> tuple[str, str] | None:
        """policy.key_of_path, asked once per path while the same rules are in force (the walk asks
        for every change of every commit; the answer depends on the path and the settings only)."""
        self.in_force(settings)
        try:
            return self._classified[path]
        except KeyError:
            found = self._classified[path] = policy.key_of_path(path, settings)
            return found

    # --- evidence gathered before the walk ----------------------------------------------------

    def collect(self, first: int = 0) -> None:
        """One pass over the bundles: where each key changed, every approval commit, and the forge
        review records, each with the main-line index where it landed (from index `first` on: the
        commits `extend` adds)."""
        first_config: int | None = None if first == 0 else -1
        merges: list[str] = []  # what a merge's other parents held, for the paths it changed
        approvals_type = self.settings.records.get("approvals")
        approvals_folder = approvals_type.folder.rstrip("/") + "/" if approvals_type else "records/approvals/"
        for i, m in enumerate(self.main[first:], start=first):
            for ch in m.changes:
                key = self.change_key(ch.path)
                if key is not None:
                    self.changes_at.setdefault(key, []).append(i)
                if ch.path == config_mod.CONFIG_FILE and ch.is_file:
                    self.config_on_main = True
                if (ch.path == config_mod.CONFIG_FILE and ch.is_file and first_config is None
                        and self.reader.config(ch.new_blob) is not None):  # (the first that can be read)
                    first_config, self.bootstrap_blob = i, ch.new_blob
                    self.bootstrap_trust = {c.path: c.new_blob for c in m.changes if c.is_file and c.path in (
                        config_mod.SIGNERS_FILE, config_mod.OPENPGP_KEYS_FILE)}
            for c in self.bundles[m.sha]:
                if _APPROVAL_OF_LINE in c.message:
                    self.approval_commit(c, i)
                if c.is_merge:
                    if c.against is None:  # read without its other parents' diffs (audit --since)
                        merges.extend(f"{p}:{ch.path}" for ch in c.changes if self.change_key(ch.path) for p in c.parents[1:])
                    continue
                for ch in c.changes:
                    if ch.status == "A" and ch.is_file and ch.path.startswith(approvals_folder) and ch.path.endswith(RECORD_SUFFIXES):
                        self.forge_record(c, i, ch.path, ch.new_blob)
        self._theirs.update(self.repo.blob_ids(merges))

    def approval_commit(self, c: Commit, landed: int) -> None:
        meaning: str | None = None  # the first Approval-meaning and Approved-by: what the commit claims
        claimed: tuple[str, str] | None = None
        claims = False  # (an Approved-by naming nobody readable claims nobody: no later one counts)
        approved: list[tuple[str, str]] = []  # (key, blob) of each Approval-of
        for key, value in c.trailers():
            key = key.lower()
            if key == "approval-of":
                parts = value.split()
                if len(parts) == 2:
                    approved.append((parts[0], parts[1]))
            elif key == "approval-meaning":
                meaning = value.strip().lower() if meaning is None else meaning
            elif key == "approved-by" and not claims:
                claims, claimed = True, parse_ident(value)
        name, email = claimed if claimed else (c.committer_name, c.committer_email)
        if meaning not in ("approval", "review"):
            meaning = "approval"
        when, moment = c.date, self.moment(landed)
        for key, blob in approved:
            self.evidence.setdefault((key, blob), []).append(policy.Evidence(
                key=key, blob=blob, name=name, email=email, meaning=meaning, when=when, commit=c.sha,
                kind="approval-commit", signature="none", committer_email=c.committer_email,
                author_email=c.author_email, landed=moment))

    def forge_record(self, c: Commit, landed: int, path: str, blob: str) -> None:
        """A forge review record (SPEC section 5.3): its APPROVED reviews, as evidence for the merge it
        names, with the commit that recorded it (whose author, committer and signature decide whether
        the record is trusted at all)."""
        try:
            meta = parse_record(path, self.repo.read_blob(blob), self.settings, self.reader.schemas, validate=False)
        except SmsDocsError:
            return
        record = dict(meta.record.meta) if meta.record else {}
        if record.get("type") != "approvals" or not isinstance(record.get("reviews"), list):
            return
        for review in record["reviews"]:
            if not isinstance(review, dict) or str(review.get("state", "")).upper() != "APPROVED":
                continue
            person = forge_person(self.settings, review)
            if person is None or not review.get("commit_id"):
                continue
            when = parse_time(review.get("submitted_at")) or c.date
            self.forge.setdefault(str(record.get("merge_commit", "")), []).append(policy.Evidence(
                key="", blob=str(review["commit_id"]), name=person[0], email=person[1], meaning="approval", when=when,
                commit=c.sha, kind="forge-review", signature="system", landed=self.moment(landed),
                recorder=(c.author_email, c.committer_email)))

    def verify_signatures(self) -> Callable[[], None]:
        """Start checking the signatures of every commit that carries evidence, against every version
        of the approvers' keys the main line held (which one is in force is known only during the
        walk); returns the waiter."""
        wanted = {ev.commit for evs in self.evidence.values() for ev in evs}
        wanted |= {ev.commit for evs in self.forge.values() for ev in evs}
        # Merges matter only when they change a controlled file (their trailers or merger are evidence):
        # a forge that signs every merge would otherwise cost one gpg run per merge.
        # (`changes_at`: the main-line indexes where some path with a change key changed)
        changed = {i for positions in self.changes_at.values() for i in positions}
        wanted |= {self.main[i].sha for i in changed if self.main[i].is_merge}
        versions: dict[str, list[str | None]] = {config_mod.SIGNERS_FILE: [None], config_mod.OPENPGP_KEYS_FILE: [None]}
        for path, found in versions.items():  # (each key file is its own change key)
            for i in self.changes_at.get(path, []):
                for ch in self.main[i].changes:
                    if ch.path == path and ch.is_file and ch.new_blob not in found:
                        found.append(ch.new_blob)
        waiters = {}
        for ssh in versions[config_mod.SIGNERS_FILE]:
            for pgp in versions[config_mod.OPENPGP_KEYS_FILE]:
                waiters[(ssh, pgp)] = self.repo.start_signatures(
                    wanted, self.repo.read_blob(ssh) if ssh else None, self.repo.read_blob(pgp) if pgp else None)

        def wait() -> None:
            for trust, waiter in waiters.items():
                self.signatures[trust] = waiter()

        return wait

    def signature_of(self, sha: str, committer_email: str,
                     checked: dict[str, tuple[str, str, str]] | None = None) -> tuple[str, str | None]:
        """The signature of a commit against the approvers' keys in force (`checked`: the signatures
        checked against them, when the caller has them at hand)."""
        if checked is None:
            checked = self.signatures.get(self.trust_in_force(), {})
        status, signer, _ = checked.get(sha, ("N", "", ""))
        if status != "N" and committer_email.lower() in policy.FORGE_EMAILS:
            return "system", None
        return policy.signature_word(status), (signer or None)

    def moment(self, index: int) -> dt.datetime:
        """The main-line clock at `index` (each one made once: the walk asks many times)."""
        found = self._moments.get(index)
        if found is None:
            found = self._moments[index] = dt.datetime.fromtimestamp(self.clock[index], tz=dt.timezone.utc)
        return found

    def window(self, key: str, at: int) -> tuple[int, int]:
        """The main-line indexes between the key's previous change and its next one: evidence for the
        content that landed at `at` counts only when it landed in between. An approval of an older
        landing of the same text (before a revert) lies outside, and so does one given for a text
        that has changed again since."""
        positions = self.changes_at.get(key, [])  # ascending: collected in main-line order
        low, high = bisect_left(positions, at), bisect_right(positions, at)
        return (positions[low - 1] if low else -1), (positions[high] if high < len(positions) else len(self.main))

    # --- the walk -------------------------------------------------------------------------------

    def run(self) -> History:
        wanted = [(ch.path, ch.new_blob) for m in self.main for ch in m.changes
                  if ch.path.endswith(".md") and ch.is_file and self.change_key(ch.path)]
        # git reads the blobs not cached yet while the evidence is collected (behind it: the walk needs
        # them after it)
        fetched = self.repo.start_prefetch(self.reader.uncached(wanted), behind=True)
        try:
            self.collect()
            wait = self.verify_signatures()
        finally:
            fetched()
        settings = self.settings_in_force()
        documents: dict[str, bool] = {}  # path -> is_document_path (a file changes many times)
        for path, blob in wanted:  # front matter read while git verifies signatures
            is_document = documents.get(path)
            if is_document is None:
                is_document = documents[path] = is_document_path(path, settings)
            if is_document:
                self.reader.document(path, blob)
        wait()
        for i, m in enumerate(self.main):
            if policy.is_pre_control(i, self.start):
                self.rules_at.append((self.settings_in_force(), self.trust_in_force()))
                self.pre_step(i, m)
            else:
                self.step(i, m)
        self.control = self.attach_pre_control()
        self.reader.save()
        return self.history(self.control)

    def history(self, control: ControlStart | None) -> History:
        return History(self.main[-1].sha if self.main else None, self.main, self.files, self.record_log.records,
                       self.findings + self.duplicate_findings() + self.record_log.findings, self.reader.parsed,
                       self.settings_in_force(), control)

    def duplicate_findings(self) -> list[Finding]:
        """Two files with one ID at the tip of the main line: one ID, one document (`check` reports the
        same in the working tree, with the same code)."""
        out: list[Finding] = []
        for key, paths in sorted(self.paths_of.items()):
            fh = self.files.get(key)
            if fh is None or fh.kind != "document" or len(paths) < 2:
                continue
            # The file that held the ID first keeps it; the others are the duplicates.
            first = next((r.path for r in fh.revisions if r.path in paths), min(paths))
            for path in sorted(p for p in paths if p != first):
                out.append(error(
                    "duplicate-id", f"{key} is also used by {first} on the main line: IDs are unique for all time, "
                    "give one of them the next free ID (`sms-docs new`)", path=path, id=key))
        return out

    def step(self, i: int, m: Commit, only: set[str] | None = None) -> None:
        """One main-line change. `only`: walk it again for these keys alone (`extend`), with the
        rules that were in force at it the first time."""
        if only is None and i == self.start and i > 0:  # what came from before control began, as it stood
            self.paths_at_start = {k: dict(v) for k, v in self.paths_of.items() if v}
        if only is None:
            settings = self.settings_in_force()  # everything in this change is judged by rules from before it
            self.rules_at.append((settings, self.trust_in_force()))
            self.record_log.settings = settings
            self.record_log.step(m, self.moment(i), self.bundles[m.sha])
        else:
            settings = self.rules_at[i][0]
        touched: dict[str, str] = {}  # key -> kind
        for ch in m.changes:
            found = self.classify(ch.path, settings)
            if found is None or (only is not None and found[0] not in only):
                continue
            key, kind = found
            if not ch.deleted and not ch.is_file:
                self.findings.append(not_a_file(ch, m.sha, self.moment(i).date(), key if kind == "document" else None))
            paths = self.paths_of.setdefault(key, {})
            paths.pop(ch.path, None)
            if ch.is_file:  # a link or a submodule entry is never read: the key has no file there
                paths[ch.path] = ch.new_blob  # last: the file this change touched is the one judged
            touched[key] = kind
        if i == self.start and i > 0:
            self.carried(touched)
            if only is not None:
                touched = {k: v for k, v in touched.items() if k in only}
        if not touched:
            return
        self.collect_authors(m, touched, settings)
        for key in sorted(touched, key=lambda k: touched[k] != "config"):
            self.revision(i, m, key, touched[key], settings)

    def collect_authors(self, m: Commit, touched: dict[str, str], settings: Settings) -> None:
        """Who authored each touched file in this change: the author and the committer of every commit
        that changed it, and whoever made a merge that brought content neither parent had
        (segregation of duties, SPEC section 5)."""
        for c in self.bundles[m.sha]:
            if not c.changes:
                continue  # (an approval commit)
            keys = [found[0] for ch in c.changes if (found := self.classify(ch.path, settings)) is not None
                    and found[0] in touched and (not c.is_merge or self.merge_introduced(c, ch))]
            if not keys:
                continue
            people = self.people_of(c)
            for key in keys:
                pending = self.pending_authors.setdefault(key, {})
                for email, author in people:
                    pending[email] = author

    def people_of(self, c: Commit) -> tuple[tuple[str, Author], ...]:
        """(lower-case email, Author) of a commit's author, and of its committer unless the same
        person or the forge: made once per identity (a few people make tens of thousands of commits)."""
        ident = (c.author_name, c.author_email, c.committer_name, c.committer_email)
        found = self._people.get(ident)
        if found is None:
            author = c.author_email.lower()
            committer = c.committer_email.lower()
            found = ((author, self.author(c.author_name, c.author_email)),)
            if committer != author and committer not in policy.FORGE_EMAILS:
                found += ((committer, self.author(c.committer_name, c.committer_email)),)
            self._people[ident] = found
        return found

    def author(self, name: str, email: str) -> Author:
        """One Author for each (name, email): a value, shared by every revision it wrote."""
        found = self._authors.get((name, email))
        if found is None:
            found = self._authors[(name, email)] = Author(name, email)
        return found

    def merge_introduced(self, c: Commit, ch: Change) -> bool:
        """Did this merge make content for the path that none of its other parents had? (A merge's
        changes are against its first parent; content that came from another parent was authored
        there.)"""
        for parent in c.parents[1:]:
            if c.against is not None:  # where the merge differs from that parent, what the parent has
                theirs: str | None = c.against.get(parent, {}).get(ch.path, ch.new_blob)
            else:
                spec = f"{parent}:{ch.path}"
                theirs = self._theirs[spec] if spec in self._theirs else self.repo.blob_at(parent, ch.path)
            if (theirs or ZERO) == ch.new_blob:
                return False
        return True

    def revision(self, i: int, m: Commit, key: str, kind: str, settings: Settings) -> None:
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
        when = self.moment(i)
        if blob == fh.blob:
            fh.path = path  # a rename: same content, same approvals
            return
        if fh.path is None and kind == "document" and fh.approved and blob not in fh.numbers:
            # A document that was issued and deleted comes back with other content: its ID is taken
            # for good (a restore of approved content is not a reuse; its deletion stays reported).
            self.findings.append(error(
                "id-reused", f"{key} comes back in {m.sha[:10]} ({when.date()}) after it was deleted: IDs are never reused, take a new one",
                path=path, id=key))
        if fh.obsolete_at is not None and not deleted:
            self.findings.append(error(
                "obsolete-modified",
                f"{key} was changed in {m.sha[:10]} ({when.date()}) after it was withdrawn in revision {fh.obsolete_at.number}",
                path=path, id=key))
        previous = fh.last_approved()
        fh.path, fh.blob = (None, None) if deleted else (path, blob)
        doc = self.reader.document(path, blob) if kind == "document" else None
        if doc is not None:
            self.identity_findings(key, path, doc, settings, m, when)
        elif kind == "document" and not deleted:
            self.findings.append(self.reader.unreadable(key, path, blob, f"commit {m.sha[:10]}, {when.date()}", settings))
        rules = self.rules_for(kind, key, previous, settings)
        authors = tuple(self.pending_authors.get(key, {}).values())
        emails = [a.email for a in authors]
        unknown = sorted({e for e in emails if settings.person_by_email(e) is None})
        verdicts = [policy.judge(ev, rules, settings.person_by_email, emails)
                    for ev in self.evidence_for(i, m, key, path, blob, settings)]
        approvals = tuple(sorted((v.approval for v in verdicts), key=lambda a: (a.landed or a.date, a.date, a.email)))
        valid = policy.count_valid(approvals)
        # Segregation of duties cannot be shown for an author nobody knows: no approval covers that.
        approved = len(valid) >= rules.min_approvals and not unknown
        number = None
        effective = approved_day = None
        if approved:
            number = fh.numbers.get(blob) or len(fh.numbers) + 1  # (numbered 1, 2, ... as first approved)
            fh.numbers[blob] = number
            planned = doc.meta.get("effective") if doc is not None else None
            effective = policy.effective_date(when, valid, rules.min_approvals, planned if isinstance(planned, str) else None)
            approved_day = policy.approved_on(when, valid, rules.min_approvals)
        subject = m.subject
        # Else the subject of the side commit that made the change (a commit that is no merge brings
        # no side commits: it made the change itself).
        reason = self.change_reason(m) or (self.side_subject(m, key, path) if m.is_merge else subject)
        rev = Revision(key=key, path=path, blob=blob, commit=m.sha, date=when, subject=subject, reason=reason,
                       authors=authors, approvals=approvals, number=number, effective=effective, deleted=deleted,
                       approved_on=approved_day)
        fh.revisions.append(rev)
        if unknown:
            label = f"{key} (commit {m.sha[:10]}, {when.date()})"
            self.findings.append(error(
                "unknown-author", f"{label}: written by {', '.join(unknown)}, who is nobody in sms-docs.yml, so nobody can "
                "show that its approvers did not write it: add the address to the person's emails, or have a known "
                "person make the change", path=path, id=key if kind == "document" else None))
        self.revision_findings(rev, verdicts, approved or bool(unknown), len(valid), rules, kind)
        if approved:
            self.pending_authors.pop(key, None)
            if kind == "config" and key == config_mod.CONFIG_FILE and (deleted or self.reader.config(blob) is None):
                # Rules never lapse: an approved sms-docs.yml that cannot be read (or its deletion)
                # leaves the last readable one in force, never the first one or none.
                why = "was deleted" if deleted else f"cannot be read ({self.reader.config_problem(blob)})"
                self.findings.append(error(
                    "config-error", f"{key} {why} in {m.sha[:10]} ({when.date()}), approved: the configuration "
                    "approved before it stays in force until a readable one is approved", path=key))
            elif kind == "config":
                self.approved_blob[key] = blob
            if doc is not None and doc.obsolete and fh.obsolete_at is None:
                fh.obsolete_at = rev

    def change_reason(self, m: Commit) -> str | None:
        """The Change-reason trailer of a main-line commit (the last, when it has several), read once
        per commit (a merge of many documents is asked for each)."""
        try:
            return self._reasons[m.sha]
        except KeyError:
            found = self._reasons[m.sha] = dict((k.lower(), v) for k, v in m.trailers()).get(CHANGE_REASON.lower())
            return found

    def side_subject(self, m: Commit, key: str, path: str) -> str:
        """The subject of the first commit that is no merge in a merge's bundle that changed `key` or
        `path`, else the merge's own. Each merge's bundle is read once: where each change key and
        each path changed first."""
        found = self._sides.get(m.sha)
        if found is None:
            sides = [c for c in self.bundles[m.sha] if not c.is_merge]
            by_key: dict[str | None, int] = {}
            by_path: dict[str, int] = {}
            for n, c in enumerate(sides):
                for ch in c.changes:
                    if ch.path not in by_path:  # (a path seen before: its key was noted then, earlier)
                        by_path[ch.path] = n
                        by_key.setdefault(self.change_key(ch.path), n)
            found = self._sides[m.sha] = (sides, by_key, by_path)
        sides, by_key, by_path = found
        first = min(by_key.get(key, len(sides)), by_path.get(path, len(sides)))
        return sides[first].subject if first < len(sides) else m.subject

    def merge_claims(self, m: Commit, settings: Settings) -> list[tuple[str, str]]:
        """(name, email) of each approval a merge commit's trailers claim (`approval.merge_trailers`),
        read once per merge and trailer keys."""
        keys = settings.approval.merge_trailers
        found = self._claims.get((m.sha, keys))
        if found is None:
            lowered = m.message.lower()
            found = []
            if any(k.lower() in lowered for k in keys):  # (a merge's message seldom names any)
                wanted = {k.lower() for k in keys}
                found = [ident for k, v in m.trailers(wanted)
                         if k.lower() in wanted and (ident := parse_ident(v)) is not None]
            self._claims[(m.sha, keys)] = found
        return found

    def type_of(self, prefix: str, settings: Settings) -> tuple[DocType | None, str | None, str]:
        """The document type an ID prefix names under `settings`, that type's name, and its folder
        as a path prefix (`folder/`)."""
        self.in_force(settings)
        found = self._types.get(prefix)
        if found is None:
            doc_type = settings.type_for_prefix(prefix)
            found = self._types[prefix] = (doc_type, next((n for n, t in settings.types.items() if t is doc_type), None),
                                           doc_type.folder.rstrip("/") + "/" if doc_type is not None else "")
        return found

    def identity_findings(self, key: str, path: str, doc: Document, settings: Settings, m: Commit,
                          when: dt.datetime) -> None:
        """A document's address is its file's ID, and its type is its ID prefix's: front matter that
        says otherwise on the main line is reported (once per content)."""
        prefix = key.split("-", 1)[0]
        doc_type, type_name, folder = self.type_of(prefix, settings)
        doc_id, doc_type_name = doc.id, doc.type
        wrong_id = bool(doc_id) and doc_id != key
        wrong_type = doc_type is not None and bool(doc_type_name) and doc_type_name != type_name
        outside = doc_type is not None and not path.startswith(folder)
        if not (wrong_id or wrong_type or outside):
            return  # (nearly always: the messages below are made only when needed)
        where = f"{path} (commit {m.sha[:10]}, {when.date()})"
        problems: list[tuple[str, str]] = []
        if wrong_id:
            problems.append(("id-filename-mismatch", f"{where} says id {doc.id}, but its file name makes it {key}: "
                             f"it is published as {key}; rename the file or correct the id"))
        if wrong_type:
            problems.append(("id-type-mismatch", f"{where} says type {doc.type}, but {prefix} is the prefix "
                             f"of {type_name}: it is approved and listed as {type_name}"))
        if outside:
            assert doc_type is not None
            problems.append(("id-type-mismatch", f"{where} is outside {doc_type.folder}/, the folder of {type_name}"))
        for code, message in problems:
            if (key, code, doc.id + doc.type + path) not in self._reported:
                self._reported.add((key, code, doc.id + doc.type + path))
                self.findings.append(error(code, message, path=path, id=key))

    def rules_for(self, kind: str, key: str, previous: Revision | None, settings: Settings) -> policy.Rules:
        before = self.reader.document(previous.path, previous.blob) if previous is not None and not previous.deleted else None
        self.in_force(settings)
        return self._rulebook.rules_for(kind, key, before)

    def evidence_for(self, i: int, m: Commit, key: str, path: str, blob: str,
                     settings: Settings) -> list[policy.Evidence]:
        kinds = settings.approval.evidence
        before, after = self.window(key, i)
        checked = self.signatures.get(self.trust_in_force(), {})  # the signatures under the keys in force
        out: list[policy.Evidence] = []
        # Evidence counts when it landed between the key's previous change and its next (`window`; -1,
        # below any window, for a commit the main line never brought in).
        landed = self.landing

        if "approval-commit" in kinds:
            claims = self.evidence.get((key, blob), [])
            if path != key and (path, blob) in self.evidence:  # (approvals may name the file by its path)
                claims = claims + self.evidence[(path, blob)]
            for ev in claims:
                if before < landed.get(ev.commit, -1) < after:
                    out.append(ev.signed(*self.signature_of(ev.commit, ev.committer_email or "", checked)))
        claimed = self.merge_claims(m, settings) if m.is_merge and "merge-trailer" in kinds else []
        if claimed or (m.is_merge and "merger" in kinds):
            when = self.moment(i)
            sig, signer = self.signature_of(m.sha, m.committer_email, checked)
            for name, email in claimed:
                out.append(policy.Evidence(key, blob, name, email, "approval", m.date, m.sha, "merge-trailer", sig,
                                           signer, committer_email=m.committer_email, landed=when))
            if "merger" in kinds:
                name, email = m.committer_name, m.committer_email
                if email.lower() in policy.FORGE_EMAILS:
                    # GitHub's "Merge pull request #N" is committed by GitHub itself; the person who
                    # pressed the button is the merge commit's author.
                    name, email = m.author_name, m.author_email
                out.append(policy.Evidence(key, blob, name, email, "approval", m.date, m.sha, "merger", sig, signer,
                                           landed=when))
        if "forge-review" in kinds:
            for review in self.forge.get(m.sha, []):
                if not before < landed.get(review.commit, -1) < after:
                    continue
                reviewed = self.repo.blob_at(review.blob, path)  # a review's `blob` holds the reviewed commit
                if reviewed is None and blob == ZERO and self.repo.resolve(review.blob):
                    reviewed = ZERO  # the reviewed commit deletes the file too
                if reviewed == blob:
                    recorder = review.recorder or ("", "")
                    status = self.signature_of(review.commit, recorder[1], checked)
                    out.append(dataclasses.replace(review, key=key, blob=blob, recorder_signature=status))
        return out

    def revision_findings(self, rev: Revision, verdicts: list[policy.Verdict], approved: bool, valid: int,
                          rules: policy.Rules, kind: str) -> None:
        if approved and not any(v.code for v in verdicts):
            return  # nothing to report (most revisions)
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


# --- extending a walk (`sms-docs serve`) -------------------------------------------------------------


@dataclass
class _Walk:
    """A finished walk and what it was made from: the ref, and the working tree's configuration and
    schemas (the rules where git holds none, and the records' schemas). Held by a `serve` process in
    its memory only; nothing of it is ever written down or read back from disk."""

    walker: _Walker
    ref: str
    settings: Settings
    schemas: dict[str, Any]


def _extend(walk: _Walk, repo: GitRepo, settings: Settings, schemas: SchemaSet, ref: str, tip: str) -> History | None:
    """The history of `tip` from the walk of an earlier tip of the same main line, reading only the
    commits that are new; None (a full build is needed) unless the main line only moved forward by
    commits on top of the earlier tip (its first-parent line continues it), the configuration, the
    schemas and the rules in force are the same, and the new commits change no configuration file
    and approve none."""
    walker = walk.walker
    if walk.ref != ref or walk.settings != settings or walk.schemas != schemas.schemas:
        return None
    old_tip = walker.main[-1].sha if walker.main else None
    if old_tip is None or walker.bootstrap_blob is None or walker.start >= len(walker.main):
        return None  # no configuration on the main line yet: control has not begun
    if tip == old_tip:
        walker.repo = walker.reader.repo = repo
        found: History | None = walker.history(walker.control)
    else:
        found = _extend_new(walker, repo, old_tip, tip)
    if found is not None:
        found.walk = walk
        if walker.start > 0:
            found.pre_control_tip = walker.main[walker.start - 1].sha
    return found


def _extend_new(walker: _Walker, repo: GitRepo, old_tip: str, tip: str) -> History | None:
    if repo.replacements():
        return None
    known = {c.sha: c for bundle in walker.bundles.values() for c in bundle}
    new = repo.commits_since(tip, old_tip, lambda sha: known[sha].tree if sha in known else None)
    chain: list[Commit] = []
    sha: str | None = tip
    while sha is not None and sha in new:
        chain.append(new[sha])
        sha = new[sha].parents[0] if new[sha].parents else None
    if sha != old_tip:
        return None  # the earlier tip is not on the new main line's first-parent line (or not in its history)
    return _extend_walker(walker, repo, list(reversed(chain)), new)


def _extend_walker(self: _Walker, repo: GitRepo, added: list[Commit], commits: dict[str, Commit]) -> History | None:
    """`added`: the new main-line commits, oldest first; `commits`: every commit new since the walk.
    The keys the new commits change, or give evidence for, are walked again over the whole main
    line (their revisions' windows and evidence may change); every other key's history stays."""
    settings = self.settings_in_force()
    on_main = {c.sha for c in added}
    bundles = _bundles(added, commits, on_main)
    affected: set[str] = set()
    for m in added:
        for c in bundles[m.sha]:
            for ch in c.changes:
                if policy.is_config_path(ch.path):
                    return None  # the rules, the keys or the site's inputs change: a full build
                found = self.classify(ch.path, settings)
                if found is not None:
                    affected.add(found[0])
    self.repo = self.reader.repo = repo
    first = len(self.main)
    self.main = self.main + added
    self.bundles = {**self.bundles, **bundles}
    for m in added:
        self.clock.append(max(m.commit_time, self.clock[-1]) if self.clock else m.commit_time)
    self.index = {m.sha: i for i, m in enumerate(self.main)}
    self.landing = {**self.landing, **{c.sha: first + i for i, m in enumerate(added) for c in bundles[m.sha]}}
    # The evidence the new commits bring (collect, for them alone).
    evidence_before = {k: len(v) for k, v in self.evidence.items()}
    forge_before = {k: len(v) for k, v in self.forge.items()}
    self.collect(first)
    if self.bootstrap_blob is None or any(ch.path == config_mod.CONFIG_FILE for m in added for ch in m.changes):
        return None
    new_evidence = [ev for k, evs in self.evidence.items() for ev in evs[evidence_before.get(k, 0):]]
    new_forge = {k: evs[forge_before.get(k, 0):] for k, evs in self.forge.items() if len(evs) > forge_before.get(k, 0)}
    for ev in new_evidence:
        if policy.is_config_path(ev.key):
            return None  # an approval of a configuration file: the rules in force may change
        found = self.classify(ev.key, settings)
        affected.add(found[0] if found is not None else ev.key)
    for merge in new_forge:
        at = self.index.get(merge)
        if at is None:
            continue
        for ch in self.main[at].changes:
            if policy.is_config_path(ch.path):
                return None
            found = self.classify(ch.path, self.rules_at[at][0] if at < first else settings)
            if found is not None:
                affected.add(found[0])
    if any(self.files[k].kind != "document" or k not in self.changes_at for k in affected if k in self.files):
        return None  # (a document whose file name holds no ID is keyed by its path: not counted by change_key)
    # Signatures of the new evidence, against every version of the approvers' keys (none is new).
    wanted = {ev.commit for ev in new_evidence} | {ev.commit for evs in new_forge.values() for ev in evs}
    wanted |= {m.sha for m in added if m.is_merge and any(change_key(ch.path) for ch in m.changes)}
    waiters = {trust: repo.start_signatures(wanted, repo.read_blob(trust[0]) if trust[0] else None,
                                            repo.read_blob(trust[1]) if trust[1] else None)
               for trust in self.signatures} if wanted else {}
    for trust, waiter in waiters.items():
        self.signatures[trust] = {**self.signatures[trust], **waiter()}
    self._evidence_by_key = None
    # The affected keys, walked again from scratch over the old main line with the rules of each index.
    self.files = {k: v for k, v in self.files.items() if k not in affected}
    self.findings = [f for f in self.findings if f.id not in affected]
    self._reported = {r for r in self._reported if r[0] not in affected}
    for key in affected:
        self.paths_of.pop(key, None)
        self.pending_authors.pop(key, None)
        if key in self.paths_at_start:  # a file from before control began: as it stood then
            self.paths_of[key] = dict(self.paths_at_start[key])
    indexes = sorted({i for k in affected for i in self.changes_at.get(k, []) if self.start <= i < first}
                     | ({self.start} if self.start > 0 and any(k in self.kind_of for k in affected) else set()))
    try:
        for i in indexes:
            self._at = self.rules_at[i]
            self.step(i, self.main[i], only=affected)
    finally:
        self._at = None
    for i in range(first, len(self.main)):
        self.step(i, self.main[i])
    if self.control is not None:
        self.attach_pre_control(only=affected)
    # (The front matter cache is not written again for the few blobs read here: it is an optimisation.)
    return self.history(self.control)

