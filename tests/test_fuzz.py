"""Property tests: whatever a document, record or configuration file holds, `check` reports findings
and never crashes (exit 0 or 1, JSON that parses, no traceback, no "internal error")."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CONFIG, Repo, doc

# Each example is a whole `check` run (~30-120 ms): the counts keep this file near 20 s.


def fuzz(examples: int) -> Any:
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


DOC_PATH = "policies/POL-001-fuzz.md"
RECORD_PATH = "records/review/2026/REV-2026-0001.yml"

FIELDS = ["id", "title", "type", "owner", "classification", "approvers", "review_cycle", "clauses", "related",
          "supersedes", "status", "superseded_by", "withdrawn_reason", "effective", "external", "x-note",
          "publisher", "reference", "copy", "sha256", "date", "created_by", "subject", "outcome", "corrects"]
VALUES = ["POL-001", "POL-002", "POL-999", "PRC-001", "policy", "procedure", "memo", "dana", "danna", "nobody",
          "internal", "secret", "obsolete", "active", "2026-01-01", "2026-02-30", "12 months", "top-management",
          "review", "no-change", "REV-2026-0001", "external/copy.pdf", "../../etc/passwd", "sms-docs.yml",
          "[x](POL-002-kept.md)", "yes", "10:30", "~", ""]
JUNK = ["", ":", ": :", "- ", "[", "]", "{", "}", "&a ", "*a", "!!str ", "!!binary ", "!!python/name:os.system ",
        "|", ">", "\t", "'", '"', "# ", "---", "...", "%YAML 1.2", "? ", "<<: *a", "\\", "\x00", "\ufeff",
        "\r\n", "id: POL-001", "- - -", "{a: [b, {c: d}]}"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(VALUES), st.text(max_size=20),
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=10), st.integers(-5, 5), st.none(), st.booleans())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)
mappings = st.dictionaries(keys, values, max_size=10)


@st.composite
def yamlish(draw: st.DrawFn) -> str:
    """A mapping dumped as YAML, then maybe broken with junk at a random place."""
    text = yaml.safe_dump(draw(mappings), allow_unicode=draw(st.booleans()), default_flow_style=draw(
        st.sampled_from([False, True, None])), sort_keys=False)
    for _ in range(draw(st.integers(0, 3))):
        junk = draw(st.sampled_from(JUNK)) + draw(st.sampled_from(["", "\n", " "])) + draw(st.text(max_size=5))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + junk + text[at:]
    return text


@pytest.fixture
def fuzz_repo(repo: Repo) -> Repo:
    repo.write({
        "policies/POL-002-kept.md": doc("POL-002", "Kept", related=["POL-001"],
                                        body="See [the fuzzed one](POL-001-fuzz.md).\n"),
        "procedures/PRC-001-x.md": doc("PRC-001", "X", type="procedure", owner="omar"),
        "external/copy.pdf": b"copy",
    })
    return repo


def assert_no_crash(repo: Repo, *, allowed: tuple[int, ...] = (0, 1)) -> dict[str, Any] | None:
    result = repo.run("check", "--format", "json")
    assert "Traceback" not in result.output
    assert "internal error" not in result.output, result.output
    assert result.exit_code in allowed, result.output
    if result.exit_code == 3:  # configuration that cannot be read: said on stderr, nothing on stdout
        assert result.stdout == "" and "sms-docs.yml" in result.stderr
        return None
    data = json.loads(result.stdout)
    assert set(data) == {"ok", "documents", "records", "findings"}
    assert data["ok"] is (result.exit_code == 0)
    for finding in data["findings"]:
        assert set(finding) == {"code", "severity", "path", "line", "id", "message"}
        assert finding["line"] is None or finding["line"] >= 1
    return data


@fuzz(50)
@given(data=st.binary(max_size=400))
def test_random_bytes_as_a_document(fuzz_repo: Repo, data: bytes) -> None:
    fuzz_repo.write({DOC_PATH: data})
    found = assert_no_crash(fuzz_repo)
    assert found is not None
    # Random bytes are never a valid document: something is said about that file.
    assert any(f["path"] == DOC_PATH for f in found["findings"]) or data.startswith(b"---")


@fuzz(40)
@given(data=st.binary(max_size=300))
def test_random_bytes_after_a_fence(fuzz_repo: Repo, data: bytes) -> None:
    fuzz_repo.write({DOC_PATH: b"---\n" + data + b"\n---\n\nBody\n"})
    assert_no_crash(fuzz_repo)


@fuzz(60)
@given(front=yamlish(), body=st.sampled_from(["", "Text.\n", "[a](POL-002-kept.md) [b](missing.md)\n",
                                               "[ref]: ../procedures/PRC-001-x.md\n"]))
def test_random_front_matter(fuzz_repo: Repo, front: str, body: str) -> None:
    fuzz_repo.write({DOC_PATH: "---\n" + front + "---\n\n" + body})
    assert_no_crash(fuzz_repo)


@fuzz(40)
@given(mapping=mappings)
def test_random_fields_on_a_valid_document(fuzz_repo: Repo, mapping: dict[Any, Any]) -> None:
    base = {"id": "POL-001", "title": "Fuzz", "type": "policy", "owner": "dana", "classification": "internal"}
    fuzz_repo.write({DOC_PATH: "---\n" + yaml.safe_dump({**base, **mapping}, sort_keys=False) + "---\n\nBody\n"})
    assert_no_crash(fuzz_repo)


@fuzz(40)
@given(text=yamlish())
def test_random_record(fuzz_repo: Repo, text: str) -> None:
    fuzz_repo.write({RECORD_PATH: text})
    assert_no_crash(fuzz_repo)


@fuzz(25)
@given(text=yamlish(), keep=st.booleans())
def test_random_configuration(fuzz_repo: Repo, text: str, keep: bool) -> None:
    # Unreadable YAML in sms-docs.yml stops the run (exit 3); anything readable is findings.
    fuzz_repo.write({"sms-docs.yml": (CONFIG + text) if keep else text})
    assert_no_crash(fuzz_repo, allowed=(0, 1, 3))


def test_fuzz_fixture_is_clean(fuzz_repo: Repo) -> None:
    # Without the fuzzed file, the only findings are about the missing POL-001.
    data = assert_no_crash(fuzz_repo)
    assert data is not None
    assert {(f["code"], f["path"]) for f in data["findings"]} == {("broken-reference", "policies/POL-002-kept.md")}
