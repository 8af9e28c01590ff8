"""Cost of a call in USD, as Decimal, from the manifest's per-1M-token prices.

No rounding: the result is exact, and callers round for display. A model without a price, or
without the price a token kind needs, costs None (unknown), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._errors import InvalidParameterError
from ._manifest import Model

__all__ = ["cost", "cost_of_usage"]

_PER = Decimal(1_000_000)


def cost(
    info: Model | None,
    *,
    input_tokens: int,
    output_tokens: int = 0,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
    provider: str = "",
) -> Decimal | None:
    """USD for one call. ``input_tokens`` counts every prompt token, cached ones included.

    Cached tokens are charged at ``cache_read`` and cache writes at ``cache_write`` where the
    model has those prices, else at the input price.
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
    price = info.price if info is not None else None
    if price is None:
        return None
    fresh = input_tokens - cached_tokens - cache_write_tokens
    parts = [
        (fresh, price.input),
        (cached_tokens, price.cache_read if price.cache_read is not None else price.input),
        (cache_write_tokens, price.cache_write if price.cache_write is not None else price.input),
        (output_tokens, price.output),
    ]
    total = Decimal(0)
    for tokens, per_million in parts:
        if tokens:
            if per_million is None:
                return None
            total += tokens * per_million
    return total / _PER


def cost_of_usage(
    info: Model | None, usage: Mapping[str, Any] | None, provider: str = ""
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
        provider=provider,
    )
