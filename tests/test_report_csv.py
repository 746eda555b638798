"""CSV exports never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
import json
import io

from conftest import Repo, doc


def test_a_title_that_looks_like_a_formula_is_quoted_in_the_register(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "=HYPERLINK(\"http://x\")")}, who="omar")
    repo.run("approve", "--all", who="dana")
    result = repo.run("export", "register", "--format", "csv", "--as-of", "2026-02-01")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["id"] == "POL-001"
    assert rows[0]["title"].startswith("'=")
    assert rows[0]["state"] == "effective"


def test_plain_values_are_unchanged(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "Plain title")}, who="omar")
    repo.run("approve", "--all", who="dana")
    rows = list(csv.DictReader(io.StringIO(repo.run("status", "--format", "csv", "--as-of", "2026-02-01").output)))
    assert rows[0]["title"] == "Plain title" and rows[0]["revision"] == "1"


def test_export_register_writes_the_file_named_by_output(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "Plain title")}, who="omar")
    repo.run("approve", "--all", who="dana")
    shown = repo.run("export", "register", "--format", "csv", "--as-of", "2026-02-01")
    (repo.path / "out").mkdir()
    result = repo.run("export", "register", "--format", "csv", "--as-of", "2026-02-01", "--output", "out/register.csv")
    assert result.exit_code == 0, result.output
    assert "wrote out/register.csv (1 documents)" in result.output
    written = (repo.path / "out" / "register.csv").read_text(encoding="utf-8")
    assert written == shown.output  # the same bytes as standard output
    assert [r["id"] for r in csv.DictReader(io.StringIO(written))] == ["POL-001"]
    assert [p.name for p in (repo.path / "out").iterdir()] == ["register.csv"]  # no temporary file left
    result = repo.run("export", "register", "--format", "json", "--as-of", "2026-02-01", "-o", "out/register.json")
    assert result.exit_code == 0, result.output
    data = json.loads((repo.path / "out" / "register.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data["documents"]] == ["POL-001"]
    # A folder where the file should go: a clear error, the folder untouched.
    result = repo.run("export", "register", "--format", "csv", "--output", "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
