"""sales_cycle_understanding: the agent whose won opportunities close fastest or slowest on average.

Cycle = whole days from Opportunity.CreatedDate (its UTC day) to the signing date of its contract
(Opportunity.ContractID__c): CompanySignedDate, or CustomerSignedDate in B2C orgs, which have no
CompanySignedDate. Opportunities count when that signing date falls in the window.
"""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families._database import (
    average, bounds, busy_window, days_between, empty_window, extreme, required_text, signed_field, signed_phrase,
)
from crmweaver.tasks.windows import Window

FAST = ("shortest", "quickest", "fastest")
SLOW = ("longest", "slowest")


def pick(cycles: dict[str, list[int]], lowest: bool) -> list:
    return extreme({agent: average(days) for agent, days in cycles.items() if days}, lowest)


@register
class SalesCycleUnderstanding(Family):
    code = "sales_cycle_understanding"
    templates = (
        "Which agent closes deals the {speed} on average? Look at deals signed in {window}.",
        "Who had the {adj} average sales cycle for deals signed in {window}?",
        "Which sales agent takes the {took} to close a deal, on average, based on contracts signed in {window}?",
        "I'm looking at deal velocity for {window}. Which rep gets from opportunity to signed contract the {speed}?",
        "Who on the sales team had the {adj} time to close in {window}?",
        "Among deals that were signed in {window}, whose opportunities took the {took} on average to close?",
        "Our CRO wants to know which agent has the {adj} sales cycle. Can you check the deals signed in {window}?",
        "Which agent turned opportunities into signed contracts the {speed} in {window}?",
        "How long do deals take per agent? For contracts signed in {window}, tell me who was the {speed} on average.",
        "Which rep's deals closed the {speed} in {window}, measured from opportunity creation to signature?",
        "Hey, who had the {adj} average deal cycle in {window}?",
        "For deals closed in {window}, which agent needed the {took} on average to get them signed?",
        "Which salesperson has the {adj} average time from new opportunity to signed contract, for {window}?",
        "Whose average sales cycle was the {adj} in {window}?",
        "Looking only at deals signed in {window}, which agent closes the {speed}?",
    )

    def cycles(self, ctx: Context, window: Window) -> dict[str, list[int]]:
        field = signed_field(ctx)
        rows = ctx.sql(
            f"""SELECT o.OwnerId, o.CreatedDate, k.{field} AS signed FROM Opportunity o
                JOIN Contract k ON k.Id = o.ContractID__c
                WHERE k.{field} >= ? AND k.{field} < ? ORDER BY o.Id""",
            bounds(window),
        )
        out: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            out[r["OwnerId"]].append(days_between(r["CreatedDate"], r["signed"]))
        return out

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        if want_none:
            window = empty_window(rng, ctx, lambda w: not self.cycles(ctx, w))
        else:
            window = busy_window(rng, ctx)
            if not self.cycles(ctx, window):
                raise Resample
        lowest = rng.random() < 0.5
        adj = rng.choice(FAST if lowest else SLOW)
        took = "least time" if lowest else "most time"
        speed = "fastest" if lowest else "slowest"
        query, template = self.phrase(rng, adj=adj, took=took, speed=speed, window=window.phrase)
        query += " " + self.return_only(none="if no deal was signed in that period")
        required = required_text(
            ctx,
            "An opportunity's sales cycle is the number of days from the "
            "day of its CreatedDate to the day its contract (Opportunity.ContractID__c) was signed; the signing "
            f"date is {signed_phrase(ctx)}. Consider the opportunities whose contract was signed within the "
            "requested period, group them by owner (Opportunity.OwnerId) and compare the agents' average sales "
            "cycle. Answer with the agent's User Id, or None if no contract was signed in the period.",
        )
        values = {"window": window.to_dict(), "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase, "lowest": lowest})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        return pick(self.cycles(ctx, Window.from_dict(v["window"])), v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        field = signed_field(ctx)
        opps = run(
            f"SELECT Id, OwnerId, CreatedDate, ContractID__r.{field} FROM Opportunity "
            f"WHERE {window.soql(f'ContractID__r.{field}', is_date=True)}"
        )
        cycles: dict[str, list[int]] = defaultdict(list)
        for r in opps["records"]:
            cycles[r["OwnerId"]].append(days_between(r["CreatedDate"], r["ContractID__r"][field]))
        return pick(cycles, v["lowest"])
