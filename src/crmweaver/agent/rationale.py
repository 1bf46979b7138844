"""The oracle's thoughts: each says where the values it is about to use come from.

A student imitates the teacher's thoughts as well as its actions. "Step 2 of the plan." teaches a
small model nothing: it cannot tell when the plan ends and copies query shapes with invented
values. A thought that names each value next to its source ("01tWt000000008IAA from the request",
"005Wt...: the OwnerId of record 1 in the last result") puts the copy beside what it copies, and
the answer turn says which record of which result holds the answer, so the student learns to read
results, not to guess them. The thoughts state only facts found in the dialogue; when the answer
is computed (an average, a judgement over text) they say so instead of pointing at a record.
"""

from __future__ import annotations

import json
import re
from typing import Any

from crmweaver.soql.errors import SoqlError
from crmweaver.soql.lexer import IDENT, STRING, tokenize

MAX_NAMED = 3  # values named in one thought: more makes the thought longer than the query
_PAIR = re.compile(r'"(\w+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)')
_FIND = re.compile(r"\s*FIND\s*\{((?:[^{}\\]|\\.)*)\}", re.IGNORECASE)


def observations(messages: list[dict[str, Any]], start: int) -> list[str]:
    """The query results the agent has seen since message `start` (the request), oldest first."""
    return [m.get("content") or "" for m in messages[start + 1:]
            if m["role"] in ("user", "tool") and (m.get("content") or "").lstrip()[:1] in ("{", "[")]


def _records(observation: str) -> list[Any] | None:
    try:
        data = json.loads(observation)
    except ValueError:
        return None  # cut at observation_chars: read as text
    if isinstance(data, dict):
        return data.get("records", data.get("searchRecords"))
    return None


def _fields(record: Any, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(field path, value as text) of a record, nested relationships and subqueries included."""
    out: list[tuple[str, str]] = []
    if isinstance(record, dict):
        for key, value in record.items():
            if key != "attributes":
                out += _fields(value, path if key == "records" else (*path, key))
    elif isinstance(record, list):
        for value in record:
            out += _fields(value, path)
    elif record is not None and path:
        out.append((".".join(path), str(record)))
    return out


def locate(value: str, observation: str) -> tuple[int | None, str] | None:
    """(record number from 1, or None when the result was cut; field) where a result holds `value`."""
    records = _records(observation)
    if records is None:
        for key, raw in _PAIR.findall(observation):
            if key != "url" and (json.loads(raw) if raw.startswith('"') else raw) == value:
                return None, key
        return None
    for number, record in enumerate(records, 1):
        field = next((f for f, v in _fields(record) if v == value), None)
        if field:
            return number, field
    return None


def _mentions(text: str, value: str) -> bool:
    return bool(value) and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE) is not None


def _in_results(value: str, seen: list[str]) -> str | None:
    """The latest result that holds `value`, and where in it, in words."""
    for back, observation in enumerate(reversed(seen)):
        found = locate(value, observation)
        if found:
            number, field = found
            result = "the last result" if back == 0 else "an earlier result"
            return f"the {field} of record {number} in {result}" if number else f"the {field} in {result}"
    return None


def _where(value: str, request: str, context: str, seen: list[str]) -> str | None:
    """A value's source in words: the request, the task context, or the latest result that holds it."""
    if _mentions(request, value):
        return "from the request"
    if _mentions(context, value):
        return "from the task context"
    return _in_results(value, seen)


def _literals(query: str) -> tuple[str, list[str]]:
    """(object queried, string literals or search words) of a SOQL or SOSL query."""
    m = _FIND.match(query)
    if m:
        words = [w.strip('"') for w in re.findall(r'"[^"]*"|[^\s()"]+', m.group(1)) if w.upper() not in ("AND", "OR", "NOT")]
        return "the org", words
    try:
        tokens = tokenize(query)
    except SoqlError:
        return "the org", []
    obj, depth = "the org", 0
    for i, t in enumerate(tokens[:-1]):
        depth += (t.text == "(") - (t.text == ")") if t.kind != STRING else 0
        if depth == 0 and t.upper == "FROM" and tokens[i + 1].kind == IDENT:
            obj = tokens[i + 1].text  # the outer query's object, not a subquery's
            break
    return obj, [t.text for t in tokens if t.kind == STRING]


def step_thought(query: str, request: str, context: str, seen: list[str]) -> str:
    """The thought before a query: what it reads, and where its values come from."""
    obj, values = _literals(query)
    named = []
    for value in dict.fromkeys(values):
        where = _where(value, request, context, seen)
        if where:
            named.append(f"{value} {where}" if where.startswith("from") else f"{value} ({where})")
    verb = "I search" if obj == "the org" and query.lstrip()[:4].upper() == "FIND" else "I query"
    return f"{verb} {obj}" + (" with " + "; ".join(named[:MAX_NAMED]) if named else "") + "."


def answer_thought(answer: list[Any], request: str, context: str, seen: list[str]) -> str:
    """The thought before the answer: where the answer is, or why it is None."""
    if answer == [None]:
        last = _records(seen[-1]) if seen else None
        if last == []:
            return "The last result has no records: nothing matches, so the answer is None."
        return "No record meets the request's conditions, so the answer is None."
    where = [(str(a), _in_results(str(a), seen[-1:])) for a in answer[:MAX_NAMED]]
    if seen and all(w for _, w in where):  # read off the last result; anything else was worked out, not looked up
        return "The answer is " + "; ".join(f"{a}: {w}" for a, w in where) + "."
    return "I have what I need: the answer follows from these results."
