"""The OpenAI chat-completions shape to AWS Bedrock's Converse API and back.

Converse puts the model in the URL (``/model/{modelId}/converse``, ``/converse-stream`` for a
stream), takes content as typed blocks (``{"text"}``, ``{"image"}``, ``{"toolUse"}``,
``{"toolResult"}``), the system prompt and the sampling settings beside the messages, and frames
its stream as AWS event-stream binary messages rather than server-sent events. A request is
signed with SigV4 by botocore (an optional extra: ``pip install provider-registry[bedrock]``),
or carries a Bedrock API key as a bearer token, which needs no signing. The signer and the
stream's framing are botocore's, never ours: both are easy to get subtly wrong.

Reasoning (Claude's extended thinking, and other reasoning models) arrives as
``reasoningContent`` blocks: ``reasoningText`` (its ``text`` and a ``signature``) or
``redactedContent`` (reasoning the provider encrypted). The text becomes the message's
``reasoning_content``; each block, signature or encrypted data included, is kept in the message's
``thinking_blocks`` (``{"type": "thinking", "thinking", "signature"}`` or ``{"type":
"redacted_thinking", "data"}``), because Bedrock wants the signed block back in the next request
of a tool-use loop. An assistant message that carries ``thinking_blocks`` sends them back first,
as Claude requires. Converse counts reasoning inside ``outputTokens`` and gives no separate
count, so ``completion_tokens`` (billed at the output price) includes it and no
``reasoning_tokens`` is reported. ``reasoning_effort`` is not translated: Converse takes a token
budget (``additionalModelRequestFields.thinking.budget_tokens`` for Claude), and AWS publishes no
mapping from an effort word to a budget.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._errors import InvalidRequestError, MalformedReplyError, MissingExtraError
from .._replies import ReplyReader
from ._base import Chunks, Dialect, Fail, _unscrubbed

if TYPE_CHECKING:
    import httpx

    from .._resolver import Resolution

__all__ = ["BedrockDialect", "EventStreamDecoder", "from_converse", "to_converse"]

_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}

# Every OpenAI key with a Converse meaning, or one safe to lose without telling the caller
# (stream and stream_options: the URL says whether it streams, and the stream always ends with
# its usage; model: it is in the URL). Anything else is reported as dropped.
_KNOWN_KEYS = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "tools",
        "tool_choice",
    }
)

_DATA_URL = re.compile(r"data:image/([a-z]+);base64,(.*)", re.DOTALL)
_IMAGE_FORMATS = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "gif": "gif", "webp": "webp"}


def to_converse(
    body: Mapping[str, Any], *, provider: str, model: str
) -> tuple[dict[str, Any], list[str]]:
    """OpenAI chat-completions request body -> Converse request body, and the keys it had to
    leave out. The model is not in the body: Converse takes it in the URL.

    >>> to_converse({"model": "m", "max_tokens": 5, "seed": 1, "messages": [
    ...     {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
    ...     provider="bedrock", model="m")  # doctest: +NORMALIZE_WHITESPACE
    ({'messages': [{'role': 'user', 'content': [{'text': 'Hi'}]}],
      'system': [{'text': 'Be brief.'}], 'inferenceConfig': {'maxTokens': 5}}, ['seed'])
    """
    return _Request(provider, model).translate(body)


def _usage(read: ReplyReader, usage: object, where: str) -> dict[str, Any]:
    # Converse's inputTokens leaves out the tokens read from and written to the prompt cache
    # (they are reported beside it, as Anthropic does); prompt_tokens counts every prompt token.
    # outputTokens includes reasoning, and Converse reports no separate reasoning count, so
    # completion_tokens_details is left out rather than guessed.
    found = read.optional_mapping(usage, where)
    counts = {
        field: read.count(found.get(field), f"{where}.{field}")
        for field in (
            "inputTokens",
            "outputTokens",
            "cacheReadInputTokens",
            "cacheWriteInputTokens",
        )
    }
    cache_read, cache_write = counts["cacheReadInputTokens"], counts["cacheWriteInputTokens"]
    prompt = counts["inputTokens"] + cache_read + cache_write
    completion = counts["outputTokens"]
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cache_read, "cache_write_tokens": cache_write},
    }


def _finish_reason(read: ReplyReader, carrier: Mapping[str, Any]) -> str:
    reason = read.optional_text(carrier.get("stopReason"), "stopReason")
    return _FINISH_REASONS.get(reason or "", "stop")


def from_converse(reply: object, *, provider: str, model: str = "") -> dict[str, Any]:
    """Converse response -> OpenAI chat.completion; MalformedReplyError naming the field when
    ``reply`` is not a Converse response. Converse sends no id and no model name back.

    >>> out = from_converse({"output": {"message": {"role": "assistant",
    ...     "content": [{"text": "Hello"}]}}, "stopReason": "end_turn",
    ...     "usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7}}, provider="acme")
    >>> out["choices"][0]["message"], out["usage"]["total_tokens"]
    ({'role': 'assistant', 'content': 'Hello'}, 7)
    """
    read = ReplyReader(provider)
    data = read.mapping(reply, "")
    output = read.mapping(data.get("output"), "output")
    message = read.mapping(output.get("message"), "output.message")
    texts: list[str] = []
    thinking: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    for i, item in enumerate(read.optional_items(message.get("content"), "output.message.content")):
        where = f"output.message.content[{i}]"
        block = read.mapping(item, where)
        if "text" in block:
            texts.append(read.text(block.get("text"), f"{where}.text"))
        elif "toolUse" in block:
            use = read.mapping(block.get("toolUse"), f"{where}.toolUse")
            arguments = use.get("input")
            tool_calls.append(
                {
                    "id": read.text(use.get("toolUseId"), f"{where}.toolUse.toolUseId"),
                    "type": "function",
                    "function": {
                        "name": read.text(use.get("name"), f"{where}.toolUse.name"),
                        "arguments": json.dumps({} if arguments is None else arguments),
                    },
                }
            )
        elif "reasoningContent" in block:
            thinking.append(_thinking_block(read, block.get("reasoningContent"), where))
        # Blocks added after this was written carry no answer text.
    said: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts else None}
    if thinking:
        said["reasoning_content"] = "".join(t.get("thinking", "") for t in thinking)
        said["thinking_blocks"] = thinking
    if tool_calls:
        said["tool_calls"] = tool_calls
    return {
        "id": "",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": said, "finish_reason": _finish_reason(read, data)}],
        "usage": _usage(read, data.get("usage"), "usage"),
    }


def _thinking_block(read: ReplyReader, value: object, where: str) -> dict[str, Any]:
    """A ``reasoningContent`` block as one entry of ``thinking_blocks``: what a follow-up
    request needs to send it back unchanged."""
    where = f"{where}.reasoningContent"
    reasoning = read.mapping(value, where)
    if "redactedContent" in reasoning:
        data = read.text(reasoning.get("redactedContent"), f"{where}.redactedContent")
        return {"type": "redacted_thinking", "data": data}
    said = read.mapping(reasoning.get("reasoningText"), f"{where}.reasoningText")
    block = {
        "type": "thinking",
        "thinking": read.text(said.get("text"), f"{where}.reasoningText.text"),
    }
    signature = read.optional_text(said.get("signature"), f"{where}.reasoningText.signature")
    if signature is not None:
        block["signature"] = signature
    return block


class StreamTranslator:
    """Turns ConverseStream events into OpenAI chat.completion.chunk dicts: messageStart opens
    the message, contentBlockStart opens a tool call, contentBlockDelta carries text or a
    tool call's input or reasoning (text to ``reasoning_content``; a signature or encrypted
    reasoning to ``thinking_blocks``, for the caller to gather with the text if it sends the
    turn back), messageStop the finish reason, metadata the usage. An exception frame
    (the decoder names it ``error``) raises ``fail``'s error with the provider's message."""

    def __init__(self, provider: str, fail: Fail | None = None) -> None:
        self._read = ReplyReader(provider, "stream event")
        self._fail = fail or _unscrubbed(provider)
        # Converse numbers content blocks across text and tools; OpenAI numbers tool calls alone.
        self._tool_index: dict[int, int] = {}

    def feed(self, event: str, data: object) -> list[dict[str, Any]]:
        read = self._read
        payload = read.mapping(data, "")
        if event == "messageStart":
            return [_chunk({"role": "assistant", "content": ""})]
        if event == "contentBlockStart":
            start = read.optional_mapping(payload.get("start"), "start")
            if "toolUse" not in start:
                return []
            use = read.mapping(start.get("toolUse"), "start.toolUse")
            index = len(self._tool_index)
            self._tool_index[read.index(payload.get("contentBlockIndex"), "contentBlockIndex")] = (
                index
            )
            call = {
                "index": index,
                "id": read.text(use.get("toolUseId"), "start.toolUse.toolUseId"),
                "type": "function",
                "function": {
                    "name": read.text(use.get("name"), "start.toolUse.name"),
                    "arguments": "",
                },
            }
            return [_chunk({"tool_calls": [call]})]
        if event == "contentBlockDelta":
            delta = read.optional_mapping(payload.get("delta"), "delta")
            if "text" in delta:
                return [_chunk({"content": read.text(delta.get("text"), "delta.text")})]
            if "toolUse" in delta:
                use = read.mapping(delta.get("toolUse"), "delta.toolUse")
                block = read.index(payload.get("contentBlockIndex"), "contentBlockIndex")
                call_index = self._tool_index.get(block)
                if call_index is None:
                    raise read.fail("contentBlockIndex", "names no tool call that was started")
                partial = read.text(use.get("input"), "delta.toolUse.input")
                return [
                    _chunk(
                        {"tool_calls": [{"index": call_index, "function": {"arguments": partial}}]}
                    )
                ]
            if "reasoningContent" in delta:
                return [self._reasoning(delta.get("reasoningContent"))]
            return []  # deltas added after this was written
        if event == "messageStop":
            return [_chunk({}, _finish_reason(read, payload))]
        if event == "metadata":
            chunk = _chunk({})
            chunk["choices"] = []
            chunk["usage"] = _usage(read, payload.get("usage"), "usage")
            return [chunk]
        if event == "error":
            found = read.stream_error(payload.get("message"))
            raise found if isinstance(found, MalformedReplyError) else self._fail(payload)
        return []  # contentBlockStop, and event types added after this was written

    def _reasoning(self, value: object) -> dict[str, Any]:
        read = self._read
        where = "delta.reasoningContent"
        reasoning = read.mapping(value, where)
        if "text" in reasoning:
            return _chunk({"reasoning_content": read.text(reasoning.get("text"), f"{where}.text")})
        if "signature" in reasoning:
            signature = read.text(reasoning.get("signature"), f"{where}.signature")
            block = {"type": "thinking", "thinking": "", "signature": signature}
            return _chunk({"thinking_blocks": [block]})
        data = read.text(reasoning.get("redactedContent"), f"{where}.redactedContent")
        return _chunk({"thinking_blocks": [{"type": "redacted_thinking", "data": data}]})


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


class _Request:
    """One request's translation; holds what every refusal must name."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model

    def refuse(self, message: str, hint: str | None = None) -> InvalidRequestError:
        return InvalidRequestError(self.provider, self.model, message, hint=hint)

    def translate(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        # An explicit null means "not given" in the OpenAI API, so it is neither sent nor dropped.
        given = {key: value for key, value in body.items() if value is not None}
        dropped = [key for key in given if key not in _KNOWN_KEYS]
        system, messages = self.messages(given.get("messages"))
        out: dict[str, Any] = {"messages": messages}
        if system:
            out["system"] = system
        config: dict[str, Any] = {}
        max_tokens = given.get("max_tokens", given.get("max_completion_tokens"))
        if max_tokens is not None:
            config["maxTokens"] = max_tokens
        for ours, theirs in (("temperature", "temperature"), ("top_p", "topP")):
            if ours in given:
                config[theirs] = given[ours]
        if "stop" in given:
            stop = given["stop"]
            if not isinstance(stop, str | list):
                raise self.refuse(f"stop must be a string or a list of strings, not {stop!r}")
            config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
        if config:
            out["inferenceConfig"] = config
        if "tools" in given:
            tool_config: dict[str, Any] = {"tools": [self.tool(tool) for tool in given["tools"]]}
            if "tool_choice" in given:
                choice = self.tool_choice(given["tool_choice"])
                if choice is None:
                    dropped.append("tool_choice")
                else:
                    tool_config["toolChoice"] = choice
            out["toolConfig"] = tool_config
        elif "tool_choice" in given:
            dropped.append("tool_choice")
        return out, dropped

    def messages(self, messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not isinstance(messages, list):
            raise self.refuse("the request needs a list of messages")
        system: list[dict[str, Any]] = []
        converted: list[dict[str, Any]] = []
        for msg in messages:
            if not isinstance(msg, dict):
                raise self.refuse(f"a message must be an object, not {msg!r}")
            role = msg.get("role")
            if role in ("system", "developer"):
                text = self.text(msg.get("content"), role)
                if text:
                    system.append({"text": text})
            else:
                converted.append(self.message(msg))
        return system, _merge(converted)

    def message(self, msg: dict[str, Any]) -> dict[str, Any]:
        role = msg.get("role")
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if not isinstance(call_id, str):
                raise self.refuse("a tool message needs its tool_call_id")
            result = {
                "toolUseId": call_id,
                "content": [{"text": self.text(msg.get("content"), "tool")}],
            }
            return {"role": "user", "content": [{"toolResult": result}]}
        if role not in ("user", "assistant"):
            raise self.refuse(f"message role {role!r} has no Converse equivalent")
        content = self.content(msg.get("content"))
        if role == "assistant" and msg.get("thinking_blocks"):
            # Claude requires an assistant turn's reasoning blocks to come first.
            content = [self.reasoning(b) for b in msg["thinking_blocks"]] + content
        if role == "assistant" and msg.get("tool_calls"):
            content += [self.tool_use(call) for call in msg["tool_calls"]]
        return {"role": role, "content": content}

    def text(self, content: Any, role: str) -> str:
        """The text of a system, developer or tool message."""
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            texts = []
            for part in content:
                if not (isinstance(part, dict) and part.get("type") == "text"):
                    kind = part.get("type") if isinstance(part, dict) else part
                    raise self.refuse(f"a {role} message may hold only text parts, not {kind!r}")
                texts.append(part.get("text", ""))
            return "\n\n".join(texts)
        raise self.refuse(f"a {role} message's content must be text, not {content!r}")

    def content(self, content: Any) -> list[dict[str, Any]]:
        # Converse refuses empty text blocks, so empty text turns into no block at all.
        if content is None or content == "":
            return []
        if isinstance(content, str):
            return [{"text": content}]
        if isinstance(content, list):
            return [self.part(part) for part in content]
        raise self.refuse(f"message content must be a string or a list of parts, not {content!r}")

    def part(self, part: Any) -> dict[str, Any]:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            return {"text": part.get("text", "")}
        if kind == "image_url":
            return {"image": self.image(part.get("image_url"))}
        raise self.refuse(
            f"content part {kind or part!r} has no Converse equivalent",
            hint="the bedrock dialect takes text and image_url parts",
        )

    def image(self, image: Any) -> dict[str, Any]:
        url = image.get("url") if isinstance(image, dict) else image
        found = _DATA_URL.fullmatch(url) if isinstance(url, str) else None
        if found is not None and found[1] in _IMAGE_FORMATS:
            try:
                base64.b64decode(found[2], validate=True)
            except (binascii.Error, ValueError):
                found = None
            else:
                # The JSON API takes the image's bytes base64-encoded, as the data URL has them.
                return {"format": _IMAGE_FORMATS[found[1]], "source": {"bytes": found[2]}}
        shown = url[:40] + "..." if isinstance(url, str) and len(url) > 40 else url
        raise self.refuse(
            f"image_url {shown!r} is not a base64 data: URL of a png, jpeg, gif or webp image",
            hint="Converse takes image bytes, not URLs: write data:image/png;base64,<data>",
        )

    def reasoning(self, block: Any) -> dict[str, Any]:
        """One entry of ``thinking_blocks``, as a reply gave it, back as ``reasoningContent``."""
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "redacted_thinking" and isinstance(block.get("data"), str):
            return {"reasoningContent": {"redactedContent": block["data"]}}
        if kind == "thinking" and isinstance(block.get("thinking"), str):
            said = {"text": block["thinking"]}
            if isinstance(block.get("signature"), str):
                said["signature"] = block["signature"]
            return {"reasoningContent": {"reasoningText": said}}
        raise self.refuse(
            f"thinking block {block!r} is neither a thinking nor a redacted_thinking block",
            hint="send thinking_blocks back as the reply gave them",
        )

    def tool_use(self, call: Any) -> dict[str, Any]:
        if not isinstance(call, dict) or call.get("type", "function") != "function":
            raise self.refuse(f"tool call {call!r} is not a function call")
        function = call.get("function") or {}
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except (TypeError, ValueError) as exc:
            raise self.refuse(
                f"tool call {call.get('id')!r} has arguments that are not valid JSON: {exc}"
            ) from None
        if not isinstance(arguments, dict):
            raise self.refuse(f"tool call {call.get('id')!r} has arguments that are not an object")
        use = {"toolUseId": call.get("id"), "name": function.get("name"), "input": arguments}
        return {"toolUse": use}

    def tool(self, tool: Any) -> dict[str, Any]:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, dict) else tool
            raise self.refuse(f"tool type {kind!r} has no Converse equivalent")
        function = tool.get("function") or {}
        spec: dict[str, Any] = {"name": function.get("name")}
        if function.get("description") is not None:
            spec["description"] = function["description"]
        schema = function.get("parameters") or {"type": "object", "properties": {}}
        spec["inputSchema"] = {"json": copy.deepcopy(schema)}
        return {"toolSpec": spec}

    def tool_choice(self, choice: Any) -> dict[str, Any] | None:
        """Converse's toolChoice; None for "none", which it cannot say (left out, reported)."""
        if choice == "auto":
            return {"auto": {}}
        if choice == "required":
            return {"any": {}}
        if choice == "none":
            return None
        if isinstance(choice, dict) and choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name")
            if isinstance(name, str):
                return {"tool": {"name": name}}
        raise self.refuse(f"tool_choice {choice!r} has no Converse equivalent")


def _merge(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive messages of one role as one message: Converse requires user and assistant
    turns to alternate (tool results arrive as user turns, often several in a row)."""
    merged: list[dict[str, Any]] = []
    for msg in messages:
        if merged and merged[-1]["role"] == msg["role"]:
            merged[-1]["content"] += msg["content"]
        else:
            merged.append(msg)
    return merged


def _botocore(what: str) -> Any:
    """The botocore modules the dialect uses, or the error that names the extra."""
    try:
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        import botocore.eventstream
    except ImportError:
        raise MissingExtraError("bedrock", "botocore", what) from None
    return botocore


class EventStreamDecoder:
    """AWS event-stream framing (``application/vnd.amazon.eventstream``), read by botocore's
    parser: each message as (its ``:event-type``, its payload). An ``exception`` or
    ``error`` message becomes an ``error`` event whose data holds the provider's message; a
    frame that fails its checks (a CRC, a length) becomes an event whose data is not JSON, which
    the client reports as a malformed stream."""

    def __init__(self) -> None:
        botocore = _botocore("reading a Bedrock stream")
        self._buffer = botocore.eventstream.EventStreamBuffer()
        self._errors = (botocore.eventstream.ParserError,)

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        self._buffer.add_data(data)
        events: list[tuple[str, bytes]] = []
        try:
            for message in self._buffer:
                events.append(_event(message.headers, message.payload))
        except self._errors:
            events.append(("error", b"malformed event-stream frame"))
        return events


def _event(headers: Mapping[str, Any], payload: bytes) -> tuple[str, bytes]:
    kind = headers.get(":message-type")
    if kind == "exception":
        name = str(headers.get(":exception-type", "exception"))
        text = payload.decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = {"message": text}
        message = body.get("message") if isinstance(body, dict) else None
        return "error", json.dumps({"type": name, "message": message or name}).encode()
    if kind == "error":
        code = str(headers.get(":error-code", "error"))
        message = str(headers.get(":error-message", "") or code)
        return "error", json.dumps({"type": code, "message": message}).encode()
    return str(headers.get(":event-type", "")), payload


class BedrockDialect(Dialect):
    """AWS Bedrock Converse: the model in the URL, typed content blocks, SigV4-signed requests
    (or a bearer API key), an event-stream framed stream."""

    name = "bedrock"
    paths = {"chat": "/converse"}  # noqa: RUF012 -- read-only table
    caller_fields = Dialect.caller_fields | {"system", "toolConfig", "inferenceConfig"}
    # LiteLLM's bedrock/converse/<model> route posts to
    # https://bedrock-runtime.{aws_region_name}.amazonaws.com/model/{quote(model, safe="")}/converse
    # (litellm/llms/bedrock/base_aws_llm.py, get_runtime_endpoint and encode_model_id, litellm
    # 1.110.2), sends api_key (or AWS_BEARER_TOKEN_BEDROCK) as a bearer token, and otherwise
    # signs with the AWS variables of its own environment.
    litellm_route = ("bedrock/converse", "", "authorization", "Bearer")
    litellm_region = "aws_region_name"
    # Bedrock lists its models on the control-plane host (bedrock.{region}.amazonaws.com,
    # ListFoundationModels), not on bedrock-runtime where requests go.
    models_path = None
    stream_accept = "application/vnd.amazon.eventstream"
    stream_usage = False  # the stream's metadata event always carries the usage

    def path(self, res: Resolution, stream: bool = False) -> str:
        mode = res.model_info.mode if res.model_info else "chat"
        if mode != "chat":
            raise InvalidRequestError(
                res.provider_id, res.model, f"the bedrock dialect cannot build {mode} requests"
            )
        # Model ids, inference-profile ids and ARNs hold ':' and '/': one escaped path segment.
        model = quote(res.model, safe="")
        return f"/model/{model}/converse-stream" if stream else f"/model/{model}/converse"

    def shape(self, body: dict[str, Any], res: Resolution) -> tuple[dict[str, Any], list[str]]:
        return to_converse(body, provider=res.provider_id, model=res.model)

    def sign(self, request: httpx.Request, res: Resolution) -> httpx.Request:
        """SigV4 over the request as it will be sent (method, URL, headers, body), unless it
        carries a Bedrock API key already."""
        keys = res._signing
        signing = res.provider.auth.signing
        if keys is None or signing is None:
            return request
        botocore = _botocore("signing a Bedrock request")
        region = res.params.get(signing.region_param, "")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        aws = botocore.awsrequest.AWSRequest(
            method=request.method, url=str(request.url), data=request.content, headers=headers
        )
        credentials = botocore.credentials.Credentials(keys.key_id, keys.secret, keys.token)
        botocore.auth.SigV4Auth(credentials, signing.service, region).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            value = aws.headers.get(name)
            if value is not None:
                request.headers[name] = value
        return request

    def decoder(self) -> EventStreamDecoder:
        return EventStreamDecoder()

    def reply(self, data: object, provider: str) -> dict[str, Any]:
        return from_converse(data, provider=provider)

    def chunks(self, provider: str, fail: Fail | None = None) -> Chunks:
        return StreamTranslator(provider, fail).feed
