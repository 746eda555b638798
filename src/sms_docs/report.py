"""Reporters: the register and the audit as JSON, CSV, text and a self-contained HTML file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from json.encoder import encode_basestring as _quoted  # the very function json.dumps(ensure_ascii=False) uses
from typing import Any, TYPE_CHECKING


if TYPE_CHECKING:
    from collections.abc import Iterator

    from sms_docs.model import Revision
    from sms_docs.catalog import Catalog, DocStatus
    from sms_docs.precontrol import ControlStart


@dataclass(frozen=True)
class Register:
    """The document register as of a day (`status`, `export register`)."""

    ref: str
    as_of: dt.date
    rows: list[DocStatus]

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "as_of": self.as_of.isoformat(), "documents": [s.to_json() for s in self.rows]}


def register(cat: Catalog, ids: list[str] | None = None, states: tuple[str, ...] = ()) -> Register:
    """The documents named (all when none; an unknown ID is a usage error), in the given states, by ID."""
    for ident in ids or ():
        cat.get(ident)
    rows = [s for s in cat.documents.values() if (not ids or s.id in ids) and (not states or s.state.value in states)]
    return Register(cat.ref, cat.as_of, sorted(rows, key=lambda s: s.id))


REGISTER_COLUMNS = ["id", "title", "type", "owner", "classification", "state", "revision", "effective", "next_review", "path"]


def cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula (a title may start with '=')."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def register_csv(rows: list[DocStatus]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in rows:
        data = s.to_json()
        writer.writerow({k: cell(data[k]) for k in REGISTER_COLUMNS})
    return out.getvalue()


def _audited(cat: Catalog) -> Iterator[tuple[str, str, list[Revision]]]:
    """(ID, state, revisions) of each document by ID, then of each configuration file by path."""
    for s in sorted(cat.documents.values(), key=lambda s: s.id):
        yield s.id, s.state._value_, s.revisions  # `_value_`: `.value` is a property, five times slower
    for key, fh in sorted(cat.configs.items()):
        approved = [r for r in fh.revisions if r.number is not None]
        state = "draft" if not approved else ("changed" if fh.revisions[-1].number is None else
                                              "obsolete" if fh.path is None else "effective")
        yield key, state, fh.revisions


def _audit_head_tail(cat: Catalog) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit report's fields before its documents, and after them."""
    findings = [f.to_json() for f in cat.findings]
    head = {"ok": not any(f["severity"] == "error" for f in findings), "ref": cat.ref, "as_of": cat.as_of.isoformat()}
    tail: dict[str, Any] = {
        "records": [{"id": r.id, "path": r.path, "commit": r.commit, "date": r.date.isoformat() if r.date else None}
                    for r in cat.records],
        "findings": findings,
    }
    if cat.history.control is not None:  # the main line began before sms-docs.yml did (issue 12)
        tail["control"] = cat.history.control.to_json()
    return head, tail


def audit_json(cat: Catalog) -> dict[str, Any]:
    head, tail = _audit_head_tail(cat)
    docs = [{"id": ident, "state": state, "revisions": [r.to_json() for r in revisions]}
            for ident, state, revisions in _audited(cat)]
    return {**head, "documents": docs, **tail}


def audit_json_text(cat: Catalog, extra: dict[str, Any] | None = None) -> str:
    """`audit_json(cat)`, with the fields of `extra` added at its end, as compact JSON text: byte for
    byte `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` of it. Each revision writes its
    own text (`Revision.json_text`) instead of a dictionary per revision, approval and author that
    the encoder then walks: half the time on large histories."""
    head, tail = _audit_head_tail(cat)
    tail.update(extra or {})
    try:
        docs = ",".join([f'{{"id":{_quoted(ident)},"state":{_quoted(state)},"revisions":[{",".join([r.json_text() for r in revisions])}]}}'
                         for ident, state, revisions in _audited(cat)])
    except TypeError:  # a value not of its declared type: the general encoder writes (or names) it
        docs = _dumps([{"id": ident, "state": state, "revisions": [r.to_json() for r in revisions]}
                       for ident, state, revisions in _audited(cat)])[1:-1]
    return f'{_dumps(head)[:-1]},"documents":[{docs}],{_dumps(tail)[1:]}\n'


def _dumps(data: Any) -> str:
    # The report is built just now from plain values, and no list or dict in it holds itself: the
    # encoder's check for cycles (a dictionary insert and delete per container, 15% of its time) is off.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), check_circular=False)


def control_statement(control: ControlStart) -> str:
    """Where control began, in words: the audit's statement about the time before adoption."""
    counted = ""
    if control.evidence is not None:
        counted = (f" ({control.evidence.get('merger', 0)} with merger evidence from a merge or squash commit, "
                   f"{control.evidence.get('none', 0)} without any; shown in `history`, never counted as approvals)")
    return (f"Control began at commit {control.commit[:10]} ({control.date.date()}), the first main-line commit "
            f"holding sms-docs.yml: {control.pre_control_commits} earlier main-line commit(s) are pre-control history"
            f"{counted}. They are not judged: no rules were in force. Every change from that commit on is.")


def audit_csv(cat: Catalog) -> str:
    """One row per approval (or per revision without one): what an auditor filters in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "revision", "commit", "date", "blob", "authors", "approver", "email", "meaning",
                     "approval_date", "evidence", "signature", "valid", "reason"])
    for item in audit_json(cat)["documents"]:
        for rev in item["revisions"]:
            authors = "; ".join(a["email"] for a in rev["authors"])
            base = [item["id"], rev["revision"] if rev["revision"] is not None else "", rev["commit"], rev["date"], rev["blob"], authors]
            if not rev["approvals"]:
                writer.writerow([cell(v) for v in [*base, "", "", "", "", "", "", "", ""]])
            for a in rev["approvals"]:
                writer.writerow([cell(v) for v in [*base, a["name"], a["email"], a["meaning"], a["date"], a["evidence"], a["signature"],
                                 "yes" if a["valid"] else "no", a["reason"] or ""]])
    return out.getvalue()


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:70rem;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
h3{margin:1.5rem 0 .4rem} .meta{color:#57606a} table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top} th{background:#f6f8fa}
.error{color:#cf222e;font-weight:600} .warning{color:#9a6700;font-weight:600} .ok{color:#1a7f37;font-weight:600}
.state{display:inline-block;padding:0 .5rem;border-radius:1rem;background:#eaeef2;font-size:.85em}
.state-effective{background:#dafbe1} .state-changed{background:#fff8c5} .state-draft{background:#eaeef2}
.state-obsolete{background:#ffebe9} .state-approved{background:#ddf4ff} code{font-size:.9em}
.invalid{color:#cf222e} .summary td{border:none;padding:.1rem 1rem .1rem 0}
@media print{body{margin:0}}
"""


def audit_html(cat: Catalog, generated: dt.datetime | None = None) -> str:
    """A self-contained file an auditor can open offline: summary, findings, then each document."""
    from html import escape as e  # only this report needs it (html.entities: a millisecond at start-up)

    data = audit_json(cat)
    errors = sum(1 for f in cat.findings if f.severity.value == "error")
    warnings = len(cat.findings) - errors
    revisions = sum(len(d["revisions"]) for d in data["documents"])
    when = (generated or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>Audit of {e(cat.settings.organisation)} document control, {e(cat.as_of.isoformat())}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Document control audit: {e(cat.settings.organisation)}</h1>",
        f"<p class=\"meta\">{e(cat.ref)} @ <code>{e((cat.tip or '')[:12])}</code> as of {e(cat.as_of.isoformat())} · generated {e(when)} by sms-docs</p>",
        "<table class=\"summary\">",
        f"<tr><td>Documents</td><td>{len(cat.documents)}</td></tr>",
        f"<tr><td>Controlled configuration files</td><td>{len(cat.configs)}</td></tr>",
        f"<tr><td>Revisions</td><td>{revisions}</td></tr><tr><td>Records</td><td>{len(cat.records)}</td></tr>",
        f"<tr><td>Result</td><td class=\"{'error' if errors else 'ok'}\">{'FAIL' if errors else 'PASS'}: {errors} errors, {warnings} warnings</td></tr>",
        "</table>",
        *([f"<p class=\"meta\">{e(control_statement(cat.history.control))}</p>"] if cat.history.control else []),
        "<h2>Findings</h2>",
    ]
    if cat.findings:
        out.append("<table><tr><th>Severity</th><th>Code</th><th>Document</th><th>Path</th><th>Message</th></tr>")
        for f in cat.findings:
            out.append(f"<tr><td class=\"{e(f.severity.value)}\">{e(f.severity.value)}</td><td><code>{e(f.code)}</code></td>"
                       f"<td>{e(f.id or '')}</td><td>{e(f.path or '')}</td><td>{e(f.message)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p class=\"ok\">No findings.</p>")
    out.append("<h2>Documents</h2>")
    titles = {s.id: s.title for s in cat.documents.values()}
    for item in data["documents"]:
        title = titles.get(item["id"], "configuration file")
        out.append(f"<h3 id=\"{e(item['id'])}\">{e(item['id'])} · {e(title)} <span class=\"state state-{e(item['state'])}\">{e(item['state'])}</span></h3>")
        out.append("<table><tr><th>Rev</th><th>Date</th><th>Commit</th><th>Blob</th><th>Authors</th><th>Approvals</th></tr>")
        for rev in item["revisions"]:
            authors = "<br>".join(e(f"{a['name']} <{a['email']}>") for a in rev["authors"]) or "–"
            approvals = "<br>".join(
                f"<span class=\"{'' if a['valid'] else 'invalid'}\">{e(a['name'])} · {e(a['meaning'])} · {e(a['date'])} · "
                f"{e(a['evidence'])} · signature {e(a['signature'])}{'' if a['valid'] else ' · NOT VALID: ' + e(a['reason'] or '')}</span>"
                for a in rev["approvals"]) or "<span class=\"invalid\">none</span>"
            number = rev["revision"] if rev["revision"] is not None else "unapproved"
            out.append(f"<tr><td>{e(str(number))}</td><td>{e(rev['date'])}</td><td><code>{e(rev['commit'][:10])}</code></td>"
                       f"<td><code>{e(rev['blob'][:10])}</code></td><td>{authors}</td><td>{approvals}</td></tr>")
        out.append("</table>")
    out.append("<h2>Records</h2><table><tr><th>ID</th><th>Path</th><th>Date</th><th>Commit</th></tr>")
    for r in data["records"]:
        out.append(f"<tr><td>{e(r['id'])}</td><td>{e(r['path'])}</td><td>{e(r['date'] or '')}</td><td><code>{e((r['commit'] or '')[:10])}</code></td></tr>")
    out.append("</table></body></html>\n")
    return "\n".join(out)


def revision_label(rev: Revision) -> str:
    return f"rev {rev.number}" if rev.number is not None else "unapproved"
