"""Architecture rules checked on the source: only `gitrepo.py` starts git."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "sms_docs"
GIT_RUNNERS = {"git", "_git", "run_git", "_run_git"}


def git_starts(tree: ast.AST) -> list[tuple[int, str]]:
    """Where a module starts git: imports GitPython, calls a git runner, or builds a command line
    that begins with "git"."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Import) and any(a.name == "git" or a.name.startswith("git.") for a in node.names)) or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "git" and node.level == 0):
            found.append((node.lineno, "imports GitPython"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in GIT_RUNNERS:
                found.append((node.lineno, f"calls {name}()"))
        elif isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                found.append((node.lineno, 'builds a command line starting with "git"'))
    return found


def test_no_module_but_gitrepo_starts_git() -> None:
    offences = [f"{path.relative_to(SRC)}:{line}: {what}"
                for path in sorted(SRC.rglob("*.py")) if path.name != "gitrepo.py" or path.parent != SRC
                for line, what in git_starts(ast.parse(path.read_text(encoding="utf-8")))]
    assert offences == []


def test_the_scan_finds_each_way_of_starting_git() -> None:
    code = ('import git\nimport subprocess\nsubprocess.run(["git", "log"])\nrepo.git("tag", "x")\n'
            'from git import Repo\nrun_git(root, "status")\n')
    assert sorted(line for line, _ in git_starts(ast.parse(code))) == [1, 3, 4, 5, 6]
    assert git_starts(ast.parse('subprocess.run(["ssh-keygen", "-q"])\nlabel = "git"\n')) == []


CLI = SRC / "cli"


def test_commands_are_registered_in_one_place() -> None:
    """No command registers itself on import (`@cli.command`); cli/commands.py lists every one."""
    from sms_docs.cli import cli
    from sms_docs.cli.commands import COMMANDS

    self_registering = [f"{path.name}:{node.lineno}" for path in sorted(CLI.glob("*.py"))
                        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id == "cli" and node.attr in ("command", "group", "add_command")]
    assert self_registering == []
    assert sorted(cli.commands) == sorted(c.name for c in COMMANDS if c.name)
    assert len(COMMANDS) == len(set(COMMANDS))


def test_each_format_a_command_offers_has_its_reporter() -> None:
    from sms_docs.cli import adopt, control, foundation, integrations, lifecycle, site

    for command, reporters in [(control.status, control.REGISTER_REPORTERS), (control.show, control.SHOW_REPORTERS),
                               (control.history, control.HISTORY_REPORTERS), (control.diff, control.DIFF_REPORTERS),
                               (control.approve, control.APPROVE_REPORTERS), (control.audit, control.AUDIT_RENDERERS),
                               (control.export_register, control.EXPORT_REPORTERS),
                               (foundation.check, foundation.CHECK_REPORTERS), (foundation.new, foundation.NEW_REPORTERS),
                               (foundation.init, foundation.INIT_REPORTERS),
                               (foundation.owners_reassign, foundation.REASSIGN_REPORTERS),
                               (lifecycle.review, lifecycle.REVIEW_REPORTERS), (lifecycle.due, lifecycle.DUE_REPORTERS),
                               (lifecycle.obsolete, lifecycle.OBSOLETE_REPORTERS),
                               (lifecycle.records_new, lifecycle.RECORD_NEW_REPORTERS),
                               (lifecycle.records_list, lifecycle.RECORD_LIST_REPORTERS),
                               (lifecycle.records_dispose, lifecycle.DISPOSE_REPORTERS),
                               (lifecycle.external, lifecycle.EXTERNAL_REPORTERS),
                               (lifecycle.changes, lifecycle.NOTICE_REPORTERS),
                               (integrations.coverage, integrations.COVERAGE_REPORTERS),
                               (integrations.codeowners, integrations.CODEOWNERS_REPORTERS),
                               (integrations.import_, integrations.IMPORT_REPORTERS),
                               (adopt.adopt, adopt.ADOPTED_REPORTERS), (adopt.adopt, adopt.PLAN_REPORTERS),
                               (adopt.adopt, adopt.PREVIEW_REPORTERS),
                               (site.build, site.BUILD_REPORTERS), (site.demo, site.DEMO_REPORTERS),
                               (site.demo, site.DEMO_PROGRESS)]:
        option = next(p for p in command.params if p.name == "fmt")
        assert list(option.type.choices) == list(reporters), command.name  # type: ignore[attr-defined]
