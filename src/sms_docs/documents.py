"""Parse one controlled file (document or record) into the model, with per-file findings.

The same functions read the working tree (`check`) and blobs from git (history, site), so a file
means the same thing wherever it is read.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs import frontmatter
from sms_docs.model import Document, Finding, Link, Record, Severity, error

if TYPE_CHECKING:
    from sms_docs.schemas import SchemaSet
    from sms_docs.config import Settings

ID_RE = re.compile(r"^[A-Z][A-Z0-9]{1,5}-[0-9]{3,6}$")
FILE_ID_RE = re.compile(r"^([A-Z][A-Z0-9]{1,5}-[0-9]{3,6})(?:-[^/]*)?\.md$")
RECORD_ID_RE = re.compile(r"^[A-Z][A-Z0-9]{1,5}-[0-9]{4}-[0-9]{4,6}$")
RECORD_SUFFIXES = (".yml", ".yaml", ".md")
IGNORED_NAMES = frozenset({"README.md", "index.md", ".gitkeep", ".gitignore"})

# [text](target) and [text]: target reference definitions; images excluded by the leading '!'.
_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFDEF = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:", re.M)


def field_lines(text: str, offset: int) -> dict[str, int]:
    """Top-level keys of a YAML mapping and their lines; a regex, far cheaper than composing."""
    out: dict[str, int] = {}
    for m in _TOP_KEY.finditer(text):
        out.setdefault(m.group(1), offset + text.count("\n", 0, m.start()))
    return out


def id_from_filename(path: str) -> str | None:
    match = FILE_ID_RE.match(posixpath.basename(path))
    return match.group(1) if match else None


@dataclass(slots=True, unsafe_hash=True)  # (a value: see model.Approval)
class Parsed:
    doc: Document | None
    record: Record | None
    findings: tuple[Finding, ...]


def too_large(path: str, size: int, settings: Settings, ident: str | None = None, *, what: str = "") -> Finding | None:
    """A controlled file over `max_file_size` is not read: not checked, not published (the one rule,
    used by `check`, `audit` and the site). `what` says which revision, for history."""
    if size <= settings.max_file_size:
        return None
    from sms_docs.config import size_text

    return error("file-too-large",
                 f"{what}{size_text(size)}, over the {size_text(settings.max_file_size)} limit: not read, not published "
                 "(split it, move attachments out of the text, or raise max_file_size in sms-docs.yml)",
                 path=path, id=ident or id_from_filename(path))


def _not_utf8(path: str, data: bytes, exc: UnicodeDecodeError, ident: str | None) -> Finding:
    line, message = frontmatter.not_utf8(data, exc)
    return error("yaml-error", message, path=path, line=line, id=ident)


def _yaml_finding(path: str, exc: frontmatter.YamlError, offset: int, ident: str | None = None) -> Finding:
    line = exc.line + offset - 1 if exc.line else None
    return error("yaml-error", f"invalid YAML: {exc.message}", path=path, line=line, id=ident)


def _schema_findings(
    path: str, text: str, offset: int, schema: str, data: dict[str, Any], schemas: SchemaSet, ident: str | None
) -> list[Finding]:
    violations = schemas.validate(schema, data)
    if not violations:
        return []
    lines = frontmatter.node_lines(text)
    out = []
    for v in violations:
        if v.path == () and "superseded_by" in v.message and data.get("status") == "obsolete":
            out.append(
                error(
                    "obsolete-without-successor",
                    "status is obsolete but neither superseded_by nor withdrawn_reason is given: "
                    "name the successor or say why it was withdrawn",
                    path=path, line=_line(lines, ("status",), offset), id=ident,
                )
            )
            continue
        out.append(error("schema-violation", v.message, path=path, line=_line(lines, v.path, offset), id=ident))
    return out


def _line(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...], offset: int) -> int | None:
    found = frontmatter.line_of(lines, path)
    return found + offset - 1 if found is not None else None


def parse_document(path: str, data: bytes, settings: Settings, schemas: SchemaSet) -> Parsed:
    """Front matter, schema, ID against the file name, type. Cross-file checks live in `checks`."""
    file_id = id_from_filename(path)
    try:
        text = frontmatter.decode(data)
    except UnicodeDecodeError as exc:
        return Parsed(None, None, (_not_utf8(path, data, exc, file_id),))
    try:
        parts = frontmatter.split(text)
    except frontmatter.FrontMatterMissing as exc:
        return Parsed(None, None, (error(
            "front-matter-missing",
            f"{exc}: a document starts with YAML front matter between two '---' lines (id, title, type, owner, classification)",
            path=path, line=1, id=file_id),))
    offset = parts.front_line
    try:
        meta = frontmatter.load_yaml(parts.front)
    except frontmatter.YamlError as exc:
        return Parsed(None, None, (_yaml_finding(path, exc, offset, file_id),))
    if not isinstance(meta, dict):
        return Parsed(None, None, (error(
            "front-matter-missing", "the front matter is not a mapping of fields (id: ..., title: ...)",
            path=path, line=offset, id=file_id),))
    ident = meta.get("id") if isinstance(meta.get("id"), str) else file_id
    findings: list[Finding] = []
    type_name = meta.get("type")
    doc_type = settings.types.get(type_name) if isinstance(type_name, str) else None
    if isinstance(meta.get("type"), str) and doc_type is None:
        known = ", ".join(settings.types)
        lines = frontmatter.node_lines(parts.front)
        findings.append(error("unknown-type", f"type {meta['type']!r} is not a document type in sms-docs.yml ({known})",
                              path=path, line=_line(lines, ("type",), offset), id=ident, cause=f"type:{meta['type']}"))
    schema = doc_type.schema if doc_type else "document.schema.json"
    findings += _schema_findings(path, parts.front, offset, schema, meta, schemas, ident)
    if isinstance(meta.get("id"), str) and ID_RE.match(meta["id"]):
        if file_id != meta["id"]:
            lines = frontmatter.node_lines(parts.front)
            findings.append(error(
                "id-filename-mismatch",
                f"id {meta['id']} does not match the file name: name the file {meta['id']}-<slug>.md or {meta['id']}.md",
                path=path, line=_line(lines, ("id",), offset), id=ident))
        elif doc_type is not None and not meta["id"].startswith(doc_type.prefix + "-"):
            lines = frontmatter.node_lines(parts.front)
            findings.append(error(
                "id-type-mismatch",
                f"id {meta['id']} does not carry the prefix {doc_type.prefix} of type {doc_type.name}",
                path=path, line=_line(lines, ("id",), offset), id=ident))
    if not isinstance(ident, str):
        return Parsed(None, None, tuple(findings))
    doc = Document(
        id=ident, path=path, meta=meta, body=parts.body, body_line=parts.body_line,
        links=tuple(extract_links(path, parts.body, parts.body_line)), lines=field_lines(parts.front, offset),
    )
    return Parsed(doc, None, tuple(findings))


def read_document(path: str, data: bytes, *, front_matter_only: bool = False,
                  memo: dict[str, Any] | None = None) -> Document | None:
    """The document in a blob, without validation (history reads what `check` validates):
    front matter and body, or None when the file is not a document at all. `front_matter_only`
    leaves out the body, its links and the field lines (the history pass needs none of them).
    `memo` holds front matter already read, by its text: most revisions change the body only, so
    the history pass reads each distinct front matter once (the values are shared: never change them)."""
    try:
        parts = frontmatter.split(frontmatter.decode(data))
        if memo is not None and parts.front in memo:
            meta = memo[parts.front]
        else:
            meta = frontmatter.load_yaml(parts.front)
            if memo is not None:
                memo[parts.front] = meta
    except (UnicodeDecodeError, frontmatter.FrontMatterMissing, frontmatter.YamlError):
        return None
    if not isinstance(meta, dict):
        return None
    ident = meta.get("id") if isinstance(meta.get("id"), str) else id_from_filename(path)
    if not ident:
        return None
    if front_matter_only:
        return Document(id=ident, path=path, meta=meta, body_line=parts.body_line)
    return Document(id=ident, path=path, meta=meta, body=parts.body, body_line=parts.body_line,
                    links=tuple(extract_links(path, parts.body, parts.body_line)),
                    lines=field_lines(parts.front, parts.front_line))


def extract_links(path: str, body: str, first_line: int) -> list[Link]:
    """Relative links to Markdown files in the repository, resolved to repo-relative paths; and
    site-absolute links (`/policies/x/`, as an old site wrote them), kept as written with their
    leading `/` (`policy.link_target` says which pages they may name)."""
    if "](" not in body and "]:" not in body:
        return []
    base = posixpath.dirname(path)
    links: list[Link] = []
    for rx, group_text, group_target in ((_LINK, 1, 2), (_REFDEF, 1, 2)):
        for m in rx.finditer(body):
            target = m.group(group_target)
            if _SCHEME.match(target) or target.startswith(("#", "//")):
                continue
            target = target.split("#", 1)[0].split("?", 1)[0]
            if target.startswith("/"):
                links.append(Link(target=target, line=first_line + body.count("\n", 0, m.start()), text=m.group(group_text)))
                continue
            if not target.endswith(".md"):
                continue
            resolved = posixpath.normpath(posixpath.join(base, target))
            line = first_line + body.count("\n", 0, m.start())
            links.append(Link(target=resolved, line=line, text=m.group(group_text)))
    return links


def parse_record(path: str, data: bytes, settings: Settings, schemas: SchemaSet, *, validate: bool = True) -> Parsed:
    """A record with its per-file findings; `validate=False` skips the schema (history reads what
    `check` validates)."""
    try:
        text = frontmatter.decode(data)
    except UnicodeDecodeError as exc:
        return Parsed(None, None, (_not_utf8(path, data, exc, None),))
    offset = 1
    if path.endswith(".md"):
        try:
            parts = frontmatter.split(text)
        except frontmatter.FrontMatterMissing as exc:
            return Parsed(None, None, (error("front-matter-missing", f"{exc}: a Markdown record starts with YAML front matter", path=path, line=1),))
        text, offset = parts.front, parts.front_line
    try:
        meta = frontmatter.load_yaml(text)
    except frontmatter.YamlError as exc:
        return Parsed(None, None, (_yaml_finding(path, exc, offset),))
    if not isinstance(meta, dict):
        return Parsed(None, None, (error("yaml-error", "a record is a mapping of fields (id, type, date, created_by, ...)", path=path, line=offset),))
    ident = meta.get("id") if isinstance(meta.get("id"), str) else None
    findings: list[Finding] = []
    type_name = meta.get("type")
    rtype = settings.records.get(type_name) if isinstance(type_name, str) else None
    if isinstance(meta.get("type"), str) and rtype is None:
        lines = frontmatter.node_lines(text)
        findings.append(error("unknown-type", f"record type {meta['type']!r} is not in sms-docs.yml records ({', '.join(settings.records)})",
                              path=path, line=_line(lines, ("type",), offset), id=ident, cause=f"record-type:{meta['type']}"))
    schema = rtype.schema if rtype and schemas.has(rtype.schema) else "record.schema.json"
    if validate:
        findings += _schema_findings(path, text, offset, schema, meta, schemas, ident)
    if ident and rtype and RECORD_ID_RE.match(ident) and not ident.startswith(rtype.prefix + "-"):
        lines = frontmatter.node_lines(text)
        findings.append(error("id-type-mismatch", f"record id {ident} does not carry the prefix {rtype.prefix} of type {rtype.name}",
                              path=path, line=_line(lines, ("id",), offset), id=ident))
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    if ident and RECORD_ID_RE.match(ident) and not (stem == ident or stem.startswith(ident + "-")):
        lines = frontmatter.node_lines(text)
        findings.append(error("id-filename-mismatch", f"record id {ident} does not match the file name: name it {ident}.yml",
                              path=path, line=_line(lines, ("id",), offset), id=ident))
    if not ident:
        return Parsed(None, None, tuple(findings))
    return Parsed(None, Record(id=ident, path=path, meta=meta, lines=field_lines(text, offset)), tuple(findings))


def pack(parsed: Parsed) -> tuple[Any, ...]:
    """Plain tuples: unpickling frozen slotted dataclasses is several times slower. Bodies are not
    needed to check, so they stay out of the cache."""
    d, r = parsed.doc, parsed.record
    doc = (d.id, d.path, d.meta, d.body_line, tuple((k.target, k.line, k.text) for k in d.links), d.lines) if d else None
    rec = (r.id, r.path, r.meta, r.lines) if r else None
    findings = tuple((f.code, f.severity.value, f.message, f.path, f.line, f.id, f.cause) for f in parsed.findings)
    return doc, rec, findings


def unpack(packed: tuple[Any, ...]) -> Parsed:
    doc, rec, findings = packed
    return Parsed(
        Document(doc[0], doc[1], doc[2], "", doc[3], tuple(Link(*k) for k in doc[4]) if doc[4] else (), doc[5]) if doc else None,
        Record(*rec) if rec else None,
        tuple(Finding(c, Severity(sev), m, path, line, ident, cause) for c, sev, m, path, line, ident, cause in findings)
        if findings else (),
    )
