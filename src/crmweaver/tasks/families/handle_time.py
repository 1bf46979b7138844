"""handle_time: the agent with the lowest or highest average case handle time in a window."""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.tasks.families._database import average, extreme, seconds_between
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window, random_window

LOW = ("lowest", "shortest", "quickest", "fastest", "best")
HIGH = ("highest", "longest", "slowest", "worst")


def pick(durations: dict[str, list[int]], more_than: int, lowest: bool) -> list:
    """The policy's winner among agents with more than `more_than` cases; a tie cannot be broken."""
    return extreme({agent: average(d) for agent, d in durations.items() if len(d) > more_than}, lowest)


@register
class HandleTime(Family):
    code = "handle_time"
    templates = (
        "Which agent had the {adj} average handle time over {window}? Only count agents who handled more than {n} cases.",
        "Who's our {adj} agent by average handle time in {window}, among those with more than {n} cases?",
        "Find the agent with the {adj} average case handle time for cases created in {window} (agents with over {n} cases only).",
        "Give me the Id of the service agent whose average handle time was the {adj} during {window}; ignore agents with {n} or fewer cases.",
        "For {window}, identify the agent with the {adj} average handle time. Consider agents managing more than {n} cases.",
        "I need the agent with the {adj} avg handle time across cases opened in {window} — agents with more than {n} cases, please.",
        "Looking at {window}: which support agent shows the {adj} mean time to close a case? Minimum: more than {n} cases.",
        "Return the User Id of the agent with the {adj} average handle time in {window}, considering only agents who had more than {n} cases.",
        "Quick one: {adj} average handle time in {window}, agents with > {n} cases. Who is it?",
        "Our service manager wants to know which agent had the {adj} average handle time for cases from {window}. Only agents with more than {n} cases count.",
        "Among agents who handled more than {n} cases created in {window}, who has the {adj} average handle time?",
        "Determine which agent posted the {adj} average handle time in {window} (agent must have more than {n} cases).",
        "Can you check who had the {adj} average handling time on cases during {window}? Skip anyone with {n} cases or fewer.",
        "Rank agents by average handle time for {window} and tell me the {adj} one — more than {n} cases required.",
    )

    def durations(self, ctx: Context, window: Window) -> dict[str, list[int]]:
        rows = ctx.sql(
            """SELECT c.OwnerId, c.CreatedDate, c.ClosedDate FROM "Case" c
               WHERE c.ClosedDate IS NOT NULL AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?
                 AND NOT EXISTS (SELECT 1 FROM CaseHistory__c h WHERE h.CaseId__c = c.Id
                                 AND h.Field__c = 'Owner Assignment' AND h.OldValue__c IS NOT NULL)
               ORDER BY c.Id""",
            (window.start.isoformat(), window.end.isoformat()),
        )
        out: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            out[r["OwnerId"]].append(int(seconds_between(r["CreatedDate"], r["ClosedDate"])))
        return out

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        window = random_window(rng, ctx.today)
        durations = self.durations(ctx, window)
        most = max((len(d) for d in durations.values()), default=0)
        if want_none:
            more_than = max(most, rng.choice((1, 2, 3)))
        elif most == 0:
            raise Resample
        else:
            more_than = rng.randint(0, min(most - 1, 4))
        lowest = rng.random() < 0.5
        adj = rng.choice(LOW if lowest else HIGH)
        query, template = self.phrase(rng, adj=adj, window=window.phrase, n=more_than)
        required = (
            f"Today's date is {ctx.today.isoformat()}. The handle time of a case is the time between its "
            "CreatedDate and its ClosedDate. Consider closed cases created within the requested period. "
            "Ignore transferred cases: a case counts as transferred when its CaseHistory__c has an "
            "'Owner Assignment' record with a previous owner (OldValue__c set), i.e. it changed hands after "
            "it was opened. Group the remaining cases by their owner (OwnerId), keep only "
            f"agents with more than {more_than} such cases, and compare their average handle time. "
            "Answer with the agent's User Id, or None if no agent qualifies."
        )
        values = {"window": window.to_dict(), "more_than": more_than, "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase, "min_cases_exclusive": more_than})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        return pick(self.durations(ctx, Window.from_dict(v["window"])), v["more_than"], v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        cases = run(
            "SELECT Id, OwnerId, CreatedDate, ClosedDate FROM Case "
            f"WHERE ClosedDate != null AND {window.soql('CreatedDate')}"
        )
        transferred = run(
            "SELECT CaseId__c FROM CaseHistory__c WHERE Field__c = 'Owner Assignment' AND OldValue__c != null "
            f"AND CaseId__r.ClosedDate != null AND {window.soql('CaseId__r.CreatedDate')}"
        )
        skip = {r["CaseId__c"] for r in transferred["records"]}
        durations: dict[str, list[int]] = defaultdict(list)
        for r in cases["records"]:
            if r["Id"] not in skip:
                durations[r["OwnerId"]].append(int(seconds_between(r["CreatedDate"], r["ClosedDate"])))
        return pick(durations, v["more_than"], v["lowest"])
