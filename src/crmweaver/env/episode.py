"""One episode: reset -> step(assistant message)* -> reward. Never raises on agent input.

The environment owns the chat (`messages`, OpenAI format) so that every backend, the oracle, the
evaluation runner and the RL trainers see exactly the same dialogue. A bad query is an
observation (Salesforce's error list), a malformed turn is a format reminder; both cost a turn.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from crmweaver.env.actions import Action, parse_react, parse_tool_call
from crmweaver.env.prompts import company_name, system_prompt
from crmweaver.errors import ConfigError
from crmweaver.org.store import Org
from crmweaver.scoring import Extractor, Judge, Score, score
from crmweaver.soql.query import run as run_query
from crmweaver.tasks.row import TaskRow
from crmweaver.tasks.types import OBJECTS, TASK_TYPES

Termination = Literal["respond", "max_turns", "user_stop", "infra_error"]
QueryRunner = Callable[[str], "dict | list[dict]"]
"""Where an episode's queries run: SOQL or SOSL text in, Salesforce's result or error list out
(soql.query.run's contract). None runs them on the org file's engine."""

FORMAT_REMINDER = (
    "Your message had no valid action. Think inside <thought></thought>, then either run a query with "
    "<execute>SOQL or SOSL</execute> or answer with <respond>your answer</respond>."
)
TOOLS_REMINDER = "Your message called no tool. Call execute_soql, execute_sosl, or respond with your final answer."
MAX_TURN_CHARS = 100_000  # of one model turn: a runaway or hostile reply is cut, not kept (twice) in every record


SCHEMAS = ("full", "task")  # what the prompt's schema section describes: every object, or the task type's


def turn_budget(tasks: Any, spare: int = 2) -> int:
    """Turns an episode gets: the most reference steps (queries) any of `tasks` needs, plus `spare`
    (the answer, and one turn to recover from a mistake). A budget below that makes the tasks
    unsolvable, even for the oracle."""
    steps = [len(t.reference.steps) for t in tasks if getattr(t, "reference", None) is not None]
    return max(steps, default=1) + spare


def observation_text(result: Any) -> str:
    """A query result as the agent reads it: compact JSON without the records' `attributes` (an API url per
    record: a quarter of a result's tokens), but for a SOSL record's object type, which its fields do not say.
    CRMArena-Pro's harness, too, shows the agent a query's records rather than the REST metadata."""
    def strip(value: Any, sosl: bool = False) -> Any:
        if isinstance(value, list):
            return [strip(v, sosl) for v in value]
        if not isinstance(value, dict):
            return value
        kept = {k: strip(v) for k, v in value.items() if k != "attributes"}
        attributes = value.get("attributes") if sosl else None
        kind = attributes.get("type") if isinstance(attributes, dict) else None
        return {"type": kind, **kept} if kind else kept

    if isinstance(result, dict) and "searchRecords" in result:
        result = {**result, "searchRecords": strip(result["searchRecords"], sosl=True)}
    else:
        result = strip(result)
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))


def check_schema(schema: str) -> None:
    if schema not in SCHEMAS:
        raise ConfigError(f"schema must be full or task, not {schema!r}")


@dataclass
class EnvConfig:
    max_turns: int = 20
    observation_chars: int = 6000  # longer observations are cut with a marker
    protocol: Literal["react", "tools"] = "react"
    aided: bool = False  # also show metadata.optional (domain details)
    confidentiality: bool = False  # add the confidentiality-aware instructions
    schema: Literal["full", "task"] = "full"  # task: describe only the task type's objects (tasks.types.OBJECTS)
    query_timeout_s: float = 5.0
    max_rows: int = 2000

    def __post_init__(self) -> None:
        check_schema(self.schema)


@dataclass(frozen=True)
class UserTurn:
    text: str
    stop: bool = False


class SimulatedUser(Protocol):
    """Multi-turn mode: the user opens the conversation and answers each agent response."""

    def opening(self) -> str: ...

    def reply(self, agent_message: str) -> UserTurn: ...


@dataclass
class StepResult:
    action: Action
    observation: str | None  # what the agent sees next (None once done)
    done: bool


@dataclass
class Episode:
    org: Org
    task: TaskRow
    config: EnvConfig = field(default_factory=EnvConfig)
    guideline: str | None = None  # a memory item shown in the system prompt
    user: SimulatedUser | None = None
    extractor: Extractor | None = None  # scoring hooks (e.g. an LLM extractor/judge); None: the rule-based ones
    judge: Judge | None = None
    queries: QueryRunner | None = None  # e.g. a live org (evaluate.salesforce); None: the org file's engine
    messages: list[dict[str, Any]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    turns: int = 0
    done: bool = False
    termination: Termination | None = None
    response: str | None = None  # the final answer that is scored

    def reset(self) -> list[dict[str, Any]]:
        """The opening messages: the system prompt and the user's request."""
        ttype = TASK_TYPES[self.task.task]
        system = system_prompt(
            self.org.schema,
            company=company_name(self.org),
            persona=ttype.persona,
            required=self.task.metadata.required,
            optional=self.task.metadata.optional if self.config.aided else "",
            protocol=self.config.protocol,
            confidentiality=self.config.confidentiality,
            guideline=self.guideline,
            objects=OBJECTS[self.task.task] if self.config.schema == "task" else None,
        )
        if self.task.persona:
            system += "\n\n# The user\n" + self.task.persona
        first = self.user.opening() if self.user else self.task.query
        self.messages = [{"role": "system", "content": system}, {"role": "user", "content": first}]
        self.actions, self.turns, self.done, self.termination, self.response = [], 0, False, None, None
        return list(self.messages)

    def step(self, text: str | None = None, tool_calls: list[dict[str, Any]] | None = None) -> StepResult:
        """Apply one assistant turn (text for ReAct; tool calls for the tools protocol)."""
        if self.done:
            return StepResult(Action("invalid", "episode already finished"), None, True)
        self.turns += 1
        if text and len(text) > MAX_TURN_CHARS:
            text = text[:MAX_TURN_CHARS]
        if self.config.protocol == "tools":
            action, replies = self._tool_turn(text, tool_calls or [])
        else:
            self.messages.append({"role": "assistant", "content": text or ""})
            action, replies = parse_react(text), None
        self.actions.append(action)
        observation = self._act(action)
        if replies is not None:  # tools: one tool message per call id, the first carries the observation
            user_speaks = action.kind == "respond" or not replies  # the user's words come as a user message
            for i, call_id in enumerate(replies):
                if i > 0:
                    content = "Only one action per turn; this call was ignored."
                else:
                    content = "Your response was sent to the user." if user_speaks else (observation or "")
                self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})
            if user_speaks and observation:
                self.messages.append({"role": "user", "content": observation})
        elif observation is not None:
            self.messages.append({"role": "user", "content": observation})
        if not self.done and self.turns >= self.config.max_turns:
            self._finish("max_turns")
        return StepResult(action, None if self.done else observation, self.done)

    def _tool_turn(self, text: str | None, tool_calls: list[dict[str, Any]]) -> tuple[Action, list[str]]:
        message: dict[str, Any] = {"role": "assistant", "content": text or ""}
        if tool_calls:
            message["tool_calls"] = tool_calls
        self.messages.append(message)
        if not tool_calls:
            return Action("invalid", "no tool call"), []
        fn = tool_calls[0].get("function") or {}
        action = parse_tool_call(fn.get("name"), fn.get("arguments"))
        return action, [str(c.get("id", f"call_{i}")) for i, c in enumerate(tool_calls)]

    def _act(self, action: Action) -> str | None:
        if action.kind == "execute":
            if self.queries is not None:
                result = self.queries(action.content)
            else:
                result = run_query(self.org, action.content, timeout_s=self.config.query_timeout_s, max_rows=self.config.max_rows)
            return self._truncate(observation_text(result))
        if action.kind == "respond":
            if self.user is None:
                self.response = action.content
                self._finish("respond")
                return None
            turn = self.user.reply(action.content)
            self.response = action.content
            if turn.stop:
                self._finish("user_stop")
                return None
            return turn.text
        return TOOLS_REMINDER if self.config.protocol == "tools" else FORMAT_REMINDER

    def _truncate(self, text: str) -> str:
        limit = self.config.observation_chars
        if len(text) <= limit:
            return text
        return text[:limit] + f"\n... [truncated: {len(text) - limit} more characters; narrow the query with WHERE, fewer fields or LIMIT]"

    def _finish(self, how: Termination) -> None:
        self.done, self.termination = True, how

    def fail(self, how: Termination = "infra_error") -> None:
        """End the episode without an answer (e.g. the model backend failed)."""
        self.response = None
        self._finish(how)

    def reward(self) -> Score:
        """CRMArena-Pro's score of the final answer; 0 when the episode ended without one.

        Raises scoring.ScorerError when a plugged-in extractor or judge fails (an infra error)."""
        if self.termination == "max_turns" or self.termination == "infra_error":
            return score(self.task.model_dump(), None, actions=self.actions)
        return score(self.task.model_dump(), self.response, actions=self.actions, extractor=self.extractor, judge=self.judge)
