"""One bad drop-in does not take a service down (issue 12, item 13): the default registry leaves a
file with problems out, says so once as a warning at load, keeps serving every sound provider,
and raises the file's own ManifestError (file and line) for the provider it defines.
``registry validate`` and an explicit ``load_registry()`` stay strict."""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path

import pytest

import provider_registry._registry as registry_module
from provider_registry import (
    ManifestError,
    ManifestWarning,
    UnknownProviderError,
    default_registry,
    load_registry,
    reload_registry,
    resolve,
)

from .conftest import manifest_text
from .test_cli import run

WANDB = "wandb/Llama-3.1-8B-Instruct"
# A typo'd key on line 12 (models.m1.contxt_window): valid YAML, invalid manifest.
TYPO = manifest_text("acme", "  m1:\n    contxt_window: 1000")
# Broken YAML (an unclosed flow sequence on line 5, found on line 6): no id can be read, so the
# file's name says which provider it is.
UNREADABLE = manifest_text("acme").replace("  dialect: openai", "  dialect: [openai")


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, dropin: Path) -> Path:
    """A process about to make its first resolve(), with ``dropin`` on PROVIDER_REGISTRY_PATH."""
    monkeypatch.setattr(registry_module, "_default", None)
    monkeypatch.setattr(registry_module, "_registered", {}, raising=False)
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", str(dropin))
    return dropin


def first_load() -> list[str]:
    """Load the default registry; return the warnings it gave."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        default_registry()
    assert all(issubclass(w.category, ManifestWarning) for w in said)
    return [str(w.message) for w in said]


@pytest.mark.parametrize(("text", "line"), [(TYPO, 12), (UNREADABLE, 6)], ids=["typo", "yaml"])
def test_a_broken_drop_in_leaves_every_other_provider_served(
    gateway: Path, text: str, line: int
) -> None:
    (gateway / "acme.yaml").write_text(text)
    (gateway / "beta.yaml").write_text(manifest_text("beta"))
    said = first_load()
    assert len(said) == 1
    assert re.search(rf"acme\.yaml:{line}:\d+: ", said[0]), said
    assert resolve(WANDB).provider_id == "wandb"
    assert resolve("beta/m1").provider_id == "beta"
    for call in (lambda: resolve("acme/m1"), lambda: resolve("m1", provider="acme")):
        with pytest.raises(ManifestError) as info:
            call()
        assert [(Path(p.file or "").name, p.line) for p in info.value.problems] == [
            ("acme.yaml", line)
        ]
    # Said once, at load: resolving, good or broken, warns no more.
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        for _ in range(3):
            resolve(WANDB)
            with pytest.raises(ManifestError):
                resolve("acme/m1")
    assert later == []
    # Strict where it should be.
    with pytest.raises(ManifestError, match=r"acme\.yaml"):
        load_registry()
    with pytest.raises(UnknownProviderError):
        resolve("nobody/m1")


def test_a_broken_replacement_of_a_built_in_shadows_it(gateway: Path) -> None:
    """A broken wandb.yaml on the path was meant to replace the built-in wandb (and to decide
    where its key goes): the built-in is not served in its stead."""
    (gateway / "wandb.yaml").write_text(manifest_text("wandb", "  m1: {price: {input: -1}}"))
    said = first_load()
    assert len(said) == 1
    assert "wandb.yaml:11:" in said[0]
    with pytest.raises(ManifestError, match=r"wandb\.yaml:11:\d+: models\.m1\.price\.input"):
        resolve(WANDB)
    assert resolve("claude-next").provider_id == "anthropic"  # by its claude-* rule


def test_a_sound_file_later_on_the_path_still_wins(
    gateway: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = tmp_path / "later"
    later.mkdir()
    (gateway / "acme.yaml").write_text(TYPO)
    (later / "acme.yaml").write_text(manifest_text("acme", "  m2: {}"))
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", os.pathsep.join([str(gateway), str(later)]))
    assert len(first_load()) == 1
    assert resolve("acme/m2").model_info is not None


def test_a_missing_directory_is_warned_about_at_load(
    gateway: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "not-mounted"
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", os.pathsep.join([str(missing), str(gateway)]))
    said = first_load()
    hint = "create it, or take it off the variable"
    assert said == [f"{missing}: no such directory on PROVIDER_REGISTRY_PATH ({hint})"]
    assert resolve(WANDB).provider_id == "wandb"


def test_a_reload_stays_strict_unless_asked(gateway: Path) -> None:
    before = default_registry()
    (gateway / "acme.yaml").write_text(TYPO)
    with pytest.raises(ManifestError, match=r"acme\.yaml:12"):
        reload_registry()
    assert default_registry() is before
    with pytest.warns(ManifestWarning, match=r"acme\.yaml:12"):
        reload_registry(lenient=True)
    with pytest.raises(ManifestError, match=r"acme\.yaml:12"):
        resolve("acme/m1")


@pytest.mark.slow
def test_the_command_line_serves_and_reports(dropin: Path) -> None:
    """In a fresh process, as a service starts: one warning line, sound providers answer, the
    broken one is a one-line error naming file and line; validate stays strict."""
    (dropin / "acme.yaml").write_text(TYPO)
    env = {"PROVIDER_REGISTRY_PATH": str(dropin)}
    proc = run("show", WANDB, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["provider"] == "wandb"
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("registry: warning: left out: ")
    assert re.search(r"acme\.yaml:12:\d+: models\.m1\.contxt_window: unknown key", lines[0])
    proc = run("show", "acme/m1", env=env)
    assert proc.returncode == 1
    assert re.search(r"^registry: error: .*acme\.yaml:12:\d+: ", proc.stderr, re.M), proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run("validate", env=env)
    assert proc.returncode == 1
    assert "acme.yaml:12:" in proc.stdout
