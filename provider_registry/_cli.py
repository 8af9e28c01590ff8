"""The ``registry`` command. Thin: parse arguments, call one function, pick a reporter.

Exit codes: 0 success, 1 invalid input or a failed look-up, 2 usage error. No traceback ever
reaches the user: library errors print as one actionable line each, anything else as an
internal error with a request to report it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import _cli_catalog, _cli_interop, _cli_live, _cli_offers, _cli_truth
from ._errors import ManifestWarning, RegistryError
from ._registry import load_registry
from ._resolver import Resolution, resolve
from ._rules import DEFAULT_MAX_AGE, parse_age

if TYPE_CHECKING:
    from ._validate import Report

__all__ = ["main", "run"]


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="registry",
        description="LLM API providers described as data: validate manifests, resolve models.",
        epilog="examples:\n  registry show wandb/Llama-3.1-8B-Instruct\n  registry validate",
        formatter_class=fmt,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="also read manifests from DIR (after PROVIDER_REGISTRY_PATH; repeatable)",
    )

    p = sub.add_parser(
        "validate",
        parents=[common],
        formatter_class=fmt,
        help="check manifests against the schema and the semantic rules",
        description="Validate the built-in manifests, PROVIDER_REGISTRY_PATH, and PATHs: the\n"
        "schema, the manifest rules, and the catalog rules (no silent 0 prices, cache reads\n"
        "above input, lifecycle dates that have passed; warnings for old data).\n"
        "Exit 0 when all are valid (warnings allowed), 1 when any is not, 2 on a usage error.",
        epilog="examples:\n"
        "  registry validate\n"
        "  registry validate my-providers/ acme.yaml\n"
        "  registry validate --format github --max-age 90d my-providers/",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="manifest files or directories")
    p.add_argument("--format", choices=sorted(_REPORTERS), default="text")
    p.add_argument(
        "--max-age",
        type=_age,
        default=DEFAULT_MAX_AGE,
        metavar="AGE",
        help="warn about data older than AGE, e.g. 90d or 12w; 'off' never (default: 180d)",
    )
    p.add_argument(
        "--manifests-only",
        action="store_true",
        help="skip, with a notice, a named YAML file that is plainly not a manifest (none of\n"
        "schema_version, id, api at its top level), such as a CI workflow; the pre-commit\n"
        "hook passes this",
    )

    p = sub.add_parser(
        "show",
        parents=[common],
        formatter_class=fmt,
        help="resolve a model and show the resolution (key masked)",
        description="Resolve MODEL as resolve() would and print the result; the key is masked.",
        epilog="examples:\n"
        "  registry show wandb/Llama-3.1-8B-Instruct --param project=team/proj\n"
        "  registry show Llama-3.1-8B-Instruct --api-base https://api.inference.wandb.ai/v1\n"
        "  registry show gpt-5.2 --json",
    )
    p.add_argument("model")
    p.add_argument("--provider", help="provider id or alias (skips detection)")
    p.add_argument("--api-base", metavar="URL", help="base URL the call would go to")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a provider parameter (repeatable)",
    )
    p.add_argument(
        "--include-retired", action="store_true", help="show a retired model's metadata too"
    )
    p.add_argument("--json", action="store_true", help="print JSON (stable keys)")

    p = sub.add_parser(
        "schema",
        formatter_class=fmt,
        help="write or check the JSON Schemas in schemas/",
        description="Write the JSON Schemas generated from the models (provider.schema.json for\n"
        "manifests, catalog.schema.json for `registry export --format json`), or with --check\n"
        "exit 1 when a file on disk differs from what would be generated.",
        epilog="examples:\n  registry schema\n  registry schema --check",
    )
    p.add_argument("--check", action="store_true", help="verify instead of writing")
    p.add_argument(
        "--output", type=Path, metavar="FILE", help="write only the manifest schema, here"
    )
    for module in (_cli_catalog, _cli_interop, _cli_truth, _cli_live, _cli_offers):
        _COMMANDS.update(module.add_commands(sub, common))
    return parser


def run() -> None:
    """The console script."""
    sys.exit(main())


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the CLI and return its exit code. argparse exits with 2 itself on a usage error."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            # What a load warns about (a missing directory, a file left out, a replaced
            # built-in) is shown once, as one line of the command's own.
            warnings.simplefilter("default", ManifestWarning)
            warnings.showwarning = _show_warning
            return _COMMANDS[args.command](args, out or sys.stdout)
    except RegistryError as exc:
        print(f"registry: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`registry list | head`): stop quietly, and keep the interpreter's
        # final flush from raising again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the promise: no traceback reaches a user
        print(
            f"registry: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in provider-registry; please report it with the command you ran.",
            file=sys.stderr,
        )
        return 1


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    print(f"registry: warning: {message}", file=sys.stderr)


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from ._validate import validate  # keeps jsonschema off every other command's start

    paths = [*args.path, *args.paths]
    if args.manifests_only:
        kept = [p for p in args.paths if not _plainly_not_a_manifest(p)]
        for skipped in (p for p in args.paths if p not in kept):
            print(f"registry: notice: {skipped}: skipped, not a provider manifest (no"
                  " schema_version, id or api at its top level)", file=sys.stderr)  # fmt: skip
        paths = [*args.path, *kept]
    report = validate(paths, max_age=args.max_age)
    _REPORTERS[args.format](report, out)
    return 0 if report.ok else 1


_MANIFEST_KEYS = frozenset({"schema_version", "id", "api"})


def _plainly_not_a_manifest(path: str) -> bool:
    """A readable YAML file whose top level is a mapping with none of a manifest's identifying
    keys (a CI workflow, .pre-commit-config.yaml). Anything in doubt is left to validate."""
    import yaml

    from ._yaml import MAX_BYTES

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return False
        data = yaml.load(raw, Loader=yaml.BaseLoader)  # text only: nothing is constructed
    except (OSError, yaml.YAMLError, ValueError):
        return False
    return isinstance(data, dict) and not _MANIFEST_KEYS.intersection(data)


def _age(text: str) -> datetime.timedelta | None:
    if text == "off":
        return None
    try:
        return parse_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _summary(report: Report, out: TextIO) -> None:
    n, w = len(report.errors), len(report.warnings)
    verdict = "all valid" if not n else f"{n} error{'s' * (n != 1)}"
    if w:
        verdict += f", {w} warning{'s' * (w != 1)}"
    print(f"{report.files_checked} files, {len(report.providers)} providers: {verdict}", file=out)


def _report_text(report: Report, out: TextIO) -> None:
    for problem in report.problems:
        print(problem, file=out)
    _summary(report, out)


def _report_json(report: Report, out: TextIO) -> None:
    json.dump(report.to_dict(), out, indent=2)
    out.write("\n")


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _report_github(report: Report, out: TextIO) -> None:
    """GitHub Actions workflow commands: each problem becomes an annotation on its line."""
    for p in report.problems:
        fields = [f"file={_gh_escape(p.file or '', prop=True)}"]
        if p.line is not None:
            fields.append(f"line={p.line}")
        if p.column is not None:
            fields.append(f"col={p.column}")
        message = f"{p.path}: {p.message}" if p.path else p.message
        if p.hint:
            message += f" ({p.hint})"
        print(f"::{p.severity} {','.join(fields)}::{_gh_escape(message)}", file=out)
    _summary(report, out)


_REPORTERS: dict[str, Callable[[Report, TextIO], None]] = {
    "text": _report_text,
    "json": _report_json,
    "github": _report_github,
}


def _cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            print(f"registry: error: --param wants NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        params[name] = value
    registry = load_registry(args.path) if args.path else None
    res = resolve(
        args.model, provider=args.provider, api_base=args.api_base, registry=registry,
        include_retired=args.include_retired, **params,
    )  # fmt: skip
    if args.json:
        json.dump(res.to_dict(), out, indent=2)
        out.write("\n")
    else:
        _print_rows(_show_rows(res), out)
    return 0


def _show_rows(res: Resolution) -> list[tuple[str, str]]:
    from ._docs import rate_text, source_text, window_text
    from ._secrets import key_flaw, mask_secret

    d = res.to_dict()
    key = d["api_key"] or "(none)"
    if res.key_source:
        key += f"  ({'from ' if res.api_key else ''}{res.key_source})"
    elif res.api_key is None and res.provider.auth.env:
        key += f"  (set {' or '.join(res.provider.auth.env)})"
    flaw = key_flaw(res.api_key) if res.api_key is not None else None
    if flaw is not None:
        key += f"; unusable: it {flaw[0]}"
    rows = [
        ("provider", f"{res.provider_id} ({res.provider.name})"),
        ("model", res.model),
        ("dialect", res.dialect),
        ("api_base", d["api_base"]),
        ("api_key", key),
    ]
    signing = res.provider.auth.signing
    if signing is not None:
        keys = res._signing
        if keys is None:
            how = f"(none)  (set {signing.key_id_env} and {signing.secret_env})"
        else:
            how = f"{signing.scheme}: {signing.key_id_env} {mask_secret(keys.key_id)}, "
            how += f"{signing.secret_env} {mask_secret(keys.secret)}"
            if keys.token is not None and signing.token_env:
                how += f", {signing.token_env} {mask_secret(keys.token)}"
        rows.append(("signing", how))
    for name, spec in res.provider.params.items():
        value = res.params.get(name)
        if value is None:
            value = "(not set" + (f": set {spec.env}" if spec.env else "") + ")"
            if spec.required:
                value += " required"
        rows.append((f"param {name}", value))
    info = res.model_info
    if info is None:
        rows.append(("model_info", "(not in the provider's table)"))
        return rows
    rows.append(("mode", info.mode))
    if info.context_window:
        rows.append(("context", f"{info.context_window:,} tokens"))
    if info.max_output_tokens:
        rows.append(("max output", f"{info.max_output_tokens:,} tokens"))
    if info.price:
        parts = [
            f"${rate_text(v)} {label}"
            for label, v in (
                ("input", info.price.input),
                ("output", info.price.output),
                ("cache read", info.price.cache_read),
                ("cache write", info.price.cache_write),
            )
            if v is not None
        ]
        rows.append(("price", " / ".join(parts) + " per 1M tokens"))
        rows += [("price window", window_text(w)) for w in info.price.windows]
    else:
        rows.append(("price", "(not published)"))
    if info.supports:
        rows.append(("supports", ", ".join(info.supports)))
    status: str = info.status
    if info.retired_on:
        status += (
            f" (retired on {info.retired_on})" if res.retired else f" (retires {info.retired_on})"
        )
    if info.replacement:
        status += f"; replacement {res.provider_id}/{info.replacement}"
    rows.append(("status", status))
    src = res.provider.source_of(info)
    rows.append(("source", source_text(src) if src else "(none recorded)"))
    rows += [(f"set by hand: {field}", why) for field, why in sorted(info.pinned.items())]
    if info.free:
        rows.append(("free", info.free))
    return rows


def _print_rows(rows: list[tuple[str, str]], out: TextIO) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}", file=out)


def _cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    from ._export import CATALOG_SCHEMA
    from ._schema import MANIFEST_SCHEMA

    # --output names where the manifest schema goes; without it, every schema file is handled.
    if args.output:
        targets = [(MANIFEST_SCHEMA, Path(args.output))]
    else:
        targets = [(s, s.path()) for s in (MANIFEST_SCHEMA, CATALOG_SCHEMA)]
    stale = 0
    for schema, target in targets:
        text = schema.text()
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}", file=out)
            continue
        try:
            current = target.read_text(encoding="utf-8")
        except OSError as exc:
            current = None
            print(f"{target}: cannot read: {exc.strerror}", file=out)
        if current == text:
            print(f"{target} is up to date", file=out)
        else:
            stale += 1
            if current is not None:
                print(f"{target} is stale: run `registry schema` to regenerate it", file=out)
    return 1 if stale else 0


Handler = Callable[[argparse.Namespace, TextIO], int]
_COMMANDS: dict[str, Handler] = {
    "validate": _cmd_validate,
    "show": _cmd_show,
    "schema": _cmd_schema,
}
