"""``schemas/provider.schema.json``, generated from the manifest models (its only source)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from ._manifest import Provider
from ._paths import data_dir

__all__ = ["MANIFEST_SCHEMA", "SCHEMA_ID", "SchemaFile", "schema_path", "schema_text"]

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


@dataclasses.dataclass(frozen=True)
class SchemaFile:
    """A JSON Schema generated from a pydantic model and checked in under ``schemas/``."""

    model: type[BaseModel]
    schema_id: str
    filename: str
    note: str

    def text(self) -> str:
        """The schema as the checked-in file holds it."""
        body = self.model.model_json_schema(schema_generator=_Generator)
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.schema_id,
            "$comment": self.note,
            **body,
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def path(self) -> Path:
        """``schemas/`` of the checkout, or the installed package's copy."""
        return data_dir("schemas") / self.filename


MANIFEST_SCHEMA = SchemaFile(Provider, SCHEMA_ID, "provider.schema.json", SCHEMA_NOTE)


def schema_text() -> str:
    """The manifest schema as the checked-in file holds it."""
    return MANIFEST_SCHEMA.text()


def schema_path() -> Path:
    """Where the manifest schema lives."""
    return MANIFEST_SCHEMA.path()


def schema_ref(directory: Path) -> str:
    """The manifest schema as a file written into ``directory`` should name it: relative from
    there where the two share more than the root, else absolute (a URI across Windows drives)."""
    schema = schema_path().resolve()
    target = directory.resolve()
    try:
        common = Path(os.path.commonpath([schema, target]))
    except ValueError:  # different drives on Windows
        return schema.as_uri()
    if common == Path(common.anchor):
        return schema.as_posix()  # only the root in common: a relative path says less
    return Path(os.path.relpath(schema, target)).as_posix()
