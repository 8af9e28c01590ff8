"""Who serves a model: every provider's offer of one model, found by any of its names.

The index groups every listed model of a registry by its identity (``_identity``: the rule over
wire ids, then what manifests state under ``identity``). It is built on the first ``offers()``
call and kept on the registry, which is immutable, so resolve() never pays for it.

Each ``Offer`` carries what a router needs to judge it without another look-up: the ``ref`` that
resolve() takes, prices, limits, capabilities, status, the serving attributes (quantization,
variant), whether a key is at hand, and which required parameters nothing fills.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from ._errors import UnknownModelError
from ._identity import propose, rule_data

if TYPE_CHECKING:
    from ._manifest import Price
    from ._registry import Registry

__all__ = ["Offer", "OfferIndex", "blended_price", "offer_index", "offers"]

BLEND_INPUT = 3
"""The blended price weighs input 3 to output 1: a typical chat request reads about three
tokens for each one it writes (the blend public price comparisons use)."""


def blended_price(price: Price | None) -> Decimal | None:
    """(3 x input + output) / 4 USD per 1M tokens; None without both rates."""
    if price is None or price.input is None or price.output is None:
        return None
    return (BLEND_INPUT * price.input + price.output) / (BLEND_INPUT + 1)


@dataclass(frozen=True)
class Offer:
    """One provider's offer of a model.

    >>> o = offers("meta-llama/Llama-3.3-70B-Instruct", env={})[0]
    >>> o.identity, o.ref == f"{o.provider}/{o.model}"
    ('meta-llama/Llama-3.3-70B-Instruct', True)
    """

    identity: str
    """The shared identity: the Hugging Face repo id, or the maker's ``provider/id``."""
    provider: str
    model: str
    """The wire id at this provider."""
    mode: str
    price: Price | None
    """USD per 1M tokens (input, output, cache_read, cache_write); None: not published."""
    context_window: int | None
    max_output_tokens: int | None
    supports: tuple[str, ...]
    status: str
    quantization: str | None
    """How the weights are served where the id or manifest says it (fp8, int4, ...)."""
    variant: str | None
    """Another serving attribute: a free tier, a fast tier, a gateway's reasoning switch."""
    key_env: tuple[str, ...]
    """The variables a key is read from (never the key); empty when none is needed."""
    key_set: bool
    """A key variable is set, or the provider needs none."""
    missing_params: tuple[str, ...] = field(default=())
    """Required parameters that no argument, variable or default fills."""

    @property
    def ref(self) -> str:
        """The name resolve() and completion() take for exactly this offer."""
        return f"{self.provider}/{self.model}"

    @property
    def params_fillable(self) -> bool:
        return not self.missing_params

    @property
    def blended_price(self) -> Decimal | None:
        """See ``blended_price()``."""
        return blended_price(self.price)

    @property
    def usable(self) -> bool:
        """A key is at hand, every required parameter is filled, and it is not retired."""
        return self.key_set and not self.missing_params and self.status != "retired"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (prices as decimal strings); the keys are stable."""
        price = None
        if self.price is not None:
            price = {
                k: str(v)
                for k in ("input", "output", "cache_read", "cache_write")
                if (v := getattr(self.price, k)) is not None
            }
        blend = self.blended_price
        return {
            "identity": self.identity,
            "provider": self.provider,
            "model": self.model,
            "ref": self.ref,
            "mode": self.mode,
            "price": price,
            "blended_price": None if blend is None else str(blend),
            "context_window": self.context_window,
            "max_output_tokens": self.max_output_tokens,
            "supports": list(self.supports),
            "status": self.status,
            "quantization": self.quantization,
            "variant": self.variant,
            "key_env": list(self.key_env),
            "key_set": self.key_set,
            "missing_params": list(self.missing_params),
        }


class Member(NamedTuple):
    """A listed model as the index holds it."""

    provider: str
    model: str
    quantization: str | None
    variant: str | None
    stated: str | None
    """The identity the manifest states (identity.model), if any."""


class OfferIndex:
    """Every listed model of a registry grouped by identity, with every name that finds one."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        members: list[tuple[str, Member]] = []
        # A stated identity is the rule's answer for that spelling everywhere: Groq states that
        # its "llama-3.3-70b-versatile" is Llama 3.3 70B Instruct, so a gateway that lists the
        # same name under Groq's spelling joins it too, with the same attributes.
        stated: dict[str, tuple[str, str | None, str | None]] = {}
        listed: list[tuple[str, str, Any]] = []
        for pid in sorted(registry.providers):
            manifest = registry.providers[pid]
            for wire, m in manifest.models.items():
                listed.append((pid, wire, m.identity))
                ident = m.identity
                if ident is not None and ident.model is not None:
                    proposed = propose(wire)
                    stated.setdefault(
                        proposed.key,
                        (
                            propose(ident.model).key,
                            ident.quantization or proposed.quantization,
                            ident.variant or proposed.variant,
                        ),
                    )
        for pid, wire, ident in listed:
            proposed = propose(wire)
            quant, variant, said = proposed.quantization, proposed.variant, None
            if ident is not None and ident.unique is not None:
                key = f"{pid}/{wire}".casefold()  # a model of its own: nothing else joins it
            elif ident is not None and ident.model is not None:
                key, said = propose(ident.model).key, ident.model
            elif proposed.key in stated:
                key, quant, variant = stated[proposed.key]
            else:
                key = proposed.key
            if ident is not None:
                quant = ident.quantization or quant
                variant = ident.variant or variant
            members.append((key, Member(pid, wire, quant, variant, said)))
        groups: dict[str, list[Member]] = {}
        for key, member in members:
            groups.setdefault(key, []).append(member)
        self.groups: Mapping[str, tuple[Member, ...]] = {k: tuple(v) for k, v in groups.items()}
        self.identity: Mapping[str, str] = {k: self._choose(v) for k, v in groups.items()}
        self.key_of: Mapping[tuple[str, str], str] = {
            (m.provider, m.model): key for key, m in members
        }
        self.member_of: Mapping[tuple[str, str], Member] = {
            (m.provider, m.model): m for _, m in members
        }
        names: dict[str, str] = {}
        for key, shown in self.identity.items():
            names.setdefault(shown.casefold(), key)
        for key, member in members:
            names.setdefault(f"{member.provider}/{member.model}".casefold(), key)
        for key, member in members:
            names.setdefault(member.model.casefold(), key)
        for pid in sorted(registry.providers):
            entry = registry.entry(pid)
            for alias, wire in entry.models.items():
                if alias != wire and (pid, wire) in self.key_of:
                    key = self.key_of[pid, wire]
                    names.setdefault(f"{pid}/{alias}".casefold(), key)
                    names.setdefault(alias.casefold(), key)
        self._names = names

    def _choose(self, group: list[Member]) -> str:
        """The identity shown for a group: what a manifest states, else a wire id under the
        maker's Hugging Face organisation, else the maker's own ``provider/id`` (the provider
        whose ``owns`` rule claims it), else the most common spelling. Plain entries (no
        quantization or variant) are preferred, then the spelling most providers use."""
        said = Counter(m.stated for m in group if m.stated)
        if said:
            return min(said, key=lambda s: (-said[s], s))
        plain = [m for m in group if m.quantization is None and m.variant is None] or group
        hf_orgs = rule_data().hf_orgs
        spelled = Counter(m.model for m in plain if m.model.partition("/")[0] in hf_orgs)
        if spelled:
            return min(spelled, key=lambda s: (s.islower(), -spelled[s], s))
        # Only quantized ids carry the organisation (meta-llama/...-FP8) and a plain one has
        # none (Llama-4-Maverick-17B-128E-Instruct): together they spell the repo id.
        orgs = Counter(
            m.model.rpartition("/")[0] for m in group if m.model.rpartition("/")[0] in hf_orgs
        )
        bare = Counter(m.model for m in plain if "/" not in m.model)
        if orgs and bare and plain is not group:
            org = min(orgs, key=lambda s: (-orgs[s], s))
            return f"{org}/{min(bare, key=lambda s: (s.islower(), -bare[s], s))}"
        for m in sorted(plain):
            if m.provider in self._registry.owners_of(m.model):
                return f"{m.provider}/{m.model}"
        spelled = Counter(m.model for m in plain)
        # A spelling under the maker's namespace ("anthropic/claude-3.5-haiku") says whose
        # model it is; among those, a cased one is likelier the maker's own.
        return min(
            spelled,
            key=lambda s: (propose(s).namespace is None, s.islower(), -spelled[s], s),
        )

    def key_for(self, name: str) -> str | None:
        """The identity key ``name`` finds: an identity, a wire id or alias (with or without its
        provider prefix, any case), or any spelling the rule takes for one of them."""
        text = name.strip()
        key = self._names.get(text.casefold())
        if key is not None:
            return key
        head, slash, rest = text.partition("/")
        if slash:
            entry = self._registry.entry_for_prefix(head)
            if entry is not None:
                wire = entry.model(rest) or entry.folded().get(rest.casefold())
                if wire is not None and (entry.id, wire) in self.key_of:
                    return self.key_of[entry.id, wire]
        for candidate in (text, rest) if slash else (text,):
            key = propose(candidate).key
            if key in self.groups:
                return key
        return None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Identities close to ``name``, for "did you mean"."""
        import difflib

        # Compared by key, so that "llama-3.3-70b" is close to Llama-3.3-70B-Instruct whatever
        # the spelling; identities offered by more providers come first among equals.
        by_key = {k.rpartition("/")[2]: k for k in self.groups}
        wanted = propose(name).key
        close = difflib.get_close_matches(wanted, list(by_key), n=n * 4, cutoff=0.6)

        def rank(k: str) -> tuple[float, int]:
            ratio = difflib.SequenceMatcher(None, wanted, k).ratio()
            return -round(ratio, 1), -len({m.provider for m in self.groups[by_key[k]]})

        # A name that stops short ("llama-3.3-70b") most likely means a model it begins.
        longer = sorted((k for k in by_key if k.startswith(f"{wanted}-")), key=rank)[:n]
        ranked = longer + [k for k in sorted(close, key=rank) if k not in longer]
        return [self.identity[by_key[k]] for k in ranked[:n]]

    def offers_of(
        self,
        key: str,
        *,
        env: Mapping[str, str],
        params: Iterable[str] = (),
    ) -> list[Offer]:
        """The offers of one identity, in provider order."""
        given = set(params)
        out: list[Offer] = []
        shown = self.identity[key]
        for member in self.groups[key]:
            entry = self._registry.entry(member.provider)
            manifest = entry.manifest
            m = manifest.models[member.model]
            required = manifest.auth.required
            key_set = not required or any(env.get(var) for var in manifest.auth.env)
            key_env = tuple(manifest.auth.env) if required else ()
            missing = tuple(
                name
                for name, p in manifest.params.items()
                if p.required
                and name not in given
                and p.default is None
                and not (p.env and env.get(p.env))
            )
            out.append(
                Offer(
                    identity=shown,
                    provider=member.provider,
                    model=member.model,
                    mode=m.mode,
                    price=m.price,
                    context_window=m.context_window,
                    max_output_tokens=m.max_output_tokens,
                    supports=tuple(m.supports),
                    status=m.status,
                    quantization=member.quantization,
                    variant=member.variant,
                    key_env=key_env,
                    key_set=key_set,
                    missing_params=missing,
                )
            )
        return out

    def shared(self, minimum: int = 2) -> list[tuple[str, int]]:
        """(identity key, number of providers) of identities offered by ``minimum`` or more
        providers, most providers first."""
        counts = [(k, len({m.provider for m in v})) for k, v in self.groups.items()]
        found = [(k, n) for k, n in counts if n >= minimum]
        found.sort(key=lambda kn: (-kn[1], self.identity[kn[0]].casefold()))
        return found


def offer_index(registry: Registry) -> OfferIndex:
    """The registry's offer index, built on first use and kept (the registry is immutable)."""
    return registry._offer_index(OfferIndex)


def offers(
    model: str,
    *,
    registry: Registry | None = None,
    env: Mapping[str, str] | None = None,
    params: Iterable[str] = (),
    include_retired: bool = False,
) -> list[Offer]:
    """Every provider's offer of ``model``, named by any of its names: its identity
    (``meta-llama/Llama-3.3-70B-Instruct``), any provider's wire id or alias, with or without
    the provider prefix, in any case, or a spelling the identity rule takes for one of them.

    ``env`` is where keys and parameter variables are looked for (default: the process
    environment; only whether a variable is set is read into the offer, never its value).
    ``params`` names parameters the caller will pass, so they do not count as missing.
    Retired offers are left out unless ``include_retired``. Raises ``UnknownModelError`` with
    close identities when no listed model has that identity.

    >>> found = offers("meta-llama/Llama-3.3-70B-Instruct", env={})
    >>> found[0].identity, len({o.provider for o in found}) >= 10
    ('meta-llama/Llama-3.3-70B-Instruct', True)
    """
    from ._registry import default_registry

    reg = registry if registry is not None else default_registry()
    index = offer_index(reg)
    key = index.key_for(model)
    if key is None:
        raise UnknownModelError(
            model, index.suggest(model), reason="no provider lists a model of that identity"
        )
    found = index.offers_of(key, env=os.environ if env is None else env, params=params)
    if not include_retired:
        found = [o for o in found if o.status != "retired"]
    return found
