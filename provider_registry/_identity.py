"""Which model a wire id is: the rule that proposes a shared identity across providers.

The same open model is served by many providers under as many spellings:
``meta-llama/Llama-3.3-70B-Instruct`` (W&B), ``meta-llama/Llama-3.3-70B-Instruct-Turbo``
(Together), ``accounts/fireworks/models/llama-v3p3-70b-instruct`` (Fireworks),
``meta-llama-3_3-70b-instruct`` (OVHcloud), ``Meta-Llama-3.3-70B-Instruct`` (SambaNova). The rule
reduces each to a *key*; entries with one key are one model. It knows nothing of any provider:
what it knows of makers and serving suffixes is data, in ``identity.yaml`` beside this module.

The rule, in order:

1. Drop a wrapper prefix that only says where a provider keeps the model
   (``accounts/<x>/models/``, ``@cf/``).
2. A trailing ``:tag`` that is a gateway variant (``:free``, ``:thinking``) is a serving
   variant; any other ``:`` is part of the name (Ollama's ``gpt-oss:120b``).
3. The namespace before the last ``/`` is dropped when it names the maker (``meta-llama``,
   ``deepseek-ai``, ``openai``, ``x-ai``); any other namespace (a fine-tuner, a gateway's own
   route such as ``TEE/``) stays part of the key, so ``unsloth/gemma-3-27b-it`` is not merged
   with Google's.
4. Case is ignored. In version numbers ``p`` and ``_`` between digits are a dot (``v3p3``,
   ``3_3`` = ``3.3``), and so is a ``-`` between two numbers of one or two digits
   (``claude-opus-4-5`` = ``claude-opus-4.5``); a date ``2025-07-28`` is ``20250728``.
   The name becomes tokens: runs of letters, and numbers with what follows them (``70b``,
   ``4o``, ``3.3``); separators and a letter-digit boundary split tokens
   (``llama3.3`` = ``llama-3.3``), and a ``v`` before a number is dropped (``v3.1`` = ``3.1``).
5. Words that repeat the maker before the family name go (``Meta-Llama-3.3`` = ``Llama-3.3``).
6. Trailing serving suffixes go and are recorded: a quantization (``-fp8``, ``-int4``,
   ``-awq``), recorded as the quantization; ``-turbo`` / ``-lite`` right after ``instruct``
   (Together's FP8 and INT4 endpoints, DeepInfra's FP8); a free tier (``-free``), Together's
   ``-tput``, a ``-fast`` right after a quantization (Cloudflare), recorded as the variant.

What counts as the same model: the same weights. So a different quantization, a context cap,
a free tier, a faster deployment or a reasoning switch of a gateway is the same model with an
attribute. A base model and its instruct tune are different models (``instruct``, ``it``,
``chat`` stay in the key), as are two sizes (``8b`` / ``70b``), two dated snapshots
(``gpt-4o-2024-05-13`` / ``gpt-4o-2024-08-06``; the undated alias is its own name), a distilled
model and its teacher (``DeepSeek-R1-Distill-Llama-70B`` is neither ``DeepSeek-R1`` nor
``Llama-3.3-70B-Instruct``), and a fine-tune and its base. The rule only drops what it is sure
of; where a provider's own name says nothing (Groq's ``llama-3.3-70b-versatile``) the manifest
states the identity (``identity.model``), and where the rule would merge two different models
the manifest refuses it (``identity.unique``).

>>> propose("accounts/fireworks/models/llama-v3p3-70b-instruct").key
'llama-3.3-70b-instruct'
>>> p = propose("meta-llama/Llama-3.3-70B-Instruct-Turbo")
>>> p.key, p.quantization
('llama-3.3-70b-instruct', 'fp8')
>>> propose("meta-llama/llama-3.3-70b-instruct:free").variant
'free'
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Proposal", "RuleData", "identity_key", "propose", "rule_data"]

DATA_FILE = Path(__file__).with_name("identity.yaml")

_TOKEN = re.compile(r"\d+(?:\.\d+)*[a-z]*|[a-z]+")
_SHORT_NUMBER = re.compile(r"\d{1,2}(?:\.\d+)*")
_DATE = re.compile(r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?!\d)")
_VERSION_SEPARATOR = re.compile(r"(?<=\d)[p_](?=\d)")
_PART_SEPARATOR = re.compile(r"[-_\s:]+")


class RuleData(NamedTuple):
    """``identity.yaml`` read once: what the rule knows of makers and serving suffixes."""

    wrappers: tuple[re.Pattern[str], ...]
    hf_orgs: frozenset[str]
    """Spelled as on Hugging Face."""
    makers: frozenset[str]
    """Every namespace that names a maker, casefolded (the HF organisations among them)."""
    maker_words: frozenset[str]
    quantization: frozenset[str]
    after_instruct: dict[str, str]
    variants: frozenset[str]
    after_quantization: frozenset[str]
    tags: frozenset[str]


@functools.lru_cache(maxsize=1)
def rule_data() -> RuleData:
    """The rule's data, read on first use (``registry offers`` and friends, never resolve())."""
    import yaml

    raw: dict[str, Any] = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    hf = frozenset(raw["hf_orgs"])
    return RuleData(
        wrappers=tuple(re.compile(w, re.IGNORECASE) for w in raw["wrappers"]),
        hf_orgs=hf,
        makers=frozenset(n.casefold() for n in (*hf, *raw["maker_namespaces"])),
        maker_words=frozenset(raw["maker_words"]),
        quantization=frozenset(raw["quantization"]),
        after_instruct=dict(raw["after_instruct"]),
        variants=frozenset(raw["variants"]),
        after_quantization=frozenset(raw["after_quantization"]),
        tags=frozenset(raw["tags"]),
    )


class Proposal(NamedTuple):
    """What the rule makes of one wire id."""

    key: str
    """Equal keys are the same model: "<namespace>/<tokens>" or "<tokens>", lower case."""
    namespace: str | None
    """The namespace as written, when it names the maker (else it is part of the key)."""
    quantization: str | None
    variant: str | None


def _normalized(name: str) -> str:
    return _VERSION_SEPARATOR.sub(".", _DATE.sub(r"\1\2\3", name.lower()))


def _tokens(name: str) -> list[str]:
    out: list[str] = []
    for token in _TOKEN.findall(name):
        if out and _SHORT_NUMBER.fullmatch(token) and _SHORT_NUMBER.fullmatch(out[-1]):
            out[-1] = f"{out[-1]}.{token}"  # claude-opus-4-5 is claude-opus-4.5
        else:
            out.append(token)
    return out


@functools.lru_cache(maxsize=8192)
def propose(wire_id: str) -> Proposal:
    """The identity the rule proposes for a wire id (see the module docstring)."""
    data = rule_data()
    name = wire_id.strip()
    for wrapper in data.wrappers:
        name = wrapper.sub("", name, count=1)
    variant: str | None = None
    head, colon, tag = name.rpartition(":")
    if colon and "/" not in tag:
        if tag.lower() in data.tags:
            name, variant = head, tag.lower()
        else:
            name = f"{head}-{tag}"
    namespace, slash, name = name.rpartition("/")
    kept = None
    if slash and namespace.casefold() not in data.makers:
        kept = namespace.casefold()
    # Serving suffixes are whole separator-delimited parts ("-fp8", "-instruct-turbo"), taken
    # off before the name is cut into tokens, which would split "fp8" into "fp" and "8".
    parts = [p for p in _PART_SEPARATOR.split(_normalized(name)) if p]
    quantization: str | None = None
    while len(parts) > 1:
        if len(parts) > 2 and parts[-2] + parts[-1] in data.quantization:
            parts[-2:] = [parts[-2] + parts[-1]]  # "fp-8" is "fp8"
        last, before = parts[-1], parts[-2]
        if last in data.quantization:
            quantization = quantization or last
        elif last in data.after_instruct and before == "instruct":
            quantization = quantization or data.after_instruct[last]
        elif last in data.variants or (
            last in data.after_quantization and before in data.quantization
        ):
            variant = variant or last
        else:
            break
        parts.pop()
    tokens = _tokens("-".join(parts))
    tokens = [t for i, t in enumerate(tokens) if not _is_version_v(tokens, i)]
    while len(tokens) > 1 and tokens[0] in data.maker_words and tokens[1][0].isalpha():
        tokens.pop(0)
    key = "-".join(tokens) or name.casefold()
    if kept is not None:
        key = f"{kept}/{key}"
    return Proposal(key, namespace if slash and kept is None else None, quantization, variant)


def _is_version_v(tokens: list[str], i: int) -> bool:
    # "llama-v3p3" and "llama-3.3", "mistral-7b-instruct-v0.3" and "...-0.3": a "v" that only
    # marks the version number after it.
    return tokens[i] == "v" and i + 1 < len(tokens) and tokens[i + 1][0].isdigit()


def identity_key(name: str) -> str:
    """The key of a model name, for comparing: two names with one key are one model."""
    return propose(name).key
