"""Simulated users for multi-turn episodes (CRMArena-Pro's interactive protocol).

The user knows the task (its query, persona and facts), opens with a vague request, reveals the
details only when the agent asks, never invents facts it was not given, and stops once the
agent answers. The scripted user is deterministic; the LLM user plays the same role through any
model backend.
"""

from __future__ import annotations

from typing import Any

from crmweaver.env.episode import UserTurn
from crmweaver.tasks.row import TaskRow
from crmweaver.tasks.types import TASK_TYPES

STOP = "###STOP###"
MAX_REPLIES = 4

OPENERS = {
    "workflow": "Hi, I need help routing some work to the right person.",
    "policy": "Hello, can you check something against our company policies for me?",
    "text": "Hi, I have a question that needs some digging through our records.",
    "database": "Hey, I need a quick analysis of our CRM data.",
    "confidentiality": "Hi there, I was hoping you could look something up for me.",
}
EXTERNAL_OPENER = "Hello, I'm a customer and I have a question."
NOTHING_MORE = "That's everything I know — I don't have any other details."


def is_question(message: str) -> bool:
    """Whether the agent is asking the user something rather than answering."""
    return message.rstrip().endswith("?")


class ScriptedUser:
    """Deterministic: vague opener, then the full request on the first question, then the facts."""

    def __init__(self, task: TaskRow):
        self.task = task
        self.replies = 0

    def opening(self) -> str:
        ttype = TASK_TYPES[self.task.task]
        if ttype.persona == "external" and ttype.skill != "confidentiality":
            return EXTERNAL_OPENER
        return OPENERS[ttype.skill]

    def reply(self, agent_message: str) -> UserTurn:
        self.replies += 1
        if not is_question(agent_message) or self.replies > MAX_REPLIES:
            return UserTurn(STOP, stop=True)
        if self.replies == 1:
            return UserTurn(self.task.query)
        facts = self.task.facts or {}
        if self.replies - 2 < len(facts):
            key, value = sorted(facts.items())[self.replies - 2]
            return UserTurn(f"{key.replace('_', ' ')}: {value}")
        return UserTurn(NOTHING_MORE)


USER_PROMPT = """You are role-playing a user talking to a CRM assistant. Stay in character.
Your request, which you must NOT state all at once: {query}
Who you are: {persona}
Facts you know (reveal one at a time, only when asked): {facts}
Rules:
- Start with a short, vague version of your request.
- When the assistant asks a question, answer it using only the request and facts above; never invent details.
- When the assistant gives an answer to your request, reply with exactly {stop}."""


class LLMUser:
    """A simulated user played by a model backend (any `agent.backend.Backend`)."""

    def __init__(self, task: TaskRow, backend: Any):
        self.task = task
        self.backend = backend
        self.history: list[dict[str, str]] = [
            {
                "role": "system",
                "content": USER_PROMPT.format(query=task.query, persona=task.persona or "a user", facts=task.facts or {}, stop=STOP),
            }
        ]

    def _say(self) -> str:
        text = (self.backend.generate(self.history).text or "").strip()
        self.history.append({"role": "assistant", "content": text})
        return text

    def opening(self) -> str:
        self.history.append({"role": "user", "content": "(The assistant is waiting for your first message.)"})
        return self._say()

    def reply(self, agent_message: str) -> UserTurn:
        self.history.append({"role": "user", "content": agent_message})
        text = self._say()
        if STOP in text or len(self.history) > 2 * (MAX_REPLIES + 2):
            return UserTurn(STOP, stop=True)
        return UserTurn(text)
