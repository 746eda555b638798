"""`audit` against one `git log --raw` pass and against one `git log` per document (SPEC section 10).

Usage: python benchmarks/bench_audit.py [--documents 2000] [--changes 3000] [--sample 100]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate, path_of  # noqa: E402

SMS_DOCS = [sys.executable, "-m", "sms_docs"]


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return elapsed


def peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=3000)
    parser.add_argument("--sample", type=int, default=100, help="documents timed for the per-file baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        t0 = time.perf_counter()
        generate(repo, args.documents, args.changes)
        print(f"generated {args.documents} documents, {args.changes} merged changes in {time.perf_counter() - t0:.1f} s")
        one_pass = min(timed(["git", "log", "--raw", "-m", "--first-parent", "--no-abbrev", "main"], repo) for _ in range(3))
        sample = max(1, min(args.sample, args.documents))
        start = time.perf_counter()
        for i in range(1, sample + 1):
            subprocess.run(["git", "log", "--format=%H %ae %s", "main", "--", path_of(i)], cwd=repo,
                           stdout=subprocess.DEVNULL, check=True)
        per_file = (time.perf_counter() - start) / sample * args.documents
        env_cmd = [*SMS_DOCS, "-C", str(repo), "audit", "--format", "json"]
        cold = timed(env_cmd, repo)
        warm = timed(env_cmd, repo)
        print(f"one git log --raw -m --first-parent pass: {one_pass:.2f} s")
        print(f"one git log per document (extrapolated from {sample}): {per_file:.2f} s")
        print(f"sms-docs audit --format json: cold {cold:.2f} s, second run {warm:.2f} s")
        print(f"ratio audit / one pass: {cold / one_pass:.2f}x (target <= 3x); second run {warm / one_pass:.2f}x")
        print(f"speed-up over per-file git log: {per_file / cold:.1f}x (target >= 50x)")
        print(f"peak RSS of a child process: {peak_child_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
