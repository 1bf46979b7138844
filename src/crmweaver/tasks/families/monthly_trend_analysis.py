"""monthly_trend_analysis: in the past N months, the month whose case count for a product beats every other month.

Only instances where such a month exists are kept (CRMArena-Pro's None share is 0): a product
and N without a strict peak are resampled.
"""

from __future__ import annotations

import random
from collections import Counter

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families._database import bounds, extreme, product_id_via, product_mention, products_with_cases
from crmweaver.tasks.windows import MONTHS, Window, past


def peak_month(counts: dict[tuple[int, int], int]) -> list:
    """The name of the (year, month) whose count is greater than every other month's; months absent count 0."""
    if not counts:
        raise Resample  # no cases at all: no month stands out
    (year, month), = extreme(counts, lowest=False)
    return [MONTHS[month - 1]]


@register
class MonthlyTrendAnalysis(Family):
    code = "monthly_trend_analysis"
    templates = (
        "In the past {n} months, is there a month where cases for product {product} were significantly higher than in the other months?",
        "Over the past {n} months, which month saw a spike in cases about {product}?",
        "Did any month in the past {n} months have noticeably more {product} cases than the rest? Which one?",
        "Looking at the past {n} months, in which month did {product} generate the most cases compared with every other month?",
        "Which month stands out for {product} case volume over the past {n} months?",
        "Case trend check for {product}: which month of the past {n} months had more cases than any other?",
        "Is there a month in the past {n} months where {product} cases clearly exceeded every other month? Tell me the month.",
        "Our support manager noticed a bump in tickets for {product}. In the past {n} months, which month had significantly more cases?",
        "Peak month for {product} cases, past {n} months?",
        "Please identify the month, within the past {n} months, in which cases related to {product} peaked above all other months.",
        "For product {product}, find the month in the past {n} months with a case count greater than every other month's.",
        "Hey, which month in the last {n} months had the most cases for {product}? I'm after a clear peak.",
        "Analyse monthly case counts for {product} over the past {n} months and report the month that significantly outnumbers the others.",
        "When in the past {n} months did {product} see its case volume spike above all other months?",
    )

    def counts(self, ctx: Context, product_id: str, window: Window) -> dict[tuple[int, int], int]:
        rows = ctx.sql(
            """SELECT c.CreatedDate FROM "Case" c JOIN OrderItem oi ON oi.Id = c.OrderItemId__c
               WHERE oi.Product2Id = ? AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?""",
            (product_id, *bounds(window)),
        )
        return dict(Counter((int(r["CreatedDate"][:4]), int(r["CreatedDate"][5:7])) for r in rows))

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        n = rng.randint(3, 12)
        window = past(n, "month", ctx.today)
        products = products_with_cases(ctx, window)
        if not products:
            raise Resample
        product_id = rng.choice(products)
        peak_month(self.counts(ctx, product_id, window))  # resamples unless one month stands out
        product, lookup_name = product_mention(ctx, rng, product_id)
        query, template = self.phrase(rng, product=product, n=n)
        required = (
            f"Today's date is {ctx.today.isoformat()}. The past {n} months run from {window.start.isoformat()} "
            f"through today. A case concerns a product when its order line (Case.OrderItemId__c) is for that product "
            "(OrderItem.Product2Id). Count the product's cases created in that period per calendar month of "
            "Case.CreatedDate (a month without cases counts 0). A month is significantly higher when its count is "
            "greater than every other month's count in the period. Answer with that month's English name (e.g. "
            "March), or None if no month is greater than all others."
        )
        values = {"window": window.to_dict(), "months": n, "product_id": product_id, "lookup_name": lookup_name}
        return Params(values, query, required, template, facts={"months": n, "product": product})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        return peak_month(self.counts(ctx, v["product_id"], Window.from_dict(v["window"])))

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        product_id = product_id_via(run, v["product_id"], v["lookup_name"])
        grouped = run(
            "SELECT CALENDAR_YEAR(CreatedDate) y, CALENDAR_MONTH(CreatedDate) m, COUNT(Id) n FROM Case "
            f"WHERE OrderItemId__r.Product2Id = '{product_id}' AND {window.soql('CreatedDate')} "
            "GROUP BY CALENDAR_YEAR(CreatedDate), CALENDAR_MONTH(CreatedDate)"
        )
        return peak_month({(r["y"], r["m"]): r["n"] for r in grouped["records"]})
