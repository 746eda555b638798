"""Clause catalogues of ISO/IEC 20000-1 (2018 and 2011 editions), shipped as package data.

Each catalogue lists the clauses (number, short title, whether the clause asks for documented
information and, for 2011, `maps_to`: the 2018 clauses covering the same ground) and the items of
mandatory documented information (2018 7.5.4, 2011 4.3.1), each made of parts that name the
clauses whose citation satisfies it. The files are read once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from sms_docs.errors import ConfigError, UsageError

STANDARDS = ("iso20000-1:2018", "iso20000-1:2011")
LATEST = "iso20000-1:2018"


@dataclass(frozen=True, slots=True)
class Clause:
    number: str
    title: str
    documented: bool = False
    maps_to: tuple[str, ...] = ()  # 2011 only: the 2018 clauses covering the same ground

    @property
    def depth(self) -> int:
        return self.number.count(".") + self.number.count(" ")


@dataclass(frozen=True, slots=True)
class Part:
    """One thing a mandatory item needs, covered when a document cites any of `clauses` exactly."""

    title: str
    clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mandatory:
    id: str
    title: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ClauseCatalogue:
    standard: str
    title: str
    clauses: tuple[Clause, ...]
    mandatory: tuple[Mandatory, ...]
    _by_number: dict[str, Clause] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_number", {c.number: c for c in self.clauses})

    def clause(self, number: str) -> Clause | None:
        return self._by_number.get(number)

    def knows(self, citation: str) -> bool:
        """A clause number of this edition, a mandatory item id (`7.5.4 a`), or a lettered item of
        a clause (`8.5.1.2 a`)."""
        if citation in self._by_number or any(m.id == citation for m in self.mandatory):
            return True
        base, _, letter = citation.partition(" ")
        return bool(letter) and base in self._by_number

    def descendants(self, number: str) -> list[Clause]:
        """The clauses below `number` (not itself), in catalogue order."""
        return [c for c in self.clauses if c.number != number and within(c.number, number)]


def within(citation: str, number: str) -> bool:
    """True when `citation` is `number` or one of its sub-clauses or lettered items:
    `8.5.1.2` and `7.5.4 a` are within `8.5` and `7.5.4`; `8.50` is not within `8.5`."""
    return citation == number or citation.startswith(number + ".") or citation.startswith(number + " ")


def file_name(standard: str) -> str:
    return standard.replace(":", "-") + ".yml"


@functools.cache
def load(standard: str) -> ClauseCatalogue:
    """The catalogue of `standard` (`iso20000-1:2018` or `iso20000-1:2011`), read once."""
    if standard not in STANDARDS:
        raise UsageError(f"no clause catalogue for {standard!r}", hint=f"one of: {', '.join(STANDARDS)}")
    name = file_name(standard)
    try:
        text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"the clause catalogue {name} is missing from this installation: {exc}",
                          hint="reinstall sms-docs") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"the clause catalogue {name} is not valid YAML: {exc}", hint="reinstall sms-docs") from None
    return _build(name, standard, data)


def _build(name: str, standard: str, data: Any) -> ClauseCatalogue:
    def bad(where: str) -> ConfigError:
        return ConfigError(f"the clause catalogue {name} is malformed at {where}", hint="reinstall sms-docs")

    if not isinstance(data, dict) or data.get("standard") != standard or not isinstance(data.get("clauses"), list):
        raise bad("the top level (standard, title, clauses, mandatory)")
    clauses: list[Clause] = []
    for i, item in enumerate(data["clauses"]):
        if not isinstance(item, dict) or not isinstance(item.get("number"), str) or not isinstance(item.get("title"), str):
            raise bad(f"clauses[{i}]")
        maps_to = item.get("maps_to") or []
        if not isinstance(maps_to, list):
            raise bad(f"clauses[{i}].maps_to")
        clauses.append(Clause(item["number"], item["title"], item.get("documented") is True,
                              tuple(str(m) for m in maps_to)))
    mandatory: list[Mandatory] = []
    for i, item in enumerate(data.get("mandatory") or []):
        if not isinstance(item, dict) or not isinstance(item.get("parts"), list) or not item["parts"]:
            raise bad(f"mandatory[{i}]")
        parts = []
        for j, part in enumerate(item["parts"]):
            if not isinstance(part, dict) or not isinstance(part.get("clauses"), list) or not part["clauses"]:
                raise bad(f"mandatory[{i}].parts[{j}]")
            parts.append(Part(str(part.get("title") or item.get("title")), tuple(str(c) for c in part["clauses"])))
        mandatory.append(Mandatory(str(item.get("id")), str(item.get("title")), tuple(parts)))
    return ClauseCatalogue(standard, str(data.get("title") or standard), tuple(clauses), tuple(mandatory))
