"""The mapping file (`adopt.yml`): what a person decided about an adoption, read loudly.

`sms-docs adopt --dry-run --write-mapping adopt.yml` writes the whole proposal in this shape; edit
it and run `sms-docs adopt --mapping adopt.yml`. Every key is optional:

    organisation: Example Services Ltd
    standard: iso20000-1:2018
    main_branch: main
    doorstop_as: document            # or record
    defaults: {classification: internal, owner: dana, type: policy}
    people:                          # replaces the people inferred from git
      - {id: dana, name: Dana Reyes, email: dana@example.com, roles: [top-management]}
    types:                           # settings of sms-docs.yml types (new or default)
      narrative: {prefix: NAR, folder: narratives}
    crosswalk:                       # comply `satisfies` controls -> ISO/IEC 20000-1:2018 clauses
      TSC: {CC6.1: ["8.7.3"]}
    folders:                         # by folder (the longest match wins)
      standards: {skip: true}
    files:                           # by file, the last word
      policies/access.md: {type: policy, id: POL-007, title: Access control, owner: dana}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from sms_docs import frontmatter
from sms_docs.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

_TOP = {"organisation": str, "standard": str, "main_branch": str, "doorstop_as": str, "defaults": dict,
        "people": list, "types": dict, "crosswalk": dict, "folders": dict, "files": dict}
_ENTRY = {"skip": bool, "type": str, "id": str, "title": str, "owner": str, "classification": str, "as": str}
_DEFAULTS = {"classification": str, "owner": str, "type": str}
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")


@dataclass(frozen=True)
class Mapping:
    organisation: str | None = None
    standard: str | None = None
    main_branch: str | None = None
    doorstop_as: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    people: list[dict[str, Any]] | None = None
    types: dict[str, dict[str, Any]] = field(default_factory=dict)
    crosswalk: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def entry(self, path: str) -> dict[str, Any]:
        """What the mapping says about `path`: its folder's settings, then its own on top."""
        out: dict[str, Any] = {}
        for folder in sorted(self.folders, key=len):
            if folder.strip("/") == "" or path.startswith(folder.rstrip("/") + "/"):
                out.update(self.folders[folder])
        out.update(self.files.get(path, {}))
        return out


def typed_folder(mapping: Mapping, path: str) -> str | None:
    """The longest folder of the mapping that holds `path` and names a type for it."""
    found = [f.strip("/") for f, e in mapping.folders.items()
             if e.get("type") and f.strip("/") and path.startswith(f.strip("/") + "/")]
    return max(found, key=len) if found else None


def load(path: Path) -> Mapping:
    """Read and validate the mapping; a mistake is a usage error naming the file, line and field."""
    text, data = _read(path)
    bad = _Complaint(path, frontmatter.node_lines(text))
    _check_top(data, bad)
    _check_entries(data, bad)
    _check_sections(data, bad)
    crosswalk = _crosswalk(data, bad)
    return Mapping(
        organisation=data.get("organisation"), standard=data.get("standard"), main_branch=data.get("main_branch"),
        doorstop_as=data.get("doorstop_as"), defaults=dict(data.get("defaults") or {}),
        people=list(data["people"]) if isinstance(data.get("people"), list) else None,
        types={str(k): dict(v) for k, v in (data.get("types") or {}).items()}, crosswalk=crosswalk,
        folders={str(k): dict(v) for k, v in (data.get("folders") or {}).items()},
        files={str(k): dict(v) for k, v in (data.get("files") or {}).items()},
    )


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and its YAML, which must be a mapping (an empty file is an empty one)."""
    try:
        text = frontmatter.decode(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read the mapping {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = frontmatter.load_yaml(text) if text.strip() else {}
    except frontmatter.YamlError as exc:
        raise UsageError(f"{path}, line {exc.line}: invalid YAML: {exc.message}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}, line 1: the mapping must be a YAML mapping (organisation:, files:, ...)")
    return text, data


@dataclass(frozen=True)
class _Complaint:
    """Makes the usage error for a field of the mapping file: file, line, field, problem."""

    path: Path
    lines: dict[tuple[str | int, ...], int]

    def __call__(self, where: tuple[str | int, ...], problem: str) -> UsageError:
        line = frontmatter.line_of(self.lines, where)
        field_name = ".".join(str(p) for p in where)
        return UsageError(f"{self.path}, line {line}: {field_name}: {problem}",
                          hint="see `sms-docs adopt --help` for the mapping file's keys")


def _check_top(data: dict[str, Any], bad: _Complaint) -> None:
    """Each top-level key is a known one with a value of its type."""
    for key, value in data.items():
        if key not in _TOP:
            raise bad((key,), f"unknown key (known: {', '.join(_TOP)})")
        if not isinstance(value, _TOP[key]):
            raise bad((key,), f"must be a {_TOP[key].__name__}")


def _check_entries(data: dict[str, Any], bad: _Complaint) -> None:
    """Each entry under `folders` and `files`: known keys, values of their type, a known classification and kind."""
    for section in ("folders", "files"):
        for name, entry in (data.get(section) or {}).items():
            if not isinstance(entry, dict):
                raise bad((section, name), "must be a mapping such as {type: policy} or {skip: true}")
            for k, v in entry.items():
                if k not in _ENTRY:
                    raise bad((section, name, k), f"unknown key (known: {', '.join(_ENTRY)})")
                if not isinstance(v, _ENTRY[k]):
                    raise bad((section, name, k), f"must be a {_ENTRY[k].__name__}")
            if entry.get("classification") not in (None, *CLASSIFICATIONS):
                raise bad((section, name, "classification"), f"one of {', '.join(CLASSIFICATIONS)}")
            if entry.get("as") not in (None, "document", "record"):
                raise bad((section, name, "as"), "document or record")


def _check_sections(data: dict[str, Any], bad: _Complaint) -> None:
    """`defaults`, `doorstop_as`, `people` and `types` have the shapes adopt reads."""
    for k, v in (data.get("defaults") or {}).items():
        if k not in _DEFAULTS or not isinstance(v, str):
            raise bad(("defaults", k), f"unknown key or not a string (known: {', '.join(_DEFAULTS)})")
    if data.get("doorstop_as") not in (None, "document", "record"):
        raise bad(("doorstop_as",), "document or record")
    for i, person in enumerate(data.get("people") or []):
        if not isinstance(person, dict) or not all(isinstance(person.get(k), str) for k in ("id", "name", "email")):
            raise bad(("people", i), "each person needs id, name and email")
    for name, settings in (data.get("types") or {}).items():
        if not isinstance(settings, dict):
            raise bad(("types", name), "must be a mapping such as {prefix: NAR, folder: narratives}")


def _crosswalk(data: dict[str, Any], bad: _Complaint) -> dict[str, dict[str, list[str]]]:
    """`crosswalk`: standard -> control -> clauses (a single clause becomes a list of one)."""
    crosswalk: dict[str, dict[str, list[str]]] = {}
    for standard, controls in (data.get("crosswalk") or {}).items():
        if not isinstance(controls, dict):
            raise bad(("crosswalk", standard), "must map control names to lists of clauses")
        crosswalk[str(standard)] = {}
        for control, clauses in controls.items():
            if isinstance(clauses, str):
                clauses = [clauses]
            if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses):
                raise bad(("crosswalk", standard, control), "a clause or a list of clauses, e.g. [\"8.7.3\"]")
            crosswalk[str(standard)][str(control)] = list(clauses)
    return crosswalk
