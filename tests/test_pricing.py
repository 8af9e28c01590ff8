"""cost(): exact Decimal USD from per-1M prices; None when unknown, never a guess."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from provider_registry import InvalidParameterError, Model, Price, Registry, resolve
from provider_registry._pricing import PriceBook, cost, cost_of_usage


def book(model: Model | None) -> PriceBook | None:
    """A model's prices as the registry converts them for cost()."""
    return None if model is None else PriceBook.of(model.model_dump(exclude_defaults=True))


FULL = Model(price=Price(input=Decimal(3), output=Decimal(15), cache_read=Decimal("0.3"),
                         cache_write=Decimal("3.75")))  # fmt: skip
NO_CACHE = Model(price=Price(input=Decimal(2), output=Decimal(8)))
INPUT_ONLY = Model(mode="embedding", price=Price(input=Decimal("0.02")))

# (model, token counts, expected USD)
CASES: list[tuple[Model | None, dict[str, int], Decimal | None]] = [
    (FULL, {"input_tokens": 1_000_000, "output_tokens": 1_000_000}, Decimal(18)),
    (FULL, {"input_tokens": 1000, "output_tokens": 100}, Decimal("0.0045")),
    # 600 fresh at 3, 300 cached at 0.3, 100 written at 3.75, 50 out at 15
    (
        FULL,
        {
            "input_tokens": 1000,
            "cached_tokens": 300,
            "cache_write_tokens": 100,
            "output_tokens": 50,
        },
        Decimal("0.003015"),
    ),
    # no cache prices: cached tokens cost the input price
    (NO_CACHE, {"input_tokens": 1000, "cached_tokens": 400}, Decimal("0.002")),
    (INPUT_ONLY, {"input_tokens": 500}, Decimal("0.00001")),
    (INPUT_ONLY, {"input_tokens": 500, "output_tokens": 1}, None),  # output price unknown
    (Model(), {"input_tokens": 10}, None),  # no price at all: unknown, not free
    (None, {"input_tokens": 10}, None),
    (Model(price=Price(input=Decimal(0), output=Decimal(0))), {"input_tokens": 9}, Decimal(0)),
]


@pytest.mark.parametrize(("model", "counts", "expected"), CASES)
def test_cost(model: Model | None, counts: dict[str, int], expected: Decimal | None) -> None:
    assert cost(book(model), **counts) == expected


@pytest.mark.parametrize(
    "counts",
    [{"input_tokens": -1}, {"input_tokens": 1.5}, {"input_tokens": True},
     {"input_tokens": 10, "cached_tokens": 8, "cache_write_tokens": 3}],
)  # fmt: skip
def test_bad_counts(counts: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterError):
        cost(book(FULL), **counts)


def test_usage_shapes() -> None:
    details = {"cached_tokens": 300, "cache_write_tokens": 100}
    usage = {"prompt_tokens": 1000, "completion_tokens": 50, "prompt_tokens_details": details}
    assert cost_of_usage(book(FULL), usage) == Decimal("0.003015")
    assert cost_of_usage(book(FULL), None) is None
    assert cost_of_usage(book(FULL), {"prompt_tokens": 10}) == Decimal("0.00003")


def test_resolution_cost_uses_the_manifest(builtin: Registry) -> None:
    res = resolve("gpt-5.2", registry=builtin)
    assert res.cost(input_tokens=1_000_000, output_tokens=1_000_000) == Decimal("15.75")
    assert res.cost(input_tokens=1000, cached_tokens=1000) == Decimal("0.000175")
    seed = resolve("wandb/Mistral-7B-Instruct-v0.1", registry=builtin)
    assert seed.cost(input_tokens=100, output_tokens=100) is None
