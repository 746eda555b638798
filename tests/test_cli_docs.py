"""Every command and command group is documented: `--help` with examples, and a line in the README's command
reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sms_docs import __version__
from sms_docs.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full + " "))
    return out


COMMANDS = _commands(cli)


def test_the_command_set_is_the_one_spec_names() -> None:
    names = {name.split()[0] for name, _ in COMMANDS}
    for required in ["init", "new", "check", "status", "show", "history", "diff", "approve", "audit", "export"]:
        assert required in names


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_help_has_examples_and_the_readme_names_it(name: str) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output, f"`sms-docs {name} --help` has no examples"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`sms-docs {name}" in readme, f"README's command reference does not list `sms-docs {name}`"


def test_version_and_module_entry_point() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    proc = subprocess.run([sys.executable, "-m", "sms_docs", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_unknown_command_and_bad_option_are_usage_errors() -> None:
    assert CliRunner().invoke(cli, ["no-such-command"]).exit_code == 2
    assert CliRunner().invoke(cli, ["check", "--format", "yaml"]).exit_code == 2
    assert CliRunner().invoke(cli, ["status", "--as-of", "yesterday"]).exit_code == 2


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert len(blocks) == 2
    test_command = blocks[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

