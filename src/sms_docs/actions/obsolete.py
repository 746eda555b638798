"""`obsolete`: withdraw a document by rewriting its front matter, never by deleting it.

ISO/IEC 20000-1:2011 4.3.2 h: obsolete documents are kept, marked, and cannot be used by mistake.
Only `status`, `superseded_by` / `withdrawn_reason` change (and the successor's `supersedes`); the
rewrite is round-trip, so comments, order and the body stay byte for byte. The withdrawal is a
change like any other: it takes effect when it reaches the main line with its approvals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import frontmatter
from sms_docs.checks import scan_worktree
from sms_docs.errors import Refused, UsageError
from sms_docs.schemas import SchemaSet

if TYPE_CHECKING:
    from sms_docs.model import Document
    from pathlib import Path


@dataclass(frozen=True)
class Withdrawn:
    id: str
    path: str
    title: str
    superseded_by: str | None
    withdrawn_reason: str | None
    successor_path: str | None
    supersedes_added: bool
    referrers: list[tuple[str, str, str]]  # (ID, path, how) of active documents that still point at it


def _describe(doc: Document) -> str:
    succ = doc.meta.get("superseded_by")
    reason = doc.meta.get("withdrawn_reason")
    if succ:
        return f"superseded by {succ}"
    return f"withdrawn: {reason}" if reason else "status obsolete"


def obsolete(root: Path, ident: str, superseded_by: str | None, reason: str | None) -> Withdrawn:
    reason = " ".join(reason.split()) if reason is not None else None
    if not superseded_by and not reason:
        raise UsageError(f"say what replaces {ident} (--superseded-by ID) or why it is withdrawn (--reason TEXT); "
                         "nothing was changed")
    schemas = SchemaSet.load(root)
    settings = config_mod.load_valid(root, schemas)
    tree = scan_worktree(root, settings, schemas)
    docs = tree.by_id()
    doc = docs.get(ident)
    if doc is None:
        raise UsageError(f"no document {ident} in the working tree; nothing was changed",
                         hint="`sms-docs status` lists the documents")
    if doc.obsolete:
        raise Refused(f"{ident} is already obsolete ({_describe(doc)}); nothing was changed")
    successor: Document | None = None
    if superseded_by:
        if superseded_by == ident:
            raise Refused(f"{ident} cannot supersede itself; nothing was changed",
                          hint="name the document that replaces it, or withdraw it with --reason")
        successor = docs.get(superseded_by)
        if successor is None:
            raise Refused(f"the successor {superseded_by} does not exist in the working tree; nothing was changed",
                          hint=f"create it first (`sms-docs new TYPE --title ...`), or withdraw {ident} with --reason")
        if successor.obsolete:
            raise Refused(f"the successor {superseded_by} is itself obsolete ({_describe(successor)}); nothing was changed",
                          hint="name the document that is in force now")
        supersedes = successor.meta.get("supersedes")
        if supersedes is not None and not isinstance(supersedes, list):
            raise Refused(f"{successor.path}: supersedes of {superseded_by} is not a list; nothing was changed",
                          hint="fix it (`sms-docs check` names the line), then run this again")

    def withdraw(meta: Any) -> None:
        meta["status"] = "obsolete"
        if superseded_by:
            meta["superseded_by"] = superseded_by
        if reason:
            meta["withdrawn_reason"] = reason

    new_doc = frontmatter.update_front_matter((root / doc.path).read_bytes(), withdraw)
    added = False
    new_successor: bytes | None = None
    if successor is not None and ident not in successor.list_field("supersedes"):
        def supersede(meta: Any) -> None:
            if isinstance(meta.get("supersedes"), list):
                meta["supersedes"].append(ident)
            else:
                meta["supersedes"] = [ident]

        new_successor = frontmatter.update_front_matter((root / successor.path).read_bytes(), supersede)
        added = True
    # Both rewrites are computed before either file is written: a failure leaves both untouched.
    frontmatter.atomic_write(root / doc.path, new_doc, root=root)
    if new_successor is not None and successor is not None:
        frontmatter.atomic_write(root / successor.path, new_successor, root=root)
    referrers: list[tuple[str, str, str]] = []
    for other in tree.documents:
        if other.id in (ident, superseded_by) or other.obsolete:
            continue
        if ident in other.list_field("related"):
            referrers.append((other.id, other.path, f"related (line {other.lines.get('related')})"))
        for link in other.links:
            if link.target == doc.path:
                referrers.append((other.id, other.path, f"link on line {link.line}"))
    return Withdrawn(ident, doc.path, doc.title, superseded_by, reason, successor.path if successor else None,
                     added, referrers)
