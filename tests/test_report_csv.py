"""CSV exports never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
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
