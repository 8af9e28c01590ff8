"""Other catalogs, read as facts about our providers: what ``registry audit`` compares with and
what ``registry sync`` takes figures from.

A reader turns one catalog (LiteLLM's price table, the models.dev API, genai-prices' data) into a
``View`` per provider we know, mapped through the manifests' ``interop`` names: the catalog's
model ids, and for each the figures it gives (prices per 1M tokens, limits, lifecycle), exactly
as the catalog says them. Nothing here judges a figure; the audit and sync do.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import SourceError
from ._import import _ll_decimal, _md_decimal
from ._paths import FileRefused, read_regular

if TYPE_CHECKING:
    from ._manifest import Price, Provider
    from ._registry import Registry

__all__ = [
    "KINDS",
    "Facts",
    "Table",
    "Tier",
    "View",
    "Window",
    "load_data",
    "load_table",
    "read_table",
    "stretch_text",
    "timed_differences",
    "week_of",
]

KINDS = {"litellm": "litellm", "models.dev": "models_dev", "genai-prices": "genai_prices"}
"""Each catalog kind, and the ``interop`` field that maps its provider names to ours."""

MAX_BYTES = 256 * 1024 * 1024
"""The most a catalog file or URL may hold (LiteLLM's table is about 1.5 MB today)."""

RATES = ("input", "output", "cache_read", "cache_write")
LIMITS = ("context_window", "max_output_tokens")
DAY = 24 * 60
WEEK = 7 * DAY
ALL_DAYS = frozenset(range(1, 8))
_DAY_NAMES = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclasses.dataclass(frozen=True)
class Window:
    """Rates a catalog (or a manifest) gives for stretches of the UTC week, in one shape:
    ISO weekdays, and (first minute, minute after the last) spans of the day, never across
    midnight. A rate it leaves out is the base rate."""

    weekdays: frozenset[int]
    spans: tuple[tuple[int, int], ...]
    rates: Mapping[str, Decimal]


Rates = Mapping[str, "Decimal | None"]


@dataclasses.dataclass(frozen=True)
class Tier:
    """Rates a catalog gives for a whole request whose prompt has more tokens than
    ``above_input_tokens`` (as a manifest's tiers are). A rate it leaves out, it gives no figure
    for."""

    above_input_tokens: int
    rates: Mapping[str, Decimal]


def week_of(
    base: Rates, windows: Iterable[Window]
) -> list[tuple[int, int, dict[str, Decimal | None]]]:
    """The week as (start, end, rates) stretches in minutes from Monday 00:00 UTC: the base
    rates, with each window's laid over them (a later window over an earlier one, as
    genai-prices reads its conditional prices)."""
    owner = [-1] * WEEK
    listed = list(windows)
    for i, w in enumerate(listed):
        for day in w.weekdays:
            for start, end in w.spans:
                lo = (day - 1) * DAY
                owner[lo + start : lo + end] = [i] * (end - start)
    out: list[tuple[int, int, dict[str, Decimal | None]]] = []
    start = 0
    for minute in range(1, WEEK + 1):
        if minute == WEEK or owner[minute] != owner[start]:
            i = owner[start]
            rates = dict(base) if i < 0 else {**base, **listed[i].rates}
            out.append((start, minute, rates))
            start = minute
    return out


def timed_differences(
    price: Price | None, facts: Facts
) -> list[tuple[str, Decimal | None, Decimal, str | None]]:
    """Where a manifest's price and a catalog's facts, either with windows, charge different
    rates: compared minute by minute over the UTC week, each difference once per (field, ours,
    theirs) with the stretches it holds in (None when it holds all week). A rate the catalog
    does not give, or gives as 0 where ours is unknown, is not a difference."""
    from ._manifest import span_minutes

    base = {f: None if price is None else getattr(price, f) for f in RATES}
    windows = []
    for w in price.windows if price is not None else []:
        rates = {f: v for f in RATES if (v := getattr(w, f)) is not None}
        spans = tuple(span_minutes(h) for h in w.hours)
        windows.append(Window(frozenset(w.weekdays), spans, rates))
    ours = week_of(base, windows)
    theirs = week_of({f: getattr(facts, f) for f in RATES}, facts.windows)
    cuts = sorted({start for start, _, _ in ours} | {start for start, _, _ in theirs})
    our_starts = [start for start, _, _ in ours]
    their_starts = [start for start, _, _ in theirs]
    differ: dict[tuple[str, Decimal | None, Decimal], list[tuple[int, int]]] = {}
    for i, start in enumerate(cuts):
        end = cuts[i + 1] if i + 1 < len(cuts) else WEEK
        mine = ours[bisect_right(our_starts, start) - 1][2]
        other = theirs[bisect_right(their_starts, start) - 1][2]
        for field in RATES:
            value, own = other.get(field), mine.get(field)
            if value is None or (value == 0 and own is None) or value == own:
                continue
            differ.setdefault((field, own, value), []).append((start, end))
    out: list[tuple[str, Decimal | None, Decimal, str | None]] = []
    for (field, own, value), stretches in differ.items():
        whole = sum(end - start for start, end in stretches) == WEEK
        out.append((field, own, value, None if whole else stretch_text(stretches)))
    return out


def stretch_text(stretches: Iterable[tuple[int, int]]) -> str:
    """Stretches of the week (minutes from Monday 00:00 UTC) as text people read: the same
    hours on several days are written once, "Sat, Sun 01:00-04:00 UTC"."""
    by_hours: dict[tuple[int, int], list[int]] = {}
    for start, end in stretches:
        at = start
        while at < end:  # cut at midnights
            day, lo = divmod(at, DAY)
            hi = min(end - day * DAY, DAY)
            by_hours.setdefault((lo, hi), []).append(day + 1)
            at = day * DAY + hi
    parts = []
    for (lo, hi), days in sorted(by_hours.items(), key=lambda kv: (kv[1][0], kv[0])):
        names = "every day" if set(days) == ALL_DAYS else ", ".join(_DAY_NAMES[d] for d in days)
        parts.append(f"{names} {_clock(lo)}-{_clock(hi)}")
    return "; ".join(parts) + " UTC"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _spans(start: int, end: int) -> list[tuple[int, int]]:
    """A stretch of the day that may wrap past midnight, as spans that do not; an equal start
    and end is the whole day (LiteLLM's reading)."""
    if start == end:
        return [(0, DAY)]
    if start < end:
        return [(start, end)]
    return [(start, DAY)] + ([(0, end)] if end else [])


@dataclasses.dataclass(frozen=True)
class Facts:
    """What one catalog says about one model. None is "the catalog gives no figure"."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    deprecated: bool = False
    """The catalog marks the model deprecated (with or without a date)."""
    retired_on: datetime.date | None = None
    """The day the catalog says the model stops being served (LiteLLM's deprecation_date)."""
    since: datetime.date | None = None
    """The day the catalog's current prices took effect, where it says."""
    windows: tuple[Window, ...] = ()
    """Rates the catalog gives for hours of the week (LiteLLM's off_peak_pricing,
    genai-prices' time constraints), over the rates above."""
    windows_unread: str | None = None
    """Why the catalog's time-of-day rates could not be read into windows, if it has some."""
    tiers: tuple[Tier, ...] = ()
    """Rates the catalog gives for long prompts (LiteLLM's tiered_pricing), lowest threshold
    first; the rates above are those of prompts below the first."""
    tiers_unread: str | None = None
    """Why the catalog's rates by prompt size could not be read into tiers, if it has some."""

    def rates(self) -> dict[str, Decimal]:
        return {f: v for f in RATES if (v := getattr(self, f)) is not None}


@dataclasses.dataclass(frozen=True)
class View:
    """One catalog's view of one of our providers."""

    provider: str
    """Our provider id."""
    names: tuple[str, ...]
    """The catalog's names for it."""
    models: Mapping[str, Facts]
    """The catalog's model ids (as our wire ids would be) and their facts."""
    matcher: Callable[[str], str | None] | None = None
    """For catalogs that match names by rule: our model id -> the catalog's entry, or None."""

    def find(self, model_id: str, aliases: Iterable[str] = ()) -> str | None:
        """The catalog's entry for one of our models (by wire id, then aliases)."""
        for name in (model_id, *aliases):
            if name in self.models:
                return name
        if self.matcher is not None:
            for name in (model_id, *aliases):
                found = self.matcher(name)
                if found is not None:
                    return found
        return None


@dataclasses.dataclass(frozen=True)
class Table:
    """One catalog, read: its views of our providers, and what could not be mapped."""

    kind: str
    label: str
    """The file or URL it was read from."""
    as_of: datetime.date
    """The date of its data."""
    views: dict[str, View]
    unmapped: tuple[str, ...]
    """The catalog's provider names no manifest maps to."""


def is_url(location: str) -> bool:
    """Whether a catalog location is an http(s) URL (the scheme in any case), not a file."""
    return re.match(r"https?://", location, re.IGNORECASE) is not None


def load_table(
    kind: str,
    location: str,
    registry: Registry,
    *,
    as_of: datetime.date | None = None,
    client: Any = None,
) -> Table:
    """Read ``location`` (a file, or an http(s) URL) as a catalog of ``kind``. ``as_of``
    defaults to the file's modification date, or today for a URL."""
    if kind not in KINDS:
        raise SourceError(f"unknown catalog kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    data, when = load_data(location, as_of=as_of, client=client)
    return read_table(kind, data, registry, label=location, as_of=when)


def load_data(
    location: str, *, as_of: datetime.date | None = None, client: Any = None
) -> tuple[Any, datetime.date]:
    """A catalog file or URL parsed from JSON, and the date of its data (``as_of``, else the
    file's modification date, or today for a URL)."""
    if is_url(location):
        raw = _fetch(location, client)
        when = as_of or datetime.date.today()
    else:
        path = Path(location)
        try:
            raw = read_regular(path, MAX_BYTES)
            when = as_of or datetime.date.fromtimestamp(path.stat().st_mtime)
        except FileRefused as exc:
            if exc.too_large:
                message = f"{location}: larger than {MAX_BYTES:,} bytes; not a catalog"
                raise SourceError(message) from None
            raise SourceError(f"{location}: {exc.reason}", hint=exc.hint) from None
        except OSError as exc:
            raise SourceError(f"{location}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{location}: not valid JSON: {exc}") from None
    return data, when


def _fetch(url: str, client: Any) -> bytes:
    import httpx

    from ._client import read_capped

    own = client is None
    http = httpx.Client(timeout=60, follow_redirects=True) if own else client
    try:
        with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise SourceError(f"{url}: the server answered {response.status_code}")
            body = read_capped(response, MAX_BYTES)
            if body is None:
                raise SourceError(f"{url}: larger than {MAX_BYTES:,} bytes; not a catalog")
            return body
    except httpx.HTTPError as exc:
        raise SourceError(f"{url}: cannot fetch: {type(exc).__name__}: {exc}") from None
    finally:
        if own:
            http.close()


def read_table(
    kind: str,
    data: Any,
    registry: Registry,
    *,
    label: str = "<data>",
    as_of: datetime.date | None = None,
) -> Table:
    """A catalog already parsed from JSON, read as ``kind`` against ``registry``'s providers."""
    when = as_of or datetime.date.today()
    names = _names(registry.providers.values(), KINDS[kind])
    reader = {"litellm": _litellm, "models.dev": _models_dev, "genai-prices": _genai}[kind]
    found, unmapped = reader(data, names, label, when)
    views = {
        pid: View(pid, tuple(sorted(n for n, p in names.items() if p == pid)), models, matcher)
        for pid, (models, matcher) in found.items()
    }
    return Table(kind, label, when, views, tuple(sorted(unmapped)))


def _names(providers: Iterable[Provider], field: str) -> dict[str, str]:
    """The catalog's provider names -> our ids: the interop names first, then ids and aliases."""
    out: dict[str, str] = {}
    providers = list(providers)
    for p in providers:
        for name in getattr(p.interop, field):
            out.setdefault(name, p.id)
    for p in providers:
        out.setdefault(p.id, p.id)
        for alias in p.aliases:
            out.setdefault(alias, p.id)
    return out


Found = dict[str, tuple[dict[str, Facts], "Callable[[str], str | None] | None"]]


def _facts(rates: Mapping[str, Decimal | None], **rest: Any) -> Facts:
    return Facts(
        input=rates.get("input"),
        output=rates.get("output"),
        cache_read=rates.get("cache_read"),
        cache_write=rates.get("cache_write"),
        **rest,
    )


def _shape(label: str, what: str, expected: str) -> SourceError:
    return SourceError(f"{label}: this does not look like {what}", hint=f"expected {expected}")


def _count(value: Any) -> int | None:
    return value if type(value) is int and value > 0 else None


def _date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# -- LiteLLM ------------------------------------------------------------------------------------

_LL = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
}


def _litellm(
    data: Any, names: Mapping[str, str], label: str, today: datetime.date
) -> tuple[Found, set[str]]:
    if not isinstance(data, Mapping) or not any(
        isinstance(v, Mapping) and "litellm_provider" in v for v in data.values()
    ):
        raise _shape(label, "LiteLLM's price table", "entries with a 'litellm_provider'")
    found: Found = {}
    unmapped: set[str] = set()
    for key, e in data.items():
        if key == "sample_spec" or not isinstance(e, Mapping):
            continue
        provider = e.get("litellm_provider")
        if not isinstance(provider, str):
            continue
        pid = names.get(provider)
        if pid is None:
            unmapped.add(provider)
            continue
        model_id = str(key).removeprefix(f"{provider}/")
        models = found.setdefault(pid, ({}, None))[0]
        if model_id in models and key != f"{provider}/{model_id}":
            continue  # "provider/id" is the entry LiteLLM itself prefers over a bare "id"
        rates = {field: _ll_decimal(e.get(k)) for k, field in _LL.items()}
        tiers, tiers_unread = _ll_tiers(e.get("tiered_pricing"), rates)
        window, most = _count(e.get("max_input_tokens")), _count(e.get("max_output_tokens"))
        windows, unread = _ll_windows(e.get("off_peak_pricing"))
        models[model_id] = _facts(
            rates,
            windows=windows,
            windows_unread=unread,
            tiers=tiers,
            tiers_unread=tiers_unread,
            context_window=window,
            # LiteLLM copies the context window into max_output_tokens where a provider has no
            # separate output limit; that copy is not an output limit.
            max_output_tokens=None if most == window else most,
            retired_on=_date(e["deprecation_date"]) if e.get("deprecation_date") else None,
        )
    return found, unmapped


def _ll_tiers(table: Any, rates: dict[str, Decimal | None]) -> tuple[tuple[Tier, ...], str | None]:
    """LiteLLM's ``tiered_pricing`` (litellm_core_utils/llm_cost_calc/tiered_pricing.py,
    ``select_tier_for_input``): ranges of a request's prompt tokens, ``start < tokens <= end``,
    one range's rates for the whole request, a prompt beyond the last range at the last one's.
    That is our tiers' reading when the ranges run on from 0 without a gap: the range from 0
    gives the base rates (``rates`` is updated in place, since LiteLLM prefers it to the flat
    fields), each later one a tier above its start. A range without an output rate takes the
    flat one, as LiteLLM does. Ranges of another shape, or a reasoning rate apart from the
    output rate (ours covers reasoning tokens), are not read: the reason is returned."""
    if not isinstance(table, list) or not table:
        return (), None
    ranges: list[tuple[Decimal, Decimal, Mapping[str, Any]]] = []
    for item in table:
        bounds = item.get("range") if isinstance(item, Mapping) else None
        pair = bounds if isinstance(bounds, list) and len(bounds) == 2 else [None, None]
        low, high = _bound(pair[0]), _bound(pair[1])
        if (
            low is None
            or high is None
            or not isinstance(item, Mapping)
            or _ll_decimal(item.get("input_cost_per_token")) is None
        ):
            return (), "tiered_pricing has a range without [start, end] or an input rate"
        ranges.append((low, high, item))
    ranges.sort(key=lambda r: r[0])
    starts = [low for low, _, _ in ranges]
    if starts[0] != 0 or any(ranges[i][0] != ranges[i - 1][1] for i in range(1, len(ranges))):
        return (), "tiered_pricing's ranges do not run on from 0 without a gap"
    if any(s != s.to_integral_value() for s in starts):
        return (), "tiered_pricing has a range that starts at a fraction of a token"
    read: list[dict[str, Decimal]] = []
    for _, _, item in ranges:
        own = {
            field: value
            for key, field in _LL.items()
            if (value := _ll_decimal(item.get(key))) is not None
        }
        if "output" not in own and rates.get("output") is not None:
            own["output"] = rates["output"]  # type: ignore[assignment]
        reasoning = _ll_decimal(item.get("output_cost_per_reasoning_token"))
        if reasoning is not None and reasoning != own.get("output"):
            return (), (
                "tiered_pricing bills reasoning tokens at their own rate "
                "(output_cost_per_reasoning_token), which one output rate cannot say"
            )
        read.append(own)
    for field in RATES:
        rates[field] = read[0].get(field)
    tiers = tuple(
        Tier(int(low), own) for (low, _, _), own in zip(ranges[1:], read[1:], strict=True)
    )
    return tiers, None


def _bound(value: Any) -> Decimal | None:
    """A token count in a LiteLLM range (a JSON int or float), exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    try:
        return Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:  # inf, nan
        return None


def _ll_windows(block: Any) -> tuple[tuple[Window, ...], str | None]:
    """LiteLLM's off_peak_pricing (litellm_core_utils/llm_cost_calc/utils.py, _is_off_peak):
    the flat every-day ``hours_utc`` and the ``windows`` rules, each "HH:MM-HH:MM" in UTC,
    wrapping past midnight, equal ends the whole day, on ISO ``weekdays`` (every day when
    absent), all at the block's one set of rates."""
    if not isinstance(block, Mapping):
        return (), None
    zone = block.get("weekday_timezone")
    if isinstance(zone, str) and zone.strip() and zone.strip().upper() not in ("UTC", "ETC/UTC"):
        return (), f"off_peak_pricing reads weekdays in {zone.strip()}"
    rates = {
        field: value
        for key, field in _LL.items()
        if (value := _ll_decimal(block.get(key))) is not None
    }
    rules: list[tuple[Any, Any]] = [(block.get("hours_utc"), None)]
    windows = block.get("windows")
    if isinstance(windows, list):
        rules += [
            (r.get("hours_utc"), r.get("weekdays")) for r in windows if isinstance(r, Mapping)
        ]
    out = []
    for hours, weekdays in rules:
        texts = [hours] if isinstance(hours, str) else hours if isinstance(hours, list) else []
        spans = []
        for text in texts:
            found = re.fullmatch(r"\s*(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)\s*", str(text))
            if found:
                h1, m1, h2, m2 = map(int, found.groups())
                if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
                    spans += _spans(h1 * 60 + m1, h2 * 60 + m2)
        days = ALL_DAYS  # LiteLLM: no weekdays is every day; a day it cannot read, none
        if weekdays is not None:
            listed = weekdays if isinstance(weekdays, list) else []
            days = frozenset(n for d in listed if (n := _weekday(d)) is not None)
        if spans and days:
            out.append(Window(days, tuple(spans), rates))
    return tuple(out), None


def _weekday(value: Any) -> int | None:
    """An ISO weekday as LiteLLM writes one: 1 to 7, or an English name ("sat", "Saturday")."""
    if type(value) is int:
        return value if 1 <= value <= 7 else None
    if isinstance(value, str) and len(value.strip()) >= 3:
        names = [n.lower() for n in _DAY_NAMES[1:]]
        short = value.strip().lower()[:3]
        return names.index(short) + 1 if short in names else None
    return None


# -- models.dev ---------------------------------------------------------------------------------


def _models_dev(
    data: Any, names: Mapping[str, str], label: str, today: datetime.date
) -> tuple[Found, set[str]]:
    if not isinstance(data, Mapping) or not any(
        isinstance(v, Mapping) and isinstance(v.get("models"), Mapping) for v in data.values()
    ):
        raise _shape(label, "the models.dev catalog", "providers with a 'models' object")
    found: Found = {}
    unmapped: set[str] = set()
    for name, entry in data.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("models"), Mapping):
            continue
        pid = names.get(name)
        if pid is None:
            unmapped.add(name)
            continue
        models = found.setdefault(pid, ({}, None))[0]
        for model_id, m in entry["models"].items():
            if not isinstance(m, Mapping):
                continue
            cost = m["cost"] if isinstance(m.get("cost"), Mapping) else {}
            limit = m["limit"] if isinstance(m.get("limit"), Mapping) else {}
            models[str(model_id)] = _facts(
                {f: _md_decimal(cost.get(f)) for f in RATES},
                context_window=_count(limit.get("context")),
                max_output_tokens=_count(limit.get("output")),
                deprecated=m.get("status") == "deprecated",
            )
    return found, unmapped


# -- genai-prices -------------------------------------------------------------------------------

_GP = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
}


def _genai(
    data: Any, names: Mapping[str, str], label: str, today: datetime.date
) -> tuple[Found, set[str]]:
    providers = data.get("providers") if isinstance(data, Mapping) else data
    if not isinstance(providers, list) or not all(
        isinstance(p, Mapping) and isinstance(p.get("models"), list) for p in providers
    ):
        raise _shape(label, "genai-prices data", "a list of providers, each with 'models'")
    found: Found = {}
    unmapped: set[str] = set()
    rules: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for p in providers:
        pid = names.get(str(p.get("id")))
        if pid is None:
            unmapped.add(str(p.get("id")))
            continue
        models = found.setdefault(pid, ({}, None))[0]  # one view of all its names
        for m in p["models"]:
            if not isinstance(m, Mapping) or not isinstance(m.get("id"), str):
                continue
            models[m["id"]] = _genai_facts(m, today)
            if isinstance(m.get("match"), Mapping):
                rules.setdefault(pid, []).append((m["id"], m["match"]))
    for pid, (models, _) in found.items():
        found[pid] = (models, _matcher(rules.get(pid, [])))
    return found, unmapped


def _genai_facts(m: Mapping[str, Any], today: datetime.date) -> Facts:
    prices, since = _genai_current(m.get("prices"), today)
    return _facts(
        _genai_rates(prices),
        context_window=_count(m.get("context_window")),
        deprecated=m.get("deprecated") is True,
        since=since,
        windows=_genai_windows(m.get("prices")),
    )


def _genai_rates(prices: Mapping[str, Any]) -> dict[str, Decimal | None]:
    rates: dict[str, Decimal | None] = {}
    for key, field in _GP.items():
        value = prices.get(key)
        if isinstance(value, Mapping):  # {base, tiers}: the base rate is the one compared
            value = value.get("base")
        try:
            rates[field] = None if value is None else Decimal(str(value))
        except InvalidOperation:
            rates[field] = None
    return rates


def _genai_windows(prices: Any) -> tuple[Window, ...]:
    """genai-prices' conditional prices with a time of day (``start_time``, ``end_time``,
    "HH:MM:SS+HH:MM"), which apply every day; a later one wins over an earlier one where they
    overlap, as week_of lays them."""
    if not isinstance(prices, list):
        return ()
    out = []
    for item in prices:
        if not isinstance(item, Mapping) or not isinstance(item.get("prices"), Mapping):
            continue
        constraint = item.get("constraint")
        if not isinstance(constraint, Mapping) or set(constraint) != {"start_time", "end_time"}:
            continue
        start, end = _utc_minute(constraint["start_time"]), _utc_minute(constraint["end_time"])
        if start is None or end is None:
            continue
        rates = {f: v for f, v in _genai_rates(item["prices"]).items() if v is not None}
        out.append(Window(ALL_DAYS, tuple(_spans(start, end)), rates))
    return tuple(out)


def _utc_minute(text: Any) -> int | None:
    """The minute of the UTC day of a "HH:MM[:SS][+HH:MM]" time (a time without an offset is
    UTC)."""
    try:
        clock = datetime.time.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    offset = clock.utcoffset()
    minute = clock.hour * 60 + clock.minute
    if offset is not None:
        minute -= int(offset.total_seconds()) // 60
    return minute % DAY


def _genai_current(
    prices: Any, today: datetime.date
) -> tuple[Mapping[str, Any], datetime.date | None]:
    """The prices in force today: the latest dated one that has started, else the first.
    Time-of-day windows (off-peak discounts) are left out."""
    if isinstance(prices, Mapping):
        return prices, None
    if not isinstance(prices, list):
        return {}, None
    current: Mapping[str, Any] = {}
    since: datetime.date | None = None
    for i, item in enumerate(prices):
        if not isinstance(item, Mapping) or not isinstance(item.get("prices"), Mapping):
            continue
        constraint = item.get("constraint") or {}
        if not isinstance(constraint, Mapping):
            continue  # a rule this reader does not know: not a price in force
        start = _date(constraint.get("start_date")) if "start_date" in constraint else None
        if i == 0 and not constraint:
            current = item["prices"]
        elif (
            start is not None
            and start <= today
            and (since is None or start >= since)
            and set(constraint) == {"start_date"}
        ):
            current, since = item["prices"], start
    return current, since


def _matcher(rules: list[tuple[str, Mapping[str, Any]]]) -> Callable[[str], str | None]:
    def match(model_id: str) -> str | None:
        name = model_id.casefold()
        return next((rid for rid, rule in rules if _clause(rule, name)), None)

    return match


def _clause(rule: Mapping[str, Any], name: str) -> bool:
    """genai-prices' model-name rules (equals, starts_with, ends_with, contains, regex, or_,
    and_), compared without regard to case."""
    for key, value in rule.items():
        if key == "or_":
            return any(_clause(r, name) for r in value if isinstance(r, Mapping))
        if key == "and_":
            return all(_clause(r, name) for r in value if isinstance(r, Mapping))
        if not isinstance(value, str):
            return False
        text = value.casefold()
        if key == "equals":
            return name == text
        if key == "starts_with":
            return name.startswith(text)
        if key == "ends_with":
            return name.endswith(text)
        if key == "contains":
            return text in name
        if key == "regex":
            try:
                return re.search(value, name, re.IGNORECASE) is not None
            except re.error:
                return False
    return False
