"""Shared pieces of the database task families: extremes with unbreakable ties, windows, who handled a case,
how a product is named, and the shared definitions rows carry in `metadata.optional`.

Not a family itself (it registers nothing); the families of the database skill import it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from crmweaver.tasks.family import Context, Resample, Runner
from crmweaver.tasks.windows import DOMAIN_DETAILS, Window, random_window

# Windows meant to hold nothing (None instances): short rolling windows and single named periods.
EMPTY_KINDS = {"past_weeks": 4, "past_months": 1, "month": 3, "quarter": 1, "season": 1}
EMPTY_TRIES = 30

# Shared definitions (metadata.optional) of the families whose context carries no method.
PRODUCT_LINK = (
    "A case concerns a product when its order line (Case.OrderItemId__c) is for that product "
    "(OrderItem.Product2Id). A case belongs to a period when its CreatedDate falls in it."
)


def optional_text(*definitions: str) -> str:
    """A type's shared definitions followed by the time-window conventions every row shares."""
    return " ".join((*definitions, DOMAIN_DETAILS))


def extreme(values: dict[str, Any], lowest: bool) -> list:
    """`[key]` with the lowest/highest value, `[None]` when empty; a tie the policy cannot break resamples.

    Values may be ints, Fractions or floats; floats within a relative 1e-9 count as equal, so a
    gold computed in SQL and a reference computed from query results never split on rounding.
    """
    if not values:
        return [None]
    best = (min if lowest else max)(values.values())
    tol = 1e-9 * max(1.0, abs(float(best)))
    winners = [k for k, v in values.items() if abs(float(v - best)) <= tol]
    if len(winners) > 1:
        raise Resample
    return winners


def average(xs: list[int]) -> Fraction:
    return Fraction(sum(xs), len(xs))


def seconds_between(start: str, end: str) -> float:
    parse = lambda s: datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def days_between(start: str, end: str) -> int:
    """Whole days from the UTC day of `start` (date or datetime text) to the day of `end`."""
    return (date.fromisoformat(end[:10]) - date.fromisoformat(start[:10])).days


def bounds(window: Window) -> tuple[str, str]:
    """SQL parameters for `substr(X, 1, 10) >= ? AND substr(X, 1, 10) < ?`."""
    return window.start.isoformat(), window.end.isoformat()


# -- windows -------------------------------------------------------------------------------------


def busy_window(rng: random.Random, ctx: Context) -> Window:
    """A window of the usual kinds before the row's date, inside the org's history."""
    return random_window(rng, ctx.today, earliest=ctx.history_start)


def empty_window(
    rng: random.Random, ctx: Context, is_empty: Callable[[Window], bool], kinds: dict[str, float] = EMPTY_KINDS
) -> Window:
    """A window the question may plausibly ask about but where nothing qualifies (a None instance)."""
    for _ in range(EMPTY_TRIES):
        window = random_window(rng, ctx.today, earliest=ctx.history_start, kinds=kinds, short=True)
        if is_empty(window):
            return window
    raise Resample


# -- who handled a case --------------------------------------------------------------------------

HANDLED_RULE = (
    "An agent has handled a case when they owned it at any point: its first owner and every agent it was "
    "transferred to. Transfers are the case's CaseHistory__c records with Field__c = 'Owner Assignment' "
    "whose OldValue__c (the previous owner) is set; NewValue__c is the agent who received it, and Case.OwnerId "
    "is its current owner. A transferred case therefore counts once for each agent who handled it."
)


def handled_counts(owner_of: dict[str, str], moves: Iterable[tuple[str, str | None, str | None]]) -> dict[str, int]:
    """Cases handled per agent: a case counts once for its owner and for every agent on either side of a transfer.

    `owner_of` maps case Id -> OwnerId; `moves` are (case Id, OldValue__c, NewValue__c) of 'Owner Assignment'
    rows of those cases. A row without OldValue__c is an initial assignment; its NewValue__c is the first
    owner, who is counted either way.
    """
    agents: dict[str, set[str]] = defaultdict(set)
    for case, owner in owner_of.items():
        agents[owner].add(case)
    for case, old, new in moves:
        if case in owner_of:
            for agent in (old, new):
                if agent:
                    agents[agent].add(case)
    return {agent: len(cs) for agent, cs in agents.items()}


def handled_per_agent(ctx: Context, window: Window) -> dict[str, int]:
    """The gold side of `handled_counts`, in one SQL statement over cases created in the window."""
    rows = ctx.sql(
        """SELECT agent, COUNT(DISTINCT cid) n FROM (
               SELECT c.Id cid, c.OwnerId agent FROM "Case" c
               WHERE substr(c.CreatedDate, 1, 10) >= :s AND substr(c.CreatedDate, 1, 10) < :e
               UNION
               SELECT h.CaseId__c, h.OldValue__c FROM CaseHistory__c h JOIN "Case" c ON c.Id = h.CaseId__c
               WHERE h.Field__c = 'Owner Assignment' AND h.OldValue__c IS NOT NULL
                 AND substr(c.CreatedDate, 1, 10) >= :s AND substr(c.CreatedDate, 1, 10) < :e
               UNION
               SELECT h.CaseId__c, h.NewValue__c FROM CaseHistory__c h JOIN "Case" c ON c.Id = h.CaseId__c
               WHERE h.Field__c = 'Owner Assignment' AND h.NewValue__c IS NOT NULL
                 AND substr(c.CreatedDate, 1, 10) >= :s AND substr(c.CreatedDate, 1, 10) < :e
           ) GROUP BY agent""",
        dict(zip(("s", "e"), bounds(window))),
    )
    return {r["agent"]: r["n"] for r in rows}


def handled_via(run: Runner, window: Window) -> tuple[dict[str, str], list[dict]]:
    """The expert's side: the window's cases (Id -> OwnerId) and their 'Owner Assignment' history rows."""
    cases = run(f"SELECT Id, OwnerId FROM Case WHERE {window.soql('CreatedDate')}")
    moves = run(
        "SELECT CaseId__c, OldValue__c, NewValue__c FROM CaseHistory__c WHERE Field__c = 'Owner Assignment' "
        f"AND {window.soql('CaseId__r.CreatedDate')}"
    )
    return {r["Id"]: r["OwnerId"] for r in cases["records"]}, moves["records"]


def more_than_threshold(rng: random.Random, most: int, want_none: bool, cap: int) -> int:
    """The "more than N cases" bar: above every agent for a None instance, else one someone clears."""
    if want_none:
        return max(most, rng.choice((1, 2, 3)))
    if most == 0:
        raise Resample
    return rng.randint(0, min(most - 1, cap))


# -- signed contracts ----------------------------------------------------------------------------


def signed_field(ctx: Context) -> str:
    """The contract date that marks a signed deal: CompanySignedDate (B2B); B2C has only CustomerSignedDate."""
    contract = ctx.org.schema.object("Contract")
    return "CompanySignedDate" if contract is not None and contract.field("CompanySignedDate") else "CustomerSignedDate"


def signed_phrase(ctx: Context) -> str:
    field = signed_field(ctx)
    if field == "CompanySignedDate":
        return "the contract's CompanySignedDate (the day the company signed)"
    return (
        "the contract's CustomerSignedDate (this org's contracts have no CompanySignedDate; "
        "the customer's signature is the signing date)"
    )


# -- products ------------------------------------------------------------------------------------

CONTEXT_SHARE = 0.4  # rows whose product Id sits in metadata.required, the query saying "the product"


@dataclass(frozen=True)
class Mention:
    """How a row names its product: the words in the query, a name to look up, a sentence for the context."""

    text: str  # fills the query's {product} slot
    lookup_name: str | None  # set only when the query gives a unique name and no Id
    context: str = ""  # "The product's Id is 01t…." when the Id sits in metadata.required


def product_mention(ctx: Context, rng: random.Random, product_id: str) -> Mention:
    """By Id in the context (the query says "the product"), by Id or unique name in the query, or both.

    A name shared by several products is never used alone.
    """
    if rng.random() < CONTEXT_SHARE:
        return Mention(rng.choice(("the product", "this product")), None, f"The product's Id is {product_id}.")
    name = ctx.sql("SELECT Name FROM Product2 WHERE Id = ?", (product_id,))[0]["Name"]
    unique = ctx.sql("SELECT COUNT(*) n FROM Product2 WHERE Name = ?", (name,))[0]["n"] == 1
    style = rng.randrange(3)
    if style == 0:
        return Mention(f"product {product_id}", None)
    if style == 1 and unique:
        return Mention(f'"{name}"', name)
    return Mention(f"{name} ({product_id})", None)


def product_id_via(run: Runner, product_id: str, lookup_name: str | None) -> str:
    """The product Id as the expert gets it: given in the query or context, or found by its exact (unique) name."""
    if lookup_name is None:
        return product_id
    escaped = lookup_name.replace("\\", "\\\\").replace("'", "\\'")
    return run(f"SELECT Id, Name FROM Product2 WHERE Name = '{escaped}'")["records"][0]["Id"]


def products_with_cases(ctx: Context, window: Window) -> list[str]:
    """Products (by the cases' order items) that have cases created in the window, sorted."""
    rows = ctx.sql(
        """SELECT DISTINCT oi.Product2Id FROM "Case" c JOIN OrderItem oi ON oi.Id = c.OrderItemId__c
           WHERE substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ? ORDER BY oi.Product2Id""",
        bounds(window),
    )
    return [r["Product2Id"] for r in rows]


def required_text(ctx: Context, *sentences: str) -> str:
    """A row's metadata.required: today's date, then whatever the row adds (policy, an entity's Id)."""
    return " ".join((ctx.today_sentence(), *(s for s in sentences if s)))
