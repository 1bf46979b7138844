"""top_issue_identification: the most frequent issue among a product's cases in a window.

As in CRMArena-Pro, the row's context carries only its date (and, for a share of rows, the
product's Id); how a case links to a product and what "most frequent" means are shared
definitions in `metadata.optional`.
"""

from __future__ import annotations

import random

from crmweaver.tasks.families._database import (
    PRODUCT_LINK, bounds, busy_window, empty_window, extreme, optional_text, product_id_via, product_mention,
    products_with_cases, required_text,
)
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window

DEFINITIONS = optional_text(
    PRODUCT_LINK,
    "A case's issue is its IssueId__c (an Issue__c record). The most frequent issue of a product in a period is "
    "the issue with more of the product's cases created in that period than any other issue.",
)


@register
class TopIssueIdentification(Family):
    code = "top_issue_identification"
    templates = (
        "What is the most frequent issue reported for {product} in {window}?",
        "Which issue comes up most often in cases about {product} during {window}?",
        "Identify the top issue for {product} based on cases created in {window}.",
        "Customers keep contacting us about {product}. What was the most common issue in {window}?",
        "Top issue for {product} over {window}?",
        "I'm preparing a quality review of {product}. Which issue was raised the most in {window}?",
        "Which issue was most often linked to cases for {product} in {window}?",
        "Looking at {window}, what's the number one issue customers reported with {product}?",
        "Among the cases for {product} opened in {window}, which issue appears most frequently?",
        "Can you check which problem was reported most for {product} over {window}?",
        "Our product team wants the most frequently reported issue for {product} in {window}. Which one is it?",
        "What was the predominant issue among support cases for {product} in {window}?",
        "What do customers complain about most with {product}? Look at cases from {window}.",
        "Which issue drove the most cases for {product} during {window}?",
    )

    def counts(self, ctx: Context, product_id: str, window: Window) -> dict[str, int]:
        rows = ctx.sql(
            """SELECT c.IssueId__c, COUNT(*) n FROM "Case" c JOIN OrderItem oi ON oi.Id = c.OrderItemId__c
               WHERE oi.Product2Id = ? AND c.IssueId__c IS NOT NULL
                 AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?
               GROUP BY c.IssueId__c""",
            (product_id, *bounds(window)),
        )
        return {r["IssueId__c"]: r["n"] for r in rows}

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        if want_none:
            product_id = rng.choice([r["Id"] for r in ctx.sql("SELECT Id FROM Product2 ORDER BY Id")])
            window = empty_window(rng, ctx, lambda w: not self.counts(ctx, product_id, w))
        else:
            window = busy_window(rng, ctx)
            products = products_with_cases(ctx, window)
            if not products:
                raise Resample
            product_id = rng.choice(products)
        mention = product_mention(ctx, rng, product_id)
        query, template = self.phrase(rng, product=mention.text, window=window.phrase)
        query += " " + self.return_only(none="if the product had no cases in that period")
        values = {"window": window.to_dict(), "product_id": product_id, "lookup_name": mention.lookup_name}
        return Params(
            values, query, required_text(ctx, mention.context), template, optional=DEFINITIONS,
            facts={"period": window.phrase, "product": product_id if mention.context else mention.text},
        )

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        return extreme(self.counts(ctx, v["product_id"], Window.from_dict(v["window"])), lowest=False)

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        product_id = product_id_via(run, v["product_id"], v["lookup_name"])
        grouped = run(
            f"SELECT IssueId__c, COUNT(Id) n FROM Case WHERE OrderItemId__r.Product2Id = '{product_id}' "
            f"AND IssueId__c != null AND {window.soql('CreatedDate')} GROUP BY IssueId__c ORDER BY COUNT(Id) DESC"
        )
        return extreme({r["IssueId__c"]: r["n"] for r in grouped["records"]}, lowest=False)
