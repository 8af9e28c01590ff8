"""Run inside an interpreter that has the real `litellm` (tests/test_export_litellm.py makes one);
never imported by the test run itself.

Reads a JSON job on stdin and writes one JSON answer to the file named by its argument (LiteLLM
prints to stdout on its own). Nothing goes to the network: every request LiteLLM sends is caught
at httpx's transport, recorded (URL and headers), and answered with a canned reply in the
request's own dialect (OpenAI, Anthropic or Gemini), so LiteLLM's routing, URL composition and
cost accounting all run as they would for real.

The job:
  model_map    a map from `registry export --format litellm`, given to litellm.register_model
  routes       keys of that map to pass to litellm.get_llm_provider
  costs        {key: [[prompt, completion, cached, cache_write, instant], ...]}: LiteLLM's cost
               of each, with its billing clock pinned at the instant (ISO 8601, UTC), which
               picks the off_peak_pricing window
  calls        [{model, api_base, api_key}]: litellm.completion, to record the URL it calls
  proxy        {config: YAML text, env: {VAR: value}, usage: [prompt, completion],
               instants: [ISO 8601, ...]}: the config's model_list, loaded as LiteLLM's proxy
               loads it, in a litellm.Router; each model_name is called once per instant, with
               the billing clock pinned there
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import datetime
from importlib import metadata
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no fetch of LiteLLM's own price table

import httpx  # after the variable above, which litellm reads at import

SENT: list[dict[str, Any]] = []
USAGE = {"prompt": 1000, "completion": 500}


def _reply(request: httpx.Request) -> httpx.Response:
    SENT.append(
        {"method": request.method, "url": str(request.url), "headers": dict(request.headers)}
    )
    if request.method != "POST":
        return httpx.Response(404, json={"error": "not here"}, request=request)
    prompt, completion = USAGE["prompt"], USAGE["completion"]
    if request.url.path.endswith("/converse"):  # Bedrock's Converse reply
        body: dict[str, Any] = {
            "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
            "stopReason": "end_turn",
            "usage": {
                "inputTokens": prompt,
                "outputTokens": completion,
                "totalTokens": prompt + completion,
            },
        }
    elif request.url.path.endswith("/messages"):
        body = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": json.loads(request.content).get("model", "m"),
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": prompt, "output_tokens": completion},
        }
    elif ":generateContent" in request.url.path:  # Gemini's native API
        body = {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {
                "promptTokenCount": prompt,
                "candidatesTokenCount": completion,
                "totalTokenCount": prompt + completion,
            },
            "modelVersion": request.url.path.rsplit("/", 1)[-1].split(":", 1)[0],
            "responseId": "resp-1",
        }
    else:
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": json.loads(request.content).get("model", "m"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ok"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
    return httpx.Response(200, json=body, request=request)


def _handle(self: object, request: httpx.Request) -> httpx.Response:
    return _reply(request)


httpx.HTTPTransport.handle_request = _handle  # type: ignore[method-assign,assignment]

import litellm  # noqa: E402
from litellm._internal_context import _billing_time  # noqa: E402
from litellm.secret_managers.main import get_secret  # noqa: E402

litellm.suppress_debug_info = True


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def register(model_map: dict[str, Any]) -> list[str]:
    """Register the map; return every warning or error LiteLLM logged or printed meanwhile."""
    records = _Records()
    loggers = [logging.getLogger(name) for name in ("LiteLLM", "LiteLLM Router", "")]
    for logger in loggers:
        logger.addHandler(records)
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            litellm.register_model(model_map)
    finally:
        for logger in loggers:
            logger.removeHandler(records)
    printed = [line for line in (out.getvalue() + err.getvalue()).splitlines() if line.strip()]
    return records.lines + printed


def routes(keys: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in keys:
        try:
            model, provider, _, api_base = litellm.get_llm_provider(key)
            found[key] = [model, provider, api_base]
        except Exception as exc:  # reported to the test, which fails on it
            found[key] = _error(exc)
    return found


@contextmanager
def billed_at(instant: str) -> Iterator[None]:
    """LiteLLM's billing clock (its _billing_time, read by every off-peak check) pinned."""
    token = _billing_time.set(datetime.fromisoformat(instant))
    try:
        yield
    finally:
        _billing_time.reset(token)


def costs(cases: dict[str, list[list[Any]]]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for key, usages in cases.items():
        provider, model = key.split("/", 1)
        found[key] = []
        for prompt, completion, cached, cache_write, instant in usages:
            usage = litellm.Usage(
                prompt_tokens=prompt,
                completion_tokens=completion,
                total_tokens=prompt + completion,
                prompt_tokens_details={"cached_tokens": cached} if cached else None,
                cache_creation_input_tokens=cache_write or None,
            )
            try:
                # As completion_cost() prices a reply: the wire id and the provider it came from.
                with billed_at(instant):
                    a, b = litellm.cost_per_token(
                        model=model, custom_llm_provider=provider, usage_object=usage
                    )
                found[key].append(a + b)
            except Exception as exc:  # reported to the test
                found[key].append(_error(exc))
    return found


def calls(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = []
    for case in cases:
        SENT.clear()
        error = None
        try:
            litellm.completion(
                model=case["model"],
                api_base=case.get("api_base"),
                api_key=case.get("api_key"),
                messages=[{"role": "user", "content": "hi"}],
            )
        except Exception as exc:  # the URL is what counts; the error is reported too
            error = _error(exc)
        posts = [s for s in SENT if s["method"] == "POST"]
        done.append({**case, "url": posts[-1]["url"] if posts else None, "error": error})
    return done


def proxy(job: dict[str, Any]) -> list[dict[str, Any]]:
    import yaml

    os.environ.update(job["env"])
    USAGE["prompt"], USAGE["completion"] = job["usage"]
    model_list = yaml.safe_load(job["config"])["model_list"]
    for deployment in model_list:
        # What the proxy does with a config's model_list (litellm/proxy/proxy_server.py,
        # ProxyConfig._check_for_os_environ_vars and load_config): every os.environ/ value, at
        # any depth, becomes the variable's value, by LiteLLM's own get_secret.
        deployment["litellm_params"] = _environ(deployment["litellm_params"])
    router = litellm.Router(model_list=model_list, num_retries=0)
    done = []
    for deployment in model_list:
        SENT.clear()
        error = None
        costs: list[Any] = []
        for instant in job["instants"]:
            try:
                with billed_at(instant):
                    reply = router.completion(
                        model=deployment["model_name"],
                        messages=[{"role": "user", "content": "hi"}],
                    )
                costs.append(reply._hidden_params.get("response_cost"))
            except Exception as exc:  # reported to the test
                error = _error(exc)
                costs.append(None)
        posts = [s for s in SENT if s["method"] == "POST"]
        done.append(
            {
                "model_name": deployment["model_name"],
                "url": posts[-1]["url"] if posts else None,
                "headers": posts[-1]["headers"] if posts else None,
                "costs": costs,
                "error": error,
            }
        )
    return done


def _environ(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _environ(v) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("os.environ/"):
        return get_secret(value)
    return value


def main() -> None:
    job = json.load(sys.stdin)
    answer: dict[str, Any] = {
        "version": metadata.version("litellm"),
        "providers": sorted(str(getattr(p, "value", p)) for p in litellm.provider_list),
    }
    if "model_map" in job:
        answer["register_log"] = register(job["model_map"])
    if "routes" in job:
        answer["routes"] = routes(job["routes"])
    if "costs" in job:
        answer["costs"] = costs(job["costs"])
    if "calls" in job:
        answer["calls"] = calls(job["calls"])
    if "proxy" in job:
        answer["proxy"] = proxy(job["proxy"])
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(answer, f)


if __name__ == "__main__":
    main()
