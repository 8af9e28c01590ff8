"""Which provider to call for a model several serve: ``resolve(route=...)``, and the order
``completion(fallbacks=True)`` tries them in.

The candidates are the model's offers (``_offers``: every listed model of its identity). Each is
judged in the route's order; the first the caller can use is chosen, and every other offer is
kept with the reason it was passed over, so a surprising choice can be explained. An offer is
usable when it is not retired, has every capability of ``require=``, is within ``max_price=``
(the blended price ``offers()`` shows), has a key (from the environment, or the caller's
``api_key={provider: key}``) and has every required parameter filled; the last two are read
from the Resolution built for it, by the same rules as any resolve().

A key given to a routed resolve is a mapping by provider: a route may pick any of several
providers, and one provider's key must never be sent to another.

resolve() memoizes a routed answer as it does any other, checked against every variable of every
offer weighed (each key, parameter and base-URL variable): one set or unset since is seen on
the next call. ``completion(fallbacks=True)`` without ``route=`` routes afresh each call.
"""

from __future__ import annotations

import os
import typing
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ._errors import InvalidRouteError, NoRouteError, RegistryError, UnknownModelError
from ._manifest import Capability
from ._offers import Offer, offer_index
from ._resolver import _unknown_provider, close_matches

if TYPE_CHECKING:
    from ._registry import ProviderEntry, Registry
    from ._resolver import Reads, Resolution

__all__ = ["Route", "route"]

CAPABILITIES = frozenset(typing.get_args(Capability))


@dataclass(frozen=True)
class Route:
    """How a routed resolve chose: ``res.route`` on the Resolution it returned.

    ``usable`` holds a Resolution for every offer that could serve, in the route's order, the
    chosen one first: the order ``completion(fallbacks=True)`` tries them in. ``passed`` holds
    every other offer as ``(provider/model, reason)``.
    """

    strategy: str | tuple[str, ...]
    """``"cheapest"``, the provider ids given, or ``"detected"`` (fallbacks without route=:
    the provider detection picks, then the others by price)."""
    usable: tuple[Resolution, ...]
    passed: tuple[tuple[str, str], ...]

    @property
    def chosen(self) -> Resolution:
        return self.usable[0]

    def reasons(self) -> dict[str, str]:
        """``passed`` as a mapping from offer ref to reason."""
        return dict(self.passed)


def _strategy(reg: Registry, route: object) -> str | tuple[str, ...]:
    if route == "cheapest":
        return "cheapest"
    if isinstance(route, str) or not isinstance(route, Sequence) or not route:
        raise InvalidRouteError(
            "route",
            f"{route!r} is neither 'cheapest' nor a list of provider ids",
            hint="pass route='cheapest' or route=['groq', 'together']",
        )
    ids: list[str] = []
    for name in route:
        if not isinstance(name, str):
            raise InvalidRouteError("route", f"{name!r} is not a provider id")
        entry = reg.entry_for_prefix(name)
        if entry is None:
            _unknown_provider(reg, name)
        if entry.id not in ids:
            ids.append(entry.id)
    return tuple(ids)


def _capabilities(require: Iterable[str] | None) -> tuple[str, ...]:
    if require is None:
        return ()
    if isinstance(require, str):
        require = [require]
    wanted = tuple(require)
    for cap in wanted:
        if cap not in CAPABILITIES:
            close = close_matches(str(cap), sorted(CAPABILITIES))
            hint = f"did you mean {close[0]!r}?" if close else f"one of {sorted(CAPABILITIES)}"
            raise InvalidRouteError("require", f"{cap!r} is not a capability", hint=hint)
    return wanted


def _ceiling(max_price: object) -> Decimal | None:
    if max_price is None:
        return None
    value: Decimal | None = None
    if isinstance(max_price, Decimal):
        value = max_price
    elif isinstance(max_price, int | float | str) and not isinstance(max_price, bool):
        try:
            value = Decimal(str(max_price).strip())
        except InvalidOperation:
            value = None
    if value is None or not value.is_finite() or value < 0:
        raise InvalidRouteError(
            "max_price",
            f"{max_price!r} is not a price",
            hint="USD per 1M tokens, blended 3:1 input to output, e.g. max_price=0.5",
        )
    return value


def _keys(api_key: object) -> Mapping[str, str]:
    if api_key is None:
        return {}
    if isinstance(api_key, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in api_key.items()
    ):
        return api_key
    kind = "a single key" if isinstance(api_key, str) else type(api_key).__name__
    raise InvalidRouteError(
        "api_key",
        f"{kind} cannot go with route=: the route may pick any of several providers, and a "
        "key must never reach another",
        hint="pass api_key={'provider-id': key, ...}, or set each provider's variable",
    )


def _order(
    found: list[Offer], strategy: str | tuple[str, ...], first: str | None
) -> tuple[list[Offer], list[tuple[str, str]]]:
    """The offers in the route's order, and those the route leaves out with the reason."""

    def by_price(o: Offer) -> tuple[bool, Decimal, str]:
        blend = o.blended_price
        return blend is None, blend if blend is not None else Decimal(0), o.ref

    if isinstance(strategy, tuple):
        rank = {pid: i for i, pid in enumerate(strategy)}
        kept = sorted((o for o in found if o.provider in rank), key=lambda o: rank[o.provider])
        left = [(o.ref, "its provider is not in route=") for o in found if o.provider not in rank]
        return kept, left
    ordered = sorted(found, key=by_price)
    if first is not None:
        ordered.sort(key=lambda o: o.provider != first)  # stable: the rest stay by price
    return ordered, []


def route(
    reg: Registry,
    model: str,
    route: object,
    *,
    require: Iterable[str] | None = None,
    max_price: object = None,
    api_key: object = None,
    params: Mapping[str, Any] | None = None,
    first: Resolution | None = None,
) -> Resolution:
    """The Resolution of the first usable offer of ``model`` in the route's order, with
    ``.route`` saying how it was chosen; NoRouteError when none is usable. ``route=None`` with
    ``first`` is the fallback order without a route: ``first`` (what detection picked), then
    the other offers by price."""
    res, _, _ = routed(reg, model, route, require, max_price, api_key, params, first)
    return res


def routed(
    reg: Registry,
    model: str,
    route: object,
    require: Iterable[str] | None,
    max_price: object,
    api_key: object,
    params: Mapping[str, Any] | None,
    first: Resolution | None = None,
) -> tuple[Resolution, Reads, bool]:
    """route(), with every environment variable its answer depends on as read (for the memo),
    and whether the answer may be remembered (no warning was given)."""
    from ._resolver import _getenv, _resolve

    reads: Reads = []
    quiet = True

    strategy = "detected" if route is None else _strategy(reg, route)
    wanted = _capabilities(require)
    ceiling = _ceiling(max_price)
    keys = _keys(api_key)
    given = dict(params or {})
    index = offer_index(reg)
    key = index.key_for(model) if isinstance(model, str) else None
    if key is None:
        if first is not None:  # a model no table lists: detection's pick is the only one
            return _attach(first, Route(strategy, (first,), ())), reads, False
        raise UnknownModelError(
            str(model), index.suggest(str(model)), reason="no provider lists a model of that name"
        )
    found = index.offers_of(key, env=os.environ, params=given)
    providers = {o.provider for o in found}
    for name in given if first is None else ():  # with first, the caller's are its own
        if not any(name in reg.entry(pid).param_names for pid in providers):
            raise InvalidRouteError(
                name, f"not a parameter of any provider of {index.identity[key]!r}"
            )
    ordered, passed = _order(found, strategy, None if first is None else first.provider_id)
    usable: list[Resolution] = [] if first is None else [first]
    for offer in ordered:
        if first is not None and offer.provider == first.provider_id and offer.model == first.model:
            continue
        entry = reg.entry(offer.provider)
        # What the offer's usability may depend on, read as the memo will check it.
        for var in _variables(entry):
            _getenv(var, reads)
        why = _unfit(offer, wanted, ceiling)
        res = warning = None
        # No key in sight: said without resolving it (a route weighs dozens of offers), unless
        # the provider signs its requests with credentials of another kind.
        if (
            why is None
            and not offer.key_set
            and offer.provider not in keys
            and entry.signing is None
        ):
            why = _no_key(offer.provider, offer.key_env)
        if why is None:
            own = {k: v for k, v in given.items() if k in entry.param_names}
            try:
                res, _, warning = _resolve(
                    reg, offer.model, offer.provider, None, keys.get(offer.provider), False,
                    False, own, False, reads,
                )  # fmt: skip
            except RegistryError as exc:  # retired by date, a refused value: never a key
                why = str(exc)
            else:
                why = _unready(res, offer)
        if warning is not None:  # deprecated, or retiring on a day to come: never remembered
            quiet = False
        if res is not None and why is None:
            usable.append(res)
            if warning is not None and len(usable) == 1:  # the chosen one is deprecated
                warnings.warn(warning[1], warning[0], stacklevel=5)
        else:
            passed.append((offer.ref, why or "not usable"))
    if not usable:
        raise NoRouteError(index.identity[key], passed)
    chosen = usable[0]
    for i, res in enumerate(usable[1:], 2):
        passed.append((f"{res.provider_id}/{res.model}", f"usable, choice {i} of {len(usable)}"))
    return _attach(chosen, Route(strategy, tuple(usable), tuple(passed))), reads, quiet


def _variables(entry: ProviderEntry) -> list[str]:
    """Every environment variable a provider's key, parameters and base URL come from."""
    names = [*entry.auth_env, *(p[1] for p in entry.params if p[1])]
    if entry.base_url_env:
        names.append(entry.base_url_env)
    if entry.signing is not None:
        names += [v for v in entry.signing[1:4] if v]
    return names


def _attach(res: Resolution, how: Route) -> Resolution:
    from ._resolver import Resolution

    # A copy: the Resolution may be detection's memoized one, which others hold.
    copy = Resolution(
        res._entry, res.model, res._listed, res.api_base, res.api_key, res.params,
        res.key_source, res._retired, res._derived, res._signing,
    )  # fmt: skip
    object.__setattr__(copy, "route", how)
    return copy


def _unfit(offer: Offer, wanted: tuple[str, ...], ceiling: Decimal | None) -> str | None:
    if offer.status == "retired":
        return "retired"
    lacking = [cap for cap in wanted if cap not in offer.supports]
    if lacking:
        return f"does not support {', '.join(lacking)}"
    if ceiling is not None:
        blend = offer.blended_price
        if blend is None:
            return "no published price to hold against max_price="
        if blend > ceiling:
            return f"blended price {blend} is over max_price={ceiling}"
    return None


def _no_key(provider: str, env: Sequence[str]) -> str:
    names = " or ".join(env) or "its key variable"
    return f"no key: set {names}, or pass api_key={{{provider!r}: ...}}"


def _unready(res: Resolution, offer: Offer) -> str | None:
    """Why a resolved offer cannot be sent yet: no key, or a required parameter unset."""
    if res.provider.auth.required and res.api_key is None and res._signing is None:
        return _no_key(res.provider_id, offer.key_env)
    unset = [
        name for name, p in res.provider.params.items() if p.required and name not in res.params
    ]
    if unset:
        spec = res.provider.params[unset[0]]
        how = f"pass {unset[0]}=" + (f" or set {spec.env}" if spec.env else "")
        return f"required parameter {unset[0]!r} is unset: {how}"
    return None
