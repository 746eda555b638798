"""Front matter: splitting, the fast loader's typing rules, the round-trip write path, atomic writes."""

from __future__ import annotations

import os
from typing import Any, TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms_docs import frontmatter

if TYPE_CHECKING:
    from pathlib import Path

BOM = b"\xef\xbb\xbf"


# --- split ------------------------------------------------------------------------------------------


def test_split_gives_front_body_and_lines() -> None:
    parts = frontmatter.split("---\nid: POL-001\ntitle: T\n---\n\n# T\n")
    assert parts.front == "id: POL-001\ntitle: T\n"
    assert parts.body == "\n# T\n"
    assert (parts.front_line, parts.body_line) == (2, 5)


def test_split_accepts_crlf_and_trailing_spaces_on_fences() -> None:
    parts = frontmatter.split("---  \r\nid: POL-001\r\n--- \r\nBody\r\n")
    assert parts.front == "id: POL-001\r\n"
    assert parts.body == "Body\r\n"
    assert parts.body_line == 4


def test_split_ends_at_the_first_closing_fence() -> None:
    parts = frontmatter.split("---\na: 1\n---\nbody\n---\nmore\n")
    assert parts.front == "a: 1\n"
    assert parts.body == "body\n---\nmore\n"


def test_split_empty_front_matter() -> None:
    parts = frontmatter.split("---\n---\nbody")
    assert (parts.front, parts.body) == ("", "body")


@pytest.mark.parametrize("text", ["# Title\n", "", "----\na: 1\n---\n", " ---\na: 1\n---\n", "---\na: 1\n"])
def test_split_without_front_matter_raises(text: str) -> None:
    with pytest.raises(frontmatter.FrontMatterMissing):
        frontmatter.split(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["---", "--", "-", " ", "\t", "\r", "\n", "a", "\n---", "---\n"]), max_size=30))
def test_the_closing_fence_is_the_first_one_the_regex_finds(pieces: list[str]) -> None:
    """The closing fence is looked for only on lines that begin with `---`: the same match as
    searching the whole text with the fence's regex, from every line start."""
    text = "".join(pieces)
    for start in [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]:
        found, expected = frontmatter._closing_fence(text, start), frontmatter._FENCE.search(text, start)
        assert (found.span() if found else None) == (expected.span() if expected else None)


def test_decode_drops_a_bom_and_rejects_other_encodings() -> None:
    assert frontmatter.decode(BOM + "café".encode()) == "café"
    with pytest.raises(UnicodeDecodeError):
        frontmatter.decode("café".encode("latin-1"))


# --- the fast loader ----------------------------------------------------------------------------------


def test_dates_stay_strings() -> None:
    data = frontmatter.load_yaml("effective: 2026-03-02\nwhen: 2026-03-02T10:00:00Z\nlist: [2025-01-01]\n")
    assert data == {"effective": "2026-03-02", "when": "2026-03-02T10:00:00Z", "list": ["2025-01-01"]}


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "On"])
def test_yaml_11_booleans_stay_strings(word: str) -> None:
    assert frontmatter.load_yaml(f"v: {word}") == {"v": word}


@pytest.mark.parametrize(("word", "value"), [("true", True), ("False", False), ("TRUE", True)])
def test_yaml_12_booleans_are_booleans(word: str, value: bool) -> None:
    assert frontmatter.load_yaml(f"v: {word}") == {"v": value}


def test_numbers_and_nulls_keep_their_types() -> None:
    assert frontmatter.load_yaml("a: 12\nb: 1.5\nc: ~\nd: null\ne: '12'\n") == {
        "a": 12, "b": 1.5, "c": None, "d": None, "e": "12"}


@pytest.mark.parametrize("text", ["10:30", "1:20", "-3:05", "190:20:30.15"])
def test_base_60_numbers_of_yaml_11_stay_strings(text: str) -> None:
    # ruamel.yaml (the writer) emits YAML 1.2, where `10:30` is a string; reading it back as 630
    # would turn a title `10:30` into a schema violation.
    assert frontmatter.load_yaml(f"title: {text}") == {"title": text}


def test_yaml_error_carries_the_line() -> None:
    with pytest.raises(frontmatter.YamlError) as info:
        frontmatter.load_yaml("id: POL-001\ntitle: T\nowner: a: b\n")
    assert info.value.line == 3
    assert "mapping values" in info.value.message


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(frontmatter.YamlError):
        frontmatter.load_yaml("x: !!python/object/apply:os.system ['true']\n")


def test_node_lines_and_line_of() -> None:
    text = "id: POL-001\nrelated:\n  - POL-002\n  - POL-003\nexternal:\n  publisher: ISO\n"
    lines = frontmatter.node_lines(text)
    assert lines[("id",)] == 1
    assert lines[("related",)] == 3  # a block collection: where its value starts
    assert lines[("related", 1)] == 4
    assert lines[("external", "publisher")] == 6
    assert frontmatter.line_of(lines, ("external", "missing", 3)) == 6
    assert frontmatter.line_of(lines, ("nowhere",)) == 1
    assert frontmatter.node_lines("a: [unclosed\n") == {}


def test_node_lines_survives_absurd_nesting() -> None:
    depth = 5000
    lines = frontmatter.node_lines("a: " + "[" * depth + "]" * depth + "\n")
    # The parser may refuse such nesting (no lines: the finding has no line) or give up part way (the
    # lines found so far): never a crash, never a wrong line.
    assert frontmatter.line_of(lines, ("a",)) in (1, None)
    assert frontmatter.line_of(lines, ("a", 0, 0)) in (1, None)


# --- update_front_matter: the round-trip write path -------------------------------------------------


def set_status(mapping: Any) -> None:
    mapping["status"] = "obsolete"
    mapping["superseded_by"] = "POL-009"


def test_update_preserves_bom_crlf_and_the_body() -> None:
    body = "\r\n# Title\r\n\r\nText with trailing spaces   \r\nand a lone LF\n---\r\nend"
    data = BOM + ("---\r\nid: POL-001\r\ntitle: Old\r\n---\r\n" + body).encode()
    out = frontmatter.update_front_matter(data, set_status)
    assert out.startswith(BOM + b"---\r\n")
    front, _, rest = out[3:].partition(b"---\r\n")[2].partition(b"---\r\n")
    assert rest == body.encode()  # the body byte for byte
    assert b"\n" not in front.replace(b"\r\n", b"")  # every front matter line ends in CRLF
    assert front == b"id: POL-001\r\ntitle: Old\r\nstatus: obsolete\r\nsuperseded_by: POL-009\r\n"


def test_update_without_bom_adds_none() -> None:
    out = frontmatter.update_front_matter(b"---\nid: POL-001\n---\nBody\n", set_status)
    assert out == b"---\nid: POL-001\nstatus: obsolete\nsuperseded_by: POL-009\n---\nBody\n"


def test_update_keeps_comments_key_order_quoting_and_flow_style() -> None:
    front = (
        "# Controlled document: see PRC-001\n"
        "id: POL-001\n"
        "title: 'Quoted: title'   # the title\n"
        "type: policy\n"
        "owner: dana\n"
        "classification: internal\n"
        "clauses: [\"5.2\", \"8.5.1.2\"]\n"
        "effective: 2026-03-02\n"
        "x-flag: yes\n"
        "related:\n"
        "  - POL-002  # the old one\n"
    )
    data = ("---\n" + front + "---\n\nBody\n").encode()

    def edit(mapping: Any) -> None:
        mapping["owner"] = "priya"

    out = frontmatter.update_front_matter(data, edit).decode()
    assert out == "---\n" + front.replace("owner: dana", "owner: priya") + "---\n\nBody\n"
    meta = frontmatter.load_yaml(frontmatter.split(out).front)
    assert meta["effective"] == "2026-03-02"  # dates stay strings after a rewrite
    assert meta["x-flag"] == "yes"  # and `yes` stays a string
    assert list(meta) == ["id", "title", "type", "owner", "classification", "clauses", "effective", "x-flag",
                          "related"]


def test_update_of_an_unchanged_mapping_is_identical() -> None:
    data = b"---\nid: POL-001\ntitle: \"T\"\nrelated: [POL-002]\n---\n\nBody\n"
    assert frontmatter.update_front_matter(data, lambda m: None) == data


def test_update_empty_front_matter() -> None:
    out = frontmatter.update_front_matter(b"---\n---\nBody\n", set_status)
    assert frontmatter.load_yaml(frontmatter.split(out.decode()).front) == {
        "status": "obsolete", "superseded_by": "POL-009"}
    assert out.endswith(b"---\nBody\n")


def test_update_refuses_a_file_without_front_matter() -> None:
    with pytest.raises(frontmatter.FrontMatterMissing):
        frontmatter.update_front_matter(b"# no front matter\n", set_status)


def test_dump_yaml_values_read_back_the_same() -> None:
    meta = {"id": "POL-001", "title": "Remote: working # policy", "effective": "2026-03-02", "x-a": "yes",
            "n": "12", "t": "10:30", "list": ["on", "null", "~"]}
    assert frontmatter.load_yaml(frontmatter.dump_yaml(meta)) == meta


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
def test_any_title_written_reads_back_the_same(title: str) -> None:
    assert frontmatter.load_yaml(frontmatter.dump_yaml({"title": title})) == {"title": title}


# --- atomic_write ---------------------------------------------------------------------------------------


def test_atomic_write_creates_folders_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.md"
    frontmatter.atomic_write(target, b"one")
    assert target.read_bytes() == b"one"
    frontmatter.atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["file.md"]  # no temporary files left behind


def test_atomic_write_exclusive_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "POL-001.md"
    target.write_bytes(b"original")
    with pytest.raises(FileExistsError):
        frontmatter.atomic_write(target, b"replacement", exclusive=True)
    assert target.read_bytes() == b"original"
    assert os.listdir(tmp_path) == ["POL-001.md"]


def test_atomic_write_exclusive_creates_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "new" / "POL-002.md"
    frontmatter.atomic_write(target, b"fresh", exclusive=True)
    assert target.read_bytes() == b"fresh"
    assert os.listdir(target.parent) == ["POL-002.md"]


# --- hostile YAML -------------------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused() -> None:
    # "Billion laughs": 9 lines expanding to 10**9 values must not hang `check` in CI.
    with pytest.raises(frontmatter.YamlError, match="aliases"):
        frontmatter.load_yaml(alias_bomb(9))


def test_self_referencing_alias_is_refused() -> None:
    with pytest.raises(frontmatter.YamlError):
        frontmatter.load_yaml("a: &a [*a, *a]\n")


def test_ordinary_aliases_still_work() -> None:
    data = frontmatter.load_yaml(alias_bomb(3) + "b: *a1\n")
    assert data["b"] is data["a1"]
    assert len(data["a2"]) == 10 and data["a2"][0][0] == ["x"] * 10
