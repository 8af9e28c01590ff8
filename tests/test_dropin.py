"""Drop-in providers: a new YAML file on PROVIDER_REGISTRY_PATH is a new provider, no code."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from provider_registry import (
    ManifestError,
    ManifestWarning,
    ProviderOverrideWarning,
    Registry,
    default_registry,
    load_manifest,
    load_registry,
    register,
    resolve,
)
from provider_registry._cli import main

from .conftest import manifest_text
from .test_cli import run

ACME = manifest_text(
    "acme",
    "  acme-large-1:\n    aliases: [large]\n    context_window: 32000\n"
    "    price: {input: 1.5, output: 3}",
)


def test_dropin_on_env_path_resolves_and_validates(dropin: Path) -> None:
    (dropin / "acme.yaml").write_text(ACME)
    env = {"PROVIDER_REGISTRY_PATH": os.pathsep.join(["/nonexistent-ignored", str(dropin)]),
           "ACME_API_KEY": "acme-key-0000000000000000"}  # fmt: skip
    # A fresh process, as an application would start: the default registry reads the variable.
    proc = run("show", "acme/large", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["provider"], data["model"], data["api_base"], data["api_key"]) == (
        "acme", "acme-large-1", "https://acme.example/v1", "****0000",
    )  # fmt: skip
    proc = run("validate", "--format", "json", env={"PROVIDER_REGISTRY_PATH": str(dropin)})
    report = json.loads(proc.stdout)
    assert "acme" in report["providers"]


def test_missing_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    # On the variable, like PATH: a warning in validate and at load, no failure for applications.
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", missing)
    with pytest.warns(ManifestWarning, match=f"{re.escape(missing)}: no such directory") as said:
        assert "wandb" in load_registry()
    assert len(said) == 1
    out = io.StringIO()
    assert main(["validate"], out=out) == 0
    said = f"{missing}: warning: no such directory on PROVIDER_REGISTRY_PATH (create it, or"
    assert said in out.getvalue()
    # Named explicitly: an error.
    monkeypatch.delenv("PROVIDER_REGISTRY_PATH")
    with pytest.raises(ManifestError, match="no such file or directory"):
        load_registry([missing])


def test_search_order_later_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dropin: Path
) -> None:
    (dropin / "acme.yaml").write_text(ACME)
    later = tmp_path / "later"
    later.mkdir()
    (later / "acme.yaml").write_text(
        ACME.replace("https://acme.example/v1", "https://acme.example/v2")
    )
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", str(dropin))
    reg = load_registry([later])
    assert resolve("acme/large", registry=reg).api_base == "https://acme.example/v2"
    assert reg.files["acme"].endswith(os.path.join("later", "acme.yaml"))


def test_override_of_builtin_is_reported(dropin: Path) -> None:
    wandb = manifest_text("wandb", "  m1: {}").replace("wandb.example/v1", "proxy.example/wandb")
    (dropin / "wandb.yaml").write_text(wandb)
    out = io.StringIO()
    assert main(["validate", "--path", str(dropin)], out=out) == 0
    assert "notice: provider 'wandb' replaces the one in providers/wandb.yaml" in out.getvalue()
    # At load too, every time, not only in validate: it decides where wandb's key goes now.
    for _ in range(2):
        with pytest.warns(ProviderOverrideWarning) as said:
            reg = load_registry([dropin], env=False)  # the full path, then the snapshot
        assert [str(w.message) for w in said] == [
            f"{dropin / 'wandb.yaml'}: provider 'wandb' replaces the built-in one "
            f"({os.path.join('providers', 'wandb.yaml')})"
        ]
        assert reg.provider("wandb").api.base_url == "https://proxy.example/wandb"


def test_same_id_twice_in_one_directory_is_an_error(dropin: Path) -> None:
    (dropin / "a.yaml").write_text(ACME)
    (dropin / "b.yaml").write_text(ACME)
    with pytest.raises(ManifestError, match="'acme' is also defined in"):
        load_registry([dropin], env=False)


def test_alias_colliding_with_another_provider_is_an_error(dropin: Path) -> None:
    (dropin / "acme.yaml").write_text(manifest_text("acme", extra="aliases: [wandb]\n"))
    with pytest.raises(ManifestError, match="'wandb' is already the id of 'wandb'"):
        load_registry([dropin], env=False)


def test_shared_endpoint_is_an_error(dropin: Path) -> None:
    text = manifest_text("acme").replace("acme.example/v1]", "api.inference.wandb.ai/v1]")
    (dropin / "acme.yaml").write_text(text)
    with pytest.raises(ManifestError, match="is already 'wandb''s"):
        load_registry([dropin], env=False)


def test_every_bad_file_is_reported_in_one_run(dropin: Path) -> None:
    (dropin / "one.yaml").write_text(manifest_text("one", "  m1: {context_window: 0}"))
    (dropin / "two.yaml").write_text(manifest_text("two", "  m1: {price: {input: -1}}"))
    (dropin / "three.yaml").write_text("id: [unclosed\n")
    with pytest.raises(ManifestError) as info:
        load_registry([dropin], env=False)
    files = {Path(p.file or "").name for p in info.value.problems}
    assert files == {"one.yaml", "two.yaml", "three.yaml"}


def test_register_returns_a_new_registry_validated_like_a_file(builtin: Registry) -> None:
    text = manifest_text("acme", "  m1: {context_window: 1000}")
    reg = builtin.register(text)
    assert resolve("acme/m1", registry=reg).model_info.context_window == 1000  # type: ignore[union-attr]
    assert "acme" not in builtin  # the original is unchanged
    # A dict and a Provider work the same way.
    assert "acme" in builtin.register(load_manifest(text))
    data = yaml.safe_load(text)
    assert "acme" in builtin.register(data)
    with pytest.raises(ManifestError, match="unknown key 'contxt'"):
        builtin.register({**data, "contxt": 1})
    with pytest.raises(ManifestError, match="is already the id of 'wandb'"):
        builtin.register({**data, "aliases": ["wandb"]})


def test_register_swaps_the_default_registry(monkeypatch: pytest.MonkeyPatch, dropin: Path) -> None:
    import provider_registry._registry as registry_module

    monkeypatch.setattr(registry_module, "_default", None)
    monkeypatch.setattr(registry_module, "_registered", {}, raising=False)
    path = dropin / "acme.yaml"
    path.write_text(manifest_text("acme"))
    before = default_registry()
    after = register(path)
    assert default_registry() is after is not before
    assert resolve("acme/m1").provider_id == "acme"
    assert after.files["acme"] == str(path)
