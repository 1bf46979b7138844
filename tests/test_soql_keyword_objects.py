"""`Order` is both a SOQL keyword and an object: Salesforce accepts it as an object name and path."""

import pytest

from crmweaver.org.store import open_org
from crmweaver.soql.query import run


@pytest.fixture(scope="module")
def org(b2b_org_path):
    with open_org(b2b_org_path) as o:
        yield o


def test_from_order(org):
    n = org.count("Order")
    assert run(org, "SELECT COUNT() FROM Order")["totalSize"] == n
    assert run(org, "SELECT Id FROM order ORDER BY EffectiveDate DESC LIMIT 2")["totalSize"] == 2
    res = run(org, "SELECT Id, (SELECT Id FROM OrderItems) FROM Order o WHERE o.Status != null LIMIT 3")
    assert res["totalSize"] == 3 and "OrderItems" in res["records"][0]


def test_order_as_relationship(org):
    expected = org.conn.execute(
        'SELECT count(*) FROM OrderItem i JOIN "Order" o ON o.Id = i.OrderId WHERE o.Status = \'Activated\'').fetchone()[0]
    res = run(org, "SELECT Id, Order.AccountId FROM OrderItem WHERE Order.Status = 'Activated' ORDER BY Order.EffectiveDate")
    assert res["totalSize"] == expected
    assert set(res["records"][0]["Order"]) == {"attributes", "AccountId"}


def test_order_keyword_still_a_keyword(org):
    assert run(org, "SELECT Id FROM ORDER BY Id")[0]["errorCode"] == "MALFORMED_QUERY"
    assert run(org, "SELECT Id FROM Case ORDER BY CreatedDate LIMIT 1")["totalSize"] == 1
