"""SOQL features over the tiny hand-built org: result shape, filters, relationships, aggregates."""

from __future__ import annotations

import sqlite3

import pytest
from soql_fixture import ID, TODAY, tiny_org  # noqa: F401  (fixture)

from crmweaver.org.schema import Field, FieldType, Schema, SObject
from crmweaver.org.store import Org
from crmweaver.soql import execute, run
from crmweaver.soql.errors import SoqlError


def q(org, text: str) -> dict:
    return execute(org, text)


def names(result: dict, key: str = "Name") -> list:
    return [r[key] for r in result["records"]]


def test_result_shape_and_attributes(tiny_org):
    res = q(tiny_org, f"SELECT Subject, Id FROM Case WHERE Id = '{ID('Case', 0)}'")
    assert res["totalSize"] == 1 and res["done"] is True
    rec = res["records"][0]
    assert list(rec) == ["attributes", "Subject", "Id"]
    assert rec["attributes"] == {"type": "Case", "url": f"/services/data/v62.0/sobjects/Case/{ID('Case', 0)}"}


def test_case_insensitive_names_come_back_canonical(tiny_org):
    res = q(tiny_org, "select subject, OWNER.firstname from CASE where STATUS = 'new'")
    rec = res["records"][0]
    assert rec["Subject"] == "Cannot log in"
    assert rec["Owner"]["FirstName"] == "Ada"
    assert rec["Owner"]["attributes"]["type"] == "User"


def test_value_types(tiny_org):
    rec = q(tiny_org, "SELECT Amount, Probability, CloseDate, CreatedDate FROM Opportunity WHERE Name = 'Acme deal'")["records"][0]
    assert rec["Amount"] == 1000.0 and isinstance(rec["Amount"], float)
    assert rec["CloseDate"] == "2024-07-01"
    assert rec["CreatedDate"] == "2024-01-10T00:00:00.000+0000"
    acc = q(tiny_org, "SELECT NumberOfEmployees FROM Account WHERE Name = 'Acme'")["records"][0]
    assert acc["NumberOfEmployees"] == 500 and isinstance(acc["NumberOfEmployees"], int)
    ev = q(tiny_org, "SELECT IsAllDayEvent FROM Event ORDER BY Subject")["records"]
    assert [e["IsAllDayEvent"] for e in ev] == [False, True]


@pytest.mark.parametrize(
    "where, expected",
    [
        ("Status = 'Closed'", 2),
        ("Status = 'closed'", 2),  # SOQL string equality ignores case
        ("Status != 'Closed'", 2),
        ("Status <> 'Closed'", 2),
        ("Status = 'New' OR Status = 'Escalated'", 2),
        ("Status = 'Closed' AND Priority = 'Low'", 1),
        ("(Status = 'Closed' OR Priority = 'High') AND Subject LIKE '%in%'", 2),
        ("NOT Status = 'Closed'", 2),
        ("Status IN ('New', 'Escalated')", 2),
        ("Status NOT IN ('New', 'Escalated')", 2),
        ("ClosedDate = null", 2),
        ("ClosedDate != null", 2),
        ("AccountId = null", 1),
        ("Subject LIKE 'CANNOT%'", 1),
        ("Subject LIKE '_nvoice%'", 1),
        ("CreatedDate > 2024-06-01T00:00:00Z", 2),
        ("CreatedDate < 2024-01-01T01:00:00+01:00", 1),
        ("CreatedDate >= 2024-06-15T10:00:00.000+0200", 1),
        ("CreatedDate = TODAY", 1),
        ("CreatedDate = YESTERDAY", 1),
        ("CreatedDate = LAST_N_DAYS:1", 2),
        ("CreatedDate = THIS_YEAR", 3),
        ("CreatedDate < THIS_YEAR", 1),
        ("CreatedDate = LAST_YEAR", 1),
        ("CALENDAR_YEAR(CreatedDate) = 2024", 3),
        ("CALENDAR_MONTH(CreatedDate) = 6", 2),
        ("DAY_ONLY(CreatedDate) = 2024-06-14", 1),
        ("Owner.LastName = 'Builder'", 2),
        ("Account.Name != 'Acme'", 2),  # != keeps null parents, as SOQL does
        ("IssueId__r.Name = 'Login problem'", 2),
        ("Id IN (SELECT ParentId FROM EmailMessage)", 1),
        ("AccountId IN (SELECT Id FROM Account WHERE Industry = 'Energy')", 1),
        ("AccountId NOT IN (SELECT Id FROM Account WHERE Industry = 'Energy')", 3),
        ("OwnerId IN (SELECT Id FROM User WHERE FirstName = 'Bob')", 2),
    ],
)
def test_where(tiny_org, where, expected):
    assert q(tiny_org, f"SELECT Id FROM Case WHERE {where}")["totalSize"] == expected


def test_numbers_booleans_dates(tiny_org):
    assert names(q(tiny_org, "SELECT Name FROM Opportunity WHERE Amount > 1500")) == ["Acme upsell"]
    assert q(tiny_org, "SELECT Name FROM Opportunity WHERE Amount >= 1000 AND Probability < 60")["totalSize"] == 2
    assert names(q(tiny_org, "SELECT Name FROM Product2 WHERE IsActive = false")) == ["OldTool"]
    assert names(q(tiny_org, "SELECT Name FROM Opportunity WHERE CloseDate < 2024-01-01")) == ["Globex power"]
    assert q(tiny_org, "SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:30")["totalSize"] == 1
    assert q(tiny_org, "SELECT Name FROM Opportunity WHERE Amount IN (1000, 2500.5)")["totalSize"] == 2
    assert q(tiny_org, "SELECT Name FROM Account WHERE NumberOfEmployees > -1")["totalSize"] == 2


def test_like_escapes(tiny_org):
    assert names(q(tiny_org, r"SELECT Name FROM Account WHERE Name LIKE '%50\% off\_%'")) == ["Initech 50% off_sale"]
    assert q(tiny_org, r"SELECT Name FROM Account WHERE Name LIKE '%\%%'")["totalSize"] == 1
    assert q(tiny_org, "SELECT Name FROM Account WHERE Name LIKE 'acm_'")["totalSize"] == 1
    assert q(tiny_org, r"SELECT LastName FROM User WHERE LastName = 'O\'Neil'")["totalSize"] == 1
    assert q(tiny_org, r"SELECT LastName FROM User WHERE LastName LIKE 'O\'%'")["totalSize"] == 1


def test_id_15_chars_matches_18(tiny_org):
    assert q(tiny_org, f"SELECT Id FROM Case WHERE Id = '{ID('Case', 1)[:15]}'")["records"][0]["Id"] == ID("Case", 1)


def test_parent_paths_nest_and_null(tiny_org):
    res = q(tiny_org, "SELECT Subject, Account.Name, Owner.FirstName, Account.Industry FROM Case ORDER BY Subject")
    by = {r["Subject"]: r for r in res["records"]}
    assert list(by["Cannot log in"]) == ["attributes", "Subject", "Account", "Owner"]
    assert by["Cannot log in"]["Account"] == {
        "attributes": {"type": "Account", "url": f"/services/data/v62.0/sobjects/Account/{ID('Account', 0)}"},
        "Name": "Acme",
        "Industry": "Manufacturing",
    }
    assert by["It's broken; DROP TABLE Case"]["Account"] is None


def test_multi_level_path_and_alias(tiny_org):
    rec = q(tiny_org, "SELECT OrderItem.Order.Account.Name, oi.Quantity FROM OrderItem oi")["records"][0]
    assert rec["Order"]["Account"]["Name"] == "Globex"
    assert rec["Quantity"] == 3.0
    rec = q(tiny_org, "SELECT c.Subject, c.IssueId__r.Name FROM Case c WHERE c.Id = '%s'" % ID("Case", 0))["records"][0]
    assert rec["IssueId__r"]["Name"] == "Login problem"


def test_polymorphic_reference(tiny_org):
    res = q(tiny_org, "SELECT Subject, RelatedTo.Name, RelatedTo.Id FROM EmailMessage ORDER BY MessageDate")
    recs = res["records"]
    assert recs[0]["RelatedTo"]["attributes"]["type"] == "Opportunity" and recs[0]["RelatedTo"]["Name"] == "Acme deal"
    assert recs[1]["RelatedTo"] is None
    assert recs[2]["RelatedTo"]["attributes"]["type"] == "Case" and recs[2]["RelatedTo"]["Name"] is None
    assert run(tiny_org, "SELECT RelatedTo.Subject FROM EmailMessage")[0]["errorCode"] == "INVALID_FIELD"
    assert run(tiny_org, "SELECT RelatedTo.Owner.Name FROM EmailMessage")[0]["errorCode"] == "INVALID_RELATIONSHIP"


def test_child_subquery(tiny_org):
    res = q(tiny_org, "SELECT Name, (SELECT LastName, Email FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name")
    acme, globex, initech = res["records"]
    assert acme["Contacts"]["totalSize"] == 2 and acme["Contacts"]["done"] is True
    assert [c["LastName"] for c in acme["Contacts"]["records"]] == ["Doe", "Smith"]
    assert acme["Contacts"]["records"][0]["attributes"]["type"] == "Contact"
    assert initech["Contacts"] is None  # Salesforce returns null for an empty child list
    res = q(tiny_org, "SELECT Name, (SELECT Subject FROM Cases WHERE Status = 'Closed' LIMIT 1), "
                      "(SELECT Name FROM Opportunities ORDER BY Amount DESC) FROM Account WHERE Name = 'Acme'")
    rec = res["records"][0]
    assert rec["Cases"]["totalSize"] == 1
    assert [o["Name"] for o in rec["Opportunities"]["records"]] == ["Acme upsell", "Acme deal"]


def test_child_subquery_with_parent_path(tiny_org):
    rec = q(tiny_org, "SELECT Name, (SELECT Subject, Owner.LastName FROM Cases ORDER BY Subject) FROM Account WHERE Name = 'Acme'")["records"][0]
    assert [c["Owner"]["LastName"] for c in rec["Cases"]["records"]] == ["Lovelace", "Builder"]


def test_aggregates(tiny_org):
    rec = q(tiny_org, "SELECT COUNT(Id), COUNT(Amount), SUM(Amount) total, AVG(Amount), MIN(CloseDate), MAX(Amount), "
                      "COUNT_DISTINCT(AccountId) FROM Opportunity")["records"][0]
    assert rec == {
        "attributes": {"type": "AggregateResult"}, "expr0": 3, "expr1": 2, "total": 3500.5, "expr2": 1750.25,
        "expr3": "2023-12-31", "expr4": 2500.5, "expr5": 2,
    }


def test_group_by_having_order(tiny_org):
    res = q(tiny_org, "SELECT Status, COUNT(Id) n FROM Case GROUP BY Status HAVING COUNT(Id) >= 1 ORDER BY COUNT(Id) DESC, Status")
    # ties on COUNT fall back to Status in picklist order (New, Working, Escalated, Closed), as Salesforce sorts
    assert [(r["Status"], r["n"]) for r in res["records"]] == [("Closed", 2), ("New", 1), ("Escalated", 1)]
    res = q(tiny_org, "SELECT Account.Name, COUNT(Id) FROM Case WHERE AccountId != null GROUP BY Account.Name ORDER BY Account.Name")
    assert [(r["Name"], r["expr0"]) for r in res["records"]] == [("Acme", 2), ("Globex", 1)]
    res = q(tiny_org, "SELECT Status FROM Case GROUP BY Status HAVING Status != 'Closed' ORDER BY Status")
    assert names(res, "Status") == ["New", "Escalated"]


def test_group_by_date_function(tiny_org):
    res = q(tiny_org, "SELECT CALENDAR_YEAR(CreatedDate) yr, COUNT(Id) FROM Case GROUP BY CALENDAR_YEAR(CreatedDate) ORDER BY CALENDAR_YEAR(CreatedDate)")
    assert [(r["yr"], r["expr0"]) for r in res["records"]] == [(2023, 1), (2024, 3)]
    res = q(tiny_org, "SELECT DAY_ONLY(CreatedDate), COUNT(Id) FROM Case WHERE CreatedDate = LAST_N_DAYS:2 GROUP BY DAY_ONLY(CreatedDate) ORDER BY DAY_ONLY(CreatedDate)")
    assert [r["expr0"] for r in res["records"]] == ["2024-06-14", "2024-06-15"]


def test_count_only(tiny_org):
    assert q(tiny_org, "SELECT COUNT() FROM Case") == {"totalSize": 4, "done": True, "records": []}
    assert q(tiny_org, "SELECT COUNT() FROM Case WHERE Status = 'Closed'")["totalSize"] == 2
    assert q(tiny_org, "SELECT COUNT() FROM Case LIMIT 3")["totalSize"] == 3


def test_order_nulls_limit_offset(tiny_org):
    assert names(q(tiny_org, "SELECT Name FROM Opportunity ORDER BY Amount")) == ["Globex power", "Acme deal", "Acme upsell"]
    assert names(q(tiny_org, "SELECT Name FROM Opportunity ORDER BY Amount DESC")) == ["Acme upsell", "Acme deal", "Globex power"]
    assert names(q(tiny_org, "SELECT Name FROM Opportunity ORDER BY Amount NULLS LAST")) == ["Acme deal", "Acme upsell", "Globex power"]
    assert names(q(tiny_org, "SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS FIRST")) == ["Globex power", "Acme upsell", "Acme deal"]
    assert names(q(tiny_org, "SELECT Name FROM Opportunity ORDER BY Name LIMIT 2 OFFSET 1")) == ["Acme upsell", "Globex power"]
    assert names(q(tiny_org, "SELECT Name FROM Opportunity ORDER BY Account.Name DESC, Name LIMIT 1")) == ["Globex power"]
    assert names(q(tiny_org, "SELECT LastName FROM User ORDER BY LastName ASC"), "LastName") == ["Builder", "Lovelace", "O'Neil"]


def test_fields_functions(tiny_org):
    rec = q(tiny_org, "SELECT FIELDS(ALL) FROM Issue__c ORDER BY Name LIMIT 5")["records"][0]
    assert list(rec) == ["attributes", "Id", "Name", "Description__c"]
    rec = q(tiny_org, "SELECT FIELDS(STANDARD) FROM Issue__c ORDER BY Name")["records"][0]
    assert list(rec) == ["attributes", "Id", "Name"]
    rec = q(tiny_org, "SELECT FIELDS(CUSTOM) FROM Issue__c LIMIT 200")["records"][0]
    assert list(rec) == ["attributes", "Description__c"]


def test_run_dispatches_and_converts_errors(tiny_org):
    assert run(tiny_org, "SELECT COUNT() FROM Case")["totalSize"] == 4
    err = run(tiny_org, "SELECT Nope FROM Case")
    assert isinstance(err, list) and err[0]["errorCode"] == "INVALID_FIELD"
    res = run(tiny_org, "FIND {Acme} IN ALL FIELDS RETURNING Account(Name)")
    assert isinstance(res, (dict, list))


def test_plans_are_cached(tiny_org):
    from crmweaver.soql.engine import plan_for

    text = "SELECT Id FROM Case WHERE Status = 'New'"
    q(tiny_org, text)
    hits = plan_for.cache_info().hits
    q(tiny_org, text)
    assert plan_for.cache_info().hits == hits + 1


def test_includes_excludes_on_multipicklist(tmp_path):
    obj = SObject("Thing__c", "a99", "Thing", "test object", (
        Field("Id", FieldType.ID, "id"), Field("Name", FieldType.STRING, "name"),
        Field("Tags__c", FieldType.MULTIPICKLIST, "tags"),
    ), {"b2b": 1, "b2c": 1}, False)
    schema = Schema("b2b", {"Thing__c": obj})
    conn = sqlite3.connect(tmp_path / "m.db")
    conn.execute('CREATE TABLE "Thing__c" ("Id" TEXT PRIMARY KEY, "Name" TEXT, "Tags__c" TEXT)')
    rows = [("a99000000000001AAA", "one", "Red;Blue"), ("a99000000000002AAA", "two", "Blue"), ("a99000000000003AAA", "three", None)]
    conn.executemany('INSERT INTO "Thing__c" VALUES (?, ?, ?)', rows)
    org = Org(tmp_path / "m.db", conn, {"preset": "b2b", "today": TODAY, "schema_version": "1"}, schema)
    assert names(q(org, "SELECT Name FROM Thing__c WHERE Tags__c INCLUDES ('red')")) == ["one"]
    assert names(q(org, "SELECT Name FROM Thing__c WHERE Tags__c INCLUDES ('Red;Blue', 'Green')")) == ["one"]
    assert names(q(org, "SELECT Name FROM Thing__c WHERE Tags__c INCLUDES ('Blue') ORDER BY Name")) == ["one", "two"]
    assert names(q(org, "SELECT Name FROM Thing__c WHERE Tags__c EXCLUDES ('Red') ORDER BY Name")) == ["three", "two"]
    assert run(org, "SELECT Name FROM Thing__c WHERE Name INCLUDES ('x')")[0]["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_picklist_sorts_in_defined_order_not_alphabetically(tiny_org):
    """Salesforce orders a picklist by its value order (New, Working, Escalated, Closed); nulls as usual."""
    res = q(tiny_org, "SELECT Status FROM Case ORDER BY Status")
    order = {"New": 0, "Working": 1, "Escalated": 2, "Closed": 3}
    got = [order[s] for s in names(res, "Status")]
    assert got == sorted(got) and len(set(got)) > 1
    desc = [order[s] for s in names(q(tiny_org, "SELECT Status FROM Case ORDER BY Status DESC"), "Status")]
    assert desc == sorted(desc, reverse=True)


@pytest.mark.parametrize("where", [
    "Status = 'New' AND Priority = 'High' OR Priority = 'Low'",
    "Status = 'New' OR Priority = 'High' AND Priority = 'Low'",
    "(Status = 'New' OR Priority = 'High') AND Priority = 'Low' OR Status = 'Closed'",
])
def test_and_or_mixed_without_parentheses_is_malformed(tiny_org, where):
    """Salesforce requires parentheses where AND and OR meet; it does not apply a precedence."""
    with pytest.raises(SoqlError) as info:
        execute(tiny_org, f"SELECT Id FROM Case WHERE {where}")
    assert info.value.error_code == "MALFORMED_QUERY"
    assert "unexpected token" in info.value.message
    assert q(tiny_org, "SELECT Id FROM Case WHERE (Status = 'New' AND Priority = 'High') OR Priority = 'Low'")["done"]
