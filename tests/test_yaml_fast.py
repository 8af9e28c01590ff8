"""The event-speed path of the YAML reader gives exactly what the composing path gives, for every
file it accepts, and leaves to the composing path every file that path refuses."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import provider_registry._yaml as yaml_module
from provider_registry._yaml import Document, YamlError, parse_yaml

from .conftest import MANIFESTS, ROOT


def composed(text: str, monkeypatch: pytest.MonkeyPatch) -> Document | YamlError:
    """What the composing path alone makes of ``text``: a Document or its refusal."""
    with monkeypatch.context() as mp:
        mp.setattr(yaml_module, "_plain_document", lambda source: None)
        try:
            return parse_yaml(text)
        except YamlError as exc:
            return exc


def same(a: Document, b: Document) -> bool:
    """Equal data with equal types (1 and Decimal(1) differ), positions and key positions."""
    return repr(a.data) == repr(b.data) and a.values == b.values and a.keys == b.keys


def text_of(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace").replace("\0", "")


BUILTIN = sorted((ROOT / "providers").glob("*.yaml"))
CORPUS = sorted(MANIFESTS.rglob("*.yaml"))


@pytest.mark.parametrize("path", BUILTIN, ids=[p.name for p in BUILTIN])
def test_every_builtin_manifest_takes_the_fast_path(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    fast = yaml_module._plain_document(text)
    assert fast is not None
    slow = composed(text, monkeypatch)
    assert isinstance(slow, Document)
    assert same(fast, slow)


@pytest.mark.parametrize("path", CORPUS, ids=[str(p.relative_to(MANIFESTS)) for p in CORPUS])
def test_the_fast_path_never_accepts_what_composing_refuses(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = text_of(path)
    fast = yaml_module._plain_document(text)
    slow = composed(text, monkeypatch)
    if isinstance(slow, YamlError):
        assert fast is None, slow.message
    elif fast is not None:
        assert same(fast, slow)


# Texts the fast path must leave to the composing path (each refused or specially read there).
LEFT_ALONE = [
    "a: &x 1\nb: *x",  # anchors and aliases
    "a: !!str 1",  # an explicit tag
    "a: 1\na: 2",  # a duplicate key
    "<<: {a: 1}",  # a merge key
    "? [a]\n: 1",  # a key that is not text
    "a: .inf",  # not a finite number
    "a: 1\n---\nb: 2",  # two documents
    "",  # nothing
    "a: [" * 40 + "]" * 40,  # deeper than the limit
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_unusual_files_are_left_to_the_composing_path(text: str) -> None:
    assert yaml_module._plain_document(text) is None


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(lambda d: float(d)),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["yes", "off", "0x1F", "0o17", "1:30", "2026-01-02", "1e-6", "~", "-.5"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
                        inner, max_size=4),
    ),
    max_leaves=30,
)  # fmt: skip


@given(data=DATA, flow=st.sampled_from([None, True, False]))
def test_any_document_reads_the_same_both_ways(data: Any, flow: bool | None) -> None:
    text = yaml.safe_dump({"root": data}, default_flow_style=flow, allow_unicode=True)
    fast = yaml_module._plain_document(text)
    with pytest.MonkeyPatch.context() as mp:
        slow = composed(text, mp)
    if isinstance(slow, YamlError):
        assert fast is None
    else:
        assert fast is not None  # plain safe_dump output has nothing unusual
        assert same(fast, slow)


def test_numbers_are_decimal_on_the_fast_path() -> None:
    fast = yaml_module._plain_document("a: 0.1\nb: 3")
    assert fast is not None
    assert repr(fast.data) == repr({"a": Decimal("0.1"), "b": 3})
