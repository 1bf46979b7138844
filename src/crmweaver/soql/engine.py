"""Run SOQL against an org: cached plans, governor-style limits, Salesforce REST-shaped results.

`execute` runs one SOQL query and raises `SoqlError`. This is the SOQL core: the API version,
limits and record URLs live here, and SOSL (`soql.sosl`) fetches its records through `execute`.
`soql.query.run` is what the environment and the CLI call (SOQL or SOSL, errors as a list).
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date
from functools import lru_cache

from crmweaver.org.schema import Schema
from crmweaver.org.store import Org
from crmweaver.soql.errors import SoqlError, too_many_rows
from crmweaver.soql.parser import parse
from crmweaver.soql.translate import ChildPlan, Plan, Shape, translate

API_VERSION = "v62.0"
URL_PREFIX = f"/services/data/{API_VERSION}/sobjects/"
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ROWS = 50_000
MAX_QUERY_CHARS = 100_000  # Salesforce's limit on a SOQL statement
CACHED_QUERY_CHARS = 4_000  # longer statements are planned each time: the cache holds 4,096 texts
PROGRESS_STEPS = 2_000  # SQLite VM steps between deadline checks


@lru_cache(maxsize=4096)
def plan_for(schema: Schema, today: str, text: str) -> Plan:
    """Parse, validate and translate once per (preset schema, today, text); errors are not cached."""
    return translate(schema, text, parse(text), date.fromisoformat(today))


def _plan(org: Org, text: str) -> Plan:
    """A long statement is planned each time: cached, its text would stay in memory."""
    plan = plan_for if len(text) <= CACHED_QUERY_CHARS else plan_for.__wrapped__
    return plan(org.schema, org.meta["today"], text)


def check_text(text) -> None:
    """Refuse what no parser should see: non-text, over 100,000 characters, or text that is not
    valid Unicode (a lone surrogate would fail later, where SQLite or a JSON writer encodes it)."""
    if not isinstance(text, str):
        raise SoqlError("MALFORMED_QUERY", "the query must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise SoqlError("MALFORMED_QUERY", f"Query is too long: {len(text):,} characters, the limit is {MAX_QUERY_CHARS:,}")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise SoqlError("MALFORMED_QUERY", f"the query holds an invalid character at position {e.start + 1} "
                                               "(a lone UTF-16 surrogate); send valid Unicode text") from None


@lru_cache(maxsize=16)
def _prefixes(schema: Schema) -> dict[str, str]:
    return {o.key_prefix: o.name for o in schema}


def execute(org: Org, text: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> dict:
    """One SOQL query as Salesforce's REST result `{"totalSize", "done", "records"}`; raises SoqlError."""
    check_text(text)
    plan = _plan(org, text)
    runner = _Runner(org, timeout_s, max_rows)
    return runner.run(plan)


def record_url(obj: str, record_id: str) -> str:
    """A record's REST URL, as Salesforce puts it in each record's `attributes`."""
    return URL_PREFIX + obj + "/" + record_id


class _Runner:
    """Runs one plan on the org's connection under a deadline and a row cap."""

    def __init__(self, org: Org, timeout_s: float, max_rows: int):
        self.conn = org.conn
        self.prefixes = _prefixes(org.schema)
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.rows_used = 0

    def run(self, plan: Plan) -> dict:
        deadline = time.monotonic() + self.timeout_s
        self.conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            return self.dispatch(plan)
        except sqlite3.OperationalError as e:
            if "interrupt" in str(e):
                raise SoqlError(
                    "QUERY_TIMEOUT",
                    f"Your query request was running for too long (limit {self.timeout_s:g} s). "
                    "Add a more selective WHERE clause or a LIMIT.",
                ) from None
            raise SoqlError("UNKNOWN_EXCEPTION", f"the org could not run this query: {e}") from None
        except (sqlite3.Error, OverflowError) as e:
            raise SoqlError("UNKNOWN_EXCEPTION", f"the org could not run this query: {e}") from None
        finally:
            self.conn.set_progress_handler(None, 0)

    def dispatch(self, plan: Plan) -> dict:
        if plan.kind == "count":
            n = self.conn.execute(plan.sql, plan.params).fetchone()[0]
            return {"totalSize": n, "done": True, "records": []}
        rows = self.fetch(plan.sql, plan.params)
        if plan.kind == "aggregate":
            records = [_aggregate_record(plan.agg_items, row) for row in rows]
        else:
            kids = [self.children(c, rows) for c in plan.children]
            records = [self.record(plan.shape, row, kids) for row in rows]
        return {"totalSize": len(records), "done": True, "records": records}

    def fetch(self, sql: str, params: tuple) -> list:
        cur = self.conn.execute(sql, params)
        budget = self.max_rows - self.rows_used
        rows = cur.fetchmany(budget + 1)
        if len(rows) > budget:
            raise too_many_rows(self.max_rows)
        self.rows_used += len(rows)
        return rows

    def children(self, child: ChildPlan, parent_rows: list) -> dict:
        """Child records per parent id, from one statement over all parent ids."""
        if not parent_rows:
            return {}
        ids = json.dumps([r[0] for r in parent_rows])
        rows = self.fetch(child.plan.sql, (ids, *child.plan.params[1:]))
        grouped: dict[str, list] = {}
        for row in rows:
            grouped.setdefault(row[1], []).append(row)
        out = {}
        start = child.offset
        stop = None if child.limit is None else start + child.limit
        for pid, group in grouped.items():
            group = group[start:stop]
            if group:
                records = [self.record(child.plan.shape, r, ()) for r in group]
                out[pid] = {"totalSize": len(records), "done": True, "records": records}
        return out

    def record(self, shape: Shape, row, kids) -> dict | None:
        rid = row[shape.id_index]
        if rid is None:
            return None
        obj = shape.type or self.prefixes.get(rid[:3], "Name")
        rec: dict = {"attributes": {"type": obj, "url": record_url(obj, rid)}}
        for item in shape.items:
            kind = item[0]
            if kind == "f":
                v = row[item[2]]
                rec[item[1]] = v if item[3] is None else item[3](v)
            elif kind == "p":
                rec[item[1]] = self.record(item[2], row, ())
            else:
                rec[item[1]] = kids[item[2]].get(row[0])
        return rec


def _aggregate_record(items: tuple, row) -> dict:
    rec: dict = {"attributes": {"type": "AggregateResult"}}
    for key, index, convert in items:
        v = row[index]
        rec[key] = v if convert is None else convert(v)
    return rec
