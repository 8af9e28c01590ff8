"""Benchmarks for the hot path, the cold start, loading, validation and a 100,000-model catalog.

Prints medians (min-max) and ratios against baselines measured in the same run, then a summary of
the targets, each met or missed; asserts nothing. Run with `make bench`. Where litellm is
importable (it is never a dependency), litellm.get_llm_provider() is timed on the same strings.

The client rows run completion(), a stream and 32 concurrent acompletion() calls against a local
keep-alive HTTP/1.1 server (this script with --serve, in a process of its own), beside raw httpx,
the OpenAI SDK and LiteLLM where installed, their loops interleaved. `--client` runs that
section alone. On a shared machine those rows are noisy: compare ratios over a few runs.

`--cold` runs only the loads of the built-ins in this process, a memo-hit resolve and the cold
starts (a minute or so, for trying a change to what a start does).

In-process figures are ns per call over a loop sized to take about 0.1 s, repeated REPEATS
times. Process figures are wall time and peak RSS of a fresh interpreter (Linux: read from
/proc). Every child gets a compiled-snapshot cache directory of this run's own (a temporary one),
never the user's cache.
"""

from __future__ import annotations

import compileall
import contextlib
import importlib
import inspect
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import gen_catalog  # beside this script, which Python puts first on sys.path
import httpx

import provider_registry
from provider_registry import Registry, RegistryError, completion, load_registry, offers, resolve
from provider_registry._offers import OfferIndex

try:  # internal: the memo-miss rows are skipped (and say so) if it moves or changes
    from provider_registry._resolver import _resolve
except ImportError:
    _resolve = None  # type: ignore[assignment]
try:  # internal: the routed memo-miss row is skipped (and says so) if it moves
    from provider_registry._routing import routed
except ImportError:
    routed = None  # type: ignore[assignment]

REPEATS = 7
LOOP_SECONDS = 0.1
"""Target duration of one timed loop; the call count is calibrated to it."""
CLIENT_ROUNDS = 31
CLIENT_LOOP_SECONDS = 0.02
"""The client rows' loops: more and shorter than the others, since a request's time drifts
with the machine and the server's process; each round times every row once, and a ratio is
the median of the rounds' own ratios (a slow moment falls on both sides of each)."""
WARM_STARTS = 9
GEN_PROVIDERS = 1000
GEN_MODELS = 100

MODEL = "wandb/Llama-3.1-8B-Instruct"
WANDB_BASE = "https://api.inference.wandb.ai/v1"
BARE = "Llama-3.1-8B-Instruct"
OWNED = "gpt-5.2"
"""A bare id found by ownership, and current: a deprecated one warns on every call and is not
memoized, so its hit row would time the warning (gpt-4o's did: 13.6 us, above its miss)."""
TOGETHER_PREFERRED = "meta-llama/Llama-3.3-70B-Instruct-Turbo"
UNKNOWN = "no-such-model-anywhere"
MiB = 1024 * 1024

# The signature the memo-miss rows call; checked at start, so a change is reported, not guessed.
_RESOLVE_PARAMS = [
    "reg",
    "model",
    "provider",
    "api_base",
    "api_key",
    "strict",
    "trust_api_base",
    "params",
    "others_allowed",
    "reads",
    "include_retired",
]


# ---------------------------------------------------------------------------------------------
# timing


def per_call_ns(fn: Callable[[], object], number: int) -> list[float]:
    """ns per call over ``number`` calls, REPEATS times."""
    out = []
    for _ in range(REPEATS):
        start = time.perf_counter_ns()
        for _ in range(number):
            fn()
        out.append((time.perf_counter_ns() - start) / number)
    return out


def calibrate(fn: Callable[[], object], seconds: float = LOOP_SECONDS) -> int:
    """A call count that makes one loop of ``fn`` take about ``seconds``."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 5:
            return max(1, round(number * seconds / elapsed))
        number *= 4


def measure(fn: Callable[[], object]) -> list[float]:
    """ns per call of ``fn``, REPEATS samples (the first calls, untimed, warm it up)."""
    fn()
    return per_call_ns(fn, calibrate(fn))


def measure_side_by_side(
    *fns: Callable[[], object], repeats: int = REPEATS, seconds: float = LOOP_SECONDS
) -> list[list[float]]:
    """measure() for several functions, their timed loops interleaved, so that a slow moment
    of the machine falls on all of them alike (for ratios between them)."""
    numbers = []
    for fn in fns:
        fn()
        numbers.append(calibrate(fn, seconds))
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, number, samples in zip(fns, numbers, out, strict=True):
            start = time.perf_counter_ns()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter_ns() - start) / number)
    return out


def fmt_x(ratio: float) -> str:
    """A ratio as printed: one decimal below 10."""
    return f"x{ratio:,.1f}" if ratio < 10 else f"x{ratio:,.0f}"


def fmt_ns(ns: float) -> str:
    return f"{ns:,.0f} ns" if ns < 10_000 else f"{ns / 1000:,.1f} us"


def row(label: str, samples: Sequence[float], base: float | None = None, note: str = "") -> float:
    """Print one in-process row (ns per call) and return its median."""
    median = statistics.median(samples)
    span = f"({fmt_ns(min(samples))} - {fmt_ns(max(samples))})"
    text = f"  {label:<50} {fmt_ns(median):>11}  {span:<27}"
    if base:
        text += f" x{median / base:,.1f} floor"
    if note:
        text += f"  {note}"
    print(text.rstrip())
    return median


def unknown(reg: Registry) -> None:
    with contextlib.suppress(RegistryError):
        resolve(UNKNOWN, registry=reg)


def unknown_fresh(reg: Registry) -> Callable[[], None]:
    """An unknown name never seen before on every call (a hostile or broken client)."""
    names = (f"{UNKNOWN}-{i}" for i in itertools.count())

    def call() -> None:
        with contextlib.suppress(RegistryError):
            resolve(next(names), registry=reg)

    return call


def call_with(fn: Callable[..., object], kwargs: Mapping[str, Any]) -> Callable[[], object]:
    return lambda: fn(**kwargs)


def miss_supported() -> bool:
    """Whether _resolve() still has the signature the memo-miss rows call."""
    if _resolve is None:
        return False
    return list(inspect.signature(_resolve).parameters) == _RESOLVE_PARAMS


def miss(reg: Registry, model: str, api_base: str | None = None) -> Callable[[], object]:
    """The memo-miss path of ``resolve(model, api_base=...)``: the internal function itself."""
    return lambda: _resolve(reg, model, None, api_base, None, False, False, {}, False, [])


def hit(reg: Registry, model: str, api_base: str | None = None) -> Callable[[], object]:
    """``resolve(model, api_base=...)`` as callers make it; warm, so a memo hit."""
    return lambda: resolve(model, api_base=api_base, registry=reg)


# ---------------------------------------------------------------------------------------------
# child processes

# The child reports its own peak RSS (VmHWM). The kernel's ru_maxrss for a child would carry
# the forking parent's RSS across exec, so every child would look as big as this script.
_PEAK = "; print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"

# For a command that is not Python code we can append to: a small interpreter spawns it and
# reports its ru_maxrss. That figure is max(the spawner's own RSS, about 10 MiB, carried across
# exec; the command's peak), so it is exact for any command that peaks above the spawner.
_SPAWNER = """\
import os, sys, time
argv = sys.argv[1:]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
sys.stdout.flush()
print("@bench", wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def child_run(code: str, env: Mapping[str, str] | None = None) -> tuple[float, float, list[str]]:
    """Wall seconds, peak RSS MiB and the other output lines of ``python -c code`` (Linux)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code.rstrip() + _PEAK],
        capture_output=True,
        text=True,
        env=None if env is None else dict(env),
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {code}\n{proc.stderr}")
    lines = proc.stdout.split("\n")
    lines = [line for line in lines if line]
    return wall, int(lines[-1]) / 1024, lines[:-1]


def child(code: str, env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS MiB of ``python -c code`` in a fresh process (Linux)."""
    wall, rss, _ = child_run(code, env)
    return wall, rss


class Spawned(NamedTuple):
    wall: float
    rss: float
    returncode: int
    output: str


def spawn(argv: Sequence[str], env: Mapping[str, str]) -> Spawned:
    """Wall seconds, peak RSS MiB, exit status and output of an arbitrary command."""
    proc = subprocess.run(
        [sys.executable, "-c", _SPAWNER, *argv],
        capture_output=True,
        text=True,
        env=dict(env),
    )
    out, _, tail = proc.stdout.rpartition("@bench ")
    if proc.returncode != 0 or not tail:
        raise SystemExit(f"spawner failed: {argv}\n{proc.stderr}")
    wall, kib, code = tail.split()
    return Spawned(float(wall), int(kib) / 1024, int(code), out + proc.stderr)


def env_with(**changes: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(changes)
    return env


def registry_command() -> list[str]:
    """``python -m provider_registry`` when that works, else the console script beside Python."""
    argv = [sys.executable, "-m", "provider_registry"]
    probe = subprocess.run([*argv, "--help"], capture_output=True, check=False)
    if probe.returncode == 0:
        return argv
    return [str(Path(sys.executable).with_name("registry"))]


def shown(command: Sequence[str]) -> str:
    """A command line as printed: the interpreter by its name only."""
    return " ".join([Path(command[0]).name, *command[1:]])


def progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 0) -> str:
    return f"({min(values) * scale:,.{digits}f}-{max(values) * scale:,.{digits}f})"


# Load timing inside the child: import, then load_registry(); printed as one JSON line. With
# ``touch``, every provider's manifest is then read (reg.providers decodes the lazily kept ones).
_LOAD = """\
import json, time
t0 = time.perf_counter()
from provider_registry import load_registry
t1 = time.perf_counter()
reg = load_registry({paths}, env=False)
t2 = time.perf_counter()
if {touch}:
    sum(len(p.models) for p in reg.providers.values())
print(json.dumps([t1 - t0, t2 - t1, time.perf_counter() - t2, len(reg)]))
"""


class Load(NamedTuple):
    wall: float
    rss: float
    import_s: float
    load_s: float
    touch_s: float
    providers: int


def child_load(paths: Sequence[str], env: Mapping[str, str], touch: bool = False) -> Load:
    code = _LOAD.format(paths=json.dumps(list(paths)), touch=touch)
    wall, rss, lines = child_run(code, env)
    imp, load, touched, providers = json.loads(lines[-1])
    return Load(wall, rss, imp, load, touched, providers)


T = TypeVar("T")


def snapshots(cache: Path) -> set[tuple[str, int]]:
    """The compiled snapshots in a cache directory, by name and modification time."""
    if not cache.is_dir():
        return set()
    return {(p.name, p.stat().st_mtime_ns) for p in cache.glob("*.pickle")}


def from_snapshot(run: Callable[[], T], cache: Path, count: int) -> tuple[list[T], int]:
    """``count`` results of ``run``, each from a process that loaded an existing snapshot.

    A run that wrote a snapshot compiled instead: the library's source (part of the snapshot
    key) or a manifest changed meanwhile, as when someone edits the library during the run. Such
    a run is left out and made again, up to ``count`` times; returns the results and how many
    were left out.
    """
    kept: list[T] = []
    left_out: list[T] = []
    while len(kept) < count and len(left_out) < count:
        before = snapshots(cache)
        result = run()
        (left_out if snapshots(cache) - before else kept).append(result)
    return (kept or left_out), len(left_out)


def left_out_note(n: int) -> None:
    if n:
        print(
            f"  NOTE: {n} run(s) compiled a new snapshot instead of loading one (the library's "
            "source or a manifest changed during the run) and were left out"
        )


def load_line(label: str, runs: Sequence[Load], touch: bool = False) -> None:
    walls = [r.wall for r in runs]
    load_ms = med([r.load_s for r in runs]) * 1000
    import_ms = med([r.import_s for r in runs]) * 1000
    rss = [r.rss for r in runs]
    print(
        f"  {label:<42} wall {med(walls) * 1000:8,.0f} ms {spread(walls, 1000):<15} "
        f"peak {med(rss):6.1f} MiB {spread(rss, 1, 1):<13}  "
        f"in-process: import {import_ms:,.0f} ms + load_registry() {load_ms:,.0f} ms"
        + (f" + providers {med([r.touch_s for r in runs]) * 1000:,.0f} ms" if touch else "")
        + f"  n={len(runs)}"
    )


# ---------------------------------------------------------------------------------------------
# targets


class Target(NamedTuple):
    figure: str
    met: bool | None  # None: not measured in this run


# In the order they are printed; each is filled in by the section that measures it.
TARGET_NAMES = (
    "warm resolve prefixed id median <= 1 us (memo hit)",
    "prefixed id >= 10x faster than litellm.get_llm_provider",
    "bare id + api_base >= 100x faster than litellm's path",
    "cost() median <= 5 us",
    "routed resolve (route='cheapest') memo hit <= 20 us",
    "cold start wall <= 0.6x floor (warm snapshot)",
    "cold start peak RSS <= 1.2x floor (warm snapshot)",
    "100k: load from compiled <= 1 s (process wall)",
    "100k: resolve prefixed id, memo hit, within 1.5x built-in",
    "100k: resolve prefixed id, memo miss, within 1.5x built-in",
    "100k: resolve bare id + api_base, memo hit, within 1.5x built-in",
    "100k: resolve bare id + api_base, memo miss, within 1.5x built-in",
    "100k: peak RSS <= 400 MiB, load from compiled",
    "100k: peak RSS <= 400 MiB, first load (compiles)",
    "100k: registry validate of the 1,000 files <= 60 s",
    "client: default completion() <= 1.1x raw httpx.Client.post",
    "client: 50-chunk stream <= 1.2x raw httpx streaming",
    "client: acompletion() x32 concurrent <= 1.1x raw httpx.AsyncClient",
)
TARGETS: dict[str, Target] = {name: Target("not measured", None) for name in TARGET_NAMES}


def target(name: str, figure: str, met: bool | None) -> None:
    if name not in TARGETS:
        raise KeyError(name)
    TARGETS[name] = Target(figure, met)


def print_targets() -> None:
    print("\ntargets:")
    for name, t in TARGETS.items():
        verdict = {True: "met", False: "MISSED", None: "n/a"}[t.met]
        print(f"  {verdict:<7} {name:<66} {t.figure}")
    met = sum(t.met is True for t in TARGETS.values())
    missed = sum(t.met is False for t in TARGETS.values())
    print(f"  {met} met, {missed} missed, {len(TARGETS) - met - missed} not measured")


# ---------------------------------------------------------------------------------------------
# sections


class HotPath(NamedTuple):
    """Medians (ns) of the hot-path rows, by case label; ``miss`` is empty when not measured."""

    floor: float
    hit: dict[str, float]
    miss: dict[str, float]
    cases: list[tuple[str, str, str | None]]


def together_model(reg: Registry) -> str:
    """A model the together provider serves (the preferred one, else its first GA model)."""
    models = reg.provider("together").models
    if TOGETHER_PREFERRED in models and models[TOGETHER_PREFERRED].status == "ga":
        return TOGETHER_PREFERRED
    return next(name for name, m in models.items() if m.status == "ga")


def floor_fn() -> Callable[[], object]:
    table = {"wandb": {"Llama-3.1-8B-Instruct": "meta-llama/Llama-3.1-8B-Instruct"}}
    model = MODEL

    def floor() -> object:
        head, _, rest = model.partition("/")
        return table[head][rest]

    return floor


def hot_path(reg: Registry, with_miss: bool) -> HotPath:
    print("resolve() per call, warm (memo hit: the public call repeated; memo miss: _resolve()):")
    base = row("floor: partition + 2 dict look-ups", measure(floor_fn()))
    together = f"together_ai/{together_model(reg)}"
    cases: list[tuple[str, str, str | None]] = [
        ("prefixed id", MODEL, None),
        ("provider alias prefix", together, None),
        (f"bare id by ownership ({OWNED})", OWNED, None),
        ("bare id + api_base", BARE, WANDB_BASE),
    ]
    hits: dict[str, float] = {}
    misses: dict[str, float] = {}
    for label, model, api_base in cases:
        what = model if api_base is None else f"{model} @ {api_base}"
        print(f"  {label}: {what}")
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            resolve(model, registry=reg, api_base=api_base)
        if warned:  # a hit row would time the warning: say so rather than mislead
            print(f"    NOTE: {warned[0].message} (warned on every call, never memoized)")
        hits[label] = row("    resolve()        memo hit", measure(hit(reg, model, api_base)), base)
        if with_miss:
            misses[label] = row(
                "    _resolve()       memo miss", measure(miss(reg, model, api_base)), base
            )
    print(f"  unknown model: {UNKNOWN} (RegistryError caught; errors are never memoized)")
    row(
        "    resolve()        same name again",
        measure(lambda: unknown(reg)),
        base,
        "suggestions remembered",
    )
    row("    resolve()        a new name each call", measure(unknown_fresh(reg)), base)
    return HotPath(base, hits, misses, cases)


def offers_section(base: float) -> None:
    """offers(): the identity index, built once per registry on the first call (never by
    resolve(), whose rows above are without it), then each call's look-up."""
    print("\noffers() (the identity index is built by the first call, then kept):")
    builds = []
    for _ in range(REPEATS):
        fresh = load_registry(env=False)  # its own entries: nothing built yet
        start = time.perf_counter_ns()
        index = OfferIndex(fresh)
        builds.append(time.perf_counter_ns() - start)
    print(
        f"  build the index ({len(index.groups):,} identities, {len(index.shared())} shared): "
        f"{med(builds) / 1e6:.0f} ms {spread(builds, 1e-6)}"
    )
    reg = load_registry(env=False)
    offers(MODEL, registry=reg, env={})
    row("  offers() warm, by a wire id", measure(lambda: offers(MODEL, registry=reg, env={})), base)
    row(
        "  offers() warm, by another spelling",
        measure(lambda: offers("llama3.1-8b-instruct", registry=reg, env={})),
        base,
    )


def routed_section(base: float) -> float:
    """resolve(route=...): every offer of the model weighed, the first usable one chosen. The
    answer is memoized and checked, on each hit, against every variable of every offer."""
    print("\nresolve(route=...) (memoized; a hit checks every offer's key, parameter, base vars):")
    reg = load_registry(env=False)
    keys = {"wandb": "bench-key-0000000000000000"}
    n = len(offers(MODEL, registry=reg, env={}))

    def call() -> object:
        return resolve(MODEL, route="cheapest", api_key=keys, registry=reg, project="t/p")

    hit_ns = row(f"  route='cheapest' ({n} offers), memo hit", measure(call), base)
    if routed is None:
        print("  NOTE: provider_registry._routing.routed missing: memo-miss row skipped")
    else:
        given = {"project": "t/p"}
        row(
            "  route='cheapest', memo miss (routed())",
            measure(lambda: routed(reg, MODEL, "cheapest", None, None, keys, given)),
            base,
        )
    return hit_ns


def client_overhead(reg: Registry, base: float) -> float:
    print("\nclient overhead per call, network excluded (an in-memory transport answers):")
    res = resolve(MODEL, registry=reg, api_key="bench-key-0000000000000000", project="t/p")
    messages = [{"role": "user", "content": "Hi"}]
    body = {"messages": messages, "max_tokens": 10}
    row(
        "build_request(body) (rules, limits, headers, JSON)",
        measure(lambda: res.build_request(body)),
        base,
    )
    cost = row(
        "cost(input_tokens=1200, output_tokens=300)",
        measure(lambda: res.cost(input_tokens=1200, output_tokens=300)),
        base,
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
                MODEL,
                messages,
                registry=reg,
                client=client,
                api_key="bench-key-0000000000000000",
                project="t/p",
            )

        row("completion() end to end, in-memory transport", measure(call), base)
    return cost


def cold_start(tmp: Path) -> None:
    print("\ncold start, fresh process (wall, peak RSS; median (min-max)):")
    floor_code = "import yaml, pydantic, httpx"
    ours = "from provider_registry import resolve; resolve('wandb/Llama-3.1-8B-Instruct')"
    cache = tmp / "cold-cache"
    warm_env = env_with(PROVIDER_REGISTRY_CACHE=str(cache))
    first = child(ours, warm_env)  # a fresh directory: this start compiles the snapshot
    floors: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    left_out = 0
    for _ in range(WARM_STARTS):  # interleaved, so drift hits both alike
        floors.append(child(floor_code))
        runs, n = from_snapshot(lambda: child(ours, warm_env), cache, 1)
        warm += runs
        left_out += n
    off = [child(ours, env_with(PROVIDER_REGISTRY_CACHE="off")) for _ in range(3)]
    fw, fr = med([w for w, _ in floors]), med([r for _, r in floors])

    def line(label: str, runs: Sequence[tuple[float, float]]) -> tuple[float, float]:
        walls, rss = [w for w, _ in runs], [r for _, r in runs]
        w, r = med(walls), med(rss)
        print(
            f"  {label:<50} {w * 1000:7,.1f} ms {spread(walls, 1000, 1):<19} x{w / fw:.2f} floor"
            f"   {r:6.1f} MiB {spread(rss, 1, 1):<13} x{r / fr:.2f} floor   n={len(runs)}"
        )
        return w, r

    line(f"floor: python -c '{floor_code}'", floors)
    line("import + resolve, first start (compiles snapshot)", [first])
    w, r = line("import + resolve, warm snapshot", warm)
    line("import + resolve, PROVIDER_REGISTRY_CACHE=off", off)
    left_out_note(left_out)
    target(
        "cold start wall <= 0.6x floor (warm snapshot)",
        f"x{w / fw:.2f} ({w * 1000:.0f} ms)",
        w <= 0.6 * fw,
    )
    target(
        "cold start peak RSS <= 1.2x floor (warm snapshot)",
        f"x{r / fr:.2f} ({r:.1f} MiB)",
        r <= 1.2 * fr,
    )


def builtin_load(tmp: Path, command: list[str], n_models: int) -> None:
    print("\nbuilt-in catalog: load and validate, fresh process:")
    cache = tmp / "load-cache"
    env = env_with(PROVIDER_REGISTRY_CACHE=str(cache))
    child_load([], env)  # compiles the snapshot the next runs load
    snap, left_out = from_snapshot(lambda: child_load([], env), cache, 5)
    full = [child_load([], env_with(PROVIDER_REGISTRY_CACHE="off")) for _ in range(3)]
    print(f"  ({snap[0].providers} providers, {n_models:,} models)")
    load_line("load_registry(env=False), compiled", snap)
    load_line("load_registry(env=False), cache off", full)
    left_out_note(left_out)
    runs = [spawn([*command, "validate"], env) for _ in range(3)]
    walls, rss = [r.wall for r in runs], [r.rss for r in runs]
    last = runs[-1].output.strip().splitlines()[-1:] or ["(no output)"]
    print(
        f"  {shown([*command, 'validate']):<42} wall {med(walls) * 1000:8,.0f} ms "
        f"{spread(walls, 1000):<15} peak {med(rss):6.1f} MiB  n={len(runs)}  "
        f"exit {runs[-1].returncode}: {last[0]}"
    )


def gen_section(tmp: Path, command: list[str], builtin_models: int) -> None:
    n_models = GEN_PROVIDERS * GEN_MODELS
    print(f"\ngenerated catalog: {GEN_PROVIDERS:,} providers x {GEN_MODELS} models = {n_models:,}:")
    directory = tmp / "gen"
    progress(f"generating {GEN_PROVIDERS:,} manifests into {directory}")
    start = time.perf_counter()
    gen_catalog.generate(directory, GEN_PROVIDERS, GEN_MODELS)
    size = sum(p.stat().st_size for p in directory.iterdir())
    print(f"  generated in {time.perf_counter() - start:.1f} s ({size / MiB:.1f} MiB of YAML)")
    cache = tmp / "gen-cache"
    env = env_with(PROVIDER_REGISTRY_CACHE=str(cache))
    progress("first load of the generated catalog (parses, validates, compiles; ~a minute)")
    first = child_load([str(directory)], env)
    compiled, left_out = from_snapshot(lambda: child_load([str(directory)], env), cache, 3)
    touched, n = from_snapshot(lambda: child_load([str(directory)], env, touch=True), cache, 1)
    left_out += n
    total = n_models + builtin_models
    print(f"  ({first.providers:,} providers, {total:,} models with the built-ins)")
    load_line("first load (compiles)", [first])
    load_line("load from compiled", compiled)
    load_line("load from compiled, then reg.providers", touched, touch=True)
    left_out_note(left_out)
    cw, crss = med([r.wall for r in compiled]), med([r.rss for r in compiled])
    target("100k: load from compiled <= 1 s (process wall)", f"{cw:.2f} s", cw <= 1.0)
    target("100k: peak RSS <= 400 MiB, load from compiled", f"{crss:.1f} MiB", crss <= 400)
    target(
        "100k: peak RSS <= 400 MiB, first load (compiles)", f"{first.rss:.1f} MiB", first.rss <= 400
    )

    progress("timing resolve() on the generated catalog in a child process")
    pid = gen_catalog.slug(GEN_PROVIDERS // 2)
    alias = gen_catalog.alias_of(GEN_PROVIDERS // 2, 42)
    gen_base = f"https://api.{pid}.example/v1"
    # (label, built-in model, its api_base, generated model, its api_base)
    cases: list[tuple[str, str, str | None, str, str | None]] = [
        ("prefixed id", MODEL, None, f"{pid}/{alias}", None),
        ("bare id + api_base", BARE, WANDB_BASE, alias, gen_base),
    ]
    proc = subprocess.run(
        [sys.executable, __file__, "--gen-resolve-child", str(directory), json.dumps(cases)],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"resolve child failed\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print("  resolve() per call in one process holding both catalogs (built-in vs generated):")
    for (label, model, api_base, gmodel, gapi_base), timings in zip(cases, result, strict=True):
        theirs = model if api_base is None else f"{model} @ {api_base}"
        generated = gmodel if gapi_base is None else f"{gmodel} @ {gapi_base}"
        print(f"  {label}: built-in {theirs}; generated {generated}")
        for kind in ("hit", "miss"):
            if not timings[kind]:
                continue
            b, g = timings[kind]
            bm = row(f"    built-in  memo {kind}", b)
            gm = row(f"    generated memo {kind}", g, note=f"x{med(g) / bm:.2f} built-in")
            target(
                f"100k: resolve {label}, memo {kind}, within 1.5x built-in",
                f"x{gm / bm:.2f} ({fmt_ns(gm)} vs {fmt_ns(bm)})",
                gm <= 1.5 * bm,
            )

    progress(
        "registry validate on the generated catalog (built-ins + 1,000 files; tens of seconds)"
    )
    run = spawn([*command, "validate", str(directory)], env)
    last = run.output.strip().splitlines()[-1:] or ["(no output)"]
    print(
        f"  {shown([*command, 'validate', '<dir>']):<42} wall {run.wall * 1000:8,.0f} ms {'':<15} "
        f"peak {run.rss:6.1f} MiB  n=1  exit {run.returncode}: {last[0]}"
    )
    ok = run.returncode == 0
    target(
        "100k: registry validate of the 1,000 files <= 60 s",
        f"{run.wall:.1f} s{'' if ok else ' (validation FAILED)'}",
        run.wall <= 60 and ok,
    )


def gen_resolve_child(directory: str, cases_json: str) -> None:
    """Child mode: time resolve() on the built-in and the generated catalog, print JSON."""
    warnings.simplefilter("ignore")
    builtin = load_registry(env=False)
    big = load_registry([directory], env=False)
    out = []
    for _label, model, api_base, gmodel, gapi_base in json.loads(cases_json):
        timings: dict[str, list[list[float]]] = {"hit": [], "miss": []}
        timings["hit"] = measure_side_by_side(
            hit(builtin, model, api_base), hit(big, gmodel, gapi_base)
        )
        if miss_supported():
            timings["miss"] = measure_side_by_side(
                miss(builtin, model, api_base), miss(big, gmodel, gapi_base)
            )
        out.append(timings)
    print(json.dumps(out))


def litellm_section(reg: Registry, hot: HotPath, with_miss: bool) -> None:
    print("\nlitellm.get_llm_provider() on the same strings (same process, adjacent loops):")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        start = time.perf_counter()
        litellm = importlib.import_module("litellm")
    except ImportError:
        print("  litellm not installed: skipped")
        target("prefixed id >= 10x faster than litellm.get_llm_provider", "litellm absent", None)
        target("bare id + api_base >= 100x faster than litellm's path", "litellm absent", None)
        return
    except Exception as exc:  # installed but broken: say so, measure nothing
        print(f"  litellm failed to import ({type(exc).__name__}: {exc}): skipped")
        return
    import_s = time.perf_counter() - start
    version = getattr(litellm, "__version__", None)
    if version is None:
        with contextlib.suppress(Exception):
            from importlib.metadata import version as dist_version

            version = dist_version("litellm")
    print(f"  litellm {version}; imported in this process in {import_s:.2f} s")
    get = litellm.get_llm_provider
    for label, model, api_base in hot.cases:
        what = model if api_base is None else f"{model} @ {api_base}"
        print(f"  {label}: {what}")
        kwargs: dict[str, Any] = {"model": model}
        if api_base is not None:
            kwargs["api_base"] = api_base
        try:
            answer = get(**kwargs)
        except Exception as exc:
            print(f"    litellm raised {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
            if label == "prefixed id":
                target(
                    "prefixed id >= 10x faster than litellm.get_llm_provider",
                    "litellm failed",
                    None,
                )
            elif label == "bare id + api_base":
                target(
                    "bare id + api_base >= 100x faster than litellm's path", "litellm failed", None
                )
            continue
        print(f"    litellm answers {tuple(answer)!r}")
        fns = [call_with(get, kwargs), hit(reg, model, api_base)]
        if with_miss:
            fns.append(miss(reg, model, api_base))
        samples = measure_side_by_side(*fns)
        theirs = row("    litellm.get_llm_provider()", samples[0])
        ours_hit = row("    resolve()        memo hit", samples[1])
        hit_ratio = theirs / ours_hit
        text = f"    litellm / ours: {fmt_x(hit_ratio)} (memo hit)"
        if with_miss:
            ours_miss = row("    _resolve()       memo miss", samples[2])
            text += f", {fmt_x(theirs / ours_miss)} (memo miss)"
        print(text)
        if label == "prefixed id":
            target(
                "prefixed id >= 10x faster than litellm.get_llm_provider",
                f"{fmt_x(hit_ratio)} ({fmt_ns(ours_hit)} vs {fmt_ns(theirs)})",
                hit_ratio >= 10,
            )
        elif label == "bare id + api_base":
            target(
                "bare id + api_base >= 100x faster than litellm's path",
                f"{fmt_x(hit_ratio)} ({fmt_ns(ours_hit)} vs {fmt_ns(theirs)})",
                hit_ratio >= 100,
            )

    runs = [
        child("import litellm", env_with(LITELLM_LOCAL_MODEL_COST_MAP="True")) for _ in range(3)
    ]
    walls, rss = [w for w, _ in runs], [r for _, r in runs]
    print(
        f"  python -c 'import litellm' (fresh process)   {med(walls) * 1000:7.0f} ms "
        f"{spread(walls, 1000)}   peak {med(rss):6.1f} MiB {spread(rss, 1, 1)}  n={len(runs)}"
    )


# ---------------------------------------------------------------------------------------------
# the client against a local keep-alive server

SERVER_CHUNKS = 50
BENCH_KEY = "bench-key-0000000000000000"
_REPLY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1,
        "model": "meta-llama/Llama-3.1-8B-Instruct",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello! How can I help you today?"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
    }
).encode()


def _sse_body() -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "meta-llama/Llama-3.1-8B-Instruct",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(data)}\n\n"

    usage = {"prompt_tokens": 12, "completion_tokens": SERVER_CHUNKS, "total_tokens": 62}
    parts = [chunk({"role": "assistant", "content": ""})]
    parts += [chunk({"content": f" word{i}"}) for i in range(SERVER_CHUNKS - 2)]
    parts += [chunk({}, "stop", usage=usage), "data: [DONE]\n\n"]
    return "".join(parts).encode()


def serve() -> None:
    """Child mode: a keep-alive HTTP/1.1 server on 127.0.0.1 answering every POST with a chat
    completion, or with a 50-chunk SSE stream when the body asks for one; prints its port.
    asyncio, in a process of its own, so it costs the client little and the same for all."""
    import asyncio

    sse = _sse_body()
    json_head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    sse_head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: %d\r\n\r\n"
    answers = (json_head % len(_REPLY) + _REPLY, sse_head % len(sse) + sse)

    class Http(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].lower()
                at = head.find(b"content-length:")
                length = int(head[at + 15 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
                if len(self.buffer) < end + 4 + length:
                    return
                body = self.buffer[end + 4 : end + 4 + length]
                self.buffer = self.buffer[end + 4 + length :]
                streams = b'"stream": true' in body or b'"stream":true' in body
                self.transport.write(answers[streams])  # type: ignore[attr-defined]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Http, "127.0.0.1", 0, backlog=256)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    asyncio.run(main())


def client_section(reg: Registry) -> None:
    """completion() against a local keep-alive server, beside raw httpx (and the OpenAI SDK,
    and LiteLLM where importable) in the same run, calls interleaved."""
    import asyncio

    from provider_registry import acompletion

    print("\nthe client against a local keep-alive HTTP/1.1 server (asyncio, another process):")
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        base = f"http://127.0.0.1:{proc.stdout.readline().strip()}/v1"
        url = f"{base}/chat/completions"
        messages = [{"role": "user", "content": "Hi"}]
        wire = "meta-llama/Llama-3.1-8B-Instruct"
        headers = {"authorization": f"Bearer {BENCH_KEY}", "openai-project": "t/p"}
        ours = {"registry": reg, "api_base": base, "api_key": BENCH_KEY, "project": "t/p"}
        raw = httpx.Client()
        sdk = _openai_client(base)

        def raw_post() -> object:
            return raw.post(url, json={"messages": messages, "model": wire}, headers=headers).json()

        def default_call() -> object:
            return completion(MODEL, messages, **ours)

        def callers_client() -> object:
            return completion(MODEL, messages, client=raw, **ours)

        def client_per_call() -> object:  # what completion() did before the shared client
            with httpx.Client() as fresh:
                return completion(MODEL, messages, client=fresh, **ours)

        fns: list[tuple[str, Callable[[], object]]] = [
            ("raw httpx.Client.post + .json()", raw_post),
            ("completion(), shared default client", default_call),
            ("completion(client=the same httpx.Client)", callers_client),
            ("completion(client=new httpx.Client per call)", client_per_call),
        ]
        if sdk is not None:
            fns.append(
                (
                    "openai SDK chat.completions.create",
                    lambda: sdk.chat.completions.create(model=wire, messages=messages),
                )
            )
        fns += _litellm_calls(base, wire, messages, stream=False)
        print("  one chat completion (small JSON reply):")
        samples = _side_by_side(fns)
        _client_target("client: default completion() <= 1.1x raw httpx.Client.post", samples, 1.1)

        stream_body = {"messages": messages, "model": wire, "stream": True}

        def raw_stream() -> object:
            with raw.stream("POST", url, json=stream_body, headers=headers) as response:
                return sum(1 for line in response.iter_lines() if line)

        def raw_stream_parsed() -> object:  # the same, with each event's JSON decoded
            with raw.stream("POST", url, json=stream_body, headers=headers) as response:
                return sum(
                    1
                    for line in response.iter_lines()
                    if line.startswith("data: {") and json.loads(line[6:])
                )

        def our_stream() -> object:
            return sum(1 for _ in completion(MODEL, messages, stream=True, **ours))

        sfns: list[tuple[str, Callable[[], object]]] = [
            ("raw httpx stream, iter_lines() to the end", raw_stream),
            ("completion(stream=True), read to the end", our_stream),
            ("raw httpx stream + json.loads of each event", raw_stream_parsed),
        ]
        if sdk is not None:

            def sdk_stream() -> object:
                chunks = sdk.chat.completions.create(model=wire, messages=messages, stream=True)
                return sum(1 for _ in chunks)

            sfns.append(("openai SDK, stream=True, read to the end", sdk_stream))
        sfns += _litellm_calls(base, wire, messages, stream=True)
        print(f"  one {SERVER_CHUNKS}-chunk SSE stream:")
        samples = _side_by_side(sfns)
        parsed = f"; x{paired(samples[1], samples[2]):.2f} raw + json.loads"
        _client_target("client: 50-chunk stream <= 1.2x raw httpx streaming", samples, 1.2, parsed)

        loop = asyncio.new_event_loop()
        araw = httpx.AsyncClient()
        asdk = _openai_client(base, async_=True)

        async def raw_batch() -> object:
            async def one() -> object:
                body = {"messages": messages, "model": wire}
                return (await araw.post(url, json=body, headers=headers)).json()

            return await asyncio.gather(*(one() for _ in range(32)))

        async def our_batch() -> object:
            return await asyncio.gather(*(acompletion(MODEL, messages, **ours) for _ in range(32)))

        afns: list[tuple[str, Callable[[], object]]] = [
            ("raw httpx.AsyncClient, 32 x post", lambda: loop.run_until_complete(raw_batch())),
            ("acompletion(), 32 x", lambda: loop.run_until_complete(our_batch())),
        ]
        if asdk is not None:

            async def sdk_batch() -> object:
                return await asyncio.gather(
                    *(
                        asdk.chat.completions.create(model=wire, messages=messages)
                        for _ in range(32)
                    )
                )

            afns.append(
                ("openai AsyncOpenAI, 32 x create", lambda: loop.run_until_complete(sdk_batch()))
            )
        print("  32 concurrent requests (asyncio.gather), per batch:")
        samples = _side_by_side(afns)
        name = "client: acompletion() x32 concurrent <= 1.1x raw httpx.AsyncClient"
        _client_target(name, samples, 1.1)
        loop.run_until_complete(araw.aclose())
        if asdk is not None:
            loop.run_until_complete(asdk.close())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        raw.close()
        if sdk is not None:
            sdk.close()
    finally:
        proc.terminate()
        proc.wait()


def _side_by_side(fns: Sequence[tuple[str, Callable[[], object]]]) -> list[list[float]]:
    """Rows for functions timed with their loops interleaved; the first is the baseline. Each
    row's ratio is paired(): its rounds against the baseline's same rounds."""
    samples = measure_side_by_side(
        *(fn for _, fn in fns), repeats=CLIENT_ROUNDS, seconds=CLIENT_LOOP_SECONDS
    )
    for (label, _), values in zip(fns, samples, strict=True):
        span = f"({fmt_ns(min(values))} - {fmt_ns(max(values))})"
        ratio = paired(values, samples[0])
        print(f"    {label:<48} {fmt_ns(med(values)):>11}  {span:<27} x{ratio:.2f} raw".rstrip())
    return samples


def paired(values: Sequence[float], base: Sequence[float]) -> float:
    """The median of the ratios of samples taken in the same round."""
    return med([v / b for v, b in zip(values, base, strict=True)])


def _client_target(name: str, samples: list[list[float]], limit: float, note: str = "") -> None:
    ratio = paired(samples[1], samples[0])
    figure = f"x{ratio:.2f} ({fmt_ns(med(samples[1]))} vs {fmt_ns(med(samples[0]))}{note})"
    target(name, figure, ratio <= limit)


def _openai_client(base: str, async_: bool = False) -> Any:
    try:
        openai = importlib.import_module("openai")
    except ImportError:
        print("  (openai SDK not installed: its rows are left out)")
        return None
    cls = openai.AsyncOpenAI if async_ else openai.OpenAI
    return cls(base_url=base, api_key=BENCH_KEY, max_retries=0)


def _litellm_calls(
    base: str, wire: str, messages: list[dict[str, str]], stream: bool
) -> list[tuple[str, Callable[[], object]]]:
    try:
        litellm = importlib.import_module("litellm")
    except ImportError:
        print("    (litellm not importable: its row is left out; it is never a dependency)")
        return []
    kwargs = {"model": f"openai/{wire}", "messages": messages, "api_base": base}
    kwargs["api_key"] = BENCH_KEY
    if stream:
        return [
            (
                "litellm.completion(stream=True), to the end",
                lambda: sum(1 for _ in litellm.completion(stream=True, **kwargs)),
            )
        ]
    return [("litellm.completion", lambda: litellm.completion(**kwargs))]


# ---------------------------------------------------------------------------------------------


def warm_load() -> None:
    """load_registry(env=False) again in this process, from the snapshot the first load wrote:
    what a process start pays for the catalog beyond its imports."""
    times = []
    for _ in range(WARM_STARTS * 3):
        start = time.perf_counter()
        load_registry(env=False)
        times.append(time.perf_counter() - start)
    print(
        f"load built-ins in this process again (from the snapshot): {med(times) * 1000:.1f} ms "
        f"{spread(times, 1000, 1)}  n={len(times)}\n"
    )


def main(only: str | None = None) -> None:
    warnings.simplefilter("ignore")
    begun = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="provider-registry-bench-"))
    # This process's own loads cache their snapshot here too, never in the user's cache.
    os.environ["PROVIDER_REGISTRY_CACHE"] = str(tmp / "parent-cache")
    try:
        print(
            f"python {sys.version.split()[0]} ({sys.executable}) on {os.cpu_count()} cores; "
            f"{REPEATS} repeats of ~{LOOP_SECONDS:g} s loops in-process\n"
        )
        # An installed wheel carries bytecode, as the floor's libraries do; a checkout may have
        # none (PYTHONDONTWRITEBYTECODE), which would charge every child for compiling ours.
        compileall.compile_dir(Path(provider_registry.__file__).parent, quiet=1)
        with_miss = miss_supported()
        if not with_miss:
            found = "missing" if _resolve is None else f"now _resolve{inspect.signature(_resolve)}"
            print(f"NOTE: provider_registry._resolver._resolve {found}: memo-miss rows skipped\n")

        start = time.perf_counter()
        reg = load_registry(env=False)
        load_ms = (time.perf_counter() - start) * 1000
        n_models = sum(len(p.models) for p in reg.providers.values())
        print(
            f"load built-ins in this process ({len(reg)} providers, {n_models:,} models): "
            f"{load_ms:.1f} ms (once, compiling)"
        )
        warm_load()
        if only == "cold":
            prefixed = med(measure(hit(reg, MODEL)))
            target(
                "warm resolve prefixed id median <= 1 us (memo hit)",
                fmt_ns(prefixed),
                prefixed <= 1000,
            )
            progress("cold starts")
            cold_start(tmp)
            print_targets()
            return

        hot = hot_path(reg, with_miss)
        cost = client_overhead(reg, hot.floor)
        offers_section(hot.floor)
        routed_hit = routed_section(hot.floor)
        target(
            "routed resolve (route='cheapest') memo hit <= 20 us",
            fmt_ns(routed_hit),
            routed_hit <= 20_000,
        )
        prefixed = hot.hit["prefixed id"]
        figure = fmt_ns(prefixed)
        if "prefixed id" in hot.miss:
            figure += f" (memo miss, not the target: {fmt_ns(hot.miss['prefixed id'])})"
        target("warm resolve prefixed id median <= 1 us (memo hit)", figure, prefixed <= 1000)
        target("cost() median <= 5 us", fmt_ns(cost), cost <= 5000)

        progress("the client against a local server")
        client_section(reg)
        if only == "client":
            print_targets()
            return

        progress("cold starts")
        cold_start(tmp)
        command = registry_command()
        progress("built-in load and validate")
        builtin_load(tmp, command, n_models)

        gen_section(tmp, command, n_models)

        progress("litellm")
        litellm_section(reg, hot, with_miss)
        print_targets()
        print(f"\nwhole run: {time.perf_counter() - begun:.0f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--gen-resolve-child":
        gen_resolve_child(sys.argv[2], sys.argv[3])
    elif sys.argv[1:] == ["--serve"]:
        serve()
    else:
        # --client, --cold: that section alone
        main(only={"--client": "client", "--cold": "cold"}.get(" ".join(sys.argv[1:])))
