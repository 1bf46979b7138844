"""handle_time: the agent with the lowest or highest average case handle time in a window.

Two counts, as CRMArena-Pro's policy has them: the "more than N cases" bar counts every case an
agent handled (first owner and every agent it was transferred to, `HANDLED_RULE`), while the
average runs only over the agent's closed cases that were never transferred. A qualifying agent
without such a case has no average and is not ranked.
"""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.tasks.families._database import (
    HANDLED_RULE, average, busy_window, extreme, handled_counts, handled_per_agent, handled_via,
    more_than_threshold, required_text, seconds_between,
)
from crmweaver.tasks.family import Context, Family, Params, Runner, register
from crmweaver.tasks.windows import Window, count_of

LOW = ("lowest", "shortest", "quickest", "fastest", "best")
HIGH = ("highest", "longest", "slowest", "worst")


def pick(handled: dict[str, int], durations: dict[str, list[int]], more_than: int, lowest: bool) -> list:
    """The policy's winner among agents who handled more than `more_than` cases; a tie cannot be broken."""
    return extreme({a: average(d) for a, d in durations.items() if d and handled.get(a, 0) > more_than}, lowest)


@register
class HandleTime(Family):
    code = "handle_time"
    templates = (
        "Which agent had the {adj} average handle time in {window}? Only count agents who handled more than {cases}.",
        "Who's our {adj} agent by average handle time over {window}, among those who handled more than {cases}?",
        "Find the agent with the {adj} average case handle time for cases created in {window}, considering agents with more than {cases}.",
        "I'm putting together the service review for {window}. Which agent had the {adj} average handle time? Leave out anyone who handled {cases} or fewer.",
        "For {window}, identify the agent with the {adj} average handle time. Consider agents managing more than {cases}.",
        "Which of our support agents had the {adj} handle time on average in {window}? Agents need more than {cases} to count.",
        "Looking at {window}: which agent shows the {adj} average handle time per case, among agents with more than {cases}?",
        "Quick one: {adj} average handle time in {window}, agents with more than {cases}. Who is it?",
        "Our service manager wants to know which agent had the {adj} average handle time for cases from {window}. Only agents with more than {cases} count.",
        "Among agents who handled more than {cases} created in {window}, who has the {adj} average handle time?",
        "Can you check who had the {adj} average handling time on cases during {window}? Skip anyone with {cases} or fewer.",
        "Which agent took the {took} on average to handle a case in {window}? I only care about agents who handled more than {cases}.",
        "Who on the service team had the {adj} handle time on average over {window}, if we only look at agents with more than {cases}?",
        "I need the agent with the {adj} average handle time in {window}, counting only agents who worked more than {cases}.",
        "Whose cases had the {adj} average handle time in {window}? Consider only agents who handled more than {cases}.",
    )

    def durations(self, ctx: Context, window: Window) -> dict[str, list[int]]:
        """Handle times (seconds) of the closed, never-transferred cases created in the window, by owner."""
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
        window = busy_window(rng, ctx)
        handled = handled_per_agent(ctx, window)
        more_than = more_than_threshold(rng, max(handled.values(), default=0), want_none, cap=4)
        lowest = rng.random() < 0.5
        query, template = self.phrase(
            rng, adj=rng.choice(LOW if lowest else HIGH), speed="fastest" if lowest else "slowest",
            took="least time" if lowest else "most time", window=window.phrase, cases=count_of(more_than, "case"),
        )
        query += " " + self.return_only(none="if no agent qualifies")
        required = required_text(
            ctx,
            "The handle time of a case is the time between its CreatedDate and its ClosedDate. Consider the cases "
            f"created within the requested period. {HANDLED_RULE} Only agents who handled more than "
            f"{count_of(more_than, 'case')} of these qualify. When averaging, ignore transferred cases (cases with "
            "an 'Owner Assignment' record whose OldValue__c is set) and cases not yet closed: a qualifying agent's "
            "average handle time is the mean over the closed, never-transferred cases they own (Case.OwnerId), and "
            "an agent without such a case is not ranked. Answer with the agent's User Id, or None if no agent "
            "can be ranked.",
        )
        values = {"window": window.to_dict(), "more_than": more_than, "lowest": lowest}
        facts = {"period": window.phrase, "min_cases_exclusive": more_than, "lowest": lowest}
        return Params(values, query, required, template, facts=facts)

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        return pick(handled_per_agent(ctx, window), self.durations(ctx, window), v["more_than"], v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        owner_of, moves = handled_via(run, window)
        handled = handled_counts(owner_of, ((m["CaseId__c"], m["OldValue__c"], m["NewValue__c"]) for m in moves))
        transferred = {m["CaseId__c"] for m in moves if m["OldValue__c"]}
        closed = run(
            f"SELECT Id, OwnerId, CreatedDate, ClosedDate FROM Case WHERE ClosedDate != null AND {window.soql('CreatedDate')}"
        )
        durations: dict[str, list[int]] = defaultdict(list)
        for r in closed["records"]:
            if r["Id"] not in transferred:
                durations[r["OwnerId"]].append(int(seconds_between(r["CreatedDate"], r["ClosedDate"])))
        return pick(handled, durations, v["more_than"], v["lowest"])
