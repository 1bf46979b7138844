"""Shared pieces of the database task families: extremes with unbreakable ties, empty windows, entity phrases.

Not a family itself (it registers nothing); the families of the database skill import it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from crmweaver.tasks.family import Context, Resample, Runner
from crmweaver.tasks.windows import Window, past, random_window

EARLIEST_EMPTY = date(2019, 1, 1)  # calendar windows asked about on purpose before most of the data


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


def cases(n: int, noun: str = "case") -> str:
    """'1 case', '3 cases': thresholds read naturally in queries."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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


def products_with_cases(ctx: Context, window: Window) -> list[str]:
    """Products (by the cases' order items) that have cases created in the window, sorted."""
    rows = ctx.sql(
        """SELECT DISTINCT oi.Product2Id FROM "Case" c JOIN OrderItem oi ON oi.Id = c.OrderItemId__c
           WHERE substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ? ORDER BY oi.Product2Id""",
        bounds(window),
    )
    return [r["Product2Id"] for r in rows]


def empty_window(rng: random.Random, today: date, is_empty: Callable[[Window], bool], tries: int = 30) -> Window:
    """A window the question may plausibly ask about but where nothing qualifies (a None instance)."""
    for _ in range(tries):
        if rng.random() < 0.25:
            window = past(rng.choice((7, 10, 14, 21)), "day", today)
        else:
            window = random_window(rng, today, earliest=EARLIEST_EMPTY, kinds=("month", "quarter", "season"))
        if is_empty(window):
            return window
    raise Resample


def busy_window(rng: random.Random, today: date) -> Window:
    """A window of the usual kinds, calendar quarters and seasons weighted up.

    Windows ending today overlap a lot, so weighting calendar windows spreads answers over time.
    """
    kinds = ("past_days", "past_weeks", "past_months", "past_quarters", "month", "quarter", "quarter", "season", "season")
    return random_window(rng, today, kinds=kinds)


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


def product_mention(ctx: Context, rng: random.Random, product_id: str) -> tuple[str, str | None]:
    """How the query names a product: by Id, by name alone, or both.

    Returns (text, lookup name): the name is set only when the query gives no Id, so the expert must
    look the product up; a name shared by several products is never used alone.
    """
    name = ctx.sql("SELECT Name FROM Product2 WHERE Id = ?", (product_id,))[0]["Name"]
    unique = ctx.sql("SELECT COUNT(*) n FROM Product2 WHERE Name = ?", (name,))[0]["n"] == 1
    style = rng.randrange(3)
    if style == 0:
        return product_id, None
    if style == 1 and unique:
        return f'"{name}"', name
    return f"{name} (Id {product_id})", None


def product_id_via(run: Runner, product_id: str, lookup_name: str | None) -> str:
    """The product Id as the expert gets it: given in the query, or found by its exact (unique) name."""
    if lookup_name is None:
        return product_id
    escaped = lookup_name.replace("\\", "\\\\").replace("'", "\\'")
    return run(f"SELECT Id, Name FROM Product2 WHERE Name = '{escaped}'")["records"][0]["Id"]
