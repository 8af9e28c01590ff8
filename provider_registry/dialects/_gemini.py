"""The OpenAI chat-completions shape to Gemini's native API (generateContent) and back.

Gemini puts the model and the method in the URL (``/models/<id>:generateContent``, or
``:streamGenerateContent?alt=sse`` for server-sent events), takes the conversation as
``contents`` of ``parts`` with the roles ``user`` and ``model``, and the system prompt apart, as
``systemInstruction``. Its replies hold ``candidates``, and ``usageMetadata`` counts the tokens.
``to_gemini`` shapes a request, ``from_gemini`` a whole reply, ``StreamTranslator`` one stream
event; callers keep speaking the OpenAI shape.

Tool call ids: Gemini's function calls have none, so each gets one made from its place in the
reply and its content, stable for the same reply. Gemini 3 models sign their function calls
(``thoughtSignature``) and refuse a follow-up that does not send the signature back; the id
carries it, after ``SIGNATURE_MARK``, so a caller that returns the assistant message as it came
returns the signature too.
"""

from __future__ import annotations

import copy
import hashlib
import json
import mimetypes
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .._errors import InvalidRequestError, MalformedReplyError, ProviderError
from .._replies import ReplyReader
from ._base import Chunks, Dialect, Fail, _unscrubbed

if TYPE_CHECKING:
    from .._resolver import Resolution

__all__ = [
    "SIGNATURE_MARK",
    "GeminiDialect",
    "StreamTranslator",
    "from_gemini",
    "to_gemini",
]

SIGNATURE_MARK = "__sig__"
"""Where, in a tool call id this dialect made, the call's thought signature starts."""

# Candidate.FinishReason in the API reference. A reply that calls a function still says STOP;
# its finish reason becomes tool_calls where the parts hold a call.
_FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "LANGUAGE": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
}

_TOOL_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}

# OpenAI's sampling fields and their names in generationConfig.
_GENERATION = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "n": "candidateCount",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}

# thinkingConfig.thinkingLevel takes these words, as reasoning_effort does (Gemini 3 and later;
# Gemini 2.5 models take a token budget instead, which no OpenAI field gives).
_THINKING_LEVELS = frozenset({"minimal", "low", "medium", "high"})

# Every OpenAI key with a Gemini meaning, or one that is safe to lose without telling the caller
# (stream: the path says it; stream_options: every Gemini stream event counts its tokens;
# parallel_tool_calls true: Gemini's only behaviour). Anything else is refused (dropped with a
# warning, or an error under drop_params=False).
_KNOWN_KEYS = frozenset(
    {
        *_GENERATION,
        "model",
        "messages",
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "response_format",
        "reasoning_effort",
        "tools",
        "tool_choice",
    }
)

_DATA_URL = re.compile(r"data:([^;,]+);base64,(.*)", re.DOTALL)


def to_gemini(
    body: Mapping[str, Any], *, provider: str, model: str
) -> tuple[dict[str, Any], list[str]]:
    """OpenAI chat-completions request body -> Gemini generateContent request body.

    Returns (new_body, refused): the OpenAI keys Gemini cannot express, left out (the caller
    decides whether to warn or refuse). The model is not in the body: it goes in the path.
    Does not mutate ``body``.

    >>> to_gemini(
    ...     {"model": "gemini-3-flash-preview", "max_tokens": 50, "user": "u1",
    ...      "messages": [{"role": "system", "content": "Be brief."},
    ...                   {"role": "user", "content": "Hi"}]},
    ...     provider="gemini", model="gemini-3-flash-preview",
    ... )  # doctest: +NORMALIZE_WHITESPACE
    ({'systemInstruction': {'parts': [{'text': 'Be brief.'}]},
      'contents': [{'role': 'user', 'parts': [{'text': 'Hi'}]}],
      'generationConfig': {'maxOutputTokens': 50}}, ['user'])
    """
    return _Request(provider, model).translate(body)


def from_gemini(reply: object, *, provider: str) -> dict[str, Any]:
    """Gemini GenerateContentResponse -> OpenAI chat.completion; MalformedReplyError naming the
    field when ``reply`` is not one.

    >>> out = from_gemini({"responseId": "r1", "modelVersion": "gemini-3-flash-preview",
    ...     "candidates": [{"content": {"role": "model", "parts": [{"text": "Hello"}]},
    ...                     "finishReason": "STOP", "index": 0}],
    ...     "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2}},
    ...     provider="acme")
    >>> choice = out["choices"][0]
    >>> choice["message"], choice["finish_reason"], out["usage"]["total_tokens"]
    ({'role': 'assistant', 'content': 'Hello'}, 'stop', 7)
    """
    read = ReplyReader(provider)
    data = read.mapping(reply, "")
    response_id = read.optional_text(data.get("responseId"), "responseId") or ""
    choices = []
    candidates = read.optional_items(data.get("candidates"), "candidates")
    for i, item in enumerate(candidates):
        where = f"candidates[{i}]"
        candidate = read.mapping(item, where)
        index = _candidate_index(read, candidate, i, where)
        texts, thoughts, calls = _parts(read, candidate, where, response_id, index, 0)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(texts) if texts else None,
        }
        if thoughts:
            message["reasoning_content"] = "".join(thoughts)
        if calls:
            message["tool_calls"] = [{k: v for k, v in c.items() if k != "index"} for c in calls]
        reason = _finish_reason(read, candidate, where, bool(calls)) or "stop"
        choices.append({"index": index, "message": message, "finish_reason": reason})
    if not candidates:
        # A prompt Gemini blocked has no candidate; promptFeedback.blockReason says why.
        feedback = read.optional_mapping(data.get("promptFeedback"), "promptFeedback")
        blocked = read.optional_text(feedback.get("blockReason"), "promptFeedback.blockReason")
        reason = "content_filter" if blocked else "stop"
        message = {"role": "assistant", "content": None}
        choices.append({"index": 0, "message": message, "finish_reason": reason})
    out: dict[str, Any] = {
        "id": response_id,
        "object": "chat.completion",
        "created": 0,
        "model": read.optional_text(data.get("modelVersion"), "modelVersion") or "",
        "choices": choices,
    }
    if data.get("usageMetadata") is not None:
        out["usage"] = _usage(read, data.get("usageMetadata"), "usageMetadata")
    return out


class StreamTranslator:
    """Turns Gemini's server-sent events (each a GenerateContentResponse with a piece of the
    answer) into OpenAI chat.completion.chunk dicts.

    One translator per stream: it numbers each candidate's tool calls across events. An event
    holding ``error`` raises the error ``fail`` makes of it (the client's, which scrubs the key
    out; by default a plain ProviderError). The stream ends at the end of the body: Gemini sends
    no ``[DONE]``.

    >>> t = StreamTranslator("gemini")
    >>> t.feed("message", {"responseId": "r1", "modelVersion": "m", "candidates": [
    ...     {"content": {"role": "model", "parts": [{"text": "Hi"}]}, "index": 0}]}
    ... )[0]["choices"][0]["delta"]
    {'role': 'assistant', 'content': 'Hi'}
    """

    def __init__(
        self, provider: str, fail: Callable[[object], ProviderError] | None = None
    ) -> None:
        self.provider = provider
        self._read = ReplyReader(provider, "stream event")
        self._fail = fail or _unscrubbed(provider)
        self._calls: dict[int, int] = {}  # candidate index -> its tool calls so far
        self._started: set[int] = set()  # candidates whose first delta said the role

    def feed(self, event: str, data: object) -> list[dict[str, Any]]:
        """The OpenAI chunks for one event; raises ProviderError on an error event and
        MalformedReplyError on an event of the wrong shape."""
        read = self._read
        payload = read.mapping(data, "")
        if payload.get("error") is not None or event == "error":
            found = read.stream_error(payload.get("error", payload))
            # A message is the provider's (scrubbed by the client's fail); no message is ours.
            raise found if isinstance(found, MalformedReplyError) else self._fail(payload)
        response_id = read.optional_text(payload.get("responseId"), "responseId") or ""
        model = read.optional_text(payload.get("modelVersion"), "modelVersion") or ""
        choices = []
        for i, item in enumerate(read.optional_items(payload.get("candidates"), "candidates")):
            where = f"candidates[{i}]"
            candidate = read.mapping(item, where)
            index = _candidate_index(read, candidate, i, where)
            before = self._calls.get(index, 0)
            texts, thoughts, calls = _parts(read, candidate, where, response_id, index, before)
            self._calls[index] = before + len(calls)
            delta: dict[str, Any] = {}
            if index not in self._started:
                self._started.add(index)
                delta["role"] = "assistant"
            if texts:
                delta["content"] = "".join(texts)
            if thoughts:
                delta["reasoning_content"] = "".join(thoughts)
            if calls:
                delta["tool_calls"] = calls
            reason = _finish_reason(read, candidate, where, self._calls[index] > 0)
            choices.append({"index": index, "delta": delta, "finish_reason": reason})
        chunk: dict[str, Any] = {
            "id": response_id,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": choices,
        }
        # Each event counts the tokens so far; the last one's count is the stream's.
        if payload.get("usageMetadata") is not None:
            chunk["usage"] = _usage(read, payload.get("usageMetadata"), "usageMetadata")
        if not choices and "usage" not in chunk:
            return []
        return [chunk]


def _candidate_index(read: ReplyReader, candidate: Mapping[str, Any], i: int, where: str) -> int:
    found = candidate.get("index")
    return i if found is None else read.index(found, f"{where}.index")


def _parts(
    read: ReplyReader,
    candidate: Mapping[str, Any],
    where: str,
    response_id: str,
    index: int,
    calls_before: int,
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """A candidate's answer text, thought text and function calls (as OpenAI tool calls,
    numbered from ``calls_before``)."""
    content = read.optional_mapping(candidate.get("content"), f"{where}.content")
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[dict[str, Any]] = []
    for j, item in enumerate(read.optional_items(content.get("parts"), f"{where}.content.parts")):
        path = f"{where}.content.parts[{j}]"
        part = read.mapping(item, path)
        if part.get("functionCall") is not None:
            call = read.mapping(part["functionCall"], f"{path}.functionCall")
            name = read.text(call.get("name"), f"{path}.functionCall.name")
            args = read.optional_mapping(call.get("args"), f"{path}.functionCall.args")
            arguments = json.dumps(args)
            signature = read.optional_text(part.get("thoughtSignature"), f"{path}.thoughtSignature")
            number = calls_before + len(calls)
            calls.append(
                {
                    "index": number,
                    "id": _call_id(response_id, index, number, name, arguments, signature),
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            )
        elif part.get("text") is not None:
            text = read.text(part["text"], f"{path}.text")
            (thoughts if part.get("thought") is True else texts).append(text)
    return texts, thoughts, calls


def _call_id(
    response_id: str, candidate: int, number: int, name: str, arguments: str, signature: str | None
) -> str:
    """A tool call's id: the same for the same call of the same reply, different for every
    call of one reply; the thought signature, if any, rides at its end."""
    seed = json.dumps([response_id, candidate, number, name, arguments])
    made = "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    return f"{made}{SIGNATURE_MARK}{signature}" if signature else made


def _finish_reason(
    read: ReplyReader, candidate: Mapping[str, Any], where: str, called: bool
) -> str | None:
    reason = read.optional_text(candidate.get("finishReason"), f"{where}.finishReason")
    if reason is None:
        return None
    if called and reason == "STOP":
        return "tool_calls"
    return _FINISH_REASONS.get(reason, "stop")


def _usage(read: ReplyReader, usage: object, where: str) -> dict[str, Any]:
    """usageMetadata in OpenAI's shape. promptTokenCount already counts the cached tokens
    (cachedContentTokenCount), as OpenAI's prompt_tokens does. Thinking is billed as output, so
    thoughtsTokenCount joins candidatesTokenCount in completion_tokens, and is shown again as
    reasoning_tokens."""
    found = read.optional_mapping(usage, where)
    prompt = read.count(found.get("promptTokenCount"), f"{where}.promptTokenCount")
    answer = read.count(found.get("candidatesTokenCount"), f"{where}.candidatesTokenCount")
    thoughts = read.count(found.get("thoughtsTokenCount"), f"{where}.thoughtsTokenCount")
    cached = read.count(found.get("cachedContentTokenCount"), f"{where}.cachedContentTokenCount")
    completion = answer + thoughts
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": thoughts},
    }


class _Request:
    """One request's translation; holds what every refusal must name."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.call_names: dict[str, str] = {}  # tool call id -> its function's name

    def refuse(self, message: str, hint: str | None = None) -> InvalidRequestError:
        return InvalidRequestError(self.provider, self.model, message, hint=hint)

    def translate(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        # An explicit null means "not given" in the OpenAI API, so it is neither sent nor refused.
        given = {key: value for key, value in body.items() if value is not None}
        out: dict[str, Any] = {}
        system, contents = self.messages(given.get("messages"))
        if system:
            out["systemInstruction"] = {"parts": system}
        out["contents"] = contents
        if "tools" in given:
            out["tools"] = [{"functionDeclarations": self.tools(given["tools"])}]
        if "tool_choice" in given:
            out["toolConfig"] = {"functionCallingConfig": self.tool_choice(given["tool_choice"])}
        config = self.generation_config(given)
        if config:
            out["generationConfig"] = config
        refused = [key for key in given if key not in _KNOWN_KEYS]
        if given.get("parallel_tool_calls") is True:
            refused.remove("parallel_tool_calls")  # Gemini may call several; false it cannot say
        return out, refused

    def generation_config(self, given: Mapping[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {}
        limit = given.get("max_completion_tokens", given.get("max_tokens"))
        if limit is not None:
            config["maxOutputTokens"] = limit
        for key, name in _GENERATION.items():
            if key in given:
                config[name] = given[key]
        if "stop" in given:
            stop = given["stop"]
            if not (
                isinstance(stop, str)
                or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
            ):
                raise self.refuse(f"stop must be a string or a list of strings, not {stop!r}")
            config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
        if "response_format" in given:
            config.update(self.response_format(given["response_format"]))
        if "reasoning_effort" in given:
            effort = given["reasoning_effort"]
            if effort not in _THINKING_LEVELS:
                raise self.refuse(
                    f"reasoning_effort {effort!r} has no Gemini thinking level",
                    hint="pass one of: " + ", ".join(sorted(_THINKING_LEVELS)),
                )
            config["thinkingConfig"] = {"thinkingLevel": effort}
        return config

    def response_format(self, spec: Any) -> dict[str, Any]:
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind == "text":
            return {}
        if kind == "json_object":
            return {"responseMimeType": "application/json"}
        if kind == "json_schema":
            schema = (spec.get("json_schema") or {}).get("schema")
            if not isinstance(schema, dict):
                raise self.refuse("response_format json_schema needs json_schema.schema, an object")
            # responseJsonSchema takes JSON Schema as it is; responseSchema takes only an
            # OpenAPI subset, which would refuse many schemas OpenAI callers write.
            return {
                "responseMimeType": "application/json",
                "responseJsonSchema": copy.deepcopy(schema),
            }
        raise self.refuse(f"response_format {spec!r} has no Gemini equivalent")

    def messages(self, messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not isinstance(messages, list):
            raise self.refuse("the request needs a list of messages")
        system: list[dict[str, Any]] = []
        contents: list[dict[str, Any]] = []
        for msg in messages:
            if not isinstance(msg, dict):
                raise self.refuse(f"a message must be an object, not {msg!r}")
            role = msg.get("role")
            if role in ("system", "developer"):
                system += [{"text": text} for text in self.texts(msg.get("content"), role)]
                continue
            content = self.message(msg)
            if not content["parts"]:
                continue  # Gemini refuses a turn without parts; an empty one says nothing
            if contents and contents[-1]["role"] == content["role"]:
                # Gemini wants user and model turns to alternate (tool results are user turns).
                contents[-1]["parts"] += content["parts"]
            else:
                contents.append(content)
        return system, contents

    def message(self, msg: dict[str, Any]) -> dict[str, Any]:
        role = msg.get("role")
        if role == "tool":
            return {"role": "user", "parts": [self.function_response(msg)]}
        if role == "user":
            return {"role": "user", "parts": self.parts(msg.get("content"))}
        if role == "assistant":
            parts = [{"text": text} for text in self.texts(msg.get("content"), role) if text]
            for call in msg.get("tool_calls") or []:
                parts.append(self.function_call(call))
            return {"role": "model", "parts": parts}
        raise self.refuse(f"message role {role!r} has no Gemini equivalent")

    def texts(self, content: Any, role: str) -> list[str]:
        """The text of a system, developer or assistant message, part by part."""
        if content is None:
            return []
        if isinstance(content, str):
            return [content]
        if isinstance(content, list):
            texts = []
            for part in content:
                if not (isinstance(part, dict) and part.get("type") == "text"):
                    kind = part.get("type") if isinstance(part, dict) else part
                    raise self.refuse(f"a {role} message may hold only text parts, not {kind!r}")
                texts.append(part.get("text", ""))
            return texts
        raise self.refuse(f"a {role} message's content must be text, not {content!r}")

    def parts(self, content: Any) -> list[dict[str, Any]]:
        if content is None:
            return []
        if isinstance(content, str):
            return [{"text": content}] if content else []
        if not isinstance(content, list):
            raise self.refuse(
                f"message content must be a string or a list of parts, not {content!r}"
            )
        parts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                parts.append({"text": part.get("text", "")})
            elif kind == "image_url":
                parts.append(self.image(part.get("image_url")))
            else:
                raise self.refuse(
                    f"content part {kind or part!r} has no Gemini equivalent",
                    hint="the gemini dialect takes text and image_url parts",
                )
        return parts

    def image(self, image: Any) -> dict[str, Any]:
        url = image.get("url") if isinstance(image, dict) else image
        if isinstance(url, str):
            data_url = _DATA_URL.fullmatch(url)
            if data_url:
                return {"inlineData": {"mimeType": data_url[1], "data": data_url[2]}}
            if url.lower().startswith(("https://", "http://")):
                # Gemini fetches a URL itself; the type is told where the name gives it.
                found: dict[str, Any] = {"fileUri": url}
                kind = mimetypes.guess_type(url.split("?", 1)[0])[0]
                if kind is not None:
                    found["mimeType"] = kind
                return {"fileData": found}
        shown = url[:40] + "..." if isinstance(url, str) and len(url) > 40 else url
        raise self.refuse(
            f"image_url {shown!r} is neither an http(s) URL nor a base64 data: URL",
            hint="write data:<media type>;base64,<data>",
        )

    def function_call(self, call: Any) -> dict[str, Any]:
        if not isinstance(call, dict) or call.get("type", "function") != "function":
            raise self.refuse(f"tool call {call!r} is not a function call")
        function = call.get("function") or {}
        name = function.get("name")
        call_id = call.get("id")
        if not isinstance(name, str) or not name:
            raise self.refuse(f"tool call {call_id!r} has no function name")
        try:
            args = json.loads(function.get("arguments") or "{}")
        except (TypeError, ValueError) as exc:
            raise self.refuse(
                f"tool call {call_id!r} has arguments that are not valid JSON: {exc}"
            ) from None
        if not isinstance(args, dict):
            raise self.refuse(f"tool call {call_id!r} has arguments that are not an object")
        part: dict[str, Any] = {"functionCall": {"name": name, "args": args}}
        if isinstance(call_id, str):
            self.call_names[call_id] = name
            signature = call_id.partition(SIGNATURE_MARK)[2]
            if signature:
                part["thoughtSignature"] = signature
        return part

    def function_response(self, msg: dict[str, Any]) -> dict[str, Any]:
        call_id = msg.get("tool_call_id")
        name = self.call_names.get(call_id) if isinstance(call_id, str) else None
        if name is None:
            raise self.refuse(
                f"the tool message for {call_id!r} answers no tool call of an earlier assistant "
                "message",
                hint="Gemini names a function's result by the function: send the assistant "
                "message with its tool_calls before the tool results",
            )
        text = "\n\n".join(self.texts(msg.get("content"), "tool"))
        try:
            result = json.loads(text)
        except ValueError:
            result = None
        # Gemini takes a function's result as an object; other results go under "output".
        response = result if isinstance(result, dict) else {"output": text}
        return {"functionResponse": {"name": name, "response": response}}

    def tools(self, tools: Any) -> list[dict[str, Any]]:
        if not isinstance(tools, list):
            raise self.refuse(f"tools must be a list, not {tools!r}")
        declarations = []
        for tool in tools:
            if not isinstance(tool, dict) or tool.get("type") != "function":
                kind = tool.get("type") if isinstance(tool, dict) else tool
                raise self.refuse(f"tool type {kind!r} has no Gemini equivalent")
            function = tool.get("function") or {}
            declaration: dict[str, Any] = {"name": function.get("name")}
            if function.get("description") is not None:
                declaration["description"] = function["description"]
            if function.get("parameters") is not None:
                # parametersJsonSchema takes JSON Schema as OpenAI callers write it.
                declaration["parametersJsonSchema"] = copy.deepcopy(function["parameters"])
            declarations.append(declaration)
        return declarations

    def tool_choice(self, choice: Any) -> dict[str, Any]:
        if isinstance(choice, str) and choice in _TOOL_MODES:
            return {"mode": _TOOL_MODES[choice]}
        if isinstance(choice, dict) and choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name")
            if isinstance(name, str):
                return {"mode": "ANY", "allowedFunctionNames": [name]}
        raise self.refuse(f"tool_choice {choice!r} has no Gemini equivalent")


def _check_chat(res: Resolution) -> None:
    mode = res.model_info.mode if res.model_info else "chat"
    if mode != "chat":
        raise InvalidRequestError(
            res.provider_id, res.model, f"the gemini dialect cannot build {mode} requests"
        )


class GeminiDialect(Dialect):
    """Gemini's generateContent: the model in the path, contents of parts, usageMetadata."""

    name = "gemini"
    paths = {"chat": ":generateContent"}  # noqa: RUF012 -- read-only table
    caller_fields = Dialect.caller_fields | {"contents", "systemInstruction"}
    # LiteLLM's gemini route, given an api_base, calls <api_base>/models/<model>:generateContent
    # (:streamGenerateContent?alt=sse) with the bare key in x-goog-api-key (litellm 1.110.2,
    # llms/vertex_ai/vertex_llm_base.py, _check_custom_proxy).
    litellm_route = ("gemini", "", "x-goog-api-key", None)
    stream_usage = False  # every stream event carries usageMetadata unasked

    def path(self, res: Resolution, stream: bool = False) -> str:
        _check_chat(res)
        # One path segment, whatever the id holds ("/" of a tuned model's name included).
        model = quote(res.model, safe="")
        if stream:
            return f"/models/{model}:streamGenerateContent?alt=sse"
        return f"/models/{model}:generateContent"

    def shape(self, body: dict[str, Any], res: Resolution) -> tuple[dict[str, Any], list[str]]:
        _check_chat(res)
        return to_gemini(body, provider=res.provider_id, model=res.model)

    def reply(self, data: object, provider: str) -> dict[str, Any]:
        return from_gemini(data, provider=provider)

    def chunks(self, provider: str, fail: Fail | None = None) -> Chunks:
        return StreamTranslator(provider, fail).feed

    def models_query(self, cursor: str | None) -> dict[str, str]:
        page = {"pageSize": "1000"}  # the most a page may hold; the default is 50
        if cursor is not None:
            page["pageToken"] = cursor
        return page

    def model_page(self, data: object) -> tuple[list[str], str | None]:
        """Gemini's pages: ``models[].name`` is ``models/<id>``; ``nextPageToken`` is the next
        page's cursor, absent on the last.

        >>> GeminiDialect().model_page(
        ...     {"models": [{"name": "models/gemini-3-flash-preview"}], "nextPageToken": "p2"})
        (['gemini-3-flash-preview'], 'p2')
        """
        expected = '{"models": [{"name": "models/..."}, ...], "nextPageToken": ...}'
        if not isinstance(data, dict):
            raise ValueError(f"expected {expected}")
        # An empty page leaves "models" out (proto3 JSON omits an empty list); any other
        # object without it is not a model list.
        items = data.get("models", [] if set(data) <= {"nextPageToken"} else None)
        if not isinstance(items, list):
            raise ValueError(f"expected {expected}")
        ids = []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name.startswith("models/") or name == "models/":
                raise ValueError(f"expected {expected}; an entry has no models/<id> name")
            ids.append(name.removeprefix("models/"))
        cursor = data.get("nextPageToken")
        if cursor is not None and not isinstance(cursor, str):
            raise ValueError(f"expected {expected}; nextPageToken is not text")
        return ids, cursor or None
