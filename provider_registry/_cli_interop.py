"""`registry import` and `registry export`: manifests from other catalogs, and the registry in
other catalogs' shapes.

The CLI imports this module at start-up, so the importers, exporters, json and yaml are imported
inside the handlers: `registry show` must not pay for them.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ._import import ImportResult

__all__ = ["add_commands"]

Handler = Callable[[argparse.Namespace, TextIO], int]

_SOURCES = ("models.dev", "litellm")
_FORMATS = ("litellm", "json", "litellm-proxy")
_TOP = 25  # unmapped fields listed without --verbose


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add this module's subcommands to `sub`; return their handlers by command name."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "import",
        parents=[common],
        formatter_class=fmt,
        help="write manifests from the models.dev catalog or LiteLLM's price table",
        description="Convert a models.dev api.json or LiteLLM's model_prices_and_context_window"
        ".json\ninto manifests, one <id>.yaml per provider, in DIR.\n\n"
        "A provider the loaded registry already knows (by interop name, id or alias) keeps its\n"
        "manifest and takes only the model table from FILE. Any other provider needs a base URL\n"
        "in FILE (models.dev has some; LiteLLM has none) or is skipped. The report lists what\n"
        "was skipped, the source fields with no place in a manifest, and the figures left out.\n"
        "Exit 0 on success, 1 when FILE is unreadable or not such a catalog.",
        epilog="examples:\n"
        "  registry import models.dev models-dev-api.json -o imported/ --as-of 2026-07-02\n"
        "  registry import litellm model_prices_and_context_window.json -o imported/ --only groq\n"
        "  registry import models.dev api.json -o imported/ --path my-providers/ --verbose\n"
        "  registry validate imported/",
    )
    p.add_argument("source", choices=_SOURCES, help="which catalog FILE is")
    p.add_argument("file", type=Path, metavar="FILE", help="the catalog, as JSON")
    p.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="where to write manifests"
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="ID",
        help="write only this provider id (repeatable)",
    )
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date of the data in FILE, for the sources entry (default: the file's "
        "modification date)",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="list every note and every unmapped field"
    )

    p = sub.add_parser(
        "export",
        parents=[common],
        formatter_class=fmt,
        help="write the registry as a LiteLLM model map, a JSON catalog or a LiteLLM proxy config",
        description="Write the loaded registry (built-ins, PROVIDER_REGISTRY_PATH, --path) in\n"
        "another shape, to stdout or FILE:\n"
        "  litellm        a model map for litellm.register_model (prices per token): the models\n"
        "                 LiteLLM can route and price as we do. A provider is written under the\n"
        "                 LiteLLM name its manifest gives (interop.litellm); providers without\n"
        "                 one, retired and unpriced models, and modes LiteLLM does not price per\n"
        "                 token are left out, and stderr counts them by reason. --provider and\n"
        "                 --model narrow it (to their union).\n"
        "  json           the versioned catalog of schemas/catalog.schema.json (exact prices)\n"
        "  litellm-proxy  a LiteLLM proxy config.yaml model_list for the --model strings:\n"
        "                 LiteLLM's openai/ or anthropic/ route, an api_base at which LiteLLM\n"
        "                 calls the URL we call (the manifest's, never this shell's), keys and\n"
        "                 parameters as os.environ/VAR references, never values, and prices",
        epilog="examples:\n"
        "  registry export --format json -o catalog.json\n"
        "  registry export --format litellm > litellm-models.json\n"
        "  registry export --format litellm --provider groq --model gpt-5.2 -v\n"
        "  registry export --format litellm-proxy --model wandb/Llama-3.1-8B-Instruct"
        " --model gpt-5.2",
    )
    p.add_argument("--format", choices=_FORMATS, required=True)
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: stdout")
    p.add_argument(
        "--provider",
        action="append",
        default=[],
        metavar="ID",
        help="litellm: this provider's models (an id or alias; repeatable)",
    )
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODEL",
        help="a model string, resolved as `registry show` does (repeatable): litellm-proxy "
        "writes an entry for each; litellm writes only these (and --provider's)",
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="litellm: name every model left out"
    )
    return {"import": _cmd_import, "export": _cmd_export}


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def _error(message: str, code: int = 1) -> int:
    print(f"registry: error: {message}", file=sys.stderr)
    return code


def _cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from ._errors import ManifestError
    from ._import import import_litellm, import_models_dev, write_manifests
    from ._paths import FileRefused, read_regular
    from ._registry import load_registry
    from ._sources import MAX_BYTES

    path: Path = args.file
    try:
        as_of = args.as_of or datetime.date.fromtimestamp(path.stat().st_mtime)
        data = json.loads(read_regular(path, MAX_BYTES))
    except OSError as exc:
        return _error(f"{path}: cannot read: {exc.strerror or exc}")
    except FileRefused as exc:
        return _error(f"{path}: {exc.reason}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _error(f"{path}: not valid JSON: {exc}")
    if not isinstance(data, dict):
        return _error(f"{path}: expected a JSON object, found {type(data).__name__}")
    known = load_registry(args.path)
    print(
        f"registry: importing {len(data):,} {args.source} entries from {path} ...", file=sys.stderr
    )
    importer = import_models_dev if args.source == "models.dev" else import_litellm
    only = set(args.only) or None
    try:
        result = importer(data, known=known, only=only, as_of=as_of, file=path.name)
    except ManifestError as exc:
        message = exc.problems[0].message if exc.problems else str(exc)
        return _error(f"{path}: {message}")
    missing = sorted(set(args.only) - set(result.providers))
    if missing:
        reasons = dict(result.skipped)
        why = [f"{pid} ({reasons[pid]})" if pid in reasons else pid for pid in missing]
        return _error(f"--only: not written from {path}: {', '.join(why)}")
    try:
        written = write_manifests(result, args.output)
    except OSError as exc:
        return _error(f"{args.output}: cannot write: {exc.strerror or exc}")
    _report(result, written, args.output, args.verbose, out)
    if args.as_of is None:
        print(
            f"sources entry dated {as_of} (the file's modification date); pass --as-of with "
            "the data's own date if it is older",
            file=out,
        )
    return 0


def _report(
    result: ImportResult, written: list[Path], out_dir: Path, verbose: bool, out: TextIO
) -> None:
    n_providers, n_models = len(written), result.model_count
    plural = "s" * (n_providers != 1)
    print(f"wrote {n_providers} provider{plural}, {n_models:,} models to {out_dir}", file=out)
    for pid, provider in result.providers.items():
        print(f"  {pid}.yaml  {len(provider.models):,} models", file=out)
    if result.skipped:
        print(f"skipped {len(result.skipped)} providers:", file=out)
        for name, reason in result.skipped:
            print(f"  {name}: {reason}", file=out)
    if result.unmapped:
        total = sum(result.unmapped.values())
        print(f"source fields with no place in a manifest ({total:,} values):", file=out)
        ranked = result.unmapped.most_common()
        shown = ranked if verbose else ranked[:_TOP]
        width = max(len(name) for name, _ in shown)
        for name, count in shown:
            print(f"  {name.ljust(width)}  {count:,}", file=out)
        if len(ranked) > len(shown):
            print(f"  ... and {len(ranked) - len(shown)} more fields (--verbose)", file=out)
    if verbose:
        print(f"notes ({len(result.notes)}):", file=out)
        for note in result.notes:
            print(f"  {note}", file=out)
    else:
        hint = " (--verbose lists them)" if result.notes else ""
        print(f"{len(result.notes)} notes on figures left out{hint}", file=out)


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from ._export import export_json, litellm_model_map, litellm_proxy_config
    from ._registry import load_registry

    if args.format == "litellm-proxy" and not args.model:
        return _error("--format litellm-proxy needs at least one --model", 2)
    if args.format == "json" and (args.model or args.provider):
        return _error(
            "--format json is the whole registry: --model and --provider are not for it", 2
        )
    if args.format == "litellm-proxy" and args.provider:
        return _error("--provider is not for --format litellm-proxy; name models with --model", 2)
    reg = load_registry(args.path)
    if args.format == "litellm-proxy":
        config = litellm_proxy_config(reg, args.model)
        text = config.text
        for note in config.notes:
            print(f"registry: note: {note}", file=sys.stderr)
    elif args.format == "litellm":
        exported = litellm_model_map(reg, providers=args.provider, models=args.model)
        text = json.dumps(exported.models, indent=2, ensure_ascii=False) + "\n"
        _report_left_out(len(exported.models), exported.left_out, args.verbose)
    else:
        text = json.dumps(export_json(reg), indent=2, ensure_ascii=False) + "\n"
    target: Path | None = args.output
    if target is None:
        out.write(text)
        return 0
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _error(f"{target}: cannot write: {exc.strerror or exc}")
    print(f"wrote {target}", file=out)
    return 0


def _report_left_out(written: int, left_out: dict[str, list[str]], verbose: bool) -> None:
    """On stderr, so the map on stdout stays clean: what was written, and what was left out of
    it and why, counted by reason (every model with --verbose)."""
    from ._export import LITELLM_LEFT_OUT

    total = sum(len(names) for names in left_out.values())
    models = f"{written:,} model{'s' * (written != 1)}"
    if not total:
        print(f"registry: wrote {models} for LiteLLM; none left out", file=sys.stderr)
        return
    print(f"registry: wrote {models} for LiteLLM; left out {total:,}:", file=sys.stderr)
    width = len(f"{max(len(names) for names in left_out.values()):,}")
    for reason, names in left_out.items():
        line = f"  {len(names):>{width},}  {LITELLM_LEFT_OUT[reason]}"
        if reason == "no_litellm_name":
            by_provider = Counter(name.split("/", 1)[0] for name in names)
            line += ": " + ", ".join(f"{pid} ({n:,})" for pid, n in sorted(by_provider.items()))
        print(line, file=sys.stderr)
        if verbose:
            for name in names:
                print(f"  {'':>{width}}    {name}", file=sys.stderr)
    if not verbose:
        print("  (--verbose names each model)", file=sys.stderr)
