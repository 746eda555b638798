"""People: `init --person/--people` (your people instead of the starter's fictional ones, and the starter
documents assigned to them by role), and `owners reassign` (a bulk change of owner).

Both rewrite front matter with the round-trip writer (comments, key order and bodies kept byte for
byte), write each file atomically and commit nothing: the change is reviewed and approved like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import frontmatter
from sms_docs.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

    from sms_docs.config import Settings

_PERSON = re.compile(r"^\s*(?P<id>[^:\s]+)\s*:\s*(?P<name>[^<:]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*(?::\s*(?P<roles>.*))?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_ROLE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class NewPerson:
    id: str
    name: str
    email: str
    roles: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)  # emails, github, gitlab from a people file

    def to_yaml(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "email": self.email, **self.extra, "roles": list(self.roles)}


def parse_person(spec: str) -> NewPerson:
    """`id:Name <email>:role,role` (roles optional)."""
    match = _PERSON.match(spec)
    if match is None:
        raise UsageError(f"--person {spec!r}: expected id:Name <email>:role,role",
                         hint='for example --person "dana:Dana Reyes <dana@example.com>:top-management,sms-manager"')
    roles = tuple(r.strip() for r in (match.group("roles") or "").split(",") if r.strip())
    return _person(f"--person {spec!r}", match.group("id"), match.group("name") or match.group("id"),
                   match.group("email"), roles, {})


def _person(where: str, ident: str, name: str, email: str, roles: Sequence[str], extra: Mapping[str, Any]) -> NewPerson:
    if not _ID.match(ident):
        raise UsageError(f"{where}: the id {ident!r} must be lower-case letters, digits, '.', '_' or '-'")
    for role in roles:
        if not _ROLE.match(role):
            raise UsageError(f"{where}: the role {role!r} must be lower-case letters, digits and '-'")
    return NewPerson(ident, " ".join(name.split()), email.strip(), tuple(dict.fromkeys(roles)), extra)


def load_people_file(path: Path) -> list[NewPerson]:
    """A YAML list of people, each as in sms-docs.yml: id, name, email, roles (and emails, github, gitlab)."""
    try:
        data = path.read_bytes()
        text = frontmatter.decode(data)
    except OSError as exc:
        raise UsageError(f"--people {path}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"--people {path}: {frontmatter.not_utf8(data, exc)[1]}") from None
    try:
        value = frontmatter.load_yaml(text)
    except frontmatter.YamlError as exc:
        raise UsageError(f"--people {path}{f' line {exc.line}' if exc.line else ''}: invalid YAML: {exc.message}") from None
    if isinstance(value, dict) and isinstance(value.get("people"), list):
        value = value["people"]  # a copy of sms-docs.yml's people section works too
    if not isinstance(value, list):
        raise UsageError(f"--people {path}: must be a YAML list of people (- id: ..., name: ..., email: ..., roles: [...])")
    lines = frontmatter.node_lines(text)
    out = []
    for i, item in enumerate(value):
        line = frontmatter.line_of(lines, (i,)) or frontmatter.line_of(lines, ("people", i))
        where = f"--people {path} line {line}" if line else f"--people {path} entry {i + 1}"
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("id", "email")):
            raise UsageError(f"{where}: each person needs id and email (and name, roles)")
        roles = item.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise UsageError(f"{where}: roles must be a list of role names")
        extra = {k: item[k] for k in ("emails", "github", "gitlab") if k in item}
        out.append(_person(where, item["id"], str(item.get("name") or item["id"]), item["email"], roles, extra))
    return out


def check_people(people: Sequence[NewPerson]) -> None:
    seen: dict[str, str] = {}
    for p in people:
        for key in (f"id {p.id}", f"email {p.email.lower()}"):
            if key in seen:
                raise UsageError(f"{key} is given twice ({seen[key]} and {p.id}); nothing was written")
            seen[key] = p.id


# --- init: the starter's documents, assigned by role ---------------------------------------------


def choose(old_roles: Iterable[str], approver_roles: Iterable[str], people: Sequence[NewPerson]) -> NewPerson:
    """Who takes over a starter document: the person sharing most roles with its fictional owner, then
    one who may approve its type, then the first person (ties: the order given)."""
    old, approving = set(old_roles), set(approver_roles)

    def score(p: NewPerson) -> tuple[int, int]:
        return len(old & set(p.roles)), len(approving & set(p.roles))

    return max(people, key=score)  # max keeps the first of equals


def unheld_roles(settings: Settings, people: Sequence[NewPerson]) -> dict[str, list[str]]:
    """Roles that approve some document type (or the configuration) but nobody holds: type names by role."""
    held = {r for p in people for r in p.roles} | {p.id for p in people}
    out: dict[str, list[str]] = {}
    for t in settings.types.values():
        if not any(a in held for a in t.approvers):
            for a in t.approvers:
                out.setdefault(a, []).append(t.name)
    if not any(a in held for a in settings.approval.config_approvers):
        for a in settings.approval.config_approvers:
            out.setdefault(a, []).append("sms-docs.yml")
    return out


def set_people(mapping: Any, people: Sequence[NewPerson]) -> None:
    """sms-docs.yml's `people` replaced; a role nobody described yet is added to `roles`."""
    from ruamel.yaml.comments import CommentedSeq

    entries = []
    for p in people:
        entry = p.to_yaml()
        for key in ("roles", "emails"):
            if isinstance(entry.get(key), list):
                seq = CommentedSeq(entry[key])
                seq.fa.set_flow_style()  # `roles: [a, b]`, as the starter writes them
                entry[key] = seq
        entries.append(entry)
    mapping["people"] = entries
    roles = mapping.get("roles")
    if roles is None:
        mapping["roles"] = roles = {}
    for p in people:
        for role in p.roles:
            if role not in roles:
                roles[role] = role.replace("-", " ").capitalize()


def reassign_starter(target: Path, written: Iterable[str], starter: Settings, people: Sequence[NewPerson]) -> dict[str, str]:
    """Give each starter document written into `target` an owner (and person approvers) from `people`,
    chosen by role. Returns path -> new owner."""
    from sms_docs.checks import is_document_path

    by_id = {p.id: p for p in people}
    done: dict[str, str] = {}
    for rel in written:
        if not is_document_path(rel, starter):
            continue
        path = target / rel
        data = path.read_bytes()
        try:
            meta = frontmatter.load_yaml(frontmatter.split(frontmatter.decode(data)).front)
        except (UnicodeDecodeError, frontmatter.FrontMatterMissing, frontmatter.YamlError):
            continue
        if not isinstance(meta, dict):
            continue
        doc_type = starter.types.get(str(meta.get("type")))
        approving = doc_type.approvers if doc_type else ()
        owner = _heir(meta.get("owner"), starter, approving, people)

        def edit(front: Any, owner: str = owner, approving: tuple[str, ...] = approving) -> None:
            front["owner"] = owner
            approvers = front.get("approvers")
            if isinstance(approvers, list):
                for i, who in enumerate(approvers):
                    if isinstance(who, str) and starter.person(who) is not None and who not in by_id:
                        approvers[i] = _heir(who, starter, approving, people)

        frontmatter.atomic_write(path, frontmatter.update_front_matter(data, edit))
        done[rel] = owner
    return done


def _heir(old: object, starter: Settings, approving: Iterable[str], people: Sequence[NewPerson]) -> str:
    if isinstance(old, str) and any(p.id == old for p in people):
        return old
    person = starter.person(old) if isinstance(old, str) else None
    return choose(person.roles if person else (), approving, people).id


# --- owners reassign ------------------------------------------------------------------------------


@dataclass
class Reassigned:
    old: str
    new: str
    dry_run: bool
    type: str | None
    changed: list[tuple[str, str]] = field(default_factory=list)  # (ID, path)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (ID, path, why)

    def to_json(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "type": self.type, "dry_run": self.dry_run,
                "changed": [{"id": i, "path": p} for i, p in self.changed],
                "skipped": [{"id": i, "path": p, "reason": r} for i, p, r in self.skipped]}


def reassign_owners(root: Path, old: str, new: str, *, type_name: str | None = None, dry_run: bool = False) -> Reassigned:
    """Every document in the working tree owned by `old` (of `type_name`, if given) gets `new` as owner.
    Obsolete documents are left as they are: an obsolete document is never edited."""
    from sms_docs.checks import scan_worktree
    from sms_docs.schemas import SchemaSet

    schemas = SchemaSet.load(root)
    settings, _ = config_mod.load(root, schemas)  # a person removed makes no invalid configuration
    if settings.person(new) is None:
        known = ", ".join(p.id for p in settings.people)
        raise UsageError(f"{new} is not a person in sms-docs.yml ({known}); nothing was changed",
                         hint="add the person to sms-docs.yml people first")
    if type_name is not None and type_name not in settings.types:
        raise UsageError(f"unknown type {type_name!r} (one of: {', '.join(settings.types)}); nothing was changed")
    if old == new:
        raise UsageError(f"{old} and {new} are the same person; nothing was changed")
    tree = scan_worktree(root, settings, schemas, use_cache=False)
    result = Reassigned(old, new, dry_run, type_name)
    pending: list[tuple[Path, bytes]] = []
    for doc in tree.documents:
        if doc.meta.get("owner") != old or (type_name is not None and doc.meta.get("type") != type_name):
            continue
        if doc.obsolete:
            result.skipped.append((doc.id, doc.path, "obsolete: an obsolete document is never edited"))
            continue
        path = root / doc.path
        data = path.read_bytes()

        def edit(front: Any) -> None:
            front["owner"] = new

        pending.append((path, frontmatter.update_front_matter(data, edit)))
        result.changed.append((doc.id, doc.path))
    if not dry_run:
        for path, data in pending:  # every file rewritten before any is written: a bad one stops nothing half-done
            frontmatter.atomic_write(path, data, root=root)
    return result
