"""build, serve, demo: the published site and the demonstration repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sms_docs.cli import Options, common, emit_json
from sms_docs.cli.reporting import Reporters, report

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sms_docs.actions.demo import Made
    from sms_docs.site.runner import Built

AUDIENCE_CHOICE = click.Choice(["public", "internal", "confidential", "restricted"])


def _print_built(built: Built) -> None:
    for message in built.warnings:
        click.secho(f"warning: {message}", fg="yellow", err=True)
    try:
        where = built.site_dir.relative_to(Path.cwd())
    except ValueError:
        where = built.site_dir
    mode = "drafts preview of the working tree" if built.drafts else "effective revisions from git"
    click.echo(f"Built the site in {where}/ in {built.seconds:.1f} s: {len(built.documents)} documents "
               f"({mode}), audience {built.audience}"
               + (f", {len(built.withheld)} classified above it left out" if built.withheld else "") + ".")


# --- build ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildView:
    """The site `build` made, the repository it read, and whether the site is for opening from disk."""

    built: Built
    root: Path
    offline: bool


def _build_text(view: BuildView) -> None:
    _print_built(view.built)
    if view.offline:
        click.echo(f"Open {view.built.site_dir / 'index.html'} in a browser, or zip the folder and hand it over.")
    else:
        click.echo(f"Serve it with `sms-docs serve -C {view.root}` or `python -m http.server -d {view.built.site_dir}`.")


def _build_json(view: BuildView) -> None:
    emit_json(view.built.to_json())


BUILD_REPORTERS: Reporters[BuildView] = {"text": _build_text, "json": _build_json}


@click.command()
@click.option("--site-dir", "-d", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site (default: site_dir of mkdocs.yml, `site`).")
@click.option("--audience", type=AUDIENCE_CHOICE, default=None,
              help="Publish documents classified up to this level (default: mkdocs.yml's, else internal).")
@click.option("--drafts", is_flag=True, help="Preview the working tree, every page marked DRAFT.")
@click.option("--strict", is_flag=True, help="Warnings (broken links, unreadable revisions) fail the build.")
@click.option("--no-cache", is_flag=True, help="Render every page again (the cache lives under .git/sms-docs/).")
@click.option("--offline", is_flag=True,
              help="A site that works opened from disk or from a zip (file://): pages as name.html, search without a server.")
@common(BUILD_REPORTERS)
def build(opts: Options, site_dir: Path | None, audience: str | None, drafts: bool, strict: bool, no_cache: bool,
          offline: bool) -> None:
    """Build the published site: each document's effective revision, read from git.

    Runs MkDocs on the repository's mkdocs.yml with the sms-docs plugin (plain `mkdocs build`
    makes the same site). Documents never approved are absent; documents classified above the
    audience appear nowhere (pages, search, register, feed, sitemap).

    \b
    Examples:
      sms-docs build
      sms-docs build --audience public --site-dir public-site
      sms-docs build --drafts            # preview unapproved edits, marked DRAFT
      sms-docs build --as-of 2026-06-30  # the site as it stood on that day
      sms-docs build --offline --site-dir audit-site   # open audit-site/index.html from disk, or zip it

    The site makes no request outside itself (the theme's web fonts are off) unless the plugin's
    `external_assets: true` is set in mkdocs.yml.
    """
    from sms_docs.site import runner

    root = opts.root()
    progress = _progress()
    built = runner.build(root, site_dir=site_dir, audience=audience, drafts=drafts, ref=opts.ref,
                         as_of=opts.as_of, strict=strict, cache=False if no_cache else None, offline=offline,
                         progress=progress)
    report(opts, BUILD_REPORTERS, BuildView(built, root, offline))


def _progress() -> Callable[[int, int], None] | None:
    """On a terminal, the build says what it is doing (on stderr, one line rewritten in place); in a
    pipe, a log or CI it prints nothing extra. (The real stderr: the one sms-docs prints through shows
    a carriage return escaped, as it would from a file.)"""
    import sys
    import time

    stream = sys.__stderr__
    if stream is None or not stream.isatty():
        return None
    stream.write("Reading the history and the documents ...\n")
    stream.flush()
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.2:
            return
        last[0] = now
        stream.write(f"\rWriting pages: {done}/{total}" + ("\n" if done >= total else ""))
        stream.flush()

    return show


@click.command()
@click.option("--dev-addr", "-a", default=None, metavar="IP:PORT", help="Address to serve on (default 127.0.0.1:8000).")
@click.option("--audience", type=AUDIENCE_CHOICE, default=None, help="Publish documents classified up to this level.")
@click.option("--drafts", is_flag=True, help="Preview the working tree, every page marked DRAFT.")
@click.option("--no-livereload", is_flag=True, help="Do not reload pages in the browser when the site is rebuilt.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@common()
def serve(opts: Options, dev_addr: str | None, audience: str | None, drafts: bool, no_livereload: bool,
          open_browser: bool) -> None:
    """Serve the published site locally, rebuilding it when the main line moves.

    With --drafts it also rebuilds when a document in the working tree is saved.

    \b
    Examples:
      sms-docs serve
      sms-docs serve --drafts
      sms-docs serve -C my-sms --dev-addr 127.0.0.1:8080
    """
    from sms_docs.site import runner

    root = opts.root()
    click.echo(f"Serving the site of {root} (Ctrl+C to stop).", err=True)
    runner.serve(root, dev_addr=dev_addr, audience=audience, drafts=drafts, ref=opts.ref,
                 livereload=not no_livereload, open_browser=open_browser)


# --- demo ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoView:
    """The demonstration repository `demo` made, and its site (None with --no-build)."""

    made: Made
    built: Built | None


def _demo_text(view: DemoView) -> None:
    made, built = view.made, view.built
    prog = _program()
    click.echo(f"Created a demonstration repository in {made.root}: {made.commits} commits from "
               f"{made.start} to {made.end}, {made.documents} documents, {made.records} records.")
    if built is not None:
        _print_built(built)
        click.echo("")
        click.echo("Look at it:")
        click.echo(f"  {prog} serve -C {made.root}          # http://127.0.0.1:8000/")
        click.echo(f"  python3 -m http.server -d {built.site_dir}")
    click.echo("Then try:")
    for line in (f"{prog} status -C {made.root}", f"{prog} audit -C {made.root}",
                 f"{prog} history -C {made.root} POL-001"):
        click.echo(f"  {line}")


def _demo_json(view: DemoView) -> None:
    data = view.made.to_json()
    data["site"] = view.built.to_json() if view.built else None
    emit_json(data)


def _say_on_stderr(line: str) -> None:
    click.echo(line, err=True)


DEMO_REPORTERS: Reporters[DemoView] = {"text": _demo_text, "json": _demo_json}
# What the demo says while it tells its story, per format: JSON output stays one document.
DEMO_PROGRESS: Mapping[str, Callable[[str], None] | None] = {"text": _say_on_stderr, "json": None}


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-build", is_flag=True, help="Create the repository only; do not build its site.")
@click.option("--org", "organisation", default="Harbourline Services Ltd", show_default=True,
              help="The fictional provider's name.")
@common(DEMO_REPORTERS)
def demo(opts: Options, directory: Path, no_build: bool, organisation: str) -> None:
    """Create a demonstration document repository with eighteen months of history, and build its site.

    Everything is made with sms-docs' own actions and real git commits (fixed dates, ending a week
    before today): the starter SMS approved on a first merge, changes merged with approval commits
    and merge-request trailers, a signed approval, a rejected self-approval, an unapproved direct
    change, a periodic review, a policy withdrawn for its successor, records. DIRECTORY must not
    exist or be empty.

    \b
    Examples:
      sms-docs demo /tmp/harbourline
      sms-docs serve -C /tmp/harbourline
      sms-docs audit -C /tmp/harbourline
    """
    from sms_docs.actions.demo import make_demo

    target = directory if directory.is_absolute() else (opts.directory / directory)
    made = make_demo(target.resolve(), organisation=organisation, today=opts.as_of, progress=DEMO_PROGRESS[opts.format])
    built = None
    if not no_build:
        from sms_docs.site import runner

        built = runner.build(made.root, as_of=opts.as_of)
    report(opts, DEMO_REPORTERS, DemoView(made, built))


def _program() -> str:
    """How to run sms-docs again from here: plain `sms-docs` when it is on PATH (an activated
    virtual environment), else the path of the script that is running (`.venv/bin/sms-docs`)."""
    import os
    import shutil
    import sys

    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if shutil.which("sms-docs") or not argv0.endswith("sms-docs"):
        return "sms-docs"
    try:
        relative = os.path.relpath(argv0)
    except ValueError:
        return argv0
    return relative if not relative.startswith("..") else os.path.abspath(argv0)
