"""Commands: lifecycle (filled in by its issue)."""
