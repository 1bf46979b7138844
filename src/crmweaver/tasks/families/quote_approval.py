"""quote_approval: does a quote's pricing (discounts) break a sales-policy article? Answer its Id or None.

Shared with `invalid_config` (configuration rules): `QuoteRuleFamily` samples quotes from the
generator's `_facts` (kind `quote_violation`) that were created by the row's date and whose
planted rule belongs to the family's rule kinds, or that break nothing; the gold is the fact,
cross-checked against `catalog.quote_violations` on the quote lines read with plain SQL (a
disagreement resamples; the tests assert there is none). As in CRMArena-Pro, nearly all
quote_approval violations cite the volume-discount rule, and the quote's Id sits in the context
(metadata.required) for most rows.

The reference reads the quote lines with SOQL, retrieves the policy articles with SOSL and reads
each rule from the article text it retrieved (`_quote_rules.parse_article`), never from the
catalog; product names are told apart with a SOQL list of Product2 names. It then checks the
lines against the parsed rules with its own code.
"""

from __future__ import annotations

import random
from typing import ClassVar

from crmweaver.org.catalog import PRICING_RULE_KINDS
from crmweaver.org.catalog import QuoteLine as QuoteLine
from crmweaver.tasks.families._quote_rules import ParsedRule as ParsedRule
from crmweaver.tasks.families._quote_rules import broken_rules, parse_article, quote_lines_sql
from crmweaver.tasks.families._quote_rules import parse_rule as parse_rule
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

ID_IN_CONTEXT = 0.75  # share of rows whose quote Id is stated in metadata.required, not in the query


class QuoteRuleFamily(Family):
    """A quote in, the Id of the one article of `kinds` its lines break (or None) out."""

    kinds: ClassVar[tuple[str, ...]]
    search: ClassVar[str]  # the SOSL search term the reference uses to find the policy articles
    policy: ClassVar[str]  # what the family checks, for metadata.required
    none_clause: ClassVar[str]  # when the answer is None, for the "Return only" sentence
    generic: ClassVar[tuple[str, ...]]  # phrasings about "this quote" (its Id in the context); may use {name}
    with_id: ClassVar[tuple[str, ...]]  # phrasings naming the quote by {quote}; templates = generic + with_id

    def candidates(self, ctx: Context) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
        """(quotes breaking none, quotes breaking a rule of this family's kinds with that kind) with their
        creation day, in Id order (cached per org)."""
        cache = getattr(self, "_cand", None)
        if cache is None or cache[0] is not ctx.org:
            created = {r["Id"]: r["CreatedDate"][:10] for r in ctx.sql("SELECT Id, CreatedDate FROM Quote")}
            none, hit = [], []
            for qid, fact in sorted(ctx.facts("quote_violation").items()):
                if fact is None:
                    none.append((qid, created[qid]))
                elif fact["kind"] in self.kinds:
                    hit.append((qid, created[qid], fact["kind"]))
            self._cand = cache = (ctx.org, none, hit)
        return cache[1], cache[2]

    def pick_violation(self, rng: random.Random, hit: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """The violating quotes a row draws from (all by default)."""
        return hit

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        none, hit = self.candidates(ctx)
        today = ctx.today.isoformat()
        pool = [q for q, day in none if day <= today] if want_none else \
            [q for q, day, _ in self.pick_violation(rng, hit) if day <= today]
        if not pool:
            raise Resample
        quote_id = rng.choice(pool)
        name = ctx.sql("SELECT Name FROM Quote WHERE Id = ?", (quote_id,))[0]["Name"]
        in_context = rng.random() < ID_IN_CONTEXT
        group, offset = (self.generic, 0) if in_context else (self.with_id, len(self.generic))
        i = rng.randrange(len(group))
        query = f"{group[i].format(quote=quote_id, name=name)} {self.return_only(none=self.none_clause)}"
        required = f"{ctx.today_sentence()} {self.policy}"
        if in_context:
            required += f" The quote's Id is {quote_id}."
        return Params({"quote": quote_id}, query, required, offset + i, facts={"quote": quote_id, "quote_name": name})

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
        found = run(f"FIND {{{self.search}}} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, Summary, FAQ_Answer__c)")
        rules: list[ParsedRule] = []
        for a in found["searchRecords"]:
            rules += [r for r in parse_article(a["Id"], a["Summary"], a["FAQ_Answer__c"], products) if r.kind in self.kinds]
        broken = broken_rules(rules, lines)
        if len(broken) > 1:
            raise ValueError(f"quote {quote_id} breaks several articles: {broken}")
        return broken or [None]


VOLUME_SHARE = 0.92  # CRMArena-Pro: nearly every quote_approval violation cites the volume-discount rule


@register
class QuoteApproval(QuoteRuleFamily):
    code = "quote_approval"
    kinds = PRICING_RULE_KINDS
    search = "discount*"
    policy = (
        "Quote approval policy: a quote can be approved only when the discount on every line (QuoteLineItem.Discount, "
        "in percent off list price) complies with the company's discount policies in the knowledge base. If a line "
        "breaks a policy, the quote conflicts with the article that states it."
    )
    none_clause = "if the quote complies with every discount policy"
    generic = (
        "Can this quote be approved as it stands, or does its discounting conflict with one of our policies?",
        "I'm about to approve this quote. Does any line's discount break a pricing policy?",
        "Please check the discounts on this quote against our policy articles. Is there one it violates?",
        "Is the discounting on this quote within policy?",
        "This quote is waiting in my approval queue. Does its pricing conflict with any of our policies?",
        "Our deal desk flagged this quote for review. Are its line-item discounts allowed?",
        "Would this quote pass pricing approval?",
        "hey, can you sanity-check the discounts on this quote before I send it out?",
        "Before we present \"{name}\" to the customer, can you confirm its discounts comply with our policies?",
        "Does the quote \"{name}\" respect our discount rules?",
        "The customer is pushing for a better price on this quote. As it stands, does it already break one of our discount policies?",
        "Approval review: does this quote's pricing comply with company policy?",
        "I need to sign off on this quote today. Is there any pricing problem with it under our policies?",
        "Quick compliance check on the pricing of {name}: is anything against policy?",
        "My manager asked whether the discounts we gave on this quote are okay. Are they?",
        "Which discount policy, if any, does this quote run into?",
    )
    with_id = (
        "Can quote {quote} be approved, or does its discounting conflict with one of our policy articles?",
        "Please review the pricing on quote {quote}. Does it violate any discount policy?",
        "Does quote {quote} comply with our discount rules?",
        "Is the discounting on {quote} within policy?",
        "Quote {quote} is in my approval queue. Which policy does its pricing conflict with, if any?",
    )
    templates = generic + with_id

    def pick_violation(self, rng, hit):
        volume = rng.random() < VOLUME_SHARE
        return [h for h in hit if (h[2] == "volume_discount_cap") == volume]


# invalid_config shares QuoteRuleFamily and registers itself in its own module.
