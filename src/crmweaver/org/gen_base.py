"""Shared plumbing of the org generator: the build context, row collectors, dates and quotas.

Every generator stage gets one `Ctx`: the preset's schema and catalog, the org's fixed `today`,
one seeded random stream per stage (so adding draws to one stage never shifts another), id
counters per object, the row collectors and the hidden facts. Nothing here knows what a case
or an opportunity is.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from crmweaver.org.catalog import Catalog
from crmweaver.org.schema import PRESETS, FieldType, Schema, SObject, schema_for
from crmweaver.org.store import make_id

ID_OFFSET = {"b2b": 0, "b2c": 50_000_000}  # B2B and B2C orgs never share an id

HISTORY_DAYS = 5 * 365  # the org's records span this many days before its `today`


def fmt_dt(v: datetime) -> str:
    return v.isoformat(timespec="seconds") + ".000+0000"


def _conv_date(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, datetime):
        v = v.date()
    return v.isoformat()


def _conv_dt(v):
    if v is None or isinstance(v, str):
        return v
    if not isinstance(v, datetime):
        v = datetime(v.year, v.month, v.day)
    return fmt_dt(v)


def _conv_bool(v):
    return None if v is None else int(bool(v))


def _conv_num(v):
    return v


_CONVERTERS = {FieldType.DATE: _conv_date, FieldType.DATETIME: _conv_dt, FieldType.BOOLEAN: _conv_bool}


@cache
def _all_field_names(obj: str) -> frozenset[str]:
    """Field names of an object in any preset: a preset-only field is silently dropped elsewhere."""
    return frozenset(f.name for p in PRESETS for f in schema_for(p).objects[obj].fields)


class Rows:
    """Rows of one table, in insertion order, stored in the schema's column order and types."""

    def __init__(self, obj: SObject):
        self.obj = obj
        self.names = obj.field_names
        self._conv = [(f.name, _CONVERTERS.get(f.type)) for f in obj.fields]
        self._known = _all_field_names(obj.name)
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        unknown = values.keys() - self._known
        if unknown:
            raise KeyError(f"{self.obj.name} has no field(s) {sorted(unknown)}")
        if "FirstName" in values and "Name" not in values:  # Salesforce's compound name of people
            values["Name"] = f"{values['FirstName']} {values.get('LastName') or ''}".strip()
        row = []
        for name, conv in self._conv:
            v = values.get(name)
            row.append(conv(v) if conv else v)
        self.rows.append(tuple(row))

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Ctx:
    """Everything a generator stage needs; stages add rows and facts and share plain Python state."""

    preset: str
    seed: int
    scale: float
    today: date
    schema: Schema
    catalog: Catalog
    tables: dict[str, Rows] = field(default_factory=dict)
    facts: list[tuple[str, str, str]] = field(default_factory=list)
    _counters: dict[str, int] = field(default_factory=dict)
    state: dict = field(default_factory=dict)  # cross-stage plain data (agents, accounts, ...)

    def __post_init__(self) -> None:
        assert self.preset in PRESETS
        self.tables = {o.name: Rows(o) for o in self.schema}
        self.now = datetime(self.today.year, self.today.month, self.today.day, 18, 0, 0)
        self.start = self.today - timedelta(days=HISTORY_DAYS)

    def rng(self, stage: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.preset}:{stage}")

    def count(self, obj: str) -> int:
        """Target record count of an object: SCHEMA.md's count, times the scale for transactional ones."""
        o = self.schema.objects[obj]
        n = o.counts[self.preset]
        return max(1, round(n * self.scale)) if o.scaled else n

    def new_id(self, obj: str) -> str:
        n = self._counters.get(obj, 0) + 1
        self._counters[obj] = n
        return make_id(self.schema.objects[obj].key_prefix, n + ID_OFFSET[self.preset])

    def add(self, obj: str, **values) -> str:
        """Add a record with a fresh id; returns the id."""
        rid = self.new_id(obj)
        self.tables[obj].add(Id=rid, **values)
        return rid

    def fact(self, record_id: str, kind: str, value) -> None:
        self.facts.append((record_id, kind, json.dumps(value, sort_keys=True)))

    def has(self, obj: str, fld: str) -> bool:
        return self.schema.objects[obj].field(fld) is not None


def allocate(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), each >= minimum.

    Used for per-parent child counts so that the object totals hit their targets exactly.
    """
    n = len(weights)
    if n == 0:
        return []
    base = [minimum] * n
    rest = max(0, total - minimum * n)
    s = sum(weights) or 1.0
    raw = [rest * w / s for w in weights]
    out = [b + int(r) for b, r in zip(base, raw)]
    left = rest - sum(int(r) for r in raw)
    order = sorted(range(n), key=lambda i: (-(raw[i] - int(raw[i])), i))
    for i in order[:left]:
        out[i] += 1
    return out


def rand_dt(rng: random.Random, lo: datetime, hi: datetime, *, business_hours: bool = True) -> datetime:
    """A random time between lo and hi; snapped into 08:00-18:00 when the window allows it."""
    if hi <= lo:
        return lo
    span = (hi - lo).total_seconds()
    t = lo + timedelta(seconds=rng.random() * span)
    if business_hours and span > 86400:
        t = t.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=rng.randint(0, 59))
        if t < lo:
            t = lo + timedelta(minutes=1)
        if t > hi:
            t = hi
    return t.replace(microsecond=0)


def at_day(d: date, rng: random.Random) -> datetime:
    """A business-hours time on a given day."""
    return datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))


def weighted_index(rng: random.Random, cum: list[float]) -> int:
    """Index drawn from cumulative weights (bisect), cheaper than rng.choices for repeated draws."""
    from bisect import bisect_right

    return min(len(cum) - 1, bisect_right(cum, rng.random() * cum[-1]))


def cumulative(weights: list[float]) -> list[float]:
    out, s = [], 0.0
    for w in weights:
        s += w
        out.append(s)
    return out
