"""resolve()'s memo: a repeated call returns the same Resolution, and the environment always wins
(a changed key, parameter or base-URL variable is seen on the very next call)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import provider_registry._resolver as resolver_module
from provider_registry import (
    DeprecatedModelWarning,
    InvalidParameterError,
    Registry,
    Resolution,
    load_registry,
    resolve,
)

from .conftest import manifest_text

MODEL = "wandb/Llama-3.1-8B-Instruct"
KEY_A = "env-key-aaaaaaaaaaaaaaaaaaaa"
KEY_B = "env-key-bbbbbbbbbbbbbbbbbbbb"


@pytest.fixture
def reg() -> Registry:
    """A registry of the test's own, so its memo starts empty."""
    return load_registry(env=False)


def fresh(model: str, registry: Registry, **kwargs: Any) -> Resolution:
    """The same resolution computed without the memo."""
    args = {"provider": None, "api_base": None, "api_key": None, "strict": False}
    args |= {"trust_api_base": False} | {k: kwargs.pop(k) for k in list(kwargs) if k in args}
    res, _, _ = resolver_module._resolve(
        registry, model, args["provider"], args["api_base"], args["api_key"], args["strict"],
        args["trust_api_base"], kwargs, False, [],
    )  # fmt: skip
    return res


# (variable, value, the field it changes, what that field becomes)
ENV_CHANGES = [
    ("WANDB_API_KEY", KEY_A, "api_key", KEY_A),
    ("WANDB_PROJECT", "team/proj", "params", {"project": "team/proj"}),
    ("WANDB_API_BASE", "https://proxy.example/v1", "api_base", "https://proxy.example/v1"),
]


@pytest.mark.parametrize(("var", "value", "field", "expected"), ENV_CHANGES)
def test_a_changed_variable_wins_on_the_next_call(
    reg: Registry, monkeypatch: pytest.MonkeyPatch, var: str, value: str, field: str, expected: Any
) -> None:
    before = resolve(MODEL, registry=reg)
    assert resolve(MODEL, registry=reg) is before  # a hit while nothing changed
    monkeypatch.setenv(var, value)
    after = resolve(MODEL, registry=reg)
    got = getattr(after, field)
    assert (dict(got) if field == "params" else got) == expected
    monkeypatch.delenv(var)
    assert resolve(MODEL, registry=reg) == before


def test_a_changed_key_value_wins(reg: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY_A)
    assert resolve(MODEL, registry=reg).api_key == KEY_A
    monkeypatch.setenv("WANDB_API_KEY", KEY_B)
    assert resolve(MODEL, registry=reg).api_key == KEY_B


def test_a_replaced_environ_is_read(reg: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    resolve(MODEL, registry=reg)
    monkeypatch.setattr(os, "environ", {**os.environ, "WANDB_API_KEY": KEY_A})
    assert resolve(MODEL, registry=reg).api_key == KEY_A


def test_a_deprecated_model_warns_on_every_call(tmp_path: Any) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(manifest_text("acme", "  old-1: {status: deprecated}"))
    reg = load_registry([path], env=False)
    for _ in range(3):
        with pytest.warns(DeprecatedModelWarning, match="acme/old-1 is deprecated"):
            resolve("acme/old-1", registry=reg)


def test_the_memo_is_bounded(reg: Registry) -> None:
    for i in range(resolver_module._MEMO_MAX + 10):
        resolve(f"wandb/no-such-model-{i}", registry=reg)
    assert 0 < len(reg._memo) <= resolver_module._MEMO_MAX


def test_unhashable_and_bad_arguments_are_refused_as_before(reg: Registry) -> None:
    with pytest.raises(InvalidParameterError, match="must be text"):
        resolve(MODEL, registry=reg, project=["a", "b"])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="not a parameter"):
        resolve(MODEL, registry=reg, projcet="a/b")
    assert reg._memo == {}  # failures are not remembered


ARGS = st.fixed_dictionaries(
    {},
    optional={
        "api_key": st.sampled_from(["given-key-0000000000000000"]),
        "project": st.sampled_from(["a/b", "c/d"]),
        "api_base": st.sampled_from(
            ["https://api.inference.wandb.ai/v1", "https://elsewhere.test"]
        ),
    },
)
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("set"),
            st.sampled_from([v for v, *_ in ENV_CHANGES]),
            st.sampled_from(["x/y", "https://p.example/v1", KEY_A]),
        ),
        st.tuples(st.just("unset"), st.sampled_from([v for v, *_ in ENV_CHANGES]), st.none()),
        st.tuples(st.just("resolve"), st.sampled_from([MODEL, "Llama-3.1-8B-Instruct"]), ARGS),
    ),
    max_size=30,
)


@given(steps=STEPS)
def test_memoized_equals_fresh_whatever_the_environment_does(steps: list[tuple[Any, ...]]) -> None:
    reg = load_registry(env=False)
    saved = {v: os.environ.get(v) for v, *_ in ENV_CHANGES}
    try:
        for op, what, arg in steps:
            if op == "set":
                os.environ[what] = arg
            elif op == "unset":
                os.environ.pop(what, None)
            else:
                try:
                    expected: Any = fresh(what, reg, **arg)
                except Exception as exc:
                    expected = (type(exc), str(exc))
                try:
                    got: Any = resolve(what, registry=reg, **arg)
                except Exception as exc:
                    got = (type(exc), str(exc))
                assert got == expected
                if isinstance(got, Resolution):
                    assert dict(got.params) == dict(expected.params)
    finally:
        for v, value in saved.items():
            if value is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = value


# completion() and acompletion() resolve through resolve_split(), memoised in the same way.


def split(model: str, registry: Registry, memo: bool = True, **kwargs: Any) -> Any:
    """resolve_split() as the client calls it, memoised or (memo=False) the long way."""
    args = {"provider": None, "api_base": None, "api_key": None, "trust_api_base": False}
    args |= {k: kwargs.pop(k) for k in list(kwargs) if k in args}
    if not memo:
        res, others, warning = resolver_module._resolve(
            registry, model, args["provider"], args["api_base"], args["api_key"], False,
            args["trust_api_base"], kwargs, True, [],
        )  # fmt: skip
        if warning:
            warnings.warn(warning[1], warning[0], stacklevel=2)
        return res, others
    return resolver_module.resolve_split(
        model, registry=registry, strict=False, params=kwargs, others_allowed=True, **args
    )


def test_a_call_is_resolved_once(reg: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"temperature": 0.5, "tools": [{"type": "function"}]}  # unhashable, and no matter
    res, others = split(MODEL, reg, project="a/b", **body)
    assert others == body
    again, others = split(MODEL, reg, project="a/b", **body)
    assert again is res
    assert others == body
    assert split(MODEL, reg, project="c/d", **body)[0].params["project"] == "c/d"
    monkeypatch.setenv("WANDB_API_KEY", KEY_A)
    assert split(MODEL, reg, project="a/b")[0].api_key == KEY_A


def test_a_call_to_a_deprecated_model_warns_every_time(tmp_path: Any) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(manifest_text("acme", "  old-1: {status: deprecated}"))
    reg = load_registry([path], env=False)
    for _ in range(3):
        with pytest.warns(DeprecatedModelWarning, match="acme/old-1 is deprecated"):
            split("acme/old-1", reg)
    with pytest.raises(InvalidParameterError, match="must be text"):
        split(MODEL, reg, project=["a", "b"])
    assert reg._memo == {}


def test_completion_takes_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    from provider_registry import completion

    from .server import FakeProvider

    reg = load_registry(env=False)
    with FakeProvider() as server:
        monkeypatch.setenv("WANDB_API_BASE", f"{server.url}/v1")
        monkeypatch.setenv("WANDB_API_KEY", KEY_A)
        first = completion(MODEL, [], registry=reg, project="a/b", temperature=0.1)
        second = completion(MODEL, [], registry=reg, project="a/b", temperature=0.2)
        assert second.resolution is first.resolution
        monkeypatch.setenv("WANDB_API_KEY", KEY_B)
        completion(MODEL, [], registry=reg, project="a/b")
    keys = [r.headers["authorization"] for r in server.received]
    assert keys == [f"Bearer {KEY_A}", f"Bearer {KEY_A}", f"Bearer {KEY_B}"]
    assert [r.body.get("temperature") for r in server.received] == [0.1, 0.2, None]


CALL_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "api_key": st.sampled_from(["given-key-0000000000000000"]),
        "project": st.sampled_from(["a/b", "c/d", "nope"]),
        "api_base": st.sampled_from(["https://elsewhere.test", "https://api.openai.com/v1"]),
        "temperature": st.sampled_from([0.1, 0.2]),
        "tools": st.just([{"type": "function"}]),
        "http_referer": st.sampled_from(["https://me.example"]),  # OpenRouter's parameter
    },
)
CALL_STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("set"),
            st.sampled_from([v for v, *_ in ENV_CHANGES]),
            st.sampled_from(["x/y", "https://p.example/v1", KEY_A]),
        ),
        st.tuples(st.just("unset"), st.sampled_from([v for v, *_ in ENV_CHANGES]), st.none()),
        st.tuples(
            st.just("call"),
            st.sampled_from([MODEL, "Llama-3.1-8B-Instruct", "gpt-4o", "claude-sonnet-4-5"]),
            CALL_ARGS,
        ),
    ),
    max_size=30,
)


@given(steps=CALL_STEPS)
def test_a_memoised_call_equals_a_fresh_one(steps: list[tuple[Any, ...]]) -> None:
    reg = load_registry(env=False)
    saved = {v: os.environ.get(v) for v, *_ in ENV_CHANGES}
    try:
        for op, what, arg in steps:
            if op == "set":
                os.environ[what] = arg
            elif op == "unset":
                os.environ.pop(what, None)
            else:
                outcomes = []
                for memo in (False, True):
                    try:
                        res, others = split(what, reg, memo, **arg)
                        outcomes.append((res, dict(res.params), others))
                    except Exception as exc:
                        outcomes.append((type(exc), str(exc)))
                assert outcomes[0] == outcomes[1]
    finally:
        for v, value in saved.items():
            if value is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = value
