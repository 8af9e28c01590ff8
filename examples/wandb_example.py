"""Calling Weights & Biases Inference through provider-registry.

Set WANDB_API_KEY (your W&B API key) and WANDB_PROJECT ("team/project"), then run:

    python examples/wandb_example.py

WANDB_API_BASE points it elsewhere (a proxy, or a local test server). Without a key or a
project it says which is missing and how to set it, and exits with status 2.
"""

from __future__ import annotations

import os
import sys

from provider_registry import (
    AuthenticationError,
    MissingCredentialsError,
    MissingParameterError,
    ProviderError,
    RateLimitError,
    RegistryError,
    completion,
    resolve,
)

MODEL = "wandb/Llama-3.1-8B-Instruct"


def basic() -> None:
    reply = completion(MODEL, [{"role": "user", "content": "Say hello in five words."}])
    print("basic:", reply["choices"][0]["message"]["content"])
    print("cost:", reply.cost, "USD")


def streaming() -> None:
    print("streaming: ", end="")
    for chunk in completion(MODEL, [{"role": "user", "content": "Count to 5."}], stream=True):
        delta = chunk["choices"][0]["delta"] if chunk.get("choices") else {}
        print(delta.get("content") or "", end="", flush=True)
    print()


def multi_turn() -> None:
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name a prime number."},
    ]
    first = completion(MODEL, messages)
    messages += [
        first["choices"][0]["message"],
        {"role": "user", "content": "And the next one?"},
    ]
    second = completion(MODEL, messages)
    print("multi-turn:", second["choices"][0]["message"]["content"])


def custom_parameters() -> None:
    # `project` is W&B's own parameter (sent as the OpenAI-Project header); the others go in
    # the body as the OpenAI format defines them.
    project = os.environ["WANDB_PROJECT"]  # checked in main()
    reply = completion(
        MODEL,
        [{"role": "user", "content": "One word for 'fast'."}],
        project=project,
        temperature=0.2,
        max_tokens=20,
    )
    print("custom parameters:", reply["choices"][0]["message"]["content"])
    print("resolved:", resolve(MODEL, project=project))  # the key shows masked


def error_handling() -> None:
    try:
        completion(MODEL, [{"role": "user", "content": "Hi"}], api_key="not-a-real-key-0000")
    except AuthenticationError as exc:
        print("error handling: the provider refused the key:", exc.status_code)
    except RateLimitError as exc:
        print("error handling: rate limited; retry after", exc.retry_after, "s")
    except (MissingCredentialsError, MissingParameterError) as exc:
        print("error handling: not configured:", exc)
    except ProviderError as exc:
        print("error handling: the provider answered", exc.status_code, exc.message)
    else:
        print("error handling: the provider accepted the key")


def main() -> int:
    # W&B itself takes a request without a project (it then bills your default team's
    # "inference" project), but this library's W&B manifest asks for one, so that usage is
    # attributed on purpose: say so before the first call rather than fail inside it.
    missing = [name for name in ("WANDB_API_KEY", "WANDB_PROJECT") if not os.environ.get(name)]
    if missing:
        print(
            f"wandb_example: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not"
            " set. Set WANDB_API_KEY to your W&B API"
            " key and WANDB_PROJECT to the team/project to bill, e.g.\n"
            "  export WANDB_PROJECT=my-team/my-project",
            file=sys.stderr,
        )
        return 2
    try:
        basic()
        streaming()
        multi_turn()
        custom_parameters()
        error_handling()
    except RegistryError as exc:
        print(f"wandb_example: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
