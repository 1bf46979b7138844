"""The results record (one line of `results.jsonl`) and the run options (`run.json`), typed.

They are the contract between evaluate (writes them; resume skips what is already there), memory
(counters and write-back), train (SFT examples, the pipeline's tables), the summary and report/.
Each field's description says who reads it, so a rename breaks loudly where it is read instead of
silently starting a resumed run over. On disk the bytes are those of the untyped dicts written
before (same keys in the same order, `traceback` only on a crash), so older runs load and resume;
keys this model does not know are kept as they are.
"""

from __future__ import annotations

import json
import traceback as tb
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crmweaver.tasks.row import TaskRow


class ResultRecord(BaseModel):
    """One finished (task, trial): its score, cost and dialogue."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())

    key: str = Field(description="the work item's identity (task content, trial, model, options); resume keeps records whose key this run wants")
    task_key: str = Field("", description="the task's identity (a hash of its row): pass^k groups trials by it; report's episode index")
    idx: int | str | None = Field(None, description="the row's idx: report's episode index, memory's trajectory id when a record has no key")
    task: str = Field("", description="the task type code: summary's per-type scores, report, memory distillation, train tables")
    skill: str | None = Field(None, description="the row's skill (else the type's): summary's per-skill scores, report")
    org: str | None = Field(None, description="the org the row was made for (preset:seed:scale): summary's B2B/B2C columns, report")
    trial: int = Field(0, description="0-based trial: summary's trial count for pass^k, report, memory's trajectory id")
    model: str | None = Field(None, description="the run's model label: the summary's model, memory's trajectory model")
    reward: float = Field(0.0, description="the episode's score in [0, 1] (0 on an infra error): summary, memory counters, train, report")
    reward_details: dict[str, Any] = Field(default_factory=dict, description="{metric, extracted, detail} of the scorer: the constant-None baseline (metric), report")
    response: str | None = Field(None, description="the agent's final answer: report, memory distillation")
    expected: list[Any] | None = Field(None, description="the gold answer ([None] is the literal None): non-None accuracy and baseline, report")
    termination: str | None = Field(None, description="how the episode ended (respond, max_turns, infra_error, ...): report")
    turns: int = Field(0, description="model turns: summary's means, report")
    tool_calls: int = Field(0, description="queries executed: summary's means, report")
    prompt_tokens: int = Field(0, description="summary's means")
    completion_tokens: int = Field(0, description="summary's means")
    latency_s: float = Field(0.0, description="seconds the episode took: summary's means")
    memory: list[str] = Field(default_factory=list, description="ids of memory items shown: the memory's helpful/harmful counters, report, train's hint tables")
    infra_error: str | None = Field(None, description="why the backend or episode failed (scored 0): summary's infra count, --retry-infra-errors, memory skips write-back, report")
    traceback: str | None = Field(None, description="a crash's traceback (written only then): report")
    messages: list[dict[str, Any]] = Field(default_factory=list, description="the dialogue (system, user, assistant, tool): report's viewer, memory distillation, SFT examples")

    @classmethod
    def crash(cls, *, key: str, task_key: str, task: TaskRow, trial: int, model: str, org: str, error: BaseException) -> ResultRecord:
        """An episode that raised inside crmweaver: scored 0, counted with the infra errors, traceback kept."""
        return cls(
            key=key, task_key=task_key, idx=task.idx, task=task.task, skill=task.skill, org=task.org or org, trial=trial,
            model=model, reward=0.0, reward_details={"metric": task.reward_metric, "extracted": None, "detail": "episode crashed"},
            response=None, expected=task.answer, termination="infra_error", turns=0, tool_calls=0, prompt_tokens=0,
            completion_tokens=0, latency_s=0.0, memory=[], infra_error=f"crash: {type(error).__name__}: {error}",
            traceback="".join(tb.format_exception(error))[-4000:], messages=[],
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written to `results.jsonl`: the fields that were given (or read), in order."""
        return self.model_dump(exclude_unset=True)


class RunOptions(BaseModel):
    """`run.json`: what a run was made with (report's overview shows it; resume is keyed by content, not by this file)."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())

    org: str = Field("", description="the org file evaluated: report's overview")
    model: str | None = Field(None, description="the model label: report (when the summary has none), its summary's model")
    trials: int | None = Field(None, description="trials per task: report's pass^k range")
    concurrency: int = Field(1, description="episodes at once")
    executor: str = Field("local", description="local or ray")
    env_config: dict[str, Any] = Field(default_factory=dict, description="the environment options that enter each work key (EnvConfig fields, interactive, memory, scoring, salesforce): report's overview")
    work_items: int = Field(0, description="task x trial items of the run")

    def to_json(self) -> str:
        return json.dumps(self.model_dump(exclude_unset=True), indent=2) + "\n"
