"""`registry offers`: every provider's offer of one model, or the shared models of the catalog."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TextIO

from ._errors import CommandError

if TYPE_CHECKING:
    from ._offers import Offer

__all__ = ["add_commands"]

Handler = Callable[[argparse.Namespace, TextIO], int]

_TOP = 20
"""Shared models listed by --stats."""


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> dict[str, Handler]:
    """Add `offers` to `sub`; return its handler by command name."""
    p = sub.add_parser(
        "offers",
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="every provider's offer of one model: price, limits, key",
        description="List every provider's offer of MODEL, given by any of its names: its\n"
        "identity (meta-llama/Llama-3.3-70B-Instruct), any provider's wire id or alias, with\n"
        "or without the provider prefix, in any case. Prices are USD per 1M tokens; 'blend'\n"
        "is (3 x input + output) / 4, the price of a typical request that reads three tokens\n"
        "for each one it writes. 'key' says whether a key variable is set (never the key);\n"
        "'params' names required parameters nothing fills. Retired offers are left out.\n"
        "\n"
        "--json prints {version, identity, offers: [...]}, each offer with the keys identity,\n"
        "provider, model, ref (what resolve() takes), mode, price (input, output, cache_read,\n"
        "cache_write as decimal text, or null), blended_price, context_window,\n"
        "max_output_tokens, supports, status, quantization, variant, key_env, key_set,\n"
        "missing_params. --stats prints the number of models two or more providers offer and\n"
        "the most offered ones ({version, identities, shared, top: [{identity, providers}]}).",
        epilog="examples:\n"
        "  registry offers meta-llama/Llama-3.3-70B-Instruct\n"
        "  registry offers gpt-oss-120b --sort price --require tools --max-price 0.5\n"
        "  registry offers together/meta-llama/Llama-3.3-70B-Instruct-Turbo --json\n"
        "  registry offers --stats",
    )
    p.add_argument("model", nargs="?", help="any name of the model")
    p.add_argument(
        "--sort",
        choices=["provider", "price", "context"],
        default="provider",
        help="provider (default), price (blended, cheapest first, unpriced last), context\n"
        "(largest first)",
    )
    p.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="CAPABILITY",
        help="only offers that support it, e.g. tools, vision, json_schema (repeatable)",
    )
    p.add_argument(
        "--max-price",
        type=_price,
        metavar="USD",
        help="only offers whose blended price per 1M tokens is at most USD (unpriced ones\n"
        "are left out)",
    )
    p.add_argument("--include-retired", action="store_true", help="list retired offers too")
    p.add_argument("--stats", action="store_true", help="count the models offered by 2+ providers")
    p.add_argument("--json", action="store_true", help="print JSON (stable keys, see above)")
    return {"offers": _cmd_offers}


def _price(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of USD") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a price is a number of USD, 0 or more")
    return value


def _cmd_offers(args: argparse.Namespace, out: TextIO) -> int:
    import json
    from typing import get_args

    from ._cli_catalog import _print_table, _registry
    from ._manifest import Capability
    from ._offers import offer_index, offers

    known = get_args(Capability)
    for cap in args.require:
        if cap not in known:
            raise CommandError(
                f"unknown capability {cap!r}", hint=f"one of: {', '.join(sorted(known))}"
            )
    reg = _registry(args)
    if args.stats:
        index = offer_index(reg)
        shared = index.shared()
        if args.json:
            doc = {
                "version": 1,
                "identities": len(index.groups),
                "shared": len(shared),
                "top": [{"identity": index.identity[k], "providers": n} for k, n in shared[:_TOP]],
            }
            json.dump(doc, out, indent=2)
            out.write("\n")
            return 0
        print(
            f"{len(shared)} models are offered by 2 or more providers "
            f"({len(index.groups)} models in all)",
            file=out,
        )
        if shared:
            rows = [[index.identity[k], str(n)] for k, n in shared[:_TOP]]
            _print_table(["model", "providers"], rows, {1}, out)
        return 0
    if args.model is None:
        raise CommandError("name a model, or pass --stats", hint="registry offers gpt-oss-120b")
    found = offers(args.model, registry=reg, include_retired=args.include_retired)
    index = offer_index(reg)
    identity = index.identity[index.key_for(args.model) or ""]
    found = [
        o
        for o in found
        if all(cap in o.supports for cap in args.require)
        and (args.max_price is None or _within(o, args.max_price))
    ]
    found = _sorted(found, args.sort)
    if args.json:
        doc = {"version": 1, "identity": identity, "offers": [o.to_dict() for o in found]}
        json.dump(doc, out, indent=2)
        out.write("\n")
        return 0
    print(identity, file=out)
    if found:
        _print_table(_HEADER, [_row(o) for o in found], {3, 4, 5, 6, 7}, out)
    print(f"{len(found)} offer{'s' * (len(found) != 1)}", file=out)
    return 0


def _within(offer: Offer, ceiling: Decimal) -> bool:
    blend = offer.blended_price
    return blend is not None and blend <= ceiling


def _sorted(found: list[Offer], by: str) -> list[Offer]:
    if by == "price":
        return sorted(
            found,
            key=lambda o: (o.blended_price is None, o.blended_price or 0, o.provider, o.model),
        )
    if by == "context":
        return sorted(found, key=lambda o: (-(o.context_window or 0), o.provider, o.model))
    return sorted(found, key=lambda o: (o.provider, o.model.casefold()))


_HEADER = ["provider", "model", "attributes", "context", "max out", "$ in", "$ out", "blend"]
_HEADER += ["status", "key", "params"]


def _row(o: Offer) -> list[str]:
    from ._docs import count_text, rate_text

    def rate(value: Decimal | None) -> str:
        return "-" if value is None else rate_text(value)

    price = o.price
    attributes = ",".join(a for a in (o.quantization, o.variant) if a) or "-"
    return [
        o.provider,
        o.model,
        attributes,
        count_text(o.context_window),
        count_text(o.max_output_tokens),
        rate(price.input if price else None),
        rate(price.output if price else None),
        rate(o.blended_price),
        o.status,
        ("set" if o.key_set else "missing") if o.key_env else "none needed",
        ",".join(o.missing_params) or "ok",
    ]
