"""Small HTML helpers for generated pages: escaping, URLs between pages, tables and badges.

Every value that comes from a file (titles, names, reasons, field values) goes through `e()`;
generated pages are HTML blocks inside Markdown, so Markdown never interprets a value either.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import posixpath
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

STATE_LABELS = {
    "effective": "Effective",
    "approved": "Approved (not yet in effect)",
    "changed": "Effective (change pending)",
    "obsolete": "Obsolete",
    "draft": "Draft",
}


_SPECIAL = re.compile("[&<>\"']")


def e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute (`html.escape`, which most values, having
    nothing to escape, skip: a site of 1,000 documents escapes some 120,000 values)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return html.escape(text, quote=True) if _SPECIAL.search(text) else text


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def url_of(src_uri: str, directory_urls: bool) -> str:
    """The URL (relative to the site root) MkDocs gives a source file."""
    if not src_uri.endswith(".md"):
        return src_uri
    stem = src_uri[:-3]
    if directory_urls:
        if stem == "index":
            return ""
        if stem.endswith("/index"):
            return stem[: -len("index")]
        return stem + "/"
    return stem + ".html"


@functools.lru_cache(maxsize=65536)
def relative_url(from_src: str, to_src: str, directory_urls: bool, anchor: str = "") -> str:
    """A link from the page built from `from_src` to the file built from `to_src` (string work only:
    a site of thousands of pages computes tens of thousands of these)."""
    here = url_of(from_src, directory_urls)
    there = url_of(to_src, directory_urls)
    base = here.split("/")[:-1]  # the folder the page is served from
    target = there.split("/")  # its last part is a file name, or '' for a folder URL
    common = 0
    while common < len(base) and common < len(target) - 1 and base[common] == target[common]:
        common += 1
    rel = "/".join([".."] * (len(base) - common) + target[common:])
    if rel == "" or rel.startswith("/"):
        rel = "./" + rel.lstrip("/")
    if rel == "./" and anchor:
        rel = ""
    return rel + (f"#{anchor}" if anchor else "")


def relative_src(from_src: str, to_src: str) -> str:
    """A Markdown link between two source files (MkDocs resolves it to the page URL)."""
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def badge(state: str, label: str | None = None) -> str:
    return f'<span class="sms-badge sms-badge--{e(state)}">{e(label or STATE_LABELS.get(state, state))}</span>'


def table(headers: Sequence[tuple[str, str]], rows: Iterable[tuple[str, Sequence[str]]], *, table_id: str = "",
          sortable: bool = False, empty: str = "Nothing to show.") -> str:
    """An HTML table. `headers` are (label, sort kind: text|number|date|''); each row is
    (attributes for <tr>, already-escaped cells)."""
    body = [f"<tr{attrs}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>" for attrs, cells in rows]
    if not body:
        return f'<p class="sms-empty">{e(empty)}</p>'
    head = "".join(
        f'<th data-sort="{kind}" tabindex="0" aria-sort="none">{e(label)}</th>' if sortable and kind else f"<th>{e(label)}</th>"
        for label, kind in headers)
    ident = f' id="{e(table_id)}"' if table_id else ""
    sort = " data-sms-sortable" if sortable else ""
    return (f"<table{ident}{sort}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body)
            + "\n</tbody>\n</table>")


def attrs(**values: object) -> str:
    """` data-x="..."` attributes for a table row (names with '_' become '-')."""
    return "".join(f' data-{k.replace("_", "-")}="{e(v)}"' for k, v in values.items() if v is not None)


def block(*parts: str) -> str:
    """A raw HTML block for Markdown: no blank lines inside (they would end the block) and a blank
    line after."""
    text = "\n".join(p for p in parts if p)
    text = "\n".join(line for line in text.splitlines() if line.strip())
    return text + "\n\n"


def print_stamp(label: str, built: dt.date) -> str:
    """"Uncontrolled when printed — <label> — printed <date>" on every printed page (REQUIREMENTS D17).
    The date is the build day until the page's script puts in the day it is printed."""
    return (f'<div class="sms-print-stamp" data-search-exclude aria-hidden="true">Uncontrolled when printed — '
            f'{e(label)} — printed <span class="sms-print-date">{e(built.isoformat())}</span></div>')


_URL_ATTR = re.compile(r'\b(href|src|action|formaction|xlink:href)\s*=\s*("([^"]*)"|\'([^\']*)\')', re.I)
_SAFE_SCHEMES = ("http", "https", "mailto", "tel", "ftp")


# A start tag, its attribute values quoted or not (a quoted value may hold '>'), and an event
# handler attribute in one.
_START_TAG = re.compile(r"""<[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>""")
_HANDLER = re.compile(r"""\s+on[A-Za-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)
_MAYBE_HANDLER = re.compile(r"\son[A-Za-z]+\s*=", re.I)


def safe_links(markup: str) -> str:
    """Link targets a reader could not expect to run code: `javascript:`, `data:`, `vbscript:` and any
    other scheme but the web's and mail's become `#` (a document body is data, never a program).
    Browsers ignore control characters, whitespace and entities inside a scheme, so this does too.
    Event handler attributes (`onclick=`, which Markdown's `attr_list` extension writes from
    `{ onclick="..." }` with no tag in the text) are dropped from every tag; text stays as it is."""
    def fix(match: re.Match[str]) -> str:
        value = match.group(3) if match.group(3) is not None else match.group(4)
        plain = "".join(ch for ch in html.unescape(value) if ch > " " and ch != "\x7f")
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", plain)
        if scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES:
            return match.group(0)
        return f'{match.group(1)}="#"'

    markup = _URL_ATTR.sub(fix, markup)
    if _MAYBE_HANDLER.search(markup):
        markup = _START_TAG.sub(lambda tag: _HANDLER.sub("", tag.group(0)), markup)
    return markup
