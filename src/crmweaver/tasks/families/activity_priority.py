"""activity_priority: which of an opportunity's 'Not Started' tasks do not fit its current stage?

Gold comes from the planted `task_misfit` facts (a 'Not Started' task whose subject is not an
activity of its opportunity's StageName), cross-checked with plain SQL against the catalog's
stage activities; the reference reads the tasks and the guide article through the engine.
"""

from __future__ import annotations

import random

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families.wrong_stage_rectification import GUIDE_POLICY, guide_from_run


def misfits(tasks: list, stage: str, guide: dict[str, set[str]]) -> list:
    """Ids of 'Not Started' tasks whose Subject is not a typical activity of `stage`; [None] if none."""
    if stage not in guide:
        raise Resample
    out = sorted(t["Id"] for t in tasks if t["Status"] == "Not Started" and t["Subject"] not in guide[stage])
    return out or [None]


@register
class ActivityPriority(Family):
    code = "activity_priority"
    templates = (
        "Which of the Not Started tasks on opportunity {opp} don't fit its current stage?",
        "Look at the open (Not Started) tasks for {opp} and tell me which ones should be deprioritised because they belong to a different stage.",
        "For opportunity {opp}, list the Ids of 'Not Started' tasks that are not typical activities of the stage it is in.",
        "I'm planning my week. On deal {opp}, are there any not-started tasks that don't match the deal's stage? Give me their Ids.",
        "Opportunity {opp}: identify the Not Started tasks that are out of place for its current stage, per the stage activity guide.",
        "Can you check {opp} for queued tasks that don't belong to its stage? Return the task Ids, or None if they all fit.",
        "Which pending tasks on {opp} can wait because they don't fit the opportunity's current stage?",
        "Please review the tasks with status Not Started on opportunity {opp} and return those inconsistent with its StageName.",
        "misfit tasks on {opp}? (not started ones that don't match the stage)",
        "As part of pipeline hygiene, find every Not Started task on opportunity {opp} whose subject is not an activity of the opportunity's current stage.",
        "Help me prioritise: among the Not Started tasks of {opp}, which ones are not relevant to the stage the deal is at right now?",
        "Give me the Task Ids on {opp} that haven't been started and don't fit its stage according to our stage guide.",
        "Our sales manager asked which not-yet-started activities on opportunity {opp} are mismatched with its stage. What are they?",
        "Any Not Started tasks on {opp} that belong to another stage? List their Ids.",
    )

    def _candidates(self, ctx: Context) -> tuple[list[str], list[str], list[str]]:
        cache = getattr(self, "_cand", None)
        if cache is None or cache[0] is not ctx:
            flagged = ctx.facts("task_misfit")
            rows = ctx.sql("SELECT Id, WhatId, Status FROM Task WHERE WhatId LIKE '006%' ORDER BY Id")
            with_misfit = sorted({r["WhatId"] for r in rows if r["Id"] in flagged})
            has_open = sorted({r["WhatId"] for r in rows if r["Status"] == "Not Started"} - set(with_misfit))
            without_open = sorted({r["WhatId"] for r in rows} - set(with_misfit) - set(has_open))
            self._cand = cache = (ctx, with_misfit, has_open, without_open)
        return cache[1], cache[2], cache[3]

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        with_misfit, has_open, without_open = self._candidates(ctx)
        # None instances mostly have Not Started tasks that all fit; a few have none at all
        pool = with_misfit if not want_none else (has_open if rng.random() < 0.85 or not without_open else without_open)
        if not pool:
            raise Resample
        opp = rng.choice(pool)
        query, template = self.phrase(rng, opp=opp)
        required = (
            f"Today's date is {ctx.today.isoformat()}. {GUIDE_POLICY} Among the opportunity's tasks whose Status is "
            "'Not Started', find those whose Subject is not a typical activity of the opportunity's current StageName; "
            "they should be deprioritised. Answer with the Ids of all such tasks, or None if there are none."
        )
        return Params({"opportunity": opp}, query, required, template, facts={"opportunity": opp})

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
