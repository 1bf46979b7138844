"""95 % bootstrap intervals for a run's figures and for the difference between two runs.

A handful of episodes per type makes every score noisy; an interval says how noisy. Records are
resampled with replacement within each task type (the evaluation set's type mix is kept, since
every figure averages per type first), and each replicate recomputes the figures as summary.py
does: a type's mean reward, a skill's mean of its types, ALL the mean of the business skills,
and the accuracy on tasks whose gold answer is not `None`. A difference between two runs on the
same tasks is paired: both runs are resampled with the same draw, so what the two share cancels.
numpy, seeded: the same records give the same intervals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from crmweaver.scoring import score
from crmweaver.evaluate.record import ResultRecord
from crmweaver.tasks.types import CONFIDENTIALITY, SKILLS, TASK_TYPES

REPLICATES = 2000
ALL, NON_NONE = "ALL", "non-None"


def gold_is_none(record: ResultRecord) -> bool:
    """The task's gold answer is the literal None (the agent must answer None)."""
    return list(record.expected or []) == [None]


def answer_reward(record: ResultRecord, answer: str) -> float:
    """What the constant `answer` would have scored on this record's task (a baseline's reward)."""
    row = {"task": record.task, "answer": list(record.expected or []), "reward_metric": record.reward_details.get("metric")}
    return float(score(row, answer).reward)


def none_reward(record: ResultRecord) -> float:
    """What answering "None" would have scored on this record's task (the constant-None baseline)."""
    return answer_reward(record, "None")


def _skill(code: str, record: ResultRecord) -> str:
    t = TASK_TYPES.get(code)
    return record.skill or (t.skill if t else "unknown")


def _figures(rewards: Any, codes: list[str], skill_of: dict[str, str], nonnone: Any, picks: list[Any]) -> dict[str, Any]:
    """Figures (arrays over replicates) from per-type index draws `picks[k]` (replicates x n_k)."""
    import numpy as np

    out: dict[str, Any] = {}
    hits, count = 0.0, 0.0
    by_skill: dict[str, list[Any]] = defaultdict(list)
    for code, pick in zip(codes, picks, strict=True):
        mean = rewards[pick].mean(axis=-1)
        out[f"type:{code}"] = mean
        by_skill[skill_of[code]].append(mean)
        hits = hits + (rewards[pick] * nonnone[pick]).sum(axis=-1)
        count = count + nonnone[pick].sum(axis=-1)
    for skill in SKILLS:
        if by_skill.get(skill):
            out[skill] = np.mean(by_skill[skill], axis=0)
    business = [out[s] for s in SKILLS if s in out]
    if business:
        out[ALL] = np.mean(business, axis=0)
    if by_skill.get(CONFIDENTIALITY):
        out[CONFIDENTIALITY] = np.mean(by_skill[CONFIDENTIALITY], axis=0)
    if np.any(np.asarray(count) > 0):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[NON_NONE] = np.where(np.asarray(count) > 0, hits / np.maximum(count, 1), np.nan)
    return out


def _arrays(runs: Sequence[Sequence[ResultRecord]]):
    import numpy as np

    first = runs[0]
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(first):
        by_type[r.task].append(i)
    codes = sorted(by_type)
    skill_of = {c: _skill(c, first[by_type[c][0]]) for c in codes}
    nonnone = np.array([0.0 if gold_is_none(r) else 1.0 for r in first])
    rewards = [np.array([r.reward for r in run]) for run in runs]
    return codes, [np.array(by_type[c]) for c in codes], skill_of, nonnone, rewards


def figures(records: Sequence[ResultRecord], *, reward: Any = None) -> dict[str, float]:
    """The figures of one run (ALL, skills, confidentiality, non-None, type:CODE); `reward(record)`
    replaces each record's reward (e.g. none_reward, for the constant-None baseline)."""
    import numpy as np

    if not records:
        return {}
    rows = [r.model_copy(update={"reward": reward(r)}) for r in records] if reward is not None else list(records)
    codes, index, skill_of, nonnone, (rewards,) = _arrays([rows])
    return {k: float(v) for k, v in _figures(rewards, codes, skill_of, nonnone, list(index)).items() if not np.isnan(v)}


def _draws(index: list[Any], n: int, seed: int) -> list[Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    return [idx[rng.integers(0, len(idx), size=(n, len(idx)))] for idx in index]


def _interval(values: Any) -> list[float] | None:
    import numpy as np

    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [float(lo), float(hi)]


def intervals(records: Sequence[ResultRecord], *, n: int = REPLICATES, seed: int = 0) -> dict[str, list[float]]:
    """95 % percentile-bootstrap interval [low, high] of every figure of one run."""
    if not records:
        return {}
    codes, index, skill_of, nonnone, (rewards,) = _arrays([records])
    reps = _figures(rewards, codes, skill_of, nonnone, _draws(index, n, seed))
    return {k: iv for k, v in reps.items() if (iv := _interval(v)) is not None}


def match(a: Sequence[ResultRecord], b: Sequence[ResultRecord]) -> tuple[list[ResultRecord], list[ResultRecord]]:
    """The records of two runs on the same (task, trial), in the same order (others are left out).
    A task is its row's hash where both records carry it: an instance whose content changed between
    runs (same type and index, regenerated by newer code) is not the same task and is not paired."""
    def key(r: ResultRecord) -> tuple[Any, ...]:
        return (r.task, r.idx, r.trial)

    def same_task(r: ResultRecord, s: ResultRecord) -> bool:
        return not (r.task_key and s.task_key) or r.task_key == s.task_key

    theirs = {key(r): r for r in b}
    pairs = [(r, theirs[key(r)]) for r in a if key(r) in theirs and same_task(r, theirs[key(r)])]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def difference(a: Sequence[ResultRecord], b: Sequence[ResultRecord], *, n: int = REPLICATES,
               seed: int = 0) -> dict[str, tuple[float, list[float]]]:
    """Figure by figure, b minus a on the tasks both ran: (the difference, its paired 95 % interval)."""
    a, b = match(a, b)
    if not a:
        return {}
    codes, index, skill_of, nonnone, (ra, rb) = _arrays([a, b])
    point_a, point_b = (_figures(r, codes, skill_of, nonnone, list(index)) for r in (ra, rb))
    draws = _draws(index, n, seed)
    reps_a, reps_b = (_figures(r, codes, skill_of, nonnone, draws) for r in (ra, rb))
    out = {}
    for k in reps_a:
        iv = _interval(reps_b[k] - reps_a[k])
        if iv is not None:
            out[k] = (float(point_b[k] - point_a[k]), iv)
    return out
