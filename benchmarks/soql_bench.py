"""SOQL/SOSL engine speed next to hand-written SQL on raw sqlite3, on a scale-1 and a scale-10 org.

A fixed mix of CRMArena-style queries (point lookups by Id, parent relationship paths, GROUP BY
aggregates, semi-joins, SOSL text search) runs through the engine (`execute` / `run`) and, in
the same process and the same order, as the equivalent hand-written SQL on the org's own sqlite3
connection. Per category it prints queries/s and p50/p99 latency for both and the ratio (the
engine's overhead). Figures only; nothing is asserted. Issue targets on 2 cores: >= 3,000 point
lookups/s; p50 <= 2 ms for the typical aggregate on scale 1; overhead <= 1.5x raw SQLite on
scale 10.

    .venv/bin/python benchmarks/soql_bench.py [--preset b2b] [--org1 PATH] [--org10 PATH] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.soql import execute, run
from crmweaver.soql.engine import plan_for

POOL = 64  # distinct queries per template (ids, owners, words): warm plan cache, varied data


@dataclass
class Query:
    soql: str
    sql: str
    params: tuple


def _ids(conn, sql: str, rng: random.Random, n: int = POOL) -> list:
    values = [r[0] for r in conn.execute(sql)]
    return [rng.choice(values) for _ in range(n)] if values else []


def workload(org) -> dict[str, list[Query]]:
    """Category -> queries, each with its SOQL/SOSL text and the same question as raw SQL."""
    conn, rng = org.conn, random.Random(0)
    cases = _ids(conn, 'SELECT Id FROM "Case"', rng)
    accounts = _ids(conn, "SELECT Id FROM Account", rng)
    opps = _ids(conn, "SELECT Id FROM Opportunity", rng)
    owners = _ids(conn, "SELECT DISTINCT OwnerId FROM Opportunity", rng)
    orders = _ids(conn, 'SELECT Id FROM "Order"', rng)
    words = _ids(conn, "SELECT Name FROM Product2", rng)
    words = [re.findall(r"[A-Za-z]{4,}", w)[0] for w in words]
    today = org.meta["today"]
    since = f"{int(today[:4]) - 1}{today[4:]}"  # one year back, as text for both sides
    since_dt = since + "T00:00:00.000+0000"

    point = []
    for i in range(POOL):
        point.append(Query(f"SELECT Id, Subject, Status, Priority, CreatedDate, ClosedDate, OwnerId FROM Case WHERE Id = '{cases[i]}'",
                           'SELECT Id, Subject, Status, Priority, CreatedDate, ClosedDate, OwnerId FROM "Case" WHERE Id = ?', (cases[i],)))
        point.append(Query(f"SELECT Id, Name, Phone, ShippingState FROM Account WHERE Id = '{accounts[i]}'",
                           "SELECT Id, Name, Phone, ShippingState FROM Account WHERE Id = ?", (accounts[i],)))
        point.append(Query(f"SELECT Id, Name, StageName, Amount, CloseDate FROM Opportunity WHERE Id = '{opps[i]}'",
                           "SELECT Id, Name, StageName, Amount, CloseDate FROM Opportunity WHERE Id = ?", (opps[i],)))
    paths = []
    for i in range(POOL):
        paths.append(Query(
            f"SELECT Id, Subject, Owner.FirstName, Owner.LastName, Account.Name, IssueId__r.Name FROM Case WHERE AccountId = '{accounts[i]}'",
            'SELECT c.Id, c.Subject, u.Id, u.FirstName, u.LastName, a.Id, a.Name, i.Id, i.Name FROM "Case" c '
            "LEFT JOIN User u ON u.Id = c.OwnerId LEFT JOIN Account a ON a.Id = c.AccountId "
            "LEFT JOIN Issue__c i ON i.Id = c.IssueId__c WHERE c.AccountId = ?", (accounts[i],)))
        paths.append(Query(
            f"SELECT Id, Quantity, UnitPrice, Product2.Name, Order.Account.Name FROM OrderItem WHERE OrderId = '{orders[i]}'",
            'SELECT x.Id, x.Quantity, x.UnitPrice, p.Id, p.Name, o.Id, a.Id, a.Name FROM OrderItem x '
            'LEFT JOIN Product2 p ON p.Id = x.Product2Id LEFT JOIN "Order" o ON o.Id = x.OrderId '
            "LEFT JOIN Account a ON a.Id = o.AccountId WHERE x.OrderId = ?", (orders[i],)))
    aggregate = []
    for i in range(POOL):
        aggregate.append(Query(
            f"SELECT StageName, COUNT(Id) n, SUM(Amount) total FROM Opportunity WHERE OwnerId = '{owners[i]}' GROUP BY StageName",
            "SELECT StageName, COUNT(Id), SUM(Amount) FROM Opportunity WHERE OwnerId = ? GROUP BY StageName", (owners[i],)))
        aggregate.append(Query(
            f"SELECT Status, COUNT(Id) FROM Case WHERE AccountId = '{accounts[i]}' AND CreatedDate >= {since}T00:00:00Z GROUP BY Status",
            'SELECT Status, COUNT(Id) FROM "Case" WHERE AccountId = ? AND CreatedDate >= ? GROUP BY Status', (accounts[i], since_dt)))
    semijoin = []
    for i in range(POOL):
        semijoin.append(Query(
            f"SELECT Id, Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE OwnerId = '{owners[i]}' AND StageName = 'Closed')",
            "SELECT Id, Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE OwnerId = ? AND StageName = 'Closed' AND AccountId IS NOT NULL)",
            (owners[i],)))
        semijoin.append(Query(
            f"SELECT Id, Subject FROM Case WHERE OrderItemId__c IN (SELECT Id FROM OrderItem WHERE OrderId = '{orders[i]}')",
            'SELECT Id, Subject FROM "Case" WHERE OrderItemId__c IN (SELECT Id FROM OrderItem WHERE OrderId = ? AND Id IS NOT NULL)',
            (orders[i],)))
    sosl = []
    for i in range(POOL):
        sosl.append(Query(
            f"FIND {{{words[i]}}} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title LIMIT 20)",
            'SELECT k.Id, k.Title FROM "Knowledge__kav__fts" f JOIN Knowledge__kav k ON k.rowid = f.rowid '
            'WHERE "Knowledge__kav__fts" MATCH ? ORDER BY f.rank LIMIT 20', (f'"{words[i]}"',)))
    return {"point": point, "paths": paths, "aggregate": aggregate, "semijoin": semijoin, "sosl": sosl}


def _time(fn, items, seconds: float) -> list[float]:
    """Latencies (s) of fn(item) cycling over items for about `seconds` (at least one pass)."""
    out, start, i = [], time.perf_counter(), 0
    while i < len(items) or time.perf_counter() - start < seconds:
        item = items[i % len(items)]
        t0 = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t0)
        i += 1
    return out


def _row(label: str, lat: list[float]) -> tuple[float, float, float]:
    lat = sorted(lat)
    qps = len(lat) / sum(lat)
    p50 = statistics.median(lat) * 1e3
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3
    return qps, p50, p99


def bench(path: Path, label: str, seconds: float) -> None:
    org = open_org(path)
    conn = org.conn
    work = workload(org)

    def engine(q: Query):
        if q.soql.startswith("FIND"):
            r = run(org, q.soql)
            assert isinstance(r, dict), r
        else:
            execute(org, q.soql)

    def raw(q: Query):
        conn.execute(q.sql, q.params).fetchall()

    def engine_cold(q: Query):
        plan_for.cache_clear()
        execute(org, q.soql)

    print(f"\n{label}: {path.name}, {org.count('Case'):,} cases, {org.count('Opportunity'):,} opportunities, "
          f"{org.count('EmailMessage'):,} emails")
    print(f"{'category':<16}{'engine q/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'raw q/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'overhead':>10}")
    runs = [(name, qs, engine) for name, qs in work.items()]
    runs.insert(1, ("point (no cache)", work["point"], engine_cold))
    for name, qs, fn in runs:
        for q in qs[:4]:  # warm up caches and check every query runs on both sides
            fn(q)
            raw(q)
        e = _row(name, _time(fn, qs, seconds))
        r = _row(name, _time(raw, qs, seconds))
        print(f"{name:<16}{e[0]:>11,.0f}{e[1]:>9.3f}{e[2]:>9.3f}{r[0]:>11,.0f}{r[1]:>9.3f}{r[2]:>9.3f}{e[1] / r[1]:>9.2f}x",
              flush=True)
    # the whole mix, every query once per pass: overhead as total engine time / total raw time
    mix = [q for qs in work.values() for q in qs]
    e_lat, r_lat = _time(engine, mix, seconds), _time(raw, mix, seconds)
    e, r = _row("mix", e_lat), _row("mix", r_lat)
    print(f"{'mix (total)':<16}{e[0]:>11,.0f}{e[1]:>9.3f}{e[2]:>9.3f}{r[0]:>11,.0f}{r[1]:>9.3f}{r[2]:>9.3f}"
          f"{sum(e_lat) / len(e_lat) / (sum(r_lat) / len(r_lat)):>9.2f}x  (mean-time ratio)", flush=True)
    org.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="b2b")
    parser.add_argument("--org1", type=Path, help="an existing scale-1 org (built into a temp dir if not given)")
    parser.add_argument("--org10", type=Path, help="an existing scale-10 org (built into a temp dir if not given)")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per category and side")
    args = parser.parse_args()
    print("overhead = engine p50 / raw SQLite p50 (targets: >= 3,000 point lookups/s; aggregate p50 <= 2 ms "
          "at scale 1; overhead <= 1.5x at scale 10)")
    with tempfile.TemporaryDirectory() as tmp:
        for scale, given in ((1, args.org1), (10, args.org10)):
            path = given
            if path is None:
                path = Path(tmp) / f"{args.preset}-{scale}.db"
                t0 = time.perf_counter()
                build_org(path, preset=args.preset, seed=0, scale=float(scale))
                print(f"built {args.preset} scale {scale} in {time.perf_counter() - t0:.1f} s")
            bench(path, f"{args.preset} scale {scale}", args.seconds)


if __name__ == "__main__":
    main()
