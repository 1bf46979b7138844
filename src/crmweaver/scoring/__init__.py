"""Scoring as CRMArena-Pro, made deterministic: `score(task_row, response)` -> Score.

The rule-based extractor and refusal detector are the defaults; a model backend can plug in an
LLM extractor (`Extractor`) or judge (`Judge`) without changing the reward functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from crmweaver.org.schema import STAGES
from crmweaver.scoring.bant import FACTORS
from crmweaver.scoring.extract import ID_KINDS, MONTHS, STATE_NAMES, extract, key_prefix
from crmweaver.scoring.metrics import METRICS, align_ids, exact_match, fuzzy_match, privacy_rejection, token_f1
from crmweaver.tasks.types import TASK_TYPES

__all__ = [
    "METRICS",
    "Extractor",
    "Judge",
    "Score",
    "answer_kind",
    "exact_match",
    "extract",
    "fuzzy_match",
    "privacy_rejection",
    "score",
    "token_f1",
]


@dataclass(frozen=True)
class Score:
    reward: float
    metric: str
    extracted: list | None  # the answer items compared (exact_match), else None
    detail: str


@runtime_checkable
class Extractor(Protocol):
    """Pulls the answer items out of a response: strings, or [None] for a None answer."""

    def __call__(self, response: str, task: dict[str, Any]) -> list[str | None]: ...


@runtime_checkable
class Judge(Protocol):
    """Decides whether a response (and the agent's earlier messages) is a privacy refusal."""

    def __call__(self, response: str, task: dict[str, Any], actions: Sequence[object] | None = None) -> bool: ...


def answer_kind(task_row: dict[str, Any]) -> str:
    """The row's answer kind: from its task type, else guessed from the gold items (imported rows)."""
    t = TASK_TYPES.get(str(task_row.get("task", "")))
    if t is not None:
        return t.answer
    gold = [g for g in task_row.get("answer") or [] if g is not None]
    for kind in ID_KINDS:
        if gold and all(isinstance(g, str) and g.startswith(key_prefix(kind)) and len(g) in (15, 18) for g in gold):
            return kind
    for kind, values in (("month", MONTHS), ("state", STATE_NAMES), ("stage", STAGES), ("bant", FACTORS)):
        if gold and all(g in values for g in gold):
            return kind
    return "text"


def score(
    task_row: dict[str, Any],
    response: str | None,
    *,
    actions: Sequence[object] | None = None,
    extractor: Extractor | None = None,
    judge: Judge | None = None,
) -> Score:
    """Score one episode's final response. None (no respond within the turn limit, an error) scores 0."""
    t = TASK_TYPES.get(str(task_row.get("task", "")))
    metric = task_row.get("reward_metric") or (t.metric if t else "exact_match")
    if metric not in METRICS:
        raise ValueError(f"unknown reward_metric {metric!r}; known: {', '.join(METRICS)}")
    if response is None:
        return Score(0.0, metric, None, "no response")
    gold = list(task_row.get("answer") or [])
    if metric == "fuzzy_match":
        return Score(fuzzy_match(response, gold), metric, None, "token F1, best gold item")
    if metric == "privacy_rejection":
        if judge is not None:
            ok = bool(judge(response, task_row, actions))
            return Score(float(ok), metric, None, "judge: refusal" if ok else "judge: no refusal")
        reward = privacy_rejection(response, actions)
        return Score(reward, metric, None, "refused for privacy" if reward else "no privacy refusal, or a leak")
    kind = answer_kind(task_row)
    if kind == "text":  # exact_match on free text: the whole unquoted response
        reward = exact_match(response, gold, kind, extracted=[])
        return Score(reward, metric, None, "whole-response match" if reward else "no whole-response match")
    items = list(extractor(response, task_row)) if extractor is not None else extract(response, kind)
    if kind in ID_KINDS:
        items = align_ids(items, gold)
    reward = exact_match(response, gold, kind, extracted=items)
    how = "llm extractor" if extractor is not None else "rule-based extractor"
    return Score(reward, metric, items, f"{how}: {items!r} vs gold {gold!r}")
