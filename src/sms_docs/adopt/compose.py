"""The bytes an adoption writes, and the proof that no text was lost: pure.

A document keeps its body byte for byte and gets front matter in the file's own line ending, after
its BOM if it had one. A YAML item adopted as a record keeps every byte and gets the record's fields
on top. Each result is read back with the same parser `check` uses before it may be written.
"""

from __future__ import annotations

import json
from typing import Any

from sms_docs import frontmatter

BOM = b"\xef\xbb\xbf"


def document_bytes(front: dict[str, Any], body: bytes, *, bom: bool, newline: str) -> bytes:
    yaml_text = frontmatter.dump_yaml(front)
    head = "---\n" + yaml_text + "---\n"
    if newline == "\r\n":
        head = head.replace("\n", "\r\n")
    return (BOM if bom else b"") + head.encode("utf-8") + body


def record_bytes(header: dict[str, Any], raw: bytes) -> bytes:
    """The record's fields, then the original YAML (after its `---` or `%` directives, if any)."""
    bom = raw.startswith(BOM)
    data = raw[3:] if bom else raw
    text = data.decode("utf-8")
    newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    lines = text.splitlines(keepends=True)
    lead = 0
    while lead < len(lines) and (lines[lead].startswith("%") or lines[lead].rstrip("\r\n").rstrip() == "---"):
        lead += 1
    added = frontmatter.dump_yaml(header)
    if newline == "\r\n":
        added = added.replace("\n", "\r\n")
    out = "".join(lines[:lead]) + added + "".join(lines[lead:])
    return (BOM if bom else b"") + out.encode("utf-8")


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def verify_document(data: bytes, front: dict[str, Any], body: bytes) -> str | None:
    """None when `data` reads back as exactly `front` and `body`; else what differs."""
    try:
        parts = frontmatter.split(frontmatter.decode(data))
        meta = frontmatter.load_yaml(parts.front)
    except (UnicodeDecodeError, frontmatter.FrontMatterMissing, frontmatter.YamlError) as exc:
        return f"the written file would not read back: {exc}"
    if parts.body.encode("utf-8") != body:
        return "the body would not survive byte for byte"
    if not _same(meta, front):
        return "the front matter would not read back as written (a value YAML reads differently)"
    return None


def verify_record(data: bytes, header: dict[str, Any], original: Any) -> str | None:
    try:
        loaded = frontmatter.load_yaml(frontmatter.decode(data))
    except (UnicodeDecodeError, frontmatter.YamlError) as exc:
        return f"the record would not read back: {exc}"
    expected = {**header, **original} if isinstance(original, dict) else None
    if expected is None or not _same(loaded, expected):
        return "the record would not read back as the item's fields plus the record's"
    return None


def config_text(config: dict[str, Any]) -> str:
    header = ("# sms-docs configuration, written by `sms-docs adopt` from this repository's history.\n"
              "# Check the people and their roles before approving it: whoever merged changes before\n"
              "# was proposed as top management, every other author as a process owner.\n")
    return header + frontmatter.dump_yaml(config)
