"""`sms-docs build` and `sms-docs serve`: MkDocs run on the repository's own `mkdocs.yml`, with the
command line's flags handed to the plugin, so `mkdocs build` and `sms-docs build` make the same site.

A repository without `mkdocs.yml` still builds, with the configuration `sms-docs init` would have
written (kept in a temporary folder for the run).
"""

from __future__ import annotations

import contextlib
import copy
import errno
import functools
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, TYPE_CHECKING

import yaml

from sms_docs.errors import Refused, SmsDocsError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    import datetime as dt

CONFIG_NAME = "mkdocs.yml"
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "repo" / "mkdocs.yml"


@dataclass
class Built:
    site_dir: Path
    audience: str
    drafts: bool
    documents: list[str]
    withheld: list[str]
    pages: int
    seconds: float
    config_file: Path | None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"site_dir": str(self.site_dir), "audience": self.audience, "drafts": self.drafts,
                "documents": self.documents, "withheld": self.withheld, "pages": self.pages,
                "seconds": round(self.seconds, 2), "config": str(self.config_file) if self.config_file else None,
                "warnings": self.warnings}


class _Collect(logging.Handler):
    """Warnings MkDocs and the plugin log during the build, shown once at the end."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _config_file(root: Path) -> Iterator[tuple[Path, bool]]:
    """The repository's mkdocs.yml, or a default one in a temporary folder."""
    own = root / CONFIG_NAME
    if own.is_file():
        yield own, True
        return
    with tempfile.TemporaryDirectory(prefix="sms-docs-site-") as tmp:
        import yaml

        from sms_docs import config as config_mod

        settings = config_mod.load_valid(root)
        data = yaml.safe_load(Template(TEMPLATE.read_text(encoding="utf-8")).safe_substitute(organisation="x"))
        data["site_name"] = f"{settings.organisation} - service management system"
        data["docs_dir"] = str(Path(tmp) / "docs")
        data["site_dir"] = str(root / "site")
        for i, item in enumerate(data.get("plugins") or []):
            if item == "sms-docs" or (isinstance(item, dict) and "sms-docs" in item):
                options = dict(item["sms-docs"] or {}) if isinstance(item, dict) else {}
                data["plugins"][i] = {"sms-docs": {**options, "root": str(root)}}
        (Path(tmp) / "docs").mkdir()
        path = Path(tmp) / CONFIG_NAME
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        yield path, False


def _plugins_with(config_file: Path, options: dict[str, Any]) -> Any:
    """mkdocs.yml's `plugins` setting as written, with `options` added to the sms-docs entry: MkDocs
    validates them as if they were in the file (how `serve` hands its flags to every rebuild)."""
    from mkdocs.utils.yaml import yaml_load

    with config_file.open("rb") as fh:
        data = yaml_load(fh)
    raw: Any = data.get("plugins", []) if isinstance(data, dict) else []
    if isinstance(raw, dict):
        return {name: ({**(opts or {}), **options} if name == "sms-docs" else opts) for name, opts in raw.items()}
    # (MkDocs empties the one-entry mappings of a list as it reads them, and `serve` reads the same
    # value again on every rebuild: `_Plugins` hands out a fresh copy each time.)
    out = _Plugins()
    for item in raw:
        if item == "sms-docs":
            out.append({"sms-docs": dict(options)})
        elif isinstance(item, dict) and "sms-docs" in item:
            out.append({"sms-docs": {**(item["sms-docs"] or {}), **options}})
        else:
            out.append(item)
    return out


class _Plugins(list[Any]):
    """A `plugins` list MkDocs can read any number of times: each reading gets copies of the entries."""

    def __iter__(self) -> Iterator[Any]:
        return iter([copy.deepcopy(item) for item in list.__iter__(self)])


def _load(config_file: Path, **kwargs: Any) -> Any:
    from mkdocs import config as mk_config
    from mkdocs.exceptions import ConfigurationError

    try:
        cfg = mk_config.load_config(config_file=str(config_file), **kwargs)
    except ConfigurationError as exc:
        raise UsageError(f"{config_file.name}: {exc}", hint="fix mkdocs.yml (see docs/site.md)") from None
    except SystemExit:
        raise UsageError(f"{config_file.name} is not a valid MkDocs configuration",
                         hint="run `mkdocs build` to see the details") from None
    if "sms-docs" not in cfg.plugins:
        raise UsageError(f"{config_file} does not list the sms-docs plugin",
                         hint="add it under plugins: (- search, then - sms-docs), as `sms-docs init` writes it")
    return cfg


def build(root: Path, *, site_dir: Path | None = None, audience: str | None = None, drafts: bool = False,
          ref: str | None = None, as_of: dt.date | None = None, strict: bool = False,
          cache: bool | None = None, offline: bool = False,
          progress: Callable[[int, int], None] | None = None) -> Built:
    """`progress(pages written, pages in all)` is called as MkDocs writes each page."""
    from mkdocs.commands import build as mk_build
    from mkdocs.exceptions import Abort, BuildError, ConfigurationError

    started = time.perf_counter()
    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    with _config_file(root) as (config_file, own):
        if own and not drafts:
            _refuse_unapproved_code(root, config_file, ref, as_of)
        kwargs: dict[str, Any] = {"strict": strict}
        if site_dir is not None:
            kwargs["site_dir"] = str(site_dir.resolve() if not site_dir.is_symlink() else site_dir.absolute())
        cfg = _load(config_file, **kwargs)
        overrides = {"audience": audience, "drafts": drafts or None, "ref": ref, "as_of": as_of, "cache": cache,
                     "offline": offline or None}
        cfg.plugins["sms-docs"].overrides = {k: v for k, v in overrides.items() if v is not None}
        cfg.plugins["sms-docs"].progress = progress
        final = Path(cfg.site_dir)
        _refuse_links(root, final)
        _refuse_foreign(root, final)
        # Built beside its place and moved there whole: a failed build leaves the previous site (or
        # none), never half of one, and nothing is ever deleted through a link.
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
        except OSError as exc:
            raise SmsDocsError(f"cannot write the site to {final}: {exc.strerror or exc}",
                               hint="name a folder you can write with --site-dir") from None
        cfg["site_dir"] = str(staging)
        logger.addHandler(collect)
        try:
            cfg.plugins.on_startup(command="build", dirty=False)
            try:
                mk_build.build(cfg)
            finally:
                cfg.plugins.on_shutdown()
            _swap(staging, final)
        except Abort as exc:
            found = getattr(cfg.plugins["sms-docs"], "error", None)
            if isinstance(found, SmsDocsError):
                raise found from None
            detail = "; ".join(collect.messages[-3:]) or str(exc)
            raise (Refused if strict and "strict mode" in str(exc) else SmsDocsError)(
                f"the site was not built: {detail}", hint="run with --debug, or `mkdocs build -v` for details") from None
        except (BuildError, ConfigurationError) as exc:
            raise SmsDocsError(f"the site was not built: {exc}") from None
        finally:
            logger.removeHandler(collect)
            shutil.rmtree(staging, ignore_errors=True)
        plugin = cfg.plugins["sms-docs"]
        plan = plugin.plan
        return Built(final, plugin.option("audience"), bool(plugin.option("drafts")),
                     sorted(plan.published), sorted(plan.hidden), len(plan.pages), time.perf_counter() - started,
                     config_file if own else None, collect.messages)


def _refuse_unapproved_code(root: Path, config_file: Path, ref: str | None, as_of: dt.date | None) -> None:
    """MkDocs runs hooks (Python) and reads INHERITed configuration while it loads mkdocs.yml, before
    any plugin can look: when mkdocs.yml names any, every site input is checked first."""
    from sms_docs.site import inputs

    if not any(what in ("hooks", "INHERIT") for what, _ in inputs.referenced(root, config_file)):
        return
    from sms_docs.catalog import Catalog

    with Catalog.open(root, ref=ref, as_of=as_of) as cat:
        found = inputs.problems(cat, root, config_file)
    if found:
        raise Refused("the site was not built: its inputs are not approved: " + "; ".join(found),
                      hint="approve them (sms-docs approve mkdocs.yml ...), or preview with --drafts")


def _refuse_links(root: Path, site_dir: Path) -> None:
    """The site directory is emptied before a build: never through a symbolic link."""
    current = site_dir
    while True:
        if current.is_symlink():
            raise Refused(f"the site was not built: {current} is a symbolic link, and the site directory is emptied "
                          "before a build", hint="remove the link, or name a real folder with --site-dir")
        if current.parent == current or current == root.parent:
            return
        current = current.parent


def _refuse_foreign(root: Path, site_dir: Path) -> None:
    """The site directory is replaced whole by a build: only an empty folder, or a site built
    before (it has an index.html), is. A folder of anything else (a typo in --site-dir, a folder of
    documents, the repository or a folder holding it) would be lost."""
    site_dir, root = site_dir.absolute(), root.absolute()
    holds_repository = root == site_dir or site_dir in root.parents
    try:
        entries = [] if holds_repository else os.listdir(site_dir)
    except (FileNotFoundError, NotADirectoryError):
        if not site_dir.is_file():
            return  # (nothing there yet; a file in its way is reported when the folder is made)
        raise Refused(f"the site was not built: {site_dir} is a file, and a build replaces its site folder whole; "
                      "nothing was changed", hint="name a new or empty folder with --site-dir") from None
    except OSError as exc:
        raise SmsDocsError(f"cannot write the site to {site_dir}: {exc.strerror or exc}",
                           hint="name a folder you can write with --site-dir") from None
    if holds_repository or (entries and "index.html" not in entries):
        what = "the repository" if root == site_dir else "a folder that holds the repository" if holds_repository \
            else f"a folder of other files ({', '.join(sorted(entries)[:3])}{', ...' if len(entries) > 3 else ''})"
        raise Refused(f"the site was not built: {site_dir} is {what}, not a site built before, and a build replaces "
                      "its site folder whole; nothing was changed",
                      hint="name a new or empty folder with --site-dir (or the site folder of an earlier build)")


def _swap(staging: Path, final: Path) -> None:
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        os.replace(final, old / final.name)
    os.replace(staging, final)
    if old is not None:
        _remove_tree(old / final.name)
        shutil.rmtree(old, ignore_errors=True)


def _remove_tree(path: Path) -> None:
    """`shutil.rmtree(path)`, the folders two levels down (a site's page folders) removed by eight
    threads at once. Removing a folder waits on the file system's journal: on a busy disk, one after
    the other, the previous site's thousand page folders took 0.9-2.5 s of a build, eight at a time
    0.15-0.3 s. No symbolic link is followed (`rmtree` follows none, and none is listed here)."""
    from concurrent.futures import ThreadPoolExecutor

    folders: list[str] = []
    with contextlib.suppress(OSError), os.scandir(path) as tops:
        for top in tops:
            if top.is_dir(follow_symlinks=False):
                with contextlib.suppress(OSError), os.scandir(top.path) as entries:
                    folders += [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
    if len(folders) > 8:
        with ThreadPoolExecutor(8, thread_name_prefix="sms-docs-rm") as pool:
            for _ in pool.map(functools.partial(shutil.rmtree, ignore_errors=True), folders):
                pass
    shutil.rmtree(path, ignore_errors=True)


def _check_address(address: str) -> None:
    """MkDocs builds the whole site before it binds its address: a port in use (or one this user may
    not bind) is found first, and said plainly; it is the machine's state, not a bug in sms-docs."""
    import socket

    host, sep, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"--dev-addr {address}: not an address IP:PORT", hint="for example --dev-addr 127.0.0.1:8001")
    try:
        infos = socket.getaddrinfo(host or "127.0.0.1", int(port_text), type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UsageError(f"--dev-addr {address}: {exc.strerror or exc}", hint="for example --dev-addr 127.0.0.1:8001") from None
    family, kind, proto, _, where = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as MkDocs' server does
        try:
            probe.bind(where)
        except OSError as exc:
            _address_problem(address, exc)
            raise


def _address_problem(address: str, exc: OSError) -> None:
    if exc.errno == errno.EADDRINUSE:
        raise SmsDocsError(f"the site could not be served: {address} is already in use (another server is "
                           "listening on that port)",
                           hint="stop that server, or choose another port: sms-docs serve --dev-addr 127.0.0.1:8001") from None
    if exc.errno in (errno.EACCES, errno.EADDRNOTAVAIL, errno.EPERM):
        raise SmsDocsError(f"the site could not be served on {address}: {exc.strerror}",
                           hint="choose another address, or a port above 1023: sms-docs serve --dev-addr 127.0.0.1:8001") from None


def _config_dev_addr(config_file: Path) -> str:
    """The address mkdocs.yml asks for (`dev_addr`), else MkDocs' default."""
    try:
        value = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "127.0.0.1:8000"
    found = value.get("dev_addr") if isinstance(value, dict) else None
    return str(found) if found else "127.0.0.1:8000"


def serve(root: Path, *, dev_addr: str | None = None, audience: str | None = None, drafts: bool = False,
          ref: str | None = None, livereload: bool = True, open_browser: bool = False) -> None:
    from mkdocs.commands import serve as mk_serve
    from mkdocs.exceptions import Abort, BuildError, ConfigurationError

    with _config_file(root) as (config_file, _own):
        _load(config_file)  # fail early, with our message, on a configuration without the plugin
        flags = {"audience": audience, "drafts": drafts or None, "ref": ref}
        kwargs: dict[str, Any] = {"plugins": _plugins_with(config_file, {k: v for k, v in flags.items() if v is not None})}
        if dev_addr:
            kwargs["dev_addr"] = dev_addr
        _check_address(dev_addr or _config_dev_addr(config_file))
        # MkDocs says where it serves and when it rebuilds: show its messages as `mkdocs serve` does.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger = logging.getLogger("mkdocs")
        logger.addHandler(handler)
        level = logger.level
        logger.setLevel(logging.INFO)
        quiet = _DirtyNotice()
        logging.getLogger("mkdocs.commands.build").addFilter(quiet)
        try:
            # A dirty serve: a rebuild writes only what changed, and the plugin renders only the pages
            # whose content changed (see SmsDocsPlugin.on_startup), so a change shows in about a second.
            mk_serve.serve(str(config_file), livereload=livereload, build_type="dirty", open_in_browser=open_browser,
                           **kwargs)
        except (Abort, BuildError, ConfigurationError) as exc:
            raise SmsDocsError(f"the site could not be served: {exc}") from None
        except OSError as exc:  # taken between the check above and MkDocs' own bind
            _address_problem(dev_addr or _config_dev_addr(config_file), exc)
            raise
        finally:
            logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
            logger.removeHandler(handler)
            logger.setLevel(level)


class _DirtyNotice(logging.Filter):
    """MkDocs warns on every dirty build that navigation may be stale: the plugin rebuilds every page
    whenever the navigation or the set of pages changes, so the warning does not apply."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build is being performed" not in record.getMessage()
