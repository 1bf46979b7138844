"""Refusals: Salesforce error codes and wording, governor limits, read-only, no SQL injection."""

from __future__ import annotations

import pytest
from soql_fixture import ID, tiny_org  # noqa: F401  (fixture)

from crmweaver.soql import engine, execute, run
from crmweaver.soql.errors import SoqlError


def err(org, text: str, **limits) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        execute(org, text, **limits)
    return info.value


@pytest.mark.parametrize(
    "text, code, fragment",
    [
        ("SELECT Id FORM Case", "MALFORMED_QUERY", "unexpected token: 'FORM'"),
        ("SELECT Id FROM Case WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
        ("SELECT FROM Case", "MALFORMED_QUERY", "unexpected token: 'FROM'"),
        ("SELECT Id FROM Case;", "MALFORMED_QUERY", "unexpected token: ';'"),
        ("SELECT Id FROM Case WHERE Subject = 'x' -- c", "MALFORMED_QUERY", "unexpected token: '-'"),
        ("SELECT Id FROM Case /* c */", "MALFORMED_QUERY", "unexpected token: '/'"),
        ("SELECT Id FROM Case WHERE Subject = \"x\"", "MALFORMED_QUERY", "unexpected token: '\"'"),
        ("SELECT Id FROM Case WHERE Subject = 'x", "MALFORMED_QUERY", "unterminated string"),
        ("SELECT Id FROM Case WHERE Subject = 'a\\qb'", "MALFORMED_QUERY", "Illegal escape sequence"),
        ("SELECT Id FROM Case WHERE Subject = Acme", "MALFORMED_QUERY", "unexpected token: 'Acme'"),
        ("SELECT Id FROM Case WHERE Subject = :name", "MALFORMED_QUERY", "bind variables"),
        ("", "MALFORMED_QUERY", "empty query"),
        ("SELECT Foo FROM Case", "INVALID_FIELD", "No such column 'Foo' on entity 'Case'. If you are attempting to use a custom field, be sure to append the '__c'"),
        ("SELECT Subjct FROM Case", "INVALID_FIELD", "Did you mean 'Subject'?"),
        ("SELECT Id FROM Case WHERE Foo = 1", "INVALID_FIELD", "No such column 'Foo'"),
        ("SELECT Owner.Nope FROM Case", "INVALID_FIELD", "entity 'User'"),
        ("SELECT Id FROM Cases", "INVALID_TYPE", "sObject type 'Cases' is not supported. If you are attempting to use a custom object"),
        ("SELECT Id FROM Issue", "INVALID_TYPE", "Did you mean 'Issue__c'?"),
        ("SELECT Ownr.Name FROM Case", "INVALID_RELATIONSHIP", "Didn't understand relationship 'Ownr' in field path"),
        ("SELECT OwnerId.Name FROM Case", "INVALID_RELATIONSHIP", "Did you mean 'Owner'?"),
        ("SELECT IssueId__c.Name FROM Case", "INVALID_RELATIONSHIP", "Did you mean 'IssueId__r'?"),
        ("SELECT Name, (SELECT Id FROM Contactz) FROM Account", "INVALID_RELATIONSHIP", "Did you mean 'Contacts'?"),
        ("SELECT Id FROM Opportunity WHERE Amount LIKE '1%'", "INVALID_QUERY_FILTER_OPERATOR", "LIKE"),
        ("SELECT Id FROM Case WHERE Subject INCLUDES ('a')", "INVALID_QUERY_FILTER_OPERATOR", "multipicklist"),
        ("SELECT Id FROM Case WHERE Id = 'nope'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: nope"),
        ("SELECT Id FROM Case WHERE Subject > null", "INVALID_QUERY_FILTER_OPERATOR", "null"),
        ("SELECT Id FROM Product2 WHERE IsActive > true", "INVALID_QUERY_FILTER_OPERATOR", "boolean"),
        ("SELECT Id FROM Opportunity WHERE Amount = '5'", "INVALID_FIELD", "must be of type currency and should not be enclosed in quotes"),
        ("SELECT Id FROM Case WHERE Subject = 5", "INVALID_FIELD", "must be of type string and should be enclosed in quotes"),
        ("SELECT Id FROM Product2 WHERE IsActive = 'true'", "INVALID_FIELD", "must be of type boolean"),
        ("SELECT Id FROM Case WHERE CreatedDate > 2024-01-01", "INVALID_FIELD", "must be of type dateTime"),
        ("SELECT Id FROM Opportunity WHERE CloseDate > '2024-01-01'", "INVALID_FIELD", "must be of type date"),
        ("SELECT Id FROM Case WHERE Subject = TODAY", "INVALID_FIELD", "must be of type string"),
        ("SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS", "MALFORMED_QUERY", "requires a number"),
        ("SELECT Id FROM Case WHERE CreatedDate = NEVER", "MALFORMED_QUERY", "unexpected token: 'NEVER'"),
        ("SELECT Id FROM Opportunity WHERE CloseDate = 2024-02-30", "MALFORMED_QUERY", "invalid date"),
        ("SELECT Name FROM Account ORDER BY Description", "INVALID_FIELD", "can not be sorted"),
        ("SELECT Id FROM Case WHERE Description LIKE '%printer%'", "INVALID_FIELD", "field 'Description' can not be filtered"),
        ("SELECT Id FROM Case WHERE Account.Description != null", "INVALID_FIELD", "field 'Account.Description' can not be filtered"),
        ("SELECT Description, COUNT(Id) FROM Account GROUP BY Description", "INVALID_FIELD", "can not be grouped"),
        ("SELECT Name, COUNT(Id) FROM Account", "MALFORMED_QUERY", "Field must be grouped or aggregated: Name"),
        ("SELECT Status, COUNT(Id) FROM Case GROUP BY Status ORDER BY Subject", "MALFORMED_QUERY", "Ordered field must be grouped or aggregated: Subject"),
        ("SELECT Status FROM Case GROUP BY Status HAVING Subject = 'x'", "MALFORMED_QUERY", "Field must be grouped or aggregated: Subject"),
        ("SELECT Id FROM Case WHERE COUNT(Id) > 1", "MALFORMED_QUERY", "HAVING"),
        ("SELECT SUM(Subject) FROM Case", "MALFORMED_QUERY", "does not support aggregate operator SUM"),
        ("SELECT CALENDAR_YEAR(Subject), COUNT(Id) FROM Case GROUP BY CALENDAR_YEAR(Subject)", "MALFORMED_QUERY", "CALENDAR_YEAR requires"),
        ("SELECT COUNT(), Id FROM Case", "MALFORMED_QUERY", "COUNT()"),
        ("SELECT FOO(Id) FROM Case", "MALFORMED_QUERY", "Unknown function: FOO"),
        ("SELECT Name n FROM Account", "MALFORMED_QUERY", "Only aggregate expressions use field aliasing"),
        ("SELECT Id, Id FROM Case", "MALFORMED_QUERY", "duplicate field selected: Id"),
        ("SELECT FIELDS(ALL) FROM Case", "MALFORMED_QUERY", "The SOQL FIELDS function must have a LIMIT of at most 200"),
        ("SELECT FIELDS(CUSTOM) FROM Case LIMIT 201", "MALFORMED_QUERY", "LIMIT of at most 200"),
        ("SELECT FIELDS(SOME) FROM Case LIMIT 1", "MALFORMED_QUERY", "FIELDS() takes ALL, STANDARD or CUSTOM"),
        ("SELECT Id FROM Case OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000"),
        ("SELECT Id FROM Case WHERE Subject IN (SELECT Id FROM Account)", "INVALID_FIELD", "semi/anti join"),
        ("SELECT Id FROM Case WHERE AccountId IN (SELECT Name FROM Account)", "INVALID_FIELD", "semi/anti join"),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Case LIMIT 1)", "MALFORMED_QUERY", "semi-join"),
        ("SELECT Name, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account", "MALFORMED_QUERY", "nested subqueries"),
        ("SELECT A.B.C.D.E.F.G FROM Case", "MALFORMED_QUERY", "5 levels"),
        ("SELECT Id FROM Case GROUP BY ROLLUP(Status)", "MALFORMED_QUERY", "ROLLUP"),
        ("SELECT TYPEOF What WHEN Opportunity THEN Name END FROM Task", "MALFORMED_QUERY", "TYPEOF"),
        ("DELETE FROM Case", "INVALID_OPERATION", "read-only"),
        ("UPDATE Case SET Subject = 'x'", "INVALID_OPERATION", "read-only"),
        ("INSERT INTO Case (Id) VALUES ('x')", "INVALID_OPERATION", "read-only"),
        ("upsert Case", "INVALID_OPERATION", "read-only"),
        ("DROP TABLE Case", "INVALID_OPERATION", "read-only"),
        ("SELECT Id FROM Case FOR UPDATE", "INVALID_OPERATION", "read-only"),
        ("EXPLAIN SELECT Id FROM Case", "MALFORMED_QUERY", "unexpected token: 'EXPLAIN'"),
    ],
)
def test_errors(tiny_org, text, code, fragment):
    e = err(tiny_org, text)
    assert e.error_code == code, e.message
    assert fragment in e.message
    as_json = run(tiny_org, text)
    assert as_json == [{"errorCode": code, "message": e.message}]


def test_malformed_points_at_row_and_column(tiny_org):
    e = err(tiny_org, "SELECT Id\nFROM Case\nWHERE Subject = = 'x'")
    assert (e.line, e.column) == (3, 17)
    assert "ERROR at Row:3:Column:17" in e.message
    assert "WHERE Subject = = 'x'\n                ^" in e.message


def test_row_cap(tiny_org):
    e = err(tiny_org, "SELECT Id FROM Case", max_rows=3)
    assert e.error_code == "LIMIT_EXCEEDED" and "Too many query rows" in e.message
    assert execute(tiny_org, "SELECT Id FROM Case", max_rows=4)["totalSize"] == 4
    e = err(tiny_org, "SELECT Name, (SELECT Id FROM Contacts) FROM Account", max_rows=5)
    assert e.error_code == "LIMIT_EXCEEDED"


def test_timeout(tiny_org, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_STEPS", 1)
    e = err(tiny_org, "SELECT Id FROM Case WHERE Subject LIKE '%a%'", timeout_s=0)
    assert e.error_code == "QUERY_TIMEOUT"
    # The connection is usable again afterwards.
    monkeypatch.setattr(engine, "PROGRESS_STEPS", 2000)
    assert execute(tiny_org, "SELECT COUNT() FROM Case")["totalSize"] == 4


# -- injection: user text never becomes SQL ----------------------------------------------------

INJECTIONS = [
    "x' OR '1'='1",
    "x'; DROP TABLE \"Case\"; --",
    "'; DELETE FROM Account; /*",
    "*/ OR 1=1 --",
    "\" OR \"\"=\"",
    "Robert'); DROP TABLE Students;--",
    "%' OR Subject LIKE '%",
    "x\\' OR 1=1 OR Subject = \\'",
]


def _soql_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_literals_matches_the_literal(tiny_org, payload):
    before = tiny_org.count("Case"), tiny_org.count("Account")
    res = execute(tiny_org, f"SELECT Id FROM Case WHERE Subject = {_soql_quote(payload)}")
    assert res["totalSize"] == 0
    res = execute(tiny_org, f"SELECT Id FROM Case WHERE Subject LIKE {_soql_quote(payload)}")
    assert res["totalSize"] == 0
    res = execute(tiny_org, f"SELECT Id FROM Case WHERE Subject IN ({_soql_quote(payload)}, 'nope')")
    assert res["totalSize"] == 0
    assert (tiny_org.count("Case"), tiny_org.count("Account")) == before


def test_literal_with_sql_is_matched_exactly(tiny_org):
    res = execute(tiny_org, r"SELECT Subject FROM Case WHERE Subject = 'It\'s broken; DROP TABLE Case'")
    assert [r["Subject"] for r in res["records"]] == ["It's broken; DROP TABLE Case"]
    assert tiny_org.count("Case") == 4


@pytest.mark.parametrize(
    "text",
    [
        'SELECT "Id" FROM Case',
        "SELECT Id FROM \"Case\"; DROP TABLE Account",
        "SELECT Id FROM Case WHERE Id = '1' OR 1=1",
        "SELECT Id FROM Case WHERE Subject = 'x' UNION SELECT Id FROM Account",
        "SELECT Id, (SELECT Id FROM sqlite_master) FROM Account",
        "SELECT name FROM sqlite_master",
        "SELECT key FROM _org",
        "SELECT Id FROM Case_fts",
        "SELECT Id FROM Case__fts",
        "SELECT Id FROM Case c WHERE c.Id = c.Id",
        "SELECT Id FROM Case ORDER BY 1",
        "SELECT Id FROM Case LIMIT 1; DROP TABLE Case",
        "SELECT Id FROM Case WHERE Subject LIKE 'x' ESCAPE '!'",
        "SELECT Id FROM Case WHERE Subject = 'x' COLLATE BINARY",
        "SELECT Id, Subject || Status FROM Case",
        "SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS:-1",
        "SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS:999999999999",
    ],
)
def test_injection_in_identifiers_and_syntax_is_refused(tiny_org, text):
    out = run(tiny_org, text)
    assert isinstance(out, list) and out[0]["errorCode"] in (
        "MALFORMED_QUERY", "INVALID_TYPE", "INVALID_FIELD", "INVALID_RELATIONSHIP", "INVALID_QUERY_FILTER_OPERATOR",
    ), out
    assert tiny_org.count("Case") == 4 and tiny_org.count("Account") == 3
