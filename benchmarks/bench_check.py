"""`check` on 10,000 documents: cold against a plain PyYAML C-loader + jsonschema baseline, and
warm (nothing changed since the last run). SPEC section 10.

Usage: python benchmarks/bench_check.py [--documents 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import worktree_only  # noqa: E402

BASELINE = r"""
import json, sys, time
from pathlib import Path
import yaml
from jsonschema import Draft202012Validator
start = time.perf_counter()
schema = json.loads(Path(sys.argv[2]).read_text())
validator = Draft202012Validator(schema)
errors = 0
for path in sorted(Path(sys.argv[1], "policies").glob("*.md")):
    text = path.read_text(encoding="utf-8")
    front = text.split("\n---", 1)[0][4:]
    data = yaml.load(front, Loader=yaml.CSafeLoader)
    errors += sum(1 for _ in validator.iter_errors(data))
print(time.perf_counter() - start, errors)
"""


def run(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    args = parser.parse_args()
    from sms_docs.schemas import BUILTIN_DIR

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        worktree_only(root, args.documents)
        baseline, _ = run([sys.executable, "-c", BASELINE, str(root), str(BUILTIN_DIR / "document.schema.json")])
        cmd = [sys.executable, "-m", "sms_docs", "-C", str(root), "check", "--format", "json"]
        cold, out = run(cmd)
        result = json.loads(out)
        warm, _ = run(cmd)
        print(f"{args.documents} documents; check found {len(result['findings'])} findings (documents: {result['documents']})")
        print(f"baseline (PyYAML C loader + jsonschema, in a fresh process): {baseline:.2f} s")
        print(f"sms-docs check, cold: {cold:.2f} s  -> {cold / baseline:.2f}x (target <= 2x)")
        print(f"sms-docs check, nothing changed: {warm:.2f} s (target < 1 s)")


if __name__ == "__main__":
    main()
