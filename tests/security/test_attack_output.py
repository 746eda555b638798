"""Class 9: output that lies. Newlines and terminal escapes in titles or file names cannot forge
report lines; `javascript:` and `data:` links are not published; every CSV neutralises formulas; a
YAML bomb in sms-docs.yml is a clear error."""

from __future__ import annotations

from attack import approved_policy, published
from conftest import CONFIG, Repo, doc
from trust import AS_OF, change, day


def test_a_title_cannot_forge_lines_or_drive_the_terminal(repo: Repo) -> None:
    approved_policy(repo)
    title = "Policy\n0 findings: all clean\x1b[2J\x1b]8;;http://evil.example\x07"
    change(repo, "pol5", {"policies/POL-005-x.md": doc("POL-005", title)}, date=day("2026-03-01"))
    for args in (("status",), ("audit",), ("show", "POL-005"), ("history", "POL-005")):
        out = repo.run(*args, "--as-of", AS_OF).output
        assert "\x1b" not in out and "\x07" not in out, args
        assert "\n0 findings: all clean" not in out, args


def test_script_links_are_not_published(repo: Repo) -> None:
    approved_policy(repo)
    body = "[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=) and [ok](https://example.com)\n"
    change(repo, "pol5", {"policies/POL-005-x.md": doc("POL-005", "Links", body=body)}, date=day("2026-03-01"))
    site = published(repo)
    assert "javascript:alert" not in site
    assert "data:text/html" not in site
    assert "https://example.com" in site


def test_the_site_register_csv_neutralises_formulas(repo: Repo) -> None:
    approved_policy(repo)
    change(repo, "pol5", {"policies/POL-005-x.md": doc("POL-005", "=HYPERLINK(\"http://evil\")")}, date=day("2026-03-01"))
    site = repo.path.parent / "csv-site"
    assert repo.run("build", "--as-of", AS_OF, "--site-dir", str(site)).exit_code == 0
    register = next(site.rglob("register.csv")).read_text()
    assert ",=HYPERLINK" not in register and "\n=HYPERLINK" not in register
    assert "'=HYPERLINK" in register


def test_a_yaml_bomb_in_the_configuration_is_a_clear_error(repo: Repo) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    repo.write({"sms-docs.yml": CONFIG + bomb})
    for args in (("check",), ("status",)):
        result = repo.run(*args)
        assert result.exit_code == 3, (args, result.output)
        assert "Traceback" not in result.output and "sms-docs.yml" in result.output


def test_a_key_twice_in_an_approved_document_is_reported_and_not_published(repo: Repo) -> None:
    """The approver reads `classification: confidential` at the top of the front matter; a second
    `classification: public` further down is what a YAML reader keeps. Such a text is no valid front
    matter (YAML keys are unique): it is reported, and nothing is published by either reading."""
    from attack import MARKER
    from trust import audit, codes

    approved_policy(repo)
    text = doc("POL-002", "Salaries", classification="confidential", body=f"{MARKER}\n")
    text = text.replace("\n---\n", "\nclassification: public\n---\n", 1)
    change(repo, "pol2", {"policies/POL-002-salaries.md": text}, date=day("2026-03-01"))
    data = audit(repo)
    assert codes(data) == ["yaml-error"] and not data["ok"]
    assert "duplicate key 'classification'" in data["findings"][0]["message"]
    assert data["findings"][0]["line"] == 7 and data["findings"][0]["id"] == "POL-002"
    assert MARKER not in published(repo, "--audience", "public")
    assert MARKER not in published(repo, "--audience", "confidential")


def test_event_handler_attributes_from_a_body_are_not_published(repo: Repo) -> None:
    """With Material's common `attr_list` extension, `{ onclick="..." }` after a link puts a script
    on the element without a single `<` in the body. Event handlers never reach a published page."""
    from conftest import site_config

    approved_policy(repo)
    change(repo, "site", {"mkdocs.yml": site_config("Example") + "markdown_extensions:\n  - attr_list\n",
                          "site-src/.keep": ""}, date=day("2026-02-10"))
    body = ('[Click](https://example.com){ onclick="alert(1)" data-x="kept" }\n\n'
            "## Heading { onmouseover='alert(2)' }\n\nPeople log on=mondays; onboarding=yes.\n")
    change(repo, "pol5", {"policies/POL-005-x.md": doc("POL-005", "Handlers", body=body)}, date=day("2026-03-01"))
    out = repo.path.parent / "handler-site"
    assert repo.run("build", "--as-of", AS_OF, "--site-dir", str(out)).exit_code == 0
    page = next(p for p in out.rglob("*.html") if "POL-005" in str(p)).read_text(encoding="utf-8")
    assert "alert(" not in page and "onclick" not in page.lower() and "onmouseover" not in page.lower()
    assert 'data-x="kept"' in page and "https://example.com" in page
    assert "log on=mondays; onboarding=yes." in page  # text is text
