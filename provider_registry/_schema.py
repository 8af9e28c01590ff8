"""``schemas/provider.schema.json``, generated from the manifest models (its only source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from ._manifest import Provider
from ._paths import data_dir

__all__ = ["SCHEMA_ID", "schema_path", "schema_text"]

SCHEMA_ID = "https://provider-registry.dev/schemas/provider.schema.json"
SCHEMA_NOTE = (
    "Generated from provider_registry/_manifest.py by `registry schema`; do not edit by hand."
)


class _Generator(GenerateJsonSchema):
    # Optional fields mean "may be left out", not "may be null": keep the schema (and the errors
    # editors show) about the real type.
    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    # Drop the "default": null noise that left-out optional fields would otherwise carry.
    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        result = super().default_schema(schema)
        if result.get("default", ...) is None:
            del result["default"]
        return result


def schema_dict() -> dict[str, Any]:
    body = Provider.model_json_schema(schema_generator=_Generator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "$comment": SCHEMA_NOTE,
        **body,
    }


def schema_text() -> str:
    """The schema as the checked-in file holds it."""
    return json.dumps(schema_dict(), indent=2, ensure_ascii=False) + "\n"


def schema_path() -> Path:
    """Where the schema lives: ``schemas/`` of the checkout, or the installed package's copy."""
    return data_dir("schemas") / "provider.schema.json"
