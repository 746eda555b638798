"""Read-only registers over the catalog: reviews and retention due (`due`), and documents of external
origin (`external`).

ISO/IEC 20000-1:2011 4.3.2 c (review at planned intervals), 4.3.3 (record retention), 4.3.2 g
(documents of external origin identified, their distribution controlled).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs.errors import UsageError
from sms_docs.policy import add_months, retention_expired, review_due

if TYPE_CHECKING:
    from collections.abc import Mapping
    from sms_docs.model import Document
    from sms_docs.catalog import Catalog, DocStatus
    from pathlib import Path

_WITHIN = re.compile(r"^\s*([0-9]+)\s*([dwmy])\s*$", re.I)


def window_end(as_of: dt.date, within: str) -> dt.date:
    """`30d`, `6w`, `3m` (calendar months) or `1y` after `as_of`."""
    match = _WITHIN.match(within)
    if not match:
        raise UsageError(f"--within {within!r}: use a number of days, weeks, months or years: 30d, 6w, 3m, 1y")
    n, unit = int(match.group(1)), match.group(2).lower()
    if unit == "d":
        return as_of + dt.timedelta(days=n)
    if unit == "w":
        return as_of + dt.timedelta(weeks=n)
    return add_months(as_of, n * (12 if unit == "y" else 1))


@dataclass(frozen=True)
class DueReview:
    id: str
    title: str
    owner: str
    state: str
    due: dt.date
    days: int  # negative when overdue
    path: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "due": self.due.isoformat(), "days": self.days}


@dataclass(frozen=True)
class ExpiredRecord:
    id: str
    type: str
    path: str
    retention_until: dt.date

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "retention_until": self.retention_until.isoformat()}


@dataclass(frozen=True)
class Due:
    as_of: dt.date
    until: dt.date
    reviews: list[DueReview]
    records: list[ExpiredRecord]

    @property
    def overdue(self) -> list[DueReview]:
        return [r for r in self.reviews if r.days < 0]

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "reviews": [r.to_json() for r in self.reviews],
                "records": [r.to_json() for r in self.records]}


def due(cat: Catalog, until: dt.date) -> Due:
    """Reviews whose next review falls on or before `until` (obsolete documents and drafts have none),
    and records whose retention ended before the as-of day (the audit's `retention-expired`)."""
    reviews = [
        DueReview(s.id, s.title, s.owner, s.state.value, s.next_review, (s.next_review - cat.as_of).days, s.path)
        for s in cat.documents.values()
        if s.next_review is not None and review_due(s.next_review, s.state, until)
    ]
    expired = [
        ExpiredRecord(r.id, r.type, r.path, r.retention_until)
        for r in cat.records
        if r.retention_until is not None and retention_expired(r.retention_until, r.type, cat.as_of)
    ]
    return Due(cat.as_of, until, sorted(reviews, key=lambda r: (r.due, r.id)),
               sorted(expired, key=lambda r: (r.retention_until, r.id)))


# --- documents of external origin -----------------------------------------------------------------


@dataclass(frozen=True)
class ExternalEntry:
    id: str
    title: str
    state: str
    revision: int | None
    owner: str
    publisher: str
    reference: str
    edition: str
    retrieved: str
    distribution: list[str]
    url: str | None
    copy: str | None
    sha256: str | None
    copy_status: str  # ok | mismatch | missing | outside | unverified | none
    path: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "state": self.state, "revision": self.revision,
                "owner": self.owner, "publisher": self.publisher, "reference": self.reference,
                "edition": self.edition, "retrieved": self.retrieved, "distribution": self.distribution,
                "url": self.url, "copy": self.copy, "sha256": self.sha256, "copy_status": self.copy_status,
                "path": self.path}


COPY_STATUS = {
    "ok": "checksum ok",
    "mismatch": "CHECKSUM MISMATCH",
    "missing": "COPY MISSING",
    "outside": "COPY OUTSIDE THE REPOSITORY (not read)",
    "unverified": "no sha256 registered",
    "none": "no local copy",
}


def is_external(status: DocStatus, cat: Catalog) -> bool:
    doc = status.shown
    return doc is not None and (doc.type == "external" or isinstance(doc.meta.get("external"), dict))


def copy_status(root: Path, external: dict[str, Any]) -> str:
    """The local copy as it is in the working tree, as `check` verifies it."""
    return copy_state(root, external)[0]


def copy_state(root: Path, external: Mapping[str, Any]) -> tuple[str, str | None]:
    """The register entry's local copy in the working tree (`external.copy`, a path from the repository
    root) and its sha256 when it was hashed: none | outside | missing | unverified | ok | mismatch.
    A copy outside the repository, or reached through a link that leads out, is never read (a device
    or /proc file would hang the run; the hash of another file would be told)."""
    copy = external.get("copy")
    if not isinstance(copy, str) or not copy:
        return "none", None
    base = root.resolve()
    path = (base / copy).resolve()
    if os.path.isabs(copy) or not path.is_relative_to(base) or path == base:
        return "outside", None
    if not path.is_file():
        return "missing", None
    registered = external.get("sha256")
    if not isinstance(registered, str):
        return "unverified", None
    with path.open("rb") as f:
        actual = hashlib.file_digest(f, "sha256").hexdigest()
    return ("ok" if actual == registered else "mismatch"), actual


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def external_register(cat: Catalog, root: Path) -> list[ExternalEntry]:
    out: list[ExternalEntry] = []
    for status in sorted(cat.documents.values(), key=lambda s: s.id):
        if not is_external(status, cat):
            continue
        doc: Document = status.shown  # type: ignore[assignment]
        found = doc.meta.get("external")
        ext: dict[str, Any] = found if isinstance(found, dict) else {}
        dist = ext.get("distribution")
        out.append(ExternalEntry(
            id=status.id, title=status.title, state=status.state.value, revision=status.revision, owner=status.owner,
            publisher=_text(ext.get("publisher")), reference=_text(ext.get("reference")), edition=_text(ext.get("edition")),
            retrieved=_text(ext.get("retrieved")), distribution=[str(d) for d in dist] if isinstance(dist, list) else [],
            url=_text(ext.get("url")) or None, copy=_text(ext.get("copy")) or None, sha256=_text(ext.get("sha256")) or None,
            copy_status=copy_status(root, ext), path=status.path))
    return out
