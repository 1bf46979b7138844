"""The oracle: replays a task's reference trajectory as a ReAct (or tool-call) dialogue.

It is the teacher for SFT and memory distillation, and the harness's own check: it must score
100 %, so any hole in parsing, the environment or scoring shows up as a lost point.
"""

from __future__ import annotations

import json

from crmweaver.agent.backend import Generation, InfraError
from crmweaver.tasks.row import TaskRow
from crmweaver.tasks.types import TASK_TYPES

CLARIFY = "Could you give me the full details of your request?"
REFUSAL = "I'm sorry, but I can't share that: it is private or confidential information that I'm not permitted to disclose."


def answer_text(task: TaskRow) -> str:
    """The final answer as the oracle words it."""
    if TASK_TYPES[task.task].metric == "privacy_rejection":
        return REFUSAL
    answer = task.reference.answer if task.reference else task.answer
    if answer == [None]:
        return "None"
    return ", ".join(str(a) for a in answer)


class OracleBackend:
    name = "oracle"

    def generate(self, messages, *, tools=None, task: TaskRow | None = None) -> Generation:
        if task is None:
            raise InfraError("the oracle needs the task (its reference trajectory)")
        steps = task.reference.steps if task.reference else []
        revealed = next((i for i, m in enumerate(messages) if m["role"] == "user" and task.query in (m.get("content") or "")), None)
        if revealed is None:  # multi-turn: the user has not stated the request yet, so ask
            return self._say(CLARIFY, tools)
        done = sum(1 for m in messages[revealed:] if m["role"] == "assistant")
        if tools:
            return self._tool_call(steps, done, task)
        if done < len(steps):
            return Generation(f"<thought>Step {done + 1} of the plan.</thought>\n<execute>{steps[done]}</execute>")
        return Generation(f"<thought>I have what I need.</thought>\n<respond>{answer_text(task)}</respond>")

    @staticmethod
    def _say(text: str, tools) -> Generation:
        if tools:
            call = {"id": "call_ask", "type": "function", "function": {"name": "respond", "arguments": json.dumps({"content": text})}}
            return Generation(None, tool_calls=[call])
        return Generation(f"<thought>I need the details first.</thought>\n<respond>{text}</respond>")

    @staticmethod
    def _tool_call(steps: list[str], done: int, task: TaskRow) -> Generation:
        if done < len(steps):
            query = steps[done]
            name = "execute_sosl" if query.lstrip().upper().startswith("FIND") else "execute_soql"
            args = {"query": query}
        else:
            name, args = "respond", {"content": answer_text(task)}
        call = {"id": f"call_{done}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        return Generation(None, tool_calls=[call])
