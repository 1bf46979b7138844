"""The attacker's fuzz (issue 17): N generated and mutated SOQL/SOSL statements through one
`crmweaver query --jsonl` batch — a quarter each of token soup, mutated valid statements, raw
junk characters, and valid statements with hostile literal values (so the engine runs them). Every output line must be a Salesforce result or error list;
counts tracebacks, lines missing, outputs that are neither, and statements over the time limit.

    .venv/bin/python benchmarks/soql_fuzz.py --n 100000          # prints the figures

Deterministic (seeded). The org is built at scale 0.1 into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEEDS = [
    "SELECT Id, Subject, Owner.FirstName FROM Case WHERE Status = 'New' ORDER BY CreatedDate DESC LIMIT 5",
    "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null) FROM Account WHERE Industry IN ('Energy', 'x')",
    "SELECT StageName, SUM(Amount) total, COUNT(Id) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 0",
    "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Case WHERE CreatedDate = LAST_N_DAYS:30)",
    "SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Case GROUP BY CALENDAR_YEAR(CreatedDate)",
    "SELECT Subject FROM Case WHERE Subject LIKE '%in\\_%' AND (Priority = 'High' OR NOT Status = 'Closed')",
    "SELECT OrderItem.Order.Account.Name FROM OrderItem WHERE Quantity >= 1.5 AND UnitPrice < 100",
    "SELECT COUNT() FROM Opportunity WHERE CloseDate > 2024-01-01 AND CreatedDate < 2024-05-01T00:00:00Z",
    "SELECT FIELDS(ALL) FROM Issue__c LIMIT 10",
    "FIND {refund} IN ALL FIELDS RETURNING Case(Id, Subject WHERE Status != 'Closed' ORDER BY CreatedDate LIMIT 3), Knowledge__kav(Title)",
    "FIND {\"billing issue\" AND NOT portal} RETURNING Case(Subject), Account(Name)",
    "FIND {jo*} IN NAME FIELDS RETURNING Contact(FirstName, LastName), Lead(Name) LIMIT 20",
    "FIND {(555) 01*} IN PHONE FIELDS",
    "FIND {in?oi*} RETURNING Knowledge__kav(Id, Title LIMIT 2)",
]
TOKENS = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "GROUP BY", "HAVING", "ORDER BY", "LIMIT", "OFFSET",
    "COUNT()", "COUNT(Id)", "(", ")", ",", ".", "=", "!=", "<", ">=", "null", "TRUE", "'x'", "'", "\\", "5", "-1.5",
    "2024-01-01", "2024-01-01T00:00:00Z", "TODAY", "LAST_N_DAYS:3", ":", ";", "--", "/*", "Case", "Account", "Id",
    "Name", "Owner.Name", "Account.Name", "Contacts", "CALENDAR_YEAR(CreatedDate)", "FIELDS(ALL)", "NULLS FIRST",
    "DESC", "INCLUDES", "DROP TABLE Case", "\n", "Amount", "CreatedDate", "(SELECT Id FROM Case)", "FIND", "{", "}",
    "RETURNING", "IN ALL FIELDS", "*", "?", "\"", "AND NOT", "9" * 400, "9" * 5000, "\ud800", "²", "١٢", "\x00",
    "*?*?*?*?*?*?zq", "WITH", "FOR UPDATE", "TYPEOF", "USING SCOPE", "'" + "a" * 2000 + "'",
]
LIMIT_S = 10.0  # the engine's per-query time limit (soql.engine.DEFAULT_TIMEOUT_S), which `query` uses
JUNK = "\x00\x7f\ud800\udfff\ufffe€ßé漢😀'\"\\{}()*?%_:;,.\n\t"


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 5)):
        i = rng.randint(0, len(text))
        j = rng.randint(i, min(len(text), i + 12))
        op = rng.choice(("delete", "insert", "replace", "swap", "repeat"))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + rng.choice(TOKENS + [" ", "'", "\\'"]) + text[i:]
        elif op == "replace":
            text = text[:i] + "".join(rng.choice(JUNK) for _ in range(rng.randint(0, 4))) + text[j:]
        elif op == "swap":
            text = text[j:] + text[:i] + text[i:j]
        else:
            text = text[:i] + text[i:j] * rng.randint(2, 50) + text[j:]
    return text


LITERALS = ["'" + "\\'" * 50 + "'", "'%_%'", "'\\\\'", "'漢字😀'", "''", "null", "TRUE", "0", "-0.0", "9" * 30,
            "1" + "0" * 18, "0.000000000000000000001", "2024-02-29", "0001-01-01", "9999-12-31T23:59:59Z",
            "2024-01-01T00:00:00+14:00", "LAST_N_DAYS:0", "NEXT_N_YEARS:1000", "THIS_FISCAL_QUARTER", "TODAY"]
_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\b\d[\d.:TZ+-]*\b|\bLAST_N_DAYS:\d+\b|\bnull\b|\bTRUE\b")


def substitute(rng: random.Random, text: str) -> str:
    """A well-formed statement with hostile literal values: it parses, so the engine runs it."""
    return _LITERAL.sub(lambda m: rng.choice(LITERALS) if rng.random() < 0.5 else m.group(0), text)


def statements(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        kind = k % 4
        if kind == 3:
            out.append(substitute(rng, rng.choice(SEEDS)))
        elif kind == 0:
            out.append(" ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 16))))
        elif kind == 1:
            out.append(mutate(rng, rng.choice(SEEDS)))
        else:
            out.append("".join(rng.choice(JUNK + "SELECTFROMWHEREFINDabc019 ") for _ in range(rng.randint(0, 60))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    crmweaver = str(Path(sys.executable).with_name("crmweaver"))
    with tempfile.TemporaryDirectory() as tmp:
        org = Path(tmp) / "org.db"
        subprocess.run([crmweaver, "org", "build", "--out", str(org), "--scale", "0.1"], check=True, capture_output=True)
        texts = statements(args.n, args.seed)
        batch = Path(tmp) / "q.jsonl"
        with batch.open("w", encoding="utf-8") as f:
            for t in texts:  # json.dumps escapes lone surrogates: the engine sees them as they are
                f.write(json.dumps({"q": t}) + "\n")
        with batch.open("ab") as f:  # and lines that are not UTF-8 or not JSON at all
            f.write(b"\xff\xfe\x00{\n" + b"[" * 100_000 + b"\n" + b'{"q": 5}\n')
        start = last = time.monotonic()
        gaps: list[float] = []  # seconds between output lines: each statement's time in the batch (the first includes start-up)
        lines: list[str] = []
        with tempfile.TemporaryFile() as errfile:
            proc = subprocess.Popen([crmweaver, "query", "--org", str(org), "--jsonl", str(batch)], stdout=subprocess.PIPE, stderr=errfile)
            for raw in proc.stdout:
                now = time.monotonic()
                gaps.append(now - last)
                last = now
                lines.append(raw.decode("utf-8").rstrip("\n"))
            proc.wait()
            errfile.seek(0)
            stderr = errfile.read()
        elapsed = time.monotonic() - start
    results = errors = other = timeouts = 0
    codes: dict[str, int] = {}
    for line in lines:
        out = json.loads(line)
        if isinstance(out, dict) and ("records" in out or "searchRecords" in out):
            results += 1
        elif isinstance(out, list) and len(out) == 1 and set(out[0]) == {"errorCode", "message"}:
            errors += 1
            codes[out[0]["errorCode"]] = codes.get(out[0]["errorCode"], 0) + 1
            timeouts += out[0]["errorCode"] == "QUERY_TIMEOUT"
        else:
            other += 1
    expected = args.n + 3
    print(f"statements {expected:,} (generated and mutated {args.n:,} + 3 undecodable lines) in {elapsed:.0f} s "
          f"({expected / elapsed:,.0f}/s)")
    print(f"outputs {len(lines):,}: results {results:,}, error lists {errors:,}, neither {other}, missing {expected - len(lines)}")
    slowest = max(gaps[1:], default=0.0)
    print(f"tracebacks {stderr.decode('utf-8', 'replace').count('Traceback')}, exit status {proc.returncode}, "
          f"refused for time (QUERY_TIMEOUT) {timeouts}, over the {LIMIT_S:g} s limit {sum(g > LIMIT_S for g in gaps[1:])}, "
          f"slowest statement {slowest:.2f} s")
    print("error codes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(codes.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
