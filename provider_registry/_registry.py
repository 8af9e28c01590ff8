"""Manifests to an immutable, indexed ``Registry``.

Search path, later overriding earlier by provider id: the built-in ``providers/``, then each
directory in ``PROVIDER_REGISTRY_PATH`` (os.pathsep-separated), then paths given in code or on the
command line. Two manifests with one id in the same place are an error; across places the later one
replaces the earlier and the replacement is reported.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import re
import threading
import warnings
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from ._errors import ManifestError, ManifestWarning, Problem
from ._loader import (
    load_manifest,
    manifest_from_document,
    parse_document,
    read_bytes,
    render_path,
)
from ._manifest import LOOPBACK_HOSTS, Model, Param, Provider
from ._paths import data_dir
from ._yaml import Document

__all__ = [
    "ENV_PATH",
    "EndpointKey",
    "Layer",
    "Override",
    "ProviderEntry",
    "Registry",
    "builtin_dir",
    "collect",
    "default_registry",
    "endpoint_key",
    "load_registry",
    "register",
    "reload_registry",
    "search_path",
]

ENV_PATH = "PROVIDER_REGISTRY_PATH"


def builtin_dir() -> Path:
    """The directory of the built-in manifests."""
    return data_dir("providers")


@dataclasses.dataclass(frozen=True)
class Override:
    """A manifest that replaced an earlier one with the same provider id."""

    provider_id: str
    file: str
    replaced: str


@dataclasses.dataclass(frozen=True)
class Collection:
    """What reading a search path found: the winning manifests, their files, every problem."""

    providers: dict[str, Provider]
    files: dict[str, str]
    problems: list[Problem]
    overrides: list[Override]
    file_count: int

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


Check = Callable[[Document, str], list[Problem]]


@dataclasses.dataclass(frozen=True)
class Layer:
    """One place on the search path; an ``optional`` one may be missing (a warning only)."""

    path: Path
    optional: bool = False


def search_path(
    paths: Iterable[str | os.PathLike[str]] = (), *, builtin: bool = True, env: bool = True
) -> list[Layer]:
    """The directories and files to read, in order (later wins)."""
    layers: list[Layer] = [Layer(builtin_dir())] if builtin else []
    if env:
        entries = os.environ.get(ENV_PATH, "").split(os.pathsep)
        layers += [Layer(Path(d), optional=True) for d in entries if d]
    layers += [Layer(Path(p)) for p in paths]
    return layers


def _manifest_files(layer: Layer) -> list[Path] | Problem:
    path = layer.path
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    if path.exists() or path.is_symlink():
        return [path]
    if layer.optional:
        message = f"no such directory (on {ENV_PATH})"
        return Problem(str(path), None, None, "", message, severity="warning")
    return Problem(str(path), None, None, "", "no such file or directory")


def _display(path: Path) -> str:
    """The path as people expect to see it: relative when under the working directory."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# Outcomes of reading one file, keyed by its display name, a hash of its bytes and whether the
# schema check ran. The same bytes always give the same outcome, so a hit is never stale; a
# process that validates or reloads repeatedly parses each unchanged file once.
_Outcome = tuple[Provider | None, tuple[Problem, ...]]
_OUTCOMES: OrderedDict[tuple[str, bytes, bool], _Outcome] = OrderedDict()
_OUTCOMES_MAX = 1024
_outcomes_lock = threading.Lock()


def _outcome(raw: bytes, name: str, check: Check | None) -> _Outcome:
    key = (name, hashlib.sha256(raw).digest(), check is not None)
    with _outcomes_lock:
        hit = _OUTCOMES.get(key)
        if hit is not None:
            _OUTCOMES.move_to_end(key)
            return hit
    try:
        doc = parse_document(raw, name)
        found = check(doc, name) if check else []
        outcome: _Outcome = (
            (None, tuple(found)) if found else (manifest_from_document(doc, name), ())
        )
    except ManifestError as exc:
        outcome = (None, exc.problems)
    with _outcomes_lock:
        _OUTCOMES[key] = outcome
        if len(_OUTCOMES) > _OUTCOMES_MAX:
            _OUTCOMES.popitem(last=False)
    return outcome


def collect(layers: Sequence[Layer], check: Check | None = None) -> Collection:
    """Read every manifest of every layer; never stops at the first bad file.

    ``check`` is the JSON Schema check of ``registry validate`` (the only one there is), run on
    each parsed file before the pydantic models.
    """
    providers: dict[str, Provider] = {}
    files: dict[str, str] = {}
    raws: dict[str, bytes] = {}
    problems: list[Problem] = []
    overrides: list[Override] = []
    seen_real: set[Path] = set()
    count = 0
    for layer in layers:
        listing = _manifest_files(layer)
        if isinstance(listing, Problem):
            problems.append(listing)
            continue
        if not listing:
            where = str(layer.path)
            message = "no manifests (*.yaml, *.yml) found here"
            problems.append(Problem(where, None, None, "", message, severity="warning"))
        in_layer: dict[str, str] = {}
        for path in listing:
            real = path.resolve() if path.exists() else path
            if real in seen_real:  # the same file reached twice (e.g. `validate providers/`)
                continue
            seen_real.add(real)
            count += 1
            name = _display(path)
            try:
                raw = read_bytes(path, name)
            except ManifestError as exc:
                problems += exc.problems
                continue
            provider, found = _outcome(raw, name, check)
            problems += found
            if provider is None:
                continue
            pid = provider.id
            if pid in in_layer:
                problems.append(
                    _at(
                        parse_document(raw, name),
                        name,
                        ("id",),
                        f"provider id {pid!r} is also defined in {in_layer[pid]}",
                        "each provider id may appear once per directory",
                    )
                )
                continue
            in_layer[pid] = name
            if pid in files:
                overrides.append(Override(pid, name, files[pid]))
                problems.append(
                    Problem(
                        name,
                        None,
                        None,
                        "",
                        f"provider {pid!r} replaces the one in {files[pid]}",
                        severity="notice",
                    )
                )
            providers[pid] = provider
            files[pid] = name
            raws[pid] = raw

    def locate(pid: str) -> Document:
        # Positions are needed only to report a cross-file problem: parse again then.
        return parse_document(raws[pid], files[pid])

    problems += _cross_problems(providers, files, locate)
    return Collection(providers, files, problems, overrides, count)


def _at(
    doc: Document | None,
    file: str,
    path: tuple[str | int, ...],
    message: str,
    hint: str | None = None,
) -> Problem:
    mark = doc.locate(path) if doc is not None else None
    line, column = (mark.line, mark.column) if mark else (None, None)
    return Problem(file, line, column, render_path(path), message, hint)


def _cross_problems(
    providers: Mapping[str, Provider],
    files: Mapping[str, str],
    locate: Callable[[str], Document | None],
) -> list[Problem]:
    """Rules across manifests: prefixes and endpoints must each select one provider."""
    found: list[Problem] = []

    def at(pid: str, path: tuple[str | int, ...], message: str) -> Problem:
        return _at(locate(pid), files[pid], path, message)

    prefixes: dict[str, str] = {pid: pid for pid in providers}
    for pid, p in providers.items():
        for i, alias in enumerate(p.aliases):
            owner = prefixes.get(alias)
            if owner is not None and owner != pid:
                what = "the id" if alias == owner else "an alias"
                found.append(at(pid, ("aliases", i), f"{alias!r} is already {what} of {owner!r}"))
            else:
                prefixes[alias] = pid
    endpoints: dict[tuple[str, int | None, tuple[str, ...]], str] = {}
    for pid, p in providers.items():
        for i, raw in enumerate(p.api.endpoints):
            key = endpoint_key(raw)
            owner = endpoints.setdefault(key, pid)
            if owner != pid:
                found.append(
                    at(pid, ("api", "endpoints", i), f"endpoint {raw!r} is already {owner!r}'s")
                )
    return found


EndpointKey = tuple[str, int | None, tuple[str, ...]]


def endpoint_key(endpoint: str) -> EndpointKey:
    """(host, port, path segments): the one normalisation every endpoint comparison uses."""
    parts = urlsplit(f"//{endpoint}")
    return (parts.hostname or "", parts.port, tuple(s for s in parts.path.split("/") if s))


@dataclasses.dataclass(frozen=True, eq=False)
class ProviderEntry:
    """A provider with everything resolve() needs precomputed."""

    manifest: Provider
    file: str
    models: Mapping[str, str]  # model id or alias -> model id
    params: tuple[tuple[str, Param, re.Pattern[str] | None], ...]
    trusted: tuple[tuple[str, int | None, tuple[str, ...]], ...]  # endpoints + base host/path

    @classmethod
    def build(cls, p: Provider, file: str) -> ProviderEntry:
        models: dict[str, str] = {}
        for model_id, m in p.models.items():
            models[model_id] = model_id
            for alias in m.aliases:
                models.setdefault(alias, model_id)
        params = tuple(
            (name, spec, re.compile(spec.pattern) if spec.pattern else None)
            for name, spec in p.params.items()
        )
        trusted = {endpoint_key(e) for e in p.api.endpoints}
        if "${" not in p.api.base_url:
            trusted.add(_url_key(p.api.base_url))
        return cls(p, file, MappingProxyType(models), params, tuple(sorted(trusted, key=str)))

    @property
    def id(self) -> str:
        return self.manifest.id

    def model(self, name: str) -> tuple[str, Model] | None:
        model_id = self.models.get(name)
        return None if model_id is None else (model_id, self.manifest.models[model_id])

    def trusts(self, api_base: str) -> bool:
        """Whether api_base lies under one of this provider's own endpoints or its base URL."""
        host, port, segments = _url_key(api_base)
        if not api_base.strip().lower().startswith("https://") and host not in LOOPBACK_HOSTS:
            return False  # never hand a stored key to plain http off this machine
        return any(
            h == host and (p is None or p == port) and segments[: len(s)] == s
            for h, p, s in self.trusted
        )


def _url_key(url: str) -> tuple[str, int | None, tuple[str, ...]]:
    """(host, port, path segments) of a URL, normalised; ``..`` and ``.`` segments resolved."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ("", None, ())
    segments: list[str] = []
    for seg in parts.path.split("/"):
        if seg == "..":
            if segments:
                segments.pop()
        elif seg and seg != ".":
            segments.append(seg)
    return (host, port, tuple(segments))


_SHORTLIST = 40


def _trigrams(word: str) -> set[str]:
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclasses.dataclass(frozen=True)
class _SuggestionIndex:
    names: list[str]
    postings: dict[str, list[int]]
    namespaces: frozenset[str]

    @classmethod
    def build(cls, names: list[str]) -> _SuggestionIndex:
        postings: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            for gram in _trigrams(name):
                postings.setdefault(gram, []).append(i)
        namespaces = frozenset(name.partition("/")[0] for name in names if "/" in name)
        return cls(names, postings, namespaces)


class Registry:
    """An immutable set of providers with the indexes resolve() uses. Build with load_registry().

    >>> reg = load_registry()
    >>> len(reg) >= 30, reg.provider("together_ai").id  # an alias selects the provider
    (True, 'together')
    """

    __slots__ = (
        "_bare",
        "_entries",
        "_hosts",
        "_index",
        "_owner_exact",
        "_owner_prefix",
        "_prefix",
        "files",
    )

    def __init__(self, providers: Mapping[str, Provider], files: Mapping[str, str]) -> None:
        entries = {pid: ProviderEntry.build(p, files.get(pid, "")) for pid, p in providers.items()}
        prefix: dict[str, str] = {}
        bare: dict[str, list[tuple[str, str]]] = {}
        owner_exact: dict[str, list[str]] = {}
        owner_prefix: dict[int, dict[str, list[str]]] = {}
        hosts: dict[str, list[tuple[int | None, tuple[str, ...], str]]] = {}
        for pid, entry in entries.items():
            p = entry.manifest
            prefix.setdefault(pid, pid)
            for alias in p.aliases:
                prefix.setdefault(alias, pid)
            for name, model_id in entry.models.items():
                bare.setdefault(name, []).append((pid, model_id))
            for rule in p.owns:
                if rule.endswith("*"):
                    stem = rule[:-1]
                    owner_prefix.setdefault(len(stem), {}).setdefault(stem, []).append(pid)
                else:
                    owner_exact.setdefault(rule, []).append(pid)
            for endpoint in p.api.endpoints:
                host, port, segments = endpoint_key(endpoint)
                hosts.setdefault(host, []).append((port, segments, pid))
        for candidates in hosts.values():
            candidates.sort(key=lambda c: -len(c[1]))
        self._entries: Mapping[str, ProviderEntry] = MappingProxyType(entries)
        self._prefix: Mapping[str, str] = MappingProxyType(prefix)
        self._bare = MappingProxyType({k: tuple(v) for k, v in bare.items()})
        self._owner_exact = MappingProxyType({k: tuple(v) for k, v in owner_exact.items()})
        self._owner_prefix = tuple(
            (n, MappingProxyType({k: tuple(v) for k, v in table.items()}))
            for n, table in sorted(owner_prefix.items(), reverse=True)
        )
        self._hosts = MappingProxyType({k: tuple(v) for k, v in hosts.items()})
        self._index: list[_SuggestionIndex | None] = [None]
        self.files: Mapping[str, str] = MappingProxyType(dict(files))

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
        """Manifests by provider id."""
        return MappingProxyType({pid: e.manifest for pid, e in self._entries.items()})

    def provider(self, id_or_alias: str) -> Provider:
        """The manifest selected by a provider id or alias; KeyError if none."""
        return self._entries[self._prefix[id_or_alias]].manifest

    # The lookups below are the resolver's; each is a few dictionary reads.

    def entry_for_prefix(self, prefix: str) -> ProviderEntry | None:
        pid = self._prefix.get(prefix)
        return None if pid is None else self._entries[pid]

    def entry(self, provider_id: str) -> ProviderEntry:
        return self._entries[provider_id]

    def listed_by(self, model: str) -> tuple[tuple[str, str], ...]:
        """(provider id, model id) of every provider listing ``model`` as an id or alias."""
        return self._bare.get(model, ())

    def owners_of(self, model: str) -> tuple[str, ...]:
        """Providers whose ownership rules claim ``model``; the most specific rule wins."""
        found = self._owner_exact.get(model)
        if found:
            return found
        for length, table in self._owner_prefix:
            found = table.get(model[:length])
            if found:
                return found
        return ()

    def providers_for_base(self, api_base: str) -> tuple[str, ...]:
        """Providers whose endpoint matches ``api_base``: exact host, whole path segments,
        longest match. Several only when they declare the very same endpoint."""
        host, port, segments = _url_key(api_base)
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
        if isinstance(manifest, Provider):
            provider, file = load_manifest(manifest.model_dump(exclude_defaults=True)), None
        else:
            file = os.fspath(manifest) if isinstance(manifest, os.PathLike) else None
            provider = load_manifest(manifest)
        providers = {pid: e.manifest for pid, e in self._entries.items()}
        providers[provider.id] = provider
        files = {**self.files, provider.id: file or "<registered>"}
        problems = _cross_problems(providers, files, lambda pid: None)
        if problems:
            raise ManifestError(problems)
        return Registry(providers, files)

    def names(self) -> list[str]:
        """Every "provider/model" and bare model name, for suggestions."""
        out = list(self._bare)
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
        index = self._suggestions()
        hits: Counter[int] = Counter()
        for gram in _trigrams(word):
            hits.update(index.postings.get(gram, ()))
        shortlist = [index.names[i] for i, _ in hits.most_common(_SHORTLIST)]
        return difflib.get_close_matches(word, shortlist, n=n, cutoff=0.6)

    def _suggestions(self) -> _SuggestionIndex:
        # Built on the first failed look-up, not at load: most processes never need it. Two
        # threads may both build it; either result is the same.
        index = self._index[0]
        if index is None:
            index = _SuggestionIndex.build(self.names())
            self._index[0] = index
        return index

    def prefixes(self) -> list[str]:
        return list(self._prefix)


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
    cannot take a running service's other providers down with it.

    >>> reg = load_registry(paths=["my-providers/"])  # doctest: +SKIP
    """
    found = collect(search_path(paths, builtin=builtin, env=env))
    errors = [p for p in found.problems if p.severity == "error"]
    if not errors:
        return Registry(found.providers, found.files)
    if not lenient:
        raise ManifestError(errors)
    bad_files = {p.file for p in errors}
    for file in sorted(f or "" for f in bad_files):
        mine = "; ".join(str(p) for p in errors if (p.file or "") == file)
        warnings.warn(f"left out: {mine}", ManifestWarning, stacklevel=2)
    kept = {pid: p for pid, p in found.providers.items() if found.files[pid] not in bad_files}
    return Registry(kept, {pid: found.files[pid] for pid in kept})


_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The registry resolve() uses when none is given: loaded once, on first use, then reused.

    PROVIDER_REGISTRY_PATH is read at that first load.
    """
    global _default
    reg = _default
    if reg is None:
        with _default_lock:
            if _default is None:
                _default = load_registry()
            reg = _default
    return reg


def register(manifest: Provider | Mapping[str, Any] | str | bytes | os.PathLike[str]) -> Registry:
    """Add a provider to the default registry: validated like a file, then swapped in atomically
    (resolutions already made, and threads mid-resolve, keep the registry they started with).
    Returns the new default registry."""
    global _default
    with _default_lock:
        base = _default if _default is not None else load_registry()
        _default = base.register(manifest)
        return _default


def reload_registry(*, lenient: bool = False) -> Registry:
    """Read the search path again (PROVIDER_REGISTRY_PATH included) and swap the result in as
    the default registry, atomically: calls already under way finish with the registry they
    started with, and no call ever sees half of each. On error the old registry stays."""
    global _default
    fresh = load_registry(lenient=lenient)
    with _default_lock:
        _default = fresh
    return fresh
