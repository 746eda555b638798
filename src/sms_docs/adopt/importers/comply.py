"""strongdm/comply narratives, policies and procedures: "headless" front matter, a YAML mapping
that opens the file and ends at the first `---` line (comply's own reader splits the file there).

    name: Access Onboarding and Termination Policy
    acronym: AOTP
    satisfies:
      TSC: [CC6.1, CC6.2]
    majorRevisions:
      - date: Jun 1 2018
        comment: Initial document
    ---
    # Purpose and Scope
"""

from __future__ import annotations

import re

from sms_docs import frontmatter
from sms_docs.adopt.importers.markdown import BOM
from sms_docs.adopt.source import Source
from sms_docs.adopt.text import newline_of, title_from_name

KEYS = frozenset({"name", "acronym", "satisfies", "majorRevisions"})
_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)


def read(path: str, data: bytes) -> Source | None:
    """The file as comply reads it, or None when it is not comply's shape."""
    try:
        text = frontmatter.decode(data)
    except UnicodeDecodeError:
        return None
    if text.split("\n", 1)[0].rstrip("\r").rstrip() == "---":
        return None  # ordinary front matter: the Markdown importer reads it
    fence = _FENCE.search(text)
    if fence is None:
        return None
    try:
        meta = frontmatter.load_yaml(text[:fence.start()])
    except frontmatter.YamlError:
        return None
    if not isinstance(meta, dict) or not (KEYS & set(meta)):
        return None
    after = fence.end()
    if text.startswith("\r\n", after):
        after += 2
    elif text.startswith("\n", after):
        after += 1
    body = text[after:]
    notes = []
    if "{{" in body and "}}" in body:
        notes.append("the body uses comply's template placeholders ({{.Name}}): they are published as written")
    name = meta.get("name")
    title, title_from = ((" ".join(name.split())[:200], "comply name") if isinstance(name, str) and name.strip()
                         else (title_from_name(path), "file name"))
    return Source(path, "comply", body.encode("utf-8"), meta={str(k): v for k, v in meta.items()},
                  bom=data.startswith(BOM), newline=newline_of(text), title=title, title_from=title_from,
                  notes=tuple(notes), raw=data)
