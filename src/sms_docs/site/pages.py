"""The published set as data: which documents appear, each document's page, the generated pages,
the navigation and the extra files (feed, CSV, assets). No MkDocs import: an adapter turns a
`SitePlan` into whatever the site generator wants.

Rules (SPEC section 9; ISO/IEC 20000-1:2011 4.3.2 d, e, h):
- a document's page shows its effective revision as read from git (the catalogue's `published`
  document), never the working tree; a document never approved is absent. `drafts` previews the
  working tree instead, every page marked DRAFT;
- a document classified above the audience is absent everywhere: no page, no register row, no feed
  entry, no link, no title. The stricter of the published and the main-line classification counts, so
  raising a document's classification hides it at once, before the change is approved;
- obsolete documents keep their page, with a banner naming the successor, out of navigation and
  search;
- relative links between documents point at the published pages; a link to a document that is not
  published becomes its text;
- links written before adoption keep working (issue 12): site-absolute links (`/policies/x.md`,
  `/policies/x/`) and relative links to a document's old file name lead to its page, by the
  `former_paths` of the published, approved revisions; a link to a page that cannot be found
  becomes its text and a `broken-reference` finding of the build.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import yaml

from sms_docs.config import CLASSIFICATIONS, size_text
from sms_docs.documents import id_from_filename
from sms_docs import policy
from sms_docs.checks import is_document_path
from sms_docs.model import Approval, Document, Finding, Revision, State, error
from sms_docs.policy import review_overdue, visible
from sms_docs.site import html as h
from sms_docs.site.html import e

if TYPE_CHECKING:
    from sms_docs.catalog import Catalog, DocStatus
    import datetime as dt

AUDIENCES = CLASSIFICATIONS
ASSET_DIR = "assets/sms-docs"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class SiteOptions:
    audience: str = "internal"
    drafts: bool = False
    directory_urls: bool = True
    site_url: str | None = None


@dataclass
class Page:
    """One page of the site: Markdown, with everything generated as HTML blocks.

    A document page's generated parts (print stamp, banners, control block; revision history) are
    kept apart from its Markdown body in `before` and `after`: `source()` joins them for any
    generator, and an adapter may also render the body alone and put them around the result.
    """

    src_uri: str
    title: str  # plain text
    body: str
    kind: str  # home | register | type-index | document | coverage | whats-new | reviews | records
    doc_id: str | None = None
    search: bool = True
    hide: tuple[str, ...] = ()
    html_only: bool = False  # the body is HTML blocks only: an adapter may skip Markdown for it
    before: str = ""  # HTML blocks shown above the body
    after: str = ""  # HTML blocks shown below the body

    def meta(self, title: str | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"title": self.title if title is None else title}
        if not self.search:
            meta["search"] = {"exclude": True}
        if self.hide:
            meta["hide"] = list(self.hide)
        return meta

    def front_matter(self, title: str | None = None) -> str:
        meta = self.meta(title)
        text = meta["title"]
        if len(meta) == 1 and text.isprintable() and text.isascii():
            # The usual case, written directly: a JSON string is a YAML double-quoted scalar, and
            # PyYAML reads it back as the same text (1,000 pages: YAML's emitter took ~0.1 s).
            return f"---\ntitle: {json.dumps(text)}\n---\n\n"
        return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000) + "---\n\n"

    @property
    def markdown(self) -> str:
        return self.before + self.body + self.after

    def source(self, title: str | None = None) -> str:
        """The page as one Markdown file with front matter; `title` replaces the plain title (an
        adapter whose templates print titles unescaped passes an escaped one)."""
        return self.front_matter(title) + self.markdown


@dataclass(frozen=True)
class NavItem:
    title: str  # plain text
    src_uri: str


@dataclass
class Published:
    """A document as the site shows it."""

    id: str
    status: DocStatus | None  # None: a draft that is not in git yet
    doc: Document
    rev: Revision | None  # the revision shown; None for a working-tree draft
    src_uri: str
    draft: bool = False

    @property
    def obsolete(self) -> bool:
        return self.doc.obsolete or (self.status is not None and self.status.state is State.OBSOLETE and not self.draft)

    @property
    def state(self) -> str:
        if self.draft:
            return "draft"
        return "obsolete" if self.obsolete else (self.status.state.value if self.status else "draft")


@dataclass
class SitePlan:
    pages: list[Page]
    nav: list[NavItem]
    files: dict[str, bytes]  # path in the site -> content (feed, CSV, assets)
    css: list[str]
    js: list[str]
    published: dict[str, Published]
    hidden: set[str]  # IDs above the audience (for tests and the build summary; never published)
    warnings: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # links that lead nowhere (broken-reference)
    # What each document page was made from, for a later plan that may reuse it (`build_plan(previous=)`).
    made: _Made | None = field(default=None, repr=False, compare=False)

    def page(self, src_uri: str) -> Page | None:
        return next((p for p in self.pages if p.src_uri == src_uri), None)


# --- the published set ---------------------------------------------------------------------------


def type_folder(type_name: str) -> str:
    return type_name if _SLUG.match(type_name) else "documents"


def doc_src(cat: Catalog, ident: str, doc: Document) -> str:
    """A document's page: its address comes from its file's ID and the type that ID's prefix names,
    never from what its front matter says (one document must never take over another's page)."""
    prefix = ident.split("-", 1)[0]
    type_name = next((name for name, t in cat.settings.types.items() if t.prefix == prefix), doc.type)
    return f"{type_folder(type_name)}/{ident}.md"


def select(cat: Catalog, options: SiteOptions, worktree: list[Document] | None = None) -> tuple[dict[str, Published], set[str], list[str]]:
    """The documents on the site, the IDs hidden by the audience, and warnings."""
    out: dict[str, Published] = {}
    hidden: set[str] = set()
    warnings: list[str] = []

    def allowed(*docs: Document | None) -> bool:
        return visible(options.audience, *(d.classification for d in docs if d is not None))

    if worktree is None:
        cat.prefetch(status.current for status in cat.documents.values())
        for ident, status in sorted(cat.documents.items()):
            rev = status.current
            if rev is not None and rev.blob in cat.oversize:
                # Never read: a document of tens of megabytes would hold the build for many minutes.
                if not allowed(status.head):
                    hidden.add(ident)
                else:
                    warnings.append(f"{ident}: revision {rev.number} ({rev.path}) is {size_text(cat.oversize[rev.blob])}, over "
                                    f"max_file_size ({size_text(cat.settings.max_file_size)}): file-too-large, not published")
                continue
            doc = cat.read_document(rev) if rev is not None else None  # with its body
            if doc is None:
                if not allowed(status.head):  # not published anyway; and never named elsewhere either
                    hidden.add(ident)
                if rev is not None:
                    warnings.append(f"{ident}: revision {rev.number} ({rev.path}, blob {rev.blob[:10]}) cannot be read; not published")
                continue
            if not allowed(doc, status.head):
                hidden.add(ident)
                continue
            out[ident] = Published(ident, status, doc, rev, doc_src(cat, ident, doc))
        return out, hidden, warnings

    for doc in sorted(worktree, key=lambda d: d.id):
        ident = id_from_filename(doc.path) or doc.id
        known = cat.documents.get(ident)
        if not allowed(doc, known.published if known else None, known.head if known else None):
            hidden.add(ident)
            continue
        if ident in out:
            warnings.append(f"{doc.path}: {ident} is also {out[ident].doc.path}; only the first is previewed")
            continue
        out[ident] = Published(ident, known, doc, known.current if known else None, doc_src(cat, ident, doc), draft=True)
    return out, hidden, warnings


# --- context shared by the page builders ---------------------------------------------------------


@dataclass
class Context:
    cat: Catalog
    options: SiteOptions
    published: dict[str, Published]
    hidden: set[str]
    built: dt.date
    link_index: dict[str, str] = field(default_factory=dict)  # path (current or former) -> document ID
    generated: frozenset[str] = frozenset()  # generated pages a site-absolute link may name
    findings: list[Finding] = field(default_factory=list)
    # Listing rows by (document, page, columns): the last plan's (`build_plan(previous=)`), reused for
    # the documents in `unchanged` (every input of their rows the same), and this plan's.
    rows_before: dict[tuple[str, str, tuple[str, ...]], Any] = field(default_factory=dict)
    rows: dict[tuple[str, str, tuple[str, ...]], Any] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)

    def broken(self, doc_path: str, ident: str | None, raw: str, why: str) -> None:
        self.findings.append(error("broken-reference", f"link to {raw}: {why}; it is shown as text on the site",
                                   path=doc_path, id=ident))

    def href(self, from_src: str, to_src: str, anchor: str = "") -> str:
        return h.relative_url(from_src, to_src, self.options.directory_urls, anchor)

    def doc_link(self, from_src: str, ident: str, *, title: bool = True) -> str:
        """`<a>ID</a> Title` for a published document; the bare ID for one that is not published
        here but not hidden; nothing for a document above the audience."""
        pub = self.published.get(ident)
        if pub is None:
            return "" if ident in self.hidden else f"<span class=\"sms-unpublished\">{e(ident)}</span>"
        link = f'<a href="{e(self.href(from_src, pub.src_uri))}">{e(ident)}</a>'
        return link + (f" {e(pub.doc.title)}" if title else "")

    def person(self, pid: str) -> str:
        person = self.cat.settings.person(pid)
        return person.name if person else pid

    def type_title(self, type_name: str) -> str:
        doc_type = self.cat.settings.types.get(type_name)
        return doc_type.title if doc_type else type_name.replace("-", " ").capitalize()

    @property
    def organisation(self) -> str:
        return self.cat.settings.organisation


# --- document pages ------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_LINK = re.compile(r"(?<!!)\[((?:\\.|[^\]\\\n])*)\]\(\s*(<[^>\n]*>|[^)\s]+)((?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?)\s*\)")
_REFDEF = re.compile(r"^(\s{0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)(.*)$", re.M)

EVIDENCE_LABELS = {"approval-commit": "approval commit", "merge-trailer": "merge approval",
                   "forge-review": "pull request review", "merger": "merge"}
SIGNATURE_LABELS = {"good": "signed", "system": "forge-signed", "none": "", "bad": "signature invalid",
                    "unknown": "signature not verified"}


_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_SAFE_TAG = re.compile(r"</?(?:br|sup|sub|kbd|mark|u|s|del|ins|small|b|i|em|strong|details|summary)\s*/?>"
                      r"|<!--(?:.|\n)*?-->|<(?:https?|mailto|ftp):[^<>\s]*>", re.I)


def neutralise_html(text: str) -> str:
    """Raw HTML in a document body is shown as text, except a few harmless tags without attributes
    (`<br>`, `<sup>`, ...), comments and autolinks: a body is approved as Markdown, and a `<script>`
    in it must never run on staff's browsers. Code spans are left alone (Markdown escapes them)."""

    def outside_code(part: str) -> str:
        out, pos = [], 0
        for m in _SAFE_TAG.finditer(part):
            out.append(_TAG.sub("&lt;", part[pos:m.start()]))
            out.append(m.group(0))
            pos = m.end()
        out.append(_TAG.sub("&lt;", part[pos:]))
        return "".join(out)

    if "<" not in text:
        return text
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(outside_code(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(outside_code(text[pos:]))
    return "".join(out)


def rewrite_links(body: str, doc_path: str, page_src: str, ctx: Context, ident: str | None = None) -> str:
    """Relative and site-absolute links to documents (by their file names now or before adoption)
    -> links to their published pages; links to documents not published here -> their text; a
    link to a page that cannot be found -> its text and a finding; raw HTML -> text. Fenced code
    is left alone."""
    settings = ctx.cat.settings

    def target_of(raw: str) -> tuple[str | None, str] | None:
        """(the page to link to, or None for text only; anchor), or None to leave the link alone."""
        target = policy.link_target(raw, doc_path)
        if target is None:
            return None
        found = policy.resolve_link(target, ctx.link_index)
        if found is None:
            page = policy.site_page(target, ctx.generated)
            if page is not None:
                return page, target.anchor
            if target.site_absolute or is_document_path(target.candidates[0], settings):
                ctx.broken(doc_path, ident, raw, "no document lives or lived there (add the old path to the "
                           "document's former_paths, or correct the link)")
            return None, ""
        pub = ctx.published.get(found)
        if pub is None:
            if found not in ctx.hidden and found not in ctx.cat.documents:
                ctx.broken(doc_path, ident, raw, f"{found} does not exist")
            return None, ""  # the text, no link: the document is not published here
        return pub.src_uri, target.anchor

    def inline(m: re.Match[str]) -> str:
        found = target_of(m.group(2))
        if found is None:
            return m.group(0)
        src, anchor = found
        if src is None:
            return m.group(1)
        dest = h.relative_src(page_src, src) + (f"#{anchor}" if anchor else "")
        return f"[{m.group(1)}]({dest}{m.group(3)})"

    def refdef(m: re.Match[str]) -> str:
        found = target_of(m.group(2))
        if found is None:
            return m.group(0)
        src, anchor = found
        if src is None:
            return ""
        return m.group(1) + h.relative_src(page_src, src) + (f"#{anchor}" if anchor else "") + m.group(3)

    out: list[str] = []
    chunk: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if chunk:
            text = "".join(chunk)
            if "](" in text or "]:" in text:
                text = _REFDEF.sub(refdef, _LINK.sub(inline, text))
            text = neutralise_html(text)
            out.append(text)
            chunk.clear()

    for line in body.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is None and m:
            flush()
            fence = m.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if m and m.group(1) == fence:
                fence = None
        else:
            chunk.append(line)
    flush()
    return "".join(out)


def _roles(ctx: Context, a: Approval) -> str:
    person = ctx.cat.settings.person(a.person) if a.person else None
    return ", ".join(r.replace("-", " ") for r in person.roles) if person and person.roles else ""


def approval_line(ctx: Context, a: Approval) -> str:
    roles = _roles(ctx, a)
    bits = [f"<strong>{e(a.name)}</strong>" + (f" ({e(roles)})" if roles else ""),
            f"{e(a.meaning)}, {e(h.day(a.date))}", e(EVIDENCE_LABELS.get(a.evidence, a.evidence))]
    sig = SIGNATURE_LABELS.get(a.signature, a.signature)
    if sig:
        bits.append(f'<span class="sms-sig sms-sig--{e(a.signature)}">{e(sig)}</span>')
    return " · ".join(bits)


def _field(label: str, value: str, wide: bool = False) -> str:
    cls = ' class="sms-control__wide"' if wide else ""
    return f"<div{cls}><dt>{e(label)}</dt><dd>{value}</dd></div>"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def control_block(pub: Published, ctx: Context) -> str:
    """The facts of `sms-docs show`, from the same catalogue (SPEC section 9; 2011 4.3.2 d)."""
    doc, status, rev, src = pub.doc, pub.status, pub.rev, pub.src_uri
    state = pub.state
    if pub.draft:
        revision = "working copy" + (f" (last approved: revision {rev.number})" if rev and rev.number else ", never approved")
    else:
        revision = f"{rev.number}" if rev and rev.number else "–"
    index = f"{type_folder(doc.type)}/index.md"
    withdrawn = status.withdrawn_on if status is not None and pub.obsolete and not pub.draft else None
    effective = rev.effective if rev else None
    if withdrawn is not None and rev is not None and status is not None:
        # The withdrawal revision's date is the withdrawal; the document was in effect from the
        # revision before it (2011 4.3.2 h: an obsolete document says when it stopped applying).
        before = [r for r in status.revisions if r.number is not None and rev.number is not None and r.number < rev.number]
        effective = before[-1].effective if before else None
    fields = [
        _field("Title", e(doc.title), wide=True),
        _field("Type", f'<a href="{e(ctx.href(src, index))}">{e(ctx.type_title(doc.type))}</a>'),
        _field("Revision", e(revision)) if pub.draft else "",
        _field("Effective", e(h.day(effective))),
        _field("Withdrawn", f'<span class="sms-withdrawn">{e(h.day(withdrawn))}</span>') if withdrawn else "",
        _field("Owner", e(ctx.person(doc.owner))),
    ]
    if status is not None and status.next_review and not pub.obsolete:
        overdue = review_overdue(status.next_review, status.state, ctx.cat.as_of)
        note = ' <span class="sms-overdue">overdue</span>' if overdue else ""
        fields.append(_field("Next review", f"{e(h.day(status.next_review))} (every {e(status.review_cycle)}){note}"))
    clauses = doc.list_field("clauses")
    if clauses:
        fields.append(_field("Clauses", e(", ".join(clauses))))
    approvals = [a for a in (rev.approvals if rev else ()) if a.valid]
    if approvals and not pub.draft:
        items = "".join(f"<li>{approval_line(ctx, a)}</li>" for a in approvals)
        fields.append(_field("Approved by", f"<ul>{items}</ul>", wide=True))
    for label, key in (("Related", "related"), ("Supersedes", "supersedes")):
        links = [ctx.doc_link(src, i) for i in doc.list_field(key)]
        links = [link for link in links if link]
        if links:
            fields.append(_field(label, "<br>".join(links), wide=True))
    external = doc.meta.get("external")
    if isinstance(external, dict):
        for key in ("publisher", "reference", "edition", "retrieved", "distribution"):
            if external.get(key) not in (None, ""):
                fields.append(_field(key.capitalize(), e(_plain(external[key]))))
    for key, value in doc.meta.items():
        if isinstance(key, str) and key.startswith("x-"):
            fields.append(_field(key[2:].replace("-", " ").capitalize(), e(_plain(value))))
    notes = []
    if status is not None and not pub.draft:
        if status.state is State.CHANGED:
            notes.append("A change to this document is waiting for approval; the revision shown here stays in effect until it is approved.")
        later = status.upcoming
        if later is not None and later.effective and not pub.obsolete:
            notes.append(f"Revision {later.number} is approved and takes effect on {h.day(later.effective)}; "
                         f"until then revision {rev.number if rev else '–'}, shown here, is the one in effect.")
    head = (f'<div class="sms-control__bar"><span class="sms-control__id">{e(pub.id)}</span>'
            f'<span class="sms-control__rev">{e("Working copy" if pub.draft else "Revision " + revision)}</span>'
            f'{h.badge(state)}<span class="sms-control__class">Classification: {e(doc.classification)}</span>'
            f'<a class="sms-control__history" href="#revision-history">Revision history</a></div>')
    return h.block(
        # <aside>, not <div>: Material's search parser matches a skipped element by tag name, so a
        # nested <div> closing would end the exclusion early.
        f'<aside class="sms-control sms-control--{e(state)}" data-search-exclude>',
        head,
        '<dl class="sms-control__grid">', *fields, "</dl>",
        *(f'<p class="sms-control__note">{e(n)}</p>' for n in notes),
        "</aside>")


def banner(pub: Published, ctx: Context) -> str:
    """The OBSOLETE banner (2011 4.3.2 h: obsolete documents cannot be used by mistake)."""
    if not pub.obsolete:
        return ""
    succ = str(pub.doc.meta.get("superseded_by") or "")
    reason = pub.doc.meta.get("withdrawn_reason")
    if succ and succ in ctx.published:
        what = f"superseded by {ctx.doc_link(pub.src_uri, succ)}. Use it instead."
    elif succ and succ not in ctx.hidden:
        what = f"superseded by {e(succ)}."
    elif succ:
        what = "superseded by a document that is not published on this site."
    else:
        what = f"withdrawn: {e(reason)}." if reason else "withdrawn."
    withdrawn = pub.status.withdrawn_on if pub.status is not None else None
    when = f" Withdrawn on {e(h.day(withdrawn))}." if withdrawn else ""
    return h.block(f'<div class="sms-banner sms-banner--obsolete" role="alert" data-search-exclude>'
                   f"<strong>OBSOLETE</strong> — {what}{when} This document is kept for reference only.</div>")


def history_block(pub: Published, ctx: Context) -> str:
    """Every approved revision up to the one shown (approval evidence of each; 2011 4.3.2 d)."""
    status = pub.status
    revs = [r for r in (status.revisions if status else []) if r.number is not None]
    if not pub.draft and pub.rev is not None and pub.rev.number is not None:
        revs = [r for r in revs if r.number is not None and r.number <= pub.rev.number]
    rows = []
    for r in sorted(revs, key=lambda r: r.number or 0, reverse=True):
        authors = ", ".join(dict.fromkeys(a.name for a in r.authors)) or "–"
        approvals = "<br>".join(approval_line(ctx, a) for a in r.approvals if a.valid) or "–"
        rows.append(("", [e(r.number), e(h.day(r.effective)), e(r.reason or r.subject), e(authors), approvals]))
    table = h.table([("Rev", ""), ("Effective", ""), ("Change", ""), ("Authors", ""), ("Approved by", "")], rows,
                    empty="No approved revision yet.")
    return h.block('<section class="sms-history" data-search-exclude>',
                   '<h2 id="revision-history" data-search-exclude>Revision history</h2>', table, "</section>")


def document_page(pub: Published, ctx: Context) -> Page:
    label = f"{pub.id} rev {pub.rev.number}" if pub.rev and pub.rev.number and not pub.draft else f"{pub.id} draft"
    before = [h.block(h.print_stamp(label, ctx.built))]
    if pub.draft:
        before.append(h.block('<div class="sms-draft-mark" aria-hidden="true" data-search-exclude>DRAFT</div>'))
    before += [banner(pub, ctx), control_block(pub, ctx)]
    body = rewrite_links(pub.doc.body, pub.doc.path, pub.src_uri, ctx, pub.id).strip("\n") + "\n\n"
    return Page(pub.src_uri, f"{pub.id} {pub.doc.title}", body, "document", doc_id=pub.id,
                search=not pub.obsolete, before="".join(before), after=history_block(pub, ctx))


# --- the whole site ------------------------------------------------------------------------------


def build_plan(cat: Catalog, options: SiteOptions, worktree: list[Document] | None = None, *,
               previous: SitePlan | None = None) -> SitePlan:
    """The site for this catalogue. `worktree`: the working tree's documents, for a --drafts preview.
    `previous`: a plan made before in this process (`sms-docs serve`); a document page whose inputs
    are all the same as then is taken from it rather than made again (the same page either way)."""
    from sms_docs.site import listings

    if options.audience not in AUDIENCES:
        raise ValueError(f"audience {options.audience!r}: one of {', '.join(AUDIENCES)}")
    if previous is not None:
        # A blob never changes meaning: the documents the last plan read (body included) are not read again.
        for pub in previous.published.values():
            if pub.rev is not None and not pub.draft and pub.doc.path == pub.rev.path:
                cat.remember_document(pub.rev.blob, pub.doc)
    published, hidden, warnings = select(cat, options, worktree if options.drafts else None)
    ctx = Context(cat, options, published, hidden, cat.as_of, link_index=_link_index(cat, published, options.drafts),
                  generated=_site_pages(cat))
    made = _Made(_frame(ctx), {}, ctx.rows)
    last = previous.made if previous is not None and previous.made is not None else None
    if last is not None and last.frame != made.frame:
        last = None
    if last is not None:
        ctx.rows_before = last.rows
    pages = []
    for ident, pub in published.items():
        inputs = _inputs(pub)
        found = last.pages.get(ident) if last is not None else None
        if found is not None and found[0] == inputs:
            page, findings = found[1], found[2]
            ctx.findings.extend(findings)
            ctx.unchanged.add(ident)
        else:
            before = len(ctx.findings)
            page = document_page(pub, ctx)
            findings = ctx.findings[before:]
        made.pages[ident] = (inputs, page, findings)
        pages.append(page)
    generated, nav, files = listings.generate(ctx)
    files.update(listings.assets(ASSET_DIR))
    for f in ctx.findings:
        warnings.append(f"{f.code}: {f.path}: {f.message}")
    return SitePlan(generated + pages, nav, files, [f"{ASSET_DIR}/sms-docs.css"], [f"{ASSET_DIR}/sms-docs.js"],
                    published, hidden, warnings, ctx.findings, made)


@dataclass
class _Made:
    """A plan's document pages with what each was made from: `frame`, what every page depends on (the
    options, the rules, the day, which documents are published where and under which title, where
    links lead); per document, its own inputs, its page and the findings making it gave; and the
    listings' rows of each document."""

    frame: tuple[Any, ...]
    pages: dict[str, tuple[tuple[Any, ...], Page, list[Finding]]]
    rows: dict[tuple[str, str, tuple[str, ...]], Any]  # listing rows (Context.rows)


def _frame(ctx: Context) -> tuple[Any, ...]:
    titles = {ident: (pub.src_uri, pub.doc.title) for ident, pub in ctx.published.items()}
    return (ctx.options, ctx.cat.settings, ctx.built, ctx.cat.as_of, titles, frozenset(ctx.hidden), ctx.link_index,
            ctx.generated, frozenset(ctx.cat.documents))


def _inputs(pub: Published) -> tuple[Any, ...]:
    """Everything of a document that its page shows (see document_page): compared with ==."""
    status = pub.status
    facts = None if status is None else (
        status.head, status.published, status.current, status.latest_approved, status.state, status.next_review,
        status.last_review, status.review_cycle, status.upcoming, tuple(status.revisions), status.withdrawn_on,
        status.path)
    return (pub.id, pub.src_uri, pub.draft, pub.obsolete, pub.doc, pub.rev, facts)


def _site_pages(cat: Catalog) -> frozenset[str]:
    """Pages a site-absolute link may name besides documents: the generated ones, and the approved
    pages of the site's own folder."""
    own = {key.removeprefix("site-src/") for key, fh in cat.configs.items()
           if key.startswith("site-src/") and key.endswith(".md") and fh.path and fh.approved}
    return frozenset([*policy.GENERATED_PAGES, *(f"{type_folder(t)}/index.md" for t in cat.settings.types), *own])


def _link_index(cat: Catalog, published: dict[str, Published], drafts: bool) -> dict[str, str]:
    """Where links may lead: each document's path and the former paths its published, approved
    revision names (a draft preview: the working tree's). Documents above the audience are in it
    too, so that a link to one becomes text, never a finding that names it."""
    items: list[tuple[str, str | None, list[str]]] = []
    if drafts:
        items = [(ident, pub.doc.path, policy.former_paths(pub.doc)) for ident, pub in published.items()]
    for ident, status in cat.documents.items():
        if status.current is not None:
            items.append((ident, status.current.path, [] if drafts else policy.former_paths(status.published)))
        if status.path:
            items.append((ident, status.path, []))
    index, _ = policy.former_path_index(items)
    return index
