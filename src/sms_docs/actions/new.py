"""`new`: the next free ID of a type, and its file from the type's template."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from sms_docs import frontmatter
from sms_docs.errors import ConfigError, Refused, UsageError
from sms_docs.gitrepo import added_paths

if TYPE_CHECKING:
    from sms_docs.config import Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~])")


def slugify(title: str, limit: int = 60) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:limit].rstrip("-") or "document"


def escape_markdown(text: str) -> str:
    """A title as literal text in Markdown: no markup, no HTML, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


_NOT_DOCUMENTS = frozenset({"site", "node_modules", "__pycache__", "venv"})


def used_numbers(root: Path, pattern: re.Pattern[str], folder: str | None = None) -> set[int]:
    """Every number (`pattern`'s group 1, matched against file names) ever used: in the working tree
    (under `folder`, or all of it), and in any file ever added on any branch, tag or remote-tracking
    branch. So two open pull requests never get the same ID, and the ID of a document or record that
    was removed is never used again."""
    numbers: set[int] = set()
    base = root / folder if folder else root
    for _, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _NOT_DOCUMENTS]
        for name in files:
            m = pattern.search(name)
            if m:
                numbers.add(int(m.group(1)))
    for path in added_paths(root, folder):
        m = pattern.search(path)
        if m:
            numbers.add(int(m.group(1)))
    return numbers


def next_id(root: Path, prefix: str) -> str:
    used = used_numbers(root, re.compile(rf"(?:^|/){re.escape(prefix)}-([0-9]{{3,6}})(?:[-.][^/]*)?$"))
    return f"{prefix}-{(max(used) + 1 if used else 1):03d}"


def read_template(settings: Settings, configured: str | None, builtin: Path, section: str, name: str) -> str | None:
    """A template: the repository's own when sms-docs.yml names one (it must exist), else the built-in
    one, else None."""
    if configured:
        path = settings.root / configured
        if not path.resolve().is_relative_to(settings.root.resolve()):  # (a link that leads out is never read)
            raise ConfigError(f"template {configured} of {name} leads outside the repository",
                              hint=f"keep the template in the repository and fix `template` in sms-docs.yml {section}")
        if not path.is_file():
            raise ConfigError(f"template {configured} of {name} does not exist",
                              hint=f"fix `template` in sms-docs.yml {section}")
        return path.read_text(encoding="utf-8")
    return builtin.read_text(encoding="utf-8") if builtin.is_file() else None


def template_body(settings: Settings, type_name: str) -> str:
    found = read_template(settings, settings.types[type_name].template, TEMPLATES / f"{type_name}.md", "types",
                          f"type {type_name}")
    return found if found is not None else "# ${title}\n\n## Purpose\n\n## Scope\n\n## Content\n"


def create(settings: Settings, type_name: str, title: str, owner: str, classification: str = "internal") -> Path:
    if type_name not in settings.types:
        raise UsageError(f"unknown type {type_name!r}", hint=f"one of: {', '.join(settings.types)}")
    title = " ".join(title.split())
    if not title:
        raise UsageError("the title is empty")
    if settings.person(owner) is None:
        raise UsageError(f"owner {owner!r} is not in sms-docs.yml people",
                         hint="pass --owner with a person id from sms-docs.yml")
    doc_type = settings.types[type_name]
    ident = next_id(settings.root, doc_type.prefix)
    meta = {"id": ident, "title": title, "type": type_name, "owner": owner, "classification": classification}
    body = Template(template_body(settings, type_name)).safe_substitute(title=escape_markdown(title), id=ident)
    text = "---\n" + frontmatter.dump_yaml(meta) + "---\n\n" + body.lstrip("\n")
    path = settings.root / doc_type.folder / f"{ident}-{slugify(title)}.md"
    data = text.encode("utf-8")
    _refuse_invalid(settings, path.relative_to(settings.root).as_posix(), data)
    try:
        frontmatter.atomic_write(path, data, exclusive=True, root=settings.root)
    except FileExistsError:
        raise Refused(f"{path.relative_to(settings.root)} already exists; nothing was written") from None
    return path


def _refuse_invalid(settings: Settings, rel: str, data: bytes) -> None:
    """A document that `check` would reject (a title over the schema's length, a classification a
    repository's own schema does not allow) is not written: the arguments are what is wrong."""
    from sms_docs.documents import parse_document
    from sms_docs.schemas import SchemaSet

    parsed = parse_document(rel, data, settings, SchemaSet.load(settings.root))
    problems = [f for f in parsed.findings if f.severity.value == "error"]
    if problems:
        raise UsageError(f"the new document would not be valid, so nothing was written: "
                         f"{'; '.join(f.message for f in problems)}", hint="fix the --title, --owner or --classification given")
