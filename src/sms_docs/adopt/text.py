"""Pure text helpers of adoption: titles from headings and file names, slugs, line endings.

Nothing here changes a file: adoption keeps every body byte for byte, so these only read.
"""

from __future__ import annotations

import html
import re
import unicodedata

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_HTML_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
MAX_TITLE = 200


def newline_of(text: str) -> str:
    """The file's own line ending (by its first line): what added front matter lines use."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def clean_title(raw: str) -> str:
    """Plain text of a heading: no tags, images, link targets, emphasis or doubled spaces."""
    text = html.unescape(_TAG.sub("", raw))
    text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    text = _EMPHASIS.sub("", text)
    text = " ".join(text.split())
    return text[:MAX_TITLE].strip()


def first_h1(body: str) -> tuple[str, str] | None:
    """The first level-1 heading outside code fences: (title, how it was written), the kind being
    `H1 heading`, `underlined heading` or `HTML heading`."""
    lines = body.splitlines()
    fenced = False
    html_h1 = _HTML_H1.search(body)
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = _ATX_H1.match(line)
        if match and clean_title(match.group(1)):
            return clean_title(match.group(1)), "H1 heading"
        if (i + 1 < len(lines) and line.strip() and _SETEXT_H1.match(lines[i + 1]) and not line.startswith("    ")
                and clean_title(line)):
            return clean_title(line), "underlined heading"
        if html_h1 and "<h1" in line.lower():
            found = clean_title(html_h1.group(1))
            if found:
                return found, "HTML heading"
    return None


def title_from_name(path: str) -> str:
    """`access-control_policy.md` -> `Access control policy` (words kept as written otherwise)."""
    stem = path.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    words = re.sub(r"[-_]+", " ", stem).split()
    if not words:
        return stem or "Untitled"
    text = " ".join(words)
    return (text[0].upper() + text[1:])[:MAX_TITLE]


def slug(title: str, limit: int = 50) -> str:
    """ASCII words of a title joined by `-`, cut at a word boundary; '' when none is left."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out


def singular(word: str) -> str:
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w
