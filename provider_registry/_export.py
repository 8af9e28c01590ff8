"""The registry in other catalogs' shapes: LiteLLM's price table, a LiteLLM proxy config, and
a versioned JSON catalog for services written in other languages.

The JSON catalog is defined by the pydantic models below, which are also the single source of
``schemas/catalog.schema.json`` (generated as the manifest schema is; a test keeps the two in
step). Prices travel as decimal strings there, never as JSON numbers, so no reader rounds them
through a binary float.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from ._errors import InvalidRequestError
from ._manifest import Capability, Dialect, Mode, Price, Provider, Rates, Status
from ._pricing import decimal_text
from ._schema import SchemaFile
from ._secrets import redact_url

if TYPE_CHECKING:
    from ._registry import Registry
    from ._resolver import Resolution

__all__ = [
    "CATALOG_SCHEMA_ID",
    "CATALOG_VERSION",
    "Catalog",
    "catalog_schema_path",
    "catalog_schema_text",
    "export_json",
    "export_litellm",
    "export_litellm_proxy",
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


def _litellm_provider(p: Provider) -> str:
    return p.interop.litellm[0] if p.interop.litellm else p.id


def _per_token(value: Decimal) -> float:
    # The division is exact in Decimal; float() then rounds once, to the nearest double.
    return float(value / _MILLION)


def export_litellm(reg: Registry) -> dict[str, Any]:
    """A model map for ``litellm.register_model``: ``"<litellm_provider>/<model id>"`` -> info.

    Prices become USD per token; a tier above N*1000 prompt tokens becomes the
    ``*_above_<N>k_tokens`` fields. Retired models are left out (they can no longer be called),
    and so is every field the manifest does not know. Capabilities appear only when true.
    """
    out: dict[str, Any] = {}
    for p in reg.providers.values():
        prefix = _litellm_provider(p)
        for model_id, m in p.models.items():
            if m.status == "retired":
                continue
            entry: dict[str, Any] = {"litellm_provider": prefix, "mode": m.mode}
            if m.price is not None:
                _litellm_rates(entry, m.price, "")
                for tier in m.price.tiers:
                    if tier.above_input_tokens % 1000 == 0:
                        _litellm_rates(
                            entry, tier, f"_above_{tier.above_input_tokens // 1000}k_tokens"
                        )
            if m.context_window is not None:
                entry["max_input_tokens"] = m.context_window
            if m.max_output_tokens is not None:
                entry["max_output_tokens"] = m.max_output_tokens
                entry["max_tokens"] = m.max_output_tokens
            for capability in m.supports:
                name = _LL_SUPPORTS.get(capability)
                if name:
                    entry[name] = True
            out.setdefault(f"{prefix}/{model_id}", entry)
    return out


def _litellm_rates(entry: dict[str, Any], rates: Rates, suffix: str) -> None:
    for field in _RATE_FIELDS:
        value = getattr(rates, field)
        if value is not None:
            entry[f"{_LL_RATES[field]}{suffix}"] = _per_token(value)


def _base(res: Resolution) -> str:
    """The base URL for a proxy config. One that holds a credential (``user:secret@``, a
    ``?key=`` value) can only come from the operator's base-URL variable, and is written as a
    reference to it, like every other credential."""
    if redact_url(res.api_base) == res.api_base:
        return res.api_base
    env = res.provider.api.base_url_env
    if env and os.environ.get(env):
        return f"os.environ/{env}"
    raise InvalidRequestError(
        res.provider_id,
        res.model,
        f"the base URL {redact_url(res.api_base)} holds a credential, which a config file must not",
        hint="write this entry by hand",
    )


def export_litellm_proxy(reg: Registry, models: Sequence[str]) -> str:
    """YAML for a LiteLLM proxy ``config.yaml``: a ``model_list`` entry per model string.

    Each string is resolved against ``reg`` as resolve() does. Credentials and parameters are
    written as ``os.environ/<VAR>`` references, never as values. Required parameters sent as
    headers become ``extra_headers``; optional ones are left out. A required parameter that
    cannot be written that way (no env var or default, or not sent as a header) is refused.
    """
    import yaml

    from ._resolver import resolve

    entries = []
    for name in models:
        res = resolve(name, registry=reg)
        p = res.provider
        prefix = p.interop.litellm[0] if p.interop.litellm else p.api.dialect
        params: dict[str, Any] = {"model": f"{prefix}/{res.model}", "api_base": _base(res)}
        if p.auth.required and p.auth.env:
            params["api_key"] = f"os.environ/{p.auth.env[0]}"
        headers: dict[str, str] = dict(p.api.headers)
        for param_name, spec in p.params.items():
            # Optional parameters stay out: calls work without them, and a reference to an
            # unset variable would put an empty (or literal "os.environ/...") header on them.
            if not spec.required:
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
        entries.append({"model_name": name, "litellm_params": params})
    return yaml.safe_dump(
        {"model_list": entries}, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


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


class CatalogPrice(CatalogRates):
    """A model's prices: base rates, plus tiers for large prompts."""

    tiers: list[CatalogTier]
    """Long-context rates, lowest threshold first; the highest threshold met wins."""
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


class CatalogSendAs(_Catalog):
    """Where a parameter travels: exactly one of header, body or query."""

    header: str | None = None
    body: str | None = None
    query: str | None = None


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
    return {**_rates(price), "tiers": tiers, "since": price.since}


def _catalog_provider(p: Provider) -> CatalogProvider:
    scheme = p.auth.scheme
    if scheme is None and p.auth.header.lower() == "authorization":
        scheme = "Bearer"
    models = {}
    for model_id, m in p.models.items():
        models[model_id] = {
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
            "request": p.request.model_dump(),
            "models": models,
        }
    )


def export_json(reg: Registry) -> dict[str, Any]:
    """The versioned JSON catalog (see ``schemas/catalog.schema.json``), ready for json.dumps."""
    catalog = Catalog(
        catalog_version=CATALOG_VERSION,
        providers={pid: _catalog_provider(p) for pid, p in reg.providers.items()},
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
