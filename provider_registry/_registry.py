"""Manifests to an immutable, indexed ``Registry``.

Search path, later overriding earlier by provider id: the built-in ``providers/``, then each
directory in ``PROVIDER_REGISTRY_PATH`` (os.pathsep-separated), then paths given in code or on the
command line. Two manifests with one id in the same place are an error; across places the later one
replaces the earlier and the replacement is reported.

Loading reads the files' bytes and builds the registry from the compiled snapshot of exactly
those bytes when there is one (see ``_catalog``), else parses and validates them (``_collect``)
and compiles a snapshot for the next start. Either way the registry holds, per provider, plain
data for resolve(); the pydantic manifest is built from it on first use.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from ._catalog import (
    ENV_PATH,
    Layer,
    builtin_dir,
    decode_blob,
    hot_fields,
    read_snapshot,
    record_of,
    scan,
    search_path,
    snapshot_key,
    write_snapshot,
)
from ._errors import ManifestError, ManifestWarning, Problem, ProviderOverrideWarning
from ._urls import LOOPBACK_HOSTS, endpoint_key, url_key  # urllib.parse: pathlib loads it anyway

if TYPE_CHECKING:
    from pathlib import Path

    from ._catalog import SourceFile
    from ._collect import Collection
    from ._manifest import Model, Provider
    from ._pricing import PriceBook
    from ._trust import Claims
    from ._urls import EndpointKey

__all__ = [
    "ENV_PATH",
    "Layer",
    "ProviderEntry",
    "Registry",
    "builtin_dir",
    "clashes",
    "default_registry",
    "load_registry",
    "register",
    "reload_registry",
    "search_path",
]

Param = tuple[str, str | None, str | None, re.Pattern[str] | None, str | None, str | None]
"""(name, env var, default, compiled pattern, pattern, description) of a provider parameter."""
Pattern = tuple[re.Pattern[str], str | None, str | None, str]
"""(compiled id pattern, base slot, base parameter, price rule) of a model-id pattern."""
_PATTERN_MAX = 1024
_T = TypeVar("_T")
"""Names longer than this are not matched against model-id patterns."""


class Derived(NamedTuple):
    """A pattern-matched model: its base model's id (None when unknown), the table entry it is
    described by (the base's, with the pattern's pricing), and its prices."""

    base: str | None
    info: Model | None
    book: PriceBook | None


def _price(plain: Mapping[str, Any]) -> Any:
    from ._manifest import Price

    return Price.model_validate(plain)


class ProviderEntry:
    """One provider as resolve() needs it: plain, precomputed data. The pydantic manifest, a
    model's ``Model`` and its prices are built on first use and kept."""

    __slots__ = (
        "_blob",
        "_books",
        "_data",
        "_derived",
        "_folded",
        "_infos",
        "_manifest",
        "aliases",
        "auth_env",
        "base_url",
        "base_url_env",
        "dialect",
        "endpoint_keys",
        "endpoints",
        "file",
        "id",
        "lifecycle",
        "litellm",
        "models",
        "owns",
        "param_names",
        "params",
        "pattern_params",
        "patterns",
        "placeholders",
        "signing",
        "trusted",
    )

    def __init__(
        self,
        fields: Mapping[str, Any],
        file: str,
        *,
        blob: bytes | None = None,
        manifest: Provider | None = None,
    ) -> None:
        self.id: str = fields["id"]
        self.file = file
        self.aliases: tuple[str, ...] = tuple(fields["aliases"])
        self.owns: tuple[str, ...] = tuple(fields["owns"])
        self.dialect: str = fields["dialect"]
        self.base_url: str = fields["base_url"]
        self.base_url_env: str | None = fields["base_url_env"]
        self.endpoints: tuple[str, ...] = tuple(fields["endpoints"])
        self.auth_env: tuple[str, ...] = tuple(fields["auth_env"])
        signing = fields.get("signing")
        # (service, key id variable, secret variable, token variable, region parameter)
        self.signing: tuple[str, str, str, str | None, str] | None = (
            None if signing is None else tuple(signing)
        )
        self.placeholders: Mapping[str, str] = fields.get("placeholders") or {}
        """base_url variable -> the parameter whose value fills it when given."""
        self.params: tuple[Param, ...] = tuple(
            (name, env, default, re.compile(pattern) if pattern else None, pattern, description)
            for name, env, default, pattern, description in fields["params"]
        )
        self.param_names = frozenset(p[0] for p in self.params)
        ids = fields["models"]
        models = dict(zip(ids, ids, strict=True))
        for alias, model_id in fields["model_aliases"].items():
            models.setdefault(alias, model_id)
        self.models: Mapping[str, str] = models  # model id or alias -> model id
        self.lifecycle: Mapping[str, tuple[str, str | None, str | None]] = fields["lifecycle"]
        self.endpoint_keys: tuple[EndpointKey, ...] = tuple(fields["endpoint_keys"])
        self.trusted: tuple[EndpointKey, ...] = tuple(fields["trusted"])
        self.litellm: tuple[str, ...] = tuple(fields.get("litellm", ()))
        self.patterns: tuple[Pattern, ...] = tuple(
            (re.compile(rx), base, base_param, price)
            for rx, base, base_param, price in fields.get("patterns", ())
        )
        self.pattern_params = frozenset(p[2] for p in self.patterns if p[2])
        self._derived: dict[tuple[int, str | None], Derived] = {}
        self._folded: dict[str, str] | None = None
        self._blob = blob
        self._manifest = manifest
        self._data: dict[str, Any] | None = None
        self._infos: dict[str, Model] = {}
        self._books: dict[str, PriceBook | None] = {}

    @classmethod
    def of(cls, p: Provider, file: str) -> ProviderEntry:
        """The entry of a validated manifest."""
        return cls(hot_fields(p), file, manifest=p)

    def __repr__(self) -> str:
        return f"<ProviderEntry {self.id}: {len(self.models)} model names>"

    @property
    def manifest(self) -> Provider:
        """The provider's validated manifest (built from the snapshot on first use)."""
        if self._manifest is None:
            from ._manifest import Provider

            self._manifest = Provider.model_validate(self._plain())
        return self._manifest

    def _plain(self) -> dict[str, Any]:
        if self._data is None:
            assert self._blob is not None  # an entry has a blob or a manifest
            self._data = decode_blob(self._blob)
        return self._data

    def model(self, name: str) -> str | None:
        """The model id ``name`` (an id or alias) stands for, if listed."""
        return self.models.get(name)

    def model_info(self, model_id: str) -> Model:
        """A listed model's table entry."""
        if self._manifest is not None:
            return self._manifest.models[model_id]
        info = self._infos.get(model_id)
        if info is None:
            from ._manifest import Model

            info = Model.model_validate(self._plain()["models"][model_id])
            self._infos[model_id] = info
        return info

    def prices(self, model_id: str) -> PriceBook | None:
        """A listed model's prices, converted once for cost(); None when it has none."""
        try:
            return self._books[model_id]
        except KeyError:
            pass
        from ._pricing import PriceBook

        if self._manifest is not None:
            plain = self._manifest.models[model_id].model_dump(exclude_defaults=True)
        else:
            plain = self._plain()["models"][model_id]
        # A name the provider moves on its side (``*-latest``) costs what it points to now.
        target = plain.get("points_to")
        book = PriceBook.of(plain) if target is None else self.prices(target)
        self._books[model_id] = book
        return book

    def match_pattern(self, name: str) -> tuple[int, re.Match[str]] | None:
        """The first of this provider's model-id patterns that ``name`` matches, and its match."""
        if len(name) > _PATTERN_MAX:
            return None
        for i, (rx, _, _, _) in enumerate(self.patterns):
            found = rx.fullmatch(name)
            if found is not None:
                return i, found
        return None

    def derive(self, index: int, base: str | None) -> Derived:
        """What a model of pattern ``index`` over ``base`` (None: not known) is priced at and
        described by, worked out once per (pattern, base). Its cost is never the base model's
        price by accident: "own" takes the pattern's rates for that base or none, "unknown"
        none, and "base" the base model's."""
        key = (index, base)
        known = self._derived.get(key)
        if known is not None:
            return known
        from ._pricing import PriceBook

        rule = self.patterns[index][3]
        wire = None if base is None else self.model(base)
        info = None if wire is None else self.model_info(wire)
        book: PriceBook | None = None
        if rule == "base":
            book = None if wire is None else self.prices(wire)
        else:
            rates = None
            if rule == "own" and base is not None:
                spec = self.manifest.model_patterns[index]
                own = spec.prices.get(base)
                if own is None and wire is not None:
                    own = spec.prices.get(wire)
                if own is not None:
                    rates = own.model_dump(exclude_none=True)
            book = PriceBook.of({"price": rates}) if rates else None
            if info is not None:
                price = None if rates is None else {**rates, "tiers": []}
                info = info.model_copy(
                    update={
                        "price": None if price is None else _price(price),
                        "price_history": [],
                        "aliases": [],
                        "pinned": {},
                        "free": None,
                    }
                )
        derived = Derived(wire or base, info, book)
        self._derived[key] = derived
        return derived

    def folded(self) -> Mapping[str, str]:
        """Listed names by their casefold, for "did you mean" on a name that differs only in
        case; built on first use, once per entry."""
        index = self._folded
        if index is None:
            index = {}
            for name in self.models:
                index.setdefault(name.casefold(), name)
            self._folded = index
        return index

    def trusts(self, api_base: str) -> bool:
        """Whether api_base lies under one of this provider's own endpoints or its base URL."""
        host, port, segments = url_key(api_base)
        if not api_base.strip().lower().startswith("https://") and host not in LOOPBACK_HOSTS:
            return False  # never hand a stored key to plain http off this machine
        return any(
            h == host and (p is None or p == port) and segments[: len(s)] == s
            for h, p, s in self.trusted
        )


def _validated(
    manifest: Provider | Mapping[str, Any] | str | bytes | os.PathLike[str],
) -> tuple[Provider, str]:
    """A manifest given to register(), validated exactly as a file is, and its file name."""
    from ._loader import load_manifest
    from ._manifest import Provider

    if isinstance(manifest, Provider):
        return load_manifest(manifest.model_dump(exclude_defaults=True)), "<registered>"
    file = os.fspath(manifest) if isinstance(manifest, os.PathLike) else None
    return load_manifest(manifest), file or "<registered>"


def _claims(e: ProviderEntry) -> Claims:
    """What a provider already in a registry holds (its opt-ins do not matter: it is earlier)."""
    from ._trust import VAR, Claims

    settings = [e.base_url_env] if e.base_url_env else []
    settings += VAR.findall(e.base_url)
    settings += [p[1] for p in e.params if p[1]]
    return Claims(e.id, e.auth_env, e.owns, [((), v) for v in settings])


def clashes(
    providers: Iterable[tuple[str, Sequence[str], Sequence[str]]],
) -> list[tuple[str, tuple[str | int, ...], str]]:
    """Rules across manifests: a prefix (id or alias) and an endpoint each select one provider.
    Takes (id, aliases, endpoints) per provider; gives (id, field path, message) per clash."""
    items = list(providers)
    found: list[tuple[str, tuple[str | int, ...], str]] = []
    prefixes: dict[str, str] = {pid: pid for pid, _, _ in items}
    for pid, aliases, _ in items:
        for i, alias in enumerate(aliases):
            owner = prefixes.get(alias)
            if owner is not None and owner != pid:
                what = "the id" if alias == owner else "an alias"
                found.append((pid, ("aliases", i), f"{alias!r} is already {what} of {owner!r}"))
            else:
                prefixes[alias] = pid
    endpoints: dict[EndpointKey, str] = {}
    for pid, _, listed in items:
        for i, raw in enumerate(listed):
            owner = endpoints.setdefault(endpoint_key(raw), pid)
            if owner != pid:
                path: tuple[str | int, ...] = ("api", "endpoints", i)
                found.append((pid, path, f"endpoint {raw!r} is already {owner!r}'s"))
    return found


_SHORTLIST = 40
_ANSWERS_MAX = 1024


def _trigrams(word: str) -> set[str]:
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _SuggestionIndex:
    __slots__ = ("answers", "names", "namespaces", "postings")

    def __init__(self, names: list[str]) -> None:
        postings: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            for gram in _trigrams(name):
                postings.setdefault(gram, []).append(i)
        self.names = names
        self.postings = postings
        self.namespaces = frozenset(name.partition("/")[0] for name in names if "/" in name)
        # Suggestions already worked out, by (word, n): a misconfigured client repeats its bad name
        self.answers: dict[tuple[str, int], list[str]] = {}


class _Manifests(Mapping[str, "Provider"]):
    """A read-only view of entries' manifests, built one by one as they are looked at (with
    100,000 models, building them all takes seconds and hundreds of MiB)."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[str, ProviderEntry]) -> None:
        self._entries = entries

    def __getitem__(self, provider_id: str) -> Provider:
        return self._entries[provider_id].manifest

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<providers: {', '.join(self._entries)}>"


class Registry:
    """An immutable set of providers with the indexes resolve() uses. Build with load_registry().

    >>> reg = load_registry()
    >>> len(reg) >= 30, reg.provider("together_ai").id  # an alias selects the provider
    (True, 'together')
    """

    __slots__ = (
        "_bare",
        "_broken",
        "_entries",
        "_hosts",
        "_index",
        "_memo",
        "_offers",
        "_owner_exact",
        "_owner_prefix",
        "_param_names",
        "_patterned",
        "_prefix",
        "files",
    )

    def __init__(
        self,
        providers: Mapping[str, Provider],
        files: Mapping[str, str],
        broken: Mapping[str, Sequence[Problem]] | None = None,
    ) -> None:
        entries = [ProviderEntry.of(p, files.get(pid, "")) for pid, p in providers.items()]
        self._build(entries, broken or {})

    @classmethod
    def _of_entries(
        cls, entries: Iterable[ProviderEntry], broken: Mapping[str, Sequence[Problem]] | None = None
    ) -> Registry:
        reg = cls.__new__(cls)
        reg._build(entries, broken or {})
        return reg

    def _build(
        self, entries: Iterable[ProviderEntry], broken: Mapping[str, Sequence[Problem]]
    ) -> None:
        by_id = {e.id: e for e in entries}
        prefix: dict[str, str] = {}
        owner_exact: dict[str, list[str]] = {}
        # A rule's pids by stem length and stem, as (every rule's, the "**" rules'): a '*' stops
        # at a '/', a '**' crosses it.
        owner_prefix: dict[int, dict[str, tuple[list[str], list[str]]]] = {}
        hosts: dict[str, list[tuple[int | None, tuple[str, ...], str]]] = {}
        for pid, entry in by_id.items():
            prefix.setdefault(pid, pid)
            for alias in entry.aliases:
                prefix.setdefault(alias, pid)
            for rule in entry.owns:
                if rule.endswith("*"):
                    deep = rule.endswith("**")
                    stem = rule[: -2 if deep else -1]
                    both = owner_prefix.setdefault(len(stem), {}).setdefault(stem, ([], []))
                    both[0].append(pid)
                    if deep:
                        both[1].append(pid)
                else:
                    owner_exact.setdefault(rule, []).append(pid)
            for host, port, segments in entry.endpoint_keys:
                hosts.setdefault(host, []).append((port, segments, pid))
        # LiteLLM's provider names (interop.litellm) select a provider too, after every id and
        # alias, and only where one provider alone gives the name.
        litellm: dict[str, set[str]] = {}
        for pid, entry in by_id.items():
            for name in entry.litellm:
                litellm.setdefault(name, set()).add(pid)
        for name, pids in litellm.items():
            if len(pids) == 1:
                prefix.setdefault(name, next(iter(pids)))
        for candidates in hosts.values():
            candidates.sort(key=lambda c: -len(c[1]))
        self._entries: Mapping[str, ProviderEntry] = MappingProxyType(by_id)
        self._prefix: Mapping[str, str] = MappingProxyType(prefix)
        # Every model name of every provider is a loop over the whole catalog: built on the
        # first look-up of a bare name, not at load (a "provider/model" never needs it).
        self._bare: list[Mapping[str, tuple[tuple[str, str], ...]] | None] = [None]
        self._owner_exact = MappingProxyType({k: tuple(v) for k, v in owner_exact.items()})
        self._owner_prefix = tuple(
            (n, MappingProxyType({k: (tuple(a), tuple(d)) for k, (a, d) in table.items()}))
            for n, table in sorted(owner_prefix.items(), reverse=True)
        )
        self._hosts = MappingProxyType({k: tuple(v) for k, v in hosts.items()})
        self._patterned = tuple(e for e in by_id.values() if e.patterns)
        self._index: list[_SuggestionIndex | None] = [None]
        self._memo: dict[Any, Any] = {}  # resolve()'s results by their arguments (_resolver)
        # Every provider's parameter names: a call's other keyword arguments are body fields
        # whatever the provider, so its memo key can leave them out (_resolver.resolve_split).
        self._param_names = frozenset().union(
            *(e.param_names | e.pattern_params for e in by_id.values())
        )
        self._offers: list[Any] = [None]  # the offer index (_offers), built on first use
        # Prefixes of manifests a lenient load left out, with their problems (see broken()).
        self._broken = MappingProxyType({k: tuple(v) for k, v in broken.items() if k not in prefix})
        self.files: Mapping[str, str] = MappingProxyType({e.id: e.file for e in by_id.values()})

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, "files"):
            raise AttributeError("Registry is immutable")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<Registry: {len(self._entries)} providers>"

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._prefix

    @property
    def providers(self) -> Mapping[str, Provider]:
        """Manifests by provider id; each is built from the snapshot when first looked at."""
        return _Manifests(self._entries)

    def provider(self, id_or_alias: str) -> Provider:
        """The manifest selected by a provider id or alias; KeyError if none."""
        return self._entries[self._prefix[id_or_alias]].manifest

    # The lookups below are the resolver's; each is a few dictionary reads.

    def entry_for_prefix(self, prefix: str) -> ProviderEntry | None:
        pid = self._prefix.get(prefix)
        return None if pid is None else self._entries[pid]

    def entry(self, provider_id: str) -> ProviderEntry:
        return self._entries[provider_id]

    def broken(self, prefix: str) -> ManifestError | None:
        """The error of the manifest a lenient load left out under this provider id, if any:
        resolving a provider whose file is broken names the file and line, not "unknown"."""
        problems = self._broken.get(prefix)
        return None if problems is None else ManifestError(problems)

    def _listed(self) -> Mapping[str, tuple[tuple[str, str], ...]]:
        """Model name or alias -> every (provider id, model id) listing it. Two threads may
        both build it; either result is the same."""
        listed = self._bare[0]
        if listed is None:
            bare: dict[str, list[tuple[str, str]]] = {}
            for pid, entry in self._entries.items():
                for name, model_id in entry.models.items():
                    bare.setdefault(name, []).append((pid, model_id))
            listed = MappingProxyType({k: tuple(v) for k, v in bare.items()})
            self._bare[0] = listed
        return listed

    def listed_by(self, model: str) -> tuple[tuple[str, str], ...]:
        """(provider id, model id) of every provider listing ``model`` as an id or alias."""
        return self._listed().get(model, ())

    def owners_of(self, model: str) -> tuple[str, ...]:
        """Providers whose ownership rules claim ``model``; the most specific rule wins. A rule
        ending in '*' claims names whose rest holds no '/'; one ending in '**' any rest."""
        found = self._owner_exact.get(model)
        if found:
            return found
        slash = model.find("/")
        for length, table in self._owner_prefix:
            hit = table.get(model[:length])
            if hit:
                found = hit[1] if slash >= length else hit[0]
                if found:
                    return found
        return ()

    def pattern_owners(self, model: str) -> tuple[str, ...]:
        """Providers with a model-id pattern (``model_patterns``) that ``model`` matches."""
        return tuple(e.id for e in self._patterned if e.match_pattern(model) is not None)

    def providers_for_base(self, api_base: str) -> tuple[str, ...]:
        """Providers whose endpoint matches ``api_base``: exact host, whole path segments,
        longest match. Several only when they declare the very same endpoint."""
        host, port, segments = url_key(api_base)
        best: list[str] = []
        best_len = -1
        for ep_port, ep_segments, pid in self._hosts.get(host, ()):
            if ep_port is not None and ep_port != port:
                continue
            n = len(ep_segments)
            if n < best_len:
                break
            if segments[:n] == ep_segments:
                best_len = n
                best.append(pid)
        return tuple(best)

    def register(
        self, manifest: Provider | Mapping[str, Any] | str | bytes | os.PathLike[str]
    ) -> Registry:
        """A new registry with ``manifest`` added (or replacing the provider with its id).

        The programmatic twin of a drop-in file: a dict, YAML text or bytes, or a path, validated
        exactly as a file is (and checked against the other providers' prefixes and endpoints).
        This registry is left unchanged; see ``register()`` to swap the default one.

        >>> reg = load_registry().register({"schema_version": 1, "id": "acme", "name": "Acme",
        ...     "api": {"dialect": "openai", "base_url": "https://acme.example/v1"},
        ...     "auth": {"required": False}, "models": {"m1": {}}})
        >>> reg.provider("acme").name, "acme" in load_registry()
        ('Acme', False)
        """
        provider, file = _validated(manifest)
        return self._with(provider, file)

    def _with(self, provider: Provider, file: str) -> Registry:
        """This registry with a validated manifest added, checked against every provider here
        (a registration comes after every file on the search path)."""
        from ._collect import located
        from ._trust import claims_of, cross_problems

        entries = dict(self._entries)
        entries[provider.id] = ProviderEntry.of(provider, file)
        found: list[tuple[str, tuple[str | int, ...], str, str | None]] = [
            (pid, path, m, None)
            for pid, path, m in clashes((e.id, e.aliases, e.endpoints) for e in entries.values())
        ]
        others = [_claims(e) for e in self._entries.values() if e.id != provider.id]
        found += [
            problem
            for problem in cross_problems([*others, claims_of(provider)])
            if problem[0] == provider.id
        ]
        if found:
            files = {pid: e.file for pid, e in entries.items()}
            raise ManifestError(
                [located(None, files[pid], path, m, hint) for pid, path, m, hint in found]
            )
        return Registry._of_entries(entries.values(), self._broken)

    def names(self) -> list[str]:
        """Every "provider/model" and bare model name, for suggestions."""
        out = list(self._listed())
        for pid, entry in self._entries.items():
            out += [f"{pid}/{name}" for name in entry.models]
        return out

    def has_namespace(self, head: str) -> bool:
        """Whether some listed model id starts with ``head/`` (``meta-llama/...``)."""
        return head in self._suggestions().namespaces

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Up to ``n`` known names close to ``word``, for "did you mean".

        Only the names sharing the most trigrams with ``word`` are scored, so an unknown model
        costs well under a millisecond even with 100,000 names (an unknown name is what a
        gateway sees from a misconfigured or hostile client, request after request).
        """
        import difflib
        from collections import Counter

        index = self._suggestions()
        known = index.answers.get((word, n))
        if known is not None:
            return list(known)
        hits: Counter[int] = Counter()
        for gram in _trigrams(word):
            hits.update(index.postings.get(gram, ()))
        shortlist = [index.names[i] for i, _ in hits.most_common(_SHORTLIST)]
        found = difflib.get_close_matches(word, shortlist, n=n, cutoff=0.6)
        if len(index.answers) >= _ANSWERS_MAX:
            index.answers.clear()
        index.answers[word, n] = found
        return list(found)

    def _suggestions(self) -> _SuggestionIndex:
        # Built on the first failed look-up, not at load: most processes never need it. Two
        # threads may both build it; either result is the same.
        index = self._index[0]
        if index is None:
            index = _SuggestionIndex(self.names())
            self._index[0] = index
        return index

    def prefixes(self) -> list[str]:
        return list(self._prefix)

    def _offer_index(self, build: Callable[[Registry], _T]) -> _T:
        # Built by the first offers() call, never by resolve(); two threads may both build it
        # and either result is the same.
        index = self._offers[0]
        if index is None:
            index = build(self)
            self._offers[0] = index
        return cast("_T", index)


def load_registry(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    builtin: bool = True,
    env: bool = True,
    lenient: bool = False,
) -> Registry:
    """Load the built-in manifests, then PROVIDER_REGISTRY_PATH, then ``paths``.

    Raises ManifestError listing every problem in every file. With ``lenient=True`` a file with
    problems is left out instead, with a ManifestWarning naming them, so one bad drop-in file
    cannot take a running service's other providers down with it; resolving the provider it
    defines (its ``id``, else its file name) then raises that ManifestError. The default
    registry is loaded this way.

    Warned about at every load, whatever ``lenient`` says: a directory on PROVIDER_REGISTRY_PATH
    that does not exist (ManifestWarning), and a manifest that replaces a built-in provider
    (ProviderOverrideWarning).

    >>> reg = load_registry(paths=["my-providers/"])  # doctest: +SKIP
    """
    layers = search_path(paths, builtin=builtin, env=env)
    files, problems = scan(layers)
    # A directory on the variable that is not there (a typo, an unmounted volume) is not an
    # error, but nobody would know of it otherwise. (An empty one is only validate's warning.)
    missing = {
        str(layer.path) for layer in layers if layer.optional and not os.path.exists(layer.path)
    }
    for p in problems:
        if p.severity == "warning" and p.file in missing:  # the category says it is one
            warnings.warn(str(p._replace(severity="error")), ManifestWarning, stacklevel=2)
    key = None
    if not any(p.severity == "error" for p in problems):
        key = snapshot_key(layers, files)
        snapshot = read_snapshot(key)
        if snapshot is not None:
            records = snapshot["records"]
            for r in records:
                if r.get("replaces"):
                    _warn_override(r["id"], files[r["file"]].name, r["replaces"])
            return Registry._of_entries(
                ProviderEntry(r, files[r["file"]].name, blob=r["blob"]) for r in records
            )

    from ._collect import collect_files

    found = collect_files(files, problems)
    errors = [p for p in found.problems if p.severity == "error"]
    replaced = _builtin_overrides(layers, files, found)
    if not errors:
        if key is not None:
            _compile(key, found, replaced=replaced)
        for pid, built_in in replaced.items():
            _warn_override(pid, found.files[pid], built_in)
        return Registry(found.providers, found.files)
    if not lenient:
        raise ManifestError(errors)
    bad: dict[str, list[Problem]] = {}
    for p in errors:
        bad.setdefault(p.file or "", []).append(p)
    for _, mine in sorted(bad.items()):
        warnings.warn(f"left out: {'; '.join(map(str, mine))}", ManifestWarning, stacklevel=2)
    broken, shadowed = _broken(files, bad, found)
    kept = {
        pid: p
        for pid, p in found.providers.items()
        if found.files[pid] not in bad and pid not in shadowed
    }
    for pid, built_in in replaced.items():
        if pid in kept:
            _warn_override(pid, found.files[pid], built_in)
    return Registry(kept, {pid: found.files[pid] for pid in kept}, broken)


def _builtin_overrides(
    layers: Sequence[Layer], files: Sequence[SourceFile], found: Collection
) -> dict[str, str]:
    """Provider id -> the built-in file it replaces, for each manifest that replaces one."""
    built_in = {f.name for f in files if layers[f.layer].builtin}
    return {o.provider_id: o.replaced for o in found.overrides if o.replaced in built_in}


def _warn_override(provider_id: str, file: str, built_in: str) -> None:
    warnings.warn(
        f"{file}: provider {provider_id!r} replaces the built-in one ({built_in})",
        ProviderOverrideWarning,
        stacklevel=3,
    )


def _broken(
    files: Sequence[SourceFile], bad: Mapping[str, Sequence[Problem]], found: Collection
) -> tuple[dict[str, list[Problem]], set[str]]:
    """What a lenient load remembers of the files it leaves out: (provider id -> the problems
    of its broken file, ids whose earlier manifest a broken later one shadows).

    A broken file stands for the id it holds where that can be read, else for its name
    (``acme.yaml``: ``acme``). It shadows a manifest of the same id in an earlier
    directory (a built-in, say): it was meant to replace that one, which must not be served
    in its stead (sending the provider's key where the replacement did not mean it to go).
    """
    from ._loader import parse_document
    from ._manifest import SLUG

    slug = re.compile(SLUG)

    owner = {name: pid for pid, name in found.files.items()}
    index = {f.name: i for i, f in enumerate(files)}
    broken: dict[str, list[Problem]] = {}
    shadowed: set[str] = set()
    for name, problems in bad.items():
        pid = owner.get(name)
        i = index.get(name)
        if pid is None and i is not None:
            try:
                data = parse_document(files[i].raw, name).data
            except ManifestError:
                data = None
            value = data.get("id") if isinstance(data, dict) else None
            if isinstance(value, str) and slug.fullmatch(value):
                pid = value
        if pid is None:
            stem, dot, suffix = os.path.basename(name).rpartition(".")
            if not (dot and suffix in ("yaml", "yml") and slug.fullmatch(stem)):
                continue
            pid = stem
        winner = found.sources.get(pid)
        if winner is not None and i is not None and winner != i:
            if winner > i and files[winner].name not in bad:
                continue  # a sound manifest later on the path replaces the broken one anyway
            if files[winner].layer == files[i].layer:
                continue  # one id twice in a directory: the first one stands
        broken.setdefault(pid, []).extend(problems)
        shadowed.add(pid)
    return broken, shadowed


def _compile(
    key: str,
    found: Collection,
    directory: Path | None = None,
    replaced: Mapping[str, str] | None = None,
) -> Path | None:
    replaced = replaced or {}
    records = []
    for pid, p in found.providers.items():
        record = record_of(p, found.sources[pid])
        if pid in replaced:
            record["replaces"] = replaced[pid]  # warned about on every load, snapshot or not
        records.append(record)
    return write_snapshot(key, records, directory)


def compile_builtin(directory: Path) -> Path:
    """Compile the built-in manifests into a snapshot file in ``directory`` (the wheel build
    step); refuses, listing every problem, if any manifest is invalid."""
    from ._collect import collect_files

    layers = search_path(builtin=True, env=False)
    files, problems = scan(layers)
    found = collect_files(files, problems)
    errors = [p for p in found.problems if p.severity == "error"]
    path = None if errors else _compile(snapshot_key(layers, files), found, directory)
    if path is None:
        raise ManifestError(errors or [Problem(str(directory), None, None, "", "not writable")])
    path.chmod(0o644)  # an installed wheel's file is read by every user
    return path


_default: Registry | None = None
_default_lock = threading.Lock()
# Manifests added with register(), by provider id in the order added: every reload applies them
# again on top of the files, so a runtime registration survives reload_registry().
_registered: dict[str, tuple[Provider, str]] = {}


def _load_default(
    lenient: bool = True, registered: Mapping[str, tuple[Provider, str]] | None = None
) -> Registry:
    """The search path with this process's registrations on top (call with the lock held)."""
    reg = load_registry(lenient=lenient)
    for provider, file in (_registered if registered is None else registered).values():
        try:
            reg = reg._with(provider, file)
        except ManifestError as exc:
            if not lenient:
                raise
            warnings.warn(f"registration left out: {exc}", ManifestWarning, stacklevel=3)
    return reg


def default_registry() -> Registry:
    """The registry resolve() uses when none is given: loaded once, on first use, then reused.

    PROVIDER_REGISTRY_PATH is read at that first load. The load is lenient: a drop-in file with
    problems is left out with a ManifestWarning, every sound provider is served, and resolving
    the broken one raises its ManifestError.
    """
    global _default
    reg = _default
    if reg is None:
        with _default_lock:
            if _default is None:
                _default = _load_default()
            reg = _default
    return reg


def register(manifest: Provider | Mapping[str, Any] | str | bytes | os.PathLike[str]) -> Registry:
    """Add a provider to the default registry: validated like a file, then swapped in atomically
    (resolutions already made, and threads mid-resolve, keep the registry they started with).
    The registration lasts for the life of the process: reload_registry() applies it again on
    top of the files it reads. Returns the new default registry."""
    global _default
    provider, file = _validated(manifest)
    with _default_lock:
        base = _default if _default is not None else _load_default()
        _default = base._with(provider, file)
        _registered.pop(provider.id, None)
        _registered[provider.id] = (provider, file)
        return _default


def reload_registry(*, lenient: bool = False, keep_registered: bool = True) -> Registry:
    """Read the search path again (PROVIDER_REGISTRY_PATH included) and swap the result in as
    the default registry, atomically: calls already under way finish with the registry they
    started with, and no call ever sees half of each.

    Providers added with register() are added again on top, unless ``keep_registered=False``,
    which forgets them. Without ``lenient`` any problem (in a file, or a registration that now
    clashes with one) raises ManifestError and the old registry stays; with it, what has
    problems is left out with a ManifestWarning, as at the first load.
    """
    global _default
    # Read under the lock, so that a register() made meanwhile is in the result, not lost.
    with _default_lock:
        fresh = _load_default(lenient, None if keep_registered else {})
        if not keep_registered:
            _registered.clear()
        _default = fresh
    return fresh
