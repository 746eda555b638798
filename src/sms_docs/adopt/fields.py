"""The front matter an adopted document gets: the sms-docs fields, the file's own fields that mean the
same, clauses from comply's `satisfies`, related documents from doorstop's links, `former_paths`,
and every other key of the file as an `x-` field. Pure."""

from __future__ import annotations

import functools
import posixpath
import re
from typing import Any, TYPE_CHECKING

if TYPE_CHECKING:
    from sms_docs.adopt.plan import Item, Options

# The file's own fields that mean the same in sms-docs and are kept when valid. (`approvers` and
# `effective` are not: they would name roles sms-docs.yml lacks, or dates before the first approval.)
_STANDARD_FIELDS = ("review_cycle",)
_ISO20000 = re.compile(r"20000", re.I)


def front_matter(item: Item, options: Options, related: list[str]) -> dict[str, Any]:
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
    clauses, unmapped = clauses_for(meta.get("satisfies"), options.mapping.crosswalk)
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


def clauses_for(satisfies: Any, crosswalk: dict[str, dict[str, list[str]]]) -> tuple[list[str], str]:
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


def links_to_old_names(adopted: list[Item], tracked: frozenset[str]) -> None:
    """Relative links in the bodies: adopt never edits a body. A link to a file this adoption renames
    keeps working through the target's `former_paths` (check and the site resolve it); a link to a
    file that is not in the repository at all is for a person to fix."""
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
                item.notes.append(f"links to {target}, now {renamed[resolved]}: the body is kept as it is, and the "
                                  "link is resolved through former_paths")
            elif resolved.endswith(".md") and resolved not in tracked:
                item.notes.append(f"decide: links to {target}, which is not in the repository: `check` reports it")
