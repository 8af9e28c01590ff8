"""``registry validate`` reads many files in forked processes: the report is the same as one
process gives, problem for problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provider_registry._catalog import Layer
from provider_registry._collect import collect
from provider_registry._validate import _schema_check

from .conftest import MANIFESTS, manifest_text


@pytest.mark.slow
def test_forked_collection_equals_serial(tmp_path: Path) -> None:
    for i in range(100):
        (tmp_path / f"gen{i:03}.yaml").write_text(manifest_text(f"gen{i:03}", f"  m{i}: {{}}"))
    for bad in sorted((MANIFESTS / "bad").iterdir()):
        shutil.copy(bad, tmp_path / f"bad-{bad.name}")
    layers = [Layer(tmp_path)]
    serial = collect(layers, _schema_check(), jobs=1)
    forked = collect(layers, _schema_check(), jobs=2)
    assert forked.file_count > 128  # enough files for two processes
    assert forked.problems == serial.problems
    assert any(p.severity == "error" for p in forked.problems)
    assert forked.providers == serial.providers
    assert forked.files == serial.files
