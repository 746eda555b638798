"""The parts of Material's page frame that are the same on every document page, rendered once.

Material renders its whole frame for every page: the navigation, the search box, the footer, the
JavaScript configuration, the stylesheet and script tags. A page the navigation does not list (every
document page: MkDocs' `not_in_nav`), with no previous or next page, gets the same parts as every
other such page, but for its relative links: in the stock templates those parts read the page only
to mark the navigation's active item (none here), to show a previous and next link (none here) and
through MkDocs' `url` and `script_tag` filters and `base_url`. On 1,000 document pages they were
about half of the time Material takes to render the pages.

So each such part is rendered once per `base_url` and kept with every call its rendering made to a
filter that reads the page (`pass_context` filters: `url`, `script_tag`, and any another plugin
adds); a later page reuses it when each of those calls gives the same result for that page (the
same relative links), and renders it itself otherwise. Only Material's own templates are treated
so, and none when the theme's `custom_dir` replaces a partial or `base.html` (a replaced partial
could read anything); any other page (the listings, the user's pages) is rendered as always.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TYPE_CHECKING

import jinja2
from jinja2.utils import _PassArg

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from jinja2.runtime import Context
    from mkdocs.config.defaults import MkDocsConfig

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
        if stock is None:
            return False
        if any(_PassArg.from_obj(f) is _PassArg.context for name, f in env.globals.items()
               if callable(f) and name not in _GETTEXT):
            return False  # a global function that may read the page: its calls could not be checked
        for name, func in list(env.filters.items()):
            if _PassArg.from_obj(func) is _PassArg.context:
                self.filters[name] = func
                env.filters[name] = self._recorder(name, func)
        try:
            base = env.get_template("base.html")
            templates = {name: env.get_template(name) for name in INCLUDES}
        except jinja2.TemplateError:
            return False
        if not _within(base.filename, stock):
            return False
        for name in BLOCKS:
            render = base.blocks.get(name)
            if render is not None:
                base.blocks[name] = self._shared(f"block {name}", render)
        for name, template in templates.items():
            if _within(template.filename, stock):
                template.root_render_func = self._shared(name, template.root_render_func)  # type: ignore[method-assign]
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
                if all(self.filters[f](context, *args, **kwargs) == out for f, args, kwargs, out in part.calls):
                    self.hits += 1
                    if self._recording:  # inside another part being recorded: it depends on these calls too
                        self._recording[-1].extend(part.calls)
                    yield part.html
                    return
            self.misses += 1
            self._recording.append([])
            try:
                html = "".join(render(context))
            finally:
                calls = self._recording.pop()
            if self._recording:  # a part inside another being recorded: the outer one made these calls too
                self._recording[-1].extend(calls)
            known.append(_Recorded(calls, html))
            yield html

        return shared


def _stock_templates(config: MkDocsConfig) -> Path | None:
    """Material's own templates folder, when the theme is Material and its custom_dir (if any) replaces
    neither base.html nor any partial; else None."""
    if str(getattr(config.theme, "name", "") or "") != "material":
        return None
    try:
        import material
    except ImportError:
        return None
    custom = getattr(config.theme, "custom_dir", None)
    if custom:
        root = Path(custom)
        if (root / "base.html").exists() or (root / "partials").exists():
            return None
    return Path(material.__file__).resolve().parent / "templates"


def _within(filename: str | None, folder: Path) -> bool:
    if not filename:
        return False
    try:
        Path(filename).resolve().relative_to(folder)
    except ValueError:
        return False
    return True
