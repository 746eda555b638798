"""`check`: the working tree's documents, records and configuration, without history.

Per-file results are cached under `.git/sms-docs/` keyed by path, size and modification time (and a
fingerprint of the configuration and schemas), so a run where nothing changed only stats files.
Cross-file checks (IDs, references, obsolete control) run every time: they are cheap.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TYPE_CHECKING

from sms_docs import __version__, causes, config
from sms_docs.cache import Store
from sms_docs.documents import IGNORED_NAMES, RECORD_SUFFIXES, Parsed, pack, parse_document, parse_record, too_large, unpack
from sms_docs.model import Document, Finding, Record, error, warning
from sms_docs.schemas import BUILTIN_DIR, SchemaSet

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from sms_docs.config import Settings



@dataclass
class Tree:
    """The controlled files of one tree, parsed."""

    documents: list[Document] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: set[str] = field(default_factory=set)

    def by_id(self) -> dict[str, Document]:
        out: dict[str, Document] = {}
        for doc in self.documents:
            out.setdefault(doc.id, doc)
        return out


def is_document_path(path: str, settings: Settings) -> bool:
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(".md") or name in IGNORED_NAMES:
        return False
    return path.startswith(settings.document_prefixes)


def is_record_path(path: str, settings: Settings) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path.startswith(settings.record_root + "/")
        and name.endswith(RECORD_SUFFIXES)
        and name not in IGNORED_NAMES
        and not name.startswith(".")
    )


def _walk(root: Path, folder: str) -> Iterable[tuple[str, os.stat_result]]:
    base = root / folder
    prefix = len(str(root)) + 1
    if not base.is_dir():
        return
    stack = [base]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) or entry.is_symlink():
                rel = entry.path[prefix:].replace(os.sep, "/")
                yield rel, entry.stat(follow_symlinks=False)


def _git_dir(root: Path) -> Path | None:
    dot = root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():  # a worktree or submodule: "gitdir: <path>"
        text = dot.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            found = (root / text[7:].strip()).resolve()
            return found if found.is_dir() else None
    return None


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256(__version__.encode())
    code = Path(__file__).parent
    parsers = [code / name for name in ("checks.py", "documents.py", "model.py", "schemas.py", "config.py", "frontmatter.py")]
    for path in [root / config.CONFIG_FILE, *sorted((root / "schemas").glob("*.json")), *sorted(BUILTIN_DIR.glob("*.json")), *parsers]:
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


class _Cache:
    """Per-file results of `check` (see `sms_docs.cache`: signed, never pickle)."""

    def __init__(self, root: Path, enabled: bool) -> None:
        git_dir = _git_dir(root) if enabled else None
        self.store = Store(git_dir, "check", 2, _fingerprint(root))
        self.entries: dict[str, tuple[int, int, tuple[Any, ...]]] = {}
        self.dirty = False
        # The cache file's own mtime. An entry whose file is not older than it is "racily clean" (as in
        # git's index): the file may have changed again within the same timestamp tick, so re-read it.
        self.written_ns = 0
        if self.store.path is not None:
            try:
                self.written_ns = self.store.path.stat().st_mtime_ns
            except OSError:
                self.written_ns = 0
            stored = self.store.load()
            if isinstance(stored, dict):
                self.entries = stored

    def get(self, path: str, st: os.stat_result) -> Parsed | None:
        hit = self.entries.get(path)
        if hit and hit[0] == st.st_mtime_ns and hit[1] == st.st_size and hit[0] < self.written_ns:
            try:
                return unpack(hit[2])
            except (TypeError, ValueError, IndexError):
                return None
        return None

    def put(self, path: str, st: os.stat_result, parsed: Parsed) -> None:
        self.entries[path] = (st.st_mtime_ns, st.st_size, pack(parsed))
        self.dirty = True

    def save(self, live: set[str]) -> None:
        if self.dirty or len(live) != len(self.entries):
            self.store.save({k: v for k, v in self.entries.items() if k in live})


def _linked(root: Path, rel: str) -> str | None:
    """The first component of `rel` (below `root`) that is a symbolic link, or None."""
    current = root
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            return str(current.relative_to(root)).replace(os.sep, "/")
    return None


def scan_worktree(root: Path, settings: Settings, schemas: SchemaSet, *, use_cache: bool = True) -> Tree:
    tree = Tree()
    cache = _Cache(root, use_cache)
    seen: set[str] = set()
    folders = [*settings.document_folders, settings.record_root]
    for folder in sorted(set(folders)):
        link = _linked(root, folder)
        if link is not None:
            tree.findings.append(error("symlink", f"{link} is a symbolic link: controlled files must live in the "
                                       "repository itself, so it is not read", path=link))
            continue
        for rel, st in _walk(root, folder):
            tree.files.add(rel)
            if rel in seen:
                continue
            is_doc = is_document_path(rel, settings)
            if not is_doc and not is_record_path(rel, settings):
                continue
            seen.add(rel)
            if stat.S_ISLNK(st.st_mode):
                tree.findings.append(error("symlink", "a symbolic link: a controlled file must be a file of its own "
                                           "(a link shows whatever it points at); it is not read", path=rel))
                continue
            oversize = too_large(rel, st.st_size, settings)
            if oversize is not None:
                tree.findings.append(oversize)
                continue
            parsed = cache.get(rel, st)
            if parsed is None:
                try:
                    data = (root / rel).read_bytes()
                except OSError as exc:
                    tree.findings.append(error("yaml-error", f"cannot be read: {exc.strerror}", path=rel))
                    continue
                parser = parse_document if is_doc else parse_record
                parsed = parser(rel, data, settings, schemas)
                cache.put(rel, st, parsed)
            tree.findings.extend(parsed.findings)
            if parsed.doc is not None:
                tree.documents.append(parsed.doc)
            if parsed.record is not None:
                tree.records.append(parsed.record)
    cache.save(seen)
    tree.documents.sort(key=lambda d: d.path)
    tree.records.sort(key=lambda r: r.path)
    return tree


def cross_check(tree: Tree, settings: Settings, root: Path | None = None) -> list[Finding]:
    """Checks that need the whole set: unique IDs, people, references, obsolete control."""
    out: list[Finding] = []
    first: dict[str, str] = {}
    items: list[Document | Record] = [*tree.documents, *tree.records]
    for item in items:
        if item.id in first:
            out.append(error("duplicate-id", f"{item.id} is also used by {first[item.id]}: IDs are unique for all time, take the next free one (`sms-docs new`)",
                             path=item.path, line=item.lines.get("id"), id=item.id))
        else:
            first[item.id] = item.path
    docs = tree.by_id()
    # A file that exists but cannot be read already has its own finding; references to it are not
    # broken as well (one cause, one finding).
    unreadable = {f.id for f in tree.findings if f.id and f.code in _UNREADABLE} - docs.keys()
    paths = {d.path: d for d in tree.documents}
    from sms_docs import policy  # (policy reads the path rules of this module)

    # Links written before adoption name files by their old paths: the working tree's former_paths
    # say where each document used to live (issue 12).
    former, conflicts = policy.former_path_index((d.id, d.path, policy.former_paths(d)) for d in tree.documents)
    for doc in tree.documents:
        for old in policy.former_paths(doc):
            other = paths.get(old)
            if other is not None and other.id != doc.id:
                out.append(error("former-path-conflict", f"former_paths: {old} is where {other.id} lives now; links to it "
                                 f"lead there, never to {doc.id}", path=doc.path, line=doc.lines.get("former_paths"), id=doc.id))
            elif old in conflicts:
                others = ", ".join(i for i in conflicts[old] if i != doc.id)
                out.append(error("former-path-conflict", f"former_paths: {old} is also claimed by {others}; links to it "
                                 "lead to neither: keep it in one document only", path=doc.path,
                                 line=doc.lines.get("former_paths"), id=doc.id))
    lost = config.lost_prefixes(settings)
    people = {p.id for p in settings.people}
    roles = set(settings.roles) | {r for p in settings.people for r in p.roles}
    for doc in tree.documents:
        owner = doc.meta.get("owner")
        if isinstance(owner, str) and owner not in people:
            out.append(error("unknown-person", f"owner {owner!r} is not in sms-docs.yml people{_did_you_mean(owner, people)}",
                             path=doc.path, line=doc.lines.get("owner"), id=doc.id, cause=f"person:{owner}"))
        for who in doc.list_field("approvers"):
            if who not in people and who not in roles:
                out.append(error("unknown-person", f"approver {who!r} is neither a person nor a role in sms-docs.yml{_did_you_mean(who, people | roles)}",
                                 path=doc.path, line=doc.lines.get("approvers"), id=doc.id, cause=f"person:{who}"))
        out.extend(_references(doc, docs, paths, tree, root, unreadable, lost, former, settings))
    record_ids = {r.id for r in tree.records} | unreadable
    out.extend(_clause_citations(tree, settings))
    for rec in tree.records:
        creator = rec.meta.get("created_by")
        if isinstance(creator, str) and creator not in people and creator != "system":
            out.append(error("unknown-person", f"created_by {creator!r} is not in sms-docs.yml people{_did_you_mean(creator, people)}",
                             path=rec.path, line=rec.lines.get("created_by"), id=rec.id, cause=f"person:{creator}"))
        for subject in rec.subject:
            if subject not in docs and subject not in record_ids and subject not in _CONTROLLED_PATHS:
                out.append(error("broken-reference", f"subject {subject} is not a known document or record",
                                 path=rec.path, line=rec.lines.get("subject"), id=rec.id, cause=_missing(subject, lost)))
    return out


def _clause_citations(tree: Tree, settings: Settings) -> list[Finding]:
    """`clauses` must name clauses of the standard (either edition, for the crosswalk): a typo
    would silently leave a coverage gap."""
    from sms_docs import clauses

    catalogues = [clauses.load(s) for s in ("iso20000-1:2018", "iso20000-1:2011")]
    out: list[Finding] = []
    for doc in tree.documents:
        for citation in doc.list_field("clauses"):
            if not any(c.knows(citation) for c in catalogues):
                out.append(warning("unknown-clause", f"clauses: {citation!r} is not a clause of ISO/IEC 20000-1 ({settings.standard})",
                                   path=doc.path, line=doc.lines.get("clauses"), id=doc.id))
    return out


_CONTROLLED_PATHS = frozenset({config.CONFIG_FILE, config.SIGNERS_FILE})
_UNREADABLE = frozenset({"yaml-error", "front-matter-missing", "file-too-large"})


def _references(doc: Document, docs: Mapping[str, Document], paths: Mapping[str, Document], tree: Tree, root: Path | None,
                unreadable: set[str], lost: Mapping[str, str], former: Mapping[str, str] | None = None,
                settings: Settings | None = None) -> list[Finding]:
    from sms_docs import policy
    out: list[Finding] = []
    def where(field: str) -> dict[str, object]:
        return {"path": doc.path, "line": doc.lines.get(field), "id": doc.id}

    active = not doc.obsolete
    for name in ("related", "supersedes"):
        for ref in doc.list_field(name):
            target = docs.get(ref)
            if target is None:
                if ref not in unreadable:
                    out.append(error("broken-reference", f"{name}: {ref} does not exist", **where(name), cause=_missing(ref, lost)))
            elif name == "related" and active and target.obsolete:
                out.append(error("reference-to-obsolete", f"related: {ref} is obsolete{_successor(target)}", **where(name)))
    succ = doc.meta.get("superseded_by")
    if isinstance(succ, str) and doc.obsolete:
        target = docs.get(succ)
        if target is None and succ in unreadable:
            pass
        elif target is None:
            out.append(error("broken-reference", f"superseded_by: {succ} does not exist", **where("superseded_by"),
                             cause=_missing(succ, lost)))
        elif target.obsolete:
            out.append(error("reference-to-obsolete", f"superseded_by: {succ} is itself obsolete{_successor(target)}", **where("superseded_by")))
        elif doc.id not in target.list_field("supersedes"):
            out.append(warning("supersedes-mismatch", f"{succ} does not list {doc.id} in its supersedes: add it there", **where("superseded_by")))
    for ref in doc.list_field("supersedes"):
        old = docs.get(ref)
        if old is not None and not old.obsolete:
            out.append(warning("supersedes-mismatch", f"supersedes {ref}, which is not marked obsolete: run `sms-docs obsolete {ref} --superseded-by {doc.id}`", **where("supersedes")))
    for link in doc.links:
        if link.target.startswith("/"):
            site_target = policy.link_target(link.target, doc.path)
            if site_target is None:
                continue
            ident = policy.resolve_link(site_target, former or {})
            found = docs.get(ident) if ident else None
            pages = [*policy.GENERATED_PAGES, *(f"{t}/index.md" for t in (settings.types if settings else ()))]
            if found is None and policy.site_page(site_target, pages) is None and not any(
                    c in tree.files or (root is not None and (root / c).is_file()) for c in site_target.candidates):
                out.append(error("broken-reference", f"link to {link.target}: no such page (no file there, and no "
                                 "document names it in former_paths)", path=doc.path, line=link.line, id=doc.id))
            continue
        target = paths.get(link.target)
        if target is None and former and link.target in former:
            target = docs.get(former[link.target])
        if target is None:
            if link.target not in tree.files and not (root is not None and (root / link.target).is_file()):
                out.append(error("broken-reference", f"link to {link.target}: no such file", path=doc.path, line=link.line, id=doc.id))
        elif active and target.obsolete:
            out.append(error("reference-to-obsolete", f"links to {target.id} (obsolete{_successor(target, inline=True)}){_instead(target)}",
                             path=doc.path, line=link.line, id=doc.id))
    external = doc.meta.get("external")
    if isinstance(external, dict) and isinstance(external.get("copy"), str) and root is not None:
        from sms_docs.registers import copy_state

        state, actual = copy_state(root, external)
        if state == "outside":
            out.append(error("broken-reference", f"external.copy: {external['copy']} is outside the repository: keep the copy "
                             "in it (for example external/copies/NAME) and name it by its path from the repository root",
                             **where("external")))
        elif state == "missing":
            out.append(error("broken-reference", f"external.copy: {external['copy']} does not exist", **where("external")))
        elif state == "mismatch":
            out.append(error("checksum-mismatch", f"external.copy {external['copy']} has sha256 {actual}, not the registered {external['sha256']}: the local copy changed; register the new edition",
                             **where("external")))
    return out


def _missing(ident: str, lost: Mapping[str, str]) -> str:
    """What a reference to a missing ID is about: the document, or, when its prefix belongs to a type
    that sms-docs.yml declares but gets wrong (so its folder was not read), that type."""
    prefix = ident.split("-", 1)[0]
    return f"type:{lost[prefix]}" if prefix in lost else f"document:{ident}"


def _successor(target: Document, inline: bool = False) -> str:
    succ = target.meta.get("superseded_by")
    if isinstance(succ, str):
        return f", superseded by {succ}" if inline else f" (superseded by {succ})"
    return ""


def _instead(target: Document) -> str:
    succ = target.meta.get("superseded_by")
    return f": link to {succ} instead" if isinstance(succ, str) else ": remove the link"


def _did_you_mean(value: str, known: set[str]) -> str:
    import difflib  # only to suggest a name: not imported at every start

    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass
class CheckResult:
    documents: int
    records: int
    findings: list[Finding]
    grouped: int = 0  # follow-on findings folded into their cause's (not listed; `all_findings` lists them)

    @property
    def ok(self) -> bool:
        return not any(f.severity.value == "error" for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "documents": self.documents, "records": self.records,
                "findings": [f.to_json() for f in self.findings]}


def run_check(root: Path, paths: list[str] | None = None, *, use_cache: bool = True,
              all_findings: bool = False) -> CheckResult:
    """The working tree's findings; those that follow from another are grouped under it (`causes`)
    unless `all_findings`."""
    schemas = SchemaSet.load(root)
    settings, findings = config.load(root, schemas)
    for name in (*{t.schema for t in settings.types.values()},):
        if not schemas.has(name):
            findings.append(error("config-error", f"schema {name} named in sms-docs.yml types does not exist", path=config.CONFIG_FILE))
    tree = scan_worktree(root, settings, schemas, use_cache=use_cache)
    findings.extend(tree.findings)
    findings.extend(cross_check(tree, settings, root))
    if paths:
        wanted = [p.rstrip("/") for p in paths]
        findings = [f for f in findings if f.path is None or any(f.path == w or f.path.startswith(w + "/") for w in wanted)]
    findings.sort(key=lambda f: f.sort_key)
    shown = causes.group(findings, expand=all_findings)
    return CheckResult(len(tree.documents), len(tree.records), shown, len(findings) - len(shown))
