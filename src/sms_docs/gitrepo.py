"""The only module that talks to git (through GitPython's command wrapper and a persistent cat-file)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def committer_identity(root: Path) -> tuple[str | None, str | None]:
    """git's committer identity (honours GIT_COMMITTER_* and user.*), as (name, email)."""
    try:
        out = subprocess.run(["git", "var", "GIT_COMMITTER_IDENT"], cwd=root, capture_output=True,
                             text=True, check=False).stdout.strip()
    except OSError:
        return None, None
    if "<" not in out:
        return None, None
    name, rest = out.split("<", 1)
    return name.strip(), rest.split(">", 1)[0].strip()
