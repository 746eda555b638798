"""Every control rule, once, as pure functions: which evidence counts and who may approve, revision
effective dates, document state, review dates, retention and disposal, visibility per audience and
the path-to-key mapping. No git, no clock: the day and the rules in force are arguments.

ISO/IEC 20000-1:2011 4.3.2 a (approved for adequacy before issue), segregation of duties, and
21 CFR 11.50 / 11.70 (a signature shows who, when and what it means, and is bound to its record).
"""

from __future__ import annotations

import calendar
import datetime as dt
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

FORGE_EMAILS = frozenset({"noreply@github.com", "noreply@gitlab.com"})

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


@dataclass(frozen=True, slots=True)
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
    committer_email: str | None = None  # approval commits: who made the commit
    author_email: str | None = None  # approval commits: who wrote it (must be the committer)
    landed: dt.datetime | None = None  # the main-line clock when this evidence reached the main line
    # Forge review records: who committed the record (author, committer) and that commit's signature.
    recorder: tuple[str, str] | None = None
    recorder_signature: tuple[str, str | None] = ("none", None)


@dataclass(frozen=True, slots=True)
class Rules:
    """What the policy needs about one revision: who may approve it, and the approval settings in force."""

    approvers: tuple[str, ...]  # roles or person ids
    min_approvals: int
    require_signature: bool
    allow_author_approval: bool
    ci_identities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
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
    name = person.name if person else ev.name

    def verdict(code: str | None, reason: str | None) -> Verdict:
        return Verdict(
            Approval(name=name, email=ev.email, meaning=ev.meaning, date=ev.when, commit=ev.commit,
                     evidence=ev.kind, signature=ev.signature, valid=code is None, reason=reason,
                     person=person.id if person else None, landed=ev.landed),
            code,
        )

    if ev.kind == "forge-review":
        untrusted = _untrusted_record(ev, rules)
        if untrusted:
            return verdict("untrusted-evidence", untrusted)
    if person is None:
        return verdict("approver-not-authorised", f"{ev.email} is not a person in sms-docs.yml")
    if ev.kind == "approval-commit" and ev.committer_email is not None and person_of(ev.committer_email) != person:
        return verdict("approver-not-authorised",
                       f"the approval names {ev.email} but the commit was made by {ev.committer_email}")
    if ev.kind == "approval-commit" and ev.author_email is not None and person_of(ev.author_email) != person:
        return verdict("approver-not-authorised",
                       f"the approval names {ev.email} but the commit was written by {ev.author_email}")
    if not may_approve(rules, person):
        return verdict("approver-not-authorised",
                       f"{person.id} is not among the approvers ({', '.join(rules.approvers)})")
    if not rules.allow_author_approval and authored(person, authors):
        return verdict("self-approval", f"{person.id} authored a change to this revision")
    if ev.signature == "bad":
        return verdict("signature-invalid", "the signature does not verify")
    if ev.signature == "good" and ev.signer is not None and signer_email(ev.signer) not in {e.lower() for e in person.all_emails}:
        return verdict("signature-invalid", f"signed with the key of {ev.signer}, not of {person.id}")
    if rules.require_signature:
        if ev.signature == "none":
            return verdict("approval-unsigned", "unsigned, and sms-docs.yml requires signed approvals")
        if ev.signature == "system":
            return verdict("approval-unsigned", "signed by the forge, not by the approver")
        if ev.signature != "good":
            return verdict("signature-invalid", "the signature cannot be verified with .sms/allowed_signers")
    return verdict(None, None)


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


def may_approve(rules: Rules, person: Person) -> bool:
    return bool(set(rules.approvers) & ({person.id} | set(person.roles)))


def authored(person: Person, authors: Iterable[str]) -> bool:
    """Segregation of duties: did this person author a change to the revision?"""
    return bool({a.lower() for a in authors} & {e.lower() for e in person.all_emails})


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
