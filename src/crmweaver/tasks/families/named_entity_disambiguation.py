"""named_entity_disambiguation: "the <alias> I bought N days ago" -> the exact Product2 Id, or None.

"N days ago" counts back from the row's own date (`ctx.today`, stated in metadata.required), as
CRMArena-Pro's rows do, and only purchases settled by that date are asked about: the account must
have orders before it, and the day named is one of them (or, for None rows, a day with no order).
Most rows ask about a purchase of the last six months, as a customer usually does.

Aliases come from the catalog (some are shared by 2-3 products on purpose); the customer's purchase
history (their account's orders on that day) decides which product they mean. An instance is kept
only when exactly one product bought that day fits the alias and no other product bought that day
could be confused with it (its name or aliases contain the alias's head noun). None instances name
a day on which the account placed no order at all (none within a week either side), so the answer
does not hinge on how loosely "N days ago" is read.

Engine note: the SOQL parser refuses `FROM Order` and `Order.<field>` (ORDER is treated as a
reserved word), so the reference reads orders through the Account's `Orders` child relationship.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import date, timedelta

from crmweaver.org.catalog import Catalog
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register


RECENT_DAYS = 180  # most rows ask about a purchase made within this many days of the row's date
RECENT_SHARE = 0.75


def _head(alias: str) -> str:
    a = alias.lower().strip()
    return a[4:] if a.startswith("the ") else a


def resolve(cat: Catalog, alias: str, names: list[str]) -> list:
    """The one product among `names` (bought that day) that `alias` denotes: [name], [None] or Resample."""
    names = sorted(set(names))
    fits = {p.name for p in cat.products_for_alias(alias)}
    hit = [n for n in names if n in fits]
    if not hit:
        return [None]
    if len(hit) > 1:
        raise Resample
    head = _head(alias)
    for other in names:
        if other == hit[0]:
            continue
        words = [other.lower(), *(_head(a) for a in cat.product(other).aliases)] if _known(cat, other) else [other.lower()]
        if any(head in w for w in words):
            raise Resample  # a careful reader could hesitate between two purchases
    return hit


def _known(cat: Catalog, name: str) -> bool:
    return any(p.name == name for p in cat.products)


@register
class NamedEntityDisambiguation(Family):
    code = "named_entity_disambiguation"
    templates = (
        "Hi, I have a question about {alias} I bought {n} days ago. Which product is that exactly?",
        "Can you tell me the exact product for {alias} I purchased {n} days ago?",
        "I need the product Id of {alias} I bought {n} days ago.",
        "Hello! {n} days ago I bought {alias}. Could you look up which product that was?",
        "What exactly is {alias} I ordered {n} days ago? I need the precise product for a support question.",
        "I'm trying to register {alias} I got from you {n} days ago, but I don't remember its exact name. Can you find it?",
        "{alias_cap} I bought {n} days ago — which one of your products is it?",
        "quick q: which product is {alias} from my purchase {n} days ago?",
        "Good morning. I would like to know the precise product corresponding to {alias} that I purchased {n} days ago.",
        "My colleague asked me which model {alias} we bought {n} days ago is. Could you check my purchase history?",
        "Please identify {alias} that I bought {n} days ago — I need the exact product record.",
        "I want to leave a review for {alias} I bought {n} days ago, but I can't find it. Which product was it?",
        "Looking at my orders, what is {alias} I picked up {n} days ago?",
        "Could you confirm the exact product of {alias} I bought from you {n} days ago? Thanks!",
    )

    def _orders(self, ctx: Context) -> dict[str, dict[str, list[str]]]:
        """account -> purchase day -> product names bought that day (cached per org)."""
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] is not ctx.org:
            rows = ctx.sql(
                'SELECT o.AccountId, o.EffectiveDate, p.Name FROM "Order" o JOIN OrderItem i ON i.OrderId = o.Id '
                "JOIN Product2 p ON p.Id = i.Product2Id ORDER BY o.AccountId, o.EffectiveDate, i.Id"
            )
            out: dict[str, dict[str, list[str]]] = {}
            for r in rows:
                out.setdefault(r["AccountId"], {}).setdefault(r["EffectiveDate"], []).append(r["Name"])
            self._cache = cache = (ctx.org, out, sorted((d, a) for a, days in out.items() for d in days))
        return cache[1]

    def _purchases(self, ctx: Context, first: date, last: date) -> list[tuple[str, str]]:
        """(day, account) of every purchase day from `first` to `last`, in order."""
        self._orders(ctx)
        pairs = self._cache[2]
        return pairs[bisect_left(pairs, (first.isoformat(), "")):bisect_right(pairs, (last.isoformat(), "~"))]

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        orders = self._orders(ctx)
        cat = ctx.catalog
        latest = ctx.today - timedelta(days=3)  # settled (Activated) orders only
        recent = rng.random() < RECENT_SHARE
        if want_none:
            account = rng.choice(sorted(orders))
        else:  # a purchase day, mostly a recent one ("the headlamp I bought 14 days ago")
            first = ctx.today - timedelta(days=RECENT_DAYS) if recent else ctx.history_start
            pairs = self._purchases(ctx, first, latest)
            if not pairs:
                raise Resample
            day_s, account = rng.choice(pairs)
        days = {d: names for d, names in orders[account].items() if d <= latest.isoformat()}
        if not days:
            raise Resample  # the customer bought nothing before the row's date
        if want_none:
            bought = sorted({n for names in days.values() for n in names})
            name = rng.choice(bought) if rng.random() < 0.7 else rng.choice(cat.products).name
            alias = rng.choice(cat.product(name).aliases)
            n = rng.randint(4, RECENT_DAYS) if recent else rng.randint(RECENT_DAYS + 1, 700)
            day = ctx.today - timedelta(days=n)
            near = {(day + timedelta(days=k)).isoformat() for k in range(-7, 8)}
            if near & set(orders[account]):
                raise Resample
        else:
            name = rng.choice(days[day_s])
            aliases = cat.product(name).aliases
            shared = [a for a in aliases if len(cat.products_for_alias(a)) > 1]  # the interesting ones
            alias = rng.choice(shared) if shared and rng.random() < 0.6 else rng.choice(aliases)
            if resolve(cat, alias, days[day_s]) != [name]:
                raise Resample
            day = date.fromisoformat(day_s)
            n = (ctx.today - day).days
        contacts = ctx.sql("SELECT * FROM Contact WHERE AccountId = ? ORDER BY Id", (account,))
        if not contacts:
            raise Resample
        contact = rng.choice(contacts)
        who = self._who(ctx, contact, account)
        shown = alias if alias.lower().startswith("the ") else f"the {alias}"
        query, template = self.phrase(rng, alias=shown, alias_cap=shown[:1].upper() + shown[1:], n=n)
        query += " " + self.return_only(none="if nothing I bought that day matches")
        required = (
            f"{ctx.today_sentence()} You are assisting a customer logged into the self-service portal: "
            f"{who}. The customer's purchases are the orders of their account; an order's EffectiveDate is the day of the "
            f"purchase, and a purchase made N days ago has an EffectiveDate exactly N days before today. Find the product the "
            "customer describes among the products (order items) they bought on that day and answer with its Product2 Id. "
            "Answer None if nothing they bought on that day matches their description."
        )
        persona = f"A customer of {ctx.catalog.company} using the self-service portal, logged in as {who}."
        values = {"account": account, "contact": contact["Id"], "alias": alias, "days_ago": n,
                  "day": day.isoformat(), "persona": persona}
        return Params(values, query, required, template, facts={"contact": contact["Id"], "days_ago": n, "product": alias})

    def _who(self, ctx: Context, contact, account: str) -> str:
        keys = contact.keys()
        if "FirstName" in keys and contact["FirstName"]:
            return f"{contact['FirstName']} {contact['LastName']} (Contact Id {contact['Id']}, Account Id {account})"
        acc = ctx.sql("SELECT * FROM Account WHERE Id = ?", (account,))[0]
        name = f"{acc['FirstName']} {acc['LastName']}" if "FirstName" in acc.keys() and acc["FirstName"] else acc["Name"]
        return f"{name} (Contact Id {contact['Id']}, Account Id {account})"

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        rows = ctx.sql(
            'SELECT p.Id, p.Name FROM "Order" o JOIN OrderItem i ON i.OrderId = o.Id JOIN Product2 p ON p.Id = i.Product2Id '
            "WHERE o.AccountId = ? AND o.EffectiveDate = ?",
            (v["account"], v["day"]),
        )
        hit = resolve(ctx.catalog, v["alias"], [r["Name"] for r in rows])
        return [None] if hit == [None] else [next(r["Id"] for r in rows if r["Name"] == hit[0])]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        account = run(f"SELECT Id, AccountId FROM Contact WHERE Id = '{v['contact']}'")["records"][0]["AccountId"]
        day = (ctx.today - timedelta(days=v["days_ago"])).isoformat()
        acc = run(f"SELECT Id, (SELECT Id, EffectiveDate FROM Orders WHERE EffectiveDate = {day}) FROM Account WHERE Id = '{account}'")
        orders = acc["records"][0]["Orders"]
        ids = [o["Id"] for o in orders["records"]] if orders else []
        if not ids:
            return [None]
        quoted = ", ".join(f"'{i}'" for i in ids)
        items = run(f"SELECT Id, Product2Id, Product2.Name, Quantity FROM OrderItem WHERE OrderId IN ({quoted})")["records"]
        hit = resolve(ctx.catalog, v["alias"], [r["Product2"]["Name"] for r in items])
        return [None] if hit == [None] else [next(r["Product2Id"] for r in items if r["Product2"]["Name"] == hit[0])]
