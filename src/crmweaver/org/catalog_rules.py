"""The configuration-constraint articles: a few generic articles, each stating every rule of one kind.

CRMArena-Pro's invalid_config rows cite a handful of generic configuration articles, not one
article per product, so each configuration rule kind (minimum and maximum quantities,
incompatible products, required companions) is one article that lists all its products. Each
rule is stated by one sentence of a fixed shape (`RULE_SENTENCES`), so a careful reader, and the
invalid_config reference trajectory, can read the rules back out of the prose; the surrounding
paragraphs explain why the rules exist and how a reviewer applies them, drawn with the catalog's
seeded rng.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import ModuleType

from crmweaver.org.catalog import Fact, Rule

# The sentence that states one rule inside an article (str.format slots: p, q, units, a, b).
RULE_SENTENCES = {
    "min_quantity": "{p} must be quoted with at least {q} {units}.",
    "max_quantity": "At most {q} {units} of {p} may be quoted on one quote.",
    "exclusive_products": "{a} and {b} may not be sold on the same quote.",
    "required_companion": "{a} may only be quoted together with {b}.",
}

_TITLES = {
    "min_quantity": ("Minimum Order Quantities", "Minimum Quantity Requirements for Quotes"),
    "max_quantity": ("Maximum Quantities per Quote", "Quote Quantity Limits"),
    "exclusive_products": ("Incompatible Product Combinations", "Products That Cannot Be Sold Together"),
    "required_companion": ("Required Companion Products", "Add-On Products and Their Prerequisites"),
}

_SUMMARIES = {
    "min_quantity": "Some products are sold only in a minimum quantity per quote; a quote below that minimum is an invalid configuration.",
    "max_quantity": "Some products may appear on one quote only up to a maximum quantity; a quote above it is an invalid configuration.",
    "exclusive_products": "Certain pairs of products must never be sold on the same quote; a quote with both is an invalid configuration.",
    "required_companion": "Add-on products can only be quoted together with the product they extend; a quote without it is an invalid configuration.",
}

_OPENINGS = {
    "min_quantity": (
        "Most {company} products can be quoted in any quantity, but a few are deployed, supported or packed in a way that "
        "makes very small orders impractical. For those products a quote has to reach a minimum quantity before it can be "
        "approved. The minimum counts the total quantity of the product on one quote, across all of its lines.",
        "Quantity minimums exist because some of our products only work well, or can only be delivered economically, above "
        "a certain size. This article lists every product with such a minimum. The minimum always refers to the total "
        "quantity of that product on a single quote.",
    ),
    "max_quantity": (
        "A few {company} products are allocated in limited numbers or need a dedicated delivery plan once an order grows "
        "beyond a certain size. To keep standard quotes simple, those products have a maximum quantity per quote. The "
        "maximum counts the total quantity of the product on one quote, across all of its lines.",
        "Standard quotes are meant for standard orders. When a customer needs an unusually large number of certain "
        "products, the order is handled through a separate agreement instead, so these products carry a per-quote "
        "maximum. The limits below apply to the total quantity of the product on one quote.",
    ),
    "exclusive_products": (
        "Some products overlap so much that selling them together would charge a customer twice for the same capability, "
        "or would leave them with two installations that conflict. The pairs below must never appear together on a "
        "{company} quote.",
        "Product combinations are reviewed on every quote. Most products combine freely, but the pairs listed in this "
        "article exclude each other: the customer gets the same capability twice, or the two products cannot run side by side.",
    ),
    "required_companion": (
        "Several {company} products are add-ons: they extend another product and cannot be used without it. A quote "
        "that includes an add-on therefore has to include the product it depends on as well.",
        "Add-on products are popular because they extend something the customer already uses. They have no value on "
        "their own, so every quote with an add-on must also carry its prerequisite product.",
    ),
}

_CLOSINGS = {
    "min_quantity": (
        "How reviewers apply this rule: a quote that includes one of these products below its minimum is an invalid "
        "configuration and must be corrected before approval, either by raising the quantity to the minimum or by removing "
        "the product. Quantities at or above the minimum are fine; this rule never caps a quantity.",
        "A quote that includes one of these products in a smaller quantity is an invalid configuration. The representative "
        "raises the quantity or takes the product off the quote; only then can the quote go back to review.",
    ),
    "max_quantity": (
        "A quote that carries more than the maximum of one of these products is an invalid configuration. Split the "
        "requirement: quote up to the maximum now and hand the rest to the sales manager, who sets up the separate agreement.",
        "How reviewers apply this rule: any quote above one of these maximums is an invalid configuration and cannot be "
        "approved as it stands. Larger requirements are handled through a separate agreement with its own delivery plan.",
    ),
    "exclusive_products": (
        "If a customer asks for both products of a pair, quote the one that fits their need and explain the difference. "
        "A quote that contains both products of any pair above is an invalid configuration.",
        "A quote that includes both products of one of these pairs is an invalid configuration and must be corrected before "
        "approval by removing one of them; talk to the customer about which one serves them better.",
    ),
    "required_companion": (
        "Customers who already own the prerequisite still need it on the quote for their renewal or expansion. A quote "
        "with an add-on but without its prerequisite is an invalid configuration.",
        "A quote that includes an add-on but not the product it requires is an invalid configuration; add the prerequisite "
        "or remove the add-on before sending the quote for approval.",
    ),
}

_REVIEW = (
    "Configuration rules are separate from pricing: a quote can respect every discount limit and still be an invalid "
    "configuration, and the reverse. Reviewers check the product setup of every quote in status Needs Review against "
    "this article before they look at discounts.",
    "Why this matters: an invalid configuration that reaches a customer leads to a failed delivery, a credit note or an "
    "unhappy first month with the product. Catching it on the quote costs a few minutes; fixing it after the order costs "
    "far more, for the customer and for us.",
    "The quoting tool does not block every invalid configuration, so the review step is where these rules are enforced. "
    "When in doubt, ask sales operations before the quote is presented to the customer.",
)

_EXCEPTIONS = (
    "There are no exceptions on the quote itself: a sales manager cannot approve an invalid configuration, whatever the "
    "size of the deal. When a customer's situation really does not fit these rules, sales operations reviews it, and if "
    "a rule should change, this article is updated first and the quote follows.",
    "Exceptions are not granted quote by quote. If you believe a rule no longer reflects how customers buy, raise it with "
    "sales operations; product management reviews this list every quarter and adds, changes or retires rules based on "
    "support and delivery data.",
)

_EXAMPLES = {
    "min_quantity": "For example, a quote with {q1} of {p} is an invalid configuration, while the same quote with {q} {units} of it is fine.",
    "max_quantity": "For example, a quote with {q} {units} of {p} is fine, while the same quote with {q2} {units} of it is an invalid configuration.",
    "exclusive_products": "For example, a quote that lists {a} is fine on its own, but adding {b} to it turns it into an invalid configuration.",
    "required_companion": "For example, a quote for {a} alone is an invalid configuration; the same quote with {b} added is fine.",
}


@dataclass(frozen=True)
class ConfigRule:
    """One configuration-constraint article before the knowledge-base writer wraps it in prose."""

    title: str
    summary: str
    core: tuple[str, ...]  # paragraphs that state every rule (one RULE_SENTENCES sentence per product or pair)
    rule: Rule
    subject: str  # what the article is about, for the writer's on-topic filler
    facts: tuple[Fact, ...]  # what a customer may ask about it (knowledge_qa), one per product or pair


def config_rules(data: ModuleType, company: str, min_products: list[str], max_products: list[str],
                 excl: list[tuple[str, str, str]], comp: list[tuple[str, str, str]], rng: random.Random) -> list[ConfigRule]:
    """One article per configuration rule kind, stating the rule of every product it covers."""
    pol, unit, units = data.POLICY, data.UNIT, data.UNITS
    c = rng.choice
    mins = {p: c(pol["min_quantity"]) for p in min_products}
    maxs = {p: c(pol["max_quantity"]) for p in max_products}
    said = {  # kind -> [(rule sentence, its explanation, the customer's question, the short answer)]
        "min_quantity": [(RULE_SENTENCES["min_quantity"].format(p=p, q=q, units=units), data.WORDING["min_reason"].format(q=q),
                          f"What's the smallest quantity of {p} I can order?", f"{q} {units} per order at minimum.")
                         for p, q in mins.items()],
        "max_quantity": [(RULE_SENTENCES["max_quantity"].format(p=p, q=q, units=units),
                          f"Orders of {p} beyond {q} {units} go through a separate agreement.",
                          f"How many {units} of {p} can I buy in one go?", f"Up to {q}; bigger orders need a separate agreement.")
                         for p, q in maxs.items()],
        "exclusive_products": [(RULE_SENTENCES["exclusive_products"].format(a=a, b=b), f"The reason: {why}",
                                f"Can I get {a} and {b} on the same order?", f"No, they are never sold together; {why}")
                               for a, b, why in excl],
        "required_companion": [(RULE_SENTENCES["required_companion"].format(a=a, b=b), f"The reason: {why}",
                                f"Do I need {b} if I want {a}?", f"Yes, {a} is only sold together with {b}.")
                               for a, b, why in comp],
    }
    params = {
        "min_quantity": {"quantities": mins, "products": list(mins)},
        "max_quantity": {"quantities": maxs, "products": list(maxs)},
        "exclusive_products": {"pairs": [[a, b] for a, b, _ in excl], "products": [x for a, b, _ in excl for x in (a, b)]},
        "required_companion": {"pairs": [[a, b] for a, b, _ in comp], "products": [x for a, b, _ in comp for x in (a, b)]},
    }
    subjects = {"min_quantity": "minimum order quantities", "max_quantity": "quantity limits per quote",
                "exclusive_products": "products that cannot be combined", "required_companion": "add-on products and their prerequisites"}
    out = []
    for kind in ("min_quantity", "max_quantity", "exclusive_products", "required_companion"):
        if kind in ("min_quantity", "max_quantity"):
            p, q = next(iter(params[kind]["quantities"].items()))
            q1 = max(1, q - 1)
            example = _EXAMPLES[kind].format(p=p, q=q, q1=f"{q1} {unit if q1 == 1 else units}", q2=q + max(1, q // 5),
                                             units=units)
        else:
            a, b = params[kind]["pairs"][0]
            example = _EXAMPLES[kind].format(a=a, b=b)
        core = (c(_OPENINGS[kind]).format(company=company), *(f"{rule} {why}" for rule, why, _, _ in said[kind]),
                example, c(_CLOSINGS[kind]), c(_REVIEW), c(_EXCEPTIONS))
        facts = tuple(Fact(q, a, rule) for rule, _, q, a in said[kind])
        out.append(ConfigRule(c(_TITLES[kind]), _SUMMARIES[kind], core, Rule(kind, params[kind]), subjects[kind], facts))
    return out
