"""Which environment variables a manifest may read, and which model names it may claim.

A manifest names environment variables in two roles. A *key variable* (``auth.env``) holds a
secret, and its value goes only to the provider's own hosts. A *setting* (``api.base_url_env``,
a parameter's ``env``, and each ``${VAR}`` of ``base_url``, which ``api.base_url_vars`` must
declare) is plain configuration: it is placed in URLs, headers and bodies, and ``repr`` and
``registry show`` print it. The rules:

- A setting must not look like a secret, and must not be any provider's key variable.
- A key variable named like a cloud, CI or infrastructure credential (``AWS_SECRET_ACCESS_KEY``,
  ``GITHUB_TOKEN``, ...) needs an opt-in with a reason: ``trust: {keys: {VAR: why}}``.
- So does a key variable that a provider before this one on the search path already reads (the
  built-ins come first; a registration at run time comes after every file).
- An ``owns`` rule that claims names an earlier provider's rule claims needs
  ``trust: {owns: {RULE: why}}``.

The per-manifest rules run with the manifest's other semantic rules; the rules across manifests
run where the cross-file clash check runs (``_collect`` for files, ``Registry.register`` for a
registration), so ``registry validate`` and ``load_registry()`` agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ._manifest import Provider

__all__ = [
    "Claims",
    "claims_of",
    "cross_problems",
    "foreign_credential",
    "manifest_problems",
    "secret_shaped",
]

Path = tuple[str | int, ...]
Problems = list[tuple[Path, str, str | None]]

VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")

# A setting whose name has one of these words (split at "_") is taken for a secret.
_SECRET_WORDS = frozenset(
    {
        *("KEY", "KEYS", "APIKEY", "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD"),
        *("PASSWD", "PWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH"),
        *("PAT", "COOKIE"),
    }
)
_SECRET_ENDINGS = ("APIKEY", "TOKEN", "SECRET", "PASSWORD")

# Credentials of clouds, CI systems, code forges, package registries and other infrastructure:
# they open far more than an LLM API, so a manifest reads one only with a stated reason.
_FOREIGN_PREFIXES = (
    *("AWS_", "AZURE_CLIENT_", "AZURE_STORAGE_", "AZURE_TENANT_", "ARM_CLIENT_"),
    *("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_", "GCP_", "GCLOUD_", "CLOUDSDK_"),
    *("DIGITALOCEAN_", "CLOUDFLARE_", "HEROKU_", "HCLOUD_", "LINODE_", "ALIBABA_CLOUD_"),
    *("GITHUB_", "GH_", "GITLAB_", "CI_", "ACTIONS_", "BITBUCKET_", "CIRCLE_", "BUILDKITE_"),
    *("NPM_", "NODE_AUTH_", "PYPI_", "TWINE_", "CARGO_REGISTRY_", "DOCKER_", "DOCKERHUB_"),
    *("VAULT_", "KUBE", "SSH_", "GPG_", "TF_TOKEN_", "SLACK_", "STRIPE_", "DATABASE_"),
)
_FOREIGN_WORDS = ("PASSWORD", "PASSWD", "PRIVATE_KEY", "SECRET_ACCESS", "CLIENT_SECRET")
_FOREIGN_NAMES = frozenset({"SECRET_KEY", "TOKEN", "API_KEY", "ACCESS_TOKEN", "SESSION_TOKEN"})


def secret_shaped(name: str) -> bool:
    """Whether a variable's name says it holds a secret (``ACME_API_KEY``, ``X_TOKEN``)."""
    words = name.split("_")
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


def foreign_credential(name: str) -> bool:
    """Whether a variable's name is a cloud, CI or infrastructure credential's, or a generic
    one no provider owns (``AWS_SECRET_ACCESS_KEY``, ``GITHUB_TOKEN``, ``DB_PASSWORD``)."""
    return (
        name.startswith(_FOREIGN_PREFIXES)
        or name in _FOREIGN_NAMES
        or any(w in name for w in _FOREIGN_WORDS)
    )


def settings_of(p: Provider) -> list[tuple[Path, str]]:
    """Every setting variable a manifest names, with where it is named."""
    found: list[tuple[Path, str]] = []
    if p.api.base_url_env:
        found.append((("api", "base_url_env"), p.api.base_url_env))
    found += [(("api", "base_url_vars", i), v) for i, v in enumerate(p.api.base_url_vars)]
    found += [(("params", n, "env"), s.env) for n, s in p.params.items() if s.env]
    return found


def manifest_problems(p: Provider) -> Problems:
    """The rules above that one manifest can break alone."""
    found: Problems = []
    declared = set(p.api.base_url_vars)
    used = VAR.findall(p.api.base_url)
    for var in dict.fromkeys(used):
        if var not in declared:
            found.append(
                (
                    ("api", "base_url"),
                    f"${{{var}}} is not declared",
                    f"list {var} in api.base_url_vars, the settings base_url may name (never a "
                    "secret); or write the host out",
                )
            )
    for i, var in enumerate(p.api.base_url_vars):
        if var not in used:
            found.append(
                (("api", "base_url_vars", i), f"{var} is not used in base_url", "remove it")
            )
    keys = set(p.auth.env) | {v for v in signing_vars(p) if v}
    for path, var in settings_of(p):
        if var in keys:
            found.append((path, f"{var} is this provider's key variable", _SETTING_HINT))
        elif secret_shaped(var):
            found.append((path, f"{var} is named like a secret", _SETTING_HINT))
    for i, var in enumerate(p.auth.env):
        if foreign_credential(var) and var not in p.trust.keys:
            found.append(
                (
                    ("auth", "env", i),
                    f"{var} is named like a cloud, CI or infrastructure credential, not an LLM "
                    "provider's key",
                    f"name the provider's own key variable, or opt in with trust: {{keys: {{{var}: "
                    "<why this provider may read it>}}",
                )
            )
    signing = p.auth.signing
    if signing is not None:
        # A signing credential is a key as much as auth.env's: a foreign-looking one needs the
        # same opt-in, and a setting may not name it.
        fields = ("key_id_env", "secret_env", "token_env")
        for field, var in zip(fields, signing_vars(p), strict=True):
            if var is None:
                continue
            if foreign_credential(var) and var not in p.trust.keys:
                found.append(
                    (
                        ("auth", "signing", field),
                        f"{var} is named like a cloud, CI or infrastructure credential",
                        f"opt in with trust: {{keys: {{{var}: <why this provider may read it>}}}}",
                    )
                )
    for var in p.trust.keys:
        if var not in keys:
            found.append((("trust", "keys", var), f"{var} is not in auth.env", "remove it"))
    for rule in p.trust.owns:
        if rule not in p.owns:
            found.append((("trust", "owns", rule), f"{rule!r} is not in owns", "remove it"))
    return found


_SETTING_HINT = (
    "a setting is shown in clear and placed in URLs, headers or bodies: name a variable that "
    "holds no secret; keys belong in auth.env only"
)


def signing_vars(p: Provider) -> tuple[str | None, str | None, str | None]:
    """The variables of a signing credential (id, secret, token), or three Nones."""
    signing = p.auth.signing
    if signing is None:
        return None, None, None
    return signing.key_id_env, signing.secret_env, signing.token_env


class Claims(NamedTuple):
    """What one provider holds that another may not take unasked."""

    provider_id: str
    keys: Sequence[str]
    owns: Sequence[str]
    settings: Sequence[tuple[Path, str]]
    trusted_keys: frozenset[str] = frozenset()
    trusted_owns: frozenset[str] = frozenset()


def claims_of(p: Provider) -> Claims:
    """A validated manifest's claims, with its opt-ins."""
    keys = [*p.auth.env, *(v for v in signing_vars(p) if v)]
    return Claims(
        p.id, keys, p.owns, settings_of(p), frozenset(p.trust.keys), frozenset(p.trust.owns)
    )


def cross_problems(items: Iterable[Claims]) -> list[tuple[str, Path, str, str | None]]:
    """The rules across providers, taken in search-path order (each against the ones before
    it): (provider id, path, message, hint) per problem, on the later provider."""
    found: list[tuple[str, Path, str, str | None]] = []
    key_holder: dict[str, str] = {}
    setting_holder: dict[str, str] = {}
    rules: list[tuple[str, str]] = []  # (rule, provider id)
    for c in items:
        pid = c.provider_id
        for i, var in enumerate(c.keys):
            holder = key_holder.get(var)
            if holder is not None and holder != pid and var not in c.trusted_keys:
                found.append(
                    (
                        pid,
                        ("auth", "env", i),
                        f"{var} is already {holder!r}'s key variable",
                        f"name this provider's own variable, or opt in with trust: {{keys: "
                        f"{{{var}: <why this provider may read {holder!r}'s key>}}}}",
                    )
                )
            holder = setting_holder.get(var)
            if holder is not None and holder != pid:
                found.append(
                    (pid, ("auth", "env", i), f"{var} is a setting of {holder!r}", _SETTING_HINT)
                )
        for path, var in c.settings:
            holder = key_holder.get(var)
            if holder is not None and holder != pid:
                found.append((pid, path, f"{var} is {holder!r}'s key variable", _SETTING_HINT))
        for i, rule in enumerate(c.owns):
            if rule in c.trusted_owns:
                continue
            clash = next(
                ((other, holder) for other, holder in rules
                 if holder != pid and _overlap(rule, other)),
                None,
            )  # fmt: skip
            if clash is not None:
                found.append(
                    (
                        pid,
                        ("owns", i),
                        f"{rule!r} claims names that {clash[1]!r}'s rule {clash[0]!r} claims",
                        f"remove it, or opt in with trust: {{owns: {{{rule!r}: <why this "
                        "provider may take these names>}}",
                    )
                )
        for var in c.keys:
            key_holder.setdefault(var, pid)
        for _, var in c.settings:
            setting_holder.setdefault(var, pid)
        rules += [(rule, pid) for rule in c.owns]
    return found


def _overlap(a: str, b: str) -> bool:
    """Whether some name matches both rules (an exact name, or a prefix ending in '*' or '**';
    either prefix counts as claiming every name it starts, to be safe)."""
    a_stem, a_prefix = (a.rstrip("*"), True) if a.endswith("*") else (a, False)
    b_stem, b_prefix = (b.rstrip("*"), True) if b.endswith("*") else (b, False)
    if a_prefix and b_stem.startswith(a_stem):
        return True
    if b_prefix and a_stem.startswith(b_stem):
        return True
    return a_stem == b_stem
