"""`diff`: a redline between two revisions of a document, the main line or the working tree."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sms_docs.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from sms_docs.catalog import Catalog, DocStatus


@dataclass(frozen=True)
class Redline:
    id: str
    old_label: str
    new_label: str
    lines: list[str]  # unified diff, without line ends

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "from": self.old_label, "to": self.new_label, "diff": self.lines}


def redline(cat: Catalog, root: Path, ident: str, rev_a: str | None, rev_b: str | None) -> Redline:
    """REV is a revision number (`3` or `r3`), `head` (the main line) or `worktree`; by default the
    effective revision against the working tree."""
    s = cat.get(ident)
    a = rev_a or (str(s.current.number) if s.current and s.current.number else "head")
    b = rev_b or "worktree"
    old, old_label = _text_of(cat, root, s, a)
    new, new_label = _text_of(cat, root, s, b)
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""))
    return Redline(ident, old_label, new_label, lines)


def _text_of(cat: Catalog, root: Path, s: DocStatus, which: str) -> tuple[str, str]:
    if which == "worktree":
        path = s.path
        if path is None or not (root / path).is_file():
            raise UsageError(f"{s.id} is not in the working tree")
        return (root / path).read_text(encoding="utf-8", errors="replace"), f"{path} (working tree)"
    if which == "head":
        rev = s.revisions[-1] if s.revisions else None
    else:
        try:
            number = int(which.lstrip("r"))
        except ValueError:
            raise UsageError(f"{which!r} is not a revision number, head or worktree") from None
        rev = next((r for r in s.revisions if r.number == number), None)
    if rev is None:
        raise UsageError(f"{s.id} has no revision {which}")
    label = f"rev {rev.number}" if rev.number else "unapproved"
    return cat.repo.read_blob(rev.blob).decode("utf-8", errors="replace"), f"{s.id} {label} ({rev.commit[:10]})"
