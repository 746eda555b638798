"""Commands: site (filled in by its issue)."""
