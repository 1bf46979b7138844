"""The one interface every model backend implements: messages in, text or tool calls out.

A backend failure (endpoint down, timeout, bad credentials, a missing extra) is an `InfraError`:
the runner counts it apart from agent failures, as CRMArena-Pro should have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from crmweaver.errors import CrmweaverError
from crmweaver.tasks.row import TaskRow


class InfraError(CrmweaverError):
    """The backend could not produce a reply; not the agent's fault."""


@dataclass
class Generation:
    text: str | None
    tool_calls: list[dict[str, Any]] | None = None  # OpenAI format: {"id", "type": "function", "function": {"name", "arguments"}}
    prompt_tokens: int = 0
    completion_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # backend-specific (e.g. sampled token ids for RL)


class Backend(Protocol):
    name: str

    def generate(self, messages: list[dict[str, Any]], *, tools: list[dict] | None = None, task: TaskRow | None = None) -> Generation:
        """The assistant's next message. `task` is for backends that follow a script (the oracle)."""
        ...


class ScriptedBackend:
    """Replies from a list, in order (tests queue replies into it, as simonw/llm's MockModel)."""

    name = "scripted"

    def __init__(self, replies: list[str | Generation | Exception]):
        self.replies = list(replies)
        self.calls: list[list[dict[str, Any]]] = []

    def generate(self, messages, *, tools=None, task=None) -> Generation:
        self.calls.append([dict(m) for m in messages])
        if not self.replies:
            raise InfraError("scripted backend has no replies left")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, Generation) else Generation(reply)
