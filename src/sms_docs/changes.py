"""`changes`: what a document controller tells staff: new, revised and withdrawn documents since a
date or a ref, with revision, effective date, approvers and the reason for the change.

ISO/IEC 20000-1:2011 4.3.2 b (new and changed documents are communicated); REQUIREMENTS D11.
Only approved revisions count: an unapproved change on the main line is not news, it is a finding.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs.errors import UsageError
from sms_docs.policy import count_valid, visible

if TYPE_CHECKING:
    from sms_docs.model import Revision
    from sms_docs.catalog import Catalog
    from collections.abc import Callable

KINDS = ("new", "revised", "withdrawn")
HEADINGS = {"new": "New", "revised": "Revised", "withdrawn": "Withdrawn"}
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class Change:
    kind: str  # new | revised | withdrawn
    id: str
    title: str
    type: str
    classification: str
    revision: int
    effective: dt.date
    commit: str
    approvers: list[str]
    reasons: list[str]
    superseded_by: str | None
    successor_title: str | None
    withdrawn_reason: str | None
    path: str

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {"change": self.kind, "id": self.id, "title": self.title, "type": self.type,
                "classification": self.classification, "revision": self.revision,
                "effective": self.effective.isoformat(), "commit": self.commit, "approvers": self.approvers,
                "reason": self.reason or None, "superseded_by": self.superseded_by,
                "withdrawn_reason": self.withdrawn_reason, "path": self.path}


@dataclass(frozen=True)
class Since:
    """What `--since` named: a date (revisions effective on or after it) or a ref (revisions whose
    main-line commit is not in the ref's history)."""

    label: str
    date: dt.date | None
    commit: str | None
    included: Callable[[Revision], bool]


def resolve_since(cat: Catalog, since: str) -> Since:
    text = since.strip()
    if _DATE.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"--since {since}: not a valid date") from None
        return Since(text, day, None, lambda r: r.effective is not None and r.effective >= day)
    commit = cat.repo.resolve(text)
    if commit is None:
        raise UsageError(f"--since {since}: neither a date (YYYY-MM-DD) nor a ref in this repository",
                         hint="name a tag, branch or commit (e.g. the tag of the last notice), or a date")
    before = cat.repo.ancestors(commit)
    return Since(text, None, commit, lambda r: r.commit not in before)


def collect(cat: Catalog, since: Since, audience: str | None = None) -> list[Change]:
    """One entry per document: its latest approved revision in the window, classified."""
    out: list[Change] = []
    cat.prefetch(r for status in cat.documents.values() if any(since.included(r) for r in status.revisions if r.number)
                 for r in status.revisions if r.number is not None)
    for status in cat.documents.values():
        approved = [r for r in status.revisions if r.number is not None]
        window = [r for r in approved if since.included(r)]
        if not window:
            continue
        docs = {r.blob: cat.read_document(r) for r in approved}
        first_obsolete = next((r for r in approved if docs[r.blob] is not None and docs[r.blob].obsolete), None)  # type: ignore[union-attr]
        if first_obsolete is not None:
            if first_obsolete not in window:
                continue  # withdrawn before the window: an edit since then is the audit's business, not news
            kind, latest = "withdrawn", first_obsolete
            window = [r for r in window if r.number is not None and r.number <= (first_obsolete.number or 0)]
        else:
            kind = "new" if approved[0] in window else "revised"
            latest = window[-1]
        doc = docs[latest.blob]
        if doc is None:
            continue
        if not visible(audience, doc.classification, status.head.classification if status.head else None):
            continue  # above the audience: not even its title is shown (REQUIREMENTS D13)
        successor = str(doc.meta["superseded_by"]) if kind == "withdrawn" and doc.meta.get("superseded_by") else None
        succ_status = cat.documents.get(successor) if successor else None
        reasons = list(dict.fromkeys(r.reason for r in window if r.reason))
        out.append(Change(
            kind=kind, id=status.id, title=doc.title, type=doc.type, classification=doc.classification,
            revision=latest.number or 0, effective=latest.effective or latest.date.date(), commit=latest.commit,
            approvers=list(dict.fromkeys(a.name for a in count_valid(latest.approvals))), reasons=reasons,
            superseded_by=successor, successor_title=succ_status.title if succ_status else None,
            withdrawn_reason=str(doc.meta["withdrawn_reason"]) if kind == "withdrawn" and doc.meta.get("withdrawn_reason") else None,
            path=latest.path))
    return sorted(out, key=lambda c: (KINDS.index(c.kind), c.effective, c.id))


@dataclass(frozen=True)
class Notice:
    """What `changes` reports: the changes since a date or ref, as of a day, for an audience."""

    since: str
    ref: str
    as_of: dt.date
    organisation: str
    changes: list[Change]

    def to_json(self) -> dict[str, Any]:
        return {"since": self.since, "ref": self.ref, "as_of": self.as_of.isoformat(),
                "changes": [c.to_json() for c in self.changes]}


def notice(cat: Catalog, since: str, audience: str | None = None) -> Notice:
    """The change notice since `since` (a date or a ref) for `audience` (None: every document)."""
    window = resolve_since(cat, since)
    return Notice(window.label, cat.ref, cat.as_of, cat.settings.organisation, collect(cat, window, audience))


_MD = re.compile(r"([\\`*_\[\]<>|])")


def _md(text: str) -> str:
    """Plain text in a Markdown line: the characters that would start markup are escaped, the rest
    left readable (a notice is often pasted into mail as it is)."""
    return _MD.sub(r"\\\1", " ".join(text.split()))


def _line(c: Change, markdown: bool) -> str:
    esc = _md if markdown else (lambda s: " ".join(s.split()))
    who = ", ".join(esc(a) for a in c.approvers) or "no valid approver"
    ident = f"**{c.id}**" if markdown else c.id
    line = f"{ident} {esc(c.title)} — rev {c.revision}, effective {c.effective}, approved by {who}"
    line += f": {esc(c.reason)}" if c.reason else ""
    if c.kind == "withdrawn":
        if c.superseded_by:
            succ = f"**{c.superseded_by}**" if markdown else c.superseded_by
            title = f" {esc(c.successor_title)}" if c.successor_title else ""
            line += f". Superseded by {succ}{title}: use it instead"
        if c.withdrawn_reason:
            line += f". Withdrawn: {esc(c.withdrawn_reason)}"
        line += "."
    return line


def render(n: Notice, markdown: bool) -> str:
    changes = n.changes
    counts = {k: sum(1 for c in changes if c.kind == k) for k in KINDS}
    summary = ", ".join(f"{counts[k]} {k}" for k in KINDS)
    title = f"Document changes since {n.since}"
    out = [f"# {title}" if markdown else title, ""]
    out.append(f"{_md(n.organisation) if markdown else n.organisation} · {summary} · {n.ref} as of {n.as_of}")
    if not changes:
        out += ["", f"No document was issued, revised or withdrawn since {n.since}."]
    for kind in KINDS:
        items = [c for c in changes if c.kind == kind]
        if not items:
            continue
        out += ["", f"## {HEADINGS[kind]}" if markdown else HEADINGS[kind], ""]
        out += [("- " if markdown else "  ") + _line(c, markdown) for c in items]
    if markdown:
        out += ["", "Only the current approved revision of each document is valid; printed copies are uncontrolled."]
    return "\n".join(out) + "\n"
