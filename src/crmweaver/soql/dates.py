"""SOQL dates: relative date literals, date/datetime values written in queries, date functions.

Pure functions over the org's fixed `today`; nothing here sees user text as SQL. Literal
semantics follow Salesforce's "Date Formats and Date Literals" page (en_US locale: weeks start
on Sunday; quarters and fiscal periods are calendar ones; all boundaries are 00:00:00 UTC).

How the SOQL core uses a literal: `literal_range(name, n, today)` gives the half-open range
[start, end); a comparison `field OP literal` then means

    =   start <= field < end        !=  field < start OR field >= end (or null, as SOQL's !=)
    <   field < start               <=  field < end
    >   field >= end                >=  field >= start

`literal_condition` builds exactly that SQL (with `?` parameters) for a column expression the
translator produced; `compare_bounds` gives the same as operator/value pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from crmweaver.soql.errors import SoqlError, malformed

UTC = timezone.utc
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"  # + ".mmm+0000" in storage


# ---------------------------------------------------------------------------------------------
# Date literals
# ---------------------------------------------------------------------------------------------

_UNIT_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}


@dataclass(frozen=True)
class _Literal:
    """A literal as a span of whole units: `start(n)` units from the current unit, `length(n)` long."""

    unit: str  # DAY | WEEK | MONTH | QUARTER | YEAR
    start: Callable[[int], int]
    length: Callable[[int], int]
    takes_n: bool = False


def _fixed(unit: str, start: int, length: int = 1) -> _Literal:
    return _Literal(unit, lambda n: start, lambda n: length)


def _last_n(unit: str) -> _Literal:  # the n whole units before the current one
    return _Literal(unit, lambda n: -n, lambda n: n, True)


def _next_n(unit: str) -> _Literal:  # the n whole units after the current one
    return _Literal(unit, lambda n: 1, lambda n: n, True)


def _n_ago(unit: str) -> _Literal:  # the single unit n units before the current one
    return _Literal(unit, lambda n: -n, lambda n: 1, True)


# One entry per literal. LAST_N_DAYS:n (and LAST_90_DAYS) include today, so they span n + 1
# days; NEXT_N_DAYS:n (and NEXT_90_DAYS) start tomorrow. The other N forms exclude the current
# week/month/quarter/year.
DATE_LITERALS: dict[str, _Literal] = {
    "YESTERDAY": _fixed("DAY", -1),
    "TODAY": _fixed("DAY", 0),
    "TOMORROW": _fixed("DAY", 1),
    "LAST_90_DAYS": _fixed("DAY", -90, 91),
    "NEXT_90_DAYS": _fixed("DAY", 1, 90),
    "LAST_N_DAYS": _Literal("DAY", lambda n: -n, lambda n: n + 1, True),
    "NEXT_N_DAYS": _next_n("DAY"),
    "N_DAYS_AGO": _n_ago("DAY"),
    "LAST_WEEK": _fixed("WEEK", -1),
    "THIS_WEEK": _fixed("WEEK", 0),
    "NEXT_WEEK": _fixed("WEEK", 1),
    "LAST_N_WEEKS": _last_n("WEEK"),
    "NEXT_N_WEEKS": _next_n("WEEK"),
    "N_WEEKS_AGO": _n_ago("WEEK"),
    "LAST_MONTH": _fixed("MONTH", -1),
    "THIS_MONTH": _fixed("MONTH", 0),
    "NEXT_MONTH": _fixed("MONTH", 1),
    "LAST_N_MONTHS": _last_n("MONTH"),
    "NEXT_N_MONTHS": _next_n("MONTH"),
    "N_MONTHS_AGO": _n_ago("MONTH"),
    "LAST_QUARTER": _fixed("QUARTER", -1),
    "THIS_QUARTER": _fixed("QUARTER", 0),
    "NEXT_QUARTER": _fixed("QUARTER", 1),
    "LAST_N_QUARTERS": _last_n("QUARTER"),
    "NEXT_N_QUARTERS": _next_n("QUARTER"),
    "N_QUARTERS_AGO": _n_ago("QUARTER"),
    "LAST_YEAR": _fixed("YEAR", -1),
    "THIS_YEAR": _fixed("YEAR", 0),
    "NEXT_YEAR": _fixed("YEAR", 1),
    "LAST_N_YEARS": _last_n("YEAR"),
    "NEXT_N_YEARS": _next_n("YEAR"),
    "N_YEARS_AGO": _n_ago("YEAR"),
    # The org's fiscal year is the calendar year.
    "LAST_FISCAL_QUARTER": _fixed("QUARTER", -1),
    "THIS_FISCAL_QUARTER": _fixed("QUARTER", 0),
    "NEXT_FISCAL_QUARTER": _fixed("QUARTER", 1),
    "LAST_N_FISCAL_QUARTERS": _last_n("QUARTER"),
    "NEXT_N_FISCAL_QUARTERS": _next_n("QUARTER"),
    "N_FISCAL_QUARTERS_AGO": _n_ago("QUARTER"),
    "LAST_FISCAL_YEAR": _fixed("YEAR", -1),
    "THIS_FISCAL_YEAR": _fixed("YEAR", 0),
    "NEXT_FISCAL_YEAR": _fixed("YEAR", 1),
    "LAST_N_FISCAL_YEARS": _last_n("YEAR"),
    "NEXT_N_FISCAL_YEARS": _next_n("YEAR"),
    "N_FISCAL_YEARS_AGO": _n_ago("YEAR"),
}

MAX_N = 100_000  # keeps every range inside datetime's years 1..9999 for any org `today`


def is_date_literal(name: str) -> bool:
    """Whether `name` (any case, without `:n`) is a date literal."""
    return name.upper() in DATE_LITERALS


def takes_n(name: str) -> bool:
    """Whether the literal needs a `:n` argument (LAST_N_DAYS:n and the like)."""
    lit = DATE_LITERALS.get(name.upper())
    return bool(lit and lit.takes_n)


def _unit_start(today: date, unit: str) -> date:
    if unit == "DAY":
        return today
    if unit == "WEEK":  # Sunday on or before today (en_US)
        return today - timedelta(days=(today.weekday() + 1) % 7)
    months = _UNIT_MONTHS[unit]
    return date(today.year, (today.month - 1) // months * months + 1, 1)


def _shift(d: date, unit: str, k: int) -> date:
    if unit == "DAY":
        return d + timedelta(days=k)
    if unit == "WEEK":
        return d + timedelta(days=7 * k)
    index = d.year * 12 + d.month - 1 + k * _UNIT_MONTHS[unit]
    return date(index // 12, index % 12 + 1, 1)


def literal_range(name: str, n: int | None, today: date) -> tuple[datetime, datetime]:
    """The half-open UTC range [start, end) that date literal `name` (`:n` given as `n`) denotes."""
    key = name.upper()
    lit = DATE_LITERALS.get(key)
    if lit is None:
        raise malformed(f"unexpected token: '{name}'")
    if lit.takes_n:
        if n is None:
            raise malformed(f"Date literal {key} requires a number, as in {key}:n")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > MAX_N:
            raise malformed(f"Invalid number for date literal {key}: {n}; use a whole number from 0 to {MAX_N}")
    elif n is not None:
        raise malformed(f"unexpected token: '{name}:{n}'; {key} takes no number")
    k = n or 0
    base = _unit_start(today, lit.unit)
    try:
        first = _shift(base, lit.unit, lit.start(k))
        last = _shift(first, lit.unit, lit.length(k))
    except (OverflowError, ValueError) as e:
        raise malformed(f"Date literal {key}:{n} falls outside the supported years") from e
    return _midnight(first), _midnight(last)


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Comparisons against a literal's range
# ---------------------------------------------------------------------------------------------

# op -> (connector, [(sql operator, "start" | "end")])
_BOUNDS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "=": ("AND", ((">=", "start"), ("<", "end"))),
    "!=": ("OR", (("<", "start"), (">=", "end"))),
    "<>": ("OR", (("<", "start"), (">=", "end"))),
    "<": ("AND", (("<", "start"),)),
    "<=": ("AND", (("<", "end"),)),
    ">": ("AND", ((">=", "end"),)),
    ">=": ("AND", ((">=", "start"),)),
}


def to_storage(dt: datetime | date, field_is_date: bool) -> str:
    """A date/datetime as the org stores it: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS.000+0000` in UTC."""
    if field_is_date:
        return (dt.date() if isinstance(dt, datetime) else dt).isoformat()
    if not isinstance(dt, datetime):
        dt = _midnight(dt)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return f"{dt.strftime(DATETIME_FORMAT)}.{dt.microsecond // 1000:03d}+0000"


def compare_bounds(
    op: str, start: datetime, end: datetime, field_is_date: bool = False
) -> tuple[str, list[tuple[str, str]]]:
    """`field OP literal` as (connector "AND" | "OR", [(sql operator, storage value), ...])."""
    entry = _BOUNDS.get(op)
    if entry is None:
        raise SoqlError(
            "INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on date literal: {op}; use =, !=, <, <=, > or >="
        )
    connector, parts = entry
    bound = {"start": to_storage(start, field_is_date), "end": to_storage(end, field_is_date)}
    return connector, [(sql_op, bound[which]) for sql_op, which in parts]


def literal_condition(
    op: str, column_sql: str, name: str, n: int | None, today: date, field_is_date: bool
) -> tuple[str, list[str]]:
    """SQL for `column OP LITERAL[:n]` with `?` placeholders, and its parameters.

    `column_sql` must come from the translator (a quoted column), never from user text.
    `!=` also matches nulls, as SOQL's `!=` does.
    """
    start, end = literal_range(name, n, today)
    connector, parts = compare_bounds(op, start, end, field_is_date)
    sql = f" {connector} ".join(f"{column_sql} {sql_op} ?" for sql_op, _ in parts)
    if connector == "OR":
        sql = f"{column_sql} IS NULL OR {sql}"
    return f"({sql})", [value for _, value in parts]


# ---------------------------------------------------------------------------------------------
# Date and datetime values written in queries
# ---------------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})", re.IGNORECASE
)


def parse_date(text: str) -> str:
    """A `YYYY-MM-DD` literal, checked, in storage form."""
    m = _DATE_RE.fullmatch(text)
    if not m:
        raise malformed(
            f"value of filter criterion for field must be of type date and should not be enclosed in quotes: {text}"
        )
    try:
        return date(*map(int, m.groups())).isoformat()
    except ValueError as e:
        raise malformed(f"invalid date: {text}") from e


def parse_datetime(text: str) -> str:
    """A datetime literal (`…Z`, `…+hh:mm`, `…-hhmm`, optional `.mmm`) normalised to UTC storage form."""
    m = _DATETIME_RE.fullmatch(text)
    if not m:
        raise malformed(
            f"value of filter criterion for field must be of type dateTime and should not be enclosed in quotes: {text}"
        )
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        if zone.upper() == "Z":
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                raise ValueError("offset out of range")
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        millis = int((frac or "0").ljust(3, "0"))
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), millis * 1000, tzinfo=tz)
        return to_storage(dt.astimezone(UTC), field_is_date=False)
    except (ValueError, OverflowError) as e:
        raise malformed(f"invalid dateTime: {text}") from e


def parse_temporal(text: str) -> tuple[bool, str]:
    """(is_date, storage string) for an unquoted date or datetime literal."""
    if "T" in text or "t" in text:
        return False, parse_datetime(text)
    return True, parse_date(text)


def is_temporal_literal(text: str) -> bool:
    """Whether `text` has the shape of a date or datetime literal (validity is checked on parse)."""
    return bool(_DATE_RE.fullmatch(text) or _DATETIME_RE.fullmatch(text))


# ---------------------------------------------------------------------------------------------
# Date functions
# ---------------------------------------------------------------------------------------------

# Stored values are 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SS.000+0000', so fixed substrings give the
# parts; SQLite's strftime reads the 'YYYY-MM-DD' prefix for weekday and day of year. {c} is the
# column expression; NULL in gives NULL out.
_YEAR = "CAST(substr({c}, 1, 4) AS INTEGER)"
_MONTH = "CAST(substr({c}, 6, 2) AS INTEGER)"
_QUARTER = "((CAST(substr({c}, 6, 2) AS INTEGER) + 2) / 3)"
_DAY_OF_YEAR = "CAST(strftime('%j', substr({c}, 1, 10)) AS INTEGER)"


@dataclass(frozen=True)
class DateFunction:
    name: str
    template: str
    returns: str  # "int" | "date"
    datetime_only: bool = False  # Salesforce accepts these on datetime fields only


DATE_FUNCTIONS: dict[str, DateFunction] = {
    f.name: f
    for f in (
        DateFunction("CALENDAR_YEAR", _YEAR, "int"),
        DateFunction("CALENDAR_QUARTER", _QUARTER, "int"),
        DateFunction("CALENDAR_MONTH", _MONTH, "int"),
        DateFunction("DAY_IN_MONTH", "CAST(substr({c}, 9, 2) AS INTEGER)", "int"),
        DateFunction("DAY_IN_WEEK", "(CAST(strftime('%w', substr({c}, 1, 10)) AS INTEGER) + 1)", "int"),
        DateFunction("DAY_IN_YEAR", _DAY_OF_YEAR, "int"),
        DateFunction("DAY_ONLY", "substr({c}, 1, 10)", "date", datetime_only=True),
        DateFunction("HOUR_IN_DAY", "CAST(substr({c}, 12, 2) AS INTEGER)", "int", datetime_only=True),
        DateFunction("WEEK_IN_MONTH", "((CAST(substr({c}, 9, 2) AS INTEGER) - 1) / 7 + 1)", "int"),
        DateFunction("WEEK_IN_YEAR", f"(({_DAY_OF_YEAR} - 1) / 7 + 1)", "int"),
        DateFunction("FISCAL_YEAR", _YEAR, "int"),
        DateFunction("FISCAL_QUARTER", _QUARTER, "int"),
        DateFunction("FISCAL_MONTH", _MONTH, "int"),
    )
}


def is_date_function(name: str) -> bool:
    return name.upper() in DATE_FUNCTIONS


def date_function(name: str) -> DateFunction:
    """The function's table entry; unknown names raise MALFORMED_QUERY."""
    fn = DATE_FUNCTIONS.get(name.upper())
    if fn is None:
        raise malformed(f"Unknown date function: {name}; use one of {', '.join(sorted(DATE_FUNCTIONS))}")
    return fn


def date_function_sql(name: str, column_sql: str) -> str:
    """SQLite expression for a date function over a translator-made column expression."""
    return date_function(name).template.replace("{c}", column_sql)
