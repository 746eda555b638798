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


SNIPPETS = "markdown_extensions:\n  - pymdownx.snippets\n"


def test_snippets_from_outside_the_site_inputs_are_refused(repo: Repo) -> None:
    """Material sites often enable `pymdownx.snippets`: a body line `--8<-- "file"` pastes a file's
    text into the page at build time. Reading from the whole checkout (its default), an approved
    document could publish any file there, approved or not, such as a CI secret."""
    approved_policy(repo)
    change(repo, "site", {"mkdocs.yml": MKDOCS + SNIPPETS, "site-src/.keep": ""}, date=day("2026-02-10"))
    change(repo, "pol5", {"policies/POL-005-x.md": doc("POL-005", "Paste", body='--8<-- "ci-secret.txt"\n')},
           date=day("2026-03-01"))
    (repo.path / "ci-secret.txt").write_text(f"{MARKER}\n")
    result = repo.run("build", "--as-of", AS_OF, "--site-dir", str(repo.path.parent / "out"))
    assert result.exit_code == 1 and "pymdownx.snippets" in result.output, result.output
    assert MARKER not in published(repo)


def test_snippets_from_an_approved_site_folder_are_published(repo: Repo) -> None:
    approved_policy(repo)
    config = MKDOCS + SNIPPETS.replace("  - pymdownx.snippets\n", "  - pymdownx.snippets:\n      base_path: [site-src/snippets]\n")
    change(repo, "site", {"mkdocs.yml": config, "site-src/snippets/contact.md": "Call the service desk.\n"},
           date=day("2026-02-10"))
    change(repo, "pol5", {"policies/POL-005-x.md": doc("POL-005", "Paste", body='--8<-- "contact.md"\n')},
           date=day("2026-03-01"))
    assert "Call the service desk." in published(repo)
    download = config.replace("[site-src/snippets]", "[site-src/snippets]\n      url_download: true")
    change(repo, "web", {"mkdocs.yml": download}, date=day("2026-03-02"))
    assert audit(repo, expect=0)["findings"] == []  # approved, yet never used to publish
    result = repo.run("build", "--as-of", AS_OF, "--site-dir", str(repo.path.parent / "out2"))
    assert result.exit_code == 1 and "url_download" in result.output, result.output
