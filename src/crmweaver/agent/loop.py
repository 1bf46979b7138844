"""Drive one episode with one backend and record everything the results file needs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from crmweaver.agent.backend import Backend, InfraError
from crmweaver.env.actions import TOOL_SCHEMAS
from crmweaver.env.episode import Episode
from crmweaver.scoring import Score, ScorerError


@dataclass
class EpisodeResult:
    reward: float
    score: Score
    response: str | None
    termination: str
    turns: int
    tool_calls: int  # executed queries
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    messages: list[dict[str, Any]]
    infra_error: str | None = None
    extra: list[dict[str, Any]] = field(default_factory=list)  # per-turn backend extras (e.g. token ids)


def run_episode(env: Episode, backend: Backend) -> EpisodeResult:
    """Play one episode. A backend failure — the agent's, a simulated user's or a scoring model's —
    is an infra error that ends the episode with reward 0, never an exception."""
    tools = TOOL_SCHEMAS if env.config.protocol == "tools" else None
    prompt_tokens = completion_tokens = 0
    extras: list[dict[str, Any]] = []
    infra_error = None
    start = time.perf_counter()
    try:
        env.reset()
        while not env.done:
            gen = backend.generate(env.messages, tools=tools, task=env.task)
            prompt_tokens += gen.prompt_tokens
            completion_tokens += gen.completion_tokens
            if gen.extra:
                extras.append(gen.extra)
            env.step(gen.text, gen.tool_calls)
    except InfraError as e:
        infra_error = str(e) or type(e).__name__
        env.fail("infra_error")
    try:
        s = env.reward()
    except ScorerError as e:  # the scoring model failed: an infra error, the reply stays unscored
        infra_error = f"scoring: {e}"
        s = Score(0.0, env.task.reward_metric, None, "scorer failed")
    return EpisodeResult(
        reward=s.reward,
        score=s,
        response=env.response,
        termination=env.termination or "respond",
        turns=env.turns,
        tool_calls=sum(a.kind == "execute" for a in env.actions),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        latency_s=time.perf_counter() - start,
        messages=env.messages,
        infra_error=infra_error,
        extra=extras,
    )
