"""Model identity and offers: the rule that tells which wire ids are one model (tables of real
ids from the built-in manifests and from models.dev, whose providers are arriving), its
invariants (Hypothesis), offers() and `registry offers`, validate's same-identity warning, and
the identity in the JSON export, the docs and the audit."""

from __future__ import annotations

import io
import json
import re
import shutil
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from provider_registry import (
    DeprecatedModelWarning,
    Registry,
    UnknownModelError,
    load_registry,
    offers,
    resolve,
)
from provider_registry._audit import audit
from provider_registry._cli import main
from provider_registry._export import export_json
from provider_registry._identity import identity_key, propose
from provider_registry._offers import offer_index

from .conftest import manifest_text, shared_data

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARN = sorted((HERE / "manifests" / "warn").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (?P<line>[1-9][0-9]*): (?P<text>\S.*)$")


def _builtin_ids() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "providers").glob("*.yaml"):
        ids |= set(yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or {})
    return ids


def _models_dev_ids() -> set[str]:
    data = json.loads(shared_data("models-dev-api.json").read_text(encoding="utf-8"))
    return {model for provider in data.values() for model in provider["models"]}


BUILTIN_IDS = _builtin_ids()
MODELS_DEV_IDS = _models_dev_ids()

# --- the rule: real ids that are one model, and real ids that are not ---------------------------

SAME = [
    # one open model under every provider's spelling (W&B, Together, OVHcloud, SambaNova, DO,
    # GitHub, OpenRouter's free tier, Cloudflare's FP8 fast tier, NVIDIA's FP8 build)
    ("meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
    ("meta-llama/Llama-3.3-70B-Instruct", "meta-llama-3_3-70b-instruct"),
    ("meta-llama/Llama-3.3-70B-Instruct", "Meta-Llama-3.3-70B-Instruct"),
    ("meta-llama/Llama-3.3-70B-Instruct", "llama3.3-70b-instruct"),
    ("meta-llama/Llama-3.3-70B-Instruct", "meta/llama-3.3-70b-instruct"),
    ("meta-llama/Llama-3.3-70B-Instruct", "meta-llama/llama-3.3-70b-instruct:free"),
    ("meta-llama/Llama-3.3-70B-Instruct", "@cf/meta/llama-3.3-70b-instruct-fp8-fast"),
    ("meta-llama/Llama-3.3-70B-Instruct", "workers-ai/@cf/meta/llama-3.3-70b-instruct-fp8-fast"),
    ("meta-llama/Llama-3.3-70B-Instruct", "nvidia/Llama-3.3-70B-Instruct-FP8"),
    ("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),
    ("meta-llama/Meta-Llama-3-8B-Instruct-Lite", "meta-llama/llama-3-8b-instruct"),
    # DeepSeek, OpenAI's open weights, Fireworks' paths, Cerebras' and DO's maker words
    ("deepseek-ai/DeepSeek-V3.1", "deepseek/deepseek-v3.1"),
    ("deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1"),
    ("deepseek-ai/DeepSeek-V3.1", "deepseek-ai/DeepSeek-V3-1"),
    ("openai/gpt-oss-120b", "gpt-oss-120b"),
    ("openai/gpt-oss-120b", "accounts/fireworks/models/gpt-oss-120b"),
    ("moonshotai/Kimi-K2.6", "accounts/fireworks/models/kimi-k2p6"),
    ("zai-org/GLM-4.7", "zai-glm-4.7"),
    ("claude-opus-4-5", "anthropic/claude-opus-4.5"),
    ("claude-opus-4-5", "anthropic-claude-opus-4.5"),
    ("claude-opus-4-5", "claude-opus4-5"),
    ("grok-4-1-fast-non-reasoning", "x-ai/grok-4.1-fast-non-reasoning"),
    # quantized and throughput deployments of Qwen models
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct", "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8"),
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct", "Qwen/Qwen3-Coder-480B-A35B-Instruct-Turbo"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", "Qwen/Qwen3-235B-A22B-Instruct-2507-tput"),
    ("Qwen/Qwen3-32B", "qwen/qwen3-32b-fp8"),
    ("google/gemma-3-27b-it", "gemma-3-27b-it"),
]

DIFFERENT = [
    # a distilled model is neither its teacher nor its student's base
    ("deepseek-r1-distill-llama-70b", "meta-llama/Llama-3.3-70B-Instruct"),
    ("deepseek-r1-distill-llama-70b", "deepseek-ai/DeepSeek-R1"),
    ("deepseek-ai/deepseek-r1-distill-llama-70b", "meta-llama/Llama-3.1-70B-Instruct"),
    # base and instruct tune
    ("deepseek-coder-v2-base", "deepseek-coder-v2-instruct"),
    ("deepseek-coder-v2-lite-base", "deepseek-coder-v2-lite-instruct"),
    # two sizes
    ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct"),
    ("openai/gpt-oss-120b", "openai/gpt-oss-20b"),
    ("gpt-oss:120b", "gpt-oss:20b"),
    ("Qwen/Qwen3-32B", "Qwen/Qwen3-14B"),
    ("google/gemma-3-27b-it", "google/gemma-3-12b-it"),
    ("Qwen/Qwen3-235B-A22B", "Qwen/Qwen3-235B-A22B-Thinking-2507"),
    # versions, snapshots, and a model of its own named like another
    ("deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3-0324"),
    ("deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1-0528"),
    ("deepseek-ai/DeepSeek-V3.1", "deepseek-ai/DeepSeek-V3"),
    ("gpt-4o", "gpt-4o-2024-08-06"),
    ("gpt-4o", "gpt-4o-mini"),
    ("gpt-4-turbo", "gpt-4"),  # a "turbo" that is a model of its own
    ("kimi-k2-turbo-preview", "kimi-k2-0905-preview"),
    ("x-ai/grok-4.1-fast", "grok-4.1"),  # a "fast" that is a model of its own
    ("x-ai/grok-4", "grok-4.1"),
    ("mistral-7B-Instruct-v0.1", "mistral-7b-instruct-v0.3"),
    # fine-tunes and re-uploads by others keep their namespace
    ("huihui-ai/Llama-3.3-70B-Instruct-abliterated", "meta-llama/Llama-3.3-70B-Instruct"),
    ("unsloth/gemma-3-27b-it", "google/gemma-3-27b-it"),
    ("TEE/gpt-oss-120b", "openai/gpt-oss-120b"),
    ("openai/o3-mini", "o3"),
]

GAPS = [
    pytest.param(
        "meta-llama/Llama-3.3-70B-Instruct",
        "llama-3.3-70b",
        marks=pytest.mark.xfail(
            strict=True,
            reason="a provider that drops '-instruct' (Venice, Vercel's meta/llama-3.3-70b) is "
            "read as the base model; its manifest states identity.model",
        ),
    ),
    pytest.param(
        "meta-llama/Llama-3.3-70B-Instruct",
        "meta/llama-3.3-70b-instruct-maas",
        marks=pytest.mark.xfail(
            strict=True,
            reason="Vertex's '-maas' suffix is its own; the manifest would state the identity",
        ),
    ),
]


def _known(wire_id: str) -> bool:
    return wire_id in BUILTIN_IDS or wire_id in MODELS_DEV_IDS


@pytest.mark.parametrize(("a", "b"), SAME + GAPS)
def test_same_model(a: str, b: str) -> None:
    assert _known(a), a
    assert _known(b), b
    assert identity_key(a) == identity_key(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_models(a: str, b: str) -> None:
    assert _known(a), a
    assert _known(b), b
    assert identity_key(a) != identity_key(b)


@pytest.mark.parametrize(
    ("wire_id", "quantization", "variant"),
    [
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "fp8", None),  # Together's Turbo is FP8
        ("meta-llama/Meta-Llama-3-8B-Instruct-Lite", "int4", None),  # and its Lite INT4
        ("@cf/meta/llama-3.3-70b-instruct-fp8-fast", "fp8", "fast"),
        ("meta-llama/llama-3.3-70b-instruct:free", None, "free"),
        ("Qwen/Qwen3-235B-A22B-Instruct-2507-tput", None, "tput"),
        ("meta-llama/Llama-3.3-70B-Instruct", None, None),
        ("gpt-4-turbo", None, None),
    ],
)
def test_serving_attributes_are_recorded(
    wire_id: str, quantization: str | None, variant: str | None
) -> None:
    proposal = propose(wire_id)
    assert (proposal.quantization, proposal.variant) == (quantization, variant)


def test_the_rule_applied_to_models_dev_shares_more() -> None:
    """Applied to every models.dev id (the providers still to come), the rule finds many more
    models served by two or more providers; none of them merges two sizes."""
    data = json.loads(shared_data("models-dev-api.json").read_text(encoding="utf-8"))
    by_key: dict[str, set[str]] = {}
    ids_of: dict[str, set[str]] = {}
    for provider_id, provider in data.items():
        for wire_id in provider["models"]:
            key = identity_key(wire_id)
            by_key.setdefault(key, set()).add(provider_id)
            ids_of.setdefault(key, set()).add(wire_id)
    shared = [key for key, providers in by_key.items() if len(providers) >= 2]
    assert len(shared) >= 600  # 429 in the 40 built-in manifests
    assert len(by_key["llama-3.3-70b-instruct"]) >= 20
    size = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z])", re.IGNORECASE)
    for key in shared:
        sizes = {tuple(sorted(size.findall(w.rpartition("/")[2].lower()))) for w in ids_of[key]}
        assert len(sizes) == 1, (key, ids_of[key])


# --- invariants ---------------------------------------------------------------------------------

REAL = sorted(i for i in BUILTIN_IDS if len(i) < 80)


@given(st.sampled_from(REAL), st.randoms(use_true_random=False))
def test_case_does_not_matter(wire_id: str, rnd: object) -> None:
    flipped = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in wire_id)  # type: ignore[attr-defined]
    assert identity_key(flipped) == identity_key(wire_id)


@given(st.sampled_from([i for i in REAL if re.search(r"\d\.\d", i)]), st.sampled_from("p_"))
def test_version_separators_do_not_matter(wire_id: str, separator: str) -> None:
    # "3.3", "3p3" (Fireworks) and "3_3" (OVHcloud) are one version number.
    variant = re.sub(r"(?<=\d)\.(?=\d)", separator, wire_id)
    assert identity_key(variant) == identity_key(wire_id)


@given(
    st.sampled_from([i for i in REAL if "/" not in i and ":" not in i]),
    st.sampled_from(["meta-llama/", "openai/", "deepseek-ai/", "accounts/fireworks/models/"]),
)
def test_a_maker_namespace_or_a_wrapper_does_not_matter(wire_id: str, prefix: str) -> None:
    assert identity_key(prefix + wire_id) == identity_key(wire_id)


NAMED = [i for i in REAL if re.search(r"[a-z]\d", i.rpartition("/")[2], re.IGNORECASE)]


@given(st.sampled_from(NAMED))
def test_a_separator_before_a_number_does_not_matter(wire_id: str) -> None:
    # "llama3.3" is "llama-3.3", "qwen3" is "qwen-3" (in the name: a namespace that stays in
    # the key, a fine-tuner's, is compared as written).
    head, slash, name = wire_id.rpartition("/")
    # (not inside "5p1", Fireworks' "5.1")
    split = re.sub(r"(?<=[a-z])(?<!\dp)(?=\d)", "-", name, count=1, flags=re.IGNORECASE)
    assert identity_key(head + slash + split) == identity_key(wire_id)


SIZED = [i for i in REAL if re.search(r"(?<![a-z0-9.])\d+b(?![a-z])", i, re.IGNORECASE)]


@given(st.sampled_from(SIZED), st.integers(min_value=1, max_value=999))
def test_a_size_is_never_merged_with_another(wire_id: str, other: int) -> None:
    found = re.search(r"(?<![a-z0-9.])(\d+)(b)(?![a-z])", wire_id, re.IGNORECASE)
    assert found is not None
    if int(found[1]) == other:
        return
    resized = f"{wire_id[: found.start(1)]}{other}{wire_id[found.end(1) :]}"
    assert identity_key(resized) != identity_key(wire_id)


@given(
    st.sampled_from(["llama", "qwen", "gemma", "mistral"]),
    st.sampled_from(["3", "3.1", "3.3", "2.5"]),
    st.integers(1, 999),
    st.integers(1, 999),
    st.sampled_from(["", "-instruct", "-it", "-instruct-fp8", "-instruct-turbo", ":free"]),
)
def test_made_up_sizes_are_never_merged(
    family: str, version: str, a: int, b: int, suffix: str
) -> None:
    if a == b:
        return
    assert identity_key(f"{family}-{version}-{a}b{suffix}") != identity_key(
        f"{family}-{version}-{b}b{suffix}"
    )


# --- offers() -----------------------------------------------------------------------------------


def test_llama_3_3_70b_is_offered_widely(builtin: Registry) -> None:
    found = offers("meta-llama/Llama-3.3-70B-Instruct", registry=builtin, env={})
    providers = {o.provider for o in found}
    assert len(providers) >= 15
    assert {"wandb", "groq", "deepinfra", "sambanova", "ovhcloud", "nebius"} <= providers
    assert {o.identity for o in found} == {"meta-llama/Llama-3.3-70B-Instruct"}
    turbo = next(o for o in found if o.provider == "deepinfra")
    assert (turbo.model, turbo.quantization) == ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "fp8")
    groq = next(o for o in found if o.provider == "groq")
    assert groq.model == "llama-3.3-70b-versatile"  # stated in groq.yaml


@pytest.mark.parametrize(
    "name",
    [
        "meta-llama/Llama-3.3-70B-Instruct",
        "META-LLAMA/llama-3.3-70b-instruct",
        "wandb/meta-llama/Llama-3.3-70B-Instruct",
        "wandb/Llama-3.3-70B-Instruct",  # W&B's alias
        "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",  # a provider alias, retired
        "llama-3.3-70b-versatile",  # Groq's name
        "accounts/fireworks/models/llama-v3p3-70b-instruct",  # Fireworks' spelling
        "Llama-3.3-70B-Instruct",
    ],
)
def test_any_name_finds_the_model(builtin: Registry, name: str) -> None:
    found = offers(name, registry=builtin, env={}, include_retired=True)
    assert found[0].identity == "meta-llama/Llama-3.3-70B-Instruct"


def test_keys_and_parameters(builtin: Registry) -> None:
    secret = "sk-test-offers-0123456789abcdef"
    env = {"WANDB_API_KEY": secret}
    found = {o.provider: o for o in offers("openai/gpt-oss-120b", registry=builtin, env=env)}
    assert found["wandb"].key_set
    assert found["wandb"].key_env == ("WANDB_API_KEY",)
    assert not found["groq"].key_set
    assert found["wandb"].missing_params == ("project",)
    assert not found["wandb"].usable
    assert secret not in repr(found["wandb"])
    assert secret not in json.dumps(found["wandb"].to_dict())
    env["WANDB_PROJECT"] = "team/project"
    wandb = next(
        o for o in offers("gpt-oss-120b", registry=builtin, env=env) if o.provider == "wandb"
    )
    assert wandb.params_fillable
    assert wandb.usable
    passed = offers("gpt-oss-120b", registry=builtin, env={}, params=["project"])
    assert next(o for o in passed if o.provider == "wandb").missing_params == ()
    local = offers("openai/gpt-oss-20b", registry=builtin, env={})
    lmstudio = next(o for o in local if o.provider == "lmstudio")
    assert (lmstudio.key_set, lmstudio.key_env) == (True, ())  # a local server needs no key


def test_retired_offers_only_on_request(builtin: Registry) -> None:
    name = "meta-llama/Llama-3.3-70B-Instruct"
    assert "together" not in {o.provider for o in offers(name, registry=builtin, env={})}
    everything = offers(name, registry=builtin, env={}, include_retired=True)
    assert "together" in {o.provider for o in everything}


def test_an_offer_resolves(builtin: Registry) -> None:
    for offer in offers("deepseek-ai/DeepSeek-V3.1", registry=builtin, env={}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecatedModelWarning)
            r = resolve(offer.ref, registry=builtin)
        assert (r.provider_id, r.model) == (offer.provider, offer.model)


def test_an_unknown_model_suggests_close_ones(builtin: Registry) -> None:
    with pytest.raises(UnknownModelError) as info:
        offers("llama-3.3-70b-instrct", registry=builtin, env={})
    assert "meta-llama/Llama-3.3-70B-Instruct" in info.value.suggestions


def test_a_stated_identity_joins_the_offers_the_rule_misses(builtin: Registry) -> None:
    """Names that drop '-instruct' are read as a base model by the rule (GAPS above); the
    manifests that serve Llama 3.3 70B so say what it is, and their offers join."""
    found = {o.provider for o in offers("meta-llama/Llama-3.3-70B-Instruct", registry=builtin)}
    assert {"venice", "vercel", "tinfoil", "groq"} <= found


def test_the_index_is_built_once_and_not_by_resolve() -> None:
    reg = load_registry(env=False)
    resolve("wandb/Llama-3.1-8B-Instruct", registry=reg)
    assert reg._offers[0] is None
    assert offer_index(reg) is offer_index(reg)


def test_an_alias_finds_the_model(dropin: Path) -> None:
    (dropin / "acme.yaml").write_text(
        manifest_text("acme", "  meta-llama/Llama-3.3-70B-Instruct: {aliases: [acme-big]}\n"),
        encoding="utf-8",
    )
    reg = load_registry([dropin], env=False)
    for name in ("acme-big", "ACME/acme-big"):
        assert offers(name, registry=reg, env={})[0].identity == "meta-llama/Llama-3.3-70B-Instruct"


def test_a_refused_identity_stands_alone(dropin: Path) -> None:
    (dropin / "acme.yaml").write_text(
        manifest_text(
            "acme",
            "  gpt-oss-120b:\n    identity: {unique: Acme's own model under a borrowed name}\n",
        ),
        encoding="utf-8",
    )
    reg = load_registry([dropin], env=False)
    found = offers("acme/gpt-oss-120b", registry=reg, env={})
    assert [o.provider for o in found] == ["acme"]
    assert "acme" not in {o.provider for o in offers("openai/gpt-oss-120b", registry=reg, env={})}


# --- registry offers ----------------------------------------------------------------------------


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    captured = capsys.readouterr()
    assert "Traceback" not in out.getvalue() + captured.err
    return code, out.getvalue(), captured.err


def test_cli_table_is_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["offers", "llama-3.3-70b-instruct"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "meta-llama/Llama-3.3-70B-Instruct"
    header, rule, rows = lines[1], lines[2], lines[3:-1]
    assert header.split() == [
        "provider", "model", "attributes", "context", "max", "out", "$", "in", "$", "out",
        "blend", "status", "key", "params",
    ]  # fmt: skip
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    for row in rows:
        for start in starts[1:]:
            assert row[start - 2 : start] == "  ", row  # every column starts where its rule does
    assert re.fullmatch(r"\d+ offers", lines[-1])
    assert any(row.startswith("deepinfra ") and " fp8 " in row for row in rows)


def test_cli_json_filters_and_sort(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["offers", "gpt-oss-120b", "--json", "--sort", "price", "--require", "tools"]
    code, out, _ = run([*argv, "--max-price", "0.2"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == 1
    assert doc["identity"] == "openai/gpt-oss-120b"
    assert doc["offers"]
    blends = [Decimal(o["blended_price"]) for o in doc["offers"]]
    assert blends == sorted(blends)
    assert max(blends) <= Decimal("0.2")
    assert all("tools" in o["supports"] for o in doc["offers"])
    assert list(doc["offers"][0]) == [
        "identity", "provider", "model", "ref", "mode", "price", "blended_price",
        "context_window", "max_output_tokens", "supports", "status", "quantization", "variant",
        "key_env", "key_set", "missing_params",
    ]  # fmt: skip
    _, everything, _ = run(["offers", "gpt-oss-120b", "--json"], capsys)
    assert len(json.loads(everything)["offers"]) > len(doc["offers"])
    _, by_context, _ = run(["offers", "gpt-oss-120b", "--json", "--sort", "context"], capsys)
    windows = [o["context_window"] or 0 for o in json.loads(by_context)["offers"]]
    assert windows == sorted(windows, reverse=True)


def test_cli_stats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["offers", "--stats"], capsys)
    assert code == 0
    found = re.match(
        r"(\d+) models are offered by 2 or more providers \((\d+) models in all\)", out
    )
    assert found is not None
    assert int(found[1]) >= 400
    assert "openai/gpt-oss-120b" in out
    _, doc, _ = run(["offers", "--stats", "--json"], capsys)
    stats = json.loads(doc)
    assert stats["shared"] == int(found[1])
    assert stats["top"][0]["providers"] >= stats["top"][-1]["providers"] >= 2


def test_cli_unknown_model_and_capability(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["offers", "llama-3.3-70b-instrct"], capsys)
    assert code == 1
    assert "did you mean" in err
    assert "meta-llama/Llama-3.3-70B-Instruct" in err
    code, _, err = run(["offers", "gpt-oss-120b", "--require", "telepathy"], capsys)
    assert code == 1
    assert "unknown capability 'telepathy'" in err


def test_cli_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["offers", "--help"])
    assert "registry offers gpt-oss-120b --sort price" in capsys.readouterr().out


# --- validate -----------------------------------------------------------------------------------


def _expectation(path: Path) -> tuple[int, str]:
    found = EXPECT.match(path.read_text(encoding="utf-8").split("\n", 1)[0])
    assert found is not None, path
    return int(found["line"]), found["text"]


@pytest.mark.parametrize("path", WARN, ids=[p.name for p in WARN])
def test_same_identity_is_a_warning(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line, text = _expectation(path)
    code, out, _ = run(["validate", "--format", "json", "--max-age", "off", str(path)], capsys)
    assert code == 0  # a warning, not an error
    mine = [p for p in json.loads(out)["problems"] if (p["file"] or "").endswith(path.name)]
    assert [(p["line"], p["severity"]) for p in mine] == [(line, "warning")]
    assert text in mine[0]["message"]
    load_registry([path], env=False)  # loads: only validate judges it


def test_reasons_and_attributes_silence_it(capsys: pytest.CaptureFixture[str]) -> None:
    good = HERE / "manifests" / "good" / "acme-identity.yaml"
    code, out, _ = run(["validate", "--format", "json", "--max-age", "off", str(good)], capsys)
    assert code == 0
    assert [p for p in json.loads(out)["problems"] if p["file"].endswith(good.name)] == []


# --- export, docs, audit ------------------------------------------------------------------------


def test_the_json_catalog_carries_the_identity(builtin: Registry) -> None:
    models = export_json(builtin)["providers"]["deepinfra"]["models"]
    turbo = models["meta-llama/Llama-3.3-70B-Instruct-Turbo"]
    assert turbo["identity"] == "meta-llama/Llama-3.3-70B-Instruct"
    assert turbo["quantization"] == "fp8"
    assert "variant" not in turbo
    groq = export_json(builtin)["providers"]["groq"]["models"]["llama-3.3-70b-versatile"]
    assert groq["identity"] == "meta-llama/Llama-3.3-70B-Instruct"


def test_docs_has_a_page_per_shared_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["docs", "--check"], capsys)  # the checked-in pages, models included
    assert code == 0, out
    page = ROOT / "docs" / "models" / "meta-llama--llama-3.3-70b-instruct.md"
    text = page.read_text(encoding="utf-8")
    assert text.splitlines()[2] == "# meta-llama/Llama-3.3-70B-Instruct"
    assert "| [wandb](<../providers/wandb.md>) | `meta-llama/Llama-3.3-70B-Instruct` |" in text
    index = (ROOT / "docs" / "models" / "README.md").read_text(encoding="utf-8")
    assert "[meta-llama/Llama-3.3-70B-Instruct](<meta-llama--llama-3.3-70b-instruct.md>)" in index


@pytest.fixture
def model_pages(tmp_path: Path) -> tuple[Path, Path]:
    providers, models = tmp_path / "providers", tmp_path / "models"
    shutil.copytree(ROOT / "docs" / "providers", providers)
    shutil.copytree(ROOT / "docs" / "models", models)
    argv = ["docs", "-o", str(providers), "--models-output", str(models)]
    assert main(argv, out=io.StringIO()) == 0
    return providers, models


def test_docs_check_finds_a_stale_or_extra_model_page(
    model_pages: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    providers, models = model_pages
    argv = ["docs", "-o", str(providers), "--models-output", str(models)]
    assert run([*argv, "--check"], capsys)[0] == 0
    page = models / "openai--gpt-oss-120b.md"
    page.write_text(page.read_text(encoding="utf-8").replace("wandb", "wandc"), encoding="utf-8")
    gone = models / "acme--gone.md"
    gone.write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run([*argv, "--check"], capsys)
    assert code == 1
    assert f"{page} is stale" in out
    assert f"{gone} documents no shared model 'acme--gone': delete it" in out
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert f"removed {gone}: no shared model 'acme--gone'" in out
    assert run([*argv, "--check"], capsys)[0] == 0


def _two_providers(dropin: Path, dearer: str) -> Registry:
    model = "  meta-llama/Llama-3.3-70B-Instruct: {{price: {{input: {}, output: 1}}}}\n"
    (dropin / "acme.yaml").write_text(manifest_text("acme", model.format("0.10")), "utf-8")
    (dropin / "acme-two.yaml").write_text(manifest_text("acme-two", model.format(dearer)), "utf-8")
    return load_registry([dropin], builtin=False, env=False)


def test_audit_names_a_wide_price_spread(dropin: Path) -> None:
    report = audit(_two_providers(dropin, "0.60"), [], price_spread=True)
    spread = [f for f in report.findings if f.kind == "price_spread"]
    assert [(f.provider, f.ours, f.theirs, f.their_id, f.identity) for f in spread] == [
        (
            "acme-two",
            "0.60",
            "0.10",
            "acme/meta-llama/Llama-3.3-70B-Instruct",
            "meta-llama/Llama-3.3-70B-Instruct",
        )
    ]
    assert report.drift == []  # worth a look, not drift
    assert report.to_dict()["counts"]["price_spread"] == 1
    assert audit(_two_providers(dropin, "0.60"), []).findings == []  # only when asked


def test_audit_leaves_a_narrow_spread_alone(dropin: Path) -> None:
    report = audit(_two_providers(dropin, "0.50"), [], price_spread=True)
    assert report.findings == []
