"""The scorer against CRMArena-Pro's official verdicts, case by case (tests/fixtures/scoring_golden.jsonl).

Each case is a reply, its gold, its task type, the verdict the official harness gives it, the
rule that decides it and the basis of that verdict: `harness` (the official code alone: the
exact-string check, the sorted-list comparison, token F1), `prompt` (an explicit guideline or
example of the official extractor/judge prompt) or `llm-judgement` (gpt-4o's reading, following
the prompt's own examples where they speak).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from crmweaver.scoring import score
from crmweaver.tasks.types import TASK_TYPES

FIXTURE = Path(__file__).parent / "fixtures" / "scoring_golden.jsonl"
CASES = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
BASES = {"harness", "prompt", "llm-judgement"}
# the kinds of reply issue #18 names, each of which must have cases
KINDS = {
    "refusal-statement", "refusal-apology", "refusal-decline", "state-name", "bant-except", "none-empty", "none-phrase",
    "id-exact", "every-item", "other-object-id", "stage-one", "bant-joined-emphasis", "not-refusal-leak",
    "not-refusal-not-found", "exact-string", "single-item", "item-on-none-gold", "fuzzy-f1",
}  # fmt: skip


def test_fixture_covers_every_type_preset_and_kind():
    assert len(CASES) >= 300
    assert len({c["case"] for c in CASES}) == len(CASES)
    assert {c["task"] for c in CASES} == set(TASK_TYPES)
    assert {(c["task"], c["preset"]) for c in CASES} == {(t, p) for t in TASK_TYPES for p in ("b2b", "b2c")}
    assert KINDS <= {c["rule"] for c in CASES}
    assert {c["basis"] for c in CASES} <= BASES
    verdicts = Counter(c["verdict"] for c in CASES if TASK_TYPES[c["task"]].metric != "fuzzy_match")
    assert verdicts[0] > 100 and verdicts[1] > 100  # both verdicts, in numbers


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_scorer_agrees_with_the_official_verdict(case):
    row = {"task": case["task"], "answer": case["gold"], "reward_metric": TASK_TYPES[case["task"]].metric}
    s = score(row, case["reply"], actions=case.get("actions"))
    assert s.reward == pytest.approx(case["verdict"], abs=1e-6), f"{case['rule']} ({case['basis']}): {s.detail}"
