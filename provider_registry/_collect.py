"""Read manifest files the full way: parse, validate, check across files, locate every problem.

This is what ``registry validate`` always runs and what load_registry() runs when no compiled
snapshot matches the files (see ``_catalog``). It imports the YAML parser and pydantic, which a
process that only resolves from a snapshot never loads.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ._catalog import Layer, SourceFile, scan
from ._errors import ManifestError, Problem
from ._loader import manifest_from_document, parse_document, render_path
from ._manifest import Provider
from ._registry import clashes
from ._trust import claims_of, cross_problems
from ._yaml import Document

__all__ = ["Check", "Collection", "Override", "collect", "collect_files", "located"]


class Override(NamedTuple):
    """A manifest that replaced an earlier one with the same provider id."""

    provider_id: str
    file: str
    replaced: str


class Collection(NamedTuple):
    """What reading a search path found: the winning manifests, their files (by name and by
    index in the scan), every problem."""

    providers: dict[str, Provider]
    files: dict[str, str]
    sources: dict[str, int]
    problems: list[Problem]
    overrides: list[Override]
    file_count: int


Check = Callable[[Document, str], list[Problem]]

# Outcomes of reading one file, keyed by its display name, a hash of its bytes and whether the
# schema check ran. The same bytes always give the same outcome, so a hit is never stale; a
# process that validates or reloads repeatedly parses each unchanged file once.
_Outcome = tuple[Provider | None, tuple[Problem, ...]]
_OUTCOMES: OrderedDict[tuple[str, bytes, bool], _Outcome] = OrderedDict()
_OUTCOMES_MAX = 1024
_outcomes_lock = threading.Lock()


def _known(f: SourceFile, check: Check | None) -> _Outcome | None:
    key = (f.name, f.digest, check is not None)
    with _outcomes_lock:
        hit = _OUTCOMES.get(key)
        if hit is not None:
            _OUTCOMES.move_to_end(key)
        return hit


def _remember(f: SourceFile, check: Check | None, outcome: _Outcome) -> None:
    with _outcomes_lock:
        _OUTCOMES[f.name, f.digest, check is not None] = outcome
        if len(_OUTCOMES) > _OUTCOMES_MAX:
            _OUTCOMES.popitem(last=False)


def _outcome(f: SourceFile, check: Check | None) -> _Outcome:
    hit = _known(f, check)
    if hit is not None:
        return hit
    raw, name = f.raw, f.name
    try:
        doc = parse_document(raw, name)
        found = check(doc, name) if check else []
        outcome: _Outcome = (
            (None, tuple(found)) if found else (manifest_from_document(doc, name), ())
        )
    except ManifestError as exc:
        outcome = (None, exc.problems)
    _remember(f, check, outcome)
    return outcome


def collect(layers: Sequence[Layer], check: Check | None = None, jobs: int = 1) -> Collection:
    """Read every manifest of every layer; never stops at the first bad file.

    ``check`` is the JSON Schema check of ``registry validate`` (the only one there is), run on
    each parsed file before the pydantic models. ``jobs`` > 1 reads many files in that many
    forked processes (``registry validate``; a library load never forks).
    """
    files, problems = scan(layers)
    return collect_files(files, problems, check, jobs)


# Files per process below which forking costs more than it saves.
_PARALLEL_FROM = 64
_forked_check: list[Check | None] = [None]


def _outcomes(files: Sequence[SourceFile], check: Check | None, jobs: int) -> list[_Outcome]:
    """Each file's outcome: remembered from an earlier read of the same bytes, or worked out
    (in forked processes when enough files are new, and remembered here too)."""
    found = [_known(f, check) for f in files]
    new = [f for f, hit in zip(files, found, strict=True) if hit is None]
    jobs = min(jobs, len(new) // _PARALLEL_FROM)
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        fresh = [_outcome(f, check) for f in new]
    else:
        # The check is a closure over a compiled validator: forked children inherit it.
        _forked_check[0] = check
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            fresh = pool.map(_forked_outcome, new, chunksize=8)
        for f, outcome in zip(new, fresh, strict=True):
            _remember(f, check, outcome)
    worked_out = iter(fresh)
    return [hit if hit is not None else next(worked_out) for hit in found]


def _forked_outcome(f: SourceFile) -> _Outcome:
    return _outcome(f, _forked_check[0])


def collect_files(
    files: Sequence[SourceFile], problems: list[Problem], check: Check | None = None, jobs: int = 1
) -> Collection:
    """collect() over files already read by scan(), adding to the problems it found."""
    providers: dict[str, Provider] = {}
    names: dict[str, str] = {}
    sources: dict[str, int] = {}
    problems = list(problems)
    overrides: list[Override] = []
    in_layer: dict[tuple[int, str], str] = {}
    outcomes = _outcomes(files, check, jobs)
    for index, (f, (provider, found)) in enumerate(zip(files, outcomes, strict=True)):
        problems += found
        if provider is None:
            continue
        pid = provider.id
        if (f.layer, pid) in in_layer:
            message = f"provider id {pid!r} is also defined in {in_layer[f.layer, pid]}"
            hint = "each provider id may appear once per directory"
            problems.append(located(parse_document(f.raw, f.name), f.name, ("id",), message, hint))
            continue
        in_layer[f.layer, pid] = f.name
        if pid in names:
            overrides.append(Override(pid, f.name, names[pid]))
            message = f"provider {pid!r} replaces the one in {names[pid]}"
            problems.append(Problem(f.name, None, None, "", message, severity="notice"))
        providers[pid] = provider
        names[pid] = f.name
        sources[pid] = index

    across: list[tuple[str, tuple[str | int, ...], str, str | None]] = [
        (pid, path, text, None)
        for pid, path, text in clashes(
            (pid, p.aliases, p.api.endpoints) for pid, p in providers.items()
        )
    ]
    # In order of each id's first place on the path: a replacement stands where it replaced.
    across += cross_problems(claims_of(p) for p in providers.values())
    for pid, path, text, fix in across:
        # Positions are needed only to report a cross-file problem: parse again then.
        f = files[sources[pid]]
        problems.append(located(parse_document(f.raw, f.name), f.name, path, text, fix))
    return Collection(providers, names, sources, problems, overrides, len(files))


def located(
    doc: Document | None,
    file: str | None,
    path: tuple[str | int, ...],
    message: str,
    hint: str | None = None,
) -> Problem:
    """A Problem at ``path`` of ``doc`` (at no line when there is no document)."""
    mark = doc.locate(path) if doc is not None else None
    line, column = (mark.line, mark.column) if mark else (None, None)
    return Problem(file, line, column, render_path(path), message, hint)
