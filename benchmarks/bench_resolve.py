"""Benchmarks for the hot path and the cold start. Prints medians (min-max) and ratios against
baselines measured in the same run; asserts nothing. Run with `make bench`.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable

import httpx

from provider_registry import RegistryError, completion, load_registry, resolve

REPEATS = 7


def per_call_ns(fn: Callable[[], object], number: int) -> list[float]:
    """ns per call over ``number`` calls, REPEATS times."""
    out = []
    for _ in range(REPEATS):
        start = time.perf_counter_ns()
        for _ in range(number):
            fn()
        out.append((time.perf_counter_ns() - start) / number)
    return out


def row(label: str, samples: list[float], unit: str, base: float | None = None) -> None:
    med = statistics.median(samples)
    text = f"{label:<44} {med:>10,.1f} {unit}  ({min(samples):,.1f}-{max(samples):,.1f})"
    if base:
        text += f"  x{med / base:,.1f} baseline"
    print(text)


def unknown(reg: object) -> None:
    with contextlib.suppress(RegistryError):
        resolve("no-such-model-anywhere", registry=reg)  # type: ignore[arg-type]


# The child reports its own peak RSS (VmHWM). The kernel's ru_maxrss for a child would carry
# the forking parent's RSS across exec, so every child would look as big as this script.
_PEAK = "; print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"


def child(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS MiB of ``python -c code`` in a fresh process (Linux)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + _PEAK], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {code}\n{proc.stderr}")
    return wall, int(proc.stdout.split()[-1]) / 1024


def main() -> None:
    warnings.simplefilter("ignore")
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; {REPEATS} repeats each\n")

    start = time.perf_counter()
    reg = load_registry(env=False)
    load_ms = (time.perf_counter() - start) * 1000
    n_models = sum(len(p.models) for p in reg.providers.values())
    print(f"load built-ins ({len(reg)} providers, {n_models} models): {load_ms:.1f} ms (once)\n")

    table = {"wandb": {"Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B-Instruct"}}
    model = "wandb/Llama-3.1-8B-Instruct"

    def floor() -> object:
        head, _, rest = model.partition("/")
        return table[head][rest]

    n = 50_000
    base = per_call_ns(floor, n)
    row("baseline: partition + 2 dict look-ups", base, "ns")
    b = statistics.median(base)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("resolve prefixed alias (wandb/Llama-3.1-8B)", lambda: resolve(model, registry=reg)),
        (
            "resolve prefixed wire id",
            lambda: resolve("wandb/meta-llama/Llama-3.1-8B-Instruct", registry=reg),
        ),
        ("resolve bare id by owner rule (gpt-4o)", lambda: resolve("gpt-4o", registry=reg)),
        (
            "resolve bare alias + api_base",
            lambda: resolve(
                "Llama-3.1-8B-Instruct",
                api_base="https://api.inference.wandb.ai/v1",
                registry=reg,
            ),
        ),
        ("resolve with a param (project=)", lambda: resolve(model, project="t/p", registry=reg)),
    ]
    for label, fn in cases:
        row(label, per_call_ns(fn, n), "ns", b)
    row("resolve unknown model (error path)", per_call_ns(lambda: unknown(reg), 200), "ns", b)

    print("\nclient overhead per call, network excluded (an in-memory transport answers):")
    res = resolve(model, registry=reg, api_key="bench-key-0000000000000000", project="t/p")
    body = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 10}
    row(
        "build_request (rules, limits, headers, JSON)",
        per_call_ns(lambda: res.build_request(body), 5_000),
        "ns",
        b,
    )
    row(
        "cost(input_tokens=, output_tokens=)",
        per_call_ns(lambda: res.cost(input_tokens=1200, output_tokens=300), 20_000),
        "ns",
        b,
    )
    reply = json.dumps(
        {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5},
        }
    ).encode()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=reply))
    with httpx.Client(transport=transport) as client:

        def call() -> object:
            return completion(
                model,
                body["messages"],
                registry=reg,
                client=client,
                api_key="bench-key-0000000000000000",
                project="t/p",
            )

        row("completion() end to end, in-memory transport", per_call_ns(call, 2_000), "ns", b)

    print("\ncold start, fresh process (wall, peak RSS):")
    runs = {
        "floor: import yaml, pydantic, httpx": "import yaml, pydantic, httpx",
        "import provider_registry + resolve": (
            "from provider_registry import resolve; resolve('wandb/Llama-3.1-8B-Instruct')"
        ),
    }
    results: dict[str, tuple[list[float], list[float]]] = {}
    for label, code in runs.items():
        walls, rss = zip(*(child(code) for _ in range(5)), strict=True)
        results[label] = (list(walls), list(rss))
    floor_wall = statistics.median(results["floor: import yaml, pydantic, httpx"][0])
    floor_rss = statistics.median(results["floor: import yaml, pydantic, httpx"][1])
    for label, (walls, rss) in results.items():
        w, r = statistics.median(walls) * 1000, statistics.median(rss)
        print(
            f"  {label:<42} {w:7.1f} ms (x{w / 1000 / floor_wall:.2f} floor)  "
            f"{r:6.1f} MiB (x{r / floor_rss:.2f} floor)"
        )


if __name__ == "__main__":
    main()
