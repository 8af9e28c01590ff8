"""A model string to a ``Resolution``: which provider, which wire id, where, with which key.

Detection, first rule that applies wins:

1. ``provider=`` given: that provider (id or alias).
2. ``<prefix>/<rest>`` where the prefix is a provider id or alias: that provider, model ``<rest>``
   (which may hold more slashes). Refinements: when ``api_base`` selects another provider whose
   table lists the whole string (``openai/gpt-oss-120b`` at W&B), that provider wins; when the
   provider's own table lists the whole string but not ``<rest>`` (NVIDIA's ``nvidia/...`` ids),
   the whole string is the model.
3. ``api_base`` given: the provider whose endpoint matches it by exact host and whole path
   segments, longest match.
4. A bare name: the provider whose ownership rule claims it (most specific rule), else the one
   provider listing it as a model id or alias.
5. Otherwise UnknownModelError with close matches (or UnknownProviderError for an unknown prefix).
"""

from __future__ import annotations

import datetime
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn

from ._errors import (
    AmbiguousModelError,
    DeprecatedModelWarning,
    InvalidBaseURLError,
    InvalidParameterError,
    MissingParameterError,
    ModelNameWarning,
    RetiredModelError,
    UnknownModelError,
    UnknownProviderError,
)
from ._pricing import PriceBook, cost, utc_day
from ._registry import Derived, ProviderEntry, Registry, default_registry
from ._secrets import mask_secret, redact_url
from ._urls import PLACEHOLDER as _VAR
from ._urls import Place, placeholder_problem, placeholders, url_problem

if TYPE_CHECKING:
    import httpx

    from ._manifest import Model, Provider
    from ._routing import Route

__all__ = [
    "KEY_WITHHELD",
    "Resolution",
    "close_matches",
    "resolve",
    "resolve_provider",
    "resolve_split",
]

KEY_WITHHELD = (
    "withheld: api_base is outside the provider's endpoints; pass api_key= or trust_api_base=True"
)
_EMPTY: Mapping[str, str] = MappingProxyType({})

# The environment, as resolve() checks it. CPython's os.environ keeps the process environment in
# ``_data`` under encoded keys; one lookup there costs about 40 ns against about 370 ns for
# os.environ.get(), which encodes the key and decodes the value. Anything else (another
# interpreter, a replaced os.environ) is read through the mapping itself.
_ENVIRON = os.environ
_RAW: Mapping[Any, Any] = getattr(os.environ, "_data", os.environ)
_ENCODE: Callable[[str], Any] = getattr(os.environ, "encodekey", str)
_DECODE: Callable[[Any], str] = getattr(os.environ, "decodevalue", str)
if _RAW is os.environ:
    _ENCODE = _DECODE = str

_MEMO_MAX = 4096
"""Resolutions kept per registry; the memo is emptied when it reaches this size."""

_SPLIT = object()
"""The first item of resolve_split()'s memo keys, which no key of resolve() has."""

_ROUTED = object()
"""The first item of routed resolves' memo keys."""

Reads = list[tuple[Any, Any]]
"""The environment variables a resolution read, as (encoded name, raw value) pairs."""


class SigningKeys:
    """A signing credential read from the environment (AWS SigV4's access key id, secret access
    key and session token). Only its ``repr`` is ever shown, and it masks all three."""

    __slots__ = ("key_id", "secret", "token")

    def __init__(self, key_id: str, secret: str, token: str | None) -> None:
        self.key_id = key_id
        self.secret = secret
        self.token = token

    def secrets(self) -> tuple[str, ...]:
        """Every part that must be scrubbed from what the library shows."""
        return tuple(part for part in (self.key_id, self.secret, self.token) if part)

    def masked(self) -> dict[str, str | None]:
        """The three parts as the library shows them: their last 4 characters at most."""
        return {
            "key_id": mask_secret(self.key_id),
            "secret": mask_secret(self.secret),
            "token": mask_secret(self.token),
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningKeys):
            return NotImplemented
        return (self.key_id, self.secret, self.token) == (other.key_id, other.secret, other.token)

    def __hash__(self) -> int:
        return hash(self.key_id)

    def __repr__(self) -> str:
        return (
            f"SigningKeys(key_id={mask_secret(self.key_id)!r}, "
            f"secret={mask_secret(self.secret)!r}, token={mask_secret(self.token)!r})"
        )


class Resolution:
    """Everything needed to call one model at one provider. Immutable; the key never shows.

    >>> r = resolve("wandb/Llama-3.1-8B-Instruct", api_key="sk-test-123456789")
    >>> r.provider_id, r.model
    ('wandb', 'meta-llama/Llama-3.1-8B-Instruct')
    >>> r
    Resolution(provider_id='wandb', model='meta-llama/Llama-3.1-8B-Instruct', \
api_base='https://api.inference.wandb.ai/v1', api_key='****6789', params={})
    """

    __slots__ = {
        "_derived": "For a model matched by a model-id pattern: its base, description and prices.",
        "_entry": "The provider's registry entry.",
        "_listed": "Whether the provider's table lists the model.",
        "_retired": "The error a request to a retired model raises (include_retired=True).",
        "_signing": "The signing credential, for a provider whose requests are signed and no key "
        "was found.",
        "api_base": "Base URL requests go to, without a trailing slash.",
        "api_key": "The key, or None when none was given or found (or it was withheld: see "
        "key_source).",
        "key_source": 'Where the key came from ("api_key=" or the env var\'s name), or why it '
        "is missing.",
        "model": "The model id sent on the wire (an alias is replaced by the real id).",
        "params": "Provider-specific parameter values, by name (explicit, then env var, then "
        "default).",
        "provider_id": "The provider's id.",
        "route": "How a routed resolve (route=) chose this offer, and why it passed the "
        "others over; None without route=.",
    }
    provider_id: str
    model: str
    api_base: str
    api_key: str | None
    params: Mapping[str, str]
    key_source: str | None
    route: Route | None
    _entry: ProviderEntry
    _listed: bool
    _retired: RetiredModelError | None
    _derived: Derived | None
    _signing: SigningKeys | None

    def __init__(
        self,
        entry: ProviderEntry,
        model: str,
        listed: bool,
        api_base: str,
        api_key: str | None,
        params: Mapping[str, str],
        key_source: str | None,
        retired: RetiredModelError | None = None,
        derived: Derived | None = None,
        signing: SigningKeys | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "provider_id", entry.id)
        init(self, "model", model)
        init(self, "api_base", api_base)
        init(self, "api_key", api_key)
        init(self, "params", params)
        init(self, "key_source", key_source)
        init(self, "_entry", entry)
        init(self, "_listed", listed)
        init(self, "_retired", retired)
        init(self, "_derived", derived)
        init(self, "_signing", signing)
        init(self, "route", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Resolution is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Resolution is immutable")

    def _fields(self) -> tuple[object, ...]:
        return (
            self.provider_id,
            self.model,
            self._listed,
            self.api_base,
            self.api_key,
            dict(self.params),
            self.key_source,
            None if self._derived is None else self._derived.base,
            self._signing,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resolution):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((self.provider_id, self.model, self.api_base, self.key_source))

    @property
    def model_info(self) -> Model | None:
        """The model's table entry; None when the provider's table lacks it. A model matched by
        a model-id pattern (a fine-tune, an adapter) is described by its base model's entry,
        priced as the pattern says."""
        if self._derived is not None:
            return self._derived.info
        return self._entry.model_info(self.model) if self._listed else None

    @property
    def provider(self) -> Provider:
        """The provider's manifest."""
        return self._entry.manifest

    @property
    def prices(self) -> PriceBook | None:
        """The model's prices as cost() uses them (converted once); None when it has none."""
        if self._derived is not None:
            return self._derived.book
        return self._entry.prices(self.model) if self._listed else None

    @property
    def dialect(self) -> str:
        return self._entry.dialect

    @property
    def retired(self) -> bool:
        """Whether the model is retired (resolved with ``include_retired=True``, for its
        metadata and past costs; a request to it raises RetiredModelError)."""
        return self._retired is not None

    def _secrets(self) -> tuple[str, ...]:
        """Every secret this resolution holds: what errors and logs must scrub out."""
        found = () if self._signing is None else self._signing.secrets()
        return found if self.api_key is None else (self.api_key, *found)

    def __repr__(self) -> str:
        return (
            f"Resolution(provider_id={self.provider_id!r}, model={self.model!r}, "
            f"api_base={redact_url(self.api_base)!r}, api_key={mask_secret(self.api_key)!r}, "
            f"params={dict(self.params)!r})"
        )

    def build_request(self, body: Mapping[str, Any], *, drop_params: bool = True) -> httpx.Request:
        """The HTTP request for an OpenAI-shaped ``body``; pure, nothing is sent.

        Raises MissingCredentialsError, MissingParameterError or InvalidRequestError before any
        network I/O. Fields the provider does not take are dropped with a
        DroppedParameterWarning, or refused when ``drop_params=False``.
        """
        from ._request import build_request

        return build_request(self, body, drop_params=drop_params)

    def openai_client_kwargs(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``openai.OpenAI(**kw)`` that talk to this provider. When the
        key goes in a header other than Authorization, they hold an ``http_client`` that never
        sends to another origin (the SDK follows redirects); pass ``asynchronous=True`` for
        ``openai.AsyncOpenAI``, which needs an ``httpx.AsyncClient``.

        >>> kw = resolve("wandb/Llama-3.1-8B-Instruct", api_key="k" * 20,
        ...              project="team/proj").openai_client_kwargs()
        >>> kw["base_url"], kw["default_headers"]
        ('https://api.inference.wandb.ai/v1', {'OpenAI-Project': 'team/proj'})
        """
        from ._request import openai_client_kwargs

        return openai_client_kwargs(self, asynchronous=asynchronous)

    def cost(
        self,
        *,
        input_tokens: int,
        output_tokens: int = 0,
        cached_tokens: int = 0,
        cache_write_tokens: int = 0,
        at: datetime.date | None = None,
    ) -> Decimal | None:
        """USD for one call at this model's prices; None when it has no price. ``at`` (a date
        or datetime) uses the prices in force that day; a prompt above a tier's threshold is
        charged at that tier's rates. Where the price has windows (time-of-day rates), a
        datetime (aware, or naive read as UTC) is charged at the window it falls in, None at
        the one in force now, and a date alone at the base rates. A retired model
        (``include_retired=True``) is priced for a day before its retirement only.

        >>> resolve("wandb/Llama-3.1-8B-Instruct").cost(input_tokens=1000, output_tokens=500)
        Decimal('0.00033')
        """
        if self._retired is not None:
            day = None if at is None else utc_day(at)
            ended = self._retired.retired_on
            if day is None or (ended is not None and day.isoformat() >= ended):
                raise self._retired
        return cost(
            self.prices,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached_tokens,
            cache_write_tokens=cache_write_tokens,
            at=at,
            provider=self.provider_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary with the key masked (and any credential in the base URL); its
        keys are stable."""
        info = self.model_info
        return {
            "provider": self.provider_id,
            "model": self.model,
            "dialect": self.dialect,
            "api_base": redact_url(self.api_base),
            "api_key": mask_secret(self.api_key),
            "key_source": self.key_source,
            "params": dict(self.params),
            **({} if self._signing is None else {"signing": self._signing.masked()}),
            "model_info": None if info is None else info.model_dump(mode="json", exclude_none=True),
        }


def resolve(
    model: str,
    *,
    provider: str | None = None,
    api_base: str | None = None,
    api_key: str | Mapping[str, str] | None = None,
    registry: Registry | None = None,
    strict: bool = False,
    trust_api_base: bool = False,
    include_retired: bool = False,
    route: str | Sequence[str] | None = None,
    require: Iterable[str] | None = None,
    max_price: Decimal | float | str | None = None,
    **params: str,
) -> Resolution:
    """Turn a model string into a Resolution (see the module docstring for the rules).

    Never fails for a missing key or a missing required parameter: metadata look-ups need
    neither. Raises a LookupFailedError subclass when no provider or model is found,
    RetiredModelError for a retired model, InvalidParameterError for an unknown parameter or a
    value the manifest refuses. A deprecated model resolves with a DeprecatedModelWarning.
    A model is retired from its status, or from the day its ``retired_on`` date arrives.
    ``include_retired=True`` resolves a retired model too, for its metadata and the cost of
    past requests; a request to it still raises RetiredModelError, naming the replacement.

    A key from the environment goes only to a trusted base: the manifest's base URL and
    endpoints, or the operator's base-URL env var. An ``api_base`` outside them gets no
    environment key unless ``trust_api_base=True``.

    Repeated calls are served from a memo of each registry, keyed on the arguments and checked
    against the environment variables the first call read (the key's, the parameters', the
    base URL's): when one of them has changed since, the call resolves afresh, so the
    environment always wins. A hit returns the same immutable Resolution.

    With ``route=`` (``"cheapest"``, or provider ids in the order to try them), the model is
    looked up by its identity among every provider's offers (see ``offers()``), and the first
    one the caller can use is chosen: not retired, with every capability of ``require=``,
    within ``max_price=`` (the blended USD per 1M tokens offers() shows), with a key, and with
    its required parameters filled. ``res.route`` says why each other offer was passed over;
    NoRouteError lists them all when none is usable. A key for a routed resolve is given per
    provider, ``api_key={"<provider id>": ...}``; ``provider=`` and ``api_base=`` do not go
    with it.
    A routed answer is memoized too, checked against every offer's variables.

    >>> resolve("gpt-5.2").provider_id
    'openai'
    """
    if route is not None or require is not None or max_price is not None:
        return _routed(
            model, provider, api_base, api_key, registry, strict, trust_api_base,
            include_retired, route, require, max_price, params,
        )  # fmt: skip
    reg = registry if registry is not None else default_registry()
    key: tuple[Any, ...] | None = (
        model, provider, api_base, api_key, strict, trust_api_base, include_retired
    )  # fmt: skip
    if params:
        key = (*key, *params.items())  # type: ignore[misc]
    memo = reg._memo
    try:
        hit = memo.get(key)
    except TypeError:  # an unhashable argument: resolved, and refused, the long way
        hit = key = None
    if hit is not None and os.environ is _ENVIRON:
        res, reads = hit
        for name, value in reads:
            if _RAW.get(name) != value:
                break
        else:
            return res  # type: ignore[no-any-return]
    reads = []
    res, _, warning = _resolve(
        reg, model, provider, api_base, api_key, strict, trust_api_base, params, False, reads,
        include_retired,
    )  # fmt: skip
    if warning:
        # Not memoised: the warning is given on every call, and the day of a retirement date
        # is seen when it comes.
        warnings.warn(warning[1], warning[0], stacklevel=2)
    elif key is not None and os.environ is _ENVIRON and not res.retired:
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[key] = (res, tuple(reads))
    return res


def _routed(
    model: str,
    provider: str | None,
    api_base: str | None,
    api_key: object,
    registry: Registry | None,
    strict: bool,
    trust_api_base: bool,
    include_retired: bool,
    route: str | Sequence[str] | None,
    require: Iterable[str] | None,
    max_price: object,
    params: Mapping[str, Any],
) -> Resolution:
    from ._errors import InvalidRouteError
    from ._routing import routed

    if route is None:
        raise InvalidRouteError(
            "require" if require is not None else "max_price",
            "applies to a routed resolve only",
            hint="pass route='cheapest' or route=[provider ids] as well",
        )
    for name, value in (("provider", provider), ("api_base", api_base)):
        if value is not None:
            raise InvalidRouteError(
                name, "does not go with route=, which picks the provider itself",
                hint="name the providers in route=[...]",
            )  # fmt: skip
    if strict or trust_api_base or include_retired:
        raise InvalidRouteError(
            "route", "strict=, trust_api_base= and include_retired= do not go with route="
        )
    reg = registry if registry is not None else default_registry()
    # Memoised as resolve() is, under keys of its own, and checked against every variable of
    # every offer weighed (keys, parameters, base URLs): a key set or unset since changes the
    # answer, and the call routes afresh.
    key: tuple[Any, ...] | None
    try:
        key = (
            _ROUTED, model, route if isinstance(route, str) else tuple(route),
            require if require is None or isinstance(require, str) else tuple(require),
            max_price, None if api_key is None else _frozen(api_key), *params.items(),
        )  # fmt: skip
        hit = reg._memo.get(key)
    except TypeError:  # unhashable: routed, and refused if it must be, the long way
        hit = key = None
    if hit is not None and os.environ is _ENVIRON:
        res, reads = hit
        for name, value in reads:
            if _RAW.get(name) != value:
                break
        else:
            return res  # type: ignore[no-any-return]
    res, reads, quiet = routed(reg, model, route, require, max_price, api_key, params)
    if quiet and key is not None and os.environ is _ENVIRON:
        memo = reg._memo
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[key] = (res, tuple(dict.fromkeys(reads)))  # each variable once
    return res


def _frozen(api_key: object) -> object:
    """A key mapping as a memo key can hold it (anything else as it is, to be refused)."""
    if isinstance(api_key, Mapping):
        return tuple(sorted(api_key.items()))
    return api_key


def resolve_split(
    model: str,
    *,
    provider: str | None,
    api_base: str | None,
    api_key: str | Mapping[str, str] | None,
    registry: Registry | None,
    strict: bool,
    trust_api_base: bool,
    params: Mapping[str, Any],
    others_allowed: bool,
) -> tuple[Resolution, dict[str, Any]]:
    """resolve(), also returning the keyword arguments that are not the provider's parameters
    (the request body fields, for the client) when ``others_allowed``.

    Memoised as resolve() is, in the same memo under keys of its own: the key holds the
    arguments that can change the resolution, which are all but the keyword arguments no
    provider takes as a parameter (those are body fields, such as ``messages`` or ``tools``,
    whatever the provider). The entry remembers which of the given names were the provider's,
    so a hit splits the keyword arguments as the long way would. Calls that warn or fail are
    not remembered, so their warning or error comes every time.
    """
    reg = registry if registry is not None else default_registry()
    names = reg._param_names
    key: tuple[Any, ...] | None = (
        _SPLIT, model, provider, api_base, api_key, strict, trust_api_base, others_allowed,
        *[(k, v) for k, v in params.items() if k in names],
    )  # fmt: skip
    memo = reg._memo
    try:
        hit = memo.get(key)
    except TypeError:  # an unhashable parameter value: resolved, and refused, the long way
        hit = key = None
    if hit is not None and os.environ is _ENVIRON:
        res, read, taken = hit
        for name, value in read:
            if _RAW.get(name) != value:
                break
        else:
            if not taken:
                return res, dict(params)
            return res, {k: v for k, v in params.items() if k not in taken}
    reads: Reads = []
    res, others, warning = _resolve(
        reg, model, provider, api_base, api_key, strict, trust_api_base, params, others_allowed,
        reads,
    )  # fmt: skip
    if warning:
        warnings.warn(warning[1], warning[0], stacklevel=4)
    elif key is not None and os.environ is _ENVIRON and not res.retired:
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[key] = (res, tuple(reads), frozenset(k for k in params if k not in others))
    return res, others


def resolve_provider(
    provider: str,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
    registry: Registry | None = None,
    trust_api_base: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Resolution:
    """The provider's base URL, key and parameters, resolved by the rules every model of it
    uses (the key goes only to a trusted base), for calls about the provider itself such as
    listing its models. The Resolution names no model: its ``model`` is empty.

    >>> from provider_registry import load_registry
    >>> reg = load_registry(builtin=False, env=False).register({"schema_version": 1,
    ...     "id": "acme", "name": "Acme", "auth": {"env": ["ACME_API_KEY"]},
    ...     "api": {"dialect": "openai", "base_url": "https://acme.example/v1"}})
    >>> res = resolve_provider("acme", registry=reg, api_key="sk-test-123456789")
    >>> res.api_base, res.model, res.key_source
    ('https://acme.example/v1', '', 'api_key=')
    """
    reg = registry if registry is not None else default_registry()
    if api_base is not None:
        _check_api_base(api_base)
    entry = reg.entry_for_prefix(provider)
    if entry is None:
        _unknown_provider(reg, provider)
    given = params or {}
    for name in given:
        if name not in entry.param_names:
            _refuse_unknown(entry, name)
    reads: Reads = []
    values = _params(entry, given, reads) if (given or entry.params) else _EMPTY
    base, trusted = _base(entry, api_base, trust_api_base, reads, values)
    key, source, signing = _key(entry, api_key, trusted, reads)
    return Resolution(entry, "", False, base, key, values, source, signing=signing)


def _resolve(
    reg: Registry,
    model: str,
    provider: str | None,
    api_base: str | None,
    api_key: str | Mapping[str, str] | None,
    strict: bool,
    trust_api_base: bool,
    params: Mapping[str, Any],
    others_allowed: bool,
    reads: Reads,
    include_retired: bool = False,
) -> tuple[Resolution, dict[str, Any], tuple[type[Warning], str] | None]:
    """The resolution, the other keyword arguments, and the warning to give (its category and
    text); every environment variable read is added to ``reads``."""
    if api_key is not None and not isinstance(api_key, str):
        from ._errors import InvalidRouteError

        raise InvalidRouteError(
            "api_key",
            "keys by provider go with route= or fallbacks=; one model takes one key",
            hint="pass api_key='...'",
        )
    if not isinstance(model, str) or not model.strip():
        raise UnknownModelError(str(model), reason="the model name is empty")
    if api_base is not None:
        _check_api_base(api_base)
    entry, name = _detect(reg, model, provider, api_base)
    if not name.strip():
        raise UnknownModelError(model, reason="nothing follows the provider prefix")
    wire = entry.model(name)
    warning: tuple[type[Warning], str] | None = None
    retired = derived = None
    if wire is not None and wire in entry.lifecycle:
        text, retired = _lifecycle(entry, wire)
        if retired is not None and not include_retired:
            raise retired
        if text:
            warning = (DeprecatedModelWarning, text)
    elif wire is None:
        matched = entry.match_pattern(name) if entry.patterns else None
        if matched is not None:
            derived, params = _derive(entry, *matched, params)
        elif strict:
            close = close_matches(name, list(entry.models))
            raise UnknownModelError(name, close, provider=entry.id, reason="not in its model table")
        else:
            listed = entry.folded().get(name.casefold())
            if listed is not None:
                text = (
                    f"{entry.id}/{name} is not in {entry.id}'s model table; did you mean "
                    f"{listed!r}? Model ids are case-sensitive: the provider will likely "
                    "refuse this one"
                )
                warning = (ModelNameWarning, text)
    others = {k: v for k, v in params.items() if k not in entry.param_names}
    if others and not others_allowed:
        _refuse_unknown(entry, next(iter(others)))
    own = {k: v for k, v in params.items() if k not in others} if others else params
    values = _params(entry, own, reads) if (own or entry.params) else _EMPTY
    base, trusted = _base(entry, api_base, trust_api_base, reads, values)
    key, source, signing = _key(entry, api_key, trusted, reads)
    res = Resolution(
        entry,
        wire or name,
        wire is not None,
        base,
        key,
        values,
        source,
        retired,
        derived,
        signing,
    )
    return res, others, warning


def _derive(
    entry: ProviderEntry, index: int, found: re.Match[str], params: Mapping[str, Any]
) -> tuple[Derived, Mapping[str, Any]]:
    """A pattern-matched model's base, description and prices, and the parameters left once
    the pattern's base parameter (never sent) is taken out."""
    _, slot, param, _ = entry.patterns[index]
    base: str | None = None
    if slot is not None:
        base = found[slot] or None
    elif param is not None and param in params:
        value = params[param]
        if not isinstance(value, str) or not value:
            raise InvalidParameterError(entry.id, param, "must be a model id")
        if entry.model(value) is None:
            close = close_matches(value, list(entry.models))
            hint = f"did you mean {close[0]!r}?" if close else "name a model of its table"
            raise InvalidParameterError(
                entry.id, param, f"{value!r} is not in its model table", hint
            )
        base = value
        params = {k: v for k, v in params.items() if k != param}
    return entry.derive(index, base), params


def _getenv(var: str, reads: Reads) -> str | None:
    if os.environ is not _ENVIRON:  # replaced: read it as it is (and remember nothing)
        return os.environ.get(var)
    name = _ENCODE(var)
    raw = _RAW.get(name)
    reads.append((name, raw))
    return None if raw is None else _DECODE(raw)


def _detect(
    reg: Registry, model: str, provider: str | None, api_base: str | None
) -> tuple[ProviderEntry, str]:
    if provider is not None:
        entry = reg.entry_for_prefix(provider)
        if entry is None:
            _unknown_provider(reg, provider)
        head, sep, rest = model.partition("/")
        if sep and reg.entry_for_prefix(head) is entry and model not in entry.models:
            return entry, rest
        return entry, model

    head, sep, rest = model.partition("/")
    if sep:
        entry = reg.entry_for_prefix(head)
        if entry is not None:
            if api_base is not None:
                for pid in reg.providers_for_base(api_base):
                    other = reg.entry(pid)
                    if other is not entry and model in other.models:
                        return other, model
            # Providers whose own ids start with their name ("nvidia/llama-...") list the whole
            # string; it wins over the stripped rest when only it is in the table.
            if rest not in entry.models and model in entry.models:
                return entry, model
            return entry, rest

    if api_base is not None:
        pids = reg.providers_for_base(api_base)
        if len(pids) > 1:
            listing = [pid for pid in pids if model in reg.entry(pid).models]
            pids = tuple(listing) if listing else pids
        if len(pids) == 1:
            return reg.entry(pids[0]), model
        if pids:
            raise AmbiguousModelError(model, [f"{pid}/{model}" for pid in pids])

    owners = reg.owners_of(model)
    if len(owners) == 1:
        return reg.entry(owners[0]), model
    listed = reg.listed_by(model)
    pids = tuple(dict.fromkeys(pid for pid, _ in listed))
    if len(pids) == 1 and not owners:
        return reg.entry(pids[0]), model
    if owners or pids:
        candidates = [f"{pid}/{model}" for pid in owners] or [f"{p}/{m}" for p, m in listed]
        raise AmbiguousModelError(model, candidates)
    # Fine-tunes and adapters: an id of the shape a provider's model_patterns declares.
    patterned = reg.pattern_owners(model)
    if len(patterned) == 1:
        return reg.entry(patterned[0]), model
    if patterned:
        raise AmbiguousModelError(model, [f"{pid}/{model}" for pid in patterned])
    if sep and (reg.broken(head) is not None or not reg.has_namespace(head)):
        _unknown_provider(reg, head)
    raise UnknownModelError(model, reg.suggest(model))


def _unknown_provider(reg: Registry, prefix: str) -> NoReturn:
    """UnknownProviderError, or the ManifestError of the broken file that defines ``prefix``."""
    broken = reg.broken(prefix)
    if broken is not None:
        raise broken
    raise UnknownProviderError(prefix, close_matches(prefix, reg.prefixes()))


def close_matches(word: str, choices: list[str]) -> list[str]:
    """Up to 3 suggestions for a name nobody knows (the one rule every "did you mean" uses)."""
    import difflib

    return difflib.get_close_matches(word, choices, n=3, cutoff=0.6)


def _lifecycle(entry: ProviderEntry, wire: str) -> tuple[str | None, RetiredModelError | None]:
    """(the warning for a deprecated model, the error for a retired one): retired by status,
    or once its retired_on date has come."""
    status, retired_on, replacement = entry.lifecycle[wire]
    if status == "retired" or (retired_on and retired_on <= datetime.date.today().isoformat()):
        return None, RetiredModelError(entry.id, wire, retired_on, replacement)
    if status != "deprecated" and not retired_on:
        return None, None
    text = f"{entry.id}/{wire} is deprecated"
    if retired_on:
        text += f" and will be retired on {retired_on}"
    if replacement:
        text += f"; use {entry.id}/{replacement}"
    return text, None


def _check_api_base(api_base: object) -> None:
    """Refuse an ``api_base=`` no request can go to, before it picks a provider or a key."""
    if not isinstance(api_base, str):
        raise InvalidBaseURLError("api_base", f"must be text, not {type(api_base).__name__}")
    problem = url_problem(api_base, strict=False)
    if problem is not None:
        message, hint = problem
        hint = hint or "pass a URL such as https://host/v1"
        raise InvalidBaseURLError("api_base", message, hint=hint)


def _base(
    entry: ProviderEntry,
    api_base: str | None,
    trust: bool,
    reads: Reads,
    values: Mapping[str, str] = _EMPTY,
) -> tuple[str, bool]:
    if api_base is not None:
        return api_base.rstrip("/"), trust or entry.trusts(api_base)
    if entry.base_url_env:
        override = _getenv(entry.base_url_env, reads)
        if override:
            # The operator's variable gets the key as the manifest's URL does, so it meets the
            # same rules: http(s), no credentials, https except on this machine.
            problem = url_problem(override, show="origin")
            if problem is not None:
                message, hint = problem
                raise InvalidBaseURLError(entry.base_url_env, message, provider=entry.id, hint=hint)
            return override.rstrip("/"), True
    base = entry.base_url
    if "${" in base:
        slots = iter(placeholders(base))  # each ${VAR} with its place, in the order _VAR finds
        fill = {var: values[name] for var, name in entry.placeholders.items() if name in values}
        base = _VAR.sub(lambda m: _env_for_base(entry, *next(slots), reads, fill), base)
    return base.rstrip("/"), True


def _env_for_base(
    entry: ProviderEntry, var: str, place: Place, reads: Reads, fill: Mapping[str, str]
) -> str:
    # A parameter placed there (send_as.placeholder) wins: the caller's value, else its env.
    provider_id = entry.id
    value = fill.get(var) or _getenv(var, reads)
    if not value and var in entry.placeholders:
        # A parameter's place: like any required parameter, it is demanded by the request
        # (check_ready), not by a metadata look-up, so the base URL keeps the placeholder.
        return f"${{{var}}}"
    if not value:
        raise MissingParameterError(provider_id, var, var)
    # A value must fit where it is placed (a DNS label in a host name, a plain segment in a
    # path), so a variable can move neither the host nor the path the key goes to.
    problem = placeholder_problem(place, value)
    if problem is not None:
        message, hint = problem
        raise InvalidBaseURLError(var, message, provider=provider_id, hint=hint)
    return value


def _key(
    entry: ProviderEntry, api_key: str | None, trusted: bool, reads: Reads
) -> tuple[str | None, str | None, SigningKeys | None]:
    """The key and where it came from; for a provider that signs its requests, the signing
    credential instead when no key is given or set (a key in auth.env wins, as the AWS SDKs
    let a Bedrock API key win over the access keys)."""
    if api_key is not None:
        return api_key, "api_key=", None
    if not trusted:
        return None, KEY_WITHHELD, None
    for var in entry.auth_env:
        value = _getenv(var, reads)
        if value:
            return value, var, None
    if entry.signing is not None:
        _, key_id_env, secret_env, token_env, _ = entry.signing
        key_id, secret = _getenv(key_id_env, reads), _getenv(secret_env, reads)
        if key_id and secret:
            token = _getenv(token_env, reads) if token_env else None
            return None, None, SigningKeys(key_id, secret, token or None)
    return None, None, None


def _refuse_unknown(entry: ProviderEntry, name: str) -> None:
    known = sorted(entry.param_names)
    close = close_matches(name, known)
    if close:
        hint = f"did you mean {close[0]!r}?"
    else:
        hint = f"it takes: {', '.join(known)}" if known else "it declares no parameters"
    raise InvalidParameterError(entry.id, name, "not a parameter of this provider", hint)


def _params(entry: ProviderEntry, given: Mapping[str, Any], reads: Reads) -> Mapping[str, str]:
    values: dict[str, str] = {}
    for name, env, default, rx, pattern, description in entry.params:
        value = given.get(name)
        if value is None and env:
            value = _getenv(env, reads) or None
        if value is None:
            value = default
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidParameterError(entry.id, name, f"must be text, not {type(value).__name__}")
        if "\r" in value or "\n" in value or "\0" in value:
            raise InvalidParameterError(entry.id, name, "line breaks and NUL are not allowed")
        if rx is not None and not rx.fullmatch(value):
            raise InvalidParameterError(
                entry.id, name, f"{value!r} does not match {pattern}", description
            )
        values[name] = value
    return MappingProxyType(values)
