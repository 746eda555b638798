"""`sms-docs build` and `serve` hand their flags to the plugin as arguments, never through a module
global: `build` on the plugin instance it runs, `serve` as plugin options MkDocs validates on every
rebuild."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

from conftest import doc
from sms_docs.site import plugin, runner

if TYPE_CHECKING:
    from conftest import Repo
    from pathlib import Path


def test_serve_flags_become_plugin_options_and_the_other_plugins_stay(repo: Repo) -> None:
    with runner._config_file(repo.path) as (config_file, own):
        assert not own
        cfg = runner._load(config_file)
        assert cfg.plugins["sms-docs"].config.audience == "internal"
        again = runner._load(config_file, plugins=runner._plugins_with(config_file, {"audience": "public", "drafts": True}))
    assert again.plugins["sms-docs"].config.audience == "public"
    assert again.plugins["sms-docs"].config.drafts is True
    assert set(again.plugins) == set(cfg.plugins)  # search and the rest kept as written


def test_plugin_options_in_either_form_of_the_plugins_setting(tmp_path: Path) -> None:
    def written(plugins: str) -> Path:
        path = tmp_path / "mkdocs.yml"
        path.write_text(f"site_name: x\nplugins: {plugins}\n", encoding="utf-8")
        return path

    assert runner._plugins_with(written("[search, sms-docs]"), {"ref": "v1"}) == ["search", {"sms-docs": {"ref": "v1"}}]
    assert runner._plugins_with(written("[search, {sms-docs: {drafts: false}}]"), {"drafts": True}) == \
        ["search", {"sms-docs": {"drafts": True}}]
    assert runner._plugins_with(written("{search: {}, sms-docs: null}"), {"audience": "public"}) == \
        {"search": {}, "sms-docs": {"audience": "public"}}


def test_no_module_global_carries_the_flags() -> None:
    assert not hasattr(plugin, "OVERRIDES")
    assert plugin.SmsDocsPlugin().overrides == {}


def _listening() -> socket.socket:
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind(("127.0.0.1", 0))
    held.listen(1)
    return held


def test_serve_on_a_busy_port_is_a_clear_error_naming_it(repo: Repo) -> None:
    repo.commit("Start", {"policies/POL-001-a.md": doc("POL-001", "A policy")}, who="omar")
    with _listening() as held:
        port = held.getsockname()[1]
        started = time.perf_counter()
        result = repo.run("serve", "--dev-addr", f"127.0.0.1:{port}")
        elapsed = time.perf_counter() - started
    assert result.exit_code == 3, result.output
    assert f"127.0.0.1:{port} is already in use" in result.output
    assert "--dev-addr" in result.output
    assert "internal error" not in result.output and "bug" not in result.output
    assert elapsed < 10  # found before the site is built


def test_serve_names_the_port_mkdocs_yml_asks_for(repo: Repo) -> None:
    with _listening() as held:
        port = held.getsockname()[1]
        repo.write({"mkdocs.yml": f"site_name: Test\ndocs_dir: site-src\ndev_addr: 127.0.0.1:{port}\nplugins: [search, sms-docs]\n",
                    "site-src/.gitkeep": ""})
        result = repo.run("serve")
    assert result.exit_code == 3, result.output
    assert f"127.0.0.1:{port} is already in use" in result.output


def test_serve_refuses_an_address_that_is_not_ip_port(repo: Repo) -> None:
    result = repo.run("serve", "--dev-addr", "localhost")
    assert result.exit_code == 2, result.output
    assert "not an address IP:PORT" in result.output


def test_serve_options_survive_being_read_again_on_every_rebuild(repo: Repo) -> None:
    """`serve` hands MkDocs the same plugins value for the first build and every rebuild; MkDocs
    empties a list's entries as it reads them, so the second reading must still find them."""
    with runner._config_file(repo.path) as (config_file, _own):
        plugins = runner._plugins_with(config_file, {"audience": "public"})
        first = runner._load(config_file, plugins=plugins)
        again = runner._load(config_file, plugins=plugins)
    assert first.plugins["sms-docs"].config.audience == again.plugins["sms-docs"].config.audience == "public"
    assert set(first.plugins) == set(again.plugins)
