"""The catalog's reference data: counts, rule coverage, determinism and text quality."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from crmweaver.org.catalog import (
    ARTICLE_KINDS,
    CONFIG_RULE_KINDS,
    RULE_KINDS,
    SERVICE_RULE_KINDS,
    Catalog,
    QuoteLine,
)
from crmweaver.org.catalog_kb import catalog

PRESETS = ("b2b", "b2c")
ARTICLE_COUNTS = {"b2b": 194, "b2c": 110}
CATEGORY_COUNTS = {"b2b": 10, "b2c": 5}
ALL_STATES = set(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)
PLACEHOLDERS = re.compile(r"\b(lorem|ipsum|todo|tbd|xxx|fixme|placeholder)\b", re.IGNORECASE)


@pytest.fixture(params=PRESETS)
def cat(request) -> Catalog:
    return catalog(request.param, 0)


def _texts(c: Catalog):
    for p in c.products:
        yield p.name, p.description
        yield from ((p.name, a) for a in p.aliases)
    for i in c.issues:
        yield i.name, " ".join((i.name, i.description, *i.keywords, *i.symptoms))
    for a in c.articles:
        yield a.title, " ".join((a.title, a.summary, a.body, a.answer or ""))


def test_counts(cat):
    assert len(cat.products) == 51
    assert len(cat.issues) == 15
    assert 6 <= len(cat.competitors) <= 10
    target = ARTICLE_COUNTS[cat.preset]
    assert abs(len(cat.articles) - target) <= 0.05 * target
    assert len(cat.categories) == CATEGORY_COUNTS[cat.preset]
    assert len(cat.territories) == 10
    assert len(cat.pricebooks) == 2


def test_products_well_formed(cat):
    assert len({p.name for p in cat.products}) == 51
    assert len({p.code for p in cat.products}) == 51
    assert all(re.fullmatch(r"PRD-\d{4}", p.code) for p in cat.products)
    assert {p.category for p in cat.products} == set(cat.categories)
    for p in cat.products:
        assert p.list_price > 0
        assert p.aliases
        assert 2 <= p.description.count(".") <= 4, p.description
    shared = [a for a, n in Counter(a.lower() for p in cat.products for a in p.aliases).items() if n > 1]
    assert len(shared) >= 8  # ambiguous aliases on purpose
    assert all(len(cat.products_for_alias(a)) <= 3 for a in shared)


def test_issues_have_symptoms(cat):
    assert len({i.name for i in cat.issues}) == 15
    for i in cat.issues:
        assert len(i.symptoms) >= 4 and len(i.keywords) >= 3


def test_territories_partition_states(cat):
    states = [s for t in cat.territories for s in t.states]
    assert len(states) == len(set(states)) == 51
    assert set(states) == ALL_STATES
    assert len({t.name for t in cat.territories}) == 10


def test_articles_unique_and_typed(cat):
    assert len({a.title for a in cat.articles}) == len(cat.articles)
    assert len({a.url_name for a in cat.articles}) == len(cat.articles)
    names = {p.name for p in cat.products}
    for a in cat.articles:
        assert a.kind in ARTICLE_KINDS
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a.url_name)
        assert a.summary and len(a.body) > 80
        if a.product is not None:
            assert a.product in names and a.kind in ("product", "howto", "story")
    assert {a.kind for a in cat.articles} == set(ARTICLE_KINDS) - {"faq"} | ({"faq"} if any(a.kind == "faq" for a in cat.articles) else set())
    assert any(a.confidential for a in cat.articles if a.kind == "internal")
    assert not any(a.confidential for a in cat.articles if a.kind in ("faq", "product", "howto", "story", "insight", "solution"))
    assert {a.issue for a in cat.articles if a.kind == "solution"} == {i.name for i in cat.issues}


def test_every_rule_kind_present_and_well_formed(cat):
    names = {p.name for p in cat.products}
    for kind in RULE_KINDS:
        arts = cat.rules(kind)
        assert arts, kind
        for a in arts:
            p = a.rule.params
            if kind == "max_discount":
                assert p["product"] is None or p["product"] in names
                assert 0 < p["max_pct"] < 100
            elif kind == "volume_discount_cap":
                assert p["min_quantity"] > 1 and 0 < p["max_pct"] < 100
            elif kind in ("min_quantity", "max_quantity"):
                assert len(p["quantities"]) >= 2 and set(p["quantities"]) <= names
                assert all(q >= 1 for q in p["quantities"].values()) and p["products"] == list(p["quantities"])
            elif kind in ("exclusive_products", "required_companion"):
                assert len(p["pairs"]) >= 2 and all(len(x) == 2 and x[0] != x[1] and set(x) <= names for x in p["pairs"])
                assert p["products"] == [x for pair in p["pairs"] for x in pair]
            elif kind == "refund_window":
                assert p["days"] > 0
            elif kind == "credit_limit":
                assert p["max_amount"] > 0
            elif kind == "escalation":
                assert p["priority"] == "Critical" and p["hours"] > 0
            elif kind == "resolution":
                assert p["issue"] in {i.name for i in cat.issues} and p["allowed"] and p["forbidden"]
                assert p["evidence"] in a.body and p["fix"] in a.body and all(x in a.body or x[:1].upper() + x[1:] in a.body for x in p["forbidden"])
            elif kind == "stage_activity":
                assert p["stages"] == cat.stage_activities
    assert len(cat.rules("max_discount")) >= 2
    for kind in CONFIG_RULE_KINDS:  # one generic article per kind (CRMArena-Pro cites a few such articles)
        assert len(cat.rules(kind)) == 1, kind
    assert sum(a.rule.params["product"] is None for a in cat.rules("max_discount")) == 1
    for kind in SERVICE_RULE_KINDS:
        r = cat.rules(kind)[0].rule
        assert r.violating_examples and r.compliant_examples
    with pytest.raises(ValueError):
        cat.rules("no_such_kind")


def _numbers(params: dict) -> list[float]:
    out = []
    for k, v in params.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(v)
    return out


def test_rule_articles_state_their_numbers(cat):
    for a in cat.articles:
        if a.rule is None or a.rule.kind == "stage_activity":
            continue
        for n in _numbers(a.rule.params):
            forms = {str(n), f"{n:,.0f}", f"{n:g}"}
            assert any(f in a.body for f in forms), (a.title, n)
        for key in ("product", "requires"):
            if a.rule.params.get(key):
                assert a.rule.params[key] in a.body
        for p in a.rule.params.get("products", ()):
            assert p in a.body
    stage = cat.rules("stage_activity")[0]
    for acts in cat.stage_activities.values():
        assert all(x in stage.body for x in acts)
    assert not any("BANT" in a.title for a in cat.articles)  # lead_qualification states its criteria itself


def test_product_specific_discounts_are_below_general(cat):
    general = next(a.rule.params["max_pct"] for a in cat.rules("max_discount") if a.rule.params["product"] is None)
    for a in cat.rules("max_discount"):
        if a.rule.params["product"] is not None:
            assert a.rule.params["max_pct"] < general


def test_stage_activities_and_bant(cat):
    stages = ("Qualification", "Discovery", "Quote", "Negotiation", "Closed")
    assert tuple(cat.stage_activities) == stages
    all_acts = [x for acts in cat.stage_activities.values() for x in acts]
    assert all(len(acts) >= 6 for acts in cat.stage_activities.values())
    assert len(all_acts) == len(set(all_acts))
    assert {"budget_min", "authority_titles", "need", "timeline_max_months"} <= set(cat.bant)


def test_no_placeholder_text(cat):
    for where, text in _texts(cat):
        assert not PLACEHOLDERS.search(text), where
        assert "{" not in text and "}" not in text, where


def test_deterministic_and_seed_sensitive():
    for preset in PRESETS:
        a = catalog(preset, 7)
        catalog.cache_clear()
        b = catalog(preset, 7)
        assert a == b and a is not b
        c = catalog(preset, 8)
        assert a != c
        assert [p.name for p in a.products] == [p.name for p in c.products]  # structure stays
        assert Counter(x.kind for x in a.articles) == Counter(x.kind for x in c.articles)


def test_quote_violations(cat):
    general = next(a for a in cat.rules("max_discount") if a.rule.params["product"] is None)
    vol = cat.rules("volume_discount_cap")[0].rule.params
    free = next(p.name for p in cat.products if p.name not in cat.rule_products())
    big = vol["min_quantity"]
    assert cat.quote_violations([QuoteLine(free, big, 0)]) == []
    assert cat.allowed_discount(free, big) == general.rule.params["max_pct"]
    assert cat.quote_violations([QuoteLine(free, big, general.rule.params["max_pct"] + 1)]) == [general]
    small = cat.quote_violations([QuoteLine(free, 1, vol["max_pct"] + 1)])
    assert [a.rule.kind for a in small] == ["volume_discount_cap"]
    for a in cat.rules("max_discount"):
        p = a.rule.params["product"]
        if p:
            assert cat.quote_violations([QuoteLine(p, 1000, a.rule.params["max_pct"] + 1)])[0] == a
    for a in cat.rules("min_quantity"):
        for p, q in a.rule.params["quantities"].items():
            assert a in cat.quote_violations([QuoteLine(p, q - 1)])
            assert a not in cat.quote_violations([QuoteLine(p, q)])
            assert cat.quantity_bounds(p)[0] == q
    for a in cat.rules("max_quantity"):
        for p, q in a.rule.params["quantities"].items():
            assert a in cat.quote_violations([QuoteLine(p, q + 1)])
            assert cat.quantity_bounds(p)[1] == q
    for a in cat.rules("exclusive_products"):
        for x, y in a.rule.params["pairs"]:
            assert a in cat.quote_violations([QuoteLine(x, 1), QuoteLine(y, 1)])
            assert a not in cat.quote_violations([QuoteLine(x, 1)])
    for a in cat.rules("required_companion"):
        for x, y in a.rule.params["pairs"]:
            assert a in cat.quote_violations([QuoteLine(x, 1)])
            assert a not in cat.quote_violations([QuoteLine(x, 1), QuoteLine(y, 1)])


def test_catalog_is_hashable_and_cached(cat):
    hash(cat)
    assert catalog(cat.preset, 0) is cat
