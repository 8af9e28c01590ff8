"""Properties: resolve() only ever raises RegistryError; manifests survive load -> dump -> load;
every model in a table resolves back to itself.

Seeded and bounded by the "ci" profile in conftest.py; HYPOTHESIS_PROFILE=deep runs many more.
"""

from __future__ import annotations

import datetime
import inspect
import string
from decimal import Decimal
from typing import Any, get_args

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from provider_registry import (
    DeprecatedModelWarning,
    Registry,
    RegistryError,
    RetiredModelError,
    dump_manifest,
    load_manifest,
    resolve,
)
from provider_registry._manifest import Capability, Mode
from tests.conftest import set_places

RESOLVE_ARGS = set(inspect.signature(resolve).parameters)

urls = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}://{}{}".format,
        st.sampled_from(["https", "http", "ftp", "HTTPS", ""]),
        st.sampled_from(
            ["api.inference.wandb.ai", "API.OPENAI.COM", "127.0.0.1:8000", "x@y", "[::1]", ""]
        ),
        st.text(alphabet="/v1.%@:?#", max_size=12),
    ),
)
model_strings = st.one_of(
    st.text(max_size=60),
    st.builds(
        "{}/{}".format,
        st.sampled_from(["wandb", "openai", "meta-llama", "", "x"]),
        st.text(max_size=30),
    ),
    st.sampled_from(["gpt-5.2", "Llama-3.1-8B-Instruct", "wandb/", "/", "//", "gpt-"]),
)


@given(
    model=model_strings,
    provider=st.none() | st.text(max_size=12) | st.sampled_from(["wandb", "openai"]),
    api_base=st.none() | urls,
    api_key=st.none() | st.text(max_size=20),
    params=st.dictionaries(
        st.text(max_size=10).filter(lambda k: k not in RESOLVE_ARGS),
        st.text(max_size=20),
        max_size=2,
    ),
)
def test_resolve_returns_or_raises_registry_error(
    builtin: Registry,
    model: str,
    provider: str | None,
    api_base: str | None,
    api_key: str | None,
    params: dict[str, str],
) -> None:
    try:
        res = resolve(
            model, provider=provider, api_base=api_base, api_key=api_key, registry=builtin,
            **params,
        )  # fmt: skip
    except RegistryError:
        return
    assert res.provider_id in builtin
    assert res.model


SLUG_CHARS = string.ascii_lowercase + string.digits + "-_"
slugs = st.builds(
    "{}{}".format,
    st.sampled_from(string.ascii_lowercase + string.digits),
    st.text(alphabet=SLUG_CHARS, max_size=15),
)
model_ids = st.text(
    alphabet=st.characters(
        min_codepoint=0x21, max_codepoint=0x2FF, exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cf")
    ),
    min_size=1,
    max_size=30,
)
usd = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False)
RATES = ("input", "output", "cache_read", "cache_write")
rates = st.fixed_dictionaries({}, optional=dict.fromkeys(RATES, usd))
tiers = st.lists(
    st.builds(lambda n, r: {"above_input_tokens": n, **r}, st.integers(1, 10**7), rates),
    max_size=2,
    unique_by=lambda t: t["above_input_tokens"],
)
prices = st.builds(lambda r, t: {**r, "tiers": t} if t else r, rates, tiers)


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "aliases": st.lists(model_ids, max_size=2, unique=True),
                "mode": st.sampled_from(get_args(Mode)),
                "price": prices,
                "supports": st.lists(st.sampled_from(get_args(Capability)), unique=True),
                "status": st.sampled_from(["experimental", "ga"]),
                "deprecated_on": st.dates().map(str),
            },
        )
    )
    if draw(st.booleans()):
        context = draw(st.integers(1, 10_000_000))
        data["context_window"] = context
        if draw(st.booleans()):
            data["max_output_tokens"] = draw(st.integers(1, context))
    return data


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    pid = draw(slugs)
    table = draw(st.dictionaries(model_ids, models(), max_size=6))
    names = [*table, *(a for m in table.values() for a in m.get("aliases", []))]
    assume(len(names) == len(set(names)))
    host = pid.replace("_", "-") + ".example"
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": pid,
        "name": draw(
            st.text(
                alphabet=st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=20
            )
        ),
        "api": {
            "dialect": draw(st.sampled_from(["openai", "anthropic"])),
            "base_url": f"https://{host}/v1",
            "endpoints": [f"{host}/v1"],
        },
        "auth": {"env": ["KEY_" + pid.upper().replace("-", "_")]},
        "models": table,
    }
    if draw(st.booleans()):
        data["auth"] = {"required": False}
    if draw(st.booleans()):
        data["params"] = {
            "region": {"send_as": {"query": "region"}, "pattern": "^[a-z]+$", "default": "eu"}
        }
    return data


@given(manifests())
def test_load_dump_load_is_stable(data: dict[str, Any]) -> None:
    first = load_manifest(data)
    text = dump_manifest(first)
    second = load_manifest(text)
    assert second == first
    assert dump_manifest(second) == text
    for model in second.models.values():
        for rates in [model.price, *(model.price.tiers if model.price else [])]:
            values = [getattr(rates, k) for k in RATES] if rates else []
            assert all(isinstance(v, Decimal) for v in values if v is not None)


@given(manifests())
def test_every_listed_model_resolves_to_itself(data: dict[str, Any]) -> None:
    provider = load_manifest(data)
    reg = Registry({provider.id: provider}, {})
    for model_id, model in provider.models.items():
        for name in (model_id, *model.aliases):
            res = resolve(f"{provider.id}/{name}", registry=reg, strict=True)
            assert (res.provider_id, res.model, res.model_info) == (provider.id, model_id, model)


def _builtin_names() -> list[tuple[str, str, str]]:
    from provider_registry import load_registry

    reg = load_registry(env=False)
    return [
        (pid, name, model_id)
        for pid, p in reg.providers.items()
        for model_id, m in p.models.items()
        for name in (model_id, *m.aliases)
    ]


@pytest.mark.parametrize(("pid", "name", "model_id"), _builtin_names())
def test_every_builtin_model_resolves_to_itself(
    builtin: Registry, pid: str, name: str, model_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_places(builtin.provider(pid), monkeypatch)  # an account, host or region in the URL
    info = builtin.provider(pid).models[model_id]
    # A model is retired by its status, or from the day its retired_on date comes: a deprecated
    # one whose day has come is retired (gemini-omni-1.1-flash was, on 2026-12-03).
    due = info.retired_on is not None and info.retired_on <= datetime.date.today()
    if info.status == "retired" or due:
        with pytest.raises(RetiredModelError):
            resolve(f"{pid}/{name}", registry=builtin)
        return
    if info.status == "deprecated":
        with pytest.warns(DeprecatedModelWarning):
            res = resolve(f"{pid}/{name}", registry=builtin, strict=True)
    else:
        res = resolve(f"{pid}/{name}", registry=builtin, strict=True)
    assert (res.provider_id, res.model) == (pid, model_id)
