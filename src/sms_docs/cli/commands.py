"""Every command of `sms-docs`, registered here and nowhere else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sms_docs.cli import adopt, control, foundation, integrations, lifecycle, site

if TYPE_CHECKING:
    import click

COMMANDS: list[click.Command] = [
    # the working tree
    foundation.init, foundation.new, foundation.check, foundation.owners, adopt.adopt,
    # change and approval
    control.approve, lifecycle.review, lifecycle.obsolete, lifecycle.records,
    # the register and the history
    control.status, control.show, control.history, control.diff, control.audit, control.export,
    lifecycle.due, lifecycle.external, lifecycle.changes,
    # the forge and the standard
    integrations.coverage, integrations.codeowners, integrations.approvals,
    # the published site
    site.build, site.serve, site.demo,
]


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
