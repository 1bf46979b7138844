"""top_issue_identification: the most frequent issue among a product's cases in a window."""

from __future__ import annotations

import random

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.families._database import (
    bounds,
    busy_window,
    empty_window,
    extreme,
    product_id_via,
    product_mention,
    products_with_cases,
)
from crmweaver.tasks.windows import Window


@register
class TopIssueIdentification(Family):
    code = "top_issue_identification"
    templates = (
        "What is the most frequent issue reported for product {product} in {window}?",
        "Which issue comes up most often in cases about {product} during {window}?",
        "Identify the top issue for {product} based on cases created in {window}. Return the Issue Id.",
        "Customers keep calling about {product}. What was the most common issue in {window}?",
        "Top issue for {product}, {window}?",
        "For cases created in {window} that concern {product}, which Issue__c record appears most frequently?",
        "I'm preparing a quality review of {product}. Which issue was raised the most in {window}?",
        "Give me the Id of the issue most often linked to {product} cases in {window}.",
        "Looking at {window}, what's the number one issue customers reported with {product}?",
        "Among all cases for {product} opened in {window}, find the issue category with the most cases.",
        "Can you check which problem was reported most for {product} over {window}?",
        "Our product team wants the most frequently reported issue for {product} in {window} \u2014 which one is it?",
        "Determine the predominant issue among {product} support cases from {window}.",
        "Most common issue on {product} in {window} \u2014 Issue Id please.",
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
            window = empty_window(rng, ctx.today, lambda w: not self.counts(ctx, product_id, w))
        else:
            window = busy_window(rng, ctx.today)
            products = products_with_cases(ctx, window)
            if not products:
                raise Resample
            product_id = rng.choice(products)
        product, lookup_name = product_mention(ctx, rng, product_id)
        query, template = self.phrase(rng, product=product, window=window.phrase)
        required = (
            f"Today's date is {ctx.today.isoformat()}. A case concerns a product when its order line "
            "(Case.OrderItemId__c) is for that product (OrderItem.Product2Id). Consider the product's cases created "
            "within the requested period (by Case.CreatedDate), count them per issue (Case.IssueId__c) and report "
            "the issue with the most cases. Answer with the Issue__c Id, or None if the product has no cases in "
            "that period."
        )
        values = {"window": window.to_dict(), "product_id": product_id, "lookup_name": lookup_name}
        return Params(values, query, required, template, facts={"period": window.phrase, "product": product})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        return extreme(self.counts(ctx, v["product_id"], Window.from_dict(v["window"])), lowest=False)

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"])
        product_id = product_id_via(run, v["product_id"], v["lookup_name"])
        grouped = run(
            f"SELECT IssueId__c, COUNT(Id) n FROM Case WHERE OrderItemId__r.Product2Id = '{product_id}' "
            f"AND IssueId__c != null AND {window.soql('CreatedDate')} GROUP BY IssueId__c"
        )
        return extreme({r["IssueId__c"]: r["n"] for r in grouped["records"]}, lowest=False)
