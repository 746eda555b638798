"""coverage, codeowners, approvals import: each hands its result to the reporter its `--format` names."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sms_docs.cli import Options, common, emit_json
from sms_docs.cli.reporting import Reporters, report

if TYPE_CHECKING:
    from sms_docs.coverage import Coverage
    from sms_docs.integrations import Codeowners, Imported


# --- coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageView:
    """The coverage of the standard, and whether only the gaps are wanted (text)."""

    coverage: Coverage
    gaps_only: bool


def _coverage_text(view: CoverageView) -> None:
    from sms_docs.coverage import text_lines

    for line, style in text_lines(view.coverage, gaps_only=view.gaps_only):
        if style == "bold":
            click.secho(line, bold=True)
        else:
            click.secho(line, fg=style)


def _coverage_json(view: CoverageView) -> None:
    emit_json(view.coverage.to_json())


COVERAGE_REPORTERS: Reporters[CoverageView] = {"text": _coverage_text, "json": _coverage_json}


@click.command()
@click.option("--standard", type=click.Choice(["iso20000-1:2018", "iso20000-1:2011"]), default=None,
              help="Measure against this edition instead of sms-docs.yml `standard` (e.g. during a transition).")
@click.option("--gaps", "gaps_only", is_flag=True, help="Show only the summary and the gaps (text).")
@click.option("--strict", is_flag=True, help="Clauses no document cites fail the run too (exit 1).")
@common(COVERAGE_REPORTERS)
def coverage(opts: Options, standard: str | None, gaps_only: bool, strict: bool) -> None:
    """The standard's clauses and mandatory documented information against the effective documents.

    A document counts when it has an approved revision in effect on the as-of day and is not
    obsolete; its clauses are read from that revision. A clause is covered when such a document
    cites it or one of its sub-clauses; a mandatory item (2018 7.5.4, 2011 4.3.1) when each of its
    parts is. For ISO/IEC 20000-1:2011 the documents' 2018 citations count through the crosswalk
    between the editions. Exit 1 when a mandatory item has no effective document.

    \b
    Examples:
      sms-docs coverage
      sms-docs coverage --gaps
      sms-docs coverage --standard iso20000-1:2011 --format json
      sms-docs coverage --as-of 2026-06-30
    """
    from sms_docs import coverage as coverage_mod
    from sms_docs.catalog import Catalog

    with Catalog.open(opts.root(), ref=opts.ref, as_of=opts.as_of) as cat:
        cov = coverage_mod.compute(cat, standard)
    report(opts, COVERAGE_REPORTERS, CoverageView(cov, gaps_only))
    failed = not cov.ok or (strict and bool(cov.gaps))
    raise SystemExit(1 if failed else 0)


# --- codeowners ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeownersView:
    """The CODEOWNERS generated (`text`, as rendered), and whether it was written to its file."""

    codeowners: Codeowners
    text: str
    written: bool


def _codeowners_text(view: CodeownersView) -> None:
    if view.written:
        documents = sum(1 for x in view.codeowners.lines if x.document)
        click.echo(f"wrote {view.codeowners.file} ({documents} documents)")
    else:
        click.echo(view.text, nl=False)


def _codeowners_json(view: CodeownersView) -> None:
    emit_json({**view.codeowners.to_json(), "written": view.written})


CODEOWNERS_REPORTERS: Reporters[CodeownersView] = {"text": _codeowners_text, "json": _codeowners_json}


@click.command()
@click.option("--forge", type=click.Choice(["github", "gitlab"]), default="github", show_default=True,
              help="CODEOWNERS syntax and usernames (`github:` or `gitlab:` in sms-docs.yml).")
@click.option("--write", is_flag=True, help="Write .github/CODEOWNERS (github) or CODEOWNERS (gitlab) atomically.")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when the file differs from what would be generated.")
@common(CODEOWNERS_REPORTERS)
def codeowners(opts: Options, forge: str, write: bool, check_only: bool) -> None:
    """CODEOWNERS from each document's owner and approvers, so the forge asks the right people.

    One line per document (its owner, then everyone holding its approver roles); sms-docs.yml,
    schemas/, .sms/, the CODEOWNERS file and the CI definition belong to the configuration
    approvers. People appear as @username when sms-docs.yml gives `github:` / `gitlab:`, else by
    email. Prints the file unless --write.

    \b
    Examples:
      sms-docs codeowners
      sms-docs codeowners --write
      sms-docs codeowners --forge gitlab --write
      sms-docs codeowners --check          # in CI: is CODEOWNERS up to date?
    """
    from sms_docs import frontmatter
    from sms_docs.integrations import codeowners as build

    root = opts.root()
    result = build(root, forge)
    text = result.render()
    for warning in result.warnings:
        click.echo(click.style("warning: ", fg="yellow") + warning, err=True)
    target = root / result.file
    if check_only:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            state = "is missing" if current is None else "is out of date"
            click.echo(f"{result.file} {state}: run `sms-docs codeowners --write --forge {forge}`", err=True)
            raise SystemExit(1)
        click.echo(f"{result.file} is up to date", err=True)
        raise SystemExit(0)
    if write:
        frontmatter.atomic_write(target, text.encode("utf-8"))
    report(opts, CODEOWNERS_REPORTERS, CodeownersView(result, text, written=write))


# --- approvals import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportView:
    """What `approvals import` recorded (or, under --dry-run, would record) for a pull request."""

    done: Imported
    pull_request: int
    dry_run: bool


def _imported_text(view: ImportView) -> None:
    done = view.done
    if view.dry_run:
        click.echo(done.text, nl=False)
        return
    if not done.created:
        click.echo(f"pull request #{view.pull_request} is already recorded in {done.id}", err=True)
    elif not done.reviews:
        click.echo(f"pull request #{view.pull_request} has no standing approval; recorded that in {done.id}", err=True)
    click.echo(done.path)


def _imported_json(view: ImportView) -> None:
    done = view.done
    emit_json({"id": done.id, "path": done.path, "created": done.created,
               "reviews": [{**r.to_record(), "person": r.person} for r in done.reviews]})


IMPORT_REPORTERS: Reporters[ImportView] = {"text": _imported_text, "json": _imported_json}


@click.group()
def approvals() -> None:
    """Approval evidence from the forge (GitHub pull request reviews).

    \b
    Examples:
      gh api --paginate repos/OWNER/REPO/pulls/42/reviews > reviews.json
      sms-docs approvals import --github-reviews reviews.json --pr 42 --merge-commit 3f2c...e9
    """


@approvals.command("import")
@click.option("--github-reviews", "reviews_file", required=True, metavar="FILE",
              help="JSON from GET /repos/{owner}/{repo}/pulls/{n}/reviews ('-' reads standard input).")
@click.option("--pr", "pull_request", required=True, type=int, metavar="N", help="The pull request number.")
@click.option("--merge-commit", required=True, metavar="SHA", help="The commit that merged it (full id).")
@click.option("--dry-run", is_flag=True, help="Print the record instead of writing it.")
@common(IMPORT_REPORTERS)
def import_(opts: Options, reviews_file: str, pull_request: int, merge_commit: str, dry_run: bool) -> None:
    """Record a merged pull request's GitHub reviews as an approvals record, for CI to commit.

    Keeps each reviewer's latest APPROVED review (a later CHANGES_REQUESTED or DISMISSED review
    cancels it), maps logins to people by `github:` in sms-docs.yml and writes
    records/approvals/<year>/APR-<year>-NNNN.yml; prints its path. An approval counts for a
    document when the reviewed commit holds exactly the content that reached the main line.
    Running it again for the same pull request writes nothing and prints the existing record.
    The record is dated by the merge commit (or --as-of).

    \b
    Examples:
      gh api --paginate repos/OWNER/REPO/pulls/42/reviews > reviews.json
      sms-docs approvals import --github-reviews reviews.json --pr 42 --merge-commit 3f2c...e9
    """
    from sms_docs.errors import UsageError
    from sms_docs.integrations import import_github_reviews

    root = opts.root()
    if reviews_file == "-":
        text, source = sys.stdin.read(), "standard input"
    else:
        path = Path(reviews_file)
        if not path.is_absolute():
            path = opts.directory / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--github-reviews {reviews_file}: cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--github-reviews {reviews_file}: not UTF-8 text") from None
        source = reviews_file
    done = import_github_reviews(root, text, pull_request, merge_commit, day=opts.as_of, source=source,
                                 dry_run=dry_run)
    for note in done.notes:
        click.echo(click.style("note: ", fg="yellow") + note, err=True)
    report(opts, IMPORT_REPORTERS, ImportView(done, pull_request, dry_run))
