"""Request dialects: the only code that knows a family of APIs. A manifest picks one by name.

A dialect says where a request goes (the path for a model's mode), how an OpenAI-shaped body
becomes its own, and how its replies and stream events become OpenAI-shaped again, so callers
see one shape whichever provider answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import InvalidRequestError

if TYPE_CHECKING:
    from ._resolver import Resolution

__all__ = ["DIALECTS", "Dialect"]

Chunks = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


class Dialect:
    """The OpenAI shape itself: bodies, replies and stream chunks pass through unchanged."""

    name = "openai"
    paths: dict[str, str] = {  # noqa: RUF012 -- read-only table
        "chat": "/chat/completions",
        "completion": "/completions",
        "responses": "/responses",
        "embedding": "/embeddings",
        "moderation": "/moderations",
        "image_generation": "/images/generations",
        "rerank": "/rerank",
    }

    def path(self, res: Resolution) -> str:
        mode = res.model_info.mode if res.model_info else "chat"
        path = self.paths.get(mode)
        if path is None:
            raise InvalidRequestError(
                res.provider_id, res.model, f"the {self.name} dialect cannot build {mode} requests"
            )
        return path

    def shape(self, body: dict[str, Any], res: Resolution) -> tuple[dict[str, Any], list[str]]:
        """The provider's body, and the keys it had to leave out."""
        return body, []

    def reply(self, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def chunks(self, provider: str) -> Chunks:
        return lambda event, data: [data]


class AnthropicDialect(Dialect):
    """Anthropic Messages: system prompt at the top level, max_tokens required, content blocks."""

    name = "anthropic"
    paths = {"chat": "/messages"}  # noqa: RUF012 -- read-only table

    def shape(self, body: dict[str, Any], res: Resolution) -> tuple[dict[str, Any], list[str]]:
        from ._anthropic import to_anthropic

        limit = res.model_info.max_output_tokens if res.model_info else None
        return to_anthropic(
            body, default_max_tokens=limit, provider=res.provider_id, model=res.model
        )

    def reply(self, data: dict[str, Any]) -> dict[str, Any]:
        from ._anthropic import from_anthropic

        return from_anthropic(data)

    def chunks(self, provider: str) -> Chunks:
        from ._anthropic import StreamTranslator

        return StreamTranslator(provider).feed


DIALECTS: dict[str, Dialect] = {"openai": Dialect(), "anthropic": AnthropicDialect()}
