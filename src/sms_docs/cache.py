"""The one cache: derived results kept under `.git/sms-docs/` between runs, never trusted.

Anyone who can write into `.git/` (a shared CI cache, a colleague's account, a tool) could write
these files, so an entry is used only when it is provably ours: each file carries an HMAC-SHA256 of
its name, format version, fingerprint and payload, under a key kept outside the repository
(`SMS_DOCS_CACHE_KEY`, else `$XDG_CACHE_HOME/sms-docs/key`, made on first use, readable by its owner
only). A file that fails the check is ignored, never parsed. The payload is `marshal` data: plain
values only, which cannot run code, and it is parsed only after the check. Entries are keyed by git
object ids (which never change meaning), so a stale entry cannot be wrong, only unused.

Writes go to a unique temporary file renamed into place, so concurrent runs never see half a file;
the last writer wins, and a lost write is only a later cache miss. A save may run in a thread of its
own (`background`), beside the caller's work: a later load or save of the same file in this process
waits for it, `flush` waits for all of them, and so does the interpreter before it exits. Everything here is an
optimisation: delete `.git/sms-docs/` and every result is identical.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

MAGIC = b"sms-docs-cache\n"
_DIGEST = 32
_key: bytes | None = None
_saving: dict[Path, threading.Thread] = {}  # file -> the thread still writing it
_saving_lock = threading.Lock()


def flush() -> None:
    """Wait until every save running in the background is written."""
    with _saving_lock:
        threads = list(_saving.values())
        _saving.clear()
    for thread in threads:
        thread.join()


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sms-docs" / "key"


def secret() -> bytes | None:
    """The key that signs cache files, or None when there is nowhere to keep one (no cache then)."""
    global _key
    env = os.environ.get("SMS_DOCS_CACHE_KEY")
    if env:
        return hashlib.sha256(env.encode("utf-8")).digest()
    if _key is not None:
        return _key
    path = _key_file()
    try:
        data = path.read_bytes()
        if len(data) >= 32 and path.stat().st_uid == os.getuid() and not path.stat().st_mode & 0o077:
            _key = data[:64]
            return _key
        if len(data) >= 32:
            return None  # a key others can read or write is no key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        _key = path.read_bytes()[:64]
    except OSError:
        try:  # another run made it first
            data = path.read_bytes()
            _key = data[:64] if len(data) >= 32 else None
        except OSError:
            _key = None
    return _key


def _mac(key: bytes, name: str, version: int, fingerprint: str, payload: bytes) -> bytes:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    mac.update(f"{name}\0{version}\0{fingerprint}\0".encode("utf-8", "surrogatepass"))
    mac.update(payload)
    return mac.digest()


class Store:
    """One named cache file under a git directory, with a format version and a fingerprint (what
    else its entries depend on: code versions, configuration)."""

    def __init__(self, git_dir: Path | None, name: str, version: int, fingerprint: str = "") -> None:
        self.path = git_dir / "sms-docs" / f"{name}.cache" if git_dir is not None else None
        self.name = name
        self.version = version
        self.fingerprint = fingerprint

    def _wait(self) -> None:
        """Wait for a background save of this file (this process's own) to be written."""
        if self.path is None:
            return
        with _saving_lock:
            thread = _saving.pop(self.path, None)
        if thread is not None:
            thread.join()

    def load(self) -> Any | None:
        """The stored value, or None when missing, foreign, tampered with, stale or unreadable."""
        key = secret()
        if self.path is None or key is None:
            return None
        self._wait()
        try:
            raw = self.path.read_bytes()
        except OSError:
            return None
        if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + _DIGEST:
            return None
        digest = raw[len(MAGIC):len(MAGIC) + _DIGEST]
        payload = raw[len(MAGIC) + _DIGEST:]
        if not hmac.compare_digest(digest, _mac(key, self.name, self.version, self.fingerprint, payload)):
            return None
        try:
            return marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None

    def save(self, value: Any, *, background: bool = False) -> None:
        """Store `value` (plain values only). `background`: in a thread of its own, while the caller
        goes on (it must not change `value` afterwards)."""
        key = secret()
        if self.path is None or key is None:
            return
        self._wait()
        if not background:
            self._write(key, value)
            return
        thread = threading.Thread(target=self._write, args=(key, value), name=f"sms-docs cache {self.name}")
        with _saving_lock:
            _saving[self.path] = thread
        thread.start()

    def _write(self, key: bytes, value: Any) -> None:
        assert self.path is not None
        try:
            payload = marshal.dumps(value)
        except ValueError:  # something marshal cannot hold (absurd nesting): no cache this time
            return
        mac = _mac(key, self.name, self.version, self.fingerprint, payload)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.name}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(MAGIC)  # in parts: the payload is not copied once more to join them
                    fh.write(mac)
                    fh.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a read-only .git still works, uncached
