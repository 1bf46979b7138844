"""monthly_trend_analysis: in the past N months, the month whose case count for a product beats every other month.

Only instances where such a month exists are kept (CRMArena-Pro's None share is 0): a product
and N without a strict peak are resampled. As in CRMArena-Pro, the row's context carries only its
date (and, for a share of rows, the product's Id); the counting rules are shared definitions in
`metadata.optional`.
"""

from __future__ import annotations

import random
from collections import Counter

from crmweaver.tasks.families._database import (
    PRODUCT_LINK, bounds, extreme, optional_text, product_id_via, product_mention, products_with_cases, required_text,
)
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import MONTHS, Window, past

DEFINITIONS = optional_text(
    PRODUCT_LINK,
    "Monthly trends count a product's cases per calendar month of their CreatedDate, over the cases created in "
    "the window (its first and last months may be partial; a month without cases counts 0). A month with "
    "significantly more cases than the other months is one whose count exceeds every other month's count in "
    "the window; the answer is that month's English name.",
)


def peak_month(counts: dict[tuple[int, int], int]) -> list:
    """The name of the (year, month) whose count is greater than every other month's; months absent count 0."""
    if not counts:
        raise Resample  # no cases at all: no month stands out
    (year, month), = extreme(counts, lowest=False)
    return [MONTHS[month - 1]]


def trend_window(rng: random.Random, ctx: Context) -> tuple[Window, int]:
    """The past N months (N = 3..12), said in months or, when N is a multiple of three, sometimes in quarters."""
    n = rng.randint(3, 12)
    words, lead = rng.random() < 0.7, "past" if rng.random() < 0.7 else "last"
    if n % 3 == 0 and rng.random() < 0.35:
        return past(n // 3, "quarter", ctx.today, lead=lead, words=words), n
    return past(n, "month", ctx.today, lead=lead, words=words), n


@register
class MonthlyTrendAnalysis(Family):
    code = "monthly_trend_analysis"
    templates = (
        "In {window}, is there a month where cases for {product} were significantly higher than in the other months?",
        "Over {window}, which month saw a spike in cases about {product}?",
        "Did any month in {window} have noticeably more cases for {product} than the rest? Which one?",
        "Looking at {window}, in which month did {product} generate more cases than in any other month?",
        "Which month stands out for case volume on {product} over {window}?",
        "Case trend check for {product}: which month of {window} had more cases than any other?",
        "Is there a month in {window} where cases for {product} clearly exceeded every other month? Tell me the month.",
        "Our support manager noticed a bump in tickets for {product}. Which month in {window} had significantly more cases?",
        "Peak month for cases on {product} in {window}?",
        "Within {window}, in which month did cases related to {product} peak above all other months?",
        "Hey, which month in {window} had the most cases for {product}? I'm after a clear peak.",
        "Was there a month in {window} when {product} had an unusual number of cases compared with the other months?",
        "When in {window} did {product} see its case volume spike above every other month?",
        "We think {product} had a bad month recently. Which month in {window} had significantly more cases than the others?",
    )

    def counts(self, ctx: Context, product_id: str, window: Window) -> dict[tuple[int, int], int]:
        rows = ctx.sql(
            """SELECT c.CreatedDate FROM "Case" c JOIN OrderItem oi ON oi.Id = c.OrderItemId__c
               WHERE oi.Product2Id = ? AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?""",
            (product_id, *bounds(window)),
        )
        return dict(Counter((int(r["CreatedDate"][:4]), int(r["CreatedDate"][5:7])) for r in rows))

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        window, n = trend_window(rng, ctx)
        products = products_with_cases(ctx, window)
        if not products:
            raise Resample
        product_id = rng.choice(products)
        peak_month(self.counts(ctx, product_id, window))  # resamples unless one month stands out
        mention = product_mention(ctx, rng, product_id)
        query, template = self.phrase(rng, product=mention.text, window=window.phrase)
        query += " " + self.return_only()
        values = {"window": window.to_dict(), "months": n, "product_id": product_id, "lookup_name": mention.lookup_name}
        return Params(
            values, query, required_text(ctx, mention.context), template, optional=DEFINITIONS,
            facts={"period": window.phrase, "product": product_id if mention.context else mention.text},
        )

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
            "GROUP BY CALENDAR_YEAR(CreatedDate), CALENDAR_MONTH(CreatedDate) ORDER BY COUNT(Id) DESC"
        )
        return peak_month({(r["y"], r["m"]): r["n"] for r in grouped["records"]})
