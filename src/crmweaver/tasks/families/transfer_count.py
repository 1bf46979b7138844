"""transfer_count: the agent with the fewest or most case transfers in a window, among busy agents.

A transfer is a CaseHistory__c 'Owner Assignment' row with a previous owner (OldValue__c); it
counts for that previous owner. Rows without OldValue__c are initial assignments, not transfers,
so the family stays right whether or not the org writes one for every new case. The "more than N
cases" bar counts every case an agent handled: its first owner and every agent it was
transferred to (`HANDLED_RULE`), as CRMArena-Pro's policy does.
"""

from __future__ import annotations

import random

from crmweaver.tasks.families._database import (
    HANDLED_RULE, bounds, busy_window, extreme, handled_counts, handled_per_agent, handled_via,
    more_than_threshold, required_text,
)
from crmweaver.tasks.family import Context, Family, Params, Runner, register
from crmweaver.tasks.windows import Window, count_of

LOW = ("lowest", "smallest")
HIGH = ("highest", "largest", "greatest")


def pick(handled: dict[str, int], transfers: dict[str, int], more_than: int, lowest: bool) -> list:
    """Among agents who handled more than `more_than` cases, the one with the fewest/most transfers."""
    eligible = {agent: transfers.get(agent, 0) for agent, n in handled.items() if n > more_than}
    return extreme(eligible, lowest)


@register
class TransferCount(Family):
    code = "transfer_count"
    templates = (
        "Which agent had the {adj} number of case transfers in {window}? Only consider agents who handled more than {cases}.",
        "Who transferred the {few} cases during {window}, among agents who managed more than {cases}?",
        "Identify the service agent with the {adj} transfer count for {window}. Agents must have handled more than {cases} to count.",
        "Among agents handling more than {cases} created in {window}, who has the {adj} number of transfers?",
        "Quick question: {adj} number of transfers in {window}, agents with more than {cases}. Who?",
        "I'm reviewing case routing for {window}. Which agent passed the {few} cases on to a colleague, among those who handled more than {cases}?",
        "Find the agent who handed cases off to colleagues the {few} times in {window}; skip anyone who handled {cases} or fewer.",
        "Considering only agents that managed more than {cases} in {window}, which agent has the {adj} number of transfers?",
        "Our support lead wants to know who made the {few} transfers over {window}. Restrict it to agents with more than {cases}.",
        "For {window}: which agent has the {adj} number of case hand-offs? Only agents who handled more than {cases} count.",
        "Can you tell me which agent recorded the {few} transfers in {window}? Ignore agents with {cases} or fewer.",
        "Who reassigned the {few} of their cases to someone else in {window}? Look only at agents who handled more than {cases}.",
        "Whose transfer count was the {low_high} in {window}? Count only agents with more than {cases}.",
        "Which agent moved the {few} cases to other agents in {window}? Only agents managing more than {cases} should be considered.",
    )

    def transfers(self, ctx: Context, window: Window) -> dict[str, int]:
        """Transfers per previous owner, on cases created in the window."""
        rows = ctx.sql(
            """SELECT h.OldValue__c, COUNT(*) n FROM CaseHistory__c h JOIN "Case" c ON c.Id = h.CaseId__c
               WHERE h.Field__c = 'Owner Assignment' AND h.OldValue__c IS NOT NULL
                 AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?
               GROUP BY h.OldValue__c""",
            bounds(window),
        )
        return {r["OldValue__c"]: r["n"] for r in rows}

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        window = busy_window(rng, ctx)
        handled = handled_per_agent(ctx, window)
        more_than = more_than_threshold(rng, max(handled.values(), default=0), want_none, cap=5)
        lowest = rng.random() < 0.5
        query, template = self.phrase(
            rng, adj=rng.choice(LOW if lowest else HIGH), few="fewest" if lowest else "most",
            low_high="lowest" if lowest else "highest", window=window.phrase, cases=count_of(more_than, "case"),
        )
        query += " " + self.return_only(none="if no agent qualifies")
        required = required_text(
            ctx,
            "Consider the cases created within the requested period (by Case.CreatedDate). "
            f"{HANDLED_RULE} Only agents who handled more than {count_of(more_than, 'case')} of these qualify. "
            "A transfer is a CaseHistory__c record with Field__c = 'Owner Assignment' whose OldValue__c (the "
            "previous owner) is set; it counts for the previous owner, not the new one. Records without "
            "OldValue__c are initial assignments, not transfers. Count each qualifying agent's transfers on the "
            "cases created in the period (an agent with none has zero) and compare. Answer with the agent's "
            "User Id, or None if no agent qualifies.",
        )
        values = {"window": window.to_dict(), "more_than": more_than, "lowest": lowest}
        facts = {"period": window.phrase, "min_cases_exclusive": more_than, "lowest": lowest}
        return Params(values, query, required, template, facts=facts)

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        return pick(handled_per_agent(ctx, window), self.transfers(ctx, window), v["more_than"], v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        owner_of, moves = handled_via(run, window)
        handled = handled_counts(owner_of, ((m["CaseId__c"], m["OldValue__c"], m["NewValue__c"]) for m in moves))
        transfers: dict[str, int] = {}
        for m in moves:
            if m["OldValue__c"]:
                transfers[m["OldValue__c"]] = transfers.get(m["OldValue__c"], 0) + 1
        return pick(handled, transfers, v["more_than"], v["lowest"])
