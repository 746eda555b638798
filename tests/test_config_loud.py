"""Loud configuration: every command that reads sms-docs.yml stops on an invalid value with exit 3,
naming the key and its line, rather than answering from a smaller register (`check` reports the
same problems as findings)."""

from __future__ import annotations

import pytest

from conftest import CONFIG, Repo, doc
from lifecycle_support import POL1, bootstrap, run

BAD = CONFIG.replace("policy: {prefix: POL, folder: policies, approvers: [top-management], min_approvals: 1,",
                     "policy: {prefix: POL, folder: policies, approvers: [top-management], min_approvals: two,")
BAD_LINE = CONFIG.splitlines().index(next(line for line in CONFIG.splitlines() if "policy: {prefix: POL" in line)) + 1

READ_COMMANDS = [
    ["status"], ["audit"], ["history", "POL-001"], ["show", "POL-001"], ["diff", "POL-001"], ["due"],
    ["changes", "--since", "2026-01-01"], ["external"], ["coverage"], ["codeowners"], ["export", "register"],
    ["records", "list"], ["build", "--site-dir", "site-out"],
]


@pytest.fixture
def broken(repo: Repo) -> Repo:
    bootstrap(repo, {POL1: doc("POL-001", "Service management policy")}, on="2026-01-05")
    repo.write({"sms-docs.yml": BAD})
    return repo


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: " ".join(a))
def test_an_invalid_value_stops_every_reading_command(broken: Repo, args: list[str]) -> None:
    result = run(broken, *args, as_of="2026-03-31")
    assert result.exit_code == 3, result.output
    assert "min_approvals" in result.output and f"line {BAD_LINE}" in result.output, result.output
    assert "Traceback" not in result.output
    assert not (broken.path / "site-out").exists()


def test_status_names_the_key_and_its_line(broken: Repo) -> None:
    result = run(broken, "status", as_of="2026-03-31")
    assert result.exit_code == 3
    assert f"Error: invalid configuration: sms-docs.yml line {BAD_LINE}: types.policy.min_approvals" in result.output


def test_check_reports_it_as_a_finding(broken: Repo) -> None:
    result = run(broken, "check")
    assert result.exit_code == 1
    assert "config-error" in result.output and "min_approvals" in result.output


@pytest.mark.parametrize("args", [["status"], ["changes", "--since", "2026-01-01"]], ids=lambda a: " ".join(a))
def test_a_valid_configuration_still_answers(repo: Repo, args: list[str]) -> None:
    bootstrap(repo, {POL1: doc("POL-001", "Service management policy")}, on="2026-01-05")
    result = run(repo, *args, as_of="2026-03-31")
    assert result.exit_code == 0, result.output
    assert "POL-001" in result.output


def test_an_invalid_repository_schema_stops_with_exit_3(repo: Repo) -> None:
    bootstrap(repo, {POL1: doc("POL-001", "Service management policy")}, on="2026-01-05")
    repo.write({"schemas/document.schema.json": '{"type": 12}'})
    result = run(repo, "check")
    assert result.exit_code == 3, result.output
    assert "schemas/document.schema.json: invalid JSON Schema" in result.output
