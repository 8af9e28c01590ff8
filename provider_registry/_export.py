"""The registry in other catalogs' shapes: LiteLLM's price table, a LiteLLM proxy config, and
a versioned JSON catalog for services written in other languages.

The JSON catalog is defined by the pydantic models below, which are also the single source of
``schemas/catalog.schema.json`` (generated as the manifest schema is; a test keeps the two in
step). Prices travel as decimal strings there, never as JSON numbers, so no reader rounds them
through a binary float.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from ._errors import InvalidRequestError, UnknownProviderError
from ._manifest import Capability, Dialect, Mode, Model, Price, Provider, Rates, Status
from ._pricing import PriceLine, WindowLine, decimal_text, effective_rates
from ._schema import SchemaFile
from .dialects import DIALECTS, asks_stream_usage

if TYPE_CHECKING:
    from ._offers import OfferIndex
    from ._registry import Registry
    from ._resolver import Resolution

__all__ = [
    "CATALOG_SCHEMA_ID",
    "CATALOG_VERSION",
    "LITELLM_LEFT_OUT",
    "NO_KEY",
    "Catalog",
    "LiteLLMModelMap",
    "LiteLLMProxyConfig",
    "catalog_schema_path",
    "catalog_schema_text",
    "export_json",
    "export_litellm",
    "export_litellm_proxy",
    "litellm_model_map",
    "litellm_proxy_config",
]

CATALOG_VERSION: Literal[1] = 1
CATALOG_SCHEMA_ID = "https://provider-registry.dev/schemas/catalog.schema.json"
_SCHEMA_NOTE = (
    "Generated from the catalog models in provider_registry/_export.py; do not edit by hand."
)
_MILLION = Decimal(1_000_000)
_RATE_FIELDS = ("input", "output", "cache_read", "cache_write")

# The LiteLLM names of the manifest's rates and capabilities (the importer's mapping, reversed).
_LL_RATES = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
}
_LL_SUPPORTS = {
    "tools": "supports_function_calling",
    "tool_choice": "supports_tool_choice",
    "parallel_tool_calls": "supports_parallel_function_calling",
    "system_messages": "supports_system_messages",
    "vision": "supports_vision",
    "pdf_input": "supports_pdf_input",
    "audio_input": "supports_audio_input",
    "audio_output": "supports_audio_output",
    "json_schema": "supports_response_schema",
    "reasoning": "supports_reasoning",
    "prompt_caching": "supports_prompt_caching",
    "web_search": "supports_web_search",
}


# ---------------------------------------------------------------------------------------------
# LiteLLM

# The modes LiteLLM prices from per-token rates. For images, speech, transcription and rerank it
# reads per-image, per-character, per-second or per-query fields a manifest does not have, so
# such an entry would cost nothing there: those models are left out of the model map.
_LL_TOKEN_MODES = frozenset({"chat", "completion", "responses", "embedding"})
# Modes whose replies have no completion tokens: the input rate alone prices them.
_LL_INPUT_ONLY = frozenset({"embedding"})

LITELLM_LEFT_OUT: dict[str, str] = {
    "retired": "retired: no longer served",
    "no_litellm_name": "the manifest names no LiteLLM provider (interop.litellm), so LiteLLM "
    "cannot route them",
    "unroutable": "LiteLLM cannot route them with a key alone (interop.litellm_unroutable says "
    "why)",
    "mode": "a mode LiteLLM does not price per token (it would count them as free)",
    "unpriced": "no price, or no input or output rate (LiteLLM would count them as free)",
    "windows": "prices by time of day with more than one set of window rates (LiteLLM's "
    "off_peak_pricing holds one)",
}
"""Why ``export_litellm`` leaves a model out: the keys of ``LiteLLMModelMap.left_out``."""


@dataclass(frozen=True)
class LiteLLMModelMap:
    """A model map for ``litellm.register_model``, and what was left out of it."""

    models: dict[str, dict[str, Any]]
    """``"<LiteLLM provider>/<model id>"`` -> entry."""
    left_out: dict[str, list[str]]
    """``"<provider id>/<model id>"`` of each model left out, sorted, by reason (a key of
    ``LITELLM_LEFT_OUT``); reasons with none are absent."""


# A proxy entry takes its dialect's generic LiteLLM route (Dialect.litellm_route), not the
# provider's LiteLLM name: a named route may speak another API at the same api_base (LiteLLM's
# gemini and ollama routes call their native APIs).
# The api_key of a server that needs none. Written so that LiteLLM does not fall back to its
# own variables (OPENAI_API_KEY, ANTHROPIC_API_KEY) and send that key to this server.
NO_KEY = "no-key-needed"


@dataclass(frozen=True)
class LiteLLMProxyConfig:
    """A LiteLLM proxy ``config.yaml``, and notes for the person who asked for it."""

    text: str
    notes: list[str]


def _per_token(value: Decimal) -> float:
    # The division is exact in Decimal; float() then rounds once, to the nearest double.
    return float(value / _MILLION)


def _is_retired(m: Model, today: datetime.date) -> bool:
    return m.status == "retired" or (m.retired_on is not None and m.retired_on <= today)


def _ll_priced(m: Model) -> bool:
    """Whether LiteLLM can charge every token of this model's replies at our rates: a rate it
    lacks counts as 0 there, never as unknown."""
    price = m.price
    if price is None or price.input is None:
        return False
    return price.output is not None or m.mode in _LL_INPUT_ONLY


def _ll_prices(entry: dict[str, Any], price: Price) -> None:
    """Our prices in LiteLLM's fields: USD per token, and a tier above N prompt tokens as the
    ``*_above_<N/1000>k_tokens`` fields (``*_above_<N>_tokens`` when N is no multiple of 1000;
    LiteLLM reads both).

    Every rate is written as cost() charges it, the ones the manifest leaves to a rule included
    (a cache rate is the input rate, a tier's missing rate the base rate): register_model merges
    an entry onto LiteLLM's own entry for the model, so a field left out would keep LiteLLM's
    figure, not take ours.
    """
    line = PriceLine(price.model_dump())
    _ll_rates(entry, effective_rates(line, None), "")
    for tier in line.tiers:
        n = tier.above_input_tokens
        suffix = f"_above_{n // 1000}k_tokens" if n % 1000 == 0 else f"_above_{n}_tokens"
        _ll_rates(entry, effective_rates(line, tier), suffix)
    if line.windows:
        entry["off_peak_pricing"] = _ll_off_peak(line)


def _ll_tiered(line: PriceLine, context_window: int | None) -> list[dict[str, Any]]:
    """The price as LiteLLM's ``tiered_pricing`` (its litellm_core_utils/llm_cost_calc/
    tiered_pricing.py, ``select_tier_for_input``): ranges of the prompt's tokens,
    ``start < tokens <= end``, each range's rates for the whole request and a prompt past the
    last range at the last one's. That is our tiers' reading, so the base rates are the range
    from 0 and each tier the range from its threshold; the last range ends at the context
    window (its end changes nothing).

    Written for every model, a price without tiers as one range: LiteLLM prefers this table to
    the flat fields, and register_model merges key by key, so LiteLLM's own table for the model
    (dashscope and opencode_go rows have them) would otherwise price it. Every rate is written
    as cost() charges it, since a rate a range leaves out falls back to the range's input
    rate there, not to ours."""
    tiers = sorted(line.tiers, key=lambda t: t.above_input_tokens)
    starts = [0, *(t.above_input_tokens for t in tiers)]
    ends = [*starts[1:], max(context_window or 0, starts[-1] + 1)]
    out = []
    for start, end, tier in zip(starts, ends, [None, *tiers], strict=True):
        block: dict[str, Any] = {"range": [start, end]}
        _ll_rates(block, effective_rates(line, tier), "")
        out.append(block)
    return out


def _ll_off_peak(line: PriceLine) -> dict[str, Any]:
    """The windows of a price as LiteLLM's ``off_peak_pricing`` block (its
    litellm_core_utils/llm_cost_calc/utils.py, ``_is_off_peak``): one set of rates, in force
    in any of ``windows``, each "HH:MM-HH:MM" hours in UTC on ISO weekdays, the end excluded
    and "00:00" as an end meaning midnight. Every key LiteLLM reads there is written, the flat
    every-day ``hours_utc`` empty and the weekdays read in UTC, because register_model merges
    this block into LiteLLM's own one key by key. The caller has checked that the windows
    share one set of rates (``_ll_windows_fit``)."""
    block: dict[str, Any] = {"hours_utc": [], "weekday_timezone": "UTC", "windows": []}
    for window in line.windows:
        hours = [f"{start}-{'00:00' if end == '24:00' else end}" for start, end in _spans(window)]
        block["windows"].append({"hours_utc": hours, "weekdays": sorted(set(window.weekdays))})
    _ll_rates(block, effective_rates(line, line.windows[0]), "")
    return block


def _spans(window: WindowLine) -> list[tuple[str, str]]:
    return [(span[:5], span[6:]) for span in window.hours]


def _ll_windows_fit(m: Model) -> bool:
    """Whether LiteLLM can hold the windows of the model's current price: its off_peak_pricing
    has one set of rates, so every window must charge the same."""
    if m.price is None or not m.price.windows:
        return True
    line = PriceLine(m.price.model_dump())
    first = effective_rates(line, line.windows[0])
    return all(effective_rates(line, w) == first for w in line.windows[1:])


def _ll_rates(entry: dict[str, Any], rates: Mapping[str, Decimal | None], suffix: str) -> None:
    for field in _RATE_FIELDS:
        value = rates[field]
        if value is not None:
            entry[f"{_LL_RATES[field]}{suffix}"] = _per_token(value)


def _selection(
    reg: Registry, providers: Sequence[str], models: Sequence[str]
) -> dict[str, set[str] | None] | None:
    """Provider id -> the model ids asked for (None: all of them); None when nothing was asked,
    which selects everything. Raises UnknownProviderError or a LookupFailedError, with "did you
    mean", for a name the registry does not know."""
    from ._resolver import close_matches, resolve

    if not providers and not models:
        return None
    chosen: dict[str, set[str] | None] = {}
    for name in providers:
        entry = reg.entry_for_prefix(name)
        if entry is None:
            raise UnknownProviderError(name, close_matches(name, reg.prefixes()))
        chosen[entry.id] = None
    for name in models:
        res = resolve(name, registry=reg, strict=True, include_retired=True)
        wanted = chosen.setdefault(res.provider_id, set())
        if wanted is not None:
            wanted.add(res.model)
    return chosen


def litellm_model_map(
    reg: Registry, *, providers: Sequence[str] = (), models: Sequence[str] = ()
) -> LiteLLMModelMap:
    """The models LiteLLM can route and price as we do, as a map for ``litellm.register_model``.

    A provider is written under the first LiteLLM provider name its manifest lists in
    ``interop.litellm``, the name LiteLLM routes to that provider; a provider without one is left
    out. So are retired models, models whose mode LiteLLM does not price per token, and models
    without a price (an entry without rates is free in LiteLLM, where ours is unknown).
    ``providers`` (ids or aliases) and ``models`` (model strings, resolved as resolve() does)
    narrow the map to their union; by default it holds the whole registry.

    Prices become USD per token; a tier above N prompt tokens becomes the
    ``*_above_<N/1000>k_tokens`` fields, and the whole price LiteLLM's ``tiered_pricing``
    (which it prefers to the flat fields; one range for a price without tiers). Windows of
    the week (prices by time of day) become LiteLLM's ``off_peak_pricing``, which holds one
    set of window rates: a model whose windows charge different rates is left out
    ("windows"). Fields the manifest does not know are left out;
    capabilities appear only when true.
    """
    chosen = _selection(reg, providers, models)
    today = datetime.date.today()
    out: dict[str, dict[str, Any]] = {}
    left_out: dict[str, list[str]] = {reason: [] for reason in LITELLM_LEFT_OUT}
    for pid, p in reg.providers.items():
        if chosen is not None and pid not in chosen:
            continue
        wanted = chosen[pid] if chosen is not None else None
        prefix = p.interop.litellm[0] if p.interop.litellm else None
        # Longer ids first: register_model writes "m-2024-08-06" onto the entry of "m" when
        # "m" is already registered, so a dated variant would take over its base's prices
        # and be left without an entry of its own.
        for model_id, m in sorted(p.models.items(), reverse=True):
            if wanted is not None and model_id not in wanted:
                continue
            if _is_retired(m, today):
                reason = "retired"
            elif prefix is None:
                reason = "no_litellm_name"
            elif p.interop.litellm_unroutable:
                reason = "unroutable"
            elif m.mode not in _LL_TOKEN_MODES:
                reason = "mode"
            elif not _ll_priced(m):
                reason = "unpriced"
            elif not _ll_windows_fit(m):
                reason = "windows"
            else:
                out.setdefault(f"{prefix}/{model_id}", _litellm_entry(prefix, m))
                continue
            left_out[reason].append(f"{pid}/{model_id}")
    return LiteLLMModelMap(out, {k: sorted(v) for k, v in left_out.items() if v})


def _litellm_entry(prefix: str, m: Model) -> dict[str, Any]:
    entry: dict[str, Any] = {"litellm_provider": prefix, "mode": m.mode}
    if m.price is not None:
        _ll_prices(entry, m.price)
        line = PriceLine(m.price.model_dump())
        entry["tiered_pricing"] = _ll_tiered(line, m.context_window)
    if m.context_window is not None:
        entry["max_input_tokens"] = m.context_window
    if m.max_output_tokens is not None:
        entry["max_output_tokens"] = m.max_output_tokens
        entry["max_tokens"] = m.max_output_tokens
    for capability in m.supports:
        name = _LL_SUPPORTS.get(capability)
        if name:
            entry[name] = True
    return entry


def export_litellm(
    reg: Registry, *, providers: Sequence[str] = (), models: Sequence[str] = ()
) -> dict[str, Any]:
    """The model map of ``litellm_model_map()`` alone, ready for json.dumps."""
    return litellm_model_map(reg, providers=providers, models=models).models


def litellm_proxy_config(reg: Registry, models: Sequence[str]) -> LiteLLMProxyConfig:
    """A LiteLLM proxy ``config.yaml``: a ``model_list`` entry per model string.

    Each string is resolved against ``reg`` as resolve() does. The entry names LiteLLM's route
    for the provider's dialect (``openai/`` or ``anthropic/``) and an ``api_base`` at which
    LiteLLM's URL is the one we send to: the manifest's base URL, never one taken from this
    shell (a base-URL variable that is set here gets a note instead). Credentials and
    parameters are written as ``os.environ/<VAR>`` references, never as values; a server that
    needs no key gets a placeholder key, so LiteLLM sends it none of its own. Required
    parameters sent as headers become ``extra_headers``; optional ones are left out. Prices,
    where the model has them all, become LiteLLM's custom pricing fields; a model without
    gets a note, since LiteLLM counts it as free.

    Raises InvalidRequestError for an entry LiteLLM cannot send as we do: a base URL filled
    from the environment, a path LiteLLM does not compose, a key in another header, or a
    required parameter that cannot be written as a header reference.
    """
    import os

    import yaml

    from ._resolver import resolve

    entries = []
    notes: list[str] = []
    for name in models:
        res = resolve(name, registry=reg)
        p = res.provider
        dialect = DIALECTS[p.api.dialect]
        route, extra_path, key_header, key_scheme = dialect.litellm_route
        region = _proxy_region(res, dialect.litellm_region)
        api_base = None if region else _proxy_api_base(res, extra_path)
        if p.api.base_url_env and os.environ.get(p.api.base_url_env):
            notes.append(
                f"{name}: {p.api.base_url_env} is set in this shell and was not written; the "
                f"entry uses the manifest's base URL. To follow the variable, write api_base: "
                f"os.environ/{p.api.base_url_env} yourself and set it where the proxy runs "
                "(LiteLLM sends a request with an empty api_base to its own default host)"
            )
        params: dict[str, Any] = {"model": f"{route}/{res.model}"}
        if region:
            # LiteLLM composes the region's host itself; the access keys, when no API key is
            # set, it reads from the proxy's own environment and signs with.
            params.update(region)
            signing = p.auth.signing
            if signing is not None:
                notes.append(
                    f"{name}: LiteLLM signs with {signing.key_id_env} and {signing.secret_env} "
                    "from the proxy's environment when no API key is set"
                )
        else:
            params["api_base"] = api_base
        if not p.auth.required or not p.auth.env:
            params["api_key"] = NO_KEY
        elif (p.auth.header.lower(), _scheme(p)) == (key_header, key_scheme):
            params["api_key"] = f"os.environ/{p.auth.env[0]}"
        else:
            raise InvalidRequestError(
                res.provider_id,
                res.model,
                f"LiteLLM's {route} route sends the key in {key_header}, and this provider "
                f"takes it in {p.auth.header}",
                hint="write this entry by hand",
            )
        headers: dict[str, str] = dict(p.api.headers)
        for param_name, spec in p.params.items():
            # Optional parameters stay out: calls work without them, and a reference to an
            # unset variable would put an empty (or literal "os.environ/...") header on them.
            if not spec.required or (region and spec.send_as.placeholder):
                continue
            header = spec.send_as.header
            if header and spec.env:
                headers[header] = f"os.environ/{spec.env}"
            elif header and spec.default is not None:
                headers[header] = spec.default  # a fixed, documented value, not a secret
            else:
                how = "it has no environment variable" if header else "it is not sent as a header"
                raise InvalidRequestError(
                    res.provider_id,
                    res.model,
                    f"required parameter {param_name!r} cannot go into a LiteLLM proxy config: "
                    f"{how}",
                    hint="give the parameter an env var in the manifest, or write this entry "
                    "by hand",
                )
        if headers:
            params["extra_headers"] = headers
        info = res.model_info
        model_info: dict[str, Any] = {}
        if info is not None and info.price is not None and _ll_priced(info):
            _ll_prices(params, info.price)
            # A deployment's time-of-day rates go in its model_info, where LiteLLM's proxy
            # reads deployment-scoped pricing; in litellm_params they would be sent along.
            off_peak = params.pop("off_peak_pricing", None)
            if off_peak is not None and _ll_windows_fit(info):
                model_info["off_peak_pricing"] = off_peak
            elif off_peak is not None:
                notes.append(
                    f"{name}: its prices by time of day have more than one set of window rates, "
                    "which LiteLLM's off_peak_pricing cannot hold; LiteLLM charges the base "
                    "rates at every hour"
                )
        else:
            notes.append(
                f"{name}: no price (or no input or output rate) in the manifest, so none was "
                "written; LiteLLM counts calls it cannot price as free"
            )
        entry: dict[str, Any] = {"model_name": name, "litellm_params": params}
        if model_info:
            entry["model_info"] = model_info
        entries.append(entry)
    text = yaml.safe_dump(
        {"model_list": entries}, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return LiteLLMProxyConfig(text, notes)


def export_litellm_proxy(reg: Registry, models: Sequence[str]) -> str:
    """The text of ``litellm_proxy_config()``: YAML for a LiteLLM proxy ``config.yaml``."""
    return litellm_proxy_config(reg, models).text


def _scheme(p: Provider) -> str | None:
    if p.auth.scheme is None and p.auth.header.lower() == "authorization":
        return "Bearer"
    return p.auth.scheme


def _proxy_region(res: Resolution, field: str | None) -> dict[str, str]:
    """``{field: os.environ/<VAR>}`` when LiteLLM composes the host from a region (``field``)
    and the manifest's base URL takes it from the signing region's parameter; else empty."""
    p = res.provider
    if field is None or p.auth.signing is None:
        return {}
    spec = p.params.get(p.auth.signing.region_param)
    var = spec.send_as.placeholder if spec is not None else None
    if spec is None or spec.env is None or var is None or "${" + var + "}" not in p.api.base_url:
        return {}
    return {field: f"os.environ/{spec.env}"}


def _proxy_api_base(res: Resolution, extra_path: str) -> str:
    """The api_base at which LiteLLM's route composes the URL we send to: the manifest's base
    URL without the path LiteLLM adds itself (``extra_path``)."""
    base = res.provider.api.base_url.rstrip("/")
    if "${" in base:
        raise InvalidRequestError(
            res.provider_id,
            res.model,
            f"its base URL {base} is filled from this shell's environment, and a LiteLLM "
            "config can only take a whole value from a variable",
            hint="write api_base for this entry by hand",
        )
    if not base.endswith(extra_path):
        raise InvalidRequestError(
            res.provider_id,
            res.model,
            f"LiteLLM sends {res.dialect} requests to <api_base>{extra_path}"
            f"{DIALECTS[res.dialect].path(res)}, and the base URL {base} does not end in "
            f"{extra_path}",
            hint="write this entry by hand",
        )
    return base[: len(base) - len(extra_path)]


# ---------------------------------------------------------------------------------------------
# The JSON catalog

# A non-negative decimal written as a string ("0.22"): exact, unlike a JSON number that most
# readers parse into a binary float.
DecimalText = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]*)(\.[0-9]+)?$")]


class _Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class CatalogRates(_Catalog):
    """USD per 1M tokens, as decimal strings (exact; never JSON numbers). A rate left out is
    unknown, not zero."""

    input: DecimalText | None = None
    """USD per 1M prompt tokens, as a decimal string ("0.22"): parse it as a decimal, not a
    float."""
    output: DecimalText | None = None
    """USD per 1M completion tokens (reasoning included), as a decimal string."""
    cache_read: DecimalText | None = None
    """USD per 1M prompt tokens served from the provider's cache, as a decimal string."""
    cache_write: DecimalText | None = None
    """USD per 1M prompt tokens written to the provider's cache, as a decimal string."""


class CatalogTier(CatalogRates):
    """Rates for the whole request when the prompt has more tokens than the threshold; a rate
    left out is the base rate."""

    above_input_tokens: int = Field(gt=0)
    """The tier applies when the prompt has more tokens than this."""


class CatalogWindow(CatalogRates):
    """Rates in force in stretches of the UTC week; they replace the base rates for a request
    sent in the window, and a rate left out is the base rate."""

    hours: list[str]
    """Stretches of the day in UTC, "HH:MM-HH:MM", the start included and the end not;
    "24:00" ends at midnight."""
    weekdays: list[int]
    """ISO weekdays in UTC (1 is Monday, 7 is Sunday) the hours apply on."""


class CatalogPrice(CatalogRates):
    """A model's prices: base rates, plus tiers for large prompts, plus windows of the week."""

    tiers: list[CatalogTier]
    """Long-context rates, lowest threshold first; the highest threshold met wins."""
    windows: list[CatalogWindow]
    """Rates by time of day (off-peak, peak); outside every window the base rates apply. The
    windows of one price never overlap."""
    since: datetime.date | None = None
    """The day these prices took effect, where earlier prices are in price_history."""


class CatalogPastPrice(CatalogPrice):
    """Prices in force until a day (exclusive)."""

    until: datetime.date
    """The first day these prices no longer applied."""


class CatalogModel(_Catalog):
    """One model, keyed by the id sent on the wire."""

    aliases: list[str]
    """Other names that resolve to this model."""
    mode: Mode
    """What kind of endpoint serves it."""
    context_window: int | None = None
    """Most tokens in prompt plus completion; left out when unknown."""
    max_output_tokens: int | None = None
    """Most completion tokens; left out when the provider publishes no limit."""
    price: CatalogPrice | None = None
    """Prices; left out when none are published (the cost is then unknown, not zero)."""
    price_history: list[CatalogPastPrice]
    """Earlier prices, oldest first."""
    supports: list[Capability]
    """Capabilities the provider serves for this model."""
    status: Status
    """experimental, ga, deprecated (still served) or retired (no longer served)."""
    deprecated_on: datetime.date | None = None
    """When the deprecation was announced or took effect."""
    retired_on: datetime.date | None = None
    """When the model stopped (or stops) being served."""
    replacement: str | None = None
    """The model id to use instead, in the same provider's table."""
    identity: str
    """The model this is, shared by every provider's entry of the same model: the Hugging Face
    repo id for open weights, the maker's "provider/id" for a closed model (``registry
    offers``)."""
    quantization: str | None = None
    """How the weights are served, where known (fp8, int4, ...); left out: as published."""
    variant: str | None = None
    """Another serving attribute (a free or fast tier, a reasoning switch); left out: none."""


class CatalogApi(_Catalog):
    """How requests reach the provider."""

    dialect: Dialect
    """Request shape: openai (chat completions) or anthropic (messages)."""
    base_url: str
    """Default base URL, without the dialect's path. May hold ${VAR}, filled from the
    environment variable of that name."""
    base_url_env: str | None = None
    """Environment variable that overrides base_url when set."""
    endpoints: list[str]
    """host[:port][/path] entries that identify this provider from a base URL: exact host,
    whole path segments, never a substring."""
    headers: dict[str, str]
    """Static headers sent on every request."""


class CatalogSigning(_Catalog):
    """A request-signing credential: each part's variable, and the signature's scope."""

    scheme: str
    """The signing algorithm: aws-sigv4."""
    service: str
    """The service name in the signature's scope."""
    key_id_env: str
    secret_env: str
    token_env: str | None = None
    region_param: str
    """The parameter whose value is the signature's region."""


class CatalogAuth(_Catalog):
    """Where the API key comes from and how it is sent."""

    env: list[str]
    """Environment variables holding the key, in order; the first one set wins."""
    header: str
    """Header that carries the key."""
    scheme: str | None = None
    """Word written before the key ("Bearer"); left out when the header carries the bare key.
    Already resolved: no default applies."""
    required: bool
    """False for servers that need no key."""
    signing: CatalogSigning | None = None
    """Credentials that sign each request (AWS SigV4), used when no key variable is set."""


class CatalogSendAs(_Catalog):
    """Where a parameter travels: exactly one of header, body, query or placeholder (filled
    into the base URL's ${VAR})."""

    header: str | None = None
    body: str | None = None
    query: str | None = None
    placeholder: str | None = None


class CatalogParam(_Catalog):
    """A provider-specific parameter beyond the dialect's own."""

    send_as: CatalogSendAs
    required: bool
    """Whether a request without a value must be refused."""
    env: str | None = None
    """Environment variable that supplies the value when none is passed."""
    default: str | None = None
    """Value used when neither an argument nor the env var gives one."""
    pattern: str | None = None
    """Regular expression a value must match in full."""
    description: str | None = None


class CatalogRequest(_Catalog):
    """How the provider's request body differs from its dialect's."""

    rename: dict[str, str]
    """Body fields the provider knows under another name."""
    unsupported: list[str]
    """Body fields the provider refuses."""
    defaults: dict[str, JsonValue]
    """Body fields sent when the caller gives none."""
    stream_usage: bool
    """Whether a stream asks for its usage with stream_options.include_usage (the manifest's
    choice, or its dialect's default)."""


class CatalogProvider(_Catalog):
    """One provider: endpoint, credentials, parameters and model table."""

    name: str
    """Display name."""
    docs_url: str | None = None
    """The provider's API documentation."""
    api: CatalogApi
    auth: CatalogAuth
    params: dict[str, CatalogParam]
    """Provider-specific parameters, by the name callers use."""
    aliases: list[str]
    """Other prefixes that select this provider in "<prefix>/<model>"."""
    owns: list[str]
    """Bare model names this provider owns: exact names, or prefixes ending in '*'."""
    request: CatalogRequest
    models: dict[str, CatalogModel]
    """The model table, keyed by wire id."""


class Catalog(_Catalog):
    """The provider registry as one document for services in other languages.

    Prices are USD per 1M tokens written as decimal strings, never JSON numbers, to keep them
    exact; read them with a decimal type. A field left out is unknown."""

    catalog_version: Literal[1]
    """Format version of this document; readers should refuse versions they do not know."""
    providers: dict[str, CatalogProvider]
    """Providers by id (the prefix in "<id>/<model>")."""


def _text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _rates(r: Rates) -> dict[str, Any]:
    return {f: _text(getattr(r, f)) for f in _RATE_FIELDS}


def _price(price: Price) -> dict[str, Any]:
    tiers = [
        {**_rates(t), "above_input_tokens": t.above_input_tokens}
        for t in sorted(price.tiers, key=lambda t: t.above_input_tokens)
    ]
    windows = [
        {**_rates(w), "hours": w.hours, "weekdays": sorted(set(w.weekdays))} for w in price.windows
    ]
    return {**_rates(price), "tiers": tiers, "windows": windows, "since": price.since}


def _catalog_provider(p: Provider, index: OfferIndex) -> CatalogProvider:
    scheme = p.auth.scheme
    if scheme is None and p.auth.header.lower() == "authorization":
        scheme = "Bearer"
    models = {}
    for model_id, m in p.models.items():
        key = index.key_of[p.id, model_id]
        member = index.member_of[p.id, model_id]
        models[model_id] = {
            "identity": index.identity[key],
            "quantization": member.quantization,
            "variant": member.variant,
            "aliases": m.aliases,
            "mode": m.mode,
            "context_window": m.context_window,
            "max_output_tokens": m.max_output_tokens,
            "price": None if m.price is None else _price(m.price),
            "price_history": [{**_price(h), "until": h.until} for h in m.price_history],
            "supports": m.supports,
            "status": m.status,
            "deprecated_on": m.deprecated_on,
            "retired_on": m.retired_on,
            "replacement": m.replacement,
        }
    return CatalogProvider.model_validate(
        {
            "name": p.name,
            "docs_url": p.docs_url,
            # base_url_vars only restates the ${VAR}s of base_url, for validation.
            "api": p.api.model_dump(exclude={"base_url_vars"}),
            "auth": {**p.auth.model_dump(), "scheme": scheme},
            "params": {k: v.model_dump() for k, v in p.params.items()},
            "aliases": p.aliases,
            "owns": p.owns,
            "request": {**p.request.model_dump(), "stream_usage": asks_stream_usage(p)},
            "models": models,
        }
    )


def export_json(reg: Registry) -> dict[str, Any]:
    """The versioned JSON catalog (see ``schemas/catalog.schema.json``), ready for json.dumps."""
    from ._offers import offer_index

    index = offer_index(reg)
    catalog = Catalog(
        catalog_version=CATALOG_VERSION,
        providers={pid: _catalog_provider(p, index) for pid, p in reg.providers.items()},
    )
    dumped: dict[str, Any] = catalog.model_dump(mode="json", exclude_none=True)
    return dumped


CATALOG_SCHEMA = SchemaFile(Catalog, CATALOG_SCHEMA_ID, "catalog.schema.json", _SCHEMA_NOTE)


def catalog_schema_text() -> str:
    """The catalog schema as the checked-in file holds it."""
    return CATALOG_SCHEMA.text()


def catalog_schema_path() -> Path:
    """Where the catalog schema lives: ``schemas/`` of the checkout, or the installed copy."""
    return CATALOG_SCHEMA.path()
