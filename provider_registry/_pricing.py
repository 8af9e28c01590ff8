"""Cost of a call in USD, as Decimal, from the manifest's per-1M-token prices.

No rounding: the result is exact, and callers round for display. A model without a price, or
without the price a token kind needs, costs None (unknown), never 0. A prompt above a tier's
threshold is charged at that tier's rates for the whole request; a request time (``at``) picks
the prices in force that day from ``price_history``, and the window of the week it falls in
(time-of-day prices, such as DeepSeek's off-peak rates) where the price has windows.

What ``at`` means, in one place (``moment``): None is now, read from the clock only for a price
with windows; a datetime is that instant (a naive one is read as UTC); a date alone names no
hour, so a price with windows charges its base rates for it.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._errors import InvalidParameterError
from ._replies import token_count, usage_problem

if TYPE_CHECKING:
    from ._resolver import Resolution

__all__ = [
    "PriceBook",
    "PriceLine",
    "TierLine",
    "WindowLine",
    "cost",
    "cost_of",
    "cost_of_usage",
    "decimal_text",
    "effective_rates",
    "now_utc",
    "own_rate",
    "price_at",
    "tier_for",
    "utc_day",
    "week_minute",
]

_PER = Decimal(1_000_000)
_RATES = ("input", "output", "cache_read", "cache_write")
_COUNTS = ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens")

Band = tuple[int, tuple[Decimal | None, ...]]
_DAY = 24 * 60
_UTC = datetime.timezone.utc


class TierLine:
    """One tier of a PriceLine, with the attributes of a manifest's ``PriceTier``."""

    __slots__ = ("above_input_tokens", "cache_read", "cache_write", "input", "output")

    def __init__(self, plain: Mapping[str, Any]) -> None:
        self.above_input_tokens: int = plain["above_input_tokens"]
        self.input: Decimal | None = plain.get("input")
        self.output: Decimal | None = plain.get("output")
        self.cache_read: Decimal | None = plain.get("cache_read")
        self.cache_write: Decimal | None = plain.get("cache_write")


class WindowLine:
    """One window of a PriceLine, with the attributes of a manifest's ``PriceWindow``; ``spans``
    holds its hours as (first minute, minute after the last) of the day."""

    __slots__ = (
        "cache_read",
        "cache_write",
        "hours",
        "input",
        "note",
        "output",
        "source",
        "spans",
        "weekdays",
    )

    def __init__(self, plain: Mapping[str, Any]) -> None:
        from ._manifest import ALL_WEEKDAYS, span_minutes

        self.input: Decimal | None = plain.get("input")
        self.output: Decimal | None = plain.get("output")
        self.cache_read: Decimal | None = plain.get("cache_read")
        self.cache_write: Decimal | None = plain.get("cache_write")
        self.hours: tuple[str, ...] = tuple(plain["hours"])
        self.weekdays: tuple[int, ...] = tuple(plain.get("weekdays", ALL_WEEKDAYS))
        self.source: str | None = plain.get("source")
        self.note: str | None = plain.get("note")
        self.spans = tuple(span_minutes(h) for h in self.hours)


class PriceLine:
    """One set of prices (the current one, or one from the history) with the attributes of a
    manifest's ``Price``, and each tier's effective rates worked out once: ``bands`` holds
    (threshold, (input, cache read, cache write, output)) from the highest threshold down, the
    base rates last at threshold -1.

    With windows, the week is cut once into stretches: ``week`` holds the minute of the week
    (0 is Monday 00:00 UTC) each stretch starts at, ``week_bands`` its bands, and
    ``week_window`` its window (None for the base rates), so finding the rates of an instant
    is one bisection. Without windows ``week`` is None."""

    __slots__ = (
        "bands",
        "cache_read",
        "cache_write",
        "input",
        "output",
        "since",
        "tiers",
        "until",
        "week",
        "week_bands",
        "week_window",
        "windows",
    )

    def __init__(self, plain: Mapping[str, Any]) -> None:
        self.input: Decimal | None = plain.get("input")
        self.output: Decimal | None = plain.get("output")
        self.cache_read: Decimal | None = plain.get("cache_read")
        self.cache_write: Decimal | None = plain.get("cache_write")
        self.tiers = tuple(TierLine(t) for t in plain.get("tiers", ()))
        self.since: datetime.date | None = plain.get("since")
        self.until: datetime.date | None = plain.get("until")
        bands: list[Band] = []
        for tier in sorted(self.tiers, key=lambda t: -t.above_input_tokens):
            rates = effective_rates(self, tier)
            bands.append((tier.above_input_tokens, _ordered(rates)))
        bands.append((-1, _ordered(effective_rates(self, None))))
        self.bands = tuple(bands)
        self.windows = tuple(WindowLine(w) for w in plain.get("windows", ()))
        self.week: tuple[int, ...] | None = None
        self.week_bands: tuple[tuple[Band, ...], ...] = ()
        self.week_window: tuple[WindowLine | None, ...] = ()
        if self.windows:
            self._cut_week()

    def _cut_week(self) -> None:
        taken = sorted(
            ((day - 1) * _DAY + start, (day - 1) * _DAY + end, window)
            for window in self.windows
            for day in set(window.weekdays)
            for start, end in window.spans
        )
        starts: list[int] = []
        owners: list[WindowLine | None] = []
        at = 0
        for start, end, window in taken:
            if start > at:
                starts.append(at)
                owners.append(None)
            starts.append(start)
            owners.append(window)
            at = max(at, end)
        if at < 7 * _DAY:
            starts.append(at)
            owners.append(None)
        own = {id(w): ((-1, _ordered(effective_rates(self, w))),) for w in self.windows}
        self.week = tuple(starts)
        self.week_window = tuple(owners)
        self.week_bands = tuple(self.bands if w is None else own[id(w)] for w in owners)

    def window_at(self, moment: datetime.datetime) -> WindowLine | None:
        """The window an instant (aware, or naive read as UTC) falls in; None: the base rates."""
        if self.week is None:
            return None
        return self.week_window[bisect_right(self.week, week_minute(moment)) - 1]

    def bands_at(self, at: datetime.date | None) -> tuple[Band, ...]:
        """The bands in force at ``at`` (see the module's docstring for what it means)."""
        week = self.week
        if week is None:
            return self.bands
        moment = now_utc() if at is None else at
        if not isinstance(moment, datetime.datetime):
            return self.bands  # a day names no hour: the base rates
        return self.week_bands[bisect_right(week, week_minute(moment)) - 1]


def now_utc() -> datetime.datetime:
    """What ``at=None`` means for a price with windows: this instant, in UTC."""
    return datetime.datetime.now(_UTC)


def week_minute(moment: datetime.datetime) -> int:
    """The minute of the UTC week an instant falls in (0 is Monday 00:00); a naive datetime is
    read as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_UTC)
    return (moment.isoweekday() - 1) * _DAY + moment.hour * 60 + moment.minute


def utc_day(at: datetime.date) -> datetime.date:
    """The UTC day of a date or datetime (a naive datetime is read as UTC)."""
    if isinstance(at, datetime.datetime):
        return at.astimezone(_UTC).date() if at.tzinfo is not None else at.date()
    return at


def _ordered(rates: Mapping[str, Decimal | None]) -> tuple[Decimal | None, ...]:
    return (rates["input"], rates["cache_read"], rates["cache_write"], rates["output"])


class PriceBook:
    """A model's prices as cost() uses them, converted once from its table entry: ``price`` and
    ``price_history`` as in a manifest's ``Model``."""

    __slots__ = ("price", "price_history", "windowed")

    def __init__(self, plain: Mapping[str, Any]) -> None:
        current = plain.get("price")
        self.price = None if current is None else PriceLine(current)
        self.price_history = tuple(PriceLine(p) for p in plain.get("price_history", ()))
        lines = (self.price, *self.price_history)
        self.windowed = any(line is not None and line.week is not None for line in lines)
        """Whether any of its prices has windows, so that the time of a request matters."""

    @classmethod
    def of(cls, plain: Mapping[str, Any]) -> PriceBook | None:
        """The book of a model's plain table entry; None when it has no price at all."""
        if plain.get("price") is None and not plain.get("price_history"):
            return None
        return cls(plain)


def cost(
    info: PriceBook | None,
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
    request made on that day, and a datetime in the window of the week it falls in; None is
    now. A date alone, for a price with windows, is charged at the base rates.
    """
    if (
        type(input_tokens) is int
        and type(output_tokens) is int
        and type(cached_tokens) is int
        and type(cache_write_tokens) is int
    ):
        fresh = input_tokens - cached_tokens - cache_write_tokens
    else:
        fresh = -1
    if fresh < 0 or output_tokens < 0 or cached_tokens < 0 or cache_write_tokens < 0:
        counts = (input_tokens, output_tokens, cached_tokens, cache_write_tokens)
        fresh = _checked(counts, provider)
    price = price_at(info, at)
    if price is None:
        return None
    bands = price.bands if price.week is None else price.bands_at(at)
    rates = next(r for above, r in bands if input_tokens > above)
    tokens_by_kind = (fresh, cached_tokens, cache_write_tokens, output_tokens)
    total = Decimal(0)
    for tokens, per_million in zip(tokens_by_kind, rates, strict=True):
        if tokens:
            if per_million is None:
                return None
            total += tokens * per_million
    return total / _PER


def _checked(counts: tuple[Any, ...], provider: str) -> int:
    """The uncached input tokens of counts that are not all plain ints (an int subclass is
    fine); raise for anything that is not a token count."""
    for name, n in zip(_COUNTS, counts, strict=True):
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidParameterError(provider, name, f"{n!r} is not a token count")
    fresh: int = counts[0] - counts[2] - counts[3]
    if fresh < 0:
        raise InvalidParameterError(
            provider, "cached_tokens", "cached and cache-write tokens exceed input_tokens"
        )
    return fresh


def decimal_text(value: Decimal) -> str:
    """A Decimal as exact plain text: trailing zeros dropped, never exponent form.

    >>> decimal_text(Decimal("0.80")), decimal_text(Decimal("1E+1")), decimal_text(Decimal("1E-7"))
    ('0.8', '10', '0.0000001')
    """
    return format(value.normalize(), "f")


def price_at(info: PriceBook | None, at: datetime.date | None) -> PriceLine | None:
    """The prices in force on the day of ``at`` (today's when None); None if unknown then."""
    if info is None:
        return None
    if at is None:
        return info.price
    day = utc_day(at)
    for past in info.price_history:  # oldest first
        if past.until is not None and day < past.until:
            return past
    current = info.price
    if current is not None and current.since is not None and day < current.since:
        return None  # before the current price, and no history covers that day
    return current


def tier_for(price: PriceLine, input_tokens: int) -> TierLine | None:
    """The tier a prompt of ``input_tokens`` falls in: the highest threshold it is above."""
    met = [t for t in price.tiers if input_tokens > t.above_input_tokens]
    return max(met, key=lambda t: t.above_input_tokens, default=None)


def own_rate(price: PriceLine, tier: TierLine | WindowLine | None, field: str) -> Decimal | None:
    """The tier's (or window's) rate for ``field`` where it has one, else the base rate (None
    if neither)."""
    value: Decimal | None = getattr(tier, field) if tier is not None else None
    return value if value is not None else getattr(price, field)


def effective_rates(
    price: PriceLine, tier: TierLine | WindowLine | None
) -> dict[str, Decimal | None]:
    """The rate each kind of token is charged at; cache kinds fall back to the input rate."""
    rates = {field: own_rate(price, tier, field) for field in _RATES}
    for field in ("cache_read", "cache_write"):
        if rates[field] is None:
            rates[field] = rates["input"]
    return rates


def cost_of_usage(
    info: PriceBook | None,
    usage: Mapping[str, Any] | None,
    provider: str = "",
    at: datetime.date | None = None,
) -> Decimal | None:
    """USD for an OpenAI-shaped ``usage`` object (prompt/completion tokens and their details);
    raises InvalidParameterError when it is not one (a count that is text, negative, ...)."""
    if usage is None or usage == {}:
        return None
    problem = usage_problem(usage)
    if problem is not None:
        raise InvalidParameterError(provider, "usage", problem)
    details = usage.get("prompt_tokens_details") or {}
    return cost(
        info,
        input_tokens=token_count(usage.get("prompt_tokens")) or 0,
        output_tokens=token_count(usage.get("completion_tokens")) or 0,
        cached_tokens=token_count(details.get("cached_tokens")) or 0,
        cache_write_tokens=token_count(details.get("cache_write_tokens")) or 0,
        at=at,
        provider=provider,
    )


def cost_of(
    reply: object,
    at: datetime.date | None = None,
    *,
    model: Resolution | str | None = None,
) -> Decimal | None:
    """USD for a reply, optionally as of ``at``.

    ``reply`` is a reply of completion() (it knows its model), a reply of the OpenAI SDK (a
    ``ChatCompletion``, or its ``model_dump()``), or a usage object alone (``reply.usage``). A
    reply that does not know its model is priced at ``model``: the Resolution it was sent with
    (``resolve(...)``, whose ``openai_client_kwargs()`` configured the SDK) or a name to
    resolve. Without one the cost is unknown, None, never zero.

    >>> cost_of({"usage": {"prompt_tokens": 10}})  # no model known: unknown, not zero
    """
    res = model if model is not None else getattr(reply, "resolution", None)
    if isinstance(res, str):
        from ._resolver import resolve

        res = resolve(res)
    data = _as_mapping(reply)
    usage = data.get("usage") if "usage" in data or not _is_usage(data) else data
    info = res.prices if res is not None else None
    provider = res.provider_id if res is not None else ""
    return cost_of_usage(info, usage, provider, at)


def _is_usage(data: Mapping[str, Any]) -> bool:
    return any(field in data for field in ("prompt_tokens", "completion_tokens"))


def _as_mapping(reply: object) -> Mapping[str, Any]:
    """A reply as a mapping: itself, or what its ``model_dump()`` gives (a pydantic model, as
    the OpenAI SDK returns)."""
    if isinstance(reply, Mapping):
        return reply
    dump = getattr(reply, "model_dump", None)
    if callable(dump):
        data = dump()
        if isinstance(data, Mapping):
            return data
    raise InvalidParameterError(
        "",
        "reply",
        f"a {type(reply).__name__} is not a reply",
        hint="pass what completion() returned, an OpenAI SDK ChatCompletion (or its "
        "model_dump()), or its usage",
    )
