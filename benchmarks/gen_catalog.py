"""A large, deterministic, valid catalog for benchmarks: ``providers`` manifests of ``models``
models each, written as YAML into a directory (a temporary one; never committed).

Provider ``i`` (1-based) is ``gen0001`` ... with base URL ``https://api.gen0001.example/v1``. Its
models are drawn from a pool of open-weight-style ids (10 families x 20 versions x 10 sizes), so
that, as with real aggregators, the same id is listed by many providers; each provider's draw is
distinct. Every model has a context window, prices, aliases and capabilities; a few are
deprecated (with a replacement), a few experimental.

    python benchmarks/gen_catalog.py /tmp/catalog [providers] [models]
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

__all__ = ["alias_of", "generate", "model_id", "slug"]

# (org, family name, capabilities beyond the chat basics)
_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("meta-llama", "Llama", ("tools", "tool_choice", "json_mode")),
    ("Qwen", "Qwen", ("tools", "tool_choice", "json_mode", "json_schema", "reasoning")),
    ("mistralai", "Mistral", ("tools", "tool_choice", "json_mode")),
    ("google", "Gemma", ("vision", "json_mode")),
    ("deepseek-ai", "DeepSeek", ("tools", "json_mode", "reasoning")),
    ("microsoft", "Phi", ("json_mode",)),
    ("zai-org", "GLM", ("tools", "tool_choice", "json_mode", "json_schema")),
    ("moonshotai", "Kimi", ("tools", "tool_choice", "vision", "reasoning")),
    ("nvidia", "Nemotron", ("tools", "json_mode", "json_schema", "reasoning")),
    ("ibm-granite", "Granite", ("tools", "json_mode")),
)
_VERSIONS = 20
_SIZES = (1, 3, 8, 14, 32, 70, 120, 235, 405, 671)
_POOL = len(_FAMILIES) * _VERSIONS * len(_SIZES)  # 2,000 distinct ids
_CONTEXT = (8192, 32768, 131072, 262144)
_BASIC = ("streaming", "system_messages")


def slug(provider: int) -> str:
    """The id of generated provider ``provider`` (1-based): ``gen0001``."""
    return f"gen{provider:04d}"


def _pick(provider: int, index: int) -> int:
    # 21 is prime to 2,000, so index * 21 is distinct mod 2,000 for every index < 2,000: a
    # provider never draws an id twice, and consecutive draws change family, version and size.
    return (provider * 37 + index * 21) % _POOL


def _parts(n: int) -> tuple[str, str, tuple[str, ...], str, int]:
    org, family, caps = _FAMILIES[n % len(_FAMILIES)]
    version = (n // len(_FAMILIES)) % _VERSIONS
    size = _SIZES[n // (len(_FAMILIES) * _VERSIONS)]
    return org, family, caps, f"{1 + version // 4}.{version % 4}", size


def model_id(provider: int, index: int) -> str:
    """The wire id of model ``index`` (0-based) of provider ``provider``."""
    org, family, _, version, size = _parts(_pick(provider, index))
    return f"{org}/{family}-{version}-{size}B-Instruct"


def alias_of(provider: int, index: int) -> str:
    """That model's bare alias (its id without the organisation)."""
    return model_id(provider, index).partition("/")[2]


def _model_yaml(provider: int, index: int, models: int) -> str:
    n = _pick(provider, index)
    _, family, caps, version, size = _parts(n)
    wire = model_id(provider, index)
    aliases = [alias_of(provider, index)]
    if index % 4 == 0:
        aliases.append(f"{family.lower()}-{version}-{size}b")
    context = _CONTEXT[(n + provider) % len(_CONTEXT)]
    price_in = 0.02 + size * 0.0025 + (provider % 13) * 0.01
    price_out = price_in * (2 + provider % 3)
    lines = [
        f"  {wire}:",
        f"    aliases: [{', '.join(aliases)}]",
        f"    context_window: {context}",
    ]
    if index % 3 == 0:
        lines.append(f"    max_output_tokens: {min(context, 16384)}")
    price = f"input: {price_in:.2f}, output: {price_out:.2f}"
    if index % 5 == 0:
        price += f", cache_read: {price_in / 4:.3f}"
    lines.append(f"    price: {{{price}}}")
    supports = list(_BASIC) + list(caps)
    if index % 2:
        supports.append("parallel_tool_calls" if "tools" in caps else "prompt_caching")
    lines.append(f"    supports: [{', '.join(supports)}]")
    if index % 25 == 7:
        lines.append("    status: deprecated")
        lines.append("    deprecated_on: 2026-01-15")
        lines.append(f"    replacement: {model_id(provider, (index + 1) % models)}")
    elif index % 25 == 19:
        lines.append("    status: experimental")
    return "\n".join(lines)


def manifest(provider: int, models: int = 100) -> str:
    """The YAML text of generated provider ``provider``."""
    pid = slug(provider)
    host = f"api.{pid}.example"
    head = f"""\
schema_version: 1
id: {pid}
name: Generated Provider {provider:04d}
docs_url: https://docs.{pid}.example/
api:
  dialect: openai
  base_url: https://{host}/v1
  endpoints: [{host}/v1]
auth:
  env: [{pid.upper()}_API_KEY]
sources:
  - id: synthetic
    name: benchmarks/gen_catalog.py (synthetic)
    file: gen_catalog.py
    as_of: {datetime.date.today().isoformat()}
models:
"""
    return head + "\n".join(_model_yaml(provider, i, models) for i in range(models)) + "\n"


def generate(directory: Path, providers: int = 1000, models: int = 100) -> None:
    """Write ``providers`` manifests (``gen0001.yaml`` ...) of ``models`` models into
    ``directory``, creating it if needed. The same arguments always give the same bytes."""
    if not 1 <= models <= _POOL:
        raise ValueError(f"models must be between 1 and {_POOL} (the size of the id pool)")
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(1, providers + 1):
        (directory / f"{slug(i)}.yaml").write_text(manifest(i, models), encoding="utf-8")


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 3:
        print(__doc__, file=sys.stderr)
        return 2
    counts = [int(a) for a in argv[1:]]
    generate(Path(argv[0]), *counts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
