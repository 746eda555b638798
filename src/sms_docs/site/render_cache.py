"""Rendered document pages, cached under `.git/sms-docs/` between builds.

A document's page changes only when its Markdown changes (its blob, its control block, its revision
history) or when the renderer does, so the HTML Markdown makes of it is kept keyed by a hash of the
page's Markdown, where it lives, where its links lead, and a fingerprint of the renderer (versions,
Markdown extensions and their settings). Markdown rendering is most of a page's build time; a
1,000-document site rebuilds in a fraction of a cold build. Only the entries a build used are
written back, so the cache never outgrows one site.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs.cache import Store

if TYPE_CHECKING:
    from pathlib import Path

FORMAT = 2


@dataclass
class Entry:
    html: str
    toc: list[dict[str, Any]]
    anchors: list[str]


class RenderCache:
    """Rendered pages by key (see `sms_docs.cache`: a file anyone else wrote is never read, so no
    planted entry can put HTML on a page)."""

    def __init__(self, git_dir: Path, fingerprint: str) -> None:
        self.store = Store(git_dir, "site", FORMAT, fingerprint)
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        self.hits = 0
        self.misses = 0
        stored = self.store.load()
        if isinstance(stored, dict):
            self.entries = stored

    def key(self, src_uri: str, markdown: str, links: list[tuple[str, str | None]]) -> str:
        digest = hashlib.sha256()
        for part in (src_uri, markdown, json.dumps(links)):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> Entry | None:
        found = self.entries.get(key)
        if not isinstance(found, dict) or not isinstance(found.get("html"), str):
            self.misses += 1
            return None
        self.hits += 1
        self.used[key] = found
        return Entry(found["html"], list(found.get("toc") or []), list(found.get("anchors") or []))

    def keep(self, key: str) -> None:
        """An entry a page still uses although this build did not render the page (serve's rebuilds)."""
        found = self.entries.get(key)
        if isinstance(found, dict):
            self.used[key] = found

    def put(self, key: str, entry: Entry) -> None:
        self.used[key] = {"html": entry.html, "toc": entry.toc, "anchors": entry.anchors}

    def save(self) -> None:
        self.store.save(self.used)


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=repr).encode("utf-8")).hexdigest()
