"""`registry check-live`: what a provider serves against its manifest. The library's `_live`
(and with it httpx) is imported inside the handler."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from ._errors import RegistryError, _printable

if TYPE_CHECKING:
    from ._live import LiveReport

__all__ = ["add_commands"]

Handler = Callable[[argparse.Namespace, TextIO], int]


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add this module's subcommands to `sub`; return their handlers by command name."""
    p = sub.add_parser(
        "check-live",
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="ask a provider which models it serves and compare with its manifest",
        description="Ask PROVIDER which models it serves (GET <base URL>/models, every page)\n"
        "and compare with its manifest: names served that the manifest lacks (new), models it\n"
        "says are served that are not (gone), and retired models still served. The key and\n"
        "base URL are the ones any request to the provider uses; the key goes only to the\n"
        "provider's trusted base URL, and redirects are not followed.\n"
        "Exit 0 in sync, 1 on drift, 2 when the check cannot be made (no key or a refused\n"
        "one, an error answer, no answer, a reply that is not a model list or is too large).",
        epilog="examples:\n"
        "  registry check-live acme\n"
        "  registry check-live acme --path my-providers/ --json\n"
        "  registry check-live acme --timeout 10",
    )
    p.add_argument("provider", metavar="PROVIDER", help="provider id or alias")
    p.add_argument("--json", action="store_true", help="print JSON (version 1, stable keys)")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="give up on a request after this long (default: 30)",
    )
    return {"check-live": _cmd_check_live}


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timeout; write seconds, e.g. 10")
    return value


def _cmd_check_live(args: argparse.Namespace, out: TextIO) -> int:
    from ._live import check_live
    from ._registry import load_registry

    try:
        registry = load_registry(args.path) if args.path else None
        report = check_live(registry, args.provider, timeout=args.timeout)
    except RegistryError as exc:
        # 2, not 1: a check that could not be made must not read as drift.
        print(f"registry: error: {_printable(str(exc))}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report.to_dict(), out, indent=2)
        out.write("\n")
    else:
        _text(report, out)
    return 1 if report.drift else 0


_SECTIONS = (
    ("new", "new: served, not in the manifest"),
    ("gone", "gone: the manifest says served, not served"),
    ("retired_but_served", "retired but served"),
)


def _text(report: LiveReport, out: TextIO) -> None:
    print(
        f"{report.provider}: {report.served} models served at {report.url}, "
        f"{report.listed} in the manifest",
        file=out,
    )
    rows = {kind: getattr(report, kind) for kind, _ in _SECTIONS}
    width = max((len(_printable(m)) for ids in rows.values() for m in ids), default=0)
    for kind, title in _SECTIONS:
        if not rows[kind]:
            continue
        print(f"{title} ({len(rows[kind])}):", file=out)
        for model in rows[kind]:
            line = f"  {_printable(model).ljust(width)}  {report.status.get(model, '')}"
            print(line.rstrip(), file=out)
    if report.drift:
        counts = ", ".join(f"{len(rows[kind])} {kind.replace('_', ' ')}" for kind, _ in _SECTIONS)
        print(f"drift: {counts}", file=out)
    else:
        print("in sync", file=out)
