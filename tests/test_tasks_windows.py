"""Time windows: phrases as CRMArena-Pro words them, every phrase defined in DOMAIN_DETAILS, bounds by the row's date."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from crmweaver.tasks.windows import (
    DOMAIN_DETAILS, MONTHS, NUMBER_WORDS, add_months, count_of, half, past, quarter, random_window, season, year_window,
)

N = rf"(\d+|{'|'.join(NUMBER_WORDS)})"
MONTH = "|".join(MONTHS)
# every shape a window phrase can take -> the words of DOMAIN_DETAILS that define it
DEFINED = {
    rf"the past {N} (week|month|quarter|year|day)s": "'the past N {0}s'",
    rf"the last {N} (week|month|quarter|year)s": "'the last N ...'",
    r"the past (week|month|quarter|year)": "'the past {0}'",
    r"Q[1-4] \d{4}": "Q2 = Apr-Jun",
    r"the (first|second|third|fourth) quarter of \d{4}": "is the second quarter of 2023",
    r"the (first|second) half of \d{4}": "The first half of a year is Jan-Jun, the second half Jul-Dec",
    r"the year \d{4}": "'the year 2023'",
    rf"({MONTH}) \d{{4}}": "a named month ('March 2023')",
    r"the (winter|spring|summer|fall) of \d{4}": "the winter of YEAR",
    r"(winter|spring|summer|fall) \d{4}": "or winter YEAR",
}


def shape(phrase: str) -> tuple[str, str]:
    for pattern, words in DEFINED.items():
        m = re.fullmatch(pattern, phrase)
        if m:
            unit = next((g for g in m.groups() if g in ("week", "month", "quarter", "year", "day")), "")
            return pattern, words.format(unit)
    raise AssertionError(f"undefined window phrase {phrase!r}")


def test_phrases_and_bounds():
    today = date(2025, 6, 30)
    assert past(2, "quarter", today, words=True).phrase == "the past two quarters"
    assert past(6, "week", today, lead="last", words=True) == past(6, "week", today, lead="last", words=True)
    assert past(6, "week", today, lead="last", words=True).phrase == "the last six weeks"
    assert past(6, "week", today).start == today - timedelta(weeks=6)
    assert past(1, "quarter", today, lead="last").phrase == "the past quarter"  # "the last quarter" reads as a calendar one
    assert past(2, "year", today).start == date(2023, 6, 30)
    assert quarter(2023, 2, spelled=True).phrase == "the second quarter of 2023"
    assert season(2022, "Winter", short=True).phrase == "winter 2022"
    assert season(2022, "Winter").end == date(2023, 3, 1)
    assert half(2023, 1).start == date(2023, 1, 1) and half(2023, 1).end == date(2023, 7, 1)
    assert half(2023, 2).phrase == "the second half of 2023" and half(2023, 2).end == date(2024, 1, 1)
    assert year_window(2023).days == 365
    assert add_months(date(2024, 8, 31), -6) == date(2024, 2, 29)
    assert [count_of(n, "case") for n in (0, 1, 2, 25)] == ["zero cases", "one case", "two cases", "25 cases"]


@pytest.mark.parametrize("seed", range(3))
def test_random_windows_end_by_today_start_in_history_and_are_defined(seed):
    rng = random.Random(seed)
    shapes, days = Counter(), 0
    for _ in range(800):
        earliest = date(2020, 7, 1)
        today = earliest + timedelta(days=365 + rng.randrange(1400))
        w = random_window(rng, today, earliest=earliest)
        assert earliest <= w.start < w.end <= today + timedelta(days=1), w
        pattern, words = shape(w.phrase)
        assert words in DOMAIN_DETAILS, (w.phrase, words)
        shapes[pattern] += 1
        days += w.phrase.endswith(" days")
    assert len(shapes) == len(DEFINED)  # every shape is drawn
    assert days <= 800 * 0.015  # days are rare (CRMArena-Pro: 4 of 800 database rows)


def test_short_windows_and_kinds():
    rng = random.Random(5)
    today = date(2024, 3, 15)
    for _ in range(200):
        w = random_window(rng, today, earliest=date(2020, 7, 1), kinds={"past_weeks": 1, "month": 1}, short=True)
        assert re.fullmatch(rf"the (past|last) ({N} weeks|week)|({MONTH}) \d{{4}}", w.phrase), w.phrase
        assert w.days <= 31
    # a kind that cannot fit falls back to the past N months that do
    w = random_window(rng, date(2021, 1, 10), earliest=date(2020, 11, 1), kinds=("past_years",))
    assert w.start >= date(2020, 11, 1) and "month" in w.phrase
