"""The published site (SPEC section 9): effective revisions from git, audience, obsolete documents,
escaping, links, generated pages, the plain `mkdocs build` equivalence, drafts and the render cache.

One history serves most tests: an approved change (approval commit, then a merge trailer), an
unapproved change on main, a confidential document, an obsolete document with its successor, a title
holding HTML, a never-approved draft, and links between them.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from typing import Any, TYPE_CHECKING

import pytest

from conftest import CONFIG, Repo, doc, site_config

if TYPE_CHECKING:
    from pathlib import Path

AS_OF = "2026-03-01"
SITE_URL = "https://sms.example.com/"
MKDOCS = site_config(site_url=SITE_URL)
EVIL = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"


def make_history(repo: Repo) -> None:
    repo.commit("Start the document repository", {"README.md": "x\n"}, date="2026-01-02T09:00:00+00:00")
    repo.branch("first")
    repo.commit("First issue", {"mkdocs.yml": MKDOCS, "site-src/.gitkeep": "",
        "policies/POL-001-service.md": doc("POL-001", "Service management policy", clauses=["5.2"], related=["POL-002", "POL-004"],
                                           body="APPROVED-ONE text.\n\nSee [the pricing](POL-002-pricing.md), "
                                                "[the old rules](POL-003-old.md#scope) and [the new ones](./POL-004-new.md).\n\n"
                                                "```\n[not a link](POL-004-new.md)\n```\n"),
        "policies/POL-002-pricing.md": doc("POL-002", "Pricing schedule TOPSECRET", classification="confidential",
                                           body="TOPSECRET-BODY figures.\n"),
        "policies/POL-003-old.md": doc("POL-003", "Old remote working rules", body="## Scope\n\nOBSOLETE-BODY text.\n"),
        "policies/POL-004-new.md": doc("POL-004", EVIL, body="Successor text.\n", x_department="Operations <HQ>"),
        "procedures/PRC-001-public.md": doc("PRC-001", "Public complaints procedure", type="procedure", owner="lena",
                                            classification="public", body="PUBLIC-BODY.\n"),
    }, who="omar", date="2026-01-03T10:00:00+00:00")
    assert repo.run("approve", "--all", who="dana", date="2026-01-04T10:00:00+00:00").exit_code == 0
    assert repo.run("approve", "PRC-001", who="lena", date="2026-01-04T11:00:00+00:00").exit_code == 0
    repo.checkout("main")
    repo.merge("first", who="dana", date="2026-01-05T09:00:00+00:00")
    # POL-003 withdrawn for POL-004: an approved change.
    repo.branch("retire")
    text = (repo.path / "policies/POL-003-old.md").read_text()
    repo.commit("Withdraw POL-003", {"policies/POL-003-old.md": text.replace("classification: internal",
                                                                             "classification: internal\nstatus: obsolete\nsuperseded_by: POL-004")},
                who="omar", date="2026-01-10T10:00:00+00:00")
    assert repo.run("approve", "POL-003", who="priya", date="2026-01-11T10:00:00+00:00").exit_code == 0
    repo.checkout("main")
    repo.merge("retire", who="dana", date="2026-01-12T09:00:00+00:00")
    # POL-001 revision 2, approved by a merge trailer.
    repo.branch("rev2")
    text = (repo.path / "policies/POL-001-service.md").read_text()
    repo.commit("POL-001: second issue", {"policies/POL-001-service.md": text.replace("APPROVED-ONE", "APPROVED-TWO")},
                who="omar", date="2026-02-01T10:00:00+00:00")
    repo.checkout("main")
    repo.merge("rev2", who="dana", date="2026-02-02T09:00:00+00:00", trailers=["Approved-by: Priya Nair <priya@example.com>"])
    # An unapproved change straight on main, and a document nobody approved.
    text = (repo.path / "policies/POL-001-service.md").read_text()
    repo.commit("POL-001: quick fix", {"policies/POL-001-service.md": text.replace("APPROVED-TWO", "UNAPPROVED-THREE"),
                                       "policies/POL-005-draft.md": doc("POL-005", "Draft only policy", body="NEVER-APPROVED.\n")},
                who="omar", date="2026-02-10T10:00:00+00:00")


def build(repo: Repo, *args: str) -> Path:
    result = repo.run("build", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output
    return repo.path / "site"


def site_text(site: Path) -> dict[str, str]:
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".csv"):
            out[path.relative_to(site).as_posix()] = path.read_text(encoding="utf-8")
    return out


@pytest.fixture
def history(repo: Repo) -> Repo:
    make_history(repo)
    return repo


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built site for the tests that only read it (git isolated as the `repo` fixture does)."""
    home = tmp_path_factory.mktemp("site-home")
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        path = tmp_path_factory.mktemp("site") / "repo"
        path.mkdir()
        repo = Repo(path)
        repo.git("init", "-q", "--initial-branch=main")
        repo.write({"sms-docs.yml": CONFIG})
        make_history(repo)
        return build(repo)


def test_publishes_the_approved_revision_from_git_never_the_working_tree_or_an_unapproved_change(history: Repo) -> None:
    (history.path / "policies/POL-001-service.md").write_text(doc("POL-001", "Service management policy", body="WORKTREE-EDIT\n"))
    site = build(history)
    page = (site / "policy/POL-001/index.html").read_text()
    assert "APPROVED-TWO" in page
    assert "UNAPPROVED-THREE" not in page and "WORKTREE-EDIT" not in page and "APPROVED-ONE" not in page
    assert "waiting for approval" in page  # state changed: the approved revision stays published
    everything = "\n".join(site_text(site).values())
    assert "UNAPPROVED-THREE" not in everything and "WORKTREE-EDIT" not in everything


def test_never_approved_documents_are_absent(site: Path) -> None:
    assert not (site / "policy/POL-005").exists()
    assert "POL-005" not in "\n".join(site_text(site).values())


def test_a_confidential_draft_is_not_even_named(history: Repo) -> None:
    text = (history.path / "policies/POL-004-new.md").read_text()
    history.commit("Draft a confidential policy", {
        "policies/POL-006-secret-draft.md": doc("POL-006", "Secret draft", classification="confidential"),
        "policies/POL-004-new.md": text.replace("type: policy", "type: policy\nrelated: [\"POL-006\", \"POL-005\"]")},
        who="omar", date="2026-02-20T10:00:00+00:00")
    site = build(history, "--drafts")
    page = (site / "policy/POL-004/index.html").read_text()
    assert "POL-006" not in "\n".join(site_text(site).values())
    assert 'href="../POL-005/"' in page  # the internal draft is previewed and linked
    # Published: POL-004's new revision approved on the main line; the drafts it names are not published.
    assert history.run("approve", "POL-004", who="priya", date="2026-02-21T10:00:00+00:00").exit_code == 0
    site = build(history)
    page = (site / "policy/POL-004/index.html").read_text()
    assert "Revision 2" in page and '<span class="sms-unpublished">POL-005</span>' in page
    assert "POL-006" not in "\n".join(site_text(site).values())


def test_control_block_and_revision_history(site: Path) -> None:
    page = (site / "policy/POL-001/index.html").read_text()
    control = page[page.index('class="sms-control'):page.index("APPROVED-TWO")]
    for fact in ("POL-001", "Revision 2", "Effective (change pending)", "Classification: internal", "Service management policy",
                 "Dana Reyes", "2026-02-02", "Priya Nair", "approval, 2026-02-02", "merge approval", "Next review",
                 "2027-02-02", "5.2"):
        assert fact in control, fact
    history = page[page.index('id="revision-history"'):]
    assert "<td>2</td>" in history and "<td>1</td>" in history
    assert "POL-001: second issue" in history and "Omar Haddad" in history and "approval commit" in history
    assert history.index("<td>2</td>") < history.index("<td>1</td>")  # newest first
    # The same numbers as `sms-docs status`.
    assert page.index('class="sms-control') < page.index("APPROVED-TWO") < page.index('id="revision-history"')


def test_documents_above_the_audience_appear_nowhere(site: Path) -> None:
    files = site_text(site)
    assert not (site / "policy/POL-002").exists()
    for name, text in files.items():
        for secret in ("TOPSECRET", "POL-002", "Pricing schedule"):
            assert secret not in text, f"{secret} leaked into {name}"
    assert "https://sms.example.com/policy/POL-001/" in files["sitemap.xml"]  # the sitemap lists what is published
    # The link to it became its text, without the link.
    page = files["policy/POL-001/index.html"]
    assert "the pricing" in page and 'href="../POL-002' not in page


def test_audience_public_and_confidential(history: Repo) -> None:
    public = site_text(build(history, "--audience", "public"))
    assert "procedure/PRC-001/index.html" in public
    assert not any(name.startswith("policy/POL-001") for name in public)
    assert "APPROVED-TWO" not in "\n".join(public.values())
    confidential = site_text(build(history, "--audience", "confidential"))
    assert "TOPSECRET-BODY" in confidential["policy/POL-002/index.html"]


def test_raising_the_classification_hides_a_document_before_the_change_is_approved(history: Repo) -> None:
    text = (history.path / "procedures/PRC-001-public.md").read_text()
    history.commit("PRC-001 is internal after all", {"procedures/PRC-001-public.md": text.replace("classification: public", "classification: internal")},
                   who="omar", date="2026-02-20T10:00:00+00:00")
    assert not (build(history, "--audience", "public") / "procedure/PRC-001").exists()


def test_obsolete_document_is_reachable_with_a_banner_and_out_of_nav_and_search(site: Path) -> None:
    page = (site / "policy/POL-003/index.html").read_text()
    assert "OBSOLETE" in page and "superseded by" in page
    banner = page[page.index("sms-banner--obsolete"):]
    banner = banner[: banner.index("</div>")]
    assert 'href="../POL-004/"' in banner
    index = json.loads((site / "search/search_index.json").read_text())
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "policy/POL-001/" in locations and "policy/POL-004/" in locations
    assert not any("POL-003" in loc for loc in locations)
    assert "OBSOLETE-BODY" not in json.dumps(index)
    home = (site / "index.html").read_text()
    nav = home[home.index('class="md-nav md-nav--primary"'):home.index("</nav>", home.index('class="md-nav md-nav--primary"'))]
    assert "POL-003" not in nav
    policies = (site / "policy/index.html").read_text()
    assert "Withdrawn documents" in policies and 'href="../policy/POL-003/"' not in policies and 'href="POL-003/"' in policies


def test_every_value_from_a_file_is_escaped(site: Path) -> None:
    files = site_text(site)
    for name, text in files.items():
        if name.endswith(".html"):
            assert "<script>alert" not in text, name
            assert "<img src=x" not in text, name
    page = files["policy/POL-004/index.html"]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in page
    assert "Operations &lt;HQ&gt;" in page  # an x- field, shown
    assert "&lt;script&gt;" in files["register/index.html"]
    assert "&lt;script&gt;" in files["feed.xml"] and "<script>" not in files["feed.xml"]
    assert EVIL in files["register.csv"]  # CSV is data: the value as it is


def test_links_between_documents_resolve_to_published_pages(site: Path) -> None:
    page = (site / "policy/POL-001/index.html").read_text()
    assert 'href="../POL-004/"' in page  # ./POL-004-new.md
    assert 'href="../POL-003/#scope"' in page  # the anchor survives
    assert "[not a link](POL-004-new.md)" in page  # code is left alone
    related = page[page.index("<dt>Related</dt>"):]
    assert 'href="../POL-004/"' in related[:400] and "POL-002" not in related[:400]


def test_generated_pages_register_csv_feed_and_navigation(site: Path) -> None:
    files = site_text(site)
    for name in ("index.html", "register/index.html", "policy/index.html", "procedure/index.html", "coverage/index.html",
                 "whats-new/index.html", "reviews/index.html", "records/index.html", "register.csv", "feed.xml"):
        assert name in files, name
    register = files["register/index.html"]
    for ident in ("POL-001", "POL-003", "POL-004", "PRC-001"):
        assert f">{ident}</a>" in register
    assert 'data-sms-filter="sms-register"' in register and "data-sms-sortable" in register
    csv_lines = files["register.csv"].splitlines()
    assert csv_lines[0] == "id,title,type,owner,classification,state,revision,effective,next_review,path"
    assert any(line.startswith("POL-001,Service management policy,policy,dana,internal,changed,2,2026-02-02") for line in csv_lines)
    assert any(line.startswith("POL-003,") and ",obsolete," in line for line in csv_lines)
    feed = files["feed.xml"]
    assert feed.startswith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')
    assert "<id>urn:sms-docs:example-services-ltd:POL-001:2</id>" in feed
    assert 'href="https://sms.example.com/policy/POL-001/"' in feed
    home = files["index.html"]
    assert "Printed copies are uncontrolled" in home and "Example Services Ltd" in home
    # Navigation: the generated pages only, never a document page (bounded however many documents).
    nav = home[home.index('class="md-nav md-nav--primary"'):home.index("</nav>", home.index('class="md-nav md-nav--primary"'))]
    for title in ("Document register", "Policies", "Procedures", "Clause coverage", "What&#x27;s new", "Reviews due", "Records"):
        assert title in nav, title
    assert "POL-001" not in nav
    assert "Uncontrolled when printed — POL-001 rev 2 — printed" in files["policy/POL-001/index.html"]
    assert "sms-docs.css" in home and "sms-docs.js" in home


def test_plain_mkdocs_build_gives_the_same_site(history: Repo) -> None:
    result = history.run("build", "--site-dir", str(history.path / "site-ours"))
    assert result.exit_code == 0, result.output
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", "site-plain"]
    proc = subprocess.run(mkdocs, cwd=history.path, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr
    ours = site_text(history.path / "site-ours")
    plain = site_text(history.path / "site-plain")
    assert ours.keys() == plain.keys()
    for name in ours:
        assert ours[name] == plain[name], name
    assert gzip.decompress((history.path / "site-ours/sitemap.xml.gz").read_bytes()) == \
        gzip.decompress((history.path / "site-plain/sitemap.xml.gz").read_bytes())


def test_no_external_request_by_default(site: Path) -> None:
    """Material loads Google Fonts unless told not to: the plugin turns them off (issue 11)."""
    pages = {name: text for name, text in site_text(site).items() if name.endswith(".html")}
    assert pages
    for name, text in pages.items():
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, name
        assert not re.search(r'<script[^>]+src="(?:https?:)?//', text), name
        assert not re.search(r'<link rel="(?:stylesheet|preconnect|preload|icon)"[^>]+href="(?:https?:)?//', text), name


def test_plugin_options_for_external_assets_and_an_offline_site(history: Repo) -> None:
    """`external_assets: true` gives the theme its web fonts back; `offline: true` makes plain
    `mkdocs build` write the offline site `sms-docs build --offline` writes."""
    history.branch("site-options")
    history.commit("Site options", {"mkdocs.yml": MKDOCS + "      external_assets: true\n      offline: true\n  - offline\n"},
                   who="omar", date="2026-02-20T10:00:00+00:00")
    assert history.run("approve", "mkdocs.yml", who="dana", date="2026-02-20T11:00:00+00:00").exit_code == 0
    history.checkout("main")
    history.merge("site-options", who="dana", date="2026-02-21T09:00:00+00:00")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", "site-plain"], cwd=history.path,
                          capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr
    site = history.path / "site-plain"
    page = (site / "policy/POL-001.html").read_text()
    assert "fonts.googleapis.com" in page
    assert '<script src="../assets/sms-docs/file-worker.js"></script>' in page
    assert "unpkg.com" not in page  # Material's offline plugin, listed too, fetches its worker shim from a CDN
    assert 'href="../register.html"' in page and not (site / "policy/POL-001/index.html").exists()
    script = (site / "search/search_index.js").read_text()
    assert script.startswith("var __index = ")
    assert json.loads(script.removeprefix("var __index = ")) == json.loads((site / "search/search_index.json").read_text())


def test_an_external_asset_in_mkdocs_yml_is_named_in_a_warning(history: Repo) -> None:
    history.branch("cdn")
    history.commit("A stylesheet from a CDN", {"mkdocs.yml": MKDOCS + "extra_css:\n  - https://cdn.example.com/x.css\n"},
                   who="omar", date="2026-02-20T10:00:00+00:00")
    assert history.run("approve", "mkdocs.yml", who="dana", date="2026-02-20T11:00:00+00:00").exit_code == 0
    history.checkout("main")
    history.merge("cdn", who="dana", date="2026-02-21T09:00:00+00:00")
    result = history.run("build", "--format", "json")
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert any("https://cdn.example.com/x.css" in w and "external_assets: true" in w for w in warnings), warnings
    assert history.run("build", "--strict").exit_code == 1


def test_drafts_preview_marks_every_page_and_shows_the_working_tree(history: Repo) -> None:
    site = build(history, "--drafts")
    files = site_text(site)
    page = files["policy/POL-001/index.html"]
    assert "UNAPPROVED-THREE" in page and "sms-draft-mark" in page and "Working copy" in page
    assert "NEVER-APPROVED" in files["policy/POL-005/index.html"]
    for name, text in files.items():
        if name.endswith("index.html") and name != "404.html":
            assert 'class="sms-draft-mark"' in text, name
    assert "DRAFT PREVIEW" in files["index.html"]
    assert "TOPSECRET" not in "\n".join(files.values())  # the audience still applies


def test_render_cache_gives_the_same_pages(history: Repo) -> None:
    first = site_text(build(history))
    from sms_docs.cache import Store
    from sms_docs.site.render_cache import FORMAT

    stored = [Store(history.path / ".git", "site", FORMAT, fp).load() for fp in ("",)]
    assert (history.path / ".git/sms-docs/site.cache").is_file() and stored == [None]  # signed with its fingerprint
    cat_files = list((history.path / ".git/sms-docs").glob("site.cache"))
    assert len(cat_files) == 1  # POL-001, POL-003, POL-004, PRC-001 are in it (the second build equals the first)
    second = site_text(build(history))
    assert first == second
    result = history.run("build", "--as-of", AS_OF, "--no-cache")
    assert result.exit_code == 0
    assert site_text(history.path / "site") == first


def test_build_json_and_text_output(history: Repo) -> None:
    data = history.json("build", "--as-of", AS_OF)
    assert data["documents"] == ["POL-001", "POL-003", "POL-004", "PRC-001"]
    assert data["withheld"] == ["POL-002"] and data["audience"] == "internal" and data["drafts"] is False
    result = history.run("build", "--as-of", AS_OF)
    assert "4 documents" in result.output and "1 classified above it left out" in result.output


def test_build_refuses_a_mkdocs_yml_without_the_plugin(history: Repo) -> None:
    (history.path / "mkdocs.yml").write_text("site_name: x\ndocs_dir: site-src\ntheme:\n  name: material\n")
    result = history.run("build")
    assert result.exit_code == 2
    assert "does not list the sms-docs plugin" in result.output


def test_strict_build_fails_on_warnings(history: Repo) -> None:
    history.write({"site-src/register.md": "# My own register\n"})
    refused = history.run("build", "--as-of", AS_OF)  # an unapproved page in site-src/ is not published at all
    assert refused.exit_code == 1 and "site-src/register.md has never been approved" in refused.output
    result = history.run("build", "--as-of", AS_OF, "--strict", "--drafts")
    assert result.exit_code == 1 and "register.md in docs_dir is replaced by the generated page" in result.output
    lenient = history.run("build", "--as-of", AS_OF, "--drafts")
    assert lenient.exit_code == 0 and "warning: sms-docs: register.md in docs_dir is replaced" in lenient.output


def test_build_without_mkdocs_yml_uses_the_default_configuration(history: Repo) -> None:
    (history.path / "mkdocs.yml").unlink()
    site = build(history)
    assert "APPROVED-TWO" in (site / "policy/POL-001/index.html").read_text()


def test_build_with_an_unknown_ref_is_a_usage_error(history: Repo) -> None:
    result = history.run("build", "--ref", "no-such-branch")
    assert result.exit_code == 2 and "unknown ref 'no-such-branch'" in result.output


def test_build_outside_a_document_repository_exits_3(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sms_docs.cli import cli

    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 3 and "not a document repository" in result.output


def test_init_then_build_works_out_of_the_box(tmp_path: Path, repo: Repo) -> None:
    target = tmp_path / "fresh"
    assert repo.run("init", str(target), "--org", "Fresh <Org> Ltd").exit_code == 0
    fresh = Repo(target)
    fresh.commit("Start", {"README.md": "x\n"})
    refused = fresh.run("build")  # the site's own inputs are controlled too: nothing approved, nothing published
    assert refused.exit_code == 1 and "mkdocs.yml has never been approved" in refused.output
    assert not (target / "site").exists()
    data = fresh.json("build", "--drafts")
    assert data["drafts"] is True
    home = (target / "site/index.html").read_text()
    assert "Fresh &lt;Org&gt; Ltd" in home and "Fresh <Org>" not in home
    assert "site" in (target / ".gitignore").read_text()


def test_page_generation_does_not_import_mkdocs() -> None:
    code = ("import sys, sms_docs.site.pages, sms_docs.site.listings; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_plan_is_data_without_mkdocs(history: Repo) -> None:
    import datetime as dt

    from sms_docs.catalog import Catalog
    from sms_docs.site.pages import SiteOptions, build_plan

    with Catalog.open(history.path, as_of=dt.date.fromisoformat(AS_OF)) as cat:
        plan = build_plan(cat, SiteOptions(audience="internal", directory_urls=False))
    assert sorted(plan.published) == ["POL-001", "POL-003", "POL-004", "PRC-001"] and plan.hidden == {"POL-002"}
    assert [n.src_uri for n in plan.nav] == ["index.md", "register.md", "policy/index.md", "procedure/index.md",
                                            "coverage.md", "whats-new.md", "reviews.md", "records.md"]
    obsolete = plan.page("policy/POL-003.md")
    assert obsolete is not None and obsolete.meta() == {"title": "POL-003 Old remote working rules", "search": {"exclude": True}}
    source = obsolete.source()
    assert source.startswith("---\ntitle: POL-003 Old remote working rules\nsearch:\n  exclude: true\n---\n")
    assert 'href="POL-004.html"' in source  # non-directory URLs when MkDocs is told so
    assert set(plan.files) >= {"register.csv", "feed.xml", "assets/sms-docs/sms-docs.css", "assets/sms-docs/sms-docs.js"}


def test_site_help_has_examples() -> None:
    from click.testing import CliRunner

    from sms_docs.cli import cli

    for command in ("build", "serve", "demo"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Examples:" in result.output, command


def _land_second_issue(history: Repo) -> None:
    """PRC-001's second issue, written by omar, approved by lena and merged by dana."""
    history.branch("prc2")
    text = (history.path / "procedures/PRC-001-public.md").read_text()
    history.commit("PRC-001: second issue", {"procedures/PRC-001-public.md": text.replace("PUBLIC-BODY", "PUBLIC-NEW")},
                   who="omar")
    assert history.run("approve", "PRC-001", who="lena").exit_code == 0
    history.checkout("main")
    history.merge("prc2", who="dana")



def test_serve_rebuilds_the_changed_page_and_keeps_the_others_and_their_search_entries(history: Repo) -> None:
    """A merged, approved change: `serve` rebuilds (only what changed), the page shows the new text,
    a page that did not change is still served, and the search index still holds every page."""
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sms_docs", "-C", str(history.path), "serve",
                             "--dev-addr", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})

    def get(path: str) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            return ""

    def wait_for(path: str, text: str) -> str:
        for _ in range(300):
            page = get(path)
            if text in page:
                return page
            time.sleep(0.2)
        proc.terminate()
        raise AssertionError(f"{text!r} never appeared on {path}: {proc.communicate(timeout=10)[1][-3000:]}")

    try:
        wait_for("policy/POL-004/", "Successor text.")
        before = wait_for("policy/POL-003/", "OBSOLETE-BODY")
        _land_second_issue(history)
        wait_for("procedure/PRC-001/", "PUBLIC-NEW")
        # still served as it was (livereload's script at the end names the build it came from)
        assert get("policy/POL-003/").rsplit("reload(", 1)[0] == before.rsplit("reload(", 1)[0]
        index = json.loads(get("search/search_index.json"))
        locations = [d["location"].split("#")[0] for d in index["docs"]]
        assert "policy/POL-001/" in locations and "policy/POL-004/" in locations
        texts = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("procedure/PRC-001/"))
        assert "PUBLIC-NEW" in texts and "PUBLIC-BODY" not in texts
        assert len(locations) == len({d["location"] for d in index["docs"]})  # no page twice
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_serves_the_site(history: Repo) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sms_docs", "-C", str(history.path), "serve", "--no-livereload",
                             "--dev-addr", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/policy/POL-001/", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "APPROVED-TWO" in page and "UNAPPROVED-THREE" not in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _serve_like(path: Path, site_dir: Path) -> Any:
    """A build as each rebuild of `sms-docs serve` makes it: the configuration read again, the plugin
    instance kept, a dirty build into the same folder."""
    from mkdocs.commands import build as mk_build

    from sms_docs.site import runner

    with runner._config_file(path) as (config_file, _own):
        cfg = runner._load(config_file, site_dir=str(site_dir))
        mk_build.build(cfg, dirty=True)
    return cfg.plugins["sms-docs"]


def _same_site(served: Path, path: Path, full: Path) -> None:
    """Every page and listing of the rebuilt site is the full build's (the search index: the same entries).
    The full build runs in a process of its own, as MkDocs keeps one plugin instance per process."""
    subprocess.run([sys.executable, "-m", "sms_docs", "-C", str(path), "build", "--site-dir", str(full)], check=True,
                   capture_output=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    a, b = site_text(served), site_text(full)
    index = "search/search_index.json"
    # (as sets: a full build lists a few entries twice, the merged index of a rebuild once each)
    docs = [{json.dumps(d, sort_keys=True) for d in json.loads(x[index])["docs"]} for x in (a, b)]
    assert docs[0] == docs[1]
    a.pop(index), b.pop(index)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], name


def test_serve_rebuild_reads_only_new_commits_and_makes_the_full_builds_site(history: Repo, tmp_path: Path) -> None:
    """After a merged change, a rebuild extends the last build's history and reuses its unchanged pages;
    the site is the one a fresh full build makes. A change to sms-docs.yml rebuilds from scratch, with the
    same result as a full build too."""
    from sms_docs.site import runner

    served = tmp_path / "served"
    with runner._config_file(history.path) as (config_file, _own):
        first = runner._load(config_file, site_dir=str(served))
    plugin_ = first.plugins["sms-docs"]
    plugin_.overrides, plugin_.progress = {}, None  # MkDocs keeps one instance per process: as `serve` starts it
    first.plugins.on_startup(command="serve", dirty=True)
    try:
        assert _serve_like(history.path, served) is plugin_
        walk = plugin_._history.walk
        assert walk is not None
        pages_before = {p.src_uri: p for p in plugin_.plan.pages}

        _land_second_issue(history)
        assert _serve_like(history.path, served) is plugin_
        assert plugin_._history.walk is walk  # extended, not walked again
        pages = {p.src_uri: p for p in plugin_.plan.pages}
        assert pages["policy/POL-004.md"] is pages_before["policy/POL-004.md"]  # reused
        assert pages["procedure/PRC-001.md"] is not pages_before["procedure/PRC-001.md"]
        assert "PUBLIC-NEW" in pages["procedure/PRC-001.md"].body
        _same_site(served, history.path, tmp_path / "full-1")

        config = (history.path / "sms-docs.yml").read_text()
        history.commit("Rename the organisation", {"sms-docs.yml": config.replace("organisation: ", "organisation: New ")},
                       who="dana")
        assert _serve_like(history.path, served) is plugin_
        assert plugin_._history.walk is not walk  # the configuration changed: walked again from the start
        _same_site(served, history.path, tmp_path / "full-2")
    finally:
        first.plugins.on_shutdown()
