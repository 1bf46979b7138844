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
    average, bounds, busy_window, days_between, empty_window, extreme, signed_field, signed_phrase,
)
from crmweaver.tasks.windows import Window

FAST = ("fastest", "shortest", "quickest")
SLOW = ("slowest", "longest")


def pick(cycles: dict[str, list[int]], lowest: bool) -> list:
    return extreme({agent: average(days) for agent, days in cycles.items() if days}, lowest)


@register
class SalesCycleUnderstanding(Family):
    code = "sales_cycle_understanding"
    templates = (
        "Which sales agent had the {adj} average sales cycle for deals signed in {window}?",
        "Who closes deals the {speed} on average? Look at contracts signed in {window}.",
        "Identify the agent with the {adj} average time from opportunity creation to contract signing in {window}.",
        "{adj_cap} average sales cycle in {window} \u2014 which agent?",
        "Give me the User Id of the sales rep whose opportunities had the {adj} average cycle length, for contracts signed during {window}.",
        "I'm analysing deal velocity for {window}. Which agent's average sales cycle was the {adj}?",
        "Among opportunities whose contracts were signed in {window}, which owner took the {took} on average to get there?",
        "Our CRO wants to know who had the {adj} sales cycle on average in {window}. Can you find out?",
        "Determine the sales agent with the {adj} mean number of days between opportunity creation and signature in {window}.",
        "Hey, who had the {adj} average sales cycle in {window}?",
        "Looking at deals signed in {window}, rank agents by average sales cycle and return the {adj} one.",
        "Which opportunity owner shows the {adj} average sales cycle for {window}?",
        "Please find the agent whose won deals in {window} took the {took} on average from creation to signed contract.",
        "For {window}: which agent needed the {took} on average to turn opportunities into signed contracts?",
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
            window = empty_window(rng, ctx.today, lambda w: not self.cycles(ctx, w))
        else:
            window = busy_window(rng, ctx.today)
            if not self.cycles(ctx, window):
                raise Resample
        lowest = rng.random() < 0.5
        adj = rng.choice(FAST if lowest else SLOW)
        took = "least time" if lowest else "most time"
        speed = "fastest" if lowest else "slowest"
        query, template = self.phrase(rng, adj=adj, adj_cap=adj.capitalize(), took=took, speed=speed, window=window.phrase)
        required = (
            f"Today's date is {ctx.today.isoformat()}. An opportunity's sales cycle is the number of days from the "
            "day of its CreatedDate to the day its contract (Opportunity.ContractID__c) was signed; the signing "
            f"date is {signed_phrase(ctx)}. Consider the opportunities whose contract was signed within the "
            "requested period, group them by owner (Opportunity.OwnerId) and compare the agents' average sales "
            "cycle. Answer with the agent's User Id, or None if no contract was signed in the period."
        )
        values = {"window": window.to_dict(), "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase})

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
