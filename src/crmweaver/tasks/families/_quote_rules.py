"""Sales rules read back out of knowledge articles, and the check of quote lines against them.

The quote families' reference trajectories never look at the catalog: they retrieve the policy
articles and read each rule from a sentence of a fixed shape ("Discounts on X are capped at 12%.",
"X must be quoted with at least 3 licenses.", ...) in the article's Summary or body. One article
may state several rules (the configuration articles list every product they constrain); a quote
breaks the article when it breaks any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmweaver.org.catalog import QuoteLine
from crmweaver.tasks.family import Context

EPS = 1e-9
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


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


def parse_rule(article_id: str, sentence: str, products: set[str]) -> ParsedRule | None:
    """The sales rule one sentence states, or None when it states none."""
    s = (sentence or "").strip()
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


def parse_article(article_id: str, summary: str | None, body: str | None, products: set[str]) -> list[ParsedRule]:
    """Every rule an article states in its Summary or body, each once."""
    out: list[ParsedRule] = []
    for text in (summary or "", body or ""):
        for para in text.splitlines():
            for sentence in _SENTENCE_END.split(para.strip()):
                r = parse_rule(article_id, sentence, products)
                if r is not None and r not in out:
                    out.append(r)
    return out


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
