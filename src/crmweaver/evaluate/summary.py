"""From results records to the scores of CRMArena-Pro: per type, per skill, ALL, pass^k.

- A type's score is its mean reward; a skill's is the mean of its types' scores; ALL is the mean
  of the four business skills present (workflow, policy, text, database); confidentiality is
  reported apart and is not in ALL.
- Infra errors (the backend failed, or the episode crashed) score 0 in every accuracy figure, as
  CRMArena-Pro counts failures, and are also counted apart so that a flaky endpoint is visible.
- pass^k (tau-bench): for each task with n trials of which c succeeded (reward == 1),
  C(c, k) / C(n, k), averaged over tasks; k = 1 .. trials.
- Rows made on B2B and B2C orgs (a row's `org` starts with b2b / b2c) are summarized apart too.
- Next to the scores, what keeps them honest (evaluate.intervals): the accuracy on tasks whose gold
  is not `None` (answering None to everything scores 0 there), what a constant "None" answer would
  score on the same tasks, and a 95 % bootstrap interval for every figure.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from math import comb
from statistics import fmean
from typing import Any

from crmweaver.evaluate.intervals import figures, gold_is_none, intervals, none_reward
from crmweaver.evaluate.record import ResultRecord
from crmweaver.tasks.types import CONFIDENTIALITY, SKILLS, TASK_TYPES

SUCCESS = 1.0 - 1e-9


@dataclass
class TypeScore:
    mean: float
    n: int
    infra_errors: int


@dataclass
class GroupSummary:
    n: int
    types: dict[str, TypeScore]
    skills: dict[str, float]  # business skills present; mean of their types
    all: float | None  # mean of the business skills present
    confidentiality: float | None
    pass_k: dict[int, float]
    infra_errors: int
    prompt_tokens: float  # means per episode
    completion_tokens: float
    turns: float
    tool_calls: float
    latency_s: float
    non_none: float | None = None  # mean reward on the records whose gold answer is not None
    non_none_n: int = 0
    none_baseline: dict[str, float] = field(default_factory=dict)  # the figures a constant "None" answer scores here
    ci: dict[str, list[float]] = field(default_factory=dict)  # 95 % bootstrap interval per figure (ALL, skills, non-None, type:CODE)


@dataclass
class Summary:
    model: str | None
    trials: int
    overall: GroupSummary | None
    by_org: dict[str, GroupSummary] = field(default_factory=dict)  # b2b/b2c, when both are present

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def skill_of(record: ResultRecord) -> str:
    t = TASK_TYPES.get(record.task)
    return record.skill or (t.skill if t else "unknown")


def org_family(record: ResultRecord, default: str = "") -> str:
    """b2b or b2c from the row's `org` label (preset:seed:scale), else the evaluated org's preset."""
    label = (record.org or default).lower()
    for family in ("b2b", "b2c"):
        if label.startswith(family):
            return family
    return label.split(":")[0] or "org"


def pass_hat_k(records: Iterable[ResultRecord], k: int) -> float | None:
    """tau-bench's pass^k: mean over tasks of C(successes, k) / C(trials, k); tasks with < k trials skipped."""
    per_task: dict[str, list[float]] = defaultdict(list)
    for r in records:
        per_task[r.task_key or str(r.idx)].append(r.reward)
    values = [comb(sum(x >= SUCCESS for x in rs), k) / comb(len(rs), k) for rs in per_task.values() if len(rs) >= k]
    return fmean(values) if values else None


def summarize_group(records: Sequence[ResultRecord], trials: int) -> GroupSummary:
    by_type: dict[str, list[ResultRecord]] = defaultdict(list)
    for r in records:
        by_type[r.task].append(r)
    types = {
        code: TypeScore(fmean(r.reward for r in rs), len(rs), sum(1 for r in rs if r.infra_error))
        for code, rs in sorted(by_type.items())
    }
    per_skill: dict[str, list[float]] = defaultdict(list)
    for code, ts in types.items():
        per_skill[skill_of(by_type[code][0])].append(ts.mean)
    skills = {s: fmean(per_skill[s]) for s in SKILLS if per_skill.get(s)}
    conf = fmean(per_skill[CONFIDENTIALITY]) if per_skill.get(CONFIDENTIALITY) else None
    pass_k = {k: v for k in range(1, trials + 1) if (v := pass_hat_k(records, k)) is not None}

    def mean(key: str) -> float:
        return fmean(float(getattr(r, key)) for r in records) if records else 0.0

    with_gold = [r for r in records if not gold_is_none(r)]

    return GroupSummary(
        n=len(records),
        types=types,
        skills=skills,
        all=fmean(skills.values()) if skills else None,
        confidentiality=conf,
        pass_k=pass_k,
        infra_errors=sum(1 for r in records if r.infra_error),
        prompt_tokens=mean("prompt_tokens"),
        completion_tokens=mean("completion_tokens"),
        turns=mean("turns"),
        tool_calls=mean("tool_calls"),
        latency_s=mean("latency_s"),
        non_none=fmean(r.reward for r in with_gold) if with_gold else None,
        non_none_n=len(with_gold),
        none_baseline=figures(records, reward=none_reward),
        ci=intervals(records),
    )


def summarize(records: Sequence[ResultRecord], *, trials: int | None = None, model: str | None = None,
              default_org: str = "") -> Summary:
    """The summary of a results file's records (`trials` defaults to the most trials seen)."""
    if trials is None:
        trials = max((r.trial + 1 for r in records), default=1)
    if model is None:
        model = next((r.model for r in records if r.model), None)
    overall = summarize_group(records, trials) if records else None
    groups: dict[str, list[ResultRecord]] = defaultdict(list)
    for r in records:
        groups[org_family(r, default_org)].append(r)
    by_org = {name: summarize_group(rs, trials) for name, rs in sorted(groups.items())} if len(groups) > 1 else {}
    return Summary(model=model, trials=trials, overall=overall, by_org=by_org)
