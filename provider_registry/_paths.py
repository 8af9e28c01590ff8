"""Where the built-in data lives (inside an installed wheel, or at the top of a checkout), how
large a manifest file may be, and the one way a file named by a user is read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["MAX_BYTES", "FileRefused", "data_dir", "read_regular"]

MAX_BYTES = 8 * 1024 * 1024
"""The largest manifest file read; the largest built-in one is under 100 KiB."""

_HERE = Path(__file__).resolve().parent
_CHUNK = 1024 * 1024
# O_NONBLOCK: opening a FIFO must not wait for a writer (the fstat below then refuses it).
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def data_dir(name: str) -> Path:
    """``providers``, ``schemas`` or ``snapshots``: the wheel's packaged copy if present, else the
    checkout's."""
    packaged = _HERE / "_data" / name
    return packaged if packaged.is_dir() else _HERE.parent / name


class FileRefused(Exception):
    """A file that was not read, and why, in one line a person can act on. Callers turn it into
    their own error (a manifest problem, a SourceError)."""

    def __init__(self, reason: str, hint: str | None = None, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.too_large = too_large


def read_regular(
    path: str | os.PathLike[str], limit: int = MAX_BYTES, *, regular: bool = False
) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit`` of them.

    Anything else is refused with FileRefused before a byte is read: a FIFO would block every
    load, a device such as /dev/zero never ends, and a directory is not a file. The size is
    counted as the bytes arrive, never taken from ``st_size`` (a device or a /proc file reports
    0, and a file may grow while it is read); ``st_size`` only sizes the first read, so that a
    file that did not change takes one read and one more that finds its end.

    ``regular``: a directory listing has just shown a regular file that is not a link, so it is
    not stat'ed before it is opened; anything swapped in meanwhile is refused by the fstat after
    the open, before a byte is read.
    """
    try:
        if not regular:
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):  # a device is not even opened
                raise _not_regular(mode)
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise FileRefused(f"cannot read the file: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between the stat (or listing) and the open
            raise _not_regular(st.st_mode)
        chunks: list[bytes] = []
        size = 0
        want = st.st_size + 1 if 0 < st.st_size < _CHUNK else _CHUNK
        while size <= limit:
            chunk = os.read(fd, min(want, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            want = _CHUNK
    except OSError as exc:
        raise FileRefused(f"cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise FileRefused(f"file is above the limit of {limit:,} bytes", too_large=True)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> FileRefused:
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return FileRefused(f"not a regular file but {kind}", "only regular files are read")
