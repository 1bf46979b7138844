"""Token sequences and loss masks for training: 1 on what the model says, 0 on everything it is shown.

Two builders, one per source of an episode:

- `render_episode(tokenizer, messages)` for a finished chat (teacher trajectories for SFT). Built
  turn by turn from the chat template's own renderings of growing prefixes of the chat, so it
  works for any template that renders a prefix as a prefix (ChatML, Llama 3, Qwen 2.5, ...), and
  the token layout is exactly what `LocalBackend` feeds the model at inference (template text
  with its special tokens, contents as plain text, no special tokens added).
- `episode_from_turns(prompt_ids_per_turn, completion_ids_per_turn, ...)` for RL: the ids the
  policy SAMPLED in each turn (`Generation.extra["prompt_ids"/"completion_ids"]`) are kept as they
  are; only the ids between two turns (the end of the assistant message, the observation, the next
  generation prompt) are taken from the next turn's prompt. The finished chat is never
  re-tokenised, so the loss scores exactly the tokens that were sampled (re-tokenising decoded text
  can split it differently, which silently corrupts importance ratios).

Both return `(input_ids, loss_mask)` as plain int lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crmweaver.agent.chat_ids import encode_chat


class RenderError(ValueError):
    """The chat template does not render a prefix of the chat as a prefix of the whole chat."""


# end-of-turn tokens of common chat templates; the tokenizer's own eos is always included
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>")


def end_of_turn_ids(tokenizer: Any) -> set[int]:
    """Ids that close an assistant message in the tokenizer's template (eos and the usual suspects)."""
    ids: set[int] = set()
    eos = tokenizer.eos_token_id
    if isinstance(eos, int):
        ids.add(eos)
    elif isinstance(eos, Iterable):
        ids.update(int(i) for i in eos)
    vocab = tokenizer.get_vocab()
    ids.update(vocab[t] for t in END_OF_TURN_TOKENS if t in vocab)
    return ids


def _encode(tokenizer: Any, messages: list[dict[str, Any]], *, generation_prompt: bool, tools: list[dict] | None = None) -> list[int]:
    """The chat's ids as the local backend encodes them (`agent.chat_ids.encode_chat`: the template's
    own special tokens, message contents as plain text; the template writes BOS itself)."""
    return encode_chat(tokenizer, messages, tools, generation_prompt=generation_prompt)


def render_episode(tokenizer: Any, messages: Sequence[dict[str, Any]], *, tools: list[dict] | None = None) -> tuple[list[int], list[int]]:
    """(input_ids, loss_mask) of a finished chat: 1 on each assistant message's tokens and the
    end-of-turn token that closes it; 0 on system, user and tool messages and on the template's
    headers (`<|im_start|>assistant\\n`), which the model is given, not asked to produce.

    Raises RenderError when a prefix's rendering is not a prefix of the next one (a template that
    rewrites history, e.g. stripping earlier reasoning), or when the pieces do not add up to the
    rendering of the whole chat.
    """
    messages = [dict(m) for m in messages]
    eot = end_of_turn_ids(tokenizer)
    ids: list[int] = []
    mask: list[int] = []

    def extend(upto: list[int], value: int, where: str) -> None:
        if upto[: len(ids)] != ids:
            raise RenderError(f"the chat template does not render the chat up to {where} as a prefix of the longer chat; "
                              "render_episode needs a template that only appends (use episode_from_turns with sampled ids instead)")
        new = upto[len(ids):]
        ids.extend(new)
        mask.extend([value] * len(new))

    for k, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        prompt = _encode(tokenizer, messages[:k], generation_prompt=True, tools=tools)
        extend(prompt, 0, f"message {k} (generation prompt)")
        full = _encode(tokenizer, messages[: k + 1], generation_prompt=False, tools=tools)
        start = len(ids)
        extend(full, 1, f"message {k}")
        # the template may append text after the end-of-turn token (ChatML's "\n"): not the model's
        tail = max((i for i in range(start, len(ids)) if ids[i] in eot), default=None)
        if tail is not None:
            for i in range(tail + 1, len(ids)):
                mask[i] = 0
    whole = _encode(tokenizer, messages, generation_prompt=False, tools=tools)
    extend(whole, 0, "the end")
    if ids != whole:  # cannot happen after extend(); kept as the contract's explicit check
        raise RenderError("the turn-by-turn rendering differs from the rendering of the whole chat")
    return ids, mask


def episode_from_turns(
    prompt_ids_per_turn: Sequence[Sequence[int]],
    completion_ids_per_turn: Sequence[Sequence[int]],
    *,
    eos_token_id: int | Iterable[int] | None = None,
    tokenizer: Any = None,
) -> tuple[list[int], list[int]]:
    """(input_ids, loss_mask) of an RL episode from the ids sampled in each turn.

    The sequence is `prompt_0 + completion_0 + bridge_1 + completion_1 + ... + completion_T`, where
    `bridge_t` is what turn t's prompt adds after the previous assistant message: that message's
    end-of-turn token (when the sampler stopped at a stop tag instead of emitting it), the
    observation and the next generation prompt. Completion ids get mask 1, everything else 0.

    `prompt_t` must extend `prompt_{t-1}` (true for append-only templates: the chat only grows). The
    end of the re-rendered assistant message inside `prompt_t` is found at its first end-of-turn
    token (`eos_token_id`, or the ids `end_of_turn_ids(tokenizer)` gives); the decoded text never
    contains special tokens, so that is where the message ends.
    """
    if len(prompt_ids_per_turn) != len(completion_ids_per_turn):
        raise ValueError(f"{len(prompt_ids_per_turn)} prompts but {len(completion_ids_per_turn)} completions: one of each per turn")
    if not prompt_ids_per_turn:
        return [], []
    eot = _eot_set(eos_token_id, tokenizer)
    ids = list(prompt_ids_per_turn[0])
    mask = [0] * len(ids)
    for t, completion in enumerate(completion_ids_per_turn):
        if t > 0:
            bridge = _bridge(list(prompt_ids_per_turn[t - 1]), list(completion_ids_per_turn[t - 1]), list(prompt_ids_per_turn[t]), eot, t)
            ids.extend(bridge)
            mask.extend([0] * len(bridge))
        ids.extend(int(i) for i in completion)
        mask.extend([1] * len(completion))
    return ids, mask


def _eot_set(eos_token_id: int | Iterable[int] | None, tokenizer: Any) -> set[int]:
    if eos_token_id is not None:
        return {int(eos_token_id)} if isinstance(eos_token_id, int) else {int(i) for i in eos_token_id}
    if tokenizer is not None:
        return end_of_turn_ids(tokenizer)
    return set()


def _bridge(prev_prompt: list[int], prev_completion: list[int], prompt: list[int], eot: set[int], t: int) -> list[int]:
    """The ids of `prompt` after the previous assistant message (see `episode_from_turns`)."""
    sampled = prev_prompt + prev_completion
    if prompt[: len(sampled)] == sampled and prev_completion and prev_completion[-1] in eot:
        return prompt[len(sampled):]  # the re-rendering reproduced the sampled ids exactly
    if prompt[: len(prev_prompt)] != prev_prompt:
        raise RenderError(f"turn {t}'s prompt does not extend turn {t - 1}'s: the chat template rewrote history")
    if not eot:
        raise ValueError("the sampled ids were re-tokenised differently; give eos_token_id or tokenizer to find where the assistant message ends")
    end = next((i for i in range(len(prev_prompt), len(prompt)) if prompt[i] in eot), None)
    if end is None:
        raise RenderError(f"turn {t}'s prompt has no end-of-turn token after the previous assistant message")
    closed = bool(prev_completion) and prev_completion[-1] in eot
    return prompt[end + 1:] if closed else prompt[end:]  # keep the template's end-of-turn when none was sampled


def retokenized_turns(prompt_ids_per_turn: Sequence[Sequence[int]], completion_ids_per_turn: Sequence[Sequence[int]], *, eos_token_id: int | Iterable[int] | None = None, tokenizer: Any = None) -> int:
    """How many turns' sampled ids differ from their re-rendering in the next prompt (a drift metric)."""
    eot = _eot_set(eos_token_id, tokenizer)
    drift = 0
    for t in range(1, len(prompt_ids_per_turn)):
        prev, comp, prompt = list(prompt_ids_per_turn[t - 1]), list(completion_ids_per_turn[t - 1]), list(prompt_ids_per_turn[t])
        body = comp[:-1] if comp and comp[-1] in eot else comp
        if prompt[len(prev): len(prev) + len(body)] != body:
            drift += 1
    return drift


@dataclass(frozen=True)
class Example:
    """One training sequence: ids, mask, and where it came from (task idx/type) for logging."""

    input_ids: list[int]
    loss_mask: list[int]
    task_idx: int | None = None
    task_type: str | None = None

    @property
    def trained_tokens(self) -> int:
        return sum(self.loss_mask)

    def labels(self) -> list[int]:
        """Hugging Face labels: the id where the mask is 1, -100 (ignored) elsewhere."""
        return [i if m else -100 for i, m in zip(self.input_ids, self.loss_mask)]


def shared_prefixes(sequences: Sequence[Sequence[int]], *, min_len: int = 256, limits: Sequence[int] | None = None) -> list[int]:
    """For each sequence, the length of a prefix it shares with others (0 when none is `min_len` long).

    Our episodes open with a ~4.5k-token system prompt (the org schema) that every episode of a
    persona repeats; a trainer computes that prefix's key/value cache once per step and trains on the
    rest. Sequences are grouped as runs of their sorted order whose neighbours share >= `min_len`
    tokens; a group's prefix is what all its members share (capped by `limits[i]`, e.g. the first
    trained token, so no trained token falls inside a prefix).
    """
    n = len(sequences)
    order = sorted(range(n), key=lambda i: list(sequences[i]))
    result = [0] * n

    def lcp(a: Sequence[int], b: Sequence[int]) -> int:
        m = min(len(a), len(b))
        i = 0
        while i < m and a[i] == b[i]:
            i += 1
        return i

    group: list[int] = []
    shared = 0
    for pos, i in enumerate(order):
        if group:
            common = lcp(sequences[group[-1]], sequences[i])
            if common >= min_len:
                group.append(i)
                shared = min(shared, common)
                continue
            _assign(group, shared, result, limits, min_len)
        group, shared = [i], len(sequences[i])
    if group:
        _assign(group, shared, result, limits, min_len)
    return result


def _assign(group: list[int], shared: int, result: list[int], limits: Sequence[int] | None, min_len: int) -> None:
    if len(group) < 2:
        return
    if limits is not None:
        shared = min([shared] + [limits[i] for i in group])
    if shared < min_len:
        return
    for i in group:
        result[i] = shared
