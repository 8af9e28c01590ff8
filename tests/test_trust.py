"""The trust model for drop-ins (issue 12, item 8): a manifest may not take another provider's key
variable or model names without an opt-in it states with a reason, may not read a cloud or CI
credential as its key without one, and may name in ``base_url`` (and in every other setting)
only variables it declares and that hold no secret. ``registry validate``, ``load_registry()``
and ``Registry.register()`` apply the same rules."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from provider_registry import (
    ManifestError,
    ManifestWarning,
    Registry,
    default_registry,
    load_registry,
    resolve,
)
from provider_registry._manifest import Provider
from provider_registry._trust import foreign_credential, secret_shaped, signing_vars
from provider_registry._validate import validate

from .conftest import manifest_text


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    text: str
    line: int | None
    message: str


def acme(*, auth: str = "[ACME_API_KEY]", api: str = "", top: str = "", base: str = "") -> str:
    """A drop-in manifest for provider ``acme`` with extra lines in ``api:`` and at the top."""
    text = manifest_text("acme", base_url=base or None).replace(
        "  env: [ACME_API_KEY]", f"  env: {auth}"
    )
    if api:
        text = text.replace("  endpoints:", f"{api}\n  endpoints:")
    return text + top


# Line numbers count from the manifest_text() layout: 1 schema_version, 2 id, 3 name, 4 api,
# 5 dialect, 6 base_url, then api's extra lines, then endpoints, auth, env.
REFUSED = [
    Case("another provider's key variable", acme(auth="[OPENAI_API_KEY]"), 9,
         "OPENAI_API_KEY is already 'openai''s key variable"),
    Case("a second key variable, another's", acme(auth="[ACME_API_KEY, ANTHROPIC_API_KEY]"), 9,
         "ANTHROPIC_API_KEY is already 'anthropic''s key variable"),
    Case("an AWS secret as the key", acme(auth="[AWS_SECRET_ACCESS_KEY]"), 9,
         "AWS_SECRET_ACCESS_KEY is named like a cloud, CI or infrastructure credential"),
    Case("a CI token as the key", acme(auth="[CI_JOB_TOKEN]"), 9,
         "CI_JOB_TOKEN is named like a cloud, CI or infrastructure credential"),
    Case("a database password as the key", acme(auth="[DB_PASSWORD]"), 9,
         "DB_PASSWORD is named like a cloud, CI or infrastructure credential"),
    Case("an owns rule under OpenAI's", acme(top="owns: ['gpt-4o*']\n"), 12,
         "'gpt-4o*' claims names that 'openai''s rule 'gpt-4*' claims"),
    Case("an exact name under Anthropic's rule", acme(top="owns: [claude-haiku-4-5]\n"), 12,
         "'claude-haiku-4-5' claims names that 'anthropic''s rule 'claude-*' claims"),
    Case("a rule above OpenAI's", acme(top="owns: ['gpt*']\n"), 12,
         "'gpt*' claims names that 'openai''s rule 'gpt-3.5-*' claims"),
    Case("an undeclared ${VAR}", acme(base="https://${ACME_HOST}.acme.example/v1"), 6,
         "${ACME_HOST} is not declared"),
    Case("a key variable in the host", acme(base="https://${OPENAI_API_KEY}.acme.example/v1",
         api="  base_url_vars: [OPENAI_API_KEY]"), 7, "OPENAI_API_KEY is named like a secret"),
    # A key variable of an earlier provider, named like no secret (see FIRST below).
    Case("another's key in the host", acme(base="https://${ACME_ACCOUNT}.acme.example/v1",
         api="  base_url_vars: [ACME_ACCOUNT]"), 7, "ACME_ACCOUNT is 'a-first''s key variable"),
    Case("a secret in the host", acme(base="https://${AWS_SECRET_ACCESS_KEY}.acme.example/v1",
         api="  base_url_vars: [AWS_SECRET_ACCESS_KEY]"), 7,
         "AWS_SECRET_ACCESS_KEY is named like a secret"),
    Case("own key in the host", acme(base="https://${ACME_API_KEY}.acme.example/v1",
         api="  base_url_vars: [ACME_API_KEY]"), 7, "ACME_API_KEY is this provider's key variable"),
    Case("a declared variable not used", acme(api="  base_url_vars: [ACME_HOST]"), 7,
         "ACME_HOST is not used in base_url"),
    Case("a key as the base-URL variable", acme(api="  base_url_env: OPENAI_API_KEY"), 7,
         "OPENAI_API_KEY is named like a secret"),
    Case("a token as a parameter", acme(top="params:\n  team:\n    env: GITHUB_TOKEN\n"
         "    send_as: {header: X-Team}\n"), 14, "GITHUB_TOKEN is named like a secret"),
    Case("an opt-in for a variable not read", acme(top="trust:\n  keys: {OPENAI_API_KEY: x}\n"),
         13, "OPENAI_API_KEY is not in auth.env"),
    Case("an opt-in for a rule not made", acme(top="trust:\n  owns: {'gpt-4o*': x}\n"),
         13, "'gpt-4o*' is not in owns"),
]  # fmt: skip
# Loaded before acme in every case: its key variable is named like no secret.
FIRST = manifest_text("a-first").replace("A_FIRST_API_KEY", "ACME_ACCOUNT")

# The same claims, each with its opt-in: valid.
ALLOWED = [
    acme(auth="[OPENAI_API_KEY]",
         top="trust:\n  keys: {OPENAI_API_KEY: a gateway in front of OpenAI}\n"),
    acme(auth="[AWS_SECRET_ACCESS_KEY]",
         top="trust:\n  keys: {AWS_SECRET_ACCESS_KEY: Bedrock-style signing in the proxy}\n"),
    acme(top="owns: ['gpt-4o*']\ntrust:\n  owns: {'gpt-4o*': serves OpenAI's models in the EU}\n"),
    acme(base="https://${ACME_REGION}.acme.example/v1", api="  base_url_vars: [ACME_REGION]"),
]  # fmt: skip


def refused_by_both(dropin: Path, case: Case) -> None:
    (dropin / "a-first.yaml").write_text(FIRST)
    (dropin / "acme.yaml").write_text(case.text)
    report = validate([dropin], env=False, max_age=None)
    said = [p for p in report.errors if Path(p.file or "").name == "acme.yaml"]
    assert any(p.line == case.line and case.message in str(p) for p in said), (
        f"{case.name}: {[str(p) for p in report.problems]}"
    )
    with pytest.raises(ManifestError) as info:
        load_registry([dropin], env=False)
    assert any(
        Path(p.file or "").name == "acme.yaml" and p.line == case.line and case.message in str(p)
        for p in info.value.problems
    ), f"{case.name}: {info.value}"
    assert {str(p) for p in info.value.problems} == {str(p) for p in report.errors}


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_refused_by_validate_and_by_the_loader(dropin: Path, case: Case) -> None:
    refused_by_both(dropin, case)


@pytest.mark.parametrize("text", ALLOWED, ids=range(len(ALLOWED)))
def test_an_opt_in_with_a_reason_allows_it(dropin: Path, text: str) -> None:
    (dropin / "acme.yaml").write_text(text)
    assert validate([dropin], env=False, max_age=None).ok
    assert "acme" in load_registry([dropin], env=False)


def test_an_opt_in_needs_a_reason(dropin: Path) -> None:
    text = acme(auth="[OPENAI_API_KEY]", top="trust:\n  keys: {OPENAI_API_KEY: ''}\n")
    (dropin / "acme.yaml").write_text(text)
    assert not validate([dropin], env=False, max_age=None).ok
    with pytest.raises(ManifestError, match=r"trust\.keys\.OPENAI_API_KEY: "):
        load_registry([dropin], env=False)


def test_the_issue_s_drop_in_cannot_take_openai_s_key_or_names(
    dropin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reproduction: a drop-in with OPENAI_API_KEY and owns gpt-4o* took resolve("gpt-4o...")
    and the key. Now the default registry leaves it out, saying why, and OpenAI keeps both."""
    import provider_registry._registry as registry_module

    text = acme(auth="[OPENAI_API_KEY]", top="owns: ['gpt-4o*']\n").replace(
        "acme.example", "attacker.example"
    )
    (dropin / "acme.yaml").write_text(text)
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", str(dropin))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-test-0000000000000000")
    monkeypatch.setattr(registry_module, "_default", None)
    monkeypatch.setattr(registry_module, "_registered", {}, raising=False)
    with pytest.warns(ManifestWarning, match="acme.yaml.*OPENAI_API_KEY is already 'openai''s"):
        reg = default_registry()
    res = resolve("gpt-4o-next")  # a name OpenAI's table lacks: its gpt-4* rule claims it
    assert (res.provider_id, res.api_base, res.key_source) == (
        "openai", "https://api.openai.com/v1", "OPENAI_API_KEY",
    )  # fmt: skip
    with pytest.raises(ManifestError, match=r"acme\.yaml:9:\d+: auth\.env\[0\]"):
        resolve("acme/m1", registry=reg)


def test_a_registration_is_held_to_the_same_rules(builtin: Registry) -> None:
    for case in (REFUSED[0], REFUSED[2], REFUSED[5], REFUSED[9]):
        with pytest.raises(ManifestError, match=re.escape(case.message)):
            builtin.register(case.text)
    for text in ALLOWED:
        assert "acme" in builtin.register(text)
    # Replacing a provider by id takes its place: its own key variable is not "another's".
    openai = builtin.provider("openai").model_dump(exclude_defaults=True)
    assert builtin.register({**openai, "name": "OpenAI via code"}).provider("openai").name == (
        "OpenAI via code"
    )


def key_variables(p: Provider) -> list[str]:
    """auth.env and the variables of a signing credential (Bedrock's AWS keys)."""
    return [*p.auth.env, *(v for v in signing_vars(p) if v)]


def test_builtins_that_read_a_credential_say_why(builtin: Registry) -> None:
    """The built-ins pass the rules: those whose documented key variable is named like a CI
    or cloud credential carry the opt-in and its reason."""
    opted = {pid: dict(p.trust.keys) for pid, p in builtin.providers.items() if p.trust.keys}
    for pid, reasons in opted.items():
        assert set(reasons) <= set(key_variables(builtin.provider(pid)))
        assert all(len(why) > 20 for why in reasons.values())
    for pid, p in builtin.providers.items():
        for var in key_variables(p):
            assert not foreign_credential(var) or var in p.trust.keys, (pid, var)
    assert not any(p.trust.owns for p in builtin.providers.values())


def test_validate_json_reports_the_trust_problem(dropin: Path) -> None:
    (dropin / "acme.yaml").write_text(acme(auth="[OPENAI_API_KEY]"))
    problem = next(p for p in validate([dropin], env=False).to_dict()["problems"])
    assert json.loads(json.dumps(problem))["path"] == "auth.env[0]"
    assert "trust: {keys: {OPENAI_API_KEY:" in problem["hint"]


# --- names --------------------------------------------------------------------------------------

SECRET_NAMES = [
    "ACME_API_KEY", "HF_TOKEN", "X_SECRET", "DB_PASSWORD", "ACME_APIKEY", "MY_ACCESSTOKEN",
    "BASIC_AUTH", "ACME_CREDENTIALS", "AWS_SECRET_ACCESS_KEY",
]  # fmt: skip
SETTING_NAMES = [
    "WANDB_PROJECT", "OPENAI_ORG_ID", "OPENAI_BASE_URL", "AZURE_RESOURCE_NAME", "ACME_REGION",
    "KEYCLOAK_REALM", "TOKENIZER_NAME", "MONKEY_BUSINESS",
]  # fmt: skip
FOREIGN = [
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "CI_JOB_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS", "AZURE_CLIENT_SECRET", "NPM_TOKEN", "TWINE_PASSWORD",
    "VAULT_TOKEN", "KUBECONFIG", "DATABASE_URL", "SECRET_KEY", "SSH_PRIVATE_KEY",
]  # fmt: skip
PROVIDER_KEYS = [
    "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "GOOGLE_API_KEY", "HF_TOKEN", "ACME_KEY",
    "QIANFAN_SECRET_KEY",
]  # fmt: skip


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_shaped(name: str) -> None:
    assert secret_shaped(name)


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_not_secret_shaped(name: str) -> None:
    assert not secret_shaped(name)


@pytest.mark.parametrize("name", FOREIGN)
def test_foreign_credential(name: str) -> None:
    assert foreign_credential(name)


@pytest.mark.parametrize("name", PROVIDER_KEYS)
def test_provider_key_is_not_foreign(name: str) -> None:
    assert not foreign_credential(name)


# --- ownership rules, as a property -------------------------------------------------------------

RULES = st.builds(
    lambda stem, star: stem + ("*" if star else ""),
    st.text("ab-", min_size=1, max_size=4),
    st.booleans(),
)


def owner(pid: str, rule: str) -> dict[str, object]:
    return {
        "schema_version": 1, "id": pid, "name": pid.title(), "owns": [rule],
        "api": {"dialect": "openai", "base_url": f"https://{pid}.example/v1"},
        "auth": {"env": [f"{pid.upper()}_API_KEY"]},
    }  # fmt: skip


FIRST_OWNER = load_registry(builtin=False, env=False)


@given(first=RULES, later=RULES, name=st.text("ab-", min_size=1, max_size=6))
def test_a_later_rule_never_takes_a_name_an_earlier_rule_claims(
    first: str, later: str, name: str
) -> None:
    """Whatever two rules and name: if the later provider's rule is accepted without an
    opt-in, the name the first rule claims still resolves to the first provider alone."""
    before = FIRST_OWNER.register(owner("first", first))
    try:
        after = before.register(owner("later", later))
    except ManifestError as exc:
        refused = str(exc)
    else:
        refused = ""
        if before.owners_of(name):
            assert after.owners_of(name) == ("first",)
    event("refused" if refused else "accepted")
    assert not refused or "claims names that 'first''s rule" in refused


# --- what an import writes ----------------------------------------------------------------------


def md_entry(env: list[str], api: str) -> dict[str, object]:
    model = {"id": "m1", "cost": {"input": 1, "output": 2}, "limit": {"context": 1000}}
    return {"env": env, "api": api, "npm": "@ai-sdk/openai-compatible", "models": {"m1": model}}


def test_an_import_takes_no_key_it_may_not(builtin: Registry, tmp_path: Path) -> None:
    """A catalog is no reason to read another provider's key, or a cloud credential: an import
    skips such a provider, saying how to add it by hand, and declares its ${VAR} settings."""
    from provider_registry._import import import_models_dev, write_manifests

    data = {
        "twin-eu": md_entry(["TWIN_API_KEY"], "https://eu.twin.example/v1"),
        "twin-us": md_entry(["TWIN_API_KEY"], "https://us.twin.example/v1"),
        "acct": md_entry(["ACCT_KEY", "ACCT_ID"], "https://x.example/${ACCT_ID}/v1"),
        "cloudy": md_entry(["AWS_BEARER_TOKEN"], "https://cloudy.example/v1"),
        "openai-eu": md_entry(["OPENAI_API_KEY"], "https://eu.openai-like.example/v1"),
    }
    result = import_models_dev(data, known=builtin)
    assert set(result.providers) == {"twin-eu", "acct"}
    skipped = dict(result.skipped)
    assert skipped["twin-us"].startswith("its key variable TWIN_API_KEY is 'twin-eu''s too")
    assert skipped["openai-eu"].startswith("its key variable OPENAI_API_KEY is 'openai''s too")
    assert skipped["cloudy"].startswith(
        "its key variable AWS_BEARER_TOKEN is named like a cloud or CI credential"
    )
    assert "trust: {keys: {OPENAI_API_KEY: <why>}}" in skipped["openai-eu"]
    assert result.providers["acct"].api.base_url_vars == ["ACCT_ID"]
    write_manifests(result, tmp_path)
    report = validate([tmp_path], env=False, max_age=None)
    assert report.errors == []
    assert set(report.providers) >= set(result.providers)
