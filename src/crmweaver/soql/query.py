"""The one entry point the environment, the CLI and the servers call: SOQL or SOSL by its first
word, a refused query as Salesforce's error list instead of an exception."""

from __future__ import annotations

from crmweaver.org.store import Org
from crmweaver.soql import sosl
from crmweaver.soql.engine import check_text, execute
from crmweaver.soql.errors import SoqlError


def run(org: Org, text: str, **limits) -> dict | list[dict]:
    """SOQL or SOSL; a refused query comes back as Salesforce's error list instead of raising."""
    try:
        check_text(text)
        if text.lstrip()[:4].upper() == "FIND":
            return sosl.search(org, text, **limits)
        return execute(org, text, **limits)
    except SoqlError as e:
        return e.to_json()
