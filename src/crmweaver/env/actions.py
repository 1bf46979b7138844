"""Turning what a model emits into one action: ReAct tags or native tool calls.

The ReAct parser is forgiving the way CRMArena-Pro's agents need: tags in any case, a code fence
inside `<execute>`, prose around the tags, a missing close tag. The first action in the text
wins. Nothing a model writes raises: unparseable text becomes an `invalid` action.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["execute", "respond", "invalid"]

_OPEN = re.compile(r"<\s*(execute|respond)\s*>", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)

TOOL_SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "execute_soql",
            "description": "Run a read-only SOQL query on the org and return the JSON result or Salesforce's error list.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string", "description": "A SOQL SELECT statement."}}, "required": ["query"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "execute_sosl",
            "description": "Run a SOSL text search (FIND {...} IN ... RETURNING ...) on the org.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string", "description": "A SOSL FIND statement."}}, "required": ["query"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "respond",
            "description": "Give the final answer to the user (ends the task).",
            "parameters": {"type": "object", "properties": {"content": {"type": "string", "description": "The answer."}}, "required": ["content"]},
        },
    },
]


@dataclass(frozen=True)
class Action:
    kind: Kind
    content: str  # the query, the answer, or why the turn was invalid


def _unfence(text: str) -> str:
    m = _FENCE.match(text)
    return (m.group(1) if m else text).strip()


def parse_react(text: str | None) -> Action:
    """The first `<execute>` or `<respond>` in the text; missing close tags run to the next tag or the end."""
    if not text:
        return Action("invalid", "empty message")
    m = _OPEN.search(text)
    if m is None:
        return Action("invalid", "no <execute> or <respond> tag")
    kind = m.group(1).lower()
    rest = text[m.end():]
    close = re.search(rf"<\s*/\s*{kind}\s*>", rest, re.IGNORECASE)
    if close:
        body = rest[: close.start()]
    else:  # missing close tag: stop at the next tag of any kind
        nxt = re.search(r"<\s*/?\s*(execute|respond|thought)\s*>", rest, re.IGNORECASE)
        body = rest[: nxt.start()] if nxt else rest
    body = _unfence(body) if kind == "execute" else body.strip()
    if kind == "execute" and not body:
        return Action("invalid", "empty <execute>")
    return Action(kind, body)  # type: ignore[arg-type]


def parse_tool_call(name: str | None, arguments: str | dict | None) -> Action:
    """A native tool call (name + JSON arguments) as an action."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return Action("invalid", f"arguments of {name} are not valid JSON")
    if not isinstance(arguments, dict):
        return Action("invalid", f"arguments of {name} must be a JSON object")
    if name in ("execute_soql", "execute_sosl"):
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            return Action("invalid", f"{name} needs a non-empty 'query' string")
        return Action("execute", _unfence(query))
    if name == "respond":
        content = arguments.get("content", arguments.get("answer"))
        if not isinstance(content, str):
            return Action("invalid", "respond needs a 'content' string")
        return Action("respond", content.strip())
    return Action("invalid", f"unknown tool {name!r}; use execute_soql, execute_sosl or respond")
