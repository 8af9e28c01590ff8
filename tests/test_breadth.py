"""Every provider the built-in catalog took from a public catalog resolves by its prefix, to its
manifest's endpoint, with its manifest's key variable (issue 14, item 1).

The cases are generated from the manifests, not written out: every built-in provider whose
``sources`` name the models.dev import (``id: models-dev``) is one case. A ``${VAR}`` in a base
URL (an account id, a workspace host) is set to a value that fits any place in a URL, and the
expected ``api_base`` is the manifest's URL with that value in it. Nothing is sent: a missing key
is reported when the request is built, before any I/O.
"""

from __future__ import annotations

import re
import warnings

import pytest

from provider_registry import MissingCredentialsError, Registry, load_registry, resolve
from provider_registry._manifest import Provider

from .conftest import place_value, set_places

KEY = "sk-breadth-test-key-0000000000001"
USABLE = ("ga", "experimental", "unverified")


def _catalog_providers() -> list[str]:
    reg = load_registry(env=False)
    return sorted(
        pid for pid, p in reg.providers.items() if any(s.id == "models-dev" for s in p.sources)
    )


CATALOG = _catalog_providers()


def _model(p: Provider) -> str:
    """A model the provider serves (no retirement to trip over), or a name its table lacks."""
    for model_id, info in p.models.items():
        if info.status in USABLE and info.retired_on is None:
            return model_id
    return "some-unlisted-model"


def _prefixes(p: Provider) -> list[str]:
    return [p.id, *p.aliases]


def _expected_base(p: Provider) -> str:
    return re.sub(
        r"\$\{([A-Z][A-Z0-9_]*)\}", lambda m: place_value(p, m[1]), p.api.base_url
    ).rstrip("/")


def test_the_catalog_is_broad() -> None:
    """The import brought in the providers models.dev describes, not a handful."""
    assert len(CATALOG) >= 130


@pytest.mark.parametrize("provider", CATALOG)
def test_resolves_by_prefix_to_its_endpoint_with_its_key(
    builtin: Registry, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = builtin.provider(provider)
    set_places(p, monkeypatch)
    model = _model(p)
    if p.auth.env:
        monkeypatch.setenv(p.auth.env[0], KEY)
    for prefix in _prefixes(p):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a deprecated model's warning is not the point here
            res = resolve(f"{prefix}/{model}", registry=builtin)
        assert (res.provider_id, res.model) == (provider, model), prefix
        assert res.api_base == _expected_base(p)
        if p.auth.env:
            assert res.api_key == KEY
            assert res.key_source == p.auth.env[0]


@pytest.mark.parametrize("provider", CATALOG)
def test_a_missing_key_names_the_variable(
    builtin: Registry, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = builtin.provider(provider)
    if not p.auth.required or not p.auth.env:
        pytest.skip(f"{provider} needs no key (a local server)")
    set_places(p, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = resolve(f"{provider}/{_model(p)}", registry=builtin)
    assert res.api_key is None
    with pytest.raises(MissingCredentialsError) as info:
        res.build_request({"messages": [{"role": "user", "content": "Hi"}]})
    assert set(p.auth.env) <= set(info.value.env)  # a signing provider names its keys too
    assert p.auth.env[0] in str(info.value)
