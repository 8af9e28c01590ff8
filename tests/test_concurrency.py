"""The registry under concurrent use: resolving and building requests from many threads and
asyncio tasks while another thread reloads and re-registers gives consistent answers and never
raises; reloads swap atomically and a failed reload keeps the old registry."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import provider_registry._registry as registry_module
from provider_registry import (
    ManifestError,
    ManifestWarning,
    default_registry,
    register,
    reload_registry,
    resolve,
)

from .conftest import manifest_text

KEY = "concurrency-test-key-0000000000000000"
WIRE = "meta-llama/Llama-3.1-8B-Instruct"
URL = "https://api.inference.wandb.ai/v1/chat/completions"
BODY = {"messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture(autouse=True)
def fresh_default(monkeypatch: pytest.MonkeyPatch, dropin: Path) -> Path:
    """Each test starts from an unloaded default registry with its own drop-in directory."""
    monkeypatch.setattr(registry_module, "_default", None)
    monkeypatch.setattr(registry_module, "_registered", {}, raising=False)
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", str(dropin))
    return dropin


def one_call(i: int) -> tuple[str, str, str, str]:
    res = resolve("wandb/Llama-3.1-8B-Instruct", api_key=KEY, project=f"team/p{i % 7}")
    request = res.build_request(BODY)
    return res.provider_id, res.model, str(request.url), request.headers["openai-project"]


def expected(i: int) -> tuple[str, str, str, str]:
    return "wandb", WIRE, URL, f"team/p{i % 7}"


def reloader(stop: threading.Event, dropin: Path, errors: list[BaseException]) -> int:
    """Reload and re-register until told to stop; returns how many swaps it made."""
    swaps = 0
    try:
        while not stop.is_set():
            n = swaps % 3
            # Written aside and renamed into place, as a deployment should: a reader (the first
            # load of the default registry, in another thread) never sees a half-written file.
            (dropin / "acme.yaml.tmp").write_text(manifest_text("acme", f"  m{n}: {{}}"))
            os.replace(dropin / "acme.yaml.tmp", dropin / "acme.yaml")
            reload_registry()
            register({"schema_version": 1, "id": f"extra{n}", "name": "Extra",
                      "api": {"dialect": "openai", "base_url": f"https://e{n}.example/v1"},
                      "auth": {"required": False}})  # fmt: skip
            swaps += 2
    except BaseException as exc:  # reported by the test, which fails on any
        errors.append(exc)
    return swaps


def test_threads_resolve_while_another_reloads(fresh_default: Path) -> None:
    errors: list[BaseException] = []
    results: list[list[tuple[int, Any]]] = [[] for _ in range(8)]
    stop = threading.Event()
    swaps: list[int] = []

    def worker(slot: int) -> None:
        try:
            for i in range(1000):
                results[slot].append((i, one_call(i)))
        except BaseException as exc:
            errors.append(exc)

    background = threading.Thread(
        target=lambda: swaps.append(reloader(stop, fresh_default, errors))
    )
    background.start()
    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    background.join(timeout=60)

    assert errors == []
    assert swaps, "the reloader did not finish"
    assert swaps[0] >= 2, "the registry was never swapped during the run"
    assert sum(len(r) for r in results) == 8 * 1000
    for slot in results:
        for i, answer in slot:
            assert answer == expected(i)


def test_asyncio_tasks_resolve_while_a_thread_reloads(fresh_default: Path) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()
    background = threading.Thread(target=reloader, args=(stop, fresh_default, errors))

    async def task(n: int) -> list[Any]:
        answers = []
        for i in range(20):
            answers.append((i, one_call(n + i)))
            await asyncio.sleep(0)
        return [(n + i, a) for i, a in answers]

    async def main() -> list[list[Any]]:
        return await asyncio.gather(*(task(n) for n in range(100)))

    background.start()
    try:
        results = asyncio.run(main())
    finally:
        stop.set()
        background.join(timeout=60)
    assert errors == []
    assert sum(len(r) for r in results) == 100 * 20
    for answers in results:
        for i, answer in answers:
            assert answer == expected(i)


def test_reload_picks_up_a_new_drop_in_file(fresh_default: Path) -> None:
    assert "acme" not in default_registry()
    (fresh_default / "acme.yaml").write_text(manifest_text("acme"))
    assert "acme" not in default_registry()  # loaded once, until reloaded
    reloaded = reload_registry()
    assert default_registry() is reloaded
    assert resolve("acme/m1").provider_id == "acme"


def test_failed_reload_keeps_the_old_registry(fresh_default: Path) -> None:
    before = default_registry()
    (fresh_default / "broken.yaml").write_text(
        manifest_text("broken", "  m1: {price: {input: -1}}")
    )
    with pytest.raises(ManifestError, match=r"broken\.yaml"):
        reload_registry()
    assert default_registry() is before
    with pytest.warns(ManifestWarning, match=r"broken\.yaml"):
        lenient = reload_registry(lenient=True)
    assert "broken" not in lenient
    assert "wandb" in lenient
    assert default_registry() is lenient


# --- runtime registrations survive a reload (issue 12, item 14) ---------------------------------

ACME_DICT = {
    "schema_version": 1, "id": "acme", "name": "Acme",
    "api": {"dialect": "openai", "base_url": "https://acme.example/v1"},
    "auth": {"required": False}, "models": {"m1": {}},
}  # fmt: skip


def test_a_registration_survives_a_reload(fresh_default: Path) -> None:
    register(ACME_DICT)
    (fresh_default / "beta.yaml").write_text(manifest_text("beta"))
    reloaded = reload_registry()
    assert default_registry() is reloaded
    assert resolve("acme/m1").provider_id == "acme"  # kept
    assert resolve("beta/m1").provider_id == "beta"  # and the new file read
    # A registration stands above the files: one for an id a file also defines wins.
    (fresh_default / "acme.yaml").write_text(manifest_text("acme", "  m2: {}"))
    reload_registry()
    assert set(default_registry().entry("acme").models) == {"m1"}
    # Asked to, a reload forgets them.
    reload_registry(keep_registered=False)
    assert set(default_registry().entry("acme").models) == {"m2"}
    (fresh_default / "acme.yaml").unlink()
    assert "acme" not in reload_registry()


def test_a_registration_that_now_clashes_fails_the_reload(fresh_default: Path) -> None:
    register({**ACME_DICT, "aliases": ["beta"]})
    (fresh_default / "beta.yaml").write_text(manifest_text("beta"))
    before = default_registry()
    with pytest.raises(ManifestError, match="'beta' is already the id of 'beta'"):
        reload_registry()
    assert default_registry() is before
    with pytest.warns(ManifestWarning, match="registration left out"):
        lenient = reload_registry(lenient=True)
    assert "beta" in lenient
    assert "acme" not in lenient


def test_resolves_of_a_registration_never_fail_during_reloads(fresh_default: Path) -> None:
    """The issue's run: threads resolve a registered provider while another thread reloads
    again and again. Before the fix every resolve after the first reload failed."""
    register(ACME_DICT)
    errors: list[BaseException] = []
    done = threading.Event()
    counts = [0] * 4

    def reload_many() -> None:
        try:
            for _ in range(20):
                reload_registry()
        except BaseException as exc:  # reported by the test, which fails on any
            errors.append(exc)
        finally:
            done.set()

    def resolve_until_done(slot: int) -> None:
        try:
            while not done.is_set() or counts[slot] < 50:
                assert resolve("acme/m1").provider_id == "acme"
                counts[slot] += 1
                time.sleep(0)  # let the reloader have the GIL too
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=resolve_until_done, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=reload_many))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert all(n >= 50 for n in counts)
    assert resolve("acme/m1").provider_id == "acme"
