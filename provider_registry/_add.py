"""``registry sync --add``: the models a catalog lists for a provider that its manifest lacks,
added to the manifest with their figures and where they came from.

Only additions: a model the manifest has keeps every byte, and so does the rest of the file
(ruamel.yaml, as ``registry sync`` edits). A provider whose manifest lists no models is left
alone: an empty table says its model ids are not a fixed list (an account's deployment names).

A catalog entry is one of the manifest's models, and so never added, when:

* the manifest's model maps to it the way ``registry sync`` and ``registry audit`` match them
  (wire id, aliases, genai-prices' name rules);
* ``resolve("<provider>/<entry>")`` finds a listed model or a model pattern (ids, aliases);
* it is the same name spelled another way: compared without case, without the punctuation
  between words (``-``, ``_``, ``.``, ``:``, spaces), without a trailing ``latest``, and with
  either name allowed to carry extra leading path segments (``@cf/acme/m`` and ``acme/m`` and
  ``m`` are one model);
* it is a moving ``-latest`` name whose stem starts one of the listed ids (``m-latest`` beside
  ``m-2025-01``);
* an earlier entry of the same catalog was taken for the same name (the one whose shape matches
  the manifest's ids wins: its first path segment is the one most listed ids start with).

Rows that are not a model a provider serves on its API are left out, each with the reason:
image-size rows (``1024-x-1024/m``), provisioned-throughput commitments, per-region rows
(``us-east-1/m``) and data-zone rows, fine-tune placeholders (``ft:m``), price bands by model
size (``...-up-to-4b``), modes no manifest mode describes. Each row is converted by the importer
(``registry import``): its price per 1M tokens, limits, capabilities and mode, a cache rate the
rules refuse left out. A rate of 0 is left out on a hosted provider, even where the id names a
free variant (the importer would declare that one ``free``; whether a hosted provider charges
nothing is for a person to say). A LiteLLM
``deprecation_date`` that has passed makes the model retired on that day, a coming one
deprecated; a catalog's deprecated mark makes it deprecated. genai-prices gives no mode: only
its entries with a text-token price are added, as chat models (embedding where the name says
so); its tiered and time-of-day prices are not carried, so such entries are left out.

Each added model names the catalog's ``sources`` entry: the one with the catalog's id where it
already records this very file and date, else a new entry (``<id>-<as_of>`` when the id is taken
by another version). Every edited file is validated as it would be written; a model the rules
refuse is left out with the rule's message, and the rest is written.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import io
import re
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import RegistryError
from ._import import (
    LITELLM_SOURCE,
    MODELS_DEV_SOURCE,
    _Group,
    _is_local,
    _ll_model,
    _md_model,
    _Run,
)
from ._sources import KINDS, Facts, Table, View, is_url
from ._sync import SOURCE_IDS, SOURCE_NAMES, SyncResult, _flow, _yaml

if TYPE_CHECKING:
    from ._manifest import Provider
    from ._registry import Registry

__all__ = ["AddResult", "Skip", "add_missing"]

GENAI_PRICES_SOURCE = {"id": "genai-prices", "name": "pydantic genai-prices data", "file": "-"}
_RUN_SOURCES = {"litellm": LITELLM_SOURCE, "models.dev": MODELS_DEV_SOURCE}

# Reasons, worded once: the CLI counts skips by them.
LISTED = "already listed"
SPELLED = "the same model as a listed one, spelled another way"
LATEST = "a moving -latest name of a listed model"
REPEATED = "the catalog lists it twice under two spellings"
NOT_MODEL = "not a model the provider serves on its API"
NO_TABLE = "the manifest lists no models (its model ids are not a fixed list)"
UNCONVERTED = "left out by the conversion"
REFUSED = "the manifest rules refuse it"

_SIZE = re.compile(r"^\d+-x-\d+$|^\d+x\d+$")
_REGION = re.compile(r"^(?:us|eu|ap|ca|sa|me|af|il|mx|cn)(?:-gov|-iso[a-z]*)?-[a-z]+-\d+$")
_ZONE = re.compile(r"^(?:global|global-standard|us|eu|apac|jp|au|data-zone)$")
_COMMITMENT = re.compile(r"commitment|provisioned|throughput", re.IGNORECASE)
_FINE_TUNE = re.compile(r"(?:^|[/.:])ft(?:[-:]|$)|fine[-_]?tun", re.IGNORECASE)
_BAND = re.compile(
    r"(?:^|-)(?:up-to-|above-)\d+(?:\.\d+)?[bm](?:-|$)|(?:^|-)\d+(?:\.\d+)?[bm]-(?:to-)?\d+(?:\.\d+)?[bm]$"
    r"|(?:^|-)default$",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[-_.:\s]+")


@dataclasses.dataclass(frozen=True)
class Skip:
    """A catalog entry not added, and why."""

    provider: str
    entry: str
    """The catalog's name for it (its key, less the provider's prefix)."""
    reason: str
    """One of the reasons above (what the CLI counts by)."""
    detail: str = ""
    """The particulars: the listed model it is, the rule's message, ..."""


@dataclasses.dataclass(frozen=True)
class AddResult(SyncResult):
    skipped: list[Skip] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    """Figures of added models left out, each with its reason (the importer's notes)."""

    @property
    def added(self) -> list[tuple[str, str]]:
        return [(c.provider, c.model) for c in self.changes]


def non_model(entry: str) -> str | None:
    """Why a catalog entry names a price row rather than a model served on an API, or None."""
    segments = entry.split("/")
    if any(_SIZE.match(s) for s in segments):
        return "an image-size price row"
    if _COMMITMENT.search(entry):
        return "a provisioned-throughput (commitment) price row"
    if any(_REGION.match(s) for s in segments[:-1]) or (
        len(segments) > 1 and _ZONE.match(segments[0])
    ):
        return "a per-region or data-zone price row"
    if _FINE_TUNE.search(entry):
        return "a fine-tune placeholder"
    if re.search(r"[:@]batch$", entry, re.IGNORECASE):
        return "a batch-API price row"
    if _BAND.search(segments[-1]):
        return "a price band by model size, not a model"
    return None


def _segments(name: str) -> tuple[str, ...]:
    """A name as its path segments, each without case or the punctuation between words, and
    without a trailing "latest"."""
    parts = [_PUNCT.sub("", s.casefold()) for s in name.split("/")]
    if parts and parts[-1].endswith("latest") and parts[-1] != "latest":
        parts[-1] = parts[-1].removesuffix("latest")
    return tuple(p for p in parts if p)


def _same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One name's segments end the other's (extra leading segments are a prefix or namespace)."""
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[-n:] == b[-n:]


class _Names:
    """The manifest's listed names, for telling a catalog entry that is one of them."""

    def __init__(self, p: Provider) -> None:
        self.by_tail: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self.raw: list[tuple[str, str]] = []  # (name, model id)
        for model_id, m in p.models.items():
            for name in (model_id, *m.aliases):
                self.remember(name, model_id)
        firsts = collections.Counter(
            model_id.split("/")[0] if "/" in model_id else "" for model_id in p.models
        )
        self.firsts = firsts

    def remember(self, name: str, model_id: str) -> None:
        segs = _segments(name)
        if segs:
            self.by_tail.setdefault(segs[-1], []).append((segs, model_id))
            self.raw.append((name, model_id))

    def same(self, name: str) -> str | None:
        segs = _segments(name)
        if not segs:
            return None
        return next((mid for s, mid in self.by_tail.get(segs[-1], []) if _same(s, segs)), None)

    def latest_of(self, name: str) -> str | None:
        """The listed id a moving ``<stem>-latest`` name stands for, if one starts with the stem."""
        found = re.fullmatch(r"(.+?)[-_.:]?latest", name.split("/")[-1], re.IGNORECASE)
        if not found:
            return None
        stem = found[1].casefold()
        for name, model_id in self.raw:
            tail = name.split("/")[-1].casefold()
            if tail.startswith(stem) and tail[len(stem) : len(stem) + 1] in ("-", "_", ".", ":"):
                return model_id
        return None

    def shape(self, name: str) -> int:
        """How many listed ids share this name's first path segment ("" for none)."""
        return self.firsts[name.split("/")[0] if "/" in name else ""]


@dataclasses.dataclass
class _Candidate:
    name: str
    """Our would-be wire id: the catalog's key less the provider's prefix."""
    key: str
    """The catalog's own key, for messages."""
    entry: Mapping[str, Any]
    facts: Facts | None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def add_missing(
    registry: Registry,
    table: Table,
    data: Any,
    *,
    providers: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> AddResult:
    """The models ``table`` (read from ``data``) lists that ``registry``'s manifests lack, as
    edits that add them (nothing is written until ``AddResult.write()``)."""
    when = today or datetime.date.today()
    wanted = None if providers is None else set(providers)
    y = _yaml()
    changes: list[Any] = []
    texts: dict[str, tuple[str, str]] = {}
    skipped: list[Skip] = []
    notes: list[str] = []
    for pid, view in sorted(table.views.items()):
        if wanted is not None and pid not in wanted:
            continue
        file = registry.files.get(pid)
        if not file:
            continue
        p = registry.provider(pid)
        candidates = list(_candidates(table.kind, data, view, p))
        if not candidates:
            continue
        if not p.models:
            skipped += [Skip(pid, c.name, NO_TABLE) for c in candidates]
            continue
        edit = _Adder(registry, p, view, table, when)
        new = edit.choose(candidates)
        skipped += edit.skipped
        notes += edit.notes
        if not new:
            continue
        old = Path(file).read_text(encoding="utf-8")
        text, refused = _write(y, old, new, edit, Path(file).name)
        skipped += refused
        if text is not None and text != old:
            texts[file] = (old, text)
            from ._sync import Change

            for model_id in new:
                if model_id not in {s.entry for s in refused}:
                    changes.append(Change(pid, model_id, "added", None, _summary(new[model_id])))
    return AddResult(changes, texts, skipped, notes)


def _summary(model: Mapping[str, Any]) -> str:
    parts = []
    if model.get("mode"):
        parts.append(str(model["mode"]))
    if model.get("context_window"):
        parts.append(f"context {model['context_window']}")
    price = model.get("price") or {}
    rates = [f"{f} {price[f]}" for f in ("input", "output") if price.get(f) is not None]
    parts.append(", ".join(rates) if rates else "no price")
    if model.get("status"):
        parts.append(
            str(model["status"]) + (f" {model['retired_on']}" if "retired_on" in model else "")
        )
    return "; ".join(parts)


# -- the catalog's entries for one provider ------------------------------------------------------


def _candidates(kind: str, data: Any, view: View, p: Provider) -> Iterator[_Candidate]:
    prefixes = {n.casefold() for n in (*view.names, p.id, *p.aliases)}

    def bare(key: str) -> str:
        head, sep, rest = key.partition("/")
        return rest if sep and rest and head.casefold() in prefixes else key

    if kind == "litellm":
        chosen: dict[str, _Candidate] = {}
        for key, e in data.items():
            if key == "sample_spec" or not isinstance(e, Mapping):
                continue
            provider = e.get("litellm_provider")
            if provider not in view.names:
                continue
            theirs = str(key).removeprefix(f"{provider}/")
            name = bare(theirs)
            if name in chosen and key != f"{provider}/{theirs}":
                continue  # "provider/id" is the entry LiteLLM itself prefers over a bare "id"
            chosen[name] = _Candidate(name, str(key), e, view.models.get(theirs))
        yield from chosen.values()
    elif kind == "models.dev":
        for source_name in view.names:
            entry = data.get(source_name)
            if not isinstance(entry, Mapping) or not isinstance(entry.get("models"), Mapping):
                continue
            extra = {"api": entry.get("api"), "npm": str(entry.get("npm") or "")}
            for model_id, m in entry["models"].items():
                if isinstance(m, Mapping):
                    name = bare(str(model_id))
                    facts = view.models.get(str(model_id))
                    yield _Candidate(name, f"{source_name}/{model_id}", m, facts, extra)
    else:
        listed = data.get("providers") if isinstance(data, Mapping) else data
        for provider in listed or []:
            if not isinstance(provider, Mapping) or str(provider.get("id")) not in view.names:
                continue
            for m in provider.get("models") or []:
                if isinstance(m, Mapping) and isinstance(m.get("id"), str):
                    name = bare(m["id"])
                    facts = view.models.get(m["id"])
                    yield _Candidate(name, f"{provider['id']}/{m['id']}", m, facts)


# -- choosing and converting ---------------------------------------------------------------------


class _Adder:
    def __init__(
        self, registry: Registry, p: Provider, view: View, table: Table, today: datetime.date
    ) -> None:
        self.registry, self.p, self.view, self.table, self.today = registry, p, view, table, today
        self.skipped: list[Skip] = []
        self.notes: list[str] = []
        self.names = _Names(p)
        self.theirs: dict[str, str] = {}  # the catalog's entries our models map to -> ours
        for model_id, m in p.models.items():
            found = view.find(model_id, m.aliases)
            if found is not None:
                self.theirs.setdefault(found, model_id)
        source = _RUN_SOURCES.get(table.kind, GENAI_PRICES_SOURCE)
        self.run = _Run(None, KINDS[table.kind], source, table.as_of, Path(table.label).name, None)
        base = p.model_dump(mode="python", exclude_defaults=True)
        base.pop("models", None)
        self.group = _Group(base, [p.id])

    def skip(self, c: _Candidate, reason: str, detail: str = "") -> None:
        self.skipped.append(Skip(self.p.id, c.name, reason, detail))

    def listed_as(self, c: _Candidate) -> tuple[str, str] | None:
        """(reason, detail) when the candidate is a model the manifest already has."""
        theirs = self.theirs.get(c.name) or self.theirs.get(c.key.split("/", 1)[-1])
        if theirs is not None:
            return LISTED, f"as {theirs}"
        from ._resolver import resolve

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = resolve(
                    c.name,
                    provider=self.p.id,
                    registry=self.registry,
                    strict=True,
                    include_retired=True,
                )
        except RegistryError:
            pass
        else:
            if res.provider_id == self.p.id and res._derived is not None:
                return LISTED, "matches one of its model patterns"
            if res.provider_id == self.p.id and res._listed:
                return LISTED, f"resolves to {res.model}"
        same = self.names.same(c.name)
        if same is not None:
            return SPELLED, f"as {same}"
        latest = self.names.latest_of(c.name)
        if latest is not None:
            return LATEST, f"of {latest}"
        return None

    def choose(self, candidates: list[_Candidate]) -> dict[str, dict[str, Any]]:
        """The models to add, by wire id, as manifest data; every other candidate skipped."""
        fresh: list[_Candidate] = []
        flat = all("/" not in model_id for model_id in self.p.models)
        for c in candidates:
            why = non_model(c.name)
            if why is None and flat and "/" in c.name:
                why = (
                    "a path where every listed id is a bare name (a catalog's route, not a wire id)"
                )
            if why is not None:
                self.skip(c, NOT_MODEL, why)
                continue
            listed = self.listed_as(c)
            if listed is not None:
                self.skip(c, *listed)
                continue
            fresh.append(c)
        # Two spellings of one new model in the catalog: the one shaped like our ids wins.
        fresh.sort(key=lambda c: -self.names.shape(c.name))  # then in the catalog's order
        taken = _Names.__new__(_Names)
        taken.by_tail, taken.raw = {}, []
        out: dict[str, dict[str, Any]] = {}
        for c in fresh:
            other = taken.same(c.name)
            if other is not None:
                self.skip(c, REPEATED, f"kept {other}")
                continue
            model = self.convert(c)
            if model is None:
                continue
            taken.remember(c.name, c.name)
            out[c.name] = model
        return dict(sorted(out.items(), key=lambda kv: (kv[0].casefold(), kv[0])))

    def convert(self, c: _Candidate) -> dict[str, Any] | None:
        where = f"{self.p.id}/{c.name}"
        before = len(self.run.result.notes)
        data: dict[str, Any] | None
        if self.table.kind == "litellm":
            data = _ll_model(self.run, where, c.entry)
        elif self.table.kind == "models.dev":
            data = _md_model(self.run, where, c.name, c.entry, c.extra["api"], c.extra["npm"])
        else:
            data = self.genai(c)
        if data is not None and data.get("price") and not _is_local(self.group.base):
            # The importer declares a 0 free where the id says so; whether a hosted provider
            # really charges nothing is for a person to say, so --add writes no 0 at all.
            data = self.run.no_silent_zeros(where, "", data)
        if data is not None:
            data = {**data, **self.lifecycle(c.facts)}
            if not self.run.add_model(self.group, where, c.name, data, c.key):
                data = None
            elif not (self.group.models[c.name].price or self.group.models[c.name].context_window):
                # Only a name: nothing to check it by, and nothing it would tell.
                self.run.note(where, "neither a token price nor a context window; left out")
                data = None
        said = self.run.result.notes[before:]
        if data is None:
            detail = said[-1].split(": ", 1)[-1] if said else "no figures"
            self.skip(c, UNCONVERTED, detail)
            return None
        self.notes += said
        model = self.group.models[c.name]
        return model.model_dump(mode="python", exclude_defaults=True)

    def lifecycle(self, facts: Facts | None) -> dict[str, Any]:
        if facts is None:
            return {}
        if facts.retired_on is not None:
            passed = facts.retired_on <= self.today
            return {"status": "retired" if passed else "deprecated", "retired_on": facts.retired_on}
        if facts.deprecated:
            return {"status": "deprecated"}
        return {}

    def genai(self, c: _Candidate) -> dict[str, Any] | None:
        """A genai-prices entry as manifest data: only a flat text-token price is carried."""
        where = f"{self.p.id}/{c.name}"
        prices = c.entry.get("prices")
        if isinstance(prices, list) and any(
            isinstance(i, Mapping)
            and isinstance(i.get("constraint"), Mapping)
            and not set(i["constraint"]) <= {"start_date"}
            for i in prices
        ):
            self.run.note(where, "prices by time of day, which --add does not carry; left out")
            return None
        flat = prices if isinstance(prices, Mapping) else {}
        if isinstance(prices, list):
            for item in prices:
                if isinstance(item, Mapping) and isinstance(item.get("prices"), Mapping):
                    flat = item["prices"]  # the dated ones are the same shape; facts chose
        if any(isinstance(flat.get(k), Mapping) for k in flat):
            self.run.note(where, "tiered prices, which --add does not carry; left out")
            return None
        facts = c.facts or Facts()
        rates = facts.rates()
        if "input" not in rates and "output" not in rates:
            self.run.note(where, "no text-token price (genai-prices gives no mode); left out")
            return None
        out: dict[str, Any] = {}
        if "embed" in c.name.rsplit("/", 1)[-1].lower():
            out["mode"] = "embedding"
        if facts.context_window is not None:
            out["context_window"] = facts.context_window
        out["price"] = dict(rates)
        return out


# -- writing ------------------------------------------------------------------------------------


def _write(
    y: Any, old: str, new: dict[str, dict[str, Any]], edit: _Adder, name: str
) -> tuple[str | None, list[Skip]]:
    """The file with ``new`` added; models the rules refuse are dropped (and returned as
    skips) until it validates."""
    refused: list[Skip] = []
    todo = dict(new)
    source_id, entry = _source_entry(edit.p, edit.table)
    while todo:
        text = _splice(y, old, {m: {**d, "source": source_id} for m, d in todo.items()}, entry)
        bad = _refusals(text, name, todo)
        if not bad:
            _same_data(old, text, todo, name)
            return text, refused
        for model_id, message in bad.items():
            refused.append(Skip(edit.p.id, model_id, REFUSED, message))
            del todo[model_id]
    return None, refused


_TOP_KEY = re.compile(r"^[^\s#-][^:]*:", re.MULTILINE)


def _block(lines: list[str], key: str) -> tuple[int, int] | None:
    """(line of ``key:``, line after the last non-blank line of its block), or None."""
    head = next((i for i, line in enumerate(lines) if re.match(rf"{key}:\s*(#.*)?$", line)), None)
    if head is None:
        return None
    end = next((i for i in range(head + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    while end > head + 1 and not lines[end - 1].strip():
        end -= 1
    return head, end


def _indent(lines: list[str], span: tuple[int, int], item: bool) -> int:
    """How far the block's children are indented (sequence items: to their dash)."""
    for line in lines[span[0] + 1 : span[1]]:
        body = line.lstrip(" ")
        if body and not body.startswith("#") and (not item or body.startswith("- ")):
            return len(line) - len(body)
    return 2


def _render(y: Any, key: str, value: Any, indent: int) -> list[str]:
    """``value`` as the body of a top-level ``key``, its children indented by ``indent``."""
    from ruamel.yaml.comments import CommentedMap

    out = io.StringIO()
    y.dump(CommentedMap({key: value}), out)
    body = out.getvalue().splitlines(keepends=True)[1:]
    if indent < 2:  # a file with its children at the key's own column ("- item")
        return [line[2 - indent :] if line.strip() else line for line in body]
    return [" " * (indent - 2) + line if line.strip() else line for line in body]


def _splice(
    y: Any, old: str, new: Mapping[str, Mapping[str, Any]], entry: dict[str, Any] | None
) -> str:
    """The file's text with the new models after its last model (and a new sources entry after
    its last source): every byte already there stays where it is."""
    from ruamel.yaml.comments import CommentedMap

    lines = old.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    models = _block(lines, "models")
    if models is None:
        raise RegistryError("the manifest has no block-style 'models:' table to add to")
    block = CommentedMap((m, _node(d)) for m, d in new.items())
    lines[models[1] : models[1]] = _render(y, "models", block, _indent(lines, models, False))
    if entry is not None:
        sources = _block(lines, "sources")
        if sources is None:
            at = next(i for i, line in enumerate(lines) if re.match(r"models:", line))
            lines[at:at] = ["sources:\n", *_render(y, "sources", [entry], 2)]
        else:
            lines[sources[1] : sources[1]] = _render(
                y, "sources", [entry], _indent(lines, sources, True)
            )
    return "".join(lines)


def _same_data(old: str, new: str, added: Mapping[str, Any], name: str) -> None:
    """Refuse a result whose data differs from the old file's other than by the added models
    and sources entry (a fault of the splicing, never to be written)."""
    from ._loader import parse_document

    before = parse_document(old.encode(), name).data
    after = parse_document(new.encode(), name).data
    models = {k: v for k, v in after["models"].items() if k not in added}
    sources = after.get("sources", [])[: len(before.get("sources", []))]
    rest = {k: v for k, v in after.items() if k not in ("models", "sources")}
    if (
        models != before["models"]
        or sources != before.get("sources", [])
        or rest != {k: v for k, v in before.items() if k not in ("models", "sources")}
        or list(after["models"]) != [*before["models"], *added]
    ):
        raise RegistryError(f"{name}: adding models would change what the file already says")


def _refusals(text: str, name: str, added: Mapping[str, Any]) -> dict[str, str]:
    """The added models the validator finds fault with (errors or warnings), with the first
    message for each; a fault elsewhere in the file is an error of the tool."""
    from ._loader import render_path
    from ._validate import validate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        report = validate([tmp], builtin=False, env=False, max_age=None)
    out: dict[str, str] = {}
    for problem in report.problems:
        if problem.severity not in ("error", "warning"):
            continue
        for model_id in added:
            at = render_path(("models", model_id))
            if problem.path == at or problem.path.startswith((at + ".", at + "[")):
                out.setdefault(model_id, f"{problem.path}: {problem.message}")
                break
        else:
            raise RegistryError(
                f"{name}: adding models makes the file invalid at {problem.path}: {problem.message}"
            )
    return out


def _node(model: Mapping[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = CommentedMap()
    for key, value in model.items():
        if key == "price":
            tiers = value.get("tiers")
            flat = {k: v for k, v in value.items() if k != "tiers"}
            if tiers:
                price = CommentedMap(flat)
                seq = CommentedSeq(_flow(dict(t)) for t in tiers)
                price["tiers"] = seq
                node[key] = price
            else:
                node[key] = _flow(flat)
        elif isinstance(value, list):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            node[key] = seq
        elif isinstance(value, Decimal | datetime.date | str | int):
            node[key] = value
        else:
            node[key] = value
    return node


def _source_entry(p: Provider, table: Table) -> tuple[str, dict[str, Any] | None]:
    """The id of the ``sources`` entry for this catalog file and date, and the entry to add
    (None when the manifest has it)."""
    base = SOURCE_IDS[table.kind]
    remote = is_url(table.label)
    where = "url" if remote else "file"
    value = table.label if remote else Path(table.label).name
    for src in p.sources:
        if getattr(src, where) == value and src.as_of == table.as_of:
            return src.id, None
    ids = {src.id for src in p.sources}
    sid = base if base not in ids else f"{base}-{table.as_of.isoformat()}"
    entry = {"id": sid, "name": SOURCE_NAMES[table.kind], where: value, "as_of": table.as_of}
    entry["note"] = "Models the manifest lacked were added from it (registry sync --add)."
    return sid, entry
