"""The `sms-docs` command line: parse, call, report, return an exit code.

Only this package imports click and prints. Each module of it registers one family of commands.
Exit codes (SPEC section 7): 0 clean, 1 findings of severity error (warnings too under --strict),
2 usage error, 3 the run cannot proceed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import io
import json
import re
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast, TYPE_CHECKING
from collections.abc import Callable, Iterable, Iterator, MutableMapping

import click

from sms_docs import __version__
from sms_docs.errors import SmsDocsError

if TYPE_CHECKING:
    from sms_docs.model import Finding

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Options:
    """The options every command takes (on the group or on the command; the command's win)."""

    directory: Path
    format: str
    as_of: dt.date | None
    ref: str | None
    debug: bool

    @property
    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def root(self) -> Path:
        from sms_docs.config import find_root

        return find_root(self.directory)


LATEST_DATE = dt.date(9000, 12, 31)  # (a date the review cycles and retention periods can be counted on from)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    if day > LATEST_DATE:
        raise click.BadParameter(f"{value!r} is too far ahead: the latest date sms-docs answers for is {LATEST_DATE}")
    return day


def _COMMON_OPTIONS(choices: list[str]) -> list[Callable[[Any], Any]]:
    return [
        click.option("-C", "workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     metavar="DIR", help="Run as if started in DIR."),
        click.option("--format", "fmt", type=click.Choice(choices), default=None, help="Output format."),
        click.option("--as-of", "as_of", callback=_parse_date, default=None, metavar="YYYY-MM-DD",
                     help="Answer as of this date (default: today)."),
        click.option("--ref", default=None, help="Git ref to read (default: main_branch, else HEAD)."),
        click.option("--debug", is_flag=True, default=False, help="Show tracebacks."),
    ]


def common(formats: Iterable[str] = ("text", "json")) -> Callable[[F], F]:
    """Add -C, --format, --as-of, --ref and --debug to a command and pass `opts: Options`."""
    choices = list(formats)

    def decorate(func: F) -> F:
        def wrapper(ctx: click.Context, workdir: Path | None, fmt: str | None, as_of: dt.date | None,
                    ref: str | None, debug: bool, **kwargs: Any) -> Any:
            group = ctx.find_root().obj or {}
            opts = Options(
                directory=workdir or group.get("directory") or Path.cwd(),
                format=fmt or group.get("format") or choices[0],
                as_of=as_of or group.get("as_of"),
                ref=ref or group.get("ref"),
                debug=debug or bool(group.get("debug")),
            )
            if opts.format not in choices:
                raise click.UsageError(f"--format {opts.format} is not available here (choose from {', '.join(choices)})")
            ctx.meta["sms_docs.debug"] = opts.debug
            return func(opts, **kwargs)

        functools.update_wrapper(wrapper, func)
        command: Any = click.pass_context(wrapper)
        for option in reversed(_COMMON_OPTIONS(choices)):
            command = option(command)
        return cast("F", command)

    return decorate


class Group(click.Group):
    """Turns our exceptions into `Error: ...` and an exit code; a traceback only under --debug.

    Its commands are those cli/commands.py lists, each imported when first asked for (`get_command`);
    `commands` and `list_commands` give every one."""

    _loaded: MutableMapping[str, click.Command]

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        from sms_docs.cli.commands import WHERE

        for name in WHERE:
            self._load(name)
        return self._loaded

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._loaded = value

    def _load(self, name: str) -> click.Command | None:
        found = self._loaded.get(name)
        if found is None:
            from sms_docs.cli.commands import load

            found = load(name)
            if found is not None:
                self._loaded[name] = found
        return found

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Terminal(out), _Terminal(err)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SmsDocsError as exc:
            if _debugging(ctx):
                _print_traceback()
            click.echo(click.style("Error: ", fg="red", bold=True) + exc.message, err=True)
            if exc.hint:
                click.echo(f"Hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # output piped into `head` and friends
            sys.stderr.close()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: say so plainly, never a raw traceback
            if _debugging(ctx):
                _print_traceback()
            click.echo(f"Error: internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo("Hint: this is a bug in sms-docs; run again with --debug and report the traceback", err=True)
            ctx.exit(3)
        finally:
            sys.stdout, sys.stderr = out, err


# Every character shown escaped: the C0 controls but tab and newline, DEL and C1, line and paragraph
# separators, and the invisible format characters. One character class, so the regex engine skips
# from candidate to candidate in C (an alternation led by the styles below scanned three times slower).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
# Colours and bold that sms-docs itself prints (click.style): the one escape sequence left as it is.
_STYLE = re.compile("\x1b\\[(?:0|1|22|39|3[0-7]|9[0-7])m")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\x1b" and _STYLE.match(match.string, match.start()):
        return char  # one of our own styles (the rest of it is plain text)
    return f"\\u{ord(char):04x}"  # valid inside a JSON string too


class _Terminal(io.TextIOBase):
    """What sms-docs prints, with every control character from a file or commit made visible: a title
    or file name cannot clear the screen, plant a link or rewrite a line of a report. (JSON escapes
    the C0 range itself; the rest becomes `\\uXXXX`, which JSON reads back as the same character.)"""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def inner(self) -> Any:
        """The stream written to (`echo_json`: text known to hold nothing to escape)."""
        return self._inner

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._inner, "encoding", "utf-8"))

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._inner, "errors", None)

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("write() argument must be str")
        self._inner.write(_CONTROL.sub(_visible, text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return bool(self._inner.isatty())

    def fileno(self) -> int:
        return int(self._inner.fileno())

    def writable(self) -> bool:
        return True


def _print_traceback() -> None:
    import traceback  # only for --debug: a few modules fewer at every start

    traceback.print_exc()


def _debugging(ctx: click.Context) -> bool:
    if os.environ.get("SMS_DOCS_DEBUG"):
        return True
    if (ctx.obj or {}).get("debug"):
        return True
    sub = ctx.invoked_subcommand
    return "--debug" in sys.argv or bool(sub and ctx.meta.get("sms_docs.debug"))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="sms-docs")
@click.option("-C", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run as if started in DIR.")
@click.option("--format", "fmt", default=None, help="Output format (text, json, ...), for every command.")
@click.option("--as-of", "as_of", callback=_parse_date, default=None, metavar="YYYY-MM-DD",
              help="Answer as of this date.")
@click.option("--ref", default=None, help="Git ref to read (default: main_branch, else HEAD).")
@click.option("--debug", is_flag=True, default=False, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, directory: Path | None, fmt: str | None, as_of: dt.date | None,
        ref: str | None, debug: bool) -> None:
    """Document control for ISO/IEC 20000-1 service management systems, built on Git.

    \b
    Examples:
      sms-docs init my-sms --org "Example Services Ltd"
      sms-docs check
      sms-docs new policy --title "Remote working policy"
      sms-docs status
      sms-docs audit --format html --output audit.html
    """
    ctx.obj = {"directory": directory, "format": fmt, "as_of": as_of, "ref": ref, "debug": debug}


# --- output helpers -------------------------------------------------------------------------


def emit_json(data: Any) -> None:
    echo_json(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def echo_json(text: str) -> None:
    """Print text made by `json.dumps(..., ensure_ascii=False)`. JSON escapes the C0 controls itself,
    so an ASCII text without DEL holds no character `_Terminal` would show escaped: it goes to the
    stream as it is, without a pass over megabytes of report. Any other is printed as all output is."""
    out = sys.stdout
    if isinstance(out, _Terminal) and text.isascii() and "\x7f" not in text:
        click.echo(text, out.inner, nl=False)
    else:
        click.echo(text, nl=False)


class _Ending:
    """How the process ends: set by `main` (the sms-docs program) and by `leave_to_exit`."""

    program: ClassVar[bool] = False  # running as the sms-docs program, not in a caller's process (a CliRunner)
    held: ClassVar[list[object]] = []  # what a command left to the end of the process


def leave_to_exit(*objects: object) -> bool:
    """A command's large results (the audit's catalogue: millions of objects) left to the end of the
    process: in the sms-docs program, `main` then ends it with `os._exit` once the output is flushed
    (unless a profiler or tracer watches the run), without freeing them one by one nor tearing the
    interpreter down (0.13 s and 0.03 s of a 100,000-commit audit; nothing is left to do by then:
    git's processes are closed, files written). True when so; False in a caller's process, which
    goes on (a test's CliRunner): the caller frees them as usual."""
    if _Ending.program:
        _Ending.held.extend(objects)
    return _Ending.program


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused meanwhile (see `audit`). Afterwards it is as it was before,
    except when the command has left its results to the end of the process (`leave_to_exit`): a
    collection could only walk them all once more."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled and not _Ending.held:
            gc.enable()


def write_output(opts: Options, output: Path, text: str) -> None:
    """`--output FILE`: written atomically (a temporary file beside it, then renamed), relative to -C's
    folder; a folder or an unwritable place is a clear error, never a half-written file."""
    from sms_docs.errors import SmsDocsError, UsageError
    from sms_docs.frontmatter import atomic_write

    target = output if output.is_absolute() else opts.directory / output
    if target.is_dir():
        raise UsageError(f"--output {output}: is a folder", hint="name a file, for example register.csv")
    try:
        atomic_write(target, text.encode("utf-8"))
    except OSError as exc:
        raise SmsDocsError(f"--output {output}: cannot be written: {exc.strerror}") from None


def exit_for(findings: list[Finding], strict: bool = False) -> int:
    if any(f.severity.value == "error" for f in findings):
        return 1
    if strict and findings:
        return 1
    return 0


def print_findings(findings: list[Finding]) -> None:
    """Grouped by file, a line each: line, severity, code, message."""
    current: str | None = "\0"
    for f in findings:
        if f.path != current:
            current = f.path
            click.secho(f.path or "(repository)", bold=True)
        colour = "red" if f.severity.value == "error" else "yellow"
        line = f"{f.line:>5}" if f.line else "     "
        click.echo(f"{line}  " + click.style(f"{f.severity.value:<8}", fg=colour) + f" {f.code:<26} {f.message}")


def summary_counts(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity.value == "error")
    warnings = len(findings) - errors
    files = len({f.path for f in findings})
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    if not parts:
        return "no findings"
    return " and ".join(parts) + f" in {files} file{'s' * (files != 1)}"


def main() -> None:
    """The sms-docs program."""
    _Ending.program = True
    # The main thread waits on git again and again while a thread beside it works (the schema
    # check's imports, reading blobs, saving the cache). Back from each wait it needs the GIL, which
    # a busy thread hands over only every switch interval: 1 ms, not Python's 5, keeps those waits
    # short (a cold audit of 2,000 documents: 0.02 s of 0.73 s; of 99,402 commits: 0.08 s).
    sys.setswitchinterval(0.001)
    try:
        cli.main(prog_name="sms-docs")
    except SystemExit as done:
        # Not under a profiler or a tracer (pyinstrument, cProfile, coverage): each writes its
        # findings once the program is over, which an os._exit would never let it do.
        if (_Ending.held and (done.code is None or isinstance(done.code, int))
                and sys.getprofile() is None and sys.gettrace() is None):
            from sms_docs import cache

            cache.flush()  # a cache still being saved in the background is written whole, then the end
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except (OSError, ValueError):
                raise done from None  # (a closed pipe) Python's own ending says so, as before
            os._exit(done.code or 0)
        raise
