"""`sms-docs build` of 1,000 documents with history, against plain `mkdocs build` (Material, default
navigation) of the same Markdown. SPEC section 10: at most 0.2x; issue 13: a cold build at most 0.1x.

The repository comes from `generate.py`: N documents approved in one approval commit, then M changes,
each on a branch with an approval commit, merged with --no-ff. The baseline is a plain MkDocs project
whose docs_dir holds the same document files (as they stand on main) and no `nav`, so MkDocs lists
every page in the navigation of every page, as a site without the plugin would.

Usage: python benchmarks/bench_build.py [--documents 1000] [--changes 3000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import MKDOCS_PLAIN, MKDOCS_SMS, add_site_config, generate  # noqa: E402



def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=3000)
    parser.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="sms-docs-bench-") if args.keep is None else str(args.keep)
    try:
        work = Path(tmp)
        repo = work / "repo"
        t0 = time.perf_counter()
        generate(repo, args.documents, args.changes)
        add_site_config(repo, MKDOCS_SMS)
        (repo / "site-src").mkdir(exist_ok=True)
        print(f"generated {args.documents} documents with {args.changes} approved, merged changes "
              f"in {time.perf_counter() - t0:.1f} s")
        plain = work / "plain"
        (plain / "docs").mkdir(parents=True)
        shutil.copytree(repo / "policies", plain / "docs" / "policies")
        (plain / "mkdocs.yml").write_text(MKDOCS_PLAIN)

        build = [sys.executable, "-m", "sms_docs", "-C", str(repo), "build"]
        cold = timed(build, repo)
        warm = timed(build, repo)
        baseline = timed([sys.executable, "-m", "mkdocs", "build", "-q"], plain)
        pages = sum(1 for _ in (repo / "site").rglob("index.html"))
        print(f"sms-docs build: cold {cold:.2f} s, again (render cache) {warm:.2f} s, {pages} pages")
        print(f"plain mkdocs build (material, default navigation), same Markdown: {baseline:.2f} s")
        print(f"ratio: cold {cold / baseline:.3f}x (target <= 0.1x), again {warm / baseline:.3f}x (target <= 0.2x)")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
