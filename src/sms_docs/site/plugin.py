"""The MkDocs adapter: plugin options, and event handlers that hand the `SitePlan` to MkDocs.

Everything the site says is decided in `sms_docs.site.pages` from the catalogue; this module only
turns pages into `File.generated(...)`, the navigation into `nav`, adds the stylesheet and script,
escapes titles (Material prints page and navigation titles unescaped) and caches rendered pages.

In a document repository's `mkdocs.yml`:

    plugins:
      - search
      - sms-docs:
          audience: internal      # public | internal | confidential | restricted
          drafts: false           # true: preview the working tree, every page marked DRAFT
          offline: false          # true: a site that works opened from disk (file://) or a zip
          external_assets: false  # true: let the theme load web fonts (and the like) from the internet
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import posixpath
import re
from importlib import metadata
from pathlib import Path
from typing import Any, TYPE_CHECKING

from jinja2 import FileSystemLoader
from jinja2.bccache import Bucket, BytecodeCache
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page as MkPage
from mkdocs.structure.toc import AnchorLink, get_toc

from sms_docs.errors import SmsDocsError
from sms_docs.site.html import e, safe_links
from sms_docs.site.listings import FILE_WORKER
from sms_docs.site.pages import ASSET_DIR, AUDIENCES, SitePlan, SiteOptions, build_plan
from sms_docs.site.render_cache import Entry, RenderCache, fingerprint
from sms_docs.site.shared import PageShells, SharedParts

if TYPE_CHECKING:
    from collections.abc import Callable

    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation

    from sms_docs.history import History

log = logging.getLogger("mkdocs.plugins.sms-docs")

_BEFORE = "<!-- sms-docs:before -->"
_AFTER = "<!-- sms-docs:after -->"
_ID = re.compile(r'\sid="([^"]+)"')
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)|^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)


class SmsDocsConfig(base.Config):  # type: ignore[no-untyped-call]
    audience = c.Choice(AUDIENCES, default="internal")
    drafts = c.Type(bool, default=False)
    ref = c.Optional(c.Type(str))
    root = c.Optional(c.Type(str))
    cache = c.Type(bool, default=True)
    # A site for an intranet, an auditor's laptop or a zip makes no request outside itself unless it
    # is told to (Material loads Google Fonts by default).
    external_assets = c.Type(bool, default=False)
    # Opened from disk: pages as `name.html` (no directory listings), the search index as a script,
    # and search's Web Worker run where browsers allow it on file:// (assets/sms-docs/file-worker.js).
    offline = c.Type(bool, default=False)


class SmsDocsPlugin(BasePlugin[SmsDocsConfig]):  # type: ignore[no-untyped-call]
    """Publishes the controlled document set of the repository that holds `mkdocs.yml`."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.plan: SitePlan | None = None
        self.error: SmsDocsError | None = None
        self.cache: RenderCache | None = None
        self.root: Path | None = None
        self.git_dir: Path | None = None
        self._keys: dict[str, str] = {}
        self._hits: dict[str, Entry] = {}
        self._documents: set[str] = set()
        self._html: dict[str, str] = {}  # generated listings: HTML already, Markdown would only slow them down
        self._wrap: dict[str, tuple[str, str]] = {}  # document pages: the HTML put around the rendered body
        # `sms-docs build` sets its command-line flags here (they win over mkdocs.yml), `as_of` included.
        self.overrides: dict[str, Any] = {}
        # `sms-docs build` on a terminal: called with (pages written, pages in all) as pages are written.
        self.progress: Callable[[int, int], None] | None = None
        self._pages_total = 0
        self._pages_done = 0
        # `sms-docs serve` rebuilds only the pages that changed (see on_startup): what the last build made.
        self._incremental = False
        self._last: _LastBuild | None = None
        self._build: _LastBuild | None = None
        self._history: History | None = None  # the last build's, with its walk (serve only)
        self._fronts: dict[tuple[str, bool, tuple[str, ...]], str] = {}  # page front matter by what it says
        self._bytecode = _Compiled()
        self._markdown: _Markdown | None = None  # one Markdown instance for a build's document pages
        self._shared: SharedParts | None = None  # the theme's parts every document page shares
        self._shells: PageShells | None = None  # whole document pages from one shell per kind of page

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Having this event keeps the plugin instance across the rebuilds of one `serve` (MkDocs 1.4
        and later), so a rebuild knows what the build before it made. Under `sms-docs serve` (a
        dirty serve) a rebuild renders only the pages whose content changed and leaves the others as
        they are; any change to the site's frame (the set of files, the navigation, mkdocs.yml)
        rebuilds everything."""
        self._incremental = command == "serve" and dirty
        self._last = None
        self._history = None

    def on_shutdown(self) -> None:
        self._last = None
        self._history = None

    # --- configuration and the plan --------------------------------------------------------------

    def option(self, name: str) -> Any:
        return self.overrides[name] if self.overrides.get(name) is not None else self.config[name]

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from sms_docs.catalog import Catalog

        # One instance may run several builds (serve's rebuilds, tests): nothing of the last one stays,
        # but under `sms-docs serve` its history and its plan, which this build extends and reuses where
        # they still hold (history.build, pages.build_plan; kept in this process's memory only).
        previous = self.plan if self._incremental else None
        history = self._history if self._incremental else None
        self._history = None
        self.plan, self.error, self.cache = None, None, None
        self._keys, self._hits, self._documents, self._html, self._wrap = {}, {}, set(), {}, {}

        config_dir = Path(config.config_file_path or ".").resolve().parent
        root = Path(self.option("root")) if self.option("root") else config_dir
        self.root = root if root.is_absolute() else (config_dir / root).resolve()
        drafts = bool(self.option("drafts"))
        if self.option("offline"):
            config.use_directory_urls = False  # file:// shows a folder's listing, not its index.html
        options = SiteOptions(audience=self.option("audience"), drafts=drafts,
                              directory_urls=bool(config.use_directory_urls), site_url=config.site_url or None)
        try:
            with Catalog.open(self.root, ref=self.option("ref"), as_of=self.overrides.get("as_of"),
                              previous=history, keep=self._incremental) as cat:
                if not drafts:
                    _refuse_unapproved_inputs(cat, self.root, config)
                worktree = _worktree(cat) if drafts else None
                self.plan = build_plan(cat, options, worktree, previous=previous)
                self.git_dir = cat.repo.git_dir
                self._history = cat.history if self._incremental else None
        except SmsDocsError as exc:
            self.error = exc  # `sms-docs build` re-raises it, with its own exit code
            raise PluginError(f"sms-docs: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from None
        for warning in self.plan.warnings:
            log.warning(f"sms-docs: {warning}")
        if "<" in (config.site_name or ""):  # Material prints it unescaped; init puts the organisation in it
            config.site_name = config.site_name.replace("<", "&lt;")
        if config.nav is None:  # the user's own nav wins
            config.nav = [{e(item.title): item.src_uri} for item in self.plan.nav]
        for css in self.plan.css:
            if css not in config.extra_css:
                config.extra_css.append(css)
        for js in self.plan.js:
            if js not in [str(x) for x in config.extra_javascript]:
                config.extra_javascript.append(js)
        if self.option("cache") and self.git_dir is not None:
            renderer = fingerprint(_versions(), config.markdown_extensions, config.mdx_configs,
                                   config.use_directory_urls, _theme_name(config))
            self.cache = RenderCache(self.git_dir, renderer)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """After every plugin's on_config (Material's `offline` plugin adds a polyfill from a CDN there),
        before any page is rendered."""
        if self.option("offline"):
            shim = f"{ASSET_DIR}/{FILE_WORKER}"
            polyfills = [p for p in (config.extra.get("polyfills") or []) if not _external(str(p)) and str(p) != shim]
            config.extra["polyfills"] = [shim, *polyfills]
        if not self.option("external_assets"):
            self._no_external_assets(config)
        _theme_files_without_hidden_folders(config)

    def _no_external_assets(self, config: MkDocsConfig) -> None:
        """No request outside the site: the theme's web fonts are turned off (Material then uses the
        system's fonts), and whatever else mkdocs.yml would load from outside is named in a warning."""
        if _theme_name(config) == "material" and config.theme.get("font") is not False:
            config.theme["font"] = False
        found = [str(x) for x in [*config.extra_css, *config.extra_javascript, *(config.extra.get("polyfills") or [])]
                 if _external(str(x))]
        if config.repo_url and _theme_name(config) == "material":
            found.append(f"{config.repo_url} (the theme asks the forge's API for the repository's facts)")
        if isinstance(config.extra.get("analytics"), dict):
            found.append("extra.analytics")
        for what in found:
            log.warning(f"sms-docs: mkdocs.yml makes pages load {what} from outside the site; remove it, or set "
                        "external_assets: true for the sms-docs plugin if the site may make external requests")

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.plan is not None
        self._documents = set()
        made: dict[str, tuple[str, tuple[str, str]]] = {}
        kinds: dict[str, str] = {}
        for page in self.plan.pages:
            kinds.setdefault(page.src_uri, page.kind)
            # Only the body goes through Markdown (and the render cache, and the search index): the
            # control block, banners and revision history are HTML already, put back around it after.
            wrapped = bool(page.before or page.after)
            meta = (e(page.title), page.search, page.hide)
            front = self._fronts.get(meta)
            if front is None:  # the same for a page on every rebuild of a serve: written once
                front = self._fronts[meta] = page.front_matter(title=meta[0])
            content = front + (page.body if wrapped else page.markdown)
            made[page.src_uri] = (content, (page.before, page.after))
            if wrapped:
                self._wrap[page.src_uri] = (page.before, page.after)
            if page.kind == "document":
                self._documents.add(page.src_uri)
            elif page.html_only:
                self._html[page.src_uri] = page.body
        for path, data in self.plan.files.items():
            _replace(files, File.generated(config, path, content=data))
        uris = sorted({f.src_uri for f in files} | set(made))
        frame = _digest(uris, config.nav, _config_text(config), self.option("audience"), bool(self.option("drafts")))
        last = self._last if self._incremental and self._last is not None else None
        if last is not None and last.frame != frame:
            # Another set of pages or another navigation: every page is rebuilt, none left over.
            from mkdocs.utils import clean_directory

            clean_directory(config.site_dir)
            last = None
        self._build = _LastBuild(frame, made, dict(last.keys) if last else {}, last.search if last else None)
        for src, (content, wrap) in made.items():
            unchanged = last is not None and last.pages.get(src) == (content, wrap)
            if unchanged and self.cache is not None and src in self._build.keys:
                self.cache.keep(self._build.keys[src])  # its rendering stays in the render cache
            _replace(files, (_Unchanged if unchanged else File).generated(
                config, src, content=content,
                inclusion=InclusionLevel.NOT_IN_NAV if kinds[src] == "document" else InclusionLevel.UNDEFINED))
        self._pages_total = len(files.documentation_pages())
        self._pages_done = 0
        return files

    @event_priority(100)  # first: any other plugin's on_nav sees the pages the build will render
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Document pages outside the navigation (all of them, unless mkdocs.yml's own nav lists one)
        are made here rather than by MkDocs, as `_DocumentPage`: Markdown rendered by one instance
        for the build, reset between pages, instead of one instance built per page."""
        self._markdown = _Markdown(config)
        listed = {id(page) for page in nav.pages}
        for src in sorted(self._documents):
            file = files.get_file_from_path(src)
            if file is not None and type(file.page) is MkPage and id(file.page) not in listed:
                _DocumentPage(file, config, self._markdown)  # (MkDocs' page of it was made just now, unread)
        return nav

    @event_priority(-100)  # last: the filters other plugins put in the environment are wrapped too
    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """The theme's parts that every document page shares are rendered once (see
        `sms_docs.site.shared`). Under `sms-docs serve`, the theme's templates are compiled once per
        process, not once per rebuild (each rebuild makes a new Jinja environment): Jinja checks each
        template's source against the compiled copy it keeps, so an edited template is compiled again."""
        if self._incremental:
            env.bytecode_cache = self._bytecode
        shared = SharedParts()
        self._shared, self._shells = None, None
        if shared.install(env, config):
            shared.pages = {id(f.page) for f in files.documentation_pages() if isinstance(f.page, _DocumentPage)}
            self._shared = shared
            shells = PageShells(shared, env)
            if shells.install(config):
                self._shells = shells
        return env

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when the main line moves (and, for a drafts preview, when a document is edited)."""
        if self.root is None:
            return server
        watched: list[Path] = [self.root / "sms-docs.yml"]
        if self.git_dir is not None:
            watched += [self.git_dir / "refs", self.git_dir / "packed-refs", self.git_dir / "HEAD"]
        if self.option("drafts"):
            watched += [p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
                        and p.name not in ("site", Path(config.docs_dir).name)]
        for path in watched:
            if path.exists():
                server.watch(str(path))
        return server

    # --- the render cache ------------------------------------------------------------------------

    @event_priority(-100)  # last: the key covers what every other plugin did to the Markdown
    def on_page_markdown(self, markdown: str, *, page: MkPage, config: MkDocsConfig, files: Files) -> str:
        src = page.file.src_uri
        if src in self._html:
            return ""
        if self.cache is None or src not in self._documents:
            return markdown
        key = self.cache.key(src, markdown, _links(src, markdown, files))
        if self._build is not None:
            self._build.keys[src] = key
        found = self.cache.get(key)
        if found is None:
            self._keys[src] = key
            return markdown
        self._hits[src] = found
        return ""  # rendered already: on_page_content puts the cached HTML back

    @event_priority(100)  # first: later plugins see the page as if it had been rendered now
    def on_page_content(self, html: str, *, page: MkPage, config: MkDocsConfig, files: Files) -> str:
        src = page.file.src_uri
        if src in self._html:
            body = self._html[src]
            page.present_anchor_ids = set(_ID.findall(body))
            return body
        hit = self._hits.pop(src, None)
        if hit is not None:
            page.toc = get_toc(hit.toc)  # type: ignore[arg-type]
            page.present_anchor_ids = set(hit.anchors)
            html = hit.html
        else:
            key = self._keys.pop(src, None)
            if key is not None and self.cache is not None:
                self.cache.put(key, Entry(html, [_token(a) for a in page.toc], sorted(page.present_anchor_ids or ())))
        html = safe_links(html)
        if src in self._wrap:
            before, after = self._wrap[src]
            page.present_anchor_ids = set(page.present_anchor_ids or ()) | set(_ID.findall(before + after))
            return f"{_BEFORE}\n{html}\n{_AFTER}"
        return html

    def on_post_page(self, output: str, *, page: MkPage, config: MkDocsConfig) -> str:
        self._pages_done += 1
        if self.progress is not None:
            self.progress(self._pages_done, self._pages_total)
        wrap = self._wrap.get(page.file.src_uri)
        if wrap is None:
            return output
        return output.replace(_BEFORE, wrap[0], 1).replace(_AFTER, wrap[1], 1)

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self._incremental and self._build is not None:
            self._build.search = _complete_search_index(Path(config.site_dir), self._build.search)
            self._last = self._build
        if self.option("offline"):  # from the complete index
            _index_as_script(Path(config.site_dir))
        if self.cache is not None:
            self.cache.save()
            log.debug(f"sms-docs: render cache {self.cache.hits} hits, {self.cache.misses} misses")
        if self._shared is not None:
            log.debug(f"sms-docs: shared theme parts {self._shared.hits} reused, {self._shared.misses} rendered")
        if self._shells is not None:
            log.debug(f"sms-docs: {self._shells.used} pages from {self._shells.made} page shells")
        self._shared, self._shells, self._markdown = None, None, None
        if self.plan is not None:
            shown = len(self.plan.published)
            log.info(f"sms-docs: published {shown} documents for audience {self.option('audience')}"
                     + (" (drafts preview)" if self.option("drafts") else ""))


class _LastBuild:
    """What one build of a `serve` made: the frame, each generated page's content, the render
    cache keys of the document pages, and the complete search index."""

    def __init__(self, frame: str, pages: dict[str, tuple[str, tuple[str, str]]], keys: dict[str, str],
                 search: list[dict[str, Any]] | None) -> None:
        self.frame = frame
        self.pages = pages
        self.keys = keys
        self.search = search


class _Compiled(BytecodeCache):
    """Compiled templates in this process's memory (never on disk), by template and source checksum."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self.compiled.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)  # (checked against the source's checksum by Jinja)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


class _Markdown:
    """One Markdown instance for a build's document pages, made at the first page, reset before each
    (Python-Markdown's way to convert many documents; building one took a third of a page's time)."""

    def __init__(self, config: MkDocsConfig) -> None:
        self.config = config
        self.md: Any = None  # markdown.Markdown

    def get(self) -> Any:
        if self.md is None:
            markdown = importlib.import_module("markdown")  # (MkDocs' dependency; no type stubs here)

            self.md = markdown.Markdown(extensions=self.config["markdown_extensions"],
                                        extension_configs=self.config["mdx_configs"] or {})
        return self.md.reset()


class _DocumentPage(MkPage):
    """A document's page: MkDocs' Page, with the Markdown instance of `_Markdown` (MkDocs' own
    processors, made for this page, replace the last page's by name)."""

    def __init__(self, file: File, config: MkDocsConfig, renderer: _Markdown) -> None:
        super().__init__(None, file, config)
        self._renderer = renderer

    def render(self, config: MkDocsConfig, files: Files) -> None:
        from mkdocs.structure.pages import (_ExtractAnchorsTreeprocessor, _ExtractTitleTreeprocessor,
                                            _RawHTMLPreprocessor, _RelativePathTreeprocessor)

        if self.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md = self._renderer.get()
        raw_html = _RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = _ExtractAnchorsTreeprocessor(self.file, files, config)
        anchors._register(md)
        relative = _RelativePathTreeprocessor(self.file, files, config)
        relative._register(md)
        title = _ExtractTitleTreeprocessor()
        if "title" in self.meta:  # (the page's title: the heading 1 would be read and never used)
            md.treeprocessors.deregister("mkdocs_extract_title", strict=False)
        else:
            title._register(md)
        self.content = md.convert(self.markdown)
        self.toc = get_toc(getattr(md, "toc_tokens", []))
        self._title_from_render = title.title
        self.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:  # as MkDocs
            self.links_to_anchors = relative.links_to_anchors


class _Unchanged(File):
    """A generated page with the same content as in the last build of this `serve`: MkDocs' dirty
    build neither reads nor writes it, and its page from the last build stays."""

    def is_modified(self) -> bool:
        return False


def _theme_files_without_hidden_folders(config: MkDocsConfig) -> None:
    """MkDocs finds the theme's static files by listing every file of the theme's folders, and leaves
    out whatever lies in a hidden folder ('.*', '*/.*'): Material's `.icons` alone holds some 14,500
    files, walked on every build (~0.04 s) for its ~40 static files. The build's Jinja environment gets
    a loader that does not walk hidden folders, so the list is the same and walked in a millisecond;
    templates load as before."""
    theme = config.theme
    if "get_env" in vars(theme):
        return
    make = theme.get_env

    def get_env() -> Any:
        env = make()
        if type(env.loader) is FileSystemLoader:
            env.loader = _ThemeLoader(env.loader.searchpath, env.loader.encoding, env.loader.followlinks)
        return env

    theme.get_env = get_env  # type: ignore[method-assign]


class _ThemeLoader(FileSystemLoader):
    def list_templates(self) -> list[str]:
        """FileSystemLoader's list, without the files of hidden folders (Jinja's own walk otherwise)."""
        found = set()
        for searchpath in self.searchpath:
            for dirpath, dirnames, filenames in os.walk(searchpath, followlinks=self.followlinks):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for filename in filenames:
                    template = os.path.join(dirpath, filename)[len(searchpath):].strip(os.path.sep).replace(os.path.sep, "/")
                    if template[:2] == "./":
                        template = template[2:]
                    found.add(template)
        return sorted(found)


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")).hexdigest()


def _config_text(config: MkDocsConfig) -> str:
    """mkdocs.yml as written, and the theme's custom folder's files with their times: a change to either
    changes every page."""
    parts = []
    for path in [config.config_file_path or "", str(config.theme.custom_dir or "")]:
        target = Path(path) if path else None
        if target is not None and target.is_file():
            parts.append(target.read_text(encoding="utf-8", errors="replace"))
        elif target is not None and target.is_dir():
            parts.extend(f"{p}:{p.stat().st_mtime_ns}" for p in sorted(target.rglob("*")) if p.is_file())
    return "\0".join(parts)


def _complete_search_index(site_dir: Path, last: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """After a rebuild of some pages, the search index of the whole site: each page's entries from the
    build that last rendered it (a page's entries are one run in the index; of two runs for one page
    the later is the newer), the pages not rendered this time from the last index."""
    path = site_dir / "search" / "search_index.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        docs = data["docs"]
    except (OSError, ValueError, KeyError, TypeError):
        return last
    runs: dict[str, list[dict[str, Any]]] = {}
    previous: str | None = None
    for entry in docs:
        page = str(entry.get("location", "")).split("#", 1)[0]
        if page != previous:
            runs[page] = []  # a later run of the same page replaces the earlier one
            previous = page
        runs[page].append(entry)
    for entry in last or []:
        page = str(entry.get("location", "")).split("#", 1)[0]
        if page not in runs:
            runs.setdefault(f"\0{page}", []).append(entry)
    merged = [entry for run in runs.values() for entry in run]
    if merged != docs:
        data["docs"] = merged
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":"), default=str), encoding="utf-8")
        tmp.replace(path)
    return merged


def _refuse_unapproved_inputs(cat: Any, root: Path, config: MkDocsConfig) -> None:
    from sms_docs.errors import Refused
    from sms_docs.site import inputs

    config_file = Path(config.config_file_path).resolve() if config.config_file_path else None
    found = inputs.problems(cat, root, config_file, config)
    if found:
        raise Refused("the site's inputs are not approved: " + "; ".join(found),
                      hint="approve them (sms-docs approve mkdocs.yml ...), or preview with --drafts")


def _worktree(cat: Any) -> list[Any]:
    from sms_docs.checks import scan_worktree

    tree = scan_worktree(cat.root, cat.settings, cat.schemas, use_cache=False)  # the check cache keeps no bodies
    for finding in tree.findings:
        if finding.severity.value == "error" and finding.code in ("yaml-error", "front-matter-missing", "file-too-large"):
            log.warning(f"sms-docs: {finding.path}:{finding.line or 1}: {finding.message} (not previewed)")
    return list(tree.documents)


def _replace(files: Files, file: File) -> None:
    existing = files.get_file_from_path(file.src_uri)
    if existing is not None:
        log.warning(f"sms-docs: {existing.src_uri} in docs_dir is replaced by the generated page of the same name")
        files.remove(existing)
    files.append(file)


def _links(src: str, markdown: str, files: Files) -> list[tuple[str, str | None]]:
    """Where each relative link of the page leads now: part of the cache key."""
    out: list[tuple[str, str | None]] = []
    base_dir = posixpath.dirname(src)
    for m in _LINK_TARGET.finditer(markdown):
        target = (m.group(1) or m.group(2) or "").split("#", 1)[0]
        if not target or ":" in target or target.startswith("/"):
            continue
        found = files.get_file_from_path(posixpath.normpath(posixpath.join(base_dir, target)))
        out.append((target, found.url if found else None))
    return out


def _token(anchor: AnchorLink) -> dict[str, Any]:
    return {"level": anchor.level, "id": anchor.id, "name": anchor.title,
            "children": [_token(child) for child in anchor.children]}


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "sms-docs"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = ""
    return out


def _external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _index_as_script(site_dir: Path) -> None:
    """The search index as a script, `search/search_index.js`, for pages opened from disk: browsers
    let a file:// page load a script, never fetch a JSON file (Material reads `__index` there)."""
    index = site_dir / "search" / "search_index.json"
    if not index.is_file():
        return
    target = index.with_name("search_index.js")
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text("var __index = " + index.read_text(encoding="utf-8"), encoding="utf-8")
    tmp.replace(target)


def _theme_name(config: MkDocsConfig) -> str:
    return str(getattr(config.theme, "name", "") or "")


