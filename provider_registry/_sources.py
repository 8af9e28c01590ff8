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
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import SourceError
from ._import import _ll_decimal, _md_decimal
from ._paths import FileRefused, read_regular

if TYPE_CHECKING:
    from ._manifest import Provider
    from ._registry import Registry

__all__ = ["KINDS", "Facts", "Table", "View", "load_table", "read_table"]

KINDS = {"litellm": "litellm", "models.dev": "models_dev", "genai-prices": "genai_prices"}
"""Each catalog kind, and the ``interop`` field that maps its provider names to ours."""

MAX_BYTES = 256 * 1024 * 1024
"""The most a catalog file or URL may hold (LiteLLM's table is about 1.5 MB today)."""

RATES = ("input", "output", "cache_read", "cache_write")
LIMITS = ("context_window", "max_output_tokens")


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
    return read_table(kind, data, registry, label=location, as_of=when)


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
        window, most = _count(e.get("max_input_tokens")), _count(e.get("max_output_tokens"))
        models[model_id] = _facts(
            rates,
            context_window=window,
            # LiteLLM copies the context window into max_output_tokens where a provider has no
            # separate output limit; that copy is not an output limit.
            max_output_tokens=None if most == window else most,
            retired_on=_date(e["deprecation_date"]) if e.get("deprecation_date") else None,
        )
    return found, unmapped


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
    rates: dict[str, Decimal | None] = {}
    for key, field in _GP.items():
        value = prices.get(key)
        if isinstance(value, Mapping):  # {base, tiers}: the base rate is the one compared
            value = value.get("base")
        try:
            rates[field] = None if value is None else Decimal(str(value))
        except InvalidOperation:
            rates[field] = None
    return _facts(
        rates,
        context_window=_count(m.get("context_window")),
        deprecated=m.get("deprecated") is True,
        since=since,
    )


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
