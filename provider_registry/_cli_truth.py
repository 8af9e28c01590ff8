"""`registry audit` and `registry sync`: the catalog against other catalogs, and figures taken
from them. The readers, the audit and ruamel.yaml are imported inside the handlers."""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ._audit import AuditReport, Finding
    from ._registry import Registry
    from ._sources import Table
    from ._yaml import Document

__all__ = ["add_commands"]

Handler = Callable[[argparse.Namespace, TextIO], int]
_KINDS = ("litellm", "models.dev", "genai-prices")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add this module's subcommands to `sub`; return their handlers by command name."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "audit",
        parents=[common],
        formatter_class=fmt,
        help="compare the catalog with LiteLLM, models.dev or genai-prices",
        description="Compare every provider and model the loaded registry shares with other\n"
        "catalogs: figures that differ (rates, context window, output limit) with both values\n"
        "and the relative difference, lifecycle conflicts (the other side says deprecated or\n"
        "retired while we say usable), and models one side lists and the other lacks.\n"
        "Providers map through the manifests' interop names. A difference on a figure the\n"
        "manifest pins by hand is shown with its reason and is not drift.\n"
        "Exit 0 when nothing drifts, 1 when something does or a catalog cannot be read.",
        epilog="examples:\n"
        "  registry audit --against litellm model_prices_and_context_window.json\n"
        "  registry audit --against litellm prices.json --against genai-prices genai.json"
        " --provider openai\n"
        "  registry audit --against models.dev https://models.dev/api.json --format json\n"
        "  registry audit --against litellm prices.json --tolerance 0.01 --format github\n"
        "  registry audit --against litellm prices.json --price-spread",
    )
    _against(p, "--against", "compare with this catalog (repeatable)", append=True, dest="against")
    _common_truth(p)
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json (version 1, stable keys), or github annotations",
    )
    p.add_argument(
        "--tolerance",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="leave out relative differences up to this (0.01 is 1%%; default 0)",
    )
    p.add_argument(
        "--all", action="store_true", help="also list the differences the manifests explain"
    )
    p.add_argument(
        "--price-spread",
        action="store_true",
        help="also list models our own providers price far apart (the dearest input price\n"
        "above 5x the cheapest; worth a look, never drift)",
    )

    p = sub.add_parser(
        "sync",
        parents=[common],
        formatter_class=fmt,
        help="update the manifests' figures from a newer catalog, in place",
        description="Take the figures a newer catalog supplies into the manifests it maps to:\n"
        "rates, context window, output limit, and lifecycle dates. Figures pinned by hand stay;\n"
        "a changed price moves the old one into price_history with the day it ended; a passed\n"
        "retirement date makes the model retired. Comments and layout are kept (ruamel.yaml,\n"
        "the `sync` extra). Prints a diff; every file is validated before any is written.\n"
        "Exit 0 when done (or nothing changes), 1 when a catalog cannot be read or a result\n"
        "would not validate.",
        epilog="examples:\n"
        "  registry sync --from litellm model_prices_and_context_window.json --dry-run\n"
        "  registry sync --from genai-prices genai.json --provider openai --as-of 2026-11-10\n"
        "  registry sync --from models.dev https://models.dev/api.json --path my-providers/\n"
        "  registry sync --from litellm prices.json --as-of 2026-11-20 --add --dry-run\n"
        "\n"
        "With --add, a catalog entry is one of the manifest's models (and not added) when the\n"
        "manifest's model maps to it, when resolve('<provider>/<entry>') finds a listed model,\n"
        "or when the names differ only in case, punctuation, a trailing 'latest' or leading path\n"
        "segments; rows that are not models (image sizes, regions, commitments, fine-tune\n"
        "placeholders, size bands, modes no manifest mode describes) are left out with the\n"
        "reason. A manifest with no models is left alone.",
    )
    _against(p, "--from", "take figures from this catalog", append=False, dest="source")
    _common_truth(p)
    p.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")
    p.add_argument(
        "--add",
        action="store_true",
        help="instead, add the models the catalog lists that the manifests lack (with their "
        "figures and source); nothing already there changes. Prints what was added and what "
        "was skipped and why",
    )
    return {"audit": _cmd_audit, "sync": _cmd_sync}


def _against(p: argparse.ArgumentParser, flag: str, help: str, *, append: bool, dest: str) -> None:
    p.add_argument(
        flag,
        dest=dest,
        nargs=2,
        action="append" if append else "store",
        required=True,
        metavar=("KIND", "FILE|URL"),
        help=f"{help}; KIND is one of {', '.join(_KINDS)}",
    )


def _common_truth(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--provider",
        action="append",
        default=None,
        metavar="ID",
        help="only this provider (repeatable)",
    )
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date of the catalogs' data (default: a file's modification date, or today "
        "for a URL)",
    )


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tolerance; write e.g. 0.01 for 1%")
    return value


def _tables(args: argparse.Namespace, pairs: list[list[str]]) -> tuple[Registry, list[Table]]:
    from ._errors import SourceError, UnknownProviderError
    from ._registry import load_registry
    from ._sources import KINDS, load_table

    registry = load_registry(args.path)
    for pid in args.provider or ():
        if pid not in registry:
            near = difflib.get_close_matches(pid, list(registry.providers), n=3)
            raise UnknownProviderError(pid, near)
    tables = []
    for kind, location in pairs:
        if kind not in KINDS:
            raise SourceError(
                f"unknown catalog kind {kind!r}", hint=f"use one of {', '.join(KINDS)}"
            )
        print(f"registry: reading {kind} from {location} ...", file=sys.stderr)
        tables.append(load_table(kind, location, registry, as_of=args.as_of))
    return registry, tables


def _cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from ._audit import audit

    registry, tables = _tables(args, args.against)
    report = audit(
        registry,
        tables,
        providers=args.provider,
        tolerance=args.tolerance,
        price_spread=args.price_spread,
    )
    if args.format == "json":
        json.dump(report.to_dict(), out, indent=2)
        out.write("\n")
    elif args.format == "github":
        _github(report, registry, out)
    else:
        _text(report, out, everything=args.all)
    return 1 if report.drift else 0


_TITLES = {
    "figure": "figures that differ",
    "lifecycle": "lifecycle conflicts",
    "missing_here": "listed there, not here",
    "missing_there": "listed here, not there",
    "price_spread": "priced very differently across our providers (worth a look, not drift)",
}


def _text(report: AuditReport, out: TextIO, *, everything: bool) -> None:
    for kind, title in _TITLES.items():
        rows = [
            f for f in report.findings if f.kind == kind and (everything or f.explained is None)
        ]
        if not rows:
            continue
        print(f"{title} ({len(rows)}):", file=out)
        table = [
            (
                f.source,
                f"{f.provider}/{f.model}",
                f.field or "",
                f.ours or ("-" if kind == "figure" else ""),
                f.theirs or "",
                "" if f.relative is None else f"{f.relative:+.1%}",
                "  ".join(
                    part
                    for part in (
                        f"at {f.window}" if f.window else "",
                        f"set by hand: {f.explained}" if f.explained else _other(f),
                    )
                    if part
                ),
            )
            for f in rows
        ]
        widths = [max(len(r[i]) for r in table) for i in range(6)]
        for r in table:
            cells = [r[i].ljust(widths[i]) for i in range(6)] + [r[6]]
            print("  " + "  ".join(cells).rstrip(), file=out)
        print(file=out)
    counts = ", ".join(
        f"{report.count(k)} {t.split(',')[0].split(' (')[0]}"
        for k, t in _TITLES.items()
        if k != "price_spread" or report.price_spread
    )
    explained = sum(f.explained is not None for f in report.findings)
    n = len(report.drift)
    verdict = "no drift" if not n else f"{n} finding{'s' * (n != 1)}"
    print(
        f"{report.compared} models compared: {verdict} ({counts}); {explained} explained "
        "by the manifests" + ("" if everything else " (--all lists them)"),
        file=out,
    )


def _other(f: Finding) -> str:
    if f.kind == "price_spread":
        return f"{f.identity}: cheapest at {f.their_id}"
    return f"as {f.their_id}" if f.their_id else ""


def _github(report: AuditReport, registry: Registry, out: TextIO) -> None:
    from ._cli import _gh_escape
    from ._loader import parse_document

    docs: dict[str, Document | None] = {}
    for f in report.drift:
        file = registry.files.get(f.provider, "")
        if file not in docs:
            try:
                with open(file, "rb") as handle:
                    docs[file] = parse_document(handle.read(), file)
            except (OSError, ValueError):
                docs[file] = None
        # The model's own key line; a model we lack, the line of the "models:" key.
        path: tuple[str | int, ...] = (
            ("models", f.model) if f.kind != "missing_here" else ("models",)
        )
        doc = docs[file]
        mark = doc.locate(path, key=True) if doc is not None else None
        text = f"{f.source}: {_TITLES[f.kind]}: {f.provider}/{f.model}"
        if f.field:
            text += f" {f.field}: ours {f.ours or '-'}, theirs {f.theirs}"
        if f.window:
            text += f" at {f.window}"
        where = f"file={_gh_escape(file, prop=True)},line={mark.line if mark else 1}"
        print(f"::warning {where}::{_gh_escape(text)}", file=out)
    n = len(report.drift)
    print(f"{n} finding{'s' * (n != 1)}", file=out)


def _cmd_sync(args: argparse.Namespace, out: TextIO) -> int:
    from ._sync import sync

    if args.add:
        return _cmd_add(args, out)
    registry, tables = _tables(args, [args.source])
    providers = _sync_scope(args, registry)
    result = sync(registry, tables[0], providers=providers)
    if result.texts:
        out.write(result.diff())
    kept = [c for c in result.changes if c.kept]
    for c in kept:
        print(
            f"kept {c.provider}/{c.model} {c.field} {c.old} (source: {c.new}): {c.kept}", file=out
        )
    files = len(result.texts)
    verb = "would change" if args.dry_run else "changed"
    print(
        f"{len(result.made)} figures {verb} in {files} file{'s' * (files != 1)}; "
        f"{len(kept)} kept as they are",
        file=out,
    )
    if not args.dry_run:
        result.write()
    return 0


def _sync_scope(args: argparse.Namespace, registry: Registry) -> list[str] | None:
    """The providers sync may edit: those asked for, within the manifests --path names."""
    from ._errors import CommandError

    providers: list[str] | None = args.provider
    if args.path:  # the manifests named, never the built-in ones beside them
        named = [Path(p).resolve() for p in args.path]
        mine = [
            pid
            for pid, file in registry.files.items()
            if any(Path(file).resolve().is_relative_to(p) for p in named)
        ]
        outside = [p for p in providers or () if p not in mine]
        if outside:
            raise CommandError(
                f"{', '.join(outside)} is not among the manifests given with --path",
                hint="leave out --path to sync the built-in manifests",
            )
        providers = providers or mine
    return providers


def _cmd_add(args: argparse.Namespace, out: TextIO) -> int:
    from collections import Counter

    from ._add import LISTED, add_missing
    from ._errors import SourceError
    from ._sources import KINDS, load_data, read_table

    registry, _ = _tables(args, [])
    providers = _sync_scope(args, registry)
    kind, location = args.source
    if kind not in KINDS:
        raise SourceError(f"unknown catalog kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    print(f"registry: reading {kind} from {location} ...", file=sys.stderr)
    data, when = load_data(location, as_of=args.as_of)
    table = read_table(kind, data, registry, label=location, as_of=when)
    result = add_missing(registry, table, data, providers=providers)
    for c in result.changes:
        print(f"added {c.provider}/{c.model}: {c.new}", file=out)
    for skip in result.skipped:
        if skip.reason != LISTED:
            detail = f" ({skip.detail})" if skip.detail else ""
            print(f"skipped {skip.provider}/{skip.entry}: {skip.reason}{detail}", file=out)
    for note in result.notes:
        print(f"left out of {note}", file=out)
    files = len(result.texts)
    verb = "would be added" if args.dry_run else "added"
    reasons = Counter(s.reason for s in result.skipped)
    counted = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    print(
        f"{len(result.changes)} models {verb} in {files} file{'s' * (files != 1)}; "
        f"{len(result.skipped)} catalog entries skipped" + (f" ({counted})" if counted else ""),
        file=out,
    )
    if not args.dry_run:
        result.write()
    return 0
