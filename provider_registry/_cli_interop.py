"""`registry` subcommands: see add_commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TextIO

__all__ = ["add_commands"]

Handler = Callable[[argparse.Namespace, TextIO], int]


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add this module's subcommands to `sub`; return their handlers by command name."""
    return {}
