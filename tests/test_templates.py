"""A template named in sms-docs.yml must exist: a configuration error (exit 3) that writes nothing."""

from __future__ import annotations

from conftest import CONFIG, Repo


def test_new_with_a_missing_document_template(repo: Repo) -> None:
    repo.write({"sms-docs.yml": CONFIG.replace("  policy: {prefix: POL,", "  policy: {template: templates/nope.md, prefix: POL,")})
    result = repo.run("new", "policy", "--title", "X")
    assert result.exit_code == 3
    assert "templates/nope.md" in result.output and "sms-docs.yml types" in result.output
    assert "Traceback" not in result.output
    assert not (repo.path / "policies").exists()


def test_records_new_with_a_missing_record_template(repo: Repo) -> None:
    repo.write({"sms-docs.yml": CONFIG + "records:\n  minutes: {prefix: MIN, template: templates/nope.yml}\n"})
    result = repo.run("records", "new", "minutes", "--as-of", "2026-03-04")
    assert result.exit_code == 3
    assert "templates/nope.yml" in result.output and "sms-docs.yml records" in result.output
    assert not (repo.path / "records").exists()
