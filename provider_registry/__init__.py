"""provider-registry: LLM API providers described as data.

>>> from provider_registry import resolve
>>> r = resolve("wandb/Llama-3.1-8B-Instruct")
>>> r.provider_id, r.model, r.api_base
('wandb', 'meta-llama/Llama-3.1-8B-Instruct', 'https://api.inference.wandb.ai/v1')
"""

from ._errors import (
    AmbiguousModelError,
    DeprecatedModelWarning,
    InvalidParameterError,
    LookupFailedError,
    ManifestError,
    MissingCredentialsError,
    MissingParameterError,
    Problem,
    RegistryError,
    RetiredModelError,
    UnknownModelError,
    UnknownProviderError,
)
from ._loader import dump_manifest, load_manifest
from ._manifest import Api, Auth, Model, Param, Price, Provider, SendAs, Source
from ._registry import Registry, default_registry, load_registry
from ._resolver import Resolution, resolve
from ._secrets import mask_secret

__version__ = "0.1.0"

__all__ = [
    "AmbiguousModelError",
    "Api",
    "Auth",
    "DeprecatedModelWarning",
    "InvalidParameterError",
    "LookupFailedError",
    "ManifestError",
    "MissingCredentialsError",
    "MissingParameterError",
    "Model",
    "Param",
    "Price",
    "Problem",
    "Provider",
    "Registry",
    "RegistryError",
    "Resolution",
    "RetiredModelError",
    "SendAs",
    "Source",
    "UnknownModelError",
    "UnknownProviderError",
    "default_registry",
    "dump_manifest",
    "load_manifest",
    "load_registry",
    "mask_secret",
    "resolve",
]
