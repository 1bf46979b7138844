"""SOQL/SOSL over an org: `execute(org, soql)` returns Salesforce's REST result or raises
SoqlError; `run(org, soql_or_sosl)` returns the result or Salesforce's error list."""

from crmweaver.soql.engine import execute
from crmweaver.soql.errors import SoqlError
from crmweaver.soql.query import run

__all__ = ["execute", "run", "SoqlError"]
