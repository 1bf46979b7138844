"""CRMEnv: the one episode API that every trainer adapter wraps (Gymnasium-style reset/step).

    env = CRMEnv.from_task(task, "org.db")              # a task row (dict or TaskRow) and an org
    messages = env.reset()                              # [system prompt, the user's request]
    observation, reward, done, info = env.step("<execute>SELECT Id FROM Case LIMIT 1</execute>")
    observation, reward, done, info = env.step({"name": "respond", "arguments": {"content": "500..."}})

An action is what a model emits: its text (ReAct tags), one tool call (`{"name", "arguments"}` or
OpenAI's `{"id", "function": {...}}`), a list of tool calls, or a whole assistant message
(`{"content", "tool_calls"}`). Parsing is `env.actions`'; the dialogue, turn limit and observation
cut are the `Episode`'s; the reward is `scoring.score` of the final answer, 0 until the episode ends.
`crmweaver eval`, TRL, verl, verifiers and Gymnasium all step this same object, so they give the
same reward on the same dialogue.

Cheap to copy (`env.copy()`: a fresh episode on the same task and org, no I/O) and safe across
threads: off the main thread an episode queries the org through that thread's own read-only
SQLite connection (the query timeout is a per-connection progress handler, so two threads must
never share one). One CRMEnv is one episode: step it from one thread at a time.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from crmweaver.env.actions import Action, parse_react, parse_tool_call
from crmweaver.env.episode import FORMAT_REMINDER, EnvConfig, Episode, QueryRunner, SimulatedUser
from crmweaver.org.store import Org, open_org
from crmweaver.scoring import Extractor, Judge, Score, ScorerError, score
from crmweaver.tasks.row import TaskRow

_local = threading.local()


def thread_org(path: str | Path) -> Org:
    """This thread's read-only connection to the org at `path` (opened once per thread)."""
    orgs: dict[str, Org] = _local.__dict__.setdefault("orgs", {})
    key = str(Path(path).resolve())
    if key not in orgs:
        orgs[key] = open_org(key)
    return orgs[key]


def as_task(task: TaskRow | dict[str, Any] | str) -> TaskRow:
    """A task row from a TaskRow, a dict (a CRMArena-Pro or crmweaver row) or its JSON text."""
    if isinstance(task, TaskRow):
        return task
    if isinstance(task, str):
        return TaskRow.model_validate_json(task)
    return TaskRow.model_validate(task)


class CRMEnv:
    """One episode of one task on one org: reset() -> opening messages; step(action) -> (observation, reward, done, info)."""

    def __init__(self, task: TaskRow | dict[str, Any] | str, org: Org | str | Path, config: EnvConfig | None = None, *,
                 guideline: str | None = None, user: SimulatedUser | None = None,
                 extractor: Extractor | None = None, judge: Judge | None = None, queries: QueryRunner | None = None):
        self.task = as_task(task)
        self.org_path = Path(org.path if isinstance(org, Org) else org)
        self._org = org if isinstance(org, Org) else None
        self.config = config or EnvConfig()
        self.hooks = {"guideline": guideline, "user": user, "extractor": extractor, "judge": judge, "queries": queries}
        self.episode = Episode(self.org(), self.task, self.config, **self.hooks)  # the state machine under this API

    @classmethod
    def from_task(cls, task: TaskRow | dict[str, Any] | str, org: Org | str | Path, **options: Any) -> "CRMEnv":
        """`options`: EnvConfig fields (protocol, max_turns, schema, aided, ...) and guideline, user,
        extractor, judge, queries (Episode's hooks), or a whole `config`."""
        hooks = {k: options.pop(k) for k in ("guideline", "user", "extractor", "judge", "queries") if k in options}
        config = options.pop("config", None) or EnvConfig()
        return cls(task, org, replace(config, **options) if options else config, **hooks)

    def copy(self) -> "CRMEnv":
        """A fresh, unstarted episode on the same task, org and settings (one per rollout)."""
        return CRMEnv(self.task, self._org if self._org is not None else self.org_path, self.config, **self.hooks)

    __copy__ = copy

    def org(self) -> Org:
        """The org for the calling thread: a caller's open Org on the main thread, else this
        thread's own read-only connection to the same file."""
        if self._org is not None and threading.current_thread() is threading.main_thread():
            return self._org
        return thread_org(self.org_path)

    # --- the episode ---------------------------------------------------------------------------

    def reset(self) -> list[dict[str, Any]]:
        """Start (or restart) the episode; returns the opening messages: the system prompt and the user's request."""
        self.episode.org = self.org()
        return self.episode.reset()

    def step(self, action: Any) -> tuple[str, float, bool, dict[str, Any]]:
        """Apply one model turn. Never raises on what a model emits: a malformed action is a format
        reminder (and costs a turn). `info`: the parsed `action`, the `messages` this turn added,
        and once done the `termination` and the `score` (scoring.Score)."""
        episode = self.episode
        if not episode.messages:
            self.reset()
        before = len(episode.messages)
        text, tool_calls = split_action(action)
        episode.org = self.org()  # a copy stepped from another thread uses that thread's connection
        result = episode.step(text, tool_calls)
        info: dict[str, Any] = {"action": result.action, "messages": episode.messages[before:], "turns": episode.turns}
        reward = 0.0
        if result.done:
            try:
                s = self.score()
            except ScorerError as e:  # a plugged-in extractor/judge failed: an infra error, scored 0 (as eval records it)
                s = Score(0.0, self.task.reward_metric, None, "scorer failed")
                info["infra_error"] = f"scoring: {e}"
            reward = float(s.reward)
            info.update(termination=episode.termination, score=s)
        return result.observation or "", reward, result.done, info

    def score(self) -> Score:
        """scoring.score of the episode so far (0 until it ends with an answer)."""
        return self.episode.reward()

    @property
    def done(self) -> bool:
        return self.episode.done

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.episode.messages


def split_action(action: Any) -> tuple[str | None, list[dict[str, Any]] | None]:
    """(text, OpenAI tool calls) of a model turn in any of the accepted shapes; anything else is
    text (so an unrecognised action becomes the Episode's invalid turn, never an exception)."""
    if action is None or isinstance(action, str):
        return action, None
    if isinstance(action, dict):
        if "tool_calls" in action or action.get("role") == "assistant":
            calls = action.get("tool_calls") or []
            calls = calls if isinstance(calls, list | tuple) else [calls]
            return _text(action.get("content")), [_tool_call(c, i) for i, c in enumerate(calls)] if calls else None
        if "name" in action or "function" in action:
            return None, [_tool_call(action, 0)]
    if isinstance(action, list | tuple) and all(isinstance(c, dict) for c in action):
        return None, [_tool_call(c, i) for i, c in enumerate(action)] or None
    return str(action), None


def _text(content: Any) -> str | None:
    if isinstance(content, list):  # typed content blocks
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return content if content is None or isinstance(content, str) else str(content)


def _tool_call(call: Any, i: int) -> dict[str, Any]:
    call = call if isinstance(call, dict) else {}
    fn = call.get("function") if isinstance(call.get("function"), dict) else call
    args = fn.get("arguments", {})
    name = fn.get("name")
    return {"id": str(call.get("id") or f"call_{i}"), "type": "function",
            "function": {"name": name if isinstance(name, str) else None,
                         "arguments": args if isinstance(args, str) else json.dumps(args, default=str)}}


# --- a finished transcript, scored the same way ------------------------------------------------

_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)
_TAG = re.compile(r"<\s*(execute|respond)\s*>", re.IGNORECASE)


def transcript_actions(text: str) -> list[Action]:
    """Every action in a decoded multi-turn transcript, in order: ReAct tags and Hermes-style
    `<tool_call>{"name", "arguments"}</tool_call>` blocks (what verl's reward function receives).
    The environment's own format reminder (which shows the tags) is not the model's."""
    text = (text or "").replace(FORMAT_REMINDER, "")
    found: list[tuple[int, Action]] = []
    for m in _TAG.finditer(text):
        found.append((m.start(), parse_react(text[m.start():])))
    for m in _TOOL_CALL.finditer(text):
        try:
            call = json.loads(m.group(1))
        except json.JSONDecodeError:
            found.append((m.start(), Action("invalid", "tool call is not valid JSON")))
            continue
        if isinstance(call, dict):
            found.append((m.start(), parse_tool_call(call.get("name"), call.get("arguments"))))
    return [a for _, a in sorted(found, key=lambda x: x[0]) if a.kind != "invalid"]


def score_transcript(task: TaskRow | dict[str, Any] | str, text: str) -> Score:
    """scoring.score of a transcript's last answer with its actions (0 when it never answered)."""
    actions = transcript_actions(text)
    answers = [a.content for a in actions if a.kind == "respond"]
    return score(as_task(task).model_dump(), answers[-1] if answers else None, actions=actions)
