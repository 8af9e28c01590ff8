"""The public face: everything exported is listed, and nothing private leaks out."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import provider_registry
from provider_registry import RegistryError


def test_all_is_complete() -> None:
    public = {
        name
        for name in dir(provider_registry)
        if not name.startswith("_") and not inspect.ismodule(getattr(provider_registry, name))
    }
    assert public == set(provider_registry.__all__)
    for name in provider_registry.__all__:
        assert getattr(provider_registry, name) is not None


def test_every_error_is_a_registry_error() -> None:
    errors = [
        getattr(provider_registry, n)
        for n in provider_registry.__all__
        if n.endswith("Error") and n != "RegistryError"
    ]
    assert len(errors) >= 9
    assert all(issubclass(e, RegistryError) for e in errors)


@pytest.mark.parametrize("cache", ["off", "warm"])
def test_resolving_does_not_import_jsonschema_httpx_or_the_cli(cache: str, tmp_path: Path) -> None:
    """Neither on a compiled snapshot nor on the full path that parses the YAML (a cold
    cache, as on a fresh machine)."""
    env = {**os.environ, "PROVIDER_REGISTRY_CACHE": "off" if cache == "off" else str(tmp_path)}
    unwanted = ("jsonschema", "httpx", "provider_registry._cli", "provider_registry._validate",
                "provider_registry._client")  # fmt: skip
    # Warm: the first run compiles the snapshot; the second reads it, without pydantic too,
    # whose import takes longer than the rest of a start.
    runs = [unwanted] if cache == "off" else [unwanted, (*unwanted, "pydantic")]
    for names in runs:
        code = (
            "import sys; from provider_registry import resolve; "
            "resolve('wandb/Llama-3.1-8B-Instruct'); "
            f"print(sorted(m for m in sys.modules if m.startswith({names!r})))"
        )
        run = [sys.executable, "-c", code]
        out = subprocess.run(run, capture_output=True, text=True, check=True, env=env)
        assert out.stdout.strip() == "[]"


def test_docstring_examples_run() -> None:
    import doctest
    import importlib
    import pkgutil

    failed = attempted = 0
    prefix = "provider_registry."
    for info in pkgutil.walk_packages(provider_registry.__path__, prefix):
        if info.name == prefix + "__main__":
            continue
        module = importlib.import_module(info.name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        failed += result.failed
        attempted += result.attempted
    result = doctest.testmod(provider_registry)
    assert (failed + result.failed, attempted + result.attempted > 5) == (0, True)
