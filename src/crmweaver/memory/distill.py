"""Distillation: results records (reward + messages) -> compact task guidelines.

Two distillers, one output type (`Guideline`):

- `rule_distill`: deterministic, offline. Successful trajectories become worked plans (worked.py:
  each query with example values, and the values to put there named in words; nothing the model
  chose freely survives) and are grouped by (task type, worked plan); each group becomes one short
  guideline: objects, the worked steps, the derivation, pitfalls read off the plan (date windows,
  transfers, thresholds and ties, None) and the answer format.
- `llm_distill`: through any `Backend`; per task type it shows successful and failed attempts
  side by side (ReasoningBank, ExpeL) and asks for one compact guideline.

Neither writes to a store: `Memory.add` does, with near-duplicate merging.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmweaver.agent.backend import InfraError
from crmweaver.env.actions import parse_react, parse_tool_call
from crmweaver.errors import CrmweaverError
from crmweaver.memory.abstract import abstract_query, abstract_values, compose_key
from crmweaver.memory.worked import WorkedPlan, worked_plan
from crmweaver.tasks.types import ANSWER_KINDS, TASK_TYPES

MAX_KEY_VARIANTS = 24
NAME_KEYS = ("Name", "FirstName", "LastName", "Title", "Subject")


class DistillError(CrmweaverError):
    """Records that cannot be distilled (unreadable file, backend failure); names the fix."""


@dataclass
class Trajectory:
    """What a distiller needs from one results record."""

    id: str
    task_type: str | None
    query: str
    reward: float
    steps: list[str] = field(default_factory=list)  # queries that returned data, in order
    results: list[Any] = field(default_factory=list)  # what each of those steps returned (JSON, or text cut short)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (query, error message)
    answer: str | None = None
    model: str | None = None
    names: set[str] = field(default_factory=set)  # entity strings read in the observations
    context: str = ""  # the task context the agent was shown (system prompt's "# Task context")

    @property
    def skill(self) -> str | None:
        t = TASK_TYPES.get(self.task_type or "")
        return t.skill if t else None


@dataclass
class Guideline:
    """A guideline before it is stored (the store adds id, counters and timestamps)."""

    title: str
    body: str
    key_variants: list[str]  # abstracted task phrasings it should be retrieved by
    task_type: str | None = None
    skill: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    support: int = 1

    @property
    def key_text(self) -> str:
        return "\n".join(self.key_variants)


# --- reading records ---------------------------------------------------------------------------


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Records of `runs/ID` (its results.jsonl) or of a JSONL file; a torn last line is skipped."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DistillError(f"cannot read {path}: {e.strerror}; pass --from runs/ID (a run folder) or a results.jsonl file") from None
    except UnicodeDecodeError:
        raise DistillError(f"{path} is not UTF-8 text; pass --from runs/ID (a run folder) or a results.jsonl file") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, nested too deep, a number of 4,300+ digits
            if number == len(lines):
                continue  # torn last line of a killed run
            raise DistillError(f"{path}, line {number} is not JSON; is this a results.jsonl of crmweaver eval?") from None
        if isinstance(record, dict):
            records.append(record)
    return records


def trajectory(record: dict[str, Any]) -> Trajectory | None:
    """A results record as a trajectory; None for records without a dialogue."""
    messages = record.get("messages") or []
    user = next((m for m in messages if m.get("role") == "user"), None)
    query = record.get("query") or (user or {}).get("content")
    if not query:
        return None
    task = record.get("task")
    task_type = record.get("task_type") or (task.get("task") if isinstance(task, dict) else task)
    tid = record.get("key") or f"{task_type}:{record.get('idx')}:{record.get('trial', 0)}"
    traj = Trajectory(str(tid), task_type if task_type in TASK_TYPES else None, query, float(record.get("reward") or 0.0), model=record.get("model"))
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    found = re.search(r"^# Task context\n(.*?)(?=\n# |\Z)", system, re.DOTALL | re.MULTILINE)
    traj.context = found.group(1).strip() if found else ""
    pending: str | None = None
    for m in messages:
        role = m.get("role")
        if role == "assistant":
            for action in _actions(m):
                if action.kind == "execute":
                    pending = action.content
                elif action.kind == "respond":
                    traj.answer = action.content
        elif role in ("user", "tool") and pending is not None:
            _observe(traj, pending, m.get("content") or "")
            pending = None
    if record.get("response") is not None:
        traj.answer = record["response"]
    return traj


def _actions(message: dict[str, Any]):
    calls = message.get("tool_calls") or []
    if calls:
        fn = calls[0].get("function") or {}
        return [parse_tool_call(fn.get("name"), fn.get("arguments"))]
    return [parse_react(message.get("content"))]


def _observe(traj: Trajectory, query: str, observation: str) -> None:
    try:
        data = json.loads(observation)
    except ValueError:
        data = None
    if isinstance(data, list) and data and isinstance(data[0], dict) and "errorCode" in data[0]:
        traj.errors.append((query, str(data[0].get("message", data[0]["errorCode"]))[:200]))
        return
    traj.steps.append(query)
    traj.results.append(data if data is not None else observation)
    _collect_names(data, traj.names)


def _collect_names(data: Any, out: set[str]) -> None:
    if isinstance(data, dict):
        first, last = data.get("FirstName"), data.get("LastName")
        if isinstance(first, str) and isinstance(last, str):
            out.add(f"{first} {last}")
        for key, value in data.items():
            if key in NAME_KEYS and isinstance(value, str) and 3 <= len(value) <= 120:
                out.add(value)
            elif isinstance(value, (dict, list)):
                _collect_names(value, out)
    elif isinstance(data, list):
        for value in data:
            _collect_names(value, out)


def trajectories(records: list[dict[str, Any]]) -> list[Trajectory]:
    return [t for t in map(trajectory, records) if t is not None]


# --- the rule distiller -----------------------------------------------------------------------


def plan_of(traj: Trajectory) -> WorkedPlan:
    return worked_plan(traj.steps, traj.results, traj.query, traj.context)


def key_of(traj: Trajectory) -> str:
    return compose_key(traj.query, traj.context, traj.names)


def rule_distill(trajs: list[Trajectory], *, success_at: float = 1.0) -> list[Guideline]:
    """One guideline per (task type, distinct worked plan) of the successful trajectories."""
    groups: dict[tuple[str, WorkedPlan], list[Trajectory]] = defaultdict(list)
    for t in trajs:
        if t.task_type and t.reward >= success_at:
            groups[(t.task_type, plan_of(t))].append(t)
    out = []
    for (task_type, plan), members in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1].steps)):
        keys = list(dict.fromkeys(key_of(t) for t in members))[:MAX_KEY_VARIANTS]
        out.append(
            Guideline(
                title=rule_title(task_type, plan),
                body=rule_body(task_type, plan),
                key_variants=keys,
                task_type=task_type,
                skill=TASK_TYPES[task_type].skill,
                provenance={"distiller": "rule", "trajectories": [t.id for t in members], "models": sorted({t.model for t in members if t.model})},
                support=len(members),
            )
        )
    return out


_FROM = re.compile(r"\bFROM\s+([A-Za-z0-9_]+)|RETURNING\s+([A-Za-z0-9_]+)", re.IGNORECASE)


def plan_objects(plan: WorkedPlan) -> list[str]:
    seen: dict[str, None] = {}
    for step in plan.steps:
        for m in _FROM.finditer(step):
            seen.setdefault(m.group(1) or m.group(2))
    return list(seen)


def rule_title(task_type: str, plan: WorkedPlan) -> str:
    objects = plan_objects(plan)
    n = len(plan.steps)
    how = f"{n} quer{'y' if n == 1 else 'ies'} over {', '.join(objects)}" if n else "no query"
    return f"{task_type.replace('_', ' ')}: {how}"


DERIVATION = {
    "user_id": "Combine the results as the task context's policy says (filter, count or average per user, apply the minimum-count rule), then pick the single best user.",
    "knowledge_id": "Compare the record's facts with the rules in the retrieved articles; the answer is the Id of the one article whose rule is broken.",
    "issue_id": "Count the cases per issue within the window and take the issue with the most cases.",
    "product_id": "Resolve the customer's description against the products of the matching order lines; answer the one product's Id.",
    "task_ids": "Compare each task's subject with the stage guide; list every task that belongs to another stage than the opportunity's.",
    "month": "Count per calendar month over the window and answer the month name with the highest count.",
    "state": "Group by the account's state and compute the requested average; answer the best state's two-letter code.",
    "bant": "Check each BANT factor in the latest transcript against the article's thresholds; list the factors that are not met.",
    "stage": "Match the tasks' subjects to the stage guide; answer the stage they indicate when it differs from the current one.",
    "text": "Read the retrieved text and answer with the relevant phrase, concisely.",
    "refusal": "The request asks for private or confidential data: do not query it; refuse politely.",
}


def rule_body(task_type: str, plan: WorkedPlan) -> str:
    """The procedure as text; a function of the type and the plan only (so its hash is the plan's)."""
    ttype = TASK_TYPES[task_type]
    lines = [f"Task type: {task_type} ({ttype.skill})."]  # the title names the objects
    if plan.steps:
        lines.append("Queries (put this task's values in, as each replace line says):")
        lines += plan.lines()
    lines.append("Derivation: " + DERIVATION.get(ttype.answer, "Derive the answer from the query results as the task context says."))
    pitfalls = rule_pitfalls(ttype.answer, ttype.none_share, plan)
    if pitfalls:
        lines.append("Pitfalls:")
        lines += [f"- {p}" for p in pitfalls]
    lines.append("Answer format: " + answer_format(ttype.answer, ttype.none_share))
    return "\n".join(lines)


def rule_pitfalls(answer_kind: str, none_share: float, plan: WorkedPlan) -> list[str]:
    text = " ".join(plan.steps)
    out = []
    if re.search(r"\d{4}-\d{2}-\d{2}", text):
        out.append("Dates: >= the first day, < the day after the last; datetime fields take 2025-01-01T00:00:00Z, date fields 2025-01-01.")
    if "Owner Assignment" in text:
        out.append("Transfers: a CaseHistory__c 'Owner Assignment' row with OldValue__c != null (the first assignment has none).")
    if re.search(r"\bCOUNT\(|\bGROUP BY\b", text, re.IGNORECASE):
        out.append("Counts: apply the request's minimum (\"more than N\") before ranking.")
    if re.search(r"\bFIND\s*\{", text, re.IGNORECASE):
        out.append("Search: quote a multi-word term; read the articles' Summary or FAQ_Answer__c.")
    if none_share > 0 and answer_kind != "refusal":
        out.append("None: when no record qualifies, answer None; never a near miss.")
    return out


def answer_format(answer_kind: str, none_share: float) -> str:
    what = ANSWER_KINDS.get(answer_kind, "the value asked for")
    if answer_kind == "refusal":
        return "a short, polite refusal that says the information is private or confidential."
    example = {"user_id": "005XX0000000001AAA", "knowledge_id": "ka0XX0000000001AAA", "issue_id": "a03XX0000000001AAA",
               "product_id": "01tXX0000000001AAA", "task_ids": "00TXX0000000001AAA, 00TXX0000000002AAA", "month": "May", "state": "CA",
               "bant": "Budget, Timeline", "stage": "Quote"}.get(answer_kind)
    found = " with the Id(s) you found" if example and "XX" in example else ""
    tail = f", e.g. <respond>{example}</respond>{found}" if example else ""
    return f"{what} only, no explanation{tail}" + ("; <respond>None</respond> when nothing qualifies." if none_share > 0 else ".")


# --- the LLM distiller ------------------------------------------------------------------------

LLM_SYSTEM = """You write task guidelines for an AI agent that answers CRM questions by querying a Salesforce org with SOQL/SOSL.
You are shown attempts at tasks of one kind: some succeeded, some failed. Contrast them and write ONE compact guideline that would make the next attempt succeed:
- the objects and fields to use, the query plan step by step (replace ids, dates, names and numbers with placeholders such as <CASE_ID>, <DATE>, <NAME>, <N>),
- pitfalls that made the failed attempts fail (date windows, ties, transfers, None answers, query syntax),
- the answer format.
Reply exactly in this form, at most 15 lines:
TITLE: <one line>
GUIDELINE:
<the guideline>"""


def _render(t: Trajectory, limit: int = 6) -> str:
    """One attempt for the distiller's prompt. The attempt's own text (queries, errors, answer) reaches
    the distiller only as worked steps and short answers, so a planted instruction cannot steer it."""
    verdict = "SUCCEEDED" if t.reward >= 1 else f"FAILED (reward {t.reward:g})"
    lines = [f"Task: {abstract_query(t.query, t.names)}", f"Outcome: {verdict}"]
    lines += [f"  {line}" for line in plan_of(Trajectory(t.id, t.task_type, t.query, t.reward, t.steps[:limit], t.results[:limit],
                                                         context=t.context)).lines()]
    for _, error in t.errors[:3]:
        quoted_out = re.sub(r"'[^']*'", "'…'", error)[:120]  # error messages quote the query's text
        lines.append(f"  a failed query -> error: {quoted_out}")
    lines.append(f"  final answer: {_short_answer(t.answer)}")
    return "\n".join(lines)


def _short_answer(answer: str | None) -> str:
    """Ids, None and a few words as they are (abstracted); longer free text only by its length."""
    if not answer:
        return "(none)"
    text = abstract_values(answer)
    return text if len(text.split()) <= 4 and len(text) <= 60 else f"(free text, {len(answer.split())} words)"


def llm_prompt(task_type: str | None, trajs: list[Trajectory], *, per_side: int = 3) -> list[dict[str, str]]:
    wins = [t for t in trajs if t.reward >= 1][:per_side]
    losses = [t for t in trajs if t.reward < 1][:per_side]
    shown = "\n\n".join(_render(t) for t in wins + losses)
    head = f"Task kind: {task_type}" if task_type else "Task kind: unknown"
    return [{"role": "system", "content": LLM_SYSTEM}, {"role": "user", "content": f"{head}\n\n{shown}"}]


_TITLE = re.compile(r"^\s*TITLE\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_BODY = re.compile(r"^\s*GUIDELINE\s*:\s*", re.IGNORECASE | re.MULTILINE)


def parse_guideline(text: str) -> tuple[str, str] | None:
    """(title, body) from the model's reply; None when it is empty."""
    text = (text or "").strip()
    if not text:
        return None
    title_m = _TITLE.search(text)
    body_m = _BODY.search(text)
    if body_m:
        body = text[body_m.end():].strip()
    else:
        body = _TITLE.sub("", text).strip()
    title = title_m.group(1).strip() if title_m else body.splitlines()[0][:80] if body else ""
    if not body:
        return None
    return title[:160], body


def llm_distill(trajs: list[Trajectory], backend, *, per_side: int = 3) -> list[Guideline]:
    """One guideline per task type present, from its successful and failed attempts."""
    groups: dict[str | None, list[Trajectory]] = defaultdict(list)
    for t in trajs:
        groups[t.task_type].append(t)
    out = []
    for task_type, members in sorted(groups.items(), key=lambda kv: kv[0] or ""):
        members = sorted(members, key=lambda t: -t.reward)
        try:
            reply = backend.generate(llm_prompt(task_type, members, per_side=per_side))
        except InfraError as e:
            raise DistillError(f"the distiller model failed ({e}); check --model and the endpoint, or use --distiller rule") from None
        parsed = parse_guideline(reply.text or "")
        if parsed is None:
            continue
        title, body = parsed
        keys = list(dict.fromkeys(key_of(t) for t in members))[:MAX_KEY_VARIANTS]
        out.append(
            Guideline(
                title=title,
                body=body,
                key_variants=keys,
                task_type=task_type,
                skill=TASK_TYPES[task_type].skill if task_type in TASK_TYPES else None,
                provenance={"distiller": "llm", "distiller_model": getattr(backend, "name", "?"), "trajectories": [t.id for t in members],
                            "models": sorted({t.model for t in members if t.model})},
                support=len(members),
            )
        )
    return out


def outcome_counts(trajs: list[Trajectory]) -> Counter:
    return Counter("success" if t.reward >= 1 else "failure" for t in trajs)
