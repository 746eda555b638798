"""Load `sms-docs.yml` into a frozen `Settings`, validated by its own schema, with built-in defaults."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from sms_docs import frontmatter
from sms_docs.errors import ConfigError, NotADocumentRepository
from sms_docs.model import Finding, Person, error
from sms_docs.schemas import SchemaSet

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

CONFIG_FILE = "sms-docs.yml"
SIGNERS_FILE = ".sms/allowed_signers"
OPENPGP_KEYS_FILE = ".sms/openpgp-keys.asc"  # approvers' OpenPGP public keys, armored
# The inputs that shape the published site: controlled like sms-docs.yml (SPEC section 4).
SITE_FILE = "mkdocs.yml"
SITE_FOLDERS = ("site-src/", "overrides/")

CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")

# Document types of SPEC section 2. A repository's `types` entries override these field by field.
DEFAULT_TYPES: dict[str, dict[str, Any]] = {
    "policy": {"prefix": "POL", "folder": "policies", "approvers": ["top-management"], "min_approvals": 1, "review_cycle": "12 months", "title": "Policies"},
    "plan": {"prefix": "PLN", "folder": "plans", "approvers": ["top-management"], "min_approvals": 1, "review_cycle": "12 months", "title": "Plans"},
    "procedure": {"prefix": "PRC", "folder": "procedures", "approvers": ["process-owner"], "min_approvals": 1, "review_cycle": "24 months", "title": "Procedures"},
    "sla": {"prefix": "SLA", "folder": "agreements", "approvers": ["service-owner", "top-management"], "min_approvals": 1, "review_cycle": "12 months", "title": "Service level agreements"},
    "agreement": {"prefix": "AGR", "folder": "agreements", "approvers": ["top-management"], "min_approvals": 1, "review_cycle": "12 months", "title": "Agreements"},
    "external": {"prefix": "EXT", "folder": "external", "approvers": ["document-controller"], "min_approvals": 1, "review_cycle": "12 months", "schema": "external.schema.json", "title": "Documents of external origin"},
}

# Record types of REQUIREMENTS R5, with their retention.
DEFAULT_RECORDS: dict[str, dict[str, Any]] = {
    name: {"prefix": prefix, "folder": f"records/{name}", "retention": retention, "title": title}
    for name, prefix, retention, title in [
        ("review", "REV", "6 years", "Document reviews"),
        ("audit", "AUD", "6 years", "Internal audits"),
        ("management-review", "MRV", "6 years", "Management reviews"),
        ("change", "CHG", "3 years", "Changes"),
        ("release", "REL", "3 years", "Releases"),
        ("incident-review", "MIR", "3 years", "Major incident reviews"),
        ("problem", "PRB", "3 years", "Problems"),
        ("continuity-test", "CTS", "6 years", "Continuity tests"),
        ("complaint", "CMP", "3 years", "Customer complaints"),
        ("satisfaction-survey", "SAT", "3 years", "Satisfaction surveys"),
        ("supplier-review", "SUP", "6 years", "Supplier reviews"),
        ("training", "TRN", "6 years", "Training"),
        ("disposal", "DSP", "10 years", "Disposals"),
        ("approvals", "APR", "10 years", "Forge review records"),
    ]
}

DEFAULT_APPROVAL: dict[str, Any] = {
    "evidence": ["approval-commit", "merge-trailer", "forge-review"],
    "merge_trailers": ["Approved-by"],
    "require_signature": False,
    "allow_author_approval": False,
    "config_approvers": ["top-management"],
    "config_min_approvals": 1,
    "ci_identities": [],
}

_PERIOD = re.compile(r"^([1-9][0-9]*) (month|months|year|years)$")
_SIZE = re.compile(r"^([1-9][0-9]*) ?(B|KB|MB|GB)$")
_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}
# Real policies are kilobytes; a document of tens of megabytes (a pasted export, an embedded image
# as text) would make every reader of it slow, the site build above all.
DEFAULT_MAX_FILE_SIZE = 5 * 1024 ** 2


def size_of(value: Any) -> int | None:
    """`5 MB` -> 5242880, `200 KB`, `123` (bytes); None when it is not a size."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(value.strip()) if isinstance(value, str) else None
    return int(match.group(1)) * _UNITS[match.group(2)] if match else None


def size_text(size: int) -> str:
    """A size for a message: `54.0 MB`, `200 KB`, `900 bytes`."""
    if size >= 1024 ** 2:
        return f"{size / 1024 ** 2:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def months_of(period: str) -> int:
    """`12 months` -> 12, `2 years` -> 24."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise ValueError(f"not a period: {period!r}")
    n = int(match.group(1))
    return n * 12 if match.group(2).startswith("year") else n


@dataclass(frozen=True, slots=True)
class DocType:
    name: str
    prefix: str
    folder: str
    schema: str
    approvers: tuple[str, ...]
    min_approvals: int
    review_cycle: str
    template: str | None
    title: str


@dataclass(frozen=True, slots=True)
class RecordType:
    name: str
    prefix: str
    folder: str
    retention: str
    schema: str
    template: str | None
    title: str


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    evidence: tuple[str, ...]
    merge_trailers: tuple[str, ...]
    require_signature: bool
    allow_author_approval: bool
    config_approvers: tuple[str, ...]
    config_min_approvals: int
    # Emails of the CI jobs that may commit forge review records (each commit signed by the key that
    # .sms/allowed_signers lists for that email): a record anyone else commits approves nothing.
    ci_identities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    root: Path
    organisation: str
    standard: str
    main_branch: str
    people: tuple[Person, ...]
    roles: Mapping[str, str]
    types: Mapping[str, DocType]
    records: Mapping[str, RecordType]
    approval: ApprovalPolicy
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    _by_email: dict[str, Person] = field(init=False, repr=False, compare=False)
    _by_id: dict[str, Person] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.id: p for p in self.people})
        by_email: dict[str, Person] = {}
        for p in self.people:
            for email in p.all_emails:
                by_email.setdefault(email.lower(), p)
        object.__setattr__(self, "_by_email", by_email)

    def person(self, pid: str) -> Person | None:
        return self._by_id.get(pid)

    def person_by_email(self, email: str) -> Person | None:
        return self._by_email.get(email.strip().lower())

    def type_for_prefix(self, prefix: str) -> DocType | None:
        for t in self.types.values():
            if t.prefix == prefix:
                return t
        return None

    def record_type_for_prefix(self, prefix: str) -> RecordType | None:
        for t in self.records.values():
            if t.prefix == prefix:
                return t
        return None

    @property
    def document_folders(self) -> list[str]:
        return sorted({t.folder for t in self.types.values()})

    @functools.cached_property
    def document_prefixes(self) -> tuple[str, ...]:
        """`folder/` of every document type: what a document's path starts with (asked for every
        change of every commit, so worked out once)."""
        return tuple(folder + "/" for folder in self.document_folders)

    @property
    def record_root(self) -> str:
        return "records"


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding `sms-docs.yml`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    if (start / "HEAD").is_file() and (start / "objects").is_dir() and (start / "refs").is_dir():
        return start  # a bare repository (an offline mirror): history commands read everything from git
    raise NotADocumentRepository(
        f"not a document repository: no {CONFIG_FILE} in {start} or any folder above it",
        hint="run `sms-docs init` to create one, or pass -C DIR",
    )


def load(root: Path, schemas: SchemaSet | None = None, *, validate: bool = True) -> tuple[Settings, list[Finding]]:
    """Read and validate `sms-docs.yml`. Unreadable YAML raises ConfigError (exit 3);
    schema violations come back as `config-error` findings with the settings built from what is valid."""
    path = root / CONFIG_FILE
    try:
        data = path.read_bytes()
        text = frontmatter.decode(data)
    except OSError as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line, message = frontmatter.not_utf8(data, exc)
        raise ConfigError(f"{CONFIG_FILE} line {line}: {message}") from None
    return parse(root, text, schemas, validate=validate)


def require_valid(findings: Iterable[Finding]) -> None:
    """Stop (ConfigError, exit 3) on any error in the configuration, naming the key and the line:
    a command never answers from the part of an invalid configuration it could read."""
    errors = [f for f in findings if f.severity.value == "error"]
    if not errors:
        return
    shown = "; ".join(f"{f.path or CONFIG_FILE}{f' line {f.line}' if f.line else ''}: {f.message}" for f in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    raise ConfigError(f"invalid configuration: {shown}{more}",
                      hint=f"fix {CONFIG_FILE}; `sms-docs check` lists every problem")


def load_valid(root: Path, schemas: SchemaSet | None = None) -> Settings:
    """`load`, refusing an invalid configuration (see require_valid)."""
    settings, findings = load(root, schemas)
    require_valid(findings)
    return settings


def parse(root: Path, text: str, schemas: SchemaSet | None = None, *,
          validate: bool = True) -> tuple[Settings, list[Finding]]:
    """`validate=False` skips the schema check (readers of history; `check` reports the findings)
    and builds the settings from what is usable, exactly as it does for an invalid file."""
    try:
        data = frontmatter.load_yaml(text)
    except frontmatter.YamlError as exc:
        where = f" line {exc.line}" if exc.line else ""
        raise ConfigError(f"{CONFIG_FILE}{where}: invalid YAML: {exc.message}", hint="fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_FILE}: must be a mapping of settings (organisation, people, types, ...)")
    schemas = schemas or SchemaSet.load(root)
    findings: list[Finding] = []
    violations = schemas.validate("config.schema.json", data) if validate else []
    if violations:
        lines = frontmatter.node_lines(text)
        for v in violations:
            findings.append(
                error("config-error", v.message, path=CONFIG_FILE, line=frontmatter.line_of(lines, v.path), cause=_cause(v.path, data))
            )
    settings = _build(root, data, findings, text)
    return settings, findings


def _cause(path: tuple[str | int, ...], data: dict[str, Any]) -> str | None:
    """A bad value under `types.NAME` or `records.NAME` is the cause of every finding about that type;
    one under `people[N]` (a person left out) of every finding about that person."""
    if len(path) >= 2 and path[0] in ("types", "records") and isinstance(path[1], str):
        return f"{'type' if path[0] == 'types' else 'record-type'}:{path[1]}"
    if len(path) >= 2 and path[0] == "people" and isinstance(path[1], int):
        people = data.get("people")
        entry = people[path[1]] if isinstance(people, list) and path[1] < len(people) else None
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            return f"person:{entry['id']}"
    return None


def lost_prefixes(settings: Settings) -> dict[str, str]:
    """Prefix -> name of each document type that sms-docs.yml declares but that could not be built
    (a bad value in it): its folder is not read, so IDs with its prefix look missing."""
    out: dict[str, str] = {}
    for name, value in _mapping(settings.raw.get("types")).items():
        if not isinstance(name, str) or name in settings.types:
            continue
        prefix = _mapping(value).get("prefix") or DEFAULT_TYPES.get(name, {}).get("prefix")
        if isinstance(prefix, str):
            out[prefix] = name
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _named(data: dict[str, Any], section: str, findings: list[Finding], text: str) -> dict[str, Any]:
    """`types` or `records` with names that are text; a name YAML reads as a number (`123:`) is a finding."""
    out: dict[str, Any] = {}
    for name, value in _mapping(data.get(section)).items():
        if isinstance(name, str):
            out[name] = value
        else:
            line = frontmatter.line_of(frontmatter.node_lines(text), (section,))
            findings.append(error("config-error", f"{section}: the name {name!r} must be text (quote it)",
                                  path=CONFIG_FILE, line=line))
    return out


def _build(root: Path, data: dict[str, Any], findings: list[Finding], text: str) -> Settings:
    people = _people(data, findings, text)
    roles = {str(k): str(v) for k, v in _mapping(data.get("roles")).items()}
    types = _doc_types(data, findings, text)
    records = _record_types(data, findings, text)
    standard = data.get("standard")
    return Settings(
        root=root,
        organisation=str(data.get("organisation") or "Unnamed organisation"),
        standard=standard if standard in ("iso20000-1:2018", "iso20000-1:2011") else "iso20000-1:2018",
        main_branch=str(data.get("main_branch") or "main"),
        people=tuple(people),
        roles=roles,
        types=types,
        records=records,
        approval=_approval_policy(data),
        raw=data,
        max_file_size=size_of(data.get("max_file_size")) or DEFAULT_MAX_FILE_SIZE,
    )


def _people(data: dict[str, Any], findings: list[Finding], text: str) -> list[Person]:
    """`people`: each well-formed entry once; an id listed twice is a finding (the first one counts)."""
    people: list[Person] = []
    seen: set[str] = set()
    owner: dict[str, str] = {}  # lower-case address -> the id of the person it belongs to
    lines: dict[tuple[str | int, ...], int] | None = None
    for i, p in enumerate(data.get("people") or [] if isinstance(data.get("people"), list) else []):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str) or not isinstance(p.get("email"), str):
            continue
        if p["id"] in seen:
            lines = lines or frontmatter.node_lines(text)
            findings.append(error("config-error", f"people[{i}].id: {p['id']!r} is listed twice",
                                  path=CONFIG_FILE, line=frontmatter.line_of(lines, ("people", i, "id"))))
            continue
        seen.add(p["id"])
        addresses = [("email", p["email"]), *(("emails", e) for e in p.get("emails") or [] if isinstance(e, str))]
        for key, address in addresses:
            taken = owner.setdefault(address.strip().lower(), p["id"])
            if taken != p["id"]:
                lines = lines or frontmatter.node_lines(text)
                findings.append(error("config-error", f"people[{i}].{key}: {address!r} is already an address of {taken}: "
                                      "each address belongs to one person", path=CONFIG_FILE,
                                      line=frontmatter.line_of(lines, ("people", i, key))))
        people.append(
            Person(
                id=p["id"],
                name=str(p.get("name") or p["id"]),
                email=p["email"],
                emails=tuple(str(e) for e in p.get("emails") or [] if isinstance(e, str)),
                github=p.get("github") if isinstance(p.get("github"), str) else None,
                gitlab=p.get("gitlab") if isinstance(p.get("gitlab"), str) else None,
                roles=tuple(str(r) for r in p.get("roles") or [] if isinstance(r, str)),
            )
        )
    return people


def _doc_types(data: dict[str, Any], findings: list[Finding], text: str) -> dict[str, DocType]:
    """The built-in document types, each overridden by `types.NAME`, then the types the file adds."""
    types: dict[str, DocType] = {}
    user_types = _named(data, "types", findings, text)
    for name in [*DEFAULT_TYPES, *[n for n in user_types if n not in DEFAULT_TYPES]]:
        merged = {**DEFAULT_TYPES.get(name, {}), **_mapping(user_types.get(name))}
        try:
            types[name] = DocType(
                name=name,
                prefix=str(merged["prefix"]),
                folder=str(merged.get("folder") or name),
                schema=str(merged.get("schema") or "document.schema.json"),
                approvers=tuple(str(a) for a in merged.get("approvers") or ["top-management"]),
                min_approvals=int(merged.get("min_approvals") or 1),
                review_cycle=_period(merged.get("review_cycle"), "12 months"),
                template=merged.get("template"),
                title=str(merged.get("title") or name.replace("-", " ").capitalize()),
            )
        except (KeyError, TypeError, ValueError):
            continue  # the schema finding already names what is wrong
    return types


def _record_types(data: dict[str, Any], findings: list[Finding], text: str) -> dict[str, RecordType]:
    """The built-in record types, each overridden by `records.NAME`, then the types the file adds."""
    records: dict[str, RecordType] = {}
    user_records = _named(data, "records", findings, text)
    for name in [*DEFAULT_RECORDS, *[n for n in user_records if n not in DEFAULT_RECORDS]]:
        merged = {**DEFAULT_RECORDS.get(name, {}), **_mapping(user_records.get(name))}
        try:
            records[name] = RecordType(
                name=name,
                prefix=str(merged["prefix"]),
                folder=str(merged.get("folder") or f"records/{name}"),
                retention=_period(merged.get("retention"), "6 years"),
                schema=str(merged.get("schema") or f"record-{name}.schema.json"),
                template=merged.get("template"),
                title=str(merged.get("title") or name.replace("-", " ").capitalize()),
            )
        except (KeyError, TypeError, ValueError):
            continue
    return records


def _approval_policy(data: dict[str, Any]) -> ApprovalPolicy:
    """`approval`, each key the default unless the file gives a value of the right shape."""
    approval = {**DEFAULT_APPROVAL, **_mapping(data.get("approval"))}
    return ApprovalPolicy(
        evidence=tuple(approval["evidence"]) if isinstance(approval["evidence"], list) else tuple(DEFAULT_APPROVAL["evidence"]),
        merge_trailers=tuple(approval["merge_trailers"]) if isinstance(approval["merge_trailers"], list) else ("Approved-by",),
        require_signature=approval["require_signature"] is True,
        allow_author_approval=approval["allow_author_approval"] is True,
        config_approvers=tuple(approval["config_approvers"]) if isinstance(approval["config_approvers"], list) else ("top-management",),
        config_min_approvals=approval["config_min_approvals"] if isinstance(approval["config_min_approvals"], int) else 1,
        ci_identities=tuple(str(e).lower() for e in approval["ci_identities"]) if isinstance(approval["ci_identities"], list) else (),
    )


def _period(value: Any, default: str) -> str:
    if isinstance(value, str) and _PERIOD.match(value.strip()):
        return value.strip()
    return default
