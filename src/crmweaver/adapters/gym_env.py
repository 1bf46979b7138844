"""Gymnasium: `gymnasium.make("crmweaver/CRM-v0", org="org.db", task=row)` (after `import crmweaver`).

Observations and actions are text (gymnasium.spaces.Text): the first observation is the
conversation so far rendered as text (system prompt, then the user's request), later ones the
environment's reply (a query result, an error list, a format reminder, the simulated user's
words). `step` takes the model's text (ReAct) or a tool call; the reward is CRMEnv's, i.e.
`scoring.score` at the end and 0 before. `info` carries CRMEnv's (the parsed action, the
messages added, and the Score once done) plus `messages`: the chat so far, for chat models.
An episode that runs out of turns is `terminated` (CRMArena-Pro scores it 0), never truncated.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from crmweaver.env.crm_env import CRMEnv

MAX_TEXT = 1_000_000  # characters a Text space admits (the system prompt with the full schema is ~20k)


def _gym_env_base():
    try:
        import gymnasium
    except ImportError:
        raise ImportError("the Gymnasium adapter needs gymnasium: pip install -e '.[gym]'") from None
    return gymnasium


gym = _gym_env_base()


class CRMGymEnv(gym.Env):
    """A Gymnasium Env over one CRMEnv. `task`: a task row (dict, TaskRow or JSON); `org`: the org file;
    `options`: CRMEnv.from_task options (protocol, max_turns, schema, ...)."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, org: str | Path, task: Any, render_mode: str | None = None, **options: Any):
        self.crm = CRMEnv.from_task(task, org, **options)
        # Text spaces (the charset only shapes sample(): observations hold any Unicode the org has)
        self.observation_space = gym.spaces.Text(MAX_TEXT, charset=string.printable)
        self.action_space = gym.spaces.Text(MAX_TEXT, charset=string.printable)
        self.render_mode = render_mode

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        messages = self.crm.reset()
        text = "\n\n".join(m["content"] for m in messages)
        return text, {"messages": list(messages)}

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        observation, reward, done, info = self.crm.step(action)
        return observation, reward, done, False, {**info, "messages": list(self.crm.messages)}

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return "\n".join(f"[{m['role']}] {m.get('content') or ''}" for m in self.crm.messages)
        return None

