"""conversion_rate_comprehension: the agent with the lowest or highest lead conversion rate in a window.

Rate = leads created in the window and converted within it (IsConverted, ConvertedDate in the
window) / leads created in the window, per lead owner. No minimum number of leads (CRMArena-Pro
has none): every owner of at least one lead created in the window is ranked, and owners without
such a lead are not. Equal rates go to the owner with more leads created in the window (3 of 3
beats 1 of 1; 0 of 5 is lower than 0 of 1); a tie that survives that is resampled. When no lead
of the window was converted within it, every rate is zero and no agent stands out: the answer is
None. Rates are compared as exact fractions, never rounded.
"""

from __future__ import annotations

import random
from fractions import Fraction

from crmweaver.tasks.families._database import bounds, busy_window, empty_window, required_text
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window

LOW = ("lowest", "worst", "poorest", "weakest")
HIGH = ("highest", "best", "strongest", "top")
NONE_KINDS = {"past_weeks": 4, "past_months": 1, "month": 2}  # short windows: nothing converted yet


def pick(created: dict[str, int], converted: dict[str, int], lowest: bool) -> list:
    """The owner with the lowest/highest rate, ties to more leads; None when nothing converted."""
    if not any(converted.get(agent, 0) for agent in created):
        return [None]
    rank = {agent: (Fraction(converted.get(agent, 0), n), n) for agent, n in created.items() if n}
    if lowest:
        best = min(rank.values(), key=lambda rn: (rn[0], -rn[1]))
    else:
        best = max(rank.values())
    winners = [agent for agent, rn in rank.items() if rn == best]
    if len(winners) > 1:
        raise Resample
    return winners


@register
class ConversionRateComprehension(Family):
    code = "conversion_rate_comprehension"
    templates = (
        "Which agent had the {adj} lead conversion rate in {window}?",
        "Who converted leads at the {adj} rate during {window}?",
        "Identify the sales agent with the {adj} conversion rate for leads created in {window}.",
        "{adj_cap} lead conversion rate in {window}: which agent is it?",
        "I'm reviewing the funnel for {window}. Which rep has the {adj} lead-to-customer conversion rate?",
        "Whose leads from {window} converted at the {adj} rate?",
        "Our marketing team asks which agent had the {adj} share of converted leads in {window}. Can you find out?",
        "Which agent was the {job} at converting their leads in {window}?",
        "Hey, who's got the {adj} conversion rate on leads from {window}?",
        "Looking only at leads created in {window}, which owner converted the {share} of them?",
        "Which salesperson turned the {share} of their new leads into customers in {window}?",
        "Conversion check for {window}: which agent has the {adj} lead conversion rate?",
        "Among the agents who received leads in {window}, whose conversion rate was the {adj}?",
        "Which rep did the {job} job of converting leads in {window}?",
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
        if want_none:
            window = empty_window(rng, ctx, lambda w: not self.counts(ctx, w)[1], kinds=NONE_KINDS)
        else:
            window = busy_window(rng, ctx)
            if not self.counts(ctx, window)[1]:
                raise Resample
        lowest = rng.random() < 0.5
        adj = rng.choice(LOW if lowest else HIGH)
        query, template = self.phrase(
            rng, adj=adj, adj_cap=adj.capitalize(), share="smallest share" if lowest else "largest share",
            job="worst" if lowest else "best", window=window.phrase,
        )
        query += " " + self.return_only(none="if no lead from that period was converted")
        required = required_text(
            ctx,
            "Consider the leads created within the requested period (by Lead.CreatedDate), grouped by owner "
            "(Lead.OwnerId). An agent's conversion rate is the number of those leads that were converted within "
            "the same period (IsConverted = true and ConvertedDate within the period) divided by the number of "
            "those leads. There is no minimum number of leads: every agent who owns at least one lead created in "
            "the period is ranked, and agents who own none are not. When agents share the same rate, the one with "
            "more leads created in the period ranks first (for the lowest rate as for the highest). Answer with "
            "the agent's User Id, or None if no lead created in the period was converted within it (every rate "
            "is then zero).",
        )
        values = {"window": window.to_dict(), "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase, "lowest": lowest})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        created, converted = self.counts(ctx, Window.from_dict(v["window"]))
        return pick(created, converted, v["lowest"])

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
        return pick(created, converted, v["lowest"])
