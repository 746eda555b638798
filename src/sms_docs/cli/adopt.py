"""adopt: an existing repository of policies taken under document control."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TYPE_CHECKING

import click

from sms_docs.cli import Options, common, emit_json
from sms_docs.cli.reporting import Reporters, report

if TYPE_CHECKING:
    from sms_docs.adopt.apply import Adopted
    from sms_docs.adopt.mapping import Mapping
    from sms_docs.adopt.plan import Plan
    from sms_docs.gitrepo import GitRepo


@dataclass(frozen=True)
class PlanView:
    """The plan `adopt --dry-run` shows, and the mapping file it was also written to (if any)."""

    plan: Plan
    mapping_written: Path | None


def _plan_text(view: PlanView) -> None:
    _print_plan(view.plan)
    if view.mapping_written:
        click.echo(f"\nWrote the plan as a mapping to {view.mapping_written}.")


def _plan_json(view: PlanView) -> None:
    emit_json({"dry_run": True, **view.plan.to_json()})


PLAN_REPORTERS: Reporters[PlanView] = {"text": _plan_text, "json": _plan_json}


@dataclass(frozen=True)
class AdoptedView:
    """The adoption commit made from a plan (the text reporter has already shown the plan)."""

    plan: Plan
    done: Adopted


def _adopted_text(view: AdoptedView) -> None:
    _print_done(view.done, view.plan)


def _adopted_json(view: AdoptedView) -> None:
    emit_json({"dry_run": False, **view.plan.to_json(), **_done_json(view.done)})


ADOPTED_REPORTERS: Reporters[AdoptedView] = {"text": _adopted_text, "json": _adopted_json}


def _person(value: str) -> dict[str, Any]:
    """The same `ID:NAME <EMAIL>:ROLE,ROLE` as `init --person` (no roles: top-management, below)."""
    from sms_docs.actions.people import parse_person

    return parse_person(value.strip()).to_yaml()


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Adopt without asking.")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A mapping file (YAML) that overrides the proposal: people, types, files.")
@click.option("--write-mapping", "write_mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the plan as a mapping file to edit (with --dry-run).")
@click.option("--person", "persons", multiple=True, metavar='"ID:NAME <EMAIL>[:ROLE,ROLE]"',
              help="A person for sms-docs.yml (repeatable); with no roles, a new person is top-management.")
@click.option("--org", "organisation", default=None, help="The organisation's name (default: the folder's name).")
@click.option("--standard", type=click.Choice(["iso20000-1:2018", "iso20000-1:2011"]), default=None)
@click.option("--branch", default=None, help="Create this branch for the adoption commit.")
@click.option("--doorstop-as", "doorstop_as", type=click.Choice(["document", "record"]), default=None,
              help="Adopt doorstop items as documents (default) or records.")
@common(ADOPTED_REPORTERS)
def adopt(opts: Options, paths: tuple[str, ...], dry_run: bool, yes: bool, mapping_file: Path | None,
          write_mapping: Path | None, persons: tuple[str, ...], organisation: str | None, standard: str | None,
          branch: str | None, doorstop_as: str | None) -> None:
    """Take an existing git repository of Markdown policies under document control.

    Proposes a type, ID, title, owner and classification for each Markdown file (plain Markdown,
    strongdm/comply narratives, policies and procedures, doorstop items), from folder names,
    headings, existing front matter and a mapping file. On confirmation it writes sms-docs.yml
    (people inferred from git history), renames each file to the ID scheme with `git mv` (so
    `git log --follow` keeps working), adds front matter, and makes ONE commit with the trailer
    `Sms-docs-adoption: yes`, ready for approval (`sms-docs approve --all`). Bodies are kept byte
    for byte; the file's own front matter keys are kept as `x-` fields. The tree must be clean.

    The mapping file (YAML, every key optional; docs/adopting.md): organisation, standard,
    main_branch, doorstop_as, defaults {classification, owner, type}, people [{id, name, email,
    emails, github, roles}], types {NAME: {prefix, folder}}, crosswalk {STANDARD: {CONTROL:
    [CLAUSE]}}, folders {PATH: ENTRY}, files {PATH: ENTRY}, where an ENTRY has skip, type, id,
    title, owner, classification, as (document or record).

    \b
    Examples:
      sms-docs adopt --dry-run
      sms-docs adopt --dry-run --format json
      sms-docs adopt --dry-run --write-mapping adopt.yml
      sms-docs adopt --mapping adopt.yml --branch adopt --yes
      sms-docs adopt policies procedures --person 'dana:Dana Reyes <dana@example.com>' --branch adopt
      sms-docs adopt --doorstop-as record --branch adopt --yes
    """
    from sms_docs.adopt import apply as apply_mod
    from sms_docs.adopt import mapping as mapping_mod
    from sms_docs.errors import NotADocumentRepository
    from sms_docs.gitrepo import GitRepo, worktree_root

    root = worktree_root(opts.directory)
    if root is None:
        raise NotADocumentRepository(f"{opts.directory} is not in a git repository",
                                     hint="adopt works on an existing git repository: cd into it")
    _refuse_unusable(opts, dry_run, yes, write_mapping)
    people = tuple(_person(p) for p in persons)
    mapping = mapping_mod.load(mapping_file) if mapping_file else mapping_mod.Mapping()
    with GitRepo(root) as repo:
        if not dry_run:
            apply_mod.refuse_unready(repo, root)
        plan = _plan(repo, root, paths, PlanChoices(mapping, organisation, standard, doorstop_as, people))
        if write_mapping:
            _write_mapping(plan, write_mapping)
        if dry_run:
            report(opts, PLAN_REPORTERS, PlanView(plan, write_mapping))
            return
        report(opts, PREVIEW_REPORTERS, plan)
        if not yes and not click.confirm(f"\nAdopt {len(plan.adopted)} files in one commit?", default=False):
            click.echo("Nothing was changed.")
            raise SystemExit(1)
        done = apply_mod.apply(repo, root, plan, branch)
    report(opts, ADOPTED_REPORTERS, AdoptedView(plan, done))


def _refuse_unusable(opts: Options, dry_run: bool, yes: bool, write_mapping: Path | None) -> None:
    """Options that do not go together: --write-mapping without --dry-run; JSON with a prompt."""
    from sms_docs.errors import UsageError

    if write_mapping and not dry_run:
        raise UsageError("--write-mapping goes with --dry-run (write the plan, edit it, then adopt with --mapping)")
    if opts.format == "json" and not (dry_run or yes):
        raise UsageError("--format json needs --dry-run or --yes (there is no prompt in JSON)")


@dataclass(frozen=True)
class PlanChoices:
    """What the command line and the mapping file decide about the plan."""

    mapping: Mapping
    organisation: str | None
    standard: str | None
    doorstop_as: str | None
    people: tuple[dict[str, Any], ...]


def _plan(repo: GitRepo, root: Path, paths: tuple[str, ...], choices: PlanChoices) -> Plan:
    """The adoption plan for the Markdown files under PATHS (all of them when none is named)."""
    from sms_docs.adopt import apply as apply_mod
    from sms_docs.adopt.plan import Options as PlanOptions, make_plan
    from sms_docs.errors import UsageError
    from sms_docs.gitrepo import committer_identity

    main_branch = next((b for b in ("main", "master") if repo.resolve(f"refs/heads/{b}")), None) \
        or repo.current_branch() or "main"
    adopter = committer_identity(root)
    rel = [_relative(root, p) for p in paths]
    facts = apply_mod.gather(repo, root, rel)
    plan = make_plan(facts, PlanOptions(mapping=choices.mapping, organisation=choices.organisation,
                                        standard=choices.standard, main_branch=main_branch,
                                        doorstop_as=choices.doorstop_as, people=choices.people,
                                        adopter=(adopter[0] or "", adopter[1]) if adopter[1] else None))
    if not plan.adopted:
        raise UsageError("nothing to adopt: no Markdown file here would become a document",
                         hint="name the folders to adopt (sms-docs adopt policies), or see --dry-run")
    return plan


def _write_mapping(plan: Plan, target: Path) -> None:
    """--write-mapping: the plan as a mapping file to edit, written atomically."""
    from sms_docs.frontmatter import atomic_write, dump_yaml

    text = ("# sms-docs adopt mapping: edit, then run `sms-docs adopt --mapping FILE`\n"
            + dump_yaml(plan.to_mapping()))
    atomic_write(target if target.is_absolute() else Path.cwd() / target, text.encode())


def _relative(root: Path, given: str) -> str:
    path = Path(given)
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _print_plan(plan: Plan) -> None:
    skipped = len(plan.items) - len(plan.adopted)
    click.secho(f"Adoption plan: {len(plan.adopted)} files adopted, {skipped} left as they are", bold=True)
    for item in plan.items:
        click.echo()
        if item.action == "skip":
            click.echo(f"  {item.path}: left as it is ({item.reason})")
        else:
            arrow = item.new_path if item.new_path != item.path else "(keeps its name)"
            click.echo(f"  {item.path} -> {arrow}")
            how = ", ".join(f"{k} from {v}" for k, v in item.decided.items())
            click.echo(f"      {item.kind} {item.id} {item.type} \"{item.title}\" owner {item.owner}, {item.classification}")
            click.echo(f"      ({how})")
        for note in item.notes:
            click.echo("      " + click.style(note, fg="yellow" if note.startswith("decide") else None))
    click.echo()
    click.secho("People (sms-docs.yml)", bold=True)
    for p in plan.people:
        emails = ", ".join(p.all_emails)
        click.echo(f"  {p.id:<14} {p.name} <{emails}>  roles: {', '.join(p.roles) or '-'}  ({p.found})")
    click.secho("Types", bold=True)
    for name, t in plan.types.items():
        click.echo(f"  {name:<14} {t['prefix']:<6} {t['folder']}/  approvers: {', '.join(t['approvers'])}")
    for name, t in plan.record_types.items():
        click.echo(f"  {name:<14} {t['prefix']:<6} {t['folder']}/  (records)")
    if plan.notes:
        click.secho("Notes", bold=True)
        for note in plan.notes:
            click.echo(f"  {note}")


def _no_preview(plan: Plan) -> None:
    """JSON shows the plan once, with the commit (and there is no prompt to show it before)."""


# Before the prompt, the text reporter shows the plan to be confirmed.
PREVIEW_REPORTERS: Reporters[Plan] = {"text": _print_plan, "json": _no_preview}


def _done_json(done: Adopted) -> dict[str, Any]:
    return {"commit": done.commit, "branch": done.branch, "renamed": done.renamed,
            "rename_followed": done.followed, "rename_not_followed": done.not_followed}


def _print_done(done: Adopted, plan: Plan) -> None:
    click.echo()
    click.echo(f"Committed {done.commit[:12]} on {done.branch or 'HEAD'}: {len(plan.adopted)} files adopted, "
               f"{len(done.renamed)} renamed with git mv.")
    if done.not_followed:
        click.echo(f"git does not pair {len(done.not_followed)} renamed file(s) with their old name (too much of the file "
                   "is new front matter); their old paths are in former_paths:")
        for path in done.not_followed:
            click.echo(f"  {path}")
    click.echo("Next: `sms-docs check`, then an approver runs `sms-docs approve --all` on this branch, and it is merged.")
