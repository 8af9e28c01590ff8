"""The checked-in JSON Schema is generated from the models and every manifest passes it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from provider_registry._cli import main
from provider_registry._schema import schema_path, schema_text
from provider_registry._yaml import parse_yaml

from .conftest import ROOT

BUILTINS = sorted((ROOT / "providers").glob("*.yaml"))


def test_checked_in_schema_is_current() -> None:
    assert schema_path() == ROOT / "schemas" / "provider.schema.json"
    assert schema_path().read_text(encoding="utf-8") == schema_text()


def test_schema_check_command(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["schema", "--check"], out=out) == 0
    assert "up to date" in out.getvalue()

    stale = tmp_path / "provider.schema.json"
    stale.write_text(schema_text().replace("Display name.", "Display name!"), encoding="utf-8")
    out = io.StringIO()
    assert main(["schema", "--check", "--output", str(stale)], out=out) == 1
    assert "stale" in out.getvalue()

    assert main(["schema", "--output", str(stale)], out=io.StringIO()) == 0
    assert main(["schema", "--check", "--output", str(stale)], out=io.StringIO()) == 0


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert "do not edit" in schema["$comment"]
    # Docstrings became descriptions (what editors show on hover).
    assert schema["description"].startswith("One LLM API provider")
    context = schema["$defs"]["Model"]["properties"]["context_window"]
    assert context["description"] == "Most tokens in prompt plus completion."
    # Optional fields are "may be left out", not "may be null".
    assert context["type"] == "integer"
    assert schema["$defs"]["Price"]["properties"]["input"] == {
        "description": "Prompt tokens.",
        "minimum": 0,
        "title": "Input",
        "type": "number",
    }


@pytest.mark.parametrize("path", BUILTINS, ids=[p.name for p in BUILTINS])
def test_builtin_manifest_passes_the_schema(path: Path) -> None:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(parse_yaml(path.read_bytes()).data)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/provider.schema.json"


def test_at_least_two_builtins() -> None:
    assert {p.stem for p in BUILTINS} >= {"wandb", "openai"}
