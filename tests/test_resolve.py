"""resolve(): detection, aliases, bases, keys and parameters, as tables of input -> expected."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from provider_registry import (
    AmbiguousModelError,
    DeprecatedModelWarning,
    InvalidParameterError,
    MissingParameterError,
    Registry,
    RegistryError,
    RetiredModelError,
    UnknownModelError,
    UnknownProviderError,
    default_registry,
    load_registry,
    resolve,
)

from .conftest import manifest_text

WANDB = "https://api.inference.wandb.ai/v1"
OPENAI = "https://api.openai.com/v1"
KEY = "wandb-test-key-0123456789abcdef"
LLAMA8 = "meta-llama/Llama-3.1-8B-Instruct"

# (test id, model, resolve kwargs, environment, expected attributes of the Resolution)
CASES: list[tuple[str, str, dict[str, Any], dict[str, str], dict[str, Any]]] = [
    (
        "prefix+alias",
        "wandb/Llama-3.1-8B-Instruct",
        {},
        {"WANDB_API_KEY": KEY},
        {"provider_id": "wandb", "model": LLAMA8, "api_base": WANDB, "api_key": KEY},
    ),
    (
        "prefix+full id",
        f"wandb/{LLAMA8}",
        {},
        {},
        {"provider_id": "wandb", "model": LLAMA8, "api_key": None, "key_source": None},
    ),
    (
        "seed 70B alias, retired: metadata only",
        "wandb/Llama-3.1-70B-Instruct",
        {"include_retired": True},
        {},
        {"provider_id": "wandb", "model": "meta-llama/Llama-3.1-70B-Instruct", "retired": True},
    ),
    (
        "seed Mistral, no price",
        "wandb/Mistral-7B-Instruct-v0.1",
        {},
        {},
        {"provider_id": "wandb", "model": "Mistral-7B-Instruct-v0.1"},
    ),
    (
        "env base override",
        "wandb/Llama-3.1-8B-Instruct",
        {},
        {"WANDB_API_KEY": KEY, "WANDB_API_BASE": "http://127.0.0.1:8999/v1/"},
        {"api_base": "http://127.0.0.1:8999/v1", "api_key": KEY, "key_source": "WANDB_API_KEY"},
    ),
    (
        "api_base= overrides env base",
        "wandb/Llama-3.1-8B-Instruct",
        {"api_base": "https://api.inference.wandb.ai/v1/"},
        {"WANDB_API_BASE": "http://127.0.0.1:8999/v1", "WANDB_API_KEY": KEY},
        {"api_base": WANDB, "api_key": KEY},
    ),
    (
        "api_key= overrides env",
        "wandb/Llama-3.1-8B-Instruct",
        {"api_key": "explicit-key-000000000001"},
        {"WANDB_API_KEY": KEY},
        {"api_key": "explicit-key-000000000001", "key_source": "api_key="},
    ),
    (
        "alias by api_base",
        "Llama-3.1-8B-Instruct",
        {"api_base": WANDB},
        {},
        {"provider_id": "wandb", "model": LLAMA8},
    ),
    (
        "full id by api_base",
        LLAMA8,
        {"api_base": WANDB},
        {},
        {"provider_id": "wandb", "model": LLAMA8},
    ),
    (
        "api_base host is case-insensitive, trailing slash ignored",
        LLAMA8,
        {"api_base": "https://API.Inference.WANDB.ai/v1/"},
        {"WANDB_API_KEY": KEY},
        {"provider_id": "wandb", "api_key": KEY},
    ),
    (
        "bare id listed by one provider",
        LLAMA8,
        {},
        {},
        {"provider_id": "wandb", "model": LLAMA8},
    ),
    (
        "bare id owned by openai",
        "gpt-5.2",
        {},
        {"OPENAI_API_KEY": "sk-openai-test-0000000000000"},
        {"provider_id": "openai", "model": "gpt-5.2", "api_base": OPENAI},
    ),
    (
        "owner rule for a model the table lacks",
        "gpt-5.9-preview",
        {},
        {},
        {"provider_id": "openai", "model": "gpt-5.9-preview", "model_info": None},
    ),
    (
        "prefix with a model the table lacks",
        "wandb/brand-new/Model-1",
        {},
        {},
        {"provider_id": "wandb", "model": "brand-new/Model-1", "model_info": None},
    ),
    (
        "prefix that is itself a provider, api_base elsewhere lists the whole id",
        "openai/gpt-oss-120b",
        {"api_base": WANDB},
        {},
        {"provider_id": "wandb", "model": "openai/gpt-oss-120b"},
    ),
    (
        "prefix that is itself a provider, no api_base",
        "openai/gpt-oss-120b",
        {},
        {},
        {"provider_id": "openai", "model": "gpt-oss-120b", "model_info": None},
    ),
    (
        "provider= given",
        "Llama-3.1-8B-Instruct",
        {"provider": "wandb"},
        {},
        {"provider_id": "wandb", "model": LLAMA8},
    ),
    (
        "provider= given, its own prefix stripped",
        "wandb/Llama-3.1-8B-Instruct",
        {"provider": "wandb"},
        {},
        {"provider_id": "wandb", "model": LLAMA8},
    ),
    (
        "param from env",
        "wandb/Llama-3.1-8B-Instruct",
        {},
        {"WANDB_PROJECT": "team/from-env"},
        {"params": {"project": "team/from-env"}},
    ),
    (
        "explicit param beats env",
        "wandb/Llama-3.1-8B-Instruct",
        {"project": "team/explicit"},
        {"WANDB_PROJECT": "team/from-env"},
        {"params": {"project": "team/explicit"}},
    ),
    (
        "missing required param does not fail resolve",
        "wandb/Llama-3.1-8B-Instruct",
        {},
        {},
        {"params": {}},
    ),
]

# Forged or untrusted bases: the environment key must not travel there (SSRF / key theft).
# Forged bases must not even be taken for W&B's endpoint.
FORGED_BASES = [
    "https://attacker.example/api.inference.wandb.ai/v1",
    "https://api.inference.wandb.ai.attacker.example/v1",
    "https://api.inference.wandb.ai@attacker.example/v1",
    "https://api.inference.wandb.ai/v1/../../evil",
    "https://api.inference.wandb.ai/v10",
]
UNTRUSTED_BASES = [
    "https://proxy.example/v1",
    "http://api.inference.wandb.ai/v1",  # W&B's host, but plain http
    *FORGED_BASES,
]


@pytest.mark.parametrize(("model", "kwargs", "env", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_resolve_table(
    builtin: Registry,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    kwargs: dict[str, Any],
    env: dict[str, str],
    expected: dict[str, Any],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    res = resolve(model, registry=builtin, **kwargs)
    got = {name: getattr(res, name) for name in expected}
    if "params" in got:
        got["params"] = dict(got["params"])
    assert got == expected


def test_model_info_carries_the_table_entry(builtin: Registry) -> None:
    info = resolve("wandb/Llama-3.1-8B-Instruct", registry=builtin).model_info
    assert info is not None
    assert (info.context_window, str(info.price.input), str(info.price.output)) == (  # type: ignore[union-attr]
        131072,
        "0.22",
        "0.22",
    )
    mistral = resolve("wandb/Mistral-7B-Instruct-v0.1", registry=builtin).model_info
    assert mistral is not None
    assert (mistral.mode, mistral.context_window, mistral.price) == ("chat", 8192, None)
    assert {"tools", "system_messages"} <= set(mistral.supports)


@pytest.mark.parametrize("base", UNTRUSTED_BASES)
def test_env_key_withheld_from_untrusted_base(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    res = resolve("wandb/Llama-3.1-8B-Instruct", api_base=base, registry=builtin)
    assert res.api_key is None
    assert res.key_source is not None
    assert "withheld" in res.key_source


@pytest.mark.parametrize("base", FORGED_BASES)
def test_forged_base_selects_no_provider(builtin: Registry, base: str) -> None:
    assert builtin.providers_for_base(base) == ()
    assert builtin.providers_for_base(WANDB) == ("wandb",)


@pytest.mark.parametrize("base", UNTRUSTED_BASES[:2])
def test_env_key_given_to_untrusted_base_on_opt_in(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    res = resolve("wandb/x", api_base=base, trust_api_base=True, registry=builtin)
    assert (res.api_key, res.api_base) == (KEY, base.rstrip("/"))


# (test id, model, kwargs, expected error type, text the error must contain)
ERRORS: list[tuple[str, str, dict[str, Any], type[RegistryError], str]] = [
    ("unknown prefix", "nonexistent/x", {}, UnknownProviderError, "'nonexistent'"),
    ("typo with suggestion", "gtp-4o", {}, UnknownModelError, "did you mean 'gpt-4o'"),
    ("unknown provider=", "x", {"provider": "wandbb"}, UnknownProviderError, "'wandb'"),
    ("empty", "", {}, UnknownModelError, "empty"),
    ("prefix only", "wandb/", {}, UnknownModelError, "nothing follows"),
    (
        "retired names replacement",
        "wandb/meta-llama/Llama-4-Scout-17B-16E-Instruct",
        {},
        RetiredModelError,
        "use wandb/Qwen/Qwen3.5-35B-A3B instead",
    ),
    ("retired without replacement", "wandb/zai-org/GLM-4.5", {}, RetiredModelError, "2026-03-04"),
    ("strict", "wandb/no-such-model", {"strict": True}, UnknownModelError, "'no-such-model'"),
    (
        "unknown param with suggestion",
        "wandb/Llama-3.1-8B-Instruct",
        {"projcet": "a/b"},
        InvalidParameterError,
        "did you mean 'project'",
    ),
    (
        "param fails pattern",
        "wandb/Llama-3.1-8B-Instruct",
        {"project": "no-slash"},
        InvalidParameterError,
        "does not match",
    ),
    (
        "header injection",
        "wandb/Llama-3.1-8B-Instruct",
        {"project": "team/p\r\nX-Evil: 1"},
        InvalidParameterError,
        "line breaks",
    ),
    (
        "param on a provider without params",
        "wandb/Llama-3.1-8B-Instruct",
        {"project": "a/b", "region": "eu"},
        InvalidParameterError,
        "'region'",
    ),
]


@pytest.mark.parametrize(("model", "kwargs", "error", "text"), [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])  # fmt: skip
def test_resolve_errors(
    builtin: Registry,
    model: str,
    kwargs: dict[str, Any],
    error: type[RegistryError],
    text: str,
) -> None:
    with pytest.raises(error) as info:
        resolve(model, registry=builtin, **kwargs)
    assert text in str(info.value)


def test_unknown_model_suggests_close_matches(builtin: Registry) -> None:
    with pytest.raises(UnknownModelError) as info:
        resolve("Llama-3.1-8B-Instruc", registry=builtin)
    assert "Llama-3.1-8B-Instruct" in info.value.suggestions


def test_ambiguous_bare_model_lists_candidates(dropin: Path) -> None:
    (dropin / "alpha.yaml").write_text(manifest_text("alpha", "  shared/Model-7B: {}"))
    (dropin / "beta.yaml").write_text(manifest_text("beta", "  shared/Model-7B: {}"))
    reg = load_registry([dropin], builtin=False, env=False)
    with pytest.raises(AmbiguousModelError) as info:
        resolve("shared/Model-7B", registry=reg)
    assert set(info.value.candidates) == {"alpha/shared/Model-7B", "beta/shared/Model-7B"}
    # Each way of disambiguating works.
    assert resolve("beta/shared/Model-7B", registry=reg).provider_id == "beta"
    assert resolve("shared/Model-7B", provider="alpha", registry=reg).provider_id == "alpha"
    base = "https://beta.example/v1"
    assert resolve("shared/Model-7B", api_base=base, registry=reg).provider_id == "beta"


def test_owner_rule_beats_other_listings(dropin: Path) -> None:
    (dropin / "maker.yaml").write_text(manifest_text("maker", "  mk-1: {}", extra="owns: [mk-*]\n"))
    (dropin / "resell.yaml").write_text(manifest_text("resell", "  mk-1: {}"))
    reg = load_registry([dropin], builtin=False, env=False)
    assert resolve("mk-1", registry=reg).provider_id == "maker"
    assert resolve("mk-2", registry=reg).provider_id == "maker"


def test_provider_aliases_select_the_provider(dropin: Path) -> None:
    text = manifest_text("together", "  m1: {}", extra="aliases: [together_ai]\n")
    (dropin / "together.yaml").write_text(text)
    reg = load_registry([dropin], builtin=False, env=False)
    assert resolve("together_ai/m1", registry=reg).provider_id == "together"
    assert resolve("m1", provider="together_ai", registry=reg).provider_id == "together"


def test_longest_endpoint_wins(dropin: Path) -> None:
    short = manifest_text("short", "  m1: {}").replace("short.example/v1", "shared.example")
    long = manifest_text("long", "  m1: {}").replace("long.example/v1", "shared.example/deep/v1")
    (dropin / "short.yaml").write_text(short)
    (dropin / "long.yaml").write_text(long)
    reg = load_registry([dropin], builtin=False, env=False)
    assert reg.providers_for_base("https://shared.example/deep/v1/") == ("long",)
    assert reg.providers_for_base("https://shared.example/deeper/v1") == ("short",)
    assert reg.providers_for_base("https://shared.example") == ("short",)


def test_base_url_variable(dropin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = manifest_text("acme", base_url="https://${ACME_RESOURCE}.acme.example/v1")
    text = text.replace("  endpoints:", "  base_url_vars: [ACME_RESOURCE]\n  endpoints:")
    (dropin / "acme.yaml").write_text(text)
    reg = load_registry([dropin], builtin=False, env=False)
    with pytest.raises(MissingParameterError) as info:
        resolve("acme/m1", registry=reg)
    assert "ACME_RESOURCE" in str(info.value)
    monkeypatch.setenv("ACME_RESOURCE", "my-res")
    assert resolve("acme/m1", registry=reg).api_base == "https://my-res.acme.example/v1"


def test_deprecated_model_warns(dropin: Path) -> None:
    day = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()  # not come yet
    models = f"  old-1: {{status: deprecated, retired_on: {day}, replacement: new-1}}\n"
    models += "  new-1: {}"
    (dropin / "acme.yaml").write_text(manifest_text("acme", models))
    reg = load_registry([dropin], builtin=False, env=False)
    with pytest.warns(DeprecatedModelWarning, match=f"{day}.*acme/new-1"):
        res = resolve("acme/old-1", registry=reg)
    assert res.model == "old-1"


def test_resolution_is_immutable_and_masks_the_key(builtin: Registry) -> None:
    res = resolve("wandb/Llama-3.1-8B-Instruct", api_key=KEY, project="a/b", registry=builtin)
    with pytest.raises(AttributeError, match="immutable"):
        res.model = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del res.api_key
    with pytest.raises(TypeError):
        res.params["project"] = "c/d"  # type: ignore[index]
    for text in (repr(res), str(res), str(res.to_dict())):
        assert KEY not in text
        assert KEY[:-4] not in text
        assert "****cdef" in text


def test_default_registry_is_loaded_once() -> None:
    first = default_registry()
    assert default_registry() is first
    assert resolve("wandb/Llama-3.1-8B-Instruct").provider_id == "wandb"
    assert default_registry() is first


def test_registry_is_immutable(builtin: Registry) -> None:
    with pytest.raises(AttributeError):
        builtin.files = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        builtin.providers["x"] = builtin.provider("wandb")  # type: ignore[index]
    assert "wandb" in builtin
    assert "nonexistent" not in builtin


def test_whole_string_under_own_prefix(dropin: Path) -> None:
    # A provider whose ids start with its own name: "nvidia/llama-x" is the id itself.
    models = "  nvidia/llama-x: {}\n  plain: {}"
    (dropin / "nvidia.yaml").write_text(manifest_text("nvidia", models))
    reg = load_registry([dropin], builtin=False, env=False)
    assert resolve("nvidia/llama-x", registry=reg).model == "nvidia/llama-x"
    assert resolve("nvidia/nvidia/llama-x", registry=reg).model == "nvidia/llama-x"
    assert resolve("nvidia/plain", registry=reg).model == "plain"


# The forged bases of the hardening issue, against Groq's real endpoint api.groq.com/openai/v1.
GROQ_FORGED = [
    "https://attacker.example/api.groq.com/openai/v1",
    "https://api.groq.com.attacker.example/openai/v1",
    "https://api.groq.com@attacker.example/openai/v1",
    "https://API.GROQ.COM/openai/v1/../..",
    "https://api.groq.com/openai/v1/../../attacker",
    "https://api.groq.com:8443@attacker.example/openai/v1",
]


@pytest.mark.parametrize("base", GROQ_FORGED)
def test_groq_forged_bases(builtin: Registry, monkeypatch: pytest.MonkeyPatch, base: str) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test-key-000000000000000000")
    assert builtin.providers_for_base(base) == ()
    res = resolve("groq/llama-3.3-70b-versatile", api_base=base, registry=builtin)
    assert res.api_key is None
    assert res.key_source is not None
    assert "withheld" in res.key_source


def test_groq_real_base_variants_are_trusted(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test-key-000000000000000000")
    for base in ("https://api.groq.com/openai/v1", "https://API.GROQ.COM/openai/v1/",
                 "https://api.groq.com/openai/v1/chat/../"):  # fmt: skip
        assert builtin.providers_for_base(base) == ("groq",)
        res = resolve("llama-3.3-70b-versatile", api_base=base, registry=builtin)
        assert (res.provider_id, res.api_key) == ("groq", "gsk-test-key-000000000000000000")


LIFECYCLE = (
    "  past:\n"
    "    status: deprecated\n    deprecated_on: 2026-01-01\n    retired_on: 2026-02-01\n"
    "    replacement: new\n"
    "    price: {input: 1, output: 2}\n"
    "    price_history: [{until: 2026-01-15, input: 3, output: 6}]\n"
    "  soon:\n    status: ga\n    retired_on: 2999-01-01\n"
    "  new: {price: {input: 1, output: 1}}\n"
)


@pytest.fixture
def lifecycle(dropin: Path) -> Registry:
    (dropin / "acme.yaml").write_text(manifest_text("acme", LIFECYCLE))
    return load_registry([dropin], builtin=False, env=False)


def test_a_passed_retirement_date_retires_a_deprecated_model(lifecycle: Registry) -> None:
    with pytest.raises(RetiredModelError, match=r"retired on 2026-02-01.*acme/new") as info:
        resolve("acme/past", api_key=KEY, registry=lifecycle)
    assert info.value.retired_on == "2026-02-01"


def test_a_retirement_ahead_warns_on_every_call(lifecycle: Registry) -> None:
    for _ in range(2):  # a warned result is not memoised, so the second call warns too
        with pytest.warns(DeprecatedModelWarning, match="retired on 2999-01-01"):
            resolve("acme/soon", api_key=KEY, registry=lifecycle)


def test_include_retired_gives_metadata_and_past_costs(lifecycle: Registry) -> None:
    res = resolve("acme/past", api_key=KEY, registry=lifecycle, include_retired=True)
    assert res.retired
    assert res.model_info is not None
    assert res.model_info.replacement == "new"
    assert res.cost(input_tokens=10**6, at=datetime.date(2026, 1, 10)) == Decimal(3)
    assert res.cost(input_tokens=10**6, at=datetime.date(2026, 1, 31)) == Decimal(1)
    for at in (None, datetime.date(2026, 2, 1), datetime.date(2026, 6, 1)):
        with pytest.raises(RetiredModelError, match="acme/new"):
            res.cost(input_tokens=10**6, at=at)
    with pytest.raises(RetiredModelError, match="acme/new"):
        res.build_request({"messages": [{"role": "user", "content": "hi"}]})
    assert not resolve("acme/new", registry=lifecycle, include_retired=True).retired


def test_include_retired_does_not_leak_into_later_calls(lifecycle: Registry) -> None:
    resolve("acme/past", api_key=KEY, registry=lifecycle, include_retired=True)
    with pytest.raises(RetiredModelError):
        resolve("acme/past", api_key=KEY, registry=lifecycle)
