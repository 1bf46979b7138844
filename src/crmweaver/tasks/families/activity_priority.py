"""activity_priority: which of an opportunity's 'Not Started' tasks do not fit its current stage?

Gold comes from the planted `task_misfit` facts (a 'Not Started' task whose subject is not an
activity of its opportunity's StageName), cross-checked with plain SQL against the catalog's
stage activities; the reference reads the tasks and the guide article through the engine. Rows
with an answer ask about correctly staged opportunities whose planted misfits number 4-7
(CRMArena-Pro's answers list 4-7 Task Ids, mean about 5); None rows ask about correctly staged
opportunities whose 'Not Started' tasks all fit (or that have none). The policy stays in
metadata.required, the stage→activity definitions go to metadata.optional.
"""

from __future__ import annotations

import random

from crmweaver.tasks.families.wrong_stage_rectification import GUIDE_TITLE, guide_from_run, opportunity_pools, stage_details
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

ID_IN_CONTEXT = 0.8
POLICY = (
    "Task prioritisation policy: an opportunity's tasks with Status 'Not Started' whose Subject is not a typical "
    f"activity of the opportunity's current stage (per the knowledge article '{GUIDE_TITLE}') do not fit the stage "
    "and should be deprioritised."
)


def misfits(tasks: list, stage: str, guide: dict[str, set[str]]) -> list:
    """Ids of 'Not Started' tasks whose Subject is not a typical activity of `stage`; [None] if none."""
    if stage not in guide:
        raise Resample
    out = sorted(t["Id"] for t in tasks if t["Status"] == "Not Started" and t["Subject"] not in guide[stage])
    return out or [None]


GENERIC = (
    "Which of the Not Started tasks on this opportunity don't fit its current stage?",
    "Look at the open tasks on this deal and tell me which ones should be deprioritised because they belong to a different stage.",
    "I'm planning my week. On this opportunity, are there any not-started tasks that don't match the deal's stage?",
    "Identify the Not Started tasks on this opportunity that are out of place for its current stage.",
    "Can you check this opportunity for queued tasks that don't belong to its stage?",
    "Which pending tasks on this opportunity can wait because they don't fit where the deal is right now?",
    "any misfit tasks on this opp? i mean not-started ones that don't match the stage.",
    "As part of pipeline hygiene, find every Not Started task on this opportunity whose subject doesn't fit its stage.",
    "Help me prioritise: among this opportunity's tasks that haven't been started, which ones aren't relevant to its current stage?",
    "Our sales manager asked which not-yet-started activities on this deal are mismatched with its stage. What are they?",
    "Any Not Started tasks on this opportunity that belong to another stage?",
    "There are a lot of open to-dos on this opportunity. Which of them don't make sense for the stage it's in?",
    "Which tasks on this deal should I push down the list because they're meant for a different stage?",
    "Clean-up request: flag the not-started tasks on this opportunity that don't match its stage.",
    "What on this opportunity's to-do list is out of step with the stage it's at?",
    "Before my pipeline review, which of the untouched tasks on this deal are for another stage?",
)
WITH_ID = (
    "Which of the Not Started tasks on opportunity {opp} don't fit its current stage?",
    "For opportunity {opp}, which 'Not Started' tasks are not typical activities of the stage it is in?",
    "Can you check {opp} for queued tasks that don't belong to its stage?",
    "Any Not Started tasks on {opp} that belong to another stage?",
)


@register
class ActivityPriority(Family):
    code = "activity_priority"
    templates = GENERIC + WITH_ID

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        pools = opportunity_pools(ctx, self)
        # None rows mostly have 'Not Started' tasks that all fit; a few have none at all
        pool = (pools["clean_pending"] if rng.random() < 0.85 else pools["clean"]) if want_none else pools["misfit"]
        if not pool:
            raise Resample
        opp = rng.choice(pool)
        in_context = rng.random() < ID_IN_CONTEXT
        group, offset = (GENERIC, 0) if in_context else (WITH_ID, len(GENERIC))
        i = rng.randrange(len(group))
        query = f"{group[i].format(opp=opp)} {self.return_only(none='if they all fit')}"
        required = f"{ctx.today_sentence()} {POLICY}" + (f" The opportunity's Id is {opp}." if in_context else "")
        return Params({"opportunity": opp}, query, required, offset + i, optional=stage_details(ctx),
                      facts={"opportunity": opp})

    def solve(self, ctx: Context, params: Params) -> list:
        opp = params.values["opportunity"]
        gold = sorted(r["record_id"] for r in ctx.sql(
            "SELECT f.record_id FROM _facts f JOIN Task t ON t.Id = f.record_id "
            "WHERE f.kind = 'task_misfit' AND f.value = 'true' AND t.WhatId = ?", (opp,))) or [None]
        stage = ctx.sql("SELECT StageName FROM Opportunity WHERE Id = ?", (opp,))[0]["StageName"]
        tasks = ctx.sql("SELECT Id, Subject, Status FROM Task WHERE WhatId = ?", (opp,))
        check = misfits(tasks, stage, {s: set(a) for s, a in ctx.catalog.stage_activities.items()})
        if check != gold:
            raise RuntimeError(f"{opp}: planted task_misfit facts {gold} disagree with the stage guide {check}")
        return gold

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        opp = params.values["opportunity"]
        stage = run(f"SELECT Id, StageName FROM Opportunity WHERE Id = '{opp}'")["records"][0]["StageName"]
        tasks = run(f"SELECT Id, Subject, Status FROM Task WHERE WhatId = '{opp}' AND Status = 'Not Started'")["records"]
        return misfits(tasks, stage, guide_from_run(run))
