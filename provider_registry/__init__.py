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
    InvalidParameterError,
    InvalidRequestError,
    LookupFailedError,
    ManifestError,
    ManifestWarning,
    MissingCredentialsError,
    MissingParameterError,
    ModelNotFoundError,
    Problem,
    ProviderConnectionError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    RegistryError,
    RetiredModelError,
    ServerError,
    UnknownModelError,
    UnknownProviderError,
)
from ._loader import dump_manifest, load_manifest
from ._manifest import (
    Api,
    Auth,
    Model,
    Param,
    PastPrice,
    Price,
    PriceTier,
    Provider,
    RequestRules,
    SendAs,
    Source,
)
from ._pricing import cost_of
from ._registry import Registry, default_registry, load_registry, register, reload_registry
from ._resolver import Resolution, resolve
from ._secrets import mask_secret, redact_headers

if _TYPE_CHECKING:
    from ._client import Reply, Retry, acompletion, completion

__version__ = "0.1.0"

# The client pulls in httpx; a process that only resolves should not pay for it.
_LAZY = {"Reply", "Retry", "acompletion", "completion"}


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        from . import _client

        return getattr(_client, name)
    raise AttributeError(f"module 'provider_registry' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)


__all__ = [
    "AmbiguousModelError",
    "Api",
    "Auth",
    "AuthenticationError",
    "BadRequestError",
    "CommandError",
    "DeprecatedModelWarning",
    "DroppedParameterWarning",
    "InvalidParameterError",
    "InvalidRequestError",
    "LookupFailedError",
    "ManifestError",
    "ManifestWarning",
    "MissingCredentialsError",
    "MissingParameterError",
    "Model",
    "ModelNotFoundError",
    "Param",
    "PastPrice",
    "Price",
    "PriceTier",
    "Problem",
    "Provider",
    "ProviderConnectionError",
    "ProviderError",
    "QuotaExceededError",
    "RateLimitError",
    "Registry",
    "RegistryError",
    "Reply",
    "RequestRules",
    "Resolution",
    "RetiredModelError",
    "Retry",
    "SendAs",
    "ServerError",
    "Source",
    "UnknownModelError",
    "UnknownProviderError",
    "acompletion",
    "completion",
    "cost_of",
    "default_registry",
    "dump_manifest",
    "load_manifest",
    "load_registry",
    "mask_secret",
    "redact_headers",
    "register",
    "reload_registry",
    "resolve",
]
