"""Property tests: random and mutated queries get a result or a Salesforce error, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from soql_fixture import ID, tiny_org  # noqa: F401  (fixture)

from crmweaver.soql import run

SEEDS = [
    "SELECT Id, Subject, Owner.FirstName FROM Case WHERE Status = 'New' ORDER BY CreatedDate DESC LIMIT 5",
    "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null) FROM Account WHERE Industry IN ('Energy', 'x')",
    "SELECT StageName, SUM(Amount) total, COUNT(Id) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 0",
    "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Case WHERE CreatedDate = LAST_N_DAYS:30)",
    "SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Case GROUP BY CALENDAR_YEAR(CreatedDate)",
    "SELECT Subject FROM Case WHERE Subject LIKE '%in\\_%' AND (Priority = 'High' OR NOT Status = 'Closed')",
    "SELECT OrderItem.Order.Account.Name FROM OrderItem WHERE Quantity >= 1.5 AND UnitPrice < 100",
    "SELECT COUNT() FROM Opportunity WHERE CloseDate > 2024-01-01 AND CreatedDate < 2024-05-01T00:00:00Z",
    f"SELECT Id FROM Case WHERE Id = '{ID('Case', 1)}'",
    "SELECT FIELDS(ALL) FROM Issue__c LIMIT 10",
]
TOKENS = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "GROUP BY", "HAVING", "ORDER BY", "LIMIT", "OFFSET",
    "COUNT()", "COUNT(Id)", "(", ")", ",", ".", "=", "!=", "<", ">=", "null", "TRUE", "'x'", "'", "\\", "5", "-1.5",
    "2024-01-01", "2024-01-01T00:00:00Z", "TODAY", "LAST_N_DAYS:3", ":", ";", "--", "/*", "Case", "Account", "Id",
    "Name", "Owner.Name", "Account.Name", "Contacts", "CALENDAR_YEAR(CreatedDate)", "FIELDS(ALL)", "NULLS FIRST",
    "DESC", "INCLUDES", "DROP TABLE Case", "\n", "Amount", "CreatedDate", "(SELECT Id FROM Case)",
]


def _check(org, text):
    # No clock here: the time limit itself is tested in test_soql_errors.py (QUERY_TIMEOUT), and
    # benchmarks/soql_fuzz.py reports statements over it across 100,000 of these.
    out = run(org, text, timeout_s=2.0)
    if isinstance(out, list):
        assert len(out) == 1 and set(out[0]) == {"errorCode", "message"}
        assert isinstance(out[0]["message"], str) and "Traceback" not in out[0]["message"]
    else:
        assert out["done"] is True and out["totalSize"] >= len(out["records"])
    assert org.count("Case") == 4


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_token_soup(tiny_org, tokens):
    _check(tiny_org, " ".join(tokens))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_queries(tiny_org, seed, data):
    text = seed
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + data.draw(st.sampled_from(TOKENS + [" ", "'", "\\'"])) + text[i:]
        elif op == "replace":
            text = text[:i] + data.draw(st.text(max_size=4)) + text[j:]
        else:
            text = text[j:] + text[:i] + text[i:j]
    _check(tiny_org, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_arbitrary_text(tiny_org, text):
    _check(tiny_org, text)


def test_attackers_fuzz_sample(b2b_org_path):
    """3,000 statements of benchmarks/soql_fuzz.py's attacker (its 100,000 run is the benchmark):
    huge numbers, lone surrogates, wildcard storms, binary, repeated clauses, on a generated org."""
    import importlib.util
    from pathlib import Path

    from crmweaver.org.store import open_org

    spec = importlib.util.spec_from_file_location("soql_fuzz", Path(__file__).parents[1] / "benchmarks" / "soql_fuzz.py")
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    with open_org(b2b_org_path) as org:
        cases = org.count("Case")
        for text in fuzz.statements(3000, seed=1):
            out = run(org, text, timeout_s=2.0)
            if isinstance(out, list):
                assert len(out) == 1 and set(out[0]) == {"errorCode", "message"} and out[0]["errorCode"] != "QUERY_TIMEOUT"
                out[0]["message"].encode("utf-8")
            else:
                assert out["done"] is True if "done" in out else "searchRecords" in out
        assert org.count("Case") == cases
