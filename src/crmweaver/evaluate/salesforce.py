"""Episodes against a live Salesforce org, through simple-salesforce.

`LiveOrg` names an org (its login URL and credentials, from the environment as CRMArena's
harness reads them); `connect` logs in and gives the episode's query seam (`env.episode.
QueryRunner`): SOQL or SOSL text in, Salesforce's REST result or error list out, shaped exactly
as the local engine's, so the agent reads the same observation text on either. A refused query
(HTTP 400) is an observation; an org that cannot be reached or refuses the session twice is an
infra error, never an observation.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmweaver.agent.backend import InfraError
from crmweaver.errors import CrmweaverError
from crmweaver.soql.engine import API_VERSION
from crmweaver.soql.errors import too_many_rows

FIELDS = ("USERNAME", "PASSWORD", "SECURITY_TOKEN")  # SALESFORCE_<F> (CRMArena), SALESFORCE_<PRESET>_<F> (CRMArena-Pro)
SALESFORCE_HINT = "--salesforce needs simple-salesforce: pip install 'crmweaver[salesforce]'"
HTTP_TIMEOUT_S = 120.0  # Salesforce's own limit on a query is 120 s


class LiveOrgError(CrmweaverError):
    """The live org cannot be used (missing credentials or extra, failed login); names the fix."""


@dataclass(frozen=True)
class LiveOrg:
    """Where and as whom to log in. Picklable, so Ray actors can each open their own session."""

    url: str  # e.g. https://login.salesforce.com, https://test.salesforce.com, or `crmweaver serve`'s URL
    username: str
    password: str = field(repr=False)
    security_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, url: str, preset: str | None = None, environ: Mapping[str, str] = os.environ) -> LiveOrg:
        """Credentials as CRMArena's harnesses read them: SALESFORCE_B2B_USERNAME (…) for a preset's
        org when set, else SALESFORCE_USERNAME, SALESFORCE_PASSWORD, SALESFORCE_SECURITY_TOKEN."""
        if importlib.util.find_spec("simple_salesforce") is None:
            raise LiveOrgError(SALESFORCE_HINT)
        prefix = f"SALESFORCE_{preset.upper()}_" if preset and environ.get(f"SALESFORCE_{preset.upper()}_USERNAME") else "SALESFORCE_"
        user, password, token = (environ.get(prefix + name, "") for name in FIELDS)
        if not user or not password:
            raise LiveOrgError(
                f"--salesforce {url} needs {prefix}USERNAME and {prefix}PASSWORD "
                f"(and {prefix}SECURITY_TOKEN, unless the org trusts your IP) in the environment"
            )
        if not url.startswith(("https://", "http://")):
            raise LiveOrgError(f"--salesforce takes the org's login URL, like https://login.salesforce.com, not {url!r}")
        return cls(url.rstrip("/"), user, password, token)

    def connect(self, *, max_rows: int) -> SalesforceQueries:
        """Log in (SOAP, password + security token) and return the episode's query seam."""
        queries = SalesforceQueries(self, max_rows=max_rows)
        queries.login()
        return queries


class SalesforceQueries:
    """Runs an episode's queries on a live org; one instance per worker thread or actor."""

    def __init__(self, org: LiveOrg, *, max_rows: int):
        try:
            import requests
            import simple_salesforce  # noqa: F401
        except ImportError:
            raise LiveOrgError(SALESFORCE_HINT) from None

        class TimedSession(requests.Session):  # simple-salesforce's search() takes no timeout of its own
            def request(self, *args, **kwargs):
                kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
                return super().request(*args, **kwargs)

        self.org = org
        self.max_rows = max_rows
        self.http = TimedSession()  # trusts REQUESTS_CA_BUNDLE, e.g. `crmweaver serve`'s CA file
        self.sf = None

    def login(self) -> None:
        from requests.exceptions import ConnectionError, SSLError
        from simple_salesforce import Salesforce, SalesforceLogin
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed

        version = API_VERSION.lstrip("v")  # the engine's records carry v62.0 URLs; ask the org for the same
        try:
            session_id, instance = SalesforceLogin(
                username=self.org.username, password=self.org.password, security_token=self.org.security_token,
                scratch_url=self.org.url, sf_version=version, session=self.http,
            )
        except SalesforceAuthenticationFailed as e:
            raise LiveOrgError(f"could not log in to {self.org.url} as {self.org.username}: {e.code}: {e.auth_message}") from None
        except SSLError:
            raise LiveOrgError(f"the certificate of {self.org.url} is not trusted; set REQUESTS_CA_BUNDLE to its CA file "
                               "(`crmweaver serve` prints it)") from None
        except ConnectionError:
            raise LiveOrgError(f"could not reach {self.org.url} to log in; check the URL and that the org is up") from None
        except Exception as e:  # a reply that is no login answer
            raise LiveOrgError(f"could not log in at {self.org.url} ({type(e).__name__}: {str(e)[:300]}); is it a Salesforce login URL?") from None
        self.sf = Salesforce(session_id=session_id, instance=instance, session=self.http, version=version)

    def __call__(self, text: str) -> dict | list[dict]:
        from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceMalformedRequest

        for attempt in (1, 2):
            try:
                return self._search(text) if text.lstrip()[:4].upper() == "FIND" else self._query(text)
            except SalesforceMalformedRequest as e:  # the org refused the query: that is the observation
                errors = _error_list(e.content)
                if errors is None:
                    raise InfraError(f"{self.org.url} refused a query without Salesforce's error list: {e.content!r:.300}") from None
                return errors
            except SalesforceExpiredSession:
                if attempt == 2:
                    raise InfraError(f"{self.org.url} refused a fresh session; check the user's API access") from None
                try:
                    self.login()
                except LiveOrgError as e:
                    raise InfraError(str(e)) from None
            except Exception as e:  # network, 403/404/5xx, a reply that is no JSON
                raise InfraError(f"the org at {self.org.url} failed a query ({type(e).__name__}: {str(e)[:300]})") from None
        raise AssertionError("unreachable")

    def _query(self, text: str) -> dict | list[dict]:
        """All pages, as the engine answers: {totalSize, done, records}, or its error past `max_rows`."""
        page = self.sf.query(text)
        total, records = page["totalSize"], list(page["records"])
        while not page["done"]:
            if _rows(records) > self.max_rows:
                break
            page = self.sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
            records += page["records"]
        if _rows(records) > self.max_rows:
            return too_many_rows(self.max_rows).to_json()
        return {"totalSize": total, "done": True, "records": records}

    def _search(self, text: str) -> dict:
        found = self.sf.search(text)  # simple-salesforce returns None for an empty JSON object
        return {"searchRecords": (found or {}).get("searchRecords", [])}


def _rows(records: list[dict[str, Any]]) -> int:
    """Rows as the engine's governor counts them: each record and each child subquery's records."""
    n = len(records)
    for rec in records:
        for value in rec.values():
            if isinstance(value, dict) and "records" in value:
                n += len(value["records"])
    return n


def _error_list(content: Any) -> list[dict] | None:
    """Salesforce's error list in the engine's key order; None when the reply holds none."""
    if not isinstance(content, list) or not content or not all(isinstance(e, dict) and "errorCode" in e for e in content):
        return None
    return [{"errorCode": e["errorCode"], "message": e.get("message", "")} for e in content]
