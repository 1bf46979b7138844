"""The study's honest figures on hand-made records: accuracy on non-None golds, the constant-"None"
baseline, bootstrap intervals of a run and paired intervals of a difference between runs."""

from __future__ import annotations

import pytest

from crmweaver.evaluate.intervals import difference, figures, intervals, none_reward
from crmweaver.evaluate.record import ResultRecord
from crmweaver.evaluate.summary import summarize
from crmweaver.evaluate.table import NONE_COLUMN, compare_rows

TYPES = {"handle_time": "database", "transfer_count": "database", "lead_qualification": "policy", "case_routing": "workflow"}


def run(rewards: dict[str, list[float]]) -> list[ResultRecord]:
    """Records of one run: per type, five tasks; the first task of each type has the gold None."""
    return [ResultRecord(key=f"{t}/{i}", task=t, idx=i, trial=0, skill=TYPES.get(t, "text"), reward=float(x),
                         expected=[None] if i == 0 else [f"005{t[:3]}{i}"], reward_details={"metric": "exact_match"})
            for t, xs in rewards.items() for i, x in enumerate(xs)]


def test_none_baseline_and_non_none_accuracy():
    only_none = run({t: [1, 0, 0, 0, 0] for t in TYPES})  # solves exactly the tasks whose gold is None
    g = summarize(only_none).overall
    assert g.all == pytest.approx(0.2) and g.non_none == 0.0 and g.non_none_n == 16
    assert none_reward(only_none[0]) == 1.0 and none_reward(only_none[1]) == 0.0
    assert g.none_baseline["ALL"] == pytest.approx(0.2) and g.none_baseline["non-None"] == 0.0
    skills, _, episodes = compare_rows({"a": summarize(only_none)}, baseline=True)
    rows = dict(skills)
    assert rows["ALL"] == ["20.0", "20.0"] and rows["non-None golds"] == ["0.0", "0.0"] and episodes == ["20", "20"]
    assert NONE_COLUMN == 'answer "None"'


def test_intervals_are_seeded_and_hold_the_estimate():
    rec = run({"handle_time": [1, 0, 1, 1, 0], "transfer_count": [0, 0, 1, 0, 0], "lead_qualification": [1, 1, 1, 1, 1],
               "case_routing": [0, 1, 0, 1, 0]})
    ci = intervals(rec)
    assert ci == intervals(rec) and ci != intervals(rec, seed=1)  # seeded
    point = figures(rec)
    for key in ("ALL", "non-None", "database", "type:handle_time"):
        lo, hi = ci[key]
        assert lo <= point[key] <= hi and lo < hi
    assert ci["type:lead_qualification"] == [1.0, 1.0]  # no spread, no width


def test_paired_difference_excludes_zero_only_for_a_real_gain():
    a = run({t: [0, 0, 0, 0, 0] for t in TYPES})
    b = run({t: [0, 1, 1, 1, 1] for t in TYPES})  # solves every non-None task a missed
    d, (lo, hi) = difference(a, b)["non-None"]
    assert d == 1.0 and lo == hi == 1.0
    d, (lo, hi) = difference(a, b)["ALL"]
    assert d == pytest.approx(0.8) and lo > 0
    same = difference(b, b)["ALL"]
    assert same == (0.0, [0.0, 0.0])
    noisy = run({t: [0, 1, 0, 0, 0] for t in TYPES})
    d, (lo, hi) = difference(noisy, run({t: [0, 0, 1, 0, 0] for t in TYPES}))["ALL"]
    assert d == 0.0 and lo < 0 < hi  # moving the same number of successes around is no gain
    assert difference(a, run({"knowledge_qa": [1]})) == {}  # no task in common: nothing to compare


def test_paired_difference_pairs_only_the_same_task():
    """Two runs whose instance 1 of each type was regenerated in between (same type and index, another
    row hash) are compared on the tasks they share; records without a hash pair by type and index."""
    a, b = run({t: [0, 0, 0, 0, 0] for t in TYPES}), run({t: [0, 1, 0, 0, 0] for t in TYPES})
    assert difference(a, b)["non-None"][0] == 0.25  # no hashes: instance 1 pairs by type and index
    for records, changed in ((a, ""), (b, "/regenerated")):
        for r in records:
            r.task_key = f"{r.task}/{r.idx}" + (changed if r.idx == 1 else "")
    d, (lo, hi) = difference(a, b)["non-None"]
    assert d == lo == hi == 0.0  # the gain was on instances the first run never saw


def test_learning_curve_counts_every_epoch():
    """The SFT point's x: sft.json's episodes_seen, or (written before it existed) examples × the log's last epoch."""
    from crmweaver.train.metrics import sft_episodes_seen

    log = [{"step": 1, "epoch": 1.0}, {"step": 2, "epoch": 2.0}]
    assert sft_episodes_seen({"examples": 217, "episodes_seen": 430}, log) == 430
    assert sft_episodes_seen({"examples": 217}, log) == 434  # two epochs, not 217
    assert sft_episodes_seen({"examples": 217}, []) == 217  # no log: one pass
    assert sft_episodes_seen({}, log) is None  # SFT not finished: no point
