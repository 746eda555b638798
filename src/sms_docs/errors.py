"""The exceptions a user can meet. Each message is written for the user; `hint` says what to do."""

from __future__ import annotations


class SmsDocsError(Exception):
    """Base class: the run cannot proceed (exit 3)."""

    exit_code = 3

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(SmsDocsError):
    """The command line asks for something that does not exist or does not fit (exit 2)."""

    exit_code = 2


class NotADocumentRepository(SmsDocsError):
    """No `sms-docs.yml` here or above, or not a git repository where history is needed."""


class ConfigError(SmsDocsError):
    """`sms-docs.yml` or a schema cannot be read or is invalid."""


class GitError(SmsDocsError):
    """git failed or the repository is not in a state we can read."""


class ShallowHistory(SmsDocsError):
    """History commands need the full history: a shallow clone would yield a partial audit."""


class Refused(SmsDocsError):
    """An action refused to run; nothing was changed (exit 1)."""

    exit_code = 1
