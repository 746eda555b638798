"""`coverage`: the configured standard's clause catalogue against the effective documents.

ISO/IEC 20000-1:2018 7.5.4 and 2011 4.3.1 list the documented information an SMS must hold
(REQUIREMENTS D1). A document counts only when it has an approved revision in effect on the as-of
day and is not obsolete; what it cites is read from that revision's `clauses`, never from a draft.

Rules:
- a clause is covered when an effective document cites it or any of its sub-clauses
  (`8.5.1.2` and `7.5.4 a` count for `8.5` and `7.5.4`);
- a part of a mandatory item is covered when an effective document cites one of the part's clauses
  exactly (the catalogues list the sub-clauses that count); an item is covered when all its parts are;
- for ISO/IEC 20000-1:2011 documents cite 2018 numbers: a 2011 clause is covered when a document
  cites one of its `maps_to` 2018 clauses (or a sub-clause of one), or one of the 2011 sub-clauses
  below it is. A document may also cite 2011 numbers; a citation is read as a 2011 number only
  when it is not a 2018 number, since `9.2` (2018 internal audit, 2011 change management) and many
  others exist in both editions and a 2018 citation must not count for an unrelated 2011 clause.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sms_docs import clauses as clauses_mod
from sms_docs.model import Document, State

if TYPE_CHECKING:
    from sms_docs.clauses import ClauseCatalogue
    from collections.abc import Iterable
    from sms_docs.catalog import Catalog


@dataclass(frozen=True)
class ClauseRow:
    number: str
    title: str
    documented: bool
    depth: int
    documents: tuple[str, ...]
    pending: tuple[str, ...] = ()  # documents citing it that are not (yet) in effect with that citation

    @property
    def covered(self) -> bool:
        return bool(self.documents)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "documented": self.documented,
                "documents": list(self.documents), "covered": self.covered, "pending": list(self.pending)}


@dataclass(frozen=True)
class PartRow:
    title: str
    clauses: tuple[str, ...]
    documents: tuple[str, ...]
    pending: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        return bool(self.documents)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "clauses": list(self.clauses), "documents": list(self.documents),
                "covered": self.covered, "pending": list(self.pending)}


@dataclass(frozen=True)
class MandatoryRow:
    id: str
    title: str
    parts: tuple[PartRow, ...]

    @property
    def covered(self) -> bool:
        return all(p.covered for p in self.parts)

    @property
    def documents(self) -> tuple[str, ...]:
        return tuple(sorted({d for p in self.parts for d in p.documents}))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "parts": [p.to_json() for p in self.parts],
                "covered": self.covered}


@dataclass(frozen=True)
class Gap:
    """Something the catalogue asks for that no effective document covers. A missing mandatory
    part is an error (exit 1); an uncited clause is a warning."""

    kind: str  # "mandatory" | "clause"
    ref: str  # mandatory item id, or clause number
    title: str
    part: str | None
    severity: str
    message: str
    pending: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "title": self.title, "part": self.part,
                "severity": self.severity, "message": self.message, "pending": list(self.pending)}


@dataclass(frozen=True)
class Unknown:
    """A citation that is in neither edition's catalogue: a typo, or a clause of another standard."""

    document: str
    citation: str

    def to_json(self) -> dict[str, str]:
        return {"document": self.document, "clause": self.citation}


@dataclass(frozen=True)
class Coverage:
    standard: str
    title: str
    ref: str
    as_of: dt.date
    clauses: tuple[ClauseRow, ...]
    mandatory: tuple[MandatoryRow, ...]
    effective: tuple[str, ...]  # the documents that counted
    unknown: tuple[Unknown, ...] = ()
    gaps: tuple[Gap, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No mandatory item lacks an effective document (the exit-code rule)."""
        return all(m.covered for m in self.mandatory)

    def to_json(self) -> dict[str, Any]:
        return {
            "standard": self.standard, "title": self.title, "ref": self.ref, "as_of": self.as_of.isoformat(),
            "ok": self.ok, "documents": list(self.effective),
            "clauses": [c.to_json() for c in self.clauses],
            "mandatory": [m.to_json() for m in self.mandatory],
            "gaps": [g.to_json() for g in self.gaps],
            "unknown_citations": [u.to_json() for u in self.unknown],
        }


# --- the computation -----------------------------------------------------------------------------


def in_effect(status: Any) -> Document | None:
    """The document as it is in effect (its effective revision), or None: drafts, obsolete
    documents and approvals whose planned effective date is still ahead do not count."""
    if status.state == State.OBSOLETE or status.current is None or status.published is None:
        return None
    if status.published.obsolete:
        return None
    return status.published  # type: ignore[no-any-return]


def compute(catalog: Catalog, standard: str | None = None) -> Coverage:
    """Coverage of `standard` (default: the configured one) by the catalog's effective documents."""
    standard = standard or catalog.settings.standard
    effective: dict[str, list[str]] = {}
    pending: dict[str, list[str]] = {}
    for ident, status in sorted(catalog.documents.items()):
        doc = in_effect(status)
        if doc is not None:
            effective[ident] = doc.list_field("clauses")
        head = status.head
        if head is not None and not head.obsolete and status.state != State.OBSOLETE:
            extra = [c for c in head.list_field("clauses") if c not in effective.get(ident, [])]
            if extra:
                pending[ident] = extra
    return compute_from(standard, effective, pending, ref=catalog.ref, as_of=catalog.as_of)


def compute_from(standard: str, effective: dict[str, list[str]], pending: dict[str, list[str]] | None = None,
                 *, ref: str = "", as_of: dt.date | None = None) -> Coverage:
    """The pure part: document ID -> cited clauses (effective), and the same for citations that are
    not in effect yet (drafts, unapproved edits), which are shown as pending but never count."""
    cat = clauses_mod.load(standard)
    latest = clauses_mod.load(clauses_mod.LATEST)
    reading = _Reading(cat, latest)
    counted = reading.read(effective)
    waiting = reading.read(pending or {})

    clause_rows = []
    for clause in cat.clauses:
        clause_rows.append(ClauseRow(clause.number, clause.title, clause.documented, clause.depth,
                                     reading.covering_clause(counted, clause.number),
                                     reading.covering_clause(waiting, clause.number)))
    mandatory_rows = []
    for item in cat.mandatory:
        parts = tuple(PartRow(p.title, p.clauses, reading.covering_part(counted, p.clauses),
                              reading.covering_part(waiting, p.clauses)) for p in item.parts)
        mandatory_rows.append(MandatoryRow(item.id, item.title, parts))
    unknown = tuple(Unknown(ident, c) for ident, cites in sorted(effective.items()) for c in cites
                    if reading.edition(c) is None)
    cov = Coverage(standard, cat.title, ref, as_of or dt.date.today(), tuple(clause_rows), tuple(mandatory_rows),
                   tuple(sorted(effective)), unknown)
    return dataclasses.replace(cov, gaps=tuple(_gaps(cov)))


class _Reading:
    """How citations are read against one catalogue (with the 2018 edition for the crosswalk)."""

    def __init__(self, cat: ClauseCatalogue, latest: ClauseCatalogue) -> None:
        self.cat = cat
        self.latest = latest
        self.crosswalk = cat.standard != latest.standard
        self._indexes: dict[int, tuple[dict[str, tuple[set[str], set[str]]],
                                       tuple[dict[str, set[str]], dict[str, set[str]]]]] = {}

    def edition(self, citation: str) -> str | None:
        if self.latest.knows(citation):
            return self.latest.standard
        if self.crosswalk and self.cat.knows(citation):
            return self.cat.standard
        return None

    def read(self, cited: dict[str, list[str]]) -> dict[str, tuple[set[str], set[str]]]:
        """document -> (citations read in the 2018 edition, citations read in the catalogue's own
        older edition)."""
        out: dict[str, tuple[set[str], set[str]]] = {}
        for ident, cites in cited.items():
            new, old = set(), set()
            for c in cites:
                if self.edition(c) == self.cat.standard and self.crosswalk:
                    old.add(c)
                else:
                    new.add(c)  # unknown citations are kept: they may still match exactly
            out[ident] = (new, old)
        return out

    def covering_clause(self, read: dict[str, tuple[set[str], set[str]]], number: str) -> tuple[str, ...]:
        """The documents citing `number` or anything within it (in the catalogue's edition, or, read
        through the crosswalk, a 2018 clause it maps to)."""
        new_at, old_at = self._within_index(read)
        if not self.crosswalk:
            return tuple(sorted(new_at.get(number, ())))
        found = set(old_at.get(number, ()))
        for target in self._mapped(number):
            found |= new_at.get(target, set())
        return tuple(sorted(found))

    def _within_index(self, read: dict[str, tuple[set[str], set[str]]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """For each number, the documents with a citation `within` it (see clauses.within): a citation is
        within itself and within each of its prefixes that ends before a "." or a " ". Made once per
        reading, instead of asking every document about every clause."""
        found = self._indexes.get(id(read))
        if found is not None and found[0] is read:
            return found[1]
        new_at: dict[str, set[str]] = {}
        old_at: dict[str, set[str]] = {}
        for ident, (new, old) in read.items():
            for cites, at in ((new, new_at), (old, old_at)):
                for c in cites:
                    at.setdefault(c, set()).add(ident)
                    for k, char in enumerate(c):
                        if char in ". ":
                            at.setdefault(c[:k], set()).add(ident)
        self._indexes[id(read)] = (read, (new_at, old_at))
        return new_at, old_at

    def _mapped(self, number: str) -> set[str]:
        """The 2018 clauses that stand for a 2011 clause: its own `maps_to` and those of every 2011
        clause below it (a parent is covered when a sub-clause is)."""
        out: set[str] = set()
        own = self.cat.clause(number)
        for clause in [*([own] if own else []), *self.cat.descendants(number)]:
            out.update(clause.maps_to)
        return out

    def covering_part(self, read: dict[str, tuple[set[str], set[str]]], wanted: Iterable[str]) -> tuple[str, ...]:
        wanted = set(wanted)
        found = []
        for ident, (new, old) in read.items():
            translated = set(new)
            for c in old:  # a 2011 citation stands for its 2018 counterparts
                clause = self.cat.clause(c)
                translated.add(c)
                if clause is not None:
                    translated.update(clause.maps_to)
            if translated & wanted:
                found.append(ident)
        return tuple(sorted(found))


def _gaps(cov: Coverage) -> Iterable[Gap]:
    for item in cov.mandatory:
        for part in item.parts:
            if part.covered:
                continue
            cites = ", ".join(part.clauses)
            wait = f"; not yet in effect: {', '.join(part.pending)}" if part.pending else ""
            yield Gap("mandatory", item.id, item.title, part.title, "error",
                      f"{item.id} {part.title}: no effective document cites {cites}{wait}", part.pending)
    for row in cov.clauses:
        if row.covered:
            continue
        wait = f"; not yet in effect: {', '.join(row.pending)}" if row.pending else ""
        what = "requires documented information; " if row.documented else ""
        yield Gap("clause", row.number, row.title, None, "warning",
                  f"{row.number} {row.title}: {what}no effective document cites it or a sub-clause{wait}", row.pending)


# --- text ----------------------------------------------------------------------------------------


def _ids(ids: tuple[str, ...], limit: int = 6) -> str:
    if not ids:
        return "-"
    shown = ", ".join(ids[:limit])
    return shown + (f" +{len(ids) - limit}" if len(ids) > limit else "")


def text_lines(cov: Coverage, *, gaps_only: bool = False) -> list[tuple[str, str | None]]:
    """The readable matrix as (line, colour) pairs; the CLI styles and prints them."""
    out: list[tuple[str, str | None]] = []
    covered = sum(1 for c in cov.clauses if c.covered)
    items = sum(1 for m in cov.mandatory if m.covered)
    out.append((f"Coverage of {cov.title} on {cov.ref} as of {cov.as_of}: {len(cov.effective)} effective documents", None))
    out.append((f"clauses {covered}/{len(cov.clauses)} covered · mandatory documented information "
                f"{items}/{len(cov.mandatory)} items covered", None))
    if not gaps_only:
        out.append(("", None))
        out.append(("Clauses (* asks for documented information)", "bold"))
        width = max([len(c.number) for c in cov.clauses] + [6])
        for c in cov.clauses:
            title = ("  " * c.depth + c.title)[:52]
            mark = "*" if c.documented else " "
            docs = _ids(c.documents) if c.covered else "GAP" + (f" (not yet in effect: {_ids(c.pending)})" if c.pending else "")
            out.append((f"  {c.number:<{width}} {mark} {title:<52} {docs}", None if c.covered else "yellow"))
        out.append(("", None))
        out.append(("Mandatory documented information", "bold"))
        for m in cov.mandatory:
            out.append((f"  {m.id:<9} {m.title}  {'covered' if m.covered else 'MISSING'}", "green" if m.covered else "red"))
            for p in m.parts:
                docs = _ids(p.documents) if p.covered else "MISSING" + (f" (not yet in effect: {_ids(p.pending)})" if p.pending else "")
                out.append((f"      {p.title[:50]:<50} {docs}", None if p.covered else "red"))
    if cov.unknown:
        out.append(("", None))
        out.append(("Citations in neither edition's catalogue", "bold"))
        for u in cov.unknown:
            out.append((f"  {u.document}: {u.citation}", "yellow"))
    out.append(("", None))
    if cov.gaps:
        out.append(("Gaps", "bold"))
        for g in cov.gaps:
            out.append((f"  {g.severity:<8} {g.message}", "red" if g.severity == "error" else "yellow"))
        out.append(("", None))
    errors = sum(1 for g in cov.gaps if g.severity == "error")
    warnings = len(cov.gaps) - errors
    if not cov.gaps:
        out.append(("no gaps: every clause and every mandatory item has an effective document", "green"))
    else:
        out.append((f"{errors} mandatory part{'s' * (errors != 1)} missing, {warnings} clause{'s' * (warnings != 1)} not cited",
                    "red" if errors else "yellow"))
    return out
