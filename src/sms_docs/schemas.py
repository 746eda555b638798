"""JSON Schemas (draft 2020-12): the built-in set, overridden file by file by the repository's `schemas/`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any


from sms_docs.errors import ConfigError

if TYPE_CHECKING:  # jsonschema is imported when a schema is first used: history readers never need it
    from collections.abc import Iterator
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

_PACKAGE = Path(__file__).resolve().parent
# The built-in schemas: shipped in the wheel as sms_docs/schemas, or the source checkout's schemas/.
BUILTIN_DIR = _PACKAGE / "schemas" if (_PACKAGE / "schemas").is_dir() else _PACKAGE.parent.parent / "schemas"


def builtin_names() -> list[str]:
    return sorted(p.name for p in BUILTIN_DIR.glob("*.json"))


@dataclass(frozen=True, slots=True)
class Violation:
    """One schema violation: where in the data (a path of keys) and what is wrong, in words."""

    path: tuple[str | int, ...]
    message: str


@dataclass
class SchemaSet:
    """Every schema by file name; `validator(name)` is compiled once and reused."""

    schemas: dict[str, dict[str, Any]]
    sources: dict[str, str]  # name -> where it came from (for error messages)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)
    _registry: Registry | None = None

    @classmethod
    def load(cls, root: Path | None) -> SchemaSet:
        schemas: dict[str, dict[str, Any]] = {}
        sources: dict[str, str] = {}
        dirs: list[tuple[Path, Path | None]] = [(BUILTIN_DIR, None)]
        if root is not None and (root / "schemas").is_dir():
            dirs.append((root / "schemas", root))
        for directory, base in dirs:
            for path in sorted(directory.glob("*.json")):
                shown = path.relative_to(base).as_posix() if base else f"built-in {path.name}"
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise ConfigError(f"{shown}: not a readable JSON Schema: {exc}") from None
                if not isinstance(data, dict):
                    raise ConfigError(f"{shown}: a JSON Schema must be an object")
                schemas[path.name] = data
                sources[path.name] = shown
        return cls(schemas, sources)

    def has(self, name: str) -> bool:
        return name in self.schemas

    @property
    def registry(self) -> Registry:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        if self._registry is None:
            self._registry = Registry().with_resources(
                (name, Resource.from_contents(schema, default_specification=DRAFT202012))
                for name, schema in self.schemas.items()
            )
        return self._registry

    def validator(self, name: str) -> Draft202012Validator:
        from jsonschema import Draft202012Validator, FormatChecker
        from jsonschema.exceptions import SchemaError

        found = self._validators.get(name)
        if found is None:
            if name not in self.schemas:
                raise ConfigError(
                    f"schema {name!r} not found", hint="put it in schemas/ or fix the name in sms-docs.yml"
                )
            schema = self.schemas[name]
            try:
                if not self.sources[name].startswith("built-in"):  # ours are tested; a repository's are not
                    Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                raise ConfigError(f"{self.sources[name]}: invalid JSON Schema: {exc}") from None
            found = Draft202012Validator(
                schema, registry=self.registry, format_checker=FormatChecker(["date"])
            )
            # Resolve the schema's own URI to its file name so relative $refs find their siblings.
            found = found.evolve(schema=schema, _resolver=self.registry.resolver(base_uri=name))
            self._validators[name] = found
        return found

    def validate(self, name: str, data: Any) -> list[Violation]:
        out: list[Violation] = []
        try:
            try:
                errors = list(self.validator(name).iter_errors(data))
            except TypeError:
                # YAML allows keys that are not text (`1: x`, `null: y`), JSON Schema does not (and
                # jsonschema's patternProperties raises on them): report each and validate the rest.
                odd: list[tuple[str | int, ...]] = []
                data = _text_keys(data, (), odd)
                if not odd:
                    raise
                out.extend(Violation(path, f"{_dotted(path)}: a field name must be text (quote it)") for path in odd)
                errors = list(self.validator(name).iter_errors(data))
        except RecursionError:
            return [Violation((), "nested too deeply")]
        for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
            out.extend(_explain(err))
        return out


def _text_keys(data: Any, path: tuple[str | int, ...], odd: list[tuple[str | int, ...]]) -> Any:
    """A copy of `data` whose mapping keys are all strings; the paths of the keys that were not go to `odd`."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            text = key if isinstance(key, str) else str(key)
            if not isinstance(key, str):
                odd.append((*path, text))
            out[text] = _text_keys(value, (*path, text), odd)
        return out
    if isinstance(data, list):
        return [_text_keys(item, (*path, i), odd) for i, item in enumerate(data)]
    return data


def _explain(err: ValidationError) -> Iterator[Violation]:
    """Turn a jsonschema error into messages that name the field and say what to do."""
    path = tuple(err.absolute_path)
    where = _dotted(path)
    if err.validator in ("additionalProperties", "unevaluatedProperties"):
        extra = _unexpected(err)
        for key in extra:
            hint = " (an organisation's own fields must start with 'x-')" if not path else ""
            yield Violation((*path, key), f"{_dotted((*path, key))}: unknown field{hint}")
        if extra:
            return
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        yield Violation(path, f"{_dotted((*path, missing))}: required field is missing")
        return
    if err.validator == "enum":
        allowed = ", ".join(str(v) for v in err.validator_value)
        yield Violation(path, f"{where}: {err.instance!r} is not one of {allowed}")
        return
    if err.validator == "pattern":
        described = err.schema.get("description") if isinstance(err.schema, dict) else None
        yield Violation(path, f"{where}: {err.instance!r} is not {described}" if isinstance(described, str) else
                        f"{where}: {err.instance!r} does not match the expected form {err.validator_value}")
        return
    if err.context:
        best = min(err.context, key=lambda e: len(e.message))
        yield Violation(path, f"{where}: {best.message}")
        return
    yield Violation(path, f"{where}: {err.message}")


def _unexpected(err: ValidationError) -> list[str]:
    instance = err.instance
    if not isinstance(instance, dict):
        return []
    props = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
    patterns = err.schema.get("patternProperties", {}) if isinstance(err.schema, dict) else {}
    import re

    if err.validator == "unevaluatedProperties":
        # Which keys were not evaluated is in the message: "... ('a', 'b' were unexpected)"
        return [k for k in instance if f"'{k}'" in err.message]
    return [
        k
        for k in instance
        if k not in props and not any(re.search(p, str(k)) for p in patterns)
    ]


def _dotted(path: tuple[str | int, ...]) -> str:
    if not path:
        return "(top level)"
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
