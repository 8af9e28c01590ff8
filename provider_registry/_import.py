"""Manifests from other catalogs: the models.dev catalog and LiteLLM's price table.

Both importers share one shape of work: group the source by provider, map each group to a known
provider (by its ``interop`` names, id or aliases) or build a new manifest from what the source
says about the provider, convert every model, and validate the result as a manifest. Nothing is
guessed: a provider without a base URL in the source and no known manifest is skipped, and a
model figure that would break a manifest rule is left out with a note.

Units: models.dev prices are USD per 1M tokens (the manifest's unit); LiteLLM's are USD per
token and are scaled exactly, through the float's shortest decimal form, never by float maths.

Judgement calls, documented here because the sources are loose:

* models.dev has no embedding output modality in practice (embedding models list "text"), so a
  model is an embedding model when its output is "embedding(s)", its family names "embed", or the
  last segment of its id holds "embed". Such a model's ``limit.output`` is the vector size, not a
  token count, so it is never read as ``max_output_tokens``.
* A models.dev model that outputs only images is an image_generation model, only audio an
  audio_speech model; only video has no manifest mode, so it is skipped with a note.
* models.dev ``status`` alpha/beta and ``experimental: true`` become status experimental. In the
  current catalog ``experimental`` is an object of alternative "modes" (fast tiers with their own
  prices); that is not a lifecycle state and is counted as unmapped.
* A models.dev model whose own ``provider`` block routes it elsewhere (another base URL, or an
  SDK of another family such as Anthropic's) is skipped with a note: the manifest has one base
  URL and one dialect per provider. ``provider.shape: responses`` becomes mode responses.
* models.dev lists every variable its SDK reads under ``env``, not only keys. Variables used in
  the base URL's ``${VAR}`` placeholders and names that denote a place rather than a secret
  (``*_HOST``, ``*_ENDPOINT``, ``*_ACCOUNT_ID``, ...) are not used as key variables.
* A models.dev provider served through Anthropic's SDK (``npm: @ai-sdk/anthropic``) is not
  OpenAI-compatible even where it has an ``api`` URL, so it is skipped unless a manifest is known.
* A price above the validator's limit, or a negative one, drops the model's whole price (a unit
  error in one figure makes the others suspect); the model is kept without a price.
* A rate of 0 at a hosted provider is taken for "not published" and left out (both catalogs
  write 0 where they have no figure), unless the model id names a free variant (``:free``,
  ``-free``): then the model is declared ``free`` with the source as the reason. A cache-read
  rate above the input rate (a figure in the wrong field) is left out, and so is a cache-write
  rate below the cache-read one (models.dev gives some a storage price per hour there).
* Two source providers that map to the same manifest have their model tables merged; on a
  repeated model id the first wins and the second is noted.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import re
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, get_args
from urllib.parse import urlsplit

import pydantic

from ._errors import ManifestError, Problem
from ._loader import dump_manifest, load_manifest
from ._manifest import (
    ENDPOINT,
    ENV_NAME,
    MAX_PRICE,
    MODEL_ID,
    SLUG,
    URL_PATTERN,
    Capability,
    Mode,
    Model,
    Provider,
)
from ._trust import foreign_credential
from ._urls import LOOPBACK_HOSTS, EndpointKey, endpoint_key

if TYPE_CHECKING:
    from ._registry import Registry

__all__ = [
    "LITELLM_SOURCE",
    "MODELS_DEV_SOURCE",
    "ImportResult",
    "import_litellm",
    "import_models_dev",
    "write_manifests",
]

MODELS_DEV_SOURCE = {"id": "models-dev", "name": "models.dev catalog", "file": "api.json"}
LITELLM_SOURCE = {
    "id": "litellm",
    "name": "LiteLLM price table",
    "file": "model_prices_and_context_window.json",
}
"""The ``sources`` entry each importer adds (with the file's name and the data's date); a
re-import replaces the entry with its id. No URL is recorded: the file imported is whatever the
user had, not necessarily upstream's."""

NO_BASE_URL = "no base URL in the source"

_CAPABILITY_ORDER = {c: i for i, c in enumerate(get_args(Capability))}
_MODES: frozenset[str] = frozenset(get_args(Mode))
_RATE_FIELDS = ("input", "output", "cache_read", "cache_write")
_MILLION = Decimal(1_000_000)
_MAX_COUNT = 1_000_000_000  # the manifest's bound on token counts

# Variables models.dev lists beside the key that name a place or an account, not a secret.
_NOT_A_KEY = re.compile(
    r".*_(HOST|ENDPOINT|URL|BASE_URL|ACCOUNT|ACCOUNT_ID|RESOURCE_NAME|REGION|LOCATION|"
    r"PROJECT|PROJECT_ID|GATEWAY_ID|DEPLOYMENT|API_VERSION)$"
)
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@dataclasses.dataclass
class ImportResult:
    """What an import produced, and everything it could not carry over."""

    providers: dict[str, Provider] = dataclasses.field(default_factory=dict)
    """Validated manifests by provider id."""
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """(source provider name, reason) for every source provider not written."""
    unmapped: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    """Source field names the manifest has no place for, with how often each occurred."""
    notes: list[str] = dataclasses.field(default_factory=list)
    """Per-model (and per-provider) figures left out, each with its reason."""

    @property
    def model_count(self) -> int:
        return sum(len(p.models) for p in self.providers.values())


def write_manifests(result: ImportResult, out_dir: Path) -> list[Path]:
    """Write one ``<id>.yaml`` per provider into ``out_dir`` (created if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for pid, provider in result.providers.items():
        path = out_dir / f"{pid}.yaml"
        path.write_text(dump_manifest(provider, directory=out_dir), encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Shared machinery


@dataclasses.dataclass
class _Group:
    """One output manifest in the making: provider-level data and the models collected so far."""

    base: dict[str, Any]
    sources: list[str]
    models: dict[str, Model] = dataclasses.field(default_factory=dict)
    origin: dict[str, str] = dataclasses.field(default_factory=dict)  # model id -> source entry


class _Run:
    def __init__(
        self,
        known: Registry | None,
        interop_field: str,
        source: Mapping[str, str],
        as_of: datetime.date | None,
        file: str | None,
        only: Collection[str] | None,
    ) -> None:
        self.result = ImportResult()
        self.groups: dict[str, _Group] = {}
        self.only = None if only is None else set(only)
        self.source: dict[str, Any] = {
            **source,
            "file": file or source["file"],
            "as_of": as_of or datetime.date.today(),
        }
        self.known: dict[str, Provider] = {}
        self.taken: dict[str, str] = {}  # every known id and alias -> the provider's id
        self.endpoints: dict[EndpointKey, str] = {}  # normalised endpoint -> its provider id
        providers = list(known.providers.values()) if known is not None else []
        # An explicit interop name wins over a coincidental id or alias match.
        for p in providers:
            for name in getattr(p.interop, interop_field):
                self.known.setdefault(name, p)
        for p in providers:
            self.known.setdefault(p.id, p)
            self.taken[p.id] = p.id
        for p in providers:
            for alias in p.aliases:
                self.known.setdefault(alias, p)
                self.taken.setdefault(alias, p.id)
            for endpoint in p.api.endpoints:
                self.endpoints.setdefault(endpoint_key(endpoint), p.id)

    def wanted(self, pid: str) -> bool:
        return self.only is None or pid in self.only

    def note(self, where: str, message: str) -> None:
        self.result.notes.append(f"{where}: {message}")

    def skip(self, source_name: str, reason: str) -> None:
        self.result.skipped.append((source_name, reason))

    def known_group(self, source_name: str, p: Provider) -> _Group:
        group = self.groups.get(p.id)
        if group is None:
            base = p.model_dump(mode="python", exclude_defaults=True)
            base.pop("models", None)
            base["schema_version"] = p.schema_version
            group = self.groups[p.id] = _Group(base, [])
        group.sources.append(source_name)
        return group

    def repeated(self, group: _Group, where: str, model_id: str, entry: str) -> bool:
        """Whether the group already has ``model_id`` (noted: the first entry wins)."""
        previous = group.origin.get(model_id)
        if previous is None:
            return False
        self.note(
            where, f"entry {entry!r} repeats model id {model_id!r} of {previous!r}; kept the first"
        )
        return True

    def add_model(
        self, group: _Group, where: str, model_id: str, data: dict[str, Any], entry: str
    ) -> bool:
        """Validate one converted model and add it; False (with a note) when it cannot be."""
        if len(model_id) > 256 or not re.fullmatch(MODEL_ID, model_id):
            self.note(where, f"model id {model_id!r} is not a valid manifest model id; left out")
            return False
        if data.get("price") and not _is_local(group.base):
            data = self.no_silent_zeros(where, model_id, data)
        price = data.get("price") or {}
        read, fresh = price.get("cache_read"), price.get("input")
        if read is not None and fresh is not None and read > fresh:
            self.note(where, f"cache_read {read} above input {fresh}; left out")
            data = {**data, "price": {k: v for k, v in price.items() if k != "cache_read"}}
        write = price.get("cache_write")
        if read is not None and write is not None and write < read:
            self.note(where, f"cache_write {write} below cache_read {read}; left out")
            data = {**data, "price": {k: v for k, v in data["price"].items() if k != "cache_write"}}
        try:
            model = Model.model_validate(data)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(part) for part in first["loc"])
            self.note(where, f"{loc}: {first['msg']}; model left out")
            return False
        group.models[model_id] = model
        group.origin[model_id] = entry
        return True

    def no_silent_zeros(self, where: str, model_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """A hosted model's 0 is taken for "not published" and left out, unless the id itself
        names a free variant (``:free``, ``-free``)."""
        price = data["price"]
        zeros = [f for f in _RATE_FIELDS if price.get(f) == 0]
        tiers = [{k: v for k, v in t.items() if v != 0} for t in price.get("tiers", [])]
        if tiers != price.get("tiers", []):
            self.note(where, "tier rates of 0 taken for not published; left out")
            price = {**price, "tiers": tiers}
            data = {**data, "price": price}
        if not zeros:
            return data
        if _FREE_ID.search(model_id) and price.get("input") == 0 and price.get("output") == 0:
            return {**data, "free": f"{self.source['id']} lists it at 0 and its id names it free"}
        self.note(where, f"price {', '.join(zeros)} of 0 taken for not published; left out")
        price = {k: v for k, v in price.items() if k not in zeros}
        if not any(price.get(f) is not None for f in _RATE_FIELDS) and not price.get("tiers"):
            return {k: v for k, v in data.items() if k != "price"}
        return {**data, "price": price}

    def taken_keys(self) -> dict[str, str]:
        """New providers that may not be written, with the reason: one whose key variable a
        known provider or an earlier new one reads, or that is named like a cloud or CI
        credential. A catalog is not a reason to hand one provider's key to another host
        (validation would refuse it unless the manifest opts in, which only a person may)."""
        holder: dict[str, str] = {}
        for p in self.known.values():
            for var in p.auth.env:
                holder.setdefault(var, p.id)
        refused: dict[str, str] = {}
        for pid, group in self.groups.items():
            if pid in self.taken or not group.models:
                continue  # a known manifest keeps its own provider-level facts
            for var in group.base.get("auth", {}).get("env", []):
                owner = holder.get(var)
                if owner is not None and owner != pid:
                    refused[pid] = f"its key variable {var} is {owner!r}'s too"
                elif foreign_credential(var):
                    refused[pid] = f"its key variable {var} is named like a cloud or CI credential"
                if pid in refused:
                    refused[pid] += (
                        "; if that is right, write the manifest by hand with "
                        f"trust: {{keys: {{{var}: <why>}}}}"
                    )
                    break
            else:
                for var in group.base.get("auth", {}).get("env", []):
                    holder.setdefault(var, pid)
        return refused

    def finish(self) -> ImportResult:
        refused = self.taken_keys()
        for pid, group in self.groups.items():
            if pid in refused:
                for name in group.sources:
                    self.skip(name, refused[pid])
                continue
            if not group.models:
                # An empty table would replace a known manifest's models with nothing.
                for name in group.sources:
                    self.skip(name, "no model could be imported")
                continue
            # The imported table's source comes first: the models take their figures from it.
            sources = [s for s in group.base.get("sources", []) if s["id"] != self.source["id"]]
            data = {**group.base, "sources": [dict(self.source), *sources]}
            data["models"] = group.models
            try:
                provider = load_manifest(data, file=f"{pid}.yaml")
            except ManifestError as exc:
                reason = f"the manifest would be invalid: {exc.problems[0]}"
                for name in group.sources:
                    self.skip(name, reason)
                continue
            self.result.providers[pid] = provider
        return self.result


_FREE_ID = re.compile(r"(?:^|[-:_/])free(?:$|[-:_])", re.IGNORECASE)


def _is_local(base: Mapping[str, Any]) -> bool:
    url = str(base.get("api", {}).get("base_url", ""))
    try:
        return urlsplit(url).hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


def _slug(name: str) -> str | None:
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).rstrip("-")
    return slug if len(slug) <= 64 and re.fullmatch(SLUG, slug) else None


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _price_problem(price: dict[str, Any]) -> str | None:
    """Why a converted price cannot stand (above the limit, negative, not finite), or None."""
    for rates in (price, *price.get("tiers", [])):
        for field in _RATE_FIELDS:
            value: Decimal | None = rates.get(field)
            if value is None:
                continue
            if not value.is_finite():
                return f"price {field} {value} is not a number"
            if value < 0:
                return f"price {field} {value} is negative"
            if value > MAX_PRICE:
                return f"price {field} {value:f} per 1M tokens is above {MAX_PRICE}"
    return None


def _limits(
    run: _Run, where: str, out: dict[str, Any], context: Any, output: Any, *, output_label: str
) -> None:
    """Set context_window and max_output_tokens, enforcing 0 < output <= context."""
    if _number(context) and context > 0:
        if int(context) != context or context > _MAX_COUNT:
            run.note(where, f"context {context} is not a usable token count; left out")
        else:
            out["context_window"] = int(context)
    if not _number(output) or output <= 0:
        return
    ctx = out.get("context_window")
    if int(output) != output or output > _MAX_COUNT:
        run.note(where, f"{output_label} {output} is not a usable token count; left out")
    elif ctx is None:
        run.note(where, f"{output_label} {output} but no context window to check it; left out")
    elif output > ctx:
        run.note(where, f"{output_label} {output} above context {ctx}; left out")
    else:
        out["max_output_tokens"] = int(output)


def _supports(found: Iterable[str]) -> list[str]:
    return sorted(set(found), key=_CAPABILITY_ORDER.__getitem__)


def _attach_price(run: _Run, where: str, out: dict[str, Any], price: dict[str, Any]) -> None:
    if not any(price.get(f) is not None for f in _RATE_FIELDS) and not price.get("tiers"):
        return
    problem = _price_problem(price)
    if problem:
        run.note(where, f"{problem}; price left out")
        return
    out["price"] = price


# ---------------------------------------------------------------------------------------------
# models.dev


def import_models_dev(
    data: Mapping[str, Any],
    *,
    known: Registry | None = None,
    as_of: datetime.date | None = None,
    file: str | None = None,
    only: Collection[str] | None = None,
) -> ImportResult:
    """Manifests from the models.dev catalog (``{provider_id: {..., models: {...}}}``).

    ``known`` supplies the manifests whose provider-level facts win (matched by
    ``interop.models_dev``, id or alias); ``as_of`` (the date of the data, today by default) and
    ``file`` (the name of what was read) go into the added ``sources`` entry, which comes first;
    ``only`` limits the import to those output provider ids.
    """
    if not isinstance(data, Mapping):
        raise _shape_error("the models.dev catalog", "a JSON object of providers")
    entries = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    if data and not any(isinstance(v.get("models"), Mapping) for _, v in entries):
        raise _shape_error("the models.dev catalog", "providers with a 'models' object")
    run = _Run(known, "models_dev", MODELS_DEV_SOURCE, as_of, file, only)
    for source_id, entry in data.items():
        source_id = str(source_id)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("models"), Mapping):
            run.skip(source_id, "not a provider entry (no 'models' object)")
            continue
        target = run.known.get(source_id)
        if target is not None:
            if not run.wanted(target.id):
                continue
            group = run.known_group(source_id, target)
        else:
            made = _md_new_provider(run, source_id, entry)
            if made is None:
                continue
            group = made
        api, npm = entry.get("api"), str(entry.get("npm") or "")
        for model_id, model in entry["models"].items():
            where = f"{source_id}/{model_id}"
            if not isinstance(model, Mapping):
                run.note(where, "not a model entry; left out")
                continue
            if run.repeated(group, where, str(model_id), where):
                continue
            converted = _md_model(run, where, str(model_id), model, api, npm)
            if converted is not None:
                run.add_model(group, where, str(model_id), converted, where)
    return run.finish()


def _md_new_provider(run: _Run, source_id: str, entry: Mapping[str, Any]) -> _Group | None:
    """A group for a provider no known manifest covers, or None (skipped, with the reason)."""
    pid = _slug(source_id)
    if pid is None:
        if run.only is None:
            run.skip(source_id, f"cannot make a provider id ([a-z0-9_-]) from {source_id!r}")
        return None
    if not run.wanted(pid):
        return None
    if pid in run.taken:
        run.skip(source_id, f"id {pid!r} is already the known provider {run.taken[pid]!r}'s")
        return None
    if pid in run.groups:
        run.skip(source_id, f"id {pid!r} is already taken by {run.groups[pid].sources[0]!r}")
        return None
    base_url = entry.get("api")
    if not isinstance(base_url, str) or not base_url.strip():
        run.skip(source_id, NO_BASE_URL)
        return None
    npm = str(entry.get("npm") or "")
    if "anthropic" in npm:
        run.skip(source_id, f"served through {npm}, not an OpenAI-compatible API")
        return None
    base_url = base_url.strip()
    in_url = set(_PLACEHOLDER.findall(base_url))
    env: list[str] = []
    for var in entry.get("env") or []:
        var = str(var)
        if not re.fullmatch(ENV_NAME, var):
            run.note(source_id, f"env var {var!r} is not UPPER_SNAKE; left out")
        elif var in in_url or _NOT_A_KEY.fullmatch(var):
            pass  # a place, not a secret: it must never be sent as the API key
        else:
            env.append(var)
    auth: dict[str, Any] = {"env": env}
    if not env:
        try:
            host = urlsplit(base_url).hostname
        except ValueError:
            host = None
        if host not in LOOPBACK_HOSTS:
            run.skip(source_id, "no usable API key variable in the source")
            return None
        auth["required"] = False  # a local server; models.dev names no key for it
    api: dict[str, Any] = {"dialect": "openai", "base_url": base_url}
    if in_url:
        api["base_url_vars"] = list(dict.fromkeys(_PLACEHOLDER.findall(base_url)))
    endpoint = _endpoint_of(base_url)
    if endpoint is not None:
        owner = run.endpoints.setdefault(endpoint_key(endpoint), pid)
        if owner == pid:
            api["endpoints"] = [endpoint]
        else:
            run.note(source_id, f"endpoint {endpoint} is already {owner!r}'s; left out")
    base: dict[str, Any] = {
        "schema_version": 1,
        "id": pid,
        "name": str(entry.get("name") or source_id),
        "api": api,
        "auth": auth,
        "interop": {"models_dev": [source_id]},
    }
    doc = entry.get("doc")
    if isinstance(doc, str) and doc:
        if re.fullmatch(URL_PATTERN, doc) and doc.startswith("https://"):
            base["docs_url"] = doc
        else:
            run.note(source_id, f"docs URL {doc!r} is not an https URL; left out")
    group = run.groups[pid] = _Group(base, [source_id])
    return group


def _endpoint_of(base_url: str) -> str | None:
    """host[:port]/path of a base URL, lower-case host; None when it has a ${VAR} or no host."""
    if "${" in base_url:
        return None
    try:
        parts = urlsplit(base_url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    endpoint = host + (f":{port}" if port else "") + parts.path.rstrip("/")
    return endpoint if re.fullmatch(ENDPOINT, endpoint) else None


def _tidy(value: Decimal) -> Decimal:
    """Trailing zeros dropped, but never into exponent form (10, not 1E+1)."""
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        value = value.quantize(Decimal(1))
    return value


def _md_decimal(value: Any) -> Decimal | None:
    if not _number(value):
        return None
    try:
        return _tidy(_float_decimal(value))
    except InvalidOperation:
        return None


def _md_rates(run: _Run, prefix: str, cost: Mapping[str, Any], out: dict[str, Any]) -> None:
    for key, value in cost.items():
        if key in _RATE_FIELDS:
            amount = _md_decimal(value)
            if amount is not None:
                out[key] = amount
            else:
                run.result.unmapped[f"{prefix}{key}"] += 1
        elif key not in ("tiers", "tier"):
            run.result.unmapped[f"{prefix}{key}"] += 1


def _md_price(run: _Run, where: str, cost: Any) -> dict[str, Any]:
    if not isinstance(cost, Mapping):
        return {}
    price: dict[str, Any] = {}
    _md_rates(run, "cost.", cost, price)
    tiers = []
    for tier in cost.get("tiers") or []:
        spec = tier.get("tier") if isinstance(tier, Mapping) else None
        size = spec.get("size") if isinstance(spec, Mapping) else None
        kind = spec.get("type", "context") if isinstance(spec, Mapping) else None
        if not _number(size) or size <= 0 or int(size) != size or kind != "context":
            run.result.unmapped["cost.tiers"] += 1
            continue
        rates: dict[str, Any] = {"above_input_tokens": int(size)}
        _md_rates(run, "cost.tiers.", tier, rates)
        tiers.append(rates)
    if tiers:
        sizes = [t["above_input_tokens"] for t in tiers]
        if len(set(sizes)) != len(sizes):
            run.note(where, "two price tiers have the same threshold; tiers left out")
        else:
            price["tiers"] = sorted(tiers, key=lambda t: t["above_input_tokens"])
    return price


def _npm_family(npm: str) -> str:
    for family in ("anthropic", "google", "openai"):
        if family in npm:
            return family
    return npm


def _md_model(
    run: _Run,
    where: str,
    model_id: str,
    m: Mapping[str, Any],
    provider_api: Any,
    provider_npm: str,
) -> dict[str, Any] | None:
    unmapped = run.result.unmapped
    used = {"id", "cost", "limit", "modalities", "tool_call", "structured_output", "reasoning"}
    used |= {"status", "provider"}
    out: dict[str, Any] = {}
    supports: list[str] = []

    override = m.get("provider")
    if isinstance(override, Mapping):
        other_api = override.get("api")
        other_npm = override.get("npm")
        if other_api is not None and other_api != provider_api:
            run.note(where, f"served at another base URL ({other_api}); left out")
            return None
        if other_npm is not None and _npm_family(str(other_npm)) != _npm_family(provider_npm):
            run.note(where, f"served through another SDK ({other_npm}); left out")
            return None
        for key in override:
            if key not in ("api", "npm", "shape"):
                unmapped[f"provider.{key}"] += 1

    modalities = m.get("modalities")
    modalities = modalities if isinstance(modalities, Mapping) else {}
    inputs = [str(x) for x in modalities.get("input") or []]
    outputs = [str(x) for x in modalities.get("output") or []]
    family = str(m.get("family") or "")
    embeds_only = bool(outputs) and set(outputs) <= {"embedding", "embeddings"}
    named_embed = "embed" in family.lower() or "embed" in model_id.rsplit("/", 1)[-1].lower()
    if embeds_only or named_embed:
        mode = "embedding"
        used.add("family")
    elif set(outputs) == {"image"}:
        mode = "image_generation"
    elif set(outputs) == {"audio"}:
        mode = "audio_speech"
    elif set(outputs) == {"video"}:
        run.note(where, "outputs only video, which no manifest mode describes; left out")
        return None
    else:
        mode = "chat"
    if isinstance(override, Mapping) and override.get("shape") is not None:
        if override["shape"] == "responses" and mode == "chat":
            mode = "responses"
        else:
            unmapped["provider.shape"] += 1
    if mode != "chat":
        out["mode"] = mode

    for kind in inputs:
        cap = {"image": "vision", "pdf": "pdf_input", "audio": "audio_input"}.get(kind)
        if cap:
            supports.append(cap)
        elif kind != "text":
            unmapped[f"modalities.input.{kind}"] += 1
    for kind in outputs:
        if kind == "audio" and mode != "audio_speech":
            supports.append("audio_output")
        elif not (
            kind in ("text", "embedding", "embeddings")
            or (kind == "image" and mode == "image_generation")
            or (kind == "audio" and mode == "audio_speech")
        ):
            unmapped[f"modalities.output.{kind}"] += 1

    limit = m.get("limit")
    limit = limit if isinstance(limit, Mapping) else {}
    output_limit = limit.get("output")
    if mode == "embedding" and _number(output_limit) and output_limit > 0:
        unmapped["limit.output"] += 1  # the vector size, not a token count
        output_limit = None
    _limits(run, where, out, limit.get("context"), output_limit, output_label="output limit")
    for key in limit:
        if key not in ("context", "output"):
            unmapped[f"limit.{key}"] += 1

    if m.get("tool_call") is True:
        supports += ["tools", "tool_choice"]
    if m.get("structured_output") is True:
        supports.append("json_schema")
    if m.get("reasoning") is True:
        supports.append("reasoning")
    if supports:
        out["supports"] = _supports(supports)

    status = m.get("status")
    experimental = m.get("experimental")
    if status == "deprecated":
        out["status"] = "deprecated"
    elif status in ("alpha", "beta") or experimental is True:
        out["status"] = "experimental"
    elif status is not None:
        unmapped["status"] += 1
    if isinstance(experimental, Mapping):
        for key in experimental:
            unmapped[f"experimental.{key}"] += 1
    elif experimental is not None and experimental is not True and experimental is not False:
        unmapped["experimental"] += 1
    used.add("experimental")

    _attach_price(run, where, out, _md_price(run, where, m.get("cost")))
    for key in m:
        if key not in used:
            unmapped[str(key)] += 1
    return out


# ---------------------------------------------------------------------------------------------
# LiteLLM

_LL_RATES = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
}
_LL_TIER = re.compile(
    r"(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
    r"cache_creation_input_token_cost)_above_([0-9]+)k_tokens"
)
_LL_SUPPORTS = {
    "supports_function_calling": "tools",
    "supports_tool_choice": "tool_choice",
    "supports_parallel_function_calling": "parallel_tool_calls",
    "supports_system_messages": "system_messages",
    "supports_vision": "vision",
    "supports_pdf_input": "pdf_input",
    "supports_audio_input": "audio_input",
    "supports_audio_output": "audio_output",
    "supports_response_schema": "json_schema",
    "supports_reasoning": "reasoning",
    "supports_prompt_caching": "prompt_caching",
    "supports_web_search": "web_search",
}
_LL_USED = {"litellm_provider", "mode", "max_input_tokens", "max_output_tokens"}


def import_litellm(
    data: Mapping[str, Any],
    *,
    known: Registry | None = None,
    as_of: datetime.date | None = None,
    file: str | None = None,
    only: Collection[str] | None = None,
) -> ImportResult:
    """Manifests from LiteLLM's ``model_prices_and_context_window.json`` (``as_of``, ``file``
    and ``only`` as for import_models_dev).

    LiteLLM carries no base URLs, so only providers ``known`` covers (by ``interop.litellm``, id
    or alias) are written; every other one is skipped with the reason "no base URL in the
    source". Prices are converted from USD per token to per 1M tokens exactly.
    """
    if not isinstance(data, Mapping):
        raise _shape_error("LiteLLM's price table", "a JSON object of model entries")
    if data and not any(
        isinstance(v, Mapping) and "litellm_provider" in v for k, v in data.items()
    ):
        raise _shape_error("LiteLLM's price table", "entries with a 'litellm_provider'")
    run = _Run(known, "litellm", LITELLM_SOURCE, as_of, file, only)
    by_provider: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for key, entry in data.items():
        key = str(key)
        if key == "sample_spec":
            continue
        if not isinstance(entry, Mapping):
            run.note(key, "not a model entry; left out")
            continue
        provider = entry.get("litellm_provider")
        if not isinstance(provider, str) or not provider:
            run.note(key, "no litellm_provider; left out")
            continue
        by_provider.setdefault(provider, []).append((key, entry))
    for provider, entries in by_provider.items():
        target = run.known.get(provider)
        if target is None:
            slug = _slug(provider)
            if run.only is None or (slug is not None and slug in run.only):
                run.skip(provider, NO_BASE_URL)
            continue
        if not run.wanted(target.id):
            continue
        group = run.known_group(provider, target)
        for key, entry in entries:
            model_id = key.removeprefix(f"{provider}/")
            where = f"{provider}/{model_id}"
            if run.repeated(group, where, model_id, key):
                continue
            converted = _ll_model(run, where, entry)
            if converted is not None:
                run.add_model(group, where, model_id, converted, key)
    return run.finish()


def _ll_decimal(value: Any) -> Decimal | None:
    """USD per token to USD per 1M tokens, exactly: the float to 15 significant digits (all a
    double holds; past them, 3.2000000000000003e-06 is float noise on 3.2e-06), scaled."""
    if not _number(value):
        return None
    try:
        return _tidy(_float_decimal(value) * _MILLION)
    except InvalidOperation:
        return None


def _float_decimal(value: int | float) -> Decimal:
    """A JSON number as the decimal it was meant to be: at most 15 significant digits."""
    return Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)


def _ll_model(run: _Run, where: str, e: Mapping[str, Any]) -> dict[str, Any] | None:
    unmapped = run.result.unmapped
    mode = e.get("mode")
    if mode is None:
        run.note(where, "no mode given; left out")
        return None
    if mode not in _MODES:
        run.note(where, f"mode {mode!r} has no manifest equivalent; left out")
        return None
    out: dict[str, Any] = {} if mode == "chat" else {"mode": mode}
    price: dict[str, Any] = {}
    tiers: dict[int, dict[str, Any]] = {}
    supports: list[str] = []
    for key, value in e.items():
        tier = _LL_TIER.fullmatch(key)
        if key in _LL_RATES or tier:
            amount = _ll_decimal(value)
            if amount is None:
                run.note(where, f"{key} {value!r} is not a number; left out")
                continue
            if tier:
                threshold = int(tier[2]) * 1000
                slot = tiers.setdefault(threshold, {"above_input_tokens": threshold})
                slot[_LL_RATES[tier[1]]] = amount
            else:
                price[_LL_RATES[key]] = amount
        elif key in _LL_SUPPORTS:
            if value is True:
                supports.append(_LL_SUPPORTS[key])
        elif key not in _LL_USED:
            unmapped[key] += 1
    if tiers:
        bad = [t for t in tiers if t <= 0 or t > _MAX_COUNT]
        if bad:
            run.note(where, f"price tier threshold {bad[0]} is out of range; tiers left out")
        else:
            price["tiers"] = [tiers[t] for t in sorted(tiers)]
    _limits(
        run,
        where,
        out,
        e.get("max_input_tokens"),
        e.get("max_output_tokens"),
        output_label="max_output_tokens",
    )
    if supports:
        out["supports"] = _supports(supports)
    _attach_price(run, where, out, price)
    return out


def _shape_error(what: str, expected: str) -> ManifestError:
    return ManifestError(
        [Problem(None, None, None, "", f"this does not look like {what}: expected {expected}")]
    )
