"""Rollouts for RL: full episodes in the evaluation environment, with the token ids the policy sampled.

A rollout is `agent.loop.run_episode` on a `CRMEnv`'s episode — the same parsing, ReAct protocol,
turn limit and scorer as `crmweaver eval` — driven by a sampler that records, per turn, the prompt ids it was given
and the completion ids it sampled. The training sequence and its loss mask are built from those
ids (the finished chat is never re-tokenised, so the trainer scores exactly the tokens that were
sampled): the first turn's prompt is the "prompt"; everything after it is the "completion", where
sampled assistant tokens have mask 1 and observation and chat-template tokens mask 0 (TRL's
`env_mask`).

Token in, token out: each rollout gets its own sampler session (`sampler.session(key)`), which
builds turn t's prompt as turn t-1's prompt ids + the ids it sampled + the ids of what the chat
adds (end of turn, the observation as plain text, the next header) — `agent.chat_ids.TurnIds`.
So the spliced episode is, token for token, what the model was conditioned on. A sampler without
sessions (a scripted test double) is spliced by `train.data.episode_from_turns`.

Samplers:

    PolicySampler   the policy being trained, in process: agent/local.py's Generator (bfloat16
                    copy of the weights, batched across the threads of a group, stop tags, prefix
                    reuse), re-synced by `refresh()` when the weights changed
    VLLMSampler     a vLLM server: TRL's client (`trl vllm-serve`, weights pushed by the trainer
                    every step), or any OpenAI-compatible /v1/completions endpoint that takes
                    token-id prompts and returns token ids (vLLM: `return_token_ids`)
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crmweaver.agent.backend import Generation, InfraError
from crmweaver.agent.chat_ids import TurnIds, encode_chat  # noqa: F401 (encode_chat: re-exported for scripted samplers)
from crmweaver.agent.local import STOP_TAGS, Generator, check_room, make_generation
from crmweaver.agent.loop import run_episode
from crmweaver.env.crm_env import CRMEnv
from crmweaver.env.episode import EnvConfig
from crmweaver.org.store import Org
from crmweaver.scoring import Score
from crmweaver.tasks.row import TaskRow
from crmweaver.train.data import episode_from_turns


@dataclass
class Rollout:
    """One episode as training data: ids, mask, reward and what the memory loop needs."""

    task: TaskRow
    index: int  # which member of its group (hinted re-runs continue the count)
    reward: float
    score: Score
    termination: str
    turns: int
    hinted: bool
    memory: list[str]  # ids of the guidelines shown
    prompt_ids: list[int]  # the first turn's prompt: system (+ guideline) and the request
    completion_ids: list[int]  # every later token: sampled turns, observations, template tokens
    env_mask: list[int]  # per completion token: 1 = sampled by the policy (trained on), 0 = not
    logprobs: list[float] | None  # per completion token, from the sampler when it gives them
    truncated: bool  # cut off without an answer: its last turn hit the token limit, or the context ran out (overlong)
    response: str | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    infra_error: str | None = None

    @property
    def sampled_tokens(self) -> int:
        return sum(self.env_mask)

    def record(self) -> dict[str, Any]:
        """A results-style record: what Memory.after_episode and the distillers read."""
        t = self.task
        return {
            "key": f"rl:{t.task}:{t.idx}:{self.index}",
            "idx": t.idx,
            "task": t.task,
            "task_type": t.task,
            "skill": t.skill,
            "query": t.query,
            "trial": self.index,
            "model": "rl-policy",
            "reward": self.reward,
            "response": self.response,
            "termination": self.termination,
            "memory": list(self.memory),
            "infra_error": self.infra_error,
            "messages": self.messages,
        }


def run_rollout(
    org: Org,
    task: TaskRow,
    sampler: Any,
    *,
    config: EnvConfig | None = None,
    guideline: tuple[str, str] | None = None,
    index: int = 0,
) -> Rollout:
    """Play one episode with `sampler` (a session of it, when it has sessions) and turn it into ids +
    env mask. Safe to call from several threads at once: off the main thread the episode runs on
    its own read-only connection to the org (CRMEnv's rule: SQLite's progress handler is per connection)."""
    backend = sampler.session(f"{task.task}:{task.idx}:{index}") if hasattr(sampler, "session") else sampler
    env = CRMEnv(task, org, config or EnvConfig(), guideline=guideline[1] if guideline else None)
    result = run_episode(env.episode, backend)
    turns = [x for x in result.extra if "prompt_ids" in x and "completion_ids" in x]
    prompts = [list(x["prompt_ids"]) for x in turns]
    completions = [list(x["completion_ids"]) for x in turns]
    # overlong (DAPO) is judged per episode: a turn that hit max_new_tokens is not a cut-off when the
    # episode went on to answer; only an episode that ended unanswered because of it is one
    unanswered = result.termination in ("max_turns", "infra_error")
    truncated = unanswered and (result.infra_error is not None or bool(turns) and turns[-1].get("finish_reason") == "length")
    if turns:
        ids, mask = splice_turns(prompts, completions, tokenizer=getattr(sampler, "tokenizer", None))
        cut = len(prompts[0])
        prompt_ids, completion_ids, env_mask = ids[:cut], ids[cut:], mask[cut:]
    else:  # the sampler failed before the first turn: nothing to train on
        prompt_ids, completion_ids, env_mask = [], [], []
    logprobs = _logprobs(turns, completion_ids, env_mask)
    return Rollout(
        task=task,
        index=index,
        reward=float(result.reward),
        score=result.score,
        termination=result.termination,
        turns=result.turns,
        hinted=guideline is not None,
        memory=[guideline[0]] if guideline else [],
        prompt_ids=prompt_ids,
        completion_ids=completion_ids,
        env_mask=env_mask,
        logprobs=logprobs,
        truncated=truncated,
        response=result.response,
        messages=result.messages,
        infra_error=result.infra_error,
    )


def splice_turns(prompts: list[list[int]], completions: list[list[int]], *, tokenizer: Any = None) -> tuple[list[int], list[int]]:
    """(ids, mask) of an episode from its turns. When every prompt extends the previous prompt and
    completion (token in, token out), the episode is the last prompt + completion as it stands and
    the mask marks the completions; otherwise the re-rendered prompts are aligned by
    `train.data.episode_from_turns`."""
    if all(prompts[t][: len(prompts[t - 1]) + len(completions[t - 1])] == prompts[t - 1] + completions[t - 1]
           for t in range(1, len(prompts))):
        ids = prompts[-1] + completions[-1]
        mask = [0] * len(ids)
        for p, c in zip(prompts, completions):
            mask[len(p):len(p) + len(c)] = [1] * len(c)
        return ids, mask
    ids, mask = episode_from_turns(prompts, completions, tokenizer=tokenizer)
    return list(ids), [int(m) for m in mask]


def _logprobs(turns: list[dict[str, Any]], completion_ids: list[int], env_mask: list[int]) -> list[float] | None:
    """Sampler logprobs laid over the completion (0.0 where the policy did not sample), when every
    turn has them and the sampled tokens line up; else None (the trainer then uses its own)."""
    if not turns or any(x.get("logprobs") is None for x in turns):
        return None
    sampled = [float(lp) for x in turns for lp in x["logprobs"]]
    if sum(env_mask) != len(sampled) or len(env_mask) != len(completion_ids):
        return None
    it = iter(sampled)
    return [next(it) if m else 0.0 for m in env_mask]


# --- samplers ---------------------------------------------------------------------------------


class Session:
    """One episode's view of a sampler: token-in-token-out prompts and its own random stream.

    `complete(prompt_ids, seed)` -> (completion ids, sampled log-probs or None, finish reason or None)."""

    def __init__(self, name: str, tokenizer: Any, complete: Callable[[list[int], int], tuple[list[int], Any, Any]], *, seed: int):
        self.name, self.tokenizer, self.complete, self.seed = name, tokenizer, complete, seed
        self.turns = TurnIds(tokenizer)
        self.turn = 0

    def generate(self, messages: list[dict[str, Any]], *, tools: list[dict] | None = None, task: TaskRow | None = None) -> Generation:
        try:
            prompt_ids = self.turns.prompt(messages, tools)
        except Exception as e:
            raise InfraError(f"the chat template of {self.name} failed on these messages ({type(e).__name__}: {e})") from None
        completion_ids, logprobs, finish = self.complete(prompt_ids, self.seed * 1_000_003 + self.turn)
        self.turn += 1
        self.turns.sampled(messages, prompt_ids, completion_ids)
        return make_generation(self.tokenizer, prompt_ids, completion_ids, tools=tools, logprobs=logprobs, finish=finish)


def session_seed(seed: int, key: str) -> int:
    """A rollout's own seed: from the sampler's seed and the rollout's key, not from thread timing."""
    return (int(seed) * 1_000_003 + zlib.crc32(key.encode())) & 0x7FFF_FFFF_FFFF


class PolicySampler:
    """Samples from the live policy (a torch model being trained) with agent/local.py's Generator.

    Call `refresh()` after every optimizer step: it re-reads the weights when they changed (and
    drops the stored keys/values, which belong to the old weights). `dtype`: the generation copy's
    (bfloat16 by default; float32 samples from weights identical to the trainer's)."""

    name = "policy"

    def __init__(self, model: Any, tokenizer: Any, *, temperature: float = 1.0, top_p: float = 1.0,
                 max_new_tokens: int = 256, seed: int = 0, context_length: int | None = None,
                 dtype: str | None = "bfloat16", batching: bool = True):
        self.model, self.tokenizer = model, tokenizer
        self.temperature, self.top_p, self.max_new_tokens, self.seed = temperature, top_p, max_new_tokens, seed
        self.context_length = int(context_length or getattr(model.config, "max_position_embeddings", None) or 2048)
        self.generator = Generator(model, tokenizer, dtype or "bfloat16", batching=batching)
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def refresh(self, seed: int | None = None) -> None:
        """Sync with the policy's weights; optionally reseed the sampling."""
        self.generator.reload()
        if seed is not None:
            with self._lock:
                self.seed, self._seen = seed, {}

    def session(self, key: str) -> Session:
        """An episode's sampler. Its seed comes from the sampler's seed, `key` and how many sessions
        had that key before (a group re-run on the same task draws anew) — never from thread timing."""
        with self._lock:
            n = self._seen.get(key, 0)
            self._seen[key] = n + 1
        return Session(self.name, self.tokenizer, self._complete, seed=session_seed(self.seed, f"{key}#{n}"))

    def generate(self, messages, *, tools=None, task=None) -> Generation:
        """One call outside any episode (no token-in-token-out history)."""
        return self.session("call").generate(messages, tools=tools, task=task)

    def _complete(self, prompt_ids: list[int], seed: int) -> tuple[list[int], None, None]:
        room = check_room(self.name, len(prompt_ids), self.context_length)
        try:
            ids = self.generator.generate(prompt_ids, max_new=min(self.max_new_tokens, room), temperature=self.temperature,
                                          top_p=self.top_p, seed=seed)
        except InfraError:
            raise
        except Exception as e:
            raise InfraError(f"the policy failed to generate ({type(e).__name__}: {e})") from None
        return ids, None, None


class VLLMSampler:
    """Samples from a vLLM server, keeping prompt and completion token ids (and sampled logprobs).

    client: TRL's `VLLMClient` (GRPOTrainer with use_vllm=True, vllm_mode="server" pushes the new
    weights to `trl vllm-serve` before every rollout batch), or
    base_url: an OpenAI-compatible server whose /v1/completions accepts a token-id prompt and
    returns `token_ids` per choice (vLLM >= 0.10.2 with `"return_token_ids": true`). A plain
    `vllm serve` never receives new weights: use it for off-policy collection, not on-policy RL."""

    name = "vllm"

    def __init__(self, tokenizer: Any, *, client: Any = None, base_url: str | None = None, model: str | None = None,
                 temperature: float = 1.0, top_p: float = 1.0, max_new_tokens: int = 256, timeout_s: float = 120.0):
        if client is None and not base_url:
            raise ValueError("VLLMSampler needs TRL's vLLM client or a base_url of an OpenAI-compatible vLLM server")
        self.tokenizer, self.client, self.base_url, self.model = tokenizer, client, (base_url or "").rstrip("/"), model
        self.temperature, self.top_p, self.max_new_tokens, self.timeout_s = temperature, top_p, max_new_tokens, timeout_s

    def refresh(self, seed: int | None = None) -> None:
        """Nothing to drop: the trainer syncs the server's weights."""

    def session(self, key: str) -> Session:
        return Session(self.name, self.tokenizer, self._complete, seed=0)

    def generate(self, messages, *, tools=None, task=None) -> Generation:
        """One call outside any episode (no token-in-token-out history)."""
        return self.session("call").generate(messages, tools=tools, task=task)

    def _complete(self, prompt_ids: list[int], seed: int) -> tuple[list[int], list[float] | None, str | None]:
        stop = {"stop": list(STOP_TAGS), "include_stop_str_in_output": True}
        try:
            if self.client is not None:
                out = self.client.generate([prompt_ids], n=1, temperature=self.temperature, top_p=self.top_p,
                                           max_tokens=self.max_new_tokens, logprobs=0, generation_kwargs=stop)
                lps = out.get("logprobs")
                logprobs = [float(x[0] if isinstance(x, list | tuple) else x) for x in lps[0]] if lps else None
                return list(out["completion_ids"][0]), logprobs, None
            return self._openai(prompt_ids, stop)
        except Exception as e:  # unreachable server, bad reply: not the agent's fault
            raise InfraError(f"the vLLM server failed ({type(e).__name__}: {e}); check that it runs and serves the policy") from None

    def _openai(self, prompt_ids: list[int], stop: dict[str, Any]) -> tuple[list[int], list[float] | None, str]:
        import httpx

        body = {"model": self.model, "prompt": prompt_ids, "max_tokens": self.max_new_tokens, "temperature": self.temperature,
                "top_p": self.top_p, "logprobs": 0, "return_token_ids": True, **stop}
        reply = httpx.post(f"{self.base_url}/completions", json=body, timeout=self.timeout_s)
        reply.raise_for_status()
        choice = reply.json()["choices"][0]
        if "token_ids" not in choice:
            raise ValueError("the server returned no token_ids; use vLLM >= 0.10.2 (return_token_ids)")
        lps = (choice.get("logprobs") or {}).get("token_logprobs")
        return list(choice["token_ids"]), ([float(x) for x in lps] if lps else None), str(choice.get("finish_reason") or "stop")
