"""check, new, init."""

from __future__ import annotations

import time
from pathlib import Path

import click

from sms_docs.cli import Options, common, emit_json, exit_for, print_findings, summary_counts


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1).")
@click.option("--no-cache", is_flag=True, help="Read every file again (the cache lives under .git/sms-docs/).")
@click.option("--all-findings", is_flag=True,
              help="List every finding, also those that follow from another (by default they are grouped under their cause).")
@common()
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
    result = run_check(root, rel or None, use_cache=not no_cache, all_findings=all_findings)
    elapsed = time.perf_counter() - started
    if opts.format == "json":
        emit_json(result.to_json())
    else:
        print_findings(result.findings)
        if result.findings:
            click.echo()
        counted = f"{result.documents} documents, {result.records} records checked in {elapsed:.2f} s"
        click.echo(f"{summary_counts(result.findings)} ({counted})")
        if result.grouped:
            click.echo(f"{result.grouped} follow-on finding{'s' * (result.grouped != 1)} grouped under their cause "
                       "(--all-findings lists them)")
    raise SystemExit(exit_for(result.findings, strict))


def _relative(root: Path, given: str) -> str:
    path = Path(given)
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return absolute.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@click.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--title", "-t", required=True, help="The document's title.")
@click.option("--owner", "-o", default=None, help="Owner's person id (default: you, by your git email).")
@click.option("--classification", type=click.Choice(["public", "internal", "confidential", "restricted"]),
              default="internal", show_default=True)
@common()
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
    rel = path.relative_to(root).as_posix()
    if opts.format == "json":
        emit_json({"path": rel, "id": path.name.split("-")[0] + "-" + path.name.split("-")[1]})
    else:
        click.echo(rel)


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--org", "organisation", default=None, help="The organisation's name.")
@click.option("--standard", type=click.Choice(["iso20000-1:2018", "iso20000-1:2011"]),
              default="iso20000-1:2018", show_default=True)
@click.option("--ci", type=click.Choice(["github", "gitlab", "none"]), default="none", show_default=True,
              help="Write the forge's CI workflow.")
@click.option("--force", is_flag=True, help="Add the starter files to a non-empty folder (never overwrites).")
@common()
def init(opts: Options, directory: Path | None, organisation: str | None, standard: str, ci: str, force: bool) -> None:
    """Create a document repository from the starter SMS (git initialised, nothing committed).

    \b
    Examples:
      sms-docs init my-sms --org "Example Services Ltd"
      sms-docs init my-sms --standard iso20000-1:2011 --ci gitlab
    """
    from sms_docs.actions.init import init as do_init

    target = directory if directory is not None else opts.directory
    if not target.is_absolute():
        target = opts.directory / target
    written = do_init(target, organisation, standard, ci, force)
    if opts.format == "json":
        emit_json({"directory": str(target), "files": written})
        return
    click.echo(f"Created a document repository in {target} ({len(written)} files, nothing committed).")
    click.echo("Next: edit sms-docs.yml (people and roles), run `sms-docs check`, commit on a branch,")
    click.echo("and approve the first document set with `sms-docs approve --all`.")
