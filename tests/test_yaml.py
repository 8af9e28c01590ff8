"""The bounded YAML reader: values, positions, and what it refuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from provider_registry._yaml import MAX_DEPTH, MAX_NODES, Mark, YamlError, parse_yaml

# (YAML text, expected data)
VALUES: list[tuple[str, Any]] = [
    ("a: 0.22", {"a": Decimal("0.22")}),
    ("a: 1_000.5", {"a": Decimal("1000.5")}),
    ("a: 2.5e-1", {"a": Decimal("0.25")}),
    ("a: 1e-6", {"a": Decimal("0.000001")}),  # YAML 1.2 form, common for per-token figures
    ("a: 1e", {"a": "1e"}),
    ("a: 128000", {"a": 128000}),
    ("a: 2026-03-04", {"a": "2026-03-04"}),  # dates stay text; pydantic parses them
    ("a: true", {"a": True}),
    ("a: ~", {"a": None}),
    ("a: [x, 'y']", {"a": ["x", "y"]}),
    ("1.5: x", {"1.5": "x"}),  # keys are their text
    ("a: &x {b: 1}\nc: *x", {"a": {"b": 1}, "c": {"b": 1}}),
    ("\ufeffa: 1", {"a": 1}),  # a UTF-8 BOM is fine
]


@pytest.mark.parametrize(("text", "expected"), VALUES)
def test_values(text: str, expected: Any) -> None:
    assert parse_yaml(text).data == expected


def test_decimal_is_exact() -> None:
    value = parse_yaml("p: 0.1").data["p"]
    assert isinstance(value, Decimal)
    assert value * 3 == Decimal("0.3")


def test_positions_of_values_and_keys() -> None:
    doc = parse_yaml("a:\n  b: [1, 2]\n  c: {d: x}\n")
    assert doc.values[("a", "b", 1)] == Mark(2, 10)
    assert doc.keys[("a", "c")] == Mark(3, 3)
    assert doc.locate(("a", "c", "d")) == Mark(3, 10)
    # A path that does not exist (a missing key) falls back to the nearest parent.
    assert doc.locate(("a", "c", "missing")) == Mark(3, 6)


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


# (YAML text or bytes, text the error must hold, expected line or None)
REFUSED: list[tuple[str | bytes, str, int | None]] = [
    ("a: [1, 2\nb: 3\n", "YAML syntax error", 2),
    ("a: 1\nb: 2\na: 3\n", "duplicate key 'a' (first defined on line 1)", 3),
    ("a: !!python/object/apply:os.system [echo hi]\n", "tag", 1),
    ("a: !!binary aGVsbG8=\n", "tag", 1),
    ("a: !!set {x}\n", "tag", 1),
    ("a: !custom x\n", "tag", 1),
    ("a: .nan\n", "not a finite number", 1),
    ("a: -.inf\n", "not a finite number", 1),
    ("base: &b {x: 1}\nc:\n  <<: *b\n", "merge keys", 3),
    ("? [a, b]\n: 1\n", "plain text", 1),
    ("a: 1\n---\nb: 2\n", "single document", None),
    ("", "empty", 1),
    ("a: 1\n\0b: 2\n", "NUL", 2),
    ("a: &x [1, *x]\n", "refers to the value that contains it", 1),
    ("a: [" + "0, " * 250_000 + "0]\n", "holds more than", 1),
    (b"a: caf\xe9\n", "not valid UTF-8", 1),
    ("a: 1\n".encode("utf-16"), "UTF-16", 1),
    ("a:\n" + "".join("  " * i + "- \n" for i in range(1, MAX_DEPTH + 5)), "nesting", None),
    (_bomb(9), "expands to more than", None),
]


@pytest.mark.parametrize(("source", "text", "line"), REFUSED)
def test_refused(source: str | bytes, text: str, line: int | None) -> None:
    with pytest.raises(YamlError) as info:
        parse_yaml(source)
    assert text in info.value.message
    if line is not None:
        assert info.value.mark is not None
        assert info.value.mark.line == line


def test_bomb_below_the_limit_is_fine() -> None:
    # 10**4 expanded values: aliases themselves are legal, only their explosion is refused.
    assert len(parse_yaml(_bomb(4)).data) == 4
    assert MAX_NODES > 10**4


def test_nesting_just_inside_the_limit_is_fine() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    assert parse_yaml(text).data["a"] is not None
