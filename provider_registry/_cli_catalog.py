"""`registry list`, `cost`, `new` and `docs`: the catalog from the command line.

Thin handlers, as in _cli: parse, call the library, print. Problems are raised as RegistryError
subclasses, which _cli.main prints as one line with exit code 1; argparse's own usage errors
exit with 2.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._errors import CommandError, RegistryError
from ._pricing import decimal_text

if TYPE_CHECKING:
    from ._docs import PageState
    from ._manifest import Model, Price, PriceTier
    from ._pricing import PriceBook, PriceLine, WindowLine
    from ._registry import Registry

__all__ = ["add_commands"]

Handler = Callable[[argparse.Namespace, TextIO], int]

_RATES = ("input", "output", "cache_read", "cache_write")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add this module's subcommands to `sub`; return their handlers by command name."""
    fmt = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser(
        "list",
        parents=[common],
        formatter_class=fmt,
        help="list the models of every provider, or of one",
        description="List models as a table sorted by provider, then model (case-insensitive),\n"
        "prices in USD per 1M tokens, followed by a line 'N models from M providers'.\n"
        "\n"
        "--json prints a list of objects instead, one per model, with these keys:\n"
        "  provider           provider id (text)\n"
        "  model              model id sent on the wire (text)\n"
        "  aliases            other names of the model (list of text)\n"
        "  mode               chat, completion, embedding, ... (text)\n"
        "  context_window     tokens (integer or null)\n"
        "  max_output_tokens  tokens (integer or null)\n"
        "  price              null when unpublished, else an object: input, output,\n"
        "                     cache_read, cache_write (USD per 1M tokens as decimal text, or\n"
        "                     null), and tiers (a list of such objects, each with\n"
        "                     above_input_tokens, an integer)\n"
        "  supports           capabilities (list of text)\n"
        "  status             experimental, ga, deprecated, retired or unverified (text)",
        epilog="examples:\n"
        "  registry list\n"
        "  registry list --provider wandb\n"
        "  registry list --provider openai --json\n"
        "  registry list --path my-providers/",
    )
    p.add_argument("--provider", metavar="ID", help="only this provider (an id or alias)")
    p.add_argument("--json", action="store_true", help="print JSON (stable keys, see above)")

    p = sub.add_parser(
        "cost",
        parents=[common],
        formatter_class=fmt,
        help="the USD cost of one call to a model",
        description="Resolve MODEL and print the cost of a call with these token counts: the\n"
        "exact amount in USD, a display rounded to 1/100 cent, and the rates used\n"
        "(USD per 1M tokens, a long-context tier's where the prompt is above its threshold).\n"
        "The cost is 'unknown' (exit 0) when the model has no price for those tokens.\n"
        "\n"
        "--input-tokens counts every prompt token, cached ones included; --cached-tokens and\n"
        "--cache-write-tokens say how many of them were read from or written to the cache.\n"
        "\n"
        "--at takes a day (the prices in force then) or an instant such as\n"
        "2026-12-05T03:00Z (UTC unless it names an offset), which also picks the window of\n"
        "a model whose prices depend on the hour (off-peak rates). For such a model a day\n"
        "alone is charged at its base rates, and no --at at the window in force now.\n"
        "\n"
        "--json keys: provider, model, at (date, UTC date-time, or null), input_tokens,\n"
        "output_tokens, cached_tokens, cache_write_tokens, tier_above_input_tokens (integer\n"
        "or null), window (the window charged: {hours, weekdays}, or null for the base rates),\n"
        "rates (input, output, cache_read, cache_write: the decimal text actually charged,\n"
        "or null; null as a whole when no price applies), cost_usd (exact decimal text or\n"
        "null), rounded_usd (decimal text or null), unknown_reason (text, null when known).",
        epilog="examples:\n"
        "  registry cost wandb/Llama-3.1-8B-Instruct --input-tokens 1000 --output-tokens 500\n"
        "  registry cost gpt-5.2 --input-tokens 1000 --cached-tokens 400 --output-tokens 100\n"
        "  registry cost gemini-2.5-pro --input-tokens 1000 --at 2026-06-01 --json\n"
        "  registry cost deepseek-v4-pro --input-tokens 1000 --output-tokens 10 "
        "--at 2026-12-05T03:00Z",
    )
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--input-tokens", type=_count, required=True, metavar="N")
    p.add_argument("--output-tokens", type=_count, required=True, metavar="N")
    p.add_argument("--cached-tokens", type=_count, default=0, metavar="N",
                   help="prompt tokens read from the cache (default 0)")  # fmt: skip
    p.add_argument("--cache-write-tokens", type=_count, default=0, metavar="N",
                   help="prompt tokens written to the cache (default 0)")  # fmt: skip
    p.add_argument("--at", type=_moment, metavar="YYYY-MM-DD[THH:MM[Z]]",
                   help="price the call as made on this day or at this instant (default: "
                   "now)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON (stable keys, see above)")

    p = sub.add_parser(
        "new",
        parents=[common],
        formatter_class=fmt,
        help="scaffold a provider manifest",
        description="Write DIR/ID.yaml: a valid manifest whose placeholder values (marked\n"
        "PLACEHOLDER) you replace with the provider's, with a comment on every field and a\n"
        "$schema line for editors. An existing file is kept unless --force is given.\n"
        "--path only adds manifests to the check that ID is not already taken.",
        epilog="examples:\n"
        "  registry new acme\n"
        "  registry new acme -o my-providers/ --name 'Acme AI'\n"
        "  registry validate my-providers/acme.yaml",
    )
    p.add_argument("id", metavar="ID", help="provider id: lower-case letters, digits, - and _")
    p.add_argument("-o", "--output", type=Path, default=Path("."), metavar="DIR",
                   help="directory to write to (default: the current one)")  # fmt: skip
    p.add_argument("--name", help="display name (default: from ID)")
    p.add_argument("--force", action="store_true", help="replace an existing file")

    p = sub.add_parser(
        "docs",
        formatter_class=fmt,
        help="write or check the Markdown page of every provider",
        description="Write DIR/<id>.md for every built-in provider (and those of --path), from\n"
        "its manifest, and a page for every model two or more providers offer, listing\n"
        "their offers, with an index README.md (in docs/models next to docs/providers, or in\n"
        "--models-output; with -o alone, none). A provider page's generated text goes\n"
        "between the lines\n"
        "  <!-- BEGIN GENERATED: registry docs -->\n"
        "  <!-- END GENERATED -->\n"
        "and text outside them is kept; an existing page without them is never overwritten.\n"
        "Model pages are wholly generated; one that no shared model calls for is removed.\n"
        "PROVIDER_REGISTRY_PATH is not read, so the pages do not depend on the environment.\n"
        "--check writes nothing and exits 1 listing stale, missing and extra pages.",
        epilog="examples:\n"
        "  registry docs\n"
        "  registry docs --check\n"
        "  registry docs -o site/providers --path my-providers/",
    )
    # Not the shared --path, whose help says "after PROVIDER_REGISTRY_PATH": docs reads no
    # environment.
    p.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="also read manifests from DIR (after the built-ins; repeatable)",
    )
    p.add_argument("-o", "--output", type=Path, metavar="DIR",
                   help="default: docs/providers of the checkout")  # fmt: skip
    p.add_argument(
        "--models-output",
        type=Path,
        metavar="DIR",
        help="where the shared models' pages go (default: docs/models of the checkout; with\n"
        "-o DIR and no --models-output, they are not written)",
    )
    p.add_argument("--check", action="store_true", help="verify instead of writing")

    return {"list": _cmd_list, "cost": _cmd_cost, "new": _cmd_new, "docs": _cmd_docs}


# --- argument types -------------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a token count cannot be negative")
    return n


def _moment(text: str) -> datetime.date:
    """A day, or an instant: naive means UTC, and a trailing Z (which Python 3.10's
    fromisoformat refuses) is UTC too."""
    if "T" not in text.upper() and " " not in text.strip():
        return _date(text)
    clock = text.strip()
    if clock[-1:] in ("Z", "z"):
        clock = clock[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(clock)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM, UTC "
            "unless an offset such as +08:00 follows)"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


# --- shared ---------------------------------------------------------------------------------


def _registry(args: argparse.Namespace) -> Registry:
    from ._registry import default_registry, load_registry

    return load_registry(args.path) if args.path else default_registry()


def _shown(path: Path) -> str:
    """A path as people expect to see it: relative when under the working directory."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _rounded(value: Decimal) -> str:
    """USD to 1/100 cent, shown with two places when that loses nothing."""
    q = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    cents = q.quantize(Decimal("0.01"))
    return f"{cents:f}" if q == cents else f"{q:f}"


def _print_table(header: list[str], rows: list[list[str]], right: set[int], out: TextIO) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c.rjust(w) if i in right else c.ljust(w)
                  for i, (c, w) in enumerate(zip(cells, widths, strict=True))]  # fmt: skip
        return "  ".join(padded).rstrip()

    print(line(header), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print(line(r), file=out)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


# --- list -----------------------------------------------------------------------------------


def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from ._docs import count_text, rate_text
    from ._errors import UnknownProviderError
    from ._resolver import close_matches

    reg = _registry(args)
    if args.provider is not None:
        entry = reg.entry_for_prefix(args.provider)
        if entry is None:
            raise UnknownProviderError(args.provider, close_matches(args.provider, reg.prefixes()))
        pids = [entry.id]
    else:
        pids = sorted(reg.providers)
    models = [
        (pid, model_id, m)
        for pid in pids
        for model_id, m in sorted(
            reg.provider(pid).models.items(), key=lambda kv: (kv[0].casefold(), kv[0])
        )
    ]
    if args.json:
        json.dump([_model_json(pid, mid, m) for pid, mid, m in models], out, indent=2)
        out.write("\n")
        return 0

    def rate(value: Decimal | None) -> str:
        return "-" if value is None else rate_text(value)

    header = ["provider", "model", "mode", "context", "max out", "$ in", "$ out", "status"]
    rows = [
        [
            pid,
            model_id,
            m.mode,
            count_text(m.context_window),
            count_text(m.max_output_tokens),
            rate(m.price.input if m.price else None),
            rate(m.price.output if m.price else None),
            m.status,
        ]
        for pid, model_id, m in models
    ]
    if rows:
        _print_table(header, rows, {3, 4, 5, 6}, out)
    print(f"{_plural(len(models), 'model')} from {_plural(len(pids), 'provider')}", file=out)
    return 0


def _rates_json(rates: Price | PriceTier) -> dict[str, Any]:
    return {field: _decimal(getattr(rates, field)) for field in _RATES}


def _model_json(pid: str, model_id: str, m: Model) -> dict[str, Any]:
    price: dict[str, Any] | None = None
    if m.price is not None:
        tiers = [
            {"above_input_tokens": t.above_input_tokens, **_rates_json(t)} for t in m.price.tiers
        ]
        price = {**_rates_json(m.price), "tiers": tiers}
    return {
        "provider": pid,
        "model": model_id,
        "aliases": list(m.aliases),
        "mode": m.mode,
        "context_window": m.context_window,
        "max_output_tokens": m.max_output_tokens,
        "price": price,
        "supports": list(m.supports),
        "status": m.status,
    }


# --- cost -----------------------------------------------------------------------------------


def _cmd_cost(args: argparse.Namespace, out: TextIO) -> int:
    import json
    import warnings

    from ._docs import rate_text
    from ._pricing import effective_rates, now_utc, own_rate, price_at, tier_for, utc_day
    from ._resolver import resolve

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # strict: a typo after a provider prefix gets "did you mean", not an unknown cost. A
        # past request (--at) may be to a model retired since.
        res = resolve(
            args.model, registry=_registry(args), strict=True, include_retired=args.at is not None
        )
    for w in caught:
        print(f"registry: warning: {w.message}", file=sys.stderr)

    counts = {
        "input_tokens": args.input_tokens,
        "output_tokens": args.output_tokens,
        "cached_tokens": args.cached_tokens,
        "cache_write_tokens": args.cache_write_tokens,
    }
    book = res.prices
    # A price with windows is charged at the window of one instant: read the clock once, and
    # price and show the same one.
    at = now_utc() if args.at is None and book is not None and book.windowed else args.at
    total = res.cost(**counts, at=at)  # validates the counts; the one source of the sum
    price = price_at(book, at)
    tier = tier_for(price, args.input_tokens) if price is not None else None
    window = None
    if price is not None and isinstance(at, datetime.datetime):
        window = price.window_at(at)
    rates = effective_rates(price, window or tier) if price is not None else None
    fresh = args.input_tokens - args.cached_tokens - args.cache_write_tokens
    parts = [
        ("input" if fresh == args.input_tokens else "uncached input", "input", fresh),
        ("cache read", "cache_read", args.cached_tokens),
        ("cache write", "cache_write", args.cache_write_tokens),
        ("output", "output", args.output_tokens),
    ]
    if args.at is not None and price is not None and book is not None:
        early = _before_known_price(book, price, utc_day(args.at), res)
        if early:
            print(f"registry: warning: {early}", file=sys.stderr)
    reason = None
    if total is None:
        day = None if args.at is None else utc_day(args.at)
        reason = _unknown_reason(res.model_info is not None, book, price, day, rates, parts)
    name = f"{res.provider_id}/{res.model}"

    if args.json:
        doc = {
            "provider": res.provider_id,
            "model": res.model,
            "at": _at_text(args.at) if args.at else None,
            **counts,
            "tier_above_input_tokens": tier.above_input_tokens if tier else None,
            "window": None
            if window is None
            else {"hours": list(window.hours), "weekdays": list(window.weekdays)},
            "rates": None if rates is None else {k: _decimal(v) for k, v in rates.items()},
            "cost_usd": None if total is None else decimal_text(total),
            "rounded_usd": None if total is None else _rounded(total),
            "unknown_reason": reason,
        }
        json.dump(doc, out, indent=2)
        out.write("\n")
        return 0

    when = "current"
    if isinstance(args.at, datetime.datetime):
        when = f"in force at {_at_text(args.at)}"
    elif args.at is not None:
        when = f"in force on {args.at}"
    rows = [("model", name), ("prices", when)]
    if tier is not None:
        rows.append(("tier", f"prompt above {tier.above_input_tokens:,} tokens"))
    if price is not None and price.windows:
        rows.append(("window", _window_row(window, at)))
    for label, field, tokens in parts:
        if not tokens and field in ("cache_read", "cache_write"):
            continue
        per = rates.get(field) if rates is not None else None
        if per is None:
            rows.append((label, f"{tokens:,} tokens, no price"))
            continue
        note = ""
        own = own_rate(price, window or tier, field) if price is not None else None
        if field.startswith("cache") and price is not None and own is None:
            note = " (the input rate: no separate cache price)"
        amount = decimal_text(tokens * per / Decimal(1_000_000))
        rows.append((label, f"{tokens:,} tokens x ${rate_text(per)} per 1M = ${amount}{note}"))
    if total is None:
        rows.append(("cost", f"unknown: {reason}"))
    else:
        rows.append(("cost", f"${decimal_text(total)} (exact)"))
        rows.append(("rounded", f"${_rounded(total)}"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}", file=out)
    return 0


def _at_text(at: datetime.date) -> str:
    if isinstance(at, datetime.datetime):
        return at.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    return at.isoformat()


def _window_row(window: WindowLine | None, at: datetime.date | None) -> str:
    from ._docs import window_text

    if window is not None:
        return window_text(window)
    if isinstance(at, datetime.datetime):
        return f"none at {_at_text(at)}: the base rates"
    return "none: a day names no hour, so the base rates apply (give a time to pick a window)"


def _unknown_reason(
    listed: bool,
    book: PriceBook | None,
    price: PriceLine | None,
    at: datetime.date | None,
    rates: dict[str, Decimal | None] | None,
    parts: list[tuple[str, str, int]],
) -> str:
    if not listed:
        return "the model is not in the provider's table"
    if price is None:
        if at is not None and book is not None:
            return f"no price was in force on {at.isoformat()}"
        return "the provider publishes no price for this model"
    missing = [
        field.replace("_", " ") for _, field, n in parts if n and (rates or {}).get(field) is None
    ]
    return f"no {' or '.join(missing)} price" if missing else "no price for these tokens"


# --- new ------------------------------------------------------------------------------------

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# Scaffolded by `registry new {id}`. Every value marked PLACEHOLDER is made up: replace it with
# the provider's own (or delete the line) before relying on this file. Optional fields are
# shown commented out. Check the result with: registry validate {file}
schema_version: 1  # the manifest format this file follows; leave it at 1
# The prefix in "{id}/<model>": lower-case letters, digits, '-' and '_'.
id: {id_value}
name: {name}  # display name
# docs_url: https://docs.example.com/api  # PLACEHOLDER: the provider's API documentation
# aliases: [{id}_ai]  # other prefixes that select this provider (e.g. LiteLLM's name for it)
# owns: [{id}-*]  # bare model names it owns: an exact name, or a prefix ending in '*'
api:
  # Request shape: openai (chat completions) or anthropic (messages).
  dialect: openai
  # PLACEHOLDER: the base URL, without the dialect's path (no /chat/completions).
  base_url: https://api.example.com/{id}/v1
  # Optional, and the name is only a suggestion: a variable that overrides base_url when set.
  base_url_env: {env}_API_BASE
  # PLACEHOLDER: host[:port][/path] entries that identify this provider from an api_base.
  endpoints: [api.example.com/{id}/v1]
  # headers: {{X-Api-Version: '2024-01-01'}}  # static headers sent on every request
auth:
  # PLACEHOLDER: environment variables holding the key, in order; the first one set wins.
  env: [{env}_API_KEY]
  # header: Authorization  # the header that carries the key
  # scheme: Bearer  # left out: Bearer for Authorization, the bare key for any other header
  # required: false  # for servers that need no key (local Ollama, vLLM)
# params:  # provider-specific parameters, by the keyword callers pass to resolve()
#   project:
#     send_as: {{header: X-Project}}  # exactly one of header, body, query or placeholder
#     required: false  # true: a request without a value is refused before it is sent
#     env: {env}_PROJECT  # environment variable that supplies the value
#     pattern: '^[a-z0-9-]+$'  # regular expression a value must match in full
#     description: What the parameter means.
# request:  # how this provider's request body differs from its dialect's
#   rename: {{max_completion_tokens: max_tokens}}
#   unsupported: [logprobs]  # dropped with a warning
#   defaults: {{max_tokens: 4096}}  # sent when the caller gives none
# interop:  # its names in other catalogs
#   litellm: [{id}]
#   models_dev: [{id}]
sources:
  # PLACEHOLDER: where the figures below come from. as_of is the date of the data (for a live
  # page, the day you read it); add `checked: YYYY-MM-DD` when you compare figures with the
  # provider's own page later. A model names another source with `source: ID`.
  - id: pricing
    name: PLACEHOLDER - the provider's models and pricing pages
    url: https://docs.example.com/pricing
    as_of: {today}
models:
  # PLACEHOLDER: one entry per model, keyed by the id sent on the wire.
  example-model:
    mode: chat  # chat, completion, responses, embedding, rerank, ...
    # aliases: [example]  # other names that resolve to this model
    # context_window: 128000  # most tokens in prompt plus completion
    # max_output_tokens: 8192  # only where the provider publishes a limit
    # USD per 1M tokens, written as decimals. Leave price out when none is published: the
    # cost is then unknown, never zero.
    # price: {{input: 1.00, output: 2.00, cache_read: 0.10}}
    # supports: [streaming, system_messages, tools]
    # status: ga  # experimental, ga, deprecated (give deprecated_on) or retired (retired_on)
    # pinned: {{price: why}}  # a figure set by hand: registry sync leaves it alone
"""


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain when YAML reads it back as that text, else quoted."""
    import json

    import yaml

    try:
        plain = yaml.safe_load(text) == text and ": " not in text and " #" not in text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def _schema_ref(directory: Path) -> str:
    from ._schema import schema_ref

    return schema_ref(directory)


def _before_known_price(book: Any, price: Any, at: datetime.date, res: Any) -> str | None:
    """A warning when ``at`` is before the earliest day the manifest knows ``price`` applied:
    its ``since``, or else (the oldest price, with no start) the date of the model's source.
    A later price in history starts where the one before it ends, which is known."""
    name = f"{res.provider_id}/{res.model}"
    oldest = (book.price_history or [book.price])[0]
    start = price.since
    if start is None and price is not oldest:
        return None
    if start is not None:
        if at >= start:
            return None
        return f"{at} is before {start}, the earliest day the manifest knows a price of {name} for"
    source = res.provider.source_of(res.model_info) if res.model_info is not None else None
    if source is not None and at >= source.as_of:
        return None
    known = f" (it is known as of {source.as_of}, from {source.id!r})" if source else ""
    return (
        f"the manifest does not say since when {name} has this price{known}; whether it"
        f" applied on {at} is unknown"
    )


def _cmd_new(args: argparse.Namespace, out: TextIO) -> int:
    import re

    from ._loader import load_manifest
    from ._manifest import SLUG

    pid: str = args.id
    if not re.fullmatch(SLUG, pid) or len(pid) > 64:
        raise CommandError(
            f"{pid!r} is not a provider id",
            hint="an id is 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit",
        )
    name = args.name if args.name is not None else pid.replace("-", " ").replace("_", " ").title()
    if not name.strip():
        raise CommandError("--name is empty", hint="give the provider's display name")
    directory: Path = args.output
    target = directory / f"{pid}.yaml"
    if target.is_dir():
        raise CommandError(f"{_shown(target)} is a directory")
    if target.exists() and not args.force:
        raise CommandError(
            f"refusing to overwrite {_shown(target)}: it already exists",
            hint="pass --force to replace it, or -o DIR to write elsewhere",
        )
    env = pid.upper().replace("-", "_")
    if not env[0].isalpha():
        env = f"PROVIDER_{env}"  # environment variable names must start with a letter
    text = _TEMPLATE.format(
        schema=_schema_ref(directory),
        id=pid,
        id_value=_scalar(pid),
        name=_scalar(name),
        env=env,
        file=_shown(target),
        today=datetime.date.today().isoformat(),
    )
    # A scaffold that fails validation would teach the wrong thing; check before writing.
    load_manifest(text, file=_shown(target))
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {_shown(target)}", file=out)
    print(f"next: replace its PLACEHOLDER values, then run `registry validate {_shown(target)}`",
          file=out)  # fmt: skip
    _note_taken(args, pid)
    return 0


def _note_taken(args: argparse.Namespace, pid: str) -> None:
    # Reusing a known id is legitimate (a drop-in replaces a built-in), so this is a note only.
    # A registry that fails to load must not stop scaffolding, which needs none.
    try:
        reg = _registry(args)
    except RegistryError:
        return
    entry = reg.entry_for_prefix(pid)
    if entry is not None:
        what = "provider" if entry.id == pid else f"an alias of provider {entry.id!r}"
        print(
            f"registry: note: {pid!r} is already a {what}; this manifest would replace it",
            file=sys.stderr,
        )


# --- docs -----------------------------------------------------------------------------------


def _cmd_docs(args: argparse.Namespace, out: TextIO) -> int:
    import os

    from ._docs import plan_model_pages, plan_pages
    from ._registry import builtin_dir, load_registry

    directory: Path | None = args.output
    models: Path | None = args.models_output
    if directory is None:
        directory = builtin_dir().parent / "docs" / "providers"
        if not directory.is_dir():
            raise CommandError(
                f"no docs/providers directory next to the built-in manifests ({directory})",
                hint="pass -o DIR to write the pages elsewhere",
            )
    if models is None and args.output is None:
        models = directory.parent / "models"
    for where in (directory, models):
        if where is not None and where.exists() and not where.is_dir():
            raise CommandError(f"{_shown(where)} is not a directory")
    reg = load_registry(args.path, env=False)
    states = plan_pages(reg.providers, directory, display=Path(_shown(directory)))
    if models is not None:
        link = Path(os.path.relpath(directory.absolute(), models.absolute())).as_posix()
        states += plan_model_pages(reg, models, link, display=Path(_shown(models)))
    if args.check:
        return _report_check(states, out)

    refused = [s.reason for s in states if s.state == "refused"]
    if refused:
        raise CommandError("; ".join(refused))
    directory.mkdir(parents=True, exist_ok=True)
    if models is not None:
        models.mkdir(parents=True, exist_ok=True)
    written = unchanged = 0
    code = 0
    for s in states:
        shown = _shown(s.path)
        if s.state in ("stale", "missing") and s.text is not None:
            s.path.write_text(s.text, encoding="utf-8", newline="\n")
            print(f"wrote {shown}", file=out)
            written += 1
        elif s.state == "current":
            unchanged += 1
        elif s.state == "extra" and s.removable:
            s.path.unlink()
            print(f"removed {shown}: no {s.kind} {s.path.stem!r}", file=out)
        elif s.state == "extra":
            print(
                f"{shown}: no provider {s.path.stem!r}, but the page holds hand-written text; "
                "delete it or its generated block",
                file=out,
            )
            code = 1
    pages = _plural(written + unchanged, "page")
    place = _shown(directory) + ("" if models is None else f" and {_shown(models)}")
    print(f"{pages} in {place}: {written} written, {unchanged} unchanged", file=out)
    return code


def _report_check(states: list[PageState], out: TextIO) -> int:
    problems = 0
    for s in states:
        shown = _shown(s.path)
        if s.state == "stale":
            print(f"{shown} is stale", file=out)
        elif s.state == "missing":
            print(f"{shown} is missing", file=out)
        elif s.state == "extra":
            print(f"{shown} documents no {s.kind} {s.path.stem!r}: delete it", file=out)
        elif s.state == "refused":
            print(s.reason, file=out)
        else:
            continue
        problems += 1
    if problems:
        print(f"{_plural(problems, 'page')} out of date: run `registry docs`", file=out)
        return 1
    current = sum(s.state == "current" for s in states)
    print(f"{_plural(current, 'page')} up to date", file=out)
    return 0
