"""The generated pages (home, register, one index per type, clause coverage, what's new, reviews
due, records) and files (register.csv, feed.xml, assets), from the published set only.

Every list here is built from `Context.published`, so a document above the audience cannot appear
in any of them (REQUIREMENTS D13).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from sms_docs.policy import add_months, review_overdue, upcoming
from sms_docs.report import REGISTER_COLUMNS, cell
from sms_docs.site import html as h
from sms_docs.site.html import e
from sms_docs.site.pages import AUDIENCES, Context, NavItem, Page, Published, type_folder

WHATS_NEW_MONTHS = 12
FEED_ENTRIES = 50
REVIEW_WINDOW_DAYS = 90
_NO_SEARCH = False  # generated listings stay out of the search index: search finds documents
_QUOTE = {'"': "&quot;"}


def generate(ctx: Context) -> tuple[list[Page], list[NavItem], dict[str, bytes]]:
    types = _types(ctx)
    changes = _changes(ctx)
    pages = [home(ctx, types, changes), register(ctx)]
    nav = [NavItem("Home", "index.md"), NavItem("Document register", "register.md")]
    for type_name, pubs in types.items():
        page = type_index(ctx, type_name, pubs)
        pages.append(page)
        nav.append(NavItem(ctx.type_title(type_name), page.src_uri))
    pages += [coverage(ctx), whats_new(ctx, changes), reviews(ctx), records(ctx)]
    nav += [NavItem("Clause coverage", "coverage.md"), NavItem("What's new", "whats-new.md"),
            NavItem("Reviews due", "reviews.md"), NavItem("Records", "records.md")]
    files = {"register.csv": register_csv(ctx).encode("utf-8"), "feed.xml": feed(ctx, changes).encode("utf-8")}
    return pages, nav, files


FILE_WORKER = "file-worker.js"  # Web Workers from file:// for offline builds (see the file)


def assets(prefix: str) -> dict[str, bytes]:
    base = resources.files("sms_docs.site").joinpath("assets")
    return {f"{prefix}/{name}": base.joinpath(name).read_bytes() for name in ("sms-docs.css", "sms-docs.js", FILE_WORKER)}


def _types(ctx: Context) -> dict[str, list[Published]]:
    """Published documents by type, in the configuration's order of types."""
    order = list(ctx.cat.settings.types)
    out: dict[str, list[Published]] = {}
    for pub in ctx.published.values():
        out.setdefault(pub.doc.type, []).append(pub)
    return dict(sorted(out.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def _page(src: str, title: str, label: str, ctx: Context, *parts: str, hide: tuple[str, ...] = ()) -> Page:
    stamp = h.block(h.print_stamp(label, ctx.built))
    draft = h.block('<div class="sms-draft-mark" aria-hidden="true">DRAFT</div>') if ctx.options.drafts else ""
    return Page(src, title, stamp + draft + "".join(parts), _KIND.get(src, "type-index"),
                search=_NO_SEARCH, hide=hide, html_only=True)


_KIND = {"index.md": "home", "register.md": "register", "coverage.md": "coverage", "whats-new.md": "whats-new",
         "reviews.md": "reviews", "records.md": "records"}


def _filter(table_id: str, placeholder: str, selects: dict[str, list[tuple[str, str]]], count: int, noun: str) -> str:
    controls = [f'<input type="search" placeholder="{e(placeholder)}" aria-label="{e(placeholder)}" data-sms-filter-text>']
    for column, options in selects.items():
        opts = "".join(f'<option value="{e(v)}">{e(label)}</option>' for v, label in options)
        controls.append(f'<select data-sms-filter-column="{e(column)}" aria-label="Filter by {e(column)}">'
                        f'<option value="">All {e(column)}s</option>{opts}</select>')
    return (f'<div class="sms-filter" data-sms-filter="{e(table_id)}">{"".join(controls)}'
            f'<span class="sms-filter__count" data-sms-count data-noun="{e(noun)}">{count} {e(noun)}</span></div>')


def _doc_rows(ctx: Context, src: str, pubs: list[Published], columns: list[str]) -> list[tuple[str, list[str]]]:
    rows = []
    for pub in sorted(pubs, key=lambda p: p.id):
        key = (pub.id, src, tuple(columns))
        found = ctx.rows_before.get(key) if pub.id in ctx.unchanged else None
        if found is None:
            found = _doc_row(ctx, src, pub, columns)
        ctx.rows[key] = found
        rows.append(found)
    return rows


def _doc_row(ctx: Context, src: str, pub: Published, columns: list[str]) -> tuple[str, list[str]]:
    """One document's row in a listing (its inputs: the document's, see pages._inputs, and the plan's frame)."""
    data = _row(pub)
    status = pub.status if not pub.draft else None
    # The same words as the document's page and `sms-docs status`: an overdue review, and a
    # revision approved to take effect later (policy.review_overdue, policy.in_force).
    overdue = status is not None and review_overdue(status.next_review, status.state, ctx.cat.as_of)
    later = status.upcoming if status is not None else None
    state = h.badge(pub.state)
    if overdue:
        state += ' <span class="sms-overdue">review overdue</span>'
    if later is not None:
        state += (f' <span class="sms-upcoming" title="approved, takes effect on {e(h.day(later.effective))}">'
                  f"rev {e(later.number)} upcoming {e(h.day(later.effective))}</span>")
    cells = {
        "id": f'<a href="{e(ctx.href(src, pub.src_uri))}">{e(pub.id)}</a>',
        "title": e(pub.doc.title),
        "type": e(ctx.type_title(pub.doc.type)),
        "revision": e(data["revision"] if data["revision"] is not None else "–"),
        "state": state,
        "effective": e(data["effective"] or "–"),
        "next_review": e(data["next_review"] or "–") + (' <span class="sms-overdue">overdue</span>' if overdue else ""),
        "owner": e(ctx.person(pub.doc.owner)),
        "classification": e(pub.doc.classification),
    }
    return (h.attrs(type=pub.doc.type, state=pub.state, overdue="yes" if overdue else None),
            [cells[c] for c in columns])


_HEADERS = {"id": ("ID", "text"), "title": ("Title", "text"), "type": ("Type", "text"), "revision": ("Rev", "number"),
            "state": ("State", "text"), "effective": ("Effective", "date"), "next_review": ("Next review", "date"),
            "owner": ("Owner", "text"), "classification": ("Classification", "text")}


def _row(pub: Published) -> dict[str, Any]:
    """The register row: `sms-docs status` for documents in git, the working copy for drafts."""
    if pub.status is not None and not pub.draft:
        return pub.status.to_json()
    status = pub.status
    return {"id": pub.id, "title": pub.doc.title, "type": pub.doc.type, "owner": pub.doc.owner,
            "classification": pub.doc.classification, "state": "draft",
            "revision": status.revision if status else None,
            "effective": status.effective.isoformat() if status and status.effective else None,
            "next_review": None, "path": pub.doc.path}


def register(ctx: Context) -> Page:
    src = "register.md"
    columns = ["id", "title", "type", "revision", "state", "effective", "next_review", "owner", "classification"]
    pubs = list(ctx.published.values())
    types = [(t, ctx.type_title(t)) for t in _types(ctx)]
    states = sorted({p.state for p in pubs})
    intro = (f'<p>Every document published on this site, with the revision in effect. '
             f'{len(pubs)} documents · <a href="{e(ctx.href(src, "register.csv"))}" download>Download as CSV</a></p>')
    table = h.table([_HEADERS[c] for c in columns], _doc_rows(ctx, src, pubs, columns), table_id="sms-register",
                    sortable=True, empty="No document is published yet.")
    return _page(src, "Document register", "Document register", ctx,
                 h.block("<h1>Document register</h1>", intro,
                         _filter("sms-register", "Filter by ID, title or owner", {"type": types, "state": [(s, h.STATE_LABELS.get(s, s)) for s in states]}, len(pubs), "documents"),
                         table), hide=("navigation", "toc"))


def register_csv(ctx: Context) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for pub in sorted(ctx.published.values(), key=lambda p: p.id):
        data = _row(pub)
        writer.writerow({k: cell(data.get(k)) for k in REGISTER_COLUMNS})
    return out.getvalue()


def type_index(ctx: Context, type_name: str, pubs: list[Published]) -> Page:
    src = f"{type_folder(type_name)}/index.md"
    title = ctx.type_title(type_name)
    current = [p for p in pubs if not p.obsolete]
    withdrawn = [p for p in pubs if p.obsolete]
    columns = ["id", "title", "revision", "state", "effective", "next_review", "owner"]
    table_id = f"sms-type-{type_folder(type_name)}"
    parts = [f"<h1>{e(title)}</h1>", f"<p>{len(current)} documents in effect.</p>",
             _filter(table_id, "Filter by ID, title or owner", {}, len(current), "documents") if len(current) > 10 else "",
             h.table([_HEADERS[c] for c in columns], _doc_rows(ctx, src, current, columns), table_id=table_id,
                     sortable=True, empty="No document of this type is in effect.")]
    if withdrawn:
        parts += ["<h2 id=\"withdrawn\">Withdrawn documents</h2>",
                  "<p>Kept for reference only: each one names the document that replaces it.</p>",
                  h.table([("ID", ""), ("Title", ""), ("Replaced by", "")],
                          [("", [f'<a href="{e(ctx.href(src, p.src_uri))}">{e(p.id)}</a>', e(p.doc.title),
                                 ctx.doc_link(src, str(p.doc.meta.get("superseded_by") or "")) if p.doc.meta.get("superseded_by")
                                 else e(p.doc.meta.get("withdrawn_reason") or "–")]) for p in sorted(withdrawn, key=lambda p: p.id)])]
    return _page(src, title, title, ctx, h.block(*parts), hide=("toc",))


def _changes(ctx: Context) -> list[Any]:
    """Approved revisions of the last twelve months, newest first (the `changes` command's data)."""
    from sms_docs import changes as changes_mod

    since = add_months(ctx.cat.as_of, -WHATS_NEW_MONTHS)
    found = changes_mod.collect(ctx.cat, changes_mod.resolve_since(ctx.cat, since.isoformat()), ctx.options.audience)
    found = [c for c in found if c.id not in ctx.hidden and (c.superseded_by is None or c.superseded_by not in ctx.hidden)]
    return sorted(found, key=lambda c: (c.effective, c.id), reverse=True)


_KIND_LABEL = {"new": "New", "revised": "Revised", "withdrawn": "Withdrawn"}


def _upcoming_tag(ctx: Context, effective: dt.date) -> str:
    """What's new and the home page mark a change that has not taken effect yet the same way."""
    return ' <span class="sms-upcoming">upcoming</span>' if upcoming(effective, ctx.cat.as_of) else ""


def _change_link(ctx: Context, src: str, ident: str, title: str) -> str:
    pub = ctx.published.get(ident)
    if pub is None:
        return f"{e(ident)} {e(title)}"
    return f'<a href="{e(ctx.href(src, pub.src_uri))}">{e(ident)}</a> {e(title)}'


def whats_new(ctx: Context, changes: list[Any]) -> Page:
    src = "whats-new.md"
    rows = []
    for c in changes:
        what = f"{_KIND_LABEL.get(c.kind, c.kind)} · rev {c.revision}"
        if c.kind == "withdrawn" and c.superseded_by:
            what += " · replaced by " + (ctx.doc_link(src, c.superseded_by, title=False) or "–")
        upcoming = _upcoming_tag(ctx, c.effective)
        rows.append((h.attrs(state=c.kind), [e(c.effective.isoformat()) + upcoming, _change_link(ctx, src, c.id, c.title),
                                           what, e(c.reason or "–"), e(", ".join(c.approvers) or "–")]))
    feed_link = f'<a href="{e(ctx.href(src, "feed.xml"))}">Atom feed</a>'
    return _page(src, "What's new", "What's new", ctx, h.block(
        "<h1>What's new</h1>",
        f"<p>Documents issued, revised or withdrawn in the last {WHATS_NEW_MONTHS} months, newest first. "
        f"Follow the {feed_link} to hear of changes as they take effect.</p>",
        h.table([("Effective", ""), ("Document", ""), ("Change", ""), ("Reason", ""), ("Approved by", "")], rows,
                empty=f"No document changed in the last {WHATS_NEW_MONTHS} months.")), hide=("toc",))


def feed(ctx: Context, changes: list[Any]) -> str:
    """An Atom feed of the same changes (RFC 4287); entry ids are stable per document revision."""
    x = xml_escape
    base = (ctx.options.site_url or "").rstrip("/") + "/" if ctx.options.site_url else ""
    org = ctx.organisation
    slug = "".join(ch if ch.isalnum() else "-" for ch in org.lower()).strip("-") or "sms"
    entries = [c for c in changes if c.effective <= ctx.cat.as_of][:FEED_ENTRIES]  # news once in effect
    updated = max((c.effective for c in entries), default=ctx.built)
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           f"  <title>{x(org)}: controlled documents</title>",
           "  <subtitle>New, revised and withdrawn documents of the service management system</subtitle>",
           f"  <id>{x(base + 'feed.xml') if base else 'urn:sms-docs:' + x(slug)}</id>",
           f"  <updated>{updated.isoformat()}T00:00:00Z</updated>",
           f'  <link rel="alternate" type="text/html" href="{x(base + h.url_of("whats-new.md", ctx.options.directory_urls), _QUOTE)}"/>',
           "  <generator>sms-docs</generator>"]
    if base:
        out.append(f'  <link rel="self" type="application/atom+xml" href="{x(base + "feed.xml", _QUOTE)}"/>')
    for c in entries:
        pub = ctx.published.get(c.id)
        kind = _KIND_LABEL.get(c.kind, c.kind)
        summary = f"{kind}: revision {c.revision}, effective {c.effective.isoformat()}"
        if c.approvers:
            summary += f", approved by {', '.join(c.approvers)}"
        if c.reason:
            summary += f". {c.reason}"
        if c.kind == "withdrawn" and c.superseded_by and c.superseded_by in ctx.published:
            summary += f". Superseded by {c.superseded_by}: use it instead"
        out += ["  <entry>", f"    <title>{x(f'{c.id} {c.title} — {kind.lower()}, revision {c.revision}')}</title>",
                f"    <id>urn:sms-docs:{x(slug)}:{x(c.id)}:{c.revision}</id>",
                f"    <updated>{c.effective.isoformat()}T00:00:00Z</updated>"]
        if pub is not None:
            href = base + h.url_of(pub.src_uri, ctx.options.directory_urls)
            out.append(f'    <link rel="alternate" type="text/html" href="{x(href, _QUOTE)}"/>')
        out += [f"    <author><name>{x(org)}</name></author>", f"    <summary>{x(summary)}</summary>", "  </entry>"]
    out.append("</feed>")
    return "\n".join(out) + "\n"


def reviews(ctx: Context) -> Page:
    from sms_docs import registers

    src = "reviews.md"
    until = ctx.cat.as_of + dt.timedelta(days=REVIEW_WINDOW_DAYS)
    due = [r for r in registers.due(ctx.cat, until).reviews if r.id in ctx.published]
    rows = []
    for r in due:
        when = (f'<span class="sms-overdue">{-r.days} days overdue</span>' if r.days < 0
                else ("due today" if r.days == 0 else f"in {r.days} days"))
        rows.append((h.attrs(state="overdue" if r.days < 0 else "due"),
                     [ctx.doc_link(src, r.id), e(ctx.person(r.owner)), e(r.due.isoformat()), when]))
    return _page(src, "Reviews due", "Reviews due", ctx, h.block(
        "<h1>Reviews due</h1>",
        f"<p>Documents whose periodic review is overdue or due in the next {REVIEW_WINDOW_DAYS} days "
        f"(as of {e(ctx.cat.as_of.isoformat())}). The owner reviews the document and records the outcome "
        "(<code>sms-docs review ID --outcome no-change|revise</code>).</p>",
        h.table([("Document", ""), ("Owner", ""), ("Due", ""), ("", "")], rows,
                empty="No review is due in this period.")), hide=("toc",))


def records(ctx: Context) -> Page:
    """Records index: metadata only (ID, type, date, subjects, author, retention); never content."""
    src = "records.md"
    settings = ctx.cat.settings
    recs = sorted(ctx.cat.records, key=lambda r: (r.date or dt.date.min, r.id), reverse=True)
    rows = []
    for r in recs:
        rtype = settings.records.get(r.type)
        subjects = [ctx.doc_link(src, s, title=False) if s in ctx.published or s in ctx.hidden else e(s) for s in r.subject
                    if s not in ctx.hidden]
        rows.append((h.attrs(type=r.type), [f"<code>{e(r.id)}</code>", e(rtype.title if rtype else r.type),
                                          e(h.day(r.date)), ", ".join(s for s in subjects if s) or "–",
                                          e(ctx.person(str(r.meta.get("created_by", "")))), e(h.day(r.retention_until))]))
    types = sorted({(r.type, settings.records[r.type].title if r.type in settings.records else r.type) for r in recs})
    return _page(src, "Records", "Records index", ctx, h.block(
        "<h1>Records</h1>",
        "<p>The evidence the service management system keeps: reviews, audits, changes, incidents and more. "
        "This index lists what exists and how long it is kept; the records themselves stay in the document "
        "repository, where they never change.</p>",
        _filter("sms-records", "Filter by ID, subject or author", {"type": list(types)}, len(recs), "records"),
        h.table([("ID", "text"), ("Type", "text"), ("Date", "date"), ("Subject", "text"), ("Created by", "text"),
                 ("Kept until", "date")], rows, table_id="sms-records", sortable=True, empty="No record yet.")),
        hide=("toc",))


def coverage(ctx: Context) -> Page:
    """The clause catalogue against the effective documents (`sms-docs coverage`, published set only)."""
    from sms_docs import coverage as coverage_mod

    src = "coverage.md"
    cov = coverage_mod.compute(ctx.cat)

    def docs(ids: tuple[str, ...]) -> str:
        shown = [ctx.doc_link(src, i, title=False) for i in ids if i in ctx.published]
        others = sum(1 for i in ids if i not in ctx.published)
        text = ", ".join(shown)
        if others:  # above the audience: neither ID nor number is shown
            text += (", " if text else "") + "not published here"
        return text

    mandatory = []
    for m in cov.mandatory:
        for i, part in enumerate(m.parts):
            status = '<span class="sms-yes">covered</span>' if part.covered else '<span class="sms-gap">missing</span>'
            mandatory.append((h.attrs(state="covered" if part.covered else "gap"),
                              [e(m.id) if i == 0 else "", e(m.title) if i == 0 else "", e(part.title), docs(part.documents) or "–", status]))
    clauses = []
    for c in cov.clauses:
        mark = ' <span class="sms-doc-required" title="asks for documented information">documented</span>' if c.documented else ""
        cell = docs(c.documents) if c.covered else '<span class="sms-gap">not cited</span>'
        clauses.append((h.attrs(depth=c.depth, state="covered" if c.covered else "gap"),
                        [f"<code>{e(c.number)}</code>", f'<span class="sms-depth-{min(c.depth, 4)}">{e(c.title)}</span>{mark}', cell]))
    covered = sum(1 for c in cov.clauses if c.covered)
    items = sum(1 for m in cov.mandatory if m.covered)
    return _page(src, "Clause coverage", "Clause coverage", ctx, h.block(
        "<h1>Clause coverage</h1>",
        f"<p>{e(cov.title)}: which effective documents cite each clause. {covered} of {len(cov.clauses)} clauses "
        f"are cited; {items} of {len(cov.mandatory)} items of mandatory documented information are covered. "
        "Clause titles are short labels, not the text of the standard.</p>",
        '<h2 id="mandatory">Mandatory documented information</h2>',
        h.table([("Item", ""), ("Title", ""), ("Part", ""), ("Documents", ""), ("", "")], mandatory),
        '<h2 id="clauses">Clauses</h2>',
        h.table([("Clause", ""), ("Title", ""), ("Documents", "")], clauses)), hide=("toc",))


def home(ctx: Context, types: dict[str, list[Published]], changes: list[Any]) -> Page:
    src = "index.md"
    settings = ctx.cat.settings
    org = ctx.organisation
    scope = settings.raw.get("scope") if isinstance(settings.raw.get("scope"), str) else None
    scope_docs = [p for p in ctx.published.values() if not p.obsolete and any(c == "4.3" or c.startswith("4.3 ") or c == "7.5.4 a" for c in p.doc.list_field("clauses"))]
    keepers = [p for p in settings.people if "document-controller" in p.roles] or \
              [p for p in settings.people if "sms-manager" in p.roles]
    current = [p for p in ctx.published.values() if not p.obsolete]
    audience = ctx.options.audience
    shown = ", ".join(AUDIENCES[: AUDIENCES.index(audience) + 1])
    parts = [f"<h1>{e(org)}</h1>",
             '<p class="sms-lead">The controlled documents of our service management system: the policies, plans, '
             "procedures and agreements we work to. Each page shows the revision in effect, as approved under "
             "document control, with its approvals and revision history."
             + ("" if ctx.options.drafts else " Drafts and unapproved changes never appear here.") + "</p>"]
    if ctx.options.drafts:
        parts.append('<div class="sms-banner sms-banner--draft" role="alert"><strong>DRAFT PREVIEW</strong> — this site '
                     "shows the working copy, including unapproved changes. It is not the controlled document set.</div>")
    parts.append('<div class="sms-banner sms-banner--print"><strong>Printed copies are uncontrolled.</strong> Before you '
                 "rely on a printed or saved copy, check here that its revision is still the one in effect.</div>")
    if scope or scope_docs:
        text = f"<p>{e(scope)}</p>" if scope else ""
        links = ", ".join(ctx.doc_link(src, p.id) for p in sorted(scope_docs, key=lambda p: p.id))
        parts += ['<h2 id="scope">Scope</h2>', text + (f"<p>The scope of the service management system is set out in {links}.</p>" if links else "")]
    cards = [f'<li><a href="{e(ctx.href(src, "register.md"))}"><strong>Document register</strong></a><span>{len(current)} {"documents" if ctx.options.drafts else "documents in effect"}</span></li>']
    for type_name, pubs in types.items():
        count = sum(1 for p in pubs if not p.obsolete)
        cards.append(f'<li><a href="{e(ctx.href(src, type_folder(type_name) + "/index.md"))}"><strong>{e(ctx.type_title(type_name))}</strong></a>'
                     f"<span>{count} {'documents' if ctx.options.drafts else 'in effect'}</span></li>")
    cards.append(f'<li><a href="{e(ctx.href(src, "coverage.md"))}"><strong>Clause coverage</strong></a><span>documents against the standard</span></li>')
    cards.append(f'<li><a href="{e(ctx.href(src, "reviews.md"))}"><strong>Reviews due</strong></a><span>next {REVIEW_WINDOW_DAYS} days</span></li>')
    cards.append(f'<li><a href="{e(ctx.href(src, "records.md"))}"><strong>Records</strong></a><span>{len(ctx.cat.records)} records</span></li>')
    parts += ['<h2 id="documents">Documents</h2>', f'<ul class="sms-cards">{"".join(cards)}</ul>']
    recent = changes[:5]
    if recent:
        items = "".join(f"<li>{e(c.effective.isoformat())}{_upcoming_tag(ctx, c.effective)} · {_change_link(ctx, src, c.id, c.title)} · "
                        f"{e(_KIND_LABEL.get(c.kind, c.kind).lower())}, rev {c.revision}</li>" for c in recent)
        parts += ['<h2 id="recent">Recent changes</h2>', f"<ul>{items}</ul>",
                  f'<p><a href="{e(ctx.href(src, "whats-new.md"))}">All changes</a> · '
                  f'<a href="{e(ctx.href(src, "feed.xml"))}">Atom feed</a></p>']
    owner = ", ".join(f"{e(p.name)}" for p in keepers)
    about = (f"Published by {e(org)}'s document control" + (f" ({owner})" if owner else "") +
             f" from <code>{e(ctx.cat.ref)}</code> at <code>{e((ctx.cat.tip or '')[:10])}</code> on {e(ctx.built.isoformat())}. "
             f"Audience: {e(audience)} (documents classified {e(shown)}).")
    parts += ['<h2 id="about">About this site</h2>', f"<p>{about}</p>"]
    return _page(src, "Home", "Home", ctx, h.block(*parts), hide=("toc",))
