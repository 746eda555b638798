"""The front matter fast path reads exactly what the YAML loader reads, or declines (None)."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_docs import frontmatter
from sms_docs.frontmatter import FastLoader, simple_mapping

ROOT = Path(__file__).resolve().parents[1]

WORDS = st.sampled_from(["id", "title", "type", "owner", "true", "null", "x-a", "clauses", "a_b", "No", "on"])
ATOMS = st.one_of(
    st.sampled_from(["POL-001", "policy", "Dana's plan", "true", "False", "null", "yes", "no", "~", "1", "0x1F",
                     "5.2", "2026-03-01", "2026-3-1", "10:30", ".inf", "a: b", "a #c", "x,y", "(a)", "-", "", " ",
                     '"quoted"', '"a\\"b"', "'single'", "'it''s'", '"a, b"', "[a, b]", '["5.2", "8.5.1"]', "[]",
                     "[ ]", "[a,]", "[[a]]", "{a: b}", "&x a", "*x", "!tag a", "|", ">", "a\tb", '"\x07"']),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
LINES = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", WORDS, ATOMS),
    st.builds(lambda k, a, b: f"{k}: [{a}, {b}]", WORDS, ATOMS, ATOMS),
    st.sampled_from(["", "  ", "# comment", "  nested: x", "- item", "key:", "...", "---", "a: b\r"]),
)


def reference(text: str) -> object:
    try:
        return yaml.load(text, Loader=FastLoader)  # noqa: S506
    except yaml.YAMLError:
        return "error"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=8))
def test_fast_path_agrees_with_yaml_or_declines(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    fast = simple_mapping(text)
    if fast is not None:
        assert fast == reference(text), text


def test_the_starter_documents_take_the_fast_path() -> None:
    taken = 0
    for path in sorted(ROOT.glob("*/*-*.md")):
        if path.parent.name == "docs":  # the project's documentation, not starter documents
            continue
        parts = frontmatter.split(frontmatter.decode(path.read_bytes()))
        fast = simple_mapping(parts.front)
        if fast is not None:
            taken += 1
            assert fast == reference(parts.front)
    assert taken >= 30


def test_what_it_declines_still_loads() -> None:
    text = "id: POL-001\nflag: true\nnested:\n  a: 1\n"
    assert simple_mapping(text) is None
    assert frontmatter.load_yaml(text) == {"id": "POL-001", "flag": True, "nested": {"a": 1}}
