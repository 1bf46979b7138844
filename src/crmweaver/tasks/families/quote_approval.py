"""quote_approval: does a quote's pricing (discounts) break a sales-policy article? Answer its Id or None.

Shared with `invalid_config` (configuration rules): `QuoteRuleFamily` samples quotes from the
generator's `_facts` (kind `quote_violation`) and keeps only quotes whose planted rule belongs to
the family's rule kinds, or that break nothing; the gold is the fact, cross-checked against
`catalog.quote_violations` on the quote lines read with plain SQL (a disagreement resamples; the
tests assert there is none).

The reference reads the quote lines with SOQL, retrieves the policy articles with SOSL and
derives each rule from the article Summary it retrieved (fixed sentence shapes such as "Discounts
on X are capped at 12%."), never from the catalog; product names are told apart with a SOQL list
of Product2 names. It then checks the lines against the parsed rules with its own code.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import ClassVar

from crmweaver.org.catalog import PRICING_RULE_KINDS, QuoteLine
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

EPS = 1e-9


@dataclass(frozen=True)
class ParsedRule:
    article: str  # Knowledge__kav Id
    kind: str
    product: str | None = None
    other: str | None = None
    number: float = 0.0
    quantity: int = 0


def _split_pair(text: str, products: set[str]) -> tuple[str, str] | None:
    """'A and B' where both A and B are product names (names may themselves contain ' and ')."""
    parts = text.split(" and ")
    for k in range(1, len(parts)):
        a, b = " and ".join(parts[:k]), " and ".join(parts[k:])
        if a in products and b in products:
            return a, b
    return None


def parse_rule(article_id: str, summary: str, products: set[str]) -> ParsedRule | None:
    """The sales rule an article summary states, or None when it states none."""
    s = (summary or "").strip()
    if m := re.fullmatch(r"Quote line discounts may not exceed ([\d.]+)% off list price\.", s):
        return ParsedRule(article_id, "max_discount", None, number=float(m[1]))
    if (m := re.fullmatch(r"Discounts on (.+) are capped at ([\d.]+)%\.", s)) and m[1] in products:
        return ParsedRule(article_id, "max_discount", m[1], number=float(m[2]))
    if m := re.fullmatch(r"Lines with fewer than (\d+) \w+ may be discounted by at most ([\d.]+)%\.", s):
        return ParsedRule(article_id, "volume_discount_cap", quantity=int(m[1]), number=float(m[2]))
    if (m := re.fullmatch(r"(.+) must be quoted with at least (\d+) \w+\.", s)) and m[1] in products:
        return ParsedRule(article_id, "min_quantity", m[1], quantity=int(m[2]))
    if (m := re.fullmatch(r"At most (\d+) \w+ of (.+) may be quoted on one quote\.", s)) and m[2] in products:
        return ParsedRule(article_id, "max_quantity", m[2], quantity=int(m[1]))
    if m := re.fullmatch(r"(.+) may not be sold on the same quote\.", s):
        pair = _split_pair(m[1], products)
        if pair:
            return ParsedRule(article_id, "exclusive_products", pair[0], pair[1])
    if (m := re.fullmatch(r"(.+) may only be quoted together with (.+)\.", s)) and m[1] in products and m[2] in products:
        return ParsedRule(article_id, "required_companion", m[1], m[2])
    return None


def broken_rules(rules: list[ParsedRule], lines: list[QuoteLine]) -> list[str]:
    """Article Ids of the parsed rules the quote lines break (a product's own discount cap replaces the general one)."""
    out: list[str] = []
    names = {ln.product for ln in lines}
    qty: dict[str, int] = {}
    for ln in lines:
        qty[ln.product] = qty.get(ln.product, 0) + ln.quantity
    own = {r.product: r for r in rules if r.kind == "max_discount" and r.product}
    general = [r for r in rules if r.kind == "max_discount" and r.product is None]
    for ln in lines:
        for r in [own[ln.product]] if ln.product in own else general:
            if ln.discount_pct > r.number + EPS:
                out.append(r.article)
    for r in rules:
        if r.kind == "volume_discount_cap" and any(ln.quantity < r.quantity and ln.discount_pct > r.number + EPS for ln in lines):
            out.append(r.article)
        elif r.kind == "min_quantity" and r.product in qty and qty[r.product] < r.quantity:
            out.append(r.article)
        elif r.kind == "max_quantity" and r.product in qty and qty[r.product] > r.quantity:
            out.append(r.article)
        elif r.kind == "exclusive_products" and r.product in names and r.other in names:
            out.append(r.article)
        elif r.kind == "required_companion" and r.product in names and r.other not in names:
            out.append(r.article)
    return sorted(set(out))


def quote_lines_sql(ctx: Context, quote_id: str) -> list[QuoteLine]:
    rows = ctx.sql(
        "SELECT p.Name, q.Quantity, q.Discount FROM QuoteLineItem q JOIN Product2 p ON p.Id = q.Product2Id "
        "WHERE q.QuoteId = ? ORDER BY q.Id",
        (quote_id,),
    )
    return [QuoteLine(r["Name"], int(r["Quantity"]), float(r["Discount"] or 0.0)) for r in rows]


class QuoteRuleFamily(Family):
    """A quote Id in, the Id of the one article of `kinds` its lines break (or None) out."""

    kinds: ClassVar[tuple[str, ...]]
    search: ClassVar[str]  # the SOSL search term the reference uses to find the policy articles
    policy: ClassVar[str]  # what the family checks, for metadata.required

    def candidates(self, ctx: Context) -> tuple[list[str], list[str]]:
        """(quotes breaking none, quotes breaking a rule of this family's kinds), in Id order."""
        none, hit = [], []
        for qid, fact in sorted(ctx.facts("quote_violation").items()):
            if fact is None:
                none.append(qid)
            elif fact["kind"] in self.kinds:
                hit.append(qid)
        return none, hit

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        none, hit = self.candidates(ctx)
        pool = none if want_none else hit
        if not pool:
            raise Resample
        quote_id = rng.choice(pool)
        name = ctx.sql("SELECT Name FROM Quote WHERE Id = ?", (quote_id,))[0]["Name"]
        query, template = self.phrase(rng, quote=quote_id, name=name)
        required = (
            f"Today's date is {ctx.today.isoformat()}. {self.policy} Read the quote's line items (QuoteLineItem: "
            "product, Quantity, Discount in percent off list price) and compare them with the company's sales policy "
            "articles in the knowledge base (Knowledge__kav). If a line item setup breaks a rule stated in an article, "
            "answer with that article's Id; if the quote complies with every such rule, answer None."
        )
        return Params({"quote": quote_id}, query, required, template, facts={"quote": quote_id, "quote_name": name})

    def solve(self, ctx: Context, params: Params) -> list:
        quote_id = params.values["quote"]
        fact = ctx.facts("quote_violation").get(quote_id)
        if fact is not None and fact["kind"] not in self.kinds:
            raise Resample  # breaks a rule of the other policy type: not an instance of this one
        titles = [a.title for a in ctx.catalog.quote_violations(quote_lines_sql(ctx, quote_id))]
        ids = {r["Title"]: r["Id"] for r in ctx.sql("SELECT Id, Title FROM Knowledge__kav")}
        checked = [ids.get(t) for t in titles]
        planted = [] if fact is None else [fact["article"]]
        if checked != planted:
            raise Resample  # generator facts and the rule check disagree (tests assert this never happens)
        return planted or [None]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        quote_id = params.values["quote"]
        rows = run(f"SELECT Product2.Name, Quantity, Discount FROM QuoteLineItem WHERE QuoteId = '{quote_id}'")["records"]
        lines = [QuoteLine(r["Product2"]["Name"], int(r["Quantity"]), float(r["Discount"] or 0.0)) for r in rows]
        products = {r["Name"] for r in run("SELECT Name FROM Product2")["records"]}
        found = run(f"FIND {{{self.search}}} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, Summary)")
        rules = [parse_rule(a["Id"], a["Summary"], products) for a in found["searchRecords"]]
        rules = [r for r in rules if r is not None and r.kind in self.kinds]
        broken = broken_rules(rules, lines)
        if len(broken) > 1:
            raise ValueError(f"quote {quote_id} breaks several articles: {broken}")
        return broken or [None]


@register
class QuoteApproval(QuoteRuleFamily):
    code = "quote_approval"
    kinds = PRICING_RULE_KINDS
    search = "discount*"
    policy = (
        "Quote approval policy: a quote can be approved only when its pricing complies with the discount policies "
        "(general and product-specific discount ceilings, and limits on discounts for small quantities)."
    )
    templates = (
        "Can quote {quote} be approved, or does its discounting conflict with one of our policy articles? If it conflicts, give me the article Id.",
        "Please review the pricing on quote {quote} ({name}). Does it violate any discount policy? Return the knowledge article Id, or None.",
        "Is the discounting on {quote} within policy?",
        "I'm about to approve quote {quote}. Before I do, check whether any line's discount breaks a pricing policy and tell me which article.",
        "Quote {quote} is waiting in my approval queue. Which knowledge article, if any, does its pricing violate?",
        "Does quote {quote} comply with our discount rules? If not, which policy article is broken?",
        "Check the discounts on quote {quote} against the knowledge base and return the Id of the violated pricing policy (None if compliant).",
        "hey, can you sanity-check the discounts on {quote}? which policy does it break, if any",
        "Pricing compliance check for \"{name}\" ({quote}): identify the conflicting policy article.",
        "Our deal desk flagged quote {quote}. Determine whether its line-item discounts are allowed, and if not, cite the knowledge article by Id.",
        "Would quote {quote} pass pricing approval? Answer with the Id of the article it conflicts with, or None.",
        "Look at quote {quote} and tell me if the discount levels are compliant with company policy. I need the Knowledge article Id if there's a problem.",
        "Approval review: {quote}. Any discount policy violations?",
        "Before sending {name} to the customer, verify that quote {quote} respects every discount policy in the knowledge base; name the violated article if any.",
    )
