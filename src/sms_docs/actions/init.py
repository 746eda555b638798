"""`init`: a new document repository from the starter SMS (git initialised, nothing committed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TYPE_CHECKING
from string import Template

from sms_docs import frontmatter
from sms_docs.actions.people import check_people, reassign_starter, set_people
from sms_docs.config import parse as config_parse
from sms_docs.errors import Refused, UsageError
from sms_docs.gitrepo import init_repository
from sms_docs.schemas import BUILTIN_DIR

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sms_docs.actions.people import NewPerson

PACKAGE = Path(__file__).resolve().parent.parent
REPO_TEMPLATES = PACKAGE / "templates" / "repo"
STARTER_FOLDERS = ("policies", "plans", "procedures", "agreements", "records")
STANDARDS = ("iso20000-1:2018", "iso20000-1:2011")


def starter_dir() -> Path:
    """The starter SMS: shipped in the wheel as sms_docs/starter, or the source checkout's root."""
    shipped = PACKAGE / "starter"
    if (shipped / "sms-docs.yml").is_file():
        return shipped
    checkout = PACKAGE.parent.parent
    if (checkout / "sms-docs.yml").is_file() and (checkout / "policies").is_dir():
        return checkout
    raise UsageError("the starter SMS is missing from this installation", hint="reinstall sms-docs")


def init(target: Path, organisation: str | None, standard: str, ci: str, force: bool, *,
         git_env: Mapping[str, str | None] | None = None, people: Sequence[NewPerson] = ()) -> list[str]:
    """Create the repository; returns the files written (repo-relative). With `people`, they replace
    the starter's fictional people and the starter documents are assigned to them by role."""
    if standard not in STANDARDS:
        raise UsageError(f"unknown standard {standard!r}", hint=f"one of: {', '.join(STANDARDS)}")
    if target.exists() and not target.is_dir():
        raise Refused(f"{target} exists and is not a folder; nothing was written")
    if target.is_dir() and any(p.name != ".git" for p in target.iterdir()) and not force:
        raise Refused(f"{target} is not empty; nothing was written",
                      hint="choose an empty folder, or pass --force to add the starter files (existing files are kept)")
    if people:
        check_people(people)
    source = starter_dir()
    target.mkdir(parents=True, exist_ok=True)
    written: list[str] = []

    def put(rel: str, data: bytes) -> None:
        dest = target / rel
        if dest.exists():
            return  # --force adds, it never overwrites
        frontmatter.atomic_write(dest, data)
        written.append(rel)

    config_bytes = (source / "sms-docs.yml").read_bytes()
    org = organisation or "Example Services Ltd"

    def edit(mapping: Any) -> None:
        mapping["organisation"] = org
        mapping["standard"] = standard
        if people:
            set_people(mapping, people)

    put("sms-docs.yml", _edit_yaml(config_bytes, edit))
    for folder in STARTER_FOLDERS:
        base = source / folder
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                put(path.relative_to(source).as_posix(), path.read_bytes())
    if people:
        starter, _ = config_parse(source, frontmatter.decode(config_bytes), validate=False)
        reassign_starter(target, list(written), starter, people)
    for path in sorted(BUILTIN_DIR.glob("*.json")):
        put(f"schemas/{path.name}", path.read_bytes())
    # A JSON string is a valid YAML scalar whatever the name holds (quotes, colons, backslashes).
    substitutions = {"site_name": json.dumps(f"{org} - service management system", ensure_ascii=False)}
    put("mkdocs.yml", Template((REPO_TEMPLATES / "mkdocs.yml").read_text()).safe_substitute(substitutions).encode())
    put(".gitignore", (REPO_TEMPLATES / "gitignore").read_bytes())
    put(".pre-commit-config.yaml", (REPO_TEMPLATES / "pre-commit-config.yaml").read_bytes())
    put("site-src/.gitkeep", b"")
    put(".sms/allowed_signers", b"# Approvers' signing keys, in git's allowed-signers format:\n"
        b"# <email> namespaces=\"git\" <key type> <public key>\n")
    if ci == "github":
        put(".github/workflows/sms-docs.yml", (REPO_TEMPLATES / "github-workflow.yml").read_bytes())
    elif ci == "gitlab":
        put(".gitlab-ci.yml", (REPO_TEMPLATES / "gitlab-ci.yml").read_bytes())
    if not (target / ".git").exists():
        init_repository(target, git_env)
    return written


def _edit_yaml(data: bytes, edit: object) -> bytes:
    """Round-trip edit of a whole YAML file (comments kept)."""
    import io

    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    mapping = rt.load(frontmatter.decode(data))
    edit(mapping)  # type: ignore[operator]
    out = io.StringIO()
    rt.dump(mapping, out)
    return out.getvalue().encode("utf-8")
