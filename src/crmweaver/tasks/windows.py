"""Time windows that tasks ask about, with the phrase a person would use and exact bounds.

Conventions (stated to the agent in `metadata.optional`, as CRMArena-Pro does): "the past N
days/weeks/months/quarters" ends today (inclusive) and starts N days, 7N days, N months or 3N
months before today; quarters are calendar quarters; Winter is Dec 1 to the end of February
(the winter of 2024 starts in December 2024), Spring Mar-May, Summer Jun-Aug, Fall Sep-Nov.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = tuple(calendar.month_name)[1:]
SEASONS = {"Winter": 12, "Spring": 3, "Summer": 6, "Fall": 9}  # first month of each season

DOMAIN_DETAILS = (
    "Time windows: 'the past N days/weeks/months/quarters' runs from N days, N weeks, N months or "
    "3N months before today up to and including today. Quarters are calendar quarters (Q1 = Jan-Mar, "
    "Q2 = Apr-Jun, Q3 = Jul-Sep, Q4 = Oct-Dec). Seasons: Winter = Dec 1 to the end of February "
    "(the winter of YEAR starts in December of YEAR), Spring = Mar-May, Summer = Jun-Aug, Fall = Sep-Nov. "
    "A month 'significantly' above the others has a count greater than every other month's. "
    "All dates and times are UTC."
)


def add_months(d: date, months: int) -> date:
    """The same day `months` later (earlier if negative), clamped to the month's last day."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


@dataclass(frozen=True)
class Window:
    start: date  # first day inside
    end: date  # first day after
    phrase: str  # "the past 3 months", "March 2024", "Q2 2024", "the winter of 2023"

    def contains(self, stored: str | None) -> bool:
        """Whether a stored date or datetime string falls in the window (by its UTC day)."""
        return stored is not None and self.start.isoformat() <= stored[:10] < self.end.isoformat()

    def soql(self, field: str, *, is_date: bool = False) -> str:
        """A SOQL condition selecting the window on a date or datetime field."""
        if is_date:
            return f"{field} >= {self.start.isoformat()} AND {field} < {self.end.isoformat()}"
        return f"{field} >= {self.start.isoformat()}T00:00:00Z AND {field} < {self.end.isoformat()}T00:00:00Z"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "phrase": self.phrase}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> "Window":
        return cls(date.fromisoformat(d["start"]), date.fromisoformat(d["end"]), d["phrase"])


def past(n: int, unit: str, today: date) -> Window:
    """'the past N <unit>s', unit in day/week/month/quarter."""
    start = {
        "day": lambda: today - timedelta(days=n),
        "week": lambda: today - timedelta(weeks=n),
        "month": lambda: add_months(today, -n),
        "quarter": lambda: add_months(today, -3 * n),
    }[unit]()
    label = f"{n} {unit}s" if n != 1 else unit
    return Window(start, today + timedelta(days=1), f"the past {label}")


def month(year: int, m: int) -> Window:
    return Window(date(year, m, 1), add_months(date(year, m, 1), 1), f"{MONTHS[m - 1]} {year}")


def quarter(year: int, q: int) -> Window:
    start = date(year, 3 * q - 2, 1)
    return Window(start, add_months(start, 3), f"Q{q} {year}")


def season(year: int, name: str) -> Window:
    start = date(year, SEASONS[name], 1)
    return Window(start, add_months(start, 3), f"the {name.lower()} of {year}")


def random_window(rng: random.Random, today: date, *, earliest: date | None = None, kinds: tuple[str, ...] | None = None) -> Window:
    """A window of a random kind that ends no later than tomorrow and starts after `earliest`."""
    earliest = earliest or add_months(today, -48)
    kinds = kinds or ("past_days", "past_weeks", "past_months", "past_quarters", "month", "quarter", "season")
    kind = rng.choice(kinds)
    if kind == "past_days":
        return past(rng.choice((30, 45, 60, 90, 120, 180, 365)), "day", today)
    if kind == "past_weeks":
        return past(rng.choice((4, 6, 8, 10, 12, 16, 26, 52)), "week", today)
    if kind == "past_months":
        return past(rng.randint(2, 24), "month", today)
    if kind == "past_quarters":
        return past(rng.randint(1, 8), "quarter", today)
    # a calendar window that is already over
    while True:
        y = rng.randint(earliest.year, today.year)
        if kind == "month":
            w = month(y, rng.randint(1, 12))
        elif kind == "quarter":
            w = quarter(y, rng.randint(1, 4))
        else:
            w = season(y, rng.choice(tuple(SEASONS)))
        if earliest <= w.start and w.end <= today:
            return w
