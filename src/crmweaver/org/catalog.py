"""The fixed reference data of an org: products, issues, competitors, territories and the knowledge base.

The org generator writes these as records (Product2, Issue__c, Knowledge__kav, Territory2, ...),
and the task generators read the same objects to plant facts and compute gold answers, so both
sides agree on every product name, rule and number. This module holds the types only;
`catalog_kb.catalog(preset, seed)` builds one, deterministically: the seed varies wording and a
few numbers, never the structure (counts, kinds, names of products). Preset content lives in the
data modules `catalog_b2b` and `catalog_b2c`; the shared article builders (policies, guides, rule
checks) live in `catalog_kb`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RULE_KINDS = (
    # sales rules that quotes may break (quote_approval, invalid_config):
    "max_discount",  # {"product": name | None (any product), "max_pct": number}
    "volume_discount_cap",  # {"min_quantity": int, "max_pct": number}: lines below min_quantity <= max_pct
    # configuration rules: one generic article per kind lists every product it constrains; "products"
    # names them all (in the order the article states them)
    "min_quantity",  # {"quantities": {name: int}, "products": [...]}: at least that many per quote
    "max_quantity",  # {"quantities": {name: int}, "products": [...]}: at most that many per quote
    "exclusive_products",  # {"pairs": [[a, b], ...], "products": [...]}: a and b not on the same quote
    "required_companion",  # {"pairs": [[a, b], ...], "products": [...]}: a needs b on the same quote
    # service rules an agent may break in emails/chats (policy_violation_identification):
    "refund_window",  # {"days": int}
    "credit_limit",  # {"max_amount": number}
    "identity_verification",  # {}
    "no_roadmap_promises",  # {}
    "no_competitor_disparagement",  # {}
    "escalation",  # {"priority": "Critical", "hours": int}
    # how a case of one issue is resolved (policy_violation_identification: an agent who departs from it breaches it):
    "resolution",  # {"issue": name, "evidence": what to ask for first, "fix": base verb phrase, "fix_done": past
    #                  tense, "allowed": [remedies that may be offered], "forbidden": [remedies that must not be]}
    # guides:
    "stage_activity",  # params = {"stages": stage_activities}
)
PRICING_RULE_KINDS = ("max_discount", "volume_discount_cap")  # quote_approval
CONFIG_RULE_KINDS = ("min_quantity", "max_quantity", "exclusive_products", "required_companion")  # invalid_config
SERVICE_RULE_KINDS = (
    "refund_window",
    "credit_limit",
    "identity_verification",
    "no_roadmap_promises",
    "no_competitor_disparagement",
    "escalation",
)
ARTICLE_KINDS = (
    "faq", "competitor", "sales_policy", "service_policy", "guide", "internal",
    # narrative articles of the knowledge base (knowledge_qa asks about facts planted in their prose):
    "product", "howto", "story", "insight", "solution",
)


@dataclass(frozen=True)
class Product:
    name: str
    code: str  # External_ID__c, e.g. "PRD-0007"
    description: str
    category: str  # a ProductCategory name
    list_price: float  # USD unit price in the standard pricebook
    aliases: tuple[str, ...]  # loose references; some are shared by 2-3 products on purpose


@dataclass(frozen=True)
class Issue:
    name: str
    description: str
    keywords: tuple[str, ...]  # words that tie a case text to this issue
    symptoms: tuple[str, ...]  # customer-voice sentences for case descriptions
    categories: tuple[str, ...] = ()  # product categories it can affect (empty: all); B2C has battery issues on watches, not tents
    by_category: tuple[tuple[str, tuple[str, ...]], ...] = ()  # symptoms fitting one category, where the general ones would not

    def affects(self, category: str) -> bool:
        return not self.categories or category in self.categories

    def symptoms_for(self, category: str) -> tuple[str, ...]:
        """The symptoms a customer with a product of `category` reports."""
        return dict(self.by_category).get(category, self.symptoms)


@dataclass(frozen=True)
class Competitor:
    name: str
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A machine-readable company rule stated in prose by one knowledge article."""

    kind: str  # one of RULE_KINDS
    params: dict = field(hash=False)
    # Service rules only: agent sentences that break / respect the rule (for emails and chats).
    violating_examples: tuple[str, ...] = ()
    compliant_examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    """A fact planted in an article's prose: what a customer may ask, and the short answer a careful reader gives.

    `evidence` is the body sentence that states it; `answer` paraphrases it (never a verbatim span of
    the article), so knowledge_qa's F1 rewards reading rather than copying.
    """

    question: str
    answer: str
    evidence: str
    about: str = ""  # what a reader searches the knowledge base for (a product, a topic, a customer ...)


@dataclass(frozen=True)
class Article:
    title: str
    summary: str
    url_name: str
    body: str
    kind: str  # one of ARTICLE_KINDS
    rule: Rule | None = None
    product: str | None = None  # product name for product FAQs
    confidential: bool = False  # internal knowledge an external user must not get
    answer: str | None = None  # FAQs: the short answer to the title's question (knowledge_qa gold)
    facts: tuple[Fact, ...] = ()  # public facts of the prose that knowledge_qa asks about
    secrets: tuple[str, ...] = ()  # body sentences an external user must not be told (confidential rows ask about them)
    issue: str | None = None  # solution articles: the Issue__c name whose cases they resolve


@dataclass(frozen=True)
class Territory:
    name: str
    states: tuple[str, ...]  # two-letter codes; the 10 territories partition the 50 states + DC


@dataclass(frozen=True)
class QuoteLine:
    """One quote line as the rule checks see it."""

    product: str
    quantity: int
    discount_pct: float = 0.0


@dataclass(frozen=True, eq=True)
class Catalog:
    preset: str
    company: str
    products: tuple[Product, ...]
    categories: tuple[str, ...]
    issues: tuple[Issue, ...]
    competitors: tuple[Competitor, ...]
    articles: tuple[Article, ...]
    territories: tuple[Territory, ...]
    pricebooks: tuple[tuple[str, str], ...]  # (name, description): standard first, then partner/seasonal
    stage_activities: dict[str, tuple[str, ...]] = field(hash=False)
    bant: dict = field(hash=False)

    def rules(self, kind: str) -> list[Article]:
        """Articles whose rule has this kind, in catalog order."""
        if kind not in RULE_KINDS:
            raise ValueError(f"unknown rule kind {kind!r}; expected one of {RULE_KINDS}")
        return [a for a in self.articles if a.rule is not None and a.rule.kind == kind]

    def product(self, name: str) -> Product:
        for p in self.products:
            if p.name == name:
                return p
        raise KeyError(name)

    def article(self, title: str) -> Article:
        for a in self.articles:
            if a.title == title:
                return a
        raise KeyError(title)

    def products_for_alias(self, alias: str) -> list[Product]:
        """Products a customer may mean by this loose name (case-insensitive)."""
        alias = alias.lower()
        return [p for p in self.products if any(a.lower() == alias for a in p.aliases)]

    def max_discount_for(self, product: str) -> tuple[float, Article]:
        """The discount cap that applies to a product: its own rule if any, else the general one."""
        general = None
        for a in self.rules("max_discount"):
            if a.rule.params["product"] == product:
                return float(a.rule.params["max_pct"]), a
            if a.rule.params["product"] is None:
                general = a
        assert general is not None
        return float(general.rule.params["max_pct"]), general

    def allowed_discount(self, product: str, quantity: int) -> float:
        """The largest discount (percent) a quote line may carry without breaking a pricing rule."""
        cap, _ = self.max_discount_for(product)
        for a in self.rules("volume_discount_cap"):
            if quantity < a.rule.params["min_quantity"]:
                cap = min(cap, float(a.rule.params["max_pct"]))
        return cap

    def quantity_bounds(self, product: str) -> tuple[int, int | None]:
        """(minimum, maximum or None) quantity of a product on one quote under the quantity rules."""
        lo, hi = 1, None
        for a in self.rules("min_quantity"):
            lo = max(lo, a.rule.params["quantities"].get(product, 1))
        for a in self.rules("max_quantity"):
            q = a.rule.params["quantities"].get(product)
            if q is not None:
                hi = q if hi is None else min(hi, q)
        return lo, hi

    def rule_products(self) -> set[str]:
        """Products named by any configuration or product-specific discount rule."""
        out: set[str] = set()
        for a in self.articles:
            if a.rule is None:
                continue
            p = a.rule.params
            out.update(x for x in (p.get("product"),) if x)
            out.update(p.get("products", ()))
        return out

    def quote_violations(self, lines: list[QuoteLine] | tuple[QuoteLine, ...]) -> list[Article]:
        """Every sales-rule article a quote breaks (pricing and configuration), in catalog order.

        A product-specific discount cap replaces the general cap for that product (it is always
        lower), so a line breaks at most one max_discount article.
        """
        broken: list[Article] = []
        names = {ln.product for ln in lines}
        qty: dict[str, int] = {}
        for ln in lines:
            qty[ln.product] = qty.get(ln.product, 0) + ln.quantity
        for ln in lines:
            cap, art = self.max_discount_for(ln.product)
            if ln.discount_pct > cap + 1e-9:
                broken.append(art)
        for a in self.rules("volume_discount_cap"):
            p = a.rule.params
            if any(ln.quantity < p["min_quantity"] and ln.discount_pct > p["max_pct"] + 1e-9 for ln in lines):
                broken.append(a)
        for a in self.rules("min_quantity"):
            if any(p in qty and qty[p] < q for p, q in a.rule.params["quantities"].items()):
                broken.append(a)
        for a in self.rules("max_quantity"):
            if any(p in qty and qty[p] > q for p, q in a.rule.params["quantities"].items()):
                broken.append(a)
        for a in self.rules("exclusive_products"):
            if any(x in names and y in names for x, y in a.rule.params["pairs"]):
                broken.append(a)
        for a in self.rules("required_companion"):
            if any(x in names and y not in names for x, y in a.rule.params["pairs"]):
                broken.append(a)
        order = {a.title: i for i, a in enumerate(self.articles)}
        unique = {a.title: a for a in broken}
        return sorted(unique.values(), key=lambda a: order[a.title])
