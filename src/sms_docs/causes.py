"""One cause, one finding: findings that follow from another are grouped under it.

A bad value in sms-docs.yml, a person removed from it or a document deleted can make dozens of files
wrong at once; listing each of them before the real cause hides it. This module is the one place
that decides how such findings are reported, for every command that lists findings.

The rule:

1. A finding about something defined elsewhere names it as its `cause` (`person:dana`,
   `type:procedure`, `record-type:minutes`, `document:POL-009`); `checks` and `config` set it.
2. When sms-docs.yml itself has a finding with that cause (a bad value under `types.procedure`, a
   person entry that cannot be read), that finding is the cause: the findings in other files that
   follow from it are left out, and the configuration finding says how many there were and where.
3. Otherwise the findings sharing one cause are one finding: the first (by file and line) stays and
   says in how many more files, and which, the same problem is found.
4. Findings in sms-docs.yml come first: fix the configuration before anything else.

Severity never changes: a group is an error when its members are, so exit codes are unchanged.
`group(findings, expand=True)` (`check --all-findings`) keeps every finding, causes still first.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sms_docs.model import Finding

CONFIG_FILE = "sms-docs.yml"
NAMED = 3  # files named in a group's message; the rest are counted


def group(findings: Sequence[Finding], *, expand: bool = False) -> list[Finding]:
    """`findings` in report order (sorted by file and line) -> the findings to report."""
    members: dict[str, list[Finding]] = {}
    for f in findings:
        if f.cause:
            members.setdefault(f.cause, []).append(f)
    roots: dict[str, Finding] = {}
    for f in findings:
        if f.cause and f.path == CONFIG_FILE:
            roots.setdefault(f.cause, f)
    config: list[Finding] = []
    rest: list[Finding] = []
    for f in findings:
        target = config if f.path == CONFIG_FILE else rest
        if expand or not f.cause:
            target.append(f)
            continue
        root = roots.get(f.cause)
        if root is not None:
            if f is root:
                followers = [m for m in members[f.cause] if m.path != CONFIG_FILE]
                target.append(_with(f, _left_out(followers)) if followers else f)
            elif f.path == CONFIG_FILE:
                target.append(f)  # the configuration's own findings are never left out
            continue
        same = members[f.cause]
        if f is same[0]:
            target.append(_with(f, _also(f, same[1:])) if len(same) > 1 else f)
    return config + rest


def _with(f: Finding, extra: str) -> Finding:
    return dataclasses.replace(f, message=f"{f.message}; {extra}")


def _files(findings: Iterable[Finding]) -> list[str]:
    seen: dict[str, None] = {}
    for f in findings:
        seen.setdefault(f.path or "(repository)", None)
    return list(seen)


def _named(files: list[str]) -> str:
    shown = ", ".join(files[:NAMED])
    more = len(files) - NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _left_out(followers: list[Finding]) -> str:
    files = _files(followers)
    codes = ", ".join(sorted({f.code for f in followers}))
    n = len(followers)
    return (f"{n} finding{'s' * (n != 1)} that follow from it ({codes}) are left out, in "
            f"{len(files)} file{'s' * (len(files) != 1)}: {_named(files)}; fix this first")


def _also(first: Finding, others: list[Finding]) -> str:
    files = [p for p in _files(others) if p != first.path] or _files(others)
    n = len(others)
    return (f"the same in {n} more place{'s' * (n != 1)}, in {len(files)} file{'s' * (len(files) != 1)}: "
            f"{_named(files)}{_fix(first)}")


def _fix(first: Finding) -> str:
    kind, _, name = (first.cause or "").partition(":")
    if kind == "person" and first.code == "unknown-person":
        return (f" (add {name!r} to sms-docs.yml people, or give the documents another owner: "
                f"`sms-docs owners reassign {name} NEW`)")
    return ""
