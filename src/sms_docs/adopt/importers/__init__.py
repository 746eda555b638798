"""Importers: each reads one existing format into `Source` objects. Pure: bytes in, data out."""

from __future__ import annotations

from sms_docs.adopt.importers import comply, doorstop, markdown

__all__ = ["comply", "doorstop", "markdown"]
