"""Summaries of a task file: counts per type and skill, answer kinds and sizes, None shares."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from crmweaver.tasks.row import TaskRow
from crmweaver.tasks.types import TASK_TYPES


@dataclass
class TypeStats:
    code: str
    skill: str
    answer_kind: str
    count: int = 0
    none: int = 0
    answer_sizes: Counter = field(default_factory=Counter)  # number of answer items -> rows
    templates: set = field(default_factory=set)

    @property
    def none_share(self) -> float:
        return self.none / self.count if self.count else 0.0

    @property
    def target_none_share(self) -> float:
        return TASK_TYPES[self.code].none_share


def task_stats(rows: list[TaskRow]) -> dict[str, TypeStats]:
    stats: dict[str, TypeStats] = {}
    for row in rows:
        t = TASK_TYPES[row.task]
        s = stats.setdefault(row.task, TypeStats(row.task, t.skill, t.answer))
        s.count += 1
        s.none += row.answer == [None]
        s.answer_sizes[0 if row.answer == [None] else len(row.answer)] += 1
        if row.template is not None:
            s.templates.add(row.template)
    order = {code: i for i, code in enumerate(TASK_TYPES)}
    return dict(sorted(stats.items(), key=lambda kv: order[kv[0]]))


def skill_counts(stats: dict[str, TypeStats]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for s in stats.values():
        out[s.skill] += s.count
    return dict(out)
