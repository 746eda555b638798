"""Carry out a plan: `git mv` each file to its new name, write the front matter and
`sms-docs.yml`, and make one commit. Refuses on a dirty tree; on any failure before the commit,
puts the tree back as it was."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sms_docs import frontmatter
from sms_docs.config import CONFIG_FILE
from sms_docs.errors import Refused

if TYPE_CHECKING:
    from pathlib import Path

    from sms_docs.adopt.plan import Facts, Plan
    from sms_docs.gitrepo import GitRepo


@dataclass(frozen=True)
class Adopted:
    commit: str
    branch: str | None
    renamed: dict[str, str]  # old path -> new path
    followed: list[str]  # new paths whose rename git itself sees (so `git log --follow` works)
    not_followed: list[str]  # new paths git sees as a new file (their old path is in former_paths)


def refuse_unready(repo: GitRepo, root: Path) -> None:
    """Adoption starts from a clean tree and a repository not yet under control."""
    if (root / CONFIG_FILE).exists():
        raise Refused(f"{CONFIG_FILE} already exists: this repository is already under sms-docs; nothing was changed",
                      hint="use `sms-docs new` and `sms-docs check` for documents added later")
    if repo.resolve("HEAD") is None:
        raise Refused("the repository has no commits yet; nothing was changed",
                      hint="commit the existing files first: adoption keeps their history")
    if repo.has_local_changes():
        raise Refused("the working tree has uncommitted changes; nothing was changed",
                      hint="commit or stash them first (git status): adoption makes exactly one commit of its own")


def gather(repo: GitRepo, root: Path, paths: list[str]) -> Facts:
    """The candidate files (tracked Markdown and doorstop items, under `paths` when given) and what
    git knows about them."""
    from sms_docs.adopt.plan import Facts

    tracked = repo.tracked_files()
    wanted = [p.strip("/") for p in paths if p.strip("/") not in ("", ".")]

    def chosen(path: str) -> bool:
        return not wanted or any(path == w or path.startswith(w + "/") for w in wanted)

    files: dict[str, bytes] = {}
    for path in tracked:
        name = posixpath.basename(path)
        if not (name.endswith((".md", ".yml", ".yaml"))) or not chosen(path):
            continue
        if name.endswith((".yml", ".yaml")) and name != ".doorstop.yml":
            folder = posixpath.dirname(path)
            if posixpath.join(folder, ".doorstop.yml") not in tracked:
                continue
        full = root / path
        if full.is_symlink() or not full.is_file():
            continue
        files[path] = full.read_bytes()
    for path in tracked:  # a doorstop folder's settings, even when PATHS name only its items
        if posixpath.basename(path) == ".doorstop.yml" and path not in files and (root / path).is_file():
            files[path] = (root / path).read_bytes()
    return Facts(files=files, tracked=frozenset(tracked), authorship=repo.file_authorship("HEAD"),
                 mergers=repo.mergers("HEAD"), repo_name=root.name)


def apply(repo: GitRepo, root: Path, plan: Plan, branch: str | None = None) -> Adopted:
    refuse_unready(repo, root)
    items = plan.adopted
    for item in items:
        target = root / item.new_path
        if item.new_path != item.path and (target.exists() or target.is_symlink()):
            raise Refused(f"{item.new_path} already exists (untracked); nothing was changed",
                          hint="move it away, or give the document another ID in the mapping")
    current = repo.current_branch()
    if not branch and current == plan.main_branch:
        raise Refused(f"you are on {plan.main_branch}, the main branch: the adoption commit belongs on a branch of its "
                      "own, to be approved and merged; nothing was changed",
                      hint="pass --branch adopt (or git switch -c adopt first)")
    if branch:
        repo.create_branch_here(branch)
        current = branch
    renamed: dict[str, str] = {}
    wrote_config = False
    try:
        for item in items:
            if item.new_path != item.path:
                frontmatter.refuse_links(root, root / item.new_path)
                renamed[item.path] = item.new_path
        repo.move_all(list(renamed.items()))
        for item in items:
            frontmatter.atomic_write(root / item.new_path, item.content, root=root)
        frontmatter.atomic_write(root / CONFIG_FILE, plan.config_bytes(), exclusive=True, root=root)
        wrote_config = True
        repo.stage([CONFIG_FILE, *(i.new_path for i in items)])
        commit = repo.commit_staged(plan.commit_message())
    except BaseException:
        repo.restore_head()
        for new in renamed.values():  # no target existed before (checked above): what is there now is ours
            (root / new).unlink(missing_ok=True)
        if wrote_config:
            (root / CONFIG_FILE).unlink(missing_ok=True)
        raise
    seen = repo.renames(f"{commit}^", commit)
    followed = sorted(new for old, new in renamed.items() if seen.get(new) == old)
    return Adopted(commit, current, renamed, followed, sorted(set(renamed.values()) - set(followed)))
