"""The bounded YAML reader: values, positions, and what it refuses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import yaml

from provider_registry._yaml import MAX_DEPTH, MAX_NODES, Mark, YamlError, parse_yaml

# (YAML text, expected data)
VALUES: list[tuple[str, Any]] = [
    ("a: 0.22", {"a": Decimal("0.22")}),
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
    ("a: 1_000.5\n", "1_000.5 is 1000.5 in YAML 1.1 and text in YAML 1.2", 1),  # see test_yaml11
    ("a: 0x1F\n", "0x1F is hexadecimal for 31", 1),
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


# libyaml 0.2.6 (bundled from PyYAML 6.0.4) refuses flow nesting past its own limit (1,000 by
# default) while it scans ahead, before our bound sees the 33rd level. Every PyYAML we allow must
# give our message at the 33rd level, the place where the nesting went too deep.
DEEP: list[tuple[str, Mark]] = [
    ("[" * 10_000, Mark(1, 33)),
    ("{" * 10_000, Mark(1, 33)),
    ("a: " + "[" * 2_000, Mark(1, 35)),
    ("a: 1\nb: " + "[{" * 1_000, Mark(2, 35)),
    ("[\n" * 2_000, Mark(33, 1)),
]


@pytest.mark.parametrize(("text", "mark"), DEEP)
def test_deep_flow_nesting_gives_our_message_at_the_33rd_level(text: str, mark: Mark) -> None:
    with pytest.raises(YamlError) as info:
        parse_yaml(text)
    assert info.value.message == f"nesting is deeper than {MAX_DEPTH} levels"
    assert info.value.mark == mark


_LIBYAML = getattr(yaml, "_yaml", None)
_SETS_LIMIT = _LIBYAML is not None and getattr(_LIBYAML, "_get_max_nest_level", lambda: -1)() > 0


@pytest.fixture
def libyaml_limit() -> Iterator[Callable[[int], None]]:
    """Sets libyaml's own (process-wide) nesting limit, and puts it back afterwards."""
    if not _SETS_LIMIT:
        pytest.skip("this PyYAML's libyaml has no nesting limit (added in PyYAML 6.0.4)")
    default = _LIBYAML._get_max_nest_level()  # type: ignore[union-attr]
    yield _LIBYAML._set_max_nest_level  # type: ignore[union-attr]
    _LIBYAML._set_max_nest_level(default)  # type: ignore[union-attr]


def test_a_libyaml_refusal_within_our_bound_still_reads_the_file(
    libyaml_limit: Callable[[int], None],
) -> None:
    text = "a:\n  b: " + "[" * 10 + "x" + "]" * 10 + "\n  c: {d: 0.5}\n"
    expected = parse_yaml(text)
    libyaml_limit(5)
    assert parse_yaml(text) == expected
    with pytest.raises(YamlError, match=f"nesting is deeper than {MAX_DEPTH} levels") as info:
        parse_yaml("[" * 10_000)
    assert info.value.mark == Mark(1, 33)


def test_other_libyaml_errors_keep_their_own_message(
    libyaml_limit: Callable[[int], None],
) -> None:
    libyaml_limit(5)
    with pytest.raises(YamlError, match="YAML syntax error") as info:
        parse_yaml("a: [1, 2\nb: 3\n")
    assert info.value.mark is not None
    assert info.value.mark.line == 2
