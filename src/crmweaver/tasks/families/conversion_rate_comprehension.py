"""conversion_rate_comprehension: the agent with the lowest or highest lead conversion rate in a window.

Rate = leads created in the window and converted within it (IsConverted, ConvertedDate in the
window) / leads created in the window, per lead owner; only owners of more than N such leads count.
Rates are compared as exact fractions, so equal rates are ties (resampled), never rounding noise.
"""

from __future__ import annotations

import random
from fractions import Fraction

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families._database import bounds, busy_window, cases, extreme
from crmweaver.tasks.windows import Window

LOW = ("lowest", "worst", "poorest")
HIGH = ("highest", "best", "strongest")


def pick(created: dict[str, int], converted: dict[str, int], more_than: int, lowest: bool) -> list:
    rates = {agent: Fraction(converted.get(agent, 0), n) for agent, n in created.items() if n > more_than}
    return extreme(rates, lowest)


@register
class ConversionRateComprehension(Family):
    code = "conversion_rate_comprehension"
    templates = (
        "Which agent had the {adj} lead conversion rate in {window}? Only include agents with more than {leads}.",
        "Who converted leads at the {adj} rate during {window}, among agents owning more than {leads}?",
        "Identify the sales agent with the {adj} conversion rate for leads created in {window} (agents with over {leads} only).",
        "{adj_cap} lead conversion rate in {window}, agents with > {leads} \u2014 who is it?",
        "Give me the User Id of the agent whose leads from {window} converted at the {adj} rate. Ignore agents with {leads} or fewer.",
        "I'm reviewing the funnel for {window}. Which rep has the {adj} lead-to-customer conversion rate, counting only reps with more than {leads}?",
        "Among agents who received more than {leads} in {window}, whose conversion rate was the {adj}?",
        "Our marketing team asks: which agent had the {adj} share of converted leads in {window}? Agents need more than {leads}.",
        "Determine the agent with the {adj} lead conversion rate over {window}, restricted to agents with more than {leads}.",
        "Hey, who's got the {adj} conversion rate on leads from {window}? Only folks with more than {leads}, please.",
        "For {window}: rank lead owners by conversion rate (more than {leads} required) and give me the {adj} one.",
        "Looking only at leads created in {window}, which owner converted the {share} of them? Consider owners of more than {leads}.",
        "Please find the agent with the {adj} lead conversion rate in {window}; an agent must own more than {leads} to be considered.",
        "Conversion check for {window}: {adj} rate among agents with more than {leads}?",
    )

    def counts(self, ctx: Context, window: Window) -> tuple[dict[str, int], dict[str, int]]:
        """(leads created in the window per owner, of those, converted within the window per owner)."""
        start, end = bounds(window)
        rows = ctx.sql(
            """SELECT OwnerId, COUNT(*) n,
                      SUM(IsConverted = 1 AND ConvertedDate IS NOT NULL AND substr(ConvertedDate, 1, 10) >= :s
                          AND substr(ConvertedDate, 1, 10) < :e) k
               FROM Lead WHERE substr(CreatedDate, 1, 10) >= :s AND substr(CreatedDate, 1, 10) < :e
               GROUP BY OwnerId""",
            {"s": start, "e": end},
        )
        return {r["OwnerId"]: r["n"] for r in rows}, {r["OwnerId"]: r["k"] for r in rows if r["k"]}

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        window = busy_window(rng, ctx.today)
        created, _ = self.counts(ctx, window)
        most = max(created.values(), default=0)
        if want_none:
            more_than = max(most, rng.choice((1, 2, 3)))
        elif most == 0:
            raise Resample
        else:
            more_than = rng.randint(0, min(most - 1, 6))
        lowest = rng.random() < 0.5
        adj = rng.choice(LOW if lowest else HIGH)
        query, template = self.phrase(
            rng, adj=adj, adj_cap=adj.capitalize(), share="smallest share" if lowest else "largest share",
            window=window.phrase, leads=cases(more_than, "lead"),
        )
        required = (
            f"Today's date is {ctx.today.isoformat()}. Consider the leads created within the requested period (by "
            "Lead.CreatedDate), grouped by owner (Lead.OwnerId). Only agents owning more than "
            f"{more_than} such leads qualify. An agent's conversion rate is the number of those leads that were "
            "converted within the same period (IsConverted = true and ConvertedDate within the period) divided by "
            "the number of those leads. Answer with the User Id of the qualifying agent with the requested rate, "
            "or None if no agent qualifies."
        )
        values = {"window": window.to_dict(), "more_than": more_than, "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase, "min_leads_exclusive": more_than})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        created, converted = self.counts(ctx, Window.from_dict(v["window"]))
        return pick(created, converted, v["more_than"], v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        made = run(f"SELECT OwnerId, COUNT(Id) n FROM Lead WHERE {window.soql('CreatedDate')} GROUP BY OwnerId")
        won = run(
            f"SELECT OwnerId, COUNT(Id) n FROM Lead WHERE {window.soql('CreatedDate')} AND IsConverted = true "
            f"AND {window.soql('ConvertedDate', is_date=True)} GROUP BY OwnerId"
        )
        created = {r["OwnerId"]: r["n"] for r in made["records"]}
        converted = {r["OwnerId"]: r["n"] for r in won["records"]}
        return pick(created, converted, v["more_than"], v["lowest"])
