"""Chat prompts as token ids: the template's own text keeps its special tokens, message contents never do.

Tokenising a rendered chat in one go turns any `<|im_start|>` inside a record, an email or a
user's words into the real control token. Here the template is rendered with a placeholder per
message content; the template's text is tokenised with its special tokens, each content as plain
text (`split_special_tokens`). A template that rewrites contents (so the placeholders do not come
through intact) falls back to tokenising the rendered chat whole.

`TurnIds` is "token in, token out" for multi-turn sampling: the next turn's prompt is the previous
prompt's ids + the ids the model sampled + the ids of what the template adds after them (end of
turn, the observation, the next header) — never a re-tokenisation of the sampled text, which can
split differently and shift every later log-probability. Used by the RL samplers.
"""

from __future__ import annotations

import re
import secrets
import threading
from typing import Any

_MARK = "\ue000{nonce}:{i}\ue001"
_TEXT_ONLY: dict[int, tuple[Any, Any]] = {}  # id(backend) -> (backend, its copy that never matches special tokens)
_TEXT_ONLY_LOCK = threading.Lock()


def _render(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict] | None, generation_prompt: bool) -> str:
    kwargs: dict[str, Any] = {"add_generation_prompt": generation_prompt, "tokenize": False}
    if tools:
        kwargs["tools"] = tools
    return tokenizer.apply_chat_template(messages, **kwargs)


def _marked(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict] | None,
            generation_prompt: bool) -> tuple[list[str], list[str]] | None:
    """(template pieces, contents) such that the chat is p0 + c0 + p1 + c1 + ... + pN; None when
    the template does not pass the placeholders through unchanged and in order."""
    nonce = secrets.token_hex(4)
    marks, contents, marked = [], [], []
    for i, m in enumerate(messages):
        content = m.get("content")
        if isinstance(content, str) and content:
            mark = _MARK.format(nonce=nonce, i=i)
            marks.append(mark)
            contents.append(content)
            m = {**m, "content": mark}
        marked.append(m)
    text = _render(tokenizer, marked, tools, generation_prompt)
    pattern = "|".join(re.escape(x) for x in marks)
    found = re.findall(pattern, text) if marks else []
    if found != marks:
        return None
    pieces = re.split(pattern, text) if marks else [text]
    return pieces, contents


def _ids(tokenizer: Any, text: str, *, as_text: bool) -> list[int]:
    if not text:
        return []
    if as_text:
        backend = _text_only(tokenizer)
        if backend is not None:
            return list(backend.encode(text, add_special_tokens=False).ids)
        return list(tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"])
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _text_only(tokenizer: Any) -> Any:
    """A private copy of a fast tokenizer's backend with special-token matching off. Passing
    `split_special_tokens=True` instead flips a flag on the shared backend for the call's duration,
    and a concurrent call from another thread (the rollouts of a group) then tokenises the chat
    template's own `<|im_start|>` as text."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not hasattr(backend, "to_str"):
        return None  # a slow tokenizer splits per call, without shared state
    with _TEXT_ONLY_LOCK:
        found = _TEXT_ONLY.get(id(backend))
        if found is None or found[0] is not backend:
            from tokenizers import Tokenizer

            copy = Tokenizer.from_str(backend.to_str())
            copy.encode_special_tokens = True
            found = _TEXT_ONLY[id(backend)] = (backend, copy)
    return found[1]


def encode_chat(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict] | None = None,
                *, generation_prompt: bool = True) -> list[int]:
    """The chat's ids: template text with its special tokens, contents as plain text (the template
    writes BOS itself, so the tokenizer adds nothing)."""
    split = _marked(tokenizer, messages, tools, generation_prompt)
    if split is None:
        return _ids(tokenizer, _render(tokenizer, messages, tools, generation_prompt), as_text=False)
    pieces, contents = split
    ids = _ids(tokenizer, pieces[0], as_text=False)
    for content, piece in zip(contents, pieces[1:]):
        ids += _ids(tokenizer, content, as_text=True) + _ids(tokenizer, piece, as_text=False)
    return ids


class TurnIds:
    """One episode's prompts, each extending the previous prompt + its sampled completion."""

    def __init__(self, tokenizer: Any, end_of_turn: set[int] | None = None):
        self.tokenizer = tokenizer
        eos = tokenizer.eos_token_id
        self.end_of_turn = set(end_of_turn or ()) | ({eos} if isinstance(eos, int) else set())
        self.messages: list[dict[str, Any]] | None = None
        self.prompt_ids: list[int] = []
        self.completion_ids: list[int] = []
        self.extended = 0  # turns built by extension (the rest were encoded whole)

    def prompt(self, messages: list[dict[str, Any]], tools: list[dict] | None = None) -> list[int]:
        ids = self._extend(messages, tools) if self.messages is not None else None
        if ids is None:
            return encode_chat(self.tokenizer, messages, tools)
        self.extended += 1
        return ids

    def sampled(self, messages: list[dict[str, Any]], prompt_ids: list[int], completion_ids: list[int]) -> None:
        """Record what was sampled for `messages` (call after every generation)."""
        self.messages = list(messages)
        self.prompt_ids, self.completion_ids = list(prompt_ids), list(completion_ids)

    def _extend(self, messages: list[dict[str, Any]], tools: list[dict] | None) -> list[int] | None:
        prev = self.messages or []
        n = len(prev)
        if len(messages) <= n + 1 or messages[:n] != prev:
            return None
        reply = messages[n]
        if reply.get("role") != "assistant" or reply.get("tool_calls") or not reply.get("content"):
            return None  # tool calls are rendered by the template from JSON, not from the sampled text
        before = _marked(self.tokenizer, prev, tools, True)
        after = _marked(self.tokenizer, messages, tools, True)
        if before is None or after is None:
            return None
        head = "".join(p + c for p, c in zip(before[0], before[1])) + before[0][-1]
        pieces, contents = after
        k = len(before[1])  # the assistant reply's content is contents[k]
        shown = "".join(p + c for p, c in zip(pieces[: k + 1], contents[:k])) + pieces[k]
        if shown != head:
            return None  # the template does not extend the previous prompt with the reply
        tail = _ids(self.tokenizer, pieces[k + 1], as_text=False)
        for content, piece in zip(contents[k + 1:], pieces[k + 2:]):
            tail += _ids(self.tokenizer, content, as_text=True) + _ids(self.tokenizer, piece, as_text=False)
        if self.completion_ids and self.completion_ids[-1] in self.end_of_turn and tail[:1] == self.completion_ids[-1:]:
            tail = tail[1:]  # the model closed its own turn
        return self.prompt_ids + self.completion_ids + tail
