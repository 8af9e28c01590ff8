"""Cost of a call in USD, as Decimal, from the manifest's per-1M-token prices.

No rounding: the result is exact, and callers round for display. A model without a price, or
without the price a token kind needs, costs None (unknown), never 0. A prompt above a tier's
threshold is charged at that tier's rates for the whole request; a request time (``at``) picks
the prices in force that day from ``price_history``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._errors import InvalidParameterError
from ._manifest import Model, Price, PriceTier

__all__ = [
    "cost",
    "cost_of",
    "cost_of_usage",
    "decimal_text",
    "effective_rates",
    "own_rate",
    "price_at",
    "tier_for",
]

_PER = Decimal(1_000_000)
_RATES = ("input", "output", "cache_read", "cache_write")


def cost(
    info: Model | None,
    *,
    input_tokens: int,
    output_tokens: int = 0,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
    at: datetime.date | None = None,
    provider: str = "",
) -> Decimal | None:
    """USD for one call. ``input_tokens`` counts every prompt token, cached ones included.

    Cached tokens are charged at ``cache_read`` and cache writes at ``cache_write`` where the
    model has those prices, else at the input price. ``at`` (a date or datetime) prices a
    request made on that day.
    """
    counts = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_tokens": cached_tokens,
        "cache_write_tokens": cache_write_tokens,
    }
    for name, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidParameterError(provider, name, f"{n!r} is not a token count")
    if cached_tokens + cache_write_tokens > input_tokens:
        raise InvalidParameterError(
            provider, "cached_tokens", "cached and cache-write tokens exceed input_tokens"
        )
    price = price_at(info, at)
    if price is None:
        return None
    rates = effective_rates(price, tier_for(price, input_tokens))
    fresh = input_tokens - cached_tokens - cache_write_tokens
    parts = [
        (fresh, rates["input"]),
        (cached_tokens, rates["cache_read"]),
        (cache_write_tokens, rates["cache_write"]),
        (output_tokens, rates["output"]),
    ]
    total = Decimal(0)
    for tokens, per_million in parts:
        if tokens:
            if per_million is None:
                return None
            total += tokens * per_million
    return total / _PER


def decimal_text(value: Decimal) -> str:
    """A Decimal as exact plain text: trailing zeros dropped, never exponent form.

    >>> decimal_text(Decimal("0.80")), decimal_text(Decimal("1E+1")), decimal_text(Decimal("1E-7"))
    ('0.8', '10', '0.0000001')
    """
    return format(value.normalize(), "f")


def price_at(info: Model | None, at: datetime.date | None) -> Price | None:
    """The prices in force on the day of ``at`` (today's when None); None if unknown then."""
    if info is None:
        return None
    if at is None:
        return info.price
    day = at.astimezone(datetime.timezone.utc).date() if isinstance(at, datetime.datetime) else at
    for past in info.price_history:  # oldest first
        if day < past.until:
            return past
    current = info.price
    if current is not None and current.since is not None and day < current.since:
        return None  # before the current price, and no history covers that day
    return current


def tier_for(price: Price, input_tokens: int) -> PriceTier | None:
    """The tier a prompt of ``input_tokens`` falls in: the highest threshold it is above."""
    met = [t for t in price.tiers if input_tokens > t.above_input_tokens]
    return max(met, key=lambda t: t.above_input_tokens, default=None)


def own_rate(price: Price, tier: PriceTier | None, field: str) -> Decimal | None:
    """The tier's rate for ``field`` where it has one, else the base rate (None if neither)."""
    value: Decimal | None = getattr(tier, field) if tier is not None else None
    return value if value is not None else getattr(price, field)


def effective_rates(price: Price, tier: PriceTier | None) -> dict[str, Decimal | None]:
    """The rate each kind of token is charged at; cache kinds fall back to the input rate."""
    rates = {field: own_rate(price, tier, field) for field in _RATES}
    for field in ("cache_read", "cache_write"):
        if rates[field] is None:
            rates[field] = rates["input"]
    return rates


def cost_of_usage(
    info: Model | None,
    usage: Mapping[str, Any] | None,
    provider: str = "",
    at: datetime.date | None = None,
) -> Decimal | None:
    """USD for an OpenAI-shaped ``usage`` object (prompt/completion tokens and their details)."""
    if not usage:
        return None
    details = usage.get("prompt_tokens_details") or {}
    return cost(
        info,
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        cached_tokens=int(details.get("cached_tokens") or 0),
        cache_write_tokens=int(details.get("cache_write_tokens") or 0),
        at=at,
        provider=provider,
    )


def cost_of(reply: Mapping[str, Any], at: datetime.date | None = None) -> Decimal | None:
    """USD for a reply returned by completion() (it knows its model), optionally as of ``at``.

    >>> cost_of({"usage": {"prompt_tokens": 10}})  # no model known: unknown, not zero
    """
    res = getattr(reply, "resolution", None)
    info = res.model_info if res is not None else None
    provider = res.provider_id if res is not None else ""
    return cost_of_usage(info, reply.get("usage"), provider, at)
