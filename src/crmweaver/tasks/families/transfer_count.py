"""transfer_count: the agent with the fewest or most case transfers in a window, among busy agents.

A transfer is a CaseHistory__c 'Owner Assignment' row with a previous owner (OldValue__c); it
counts for that previous owner. Rows without OldValue__c are initial assignments, not transfers,
so the family stays right whether or not the org writes one for every new case.
"""

from __future__ import annotations

import random

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families._database import bounds, busy_window, cases, extreme
from crmweaver.tasks.windows import Window

LOW = ("lowest", "smallest")
HIGH = ("highest", "largest", "greatest")


def pick(managed: dict[str, int], transfers: dict[str, int], more_than: int, lowest: bool) -> list:
    """Among agents managing more than `more_than` cases, the one with the fewest/most transfers."""
    eligible = {agent: transfers.get(agent, 0) for agent, n in managed.items() if n > more_than}
    return extreme(eligible, lowest)


@register
class TransferCount(Family):
    code = "transfer_count"
    templates = (
        "Which agent had the {adj} number of case transfers in {window}? Only consider agents managing more than {cases}.",
        "Who transferred the {few} cases during {window}, among agents who managed more than {cases}?",
        "Identify the service agent with the {adj} transfer count for {window}. Agents must manage more than {cases} to count.",
        "Among agents handling more than {cases} created in {window}, who has the {adj} number of transfers?",
        "Quick question: {adj} transfers in {window}, agents with > {cases}. Who?",
        "Give me the User Id of the agent with the {adj} number of transferred-out cases in {window} (only agents managing more than {cases}).",
        "I'm reviewing routing for {window}. Which agent shows the {adj} transfer count among those with more than {cases} of their own?",
        "Find the agent who handed cases off to colleagues the {few} times in {window}; skip anyone managing {cases} or fewer.",
        "Considering only agents that managed more than {cases} in {window}, return the agent with the {adj} number of transfers.",
        "Our support lead wants to know who made the {few} transfers over {window}. Restrict it to agents with more than {cases}.",
        "For {window}: which agent has the {adj} number of case hand-offs? Only agents owning more than {cases} count.",
        "Can you tell me which agent recorded the {few} transfers in {window}? Ignore agents with {cases} or fewer.",
        "Determine the agent with the {adj} count of case transfers for cases opened in {window}, limited to agents managing over {cases}.",
        "{adj_cap} number of transfers in {window} — which agent is that? (agents with more than {cases} only)",
    )

    def counts(self, ctx: Context, window: Window) -> tuple[dict[str, int], dict[str, int]]:
        """(cases managed per owner, transfers per previous owner) for cases created in the window."""
        params = bounds(window)
        managed = {
            r["OwnerId"]: r["n"]
            for r in ctx.sql(
                """SELECT OwnerId, COUNT(*) n FROM "Case"
                   WHERE substr(CreatedDate, 1, 10) >= ? AND substr(CreatedDate, 1, 10) < ? GROUP BY OwnerId""",
                params,
            )
        }
        transfers = {
            r["OldValue__c"]: r["n"]
            for r in ctx.sql(
                """SELECT h.OldValue__c, COUNT(*) n FROM CaseHistory__c h JOIN "Case" c ON c.Id = h.CaseId__c
                   WHERE h.Field__c = 'Owner Assignment' AND h.OldValue__c IS NOT NULL
                     AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?
                   GROUP BY h.OldValue__c""",
                params,
            )
        }
        return managed, transfers

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        window = busy_window(rng, ctx.today)
        managed, _ = self.counts(ctx, window)
        most = max(managed.values(), default=0)
        if want_none:
            more_than = max(most, rng.choice((1, 2, 3)))
        elif most == 0:
            raise Resample
        else:
            more_than = rng.randint(0, min(most - 1, 5))
        lowest = rng.random() < 0.5
        adj = rng.choice(LOW if lowest else HIGH)
        query, template = self.phrase(
            rng, adj=adj, adj_cap=adj.capitalize(), few="fewest" if lowest else "most",
            window=window.phrase, cases=cases(more_than),
        )
        required = (
            f"Today's date is {ctx.today.isoformat()}. Consider the cases created within the requested period "
            "(by Case.CreatedDate). An agent manages the cases they own (Case.OwnerId); only agents managing more "
            f"than {more_than} of these cases qualify. A transfer is a CaseHistory__c record with Field__c = "
            "'Owner Assignment' whose OldValue__c (the previous owner) is set; it counts for the previous owner, "
            "not the new one. Records without OldValue__c are initial assignments, not transfers. Count each "
            "qualifying agent's transfers on the cases created in the period (an agent with none has zero) and "
            "compare. Answer with the agent's User Id, or None if no agent qualifies."
        )
        values = {"window": window.to_dict(), "more_than": more_than, "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase, "min_cases_exclusive": more_than})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        managed, transfers = self.counts(ctx, Window.from_dict(v["window"]))
        return pick(managed, transfers, v["more_than"], v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        owned = run(f"SELECT OwnerId, COUNT(Id) n FROM Case WHERE {window.soql('CreatedDate')} GROUP BY OwnerId")
        moved = run(
            "SELECT OldValue__c, COUNT(Id) n FROM CaseHistory__c WHERE Field__c = 'Owner Assignment' "
            f"AND OldValue__c != null AND {window.soql('CaseId__r.CreatedDate')} GROUP BY OldValue__c"
        )
        managed = {r["OwnerId"]: r["n"] for r in owned["records"]}
        transfers = {r["OldValue__c"]: r["n"] for r in moved["records"]}
        return pick(managed, transfers, v["more_than"], v["lowest"])
