"""Links keep working after adoption renamed the files (issue 12): site-absolute links
(`/policies/x.md`, `/policies/x/`) and relative links to the old file names lead to the new pages,
through the `former_paths` of the published, approved revisions; a link that leads nowhere is a
`broken-reference` finding in `check` and in the build. Real git, real MkDocs, real Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import CONFIG, Repo, site_config, unavailable
from trust import approve, day, findings, run_json

OLD_AC = "policies/access-control.md"
OLD_IR = "policies/incident-response.md"
POL1 = "policies/POL-001-access-control.md"
POL2 = "policies/POL-002-incident-response.md"
AS_OF = "2026-06-30"
MKDOCS = site_config()
LINKS = ("See [the relative link](incident-response.md), [the site link](/policies/incident-response/), "
         "[the Markdown site link](/policies/incident-response.md#steps) and [the HTML one](/policies/incident-response.html).\n")


def front(ident: str, title: str, former: str | None) -> str:
    lines = ["---", f"id: {ident}", f"title: {title}", "type: policy", "owner: dana", "classification: internal"]
    if former:
        lines.append(f"former_paths: [{former}]")
    return "\n".join(lines) + "\n---\n\n"


def adopted(repo: Repo, *, former: bool = True) -> None:
    """Two plain policies linking each other the old site's way, then the adoption (renames,
    front matter, sms-docs.yml, mkdocs.yml), approved and merged."""
    (repo.path / "sms-docs.yml").unlink()
    repo.commit("Import the policies", {
        OLD_AC: "# Access control\n\nAccounts are personal.\n\n" + LINKS,
        OLD_IR: "# Incident response\n\n## Steps\n\nRecord, classify, resolve.\n",
    }, who="omar", date=day("2025-01-10"))
    repo.branch("adopt")
    repo.git("mv", OLD_AC, POL1)
    repo.git("mv", OLD_IR, POL2)
    repo.write({"sms-docs.yml": CONFIG, "mkdocs.yml": MKDOCS, "site-src/.gitkeep": "",
                POL1: front("POL-001", "Access control", OLD_AC if former else None) + (repo.path / POL1).read_text(),
                POL2: front("POL-002", "Incident response", OLD_IR if former else None) + (repo.path / POL2).read_text()})
    repo.commit("Adopt sms-docs\n\nSms-docs-adoption: yes", who="omar", date=day("2025-09-01"))
    approve(repo, "--all", who="dana", date=day("2025-09-02"))
    repo.checkout("main")
    repo.merge("adopt", "Merge pull request #9 from omar/adopt", who="dana", date=day("2025-09-03"))


def approved_change(repo: Repo, branch: str, files: dict[str, str | None]) -> None:
    repo.branch(branch)
    repo.commit(f"Edit on {branch}", files, who="omar", date=day("2025-10-01"))
    approve(repo, "--all", who="dana", date=day("2025-10-02"))
    repo.checkout("main")
    repo.merge(branch, who="dana", date=day("2025-10-03"))


def build(repo: Repo, *args: str) -> Any:
    result = repo.run("build", "--as-of", AS_OF, "--format", "json", *args)
    assert "Traceback" not in result.output
    return result


# --- check ----------------------------------------------------------------------------------------


def test_check_accepts_old_links_through_former_paths(repo: Repo) -> None:
    adopted(repo)
    data = run_json(repo, "check", expect=0)
    assert data["findings"] == []


def test_check_reports_old_links_nobody_claims(repo: Repo) -> None:
    adopted(repo, former=False)
    data = run_json(repo, "check", expect=1)
    broken = findings(data, "broken-reference")
    assert {(f["id"], f["line"]) for f in broken} == {("POL-001", 13)}
    assert len(broken) == 4  # the relative link and the three site links on that line
    assert any("/policies/incident-response/" in f["message"] for f in broken)


def test_check_reports_a_site_link_to_no_page(repo: Repo) -> None:
    adopted(repo)
    repo.write({POL2: (repo.path / POL2).read_text() + "\nSee [gone](/policies/gone/) and [logo](/img/logo.png).\n"})
    data = run_json(repo, "check", expect=1)
    assert [(f["code"], f["id"]) for f in data["findings"]] == [("broken-reference", "POL-002")]
    assert "/policies/gone/" in data["findings"][0]["message"]


def test_check_reports_a_former_path_claimed_twice_or_naming_a_current_document(repo: Repo) -> None:
    adopted(repo)
    repo.write({"policies/POL-003-other.md": front("POL-003", "Other", OLD_IR) + "# Other\n",
                "policies/POL-004-more.md": front("POL-004", "More", POL1) + "# More\n"})
    data = run_json(repo, "check", expect=1)
    found = {(f["id"], f["line"]) for f in findings(data, "former-path-conflict")}
    assert found == {("POL-002", 7), ("POL-003", 7), ("POL-004", 7)}
    assert len(data["findings"]) == 3 + 4  # and the old links to OLD_IR lead to neither: broken


# --- the build --------------------------------------------------------------------------------------


def test_build_rewrites_old_links_to_the_new_pages(repo: Repo) -> None:
    adopted(repo)
    result = build(repo)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == []
    page = (repo.path / "site/policy/POL-001/index.html").read_text(encoding="utf-8")
    body = page[page.index("Accounts are personal"):]
    assert body.count('href="../POL-002/"') == 3
    assert 'href="../POL-002/#steps"' in body
    assert "/policies/incident-response" not in body and "incident-response.md" not in body
    assert (repo.path / "site/policy/POL-002/index.html").is_file()


def test_build_uses_former_paths_of_the_published_revision_only(repo: Repo) -> None:
    """An unapproved edit that adds former_paths does not make links work: the site trusts only
    what was approved."""
    adopted(repo, former=False)
    text = (repo.path / POL2).read_text()
    repo.commit("Claim the old name", {POL2: text.replace("classification: internal",
                                                         f"classification: internal\nformer_paths: [{OLD_IR}]")},
                who="eve", date=day("2025-10-01"))
    result = build(repo)
    warnings = json.loads(result.stdout)["warnings"]
    assert len(warnings) == 4 and all(w.startswith("sms-docs: broken-reference: " + POL1) for w in warnings)
    page = (repo.path / "site/policy/POL-001/index.html").read_text(encoding="utf-8")
    assert "../POL-002/" not in page[page.index("Accounts are personal"):]
    assert "the relative link" in page  # kept as text


def test_build_reports_a_link_that_leads_nowhere_and_strict_fails(repo: Repo) -> None:
    adopted(repo)
    approved_change(repo, "gone", {POL2: (repo.path / POL2).read_text() + "\nSee [gone](/policies/gone/).\n"})
    result = build(repo)
    assert result.exit_code == 0
    warnings = json.loads(result.stdout)["warnings"]
    assert [w for w in warnings if "broken-reference" in w] == [
        f"sms-docs: broken-reference: {POL2}: link to /policies/gone/: no document lives or lived there (add the old path to "
        "the document's former_paths, or correct the link); it is shown as text on the site"]
    page = (repo.path / "site/policy/POL-002/index.html").read_text(encoding="utf-8")
    assert "gone</p>" in page or "gone.</p>" in page
    strict = repo.run("build", "--as-of", AS_OF, "--strict")
    assert strict.exit_code == 1 and "broken-reference" in strict.output


def test_site_links_to_generated_pages_and_the_sites_own_pages_are_kept(repo: Repo) -> None:
    adopted(repo)
    approved_change(repo, "pages", {
        "site-src/about.md": "# About\n",
        POL2: (repo.path / POL2).read_text() + "\nSee [the register](/register/), [policies](/policy/) and [about](/about/).\n"})
    assert run_json(repo, "check", expect=0)["findings"] == []
    result = build(repo)
    assert json.loads(result.stdout)["warnings"] == []
    page = (repo.path / "site/policy/POL-002/index.html").read_text(encoding="utf-8")
    assert 'href="../../register/"' in page and 'href="../"' in page and 'href="../../about/"' in page


def test_former_path_claimed_by_two_documents_leads_to_neither(repo: Repo) -> None:
    adopted(repo)
    approved_change(repo, "claim", {"policies/POL-003-other.md": front("POL-003", "Other", OLD_IR) + "# Other\n"})
    result = build(repo)
    warnings = json.loads(result.stdout)["warnings"]
    assert len([w for w in warnings if w.startswith("sms-docs: broken-reference: " + POL1)]) == 4


def test_a_document_cannot_take_over_another_documents_current_path(repo: Repo) -> None:
    adopted(repo)
    approved_change(repo, "takeover", {
        POL1: (repo.path / POL1).read_text() + "See [two](POL-002-incident-response.md).\n",
        "policies/POL-003-other.md": front("POL-003", "Other", POL2) + "# Other\n"})
    build(repo)
    page = (repo.path / "site/policy/POL-001/index.html").read_text(encoding="utf-8")
    assert "../POL-003/" not in page
    assert page.count('href="../POL-002/"') >= 4


# --- a browser clicks an old-style link ----------------------------------------------------------


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
def test_clicking_an_old_site_link_opens_the_renamed_page(repo: Repo) -> None:
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    adopted(repo)
    assert build(repo).exit_code == 0

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(repo.path / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/policy/POL-001/")
            page.click("text=the site link")
            page.wait_for_load_state()
            assert page.url.endswith("/policy/POL-002/")
            assert "Incident response" in page.title()
            page.go_back()
            page.click("text=the relative link")
            page.wait_for_load_state()
            assert page.url.endswith("/policy/POL-002/")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
