"""Rules of the manifest models that are not about one bad file: defaults and derived values."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider_registry import Auth, ManifestError, load_manifest, load_registry
from provider_registry._cli import main

from .conftest import manifest_text

# (auth fields, key) -> header value: Bearer only belongs in an Authorization header.
AUTH_HEADERS = [
    ({}, "Bearer k"),
    ({"scheme": "Token"}, "Token k"),
    ({"header": "api-key"}, "k"),
    ({"header": "x-api-key"}, "k"),
    ({"header": "x-api-key", "scheme": "Bearer"}, "Bearer k"),
    ({"header": "authorization"}, "Bearer k"),
]


@pytest.mark.parametrize(("fields", "value"), AUTH_HEADERS)
def test_auth_header_value(fields: dict[str, str], value: str) -> None:
    assert Auth(**fields).header_value("k") == value  # type: ignore[arg-type]


# (YAML appended to a minimal manifest, path the problem names)
NULLS = [
    ("docs_url:\n", "docs_url"),
    ("aliases: [a, ~]\n", "aliases[1]"),
]


@pytest.mark.parametrize(("extra", "path"), NULLS)
def test_explicit_null_is_refused(extra: str, path: str) -> None:
    with pytest.raises(ManifestError) as info:
        load_manifest(manifest_text("acme", extra=extra))
    (problem,) = info.value.problems
    assert (problem.path, problem.message) == (path, "empty value")


def test_empty_directory_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 0
    assert (
        f"{tmp_path}: warning: no manifests (*.yaml, *.yml) found here" in capsys.readouterr().out
    )
    assert len(load_registry([tmp_path], env=False)) == len(load_registry(env=False))
