"""`max_file_size` (sms-docs.yml, default 5 MB): a larger document is a `file-too-large` finding in
`check` and `audit`, and `build` leaves it out quickly instead of rendering it for minutes. On a
terminal, `build` shows its progress."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from conftest import CONFIG, doc

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Repo

MKDOCS = "site_name: Test\ndocs_dir: site-src\nsite_dir: site\ntheme:\n  name: material\nplugins:\n  - search\n  - sms-docs\n"
BIG = "policies/POL-002-big.md"


def big_doc(size: int) -> str:
    text = doc("POL-002", "A very large policy", body="")
    line = "A paragraph of the large policy, repeated to make it big. " * 4 + "\n\n"
    return text + line * (size // len(line) + 1)


def findings(repo: Repo, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = repo.run(*args, "--format", "json")
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_check_reports_a_document_over_the_configured_limit(repo: Repo) -> None:
    repo.write({"sms-docs.yml": CONFIG + "max_file_size: 2 KB\n",
                "policies/POL-001-a.md": doc("POL-001", "Small", related=["POL-002"]), BIG: big_doc(3000)})
    code, found = findings(repo, "check")
    assert code == 1
    assert [(f["code"], f["path"], f["id"]) for f in found] == [("file-too-large", BIG, "POL-002")]
    assert "KB, over the 2 KB limit" in str(found[0]["message"]) and "max_file_size" in str(found[0]["message"])
    # It exists, so POL-001's reference to it is not broken as well (one cause, one finding).
    repo.write({BIG: big_doc(1000)})
    assert findings(repo, "check") == (0, [])


def test_the_default_limit_is_5_mb(repo: Repo) -> None:
    repo.write({"policies/POL-001-a.md": doc("POL-001", "Small"), BIG: big_doc(5 * 1024 * 1024 + 10)})
    code, found = findings(repo, "check")
    assert code == 1 and [f["code"] for f in found] == ["file-too-large"]
    assert "5.0 MB, over the 5.0 MB limit" in str(found[0]["message"])
    repo.write({BIG: big_doc(4 * 1024 * 1024)})
    assert findings(repo, "check") == (0, [])


def test_a_bad_limit_is_a_config_error(repo: Repo) -> None:
    repo.write({"sms-docs.yml": CONFIG + "max_file_size: lots\n", "policies/POL-001-a.md": doc("POL-001", "Small")})
    code, found = findings(repo, "check")
    assert code == 1
    assert [f["code"] for f in found] == ["config-error"] and "max_file_size" in str(found[0]["message"])


def approved_big(repo: Repo, size: int, limit: str = "") -> None:
    repo.commit("Start", {"README.md": "x\n"})
    repo.branch("first")
    repo.commit("First issue", {"mkdocs.yml": MKDOCS, "site-src/.gitkeep": "", "sms-docs.yml": CONFIG + limit,
                                "policies/POL-001-a.md": doc("POL-001", "Small policy", body="SMALL-BODY.\n"),
                                BIG: big_doc(size)}, who="omar")
    assert repo.run("approve", "--all", who="priya").exit_code == 0  # dana started the repository: not her
    repo.checkout("main")
    repo.merge("first", who="lena")


def test_audit_reports_an_approved_document_over_the_limit(repo: Repo) -> None:
    approved_big(repo, 3000, "max_file_size: 2 KB\n")
    code, found = findings(repo, "audit", "--as-of", "2026-02-01")
    assert code == 1
    too_large = [f for f in found if f["code"] == "file-too-large"]
    assert [(f["path"], f["id"]) for f in too_large] == [(BIG, "POL-002")]


def test_audit_is_silent_when_every_document_is_within_the_limit(repo: Repo) -> None:
    approved_big(repo, 1000, "max_file_size: 2 KB\n")
    _, found = findings(repo, "audit", "--as-of", "2026-02-01")
    # (the first commit's sms-docs.yml, straight on main, is an unapproved change: nothing to do with size)
    assert [f["code"] for f in found] == ["unapproved-change"] and found[0]["path"] == "sms-docs.yml"


def test_build_leaves_out_a_huge_document_quickly_and_says_so(repo: Repo) -> None:
    approved_big(repo, 12 * 1024 * 1024)  # the default limit
    started = time.perf_counter()
    result = repo.run("build", "--as-of", "2026-02-01")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "POL-002: revision 1 (policies/POL-002-big.md) is 12.0 MB, over max_file_size (5.0 MB): file-too-large, not published" in result.output
    assert "1 documents" in result.output
    site = repo.path / "site"
    assert "SMALL-BODY" in (site / "policy" / "POL-001" / "index.html").read_text(encoding="utf-8")
    assert not (site / "policy" / "POL-002").exists()
    assert elapsed < 60  # rendering it took over ten minutes
    assert "Writing pages" not in result.output  # no progress when stderr is not a terminal


def test_build_shows_progress_on_a_terminal(repo: Repo, tmp_path: Path) -> None:
    approved_big(repo, 100)
    env = {k: v for k, v in repo.env("dana").items()}
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sms_docs", "-C", str(repo.path), "build", "--as-of", "2026-02-01"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=child, env=env)
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    out, _ = proc.communicate(timeout=60)
    os.close(main)
    assert proc.returncode == 0, (out, seen)
    text = seen.decode("utf-8", "replace")
    assert "Reading the history and the documents" in text
    assert "Writing pages: " in text and "\r" in text
    total = text.rsplit("Writing pages: ", 1)[1].split()[0]
    done, of = total.split("/")
    assert done == of and int(of) >= 2
    assert b"Built the site" in out
