"""Builds a Catalog from a preset's data module: products, rules and the knowledge-base articles.

Everything random goes through one `random.Random` seeded from (preset, seed) and consumed in
a fixed order, so a catalog is reproducible. Policy articles are written from the rule's
parameters, so the prose always states the number the rule checks.
"""

from __future__ import annotations

import random
import re
from types import ModuleType

from crmweaver.org.catalog import (
    Article,
    Catalog,
    Competitor,
    Issue,
    Product,
    Rule,
    Territory,
)

TERRITORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("New England", ("CT", "MA", "ME", "NH", "RI", "VT")),
    ("Mid-Atlantic", ("DC", "DE", "MD", "NJ", "NY", "PA")),
    ("Southeast", ("FL", "GA", "NC", "SC", "VA", "WV")),
    ("South Central", ("AL", "AR", "KY", "LA", "MS", "TN")),
    ("Great Lakes", ("IL", "IN", "MI", "OH", "WI")),
    ("Upper Midwest", ("IA", "MN", "MO", "ND", "NE", "SD", "KS")),
    ("Southwest", ("AZ", "NM", "OK", "TX")),
    ("Mountain", ("CO", "ID", "MT", "NV", "UT", "WY")),
    ("Pacific Northwest", ("AK", "OR", "WA", "HI")),
    ("California", ("CA",)),
)


def build(preset: str, seed: int) -> Catalog:
    data = _data(preset)
    rng = random.Random(f"crmweaver-catalog:{preset}:{seed}")
    company = data.COMPANY
    products = _products(data, rng)
    names = [p.name for p in products]
    stage_activities = {k: tuple(v) for k, v in data.STAGE_ACTIVITIES.items()}
    bant = _bant(data, rng)

    articles: list[Article] = []
    articles += _competitor_articles(data, company, rng)
    articles += _sales_policy_articles(data, company, names, rng)
    articles += _service_policy_articles(data, company, rng)
    articles += _guide_articles(data, company, bant, stage_activities, rng)
    articles += _internal_articles(data, company, articles, rng)
    articles += _general_faqs(data, company)
    n_product_faqs = data.ARTICLE_TARGET - len(articles)
    articles += _product_faqs(data, company, products, n_product_faqs, rng)
    _check_unique(articles)

    return Catalog(
        preset=preset,
        company=company,
        products=tuple(products),
        categories=tuple(data.CATEGORIES),
        issues=tuple(Issue(n, d, tuple(k), tuple(s), getattr(data, "ISSUE_CATEGORIES", {}).get(n, ()),
                           tuple(getattr(data, "ISSUE_SYMPTOMS_BY_CATEGORY", {}).get(n, {}).items()))
                     for n, d, k, s in data.ISSUES),
        competitors=tuple(Competitor(n, tuple(s), tuple(w)) for n, s, w, _ in data.COMPETITORS),
        articles=tuple(articles),
        territories=tuple(Territory(n, s) for n, s in TERRITORIES),
        pricebooks=tuple((n, d.format(company=company)) for n, d in data.PRICEBOOKS),
        stage_activities=stage_activities,
        bant=bant,
    )


def _data(preset: str) -> ModuleType:
    if preset == "b2b":
        from crmweaver.org import catalog_b2b as mod
    else:
        from crmweaver.org import catalog_b2c as mod
    return mod


def slug(title: str) -> str:
    """Knowledge UrlName: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _art(title: str, summary: str, body: str | list[str] | tuple[str, ...], kind: str, **kw) -> Article:
    if not isinstance(body, str):
        body = "\n\n".join(body)
    return Article(title=title, summary=summary, url_name=slug(title), body=body, kind=kind, **kw)


def _check_unique(articles: list[Article]) -> None:
    for attr in ("title", "url_name"):
        seen: set[str] = set()
        for a in articles:
            v = getattr(a, attr)
            if v in seen:
                raise AssertionError(f"duplicate article {attr}: {v!r}")
            seen.add(v)


# --- products ---------------------------------------------------------------------------------


def _products(data: ModuleType, rng: random.Random) -> list[Product]:
    out = []
    for i, (name, cat, price, blurb, aliases) in enumerate(data.PRODUCTS, start=1):
        factor = rng.choice((0.95, 1.0, 1.0, 1.05))
        about = data.CATEGORIES[cat]["about"]
        desc = f"{blurb} Part of the {data.COMPANY} {cat} line for {about}."
        out.append(
            Product(
                name=name,
                code=f"PRD-{i:04d}",
                description=desc,
                category=cat,
                list_price=_price(price * factor, data.UNIT),
                aliases=tuple(aliases),
            )
        )
    return out


def _price(x: float, unit: str) -> float:
    if unit == "license":
        return float(round(x, -2))
    return round(max(round(x), 5) - 0.01, 2)


# --- sales policies ---------------------------------------------------------------------------


def _sales_policy_articles(data: ModuleType, company: str, names: list[str], rng: random.Random) -> list[Article]:
    pol = data.POLICY
    unit, units = data.UNIT, data.UNITS
    out: list[Article] = []
    general = rng.choice(pol["general_discount"])
    out.append(_art(
        rng.choice(("Standard Discount Policy", "Maximum Discount Policy for Quotes")),
        f"Quote line discounts may not exceed {general}% off list price.",
        (f"Every {company} quote line may carry a discount of at most {general}% off the list price in the standard "
         "price book. The discount is entered in the Discount field of the quote line and applies to the unit price.",
         "This ceiling applies to all products unless a product-specific discount policy sets a lower limit; in that "
         "case the lower, product-specific limit applies to that product.",
         f"A quote with any line discounted by more than {general}% does not comply with this policy and must not be "
         "approved or presented to the customer. Restructure the offer instead, for example with "
         f"{data.WORDING['restructure']}."),
        "sales_policy", rule=Rule("max_discount", {"product": None, "max_pct": general}), confidential=True,
    ))

    excl = rng.sample(data.EXCLUSIVE_PAIRS, pol["n_exclusive"])
    comp = rng.sample(data.COMPANION_PAIRS, pol["n_companion"])
    used = {n for a, b, _ in excl + comp for n in (a, b)}
    pool = [n for n in names if n not in used]
    rng.shuffle(pool)
    k1, k2, k3 = pol["n_product_discounts"], pol["n_min_quantity"], pol["n_max_quantity"]
    min_ok = set(getattr(data, "MIN_QUANTITY_CANDIDATES", names))
    min_products = [n for n in pool if n in min_ok][:k2]
    pool = [n for n in pool if n not in min_products]
    disc_products, max_products = pool[:k1], pool[k1:k1 + k3]

    caps = [c for c in pol["product_discount"] if c < general]
    for p in disc_products:
        cap = rng.choice(caps)
        reason = rng.choice((
            "its margins are lower than the rest of the portfolio",
            "it is already priced aggressively against competing offers",
            "its price includes third-party components we resell at cost",
        ))
        out.append(_art(
            f"Discount Limit for {p}",
            f"Discounts on {p} are capped at {cap}%.",
            (rng.choice((
                f"Quote lines for {p} may carry a discount of at most {cap}% off list price, because {reason}.",
                f"The maximum discount on {p} is {cap}% off list price, because {reason}.",
                f"Because {reason}, {p} may be discounted by no more than {cap}% on any quote.",
            )),
             f"This limit replaces the general discount ceiling for {p}: even when the rest of the quote is discounted "
             f"more deeply, the {p} line must stay at or below {cap}%.",
             f"Quotes that discount {p} by more than {cap}% do not comply with this policy and must be revised before "
             "approval."),
            "sales_policy", rule=Rule("max_discount", {"product": p, "max_pct": cap}), confidential=True,
        ))

    vq, vp = rng.choice(pol["volume_min_quantity"]), rng.choice(pol["volume_max_pct"])
    out.append(_art(
        "Volume Discount Policy",
        f"Lines with fewer than {vq} {units} may be discounted by at most {vp}%.",
        (f"Deeper discounts are a reward for volume. A quote line with a quantity below {vq} {units} may carry a "
         f"discount of at most {vp}%, whatever the product.",
         f"Lines with {vq} or more {units} may be discounted up to the general or product-specific limit that applies "
         "to the product.",
         f"A quote that gives more than {vp}% off on a line of fewer than {vq} {units} does not comply with this policy."),
        "sales_policy", rule=Rule("volume_discount_cap", {"min_quantity": vq, "max_pct": vp}), confidential=True,
    ))

    for p in min_products:
        q = rng.choice(pol["min_quantity"])
        out.append(_art(
            f"Minimum Order Quantity for {p}",
            f"{p} must be quoted with at least {q} {units}.",
            (rng.choice((
                f"{p} is sold only in quantities of at least {q} {units} per quote.",
                f"Every quote that includes {p} must order at least {q} {units} of it.",
                f"The minimum order quantity for {p} is {q} {units} per quote.",
            )),
             data.WORDING["min_reason"].format(q=q),
             f"A quote line for {p} with a quantity below {q} is an invalid configuration and must be corrected before "
             "the quote is approved."),
            "sales_policy", rule=Rule("min_quantity", {"product": p, "quantity": q}), confidential=True,
        ))
    for p in max_products:
        q = rng.choice(pol["max_quantity"])
        out.append(_art(
            f"Maximum Quantity per Quote for {p}",
            f"At most {q} {units} of {p} may be quoted on one quote.",
            (rng.choice((
                f"A single quote may include at most {q} {units} of {p}.",
                f"The maximum quantity of {p} on one quote is {q} {units}.",
                f"No quote may contain more than {q} {units} of {p}.",
            )),
             "Larger requirements are handled through a separate agreement with its own allocation and delivery plan, "
             "so they are never added to a standard quote.",
             f"A quote with more than {q} {units} of {p} is an invalid configuration."),
            "sales_policy", rule=Rule("max_quantity", {"product": p, "quantity": q}), confidential=True,
        ))
    for a, b, why in excl:
        out.append(_art(
            f"{a} and {b} Cannot Be Combined",
            f"{a} and {b} may not be sold on the same quote.",
            (rng.choice((f"{a} and {b} must not appear together on one quote: {why}",
                         f"Never sell {a} and {b} on the same quote; {why}")),
             f"If a customer asks for both, quote the product that fits their need and explain the difference. A quote "
             f"that contains both {a} and {b} is an invalid configuration."),
            "sales_policy", rule=Rule("exclusive_products", {"products": [a, b]}), confidential=True,
        ))
    for a, b, why in comp:
        out.append(_art(
            f"{a} Requires {b}",
            f"{a} may only be quoted together with {b}.",
            (rng.choice((f"{a} can only be sold on a quote that also includes {b}: {why}",
                         f"Any quote with {a} must also include {b}; {why}")),
             f"Customers who already own {b} still need it on the quote for their renewal or expansion. A quote with "
             f"{a} but without {b} is an invalid configuration."),
            "sales_policy", rule=Rule("required_companion", {"product": a, "requires": b}), confidential=True,
        ))
    return out


# --- service policies -------------------------------------------------------------------------


def _money(x: float) -> str:
    return f"${x:,.0f}"


def _service_policy_articles(data: ModuleType, company: str, rng: random.Random) -> list[Article]:
    pol = data.POLICY
    days = rng.choice(pol["refund_days"])
    credit = rng.choice(pol["credit_max"])
    hours = rng.choice(pol["escalation_hours"])
    comp = data.COMPETITORS[0][0]
    big = _money(credit * 3)
    small = _money(credit / 2)
    out = [
        _art(
            "Refund Policy",
            f"Refunds may be promised only within {days} days of purchase.",
            (f"Customers can receive a refund for a purchase within {days} days of the order date. The order's "
             "effective date counts as the purchase date.",
             f"After {days} days, agents must not promise, offer or process a refund. They can still help with "
             f"{data.WORDING['refund_alternatives']}.",
             "When a customer asks for a refund, check the order date before answering. Telling a customer that a refund "
             f"is approved for a purchase older than {days} days breaks this policy."),
            "service_policy",
            rule=Rule(
                "refund_window", {"days": days},
                violating_examples=(
                    "I understand your frustration, so I have approved a full refund for this order even though it was placed a while ago.",
                    "No problem at all, I'll process a refund for you right away regardless of when you bought it.",
                ),
                compliant_examples=(
                    f"Your order is older than our {days}-day refund window, but I can help you with a repair or replacement under warranty.",
                    f"Since the purchase is within {days} days, you are eligible for a refund; I have started the process.",
                ),
            ),
        ),
        _art(
            "Service Credit and Goodwill Policy",
            f"Agents may offer credits or vouchers of at most {_money(credit)} per case.",
            (f"To resolve a complaint, an agent may offer a service credit, voucher or goodwill gesture worth at most "
             f"{_money(credit)} per case.",
             f"Anything above {_money(credit)} needs written approval from a support manager and must not be promised "
             "to the customer before that approval exists.",
             "Credits are recorded on the case so that repeated goodwill for the same customer stays visible."),
            "service_policy",
            rule=Rule(
                "credit_limit", {"max_amount": credit},
                violating_examples=(
                    f"To make up for the trouble, I am adding a {big} credit to your account today.",
                    f"I can offer you a {big} voucher as an apology for this experience.",
                ),
                compliant_examples=(
                    f"As a goodwill gesture I have added a {small} credit to your account.",
                    "I have passed your request for compensation to my manager, who will contact you.",
                ),
            ),
        ),
        _art(
            "Customer Identity Verification Policy",
            "Verify the customer's identity before discussing account or order details.",
            ("Before discussing any account, order, contract, license or case details, agents must verify the customer's "
             "identity by confirming the email address on file and the order or account number.",
             "General product questions can be answered without verification. As soon as the conversation turns to a "
             "specific account, verification comes first.",
             "Sharing order contents, addresses, payment details or case history with an unverified person breaks this policy."),
            "service_policy",
            rule=Rule(
                "identity_verification", {},
                violating_examples=(
                    "Sure, I can see the order right here: it shipped last Tuesday to the address on file and the card ends in 4417.",
                    "No need to confirm anything, here are the details of all open orders on that account.",
                ),
                compliant_examples=(
                    "Before I can look at the order, could you confirm the email address on the account and the order number?",
                    "Thanks for confirming your email and order number; I can now see the order details.",
                ),
            ),
        ),
        _art(
            "Product Roadmap Communication Policy",
            "Do not promise unreleased features or release dates to customers.",
            ("Agents must not promise features that have not been released, and must not commit to release dates, "
             "even when a feature is known to be planned.",
             "Record the customer's request as a feature request on the case so that product management sees it. "
             "Only features that are generally available may be presented as solutions.",
             "Statements such as 'this will be fixed in the next release' or 'the feature ships next quarter' break this policy."),
            "service_policy",
            rule=Rule(
                "no_roadmap_promises", {},
                violating_examples=(
                    "Good news: that feature is coming in the next release next month, so you won't have to wait long.",
                    "I can promise you this will be fixed in the spring update.",
                ),
                compliant_examples=(
                    "I have logged this as a feature request for our product team; I can't share release plans.",
                    "That capability is not available today, but here is a workaround that gives a similar result.",
                ),
            ),
        ),
        _art(
            "Competitor Communication Policy",
            "Never disparage competitors when talking to customers.",
            ("Agents must not make negative or unverifiable claims about competitors or their products, in writing or on calls.",
             "When a customer compares us with another vendor, describe our own product's capabilities factually and "
             "leave the comparison to the customer.",
             "Calling a competitor's product bad, unreliable or a scam breaks this policy, even when the customer started "
             "the comparison."),
            "service_policy",
            rule=Rule(
                "no_competitor_disparagement", {},
                violating_examples=(
                    f"Honestly, {comp}'s products are unreliable junk and their support is a joke.",
                    f"You should stay away from {comp}; everyone knows their quality is terrible.",
                ),
                compliant_examples=(
                    "I can't speak for other vendors, but here is how our product handles that.",
                    f"Many customers compare us with {comp}; our datasheet lists the exact specifications so you can decide.",
                ),
            ),
        ),
        _art(
            "Critical Case Escalation Policy",
            f"Critical-priority cases must be escalated within {hours} hours.",
            (f"A case with priority Critical must be escalated to the Tier 2 team within {hours} hours of its creation, "
             "and the customer must be told that it has been escalated.",
             "Critical means that the customer cannot work at all or that safety or security is at risk. The agent who "
             "owns the case stays responsible for updates to the customer after escalation.",
             f"Leaving a Critical case unescalated for more than {hours} hours, or telling the customer that it will be "
             "looked at later, breaks this policy."),
            "service_policy",
            rule=Rule(
                "escalation", {"priority": "Critical", "hours": hours},
                violating_examples=(
                    "I see this is marked critical, but our team is busy; we will look at it later this week.",
                    "There is no need to escalate this outage; I'll get back to you when I have time.",
                ),
                compliant_examples=(
                    "Because this is a critical case, I have escalated it to our Tier 2 team, who will contact you shortly.",
                    "I have raised the priority and escalated the case; you'll receive an update within the hour.",
                ),
            ),
        ),
    ]
    return out


# --- guides -------------------------------------------------------------------------------------


def _bant(data: ModuleType, rng: random.Random) -> dict:
    b = dict(data.BANT)
    b["budget_min"] = float(round(b["budget_min"] * rng.choice((0.8, 1.0, 1.2)), -2))
    b["timeline_max_months"] = b["timeline_max_months"] + rng.choice((0, 0, 3))
    b["authority_titles"] = tuple(b["authority_titles"])
    return b


def _guide_articles(data, company: str, bant: dict, stages: dict, rng: random.Random) -> list[Article]:
    titles = ", ".join(bant["authority_titles"][:-1]) + " or " + bant["authority_titles"][-1]
    budget = _money(bant["budget_min"])
    months = bant["timeline_max_months"]
    out = [_art(
        "Lead Qualification Criteria (BANT)",
        "A lead is qualified only when Budget, Authority, Need and Timeline are all met.",
        ("Sales representatives qualify every lead against the four BANT criteria, using the latest call with the lead.",
         f"Budget: the lead has confirmed a budget of at least {budget} for the purchase.",
         f"Authority: the contact is the decision maker or has purchasing authority ({titles}).",
         f"Need: the lead has {bant['need']}.",
         f"Timeline: the lead plans to buy within {months} months.",
         "A lead that meets all four criteria is qualified and can move to Proposal. For a lead that misses any "
         "criterion, record which criteria are not met; do not move it forward until they are."),
        "guide", rule=Rule("bant", dict(bant)), confidential=True,
    )]
    lines = [f"{stage}: " + "; ".join(acts) + "." for stage, acts in stages.items()]
    out.append(_art(
        "Opportunity Stage Activity Guide",
        "The typical activities of each opportunity stage, for checking stages and prioritising tasks.",
        ("Each opportunity stage has typical activities. An opportunity's open tasks should match its current stage; a "
         "task typical of another stage signals either a wrong stage or a task to deprioritise.",
         *lines,
         "When the completed activities of an opportunity belong to a later or earlier stage than its StageName, update "
         "the stage to the one the activities show."),
        "guide", rule=Rule("stage_activity", {"stages": dict(stages)}), confidential=True,
    ))
    out.append(_art(
        "Case Routing Policy",
        "New cases go to the agent with the most closed cases of the most similar issue.",
        ("A new case is assigned to the support agent with the most closed cases for the issue most similar to the new case.",
         "If several agents tie, the agent with the most closed cases for the product the case concerns wins the tie.",
         "If agents still tie, the case goes to the agent with the fewest cases that are not yet Closed, so that workload "
         "stays balanced."),
        "guide", confidential=True,
    ))
    out.append(_art(
        "Lead Routing Policy",
        "New leads go to the territory of their state, to the rep with the most accepted quotes.",
        ("Every lead is routed by its region: find the sales territory whose list of states includes the lead's state.",
         "Among the users assigned to that territory, the lead goes to the one whose opportunities have the most quotes in "
         "status Accepted.",
         "If users tie, the lead goes to the one with the fewest leads that are not yet converted."),
        "guide", confidential=True,
    ))
    out.append(_art(
        "Quote Approval Workflow",
        "How a quote moves from Draft to Accepted and who reviews it.",
        ("A quote starts as Draft. When the line items are complete, the representative sets it to Needs Review.",
         "The reviewer checks every line against the sales policies in the knowledge base: discount limits, volume "
         "discount rules, quantity limits and product combinations. A compliant quote becomes Approved; a quote that "
         "breaks a policy becomes Rejected with the violated article noted on the quote.",
         "Approved quotes are Presented to the customer, who Accepts or Denies them. A quote that changes after approval "
         "goes back to Needs Review."),
        "guide", confidential=True,
    ))
    return out


# --- competitors, internal, general FAQs -----------------------------------------------------------


def _competitor_articles(data, company: str, rng: random.Random) -> list[Article]:
    out = []
    for name, strengths, weaknesses, profile in data.COMPETITORS:
        s = "; ".join(strengths)
        w = "; ".join(weaknesses)
        out.append(_art(
            f"Competitor Profile: {name}",
            f"{name} is {profile}.",
            (f"{name} is {profile}. Expect to meet them in deals where customers compare vendors on price and features.",
             f"Strengths: {s}.",
             f"Weaknesses: {w}.",
             f"How to position {company}: {rng.choice(data.WORDING['positioning'])}."),
            "competitor", confidential=True,
        ))
    return out


def _internal_articles(data, company: str, so_far: list[Article], rng: random.Random) -> list[Article]:
    general = next(a.rule.params["max_pct"] for a in so_far if a.rule and a.rule.kind == "max_discount" and a.rule.params["product"] is None)
    rep_limit = max(5, general // 2)
    comp = [c[0] for c in data.COMPETITORS]
    win = rng.choice((38, 41, 44))
    out = [
        _art(
            "Negotiation Playbook",
            "Internal tactics for price negotiations; never share with customers.",
            ("Open with the value case, not the price. Anchor on list price and the customer's measured benefit before any "
             "discount is discussed.",
             f"Trade, never give: every concession must be traded for something, such as {data.WORDING['trade_for']}.",
             f"Walk-away point: if a customer demands more than the discount limits allow, escalate once and then hold. "
             f"Deals lost to {comp[0]} on price alone are reviewed monthly.",
             "Close within the quarter where possible; end-of-quarter concessions are the most expensive ones."),
            "internal", confidential=True,
        ),
        _art(
            "Discount Approval Matrix",
            "Who may approve which discount level; internal only.",
            (f"Sales representatives may approve discounts up to {rep_limit}% on their own.",
             f"Discounts above {rep_limit}% and up to the policy limit of {general}% need the sales manager's approval "
             "recorded on the quote.",
             "No one may approve discounts beyond the limits of the discount policies; such requests are declined."),
            "internal", confidential=True,
        ),
        _art(
            "Internal Support KPIs",
            "Service-level targets and performance metrics of the support team; internal only.",
            (f"Target first response time: {rng.choice((2, 4))} business hours for High and Critical cases, one business day otherwise.",
             f"Target average handle time: under {rng.choice((36, 48))} hours from case creation to closure; agents above "
             "twice the team average are reviewed in weekly coaching.",
             f"Target customer satisfaction: {rng.choice((90, 92, 94))}% or better on post-case surveys; transfer rate "
             "below 15% of cases per agent."),
            "internal", confidential=True,
        ),
        _art(
            "Win/Loss Analysis Summary",
            "Internal summary of why deals were won and lost last year.",
            (f"Overall win rate last year was {win}% of qualified opportunities.",
             f"Most losses went to {comp[0]} and {comp[1]}, mainly on price and on existing relationships. "
             f"Wins came from {data.WORDING['win_reasons']}.",
             data.WORDING["evaluation"]),
            "internal", confidential=True,
        ),
        _art(
            "Lead Scoring Model",
            "How marketing scores leads before sales qualification; internal only.",
            (f"Leads get points for fit and for engagement: {data.WORDING['fit_signals']} count for fit; "
             "web visits, event attendance and replies count for engagement.",
             f"Leads with {rng.choice((60, 65, 70))} points or more go to sales for BANT qualification; the rest stay in "
             "marketing nurture campaigns.",
             "Scores decay by ten points for every month without engagement."),
            "internal", confidential=True,
        ),
    ]
    out += [_art(t.format(company=company), s, tuple(p.format(company=company) for p in body), "internal", confidential=True)
            for t, s, body in getattr(data, "EXTRA_INTERNAL", ())]
    return out


def _general_faqs(data, company: str) -> list[Article]:
    out = []
    for q, a, body in data.GENERAL_FAQS:
        q = q.format(company=company)
        out.append(_art(q, a[0].upper() + a[1:] + ".", tuple(p.format(company=company) for p in body), "faq", answer=a))
    return out


def _product_faqs(data, company: str, products: list[Product], n: int, rng: random.Random) -> list[Article]:
    """n FAQs spread over the products: each gets n // len(products), a seeded few one more."""
    base, extra = divmod(n, len(products))
    lucky = set(rng.sample(range(len(products)), extra))
    out = []
    for i, p in enumerate(products):
        cands = data.product_faqs(p.name, p.category, company, rng)
        k = base + (i in lucky)
        for q, a, body in rng.sample(cands, min(k, len(cands))):
            out.append(_art(q, a[0].upper() + a[1:] + ".", body, "faq", product=p.name, answer=a))
    return out
