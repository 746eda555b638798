"""Plain data: findings, documents, records, revisions and approvals. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from json.encoder import encode_basestring as _quoted  # the very function json.dumps(ensure_ascii=False) uses
from typing import Any, TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    import datetime as dt


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, reported once. `code` is stable (SPEC section 8); `message` says how to fix it."""

    code: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    id: str | None = None
    # What the finding is about when that is defined elsewhere and may be the real problem: a person
    # (`person:dana`), a type (`type:procedure`), a document (`document:POL-009`). Findings sharing one
    # are grouped under it (`sms_docs.causes`). Not part of the JSON shape.
    cause: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity._value_,  # `.value` is a property, five times slower
            "path": self.path,
            "line": self.line,
            "id": self.id,
            "message": self.message,
        }

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path or "", self.line or 0, self.code, self.message)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Control characters (C0, DEL, C1), line and paragraph separators, and the invisible format characters
# that reorder or hide text (bidirectional overrides, zero-width marks).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def printable(text: str) -> str:
    """A value from a file or a commit, safe to put on one line of a report: every character that
    could end the line, move the cursor or drive a terminal is shown escaped (`\\x1b`)."""
    return _UNPRINTABLE.sub(_escape, text)


def error(code: str, message: str, **where: Any) -> Finding:
    return Finding(code, Severity.ERROR, printable(message), **where)


def warning(code: str, message: str, **where: Any) -> Finding:
    return Finding(code, Severity.WARNING, printable(message), **where)


class State(str, Enum):
    """Derived state of a document (SPEC section 6)."""

    DRAFT = "draft"
    APPROVED = "approved"
    EFFECTIVE = "effective"
    CHANGED = "changed"
    OBSOLETE = "obsolete"


@dataclass(frozen=True, slots=True)
class Link:
    """A Markdown link in a document body that points at a file in the repository."""

    target: str  # repo-relative path, '/' separated
    line: int
    text: str


@dataclass(slots=True, unsafe_hash=True)  # (a value: see Approval)
class Document:
    """A controlled document as it stands in one tree (working tree or a commit)."""

    id: str
    path: str
    meta: Mapping[str, Any]
    body: str = ""
    body_line: int = 1  # line of the file where the body starts
    links: tuple[Link, ...] = ()
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level field -> line in the file

    @property
    def title(self) -> str:
        return printable(str(self.meta.get("title", "")))

    @property
    def type(self) -> str:
        return str(self.meta.get("type", ""))

    @property
    def owner(self) -> str:
        return printable(str(self.meta.get("owner", "")))

    @property
    def classification(self) -> str:
        return str(self.meta.get("classification", "internal"))

    @property
    def obsolete(self) -> bool:
        return self.meta.get("status") == "obsolete"

    def list_field(self, name: str) -> list[str]:
        value = self.meta.get(name)
        if isinstance(value, list):
            return [str(v) for v in value]
        return []


@dataclass(frozen=True, slots=True)
class Record:
    """A record: append-only evidence under records/."""

    id: str
    path: str
    meta: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)  # top-level field -> line in the file

    @property
    def type(self) -> str:
        return str(self.meta.get("type", ""))

    @property
    def date(self) -> str:
        return str(self.meta.get("date", ""))

    @property
    def subject(self) -> list[str]:
        value = self.meta.get("subject")
        if isinstance(value, list):
            return [str(v) for v in value]
        if isinstance(value, str):
            return [value]
        return []


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str
    emails: tuple[str, ...] = ()
    github: str | None = None
    gitlab: str | None = None
    roles: tuple[str, ...] = ()

    @property
    def all_emails(self) -> tuple[str, ...]:
        return (self.email, *self.emails)


# Approval, Author and Revision (and policy.Evidence and policy.Verdict) are made by the hundred
# thousand in the history walk. They are values, never changed once made, but not `frozen`: a frozen
# dataclass's __init__ sets each field through object.__setattr__, three times the cost of a plain
# one (0.13 s of the walk of 100,000 commits). `unsafe_hash=True` keeps a frozen one's hash and
# equality (by value).
@dataclass(slots=True, unsafe_hash=True)
class Approval:
    """Person P approves document D at blob B with meaning M at time T (SPEC section 5)."""

    name: str
    email: str
    meaning: str  # "approval" | "review"
    date: dt.datetime
    commit: str
    evidence: str  # approval-commit | merge-trailer | forge-review | merger
    signature: str  # good | bad | none | unknown | system
    valid: bool
    reason: str | None = None
    person: str | None = None  # person id when the email is known
    # When the evidence reached the main line (the main-line clock of its landing): what orders
    # approvals and dates a post-hoc one; never the date its author set.
    landed: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "meaning": self.meaning,
            "date": self.date.date().isoformat(),
            "commit": self.commit,
            "evidence": self.evidence,
            "signature": self.signature,
            "valid": self.valid,
            "reason": self.reason,
        }

    def json_text(self) -> str:
        """`to_json` as compact JSON text: byte for byte `json.dumps(self.to_json(), ensure_ascii=False,
        separators=(",", ":"))`, without the dictionary (the audit writes tens of thousands)."""
        return (f'{{"name":{_quoted(self.name)},"email":{_quoted(self.email)},"meaning":{_quoted(self.meaning)},'
                f'"date":"{self.date.date().isoformat()}","commit":{_quoted(self.commit)},'
                f'"evidence":{_quoted(self.evidence)},"signature":{_quoted(self.signature)},'
                f'"valid":{"true" if self.valid else "false"},'
                f'"reason":{"null" if self.reason is None else _quoted(self.reason)}}}')


@dataclass(slots=True, unsafe_hash=True)  # (a value: see Approval)
class Author:
    name: str
    email: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email}

    def json_text(self) -> str:
        """`to_json` as compact JSON text (see `Approval.json_text`)."""
        return f'{{"name":{_quoted(self.name)},"email":{_quoted(self.email)}}}'


@dataclass(slots=True, unsafe_hash=True)  # (a value: see Approval)
class Revision:
    """A blob of a controlled file as it reached the main line.

    `number` is set when the blob had enough valid approvals (an approved revision); None for an
    unapproved change.
    """

    key: str  # document ID, or the path of a configuration file
    path: str
    blob: str
    commit: str  # the main-line commit that brought this blob
    date: dt.datetime  # that commit's committer date
    subject: str  # that commit's subject line
    reason: str | None  # Change-reason: trailer, else the commit subject
    authors: tuple[Author, ...]
    approvals: tuple[Approval, ...]
    number: int | None = None
    effective: dt.date | None = None  # the date it took effect (approved revisions only)
    deleted: bool = False
    approved_on: dt.date | None = None  # the day its approval completed on the main line (approved revisions only)

    @property
    def approved(self) -> bool:
        return self.number is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.number,
            "commit": self.commit,
            "date": self.date.date().isoformat(),
            "blob": self.blob,
            "authors": [a.to_json() for a in self.authors],
            "approvals": [a.to_json() for a in self.approvals],
        }

    def json_text(self) -> str:
        """`to_json` as compact JSON text (see `Approval.json_text`)."""
        return (f'{{"revision":{"null" if self.number is None else int(self.number)},"commit":{_quoted(self.commit)},'
                f'"date":"{self.date.date().isoformat()}","blob":{_quoted(self.blob)},'
                f'"authors":[{",".join([a.json_text() for a in self.authors])}],'
                f'"approvals":[{",".join([a.json_text() for a in self.approvals])}]}}')


@dataclass(frozen=True, slots=True)
class PastEvidence:
    """What the past offers for a change made before control began (opt-in: `approval.evidence`
    lists `pre-control-merger`): the merge commit or the `(#N)` squash commit that brought it.
    Shown as what it is; it never makes a revision (issue 12)."""

    source: str  # "merge-commit" | "squash-commit"
    pull_request: int | None
    name: str
    email: str
    commit: str
    date: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"evidence": "merger", "source": self.source, "pull_request": self.pull_request, "name": self.name,
                "email": self.email, "commit": self.commit, "date": self.date.date().isoformat()}


@dataclass(frozen=True, slots=True)
class PreControlChange:
    """A main-line commit that changed a file before control began (before the first main-line
    commit holding sms-docs.yml): history, not an approved revision and not an unapproved change."""

    commit: str
    date: dt.datetime
    path: str
    blob: str  # ZERO when the commit deleted the path
    authors: tuple[Author, ...]
    subject: str
    evidence: tuple[PastEvidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "date": self.date.date().isoformat(), "path": self.path, "blob": self.blob,
                "authors": [a.to_json() for a in self.authors], "subject": self.subject,
                "evidence": [e.to_json() for e in self.evidence]}
