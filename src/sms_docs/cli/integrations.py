"""Commands: integrations (filled in by its issue)."""
