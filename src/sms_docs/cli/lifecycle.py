"""review, due, obsolete, records new|list|dispose, external, changes."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from sms_docs.cli import Options, _parse_date, common, emit_json
from sms_docs.cli.reporting import Reporters, report
from sms_docs.policy import retention_expired

if TYPE_CHECKING:
    import datetime as dt

    from sms_docs.actions.obsolete import Withdrawn
    from sms_docs.actions.records import Disposed, RecordRow, Written
    from sms_docs.actions.review import Reviewed
    from sms_docs.changes import Notice
    from sms_docs.model import Person
    from sms_docs.registers import Due, ExternalEntry

PURGE_NOTE = (
    "Git history still holds the disposed content: anyone with a clone can read it in the commits before the "
    "disposal. Where law requires the content to be destroyed, purge it from history as agreed with your auditor: "
    "in a fresh mirror clone run `git filter-repo --invert-paths --prune-empty never --path PATH` for each disposed "
    "file, compare `sms-docs audit` before and after, force-push, have every clone re-cloned, then run "
    "`sms-docs audit --record-tags` to re-baseline the revision tags (see docs/lifecycle.md)."
)

# In --help as a block click does not rewrap (it would break `--record-tags` at its hyphen).
PURGE_HELP = "\b\n" + "\n".join(textwrap.wrap(PURGE_NOTE, 96, break_on_hyphens=False, break_long_words=False))


def _open(opts: Options):  # type: ignore[no-untyped-def]
    from sms_docs.catalog import Catalog

    return Catalog.open(opts.root(), ref=opts.ref, as_of=opts.as_of)


def _days(days: int) -> str:
    if days < 0:
        return click.style(f"overdue by {-days} day{'s' * (-days != 1)}", fg="red")
    if days == 0:
        return click.style("due today", fg="yellow")
    if days == 1:
        return "due tomorrow"
    return f"due in {days} days"


# --- review and due ------------------------------------------------------------------------------


def _reviewed_json(done: Reviewed) -> None:
    rec = done.record
    emit_json({"id": rec.id, "path": rec.rel, "subject": done.doc_id, "revision": done.revision, "blob": done.blob,
               "outcome": done.outcome, "date": done.day.isoformat(), "created_by": done.person.id,
               "next_review": done.next_review.isoformat() if done.next_review else None, "committed": False})


def _reviewed_text(done: Reviewed) -> None:
    rec = done.record
    click.echo(rec.rel)
    rev = f"rev {done.revision}" if done.revision else "effective revision"
    click.echo(f"Wrote review record {rec.id}: {done.doc_id} {done.title} ({rev}, blob {done.blob[:10]}), "
               f"outcome {done.outcome}, by {done.person.name} on {done.day}.")
    if done.outcome == "no-change":
        click.echo(f"Once the record is on the main line, the next review of {done.doc_id} is due {done.next_review} "
                   f"(cycle {done.cycle}).")
    else:
        click.echo(f"Outcome revise: the review cycle does not restart; revise {done.doc_id} on a branch and have "
                   "the change approved (the new revision starts a new cycle).")
    if done.pending_change:
        click.secho(f"Note: the main line holds an unapproved change to {done.doc_id}; this review covers the "
                    "effective revision only.", fg="yellow")
    click.echo(f"Nothing was committed: git add {rec.rel} && git commit, then merge it to the main line.")


REVIEW_REPORTERS: Reporters[Reviewed] = {"text": _reviewed_text, "json": _reviewed_json}


@click.command()
@click.argument("ident", metavar="ID")
@click.option("--outcome", required=True, type=click.Choice(["no-change", "revise"]),
              help="no-change: the document stays valid as it is (restarts the review cycle); revise: it needs a revision.")
@click.option("--notes", default=None, help="What you checked and why you chose the outcome.")
@common(REVIEW_REPORTERS)
def review(opts: Options, ident: str, outcome: str, notes: str | None) -> None:
    """Record a periodic review of a document, bound to the exact content reviewed.

    Writes records/review/<year>/REV-<year>-NNNN.yml naming you (by your git email), the date
    (today or --as-of), the outcome, your notes and the blob id of the document's effective
    revision. Prints the path. Nothing is committed: commit the record and bring it to the main
    line like any change; a no-change review restarts the review cycle once it is there.

    \b
    Examples:
      sms-docs review POL-001 --outcome no-change --notes "Checked against current practice"
      sms-docs review PRC-004 --outcome revise --notes "Escalation contacts are out of date"
      git add records/review && git commit -m "Review POL-001"
    """
    from sms_docs.actions.review import review as do_review

    done = do_review(opts.root(), ident, outcome, notes, as_of=opts.as_of, ref=opts.ref)
    report(opts, REVIEW_REPORTERS, done)


@dataclass(frozen=True)
class DueView:
    """What `due` reports: the register, and the window it was asked for."""

    due: Due
    ref: str
    within: str


def _due_text(view: DueView) -> None:
    result, within = view.due, view.within
    click.secho(f"Reviews due by {result.until} ({view.ref} as of {result.as_of}, within {within})", bold=True)
    if result.reviews:
        width = min(40, max(len("Title"), *(len(r.title) for r in result.reviews)))
        click.echo(f"{'ID':<9} {'Title':<{width}} {'Owner':<8} {'Due':<10}  Days")
        for r in result.reviews:
            title = r.title if len(r.title) <= width else r.title[: width - 1] + "…"
            click.echo(f"{r.id:<9} {title:<{width}} {r.owner:<8} {r.due}  {r.days:>4}  {_days(r.days)}")
    else:
        click.echo("none")
    click.echo()
    click.secho(f"Records past retention (as of {result.as_of})", bold=True)
    if result.records:
        click.echo(f"{'ID':<15} {'Type':<20} {'Kept until':<10}  Path")
        for rec in result.records:
            click.echo(f"{rec.id:<15} {rec.type:<20} {rec.retention_until}  {rec.path}")
    else:
        click.echo("none")
    click.echo()
    overdue = len(result.overdue)
    click.echo(f"{len(result.reviews)} review{'s' * (len(result.reviews) != 1)} due ({overdue} overdue), "
               f"{len(result.records)} record{'s' * (len(result.records) != 1)} past retention.")
    if result.reviews:
        click.echo("Review: sms-docs review ID --outcome no-change|revise --notes \"...\"")
    if result.records:
        click.echo("Dispose: sms-docs records dispose ID --reason \"retention ended\" (or extend the retention)")


def _due_json(view: DueView) -> None:
    emit_json(view.due.to_json())


DUE_REPORTERS: Reporters[DueView] = {"text": _due_text, "json": _due_json}


@click.command()
@click.option("--within", default="30d", show_default=True, metavar="PERIOD",
              help="How far ahead to look: days, weeks, months or years (30d, 6w, 3m, 1y).")
@click.option("--strict", is_flag=True, help="Exit 1 when a review is overdue or a record is past its retention.")
@common(DUE_REPORTERS)
def due(opts: Options, within: str, strict: bool) -> None:
    """Reviews due and overdue, and records past their retention.

    Days are counted from the as-of date (negative when overdue). A review is due on the later of
    the effective date and the last no-change review of that content, plus the review cycle.
    Obsolete documents and drafts are never due. Exits 0: it is a report (--strict: 1 when
    something is overdue).

    \b
    Examples:
      sms-docs due
      sms-docs due --within 3m
      sms-docs due --as-of 2026-12-31 --format json
      sms-docs due --within 0d --strict        # in CI: fail when anything is overdue
    """
    from sms_docs.registers import due as compute, window_end

    with _open(opts) as cat:
        result = compute(cat, window_end(cat.as_of, within))
        ref = cat.ref
    report(opts, DUE_REPORTERS, DueView(result, ref, within))
    raise SystemExit(1 if strict and (result.overdue or result.records) else 0)


# --- obsolete ------------------------------------------------------------------------------------


def _withdrawn_json(done: Withdrawn) -> None:
    emit_json({"id": done.id, "path": done.path, "status": "obsolete", "superseded_by": done.superseded_by,
               "withdrawn_reason": done.withdrawn_reason,
               "successor": {"id": done.superseded_by, "path": done.successor_path,
                             "supersedes_added": done.supersedes_added} if done.superseded_by else None,
               "referrers": [{"id": i, "path": p, "where": w} for i, p, w in done.referrers]})


def _withdrawn_text(done: Withdrawn) -> None:
    fields = ["status: obsolete"]
    if done.superseded_by:
        fields.append(f"superseded_by: {done.superseded_by}")
    if done.withdrawn_reason:
        fields.append(f"withdrawn_reason: {done.withdrawn_reason}")
    click.echo(f"{done.id}  {done.path}: {', '.join(fields)}")
    if done.superseded_by:
        if done.supersedes_added:
            click.echo(f"{done.superseded_by}  {done.successor_path}: added {done.id} to supersedes")
        else:
            click.echo(f"{done.superseded_by}  {done.successor_path}: already lists {done.id} in supersedes (unchanged)")
    for rid, rpath, where in done.referrers:
        click.secho(f"still points at {done.id}: {rid} {rpath} ({where}); point it at "
                    f"{done.superseded_by or 'something current'} (`sms-docs check` reports it)", fg="yellow")
    changed = " ".join(x for x in (done.id, done.superseded_by if done.supersedes_added else None) if x)
    click.echo("Nothing was committed. The withdrawal is a change like any other: commit it on a branch and have "
               f"it approved (sms-docs approve {changed}); it takes effect when it reaches the main line.")


OBSOLETE_REPORTERS: Reporters[Withdrawn] = {"text": _withdrawn_text, "json": _withdrawn_json}


@click.command()
@click.argument("ident", metavar="ID")
@click.option("--superseded-by", "superseded_by", default=None, metavar="ID", help="The document that replaces it.")
@click.option("--reason", default=None, help="Why it is withdrawn without a successor.")
@common(OBSOLETE_REPORTERS)
def obsolete(opts: Options, ident: str, superseded_by: str | None, reason: str | None) -> None:
    """Withdraw a document: mark it obsolete, naming its successor or the reason. Never deletes it.

    Rewrites only the front matter fields status, superseded_by and withdrawn_reason (and adds
    the ID to the successor's supersedes when missing); everything else in both files stays byte
    for byte. Withdrawal is a change like any other: commit it on a branch and have it approved.
    The obsolete document stays published with an OBSOLETE banner and is never due for review.

    \b
    Examples:
      sms-docs obsolete POL-003 --superseded-by POL-011
      sms-docs obsolete PRC-007 --reason "Service discontinued on 2026-06-30"
    """
    from sms_docs.actions.obsolete import obsolete as do_obsolete

    done = do_obsolete(opts.root(), ident, superseded_by, reason)
    report(opts, OBSOLETE_REPORTERS, done)


# --- records -------------------------------------------------------------------------------------


@click.group()
def records() -> None:
    """Records: create from a record type's template, list and filter, dispose after retention.

    Records are evidence: once on the main line they are never edited or deleted (the audit
    reports record-modified and record-deleted). A correction is a new record with
    corrects: ID; disposal after retention goes through `records dispose`.

    \b
    Examples:
      sms-docs records new change --subject PRC-004 summary="Firewall firmware upgrade" risk=medium
      sms-docs records list --type review --since 2026-01-01
      sms-docs records dispose CHG-2022-0003 --reason "Retention of 3 years ended"
    """


@dataclass(frozen=True)
class RecordWritten:
    """The record `records new` wrote, of which type, by whom."""

    written: Written
    type_name: str
    person: Person


def _record_written_text(view: RecordWritten) -> None:
    written = view.written
    click.echo(written.rel)
    click.echo(f"Wrote {view.type_name} record {written.id} by {view.person.name}. Check the template's remaining "
               f"fields, then commit it: git add {written.rel} && git commit. Once on the main line it is never "
               f"edited again (a correction is a new record with corrects: {written.id}).")


def _record_written_json(view: RecordWritten) -> None:
    written = view.written
    emit_json({"id": written.id, "path": written.rel, "record": written.meta, "committed": False})


RECORD_NEW_REPORTERS: Reporters[RecordWritten] = {"text": _record_written_text, "json": _record_written_json}


@records.command("new")
@click.argument("type_name", metavar="TYPE")
@click.argument("assignments", nargs=-1, metavar="[FIELD=VALUE...]")
@click.option("--subject", "subjects", multiple=True, metavar="ID", help="A document or record concerned (repeatable).")
@common(RECORD_NEW_REPORTERS)
def records_new(opts: Options, type_name: str, assignments: tuple[str, ...], subjects: tuple[str, ...]) -> None:
    """Create a record of TYPE from its template, validated against its schema.

    Fills in id (PREFIX-YEAR-NNNN, the next free number on every branch), type, date (today or
    --as-of; or date=YYYY-MM-DD), created_by (you, by your git email) and subject. FIELD=VALUE
    sets the type's own fields; values are YAML (numbers, true/false, [lists]). A record that
    would not pass its schema is refused and nothing is written. Prints the path; nothing is
    committed. Disposal and approvals records are written by their own commands only.

    \b
    Examples:
      sms-docs records new change --subject PRC-004 summary="Upgrade firewall firmware" risk=medium
      sms-docs records new audit scope="Incident management" auditor=tom "criteria=[ISO/IEC 20000-1:2018 8.6]"
      sms-docs records new training person=lena course="Change procedure briefing" hours=2 date=2026-03-04
    """
    from sms_docs import config
    from sms_docs.actions import records as actions
    from sms_docs.schemas import SchemaSet

    root = opts.root()
    schemas = SchemaSet.load(root)
    settings = config.load_valid(root, schemas)
    fields = actions.parse_assignments(assignments)
    person = actions.acting_person(root, settings)
    written = actions.create(settings, schemas, type_name, person=person, day=opts.today,
                             subject=list(subjects), fields=fields)
    report(opts, RECORD_NEW_REPORTERS, RecordWritten(written, type_name, person))


@dataclass(frozen=True)
class RecordList:
    """The records `records list` found; `filtered` when a filter was given; retention as of `today`."""

    records: list[RecordRow]
    filtered: bool
    today: dt.date


def _record_list_text(view: RecordList) -> None:
    found, today = view.records, view.today
    if not found:
        click.echo("no records" + (" match" if view.filtered else ""))
        return
    click.secho(f"{'ID':<15} {'Type':<20} {'Date':<10}  {'By':<8} {'Subject':<20} {'Kept until':<10}  Path", bold=True)
    for r in found:
        until = r.retention_until.isoformat() if r.retention_until else "-"
        mark = click.style("!", fg="yellow") if retention_expired(r.retention_until, r.type, today) else " "
        click.echo(f"{r.id:<15} {r.type:<20} {r.date:<10}  {r.created_by:<8} {', '.join(r.subject) or '-':<20} {until:<10}{mark} {r.path}")
    click.echo()
    click.echo(f"{len(found)} record{'s' * (len(found) != 1)}; ! marks a record past its retention (as of {today})")


def _record_list_json(view: RecordList) -> None:
    emit_json({"records": [r.to_json() for r in view.records]})


RECORD_LIST_REPORTERS: Reporters[RecordList] = {"text": _record_list_text, "json": _record_list_json}


@records.command("list")
@click.option("--type", "type_name", default=None, metavar="TYPE", help="Only records of this type.")
@click.option("--since", callback=_parse_date, default=None, metavar="YYYY-MM-DD", help="Only records dated on or after this day.")
@click.option("--subject", default=None, metavar="ID", help="Only records about this document or record.")
@common(RECORD_LIST_REPORTERS)
def records_list(opts: Options, type_name: str | None, since: dt.date | None, subject: str | None) -> None:
    """List the records in the working tree, oldest first, with their retention.

    \b
    Examples:
      sms-docs records list
      sms-docs records list --type review --subject POL-001
      sms-docs records list --since 2026-01-01 --format json
    """
    from sms_docs import config
    from sms_docs.actions import records as actions
    from sms_docs.schemas import SchemaSet

    root = opts.root()
    schemas = SchemaSet.load(root)
    settings = config.load_valid(root, schemas)
    found = actions.list_records(settings, schemas, type_name=type_name, since=since, subject=subject)
    report(opts, RECORD_LIST_REPORTERS, RecordList(found, bool(type_name or since or subject), opts.today))


@dataclass(frozen=True)
class DisposedView:
    """What `records dispose` wrote and deleted, and the records folder to commit."""

    done: Disposed
    record_root: str


def _disposed_text(view: DisposedView) -> None:
    done = view.done
    click.echo(done.record.rel)
    click.echo(f"Wrote disposal record {done.record.id} and deleted:")
    for path in done.paths:
        click.echo(f"  {path}")
    click.echo("Nothing was committed: commit the disposal record and the deletions together "
               f"(git add -A {view.record_root} && git commit).")
    click.echo(PURGE_NOTE)


def _disposed_json(view: DisposedView) -> None:
    done = view.done
    emit_json({"id": done.record.id, "path": done.record.rel, "disposed": done.ids, "deleted": done.paths,
               "committed": False, "note": PURGE_NOTE})


DISPOSE_REPORTERS: Reporters[DisposedView] = {"text": _disposed_text, "json": _disposed_json}


@records.command("dispose", epilog=PURGE_HELP)
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--reason", required=True, help="Why the records are disposed of (e.g. retention of 6 years ended).")
@common(DISPOSE_REPORTERS)
def records_dispose(opts: Options, ids: tuple[str, ...], reason: str) -> None:
    """Dispose of records whose retention has ended: write a disposal record, delete the files.

    Refused (nothing changed) while a record is still inside its retention: the date it may be
    disposed of is given. Commit the disposal record and the deletions together; the audit then
    accepts the deletion (otherwise: record-deleted). Disposal records themselves are kept.

    \b
    Examples:
      sms-docs records dispose REV-2019-0004 --reason "Retention of 6 years ended"
      sms-docs records dispose CHG-2022-0003 CHG-2022-0004 --reason "Retention of 3 years ended"
      git add -A records && git commit -m "Dispose of records past retention"
    """
    from sms_docs import config
    from sms_docs.actions import records as actions
    from sms_docs.schemas import SchemaSet

    root = opts.root()
    schemas = SchemaSet.load(root)
    settings = config.load_valid(root, schemas)
    person = actions.acting_person(root, settings)
    done = actions.dispose(settings, schemas, list(ids), reason, person=person, day=opts.today)
    report(opts, DISPOSE_REPORTERS, DisposedView(done, settings.record_root))


# --- external-origin documents --------------------------------------------------------------------


@dataclass(frozen=True)
class ExternalView:
    """The register of documents of external origin, on a ref as of a day."""

    entries: list[ExternalEntry]
    ref: str
    as_of: dt.date

    @property
    def bad(self) -> list[ExternalEntry]:
        return [e for e in self.entries if e.copy_status in ("mismatch", "missing", "outside")]


def _external_json(view: ExternalView) -> None:
    emit_json({"ref": view.ref, "as_of": view.as_of.isoformat(), "documents": [e.to_json() for e in view.entries]})


def _external_text(view: ExternalView) -> None:
    from sms_docs.registers import COPY_STATUS

    entries = view.entries
    if not entries:
        click.echo(f"no documents of external origin on {view.ref} as of {view.as_of}")
    for e in entries:
        rev = f"rev {e.revision}" if e.revision else "no approved revision"
        click.secho(f"{e.id}  {e.title}", bold=True, nl=False)
        click.echo(f"   {rev} · {e.state}")
        click.echo(f"  publisher {e.publisher or '-'} · reference {e.reference or '-'} · edition {e.edition or '-'} · "
                   f"retrieved {e.retrieved or '-'}")
        click.echo(f"  distribution {', '.join(e.distribution) or '-'}" + (f" · {e.url}" if e.url else ""))
        colour = "red" if e.copy_status in ("mismatch", "missing", "outside") else None
        click.echo(f"  copy {e.copy or '-'}: " + click.style(COPY_STATUS[e.copy_status], fg=colour))
    if entries:
        click.echo()
        click.echo(f"{len(entries)} document{'s' * (len(entries) != 1)} of external origin on {view.ref} as of "
                   f"{view.as_of}; {len(view.bad)} with a copy problem")


EXTERNAL_REPORTERS: Reporters[ExternalView] = {"text": _external_text, "json": _external_json}


@click.command()
@click.option("--strict", is_flag=True, help="Exit 1 when a registered local copy is missing or its checksum differs.")
@common(EXTERNAL_REPORTERS)
def external(opts: Options, strict: bool) -> None:
    """The register of documents of external origin: publisher, reference, edition, distribution, copy.

    Lists the external documents on the main line with their state, and checks each local copy
    (external.copy, in the working tree) against its registered sha256, as `check` does.

    \b
    Examples:
      sms-docs external
      sms-docs external --format json
      sms-docs external --strict
    """
    from sms_docs.registers import external_register

    with _open(opts) as cat:
        found = ExternalView(external_register(cat, opts.root()), cat.ref, cat.as_of)
    report(opts, EXTERNAL_REPORTERS, found)
    raise SystemExit(1 if strict and found.bad else 0)


# --- change notices ------------------------------------------------------------------------------


def _notice_text(n: Notice) -> None:
    from sms_docs.changes import render

    click.echo(render(n, markdown=False), nl=False)


def _notice_markdown(n: Notice) -> None:
    from sms_docs.changes import render

    click.echo(render(n, markdown=True), nl=False)


def _notice_json(n: Notice) -> None:
    emit_json(n.to_json())


NOTICE_REPORTERS: Reporters[Notice] = {"text": _notice_text, "markdown": _notice_markdown, "json": _notice_json}


@click.command()
@click.option("--since", required=True, metavar="REF|DATE",
              help="A date (revisions effective on or after it) or a ref, e.g. the tag of the last notice.")
@click.option("--audience", type=click.Choice(["public", "internal", "confidential", "restricted"]), default=None,
              help="Leave out documents classified above this audience (default: all).")
@common(NOTICE_REPORTERS)
def changes(opts: Options, since: str, audience: str | None) -> None:
    """A change notice: documents issued, revised and withdrawn since a date or ref.

    Each entry gives the revision, the effective date, the approvers and the reason (the
    Change-reason: trailer, else the commit subject). Only approved revisions are listed.
    --format markdown gives a notice a document controller can send to staff as it is.

    \b
    Examples:
      sms-docs changes --since 2026-01-01
      sms-docs changes --since notice-2026-03 --format markdown > notice.md
      sms-docs changes --since 2026-01-01 --audience internal --format json
    """
    from sms_docs.changes import notice

    with _open(opts) as cat:
        found = notice(cat, since, audience)
    report(opts, NOTICE_REPORTERS, found)
