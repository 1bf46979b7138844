"""Loss masks with the real SmolLM2 tokenizer (from the bundled GGUF; skipped without crmweaver[local]).

The contract: prompt, system and observation tokens are excluded from the loss, every assistant
(sampled) token is included, and the masked tokens decode to exactly the assistant texts.
"""

from __future__ import annotations

import pytest
from bundled_model import require_bundled_model

require_bundled_model()

from crmweaver.agent.loop import run_episode  # noqa: E402
from crmweaver.agent.oracle import OracleBackend  # noqa: E402
from crmweaver.env.episode import Episode  # noqa: E402
from crmweaver.org.store import open_org  # noqa: E402
from crmweaver.tasks.synth import synthesize  # noqa: E402
from crmweaver.train.data import (  # noqa: E402
    RenderError,
    _encode,
    end_of_turn_ids,
    episode_from_turns,
    render_episode,
    retokenized_turns,
    shared_prefixes,
)
from crmweaver.train.models import load_tokenizer  # noqa: E402

pytestmark = pytest.mark.slow  # loads tokenizers and models

CHAT = [
    {"role": "system", "content": "You are a CRM agent."},
    {"role": "user", "content": "How many cases are open?"},
    {"role": "assistant", "content": "<thought>Count them.</thought>\n<execute>SELECT COUNT() FROM Case WHERE IsClosed = false</execute>"},
    {"role": "user", "content": '{"totalSize": 7, "done": true, "records": []}'},
    {"role": "assistant", "content": "<thought>Done.</thought>\n<respond>7</respond>"},
]


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer("local")


@pytest.fixture(scope="module")
def oracle_chats(b2b_org_path):
    with open_org(b2b_org_path) as org:
        rows = synthesize(org, per_type=1, types=["handle_time", "knowledge_qa", "lead_qualification"])
        return [run_episode(Episode(org, row), OracleBackend()).messages for row in rows]


def spans(mask):
    """(start, end) of each run of 1s."""
    out, start = [], None
    for i, m in enumerate(mask + [0]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i))
            start = None
    return out


def assistant_texts(messages):
    return [m["content"] for m in messages if m["role"] == "assistant"]


def check_rendered(tok, messages):
    ids, mask = render_episode(tok, messages)
    assert len(ids) == len(mask)
    assert ids == _encode(tok, messages, generation_prompt=False)  # the same as tokenising the whole chat
    runs = spans(mask)
    texts = assistant_texts(messages)
    assert len(runs) == len(texts)  # one trained span per assistant message
    eot = end_of_turn_ids(tok)
    for (a, b), text in zip(runs, texts):
        assert ids[b - 1] in eot  # the end-of-turn token is trained: the model learns to stop
        assert tok.decode(ids[a:b], skip_special_tokens=True) == text
    trained = tok.decode([i for i, m in zip(ids, mask) if m], skip_special_tokens=True)
    assert trained == "".join(texts)
    untrained = tok.decode([i for i, m in zip(ids, mask) if not m])
    for m in messages:
        if m["role"] != "assistant":
            assert m["content"] in untrained  # every system/user/observation token is masked out
    assert "<|im_start|>assistant" not in tok.decode([i for i, m in zip(ids, mask) if m])  # headers are not trained
    return ids, mask


def test_render_small_chat(tok):
    ids, mask = check_rendered(tok, CHAT)
    assert 0 < sum(mask) < len(mask)


def test_render_oracle_episodes(tok, oracle_chats):
    for messages in oracle_chats:
        ids, mask = check_rendered(tok, messages)
        first = mask.index(1)
        assert first > 1000  # the whole system prompt (org schema) comes before the first trained token


def test_render_refuses_history_rewriting_template(tok):
    class Rewriter:  # a template that drops earlier assistant turns, like reasoning-stripping templates
        eos_token_id = tok.eos_token_id

        def get_vocab(self):
            return tok.get_vocab()

        def apply_chat_template(self, messages, **kw):
            last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
            kept = [m for i, m in enumerate(messages) if m["role"] != "assistant" or i == last]
            return tok.apply_chat_template(kept, **kw)

        def __call__(self, text, **kw):
            return tok(text, **kw)

    with pytest.raises(RenderError):
        render_episode(Rewriter(), CHAT)


def sampled_turns(tok, messages, *, close_with_eos):
    """What LocalBackend records: the prompt of each assistant turn and the completion it sampled."""
    prompts, completions = [], []
    for k, m in enumerate(messages):
        if m["role"] == "assistant":
            prompts.append(_encode(tok, messages[:k], generation_prompt=True))
            completion = tok(m["content"], add_special_tokens=False)["input_ids"]
            completions.append(completion + ([tok.eos_token_id] if close_with_eos else []))
    return prompts, completions


@pytest.mark.parametrize("close_with_eos", [True, False])
def test_episode_from_turns_keeps_sampled_ids(tok, oracle_chats, close_with_eos):
    for messages in [CHAT, *oracle_chats]:
        prompts, completions = sampled_turns(tok, messages, close_with_eos=close_with_eos)
        ids, mask = episode_from_turns(prompts, completions, tokenizer=tok)
        assert len(ids) == len(mask)
        assert [ids[a:b] for a, b in spans(mask)] == [list(c) for c in completions]  # exactly the sampled ids, all trained
        assert tok.decode([i for i, m in zip(ids, mask) if m], skip_special_tokens=True) == "".join(assistant_texts(messages))
        untrained = tok.decode([i for i, m in zip(ids, mask) if not m])
        for m in messages[: max(i for i, m in enumerate(messages) if m["role"] == "assistant")]:
            if m["role"] != "assistant":
                assert m["content"] in untrained  # system prompt and observations: present, masked out
        assert ids[: len(prompts[0])] == prompts[0] and not any(mask[: len(prompts[0])])
        # with the end-of-turn sampled, the sequence equals the whole chat rendered (minus trailing observation)
        if close_with_eos:
            whole, _ = render_episode(tok, messages[: max(i for i, m in enumerate(messages) if m["role"] == "assistant") + 1])
            assert ids == whole[: len(ids)]
        assert retokenized_turns(prompts, completions, tokenizer=tok) == 0


def test_episode_from_turns_trusts_sampled_ids_over_retokenisation(tok):
    """A sampled split that re-tokenising would not reproduce ('SEL'+'ECT'): the sampled ids are trained."""
    messages = CHAT[:3]
    prompt0 = _encode(tok, messages[:2], generation_prompt=True)
    odd = tok("<thought>Count them.</thought>\n<execute>SEL", add_special_tokens=False)["input_ids"] + \
        tok("ECT COUNT() FROM Case WHERE IsClosed = false</execute>", add_special_tokens=False)["input_ids"]
    obs = messages + [CHAT[3]]
    prompt1 = _encode(tok, obs, generation_prompt=True)
    final = tok("<respond>7</respond>", add_special_tokens=False)["input_ids"]
    ids, mask = episode_from_turns([prompt0, prompt1], [odd, final], tokenizer=tok)
    runs = spans(mask)
    assert [ids[a:b] for a, b in runs] == [odd, final]
    between = tok.decode(ids[runs[0][1]: runs[1][0]])
    assert between.startswith("<|im_end|>") and CHAT[3]["content"] in between and between.endswith("<|im_start|>assistant\n")
    assert retokenized_turns([prompt0, prompt1], [odd, final], tokenizer=tok) == 1


def test_episode_from_turns_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        episode_from_turns([[1, 2]], [])
    assert episode_from_turns([], []) == ([], [])


def test_shared_prefixes_group_by_persona():
    a = [1] * 300 + [2, 3]
    b = [1] * 300 + [2, 4, 5]
    c = [7] * 300 + [1]
    d = [7] * 299 + [8, 9]
    e = [9, 9]
    assert shared_prefixes([a, b, c, d, e]) == [301, 301, 299, 299, 0]
    assert shared_prefixes([a, b], limits=[280, 500]) == [280, 280]
    assert shared_prefixes([a, b], min_len=400) == [0, 0]
