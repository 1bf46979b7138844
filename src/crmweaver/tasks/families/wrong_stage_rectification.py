"""wrong_stage_rectification: does an opportunity's StageName match its tasks? If not, the right stage.

The org plants wrong stages (`_facts` kind `true_stage` differs from StageName): every task of such an
opportunity is a typical activity of its true stage. Correct opportunities may carry one or two
'Not Started' tasks of another stage, never a majority, so "the stage most tasks belong to" is the
rule the policy states and both solvers apply.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

GUIDE_TITLE = "Opportunity Stage Activity Guide"
_GUIDE_LINE = re.compile(r"^([A-Z][A-Za-z]+): (.+)\.$")


def parse_guide(body: str) -> dict[str, set[str]]:
    """Stage -> typical activities, from the guide article's text ("Stage: act; act; act.")."""
    out: dict[str, set[str]] = {}
    for line in body.splitlines():
        m = _GUIDE_LINE.match(line.strip())
        if m:
            out[m.group(1)] = {a.strip() for a in m.group(2).split(";")}
    return out


def guide_from_run(run: Runner) -> dict[str, set[str]]:
    """Fetch the stage-activity guide through the engine and parse it."""
    res = run(f"SELECT Id, Title, FAQ_Answer__c FROM Knowledge__kav WHERE Title = '{GUIDE_TITLE}'")
    guide = parse_guide(res["records"][0]["FAQ_Answer__c"])
    if not guide:
        raise ValueError("the stage activity guide has no 'Stage: activities.' lines")
    return guide


def stage_of(subject: str, guide: dict[str, set[str]]) -> str | None:
    for stage, acts in guide.items():
        if subject in acts:
            return stage
    return None


def majority_stage(subjects: list[str], guide: dict[str, set[str]]) -> str:
    """The stage most of the subjects belong to; a tie (or unknown subjects) cannot be decided."""
    counts = Counter(stage_of(s, guide) for s in subjects)
    if None in counts or not counts:
        raise Resample
    (best, n), *rest = counts.most_common()
    if rest and rest[0][1] == n:
        raise Resample
    return best


def opportunity_tasks(ctx: Context, opp_id: str) -> list:
    return ctx.sql("SELECT Id, Subject, Status FROM Task WHERE WhatId = ? ORDER BY Id", (opp_id,))


def catalog_guide(ctx: Context) -> dict[str, set[str]]:
    return {s: set(a) for s, a in ctx.catalog.stage_activities.items()}


GUIDE_POLICY = (
    f"The knowledge article '{GUIDE_TITLE}' lists the typical activities of each opportunity stage "
    "(Qualification, Discovery, Quote, Negotiation, Closed). A task belongs to the stage whose list contains its Subject."
)


@register
class WrongStageRectification(Family):
    code = "wrong_stage_rectification"
    templates = (
        "Is opportunity {opp} sitting in the right stage? If not, which stage should it be in?",
        "Check whether the StageName of opportunity {opp} matches its activities, and tell me the correct stage if it doesn't.",
        "Opportunity {opp}: does its current stage fit the tasks logged on it? Give me the right stage or None.",
        "I suspect {opp} is at the wrong stage. Can you verify against its tasks and tell me where it belongs?",
        "Please review opportunity {opp} and determine whether its stage is consistent with its tasks. If it is not, return the correct stage.",
        "Quick sanity check on {opp} — is the stage right given what's been done on it?",
        "Our pipeline review flagged opportunity {opp}. Based on its task history, what stage should it really be at?",
        "Does the stage on {opp} line up with its activities? If it's wrong, what should it be changed to?",
        "Validate the stage of opportunity {opp} using the stage activity guide; answer with the correct stage, or None if it's already right.",
        "Looking at the tasks on {opp}, which stage is this deal actually in? Only tell me a stage if it differs from the recorded one.",
        "Before forecasting, I need to know if opportunity {opp} has a mislabeled stage. What's the right one?",
        "stage check for opp {opp} please — correct stage if the current one is wrong",
        "Could you confirm that opportunity {opp} is recorded in the correct stage? If not, tell me which stage matches its tasks.",
        "The rep may have forgotten to update {opp}. Compare its tasks with its stage and give me the stage it should have.",
    )

    def _candidates(self, ctx: Context) -> tuple[list[str], list[str]]:
        cache = getattr(self, "_cand", None)
        if cache is None or cache[0] is not ctx:
            truth = ctx.facts("true_stage")
            rows = ctx.sql("SELECT Id, StageName FROM Opportunity ORDER BY Id")
            wrong = [r["Id"] for r in rows if truth.get(r["Id"]) not in (None, r["StageName"])]
            right = [r["Id"] for r in rows if truth.get(r["Id"]) == r["StageName"]]
            self._cand = cache = (ctx, wrong, right)
        return cache[1], cache[2]

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        wrong, right = self._candidates(ctx)
        pool = right if want_none else wrong
        if not pool:
            raise Resample
        opp = rng.choice(pool)
        query, template = self.phrase(rng, opp=opp)
        required = (
            f"Today's date is {ctx.today.isoformat()}. {GUIDE_POLICY} An opportunity's stage is correct when most of its "
            "tasks (whatever their Status) belong to its StageName. If most of its tasks belong to another stage, that "
            "stage is the correct one. Answer with the correct stage name if it differs from the opportunity's StageName, "
            "or None if the StageName is already correct."
        )
        return Params({"opportunity": opp}, query, required, template, facts={"opportunity": opp})

    def solve(self, ctx: Context, params: Params) -> list:
        opp = params.values["opportunity"]
        stage = ctx.sql("SELECT StageName FROM Opportunity WHERE Id = ?", (opp,))[0]["StageName"]
        truth = fact(ctx, opp, "true_stage")
        subjects = [r["Subject"] for r in opportunity_tasks(ctx, opp)]
        if majority_stage(subjects, catalog_guide(ctx)) != truth:
            raise RuntimeError(f"{opp}: planted true_stage {truth!r} disagrees with the majority of its tasks")
        return [None] if truth == stage else [truth]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        opp = params.values["opportunity"]
        rec = run(f"SELECT Id, Name, StageName FROM Opportunity WHERE Id = '{opp}'")["records"][0]
        tasks = run(f"SELECT Id, Subject, Status, ActivityDate FROM Task WHERE WhatId = '{opp}'")["records"]
        guide = guide_from_run(run)
        best = majority_stage([t["Subject"] for t in tasks], guide)
        return [None] if best == rec["StageName"] else [best]


def fact(ctx: Context, record_id: str, kind: str):
    """One planted fact of a record (None when the record has no such fact)."""
    rows = ctx.sql("SELECT value FROM _facts WHERE record_id = ? AND kind = ?", (record_id, kind))
    return json.loads(rows[0]["value"]) if rows else None
