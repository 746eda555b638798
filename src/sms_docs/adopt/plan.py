"""Planning an adoption: which files become which documents (or records), with which IDs, titles,
owners and classifications, and what `sms-docs.yml` says. Pure: given the files and the facts from
git, it returns a `Plan` and touches nothing; `apply` carries a plan out.

Every value says how it was found (`decided`), and what a person should look at is a note: the
plan is a proposal, and the mapping file is how a person overrides it.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TYPE_CHECKING

from sms_docs.adopt import compose, fields, people as people_mod, registry
from sms_docs.adopt.importers import comply, doorstop, markdown
from sms_docs.adopt.mapping import CLASSIFICATIONS, Mapping, typed_folder
from sms_docs.adopt.text import singular, slug
from sms_docs.config import DEFAULT_TYPES
from sms_docs.documents import IGNORED_NAMES
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
APPROVER = people_mod.APPROVER_ROLE
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
            folder = typed_folder(mapping, source.path)
            if folder and mapping.folders[next(f for f in mapping.folders if f.strip("/") == folder)].get("type") == item.type:
                item.anchor = folder
        elif guessed:
            item.type, item.anchor, item.decided["type"] = guessed, anchor, how
        else:
            item.type = mapping.defaults.get("type", "policy")
            item.decided["type"] = "default (no folder or name says what it is)"
            item.notes.append(f"decide: the type ({item.type}) is a default")
        if coll is not None and item.kind == "record":
            item.anchor = None
    adopted = [i for i in items if i.action == "adopt"]
    types, record_types = registry.choose_types(adopted, collections, mapping, notes)
    people, people_notes = registry.choose_people(facts, options)
    notes.extend(people_notes)
    registry.assign_ids(adopted, types, record_types, collections, mapping, facts)
    by_uid = {i.source.uid: i for i in adopted if i.source.uid}
    for item in adopted:
        _fill(item, types, record_types, people, facts, options, by_uid)
    _check_paths(items, facts, notes)
    fields.links_to_old_names(adopted, facts.tracked)
    type_folders = [t["folder"] for t in types.values()] + [str(t["folder"]) for t in DEFAULT_TYPES.values()]
    for item in items:
        if item.action == "skip" and item.path.endswith(".md") and posixpath.basename(item.path) not in IGNORED_NAMES \
                and any(item.path.startswith(f + "/") for f in type_folders):
            item.notes.append("decide: left as it is inside a document folder, so `check` will report it "
                              "(front-matter-missing, or yaml-error for front matter it cannot read): adopt it or move "
                              "it out")
    for item in adopted:
        if item.kind == "document" and item.decided.get("title") == "file name":
            item.notes.append("decide: no heading to take the title from; it comes from the file name")
    notes.extend(_repository_notes(adopted, facts))
    seen = {i.path for i in items}
    left = sorted(p for p in facts.tracked if p.endswith(".md") and p not in seen
                  and posixpath.basename(p) not in IGNORED_NAMES and any(p.startswith(f + "/") for f in type_folders))
    if left:
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        notes.append(f"decide: Markdown files outside the PATHS given stay in document folders ({shown}): "
                     "`check` reports them until they are adopted too or moved out")
    config = registry.config_for(options, facts, people, types, record_types)
    return Plan(str(config["organisation"]), str(config["standard"]), options.main_branch, people, types,
                record_types, items, notes, config)


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
    meta_class = next(((k, str(v).strip().lower()) for k, v in source.meta.items()
                       if k.lower() in ("classification", "confidentiality", "visibility")
                       and str(v).strip().lower() in CLASSIFICATIONS), None)
    folder_class = next((part.lower() for part in item.path.split("/")[:-1] if part.lower() in CLASSIFICATIONS), None)
    if entry.get("classification"):
        item.classification, item.decided["classification"] = str(entry["classification"]), "mapping"
    elif meta_class:
        item.classification, item.decided["classification"] = meta_class[1], f"front matter {meta_class[0]}"
    elif folder_class:
        item.classification, item.decided["classification"] = folder_class, f"folder {folder_class}/"
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
        item.front = fields.front_matter(item, options, [i.id for i in linked if i.kind == "document"])
        item.content = compose.document_bytes(item.front, source.body, bom=source.bom, newline=source.newline)
        problem = compose.verify_document(item.content, item.front, source.body)
    if problem:
        item.action, item.reason = "skip", f"cannot be adopted safely: {problem}"
        item.notes.append(f"decide: {problem}")


def _load(raw: bytes) -> Any:
    from sms_docs import frontmatter

    return frontmatter.load_yaml(frontmatter.decode(raw))


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

