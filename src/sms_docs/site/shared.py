"""Material's page frame rendered once for the document pages that share it, not once per page.

Material renders its whole frame for every page: the navigation, the search box, the footer, the
JavaScript configuration, the stylesheet and script tags. A page the navigation does not list (every
document page: MkDocs' `not_in_nav`), with no previous or next page, gets the same parts as every
other such page, but for its relative links: in the stock templates those parts read the page only
to mark the navigation's active item (none here), to show a previous and next link (none here) and
through MkDocs' `url` and `script_tag` filters and `base_url`. On 1,000 document pages they were
about half of the time Material takes to render the pages.

`SharedParts` renders each such part once per `base_url` and keeps every call its rendering made to
a filter that reads the page (`pass_context` filters: `url`, `script_tag`, and any another plugin
adds); a later page reuses it when each of those calls gives the same result for that page (the
same relative links), and renders it itself otherwise. `PageShells` goes further: one rendering of
the whole page per kind of document page, with markers for the title and the content and slots for
the parts that differ (see its docstring), each page checked against what the shell was made from.

Only Material's own templates are treated so, and none when the theme's `custom_dir` replaces a
partial or `base.html` (a replaced partial could read anything); any other page (the listings, the
user's pages) is rendered as always. The pages are the same, byte for byte, either way
(tests/test_site_shells.py).
"""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path
from typing import Any, TYPE_CHECKING

import jinja2


def _reads_context(func: Any) -> bool:
    """Whether Jinja passes the template context to this filter or function (`@pass_context`)."""
    return getattr(getattr(func, "jinja_pass_arg", None), "name", None) == "context"

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from jinja2.runtime import Context
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.plugins.sms-docs")

# Partials of the stock theme that do not depend on a page outside the navigation but through links.
INCLUDES = ("partials/nav.html", "partials/search.html", "partials/javascripts/base.html")
# Blocks of the stock base.html likewise (footer: the previous and next page only, and there are none).
BLOCKS = ("styles", "libs", "fonts", "analytics", "footer", "config", "scripts")

# Jinja's i18n functions (MkDocs installs them): they read the context only for its autoescaping.
_GETTEXT = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


class _Recorded:
    __slots__ = ("calls", "html")

    def __init__(self, calls: list[tuple[str, tuple[Any, ...], dict[str, Any], Any]], html: str) -> None:
        self.calls = calls
        self.html = html


class SharedParts:
    """Installed on a build's Jinja environment (`install`); `pages` holds the ids of the Page objects
    that may share parts (document pages outside the navigation, set by the plugin)."""

    def __init__(self) -> None:
        self.pages: set[int] = set()
        self.parts: dict[tuple[str, str], list[_Recorded]] = {}
        self.filters: dict[str, Callable[..., Any]] = {}
        self._recording: list[list[tuple[str, tuple[Any, ...], dict[str, Any], Any]]] = []
        self.hits = 0
        self.misses = 0

    def install(self, env: jinja2.Environment, config: MkDocsConfig) -> bool:
        """Wraps the stock parts of `env`'s templates; False (and nothing changed) when the theme is not
        stock Material or another plugin added something to the environment that reads the page."""
        stock = _stock_templates(config)
        if stock is None or not hasattr(jinja2, "pass_context"):  # (Jinja 2: nothing is shared)
            return False
        if any(_reads_context(f) for name, f in env.globals.items()
               if callable(f) and name not in _GETTEXT):
            return False  # a global function that may read the page: its calls could not be checked
        try:
            base = env.get_template("base.html")
            templates = {name: env.get_template(name) for name in INCLUDES}
        except jinja2.TemplateError:
            return False
        if not _within(base.filename, stock):
            return False
        for name, func in list(env.filters.items()):
            if _reads_context(func) and func is not jinja2.filters.FILTERS.get(name):  # (Jinja's own `map`,
                # `select` and the like read the context only to apply other filters and tests)
                self.filters[name] = func
                env.filters[name] = self._recorder(name, func)
        for name in BLOCKS:
            render = base.blocks.get(name)
            if render is not None:
                base.blocks[name] = self._shared(f"block {name}", render)
        for name, template in templates.items():
            if _within(template.filename, stock):
                template.root_render_func = self._shared(name, template.root_render_func)
        return True

    def _recorder(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        recording = self._recording

        @jinja2.pass_context
        def recorded(context: Context, *args: Any, **kwargs: Any) -> Any:
            out = func(context, *args, **kwargs)
            if recording:
                recording[-1].append((name, args, kwargs, out))
            return out

        return recorded

    def _shared(self, name: str, render: Callable[[Context], Iterator[str]]) -> Callable[[Context], Iterator[str]]:
        def shared(context: Context) -> Iterator[str]:
            page = context.get("page")
            if page is None or id(page) not in self.pages:
                yield from render(context)
                return
            known = self.parts.setdefault((name, str(context.get("base_url"))), [])
            for part in known:
                if self.same_calls(context, part.calls):
                    self.hits += 1
                    if self._recording:  # inside another part being recorded: it depends on these calls too
                        self._recording[-1].extend(part.calls)
                    yield part.html
                    return
            self.misses += 1
            html, calls = self.recorded(lambda: "".join(render(context)))
            known.append(_Recorded(calls, html))
            yield html

        return shared

    def recorded(self, render: Callable[[], str]) -> tuple[str, list[tuple[str, tuple[Any, ...], dict[str, Any], Any]]]:
        """`render()`, with the calls it made to filters that read the page."""
        self._recording.append([])
        try:
            html = render()
        finally:
            calls = self._recording.pop()
        if self._recording:  # inside another part being recorded: the outer one made these calls too
            self._recording[-1].extend(calls)
        return html, _once(calls)

    def same_calls(self, context: Any, calls: list[tuple[str, tuple[Any, ...], dict[str, Any], Any]]) -> bool:
        """Whether each recorded call gives the same result in `context` (another page's)."""
        filters = self.filters
        return all(filters[f](context, *args, **kwargs) == out for f, args, kwargs, out in calls)


def _once(calls: list[tuple[str, tuple[Any, ...], dict[str, Any], Any]]) -> list[tuple[str, tuple[Any, ...], dict[str, Any], Any]]:
    """The calls without repeats (a page links to the same asset, the same page several times)."""
    seen: set[Any] = set()
    out = []
    for call in calls:
        try:
            key = (call[0], call[1], tuple(sorted(call[2].items())), call[3])
            if key in seen:
                continue
            seen.add(key)
        except TypeError:  # unhashable arguments: kept, checked again
            pass
        out.append(call)
    return out


def _stock_templates(config: MkDocsConfig) -> Path | None:
    """Material's own templates folder, when the theme is Material and its custom_dir (if any) replaces
    neither base.html nor any partial; else None."""
    if str(getattr(config.theme, "name", "") or "") != "material":
        return None
    from mkdocs.utils import get_theme_dir

    try:
        stock = Path(get_theme_dir("material")).resolve()
    except (KeyError, OSError):
        return None
    custom = getattr(config.theme, "custom_dir", None)
    if custom:
        root = Path(custom)
        if (root / "base.html").exists() or (root / "partials").exists():
            return None
    return stock


def _within(filename: str | None, folder: Path) -> bool:
    if not filename:
        return False
    try:
        Path(filename).resolve().relative_to(folder)
    except ValueError:
        return False
    return True


# --- whole document pages from one shell ---------------------------------------------------------

_TOKEN = "sms-docs-shell-5e2b"
_TITLE = f"\x02{_TOKEN}-title&<>\"'\x03"  # escaping, stripping or cutting it would leave the token apart
_CONTENT = f"\x02{_TOKEN}-content\x03"
_CONTENT_H1 = f"\x02{_TOKEN}-content<h1>\x03"  # for pages whose content has a heading 1 (Material tests it)
_SKIP = f"{_TOKEN}-skip"
_FORMS = re.compile("\x02" + re.escape(_TOKEN) + r"-(title&<>\"'|content|content<h1>|slot-\d+)\x03|#" + re.escape(_SKIP))
# Parts of the stock templates rendered for each page itself, in a context of its own (the page's
# metadata block: canonical URL, description; its table of contents).
SLOT_INCLUDES = ("partials/toc.html",)
SLOT_BLOCKS = ("site_meta",)
# What a shell stands in for: replaced by the page's own value (its title, content, table of contents).
_STANDS_IN = frozenset({"title", "meta", "content", "toc"})
_VERIFY = 2  # pages of each shell rendered in full too, and compared
# Context values that are not compared: the page, and the time MkDocs reads for each page it renders
# (the build's time, moments apart; the shell's moment is as much the build's as any page's).
_PER_RENDER = frozenset({"page", "build_date_utc"})


class _Shell:
    def __init__(self, context: dict[str, Any], calls: list[Any], reads: dict[str, Any],
                 parts: list[tuple[str, Any]]) -> None:
        self.context = context  # the template context but the page
        self.calls = calls  # filter calls outside the slots
        self.reads = reads  # page attributes read outside the slots, with their values
        self.parts = parts  # ("text", str) | ("title"|"content"|"skip", None) | ("slot", (render, context))
        self.verified = 0


class PageShells:
    """A document page's whole HTML from a shell made once per kind of page: the theme's `main.html`
    rendered for a stand-in of the page whose title, content and table of contents are markers,
    with its per-page parts (`SLOT_INCLUDES`, `SLOT_BLOCKS`) left as slots. Each page then gets the
    shell with its own title and content put in for the markers and its slots rendered for it.

    A shell is used for a page only when everything else it was made from is the same for that page:
    the template context, the result of every filter call that reads the page, every attribute of
    the page read outside the slots. Every marker must stand in the shell as it was given (no filter
    changed it), and the first `_VERIFY` pages of each shell are also rendered in full and must come
    out identical, else that kind of page is rendered in full as before."""

    def __init__(self, shared: SharedParts, env: jinja2.Environment) -> None:
        self.shared = shared
        self.env = env
        self.shells: dict[Any, _Shell | None] = {}
        self.made = 0
        self.used = 0
        self._slots: list[tuple[Callable[[Context], Iterator[str]], Context, dict[str, Any], set[str]]] | None = None
        self._standin: Any = None
        self._reads: dict[str, Any] = {}
        self._main: jinja2.Template | None = None

    def install(self, config: MkDocsConfig) -> bool:
        stock = _stock_templates(config)
        if stock is None or not self.shared.filters:
            return False
        try:
            main = self.env.get_template("main.html")
            base = self.env.get_template("base.html")
            slots = {name: self.env.get_template(name) for name in SLOT_INCLUDES}
        except jinja2.TemplateError:
            return False
        if not all(_within(t.filename, stock) for t in (main, base, *slots.values())):
            return False
        for name in SLOT_BLOCKS:
            if name not in base.blocks:
                return False
            base.blocks[name] = self._slot(base.blocks[name])
        for template in slots.values():
            template.root_render_func = self._slot(template.root_render_func)
        self._main = main
        full = main.render
        main.render = lambda *args, **kwargs: self._render(full, *args, **kwargs)  # type: ignore[method-assign]
        return True

    def _slot(self, render: Callable[[Context], Iterator[str]]) -> Callable[[Context], Iterator[str]]:
        def slot(context: Context) -> Iterator[str]:
            if self._slots is None:
                yield from render(context)
                return
            # (the context as the slot finds it: the template sets more variables after it)
            self._slots.append((render, context, dict(context.vars), set(context.exported_vars)))
            yield f"\x02{_TOKEN}-slot-{len(self._slots) - 1}\x03"

        return slot

    def _render(self, full: Callable[..., str], *args: Any, **kwargs: Any) -> str:
        context = dict(*args, **kwargs)
        page = context.get("page")
        if page is None or id(page) not in self.shared.pages or page.content is None or not isinstance(page.meta, dict) \
                or "title" not in page.meta:
            return full(context)
        meta = {k: v for k, v in page.meta.items() if k != "title"}
        first = next(iter(page.toc or ()), None)
        key = (repr(sorted(meta.items())), str(context.get("base_url")), "<h1" in page.content,
               None if first is None else first.level)
        if key not in self.shells:
            try:
                self.shells[key] = self._make(full, context, page)
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, the page is rendered in full
                log.debug(f"sms-docs: no page shell: {exc!r}")
                self.shells[key] = None
            self.made += self.shells[key] is not None
        shell = self.shells[key]
        if shell is None:  # this kind of page is not made from a shell
            return full(context)
        made = self._fill(shell, context, page)
        if made is None:  # something the shell was made from is not the same for this page
            return full(context)
        if shell.verified < _VERIFY:
            html = full(context)
            if made != html:
                log.debug(f"sms-docs: the page shell made another {page.file.src_uri} than the theme: pages like it "
                          "are rendered in full")
                self.shells[key] = None
            else:
                shell.verified += 1
            return html
        self.used += 1
        return made

    def _make(self, full: Callable[..., str], context: dict[str, Any], page: Any) -> _Shell | None:
        from mkdocs.structure.toc import get_toc

        standin = copy.copy(page)
        standin.meta = {**page.meta, "title": _TITLE}
        standin.content = _CONTENT_H1 if "<h1" in page.content else _CONTENT
        first = next(iter(page.toc or ()), None)
        standin.toc = get_toc([] if first is None else [{"level": first.level, "id": _SKIP, "name": _SKIP, "children": []}])
        rendering = {**context, "page": standin}
        self._slots, self._standin, self._reads = [], standin, {}
        env = self.env
        env.getattr = self._getattr  # type: ignore[method-assign]
        env.getitem = self._getitem  # type: ignore[method-assign]
        try:
            html, calls = self.shared.recorded(lambda: full(rendering))
            slots, reads = self._slots, self._reads
        finally:
            self._slots, self._standin, self._reads = None, None, {}
            del env.getattr, env.getitem
        parts: list[tuple[str, Any]] = []
        pos = 0
        found = 0
        for m in _FORMS.finditer(html):
            found += 1
            parts.append(("text", html[pos:m.start()]))
            what = m.group(1)
            if what is None:
                parts.append(("skip", None))
            elif what.startswith("slot-"):
                parts.append(("slot", slots[int(what[5:])]))
            else:
                parts.append(("title" if what.startswith("title") else "content", None))
            pos = m.end()
        parts.append(("text", html[pos:]))
        if html.count(_TOKEN) != found or "\x02" in html.replace(f"\x02{_TOKEN}", ""):
            return None  # a marker changed on its way (escaped, stripped, cut): not a shell
        rest = {k: v for k, v in context.items() if k not in _PER_RENDER}
        return _Shell(rest, calls, {k: v for k, v in reads.items() if k not in _STANDS_IN}, parts)

    def _getattr(self, obj: Any, attribute: str) -> Any:
        value = jinja2.Environment.getattr(self.env, obj, attribute)
        if obj is self._standin and self._slots is not None:
            self._reads.setdefault(attribute, value)
        return value

    def _getitem(self, obj: Any, argument: Any) -> Any:
        value = jinja2.Environment.getitem(self.env, obj, argument)
        if obj is self._standin and self._slots is not None:
            self._reads.setdefault(str(argument), value)
        return value

    def _fill(self, shell: _Shell, context: dict[str, Any], page: Any) -> str | None:
        # (`is` first: the context's values are mostly the very objects the shell saw, and comparing
        # the configuration, a Mapping, by value copies it, eight times a page.)
        if len(context) != len(shell.context) + len(_PER_RENDER) or any(
                not _same(context.get(k, _MISSING), v) for k, v in shell.context.items()):
            return None
        if any(not _same(getattr(page, k, _MISSING), v) for k, v in shell.reads.items()):
            return None
        if shell.calls and not self.shared.same_calls(self._main.new_context(context) if self._main else context, shell.calls):
            return None
        title = str(page.meta["title"])
        out = []
        for kind, value in shell.parts:
            if kind == "text":
                out.append(value)
            elif kind == "title":
                out.append(title)
            elif kind == "content":
                out.append(str(page.content))
            elif kind == "skip":
                out.append(next(iter(page.toc)).url)
            else:
                render, saved, variables, exported = value
                own = copy.copy(saved)
                own.parent = {**saved.parent, "page": page}
                own.vars = dict(variables)
                own.exported_vars = set(exported)
                html = "".join(render(own))
                if _TOKEN in html:
                    return None
                out.append(html)
        return "".join(out)


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    return a is b or a == b
