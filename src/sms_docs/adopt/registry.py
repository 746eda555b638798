"""The names an adoption gives: document and record types with their prefixes and folders, IDs,
the people of `sms-docs.yml`, and `sms-docs.yml` itself. Pure."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import Counter
from typing import Any, TYPE_CHECKING

from sms_docs.adopt import people as people_mod
from sms_docs.adopt.text import slug
from sms_docs.config import DEFAULT_TYPES
from sms_docs.documents import ID_RE, id_from_filename
from sms_docs.errors import UsageError

if TYPE_CHECKING:
    from sms_docs.adopt.importers import doorstop
    from sms_docs.adopt.mapping import Mapping
    from sms_docs.adopt.plan import Facts, Item, Options

EXTRA_TYPES = {"standard": ("STD", "standards", "Standards"), "narrative": ("NAR", "narratives", "Narratives"),
               "guideline": ("GDL", "guidelines", "Guidelines")}
APPROVER = people_mod.APPROVER_ROLE


def _prefix_for(name: str, taken: set[str]) -> str:
    letters = re.sub(r"[^A-Z0-9]", "", name.upper()) or "DOC"
    if not letters[0].isalpha():
        letters = "D" + letters
    candidates = [letters[:3], letters[:2], letters[:4], letters[0] + re.sub(r"[AEIOU]", "", letters[1:])[:2]]
    for c in candidates:
        if len(c) >= 2 and c not in taken:
            return c
    n = 1
    while f"{letters[:3]}{n}" in taken:
        n += 1
    return f"{letters[:3]}{n}"


# --- the plan ----------------------------------------------------------------------------------------


def choose_types(adopted: list[Item], collections: dict[str, doorstop.Collection], mapping: Mapping,
           notes: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    taken = {str(t["prefix"]) for t in DEFAULT_TYPES.values()} | {p for p, _, _ in EXTRA_TYPES.values()}
    types: dict[str, dict[str, Any]] = {}
    records: dict[str, dict[str, Any]] = {}
    coll_by_name = {c.name: c for c in collections.values()}
    for name in sorted({i.type for i in adopted if i.kind == "document"}):
        given = mapping.types.get(name, {})
        anchors = Counter(i.anchor for i in adopted if i.type == name and i.kind == "document" and i.anchor)
        if name in DEFAULT_TYPES:
            prefix, folder, title = DEFAULT_TYPES[name]["prefix"], DEFAULT_TYPES[name]["folder"], DEFAULT_TYPES[name]["title"]
            approvers = list(DEFAULT_TYPES[name]["approvers"])
        elif name in EXTRA_TYPES:
            prefix, folder, title = EXTRA_TYPES[name]
            approvers = [APPROVER]
        else:
            coll = coll_by_name.get(name)
            prefix = coll.prefix.upper() if coll and re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,5}", coll.prefix) \
                and coll.prefix.upper() not in taken else _prefix_for(name, taken)
            folder, title, approvers = name + "s", name.replace("-", " ").capitalize() + "s", [APPROVER]
        if APPROVER not in approvers:
            approvers.append(APPROVER)
        if anchors:
            folder = sorted(anchors.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
        if not _FOLDER.match(folder):  # sms-docs.yml folders are plain names: "Security Policies" is not one
            notes.append(f"the folder {folder}/ has characters a type's folder may not have: type {name} uses "
                         f"{_plain_folder(folder)}/ and its files move there")
            folder = _plain_folder(folder)
        settings = {"prefix": str(given.get("prefix", prefix)), "folder": str(given.get("folder", folder)),
                    "approvers": list(given.get("approvers", approvers)), "min_approvals": 1,
                    "review_cycle": str(given.get("review_cycle", "12 months")), "title": str(given.get("title", title))}
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", str(settings["prefix"])):
            raise UsageError(f"mapping: types.{name}.prefix {settings['prefix']!r}: two to six capitals and digits, "
                             "starting with a capital (POL, SEC2)")
        if not _FOLDER.match(str(settings["folder"])):
            raise UsageError(f"mapping: types.{name}.folder {settings['folder']!r}: a folder of plain names "
                             "(letters, digits, '.', '_', '-') separated by '/'")
        taken.add(str(settings["prefix"]))
        types[name] = settings
    for name in sorted({i.type for i in adopted if i.kind == "record"}):
        coll = coll_by_name.get(name)
        prefix = coll.prefix.upper()[:6] if coll and re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,5}", coll.prefix) \
            and coll.prefix.upper() not in taken else _prefix_for(name, taken)
        taken.add(prefix)
        records[name] = {"prefix": prefix, "folder": f"records/{name}", "retention": "10 years",
                         "schema": "record.schema.json", "title": name.replace("-", " ").capitalize() + "s"}
    folders = Counter(t["folder"] for t in types.values())
    for folder, n in folders.items():
        if n > 1:
            raise UsageError(f"{n} types would share the folder {folder}/ ({', '.join(k for k, t in types.items() if t['folder'] == folder)})",
                             hint="give each type its own folder in the mapping (types: NAME: {folder: ...})")
    return types, records


_FOLDER = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


def _plain_folder(folder: str) -> str:
    return "/".join(slug(part) or "documents" for part in folder.split("/"))


def choose_people(facts: Facts, options: Options) -> tuple[list[people_mod.ProposedPerson], list[str]]:
    notes: list[str] = []
    if options.mapping.people is not None:
        found = [people_mod.ProposedPerson(str(p["id"]), str(p["name"]), str(p["email"]),
                                           [str(e) for e in p.get("emails") or []],
                                           p.get("github") if isinstance(p.get("github"), str) else None,
                                           [str(r) for r in p.get("roles") or []], found="mapping")
                 for p in options.mapping.people]
    else:
        found, notes = people_mod.infer(facts.authorship, facts.mergers)
    for given in options.people:
        existing = next((p for p in found if p.id == given["id"] or given["email"].lower() in
                         [e.lower() for e in p.all_emails]), None)
        if existing is not None:
            found.remove(existing)
        roles = list(given.get("roles") or (existing.roles if existing else [APPROVER]))
        found.append(people_mod.ProposedPerson(given["id"], given["name"], given["email"],
                                               existing.all_emails[1:] if existing and existing.email.lower() == given["email"].lower()
                                               else ([existing.email, *existing.emails] if existing else []),
                                               existing.github if existing else None, roles,
                                               existing.commits if existing else 0, existing.merges if existing else 0,
                                               "--person"))
    if options.adopter and options.adopter[1]:
        name, email = options.adopter
        me = next((p for p in found if email.lower() in [e.lower() for e in p.all_emails]), None)
        if me is None:
            me = people_mod.ProposedPerson(people_mod.person_id(name, email, [p.id for p in found]), name or email,
                                           email, roles=[people_mod.AUTHOR_ROLE], found="makes the adoption commit")
            found.append(me)
            notes.append(f"{me.id} ({email}) makes the adoption commit, so is listed: the audit names every author")
        others = [p for p in found if APPROVER in p.roles and p is not me]
        if APPROVER in me.roles and not others:
            notes.append(f"decide: {me.id} makes the adoption commit and is the only {APPROVER}: an author may not "
                         "approve their own change, so add another approver")
    if not found:
        raise UsageError("nobody to own the documents: the history names no person",
                         hint="pass --person 'dana=Dana Reyes <dana@example.com>'")
    if not any(APPROVER in p.roles for p in found):
        notes.append(f"decide: nobody has the role {APPROVER}, so nobody may approve sms-docs.yml")
    return found, notes


def assign_ids(adopted: list[Item], types: dict[str, dict[str, Any]], records: dict[str, dict[str, Any]],
                collections: dict[str, doorstop.Collection], mapping: Mapping, facts: Facts) -> None:
    used: set[str] = set()
    pending: list[Item] = []
    for item in adopted:
        if item.kind == "record":
            continue
        prefix = types[item.type]["prefix"]
        given = mapping.files.get(item.path, {}).get("id")
        candidates: list[tuple[str, str]] = []
        if isinstance(given, str):
            if not ID_RE.match(given) or not given.startswith(prefix + "-"):
                raise UsageError(f"mapping: files.{item.path}.id: {given!r} is not an ID of type {item.type} ({prefix}-NNN)")
            candidates.append((given, "mapping"))
        meta_id = item.source.meta.get("id")
        if isinstance(meta_id, str) and ID_RE.match(meta_id) and meta_id.startswith(prefix + "-"):
            candidates.append((meta_id, "front matter id"))
        name_id = id_from_filename(item.path)
        if name_id and name_id.startswith(prefix + "-"):
            candidates.append((name_id, "file name"))
        coll = collections.get(posixpath.dirname(item.path))
        if coll is not None and item.source.uid:
            number = coll.number_of(item.source.uid)
            if number is not None:
                candidates.append((f"{prefix}-{number:03d}", f"doorstop UID {item.source.uid}"))
        for ident, how in candidates:
            if ident not in used:
                item.id, item.decided["id"] = ident, how
                used.add(ident)
                break
        else:
            if candidates:
                item.notes.append(f"decide: {candidates[0][0]} is taken by another file; a new ID is given")
            pending.append(item)
    for item in sorted(pending, key=lambda i: _natural(i.path)):  # policy-2 before policy-10
        prefix = types[item.type]["prefix"]
        n = 1
        while f"{prefix}-{n:03d}" in used:
            n += 1
        item.id, item.decided["id"] = f"{prefix}-{n:03d}", "next free number (in path order)"
        used.add(item.id)
    per_year: Counter[str] = Counter()
    for item in adopted:
        if item.kind != "record":
            continue
        history = facts.authorship.get(item.path) or []
        first = min(history, key=lambda h: h[2]) if history else None
        when = dt.datetime.fromtimestamp(first[2], tz=dt.timezone.utc).date() if first else dt.date(1970, 1, 1)
        prefix = records[item.type]["prefix"]
        key = f"{prefix}-{when.year}"
        per_year[key] += 1
        item.id, item.decided["id"] = f"{key}-{per_year[key]:04d}", "next number of the year the file was first committed"
        item.front = {"id": item.id, "type": item.type, "date": when.isoformat()}


def config_for(options: Options, facts: Facts, people: list[people_mod.ProposedPerson],
            types: dict[str, dict[str, Any]], records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    roles_used = {r for t in DEFAULT_TYPES.values() for r in t["approvers"]} | {r for t in types.values() for r in t["approvers"]} \
        | {r for p in people for r in p.roles} | {APPROVER}
    ids = {p.id for p in people}
    descriptions = {"top-management": "Top management, accountable for the service management system",
                    "process-owner": "Owner of one or more service management processes",
                    "service-owner": "Owner of a service and its agreements with customers",
                    "document-controller": "Keeps the document register, reviews and records",
                    "sms-manager": "Runs the service management system day to day"}
    config: dict[str, Any] = {
        "organisation": options.mapping.organisation or options.organisation or facts.repo_name,
        "standard": options.mapping.standard or options.standard or "iso20000-1:2018",
        "main_branch": options.mapping.main_branch or options.main_branch,
        "people": [p.to_config() for p in people],
        "roles": {r: descriptions.get(r, r.replace("-", " ").capitalize()) for r in sorted(roles_used - ids)},
        "types": types,
    }
    if records:
        config["records"] = records
    config["approval"] = {"evidence": ["approval-commit", "merge-trailer", "forge-review"],
                          "merge_trailers": ["Approved-by"], "require_signature": False, "allow_author_approval": False}
    return config


def _natural(path: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that reads runs of digits as numbers: `policy-2.md` before `policy-10.md`."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", path))
