"""sales_amount_understanding: the sales agent with the most or least sales in a window.

Sales of an order = Σ OrderItem Quantity × UnitPrice; the order counts when its contract was
signed in the window (CompanySignedDate; B2C contracts only have CustomerSignedDate) and goes to
the order's owner. An owner of counted orders without lines totals 0 (and still competes).
About 15 % of rows ask for the lowest seller, as in CRMArena-Pro: by error diffusion over the
family's draws rather than a coin per row, so 100 rows hold 15 such questions, not 10 or 20.
"""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.tasks.families._database import (
    bounds, busy_window, empty_window, extreme, required_text, signed_field, signed_phrase,
)
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window

LOWEST_SHARE = 0.15
TOP = ("top", "best", "highest-selling", "leading", "strongest")
BOTTOM = ("bottom", "lowest-selling", "weakest", "worst-performing")


@register
class SalesAmountUnderstanding(Family):
    code = "sales_amount_understanding"
    templates = (
        "Who was the {adj} sales agent by sales amount in {window}?",
        "Which sales rep generated the {most} revenue in {window}?",
        "Identify the {adj} salesperson for {window}, measured by total sales.",
        "Which agent was our {adj} seller in {window}?",
        "{adj_cap} sales agent in {window} by sales volume?",
        "I need to know which agent brought in the {most} sales in {window}.",
        "Looking at deals signed in {window}, which agent had the {most} total sales?",
        "Our sales director asked for the {adj} performer of {window} in terms of sales amount. Who is it?",
        "Which sales agent booked the {most} business in {window}?",
        "Hey, who sold the {most} in {window}?",
        "Which rep ended {window} with the {most} in total sales?",
        "Which agent's orders added up to the {most} money for deals signed in {window}?",
        "Who had the {most} sales in dollar terms during {window}?",
        "Sales leaderboard question: who finished {place} in {window} by sales amount?",
        "Among our sales agents, whose total sales for {window} were the {extreme}?",
    )

    def __init__(self) -> None:
        self._lowest_due = 0.5  # accumulated share of lowest-seller questions owed

    def asks_lowest(self) -> bool:
        """True on every draw that brings the share of lowest-seller questions up to LOWEST_SHARE."""
        self._lowest_due += LOWEST_SHARE
        if self._lowest_due >= 1.0:
            self._lowest_due -= 1.0
            return True
        return False

    def totals(self, ctx: Context, window: Window) -> dict[str, float]:
        field = signed_field(ctx)
        rows = ctx.sql(
            f"""SELECT o.Id, o.OwnerId, oi.Quantity, oi.UnitPrice FROM "Order" o
                JOIN Contract k ON k.Id = o.ContractId
                LEFT JOIN OrderItem oi ON oi.OrderId = o.Id
                WHERE k.{field} >= ? AND k.{field} < ?
                ORDER BY o.Id, oi.Id""",
            bounds(window),
        )
        out: dict[str, float] = defaultdict(float)
        for r in rows:
            out[r["OwnerId"]] += (r["Quantity"] or 0) * (r["UnitPrice"] or 0)
        return out

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        if want_none:
            window = empty_window(rng, ctx, lambda w: not self.totals(ctx, w))
        else:
            window = busy_window(rng, ctx)
            if not self.totals(ctx, window):
                raise Resample
        lowest = self.asks_lowest()
        adj = rng.choice(BOTTOM if lowest else TOP)
        query, template = self.phrase(
            rng, adj=adj, adj_cap=adj.capitalize(), most="least" if lowest else "most",
            place="last" if lowest else "first", extreme="lowest" if lowest else "highest",
            window=window.phrase,
        )
        query += " " + self.return_only(none="if no deal was signed in that period")
        required = required_text(
            ctx,
            "An order counts for the requested period when its contract (Order.ContractId) was signed within the "
            f"period; the signing date is {signed_phrase(ctx)}. An order's sales amount is the sum of Quantity x "
            "UnitPrice over its order products (OrderItem). Credit each counted order to its owner "
            "(Order.OwnerId), total per agent, and compare the agents who own at least one counted order. Answer "
            "with the agent's User Id, or None if no order counts.",
        )
        values = {"window": window.to_dict(), "lowest": lowest}
        return Params(values, query, required, template, facts={"period": window.phrase, "lowest": lowest})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        return extreme(self.totals(ctx, Window.from_dict(v["window"])), v["lowest"])

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        field = signed_field(ctx)
        signed = window.soql(f"Contract.{field}", is_date=True)
        orders = run(f"SELECT Id, OwnerId FROM Order WHERE {signed}")
        owner = {r["Id"]: r["OwnerId"] for r in orders["records"]}
        if not owner:
            return [None]
        through_order = window.soql(f"Order.Contract.{field}", is_date=True)
        lines = run(f"SELECT OrderId, Quantity, UnitPrice FROM OrderItem WHERE {through_order}")
        totals = {agent: 0.0 for agent in owner.values()}
        for r in lines["records"]:
            totals[owner[r["OrderId"]]] += (r["Quantity"] or 0) * (r["UnitPrice"] or 0)
        return extreme(totals, v["lowest"])

