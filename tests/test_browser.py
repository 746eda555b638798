"""The published site in a real browser: Debian's Chromium driven by Playwright, against the demo site
served by a local HTTP server. Screenshots go to test-artifacts/ (gitignored).

Without /usr/bin/chromium these tests are skipped, except under CI (the CI image installs it), where
a missing browser is a failure.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import shutil
import threading
import zipfile
from pathlib import Path
from typing import Any, TYPE_CHECKING

import pytest
from click.testing import CliRunner

from conftest import CONFIG, Repo, doc, unavailable
from sms_docs.cli import cli

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
EVIL = "<img src=x onerror=alert(1)> & <script>alert(2)</script>"


def _unavailable(reason: str) -> None:
    unavailable(reason)


class Served:
    def __init__(self, directory: Path) -> None:
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("browser-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        root = tmp_path_factory.mktemp("browser") / "harbourline"
        result = CliRunner().invoke(cli, ["demo", str(root)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        drafts = CliRunner().invoke(cli, ["-C", str(root), "build", "--drafts", "--site-dir", str(root / "site-drafts")])
        assert drafts.exit_code == 0, drafts.output
    return root


@pytest.fixture(scope="module")
def demo_site(demo_root: Path) -> Iterator[str]:
    served = Served(demo_root)
    yield served.url
    served.close()


def cli_json(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["-C", str(root), *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def register_row(page: Any, ident: str) -> dict[str, str]:
    """The register's row of one document, by column heading."""
    heads = page.eval_on_selector_all("#sms-register thead th", "ths => ths.map(t => t.innerText.trim())")
    cells = page.eval_on_selector_all(f"#sms-register tbody tr:has(td:first-child a:text-is('{ident}')) td",
                                      "tds => tds.map(t => t.innerText.trim())")
    assert cells, f"{ident} is not in the register"
    return dict(zip(heads, cells, strict=True))


def control_field(page: Any, label: str) -> str | None:
    found = page.locator(f".sms-control__grid div:has(> dt:text-is('{label}')) > dd")
    return found.inner_text().strip() if found.count() else None


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, errors


def shot(page: Any, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def visible_rows(page: Any, table: str) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr:not([hidden])", "rows => rows.map(r => r.cells[0].innerText)")


def test_register_lists_documents_and_its_filter_works(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site/register/")
    rows = visible_rows(page, "sms-register")
    assert len(rows) == 34 and "POL-001" in rows and "PRC-023" in rows and "AGR-002" not in rows
    shot(page, "register")
    page.fill("[data-sms-filter-text]", "incident")
    filtered = visible_rows(page, "sms-register")
    assert filtered and set(filtered) <= {"PRC-002", "PRC-003", "PRC-004", "PRC-014", "PRC-015", "PRC-018", "PLN-003", "POL-003"}
    assert "PRC-002" in filtered and "POL-001" not in filtered
    assert page.inner_text("[data-sms-count]") == f"{len(filtered)} of 34 documents"
    shot(page, "register-filtered")
    page.fill("[data-sms-filter-text]", "")
    page.select_option("[data-sms-filter-column=state]", "obsolete")
    assert visible_rows(page, "sms-register") == ["POL-005"]
    page.select_option("[data-sms-filter-column=state]", "")
    page.select_option("[data-sms-filter-column=type]", "policy")
    assert visible_rows(page, "sms-register") == ["POL-001", "POL-002", "POL-003", "POL-004", "POL-005", "POL-006"]


def test_register_sorts(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site/register/")
    def column(index: int) -> list[str]:
        return page.eval_on_selector_all("#sms-register tbody tr", f"rows => rows.map(r => r.cells[{index}].innerText)")

    page.click("#sms-register th:has-text('Effective')")
    assert column(5) == sorted(column(5))
    page.click("#sms-register th:has-text('Effective')")
    assert column(5) == sorted(column(5), reverse=True)
    assert page.get_attribute("#sms-register th:has-text('Effective')", "aria-sort") == "descending"


def test_document_page_shows_its_control_block_and_revision_history(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site/policy/POL-003/")
    control = page.locator(".sms-control")
    assert control.is_visible()
    text = control.inner_text()
    for fact in ("POL-003", "Revision 2", "Effective", "Information security policy", "Marcus Bell", "Priya Nair",
                 "approval", "Classification: internal", "8.7.3.1"):
        assert fact in text, fact
    if shutil.which("ssh-keygen"):
        assert "signed" in text
    shot(page, "document")
    page.click("text=Revision history")
    history = page.locator(".sms-history")
    assert history.is_visible()
    assert page.evaluate("location.hash") == "#revision-history"
    rows = page.eval_on_selector_all(".sms-history tbody tr", "rows => rows.map(r => r.cells[0].innerText)")
    assert rows == ["2", "1"]
    shot(page, "revision-history")


def test_obsolete_page_shows_its_banner(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site/policy/POL-005/")
    banner = page.locator(".sms-banner--obsolete")
    assert banner.is_visible()
    assert banner.inner_text().startswith("OBSOLETE — superseded by POL-006")
    shot(page, "obsolete")
    banner.locator("a").click()
    page.wait_for_url("**/policy/POL-006/")
    assert "POL-006" in page.locator(".sms-control").inner_text()


def _search(page: Any, query: str) -> list[str]:
    """Material's search box on a freshly loaded page: the hrefs of the results."""
    page.reload()
    page.click(".md-search__input")
    # Typed key by key: Material searches on key events, which fill() does not send.
    page.locator(".md-search__input").press_sequentially(query, delay=20)
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    page.wait_for_timeout(300)
    return page.eval_on_selector_all(".md-search-result__item a", "links => links.map(a => a.href)")


def test_search_finds_a_current_document_and_not_an_obsolete_one(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site/")
    found = _search(page, "release deployment policy")
    assert any("/policy/POL-006/" in href for href in found)
    assert not any("POL-005" in href for href in found)
    shot(page, "search")
    found = _search(page, "supplier contract end")
    assert any("/procedure/PRC-011/" in href for href in found)


def test_print_stamp_on_every_page(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site/policy/POL-003/")
    today = dt.date.today().isoformat()
    page.emulate_media(media="print")
    style = page.inner_text("#sms-print-style")
    assert f'"Uncontrolled when printed — POL-003 rev 2 — printed {today}"' in style and "@top-center" in style
    assert page.locator(".md-sidebar--primary").is_hidden()
    shot(page, "print", full=True)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "POL-003.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    try:  # a picture of the printed pages, where Chromium's PDF viewer is available (a look, not a check)
        viewer = page.context.new_page()
        viewer.goto((ARTIFACTS / "POL-003.pdf").as_uri())
        viewer.wait_for_timeout(1500)
        shot(viewer, "print-pdf")
        viewer.close()
    except Exception:  # noqa: BLE001 - the viewer is optional
        pass


def test_drafts_preview_is_marked(page: Any, demo_site: str) -> None:
    page.goto(demo_site + "site-drafts/procedure/PRC-011/")
    assert page.locator(".sms-draft-mark").is_visible()
    assert "Nine months before contract end" in page.inner_text("article")
    shot(page, "drafts")


def test_a_title_holding_html_shows_as_text(browser: Any, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.path.mkdir()
    repo.git("init", "-q", "--initial-branch=main")
    repo.write({"sms-docs.yml": CONFIG})
    repo.commit("start")
    repo.branch("first")
    repo.commit("First", {"policies/POL-001-x.md": doc("POL-001", EVIL, body="Body.\n"), "site-src/.gitkeep": "",
                          "mkdocs.yml": "site_name: x\ndocs_dir: site-src\ntheme:\n  name: material\n"
                                        "plugins:\n  - search\n  - sms-docs\n"}, who="omar")
    assert repo.run("approve", "--all", who="dana").exit_code == 0  # the document and the site inputs
    repo.checkout("main")
    repo.merge("first")
    assert repo.run("build").exit_code == 0
    served = Served(repo.path / "site")
    context = browser.new_context()
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for path in ("", "register/", "policy/", "policy/POL-001/"):
            tab.goto(served.url + path)
            tab.wait_for_timeout(200)
        assert tab.title().startswith("POL-001 " + EVIL)
        assert EVIL in tab.inner_text(".sms-control")
        assert _search(tab, "body")
        assert EVIL in tab.inner_text(".md-search-result__item")
        shot(tab, "escaped-title")
    finally:
        context.close()
        served.close()
    assert dialogs == []


# --- issue 11: one revision's facts everywhere; overdue and withdrawn shown ----------------------------


def test_a_revision_approved_for_a_later_date_is_upcoming_everywhere(page: Any, demo_site: str, demo_root: Path) -> None:
    """PLN-004 has revision 2 approved with a planned date still ahead: revision 1 stays in force with its
    own dates on the register, the page and the home page, and revision 2 is shown as upcoming."""
    revs = [r for r in cli_json(demo_root, "history", "PLN-004")["revisions"] if r["revision"]]
    rev1, rev2 = revs[-2], revs[-1]
    shown = cli_json(demo_root, "show", "PLN-004")
    assert shown["revision"] == rev1["revision"] and shown["blob"] == rev1["blob"]
    upcoming = shown["upcoming"]
    assert upcoming["revision"] == rev2["revision"] and upcoming["effective"] > dt.date.today().isoformat()
    page.goto(demo_site + "site/register/")
    row = register_row(page, "PLN-004")
    assert row["Rev"] == str(rev1["revision"]) and row["Effective"] == shown["effective"] == rev1["date"]
    assert f"rev {rev2['revision']} upcoming {upcoming['effective']}" in row["State"]
    assert row["Next review"].startswith(shown["next_review"])
    shot(page, "register-upcoming")
    page.goto(demo_site + "site/plan/PLN-004/")
    control = page.locator(".sms-control").inner_text()
    assert f"Revision {rev1['revision']}" in control
    assert control_field(page, "Effective") == rev1["date"]
    assert (control_field(page, "Next review") or "").startswith(shown["next_review"])
    assert f"Revision {rev2['revision']} is approved and takes effect on {upcoming['effective']}" in control
    shot(page, "document-upcoming")
    page.goto(demo_site + "site/")
    recent = page.eval_on_selector_all("#recent + ul li", "lis => lis.map(li => li.innerText)")
    mine = [item for item in recent if "PLN-004" in item]
    assert mine and all("upcoming" in item for item in mine), recent
    assert not [item for item in recent if "PLN-004" not in item and "upcoming" in item]


def test_the_register_says_a_review_is_overdue(page: Any, demo_site: str, demo_root: Path) -> None:
    """POL-003's review is overdue: `status`, its page and the reviews-due page say so, and so does the register."""
    status = {d["id"]: d for d in cli_json(demo_root, "status")["documents"]}
    today = dt.date.today().isoformat()
    overdue = sorted(i for i, d in status.items() if d["next_review"] and d["next_review"] < today
                     and d["state"] != "obsolete" and d["classification"] in ("public", "internal"))
    assert "POL-003" in overdue
    page.goto(demo_site + "site/register/")
    row = register_row(page, "POL-003")
    assert "review overdue" in row["State"] and "overdue" in row["Next review"]
    flagged = page.eval_on_selector_all("#sms-register tbody tr[data-overdue]", "rows => rows.map(r => r.cells[0].innerText)")
    assert sorted(flagged) == overdue
    assert "overdue" not in register_row(page, "POL-001")["State"]
    shot(page, "register-overdue")
    page.goto(demo_site + "site/policy/POL-003/")
    assert "overdue" in (control_field(page, "Next review") or "")


def test_an_obsolete_page_shows_when_it_was_withdrawn(page: Any, demo_site: str, demo_root: Path) -> None:
    revs = [r for r in cli_json(demo_root, "history", "POL-005")["revisions"] if r["revision"]]
    shown = cli_json(demo_root, "show", "POL-005")
    assert shown["state"] == "obsolete" and shown["withdrawn"] == revs[-1]["date"]
    page.goto(demo_site + "site/policy/POL-005/")
    assert control_field(page, "Withdrawn") == shown["withdrawn"]
    assert control_field(page, "Effective") == revs[-2]["date"]  # in effect from the revision before
    assert f"Withdrawn on {shown['withdrawn']}." in page.inner_text(".sms-banner--obsolete")
    shot(page, "obsolete-withdrawn")


# --- issue 11: no external request; an offline site that works from disk and from a zip ----------------


def _outside_requests(context: Any, allowed: tuple[str, ...]) -> list[str]:
    """Every request the pages of `context` make outside `allowed` prefixes is recorded and refused."""
    outside: list[str] = []

    def handle(route: Any) -> None:
        url = route.request.url
        if url.startswith(allowed):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", handle)
    context.on("request", lambda r: None if r.url.startswith(allowed) or r.url in outside else outside.append(r.url))
    return outside


def test_pages_make_no_request_outside_the_site(browser: Any, demo_site: str) -> None:
    """Fonts, scripts, worker and search index all come from the site itself (an intranet or offline
    site): Material's default Google Fonts are off unless the site asks for them."""
    context = browser.new_context()
    outside = _outside_requests(context, (demo_site, "data:", "blob:", "about:"))
    tab = context.new_page()
    try:
        for path in ("site/", "site/register/", "site/policy/POL-003/", "site/whats-new/", "site/reviews/"):
            tab.goto(demo_site + path, wait_until="networkidle")
        assert any("/policy/POL-006/" in href for href in _search(tab, "release deployment policy"))
        tab.wait_for_load_state("networkidle")
        assert "fonts.googleapis.com" not in tab.content()
    finally:
        context.close()
    assert outside == []


def test_offline_site_works_from_disk_and_from_a_zip(browser: Any, demo_root: Path, tmp_path: Path) -> None:
    """`sms-docs build --offline`: opened as file://, links lead to pages (not directory listings), search
    works, and nothing is fetched from outside the folder; the same after a round trip through a zip."""
    result = CliRunner().invoke(cli, ["-C", str(demo_root), "build", "--offline", "--site-dir", str(tmp_path / "offline")])
    assert result.exit_code == 0, result.output
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((tmp_path / "offline").rglob("*")):
            zf.write(path, path.relative_to(tmp_path / "offline").as_posix())
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unzipped")
    errors: list[str] = []
    for folder in (tmp_path / "offline", tmp_path / "unzipped"):
        base = folder.as_uri() + "/"
        context = browser.new_context()
        outside = _outside_requests(context, (base, "data:", "blob:", "about:"))
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            tab.goto(base + "index.html")
            tab.click(".sms-cards a:has-text('Document register')")
            tab.wait_for_url(base + "register.html")
            tab.click("#sms-register a:text-is('POL-003')")
            tab.wait_for_url(base + "policy/POL-003.html")
            assert "Information security policy" in tab.locator(".sms-control").inner_text()
            found = _search(tab, "release deployment policy")
            assert any(href.startswith(base) and href.split("#")[0].split("?")[0].endswith("policy/POL-006.html") for href in found), found
            tab.click(".md-search-result__item a[href*='POL-006']")
            target = base + "policy/POL-006.html"
            tab.wait_for_url(lambda url, target=target: url.split("?")[0].split("#")[0] == target)
            assert "POL-006" in tab.locator(".sms-control").inner_text()
            shot(tab, f"offline-{folder.name}")
        finally:
            context.close()
        assert errors == [] and outside == [], (errors, outside)
