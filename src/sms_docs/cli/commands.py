"""Imports every command module so that each registers its commands on the group."""

from sms_docs.cli import control, foundation, integrations, lifecycle, site  # noqa: F401
