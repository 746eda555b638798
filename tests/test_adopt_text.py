"""No text is lost: whatever a Markdown file holds (CRLF, a BOM, no final newline, HTML headings,
mermaid, emoji, `---` lines, front matter of any shape), the adopted file's body is the old body
byte for byte and the old front matter's keys are all there. Property-style over generated files,
through the pure planner, no git needed."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from sms_docs import frontmatter
from sms_docs.adopt.plan import Facts, Options, make_plan

FRAGMENTS = [
    "# Heading one", "## Purpose", '<h1 align="center">Access &amp; identity</h1>', "<h2>Scope</h2>",
    "```mermaid", "graph TD", "  A --> B", "```", "---", "***", "    - four-space item", "1. first",
    "Emoji 🚀🔒 and ünïcödé", "[link](/policies/access/)", "![badge](https://img.shields.io/x.svg)",
    "| a | b |", "|---|---|", "\ttab", "  ", "", "Plain words.", "Title\n=====", "{{.Name}} template",
    "key: value looking line", "<!-- comment -->", "\u00a0non-breaking", "trailing spaces   ",
]
FRONTS: list[tuple[str, dict[str, Any]]] = [
    ("", {}),
    ("---\ntitle: Old title\nlayout: page\ntags: [a, b]\n---\n", {"x-layout": "page", "x-tags": ["a", "b"]}),
    ("---\nauthor: Somebody\npermalink: /p/\n---\n", {"x-author": "Somebody", "x-permalink": "/p/"}),
    ("name: Comply Policy\nacronym: CP\nmajorRevisions:\n  - date: Jun 1 2018\n    comment: first\n---\n",
     {"x-acronym": "CP", "x-majorRevisions": [{"date": "Jun 1 2018", "comment": "first"}]}),
    ("---\n---\n", {}),
    ("---\nx-department: Ops\nreview_cycle: 6 months\n---\n", {"x-department": "Ops", "review_cycle": "6 months"}),
]


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, bytes, dict[str, Any]]:
    lines = draw(st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=12))
    if lines and lines[0] in ("---",):
        lines[0] = "Plain words."
    crlf = draw(st.booleans())
    newline = "\r\n" if crlf else "\n"
    body = newline.join(lines).replace("\n", newline) if crlf else "\n".join(lines)
    if draw(st.booleans()) and body:
        body += newline
    front, expected = draw(st.sampled_from(FRONTS))
    if crlf:
        front = front.replace("\n", "\r\n")
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    body_bytes = body.encode("utf-8")
    return bom + front.encode("utf-8") + body_bytes, body_bytes, expected


PERSON = {"id": "dana", "name": "Dana Reyes", "email": "dana@example.com", "roles": ["top-management"]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_the_body_survives_byte_for_byte_and_every_old_key_is_kept(case: tuple[bytes, bytes, dict[str, Any]]) -> None:
    data, body, expected = case
    facts = Facts(files={"policies/some-policy.md": data}, tracked=frozenset({"policies/some-policy.md"}),
                  authorship={}, mergers=[], repo_name="policies")
    plan = make_plan(facts, Options(people=(PERSON,)))
    (item,) = plan.items
    assert item.action == "adopt", item.reason
    written = item.content
    assert written.startswith(b"\xef\xbb\xbf---") == data.startswith(b"\xef\xbb\xbf")
    parts = frontmatter.split(frontmatter.decode(written))
    assert parts.body.encode("utf-8") == body
    meta = frontmatter.load_yaml(parts.front)
    assert meta["id"] == "POL-001" and meta["owner"] == "dana"
    for key, value in expected.items():
        assert meta[key] == value
    if b"\r\n" in data.split(b"\n", 1)[0] + b"\n":
        assert written.lstrip(b"\xef\xbb\xbf").startswith(b"---\r\nid: POL-001\r\n")


def test_front_matter_that_is_not_yaml_is_left_alone_and_said() -> None:
    data = b"---\ntitle: [unclosed\n---\nBody\n"
    facts = Facts(files={"policies/p.md": data}, tracked=frozenset({"policies/p.md"}), authorship={}, mergers=[],
                  repo_name="x")
    (item,) = make_plan(facts, Options(people=(PERSON,))).items
    assert item.action == "skip"
    assert item.reason is not None and "front matter is not valid YAML" in item.reason
    assert any(n.startswith("decide:") for n in item.notes)
