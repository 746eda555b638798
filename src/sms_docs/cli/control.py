"""approve, history, status, show, diff, audit, export.

Each command opens the catalogue, asks the library for a result and hands it to the reporter its
`--format` names (the formats offered are the keys of its reporters)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sms_docs.cli import (Options, common, cycle_collector_paused, echo_json, emit_json, exit_for, leave_to_exit,
                          write_output)
from sms_docs.cli.reporting import Reporters, report
from sms_docs.gitrepo import ZERO
from sms_docs.policy import review_overdue
from sms_docs.report import control_statement

if TYPE_CHECKING:
    import datetime as dt

    from sms_docs.actions.approve import Approved
    from sms_docs.catalog import Catalog, DocStatus
    from sms_docs.config import Settings
    from sms_docs.precontrol import ControlStart
    from sms_docs.model import PreControlChange, Revision
    from sms_docs.redline import Redline
    from sms_docs.report import Register

_STATE_COLOUR = {"effective": "green", "approved": "cyan", "changed": "yellow", "draft": None, "obsolete": "red"}


def _open(opts: Options) -> Catalog:
    from sms_docs.catalog import Catalog

    return Catalog.open(opts.root(), ref=opts.ref, as_of=opts.as_of)


# --- approve -------------------------------------------------------------------------------------


def _approved_text(done: Approved) -> None:
    click.echo(f"Recorded {done.meaning} by {done.name} <{done.email}> in commit {done.commit[:10]}"
               f"{' (signed)' if done.signed else ''}:")
    for key, path, blob in done.items:
        click.echo(f"  {key:<10} {blob[:10]}  {path}")
    if done.skipped:
        click.echo(f"Not yours to approve ({len(done.skipped)}); another approver must sign these:")
        for reason in done.skipped:
            click.echo(f"  {reason}")


def _approved_json(done: Approved) -> None:
    emit_json({"commit": done.commit, "name": done.name, "email": done.email, "meaning": done.meaning,
               "signed": done.signed, "skipped": done.skipped,
               "approved": [{"id": k, "path": p, "blob": b} for k, p, b in done.items]})


APPROVE_REPORTERS: Reporters[Approved] = {"text": _approved_text, "json": _approved_json}


@click.command()
@click.argument("ids", nargs=-1, metavar="ID...")
@click.option("--meaning", type=click.Choice(["approval", "review"]), default="approval", show_default=True,
              help="What your signature means.")
@click.option("--sign", is_flag=True, help="Sign the commit with git's signing configuration (SSH or GPG).")
@click.option("--all", "all_changed", is_flag=True, help="Approve every controlled file this branch changes.")
@common(APPROVE_REPORTERS)
def approve(opts: Options, ids: tuple[str, ...], meaning: str, sign: bool, all_changed: bool) -> None:
    """Approve documents: an approval commit that changes no file and binds to each file's exact content.

    Run it as the approver (your git email must be in sms-docs.yml), on the change branch, after the
    change is committed. Configuration files are approved by path (sms-docs.yml, schemas/NAME.json).

    \b
    Examples:
      sms-docs approve POL-001
      sms-docs approve POL-001 PRC-004 --sign
      sms-docs approve --all
    """
    from sms_docs.actions.approve import approve as do_approve

    done = do_approve(opts.root(), list(ids), meaning=meaning, sign=sign, all_changed=all_changed, ref=opts.ref)
    report(opts, APPROVE_REPORTERS, done)


# --- status, export register ----------------------------------------------------------------------


def _register_text(reg: Register) -> None:
    rows = reg.rows
    width = min(40, max([len("Title"), *(len(r.title) for r in rows)]))
    header = f"{'ID':<9} {'Title':<{width}} {'Type':<10} {'Rev':>3}  {'State':<10} {'Effective':<11} {'Next review':<12}  Owner"
    click.secho(header, bold=True)
    for r in rows:
        title = r.title if len(r.title) <= width else r.title[: width - 1] + "…"
        overdue = "!" if review_overdue(r.next_review, r.state, reg.as_of) else " "
        state = click.style(f"{r.state.value:<10}", fg=_STATE_COLOUR.get(r.state.value))
        click.echo(f"{r.id:<9} {title:<{width}} {r.type:<10} {r.revision if r.revision else '-':>3}  {state} "
                   f"{(r.effective.isoformat() if r.effective else '-'):<11} {(r.next_review.isoformat() if r.next_review else '-'):<12}{overdue} {r.owner}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.state.value] = counts.get(r.state.value, 0) + 1
    click.echo()
    click.echo(f"{len(rows)} documents on {reg.ref} as of {reg.as_of}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))


def _register_json(reg: Register) -> None:
    emit_json(reg.to_json())


def _register_csv(reg: Register) -> None:
    from sms_docs.report import register_csv

    click.echo(register_csv(reg.rows), nl=False)


REGISTER_REPORTERS: Reporters[Register] = {"text": _register_text, "json": _register_json, "csv": _register_csv}
EXPORT_REPORTERS: Reporters[Register] = {"csv": _register_csv, "json": _register_json}


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID...]")
@click.option("--state", "states", multiple=True,
              type=click.Choice(["draft", "approved", "effective", "changed", "obsolete"]),
              help="Only documents in this state (repeatable).")
@common(REGISTER_REPORTERS)
def status(opts: Options, ids: tuple[str, ...], states: tuple[str, ...]) -> None:
    """The register: each document's derived state, revision, effective date and next review.

    `!` marks an overdue review; `changed` means the main line holds an edit nobody approved yet.

    \b
    Examples:
      sms-docs status
      sms-docs status POL-001 POL-002
      sms-docs status --as-of 2026-06-30 --format json
    """
    from sms_docs.report import register

    with _open(opts) as cat:
        found = register(cat, list(ids), states)
    report(opts, REGISTER_REPORTERS, found)


@click.group()
def export() -> None:
    """Export the register.

    \b
    Examples:
      sms-docs export register --format csv --output register.csv
      sms-docs export register --format json > register.json
    """


def _register_file_text(fmt: str, reg: Register) -> str:
    """The register as the text of a file: the same bytes `--output` writes and standard output shows."""
    from sms_docs.report import register_csv

    if fmt == "csv":
        return register_csv(reg.rows)
    return json.dumps(reg.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"


@export.command("register")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the register to FILE (atomically) instead of standard output.")
@common(EXPORT_REPORTERS)
def export_register(opts: Options, output: Path | None) -> None:
    """The document register as CSV or JSON.

    \b
    Examples:
      sms-docs export register --format csv --output register.csv
      sms-docs export register --format json > register.json
    """
    from sms_docs.report import register

    with _open(opts) as cat:
        found = register(cat)
    if output is None:
        report(opts, EXPORT_REPORTERS, found)
        return
    write_output(opts, output, _register_file_text(opts.format, found))
    click.echo(f"wrote {output} ({len(found.rows)} documents)", err=True)


# --- show ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One document's control block, with the people it names."""

    status: DocStatus
    settings: Settings


def _shown_json(view: Shown) -> None:
    s = view.status
    data = s.to_json()
    rev = s.described  # every fact of one revision: the one in force (policy.in_force)
    data["approvals"] = [a.to_json() for a in (rev.approvals if rev else ())]
    data["clauses"] = s.shown.list_field("clauses") if s.shown else []
    data["review_cycle"] = s.review_cycle
    data["blob"] = rev.blob if rev else None
    data["commit"] = rev.commit if rev else None
    data["withdrawn"] = _iso(s.withdrawn_on)
    up = s.upcoming
    data["upcoming"] = None if up is None else {
        "revision": up.number, "effective": _iso(up.effective), "blob": up.blob, "commit": up.commit,
        "approvals": [a.to_json() for a in up.approvals]}
    emit_json(data)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _shown_text(view: Shown) -> None:
    s, settings = view.status, view.settings
    rev = f"rev {s.revision}" if s.revision else "no approved revision"
    since = f" · effective since {s.effective}" if s.effective and s.state.value in ("effective", "changed") else (
        f" · withdrawn on {s.withdrawn_on}" if s.withdrawn_on else f" · effective from {s.effective}" if s.effective else "")
    click.secho(f"{s.id}  {s.title}", bold=True, nl=False)
    click.echo(f"   {rev} · " + click.style(s.state.value, fg=_STATE_COLOUR.get(s.state.value)) + since)
    owner = settings.person(s.owner)
    clauses = ", ".join(s.shown.list_field("clauses")) if s.shown else ""
    click.echo(f"type {s.type} · owner {owner.name if owner else s.owner} · classification {s.classification}"
               + (f" · clauses {clauses}" if clauses else ""))
    shown = s.described
    for a in (shown.approvals if shown else ()):
        person = settings.person(a.person) if a.person else None
        roles = f" ({', '.join(person.roles)})" if person and person.roles else ""
        mark = "" if a.valid else click.style(f"  NOT VALID: {a.reason}", fg="red")
        click.echo(f"approved  {a.date.date()}  {a.name}{roles}  {a.meaning}  {a.evidence}  signed: {a.signature}{mark}")
    tail = f"next review {s.next_review} (cycle {s.review_cycle})" if s.next_review else f"review cycle {s.review_cycle}"
    if shown:
        tail += f" · blob {shown.blob[:8]} · commit {shown.commit[:8]}"
    click.echo(tail)
    if s.upcoming is not None:
        up = s.upcoming
        who = ", ".join(dict.fromkeys(a.name for a in up.approvals if a.valid))
        click.secho(f"upcoming: rev {up.number} approved{' by ' + who if who else ''}, takes effect on {up.effective}"
                    f" · blob {up.blob[:8]} · commit {up.commit[:8]}", fg="cyan")
    if s.state.value == "changed":
        click.secho("the main line holds an unapproved change; the revision above stays the one published", fg="yellow")


SHOW_REPORTERS: Reporters[Shown] = {"text": _shown_text, "json": _shown_json}


@click.command()
@click.argument("ident", metavar="ID")
@common(SHOW_REPORTERS)
def show(opts: Options, ident: str) -> None:
    """The control block of one document: revision, state, approvals, next review.

    \b
    Examples:
      sms-docs show POL-001
      sms-docs show POL-001 --format json
    """
    with _open(opts) as cat:
        found = Shown(cat.get(ident), cat.settings)
    report(opts, SHOW_REPORTERS, found)


# --- history ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """Every main-line change of one controlled file (a document by ID, a configuration file by path)."""

    id: str
    ref: str
    revisions: list[Revision]
    # Only in a repository whose main line began before sms-docs.yml did (issue 12):
    pre_control: list[PreControlChange] = field(default_factory=list)
    control: ControlStart | None = None


def _history_json(h: Changes) -> None:
    data: dict[str, Any] = {"id": h.id, "revisions": [r.to_json() for r in h.revisions]}
    if h.control is not None:
        data["control_began"] = h.control.to_json()["began"]
        data["pre_control"] = [p.to_json() for p in h.pre_control]
    emit_json(data)


def _history_text(h: Changes) -> None:
    click.secho(f"{h.id}: {len(h.revisions)} change(s) on {h.ref}", bold=True)
    for r in h.revisions:
        label = f"rev {r.number}" if r.number else click.style("unapproved", fg="red")
        if r.deleted:
            label += " (deleted)"
        authors = ", ".join(a.email for a in r.authors) or "-"
        click.echo(f"\n{label}  {r.date.date()}  commit {r.commit[:10]}  blob {r.blob[:10]}")
        click.echo(f"  reason   {r.reason}")
        click.echo(f"  authors  {authors}")
        if r.effective:
            click.echo(f"  effective {r.effective}")
        for a in r.approvals:
            mark = "valid" if a.valid else click.style(f"not valid: {a.reason}", fg="red")
            click.echo(f"  {a.meaning:<9} {a.date.date()}  {a.name} <{a.email}>  {a.evidence}  signature {a.signature}  {mark}")
        if not r.approvals:
            click.echo("  approvals none")
    if h.control is not None:
        click.echo()
        click.secho(f"pre-control history: before control began at commit {h.control.commit[:10]} "
                    f"({h.control.date.date()}); not approved revisions", bold=True)
        if not h.pre_control:
            click.echo("  none found")
        for p in h.pre_control:
            what = "deleted" if p.blob == ZERO else f"blob {p.blob[:10]}"
            click.echo(f"\npre-control  {p.date.date()}  commit {p.commit[:10]}  {p.path}  {what}")
            click.echo(f"  subject  {p.subject}")
            click.echo(f"  authors  {', '.join(a.email for a in p.authors) or '-'}")
            for ev in p.evidence:
                source = "merge commit" if ev.source == "merge-commit" else "squash commit"
                number = f", pull request #{ev.pull_request}" if ev.pull_request is not None else ""
                click.echo(f"  evidence merger ({source}{number}) {ev.name} <{ev.email}>  before control: not an approval")


HISTORY_REPORTERS: Reporters[Changes] = {"text": _history_text, "json": _history_json}


@click.command()
@click.argument("ident", metavar="ID")
@common(HISTORY_REPORTERS)
def history(opts: Options, ident: str) -> None:
    """Every revision of a document: number, commit, date, authors, approvals and reason.

    In a repository that adopted sms-docs on an existing history, the file's commits from before
    control began (before the first main-line commit holding sms-docs.yml) follow, marked as
    pre-control history: never approved revisions (JSON: `pre_control`, apart from `revisions`).

    \b
    Examples:
      sms-docs history POL-001
      sms-docs history sms-docs.yml --format json
    """
    with _open(opts) as cat:
        fh = cat.documents[ident].history if ident in cat.documents else cat.configs.get(ident)
        if fh is None:
            cat.get(ident)  # raises the usage error
            return
        control = cat.history.control
        found = Changes(ident, cat.ref, fh.revisions, fh.pre_control if control else [], control)
    report(opts, HISTORY_REPORTERS, found)


# --- diff ------------------------------------------------------------------------------------------


def _redline_text(r: Redline) -> None:
    if not r.lines:
        click.echo(f"no differences between {r.old_label} and {r.new_label}")
    for line in r.lines:
        colour = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else None
        click.secho(line, fg=colour)


def _redline_json(r: Redline) -> None:
    emit_json(r.to_json())


DIFF_REPORTERS: Reporters[Redline] = {"text": _redline_text, "json": _redline_json}


@click.command()
@click.argument("ident", metavar="ID")
@click.argument("rev_a", required=False)
@click.argument("rev_b", required=False)
@common(DIFF_REPORTERS)
def diff(opts: Options, ident: str, rev_a: str | None, rev_b: str | None) -> None:
    """Redline between revisions (default: the effective revision against the working tree).

    REV is a revision number, `head` (the main line) or `worktree`.

    \b
    Examples:
      sms-docs diff POL-001
      sms-docs diff POL-001 2 3
      sms-docs diff POL-001 3 head
    """
    from sms_docs.redline import redline

    with _open(opts) as cat:
        found = redline(cat, opts.root(), ident, rev_a, rev_b)
    report(opts, DIFF_REPORTERS, found)


# --- audit -----------------------------------------------------------------------------------------


def _audit_text(cat: Catalog) -> str:
    revisions = sum(len(s.revisions) for s in cat.documents.values())
    lines = [f"Audit of {cat.ref} @ {(cat.tip or '')[:8]} as of {cat.as_of}: {len(cat.documents)} documents, "
             f"{revisions} revisions, {len(cat.records)} records, {len(cat.findings)} findings", ""]
    for f in cat.findings:
        lines.append(f"{f.severity.value:<8} {f.code:<24} {f.id or f.path or '':<14} {f.message}")
    if not cat.findings:
        lines.append("no findings: every revision on the main line is approved as the configuration requires")
    control = cat.history.control
    if control is not None:
        lines += ["", control_statement(control)]
    return "\n".join(lines) + "\n"


def _audit_json(cat: Catalog) -> str:
    from sms_docs.report import audit_json_text

    scope = getattr(cat.repo, "scope", None)  # audit --since: what the incremental audit covered
    # Compact: the C encoder is several times faster than the indenting one on large histories.
    return audit_json_text(cat, {"incremental": scope.to_json()} if scope is not None else None)


def _audit_csv(cat: Catalog) -> str:
    from sms_docs.report import audit_csv

    return audit_csv(cat)


def _audit_html(cat: Catalog) -> str:
    from sms_docs.report import audit_html

    return audit_html(cat)


# The audit is written to a file or standard output: each renderer gives the text.
AUDIT_RENDERERS: dict[str, Any] = {"text": _audit_text, "json": _audit_json, "csv": _audit_csv, "html": _audit_html}


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to FILE (atomically) instead of standard output.")
@click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1).")
@click.option("--record-tags", is_flag=True, help="Tag every approved revision sms/<ID>/r<N>, so a later history rewrite is detected.")
@click.option("--since", "since", default=None, metavar="BASE",
              help="Incremental: audit only the documents changed after BASE, a commit on the main branch's "
                   "first-parent line whose own audit passed (each with its whole history; every record and "
                   "configuration file too).")
@common(AUDIT_RENDERERS)
def audit(opts: Options, output: Path | None, strict: bool, record_tags: bool, since: str | None) -> None:
    """Verify the whole history: every revision of every document and record, its evidence, every finding.

    Works on an offline mirror (`git clone --mirror`): all evidence is in git. A shallow clone
    exits 3 with the command that fetches the full history.

    \b
    Examples:
      sms-docs audit
      sms-docs audit --format html --output audit.html
      sms-docs audit --format json --as-of 2026-06-30
      sms-docs audit --record-tags
      sms-docs audit --since origin/main --format json   (a merge request pipeline)
    """

    if since is not None and record_tags:
        raise click.UsageError("--record-tags needs the full audit: drop --since")
    # The cycle collector stays paused from the history pass (history.build) to the report: the
    # catalogue is millions of objects that live until the report is written and hold no cycles, and
    # each collection after the pass walked all of them again (0.6 s of a 100,000-commit audit).
    with cycle_collector_paused():
        if since is not None:
            from sms_docs.incremental import open_catalog

            opened = open_catalog(opts.root(), since, ref=opts.ref, as_of=opts.as_of)
        else:
            opened = _open(opts)
        with opened as cat:
            scope = getattr(cat.repo, "scope", None)
            if scope is not None:
                click.echo(f"incremental audit: {len(scope.documents)} document(s) changed in {scope.new_commits} "
                           f"main-line commit(s) after {scope.base[:12]}, trusted as audited ({scope.main_ref}'s "
                           "first-parent line)", err=True)
            if record_tags:
                made = cat.record_tags()
                click.echo(f"tagged {len(made)} approved revision(s)", err=True)
            text = AUDIT_RENDERERS[opts.format](cat)
            findings = cat.findings
        if not leave_to_exit(cat):
            del cat, opened  # the catalogue goes before the collector is back
    if output is not None:
        write_output(opts, output, text)
        click.echo(f"wrote {output}", err=True)
    elif opts.format == "json":
        echo_json(text)
    else:
        click.echo(text, nl=False)
    raise SystemExit(exit_for(findings, strict))

