"""Every command of `sms-docs`, registered here and nowhere else.

A command's module is imported when the command is asked for: `sms-docs audit` imports
cli/control.py and none of the other families (a start-up that every run pays); `--help` imports
them all. Each command is the attribute of its name in its module."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

# Command name -> the module of sms_docs.cli that defines it, as `--help` groups them.
WHERE: dict[str, str] = {
    # the working tree
    "init": "foundation", "new": "foundation", "check": "foundation", "owners": "foundation", "adopt": "adopt",
    # change and approval
    "approve": "control", "review": "lifecycle", "obsolete": "lifecycle", "records": "lifecycle",
    # the register and the history
    "status": "control", "show": "control", "history": "control", "diff": "control", "audit": "control",
    "export": "control", "due": "lifecycle", "external": "lifecycle", "changes": "lifecycle",
    # the forge and the standard
    "coverage": "integrations", "codeowners": "integrations", "approvals": "integrations",
    # the published site
    "build": "site", "serve": "site", "demo": "site",
}


def load(name: str) -> click.Command | None:
    """The command called `name` (its module imported now), or None when there is none."""
    module = WHERE.get(name)
    if module is None:
        return None
    command: click.Command = getattr(importlib.import_module(f"sms_docs.cli.{module}"), name)
    return command


def __getattr__(name: str) -> Any:
    if name == "COMMANDS":  # every command, all their modules imported
        return [load(n) for n in WHERE]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
