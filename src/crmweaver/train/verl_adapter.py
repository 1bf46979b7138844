"""verl adapter: our tasks, environment and reward inside verl's multi-turn agent loop (multi-node RL).

verl (volcengine/verl, on Ray, vLLM/SGLang rollouts) trains multi-turn agents from three things,
all provided here:

  1. a dataset row per task (`verl_row`): `prompt` (the chat an Episode opens with: system prompt
     with schema, task context and optional guideline; the user's request), `data_source`,
     `ability`, `reward_model` and `extra_info` with `interaction_kwargs` (the task row as JSON and
     the org path) — written as parquet by `write_verl_dataset`;
  2. an interaction (`CRMInteraction`, verl's `BaseInteraction` API): after every assistant turn it
     steps our Episode — `<execute>` runs the query and the result comes back as the next user
     message; `<respond>` ends the rollout with the scorer's reward as the turn score;
  3. a reward function (`compute_score`, verl's `custom_reward_function`): the final `<respond>` of
     the decoded response scored by `scoring.score`, wrapped, never rewritten (STYLE item 11).

verl is imported only when verl itself asks for `CRMInteraction` (module `__getattr__`), so the
conversion and the session logic (`EnvSession`) run and are tested on a CPU without verl.
See docs/gpu.md for the run recipe.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from crmweaver.env.actions import Action, parse_react
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.scoring import score
from crmweaver.tasks.row import TaskRow

DATA_SOURCE = "crmweaver"
INTERACTION_NAME = "crmweaver"
_RESPOND = re.compile(r"<\s*respond\s*>", re.IGNORECASE)
_EXECUTE = re.compile(r"<\s*execute\s*>(.*?)<\s*/\s*execute\s*>", re.IGNORECASE | re.DOTALL)


# --- 1. data ----------------------------------------------------------------------------------


def verl_row(task: TaskRow, org: Any, org_path: str | Path, *, index: int, split: str = "train",
             guideline: str | None = None, max_turns: int = 20, agent_name: str = "tool_agent") -> dict[str, Any]:
    """One verl dataset row. Every nested value is a string, number or list of strings so that rows
    of all 22 task types share one parquet schema (the task row travels as JSON text)."""
    messages = Episode(org, task, EnvConfig(max_turns=max_turns), guideline=guideline).reset()
    task_json = task.model_dump_json()
    return {
        "data_source": f"{DATA_SOURCE}/{task.task}",
        "agent_name": agent_name,
        "prompt": [{"role": m["role"], "content": m["content"]} for m in messages],
        "ability": task.skill or "crm",
        "reward_model": {"style": "rule", "ground_truth": json.dumps(task.answer)},
        "extra_info": {
            "split": split,
            "index": index,
            "task_type": task.task,
            "task_json": task_json,
            "interaction_kwargs": {"name": INTERACTION_NAME, "task_json": task_json, "org_path": str(org_path),
                                   "max_turns": max_turns},
        },
    }


def verl_rows(tasks: list[TaskRow], org_path: str | Path, *, split: str = "train", memory: Any = None,
              max_turns: int = 20) -> list[dict[str, Any]]:
    """Rows for a task list; with a Memory, each prompt carries its top-1 guideline (the `always`
    hint rule; the other rules need the trainer's loop, see train.memory_loop)."""
    from crmweaver.org.store import open_org

    org = open_org(org_path)
    rows = []
    for i, task in enumerate(tasks):
        found = memory.guideline_for(task) if memory is not None else None
        rows.append(verl_row(task, org, org_path, index=i, split=split, guideline=found[1] if found else None, max_turns=max_turns))
    return rows


def write_verl_dataset(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Parquet (what verl's RLHFDataset reads; needs pyarrow) or, for a .jsonl path, JSON lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        return path
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("writing parquet needs pyarrow: pip install pyarrow (or give a .jsonl path)") from None
    pq.write_table(pa.Table.from_pylist(rows), str(path))
    return path


# --- 2. the environment, one rollout at a time ------------------------------------------------


class EnvSession:
    """One rollout's Episode, stepped with the assistant's messages as verl produces them."""

    def __init__(self, task_json: str, org_path: str | Path, max_turns: int = 20, org: Any = None):
        from crmweaver.org.store import open_org

        self.task = TaskRow.model_validate_json(task_json)
        self.episode = Episode(org if org is not None else open_org(org_path), self.task, EnvConfig(max_turns=max_turns))
        self.episode.reset()

    def respond(self, messages: list[dict[str, Any]]) -> tuple[bool, str, float, dict[str, Any]]:
        """verl's generate_response: (done, next user message, turn score, extra)."""
        last = next((m for m in reversed(messages) if m.get("role") == "assistant"), None)
        content = last.get("content") if last else None
        if isinstance(content, list):  # typed content blocks
            content = "".join(b.get("text", "") for b in content if isinstance(b, dict))
        result = self.episode.step(content or "")
        if result.done:
            s = self.episode.reward()
            return True, "", float(s.reward), {"termination": self.episode.termination, "metric": s.metric, "detail": s.detail}
        return False, result.observation or "", 0.0, {"action": result.action.kind}

    def score(self) -> float:
        return float(self.episode.reward().reward) if self.episode.done else 0.0


def _interaction_class():
    from verl.interactions.base import BaseInteraction

    class CRMInteraction(BaseInteraction):
        """verl interaction over our Episode (config: `name: crmweaver`)."""

        def __init__(self, config: dict[str, Any]):
            super().__init__(config)
            self.sessions: dict[str, EnvSession] = {}
            self.orgs: dict[str, Any] = {}  # one open org per path per worker

        async def start_interaction(self, instance_id: str | None = None, **kwargs) -> str:
            from crmweaver.org.store import open_org

            instance_id = instance_id or str(uuid.uuid4())
            org_path = kwargs["org_path"]
            if org_path not in self.orgs:
                self.orgs[org_path] = open_org(org_path)
            self.sessions[instance_id] = EnvSession(kwargs["task_json"], org_path, int(kwargs.get("max_turns", 20)), org=self.orgs[org_path])
            return instance_id

        async def generate_response(self, instance_id: str, messages: list[dict[str, Any]], **kwargs):
            return self.sessions[instance_id].respond(messages)

        async def calculate_score(self, instance_id: str | None = None, **kwargs) -> float:
            session = self.sessions.get(instance_id or "")
            return session.score() if session else 0.0

        async def finalize_interaction(self, instance_id: str | None = None, **kwargs) -> None:
            self.sessions.pop(instance_id or "", None)

    return CRMInteraction


def __getattr__(name: str):
    """`CRMInteraction` is built on verl's BaseInteraction the first time verl asks for it."""
    if name == "CRMInteraction":
        try:
            cls = _interaction_class()
        except ImportError as e:
            raise ImportError(f"CRMInteraction needs verl ({e}): pip install verl==0.9.1 on the GPU machines (docs/gpu.md)") from None
        globals()["CRMInteraction"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- 3. the reward ----------------------------------------------------------------------------


def final_response(solution_str: str) -> str | None:
    """The answer of the last `<respond>` in a decoded multi-turn response (None when there is none)."""
    found = list(_RESPOND.finditer(solution_str or ""))
    if not found:
        return None
    action = parse_react(solution_str[found[-1].start():])
    return action.content if action.kind == "respond" else None


def compute_score(data_source: str, solution_str: str, ground_truth: Any = None, extra_info: dict[str, Any] | None = None, **kwargs) -> float:
    """verl's custom reward function: scoring.score on the final answer of the rollout."""
    info = extra_info or {}
    task_json = info.get("task_json") or (info.get("interaction_kwargs") or {}).get("task_json")
    if not task_json:
        raise ValueError("extra_info has no task_json: build the dataset with crmweaver.train.verl_adapter.verl_rows")
    task = json.loads(task_json)
    actions = [Action("execute", q.strip()) for q in _EXECUTE.findall(solution_str or "")]
    response = final_response(solution_str)
    if response is not None:
        actions.append(Action("respond", response))
    return float(score(task, response, actions=actions).reward)


def interaction_config(path: str | Path) -> Path:
    """Write verl's interaction config (multi_turn.interaction_config_path) naming our class."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "interaction:\n"
        f"  - name: \"{INTERACTION_NAME}\"\n"
        "    class_name: \"crmweaver.train.verl_adapter.CRMInteraction\"\n"
        "    config: {}\n"
    )
    return path
