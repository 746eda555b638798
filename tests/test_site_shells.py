"""Document pages made from shared parts and page shells (sms_docs.site.shared) are the pages the theme
renders for each page on its own: the same bytes, under several Material configurations, with
pages of several kinds (headings or none, a heading 1 or none, a title holding HTML, an obsolete
page out of search, documents in two folders). And the shells are really used."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from conftest import Repo, doc, site_config
from sms_docs.site import shared

if TYPE_CHECKING:
    from pathlib import Path

AS_OF = "2026-03-01"
FEATURES = """\
  features:
    - navigation.tabs
    - navigation.footer
    - navigation.path
    - navigation.top
    - toc.integrate
    - content.action.edit
    - search.highlight
  palette:
    - scheme: default
      primary: teal
"""


def bare(ident: str, title: str, body: str, **extra: str) -> str:
    """A document without the `# title` line `doc()` writes."""
    text = doc(ident, title, body=body, **extra)
    return text.replace(f"\n# {title}\n", "\n", 1)


def documents() -> dict[str, str]:
    files = {f"policies/POL-{i:03d}-p{i}.md": doc(f"POL-{i:03d}", f"Policy {i}", body=f"## Scope\n\nText {i}.\n\n### Detail\n\nMore.\n")
             for i in range(1, 6)}
    files.update({f"policies/POL-{i:03d}-p{i}.md": bare(f"POL-{i:03d}", f"Plain policy {i}", f"Just text {i}, no heading.\n")
                  for i in range(6, 10)})
    files.update({f"policies/POL-{i:03d}-p{i}.md": bare(f"POL-{i:03d}", f"Sectioned {i}", f"## Part A\n\nA {i}.\n\n## Part B\n\nB.\n")
                  for i in range(10, 14)})
    files["policies/POL-014-html.md"] = doc("POL-014", "Fees & <b>charges</b> \"quoted\"", body="Fees.\n")
    files.update({f"procedures/PRC-{i:03d}-r{i}.md": doc(f"PRC-{i:03d}", f"Procedure {i}", type="procedure", body=f"Steps {i}.\n")
                  for i in range(1, 6)})
    return files


def make(repo: Repo, mkdocs_yml: str) -> None:
    repo.commit("Start", {"README.md": "x\n"}, date="2026-01-02T09:00:00+00:00")
    repo.branch("first")
    repo.commit("First issue", {"mkdocs.yml": mkdocs_yml, "site-src/.gitkeep": "", **documents()},
                who="omar", date="2026-01-03T10:00:00+00:00")
    assert repo.run("approve", "--all", who="dana", date="2026-01-04T10:00:00+00:00").exit_code == 0
    repo.checkout("main")
    repo.merge("first", who="dana", date="2026-01-05T09:00:00+00:00")
    repo.branch("retire")  # POL-005 obsolete: out of search (another kind of page)
    path = repo.path / "policies/POL-005-p5.md"
    repo.commit("Withdraw POL-005", {"policies/POL-005-p5.md": path.read_text().replace(
        "classification: internal", "classification: internal\nstatus: obsolete\nsuperseded_by: POL-004")},
        who="omar", date="2026-01-10T10:00:00+00:00")
    assert repo.run("approve", "POL-005", who="priya", date="2026-01-11T10:00:00+00:00").exit_code == 0
    repo.checkout("main")
    repo.merge("retire", who="dana", date="2026-01-12T09:00:00+00:00")


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(site.rglob("*")) if p.is_file() and p.suffix in (".html", ".json", ".xml", ".js")}


def build(repo: Repo, target: str, *args: str) -> dict[str, str]:
    result = repo.run("build", "--as-of", AS_OF, "--no-cache", "--site-dir", str(repo.path / target), *args)
    assert result.exit_code == 0, result.output
    return pages(repo.path / target)


CONFIGS = {
    "default": site_config(),
    "features, site_url, repo_url, edit_uri": site_config(site_url="https://sms.example.com/docs/").replace(
        "  name: material\n", "  name: material\n" + FEATURES) + "repo_url: https://git.example.com/sms\nedit_uri: edit/main/\n",
    "offline": site_config() + "      offline: true\n",
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_pages_from_shells_are_the_pages_the_theme_renders(repo: Repo, name: str, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    make(repo, CONFIGS[name])
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.sms-docs"):
        ours = build(repo, "site-ours")
    used = [r.getMessage() for r in caplog.records if "page shells" in r.getMessage()]
    assert used and not used[-1].startswith("sms-docs: 0 pages"), used  # (edit links: rendered in full, still equal)
    monkeypatch.setattr(shared.SharedParts, "install", lambda self, env, config: False)
    theirs = build(repo, "site-theme")
    assert ours.keys() == theirs.keys()
    for page in ours:
        assert ours[page] == theirs[page], page
    assert "Fees &amp; &lt;b&gt;charges&lt;/b&gt; &quot;quoted&quot;" in ours[next(p for p in ours if "POL-014" in p)]


def test_a_replaced_partial_turns_the_shared_parts_off(repo: Repo, caplog: pytest.LogCaptureFixture) -> None:
    """A theme override of a partial could read anything of the page: nothing is shared then."""
    make(repo, site_config().replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    repo.branch("theme")
    repo.commit("Theme override", {"overrides/partials/toc.html": "<nav>TOC OF {{ page.title }}</nav>\n"},
                who="omar", date="2026-01-20T10:00:00+00:00")
    assert repo.run("approve", "overrides/partials/toc.html", who="dana", date="2026-01-21T10:00:00+00:00").exit_code == 0
    repo.checkout("main")
    repo.merge("theme", who="dana", date="2026-01-22T09:00:00+00:00")
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.sms-docs"):
        ours = build(repo, "site-ours")
    assert not [r for r in caplog.records if "page shells" in r.getMessage() or "shared theme parts" in r.getMessage()]
    assert "TOC OF POL-007 Plain policy 7" in ours["policy/POL-007/index.html"]


EXTENSIONS = """\
markdown_extensions:
  - abbr
  - attr_list
  - def_list
  - footnotes
  - admonition
  - toc:
      permalink: true
"""


def test_one_markdown_instance_renders_each_page_as_a_fresh_one_would(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Document pages share one Markdown instance, reset between pages: nothing of one page (reference
    links, footnotes and their numbers, abbreviations, heading ids) reaches the next."""
    from sms_docs.site import plugin

    make(repo, site_config() + EXTENSIONS)
    repo.branch("notes")
    repo.commit("Notes", {
        "policies/POL-020-a.md": doc("POL-020", "With references", body="See [the rules][rules] and HTML.[^1]\n\n"
                                     "[rules]: https://example.com/rules\n\n[^1]: A note.\n\n*[HTML]: Hyper Text\n\n## Scope\n"),
        "policies/POL-021-b.md": doc("POL-021", "Without them", body="No [rules][rules] here, HTML.[^1]\n\n[^1]: Its own note.\n\n"
                                     "## Scope\n"),
    }, who="omar", date="2026-01-20T10:00:00+00:00")
    assert repo.run("approve", "POL-020", "POL-021", who="dana", date="2026-01-21T10:00:00+00:00").exit_code == 0
    repo.checkout("main")
    repo.merge("notes", who="dana", date="2026-01-22T09:00:00+00:00")
    ours = build(repo, "site-ours")
    b = ours["policy/POL-021/index.html"]
    assert "https://example.com/rules" not in b and "<abbr" not in b and 'id="scope"' in b
    assert 'id="fn:1"' in b and "Its own note" in b
    monkeypatch.setattr(plugin._Markdown, "get", lambda self: plugin.importlib.import_module("markdown").Markdown(
        extensions=self.config["markdown_extensions"], extension_configs=self.config["mdx_configs"] or {}))
    monkeypatch.setattr(shared.SharedParts, "install", lambda self, env, config: False)
    fresh = build(repo, "site-fresh")
    assert ours.keys() == fresh.keys()
    for page in ours:
        assert ours[page] == fresh[page], page
