"""`review`: a periodic review record bound to the exact content reviewed.

ISO/IEC 20000-1:2011 4.3.2 c: documents are reviewed at planned intervals, and a review that
changes nothing still leaves evidence. The record names the blob id of the effective revision, so a
`no-change` review restarts the cycle of that content only: any later revision starts its own
cycle from its effective date (SPEC section 6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sms_docs.actions import records
from sms_docs.catalog import Catalog
from sms_docs.config import months_of
from sms_docs.errors import Refused, UsageError
from sms_docs.model import Person, State
from sms_docs.policy import next_review

if TYPE_CHECKING:
    from sms_docs.gitrepo import Identity
    from pathlib import Path

OUTCOMES = ("no-change", "revise")


@dataclass(frozen=True)
class Reviewed:
    record: records.Written
    person: Person
    doc_id: str
    title: str
    revision: int | None
    blob: str
    outcome: str
    day: dt.date
    cycle: str
    next_review: dt.date | None  # once the record reaches the main line (no-change), else the current one
    pending_change: bool  # the main line holds an unapproved change the review did not cover


def review(root: Path, ident: str, outcome: str, notes: str | None, *, as_of: dt.date | None = None,
           ref: str | None = None, identity: Identity | None = None) -> Reviewed:
    if outcome not in OUTCOMES:
        raise UsageError(f"--outcome {outcome!r}: use no-change or revise")
    day = as_of or dt.date.today()
    with Catalog.open(root, ref=ref, as_of=day) as cat:
        person = records.acting_person(root, cat.settings, identity)
        status = cat.documents.get(ident)
        if status is None:
            raise UsageError(f"no document {ident} on {cat.ref} as of {day}; nothing was written",
                             hint="`sms-docs status` lists the documents")
        if status.state is State.OBSOLETE:
            raise Refused(f"{ident} is obsolete: withdrawn documents are not reviewed; nothing was written")
        current = status.current
        if current is None:
            when = f" (approved, effective from {status.effective})" if status.effective else " (never approved)"
            raise Refused(f"{ident} has no effective revision on {cat.ref} as of {day}{when}: there is no approved "
                          "content to review yet; nothing was written")
        written = records.create(
            cat.settings, cat.schemas, "review", person=person, day=day, subject=[ident], check_subjects=False,
            fields={"outcome": outcome, "notes": (notes or "").strip(), "blob": current.blob})
        due = status.next_review
        if outcome == "no-change":
            try:
                due = next_review(current.effective, day, months_of(status.review_cycle))
            except ValueError:
                due = None
        pending = status.state is State.CHANGED
        return Reviewed(written, person, ident, status.title, current.number, current.blob, outcome, day,
                        status.review_cycle, due, pending)
