"""`crmweaver serve` under load on loopback, next to the in-process engine, in one run.

The query mix is soql_bench's (point lookups, relationship paths, aggregates, semi-joins, SOSL;
CRMArena-style), on a scale-1 org. First the engine runs it in process (`soql.run`, one thread);
then `crmweaver serve` starts as its own process (HTTPS, a generated certificate) and 32 client
threads, each logged in with simple-salesforce (SOAP) on its own connection, send 10,000 queries
in all the way CRMArena-Pro's connector does (`query_all` for SOQL, `search` for FIND). Every
answer is compared with the in-process result; any difference or exception counts as an error.
Prints queries/s and p50/p99 latency for both. Figures only; nothing is asserted. The clients
share the machine's cores with the server, so the server's figures are a floor.

    .venv/bin/python benchmarks/serve_bench.py [--org PATH] [--clients 32] [--queries 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from simple_salesforce import Salesforce, SalesforceLogin

from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.soql import run

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soql_bench import workload  # noqa: E402  (the same query mix as the engine benchmark)

USER, PASSWORD, TOKEN = "bench@crmweaver.test", "bench-password", "TOKEN"


def mix(org) -> list[str]:
    """The categories interleaved, so every stretch of the run has every kind of query."""
    groups = [[q.soql for q in qs] for qs in workload(org).values()]
    return [g[i] for i in range(max(map(len, groups))) for g in groups if i < len(g)]


def in_process(org, queries: list[str], n: int) -> tuple[list[float], dict[str, object]]:
    expected = {q: json.loads(json.dumps(run(org, q))) for q in queries}  # warm plans, keep the answers
    latencies = []
    for i in range(n):
        t = time.perf_counter()
        run(org, queries[i % len(queries)])
        latencies.append(time.perf_counter() - t)
    return latencies, expected


def start_server(org: Path, tmp: Path) -> tuple[subprocess.Popen, str, str]:
    creds = tmp / "creds.json"
    creds.write_text(json.dumps({"username": USER, "password": PASSWORD, "security_token": TOKEN}))
    cli = Path(sys.executable).parent / "crmweaver"
    proc = subprocess.Popen([str(cli), "serve", "--org", str(org), "--port", "0", "--credentials", str(creds),
                             "--tls-dir", str(tmp / "tls")], stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().split(" at ")[1].strip()
    ca = proc.stdout.readline().split("CA certificate: ")[1].split()[0]
    return proc, url, ca


def over_http(url: str, ca: str, queries: list[str], expected: dict, clients: int, n: int):
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    sessions = []
    for _ in range(clients):
        http = requests.Session()
        http.trust_env = False
        http.verify = ca
        sid, instance = SalesforceLogin(username=USER, password=PASSWORD, security_token=TOKEN, scratch_url=url, session=http)
        sessions.append(Salesforce(session_id=sid, instance=instance, session=http))

    def client(k: int) -> None:
        sf = sessions[k]
        for i in range(k, n, clients):
            q = queries[i % len(queries)]
            t = time.perf_counter()
            try:
                got = sf.search(q) if q.startswith("FIND") else sf.query_all(q)
            except Exception as e:  # counted, not raised: the run goes on
                errors.append(f"{type(e).__name__}: {str(e)[:200]}")
                continue
            latencies[k].append(time.perf_counter() - t)
            want = expected[q]
            got = json.loads(json.dumps(got))
            if ("searchRecords" in want and got != want) or ("records" in want and got["records"] != want["records"]):
                errors.append(f"different answer to {q[:80]}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return [x for lat in latencies for x in lat], errors, wall


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def row(label: str, lat: list[float], wall: float, errors: int) -> str:
    q = statistics.quantiles(lat, n=100)
    return f"{label:<34}{len(lat) + errors:>9}{errors:>8}{len(lat) / wall:>10.0f}{q[49] * 1e3:>9.2f}{q[98] * 1e3:>9.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", type=Path, help="a scale-1 org (built into a temp dir if not given)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = args.org
        if path is None:
            path = tmp / "b2b.db"
            build_org(path, preset="b2b", seed=0, scale=1.0)
        with open_org(path) as org:
            queries = mix(org)
            meta = org.meta
            local, expected = in_process(org, queries, args.queries)
            local_wall = sum(local)  # the timed calls only, back to back
        proc, url, ca = start_server(path, tmp)
        try:
            server_cpu = cpu_seconds(proc.pid)
            remote, errors, wall = over_http(url, ca, queries, expected, args.clients, args.queries)
            server_cpu = cpu_seconds(proc.pid) - server_cpu
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"{len(queries)} distinct queries (soql_bench's mix), {args.queries} per side, {meta['preset']} org at scale {meta['scale']}")
    print(f"{'':<34}{'queries':>9}{'errors':>8}{'q/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    print(row("engine in process, 1 thread", local, local_wall, 0))
    print(row(f"serve over HTTPS, {args.clients} clients", remote, wall, len(errors)))
    print(f"server/engine: {(len(remote) / wall) / (len(local) / local_wall):.2f}x the queries/s; "
          f"p50 {statistics.median(remote) / statistics.median(local):.0f}x the latency")
    if server_cpu == server_cpu:  # not NaN: /proc was readable
        print(f"server process CPU: {server_cpu * 1e3 / args.queries:.2f} ms per query (the clients' logins included); the rest of the "
              "wall time is the clients' (simple-salesforce, requests, TLS) on the same cores")
    for e in sorted(set(errors))[:10]:
        print("error:", e)


if __name__ == "__main__":
    main()
