"""`check` warns about clause citations the standard does not have."""

from __future__ import annotations

from conftest import Repo, doc


def test_unknown_clause_is_a_warning(repo: Repo) -> None:
    repo.write({"policies/POL-001-a.md": doc("POL-001", clauses=["5.2", "8.5.1.1"])})
    clean = repo.json("check")
    assert not [f for f in clean["findings"] if f["code"] == "unknown-clause"]
    repo.write({"policies/POL-001-a.md": doc("POL-001", clauses=["5.2", "8.5.9"])})
    result = repo.run("check")
    assert result.exit_code == 0
    assert "unknown-clause" in result.output and "8.5.9" in result.output
    assert repo.run("check", "--strict").exit_code == 1
