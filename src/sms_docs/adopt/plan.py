"""Planning an adoption: which files become which documents (or records), with which IDs, titles,
owners and classifications, and what `sms-docs.yml` says. Pure: given the files and the facts from
git, it returns a `Plan` and touches nothing; `apply` carries a plan out.

Every value says how it was found (`decided`), and what a person should look at is a note: the
plan is a proposal, and the mapping file is how a person overrides it.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TYPE_CHECKING

from sms_docs.adopt import compose, people as people_mod
from sms_docs.adopt.importers import comply, doorstop, markdown
from sms_docs.adopt.mapping import CLASSIFICATIONS, Mapping
from sms_docs.adopt.text import singular, slug
from sms_docs.config import DEFAULT_TYPES
from sms_docs.documents import ID_RE, IGNORED_NAMES, id_from_filename
from sms_docs.errors import UsageError

if TYPE_CHECKING:
    from sms_docs.adopt.source import Source

ADOPTION_TRAILER = "Sms-docs-adoption"
META_NAMES = frozenset({"readme", "changelog", "license", "licence", "contributing", "code_of_conduct",
                        "code-of-conduct", "security", "todo", "authors", "notice", "index", "support", "history"})
GENERIC_FOLDERS = frozenset({"docs", "doc", "content", "src", "pages", "site", "markdown", "md", "documents", "wiki"})
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "policy": ("policy", "policies"), "plan": ("plan", "plans"),
    "procedure": ("procedure", "procedures", "process", "processes", "runbook", "runbooks", "playbook", "playbooks"),
    "sla": ("sla", "slas"), "agreement": ("agreement", "agreements", "contract", "contracts"),
    "standard": ("standard", "standards"), "narrative": ("narrative", "narratives"),
    "guideline": ("guideline", "guidelines", "guidance"),
}
EXTRA_TYPES = {"standard": ("STD", "standards", "Standards"), "narrative": ("NAR", "narratives", "Narratives"),
               "guideline": ("GDL", "guidelines", "Guidelines")}
APPROVER = people_mod.APPROVER_ROLE
_STANDARD_FIELDS = ("review_cycle", "effective", "approvers")
_ISO20000 = re.compile(r"20000", re.I)


@dataclass(frozen=True)
class Facts:
    """What git says about the repository, gathered by the caller."""

    files: dict[str, bytes]  # candidate files and their content
    tracked: frozenset[str]
    authorship: dict[str, list[tuple[str, str, int, int]]]
    mergers: list[tuple[str, str]]
    repo_name: str


@dataclass(frozen=True)
class Options:
    mapping: Mapping = field(default_factory=Mapping)
    organisation: str | None = None
    standard: str | None = None
    main_branch: str = "main"
    doorstop_as: str | None = None
    people: tuple[dict[str, Any], ...] = ()  # --person
    adopter: tuple[str, str] | None = None  # (name, email) of who makes the adoption commit


@dataclass
class Item:
    source: Source
    action: str = "adopt"  # adopt | skip
    kind: str = "document"  # document | record
    type: str = ""
    id: str = ""
    title: str = ""
    owner: str = ""
    classification: str = "internal"
    new_path: str = ""
    front: dict[str, Any] = field(default_factory=dict)
    content: bytes = b""
    decided: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    reason: str | None = None  # why skipped
    anchor: str | None = None

    @property
    def path(self) -> str:
        return self.source.path

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "action": self.action, "format": self.source.format}
        if self.action == "skip":
            out["reason"] = self.reason
        else:
            out.update({"as": self.kind, "type": self.type, "id": self.id, "title": self.title, "owner": self.owner,
                        "classification": self.classification, "new_path": self.new_path,
                        "fields": self.front, "decided": self.decided})
        out["notes"] = self.notes
        return out


@dataclass
class Plan:
    organisation: str
    standard: str
    main_branch: str
    people: list[people_mod.ProposedPerson]
    types: dict[str, dict[str, Any]]
    record_types: dict[str, dict[str, Any]]
    items: list[Item]
    notes: list[str]
    config: dict[str, Any]

    @property
    def adopted(self) -> list[Item]:
        return [i for i in self.items if i.action == "adopt"]

    def config_bytes(self) -> bytes:
        return compose.config_text(self.config).encode("utf-8")

    def commit_message(self) -> str:
        docs = sum(1 for i in self.adopted if i.kind == "document")
        recs = len(self.adopted) - docs
        what = f"{docs} document{'s' * (docs != 1)}" + (f" and {recs} record{'s' * (recs != 1)}" if recs else "")
        return (f"Adopt {what} under sms-docs document control\n\n"
                "Each file is renamed to the ID scheme with git mv and gets front matter; its text is unchanged.\n"
                "sms-docs.yml lists the people and document types found in this repository's history.\n\n"
                f"{ADOPTION_TRAILER}: yes\n")

    def to_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "standard": self.standard, "main_branch": self.main_branch,
                "people": [{**p.to_config(), "commits": p.commits, "merges": p.merges, "found": p.found} for p in self.people],
                "types": self.types, "records": self.record_types,
                "files": [i.to_json() for i in self.items], "notes": self.notes,
                "adopted": len(self.adopted), "skipped": len(self.items) - len(self.adopted)}

    def to_mapping(self) -> dict[str, Any]:
        """The plan as a mapping file: run again with it, and the same plan comes out."""
        files: dict[str, Any] = {}
        for i in self.items:
            if i.action == "skip":
                files[i.path] = {"skip": True}
            else:
                files[i.path] = {"as": i.kind, "type": i.type, "id": i.id, "title": i.title, "owner": i.owner,
                                 "classification": i.classification}
        return {"organisation": self.organisation, "standard": self.standard, "main_branch": self.main_branch,
                "people": [p.to_config() for p in self.people],
                "types": {k: {"prefix": v["prefix"], "folder": v["folder"]} for k, v in self.types.items()},
                "files": files}


# --- reading the files -----------------------------------------------------------------------------


def _sources(files: dict[str, bytes]) -> tuple[list[Source], dict[str, doorstop.Collection]]:
    collections: dict[str, doorstop.Collection] = {}
    for path, data in files.items():
        if posixpath.basename(path) == doorstop.CONFIG_NAME:
            found = doorstop.read_collection(posixpath.dirname(path), data)
            if found is not None:
                collections[found.folder] = found
    sources: list[Source] = []
    for path in sorted(files):
        data = files[path]
        coll = collections.get(posixpath.dirname(path))
        if path.endswith((".yml", ".yaml")):
            if coll is not None and coll.uid_of(path):
                sources.append(doorstop.read_item(path, data, coll))
            continue
        if not path.endswith(".md"):
            continue
        source = comply.read(path, data) or markdown.read(path, data)
        if coll is not None and coll.uid_of(path):
            source = replace(source, format="doorstop", uid=coll.uid_of(path))
        sources.append(source)
    return sources, collections


def _default_skip(source: Source) -> str | None:
    base = posixpath.basename(source.path)
    name = base.rsplit(".", 1)[0].lower()
    if base in IGNORED_NAMES or ("/" not in source.path and name in META_NAMES):
        return "a repository file (README, LICENSE, CHANGELOG and the like), not a controlled document"
    if any(part.startswith(".") for part in source.path.split("/")[:-1]):
        return "in a hidden folder"
    if source.format == "doorstop" and doorstop.is_heading(source):
        return "a doorstop heading item (non-normative, level ending in .0): its text is a section title"
    if source.format == "doorstop" and source.meta.get("active") is False:
        return "inactive in doorstop"
    return None


# --- types -------------------------------------------------------------------------------------------


def _guess_type(source: Source, collections: dict[str, doorstop.Collection]) -> tuple[str | None, str | None, str]:
    """(type, the folder that names it, how) for a file the mapping says nothing about."""
    coll = collections.get(posixpath.dirname(source.path))
    if coll is not None and source.uid:
        return coll.name, coll.folder, f"doorstop document {coll.prefix}"
    parts = source.path.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        folder_words = re.split(r"[-_ .]+", parts[depth - 1].lower())
        for name, words in TYPE_WORDS.items():
            if any(w in words for w in folder_words):
                return name, "/".join(parts[:depth]), f"folder {'/'.join(parts[:depth])}/"
    stem_words = re.split(r"[-_ .]+", parts[-1].lower())
    for name, words in TYPE_WORDS.items():
        if any(w in words for w in stem_words):
            return name, None, "a word of the file name"
    if len(parts) > 1 and parts[0].lower() not in GENERIC_FOLDERS:
        return slug(singular(parts[0])) or None, parts[0], f"folder {parts[0]}/ (a new type)"
    return None, None, ""


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


def make_plan(facts: Facts, options: Options) -> Plan:
    mapping = options.mapping
    sources, collections = _sources(facts.files)
    notes: list[str] = []
    items: list[Item] = []
    for source in sources:
        entry = mapping.entry(source.path)
        item = Item(source, notes=list(source.notes))
        reason = _default_skip(source)
        if source.error:
            item.action, item.reason = "skip", f"cannot be adopted: {source.error}"
            item.notes.append(f"decide: {source.error}")
        elif entry.get("skip") is True:
            item.action, item.reason = "skip", "the mapping says skip"
        elif reason and entry.get("skip") is not False:
            item.action, item.reason = "skip", reason
        items.append(item)
        if item.action == "skip":
            continue
        coll = collections.get(posixpath.dirname(source.path))
        as_what = entry.get("as") or (options.doorstop_as or mapping.doorstop_as if source.format == "doorstop" and
                                      source.path.endswith((".yml", ".yaml")) else None) or "document"
        if as_what == "record" and not source.path.endswith((".yml", ".yaml")):
            item.notes.append("decide: only YAML items can be adopted as records; adopted as a document")
            as_what = "document"
        if as_what == "document" and source.format == "doorstop" and source.path.endswith((".yml", ".yaml")):
            item.notes.append("a YAML item becomes Markdown: its text is the body, its other keys x- fields; git will "
                              "not pair the two names (former_paths does), adopt it as a record to keep the YAML whole")
        item.kind = as_what
        guessed, anchor, how = _guess_type(source, collections)
        if entry.get("type"):
            item.type, item.decided["type"] = str(entry["type"]), "mapping"
            item.anchor = anchor if guessed == item.type else None
        elif guessed:
            item.type, item.anchor, item.decided["type"] = guessed, anchor, how
        else:
            item.type = mapping.defaults.get("type", "policy")
            item.decided["type"] = "default (no folder or name says what it is)"
            item.notes.append(f"decide: the type ({item.type}) is a default")
        if coll is not None and item.kind == "record":
            item.anchor = None
    adopted = [i for i in items if i.action == "adopt"]
    types, record_types = _types(adopted, collections, mapping, notes)
    people, people_notes = _people(facts, options)
    notes.extend(people_notes)
    _assign_ids(adopted, types, record_types, collections, mapping, facts)
    by_uid = {i.source.uid: i for i in adopted if i.source.uid}
    for item in adopted:
        _fill(item, types, record_types, people, facts, options, by_uid)
    _check_paths(items, facts, notes)
    _links_to_old_names(adopted)
    type_folders = [t["folder"] for t in types.values()]
    for item in items:
        if item.action == "skip" and item.path.endswith(".md") and posixpath.basename(item.path) not in IGNORED_NAMES \
                and any(item.path.startswith(f + "/") for f in type_folders):
            item.notes.append("decide: left as it is inside a document folder, so `check` will report it "
                              "(front-matter-missing): adopt it or move it out")
    for item in adopted:
        if item.kind == "document" and item.decided.get("title") == "file name":
            item.notes.append("decide: no heading to take the title from; it comes from the file name")
    notes.extend(_repository_notes(adopted, facts))
    config = _config(options, facts, people, types, record_types)
    return Plan(str(config["organisation"]), str(config["standard"]), options.main_branch, people, types,
                record_types, items, notes, config)


def _types(adopted: list[Item], collections: dict[str, doorstop.Collection], mapping: Mapping,
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


def _people(facts: Facts, options: Options) -> tuple[list[people_mod.ProposedPerson], list[str]]:
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


def _assign_ids(adopted: list[Item], types: dict[str, dict[str, Any]], records: dict[str, dict[str, Any]],
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
    for item in pending:
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


def _owner(item: Item, people: list[people_mod.ProposedPerson], facts: Facts, options: Options) -> tuple[str, str]:
    by_email = {e.lower(): p for p in people for e in p.all_emails}
    ids = {p.id for p in people}
    given = options.mapping.entry(item.path).get("owner")
    if isinstance(given, str):
        if given not in ids:
            raise UsageError(f"mapping: owner {given!r} of {item.path} is not one of the people ({', '.join(sorted(ids))})")
        return given, "mapping"
    for key in ("owner", "author"):
        value = item.source.meta.get(key)
        if isinstance(value, str):
            text = value.strip().lower()
            address = re.search(r"[^\s<>]+@[^\s<>]+", text)
            match = (text if text in ids else None) \
                or (by_email[address.group(0)].id if address and address.group(0) in by_email else None) \
                or next((p.id for p in people if p.name.lower() == text), None)
            if match:
                return match, f"front matter {key}"
    counts: Counter[str] = Counter()
    for _, email, _, _ in facts.authorship.get(item.path) or []:
        person = by_email.get(email.lower())
        if person is not None:
            counts[person.id] += 1
    if counts:
        best, n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return best, f"most commits to the file ({n} of {sum(counts.values())})"
    default = options.mapping.defaults.get("owner")
    if default in ids:
        return str(default), "mapping default"
    approver = next((p.id for p in people if APPROVER in p.roles), people[0].id)
    return approver, "default: the first approver (no commit names a person)"


def _fill(item: Item, types: dict[str, dict[str, Any]], records: dict[str, dict[str, Any]],
          people: list[people_mod.ProposedPerson], facts: Facts, options: Options, by_uid: dict[str, Item]) -> None:
    entry = options.mapping.entry(item.path)
    source = item.source
    item.title = str(entry.get("title") or source.title or item.path)
    item.decided["title"] = "mapping" if entry.get("title") else source.title_from
    item.owner, item.decided["owner"] = _owner(item, people, facts, options)
    meta_class = source.meta.get("classification")
    if entry.get("classification"):
        item.classification, item.decided["classification"] = str(entry["classification"]), "mapping"
    elif meta_class in CLASSIFICATIONS:
        item.classification, item.decided["classification"] = str(meta_class), "front matter classification"
    else:
        item.classification = options.mapping.defaults.get("classification", "internal")
        item.decided["classification"] = "default"
    linked = [by_uid[u] for u in source.links if u in by_uid and by_uid[u].action == "adopt"]
    if item.kind == "record":
        item.new_path = f"{records[item.type]['folder']}/{item.id.split('-')[1]}/{item.id}.yml"
        history = facts.authorship.get(item.path) or []
        first = min(history, key=lambda h: h[2]) if history else None
        by_email = {e.lower(): p.id for p in people for e in p.all_emails}
        item.front["created_by"] = by_email.get(first[1].lower(), "system") if first else "system"
        item.front["subject"] = [i.id for i in linked]
        item.front["title"] = item.title
        original = _load(source.raw)
        item.content = compose.record_bytes(item.front, source.raw)
        problem = compose.verify_record(item.content, item.front, original)
    else:
        folder = types[item.type]["folder"]
        rel_dir = posixpath.dirname(item.path)
        sub = rel_dir[len(item.anchor):].strip("/") if item.anchor and (rel_dir + "/").startswith(item.anchor + "/") else ""
        if item.anchor and item.anchor != folder:
            item.notes.append(f"moves from {item.anchor}/ to {folder}/, the folder of type {item.type}")
        elif not item.anchor and rel_dir != folder:
            item.notes.append(f"moves to {folder}/, the folder of type {item.type}")
        name = f"{item.id}-{slug(item.title)}.md" if slug(item.title) else f"{item.id}.md"
        item.new_path = posixpath.join(folder, sub, name) if sub else posixpath.join(folder, name)
        item.front = _front(item, options, [i.id for i in linked if i.kind == "document"])
        item.content = compose.document_bytes(item.front, source.body, bom=source.bom, newline=source.newline)
        problem = compose.verify_document(item.content, item.front, source.body)
    if problem:
        item.action, item.reason = "skip", f"cannot be adopted safely: {problem}"
        item.notes.append(f"decide: {problem}")


def _load(raw: bytes) -> Any:
    from sms_docs import frontmatter

    return frontmatter.load_yaml(frontmatter.decode(raw))


def _front(item: Item, options: Options, related: list[str]) -> dict[str, Any]:
    """id, title, type, owner, classification; the file's own fields sms-docs knows, when valid;
    clauses from comply's `satisfies`; related documents from doorstop's links; where the file lived;
    every other key of the file as an `x-` field."""
    meta = item.source.meta
    front: dict[str, Any] = {"id": item.id, "title": item.title, "type": item.type, "owner": item.owner,
                             "classification": item.classification}
    consumed = {k for k in ("id", "title", "type", "owner", "classification") if meta.get(k) == front[k]}
    if item.source.format == "comply" and meta.get("name") == item.title:
        consumed.add("name")
    if item.decided.get("owner", "").startswith("front matter "):
        consumed.add(item.decided["owner"].removeprefix("front matter "))
    for key in _STANDARD_FIELDS:
        if key in meta and _valid_field(key, meta[key]):
            front[key] = meta[key]
            consumed.add(key)
    clauses, unmapped = _clauses(meta.get("satisfies"), options.mapping.crosswalk)
    if isinstance(meta.get("clauses"), list):
        clauses = list(dict.fromkeys([*map(str, meta["clauses"]), *clauses]))
        consumed.add("clauses")
    if clauses:
        front["clauses"] = clauses
    if unmapped:
        item.notes.append(f"decide: satisfies {unmapped} have no crosswalk to ISO/IEC 20000-1: kept in "
                          "x-satisfies (a crosswalk in the mapping turns them into clauses)")
    if related:
        front["related"] = related
    if item.new_path != item.path:
        front["former_paths"] = [item.path]
    for key, value in meta.items():
        if key in consumed:
            continue
        name = key if key.startswith("x-") else f"x-{key}"
        while name in front:
            name += "-original"
        front[name] = value
    return front


@functools.cache
def _builtin_schemas() -> Any:
    from sms_docs.schemas import SchemaSet

    return SchemaSet.load(None)


def _valid_field(key: str, value: Any) -> bool:
    schema = _builtin_schemas()
    return not schema.validate("document.schema.json", {"id": "POL-001", "title": "t", "type": "policy", "owner": "o",
                                                        "classification": "internal", key: value})


def _clauses(satisfies: Any, crosswalk: dict[str, dict[str, list[str]]]) -> tuple[list[str], str]:
    """comply's `satisfies: {STANDARD: [controls]}` -> ISO/IEC 20000-1:2018 clauses where a crosswalk
    exists (the standard itself, its 2011 edition through the catalogue's maps_to, or the mapping's
    own crosswalk), and the controls left without one."""
    from sms_docs import clauses as catalogue

    if not isinstance(satisfies, dict):
        return [], ""
    out: list[str] = []
    left: list[str] = []
    new, old = catalogue.load("iso20000-1:2018"), catalogue.load("iso20000-1:2011")
    for standard, controls in satisfies.items():
        for control in controls if isinstance(controls, list) else [controls]:
            control = str(control)
            own = crosswalk.get(str(standard), {}).get(control)
            if own:
                out.extend(own)
            elif _ISO20000.search(str(standard)) and "2011" in str(standard) and old.clause(control):
                out.extend(old.clause(control).maps_to)  # type: ignore[union-attr]
            elif _ISO20000.search(str(standard)) and new.knows(control):
                out.append(control)
            else:
                left.append(f"{standard} {control}")
    return list(dict.fromkeys(out)), ", ".join(left)


_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*<?([^)\s>#]+)(#[^)\s>]*)?>?(?:\s+\"[^\"]*\")?\s*\)")


def _links_to_old_names(adopted: list[Item]) -> None:
    """A relative link to a file this adoption renames: adopt never edits a body, so say so."""
    renamed = {i.path: i.new_path for i in adopted if i.kind == "document" and i.new_path != i.path}
    for item in adopted:
        if item.kind != "document":
            continue
        text = item.source.body.decode("utf-8", errors="replace")
        for target in dict.fromkeys(m.group(1) for m in _LINK.finditer(text)):
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/", target):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(item.path), target))
            if resolved in renamed:
                item.notes.append(f"decide: links to {target}, which becomes {renamed[resolved]}; the body is kept "
                                  "as it is, so `check` reports the link until it is updated")


def _repository_notes(adopted: list[Item], facts: Facts) -> list[str]:
    out: list[str] = []
    formats = {i.source.format for i in adopted}
    if "comply" in formats:
        catalogues = sorted(p for p in facts.tracked if re.match(r"^(.*/)?standards/[^/]+\.ya?ml$", p))
        if catalogues:
            out.append(f"comply's control catalogues ({', '.join(catalogues)}) and comply.yml stay as they are: not "
                       "documents; the controls each document satisfies are kept in its x-satisfies")
    if "doorstop" in formats:
        out.append("doorstop's .doorstop.yml files stay; doorstop itself no longer reads the items adopted here")
    if "mkdocs.yml" in facts.tracked:
        out.append("decide: mkdocs.yml exists: `sms-docs build` runs it, so add the sms-docs plugin to it (docs/site.md) "
                   "and approve it, or remove it to build with the default")
    return out


def _check_paths(items: list[Item], facts: Facts, notes: list[str]) -> None:
    moving = {i.path for i in items if i.action == "adopt" and i.new_path != i.path}
    targets: dict[str, str] = {}
    for item in items:
        if item.action != "adopt":
            continue
        if item.new_path in targets:
            raise UsageError(f"{item.path} and {targets[item.new_path]} would both become {item.new_path}",
                             hint="give one of them another ID or title in the mapping")
        targets[item.new_path] = item.path
        if item.new_path != item.path and item.new_path in facts.tracked and item.new_path not in moving:
            raise UsageError(f"{item.path} would become {item.new_path}, which already exists",
                             hint="give it another ID or title in the mapping")


def _config(options: Options, facts: Facts, people: list[people_mod.ProposedPerson],
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
