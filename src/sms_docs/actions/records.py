"""Records: create one from its type's template and schema, list them, dispose of them after retention.

Records are append-only evidence (ISO/IEC 20000-1:2011 4.3.3; 2018 7.5.3): once on the main line
they never change. A correction is a new record with `corrects:`; disposal after retention leaves a
disposal record, so the audit can tell a disposal from a deletion (`record-deleted`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TYPE_CHECKING

from sms_docs import frontmatter
from sms_docs.checks import Tree, scan_worktree
from sms_docs.documents import parse_record
from sms_docs.errors import ConfigError, Refused, UsageError
from sms_docs.actions.new import read_template, used_numbers
from sms_docs.gitrepo import Identity, committer_identity
from sms_docs.policy import retention_of, retention_until

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from sms_docs.model import Person, Record
    from sms_docs.schemas import SchemaSet
    from sms_docs.config import RecordType, Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "records"

# Filled in by sms-docs; a field=value on the command line may not set them.
ASSIGNED = ("id", "type", "created_by")
# Record types that only a command may write: a hand-made one would be forged evidence
# (a disposal record excuses a deletion; an approvals record approves documents).
WRITTEN_BY = {"disposal": "sms-docs records dispose ID --reason TEXT",
              "approvals": "sms-docs approvals import --github-reviews FILE"}
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Written:
    id: str
    path: Path
    rel: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class RecordRow:
    """A record as `records list` shows it."""

    id: str
    type: str
    date: str
    created_by: str
    subject: list[str]
    retention_until: dt.date | None
    path: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "date": self.date, "created_by": self.created_by,
                "subject": self.subject, "retention_until": self.retention_until.isoformat() if self.retention_until else None,
                "path": self.path}


@dataclass(frozen=True)
class Disposed:
    record: Written  # the disposal record
    ids: list[str]
    paths: list[str]


# --- who acts, and which ID comes next ------------------------------------------------------------


def acting_person(root: Path, settings: Settings, identity: Identity | None = None) -> Person:
    """The person matched from `identity` (else git's committer identity); refuse when sms-docs.yml
    does not know them."""
    _, email = committer_identity(root, identity)
    if not email:
        raise Refused("git has no committer identity; nothing was written", hint="set git config user.name and user.email")
    person = settings.person_by_email(email)
    if person is None:
        raise Refused(f"your git email {email} is not a person in sms-docs.yml; nothing was written",
                      hint="use the email sms-docs.yml lists for you (git config user.email), or add yourself to people")
    return person


def next_record_id(root: Path, settings: Settings, prefix: str, year: int) -> str:
    pattern = re.compile(rf"(?:^|/){re.escape(prefix)}-{year:04d}-([0-9]{{4,6}})(?:[-.][^/]*)?$")
    used = used_numbers(root, pattern, settings.record_root)
    return f"{prefix}-{year:04d}-{(max(used) + 1 if used else 1):04d}"


# --- retention ----------------------------------------------------------------------------------


# --- field=value ---------------------------------------------------------------------------------


def parse_value(raw: str) -> Any:
    """A command-line value as YAML where that is plainly meant: numbers, true/false, null, quoted
    text and [lists] / {mappings}. Anything else is text as typed, so `summary=Upgrade: firmware`
    or `notes=#3 fixed` mean what they say rather than a mapping or a comment."""
    text = raw.strip()
    if not text:
        return ""
    structured = text[0] in "[{\"'"
    try:
        value = frontmatter.load_yaml(text)
    except frontmatter.YamlError as exc:
        if structured:
            raise UsageError(f"{raw!r} is not valid YAML: {exc.message}",
                             hint="quote the whole field=value for the shell, e.g. \"services=[desk, mail]\"") from None
        return raw
    if structured:
        return "" if value is None else value
    if isinstance(value, (bool, int, float)) or (value is None and text in ("null", "~")):
        return "" if value is None else value
    return raw


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """`field=value` pairs (values read by `parse_value`)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not _FIELD.match(key):
            raise UsageError(f"{item!r} is not field=value", hint="e.g. summary=\"Upgrade the firewall\" services=[desk]")
        if key in ASSIGNED:
            raise UsageError(f"{key} is filled in by sms-docs and cannot be set", hint="leave it out")
        out[key] = parse_value(raw)
    return out


# --- the template and its comments -----------------------------------------------------------------


def template_text(settings: Settings, rtype: RecordType) -> str:
    return read_template(settings, rtype.template, TEMPLATES / f"{rtype.name}.yml", "records",
                         f"record type {rtype.name}") or ""


def _commented(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _commented(v)
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq()
        seq.extend(_commented(v) for v in value)
        return seq
    return value


def _trailing_slot(container: Any, key: Any) -> tuple[Any, Any, int]:
    """Where ruamel keeps the comment lines that follow `container[key]`: on the deepest last item."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    value = container[key]
    if isinstance(value, CommentedMap) and len(value):
        return _trailing_slot(value, list(value)[-1])
    if isinstance(value, CommentedSeq) and len(value):
        return _trailing_slot(value, len(value) - 1)
    return container, key, 0 if isinstance(container, CommentedSeq) else 2


def _set_keeping_comments(mapping: Any, key: str, value: Any) -> None:
    """Replace a template value; the template's comment on the next field stays above that field."""
    token = None
    if key in mapping:
        where, slot, pos = _trailing_slot(mapping, key)
        entry = where.ca.items.get(slot)
        if entry and len(entry) > pos and entry[pos] is not None:
            token, entry[pos] = entry[pos], None
    mapping[key] = _commented(value)
    if token is not None:
        where, slot, pos = _trailing_slot(mapping, key)
        entry = where.ca.items.setdefault(slot, [None, None, None, None])
        while len(entry) <= pos:
            entry.append(None)
        entry[pos] = token


def render(settings: Settings, rtype: RecordType, header: dict[str, Any], fields: Mapping[str, Any]) -> str:
    """The record's YAML: the common fields, then the template (its comments kept), then the fields given."""
    from ruamel.yaml.error import YAMLError

    rt = frontmatter._round_trip_yaml()
    text = frontmatter.dump_yaml(header) + template_text(settings, rtype)
    try:
        mapping = rt.load(text)
    except YAMLError as exc:
        where = rtype.template or f"built-in template records/{rtype.name}.yml"
        raise ConfigError(f"{where}: cannot be used as a record template: {exc}".splitlines()[0],
                          hint="a template holds the type's own fields only (not id, type, date, created_by, subject)") from None
    for key, value in fields.items():
        _set_keeping_comments(mapping, key, value)
    out = io.StringIO()
    rt.dump(mapping, out)
    return out.getvalue()


# --- records new ---------------------------------------------------------------------------------


def _known_ids(tree: Tree) -> set[str]:
    return {d.id for d in tree.documents} | {r.id for r in tree.records}


def create(settings: Settings, schemas: SchemaSet, type_name: str, *, person: Person, day: dt.date,
           subject: list[str] | None = None, fields: Mapping[str, Any] | None = None,
           tree: Tree | None = None, check_subjects: bool = True, by_command: bool = False) -> Written:
    """Write a new record of `type_name`, validated like `check` would, atomically and never over
    another file. Raises Refused (nothing written) when it would not pass."""
    root = settings.root
    rtype = settings.records.get(type_name)
    if rtype is None:
        raise UsageError(f"unknown record type {type_name!r}", hint=f"one of: {', '.join(sorted(settings.records))}")
    if type_name in WRITTEN_BY and not by_command:
        raise Refused(f"{type_name} records are written by a command, never by hand: nothing was written",
                      hint=f"use `{WRITTEN_BY[type_name]}`")
    fields = dict(fields or {})
    for key in ASSIGNED:
        fields.pop(key, None)
    subjects = list(dict.fromkeys(subject or []))
    if "subject" in fields:
        extra = fields.pop("subject")
        subjects += [str(s) for s in (extra if isinstance(extra, list) else [extra]) if str(s) not in subjects]
    if "date" in fields:
        try:
            day = dt.date.fromisoformat(str(fields.pop("date")))
        except ValueError:
            raise UsageError("date= must be a date YYYY-MM-DD") from None
    if check_subjects and (subjects or "corrects" in fields):
        tree = tree or scan_worktree(root, settings, schemas)
        known = _known_ids(tree) | {"sms-docs.yml", ".sms/allowed_signers"}
        unknown = [s for s in subjects if s not in known]
        if unknown:
            raise Refused(f"subject {', '.join(unknown)}: no such document or record in the working tree; nothing was written",
                          hint="`sms-docs status` lists the documents, `sms-docs records list` the records")
        corrects = fields.get("corrects")
        if corrects is not None and str(corrects) not in {r.id for r in tree.records}:
            raise Refused(f"corrects: {corrects} is not a record in the working tree; nothing was written",
                          hint="a correction names the record it corrects (`sms-docs records list`)")
    ident = next_record_id(root, settings, rtype.prefix, day.year)
    rel = f"{rtype.folder}/{day.year:04d}/{ident}.yml"
    header: dict[str, Any] = {"id": ident, "type": type_name, "date": day, "created_by": person.id}
    if subjects:
        header["subject"] = subjects
    text = render(settings, rtype, header, fields)
    data = text.encode("utf-8")
    parsed = parse_record(rel, data, settings, schemas)
    problems = [f for f in parsed.findings if f.severity.value == "error"]
    if problems or parsed.record is None:
        lines = "; ".join(f"{f.message}" + (f" (line {f.line})" if f.line else "") for f in problems) or "not a record"
        raise Refused(f"the {type_name} record would not be valid, so nothing was written: {lines}",
                      hint=f"fix the field=value arguments (schema {rtype.schema})")
    path = root / rel
    try:
        frontmatter.atomic_write(path, data, exclusive=True, root=root)
    except FileExistsError:
        raise Refused(f"{rel} already exists; nothing was written", hint="run the command again for the next number") from None
    return Written(ident, path, rel, dict(parsed.record.meta))


# --- records list --------------------------------------------------------------------------------


def rows(records: Iterable[Record], settings: Settings) -> list[RecordRow]:
    out = [RecordRow(r.id, r.type, r.date, str(r.meta.get("created_by", "")), r.subject,
                     retention_until(r.meta, settings), r.path) for r in records]
    return sorted(out, key=lambda r: (r.date, r.id))


def list_records(settings: Settings, schemas: SchemaSet, *, type_name: str | None = None,
                 since: dt.date | None = None, subject: str | None = None) -> list[RecordRow]:
    """The records in the working tree, filtered."""
    if type_name is not None and type_name not in settings.records:
        raise UsageError(f"unknown record type {type_name!r}", hint=f"one of: {', '.join(sorted(settings.records))}")
    tree = scan_worktree(settings.root, settings, schemas)
    found = [r for r in tree.records
             if (type_name is None or r.type == type_name)
             and (subject is None or subject in r.subject)
             and (since is None or r.date[:10] >= since.isoformat())]
    return rows(found, settings)


# --- records dispose -----------------------------------------------------------------------------


def dispose(settings: Settings, schemas: SchemaSet, ids: list[str], reason: str, *, person: Person,
            day: dt.date) -> Disposed:
    """Dispose of records whose retention ended before `day`: a disposal record is written and the
    record files are deleted from the working tree (git history keeps them; see docs/lifecycle.md)."""
    reason = " ".join(reason.split())
    if not reason:
        raise UsageError("--reason is empty: say why the records are disposed of (e.g. retention of 6 years ended)")
    if not ids:
        raise UsageError("name the records to dispose of")
    tree = scan_worktree(settings.root, settings, schemas)
    by_id = {r.id: r for r in tree.records}
    targets: list[Record] = []
    for ident in dict.fromkeys(ids):
        rec = by_id.get(ident)
        if rec is None:
            raise UsageError(f"no record {ident} in the working tree; nothing was changed",
                             hint="`sms-docs records list` lists the records")
        if rec.type == "disposal":
            raise Refused(f"{ident} is a disposal record: it is the evidence that makes earlier disposals legitimate, "
                          "and is kept; nothing was changed")
        until = retention_until(rec.meta, settings)
        if until is None:
            raise Refused(f"{ident} ({rec.path}) has no readable date or retention, so its retention cannot be "
                          "established; nothing was changed", hint="`sms-docs check` names the problem")
        if not until < day:
            raise Refused(f"{ident} must be kept until {until} (retention {retention_of(rec.meta, settings)} from "
                          f"{rec.date}); it can be disposed of from {until + dt.timedelta(days=1)}; nothing was changed")
        targets.append(rec)
    names = {r.id for r in targets}
    for other in tree.records:
        if other.id not in names and names & set(other.subject):
            cited = ", ".join(sorted(names & set(other.subject)))
            raise Refused(f"{other.id} ({other.path}) names {cited} as its subject and would point at nothing; "
                          "nothing was changed", hint=f"dispose of them together: sms-docs records dispose {cited} {other.id} --reason ...")
    paths = [r.path for r in targets]
    written = create(settings, schemas, "disposal", person=person, day=day, tree=tree, check_subjects=False,
                     by_command=True, fields={"disposed": [r.id for r in targets], "reason": reason, "paths": paths})
    for rel in paths:
        (settings.root / rel).unlink()
    return Disposed(written, [r.id for r in targets], paths)
