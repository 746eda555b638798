"""doorstop: a folder with `.doorstop.yml` is a document of items, one YAML file each
(`REQ001.yml`: `active`, `derived`, `header`, `level`, `links`, `normative`, `ref`, `reviewed`,
`text`). An item becomes an sms-docs document (its `text` is the body, every other key an `x-`
field) or a record (its YAML kept whole, the record's fields added on top)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sms_docs import frontmatter
from sms_docs.adopt.importers.markdown import BOM
from sms_docs.adopt.source import Source
from sms_docs.adopt.text import clean_title, first_h1, singular, slug

CONFIG_NAME = ".doorstop.yml"


@dataclass(frozen=True)
class Collection:
    """One doorstop document (a folder)."""

    folder: str
    prefix: str
    sep: str
    digits: int
    name: str  # a type name for sms-docs, from the document's name or prefix

    def uid_of(self, path: str) -> str | None:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if re.fullmatch(re.escape(self.prefix) + re.escape(self.sep) + r"[0-9]+", stem):
            return stem
        return None

    def number_of(self, uid: str) -> int | None:
        digits = uid[len(self.prefix) + len(self.sep):]
        return int(digits) if digits.isdigit() else None


def read_collection(folder: str, data: bytes) -> Collection | None:
    try:
        config = frontmatter.load_yaml(frontmatter.decode(data))
    except (UnicodeDecodeError, frontmatter.YamlError):
        return None
    settings = config.get("settings") if isinstance(config, dict) else None
    if not isinstance(settings, dict) or not isinstance(settings.get("prefix"), str):
        return None
    doc = ((config.get("attributes") or {}).get("defaults") or {}).get("doc") if isinstance(config.get("attributes"), dict) else None
    name = doc.get("name") if isinstance(doc, dict) and isinstance(doc.get("name"), str) else None
    type_name = slug(singular(name)) if name else ""
    digits = settings.get("digits")
    return Collection(folder, settings["prefix"], str(settings.get("sep") or ""),
                      digits if isinstance(digits, int) else 3,
                      type_name or slug(settings["prefix"]) or "item")


def read_item(path: str, data: bytes, collection: Collection) -> Source:
    uid = collection.uid_of(path)
    try:
        item = frontmatter.load_yaml(frontmatter.decode(data))
    except UnicodeDecodeError as exc:
        return Source(path, "doorstop", data, uid=uid, raw=data, error=f"not UTF-8 text (byte {exc.start})")
    except frontmatter.YamlError as exc:
        return Source(path, "doorstop", data, uid=uid, raw=data, error=f"not valid YAML: {exc.message}")
    if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
        return Source(path, "doorstop", data, uid=uid, raw=data, error="not a doorstop item (no text)")
    text = str(item.get("text") or "")
    meta = {str(k): v for k, v in item.items() if k != "text"}
    header = item.get("header")
    if isinstance(header, str) and header.strip():
        title, title_from = clean_title(header), "doorstop header"
    elif first_h1(text):
        title, title_from = first_h1(text)  # type: ignore[misc]
    elif text.strip():
        title, title_from = clean_title(text.strip().splitlines()[0])[:80], "first line of the text"
    else:
        title, title_from = uid or path, "doorstop UID"
    links: list[str] = []
    for link in item.get("links") or []:
        if isinstance(link, dict):
            links.extend(str(k) for k in link)
        elif isinstance(link, str):
            links.append(link)
    level = item.get("level")
    notes = []
    if item.get("active") is False:
        notes.append("inactive in doorstop")
    return Source(path, "doorstop", text.encode("utf-8"), meta=meta, bom=data.startswith(BOM), title=title or uid,
                  title_from=title_from, uid=uid, links=tuple(links), notes=tuple(notes), raw=data,
                  level=None if level is None else str(level))


def is_heading(source: Source) -> bool:
    """doorstop's section headings: non-normative items at a level ending in `.0`."""
    return source.meta.get("normative") is False and bool(source.level) and str(source.level).endswith(".0")
