"""Request dialects: the only code that knows a family of APIs. A manifest picks one by name.

A dialect says where a request goes (the path for a model's mode), how an OpenAI-shaped body
becomes its own, and how its replies and stream events become OpenAI-shaped again, so callers
see one shape whichever provider answers. It also knows where the provider lists the models it
serves, and how that list is paged. Each dialect is one private module here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._anthropic import AnthropicDialect
from ._base import Chunks, Decoder, Dialect, Fail, Reader, SSEDecoder, error_message
from ._bedrock import BedrockDialect
from ._gemini import GeminiDialect

if TYPE_CHECKING:
    from .._manifest import Provider

__all__ = [
    "DIALECTS",
    "Chunks",
    "Decoder",
    "Dialect",
    "Fail",
    "Reader",
    "SSEDecoder",
    "asks_stream_usage",
    "error_message",
]

DIALECTS: dict[str, Dialect] = {
    "openai": Dialect(),
    "anthropic": AnthropicDialect(),
    "gemini": GeminiDialect(),
    "bedrock": BedrockDialect(),
}


def asks_stream_usage(provider: Provider) -> bool:
    """Whether a stream to this provider asks for its usage: the manifest's
    ``request.stream_usage``, else its dialect's default; never when ``stream_options`` is a
    field the provider refuses."""
    rules = provider.request
    if "stream_options" in rules.unsupported:
        return False
    if rules.stream_usage is not None:
        return rules.stream_usage
    return DIALECTS[provider.api.dialect].stream_usage
