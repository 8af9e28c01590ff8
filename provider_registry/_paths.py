"""Where the built-in data lives: inside an installed wheel, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``providers`` or ``schemas``: the wheel's packaged copy if present, else the checkout's."""
    packaged = _HERE / "_data" / name
    return packaged if packaged.is_dir() else _HERE.parent / name
