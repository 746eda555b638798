"""Class 6: the site's own inputs (mkdocs.yml, site-src/, overrides/) are controlled like the
configuration: the build uses approved ones or refuses to publish; a page's address comes from its
file's ID, and an ID or type mismatch on the main line is an audit finding."""

from __future__ import annotations

from attack import MARKER, approved_policy, published
from conftest import Repo, doc, site_config
from trust import AS_OF, POL1, audit, change, codes, day

MKDOCS = site_config("Example")


def site_repo(repo: Repo) -> None:
    approved_policy(repo)
    change(repo, "site", {"mkdocs.yml": MKDOCS, "site-src/.keep": ""}, date=day("2026-02-10"))


def test_an_unapproved_mkdocs_yml_is_reported_and_not_used(repo: Repo) -> None:
    site_repo(repo)
    assert audit(repo, expect=0)["findings"] == []
    assert "The approved policy text." in published(repo)
    repo.commit("Footer", {"mkdocs.yml": MKDOCS + f"copyright: {MARKER}\n"}, who="eve", date=day("2026-03-01"))
    data = audit(repo)
    assert "unapproved-change" in codes(data, key="mkdocs.yml")
    result = repo.run("build", "--as-of", AS_OF, "--site-dir", str(repo.path.parent / "out"))
    assert result.exit_code == 1 and "mkdocs.yml" in result.output
    assert MARKER not in published(repo)


def test_an_unapproved_theme_override_is_not_used(repo: Repo) -> None:
    site_repo(repo)
    repo.commit("Theme", {"mkdocs.yml": MKDOCS.replace("  name: material", "  name: material\n  custom_dir: overrides"),
                          "overrides/main.html": "{% extends 'base.html' %}{% block content %}" + MARKER + "{% endblock %}"},
                who="eve", date=day("2026-03-01"))
    data = audit(repo)
    assert "unapproved-change" in codes(data, key="overrides/main.html")
    assert MARKER not in published(repo)


def test_an_approved_theme_override_is_published(repo: Repo) -> None:
    site_repo(repo)
    change(repo, "theme", {"mkdocs.yml": MKDOCS.replace("  name: material", "  name: material\n  custom_dir: overrides"),
                           "overrides/main.html": "{% extends 'base.html' %}{% block announce %}Approved banner{% endblock %}"},
           date=day("2026-03-01"))
    assert audit(repo, expect=0)["findings"] == []
    assert "Approved banner" in published(repo)


def test_a_document_cannot_take_over_another_documents_page(repo: Repo) -> None:
    approved_policy(repo)
    change(repo, "pol2", {"policies/POL-002-other.md": doc("POL-001", "Other", body=f"{MARKER}\n")},
           date=day("2026-03-01"))
    data = audit(repo)
    assert "id-filename-mismatch" in codes(data)
    assert not data["ok"]
    site = published(repo)
    pol1 = (repo.path.parent / sorted(p.name for p in repo.path.parent.glob("site-*"))[-1] / "policy" / "POL-001" / "index.html")
    assert "The approved policy text." in pol1.read_text()
    assert MARKER not in pol1.read_text()
    assert POL1 and site is not None
