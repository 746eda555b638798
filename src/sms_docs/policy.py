"""Every control rule, once, as pure functions: which evidence counts and who may approve, revision
effective dates, document state, review dates, retention and disposal, visibility per audience and
the path-to-key mapping. No git, no clock: the day and the rules in force are arguments.

ISO/IEC 20000-1:2011 4.3.2 a (approved for adequacy before issue), segregation of duties, and
21 CFR 11.50 / 11.70 (a signature shows who, when and what it means, and is bound to its record).
"""

from __future__ import annotations

import calendar
import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sms_docs import config as config_mod
from sms_docs.checks import is_document_path
from sms_docs.config import CLASSIFICATIONS, months_of
from sms_docs.documents import id_from_filename
from sms_docs.model import Approval, Person, Revision, State

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from sms_docs.config import Settings
    from sms_docs.model import Document

GITHUB_EMAIL = "noreply@github.com"  # the committer of a pull request merged on GitHub (its web-flow identity)
FORGE_EMAILS = frozenset({GITHUB_EMAIL, "noreply@gitlab.com"})

# %G? from git -> the signature field of SPEC section 8
_SIGNATURE = {"G": "good", "N": "none", "B": "bad", "X": "bad", "Y": "bad", "R": "bad", "E": "unknown", "U": "unknown"}


def signature_word(status: str | None) -> str:
    return _SIGNATURE.get(status or "N", "unknown")


def signer_email(signer: str) -> str:
    """The email of git's `%GS`: an SSH principal is the email itself (from allowed_signers), an
    OpenPGP signer is the key's user ID, `Name <email>`."""
    start, end = signer.rfind("<"), signer.rfind(">")
    if 0 <= start < end:
        return signer[start + 1:end].strip().lower()
    return signer.strip().lower()


@dataclass(slots=True, unsafe_hash=True)  # (a value, not frozen: see model.Approval)
class Evidence:
    """A claim that someone approved `key` at `blob`, before it is judged."""

    key: str
    blob: str
    name: str
    email: str
    meaning: str
    when: dt.datetime
    commit: str
    kind: str  # approval-commit | merge-trailer | forge-review | merger
    signature: str  # good | bad | none | unknown | system
    signer: str | None = None  # the principal git verified the signature against
    committer_email: str | None = None  # approval commits and merge trailers: who made the commit
    author_email: str | None = None  # approval commits: who wrote it (must be the committer)
    landed: dt.datetime | None = None  # the main-line clock when this evidence reached the main line
    # Forge review records: who committed the record (author, committer) and that commit's signature.
    recorder: tuple[str, str] | None = None
    recorder_signature: tuple[str, str | None] = ("none", None)

    def signed(self, signature: str, signer: str | None) -> Evidence:
        """This evidence with its commit's signature as checked against the keys in force:
        `dataclasses.replace(self, signature=..., signer=...)`, built directly (the history walk
        makes one for every approval it judges, and `replace` costs several times as much)."""
        if signature == self.signature and signer == self.signer:
            return self  # (an unsigned approval commit: nothing to add)
        return Evidence(self.key, self.blob, self.name, self.email, self.meaning, self.when, self.commit, self.kind,
                        signature, signer, self.committer_email, self.author_email, self.landed, self.recorder,
                        self.recorder_signature)


@dataclass(frozen=True, slots=True)
class Rules:
    """What the policy needs about one revision: who may approve it, and the approval settings in force."""

    approvers: tuple[str, ...]  # roles or person ids
    min_approvals: int
    require_signature: bool
    allow_author_approval: bool
    ci_identities: tuple[str, ...] = ()


@dataclass(slots=True, unsafe_hash=True)  # (a value, not frozen: see model.Approval)
class Verdict:
    approval: Approval
    code: str | None  # the finding code when not valid


def approvers_for(type_approvers: tuple[str, ...] | None, type_min: int | None, previous_approvers: Iterable[str],
                  config_approvers: tuple[str, ...], config_min: int) -> tuple[tuple[str, ...], int]:
    """Who may approve a document's next revision, and how many must: the `approvers:` of its
    previous approved revision, else its type's (the type its ID prefix names), else the
    configuration approvers. Never what the revision being judged says about itself (SPEC section 5,
    rules in force)."""
    approvers = tuple(previous_approvers) or type_approvers or config_approvers
    return approvers, type_min if type_min is not None else config_min


def judge(ev: Evidence, rules: Rules, person_of: Callable[[str], Person | None], authors: Iterable[str]) -> Verdict:
    """Does this evidence count for its person? Returns the approval with `valid` and the reason."""
    person = person_of(ev.email)
    code, reason = _objection(ev, rules, person, person_of, authors)
    return Verdict(
        Approval(name=person.name if person else ev.name, email=ev.email, meaning=ev.meaning, date=ev.when,
                 commit=ev.commit, evidence=ev.kind, signature=ev.signature, valid=code is None, reason=reason,
                 person=person.id if person else None, landed=ev.landed),
        code,
    )


def _objection(ev: Evidence, rules: Rules, person: Person | None, person_of: Callable[[str], Person | None],
               authors: Iterable[str]) -> tuple[str | None, str | None]:
    """Why the evidence does not count for `person` (the person its email names): (finding code,
    reason), or (None, None) when it counts."""
    if ev.kind == "forge-review":
        untrusted = _untrusted_record(ev, rules)
        if untrusted:
            return "untrusted-evidence", untrusted
    if ev.kind == "merge-trailer" and (ev.committer_email or "").lower() == GITHUB_EMAIL:
        return "untrusted-evidence", ("a GitHub pull request merge: GitHub writes no approval trailers, and its message "
                                      "holds the pull request's title or description, which its author wrote (record "
                                      "the reviews with `sms-docs approvals import`)")
    if person is None:
        return "approver-not-authorised", f"{ev.email} is not a person in sms-docs.yml"
    # (an address the same as the approval's names the same person)
    if (ev.kind == "approval-commit" and ev.committer_email is not None and ev.committer_email != ev.email
            and person_of(ev.committer_email) != person):
        return "approver-not-authorised", f"the approval names {ev.email} but the commit was made by {ev.committer_email}"
    if (ev.kind == "approval-commit" and ev.author_email is not None and ev.author_email != ev.email
            and person_of(ev.author_email) != person):
        return "approver-not-authorised", f"the approval names {ev.email} but the commit was written by {ev.author_email}"
    if not may_approve(rules, person):
        return "approver-not-authorised", f"{person.id} is not among the approvers ({', '.join(rules.approvers)})"
    if not rules.allow_author_approval and authored(person, authors):
        return "self-approval", f"{person.id} authored a change to this revision"
    if ev.signature == "bad":
        return "signature-invalid", "the signature does not verify"
    if ev.signature == "good" and ev.signer is not None and signer_email(ev.signer) not in {e.lower() for e in person.all_emails}:
        return "signature-invalid", f"signed with the key of {ev.signer}, not of {person.id}"
    if rules.require_signature:
        if ev.signature == "none":
            return "approval-unsigned", "unsigned, and sms-docs.yml requires signed approvals"
        if ev.signature == "system":
            return "approval-unsigned", "signed by the forge, not by the approver"
        if ev.signature != "good":
            return "signature-invalid", "the signature cannot be verified with .sms/allowed_signers"
    return None, None


def _untrusted_record(ev: Evidence, rules: Rules) -> str | None:
    """Why a forge review record cannot be trusted, or None. It is as trustworthy as the CI that
    wrote it: the record's commit must be authored and committed by a configured CI identity and
    signed good by the key listed for that identity (SPEC section 5.3)."""
    if ev.recorder is None:
        return "the record's commit is unknown"
    author, committer = (e.lower() for e in ev.recorder)
    if not rules.ci_identities:
        return "no CI identity may record forge reviews (approval.ci_identities in sms-docs.yml)"
    if author not in rules.ci_identities or committer not in rules.ci_identities or author != committer:
        return f"the record was committed by {committer} (written by {author}), not by a CI identity in approval.ci_identities"
    status, signer = ev.recorder_signature
    if status != "good" or signer is None or signer_email(signer) != committer:
        return f"the record's commit is not signed by the key .sms/allowed_signers lists for {committer}"
    return None


def _order(a: Approval) -> tuple[dt.datetime, dt.datetime]:
    return (a.landed or a.date, a.date)


def count_valid(approvals: Iterable[Approval]) -> list[Approval]:
    """Valid approvals with meaning `approval`, one per person, in the order they reached the main line."""
    seen: set[str] = set()
    out: list[Approval] = []
    for a in sorted(approvals, key=_order):
        who = a.person or a.email.lower()
        if a.valid and a.meaning == "approval" and who not in seen:
            seen.add(who)
            out.append(a)
    return out


def approved_on(landed: dt.datetime, valid: list[Approval], min_approvals: int) -> dt.date:
    """The day a revision became approved: when it reached the main line, or when the approval that
    completed it reached the main line if later (a post-hoc approval). Both moments are the main
    line's clock, never a date an approver set."""
    moment = landed
    if len(valid) >= min_approvals:
        completing = valid[min_approvals - 1]
        moment = max(moment, completing.landed or completing.date)
    return moment.date()


def effective_date(landed: dt.datetime, valid: list[Approval], min_approvals: int, planned: str | None) -> dt.date:
    """When an approved revision takes effect: the day it became approved (`approved_on`), or its
    planned date if later."""
    day = approved_on(landed, valid, min_approvals)
    if planned:
        try:
            day = max(day, dt.date.fromisoformat(planned))
        except ValueError:
            pass
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (2024-02-29 + 12 months = 2025-02-28)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(effective: dt.date | None, last_review: dt.date | None, cycle_months: int) -> dt.date | None:
    """The later of the effective date and the last no-change review, plus the cycle (SPEC section 6)."""
    base = max((d for d in (effective, last_review) if d is not None), default=None)
    return add_months(base, cycle_months) if base else None


# --- the path-to-key mapping (SPEC section 5) ----------------------------------------------------


def is_config_path(path: str) -> bool:
    """Files that set the rules or shape the published site: controlled like documents, approved by
    the configuration approvers (SPEC section 4)."""
    return path in (config_mod.CONFIG_FILE, config_mod.SIGNERS_FILE, config_mod.OPENPGP_KEYS_FILE,
                    config_mod.SITE_FILE) or (
        path.startswith("schemas/") and path.endswith(".json") and path.count("/") == 1
    ) or path.startswith(config_mod.SITE_FOLDERS)


def change_key(path: str) -> str | None:
    """The key a path's changes are counted under, whatever the configuration says: what bounds the
    window in which an approval of a file's content counts (see `history._Walker.window`)."""
    if is_config_path(path):
        return path
    return id_from_filename(path) if path.endswith(".md") else None


def key_of_path(path: str, settings: Settings) -> tuple[str, str] | None:
    """(key, kind) of a controlled file: a document by its ID (its path when the name holds none), a
    configuration file by its path; None for anything else."""
    if is_config_path(path):
        return path, "config"
    if is_document_path(path, settings):
        return (id_from_filename(path) or path), "document"
    return None


# --- before control began (issue 12) ---------------------------------------------------------------

PRE_CONTROL_MERGER = "pre-control-merger"  # the `approval.evidence` kind that opts in
_SQUASH = re.compile(r"\(#([0-9]+)\)\s*$")
_PULL_REQUEST = re.compile(r"(?:pull request #|merge request [^\s!]*!)([0-9]+)\b", re.I)


def control_start(config_added_at: Iterable[int]) -> int:
    """The main-line index where control began: the first first-parent commit of the main line whose
    tree holds sms-docs.yml (given the indexes where a main-line commit added or changed it).

    Only the graph says so. A message (`Sms-docs-adoption: yes`) is a hint for people, never a
    rule: anyone can write one. Removing the configuration later and bringing it back does not
    move the start, so nobody can declare that control began later and turn changes made under
    control into "history from before". A repository with no configuration on its main line at
    all is judged in full (index 0)."""
    return min(config_added_at, default=0)


def is_pre_control(index: int, start: int) -> bool:
    """A main-line commit before the start is history, not a revision; one at or after it never is."""
    return 0 <= index < start


def past_evidence(*, is_merge: bool, message: str, committer: tuple[str, str], author: tuple[str, str],
                  kinds: Iterable[str]) -> tuple[str, int | None, str, str] | None:
    """What a main-line commit from before control began offers as `merger` evidence, when
    `approval.evidence` lists `pre-control-merger`: (source, pull request number, name, email).

    A merge commit names its committer (GitHub's "Merge pull request #N", committed by GitHub
    itself, names its author, who pressed the button, as `merger` does under control); a squash
    commit whose subject ends in `(#N)` names its committer as git recorded it (often the forge:
    then only the pull request number is known). A direct commit offers nothing. This is shown,
    never counted: a change before control began is not a revision."""
    if PRE_CONTROL_MERGER not in kinds:
        return None
    subject = message.split("\n", 1)[0].strip()
    if is_merge:  # GitHub names the pull request in the subject, GitLab in the body ("See merge request g/p!12")
        found = _PULL_REQUEST.search(message) or _SQUASH.search(subject)
        name, email = author if committer[1].lower() in FORGE_EMAILS else committer
        return "merge-commit", int(found.group(1)) if found else None, name, email
    squashed = _SQUASH.search(subject)
    if squashed:
        return "squash-commit", int(squashed.group(1)), committer[0], committer[1]
    return None


def former_paths(doc: Document | None) -> list[str]:
    """The repository paths a document says it used to live at (`former_paths`), normalised; only
    ever read from approved revisions (what approvers saw), and only ever used to find history
    from before control began and to resolve old links."""
    if doc is None:
        return []
    out: list[str] = []
    for value in doc.list_field("former_paths"):
        path = value.strip().lstrip("/")
        if path and ".." not in path.split("/") and path not in out:
            out.append(path)
    return out


# --- links after renames (issue 12) --------------------------------------------------------------

_LINK_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# An old MkDocs site served its docs_dir (by default `docs/`) at the site's root; so does this one
# with its own pages (`site-src/`).
_OLD_SITE_ROOTS = ("", "docs/", "site-src/")
# The pages the site generates (site/listings.py), besides one index per document type.
GENERATED_PAGES = ("index.md", "register.md", "coverage.md", "whats-new.md", "reviews.md", "records.md")


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Where a link in a document body may lead, as repository paths to try in order."""

    candidates: tuple[str, ...]
    anchor: str
    site_absolute: bool  # `/policies/x.md`, `/policies/x/`: written for the site, not the repository


def link_target(raw: str, doc_path: str) -> LinkTarget | None:
    """A link to a page of this repository, or None for anything else (another site, a mail address,
    an anchor on the page, an image or a download). Relative links name a Markdown file relative
    to the document; site-absolute links name a page of the site as an old MkDocs site served it:
    `/a/b.md`, `/a/b/`, `/a/b.html` or `/a/b` is the file `a/b.md` (or `a/b/index.md`,
    `a/b/README.md`), at the repository's root, under `docs/` or under `site-src/`."""
    target = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
    if not target or _LINK_SCHEME.match(target) or target.startswith(("#", "//")):
        return None
    path, _, anchor = target.partition("#")
    path = path.split("?", 1)[0]
    if not target.startswith("/"):
        if not path.endswith(".md"):
            return None
        return LinkTarget((posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), path)),), anchor, False)
    rel = posixpath.normpath(path).lstrip("/") if path.strip("/") else ""
    if rel.startswith("../") or rel == "..":
        return None
    name = rel.rsplit("/", 1)[-1]
    if not rel or path.endswith("/"):
        stems = [f"{rel}.md", f"{rel}/index.md", f"{rel}/README.md"] if rel else ["index.md", "README.md"]
    elif name.endswith(".md"):
        stems = [rel]
    elif name.endswith((".html", ".htm")):
        base = rel.rsplit(".", 1)[0]
        stems = [f"{base[:-len('index')]}index.md"] if name.startswith("index.") else [f"{base}.md"]
    elif "." in name:
        return None  # a file: an image, a PDF
    else:
        stems = [f"{rel}.md", f"{rel}/index.md", f"{rel}/README.md"]
    return LinkTarget(tuple(root + stem for root in _OLD_SITE_ROOTS for stem in stems), anchor, True)


def former_path_index(documents: Iterable[tuple[str, str | None, Iterable[str]]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """path -> document ID for resolving links, from (ID, current path, former paths) of the
    documents concerned (on the site: the published, approved revisions; in `check`: the working
    tree). A document's current path always wins over another's former path, so no document can
    take over the links of one that lives there; a former path two documents both claim leads
    to neither (returned as conflicts: path -> IDs), never to the first that claimed it."""
    items = list(documents)
    index: dict[str, str] = {path: ident for ident, path, _ in items if path}
    claims: dict[str, list[str]] = {}
    for ident, _, former in items:
        for path in former:
            if path not in index and ident not in claims.setdefault(path, []):
                claims[path].append(ident)
    conflicts = {path: ids for path, ids in claims.items() if len(ids) > 1}
    index.update({path: ids[0] for path, ids in claims.items() if len(ids) == 1})
    return index, conflicts


def site_page(target: LinkTarget, pages: Iterable[str]) -> str | None:
    """The page a site-absolute link names when it names no document: a generated page, or a page
    of the site's own folder (`pages`: their sources, as the site serves them)."""
    known = set(pages)
    if not target.site_absolute:
        return None
    return next((c for c in target.candidates if c in known), None)


def resolve_link(target: LinkTarget, index: Mapping[str, str]) -> str | None:
    """The document a link leads to: a path whose file name holds an ID is that document (as
    before adoption and after); else a path a document lives at or used to live at. None when
    nothing matches: on the site that link cannot work (a finding, `broken-reference`)."""
    for candidate in target.candidates:
        ident = id_from_filename(candidate)
        if ident:
            return ident
        if candidate in index:
            return index[candidate]
    return None


# --- who may approve -------------------------------------------------------------------------------


def rules_for(kind: str, key: str, settings: Settings, previous: Document | None = None) -> Rules:
    """Who may approve a revision, and how many must, under the configuration in force (`settings`):
    the configuration approvers for configuration files; for a document, the `approvers:` of its
    previous approved revision (`previous`), else those of the type its ID prefix names. Never what
    the revision being judged says about itself."""
    ap = settings.approval
    if kind == "config":
        return Rules(ap.config_approvers, ap.config_min_approvals, ap.require_signature,
                     ap.allow_author_approval, ap.ci_identities)
    doc_type = settings.type_for_prefix(key.split("-", 1)[0])
    approvers, minimum = approvers_for(
        doc_type.approvers if doc_type else None, doc_type.min_approvals if doc_type else None,
        previous.list_field("approvers") if previous is not None else (), ap.config_approvers, ap.config_min_approvals)
    return Rules(approvers, minimum, ap.require_signature, ap.allow_author_approval, ap.ci_identities)


class RuleBook:
    """`rules_for` under one configuration, each distinct answer worked out once: the history walk
    asks for every revision, and the answer depends only on the kind, the ID prefix and the
    `approvers:` of the previous approved revision."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._known: dict[tuple[str, str, tuple[str, ...]], Rules] = {}

    def rules_for(self, kind: str, key: str, previous: Document | None = None) -> Rules:
        asked = (kind, key if kind == "config" else key.split("-", 1)[0],
                 tuple(previous.list_field("approvers")) if previous is not None else ())
        found = self._known.get(asked)
        if found is None:
            found = self._known[asked] = rules_for(kind, key, self.settings, previous)
        return found


def may_approve(rules: Rules, person: Person) -> bool:
    """Is the person, or one of their roles, among the approvers?"""
    return any(a == person.id or a in person.roles for a in rules.approvers)


def authored(person: Person, authors: Iterable[str]) -> bool:
    """Segregation of duties: did this person author a change to the revision?"""
    emails = {e.lower() for e in person.all_emails}
    return any(a.lower() in emails for a in authors)


# --- document state (SPEC section 6) -------------------------------------------------------------


def upcoming(effective: dt.date | None, today: dt.date) -> bool:
    """An approved revision whose effective date is still ahead: approved, not yet in force."""
    return effective is not None and effective > today


def in_force(approved: Sequence[Revision], today: dt.date) -> tuple[Revision | None, Revision | None]:
    """(current, upcoming) of a document's approved revisions, in main-line order: `current` is the
    revision in force today (the last one whose effective date has come), `upcoming` the latest
    approved revision when its planned effective date is still ahead. Every fact shown as the
    document's (revision number, effective date, approvals, content, next review) is `current`'s;
    `upcoming` is only ever shown as upcoming (ISO/IEC 20000-1:2011 4.3.2 d: the current revision
    is identified)."""
    current = next((r for r in reversed(approved) if r.effective and not upcoming(r.effective, today)), None)
    latest = approved[-1] if approved else None
    pending = latest if latest is not None and latest is not current and upcoming(latest.effective, today) else None
    return current, pending


def review_base(last_review: dt.date | None, pending: Revision | None) -> dt.date | None:
    """The last review of the revision in force: its last no-change review, or the approval of its
    successor if later (approving a new revision is the outcome of a review of this one, even while
    the new one waits for its planned date)."""
    days = [d for d in (last_review, pending.approved_on if pending is not None else None) if d is not None]
    return max(days, default=None)


def document_state(*, approved: bool, withdrawn: bool, on_main_line: bool, head_is_approved: bool,
                   effective: dt.date | None, today: dt.date) -> State:
    """The state of a document from its latest approved revision: `approved` (there is one),
    `withdrawn` (it is marked obsolete), `on_main_line` (its file still exists), `head_is_approved`
    (the main line holds exactly that content) and its effective date."""
    if not approved:
        return State.DRAFT
    if withdrawn or not on_main_line:
        return State.OBSOLETE
    if not head_is_approved:
        return State.CHANGED
    if effective and effective > today:
        return State.APPROVED
    return State.EFFECTIVE


def review_due(next_review_on: dt.date | None, state: State, until: dt.date) -> bool:
    """A review falls due on or before `until` (obsolete documents and drafts have none)."""
    return next_review_on is not None and next_review_on <= until and state not in (State.OBSOLETE, State.DRAFT)


def review_overdue(next_review_on: dt.date | None, state: State, today: dt.date) -> bool:
    """A review is overdue when its date has passed, for a document that is in force or pending."""
    return review_due(next_review_on, state, today - dt.timedelta(days=1))


# --- retention and disposal ----------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def retention_of(meta: Mapping[str, Any], settings: Settings) -> str | None:
    """A record's retention: its own `retention`, else its type's."""
    rtype = settings.records.get(str(meta.get("type")))
    value = meta.get("retention") or (rtype.retention if rtype else None)
    return str(value) if value else None


def retention_until(meta: Mapping[str, Any], settings: Settings) -> dt.date | None:
    """The record's date plus its retention; None when either is missing or unreadable."""
    day, retention = _day(meta.get("date")), retention_of(meta, settings)
    if day is None or not retention:
        return None
    try:
        return add_months(day, months_of(retention))
    except ValueError:
        return None


def retention_expired(until: dt.date | None, record_type: str, today: dt.date) -> bool:
    """Past its retention, so due for disposal (a disposal record itself is kept)."""
    return until is not None and until < today and record_type != "disposal"


# --- visibility per audience (REQUIREMENTS D13) ----------------------------------------------------


def rank(classification: str) -> int:
    """The order of classifications; a value sms-docs does not know counts as restricted."""
    return CLASSIFICATIONS.index(classification) if classification in CLASSIFICATIONS else len(CLASSIFICATIONS) - 1


def visible(audience: str | None, *classifications: str | None) -> bool:
    """May the audience see a document? The stricter of the given classifications (the published
    and the main-line one) counts, so raising a classification hides the document at once, before
    the change is approved. No audience: everything."""
    if audience is None:
        return True
    limit = rank(audience)
    return all(rank(c) <= limit for c in classifications if c is not None)
def retention_end(recorded: str | None, months: int | None) -> dt.date | None:
    """The last day a record must be kept: its retention counted from its own date (which cannot
    change once the record is on the main line: `record-modified`)."""
    try:
        start = dt.date.fromisoformat(str(recorded or "")[:10])
    except ValueError:
        return None
    return add_months(start, months) if months is not None else None
