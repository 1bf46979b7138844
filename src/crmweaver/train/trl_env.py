"""TRL's `environment_factory`: the org as a tool environment for `GRPOTrainer` (TRL >= 1.16).

    from trl import GRPOConfig, GRPOTrainer
    from crmweaver.train.trl_env import CRMToolEnv, environment_dataset

    trainer = GRPOTrainer(model=..., args=GRPOConfig(...), train_dataset=environment_dataset(tasks, "org.db"),
                          environment_factory=CRMToolEnv)   # grpo_trainer(): the CPU variant; docs/trl.md
    trainer.train()

TRL builds one `CRMToolEnv` per rollout, calls `reset(**row)` with the dataset row (the task as
JSON and the org path), offers the public methods `execute_soql`, `execute_sosl` and `respond` as
tools, and takes `get_reward()` as the rollout's reward. Each method is one `CRMEnv.step` with that
tool call, so the observation, the turn limit and the reward (`scoring.score`) are `crmweaver
eval --protocol tools`'s. TRL ends a rollout at the first message without a tool call: the answer
must come through `respond`. This is the tool-calling alternative to our own multi-turn
`rollout_func` (train.rl), which keeps the ReAct protocol, the memory loop and DAPO's masks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmweaver.env.crm_env import CRMEnv
from crmweaver.tasks.row import TaskRow
from crmweaver.train.rl import _cpu_trainer


def grpo_trainer() -> type:
    """TRL's GRPOTrainer; on a machine without CUDA, the subclass `crmweaver train rl` uses there
    (log-probabilities of the completion only: full-vocabulary logits over a 5k-token prompt are
    most of a CPU step)."""
    import torch
    from trl import GRPOTrainer

    if torch.cuda.is_available():
        return GRPOTrainer
    return _cpu_trainer(GRPOTrainer)


def environment_dataset(tasks: list[TaskRow], org_path: str | Path, **options: Any):
    """A `datasets.Dataset` for GRPOTrainer: `prompt` (the CRMEnv's opening messages, tools
    protocol), `task_json` and `org_path` (what `CRMToolEnv.reset` reads). `options`: CRMEnv options."""
    from datasets import Dataset

    options = {**options, "protocol": "tools"}
    return Dataset.from_list([{"prompt": CRMEnv.from_task(t, org_path, **options).reset(), "task_json": t.model_dump_json(),
                               "org_path": str(org_path), "env_options": dict(options)} for t in tasks])


class CRMToolEnv:
    """One rollout's environment for TRL's `environment_factory` (the class itself is the factory)."""

    def __init__(self) -> None:
        self.env: CRMEnv | None = None

    def reset(self, task_json: str, org_path: str, env_options: dict[str, Any] | None = None, **row: Any) -> None:
        """Start the row's task; the prompt is already the row's (so nothing to add to it)."""
        options = {k: v for k, v in (env_options or {}).items() if v is not None}
        self.env = CRMEnv.from_task(task_json, org_path, **{**options, "protocol": "tools"})
        self.env.reset()
        return None

    def execute_soql(self, query: str) -> str:
        """Run a read-only SOQL query on the org.

        Args:
            query: A SOQL SELECT statement.

        Returns:
            The JSON result, or Salesforce's error list.
        """
        return self._call("execute_soql", query=query)

    def execute_sosl(self, query: str) -> str:
        """Run a SOSL text search on the org.

        Args:
            query: A SOSL statement: FIND {...} IN ... RETURNING ...

        Returns:
            The JSON result, or Salesforce's error list.
        """
        return self._call("execute_sosl", query=query)

    def respond(self, content: str) -> str:
        """Give the final answer to the user (ends the task).

        Args:
            content: The answer.

        Returns:
            A confirmation that the answer was sent.
        """
        return self._call("respond", content=content)

    def get_reward(self) -> float:
        """CRMArena-Pro's score of the final answer (0 when the rollout never answered)."""
        return float(self.env.score().reward) if self.env is not None and self.env.done else 0.0

    def _call(self, name: str, **arguments: Any) -> str:
        if self.env is None:
            return "The environment has not been reset."
        observation, _, done, info = self.env.step({"name": name, "arguments": arguments})
        tool = next((m["content"] for m in info["messages"] if m["role"] == "tool"), None)
        return tool if tool is not None else observation or ("The episode is over." if done else "")
