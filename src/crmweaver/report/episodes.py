"""Episodes for the trajectory viewer: a light index row per episode, and its turns made readable.

Each assistant turn is parsed with the environment's own action parsers (env.actions), queries are
highlighted by Pygments, and each observation becomes a table (records), an error (Salesforce's
error list) or text. An episode's details are gzip-compressed and base64-encoded one by one, so a
page holding 10,000 episodes stays small and the browser decodes only the ones opened. System
prompts (the long org schema) are stored once per distinct text.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from functools import lru_cache
from typing import Any

from crmweaver.env.actions import parse_react, parse_tool_call
from crmweaver.env.episode import FORMAT_REMINDER, TOOLS_REMINDER
from crmweaver.evaluate.record import ResultRecord
from crmweaver.evaluate.summary import org_family, skill_of

GUIDELINE = "# Guideline from similar tasks\n"
_THOUGHT = re.compile(r"<\s*thought\s*>(.*?)(?:<\s*/\s*thought\s*>|(?=<\s*(?:execute|respond)\s*>)|$)", re.IGNORECASE | re.DOTALL)
MAX_ROWS = 50  # rows of an observation shown as a table (the agent saw them all, up to the env's cut)


@lru_cache(maxsize=4096)
def highlight(query: str) -> str:
    """SOQL/SOSL as HTML spans (Pygments' SQL lexer; SOQL is SQL-shaped, SOSL close enough)."""
    from pygments import highlight as pyg
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import SqlLexer

    return pyg(query, SqlLexer(), HtmlFormatter(nowrap=True, classprefix="hl-")).rstrip("\n")


def _cell(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else json.dumps(value, ensure_ascii=False)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A record's fields with relationship fields as Account.Name (the `attributes` left out)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and "records" not in value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = _cell(value)
    return out


def observation(text: str) -> dict[str, Any]:
    """{"table": {...}} for a query result, {"error": [...]} for Salesforce's error list, else {"text": ...}."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):  # a result cut at the env's observation_chars is JSON no more
        return {"text": text, "cut": True} if text.lstrip().startswith(("{", "[")) else {"text": text}
    if isinstance(value, list) and value and all(isinstance(e, dict) and "errorCode" in e for e in value):
        return {"error": [f"{e.get('errorCode')}: {e.get('message', '')}" for e in value]}
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        rows = [_flatten(r) if isinstance(r, dict) else {"value": _cell(r)} for r in value["records"]]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        return {"table": {"columns": columns, "rows": [[r.get(c) for c in columns] for r in rows[:MAX_ROWS]],
                          "total": value.get("totalSize", len(rows)), "shown": min(len(rows), MAX_ROWS)}}
    if isinstance(value, list):  # SOSL: one list of records per object
        rows = [_flatten(r) for r in value if isinstance(r, dict)]
        columns = list(dict.fromkeys(k for r in rows for k in r))
        return {"table": {"columns": columns, "rows": [[r.get(c) for c in columns] for r in rows[:MAX_ROWS]],
                          "total": len(rows), "shown": min(len(rows), MAX_ROWS)}}
    return {"text": text}


def _assistant(message: dict[str, Any]) -> dict[str, Any]:
    text = message.get("content") or ""
    calls = message.get("tool_calls") or []
    if calls:
        fn = calls[0].get("function") or {}
        action = parse_tool_call(fn.get("name"), fn.get("arguments"))
    else:
        action = parse_react(text)
    m = _THOUGHT.search(text)
    turn: dict[str, Any] = {"role": "assistant", "kind": action.kind,
                            "thought": (m.group(1).strip() if m else (text.strip() if calls else "")) or None}
    if action.kind == "execute":
        turn["query"] = highlight(action.content)
    elif action.kind == "respond":
        turn["answer"] = action.content
    else:
        turn["invalid"] = action.content
        turn["text"] = text
    return turn


def guideline(system: str) -> str | None:
    """The memory guideline shown in the system prompt, if any."""
    if GUIDELINE not in system:
        return None
    return system.split(GUIDELINE, 1)[1].split("\n\n# The user\n", 1)[0].strip()


def detail(record: ResultRecord, systems: dict[str, int]) -> dict[str, Any]:
    """The readable episode: request, guideline, turns, answer next to gold and extracted items."""
    messages = record.messages
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    if system not in systems:
        systems[system] = len(systems)
    turns: list[dict[str, Any]] = []
    request = None
    for m in messages:
        role = m.get("role")
        if role == "system":
            continue
        if role == "assistant":
            turns.append(_assistant(m))
        elif role == "user" and request is None:
            request = m.get("content") or ""
        elif role in ("user", "tool"):
            content = m.get("content") or ""
            obs = observation(content)
            speaker = ("environment" if content in (FORMAT_REMINDER, TOOLS_REMINDER)
                       else "user" if role == "user" and "text" in obs and not obs.get("cut") else "observation")
            turns.append({"role": speaker, **obs})
    details = record.reward_details
    return {
        "system": systems[system], "request": request, "guideline": guideline(system), "turns": turns,
        "response": record.response, "expected": record.expected, "extracted": details.get("extracted"),
        "metric": details.get("metric"), "detail": details.get("detail"), "memory": record.memory,
        "infra_error": record.infra_error, "traceback": record.traceback,
    }


def index_row(record: ResultRecord, run: int) -> list[Any]:
    """The viewer's filterable row: [run, type, skill, org, reward, termination, turns, queries, idx, trial, task_key, infra]."""
    return [run, record.task, skill_of(record), org_family(record), record.reward, record.termination or "-", record.turns,
            record.tool_calls, record.idx, record.trial, record.task_key or f"{record.task}/{record.idx}", bool(record.infra_error)]


INDEX_COLUMNS = ["run", "task", "skill", "org", "reward", "termination", "turns", "queries", "idx", "trial", "task_key", "infra"]


def pack(value: Any) -> str:
    """gzip + base64 of the JSON (the browser's DecompressionStream reads it back)."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def viewer_data(runs: list[list[ResultRecord]]) -> dict[str, Any]:
    """Index rows, packed details (same order) and the distinct system prompts, for runs' records."""
    systems: dict[str, int] = {}
    index, packed = [], []
    for i, records in enumerate(runs):
        for r in records:
            index.append(index_row(r, i))
            try:
                shown = detail(r, systems)
            except Exception as e:  # a hand-edited or foreign record: the page still opens, this episode says why
                shown = {"system": 0, "request": None, "guideline": None, "turns": [], "response": r.response,
                         "expected": r.expected, "extracted": None, "metric": None, "detail": None, "memory": [],
                         "infra_error": f"this episode's messages could not be read ({type(e).__name__}: {e})", "traceback": None}
                systems.setdefault("", len(systems))
            packed.append(pack(shown))
    return {"columns": INDEX_COLUMNS, "index": index, "details": packed, "systems": pack(list(systems))}
