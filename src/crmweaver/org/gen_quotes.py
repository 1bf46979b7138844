"""Quote line planning: product lines and discounts that break exactly one chosen sales rule, or none.

The catalog's `quote_violations` is the oracle: every plan is drawn, repaired and then checked
against all rules, and redrawn until the check gives exactly the planted article (or nothing).
"""

from __future__ import annotations

import random

from crmweaver.org.catalog import CONFIG_RULE_KINDS, PRICING_RULE_KINDS, Article, Catalog, QuoteLine

PLAIN_DISCOUNTS = (0.0, 0.0, 0.0, 2.0, 3.0, 5.0, 5.0, 7.5, 8.0, 10.0, 12.0, 15.0, 17.5, 20.0)


class LinePlanner:
    """Draws opportunity lines (product index, quantity) and per-quote discounts."""

    def __init__(self, catalog: Catalog, preset: str):
        self.cat = catalog
        self.names = [p.name for p in catalog.products]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.by_cat: dict[str, list[int]] = {}
        for i, p in enumerate(catalog.products):
            self.by_cat.setdefault(p.category, []).append(i)
        self.qty_choices = (1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 10, 12, 15, 20, 25, 30, 40, 50) if preset == "b2b" else (1, 1, 1, 1, 2, 2, 3, 4)
        vol = catalog.rules("volume_discount_cap")
        self.vol = vol[0].rule.params if vol else None
        self.min_q = {p: q for a in catalog.rules("min_quantity") for p, q in a.rule.params["quantities"].items()}
        self.max_q = {p: q for a in catalog.rules("max_quantity") for p, q in a.rule.params["quantities"].items()}
        self.exclusive = [tuple(pair) for a in catalog.rules("exclusive_products") for pair in a.rule.params["pairs"]]
        self.companions = [tuple(pair) for a in catalog.rules("required_companion") for pair in a.rule.params["pairs"]]

    # -- lines -------------------------------------------------------------------------------
    def draw(self, rng: random.Random, n: int) -> list[list]:
        """n distinct products, mostly from one category, with quantities: [[product_idx, qty], ...]."""
        n = max(1, min(n, len(self.names)))
        home = self.by_cat[rng.choice(sorted(self.by_cat))]
        chosen: list[int] = []
        while len(chosen) < n:
            pool = home if rng.random() < 0.6 else range(len(self.names))
            i = rng.choice(list(pool))
            if i not in chosen:
                chosen.append(i)
        return [[i, rng.choice(self.qty_choices)] for i in chosen]

    def clean_config(self, rng: random.Random, lines: list[list]) -> None:
        """Repair lines in place so no configuration rule is broken."""
        for pair in self.exclusive:
            x, y = (self.index[p] for p in pair)
            have = [ln[0] for ln in lines]
            if x in have and y in have and len(lines) > 1:
                lines[:] = [ln for ln in lines if ln[0] != y]
        for pair in self.companions:
            x, y = (self.index[p] for p in pair)
            have = [ln[0] for ln in lines]
            if x in have and y not in have:
                lines.append([y, rng.choice(self.qty_choices)])
        for ln in lines:
            name = self.names[ln[0]]
            if name in self.min_q and ln[1] < self.min_q[name]:
                ln[1] = self.min_q[name] + rng.randint(0, 3)
            if name in self.max_q and ln[1] > self.max_q[name]:
                ln[1] = max(self.min_q.get(name, 1), self.max_q[name] - rng.randint(0, 5))

    def plant_config(self, rng: random.Random, lines: list[list], art: Article) -> None:
        """Break the article's rule through one of the products (or pairs) it lists, chosen at random."""
        p, kind = art.rule.params, art.rule.kind

        def ensure(idx: int) -> list:
            for ln in lines:
                if ln[0] == idx:
                    return ln
            ln = [idx, rng.choice(self.qty_choices)]
            lines.append(ln)
            return ln

        if kind in ("min_quantity", "max_quantity"):
            name, q = rng.choice(sorted(p["quantities"].items()))
            low = kind == "min_quantity"
            ensure(self.index[name])[1] = rng.randint(1, max(1, q - 1)) if low else q + rng.randint(1, max(1, q // 2))
        elif kind == "exclusive_products":
            for name in rng.choice(p["pairs"]):
                ensure(self.index[name])
        elif kind == "required_companion":
            a, b = rng.choice(p["pairs"])
            ensure(self.index[a])
            y = self.index[b]
            lines[:] = [ln for ln in lines if ln[0] != y]

    # -- discounts ---------------------------------------------------------------------------
    def cap(self, idx: int, qty: int) -> float:
        cap, _ = self.cat.max_discount_for(self.names[idx])
        if self.vol and qty < self.vol["min_quantity"]:
            cap = min(cap, float(self.vol["max_pct"]))
        return cap

    def clean_discounts(self, rng: random.Random, lines: list[list]) -> list[float]:
        out = []
        for idx, qty in lines:
            cap = self.cap(idx, qty)
            out.append(rng.choice([d for d in PLAIN_DISCOUNTS if d <= cap]))
        return out

    def prepare_pricing(self, rng: random.Random, lines: list[list], art: Article) -> bool:
        """Adjust quantities (and add a product) so the pricing violation can be planted; False if impossible."""
        p, kind = art.rule.params, art.rule.kind
        vol_min = self.vol["min_quantity"] if self.vol else 1
        if kind == "max_discount":
            if p["product"] is not None:
                idx = self.index[p["product"]]
                if all(ln[0] != idx for ln in lines):
                    lines.append([idx, 1])
                cands = [ln for ln in lines if ln[0] == idx]
            else:
                cands = [ln for ln in lines if self.cat.max_discount_for(self.names[ln[0]])[1] is art]
            if not cands:
                return False
            ln = rng.choice(cands)
            hi = self.max_q.get(self.names[ln[0]], 10**6)
            if ln[1] < vol_min:
                if vol_min > hi:
                    return False
                ln[1] = rng.randint(vol_min, min(hi, vol_min + 30))
            return True
        if kind == "volume_discount_cap":
            cands = [ln for ln in lines if self.cat.max_discount_for(self.names[ln[0]])[0] > p["max_pct"]
                     and self.min_q.get(self.names[ln[0]], 1) < p["min_quantity"]]
            if not cands:
                return False
            ln = rng.choice(cands)
            if ln[1] >= p["min_quantity"]:
                ln[1] = rng.randint(max(1, self.min_q.get(self.names[ln[0]], 1)), p["min_quantity"] - 1)
            return True
        return False

    def plant_pricing(self, rng: random.Random, lines: list[list], disc: list[float], art: Article) -> None:
        p, kind = art.rule.params, art.rule.kind
        if kind == "max_discount":
            for k, (idx, qty) in enumerate(lines):
                cap, owner = self.cat.max_discount_for(self.names[idx])
                if owner is art and (not self.vol or qty >= self.vol["min_quantity"]):
                    disc[k] = cap + rng.choice((2.0, 3.0, 5.0, 7.5, 10.0, 15.0))
                    return
        else:
            for k, (idx, qty) in enumerate(lines):
                cap, _ = self.cat.max_discount_for(self.names[idx])
                if qty < p["min_quantity"] and cap > p["max_pct"]:
                    choices = [d for d in (11.0, 12.0, 12.5, 14.0, 15.0, 17.5, 20.0) if p["max_pct"] < d <= cap]
                    disc[k] = rng.choice(choices or [cap])
                    return

    def violations(self, lines: list[list], disc: list[float]) -> list[Article]:
        return self.cat.quote_violations([QuoteLine(self.names[i], q, d) for (i, q), d in zip(lines, disc)])


def plan_opportunity(planner: LinePlanner, rng: random.Random, n_lines: int, plans: list[Article | None]):
    """Lines and per-quote discounts such that quote k breaks exactly plans[k] (or nothing).

    A configuration article must be the plan of every quote of the opportunity (lines are shared).
    Returns (lines, [discounts per quote], plans actually planted).
    """
    config = next((a for a in plans if a is not None and a.rule.kind in CONFIG_RULE_KINDS), None)
    for attempt in range(40):
        lines = planner.draw(rng, n_lines)
        planner.clean_config(rng, lines)
        if config is not None:
            planner.plant_config(rng, lines, config)
        ok = True
        for a in plans:
            if a is not None and a.rule.kind in PRICING_RULE_KINDS and not planner.prepare_pricing(rng, lines, a):
                ok = False
        if not ok:
            continue
        discounts = []
        for a in plans:
            d = planner.clean_discounts(rng, lines)
            if a is not None and a.rule.kind in PRICING_RULE_KINDS:
                planner.plant_pricing(rng, lines, d, a)
            discounts.append(d)
        if all(planner.violations(lines, d) == ([a] if a is not None else []) for a, d in zip(plans, discounts)):
            return lines, discounts, plans
    if any(a is not None for a in plans):
        return plan_opportunity(planner, rng, n_lines, [None] * len(plans))
    raise RuntimeError("could not draw clean quote lines")  # pragma: no cover
