"""What an importer reads from one existing file: its metadata and the body that must survive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """One existing file as an importer understood it. `body` is kept byte for byte; `meta` holds the
    file's own fields (already parsed), `front_text` their YAML text when the file had front matter."""

    path: str
    format: str  # markdown | comply | doorstop
    body: bytes
    meta: dict[str, Any] = field(default_factory=dict)
    bom: bool = False
    newline: str = "\n"
    title: str | None = None
    title_from: str = "file name"
    uid: str | None = None  # an identifier the file gives itself (a doorstop UID)
    links: tuple[str, ...] = ()  # identifiers the file links to (doorstop)
    notes: tuple[str, ...] = ()  # what a person should look at
    error: str | None = None  # why this file cannot be adopted as it is
    raw: bytes = b""  # the whole file as it was (a YAML item adopted as a record keeps all of it)
    level: str | None = None  # doorstop: the item's level, `2.0` for a heading
