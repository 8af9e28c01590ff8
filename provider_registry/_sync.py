"""``registry sync``: take newer figures from another catalog into the manifests, in place.

Only the figures the catalog supplies change: the four rates, the tiers for long prompts (where
the catalog has them: LiteLLM's tiered_pricing), the context window, the output limit, and the
lifecycle. A figure the manifest pins by hand stays. A changed price moves the old
one into ``price_history``, ending the day the new one starts (the catalog's own date for it, or
the catalog's as_of), so costs of past requests stay right; a catalog older than our price does
not replace it. A passed retirement date makes the model retired; a coming one, deprecated. Our
retired models are history and stay as they are. A model whose figures change names the
catalog's ``sources`` entry, which gets the catalog's location and date. Prices by time of day
(windows, on either side) are compared hour by hour and never written: a difference is reported
as kept, for a person to edit.

Files are edited with ruamel.yaml (the ``sync`` extra), which keeps comments and layout; every
file is validated before anything is written.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import io
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import CommandError, SourceError
from ._sources import LIMITS, RATES, Facts, Table, View, is_url, timed_differences

if TYPE_CHECKING:
    from ._manifest import Model, Provider
    from ._registry import Registry

__all__ = ["Change", "SyncResult", "sync"]

SOURCE_IDS = {"litellm": "litellm", "models.dev": "models-dev", "genai-prices": "genai-prices"}
SOURCE_NAMES = {
    "litellm": "LiteLLM price table",
    "models.dev": "models.dev catalog",
    "genai-prices": "pydantic genai-prices data",
}
USABLE = ("ga", "experimental", "unverified")


@dataclasses.dataclass(frozen=True)
class Change:
    provider: str
    model: str
    field: str
    old: str | None
    new: str | None
    kept: str | None = None
    """Why the change was not made (a figure pinned by hand, a source older than ours)."""


@dataclasses.dataclass(frozen=True)
class SyncResult:
    changes: list[Change]
    texts: dict[str, tuple[str, str]]
    """file -> (old text, new text), for the files that change."""

    @property
    def made(self) -> list[Change]:
        return [c for c in self.changes if c.kept is None]

    def diff(self) -> str:
        out: list[str] = []
        for file, (old, new) in self.texts.items():
            out += difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), file, file
            )
        return "".join(out)

    def write(self) -> list[str]:
        for file, (_, new) in self.texts.items():
            Path(file).write_text(new, encoding="utf-8")
        return list(self.texts)


def _yaml() -> Any:
    try:
        from ruamel.yaml import YAML
    except ImportError:
        raise CommandError(
            "registry sync edits manifests with ruamel.yaml, which is not installed",
            hint="pip install ruamel.yaml (in a checkout of this repo: pip install '.[sync]')",
        ) from None
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.add_representer(Decimal, _decimal)
    y.representer.ignore_aliases = lambda data: True  # a date written twice is not an anchor
    return y


def _decimal(representer: Any, value: Decimal) -> Any:
    if value == value.to_integral_value():
        return representer.represent_int(int(value))
    text = format(value.normalize(), "f")
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def sync(
    registry: Registry,
    table: Table,
    *,
    providers: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> SyncResult:
    """The edits that bring ``registry``'s manifests up to ``table`` (nothing is written until
    ``SyncResult.write()``); raise SourceError if an edited file would not validate."""
    when = today or datetime.date.today()
    wanted = None if providers is None else set(providers)
    y = _yaml()
    changes: list[Change] = []
    texts: dict[str, tuple[str, str]] = {}
    for pid, view in sorted(table.views.items()):
        if wanted is not None and pid not in wanted:
            continue
        file = registry.files.get(pid)
        if not file:
            continue
        old = Path(file).read_text(encoding="utf-8")
        doc = y.load(old)
        edit = _Edit(registry.provider(pid), doc, table, when)
        edit.run(view)
        changes += edit.changes
        if edit.matched:
            edit.record_source()
            out = io.StringIO()
            y.dump(doc, out)
            if out.getvalue() != old:
                texts[file] = (old, out.getvalue())
    _check(texts)
    return SyncResult(changes, texts)


def _check(texts: dict[str, tuple[str, str]]) -> None:
    """Validate every edited file as it would be written (the catalog rules included)."""
    if not texts:
        return
    from ._validate import validate

    with tempfile.TemporaryDirectory() as tmp:
        names = {}
        for i, (file, (_, new)) in enumerate(texts.items()):
            path = Path(tmp) / f"{i}-{Path(file).name}"
            path.write_text(new, encoding="utf-8")
            names[str(path)] = file
        report = validate([tmp], builtin=False, env=False, max_age=None)
    if report.errors:
        first = report.errors[0]
        raise SourceError(
            f"the synced {names.get(first.file or '', first.file)} would not validate: "
            f"{first.path}: {first.message}",
            hint="nothing was written; pin the figure by hand or fix the manifest first",
        )


class _Edit:
    def __init__(self, p: Provider, doc: Any, table: Table, today: datetime.date) -> None:
        self.p, self.doc, self.table, self.today = p, doc, table, today
        self.source_id = SOURCE_IDS[table.kind]
        self.changes: list[Change] = []
        self.touched: list[str] = []
        self.matched = 0
        self.day = table.as_of

    def change(self, model: str, field: str, old: Any, new: Any, kept: str | None = None) -> None:
        text = (None if old is None else str(old), None if new is None else str(new))
        self.changes.append(Change(self.p.id, model, field, *text, kept))

    def run(self, view: View) -> None:
        for model_id, m in self.p.models.items():
            theirs = view.find(model_id, m.aliases)
            if theirs is None or m.status == "retired":
                continue
            self.matched += 1
            node = self.doc["models"][model_id]
            if node is None:
                node = self.doc["models"][model_id] = _flow({})
            before = len(self.changes)
            facts = view.models[theirs]
            self.price(model_id, m, node, facts)
            self.limits(model_id, m, node, facts)
            self.lifecycle(model_id, m, node, facts)
            made = [c.field for c in self.changes[before:] if c.kept is None]
            if made:
                self.touched.append(model_id)
            src = self.p.source_of(m)
            if "price" in made and (src is None or src.id != self.source_id):
                # The model's source is where its prices come from.
                _put(node, "source", self.source_id, before="pinned")

    def price(self, model_id: str, m: Model, node: Any, facts: Facts) -> None:
        if facts.windows or (m.price is not None and m.price.windows):
            self.timed_price(model_id, m, facts)
            return
        free = m.free is not None or self.p.free is not None
        theirs = {f: v for f, v in facts.rates().items() if v != 0 or free}
        ours = (
            {}
            if m.price is None
            else {f: v for f in RATES if (v := getattr(m.price, f)) is not None}
        )
        new = _fit(ours, theirs)
        our_tiers = {
            t.above_input_tokens: {f: v for f in RATES if (v := getattr(t, f)) is not None}
            for t in (m.price.tiers if m.price is not None else [])
        }
        # A catalog without tiers gives no figure for long prompts: ours stay. One with tiers
        # gives them all: a threshold it does not list is gone.
        new_tiers = our_tiers
        if facts.tiers:
            new_tiers = {
                t.above_input_tokens: _fit(
                    our_tiers.get(t.above_input_tokens, {}),
                    {f: v for f, v in t.rates.items() if v != 0 or free},
                )
                for t in facts.tiers
            }
        changed = {f: v for f, v in new.items() if ours.get(f) != v}
        if not changed and new_tiers == our_tiers:
            return
        old_text = _rates_text(ours, our_tiers)
        new_text = _rates_text(new, new_tiers)
        if "price" in m.pinned:
            self.change(model_id, "price", old_text, new_text, f"pinned: {m.pinned['price']}")
            return
        start = facts.since or self.day
        if ours:
            assert m.price is not None
            last = m.price_history[-1].until if m.price_history else None
            if (m.price.since and start <= m.price.since) or (last and start <= last):
                self.change(model_id, "price", old_text, new_text, "our price is newer")
                return
            past = _flow({"until": start})
            for f, v in ours.items():
                past[f] = v
            if m.price.tiers:
                past["tiers"] = node["price"]["tiers"]
            history = node.get("price_history")
            if history is None:
                from ruamel.yaml.comments import CommentedSeq

                history = CommentedSeq()
                _put(node, "price_history", history, after="price")
            history.append(past)
            price = node["price"]
            for f, v in changed.items():
                price[f] = v
            for f in [f for f in ours if f not in new]:
                del price[f]
            if new_tiers != our_tiers:
                _put(price, "tiers", _tiers_node(new_tiers))
                price.fa.set_block_style()  # a list of tiers reads best one per line
            _put(price, "since", start)
        else:
            price = _flow(dict(new))
            if new_tiers:
                price["tiers"] = _tiers_node(new_tiers)
                price.fa.set_block_style()
            _put(node, "price", price, before="supports")
        self.change(model_id, "price", old_text, new_text)

    def timed_price(self, model_id: str, m: Model, facts: Facts) -> None:
        """Prices by time of day are compared hour by hour (as the audit does) and never
        written: sync does not carry windows, so a difference is reported, kept, for a person
        to edit."""
        differ = timed_differences(m.price, facts)
        if not differ:
            return
        field, ours, theirs, window = differ[0]
        where = f" at {window}" if window else ""
        more = f" and {len(differ) - 1} more" if len(differ) > 1 else ""
        self.change(
            model_id,
            "price",
            f"{field} {ours if ours is not None else '-'}",
            f"{field} {theirs}{where}{more}",
            "prices by time of day differ, and sync does not carry windows: edit the manifest "
            "by hand (registry audit lists every difference)",
        )

    def limits(self, model_id: str, m: Model, node: Any, facts: Facts) -> None:
        for field in LIMITS:
            value, ours = getattr(facts, field), getattr(m, field)
            if value is None or value == ours:
                continue
            if field in m.pinned:
                self.change(model_id, field, ours, value, f"pinned: {m.pinned[field]}")
                continue
            window = m.context_window
            if facts.context_window is not None and "context_window" not in m.pinned:
                window = facts.context_window
            if field == "max_output_tokens" and window and value > window:
                self.change(model_id, field, ours, value, "above the context window")
                continue
            most = m.max_output_tokens if facts.max_output_tokens is None else None
            if field == "context_window" and most is not None and value < most:
                self.change(model_id, field, ours, value, f"below our output limit of {most}")
                continue
            _put(node, field, value, before="price")
            self.change(model_id, field, ours, value)

    def lifecycle(self, model_id: str, m: Model, node: Any, facts: Facts) -> None:
        status, retired_on = m.status, m.retired_on
        if facts.retired_on is not None and facts.retired_on != m.retired_on:
            passed = facts.retired_on <= self.today
            status, retired_on = ("retired" if passed else "deprecated"), facts.retired_on
        elif m.retired_on is not None and m.retired_on <= self.today:
            status = "retired"
        elif facts.deprecated and m.status in USABLE:
            status = "deprecated"
        if (status, retired_on) == (m.status, m.retired_on):
            return
        old = f"{m.status}" + (f" {m.retired_on}" if m.retired_on else "")
        new = f"{status}" + (f" {retired_on}" if retired_on else "")
        if "lifecycle" in m.pinned:
            self.change(model_id, "lifecycle", old, new, f"pinned: {m.pinned['lifecycle']}")
            return
        _put(node, "status", status, before="deprecated_on")
        if retired_on is not None:
            _put(node, "retired_on", retired_on, after="status")
        self.change(model_id, "lifecycle", old, new)

    def record_source(self) -> None:
        """The catalog's sources entry: its location and the date of its data."""
        sources = self.doc.get("sources")
        if sources is None:
            from ruamel.yaml.comments import CommentedSeq

            sources = CommentedSeq()
            _put(self.doc, "sources", sources, before="models")
        entry = next((s for s in sources if s.get("id") == self.source_id), None)
        label = self.table.label
        if entry is None:
            from ruamel.yaml.comments import CommentedMap

            entry = CommentedMap(id=self.source_id, name=SOURCE_NAMES[self.table.kind])
            sources.append(entry)
        remote = is_url(label)
        where = "url" if remote else "file"
        value = label if remote else Path(label).name
        keys = list(entry)
        old = next(((keys.index(k), entry.pop(k)) for k in ("url", "file") if k in entry), None)
        if old is None:
            _put(entry, where, value, after="name")
        else:
            entry.insert(old[0], where, value)  # where the old location was
            if old[1] != value:  # a name may tell the old file's version
                _put(entry, "name", SOURCE_NAMES[self.table.kind], after="id")
        entry.pop("url" if where == "file" else "file", None)
        _put(entry, "as_of", self.table.as_of, after=where)
        if "checked" in entry and entry["checked"] < self.table.as_of:
            del entry["checked"]  # it was compared with the provider's page before this data


def _flow(data: dict[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    out = CommentedMap(data)
    out.fa.set_flow_style()
    return out


def _put(
    node: Any, key: str, value: Any, *, before: str | None = None, after: str | None = None
) -> None:
    """Set ``key``; a new key goes before ``before`` or after ``after`` where those exist."""
    if key in node:
        node[key] = value
        return
    keys = list(node)
    if after is not None and after in keys:
        node.insert(keys.index(after) + 1, key, value)
    elif before is not None and before in keys:
        node.insert(keys.index(before), key, value)
    else:
        node[key] = value


def _fit(ours: dict[str, Decimal], theirs: dict[str, Decimal]) -> dict[str, Decimal]:
    """Our rates with the catalog's laid over them, but never a figure the rules refuse: a
    cache read above input, a write below a read (ours stays, or none)."""
    new = {**ours, **theirs}
    for field, low, high in (
        ("cache_read", "cache_read", "input"),
        ("cache_write", "cache_read", "cache_write"),
    ):
        if field in theirs and low in new and high in new and new[low] > new[high]:
            if field in ours:
                new[field] = ours[field]
            else:
                del new[field]
    return new


def _tiers_node(tiers: dict[int, dict[str, Decimal]]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    out = CommentedSeq()
    for n, rates in sorted(tiers.items()):
        out.append(_flow({**rates, "above_input_tokens": n}))
    return out


def _rates_text(
    rates: dict[str, Decimal], tiers: dict[int, dict[str, Decimal]] | None = None
) -> str:
    text = ", ".join(f"{f} {v}" for f, v in rates.items()) or "none"
    for n, own in sorted((tiers or {}).items()):
        text += f"; above {n} tokens: " + ", ".join(f"{f} {v}" for f, v in own.items())
    return text
