"""``registry audit``: the catalog compared with other catalogs, model by model.

For every provider and model both sides know, it reports each figure that differs (the four rates,
the context window, the output limit) with both values and the relative difference; lifecycle
conflicts (the other side says the model is deprecated or past its retirement date while we say it
is usable); and the models one side lists and the other lacks. A difference on a figure the
manifest pins by hand is *explained*: shown with the reason, and not counted as drift.

What counts, and what does not:
- Our retired models are history: their figures and absence elsewhere are not compared.
- The other side's entries retired by a passed date are not "missing here".
- A 0 on the other side where we have no figure is the other side's "not published", as ours is.
- A figure the other side does not give is not a difference.
- Asked for (``--price-spread``), the same model priced very differently across our own
  providers (``price_spread``: the
  highest input price of a model's offers more than ``SPREAD`` times the lowest, free tiers and
  retired offers aside) is listed as worth a look, never as drift: a provider may serve it
  quantized, faster, or with a larger context, and a gateway adds its margin.
- Tiers for long prompts are compared where the other side has them (LiteLLM's
  tiered_pricing): the rates each side charges a prompt above every threshold of either side,
  as "input above 256000 tokens".
- Prices by time of day are compared hour by hour: where either side has windows (ours, LiteLLM's
  off_peak_pricing, genai-prices' time constraints), the rates in force at each minute of the
  UTC week are compared, and a difference names the stretches it holds in (``window``). So a
  catalog that writes the off-peak rates as its base and the peak ones as windows agrees with
  a manifest that writes them the other way round.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._sources import LIMITS, RATES, Facts, Table, View, timed_differences

if TYPE_CHECKING:
    from ._manifest import Model, Provider
    from ._registry import Registry

__all__ = ["AuditReport", "Finding", "audit"]

REPORT_VERSION = 1
USABLE = ("ga", "experimental", "unverified")
SPREAD = Decimal(5)
"""A model whose dearest input price across providers is above this many times its cheapest is
worth a look (``price_spread``)."""
KINDS = ("figure", "lifecycle", "missing_here", "missing_there", "price_spread")
NOT_DRIFT = frozenset({"price_spread"})


@dataclasses.dataclass(frozen=True)
class Finding:
    """One thing that differs between our catalog and another."""

    kind: str
    """"figure" (a value differs), "lifecycle", "missing_here" (they list it, we do not),
    "missing_there" (we list it, they do not), or "price_spread" (our providers price one
    model very differently: provider and model are the dearest offer, ours its input price,
    theirs the cheapest one's, their_id the cheapest offer; never drift)."""
    source: str
    """The other catalog's kind (litellm, models.dev, genai-prices)."""
    provider: str
    model: str
    """Our model id; for missing_here, the other catalog's."""
    field: str | None = None
    ours: str | None = None
    theirs: str | None = None
    relative: float | None = None
    """(theirs - ours) / ours, for a figure both sides give and ours is not 0."""
    explained: str | None = None
    """The manifest's reason for a figure set by hand; an explained finding is not drift."""
    their_id: str | None = None
    """The other catalog's entry, where its id differs from ours."""
    window: str | None = None
    """For a rate of a price by time of day: the stretches of the UTC week where the two
    differ ("Sat, Sun 01:00-04:00 UTC"); None when they differ at every hour."""
    identity: str | None = None
    """For price_spread: the shared identity of the model (``registry offers``)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class AuditReport:
    sources: list[dict[str, str]]
    findings: list[Finding]
    compared: int
    """Model pairs compared (models both sides know)."""
    price_spread: bool = False
    """Whether price spreads were looked for (their count is in the JSON only then)."""

    @property
    def drift(self) -> list[Finding]:
        return [f for f in self.findings if f.explained is None and f.kind not in NOT_DRIFT]

    def count(self, kind: str, *, explained: bool = False) -> int:
        return sum(f.kind == kind and (f.explained is not None) == explained for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document; its keys are stable (version 1)."""
        kinds = KINDS if self.price_spread else KINDS[:-1]
        return {
            "version": REPORT_VERSION,
            "sources": self.sources,
            "compared": self.compared,
            "drift": bool(self.drift),
            "counts": {k: self.count(k) for k in kinds},
            "explained": {k: self.count(k, explained=True) for k in kinds},
            "findings": [f.to_dict() for f in self.findings],
        }


def audit(
    registry: Registry,
    tables: Iterable[Table],
    *,
    providers: Iterable[str] | None = None,
    tolerance: float = 0.0,
    today: datetime.date | None = None,
    price_spread: bool = False,
) -> AuditReport:
    """Compare ``registry`` with each of ``tables``; ``providers`` narrows to those ids, and a
    relative difference within ``tolerance`` (0.05 is 5%) is not reported. A provider may be
    named by its id or an alias. ``price_spread`` adds the models our own providers price far
    apart (see ``price_spreads``)."""
    when = today or datetime.date.today()
    wanted = None if providers is None else {_canonical(registry, p) for p in providers}
    findings: list[Finding] = []
    sources: list[dict[str, str]] = []
    compared = 0
    for table in tables:
        sources.append(
            {"kind": table.kind, "location": table.label, "as_of": table.as_of.isoformat()}
        )
        for pid, view in sorted(table.views.items()):
            if wanted is not None and pid not in wanted:
                continue
            n, found = _provider(registry.provider(pid), view, table.kind, tolerance, when)
            compared += n
            findings += found
    if price_spread:
        findings += price_spreads(registry, wanted)
    return AuditReport(sources, findings, compared, price_spread)


def price_spreads(registry: Registry, providers: set[str] | None = None) -> list[Finding]:
    """Models whose input price differs more than ``SPREAD`` times across the providers that
    offer them (retired offers and free tiers aside); with ``providers``, only models one of
    them offers."""
    from ._offers import offer_index

    index = offer_index(registry)
    found: list[Finding] = []
    for key, _ in index.shared():
        priced = [
            (o.price.input, o.ref, o)
            for o in index.offers_of(key, env={})
            if o.status != "retired" and o.price is not None and o.price.input
        ]
        if providers is not None and not any(o.provider in providers for _, _, o in priced):
            continue
        if len({o.provider for _, _, o in priced}) < 2:
            continue
        low, _, cheapest = min(priced)
        high, _, dearest = max(priced)
        if high > SPREAD * low:
            found.append(
                Finding(
                    "price_spread",
                    "catalog",
                    dearest.provider,
                    dearest.model,
                    "input",
                    str(high),
                    str(low),
                    _relative(high, low),
                    None,
                    cheapest.ref,
                    None,
                    index.identity[key],
                )
            )
    return found


def _canonical(registry: Registry, name: str) -> str:
    return registry.provider(name).id if name in registry else name


def _provider(
    p: Provider, view: View, kind: str, tolerance: float, today: datetime.date
) -> tuple[int, list[Finding]]:
    found: list[Finding] = []
    matched: set[str] = set()
    compared = 0
    for model_id, m in p.models.items():
        theirs = view.find(model_id, m.aliases)
        if m.status == "retired":
            if theirs is not None:
                matched.add(theirs)
            continue
        if theirs is None:
            found.append(Finding("missing_there", kind, p.id, model_id))
            continue
        matched.add(theirs)
        compared += 1
        facts = view.models[theirs]
        other = theirs if theirs != model_id else None
        for field, ours, value, window in _figures(m, facts):
            rel = _relative(ours, value)
            if ours == value or (rel is not None and abs(rel) <= tolerance):
                continue
            pin = "price" if field.split(" ", 1)[0] in RATES else field
            found.append(
                Finding(
                    "figure",
                    kind,
                    p.id,
                    model_id,
                    field,
                    None if ours is None else str(ours),
                    str(value),
                    rel,
                    m.pinned.get(pin),  # type: ignore[call-overload]
                    other,
                    window,
                )
            )
        conflict = _lifecycle(m, facts, today)
        if conflict is not None:
            ours_text, theirs_text = conflict
            found.append(
                Finding(
                    "lifecycle",
                    kind,
                    p.id,
                    model_id,
                    "status",
                    ours_text,
                    theirs_text,
                    None,
                    m.pinned.get("lifecycle"),
                    other,
                )
            )
    for their_id, facts in view.models.items():
        gone = facts.retired_on is not None and facts.retired_on <= today
        if their_id not in matched and not gone:
            found.append(Finding("missing_here", kind, p.id, their_id))
    return compared, found


Figure = tuple[str, Decimal | int | None, Decimal | int, str | None]


def _figures(m: Model, facts: Facts) -> Iterable[Figure]:
    """(field, ours, theirs, stretches of the week or None) of each figure the other side
    gives."""
    if facts.windows or (m.price is not None and m.price.windows):
        yield from timed_differences(m.price, facts)
    else:
        for field in RATES:
            value = getattr(facts, field)
            ours = None if m.price is None else getattr(m.price, field)
            if value is None or (value == 0 and ours is None):
                continue
            yield field, ours, value, None
    yield from tier_differences(m, facts)
    for field in LIMITS:
        value = getattr(facts, field)
        if value is not None:
            yield field, getattr(m, field), value, None


def tier_differences(m: Model, facts: Facts) -> Iterable[Figure]:
    """("<rate> above <N> tokens", ours, theirs, None) where the two sides charge a prompt of
    more than N tokens differently, N any threshold of either side; compared only where the
    other side has tiers (a catalog without them gives no figure for long prompts). A side's
    rate above N is that of its highest tier at or below N, a rate the tier leaves out the
    base one (ours) or none (theirs)."""
    if not facts.tiers:
        return
    tiers = [] if m.price is None else sorted(m.price.tiers, key=lambda t: t.above_input_tokens)
    thresholds = {t.above_input_tokens for t in tiers}
    cuts = sorted(thresholds | {t.above_input_tokens for t in facts.tiers})
    for cut in cuts:
        mine = next((t for t in reversed(tiers) if t.above_input_tokens <= cut), None)
        other = next((t for t in reversed(facts.tiers) if t.above_input_tokens <= cut), None)
        for field in RATES:
            value = facts.rates().get(field) if other is None else other.rates.get(field)
            ours = None if m.price is None else getattr(m.price, field)
            if mine is not None and getattr(mine, field) is not None:
                ours = getattr(mine, field)
            if value is None or (value == 0 and ours is None) or value == ours:
                continue
            yield f"{field} above {cut} tokens", ours, value, None


def _relative(ours: Decimal | int | None, theirs: Decimal | int) -> float | None:
    if ours is None or ours == 0:
        return None
    return float((Decimal(theirs) - Decimal(ours)) / Decimal(ours))


def _lifecycle(m: Model, facts: Facts, today: datetime.date) -> tuple[str, str] | None:
    """(ours, theirs) when the other side says the model is past its end, or deprecated, and we
    say it is usable (or deprecated with no passed retirement)."""
    ours: str = m.status
    if m.retired_on is not None:
        ours += f", retires {m.retired_on}" if m.retired_on > today else f", retired {m.retired_on}"
    ours_retired = m.retired_on is not None and m.retired_on <= today
    if facts.retired_on is not None and facts.retired_on <= today and not ours_retired:
        return ours, f"retired on {facts.retired_on}"
    if facts.deprecated and m.status in USABLE:
        return ours, "deprecated"
    return None
