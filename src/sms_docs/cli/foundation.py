"""check, new, init, owners reassign: each hands its result to the reporter its `--format` names."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sms_docs.cli import Options, common, emit_json, exit_for, print_findings, summary_counts
from sms_docs.cli.reporting import Reporters, report

if TYPE_CHECKING:
    from sms_docs.actions.people import NewPerson, Reassigned
    from sms_docs.checks import CheckResult


# --- check ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckView:
    """What `check` reports: the findings, and how long reading the tree took."""

    result: CheckResult
    elapsed: float


def _check_text(view: CheckView) -> None:
    result = view.result
    print_findings(result.findings)
    if result.findings:
        click.echo()
    counted = f"{result.documents} documents, {result.records} records checked in {view.elapsed:.2f} s"
    click.echo(f"{summary_counts(result.findings)} ({counted})")
    if result.grouped:
        click.echo(f"{result.grouped} follow-on finding{'s' * (result.grouped != 1)} grouped under their cause "
                   "(--all-findings lists them)")


def _check_json(view: CheckView) -> None:
    emit_json(view.result.to_json())


CHECK_REPORTERS: Reporters[CheckView] = {"text": _check_text, "json": _check_json}


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1).")
@click.option("--no-cache", is_flag=True, help="Read every file again (the cache lives under .git/sms-docs/).")
@click.option("--all-findings", is_flag=True,
              help="List every finding, also those that follow from another (by default they are grouped under their cause).")
@common(CHECK_REPORTERS)
def check(opts: Options, paths: tuple[str, ...], strict: bool, no_cache: bool, all_findings: bool) -> None:
    """Check the working tree: YAML, schemas, IDs, references, obsolete control, configuration.

    Needs no history, so it is fast enough for a pre-commit hook. PATHS limit the report to those
    files or folders (the whole set is still read, to check IDs and references).

    Findings in sms-docs.yml come first. Findings that follow from one cause are reported once: a
    bad value under `types.NAME` or `people[N]` in sms-docs.yml stands for every finding it causes
    in other files (counted in its message), and one missing person, type or document named by many
    files is one finding naming the others. --all-findings lists each of them.

    \b
    Examples:
      sms-docs check
      sms-docs check policies/POL-004-information-security-policy.md
      sms-docs check --format json
      sms-docs check --all-findings      # every follow-on finding, one by one
    """
    from sms_docs.checks import run_check

    root = opts.root()
    started = time.perf_counter()
    rel = [_relative(root, p) for p in paths]
    for given, path in zip(paths, rel, strict=True):
        if not (root / path).exists():  # (a typo must not pass as "no findings"; a deleted file in a hook's list may)
            click.echo(f"Warning: {given} does not exist: nothing there was checked", err=True)
    result = run_check(root, rel or None, use_cache=not no_cache, all_findings=all_findings)
    report(opts, CHECK_REPORTERS, CheckView(result, time.perf_counter() - started))
    raise SystemExit(exit_for(result.findings, strict))


def _relative(root: Path, given: str) -> str:
    path = Path(given)
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- new -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """The document `new` wrote: its path from the repository root and its ID."""

    path: str
    id: str


def _created_text(done: Created) -> None:
    click.echo(done.path)


def _created_json(done: Created) -> None:
    emit_json({"path": done.path, "id": done.id})


NEW_REPORTERS: Reporters[Created] = {"text": _created_text, "json": _created_json}


@click.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--title", "-t", required=True, help="The document's title.")
@click.option("--owner", "-o", default=None, help="Owner's person id (default: you, by your git email).")
@click.option("--classification", type=click.Choice(["public", "internal", "confidential", "restricted"]),
              default="internal", show_default=True)
@common(NEW_REPORTERS)
def new(opts: Options, type_name: str, title: str, owner: str | None, classification: str) -> None:
    """Create a document with the next free ID of TYPE, from the type's template.

    The ID is free across the working tree and every local and remote-tracking branch, so two
    open pull requests never get the same one. Prints the new file's path. Never overwrites.

    \b
    Examples:
      sms-docs new policy --title "Remote working policy"
      sms-docs new procedure --title "Access reviews" --owner marcus
    """
    from sms_docs import config
    from sms_docs.actions.new import create
    from sms_docs.errors import UsageError

    root = opts.root()
    settings = config.load_valid(root)
    if owner is None:
        from sms_docs.gitrepo import committer_identity

        _, email = committer_identity(root)
        person = settings.person_by_email(email) if email else None
        if person is None:
            raise UsageError("no --owner given and your git email is not in sms-docs.yml people",
                             hint="pass --owner PERSON")
        owner = person.id
    path = create(settings, type_name, title, owner, classification)
    parts = path.name.split("-")
    report(opts, NEW_REPORTERS, Created(path.relative_to(root).as_posix(), parts[0] + "-" + parts[1]))


# --- init ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Initialised:
    """The repository `init` created: where, the files written, the people given and the roles none of
    them holds (role: the types it approves)."""

    directory: Path
    files: list[str]
    people: list[NewPerson]
    unheld: dict[str, list[str]]


def _initialised_text(done: Initialised) -> None:
    click.echo(f"Created a document repository in {done.directory} ({len(done.files)} files, nothing committed).")
    if done.people:
        click.echo(f"People: {', '.join(p.id for p in done.people)}; the starter documents are assigned to them by role.")
        for role, what in sorted(done.unheld.items()):
            click.secho(f"warning: nobody holds the role {role!r}, which approves {', '.join(what)}: give it to someone "
                        "in sms-docs.yml", fg="yellow", err=True)
        click.echo("Next: run `sms-docs check`, commit on a branch, and approve the first document set with")
        click.echo("`sms-docs approve --all` (run by approvers who did not write the commit).")
        return
    click.echo("Next: edit sms-docs.yml (people and roles), run `sms-docs check`, commit on a branch,")
    click.echo("and approve the first document set with `sms-docs approve --all`.")


def _initialised_json(done: Initialised) -> None:
    emit_json({"directory": str(done.directory), "files": done.files, "people": [p.id for p in done.people],
               "unheld_roles": done.unheld})


INIT_REPORTERS: Reporters[Initialised] = {"text": _initialised_text, "json": _initialised_json}


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--org", "organisation", default=None, help="The organisation's name.")
@click.option("--standard", type=click.Choice(["iso20000-1:2018", "iso20000-1:2011"]),
              default="iso20000-1:2018", show_default=True)
@click.option("--ci", type=click.Choice(["github", "gitlab", "none"]), default="none", show_default=True,
              help="Write the forge's CI workflow.")
@click.option("--person", "persons", multiple=True, metavar='"ID:NAME <EMAIL>:ROLE,ROLE"',
              help="One of your people (repeatable); they replace the starter's fictional people.")
@click.option("--people", "people_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A YAML list of your people (id, name, email, roles), as in sms-docs.yml.")
@click.option("--force", is_flag=True, help="Add the starter files to a non-empty folder (never overwrites).")
@common(INIT_REPORTERS)
def init(opts: Options, directory: Path | None, organisation: str | None, standard: str, ci: str,
         persons: tuple[str, ...], people_file: Path | None, force: bool) -> None:
    """Create a document repository from the starter SMS (git initialised, nothing committed).

    The starter SMS names fictional people. Give your own with --person (repeatable) or --people
    FILE: they replace them in sms-docs.yml, and each starter document is assigned to the person
    whose roles best match its fictional owner's (then one who may approve its type), so `sms-docs
    check` is clean. Roles: top-management, sms-manager, process-owner, service-owner,
    security-manager, document-controller, internal-auditor (or your own).

    \b
    Examples:
      sms-docs init my-sms --org "Example Services Ltd"
      sms-docs init my-sms --standard iso20000-1:2011 --ci gitlab
      sms-docs init my-sms --org "Example Services Ltd" \\
        --person "dana:Dana Reyes <dana@example.com>:top-management" \\
        --person "ines:Ines Duarte <ines@example.com>:document-controller,sms-manager,process-owner,service-owner"
      sms-docs init my-sms --people people.yml
    """
    from sms_docs.actions.init import init as do_init
    from sms_docs.actions.people import load_people_file, parse_person

    target = directory if directory is not None else opts.directory
    if not target.is_absolute():
        target = opts.directory / target
    people = [parse_person(spec) for spec in persons]
    if people_file is not None:
        people += load_people_file(people_file if people_file.is_absolute() else opts.directory / people_file)
    written = do_init(target, organisation, standard, ci, force, people=people)
    unheld = _unheld(target, people) if people else {}
    report(opts, INIT_REPORTERS, Initialised(target, written, people, unheld))


def _unheld(target: Path, people: list[Any]) -> dict[str, list[str]]:
    from sms_docs import config
    from sms_docs.actions.people import unheld_roles

    settings, _ = config.load(target)
    return unheld_roles(settings, people)


# --- owners reassign ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReassignView:
    """What `owners reassign` did (or would do, under --dry-run), from OLD to NEW."""

    done: Reassigned
    old: str
    new: str
    dry_run: bool


def _reassigned_text(view: ReassignView) -> None:
    done = view.done
    verb = "would change" if view.dry_run else "changed"
    for ident, path in done.changed:
        click.echo(f"{ident:<9} {path}: owner {view.old} -> {view.new}")
    for ident, path, why in done.skipped:
        click.secho(f"{ident:<9} {path}: skipped ({why})", fg="yellow")
    click.echo(f"{len(done.changed)} document{'s' * (len(done.changed) != 1)} {verb}"
               + (f", {len(done.skipped)} skipped" if done.skipped else "")
               + ("; nothing written (--dry-run)" if view.dry_run else "; nothing committed"))


def _reassigned_json(view: ReassignView) -> None:
    emit_json(view.done.to_json())


REASSIGN_REPORTERS: Reporters[ReassignView] = {"text": _reassigned_text, "json": _reassigned_json}


@click.group()
def owners() -> None:
    """Document owners in bulk.

    \b
    Examples:
      sms-docs owners reassign sofia kwame --dry-run
      sms-docs owners reassign sofia kwame --type sla
    """


@owners.command("reassign")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--type", "type_name", default=None, metavar="TYPE", help="Only documents of this type.")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@common(REASSIGN_REPORTERS)
def owners_reassign(opts: Options, old: str, new: str, type_name: str | None, dry_run: bool) -> None:
    """Give every document owned by OLD the owner NEW (a person in sms-docs.yml).

    Rewrites `owner:` in the working tree's front matter (comments, order and bodies kept), each
    file atomically; commits nothing: commit the change on a branch and have it approved like any
    other. Obsolete documents are never edited and are listed as skipped. OLD need not be in
    sms-docs.yml any more (someone who left).

    \b
    Examples:
      sms-docs owners reassign sofia kwame --dry-run
      sms-docs owners reassign sofia kwame --type sla
      sms-docs owners reassign sofia kwame --format json
    """
    from sms_docs.actions.people import reassign_owners

    done = reassign_owners(opts.root(), old, new, type_name=type_name, dry_run=dry_run)
    report(opts, REASSIGN_REPORTERS, ReassignView(done, old, new, dry_run))
