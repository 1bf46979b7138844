"""verifiers: `load_environment(org=..., tasks=...)`, found by verifiers' loader under the id `crmweaver`.

    import verifiers as vf
    env = vf.load_environment("crmweaver", org="org.db", tasks="tasks.jsonl")   # or crmweaver.load_environment
    vf-eval crmweaver -a '{"org": "org.db", "tasks": "tasks.jsonl"}' -m MODEL -b URL

verifiers' loader imports the module named by the id and calls its `load_environment`; ours is
re-exported by `crmweaver/__init__.py`. The environment is a `vf.MultiTurnEnv`: each rollout owns
a `CRMEnv`, every model turn (text or tool calls) is its `step`, the messages the CRMEnv adds are
the environment's reply, and the rubric's one reward function is the CRMEnv's score
(`scoring.score`). Tools protocol by default (execute_soql, execute_sosl, respond: the schemas
`crmweaver eval --protocol tools` shows); `protocol="react"` for text tags.
Built on verifiers' classic API (`verifiers.legacy`, addressed as `import verifiers as vf`),
tested with verifiers 0.3.1 (`pip install -e '.[verifiers]'`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crmweaver.env.actions import TOOL_SCHEMAS
from crmweaver.env.crm_env import CRMEnv, as_task
from crmweaver.tasks.row import TaskRow, read_tasks

STATE_KEY = "crmweaver_env"


def _vf():
    try:
        import verifiers as vf

        vf.MultiTurnEnv  # noqa: B018 (loads verifiers' classic API)
    except ImportError as e:
        raise ImportError(f"the verifiers adapter needs verifiers ({e}): pip install -e '.[verifiers]'") from None
    return vf


def load_environment(org: str | Path = "org.db", tasks: str | Path | list[Any] = "tasks.jsonl", split: str | None = None,
                     protocol: str = "tools", max_turns: int = 20, limit: int | None = None, **options: Any):
    """A verifiers environment over the tasks of `tasks` (a task file or rows) on the org at `org`.
    `split`: keep only the rows of that split (train/test); `options`: CRMEnv options (schema, aided, ...)."""
    vf = _vf()
    from datasets import Dataset

    rows = read_tasks(tasks) if isinstance(tasks, str | Path) else [as_task(t) for t in tasks]
    if split is not None:
        rows = [t for t in rows if t.split == split]
    rows = rows[:limit] if limit else rows
    if not rows:
        raise ValueError(f"no tasks{f' in split {split!r}' if split else ''}: synthesize some with `crmweaver tasks synth`")
    env_options = {"protocol": protocol, "max_turns": max_turns, **options}
    dataset = Dataset.from_list([_row(t, org, env_options) for t in rows])
    return _env_class(vf)(org=str(org), env_options=env_options, dataset=dataset, eval_dataset=dataset)


def _row(task: TaskRow, org: str | Path, env_options: dict[str, Any]) -> dict[str, Any]:
    prompt = CRMEnv.from_task(task, org, **env_options).reset()
    return {"prompt": prompt, "answer": json.dumps(task.answer), "task_type": task.task,
            "info": {"task_json": task.model_dump_json()}}


def _tool_defs() -> list[dict[str, Any]]:
    return [{"name": t["function"]["name"], "description": t["function"]["description"], "parameters": t["function"]["parameters"]}
            for t in TOOL_SCHEMAS]


_CLASS: dict[str, type] = {}


def _env_class(vf: Any) -> type:
    if "env" in _CLASS:
        return _CLASS["env"]

    async def crmweaver_score(state: Any, **kwargs: Any) -> float:
        """CRMArena-Pro's score of the rollout's final answer (scoring.score through the CRMEnv)."""
        env = state.get(STATE_KEY)
        return float(env.score().reward) if env is not None and env.done else 0.0

    class CRMWeaverEnv(vf.MultiTurnEnv):
        """A verifiers MultiTurnEnv stepping one CRMEnv per rollout."""

        def __init__(self, org: str, env_options: dict[str, Any], **kwargs: Any):
            self.org, self.env_options = org, dict(env_options)
            tools = _tool_defs() if env_options.get("protocol") == "tools" else None
            # one more model turn than the CRMEnv allows, so the CRMEnv always ends the episode itself
            super().__init__(max_turns=int(env_options["max_turns"]) + 1, tool_defs=tools,
                             rubric=vf.Rubric(funcs=[crmweaver_score]), **kwargs)

        async def setup_state(self, state: Any) -> Any:
            env = CRMEnv.from_task(state["info"]["task_json"], self.org, **self.env_options)
            env.reset()
            state[STATE_KEY] = env
            return state

        async def env_response(self, messages: Any, state: Any, **kwargs: Any) -> list[Any]:
            last = messages[-1]
            calls = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in (getattr(last, "tool_calls", None) or [])]
            _, _, done, info = state[STATE_KEY].step({"role": "assistant", "content": getattr(last, "content", None), "tool_calls": calls})
            reply = [vf.ToolMessage(tool_call_id=m["tool_call_id"], content=m["content"]) if m["role"] == "tool"
                     else vf.UserMessage(content=m["content"]) for m in info["messages"] if m["role"] != "assistant"]
            if done:
                state["final_env_response"] = reply
            return reply

        @vf.stop
        async def crmweaver_done(self, state: Any) -> bool:
            env = state.get(STATE_KEY)
            return env is not None and env.done

    _CLASS["env"] = CRMWeaverEnv
    return CRMWeaverEnv
