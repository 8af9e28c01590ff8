"""The built wheel carries providers/ and schemas/, and works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.build]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "-w", str(out), str(ROOT)],
        check=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("provider_registry-*.whl")
    return built


def test_wheel_contains_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "provider_registry/py.typed",
        "provider_registry/_data/schemas/provider.schema.json",
        *(
            f"provider_registry/_data/providers/{p.name}"
            for p in (ROOT / "providers").glob("*.yaml")
        ),
    }
    assert expected <= names
    assert [n for n in names if n.startswith("provider_registry/_data/snapshots/")] != []


def test_installed_wheel_resolves_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
         str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    code = (
        "import sys, provider_registry as pr, provider_registry._registry as r; "
        "print(pr.__file__); print(r.builtin_dir()); "
        "print(pr.resolve('wandb/Llama-3.1-8B-Instruct').model); "
        "print(sorted(m for m in ('yaml', 'pydantic') if m in sys.modules))"
    )
    away = tmp_path / "elsewhere"
    away.mkdir()
    # No cache: the built-ins come from the snapshot compiled into the wheel, with no YAML
    # parser and no pydantic loaded.
    env = {**os.environ, "PYTHONPATH": str(site), "PROVIDER_REGISTRY_CACHE": "off"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=away, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    module, data, model, heavy = proc.stdout.splitlines()
    assert module.startswith(str(site))
    assert data == str(site / "provider_registry" / "_data" / "providers")
    assert model == "meta-llama/Llama-3.1-8B-Instruct"
    assert heavy == "[]"
