"""verl adapter: our tasks, environment and reward inside verl's multi-turn agent loop (multi-node RL).

verl (volcengine/verl, on Ray, vLLM/SGLang rollouts) trains multi-turn agents from four things,
all provided here, each a thin layer over `crmweaver.env.CRMEnv` (no parsing or scoring of ours):

  1. a dataset row per task (`verl_row`): `prompt` (the CRMEnv's opening messages), `data_source`,
     `ability`, `reward_model` and `extra_info` with `interaction_kwargs` and `tools_kwargs` (the
     task row as JSON and the org path), written as parquet by `write_verl_dataset`;
  2. tools (`CRMTool`, verl's `BaseTool`; `tools_config` writes the tools YAML): execute_soql and
     execute_sosl, each call one CRMEnv step;
  3. an interaction (`CRMInteraction`, verl's `BaseInteraction`; `interaction_config` writes its
     YAML): the simulated user. verl hands it every assistant message without a tool call: in the
     tools protocol that message is the answer (CRMEnv's `respond`); in the ReAct protocol it is
     the whole turn (`<execute>` or `<respond>`). The CRMEnv's reward is the turn score.
     Tools and interaction of one rollout step ONE CRMEnv: verl gives both the same request id;
  4. a reward function (`compute_score`, verl's `custom_reward_function`): the interaction's final
     turn score when verl passes it (`turn_scores`), else the CRMEnv's score of the decoded
     transcript (env.crm_env.score_transcript).

BaseInteraction exists in verl <= 0.7 (0.8 removed interactions; BaseTool and the tools YAML are
unchanged). verl is imported only when verl asks for `CRMTool` or `CRMInteraction` (module
`__getattr__`). Tested with verl 0.7.1's own loaders (`pip install -e '.[verl]'`); docs/verl.md.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from crmweaver.env.actions import TOOL_SCHEMAS
from crmweaver.env.crm_env import CRMEnv, score_transcript
from crmweaver.org.store import open_org
from crmweaver.tasks.row import TaskRow

DATA_SOURCE = "crmweaver"
INTERACTION_NAME = "crmweaver"
QUERY_TOOLS = ("execute_soql", "execute_sosl")


# --- 1. data ----------------------------------------------------------------------------------


def verl_row(task: TaskRow, org: Any, org_path: str | Path, *, index: int, split: str = "train",
             guideline: str | None = None, max_turns: int = 20, agent_name: str = "tool_agent",
             protocol: str = "react") -> dict[str, Any]:
    """One verl dataset row. Every nested value is a string, number or list of strings so that rows
    of all 22 task types share one parquet schema (the task row travels as JSON text).
    `protocol`: react (text tags, the interaction steps every turn) or tools (CRMTool + the interaction)."""
    messages = CRMEnv.from_task(task, org, max_turns=max_turns, guideline=guideline, protocol=protocol).reset()
    task_json = task.model_dump_json()
    episode = {"task_json": task_json, "org_path": str(org_path), "max_turns": max_turns, "protocol": protocol}
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
            "interaction_kwargs": {"name": INTERACTION_NAME, **episode},
            # react rows have none (parquet cannot store an empty struct; verl reads a missing one as {})
            **({"tools_kwargs": {name: {"create_kwargs": episode} for name in QUERY_TOOLS}} if protocol == "tools" else {}),
        },
    }


def verl_rows(tasks: list[TaskRow], org_path: str | Path, *, split: str = "train", memory: Any = None,
              max_turns: int = 20, protocol: str = "react") -> list[dict[str, Any]]:
    """Rows for a task list; with a Memory, each prompt carries its top-1 guideline (the `always`
    hint rule; the other rules need the trainer's loop, see train.memory_loop)."""
    org = open_org(org_path)
    rows = []
    for i, task in enumerate(tasks):
        found = memory.guideline_for(task) if memory is not None else None
        rows.append(verl_row(task, org, org_path, index=i, split=split, guideline=found[1] if found else None, max_turns=max_turns,
                             protocol=protocol))
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


# --- 2-3. one CRMEnv per rollout, shared by its tools and its interaction ---------------------

_sessions: dict[str, CRMEnv] = {}  # verl's request id -> the rollout's CRMEnv (one agent-loop worker process)
_lock = threading.Lock()


def start_session(request_id: str, task_json: str, org_path: str, max_turns: int = 20, protocol: str = "react", **_: Any) -> CRMEnv:
    env = CRMEnv.from_task(task_json, org_path, max_turns=int(max_turns), protocol=protocol)
    env.reset()
    with _lock:
        _sessions[request_id] = env
    return env


def end_session(request_id: str) -> None:
    with _lock:
        _sessions.pop(request_id, None)


def session(request_id: str | None) -> CRMEnv | None:
    with _lock:
        return _sessions.get(request_id or "")


def answer_turn(env: CRMEnv, messages: list[dict[str, Any]]) -> tuple[bool, str, float, dict[str, Any]]:
    """verl's generate_response for an assistant message without a tool call: (done, next user message, turn score, extra)."""
    last = next((m for m in reversed(messages) if m.get("role") == "assistant"), {})
    content = last.get("content")
    action: Any = dict(last, role="assistant")
    if env.config.protocol == "tools":  # verl routes tool calls to the tools: what reaches the user is the answer
        text = "".join(b.get("text", "") for b in content if isinstance(b, dict)) if isinstance(content, list) else content
        action = {"name": "respond", "arguments": {"content": text or ""}}
    observation, reward, done, info = env.step(action)
    extra = {"action": info["action"].kind}
    if done:
        extra.update(termination=info.get("termination"), metric=info["score"].metric, detail=info["score"].detail)
    return done, observation, reward, extra


def tool_call(env: CRMEnv | None, name: str, parameters: dict[str, Any], create_kwargs: dict[str, Any]) -> str:
    """One tool call on the rollout's CRMEnv (or, with no interaction running, on a fresh one: a lone query)."""
    if env is None:
        env = CRMEnv.from_task(create_kwargs["task_json"], create_kwargs["org_path"], protocol="tools")
    _, _, _, info = env.step({"name": name, "arguments": parameters})
    return next((m["content"] for m in info["messages"] if m["role"] == "tool"), "")


def _tool_class():
    from verl.tools.base_tool import BaseTool
    from verl.tools.schemas import ToolResponse

    class CRMTool(BaseTool):
        """execute_soql / execute_sosl (the name comes from the tool schema in the YAML)."""

        def __init__(self, config: dict[str, Any], tool_schema: Any):
            super().__init__(config, tool_schema)
            self.created: dict[str, dict[str, Any]] = {}

        async def create(self, instance_id: str | None = None, **kwargs: Any) -> tuple[str, Any]:
            instance_id, response = await super().create(instance_id)
            self.created[instance_id] = dict(kwargs.get("create_kwargs") or {})
            return instance_id, response

        async def execute(self, instance_id: str, parameters: dict[str, Any], **kwargs: Any) -> tuple[Any, float, dict]:
            agent_data = kwargs.get("agent_data")
            env = session(getattr(agent_data, "request_id", None))
            text = tool_call(env, self.name, parameters, self.created.get(instance_id, {}))
            return ToolResponse(text=text), 0.0, {}

        async def release(self, instance_id: str, **kwargs: Any) -> None:
            self.created.pop(instance_id, None)

    return CRMTool


def _interaction_class():
    from verl.interactions.base import BaseInteraction

    class CRMInteraction(BaseInteraction):
        """verl interaction over the rollout's CRMEnv (config: `name: crmweaver`)."""

        async def start_interaction(self, instance_id: str | None = None, **kwargs: Any) -> str:
            instance_id = await super().start_interaction(instance_id)
            start_session(instance_id, **kwargs)
            return instance_id

        async def generate_response(self, instance_id: str, messages: list[dict[str, Any]], **kwargs: Any):
            env = session(instance_id)
            if env is None:
                return True, "", 0.0, {"error": "no such interaction"}
            return answer_turn(env, messages)

        async def calculate_score(self, instance_id: str | None = None, **kwargs: Any) -> float:
            env = session(instance_id)
            return float(env.score().reward) if env is not None and env.done else 0.0

        async def finalize_interaction(self, instance_id: str | None = None, **kwargs: Any) -> None:
            end_session(instance_id or "")

    return CRMInteraction


def __getattr__(name: str):
    """`CRMTool` and `CRMInteraction` are built on verl's classes the first time verl asks for them."""
    build = {"CRMTool": _tool_class, "CRMInteraction": _interaction_class}.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        cls = build()
    except ImportError as e:
        raise ImportError(f"{name} needs verl ({e}): pip install -e '.[verl]' (docs/verl.md)") from None
    globals()[name] = cls
    return cls


# --- 4. the reward ----------------------------------------------------------------------------


def compute_score(data_source: str, solution_str: str, ground_truth: Any = None, extra_info: dict[str, Any] | None = None, **kwargs) -> float:
    """verl's custom reward function: the interaction's final turn score (the CRMEnv's reward) when
    verl passes the turn scores, else the CRMEnv's score of the decoded transcript."""
    info = extra_info or {}
    turn_scores = info.get("turn_scores")
    if turn_scores is not None and len(turn_scores):
        return float(turn_scores[-1])
    task_json = info.get("task_json") or (info.get("interaction_kwargs") or {}).get("task_json")
    if not task_json:
        raise ValueError("extra_info has no task_json: build the dataset with crmweaver.train.verl_adapter.verl_rows")
    return float(score_transcript(task_json, solution_str).reward)


# --- the YAML files verl reads ----------------------------------------------------------------


def interaction_config(path: str | Path) -> Path:
    """Write verl's interaction config (actor_rollout_ref.rollout.multi_turn.interaction_config_path)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "interaction:\n"
        f"  - name: \"{INTERACTION_NAME}\"\n"
        "    class_name: \"crmweaver.train.verl_adapter.CRMInteraction\"\n"
        "    config: {}\n"
    )
    return path


def tools_config(path: str | Path) -> Path:
    """Write verl's tools config (actor_rollout_ref.rollout.multi_turn.tool_config_path): our query
    tools with the schemas `crmweaver eval --protocol tools` shows (the answer goes to the interaction)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tools = [{"class_name": "crmweaver.train.verl_adapter.CRMTool", "config": {"type": "native"}, "tool_schema": schema}
             for schema in TOOL_SCHEMAS if schema["function"]["name"] in QUERY_TOOLS]
    path.write_text(json.dumps({"tools": tools}, indent=2) + "\n")  # JSON is YAML: OmegaConf reads it
    return path
