from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from provider_registry import Registry, load_registry
from provider_registry._manifest import Provider

from .server import FakeProvider

# Compiled snapshots go to a directory of this run's own, never the developer's cache (set
# before the first load, below).
os.environ["PROVIDER_REGISTRY_CACHE"] = _CACHE = tempfile.mkdtemp(prefix="provider-registry-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = Path(__file__).resolve().parent / "manifests"
# CI checks the reference data out beside the clone: ../shared/data.
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """A reference file of ../shared/data; the test is skipped, saying so, when it is absent."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"reference file {path} is absent (CI puts shared/data beside the clone)")
    return path


# CI: fixed seed, bounded examples. `HYPOTHESIS_PROFILE=deep make test` for many more.
settings.register_profile(
    "ci", derandomize=True, max_examples=200, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.register_profile("deep", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# Variables the built-in manifests read (keys, base URLs, parameters). Tests start with none of
# them set, so a developer's own keys never leak into (or change) a test run.
def _manifest_variables() -> frozenset[str]:
    names = {"PROVIDER_REGISTRY_PATH"}
    for p in load_registry(env=False).providers.values():
        names.update(p.auth.env)
        if p.auth.signing is not None:
            s = p.auth.signing
            names.update(v for v in (s.key_id_env, s.secret_env, s.token_env) if v)
        names.update(spec.env for spec in p.params.values() if spec.env)
        if p.api.base_url_env:
            names.add(p.api.base_url_env)
        names.update(re.findall(r"\$\{([A-Z0-9_]+)\}", p.api.base_url))
    return frozenset(names)


_VARIABLES = _manifest_variables()
_PREFIXES = ("ACME_",)  # the test manifests' own


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name in _VARIABLES or name.startswith(_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def builtin() -> Registry:
    """The built-in registry, loaded once (tests must not mutate the environment it saw)."""
    return load_registry(env=False)


# A value for a ${VAR} in a base URL: a DNS label, a whole host and a path segment alike; the
# second for a variable a parameter fills whose pattern refuses the first (an AWS region).
PLACE_VALUES = ("acct-42", "eu-west-3")


def place_value(p: Provider, var: str) -> str:
    """The first of PLACE_VALUES that the pattern of each parameter filling ``var`` accepts."""
    patterns = [
        spec.pattern
        for spec in p.params.values()
        if spec.pattern and var in (spec.env, spec.send_as.placeholder)
    ]
    return next(v for v in PLACE_VALUES if all(re.fullmatch(pat, v) for pat in patterns))


def set_places(p: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set each ${VAR} of the provider's base URL to a value that fits where it goes."""
    for var in p.api.base_url_vars:
        monkeypatch.setenv(var, place_value(p, var))


MINIMAL = """\
schema_version: 1
id: {id}
name: {name}
api:
  dialect: openai
  base_url: {base_url}
  endpoints: [{endpoint}]
auth:
  env: [{key_env}]
models:
{models}
"""


def manifest_text(
    provider_id: str,
    models: str = "  m1: {}",
    *,
    base_url: str | None = None,
    extra: str = "",
) -> str:
    """A small valid manifest for tests; ``extra`` is appended as more top-level YAML."""
    host = f"{provider_id}.example"
    text = MINIMAL.format(
        id=provider_id,
        name=provider_id.title(),
        base_url=base_url or f"https://{host}/v1",
        endpoint=f"{host}/v1",
        key_env=provider_id.upper().replace("-", "_") + "_API_KEY",
        models=models,
    )
    return text + extra


@pytest.fixture
def dropin(tmp_path: Path) -> Path:
    """An empty drop-in directory; write manifests into it with manifest_text()."""
    d = tmp_path / "dropin"
    d.mkdir()
    return d


@pytest.fixture
def server() -> Iterator[FakeProvider]:
    """A fake OpenAI/Anthropic-compatible provider on 127.0.0.1 that records what it receives."""
    with FakeProvider() as fake:
        yield fake
