"""The LiteLLM exports, checked in the real `litellm` (issue 13, items 8-10).

The `slow` tests install litellm into a virtual environment of their own, once, in the user's
cache (`~/.cache/provider-registry-tests/litellm-<version>`), never in the test environment: it
pins its own openai and httpx. They are skipped, saying why, where it cannot be installed (no
network). tests/litellm_probe.py runs there and reports back in JSON; every request LiteLLM
makes is answered at httpx's transport, so nothing leaves the machine.

The fast tests encode LiteLLM's URL rules, citing its source, and check the exports' shape.
"""

from __future__ import annotations

import datetime
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from provider_registry import (
    DeprecatedModelWarning,
    InvalidRequestError,
    Registry,
    UnknownModelError,
    UnknownProviderError,
    load_manifest,
    resolve,
)
from provider_registry._cli import main
from provider_registry._export import (
    LITELLM_LEFT_OUT,
    NO_KEY,
    export_litellm,
    export_litellm_proxy,
    litellm_model_map,
    litellm_proxy_config,
)
from provider_registry.dialects import DIALECTS

from .conftest import manifest_text, place_value, set_places

LITELLM_VERSION = "1.110.2"
INSTALL_TIMEOUT = 600  # seconds, for the one-time install of litellm and its dependencies
PROBE = Path(__file__).resolve().parent / "litellm_probe.py"
READY = "provider-registry-ready"  # written into the environment once litellm imports there
HI = {"messages": [{"role": "user", "content": "hi"}]}
PROXY_USAGE = (1200, 300)  # prompt and completion tokens in the proxy's canned replies
UTC = datetime.timezone.utc
# The instants LiteLLM's billing clock is pinned at (and ours priced at): for DeepSeek's windows,
# a weekday peak hour, a weekday off-peak hour, a Saturday hour that is peak on weekdays
# (off-peak: DeepSeek's weekends are off-peak all day) and a Sunday night.
INSTANTS = (
    datetime.datetime(2026, 12, 2, 2, 30, tzinfo=UTC),  # Wednesday 02:30
    datetime.datetime(2026, 12, 2, 12, 0, tzinfo=UTC),  # Wednesday 12:00
    datetime.datetime(2026, 12, 5, 3, 0, tzinfo=UTC),  # Saturday 03:00
    datetime.datetime(2026, 12, 6, 20, 0, tzinfo=UTC),  # Sunday 20:00
)
# A model whose price has no windows is priced at the first and last: a window of LiteLLM's own
# that we lack would show at one of them.
PLAIN_INSTANTS = (INSTANTS[0], INSTANTS[-1])

# The URL LiteLLM calls when a user of the model map calls "<LiteLLM name>/<model>" with no
# api_base and none of LiteLLM's variables set, where it is not the URL we call, and why. The
# test fails when this table is wrong in either direction.
LITELLM_CALLS_ELSEWHERE = {
    "alibaba": (
        "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
        "LiteLLM's dashscope default is the mainland China endpoint; alibaba is the "
        "international one (dashscope-intl), and alibaba-cn the mainland one",
    ),
    "bedrock": (
        "https://bedrock-runtime.us-west-2.amazonaws.com/model/{model}/invoke",
        "LiteLLM's bedrock route calls InvokeModel for this model (its bedrock/converse/ "
        "route, which the proxy export writes, calls Converse), and with no region set falls "
        "back to us-west-2, where we refuse to guess one",
    ),
    "cloudflare-workers-ai": (
        "APIConnectionError: litellm.APIConnectionError: Missing CLOUDFLARE_ACCOUNT_ID - set "
        "CLOUDFLARE_ACCOUNT_ID in the environment or pass api_base explicitly",
        "LiteLLM needs the account id in its own environment, the variable the manifest's base "
        "URL names",
    ),
    "cohere": (
        "https://api.cohere.com/v2/chat",
        "LiteLLM's cohere route speaks Cohere's native v2 API; the manifest describes Cohere's "
        "OpenAI Compatibility API",
    ),
    "databricks": (
        "BadRequestError: litellm.BadRequestError: DatabricksException - If the Databricks base "
        "URL and API key are not set, the databricks-sdk Python library must be installed. "
        "Please install the databricks-sdk, set {{LLM_PROVIDER}}_API_BASE and "
        "{{LLM_PROVIDER}}_API_KEY environment variables, or provide the bas",
        "LiteLLM needs the workspace URL in its own environment (or the databricks-sdk)",
    ),
    "deepseek": (
        "https://api.deepseek.com/beta/chat/completions",
        "LiteLLM's default base is DeepSeek's /beta, the same service",
    ),
    "gemini": (
        "https://generativelanguage.googleapis.com/v1alpha/models/{model}:generateContent",
        "LiteLLM sends this preview model to the v1alpha API; the manifest's base is v1beta",
    ),
    "helicone": (
        "https://ai-gateway.helicone.ai/chat/completions",
        "the same gateway without /v1, which it also answers",
    ),
    "lmstudio": (
        "https://api.openai.com/v1/chat/completions",
        "LiteLLM has no default for LM Studio: it needs LM_STUDIO_API_BASE, the variable the "
        "manifest names",
    ),
    "minimax": (
        "https://api.minimax.io/v1/chat/completions",
        "LiteLLM's minimax route uses MiniMax's OpenAI-compatible API; the manifest, from "
        "models.dev, its Anthropic-compatible one on the same host",
    ),
    "ollama": (
        "http://localhost:11434/api/generate",
        "LiteLLM's ollama route speaks Ollama's native API, on the same server",
    ),
    "opencode-go": (
        "https://opencode.ai/inference/go/openai/v1/chat/completions",
        "LiteLLM's opencode_go route has a base of its own; the manifest's, from models.dev, is "
        "https://opencode.ai/zen/go/v1",
    ),
    "snowflake-cortex": (
        "APIConnectionError: litellm.APIConnectionError: Missing snowflake account_id",
        "LiteLLM needs the account id in its own environment, the variable the manifest's base "
        "URL names",
    ),
    "together": (
        "https://api.together.ai/v1/chat/completions",
        "Together also answers at api.together.ai (issue 13, item 5)",
    ),
}


# ---------------------------------------------------------------------------------------------
# LiteLLM's URL rules, encoded (no litellm needed)


def litellm_url(dialect: str, api_base: str, model: str) -> str:
    """The chat URL LiteLLM calls for a proxy entry of our ``dialect``'s route at ``api_base``.

    openai: LiteLLM passes api_base to the OpenAI SDK as base_url, which appends
    /chat/completions (openai/_base_client.py, _prepare_url; litellm/llms/openai/openai.py).
    anthropic: litellm/main.py, _complete_anthropic (litellm 1.110.2):
    ``api_base = ensure_api_route(api_base, "v1/messages")``, and
    litellm/litellm_core_utils/url_utils.py, ensure_api_route: trailing slashes stripped, the
    route appended unless the path already ends with it.
    gemini: litellm/llms/vertex_ai/vertex_llm_base.py, _check_custom_proxy: with an api_base,
    ``join_api_base(api_base, f"models/{model}:{endpoint}")``, endpoint generateContent.
    """
    base = api_base.rstrip("/")
    if dialect == "openai":
        return base + "/chat/completions"
    if dialect == "gemini":
        return f"{base}/models/{model}:generateContent"
    assert dialect == "anthropic"
    return base if base.endswith("/v1/messages") else base + "/v1/messages"


def our_url(reg: Registry, model: str) -> str:
    """The URL our resolver sends a chat request for ``model`` to."""
    p = resolve(model, registry=reg).provider
    params = {
        name: "eu-west-3" if spec.send_as.placeholder else "team/proj"  # a region is a label
        for name, spec in p.params.items()
        if spec.required
    }
    res = resolve(model, registry=reg, api_key="test-key-0000", **params)
    return str(res.build_request(HI).url)


def litellm_bedrock_url(region: str, model: str) -> str:
    """The URL LiteLLM's bedrock/converse route posts to for a region and model id
    (litellm/llms/bedrock/base_aws_llm.py, litellm 1.110.2: get_runtime_endpoint's default
    https://bedrock-runtime.{aws_region_name}.amazonaws.com, encode_model_id's
    urllib.parse.quote(model_id, safe=""), and the converse route's /model/{id}/converse)."""
    return f"https://bedrock-runtime.{region}.amazonaws.com/model/{quote(model, safe='')}/converse"


ONE_MODEL_PER_DIALECT = [
    "wandb/Llama-3.1-8B-Instruct",
    "anthropic/claude-haiku-4-5",
    "gemini/gemini-3-flash-preview",
    "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0",
]


@pytest.mark.parametrize("model", ONE_MODEL_PER_DIALECT)
def test_proxy_api_base_gives_our_url_by_litellms_rule(
    builtin: Registry, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    res = resolve(model, registry=builtin)
    dialect = res.dialect
    entry = yaml.safe_load(export_litellm_proxy(builtin, [model]))["model_list"][0]
    params = entry["litellm_params"]
    route = DIALECTS[dialect].litellm_route[0]
    assert params["model"] == f"{route}/{res.model}"  # the dialect's own route
    if dialect == "bedrock":
        assert "api_base" not in params
        assert params["aws_region_name"] == "os.environ/AWS_REGION"
        url = litellm_bedrock_url("eu-west-3", res.model)
    else:
        url = litellm_url(dialect, params["api_base"], res.model)
    assert url == our_url(builtin, model)


def test_one_proxy_test_per_dialect() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_REGION", "eu-west-3")
        dialects = {resolve(m).dialect for m in ONE_MODEL_PER_DIALECT}
    assert dialects == set(DIALECTS)


def test_proxy_never_writes_the_shells_base_url(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = "https://gateway.corp.example/wandb/v1?tenant=team-7"
    monkeypatch.setenv("WANDB_API_BASE", gateway)
    model = "wandb/Llama-3.1-8B-Instruct"
    config = litellm_proxy_config(builtin, [model])
    assert "gateway.corp.example" not in config.text
    assert "team-7" not in config.text
    params = yaml.safe_load(config.text)["model_list"][0]["litellm_params"]
    assert params["api_base"] == builtin.providers["wandb"].api.base_url
    assert config.notes == [
        f"{model}: WANDB_API_BASE is set in this shell and was not written; the entry uses "
        "the manifest's base URL. To follow the variable, write api_base: "
        "os.environ/WANDB_API_BASE yourself and set it where the proxy runs (LiteLLM sends a "
        "request with an empty api_base to its own default host)"
    ]
    assert main(["export", "--format", "litellm-proxy", "--model", model]) == 0
    out, err = capsys.readouterr()
    assert "gateway.corp.example" not in out + err
    assert err.startswith(f"registry: note: {model}: WANDB_API_BASE is set in this shell")


NO_KEY_SERVER = """\
schema_version: 1
id: acme
name: Acme Local
api:
  dialect: openai
  base_url: http://127.0.0.1:9999/v1
auth:
  required: false
models:
  m1: {}
"""


def test_proxy_gives_a_keyless_server_a_placeholder_key() -> None:
    # Without one, LiteLLM's openai route sends OPENAI_API_KEY to this server.
    reg = Registry({"acme": load_manifest(NO_KEY_SERVER)}, {})
    params = yaml.safe_load(export_litellm_proxy(reg, ["acme/m1"]))["model_list"][0]
    assert params["litellm_params"]["api_key"] == NO_KEY


ACME = manifest_text("acme")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            ACME.replace(
                "  base_url: https://acme.example/v1",
                "  base_url: https://${ACME_HOST}.acme.example/v1\n  base_url_vars: [ACME_HOST]",
            ),
            r"filled from this shell's environment",
        ),
        (
            ACME.replace("dialect: openai", "dialect: anthropic").replace(
                "https://acme.example/v1", "https://acme.example/anthropic"
            ),
            r"sends anthropic requests to <api_base>/v1/messages.*does not end in /v1",
        ),
        (
            ACME.replace("auth:\n", "auth:\n  header: api-key\n"),
            r"sends the key in authorization, and this provider takes it in api-key",
        ),
    ],
    ids=["templated-base", "anthropic-base-without-v1", "key-in-another-header"],
)
def test_proxy_refuses_what_litellm_cannot_send_as_we_do(
    manifest: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_HOST", "tenant-7")
    reg = Registry({"acme": load_manifest(manifest)}, {})
    with pytest.raises(InvalidRequestError, match=message):
        export_litellm_proxy(reg, ["acme/m1"])


# ---------------------------------------------------------------------------------------------
# The model map (no litellm needed)

PRICED = """\
schema_version: 1
id: {id}
name: {id}
api:
  dialect: openai
  base_url: https://{id}.example/v1
auth:
  env: [{key}]
{interop}models:
  chat-1:
    price: {{input: 1, output: 2}}
  chat-1-2025-01-01:
    price: {{input: 1.5, output: 2}}
  long-1:
    price:
      input: 1
      output: 2
      cache_read: 0.1
      tiers: [{{above_input_tokens: 200000, input: 2}}, {{above_input_tokens: 131072, output: 3}}]
  embed-1:
    mode: embedding
    price: {{input: 0.02}}
  input-only-chat:
    price: {{input: 1}}
  unpriced-1: {{}}
  image-1:
    mode: image_generation
    price: {{input: 5, output: 40}}
  old-1:
    status: retired
    retired_on: 2025-01-01
    price: {{input: 1, output: 2}}
"""


@pytest.fixture
def two() -> Registry:
    return Registry(
        {
            "acme": load_manifest(
                PRICED.format(
                    id="acme", key="ACME_API_KEY", interop="interop: {litellm: [acme_ai]}\n"
                )
            ),
            "newco": load_manifest(PRICED.format(id="newco", key="NEWCO_API_KEY", interop="")),
        },
        {},
    )


def test_model_map_writes_only_what_litellm_can_route_and_price(two: Registry) -> None:
    exported = litellm_model_map(two)
    assert list(exported.models) == [  # a dated id before its base: see test_order below
        "acme_ai/long-1",
        "acme_ai/embed-1",
        "acme_ai/chat-1-2025-01-01",
        "acme_ai/chat-1",
    ]
    assert exported.left_out == {
        "retired": ["acme/old-1", "newco/old-1"],
        "no_litellm_name": sorted(
            f"newco/{m}" for m in two.providers["newco"].models if m != "old-1"
        ),
        "mode": ["acme/image-1"],
        "unpriced": ["acme/input-only-chat", "acme/unpriced-1"],
    }
    assert set(exported.left_out) <= set(LITELLM_LEFT_OUT)
    assert export_litellm(two) == exported.models


def test_a_provider_litellm_cannot_route_is_left_out_with_its_reason(builtin: Registry) -> None:
    """A name only LiteLLM's price table uses, or a route that signs in its own way: the
    manifest says so (interop.litellm_unroutable) and none of its models is written."""
    for pid in ("gmicloud", "github-copilot"):
        p = builtin.providers[pid]
        assert p.interop.litellm_unroutable
        exported = litellm_model_map(builtin, providers=[pid])
        assert exported.models == {}
        assert exported.left_out["unroutable"]


def test_model_map_writes_every_rate_as_we_charge_it(two: Registry) -> None:
    entry = export_litellm(two)["acme_ai/long-1"]
    # Cache rates the manifest leaves out are the input rate; a tier's missing rate is the
    # base rate; a threshold that is no multiple of 1000 is written in tokens.
    assert {k: v for k, v in entry.items() if "cost" in k} == {
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 2e-06,
        "cache_read_input_token_cost": 1e-07,
        "cache_creation_input_token_cost": 1e-06,
        "input_cost_per_token_above_200k_tokens": 2e-06,
        "output_cost_per_token_above_200k_tokens": 2e-06,
        "cache_read_input_token_cost_above_200k_tokens": 1e-07,
        "cache_creation_input_token_cost_above_200k_tokens": 2e-06,
        "input_cost_per_token_above_131072_tokens": 1e-06,
        "output_cost_per_token_above_131072_tokens": 3e-06,
        "cache_read_input_token_cost_above_131072_tokens": 1e-07,
        "cache_creation_input_token_cost_above_131072_tokens": 1e-06,
    }
    embed = export_litellm(two)["acme_ai/embed-1"]
    assert "output_cost_per_token" not in embed
    assert embed["input_cost_per_token"] == 2e-08


MILLION = Decimal(1_000_000)


def test_model_map_writes_tiered_pricing_for_every_entry(two: Registry) -> None:
    """LiteLLM prefers tiered_pricing to the flat fields, and register_model keeps a key we
    leave out: so every entry writes its own table, a flat price as one range, lest LiteLLM's
    own table for the model (its dashscope and opencode_go rows have them) price it."""
    exported = export_litellm(two)
    rates = ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost")
    write = "cache_creation_input_token_cost"

    def per_token(*values: float) -> dict[str, float]:
        keys = (*rates, write)
        return {k: float(Decimal(str(v)) / MILLION) for k, v in zip(keys, values, strict=True)}

    assert exported["acme_ai/long-1"]["tiered_pricing"] == [
        {"range": [0, 131072], **per_token(1, 2, 0.1, 1)},
        {"range": [131072, 200000], **per_token(1, 3, 0.1, 1)},
        {"range": [200000, 200001], **per_token(2, 2, 0.1, 2)},
    ]
    assert exported["acme_ai/chat-1"]["tiered_pricing"] == [
        {"range": [0, 1], **per_token(1, 2, 1, 1)}
    ]
    assert exported["acme_ai/embed-1"]["tiered_pricing"] == [
        {"range": [0, 1], "input_cost_per_token": 2e-08, "cache_read_input_token_cost": 2e-08,
         write: 2e-08}
    ]  # fmt: skip


def _litellm_range(table: list[dict[str, Any]], prompt: int) -> dict[str, Any] | None:
    """LiteLLM 1.110.2's choice of a range (tiered_pricing.py, select_tier_for_input): the
    first, by start, with start < prompt <= end; past them all, the last; none for 0."""
    if prompt <= 0:
        return None
    ordered = sorted(table, key=lambda t: t["range"][0])
    inside = [t for t in ordered if t["range"][0] < prompt <= t["range"][1]]
    return inside[0] if inside else ordered[-1]


@pytest.mark.parametrize("prompt", [1, 1000, 131072, 131073, 200000, 200001, 10**6])
def test_tiered_pricing_charges_each_prompt_as_we_do(two: Registry, prompt: int) -> None:
    """Our tiers apply to the whole request above a threshold, as LiteLLM's ranges do; the
    prompts at and just past each threshold are where the two readings could part."""
    chosen = _litellm_range(export_litellm(two)["acme_ai/long-1"]["tiered_pricing"], prompt)
    assert chosen is not None
    theirs = prompt * chosen["input_cost_per_token"] + 500 * chosen["output_cost_per_token"]
    ours = resolve("acme/long-1", registry=two).cost(input_tokens=prompt, output_tokens=500)
    assert ours is not None
    assert abs(float(ours) - theirs) <= 1e-12


def test_model_map_filters(two: Registry) -> None:
    assert list(litellm_model_map(two, providers=["acme"]).models) == list(export_litellm(two))
    only = litellm_model_map(two, models=["acme/chat-1", "newco/chat-1"])
    assert list(only.models) == ["acme_ai/chat-1"]
    assert only.left_out == {"no_litellm_name": ["newco/chat-1"]}
    both = litellm_model_map(two, providers=["newco"], models=["acme/embed-1"])
    assert list(both.models) == ["acme_ai/embed-1"]
    assert len(both.left_out["no_litellm_name"]) == len(two.providers["newco"].models) - 1
    with pytest.raises(UnknownProviderError, match=r"'acm'.*did you mean 'acme'"):
        litellm_model_map(two, providers=["acm"])
    with pytest.raises(
        UnknownModelError, match=r"'chat-2' for provider 'acme'.*did you mean 'chat-1'"
    ):
        litellm_model_map(two, models=["acme/chat-2"])


def test_builtin_lmstudio_is_written_under_litellms_name(builtin: Registry) -> None:
    exported = litellm_model_map(builtin, providers=["lmstudio"])
    assert exported.models
    assert all(key.startswith("lm_studio/") for key in exported.models)


def test_cli_litellm_reports_what_it_left_out(
    two: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for pid in ("acme", "newco"):
        (tmp_path / f"{pid}.yaml").write_text(
            PRICED.format(
                id=pid,
                key=f"{pid.upper()}_API_KEY",
                interop="interop: {litellm: [acme_ai]}\n" if pid == "acme" else "",
            ),
            encoding="utf-8",
        )
    args = ["export", "--format", "litellm", "--path", str(tmp_path)]
    args += ["--provider", "acme", "--provider", "newco"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == export_litellm(two)
    assert err == (
        "registry: wrote 4 models for LiteLLM; left out 12:\n"
        "  2  retired: no longer served\n"
        f"  7  {LITELLM_LEFT_OUT['no_litellm_name']}: newco (7)\n"
        f"  1  {LITELLM_LEFT_OUT['mode']}\n"
        f"  2  {LITELLM_LEFT_OUT['unpriced']}\n"
        "  (--verbose names each model)\n"
    )
    assert main([*args, "-v"]) == 0
    assert "      acme/unpriced-1\n" in capsys.readouterr().err
    assert main([*args[:-4], "--provider", "acm"]) == 1
    assert "unknown provider 'acm' (did you mean 'acme'" in capsys.readouterr().err
    assert main(["export", "--format", "litellm-proxy", "--provider", "acme"]) == 2
    assert main(["export", "--format", "json", "--provider", "acme"]) == 2


# ---------------------------------------------------------------------------------------------
# In the real litellm


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _install(target: Path) -> str | None:
    """Make a virtual environment with litellm at ``target``; the reason it failed, or None."""
    work = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    uv = shutil.which("uv")
    uv_cmd = [uv] if uv else [sys.executable, "-m", "uv"] if importlib.util.find_spec("uv") else []
    requirement = f"litellm=={LITELLM_VERSION}"
    python = str(_python(work))
    if uv_cmd:
        steps = [
            [*uv_cmd, "venv", "--quiet", "--python", sys.executable, str(work)],
            [*uv_cmd, "pip", "install", "--quiet", "--python", python, requirement],
        ]
    else:
        steps = [
            [sys.executable, "-m", "venv", str(work)],
            [python, "-m", "pip", "install", "--quiet", requirement],
        ]
    steps.append([python, "-c", "import litellm"])
    try:
        for step in steps:
            done = subprocess.run(
                step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, cwd=work.parent
            )
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                return f"`{' '.join(step[:3])} ...` failed: {' / '.join(tail)}"
        (work / READY).write_text(LITELLM_VERSION, encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)  # a copy left unfinished, if any
        try:
            work.rename(target)
        except OSError:
            if not target.is_dir():  # another run finished first otherwise
                raise
        return None
    except subprocess.TimeoutExpired:
        return f"the install took more than {INSTALL_TIMEOUT} s"
    except OSError as exc:
        return str(exc)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def litellm_python() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache / "provider-registry-tests" / f"litellm-{LITELLM_VERSION}"
    if not (venv / READY).is_file():
        failed = _install(venv)
        if failed:
            pytest.skip(f"litellm {LITELLM_VERSION} cannot be installed here: {failed}")
    return _python(venv)


@pytest.fixture(scope="module")
def clean() -> Iterator[pytest.MonkeyPatch]:
    """No variable of a built-in manifest set (module scope: conftest's clean_env is per test)."""
    from .conftest import _VARIABLES

    with pytest.MonkeyPatch.context() as mp:
        for name in _VARIABLES:
            mp.delenv(name, raising=False)
        yield mp


def _chat_model(reg: Registry, pid: str) -> str | None:
    """A chat model of ``pid`` in service and not deprecated (the first, by id)."""
    for model_id, m in sorted(reg.providers[pid].models.items()):
        if m.mode == "chat" and m.status not in ("retired", "deprecated") and not m.retired_on:
            return model_id
    return None


def _usages(model: Any) -> list[list[Any]]:
    """[prompt, completion, cached, cache_write, instant] cases for one model: small calls,
    cache reads and writes, and prompts at, just past and above every tier and above the
    thresholds LiteLLM's own entries use (an entry of LiteLLM's could keep a tier ours lacks),
    each at the INSTANTS of a model with windows, else at PLAIN_INSTANTS."""
    windowed = model.price is not None and bool(model.price.windows)
    instants = INSTANTS if windowed else PLAIN_INSTANTS
    return [[*usage, t.isoformat()] for usage in _counts(model) for t in instants]


def _counts(model: Any) -> list[list[int]]:
    if model.mode == "embedding":
        return [[1000, 0, 0, 0], [300_000, 0, 0, 0]]
    tiers = model.price.tiers if model.price is not None else []
    # At a threshold and one token past it, where LiteLLM's ranges (start < prompt <= end)
    # and our tiers (more tokens than the threshold) could part.
    edges = {n + d for t in tiers for n in [t.above_input_tokens] for d in (0, 1, 1000)}
    large = edges | {130_000, 210_000, 280_000}
    cases = [[1000, 500, 0, 0], [1000, 500, 400, 0], [1000, 500, 0, 300]]
    cases += [[n, 500, 0, 0] for n in sorted(large)] + [[n, 500, 20_000, 0] for n in sorted(large)]
    return cases


@pytest.fixture(scope="module")
def litellm_run(
    litellm_python: Path, builtin: Registry, clean: pytest.MonkeyPatch, tmp_path_factory: Any
) -> dict[str, Any]:
    """One run of the probe over the whole export; its answer, with what we expect beside it."""
    exported = litellm_model_map(builtin)
    where = {}  # model map key -> (provider id, model id)
    for pid, p in builtin.providers.items():
        name = p.interop.litellm[0] if p.interop.litellm else pid
        for model_id in p.models:
            where[f"{name}/{model_id}"] = (pid, model_id)
    costs = {}
    for key in exported.models:
        pid, model_id = where[key]
        costs[key] = _usages(builtin.providers[pid].models[model_id])
    name_of = {where[key][0]: key.split("/", 1)[0] for key in exported.models}
    calls = []
    for pid, name in sorted(name_of.items()):
        model_id = _chat_model(builtin, pid)
        if model_id is not None:
            calls.append({"provider": pid, "model": f"{name}/{model_id}", "api_key": "sk-test"})

    # One proxy entry per provider with a chat model, each provider's variables set as the
    # proxy's environment would have them, and LiteLLM's own key variables set too: they must
    # never be sent.
    # A base URL with an account or host in it (${VAR}) has no place in a LiteLLM config, which
    # takes only a whole value from a variable: the export refuses those, and they are left out.
    proxy_models = []
    for pid, p in builtin.providers.items():
        placed = {spec.env for spec in p.params.values() if spec.send_as.placeholder}
        model_id = _chat_model(builtin, pid)
        if model_id is not None and set(p.api.base_url_vars) <= placed:
            proxy_models.append(f"{pid}/{model_id}")
    # LiteLLM falls back to OPENAI_API_KEY and ANTHROPIC_API_KEY, which are set as well.
    env = {}
    for pid in builtin.providers:
        p = builtin.providers[pid]
        for var in p.auth.env:
            env[var] = f"key-of-{var}"
        for spec in p.params.values():
            if spec.env:
                # A value placed into a host must be a DNS label: the region's.
                env[spec.env] = "eu-west-3" if spec.send_as.placeholder else "team/proj"
        for var in p.api.base_url_vars:  # an account or host in the URL: our side resolves them
            env.setdefault(var, place_value(p, var))
    for name, value in env.items():
        clean.setenv(name, value)
    config = litellm_proxy_config(builtin, proxy_models)
    ours = {}
    for model in proxy_models:
        res = resolve(model, registry=builtin)
        prompt, completion = PROXY_USAGE
        ours[model] = {
            "url": str(res.build_request(HI).url),
            "key": res.api_key,
            "unpriced_note": any(n.startswith(f"{model}: no price") for n in config.notes),
            "key_header": res.provider.auth.header.lower(),
            "costs": [
                res.cost(input_tokens=prompt, output_tokens=completion, at=t) for t in INSTANTS
            ],
        }
    job = {
        "model_map": exported.models,
        "routes": list(exported.models),
        "costs": costs,
        "calls": calls,
        "proxy": {
            "config": config.text,
            "env": env,
            "usage": list(PROXY_USAGE),
            "instants": [t.isoformat() for t in INSTANTS],
        },
    }
    out = tmp_path_factory.mktemp("litellm") / "answer.json"
    probe_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(out.parent)}
    if os.name == "nt":
        probe_env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    done = subprocess.run(
        [str(litellm_python), str(PROBE), str(out)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=300,
        env=probe_env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    answer["expected"] = {"where": where, "costs": costs, "proxy": ours, "exported": exported}
    return answer


def _close(ours: Decimal | None, theirs: object) -> bool:
    if ours is None or not isinstance(theirs, float):
        return False
    # LiteLLM works in binary floats: a few ulps apart is the same price.
    return abs(float(ours) - theirs) <= 1e-9 * max(float(ours), 1e-9)


@pytest.mark.slow
def test_litellm_knows_every_name_we_write(litellm_run: dict[str, Any]) -> None:
    assert litellm_run["version"] == LITELLM_VERSION
    names = {
        entry["litellm_provider"] for entry in litellm_run["expected"]["exported"].models.values()
    }
    assert names - set(litellm_run["providers"]) == set()


@pytest.mark.slow
def test_register_model_takes_the_map_without_a_warning(litellm_run: dict[str, Any]) -> None:
    assert litellm_run["register_log"] == []


@pytest.mark.slow
def test_every_entry_is_routable(litellm_run: dict[str, Any]) -> None:
    wrong = {}
    for key, got in litellm_run["routes"].items():
        name, model_id = key.split("/", 1)
        if not isinstance(got, list) or got[:2] != [model_id, name]:
            wrong[key] = got
    assert wrong == {}
    assert len(litellm_run["routes"]) == len(litellm_run["expected"]["exported"].models)


@pytest.mark.slow
def test_every_entry_is_priced_as_we_price_it(
    litellm_run: dict[str, Any], builtin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    for p in builtin.providers.values():  # an account or host in a base URL
        set_places(p, monkeypatch)
    expected = litellm_run["expected"]
    wrong = []
    checked = 0
    for key, theirs in litellm_run["costs"].items():
        pid, model_id = expected["where"][key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecatedModelWarning)  # still served and priced
            res = resolve(f"{pid}/{model_id}", registry=builtin)
        for (prompt, completion, cached, write, instant), cost in zip(
            expected["costs"][key], theirs, strict=True
        ):
            ours = res.cost(
                input_tokens=prompt,
                output_tokens=completion,
                cached_tokens=cached,
                cache_write_tokens=write,
                at=datetime.datetime.fromisoformat(instant),
            )
            checked += 1
            if not _close(ours, cost):
                wrong.append((key, (prompt, completion, cached, write, instant), str(ours), cost))
    assert wrong == []
    assert checked > 10_000
    # The windows were put to the test: an off-peak instant is cheaper than a peak one there.
    key = "deepseek/deepseek-v4-pro"
    # (the last case at each instant: one usage at four instants)
    instants = [case[4] for case in expected["costs"][key]]
    by_instant = dict(zip(instants, litellm_run["costs"][key], strict=True))
    peak, off_peak, saturday, sunday = (by_instant[t.isoformat()] for t in INSTANTS)
    # DeepSeek's page: off-peak outside 01:00-04:00 and 06:00-10:00 UTC on weekdays, and all
    # day on Saturday and Sunday (so Saturday 03:00 is off-peak too).
    assert off_peak < peak
    assert saturday == sunday == off_peak


@pytest.mark.slow
def test_litellm_calls_each_named_provider_where_we_do(
    litellm_run: dict[str, Any], builtin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    for p in builtin.providers.values():  # an account or host in a base URL
        set_places(p, monkeypatch)
    elsewhere = {}
    for call in litellm_run["calls"]:
        pid = call["provider"]
        model_id = call["model"].split("/", 1)[1]
        if call["url"] != our_url(builtin, f"{pid}/{model_id}"):
            elsewhere[pid] = call["url"] or call["error"]
    expected = {
        pid: url.format(model=_chat_model(builtin, pid))
        for pid, (url, _) in LITELLM_CALLS_ELSEWHERE.items()
    }
    assert elsewhere == expected


@pytest.mark.slow
def test_proxy_config_sends_each_request_where_we_do(litellm_run: dict[str, Any]) -> None:
    ours = litellm_run["expected"]["proxy"]
    got = {entry["model_name"]: entry for entry in litellm_run["proxy"]}
    assert set(got) == set(ours)
    dialects = {resolve(model).dialect for model in ours}
    assert dialects == set(DIALECTS)  # every dialect is covered, Anthropic's included
    wrong = {}
    for model, want in ours.items():
        entry = got[model]
        headers = entry["headers"] or {}
        sent_key = headers.get(want["key_header"], "")
        problems = []
        if entry["url"] != want["url"]:
            problems.append(f"url {entry['url']} (error: {entry['error']})")
        if want["key"] is None:
            if sent_key not in ("", f"Bearer {NO_KEY}", NO_KEY):
                problems.append(f"key {sent_key!r} sent to a server that needs none")
        elif not sent_key.endswith(want["key"]):
            problems.append(f"key header {sent_key!r}")
        others = [
            v for v in headers.values() if "key-of-" in v and not v.endswith(str(want["key"]))
        ]
        if others:
            problems.append(f"another provider's key was sent: {others}")
        for instant, cost, their_cost in zip(INSTANTS, want["costs"], entry["costs"], strict=True):
            if cost is None:
                # LiteLLM counts a call it cannot price as free; the export says so.
                if not want["unpriced_note"]:
                    problems.append("unpriced, and no note says so")
            elif not _close(cost, their_cost):
                problems.append(f"cost {their_cost} at {instant} (ours {cost})")
        if problems:
            wrong[model] = problems
    assert wrong == {}


@pytest.mark.slow
def test_proxy_sends_the_wandb_project_header(litellm_run: dict[str, Any]) -> None:
    entry = next(e for e in litellm_run["proxy"] if e["model_name"].startswith("wandb/"))
    assert entry["headers"]["openai-project"] == "team/proj"


def test_cli_export_help_names_the_filters(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    help_text = capsys.readouterr().out
    assert "--provider ID" in help_text
    assert "registry export --format litellm --provider groq --model gpt-5.2 -v" in help_text


def test_cli_litellm_proxy_writes_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "config.yaml"
    buf = io.StringIO()
    args = ["export", "--format", "litellm-proxy", "--model", "anthropic/claude-haiku-4-5"]
    assert main([*args, "-o", str(target)], out=buf) == 0
    params = yaml.safe_load(target.read_text(encoding="utf-8"))["model_list"][0]["litellm_params"]
    assert params["api_base"] == "https://api.anthropic.com"
    assert params["model"] == "anthropic/claude-haiku-4-5"
