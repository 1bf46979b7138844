"""`validate` passes generated orgs and names each kind of corruption."""

import shutil
import sqlite3

import pytest

from crmweaver.org.store import open_org
from crmweaver.org.validate import validate


@pytest.fixture
def corrupt(b2b_org_path, tmp_path):
    """A writable copy of the small B2B org and a function that runs one SQL edit on it."""
    path = tmp_path / "org.db"
    shutil.copy(b2b_org_path, path)

    def edit(sql: str) -> list[str]:
        with sqlite3.connect(path) as conn:
            conn.execute(sql)
        with open_org(path) as org:
            return validate(org)

    return edit


def test_generated_orgs_are_valid(b2b_org_path, b2c_org_path):
    for path in (b2b_org_path, b2c_org_path):
        with open_org(path) as org:
            assert validate(org) == []


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("UPDATE \"Case\" SET OwnerId = '005Wt000000000000A' WHERE rowid = 1", "Case.OwnerId: reference to a missing User"),
        ("UPDATE Opportunity SET StageName = 'Won' WHERE rowid = 1", "Opportunity.StageName: value outside its picklist"),
        ("UPDATE Product2 SET IsActive = 2 WHERE rowid = 1", "Product2.IsActive: boolean not stored as 0/1"),
        ("UPDATE \"Case\" SET CreatedDate = '2024-01-01 10:00:00' WHERE rowid = 1", "Case.CreatedDate: not in datetime storage format"),
        ("UPDATE Opportunity SET CloseDate = '2001-01-01' WHERE rowid = 1", "Opportunity.CloseDate before CreatedDate"),
        ("UPDATE Lead SET ConvertedAccountId = NULL WHERE IsConverted = 1 AND rowid IN (SELECT rowid FROM Lead WHERE IsConverted = 1 LIMIT 1)",
         "Lead: converted without account"),
        ("UPDATE QuoteLineItem SET TotalPrice = TotalPrice + 5 WHERE rowid = 1", "QuoteLineItem.TotalPrice"),
        ("UPDATE Account SET Id = 'XYZ' || substr(Id, 4) WHERE rowid = 1", "Account.Id: not an 18-character id with key prefix 001"),
        ("DELETE FROM CaseHistory__c WHERE Field__c = 'Case Creation' AND rowid IN (SELECT rowid FROM CaseHistory__c WHERE Field__c = 'Case Creation' LIMIT 1)",
         "Case: no 'Case Creation' history row"),
        ("ALTER TABLE Lead DROP COLUMN Phone", "Lead.Phone: column missing"),
    ],
)
def test_each_corruption_is_reported(corrupt, sql, expected):
    problems = corrupt(sql)
    assert any(p.startswith(expected) for p in problems), problems
