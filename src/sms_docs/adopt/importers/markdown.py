"""Plain Markdown, with or without YAML front matter (Jekyll, Hugo, MkDocs, doorstop's Markdown
items): the front matter's keys are read, the rest of the file is the body, kept byte for byte."""

from __future__ import annotations

from sms_docs import frontmatter
from sms_docs.adopt.source import Source
from sms_docs.adopt.text import first_h1, newline_of, title_from_name

BOM = b"\xef\xbb\xbf"


def read(path: str, data: bytes) -> Source:
    bom = data.startswith(BOM)
    try:
        text = frontmatter.decode(data)
    except UnicodeDecodeError as exc:
        return Source(path, "markdown", data, error=f"not UTF-8 text (byte {exc.start})", raw=data)
    newline = newline_of(text)
    meta: dict[str, object] = {}
    body = text
    notes: list[str] = []
    if text.split("\n", 1)[0].rstrip("\r").rstrip() == "---":
        try:
            parts = frontmatter.split(text)
            loaded = frontmatter.load_yaml(parts.front)
        except frontmatter.FrontMatterMissing:
            loaded, parts = None, None
        except frontmatter.YamlError as exc:
            where = f" (line {exc.line + 1})" if exc.line else ""
            return Source(path, "markdown", data, bom=bom, newline=newline, raw=data,
                          error=f"its front matter is not valid YAML{where}: {exc.message}")
        if isinstance(loaded, dict) and parts is not None:
            meta, body = {str(k): v for k, v in loaded.items()}, parts.body
        elif parts is not None and loaded is None and not parts.front.strip():
            body = parts.body  # an empty front matter block
        else:
            notes.append("starts with a '---' line that is not front matter: kept as part of the body")
    title, title_from = _title(path, meta, body)
    return Source(path, "markdown", body.encode("utf-8"), meta=meta, bom=bom, newline=newline, title=title,
                  title_from=title_from, notes=tuple(notes), raw=data)


def _title(path: str, meta: dict[str, object], body: str) -> tuple[str, str]:
    for key in ("title", "name"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:200], f"front matter {key}"
    heading = first_h1(body)
    if heading:
        return heading
    return title_from_name(path), "file name"
