"""A tiny hand-built B2B org with known values, for the SOQL engine's tests.

Import the `tiny_org` fixture into a test module (`from soql_fixture import tiny_org`); `ID`
gives the id of the n-th record of an object, so expectations stay readable.
"""

from __future__ import annotations

import sqlite3

import pytest

from crmweaver.org import store
from crmweaver.org.schema import SCHEMA_VERSION, schema_for

SCHEMA = schema_for("b2b")
TODAY = "2024-06-15"  # a Saturday


def ID(obj: str, n: int) -> str:
    return store.make_id(SCHEMA.objects[obj].key_prefix, n)


def _rows() -> dict[str, list[dict]]:
    u, a, c, i = (lambda n: ID("User", n)), (lambda n: ID("Account", n)), (lambda n: ID("Contact", n)), (lambda n: ID("Issue__c", n))
    return {
        "User": [
            dict(FirstName="Ada", LastName="Lovelace", Alias="ada", Email="ada@ourco.com", Username="ada@ourco.com"),
            dict(FirstName="Bob", LastName="Builder", Alias="bob", Email="bob@ourco.com", Username="bob@ourco.com"),
            dict(FirstName="Cy", LastName="O'Neil", Alias="cy", Email="cy@ourco.com", Username="cy@ourco.com"),
        ],
        "Account": [
            dict(Name="Acme", Industry="Manufacturing", NumberOfEmployees=500, ShippingState="CA", Description="Anvils"),
            dict(Name="Globex", Industry="Energy", NumberOfEmployees=1200, ShippingState="NY", Description="Power"),
            dict(Name="Initech 50% off_sale", Industry=None, NumberOfEmployees=None, ShippingState="TX", Description=None),
        ],
        "Contact": [
            dict(FirstName="John", LastName="Smith", Email="john@acme.com", AccountId=a(0)),
            dict(FirstName="Jane", LastName="Doe", Email="jane@acme.com", AccountId=a(0)),
            dict(FirstName="Gil", LastName="Bates", Email="gil@globex.com", AccountId=a(1)),
            dict(FirstName="Orphan", LastName="Annie", Email=None, AccountId=None),
        ],
        "Issue__c": [
            dict(Name="Login problem", Description__c="Cannot log in"),
            dict(Name="Billing", Description__c="Invoice questions"),
        ],
        "Case": [
            dict(Subject="Cannot log in", Status="New", Priority="High", CreatedDate="2024-06-14T09:30:00.000+0000",
                 ClosedDate=None, OwnerId=u(0), AccountId=a(0), ContactId=c(0), IssueId__c=i(0)),
            dict(Subject="Invoice wrong", Status="Closed", Priority="Low", CreatedDate="2024-05-02T12:00:00.000+0000",
                 ClosedDate="2024-05-03T12:00:00.000+0000", OwnerId=u(1), AccountId=a(0), ContactId=c(1), IssueId__c=i(1)),
            dict(Subject="Power outage", Status="Escalated", Priority="High", CreatedDate="2023-12-31T23:00:00.000+0000",
                 ClosedDate=None, OwnerId=u(1), AccountId=a(1), ContactId=c(2), IssueId__c=None),
            dict(Subject="It's broken; DROP TABLE Case", Status="Closed", Priority="Medium",
                 CreatedDate="2024-06-15T08:00:00.000+0000", ClosedDate="2024-06-15T10:00:00.000+0000",
                 OwnerId=u(2), AccountId=None, ContactId=None, IssueId__c=i(0)),
        ],
        "Opportunity": [
            dict(Name="Acme deal", AccountId=a(0), OwnerId=u(0), Amount=1000.0, Probability=50.0, StageName="Quote",
                 CreatedDate="2024-01-10T00:00:00.000+0000", CloseDate="2024-07-01"),
            dict(Name="Acme upsell", AccountId=a(0), OwnerId=u(1), Amount=2500.5, Probability=20.0,
                 StageName="Discovery", CreatedDate="2024-03-01T00:00:00.000+0000", CloseDate="2024-08-15"),
            dict(Name="Globex power", AccountId=a(1), OwnerId=u(1), Amount=None, Probability=10.0,
                 StageName="Qualification", CreatedDate="2023-11-20T00:00:00.000+0000", CloseDate="2023-12-31"),
        ],
        "EmailMessage": [
            dict(Subject="Re: log in", ParentId=ID("Case", 0), RelatedToId=ID("Case", 0),
                 MessageDate="2024-06-14T10:00:00.000+0000"),
            dict(Subject="Proposal", ParentId=None, RelatedToId=ID("Opportunity", 0),
                 MessageDate="2024-01-11T10:00:00.000+0000"),
            dict(Subject="Hello", ParentId=None, RelatedToId=None, MessageDate="2024-02-01T10:00:00.000+0000"),
        ],
        "Product2": [
            dict(Name="SimSuite", IsActive=1, External_ID__c="P-1"),
            dict(Name="OldTool", IsActive=0, External_ID__c="P-2"),
        ],
        "Order": [
            dict(AccountId=a(1), OwnerId=u(0), Status="Activated", EffectiveDate="2024-02-02"),
        ],
        "OrderItem": [
            dict(OrderId=ID("Order", 0), Product2Id=ID("Product2", 0), Quantity=3.0, UnitPrice=99.5),
        ],
        "Event": [
            dict(Subject="Kickoff", IsAllDayEvent=1, DurationInMinutes=60, OwnerId=u(0), WhatId=ID("Opportunity", 0),
                 StartDateTime="2024-06-20T15:00:00.000+0000"),
            dict(Subject="Demo", IsAllDayEvent=0, DurationInMinutes=30, OwnerId=u(1), WhatId=ID("Opportunity", 1),
                 StartDateTime="2024-06-10T15:00:00.000+0000"),
        ],
    }


def build_tiny_org(path) -> None:
    conn = sqlite3.connect(path)
    store.create_tables(conn, SCHEMA)
    for obj, rows in _rows().items():
        for n, row in enumerate(rows):
            row = {"Id": ID(obj, n), **row}
            cols = ", ".join(f'"{k}"' for k in row)
            conn.execute(f'INSERT INTO "{obj}" ({cols}) VALUES ({", ".join("?" * len(row))})', list(row.values()))
    store.create_indexes(conn, SCHEMA)
    store.write_meta(conn, {"preset": "b2b", "seed": "0", "scale": "0", "today": TODAY, "schema_version": SCHEMA_VERSION})
    conn.commit()
    conn.close()


@pytest.fixture(scope="session")
def tiny_org(tmp_path_factory):
    path = tmp_path_factory.mktemp("soql") / "tiny.db"
    build_tiny_org(path)
    org = store.open_org(path)
    yield org
    org.close()
