"""Date literals, date/datetime values and date functions (crmweaver.soql.dates)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmweaver.soql import dates
from crmweaver.soql.errors import SoqlError

D = date.fromisoformat

# (literal, n, today, first day, day after the last)
CASES = [
    # days
    ("TODAY", None, "2024-03-15", "2024-03-15", "2024-03-16"),
    ("YESTERDAY", None, "2024-03-01", "2024-02-29", "2024-03-01"),  # leap year
    ("YESTERDAY", None, "2023-03-01", "2023-02-28", "2023-03-01"),
    ("TOMORROW", None, "2024-12-31", "2025-01-01", "2025-01-02"),
    ("LAST_90_DAYS", None, "2024-03-31", "2024-01-01", "2024-04-01"),  # includes today: 91 days
    ("NEXT_90_DAYS", None, "2024-03-31", "2024-04-01", "2024-06-30"),  # starts tomorrow
    ("LAST_N_DAYS", 1, "2024-03-15", "2024-03-14", "2024-03-16"),  # yesterday and today
    ("LAST_N_DAYS", 0, "2024-03-15", "2024-03-15", "2024-03-16"),
    ("LAST_N_DAYS", 365, "2024-03-15", "2023-03-16", "2024-03-16"),
    ("NEXT_N_DAYS", 7, "2024-02-26", "2024-02-27", "2024-03-05"),
    ("N_DAYS_AGO", 3, "2024-03-02", "2024-02-28", "2024-02-29"),
    # weeks start Sunday; 2024-03-17 is a Sunday, 2024-03-16 a Saturday
    ("THIS_WEEK", None, "2024-03-17", "2024-03-17", "2024-03-24"),
    ("THIS_WEEK", None, "2024-03-16", "2024-03-10", "2024-03-17"),
    ("LAST_WEEK", None, "2024-03-16", "2024-03-03", "2024-03-10"),
    ("NEXT_WEEK", None, "2024-03-16", "2024-03-17", "2024-03-24"),
    ("THIS_WEEK", None, "2025-01-01", "2024-12-29", "2025-01-05"),  # week across new year
    ("LAST_N_WEEKS", 2, "2024-03-20", "2024-03-03", "2024-03-17"),
    ("NEXT_N_WEEKS", 2, "2024-03-20", "2024-03-24", "2024-04-07"),
    ("N_WEEKS_AGO", 1, "2024-03-20", "2024-03-10", "2024-03-17"),
    # months
    ("THIS_MONTH", None, "2024-02-10", "2024-02-01", "2024-03-01"),
    ("LAST_MONTH", None, "2024-01-31", "2023-12-01", "2024-01-01"),
    ("NEXT_MONTH", None, "2024-12-31", "2025-01-01", "2025-02-01"),
    ("NEXT_MONTH", None, "2024-01-31", "2024-02-01", "2024-03-01"),
    ("LAST_N_MONTHS", 3, "2024-02-15", "2023-11-01", "2024-02-01"),
    ("NEXT_N_MONTHS", 2, "2024-11-15", "2024-12-01", "2025-02-01"),
    ("N_MONTHS_AGO", 2, "2024-01-15", "2023-11-01", "2023-12-01"),
    ("LAST_N_MONTHS", 12, "2024-06-30", "2023-06-01", "2024-06-01"),
    # quarters
    ("THIS_QUARTER", None, "2024-05-20", "2024-04-01", "2024-07-01"),
    ("THIS_QUARTER", None, "2024-12-31", "2024-10-01", "2025-01-01"),
    ("LAST_QUARTER", None, "2024-02-29", "2023-10-01", "2024-01-01"),
    ("NEXT_QUARTER", None, "2024-11-01", "2025-01-01", "2025-04-01"),
    ("LAST_N_QUARTERS", 2, "2024-05-20", "2023-10-01", "2024-04-01"),
    ("NEXT_N_QUARTERS", 3, "2024-05-20", "2024-07-01", "2025-04-01"),
    ("N_QUARTERS_AGO", 4, "2024-05-20", "2023-04-01", "2023-07-01"),
    # years
    ("THIS_YEAR", None, "2024-07-04", "2024-01-01", "2025-01-01"),
    ("LAST_YEAR", None, "2024-01-01", "2023-01-01", "2024-01-01"),
    ("NEXT_YEAR", None, "2024-12-31", "2025-01-01", "2026-01-01"),
    ("LAST_N_YEARS", 2, "2024-07-04", "2022-01-01", "2024-01-01"),
    ("NEXT_N_YEARS", 2, "2024-07-04", "2025-01-01", "2027-01-01"),
    ("N_YEARS_AGO", 5, "2024-07-04", "2019-01-01", "2020-01-01"),
    # fiscal = calendar
    ("THIS_FISCAL_QUARTER", None, "2024-05-20", "2024-04-01", "2024-07-01"),
    ("LAST_FISCAL_YEAR", None, "2024-05-20", "2023-01-01", "2024-01-01"),
    ("N_FISCAL_QUARTERS_AGO", 1, "2024-05-20", "2024-01-01", "2024-04-01"),
]


def _utc(d: str) -> datetime:
    return datetime.fromisoformat(d).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("name,n,today,first,end", CASES)
def test_literal_range(name, n, today, first, end):
    assert dates.literal_range(name, n, D(today)) == (_utc(first), _utc(end))


def test_literal_names_case_insensitive():
    assert dates.literal_range("this_month", None, D("2024-02-10")) == dates.literal_range(
        "THIS_MONTH", None, D("2024-02-10")
    )
    assert dates.is_date_literal("last_n_days") and dates.takes_n("Last_N_Days")
    assert dates.is_date_literal("TODAY") and not dates.takes_n("TODAY")
    assert not dates.is_date_literal("LAST_FORTNIGHT")


@pytest.mark.parametrize(
    "name,n",
    [("LAST_FORTNIGHT", None), ("LAST_N_DAYS", None), ("TODAY", 3), ("LAST_N_DAYS", -1), ("N_YEARS_AGO", 10**9)],
)
def test_bad_literals(name, n):
    with pytest.raises(SoqlError) as e:
        dates.literal_range(name, n, D("2024-01-01"))
    assert e.value.error_code == "MALFORMED_QUERY"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(0, 400))
@settings(max_examples=200, deadline=None)
def test_literal_properties(today, n):
    """Invariants that hold for every today: where each range sits and how long it is."""
    day = timedelta(days=1)
    s, e = dates.literal_range("THIS_WEEK", None, today)
    assert s.date() <= today < e.date() and e - s == 7 * day and s.date().weekday() == 6  # Sunday
    s2, e2 = dates.literal_range("LAST_N_WEEKS", n, today)
    assert e2 == s and e2 - s2 == 7 * n * day
    s, e = dates.literal_range("LAST_N_DAYS", n, today)
    assert s.date() == today - n * day and e.date() == today + day
    s, e = dates.literal_range("NEXT_N_DAYS", n, today)
    assert s.date() == today + day and e - s == n * day
    s, e = dates.literal_range("THIS_MONTH", None, today)
    assert s.date() == today.replace(day=1) and s.date() <= today < e.date() and e.day == 1
    s, e = dates.literal_range("THIS_QUARTER", None, today)
    assert s.month in (1, 4, 7, 10) and s.day == 1 and s.date() <= today < e.date()
    ls, le = dates.literal_range("LAST_QUARTER", None, today)
    assert le == s and le.month - ls.month in (3, -9)
    s, e = dates.literal_range("THIS_YEAR", None, today)
    assert (s.month, s.day, e.year) == (1, 1, today.year + 1)
    m = min(n, 100)
    s, e = dates.literal_range("N_MONTHS_AGO", m, today)
    months_back = (today.year * 12 + today.month) - (s.year * 12 + s.month)
    assert months_back == m and s.day == 1 and e.day == 1


# ---- comparisons ------------------------------------------------------------------------------

def test_compare_bounds():
    s, e = dates.literal_range("THIS_MONTH", None, D("2024-02-10"))
    assert dates.compare_bounds("=", s, e) == (
        "AND",
        [(">=", "2024-02-01T00:00:00.000+0000"), ("<", "2024-03-01T00:00:00.000+0000")],
    )
    assert dates.compare_bounds("=", s, e, field_is_date=True) == ("AND", [(">=", "2024-02-01"), ("<", "2024-03-01")])
    assert dates.compare_bounds("<", s, e, True) == ("AND", [("<", "2024-02-01")])
    assert dates.compare_bounds("<=", s, e, True) == ("AND", [("<", "2024-03-01")])
    assert dates.compare_bounds(">", s, e, True) == ("AND", [(">=", "2024-03-01")])
    assert dates.compare_bounds(">=", s, e, True) == ("AND", [(">=", "2024-02-01")])
    assert dates.compare_bounds("!=", s, e, True) == ("OR", [("<", "2024-02-01"), (">=", "2024-03-01")])
    with pytest.raises(SoqlError) as err:
        dates.compare_bounds("LIKE", s, e)
    assert err.value.error_code == "INVALID_QUERY_FILTER_OPERATOR"


@pytest.mark.parametrize("is_date", [True, False])
@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_literal_condition_in_sqlite(op, is_date):
    """The generated SQL selects exactly the rows Python's own range check selects."""
    today = D("2024-02-10")
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v TEXT)")
    values = [None]
    for k in range(-70, 70, 3):
        dt = datetime(2024, 2, 10, 13, 30, tzinfo=timezone.utc) + timedelta(days=k, hours=k)
        values.append(dates.to_storage(dt, is_date))
    values += [dates.to_storage(_utc(x), is_date) for x in ("2024-02-01", "2024-03-01", "2024-01-31")]
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    sql, params = dates.literal_condition(op, '"v"', "THIS_MONTH", None, today, is_date)
    got = sorted(v for (v,) in conn.execute(f"SELECT v FROM t WHERE {sql}", params) if v is not None)
    got_null = conn.execute(f"SELECT COUNT(*) FROM t WHERE v IS NULL AND {sql}", params).fetchone()[0]
    lo, hi = "2024-02-01", "2024-03-01"
    check = {
        "=": lambda v: lo <= v[:10] < hi,
        "!=": lambda v: not lo <= v[:10] < hi,
        "<": lambda v: v[:10] < lo,
        "<=": lambda v: v[:10] < hi,
        ">": lambda v: v[:10] >= hi,
        ">=": lambda v: v[:10] >= lo,
    }[op]
    assert got == sorted(v for v in values if v is not None and check(v))
    assert got_null == (1 if op == "!=" else 0)


# ---- date and datetime values -----------------------------------------------------------------

@pytest.mark.parametrize(
    "text,stored",
    [
        ("2024-01-31T00:00:00Z", "2024-01-31T00:00:00.000+0000"),
        ("2024-01-31t10:00:00z", "2024-01-31T10:00:00.000+0000"),
        ("2024-01-31T10:00:00.000+0000", "2024-01-31T10:00:00.000+0000"),
        ("2024-01-31T10:00:00.5Z", "2024-01-31T10:00:00.500+0000"),
        ("2024-01-31T10:00:00-08:00", "2024-01-31T18:00:00.000+0000"),
        ("2024-01-31T20:00:00-0800", "2024-02-01T04:00:00.000+0000"),
        ("2024-03-01T01:30:00+02:00", "2024-02-29T23:30:00.000+0000"),
        ("2024-01-01T00:00:00+05:30", "2023-12-31T18:30:00.000+0000"),
    ],
)
def test_parse_datetime(text, stored):
    assert dates.parse_datetime(text) == stored
    assert dates.parse_temporal(text) == (False, stored)
    assert dates.is_temporal_literal(text)


def test_parse_date():
    assert dates.parse_date("2024-02-29") == "2024-02-29"
    assert dates.parse_temporal("2024-01-31") == (True, "2024-01-31")


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29",
        "2024-13-01",
        "2024-1-01",
        "2024-01-31T25:00:00Z",
        "2024-01-31T10:00:00",  # no zone
        "2024-01-31T10:00Z",
        "2024-01-31T10:00:00+25:00",
        "2024-01-31 10:00:00Z",
        "0000-01-01",
        "'2024-01-31'",
    ],
)
def test_bad_values(text):
    with pytest.raises(SoqlError) as e:
        dates.parse_temporal(text)
    assert e.value.error_code == "MALFORMED_QUERY"


def test_to_storage():
    assert dates.to_storage(date(2024, 1, 2), True) == "2024-01-02"
    assert dates.to_storage(date(2024, 1, 2), False) == "2024-01-02T00:00:00.000+0000"
    tz = timezone(timedelta(hours=-8))
    assert dates.to_storage(datetime(2024, 1, 2, 20, 0, tzinfo=tz), False) == "2024-01-03T04:00:00.000+0000"


# ---- date functions ---------------------------------------------------------------------------

def _python_value(name: str, d: datetime):
    doy = d.timetuple().tm_yday
    return {
        "CALENDAR_YEAR": d.year,
        "CALENDAR_QUARTER": (d.month - 1) // 3 + 1,
        "CALENDAR_MONTH": d.month,
        "DAY_IN_MONTH": d.day,
        "DAY_IN_WEEK": (d.weekday() + 1) % 7 + 1,  # 1 = Sunday
        "DAY_IN_YEAR": doy,
        "DAY_ONLY": d.date().isoformat(),
        "HOUR_IN_DAY": d.hour,
        "WEEK_IN_MONTH": (d.day - 1) // 7 + 1,
        "WEEK_IN_YEAR": (doy - 1) // 7 + 1,
        "FISCAL_YEAR": d.year,
        "FISCAL_QUARTER": (d.month - 1) // 3 + 1,
        "FISCAL_MONTH": d.month,
    }[name]


def _function_rows():
    start = datetime(2023, 12, 25, 0, 0)
    out = [start + timedelta(days=k, hours=(k * 7) % 24) for k in range(0, 800, 3)]
    return out + [datetime(2024, 2, 29, 23, 59), datetime(2024, 12, 31, 12), datetime(2025, 1, 1, 0)]


@pytest.mark.parametrize("name", sorted(dates.DATE_FUNCTIONS))
def test_date_functions_match_python(name):
    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE TABLE t ("D" TEXT, "DT" TEXT)')
    rows = _function_rows()
    conn.executemany(
        "INSERT INTO t VALUES (?, ?)",
        [(r.date().isoformat(), dates.to_storage(r.replace(tzinfo=timezone.utc), False)) for r in rows] + [(None, None)],
    )
    fn = dates.date_function(name)
    got_dt = [v for (v,) in conn.execute(f'SELECT {dates.date_function_sql(name, chr(34) + "DT" + chr(34))} FROM t')]
    assert got_dt == [_python_value(name, r) for r in rows] + [None]
    if not fn.datetime_only:
        got_d = [v for (v,) in conn.execute(f'SELECT {dates.date_function_sql(name, "t.D")} FROM t')]
        assert got_d == [_python_value(name, datetime.combine(r.date(), datetime.min.time())) for r in rows] + [None]
    expected_type = str if fn.returns == "date" else int
    assert all(isinstance(v, expected_type) for v in got_dt[:-1])


def test_date_function_lookup():
    assert dates.is_date_function("calendar_year") and not dates.is_date_function("YEAR")
    assert dates.date_function_sql("Calendar_Month", "x") == "CAST(substr(x, 6, 2) AS INTEGER)"
    with pytest.raises(SoqlError):
        dates.date_function_sql("CALENDAR_WEEK", "x")
