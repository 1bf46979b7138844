"""Rollouts for RL: full episodes in the evaluation environment, with the token ids the policy sampled.

A rollout is `agent.loop.run_episode` — the same Episode, ReAct protocol, turn limit and scorer
as `crmweaver eval` — driven by a sampler that records, per turn, the prompt ids it was given
and the completion ids it sampled. The training sequence and its loss mask are built from those
ids by `train.data.episode_from_turns` (the finished chat is never re-tokenised, so the trainer
scores exactly the tokens that were sampled): the first turn's prompt is the "prompt"; everything
after it is the "completion", where sampled assistant tokens have mask 1 and observation and
chat-template tokens mask 0 (TRL's `env_mask`).

Samplers (both are `agent.backend.Backend`s):

    PolicySampler   the policy being trained, in process (agent/local.py's generation: chat
                    template, stop tags, prefix KV cache), re-synced after every update
    VLLMSampler     a vLLM server: TRL's client (`trl vllm-serve`, weights pushed by the trainer
                    every step), or any OpenAI-compatible /v1/completions endpoint that takes
                    token-id prompts and returns token ids (vLLM: `return_token_ids`)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmweaver.agent.backend import Generation, InfraError
from crmweaver.agent.local import STOP_TAGS, LoadedModel, LocalBackend
from crmweaver.agent.loop import run_episode
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.org.store import Org
from crmweaver.scoring import Score
from crmweaver.tasks.row import TaskRow


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
    """Play one episode with `sampler` and turn it into ids + env mask (episode_from_turns)."""
    from crmweaver.train.data import episode_from_turns

    env = Episode(org, task, config or EnvConfig(), guideline=guideline[1] if guideline else None)
    result = run_episode(env, sampler)
    turns = [x for x in result.extra if "prompt_ids" in x and "completion_ids" in x]
    prompts = [list(x["prompt_ids"]) for x in turns]
    completions = [list(x["completion_ids"]) for x in turns]
    # overlong (DAPO) is judged per episode: a turn that hit max_new_tokens is not a cut-off when the
    # episode went on to answer; only an episode that ended unanswered because of it is one
    unanswered = result.termination in ("max_turns", "infra_error")
    truncated = unanswered and (result.infra_error is not None or bool(turns) and turns[-1].get("finish_reason") == "length")
    if turns:
        ids, mask = episode_from_turns(prompts, completions, tokenizer=getattr(sampler, "tokenizer", None))
        ids, mask = list(ids), [int(m) for m in mask]
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


class PolicySampler(LocalBackend):
    """Samples from the live policy (a torch model being trained), with LocalBackend's generation.

    Call `refresh()` after every optimizer step: the prefix KV cache belongs to the old weights."""

    def __init__(self, model: Any, tokenizer: Any, *, temperature: float = 1.0, top_p: float = 1.0,
                 max_new_tokens: int = 256, seed: int = 0, context_length: int | None = None):
        self.path = None  # type: ignore[assignment]
        self.name = "policy"
        self.temperature, self.top_p, self.max_new_tokens, self.seed = temperature, top_p, max_new_tokens, seed
        self.keep_ids, self.prefix_cache, self._calls = True, True, 0
        context = context_length or getattr(model.config, "max_position_embeddings", None) or 2048
        cache_kwarg = "past_key_values"
        try:
            import transformers.generation.utils as gen_utils

            cache_kwarg = "cache" if "cache" in getattr(gen_utils, "ALL_CACHE_NAMES", ()) else "past_key_values"
        except ImportError:  # pragma: no cover - the trainer needs transformers anyway
            pass
        self._lm = LoadedModel(model, tokenizer, int(context), cache_kwarg=cache_kwarg)

    def loaded(self) -> LoadedModel:
        return self._lm

    @property
    def tokenizer(self) -> Any:
        return self._lm.tokenizer

    def refresh(self, seed: int | None = None) -> None:
        """Forget the KV cache (the weights changed); optionally reseed the sampling."""
        self._lm.cache, self._lm.cached_ids = None, []
        if seed is not None:
            self.seed, self._calls = seed, 0

    def generate(self, messages, *, tools=None, task=None) -> Generation:
        model = self._lm.model
        was_training = model.training
        model.eval()
        try:
            return super().generate(messages, tools=tools, task=task)
        finally:
            if was_training:
                model.train()


def encode_chat(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict] | None = None) -> list[int]:
    """Prompt ids exactly as the local backend renders them (chat template, no extra specials)."""
    kwargs: dict[str, Any] = {"add_generation_prompt": True, "tokenize": False}
    if tools:
        kwargs["tools"] = tools
    text = tokenizer.apply_chat_template(messages, **kwargs)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


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

    def generate(self, messages, *, tools=None, task=None) -> Generation:
        prompt_ids = encode_chat(self.tokenizer, messages, tools)
        stop = {"stop": list(STOP_TAGS), "include_stop_str_in_output": True}
        try:
            if self.client is not None:
                out = self.client.generate([prompt_ids], n=1, temperature=self.temperature, top_p=self.top_p,
                                           max_tokens=self.max_new_tokens, logprobs=0, generation_kwargs=stop)
                completion_ids = list(out["completion_ids"][0])
                lps = out.get("logprobs")
                logprobs = [float(x[0] if isinstance(x, list | tuple) else x) for x in lps[0]] if lps else None
                finish = None
            else:
                completion_ids, logprobs, finish = self._openai(prompt_ids, stop)
        except Exception as e:  # unreachable server, bad reply: not the agent's fault
            raise InfraError(f"the vLLM server failed ({type(e).__name__}: {e}); check that it runs and serves the policy") from None
        text = self.tokenizer.decode(completion_ids, skip_special_tokens=True)
        eos = self.tokenizer.eos_token_id
        if finish is None:
            finish = "stop" if (completion_ids and completion_ids[-1] == eos) or any(t in text.lower() for t in STOP_TAGS) else "length"
        return Generation(text=text, prompt_tokens=len(prompt_ids), completion_tokens=len(completion_ids),
                          extra={"prompt_ids": prompt_ids, "completion_ids": completion_ids, "logprobs": logprobs, "finish_reason": finish})

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
