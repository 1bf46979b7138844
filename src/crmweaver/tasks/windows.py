"""Time windows that tasks ask about, with the phrase a person would use and exact bounds.

Phrased as CRMArena-Pro phrases them: rolling weeks, months, quarters and years ("the past two
quarters", "the last six weeks"), named months, quarters, seasons, halves and years ("Q2 2023",
"the winter of 2022", "the first half of 2023"); days almost never. Every phrase a window can take
is defined in `DOMAIN_DETAILS`, which rows carry in `metadata.optional`.

Conventions: "the past N weeks/months/quarters/years" ends today (inclusive) and starts 7N days,
N months, 3N months or 12N months before today; quarters are calendar quarters; Winter is Dec 1 to
the end of February (the winter of 2024 starts in December 2024), Spring Mar-May, Summer Jun-Aug,
Fall Sep-Nov.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = tuple(calendar.month_name)[1:]
SEASONS = {"Winter": 12, "Spring": 3, "Summer": 6, "Fall": 9}  # first month of each season
NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)
ORDINALS = ("first", "second", "third", "fourth")

DOMAIN_DETAILS = (
    "Time windows: 'the past N weeks', 'the past N months', 'the past N quarters' and 'the past N years' "
    "(also written 'the last N ...', with N in words or digits; 'the past week', 'the past month', 'the past "
    "quarter' and 'the past year' mean N = 1) run from the same day 7N days, N months, 3N months or 12N "
    "months before today up to and including today; 'the past N days' runs from N days before today up to "
    "and including today. Quarters are calendar quarters: Q1 = Jan-Mar, Q2 = Apr-Jun, Q3 = Jul-Sep, "
    "Q4 = Oct-Dec ('Q2 2023' is the second quarter of 2023). The first half of a year is Jan-Jun, the second "
    "half Jul-Dec; 'the year 2023' is January 1 to December 31, 2023; a named month ('March 2023') is that "
    "calendar month. Seasons: Winter = Dec 1 to the end of February (the winter of YEAR, or winter YEAR, "
    "starts in December of YEAR), Spring = Mar-May, Summer = Jun-Aug, Fall = Sep-Nov. A window includes its "
    "first and last day; a record belongs to it by the day of its date field. A month 'significantly' above "
    "the others has a count greater than every other month's. All dates and times are UTC."
)

# How often each kind of window is asked about (CRMArena-Pro: days in about 4 of 800 database rows).
DEFAULT_KINDS: dict[str, float] = {
    "past_weeks": 14, "past_months": 24, "past_quarters": 18, "past_years": 4,
    "month": 10, "quarter": 12, "season": 9, "half": 6, "year": 2, "past_days": 0.5,
}
# Rolling-window lengths by unit; `short` draws (windows meant to be empty) use the first few.
LENGTHS = {
    "day": (30, 60, 90),
    "week": (1, 2, 3, 4, 6, 8, 10, 12, 16, 26),
    "month": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 24),
    "quarter": (1, 2, 3, 4, 5, 6, 8),
    "year": (1, 2),
}
RECENT_MONTHS = 24  # named periods are drawn from the two years before today, as a person asks


def add_months(d: date, months: int) -> date:
    """The same day `months` later (earlier if negative), clamped to the month's last day."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def number(n: int, words: bool = True) -> str:
    """'two' (or '2' when `words` is false); numbers past twenty are always digits."""
    return NUMBER_WORDS[n] if words and 0 <= n < len(NUMBER_WORDS) else str(n)


def count_of(n: int, noun: str) -> str:
    """'zero cases', 'one case', 'two cases': counts as the benchmark words them."""
    return f"{number(n)} {noun}" if n == 1 else f"{number(n)} {noun}s"


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


def past(n: int, unit: str, today: date, *, lead: str = "past", words: bool = False) -> Window:
    """'the past N <unit>s' ending today (inclusive); unit in day/week/month/quarter/year.

    `lead` is "past" or "last" ("the last N ..." only for N > 1: "the last quarter" reads as the previous
    calendar quarter); `words` spells N ("the past two quarters").
    """
    start = {
        "day": lambda: today - timedelta(days=n),
        "week": lambda: today - timedelta(weeks=n),
        "month": lambda: add_months(today, -n),
        "quarter": lambda: add_months(today, -3 * n),
        "year": lambda: add_months(today, -12 * n),
    }[unit]()
    label = f"{number(n, words)} {unit}s" if n != 1 else unit
    return Window(start, today + timedelta(days=1), f"the {lead if n != 1 else 'past'} {label}")


def month(year: int, m: int) -> Window:
    return Window(date(year, m, 1), add_months(date(year, m, 1), 1), f"{MONTHS[m - 1]} {year}")


def quarter(year: int, q: int, *, spelled: bool = False) -> Window:
    start = date(year, 3 * q - 2, 1)
    phrase = f"the {ORDINALS[q - 1]} quarter of {year}" if spelled else f"Q{q} {year}"
    return Window(start, add_months(start, 3), phrase)


def season(year: int, name: str, *, short: bool = False) -> Window:
    start = date(year, SEASONS[name], 1)
    phrase = f"{name.lower()} {year}" if short else f"the {name.lower()} of {year}"
    return Window(start, add_months(start, 3), phrase)


def half(year: int, h: int) -> Window:
    start = date(year, 1 if h == 1 else 7, 1)
    return Window(start, add_months(start, 6), f"the {ORDINALS[h - 1]} half of {year}")


def year_window(year: int) -> Window:
    return Window(date(year, 1, 1), date(year + 1, 1, 1), f"the year {year}")


UNIT_OF = {"past_days": "day", "past_weeks": "week", "past_months": "month", "past_quarters": "quarter", "past_years": "year"}


def _rolling(rng: random.Random, unit: str, today: date, earliest: date, short: bool) -> Window | None:
    lengths = LENGTHS[unit][:4] if short else LENGTHS[unit]
    fitting = [n for n in lengths if past(n, unit, today).start >= earliest]
    if not fitting:
        return None
    lead = "past" if rng.random() < 0.7 or unit == "day" else "last"
    return past(rng.choice(fitting), unit, today, lead=lead, words=rng.random() < 0.7 and unit != "day")


def _named(rng: random.Random, kind: str, today: date, earliest: date) -> Window | None:
    """A named period that is over by today, starts at or after `earliest`, within the recent past."""
    recent = add_months(date(today.year, today.month, 1), -RECENT_MONTHS)
    tomorrow = today + timedelta(days=1)
    years = range(max(earliest.year, recent.year) - 1, today.year + 1)
    if kind == "month":
        options = [month(y, m) for y in years for m in range(1, 13)]
    elif kind == "quarter":
        spelled = rng.random() < 0.25
        options = [quarter(y, q, spelled=spelled) for y in years for q in range(1, 5)]
    elif kind == "season":
        short = rng.random() < 0.25
        options = [season(y, s, short=short) for y in years for s in SEASONS]
    elif kind == "half":
        options = [half(y, h) for y in years for h in (1, 2)]
    else:
        options = [year_window(y) for y in years]
    fitting = [w for w in options if w.start >= max(earliest, recent) and w.end <= tomorrow]
    return rng.choice(fitting) if fitting else None


def random_window(
    rng: random.Random,
    today: date,
    *,
    earliest: date | None = None,
    kinds: tuple[str, ...] | Mapping[str, float] | None = None,
    short: bool = False,
) -> Window:
    """A window of a random kind that ends by today (inclusive) and starts at or after `earliest`.

    `kinds` names the kinds to draw from (equal odds) or maps them to weights (default
    `DEFAULT_KINDS`); `short` keeps rolling windows to their first few lengths (windows meant to be
    empty). A kind that cannot fit is replaced by the past N months that fit.
    """
    earliest = earliest or add_months(today, -48)
    weights = dict(DEFAULT_KINDS if kinds is None else kinds if isinstance(kinds, Mapping) else dict.fromkeys(kinds, 1.0))
    names = list(weights)
    kind = rng.choices(names, weights=[weights[k] for k in names])[0]
    window = _rolling(rng, UNIT_OF[kind], today, earliest, short) if kind in UNIT_OF else _named(rng, kind, today, earliest)
    if window is None:
        window = _rolling(rng, "month", today, earliest, short) or past(1, "week", today)
    return window
