"""A persistent `git cat-file --batch` (or `--batch-check`): one git process answers every object
query of a run, started on first use. Reading a blob costs a pipe round trip, not a process.

Object names are written one a line, so a name with a line break is never sent (it is answered as
missing): a path in a tree may hold any byte but a NUL, and must not smuggle in a second query.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import IO, Mapping, Sequence

from sms_docs.errors import GitError


class CatFile:
    def __init__(self, root: Path, *, contents: bool, options: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.contents = contents
        self.options = list(options)  # git's own options (gitrepo.SAFE_CONFIG)
        self.env = dict(env or {})  # and environment (gitrepo.SAFE_ENV)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            mode = "--batch" if self.contents else "--batch-check"
            try:
                self._proc = subprocess.Popen(["git", "--no-replace-objects", *self.options, "cat-file", mode],
                                              cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                              stderr=subprocess.DEVNULL, env={**os.environ, **self.env})
            except OSError as exc:
                raise GitError(f"cannot run git: {exc}", hint="install git") from None
        return self._proc

    def query(self, name: str) -> tuple[str, str, bytes | None] | None:
        """(object id, type, contents or None for --batch-check) of `name`, or None when there is none."""
        if not name or "\n" in name or "\r" in name:
            return None
        with self._lock:
            proc = self._start()
            stdin, stdout = proc.stdin, proc.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
                stdin.flush()
                header = stdout.readline()
            except (OSError, ValueError) as exc:
                self.close()
                raise GitError(f"git cat-file stopped: {exc}") from None
            if not header:
                self.close()
                raise GitError("git cat-file stopped answering")
            parts = header.split()
            if len(parts) != 3 or parts[1] in (b"missing", b"ambiguous"):
                return None
            oid, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
            data = _read_exactly(stdout, size + 1)[:-1] if self.contents else None
            return oid, kind, data

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise GitError("git cat-file stopped in the middle of an object")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
