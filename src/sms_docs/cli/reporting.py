"""One reporter per output format: a command computes a result with the library, then hands it to
the reporter its `--format` names. The formats a command offers are the keys of its reporters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sms_docs.cli import Options

R = TypeVar("R")

Reporters = Mapping[str, Callable[[R], None]]


def report(opts: Options, reporters: Reporters[R], result: R) -> None:
    """Print `result` with the reporter for `opts.format` (`common` has already refused any other)."""
    reporters[opts.format](result)
