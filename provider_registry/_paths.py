"""Where the built-in data lives (inside an installed wheel, or at the top of a checkout), and how
large a manifest file may be."""

from __future__ import annotations

from pathlib import Path

__all__ = ["MAX_BYTES", "data_dir"]

MAX_BYTES = 8 * 1024 * 1024
"""The largest manifest file read; the largest built-in one is under 100 KiB."""

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``providers``, ``schemas`` or ``snapshots``: the wheel's packaged copy if present, else the
    checkout's."""
    packaged = _HERE / "_data" / name
    return packaged if packaged.is_dir() else _HERE.parent / name
