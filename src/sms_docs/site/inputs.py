"""The site's own inputs are controlled like the configuration (SPEC section 4): `mkdocs.yml`, and
everything under `site-src/` and `overrides/` (pages, theme overrides, hooks, stylesheets). A build
that publishes uses them only when each is the approved revision on the main line, and only when
`mkdocs.yml` takes nothing from anywhere else; otherwise it refuses, naming what is not approved.
`--drafts` previews are marked DRAFT on every page and skip this.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sms_docs import config as config_mod

if TYPE_CHECKING:
    from sms_docs.catalog import Catalog


def _blob_id(data: bytes) -> str:
    """git's object id of a blob with this content (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _controlled(rel: str) -> bool:
    return rel == config_mod.SITE_FILE or rel.startswith(config_mod.SITE_FOLDERS)


def _files(root: Path) -> dict[str, Path]:
    """The site inputs in the working tree, by repository path (links included: they are refused)."""
    out: dict[str, Path] = {}
    if (root / config_mod.SITE_FILE).exists() or (root / config_mod.SITE_FILE).is_symlink():
        out[config_mod.SITE_FILE] = root / config_mod.SITE_FILE
    for folder in config_mod.SITE_FOLDERS:
        base = root / folder.rstrip("/")
        if base.is_symlink():
            out[folder.rstrip("/")] = base
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
                path = Path(dirpath) / name
                out[path.relative_to(root).as_posix()] = path
    return out


SNIPPETS = "pymdownx.snippets"


def _extensions(listed: Any, configs: Any = None) -> dict[str, Any]:
    """Markdown extensions by name with their options, from mkdocs.yml's `markdown_extensions` (a
    list of names and one-key mappings) or from MkDocs' loaded config (names and `mdx_configs`)."""
    out: dict[str, Any] = {}
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, str):
            out[item] = (configs or {}).get(item) or {}
        elif isinstance(item, dict):
            out.update({str(k): v if isinstance(v, dict) else {} for k, v in item.items()})
    return out


def _snippets(base: Path, extensions: dict[str, Any]) -> tuple[list[tuple[str, Path]], list[str]]:
    """`pymdownx.snippets` pastes files into pages at build time (`--8<-- "file"` in a body): its
    folders (`base_path`, the whole checkout by default) are inputs like the theme's; and it must
    never fetch from the web (`url_download`)."""
    options = extensions.get(SNIPPETS)
    if options is None:
        return [], []
    paths = options.get("base_path", ["."])
    paths = [paths] if isinstance(paths, str) else paths if isinstance(paths, list) else ["."]
    found = [(f"markdown_extensions {SNIPPETS} base_path", base / str(p)) for p in paths]
    said = [f"mkdocs.yml markdown_extensions {SNIPPETS} url_download would paste text from the web into pages"] \
        if options.get("url_download") else []
    return found, said


def referenced(root: Path, config_file: Path, cfg: Any | None = None) -> list[tuple[str, Path]]:
    """What mkdocs.yml makes MkDocs read besides itself: docs_dir, the theme's custom_dir, hooks,
    the folders `pymdownx.snippets` pastes from."""
    return _read(root, config_file, cfg)[0]


def _read(root: Path, config_file: Path, cfg: Any | None = None) -> tuple[list[tuple[str, Path]], list[str]]:
    found: list[tuple[str, Path]] = []
    if cfg is not None:
        found.append(("docs_dir", Path(cfg["docs_dir"])))
        custom = getattr(cfg["theme"], "custom_dir", None)
        if custom:
            found.append(("theme.custom_dir", Path(custom)))
        for name in (cfg.get("hooks") or {}):
            found.append(("hooks", Path(name)))
        pasted, said = _snippets(config_file.parent, _extensions(cfg.get("markdown_extensions"), cfg.get("mdx_configs")))
        return found + pasted, said
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # !ENV, !relative, python tags: ignored
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return found, []
    if not isinstance(data, dict):
        return found, []
    base = config_file.parent
    if data.get("INHERIT"):
        found.append(("INHERIT", base / str(data["INHERIT"])))
    for hook in data.get("hooks") or []:
        found.append(("hooks", base / str(hook)))
    theme = data.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        found.append(("theme.custom_dir", base / str(theme["custom_dir"])))
    pasted, said = _snippets(base, _extensions(data.get("markdown_extensions")))
    return found + pasted, said


def problems(cat: Catalog, root: Path, config_file: Path | None, cfg: Any | None = None) -> list[str]:
    """Why the site's inputs cannot be published from, or [] when every one is approved."""
    out: list[str] = []
    root = root.resolve()
    if config_file is not None and config_file.parent.resolve() == root:
        found, said = _read(root, config_file, cfg)
        out.extend(said)
        for what, path in found:
            try:
                rel = path.resolve().relative_to(root).as_posix()
            except ValueError:
                out.append(f"mkdocs.yml {what} {path} is outside the repository")
                continue
            if not _controlled(rel) and not _controlled(rel + "/"):
                out.append(f"mkdocs.yml {what} {rel} is not a controlled site input (keep them in "
                           f"{', '.join(config_mod.SITE_FOLDERS)})")
    for rel, path in sorted(_files(root).items()):
        if path.is_symlink():
            out.append(f"{rel} is a symbolic link")
            continue
        fh = cat.configs.get(rel)
        approved = [r for r in fh.revisions if r.number is not None] if fh else []
        if not approved or approved[-1].deleted:
            out.append(f"{rel} has never been approved")
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.append(f"{rel} cannot be read: {exc.strerror}")
            continue
        if _blob_id(data) != approved[-1].blob:
            out.append(f"{rel} differs from its approved revision {approved[-1].number}")
    return out
