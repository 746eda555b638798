"""People an adoption proposes for `sms-docs.yml`, inferred from who wrote and who merged what.

Pure: it is given the authors of each file and the committers of the past merges. A proposal only:
the plan says how each person and role was found, and the mapping file can replace the list.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

# Robots and the forge's own identity commit but approve nothing and own nothing.
_ROBOT = re.compile(r"(\[bot\]|^noreply@github\.com$|^actions@github\.com$|^bot@|dependabot|renovate|"
                    r"^noreply@gitlab\.com$)", re.I)
_GITHUB_NOREPLY = re.compile(r"^(?:[0-9]+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$", re.I)
APPROVER_ROLE = "top-management"
AUTHOR_ROLE = "process-owner"


@dataclass(eq=False)
class ProposedPerson:
    id: str
    name: str
    email: str
    emails: list[str] = field(default_factory=list)
    github: str | None = None
    roles: list[str] = field(default_factory=list)
    commits: int = 0
    merges: int = 0
    found: str = ""  # how the proposal came about

    @property
    def all_emails(self) -> list[str]:
        return [self.email, *self.emails]

    def to_config(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "name": self.name, "email": self.email}
        if self.emails:
            out["emails"] = list(self.emails)
        if self.github:
            out["github"] = self.github
        out["roles"] = list(self.roles)
        return out


def is_robot(email: str) -> bool:
    return bool(_ROBOT.search(email.strip()))


def person_id(name: str, email: str, taken: Iterable[str]) -> str:
    """`Dana Reyes <dana.reyes@x>` -> `dana`, else `dana-reyes`, else the email's local part."""
    used = set(taken)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_name)
    local = re.sub(r"[^a-z0-9._-]+", "-", email.split("@", 1)[0].lower()).strip("-._") or "person"
    for candidate in ([words[0]] if words else []) + (["-".join(words)] if len(words) > 1 else []) + [local]:
        if candidate and candidate not in used:
            return str(candidate)
    n = 2
    while f"{local}-{n}" in used:
        n += 1
    return f"{local}-{n}"


def infer(authorship: Mapping[str, Sequence[tuple[str, str, int, int]]],
          mergers: Sequence[tuple[str, str]]) -> tuple[list[ProposedPerson], list[str]]:
    """People from git: one per name (their emails merged), robots left out. Whoever merged changes
    on the main line approved them before; they are proposed as top management, everyone else as
    process owners. Returns the people and notes for the plan."""
    commits: Counter[tuple[str, str]] = Counter()
    seen_commits: set[tuple[str, str, int]] = set()
    for entries in authorship.values():
        for name, email, at, _ in entries:
            if (name, email, at) in seen_commits:
                continue
            seen_commits.add((name, email, at))
            commits[(name.strip(), email.strip().lower())] += 1
    merged: Counter[tuple[str, str]] = Counter((n.strip(), e.strip().lower()) for n, e in mergers)
    notes: list[str] = []
    robots = sorted({e for _, e in [*commits, *merged] if is_robot(e)})
    if robots:
        notes.append(f"left out of people (robots or the forge itself): {', '.join(robots)}")
    by_name: dict[str, ProposedPerson] = {}
    by_email: dict[str, ProposedPerson] = {}
    order = sorted({*commits, *merged}, key=lambda k: (-(commits[k] + merged[k]), k))
    for key in order:
        name, email = key
        if is_robot(email) or "@" not in email:
            continue
        person = by_email.get(email) or by_name.get(name.lower())
        if person is None:
            person = ProposedPerson(person_id(name, email, [p.id for p in by_email.values()]), name or email, email)
            by_name[name.lower()] = person
        elif email not in person.all_emails:
            person.emails.append(email)
        by_email[email] = person
        person.commits += commits[key]
        person.merges += merged[key]
        github = _GITHUB_NOREPLY.match(email)
        if github and not person.github:
            person.github = github.group(1)
    people = list(dict.fromkeys(by_email.values()))
    approvers = [p for p in people if p.merges]
    if not approvers and people:
        approvers = [max(people, key=lambda p: p.commits)]
        approvers[0].found = "the most commits, and no merges to learn approvers from"
        notes.append(f"no merge commits on the main line: {approvers[0].id} (most commits) is proposed as "
                     f"{APPROVER_ROLE}; decide who approves")
    for p in people:
        if p in approvers:
            p.roles = [APPROVER_ROLE]
            p.found = p.found or f"merged {p.merges} change(s) on the main line"
        else:
            p.roles = [AUTHOR_ROLE]
            p.found = f"author of {p.commits} commit(s)"
    return people, notes
