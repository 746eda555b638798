"""What the project declares is what it is tested with, and what it ships works installed: every third-party package the code imports is a
declared dependency with a lower bound (and nothing unused is declared), the installed versions lie
within the bounds, and CI installs the newest versions allowed into a fresh environment, as a new
machine gets them (an older machine's packages once hid a failure with the newest PyYAML)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# import name -> distribution name, where they differ
DISTRIBUTIONS = {"yaml": "pyyaml", "ruamel": "ruamel.yaml"}


def requirements(group: str | None = None) -> list[Requirement]:
    specs = PYPROJECT["project"]["dependencies"] if group is None else PYPROJECT["project"]["optional-dependencies"][group]
    return [Requirement(s) for s in specs]


def imported_third_party() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src" / "sms_docs").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "sms_docs":
                    found.add(DISTRIBUTIONS.get(top, top))
    return found


def test_every_imported_package_is_declared_and_every_declared_one_is_used() -> None:
    declared = {r.name.lower() for r in requirements()}
    imported = imported_third_party()
    # material is the theme MkDocs loads by name; referencing and the ruamel.yaml C extension are
    # imported through jsonschema and ruamel.yaml but pinned here for the behaviour the code relies on.
    assert imported - declared == set(), "imported but not declared"
    assert declared - imported - {"mkdocs-material", "ruamel.yaml.clib"} == set(), "declared but never imported"


def test_every_dependency_has_a_lower_bound_and_the_c_extensions_are_declared() -> None:
    for req in requirements() + requirements("test"):
        assert any(s.operator in (">=", "==", "~=") for s in req.specifier), f"{req} has no lower bound"
    names = {r.name.lower() for r in requirements()}
    assert "ruamel.yaml.clib" in names and "pyyaml" in names


def test_the_installed_versions_are_within_the_declared_bounds() -> None:
    for req in requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue
        installed = metadata.version(req.name)
        assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed} is outside {req.specifier}"


def test_ci_installs_the_newest_allowed_versions_into_a_fresh_environment() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"python3 -m venv --clear \.venv", script), "CI must start from a fresh virtual environment"
    installs = [line for line in script.splitlines() if "pip install" in line and not line.lstrip().startswith("#")]
    assert installs
    for line in installs:
        assert " -U " in line and "--upgrade-strategy eager" in line, f"not upgrading: {line}"


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [command] = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv") and "pytest" in line]
    assert "-U" in command.split()
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_installed_wheel_carries_the_starter_sms_and_the_schemas(tmp_path: Path) -> None:
    """Users install the wheel, not the checkout: `init` there finds the starter SMS and the built-in
    schemas inside the package, and the repository it makes checks clean."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-build-isolation", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)], check=True)
    [wheel] = (tmp_path / "dist").glob("sms_docs-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(tmp_path / "site"), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "GIT_CONFIG_GLOBAL": os.devnull}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True)

    package = run("-c", "import sms_docs.schemas as s; print(s.__file__); print(s.BUILTIN_DIR)").stdout.split()
    assert [Path(p).is_relative_to(tmp_path / "site") for p in package] == [True, True], package
    made = run("-m", "sms_docs", "init", "new-sms", "--org", "Wheel Test Ltd")
    assert made.returncode == 0, made.stderr
    schemas = sorted(p.name for p in (tmp_path / "new-sms" / "schemas").glob("*.json"))
    assert schemas == sorted(p.name for p in (ROOT / "schemas").glob("*.json")) and "document.schema.json" in schemas
    assert (tmp_path / "new-sms" / "policies").is_dir()
    checked = run("-m", "sms_docs", "-C", "new-sms", "check")
    assert checked.returncode == 0 and "no findings" in checked.stdout, checked.stdout + checked.stderr
