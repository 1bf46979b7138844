"""wrong_stage_rectification: does an opportunity's StageName match its tasks? If not, the right stage.

The org plants wrong stages (`_facts` kind `true_stage` differs from StageName): every task of such an
opportunity is a typical activity of its true stage; won deals whose rep never closed them carry
Closed-stage activities under an open StageName, and CRMArena-Pro's prior (about 40 % of non-None
answers are Closed) is kept by sampling. None rows ask about opportunities whose tasks all belong
to their StageName, so "the stage the tasks belong to" is unambiguous either way.

As in CRMArena-Pro, metadata.required carries only the date and (for most rows) the opportunity's
Id: no method. The stage→activity definitions every row shares go to metadata.optional; the
reference reads them from the knowledge base's guide article, as an unaided agent must. Rows are
about the opportunity's current state, so the opportunity is not tied to the row's date.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

GUIDE_TITLE = "Opportunity Stage Activity Guide"
_GUIDE_LINE = re.compile(r"^([A-Z][A-Za-z]+): (.+)\.$")
CLOSED_SHARE = 0.4  # CRMArena-Pro: about 40 % of non-None answers are a Closed stage
ID_IN_CONTEXT = 0.8


def parse_guide(body: str) -> dict[str, set[str]]:
    """Stage -> typical activities, from the guide's text ("Stage: act; act; act." lines)."""
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


def stage_details(ctx: Context) -> str:
    """The shared definitions (metadata.optional): the stages and each stage's typical activities."""
    acts = ctx.catalog.stage_activities
    lines = "\n".join(f"{stage}: " + "; ".join(a) + "." for stage, a in acts.items())
    return (
        f"Opportunity stages, in order: {', '.join(acts)}. The knowledge article '{GUIDE_TITLE}' lists the typical "
        f"activities of each stage:\n{lines}\nA task belongs to the stage whose list contains its Subject; an "
        "opportunity belongs in the stage its tasks belong to."
    )


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


def opportunity_pools(ctx: Context, holder: object) -> dict[str, list[str]]:
    """Opportunity Ids by how their StageName relates to their tasks, cached on `holder` per org:
    'wrong_closed' / 'wrong_open' (true stage Closed / open, StageName differs), 'clean' (right stage,
    every task of it; 'clean_pending' those with a 'Not Started' task), 'misfit' (right stage, some 'Not Started'
    tasks of other stages)."""
    cache = getattr(holder, "_pools", None)
    if cache is None or cache[0] is not ctx.org:
        truth = ctx.facts("true_stage")
        misfit_opps = {r["WhatId"] for r in ctx.sql(
            "SELECT t.WhatId FROM Task t JOIN _facts f ON f.record_id = t.Id WHERE f.kind = 'task_misfit'")}
        with_tasks = {r["WhatId"] for r in ctx.sql("SELECT DISTINCT WhatId FROM Task")}
        pending = {r["WhatId"] for r in ctx.sql("SELECT DISTINCT WhatId FROM Task WHERE Status = 'Not Started'")}
        pools: dict[str, list[str]] = {"wrong_closed": [], "wrong_open": [], "clean": [], "clean_pending": [], "misfit": []}
        for r in ctx.sql("SELECT Id, StageName FROM Opportunity ORDER BY Id"):
            true = truth.get(r["Id"])
            if true is None or r["Id"] not in with_tasks:
                continue
            if true != r["StageName"]:
                pools["wrong_closed" if true == "Closed" else "wrong_open"].append(r["Id"])
            else:
                pools["misfit" if r["Id"] in misfit_opps else "clean"].append(r["Id"])
                if r["Id"] not in misfit_opps and r["Id"] in pending:
                    pools["clean_pending"].append(r["Id"])
        holder._pools = cache = (ctx.org, pools)  # type: ignore[attr-defined]
    return cache[1]


GENERIC = (
    "Is this opportunity sitting in the right stage? If not, which stage should it be in?",
    "Does the stage of this opportunity match the activities logged on it?",
    "I suspect this deal is at the wrong stage. Can you check it against its tasks?",
    "Quick sanity check: is the stage right on this opportunity, given what's been done on it?",
    "Our pipeline review flagged this opportunity. Based on its task history, what stage should it really be at?",
    "Does the recorded stage line up with the opportunity's activities? If it's wrong, what should it be changed to?",
    "Looking at the tasks on this opportunity, which stage is the deal actually in?",
    "Before forecasting, I need to know if this opportunity has a mislabeled stage.",
    "stage check on this opp please.",
    "Could you confirm that this opportunity is recorded in the correct stage?",
    "The rep may have forgotten to update this opportunity. Is its stage still right?",
    "Is the stage on this opportunity accurate, or does the activity history point to a different one?",
    "Can you tell me whether this deal's stage reflects where it really is?",
    "I'm cleaning up the pipeline. Should this opportunity's stage be corrected?",
    "Does anything about this opportunity's tasks suggest it belongs in another stage?",
    "Help me audit this opportunity: right stage or wrong stage?",
)
WITH_ID = (
    "Is opportunity {opp} sitting in the right stage? If not, which stage should it be in?",
    "Check whether the stage of opportunity {opp} matches its activities.",
    "I suspect {opp} is at the wrong stage. Can you verify against its tasks?",
    "Does the stage on {opp} line up with its activities? If it's wrong, what should it be?",
)


@register
class WrongStageRectification(Family):
    code = "wrong_stage_rectification"
    templates = GENERIC + WITH_ID

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        pools = opportunity_pools(ctx, self)
        if want_none:
            pool = pools["clean"]
        else:
            pool = pools["wrong_closed"] if rng.random() < CLOSED_SHARE else pools["wrong_open"]
        if not pool:
            raise Resample
        opp = rng.choice(pool)
        in_context = rng.random() < ID_IN_CONTEXT
        group, offset = (GENERIC, 0) if in_context else (WITH_ID, len(GENERIC))
        i = rng.randrange(len(group))
        query = f"{group[i].format(opp=opp)} {self.return_only(none='if its current stage is correct')}"
        required = ctx.today_sentence() + (f" The opportunity's Id is {opp}." if in_context else "")
        return Params({"opportunity": opp}, query, required, offset + i, optional=stage_details(ctx),
                      facts={"opportunity": opp})

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
