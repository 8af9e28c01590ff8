"""Catalog rules: what makes a valid manifest's figures implausible, or its data old.

``registry validate`` runs them after the schema and the manifest rules. ``load_registry()`` does
not: they depend on today's date and on judgement, and a manifest that loaded yesterday must not
stop a service today. Each finding is an error or a warning, with the path it is about and a fix.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from ._urls import LOOPBACK_HOSTS

if TYPE_CHECKING:
    from ._manifest import Model, Price, Provider, Rates

__all__ = ["DEFAULT_MAX_AGE", "Finding", "catalog_findings", "parse_age"]

DEFAULT_MAX_AGE = datetime.timedelta(days=180)
"""Data older than this (by its source's ``as_of``) draws a warning."""

_RATES = ("input", "output", "cache_read", "cache_write")


class Finding(NamedTuple):
    path: tuple[str | int, ...]
    message: str
    hint: str | None
    severity: str  # "error" | "warning"


def parse_age(text: str) -> datetime.timedelta:
    """``90d``, ``12w`` or ``90`` (days) as a timedelta; ValueError otherwise."""
    found = re.fullmatch(r"\s*(\d{1,5})\s*([dw]?)\s*", text)
    if found is None:
        raise ValueError(f"{text!r} is not an age; write days or weeks, e.g. 90d or 12w")
    days = int(found[1]) * (7 if found[2] == "w" else 1)
    return datetime.timedelta(days=days)


PLACEHOLDER = "PLACEHOLDER"  # the marker `registry new` puts on every made-up value


def _placeholders(path: tuple[str | int, ...], data: Any) -> Iterator[Finding]:
    # A scaffold is valid YAML on purpose (editors check it as it is filled in), so its marker
    # is what keeps one with made-up values from passing for a finished manifest.
    if isinstance(data, str) and PLACEHOLDER in data:
        yield Finding(
            path,
            f"still holds a {PLACEHOLDER} value from `registry new`",
            f"replace every value the file marks {PLACEHOLDER} with the provider's own: base_url,"
            " endpoints, auth.env, sources and models",
            "error",
        )
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _placeholders((*path, key), value)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _placeholders((*path, i), value)


def catalog_findings(
    p: Provider, *, today: datetime.date, max_age: datetime.timedelta | None = DEFAULT_MAX_AGE
) -> list[Finding]:
    """Every catalog rule's findings for one provider (see the module docstring)."""
    found: list[Finding] = list(_placeholders((), p.model_dump(mode="json", by_alias=True)))
    local = _is_local(p.api.base_url)
    for model_id, m in p.models.items():
        base = ("models", model_id)
        if not local and not m.free and not p.free:
            found += _zeros(base, m)
        for path, rates in _price_lines(base, m):
            found += _cache_order(path, rates)
        found += _lifecycle(base, m, today)
    found += _same_identity(p)
    if max_age is not None:
        # A source that only retired models take figures from is a record of the past: its age
        # is no reason to look again.
        users: dict[str, list[Model]] = {}
        for m in p.models.values():
            src = p.source_of(m)
            if src is not None:
                users.setdefault(src.id, []).append(m)
        for i, src in enumerate(p.sources):
            age = today - src.as_of
            past_only = bool(users.get(src.id)) and all(
                m.status == "retired" for m in users[src.id]
            )
            if age > max_age and not past_only:
                found.append(
                    Finding(
                        ("sources", i, "as_of"),
                        f"the data of {src.id!r} is {age.days} days old ({src.as_of})",
                        "compare it with a newer source (registry audit, registry sync) and "
                        "update as_of",
                        "warning",
                    )
                )
    return found


def _same_identity(p: Provider) -> list[Finding]:
    """Two entries of one provider that are one model served the same way: a duplicate that
    ``registry offers`` would list twice, unless a reason says why both are kept."""
    from ._identity import propose

    # Per identity and attributes, the entries that give no reason: one is the model itself,
    # a second one is the duplicate.
    plain: dict[tuple[str, str | None, str | None], str] = {}
    found: list[Finding] = []
    for model_id, m in p.models.items():
        ident = m.identity
        if ident is not None and (ident.unique is not None or ident.reason is not None):
            continue
        proposed = propose(model_id)
        key = propose(ident.model).key if ident is not None and ident.model else proposed.key
        quant = (ident.quantization if ident else None) or proposed.quantization
        variant = (ident.variant if ident else None) or proposed.variant
        first = plain.setdefault((key, quant, variant), model_id)
        if first != model_id:
            attrs = "".join(f", {a}" for a in (quant, variant) if a)
            found.append(
                Finding(
                    ("models", model_id),
                    f"is the same model as {first!r} (identity {key!r}{attrs}) without a reason",
                    "if both are one model served two ways, record how under identity "
                    "(quantization, variant) or say why under identity.reason; if they are "
                    "different models, name this one under identity.model or set identity.unique",
                    "warning",
                )
            )
    return found


def _is_local(base_url: str) -> bool:
    try:
        return urlsplit(base_url).hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


def _price_lines(
    base: tuple[str | int, ...], m: Model
) -> Iterator[tuple[tuple[str | int, ...], Rates]]:
    if m.price is not None:
        yield (*base, "price"), m.price
        for i, tier in enumerate(m.price.tiers):
            yield (*base, "price", "tiers", i), tier


def _zeros(base: tuple[str | int, ...], m: Model) -> list[Finding]:
    return [
        Finding(
            (*path, field),
            "a price of 0 on a hosted provider",
            "leave the price out where none is published (its cost is then unknown), or give "
            "the reason it is free: `free: <reason>` on the model or the provider",
            "error",
        )
        for path, rates in _price_lines(base, m)
        for field in _RATES
        if getattr(rates, field) == 0
    ]


def _cache_order(path: tuple[str | int, ...], rates: Rates | Price) -> list[Finding]:
    found: list[Finding] = []
    read, write, inp = rates.cache_read, rates.cache_write, rates.input
    if read is not None and inp is not None and read > inp:
        found.append(
            Finding(
                (*path, "cache_read"),
                f"the cache-read price {read} is above the input price {inp}",
                "a cached token never costs more than a fresh one; check both figures' units",
                "error",
            )
        )
    if read is not None and write is not None and write < read:
        found.append(
            Finding(
                (*path, "cache_write"),
                f"the cache-write price {write} is below the cache-read price {read}",
                "writing to a cache costs at least as much as reading from it; check the source",
                "warning",
            )
        )
    return found


def _lifecycle(base: tuple[str | int, ...], m: Model, today: datetime.date) -> list[Finding]:
    if m.status not in ("ga", "experimental", "unverified"):
        return []
    for field, date, should in (
        ("retired_on", m.retired_on, "retired"),
        ("deprecated_on", m.deprecated_on, "deprecated"),
    ):
        if date is not None and date <= today:
            return [
                Finding(
                    (*base, "status"),
                    f"status {m.status} but {field} {date} has passed",
                    f"set status: {should}, with its replacement where one is known",
                    "error",
                )
            ]
    return []
