"""Split and join front matter and body; a fast read path and a round-trip write path.

Reading uses PyYAML's C loader with timestamps kept as strings (so JSON Schema's `format: date`
sees `2026-03-02`, not a date object) and YAML 1.2 booleans (`yes` stays a string). Writing uses
ruamel.yaml's round-trip mode so comments, key order, quoting, a BOM and CRLF line endings survive.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class FastLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader: no timestamps (dates stay strings), YAML 1.2 booleans, unique keys."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # YAML requires unique keys; PyYAML keeps the last. A reader (a reviewer of the diff) sees
        # the first `classification: confidential`, the site would publish by a second `public`.
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in seen:
                        raise yaml.constructor.ConstructorError(
                            "while reading a mapping", node.start_mark,
                            f"duplicate key {key.value!r}: each key may appear once", key.start_mark)
                    seen.add(key.value)
        return super().construct_mapping(node, deep)


# YAML 1.1's base-60 numbers (`1:20` read as 80) are gone in YAML 1.2, which ruamel.yaml writes
# unquoted: without this, a title `10:30` written by `sms-docs new` would read back as an int.
_NO_BASE_60 = {
    "tag:yaml.org,2002:int": re.compile(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
    ),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
}

FastLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _NO_BASE_60.get(tag, rx))
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    FastLoader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", _BOOL_12)
    )


class YamlError(Exception):
    """YAML that cannot be parsed; `line` is 1-based within the text given."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# Aliases let a few lines of YAML expand to billions of values ("billion laughs"): a document in a
# pull request must not be able to hang `check` in CI. Real front matter holds a few dozen values.
MAX_VALUES = 100_000


def load_yaml(text: str) -> Any:
    simple = simple_mapping(text)
    if simple is not None:
        return simple
    try:
        data = yaml.load(text, Loader=FastLoader)  # noqa: S506 - FastLoader is a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        return _raise(problem, mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:
        return _raise(str(exc), None)
    except RecursionError:
        return _raise("YAML nested too deeply", None)
    too_big = _too_big(data)
    if too_big:
        return _raise(too_big, None)
    return data


# The fast path. Most front matter is a flat mapping of plain words, quoted strings, dates and short
# lists. Such text is read here directly; anything else, or anything YAML could read differently
# (booleans, nulls, numbers, escapes, comments, nesting), goes to the YAML parser. A property test
# holds this to "the same result as the YAML loader, or None".
_SIMPLE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*): (.*)")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .,_/()'-]*")
_ITEM = re.compile(r"[A-Za-z][A-Za-z0-9 ._/()'-]*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RESOLVED_WORDS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL"})


def simple_mapping(text: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for raw in text.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            continue
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None:
            return None
        value = _simple_value(match.group(2).rstrip(" "))
        if value is None:
            return None
        if match.group(1) in _RESOLVED_WORDS or match.group(1) in out:
            return None  # a key YAML reads as a boolean or null; a key twice (the loader says where)
        out[match.group(1)] = value
    return out or None


def _simple_value(text: str) -> str | list[str] | None:
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        if not inner:
            return []
        items = [_simple_scalar(part.strip(), _ITEM) for part in inner.split(",")]
        return None if any(i is None for i in items) else items  # type: ignore[return-value]
    return _simple_scalar(text, _PLAIN)


def _simple_scalar(text: str, plain: re.Pattern[str]) -> str | None:
    if not text.isprintable():
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        inner = text[1:-1]
        if text[0] == '"':
            return inner if '"' not in inner and "\\" not in inner else None
        return inner if "'" not in inner else None
    if plain.fullmatch(text) and text not in _RESOLVED_WORDS and not text.endswith(" "):
        return text
    if _DATE.fullmatch(text):
        return text  # dates stay strings (no timestamp resolver)
    return None


# Nesting deeper than this is no front matter anyone writes; libyaml (PyYAML 6.0.4 and later) refuses
# it itself, older versions read it: the limit here makes every version answer the same.
MAX_DEPTH = 200


def _too_big(data: Any) -> str | None:
    """Counts values as a reader of the data sees them (an alias counts each time), up to the limit,
    and how deep they nest."""
    if not isinstance(data, (dict, list)):
        return None
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return f"more than {MAX_VALUES} values once aliases (*name) are expanded"
        if depth > MAX_DEPTH:
            return f"YAML nested too deeply (more than {MAX_DEPTH} levels)"
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return None


def _raise(message: str, line: int | None) -> Any:
    raise YamlError(message, line)


def node_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map every path in a YAML document to the 1-based line where its value starts.

    Only called when a finding needs a line, so the fast path never composes twice.
    """
    try:
        root = yaml.compose(text, Loader=FastLoader)  # noqa: S506
    except (yaml.YAMLError, RecursionError):
        return {}
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
                lines[(*path, name)] = key.start_mark.line + 1
                walk_value(value, (*path, name), key.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    def walk_value(node: Any, path: tuple[str | int, ...], key_line: int) -> None:
        walk(node, path)
        if isinstance(node, yaml.ScalarNode):
            lines[path] = key_line

    if root is not None:
        try:
            walk(root, ())
        except RecursionError:  # absurdly deep nesting: the lines found so far are enough
            pass
    return lines


def line_of(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


@dataclass(slots=True, unsafe_hash=True)  # (a value: see model.Approval)
class Split:
    """A Markdown file cut in two. Lines are 1-based lines of the whole file."""

    front: str  # the YAML between the fences
    body: str
    front_line: int  # line of the first YAML line
    body_line: int  # line of the first body line


class FrontMatterMissing(Exception):
    pass


_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)


def _closing_fence(text: str, start: int) -> re.Match[str] | None:
    """`_FENCE.search(text, start)` for a `start` at the beginning of a line, trying only the lines
    that begin with `---` (the regex engine tries every position of the front matter: that was
    most of the cost of reading one)."""
    pos = start
    while True:
        if text.startswith("---", pos):
            found = _FENCE.match(text, pos)
            if found is not None:
                return found
        pos = text.find("\n---", pos)
        if pos < 0:
            return None
        pos += 1


def decode(data: bytes) -> str:
    """UTF-8 text; a BOM is dropped (and restored on rewrite). Raises UnicodeDecodeError."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8")


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    """The line of the first byte that is not UTF-8, and a message naming it with its column and
    offset in the file (usually a Latin-1 or Windows-1252 character), for `decode`'s error."""
    start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    line = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    return line, (f"not UTF-8 text: byte 0x{data[start]:02x} at line {line}, column {column} "
                  f"(byte {start} of the file): save the file as UTF-8")


def split(text: str) -> Split:
    """The file starts with a `---` line; the front matter ends at the next `---` line."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip("\r").rstrip() != "---":
        raise FrontMatterMissing("the file does not start with a '---' line")
    start = first_end + 1
    match = _closing_fence(text, start)
    if match is None:
        raise FrontMatterMissing("the front matter has no closing '---' line")
    front = text[start : match.start()]
    after = match.end()
    if text.startswith("\r\n", after):
        after += 2
    elif text.startswith("\n", after):
        after += 1
    front_lines = front.count("\n")
    return Split(front=front, body=text[after:], front_line=2, body_line=2 + front_lines + 1)


# --- the write path -----------------------------------------------------------------------


def _round_trip_yaml() -> Any:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def update_front_matter(data: bytes, edit: Callable[[Any], None]) -> bytes:
    """Apply `edit` to the front matter mapping, changing nothing else in the file.

    The BOM, CRLF line endings, comments, key order and the body are preserved byte for byte.
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    text = decode(data)
    crlf = "\r\n" in text.split("\n", 1)[0] + "\n" if "\n" in text else False
    parts = split(text)
    rt = _round_trip_yaml()
    front_text = parts.front.replace("\r\n", "\n")
    mapping = rt.load(front_text)
    if mapping is None:
        from ruamel.yaml.comments import CommentedMap

        mapping = CommentedMap()
    edit(mapping)
    out = io.StringIO()
    rt.dump(mapping, out)
    new_front = out.getvalue()
    newline = "\r\n" if crlf else "\n"
    if crlf:
        new_front = new_front.replace("\n", "\r\n")
    result = "---" + newline + new_front + "---" + newline + parts.body
    encoded = result.encode("utf-8")
    return (b"\xef\xbb\xbf" + encoded) if bom else encoded


def dump_yaml(data: Any) -> str:
    """Plain YAML for a new file (front matter or record), in a stable, readable style."""
    rt = _round_trip_yaml()
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


def refuse_links(root: Path, path: Path) -> None:
    """A file written inside the repository must stay there: no component of its path below `root`
    may be a symbolic link (a committed link could point a command at any file the user can write)."""
    from sms_docs.errors import Refused

    try:
        parts = path.relative_to(root).parts
    except ValueError:
        raise Refused(f"{path} is outside the repository {root}; nothing was written") from None
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise Refused(f"{current.relative_to(root)} is a symbolic link: sms-docs writes only inside the "
                          "repository itself; nothing was written", hint="replace the link with a real folder")


def atomic_write(path: Path, data: bytes, *, exclusive: bool = False, root: Path | None = None) -> None:
    """Write to a temporary file beside `path`, then move it into place.

    With `exclusive`, an existing file is never replaced (FileExistsError instead). With `root`,
    nothing is written through a symbolic link below it.
    """
    if root is not None:
        refuse_links(root, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if path exists: never overwrite
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
