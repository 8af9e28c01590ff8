"""provider-registry: LLM API providers described as data.

>>> from provider_registry import resolve
>>> r = resolve("wandb/Llama-3.1-8B-Instruct")
>>> r.provider_id, r.model, r.api_base
('wandb', 'meta-llama/Llama-3.1-8B-Instruct', 'https://api.inference.wandb.ai/v1')
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._errors import (
    AmbiguousModelError,
    AuthenticationError,
    BadRequestError,
    CommandError,
    DeprecatedModelWarning,
    DroppedParameterWarning,
    InvalidBaseURLError,
    InvalidCredentialsError,
    InvalidParameterError,
    InvalidRequestError,
    InvalidRouteError,
    LookupFailedError,
    MalformedReplyError,
    ManifestError,
    ManifestWarning,
    MissingCredentialsError,
    MissingExtraError,
    MissingParameterError,
    ModelNameWarning,
    ModelNotFoundError,
    NoRouteError,
    Problem,
    ProviderConnectionError,
    ProviderError,
    ProviderOverrideWarning,
    QuotaExceededError,
    RateLimitError,
    RegistryError,
    RetiredModelError,
    ServerError,
    SourceError,
    UnknownModelError,
    UnknownProviderError,
)
from ._pricing import cost_of
from ._registry import Registry, default_registry, load_registry, register, reload_registry
from ._resolver import Resolution, resolve
from ._secrets import mask_secret, redact_headers

if _TYPE_CHECKING:
    from ._client import AsyncStream, Attempt, Reply, Retry, Stream, acompletion, completion
    from ._live import LiveReport, check_live
    from ._loader import dump_manifest, load_manifest
    from ._manifest import (
        Api,
        Auth,
        Model,
        Param,
        PastPrice,
        Price,
        PriceTier,
        PriceWindow,
        Provider,
        RequestRules,
        SendAs,
        Source,
    )
    from ._offers import Offer, offers
    from ._routing import Route

__version__ = "0.1.0"

# Imported on first use: the client and the live check pull in httpx, the manifest models
# pydantic and the loader PyYAML, and a process that only resolves (from the compiled catalog)
# needs none of them.
_LAZY = {
    **dict.fromkeys(
        ["AsyncStream", "Attempt", "Reply", "Retry", "Stream", "acompletion", "completion"],
        "_client",
    ),
    "Route": "_routing",
    **dict.fromkeys(["LiveReport", "check_live"], "_live"),
    **dict.fromkeys(["Offer", "offers"], "_offers"),
    **dict.fromkeys(["dump_manifest", "load_manifest"], "_loader"),
    **dict.fromkeys(
        [
            *("Api", "Auth", "Model", "Param", "PastPrice", "Price", "PriceTier", "PriceWindow"),
            *("Provider", "RequestRules", "SendAs", "Source"),
        ],
        "_manifest",
    ),
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'provider_registry' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next access is a plain attribute read
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AmbiguousModelError",
    "Api",
    "AsyncStream",
    "Attempt",
    "Auth",
    "AuthenticationError",
    "BadRequestError",
    "CommandError",
    "DeprecatedModelWarning",
    "DroppedParameterWarning",
    "InvalidBaseURLError",
    "InvalidCredentialsError",
    "InvalidParameterError",
    "InvalidRequestError",
    "InvalidRouteError",
    "LiveReport",
    "LookupFailedError",
    "MalformedReplyError",
    "ManifestError",
    "ManifestWarning",
    "MissingCredentialsError",
    "MissingExtraError",
    "MissingParameterError",
    "Model",
    "ModelNameWarning",
    "ModelNotFoundError",
    "NoRouteError",
    "Offer",
    "Param",
    "PastPrice",
    "Price",
    "PriceTier",
    "PriceWindow",
    "Problem",
    "Provider",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderOverrideWarning",
    "QuotaExceededError",
    "RateLimitError",
    "Registry",
    "RegistryError",
    "Reply",
    "RequestRules",
    "Resolution",
    "RetiredModelError",
    "Retry",
    "Route",
    "SendAs",
    "ServerError",
    "Source",
    "SourceError",
    "Stream",
    "UnknownModelError",
    "UnknownProviderError",
    "acompletion",
    "check_live",
    "completion",
    "cost_of",
    "default_registry",
    "dump_manifest",
    "load_manifest",
    "load_registry",
    "mask_secret",
    "offers",
    "redact_headers",
    "register",
    "reload_registry",
    "resolve",
]
