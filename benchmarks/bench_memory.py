"""Peak memory of `audit` on 10,000 documents and 20,000 commits (SPEC section 10: under 500 MB).

Usage: python benchmarks/bench_memory.py [--documents 10000] [--changes 6666]
(each change is three commits: the edit, the approval, the merge)
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
from generate import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=6_666)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        generate(repo, args.documents, args.changes)
        commits = subprocess.run(["git", "rev-list", "--count", "main"], cwd=repo, capture_output=True, text=True).stdout.strip()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sms_docs", "-C", str(repo), "audit", "--format", "json"],
                       stdout=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{args.documents} documents, {commits} commits: audit {elapsed:.1f} s, peak RSS {peak:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
