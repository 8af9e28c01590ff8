"""Wheel build step: compile the built-in manifests into the snapshot an installed copy loads
at start, so no process of an installed wheel parses the built-in YAML (see _catalog)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileSnapshot(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install compiles into the user cache on first use
        sys.path.insert(0, self.root)
        try:
            from provider_registry._registry import compile_builtin
        finally:
            sys.path.pop(0)
        out = Path(tempfile.mkdtemp(prefix="provider-registry-snapshot-"))
        path = compile_builtin(out)
        build_data["force_include"][str(path)] = f"provider_registry/_data/snapshots/{path.name}"
