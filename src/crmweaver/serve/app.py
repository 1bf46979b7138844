"""The org as Salesforce's API: SOAP and OAuth login, REST query/search/describe/retrieve/limits.

Results come from the SOQL/SOSL engine unchanged (so they equal `crmweaver query`), answered in
pages of 2,000 records with Salesforce's `nextRecordsUrl`. Failures are Salesforce's: HTTP 400
with `[{"message", "errorCode"}]` for a refused query, 401 `INVALID_SESSION_ID` for a missing,
forged or expired session, 403 for a write (the org is read-only), 404 `NOT_FOUND`. SOAP login
faults are Salesforce's fault envelopes, sent with 401 (bad credentials) or 400 (a body that is
not a login call) rather than Salesforce's 500, which this server keeps for its own bugs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crmweaver.org.store import Org, make_id, open_org
from crmweaver.serve import describe, soap
from crmweaver.serve.sessions import Credentials, Cursors, LoginGuard, Sessions
from crmweaver.soql import sosl
from crmweaver.soql.engine import execute
from crmweaver.soql.errors import SoqlError

PAGE_SIZE = 2000
LATEST_VERSION = "62.0"
DAILY_API_REQUESTS = 5_000_000  # reported by limits/, as a real org reports its allocation
_VERSION = re.compile(r"v([2-9]\d|[1-9]\d\d)\.\d")
_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LOCATOR = re.compile(r"(01g[a-zA-Z0-9]{12,15})-(\d{1,9})")
_READS = {"GET", "HEAD"}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_JSON = "application/json;charset=UTF-8"
log = logging.getLogger("crmweaver.serve")


class OrgPool:
    """Read-only connections to the org, one per worker thread at a time (the engine sets a
    per-connection deadline, so two queries never share a connection)."""

    def __init__(self, path: Path, size: int):
        self._free: queue.SimpleQueue[Org] = queue.SimpleQueue()
        self.size = size
        for _ in range(size):
            self._free.put(open_org(path))

    @contextmanager
    def org(self):
        org = self._free.get()
        try:
            yield org
        finally:
            self._free.put(org)

    def close(self) -> None:
        for _ in range(self.size):
            self._free.get().close()


@dataclass
class SalesforceApi:
    """The ASGI application and its state; `instance_url` is set once the socket is bound."""

    org_path: Path
    credentials: Credentials
    session_ttl_s: float = 7200.0
    page_size: int = PAGE_SIZE
    workers: int = 4
    instance_url: str = ""
    requests_served: int = 0
    pool: OrgPool = field(init=False)
    app: Starlette = field(init=False)

    def __post_init__(self) -> None:
        self.pool = OrgPool(self.org_path, self.workers)
        with self.pool.org() as org:
            self.schema = org.schema
            self.preset = org.preset
            users = execute(org, "SELECT Id FROM User ORDER BY Id LIMIT 1")["records"]
        self.org_id = make_id("00D", 1)
        self.user_id = users[0]["Id"] if users else make_id("005", 0)
        self.sessions = Sessions(self.org_id, self.session_ttl_s)
        self.guard = LoginGuard(self.credentials)
        self.cursors = Cursors()
        self.limiter = anyio.CapacityLimiter(self.workers)
        self.app = Starlette(
            routes=[
                Route("/services/Soap/u/{version}", self.soap_login, methods=["POST"]),
                Route("/services/Soap/u/{version}/{org}", self.soap_login, methods=["POST"]),
                Route("/services/oauth2/token", self.oauth_token, methods=["POST"]),
                Route("/services/data", self.versions),
                Route("/services/data/", self.versions),
                Route("/services/data/{version}", self.data, methods=[*_READS, *_WRITES]),
                Route("/services/data/{version}/{rest:path}", self.data, methods=[*_READS, *_WRITES]),
                Route("/{rest:path}", self.not_found, methods=[*_READS, *_WRITES]),
            ],
            exception_handlers={Exception: self.unexpected},
        )

    # ---- login -------------------------------------------------------------------------

    async def soap_login(self, request: Request) -> Response:
        version = request.path_params["version"]
        try:
            body = await _read(request, soap.MAX_BODY)
            if body is None:
                raise soap.SoapFault(None, f"The request body is larger than {soap.MAX_BODY} bytes.")
            username, password = soap.parse_login(body)
            if not re.fullmatch(r"\d{2,3}\.\d", version):
                raise soap.SoapFault("UNSUPPORTED_API_VERSION", f"Invalid Api version specified on URL: {version}")
            if not self.guard.login(username, password):
                raise soap.SoapFault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
        except soap.SoapFault as fault:
            status = 401 if fault.code == "INVALID_LOGIN" else 400
            return Response(fault.envelope(), status, media_type="text/xml;charset=UTF-8")
        result = soap.login_result(
            instance_url=self.instance_url, version=version, org_id=self.org_id, user_id=self.user_id,
            username=self.credentials.username, session_id=self.sessions.open(), session_seconds=int(self.session_ttl_s),
        )
        return Response(result, media_type="text/xml;charset=UTF-8")

    async def oauth_token(self, request: Request) -> Response:
        body = await _read(request, 16 * 1024)
        form = {k: v[0] for k, v in parse_qs((body or b"").decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "password":
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        if not self.guard.login(form.get("username", ""), form.get("password", "")):
            return _oauth_error("invalid_grant", "authentication failure")
        issued_at = str(int(time.time() * 1000))
        identity = f"{self.instance_url}/id/{self.org_id}/{self.user_id}"
        secret = form.get("client_secret", "").encode()
        signature = base64.b64encode(hmac.new(secret, (identity + issued_at).encode(), hashlib.sha256).digest()).decode()
        return _json({
            "access_token": self.sessions.open(), "instance_url": self.instance_url, "id": identity,
            "token_type": "Bearer", "issued_at": issued_at, "signature": signature,
        })

    # ---- REST --------------------------------------------------------------------------

    async def versions(self, request: Request) -> Response:
        return _json([{"label": "crmweaver", "url": f"/services/data/v{LATEST_VERSION}", "version": LATEST_VERSION}])

    async def data(self, request: Request) -> Response:
        version = request.path_params["version"]
        if not _VERSION.fullmatch(version):
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        if not self.sessions.valid(_session_id(request)):
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid", {"WWW-Authenticate": "Token"})
        self.requests_served += 1
        if request.method in _WRITES:
            return _error(403, "INSUFFICIENT_ACCESS",
                          "This org is read-only: crmweaver serve answers queries, searches, describes and record "
                          "reads, and refuses creates, updates and deletes.")
        base = f"/services/data/{version}"
        parts = [p for p in request.path_params.get("rest", "").split("/") if p]
        response = await self._route(request, base, parts)
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.requests_served}/{DAILY_API_REQUESTS}"
        return response

    async def _route(self, request: Request, base: str, parts: list[str]) -> Response:
        match parts:
            case []:
                return _json({name: f"{base}/{name}" for name in ("sobjects", "query", "queryAll", "search", "limits")})
            case ["query" | "queryAll" as endpoint]:
                return await self._query(request, f"{base}/{endpoint}")
            case ["query" | "queryAll" as endpoint, locator]:
                return self._page(request, f"{base}/{endpoint}", locator)
            case ["search"]:
                return await self._search(request)
            case ["sobjects"]:
                return _json(describe.describe_global(self.schema, base))
            case ["sobjects", name]:
                obj = self.schema.object(name)
                return _json(describe.basic_info(obj, base)) if obj else _not_found()
            case ["sobjects", name, "describe"]:
                obj = self.schema.object(name)
                return _json(describe.describe_object(obj, base)) if obj else _not_found()
            case ["sobjects", name, record_id]:
                return await self._record(request, name, record_id)
            case ["limits"]:
                left = max(0, DAILY_API_REQUESTS - self.requests_served)
                return _json({"DailyApiRequests": {"Max": DAILY_API_REQUESTS, "Remaining": left}})
        return _not_found()

    async def _query(self, request: Request, endpoint: str) -> Response:
        text = request.query_params.get("q")
        if not text or not text.strip():
            return _error(400, "MALFORMED_QUERY", "A query string has to be specified")
        result = await self._run(execute, text)
        if isinstance(result, list):
            return _json(result, 400)
        records = result["records"]
        size = _batch_size(request, self.page_size)
        if len(records) <= size:
            return _json(result)
        locator = self.cursors.open(records)
        return _json(_page(records, 0, size, result["totalSize"], f"{endpoint}/{locator}"))

    def _page(self, request: Request, endpoint: str, locator: str) -> Response:
        m = _LOCATOR.fullmatch(locator)
        records = self.cursors.get(m.group(1)) if m else None
        if records is None or int(m.group(2)) >= len(records):
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        size = _batch_size(request, self.page_size)
        return _json(_page(records, int(m.group(2)), size, len(records), f"{endpoint}/{m.group(1)}"))

    async def _search(self, request: Request) -> Response:
        text = request.query_params.get("q")
        if not text or not text.strip():
            return _error(400, "MALFORMED_SEARCH", "No search term found. The search term must be enclosed in braces.")
        result = await self._run(sosl.search, text)
        return _json(result, 400 if isinstance(result, list) else 200)

    async def _record(self, request: Request, name: str, record_id: str) -> Response:
        obj = self.schema.object(name)
        if obj is None:
            return _not_found()
        if not _ID.fullmatch(record_id):
            return _error(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {record_id}")
        record_id = id18(record_id)
        if record_id[:3] != obj.key_prefix:
            return _not_found()
        wanted = request.query_params.get("fields")
        names = [f.strip() for f in wanted.split(",") if f.strip()] if wanted else obj.field_names
        bad = next((f for f in names if not _FIELD.fullmatch(f)), None)
        if bad is not None:
            return _error(400, "INVALID_FIELD", f"No such column '{bad}' on sobject of type {obj.name}")
        if "Id" not in names:
            names = ["Id", *names]
        result = await self._run(execute, f"SELECT {', '.join(names)} FROM {obj.name} WHERE Id = '{record_id}'")
        if isinstance(result, list):
            return _json(result, 400)
        return _json(result["records"][0]) if result["records"] else _not_found()

    async def _run(self, fn, text: str) -> dict | list:
        """The engine on a worker thread with a connection of its own; a refusal is the error list."""
        def work():
            with self.pool.org() as org:
                try:
                    return fn(org, text)
                except SoqlError as e:
                    return e.to_json()

        return await anyio.to_thread.run_sync(work, limiter=self.limiter)

    async def not_found(self, request: Request) -> Response:
        return _not_found()

    async def unexpected(self, request: Request, exc: Exception) -> Response:
        log.exception("crmweaver serve: unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred; the server log has the details.")

    def close(self) -> None:
        self.pool.close()


def id18(record_id: str) -> str:
    """An 18-character id from a 15-character one (Salesforce's case-safe suffix)."""
    if len(record_id) == 18:
        return record_id
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(record_id[chunk * 5: chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += alphabet[bits]
    return record_id + suffix


def _page(records: list, start: int, size: int, total: int, cursor: str) -> dict:
    end = start + size
    out: dict = {"totalSize": total, "done": end >= len(records)}
    if end < len(records):
        out["nextRecordsUrl"] = f"{cursor}-{end}"
    out["records"] = records[start:end]
    return out


def _batch_size(request: Request, default: int) -> int:
    """Salesforce's `Sforce-Query-Options: batchSize=N` header (200 to 2,000)."""
    m = re.search(r"batchSize\s*=\s*(\d+)", request.headers.get("sforce-query-options", ""))
    return default if m is None else max(200, min(2000, int(m.group(1))))


def _session_id(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") else ""


async def _read(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it exceeds `limit` bytes (read no further)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, headers, media_type=_JSON)


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return _json([{"message": message, "errorCode": code}], status, headers)


def _not_found() -> Response:
    return _error(404, "NOT_FOUND", "The requested resource does not exist")


def _oauth_error(error: str, description: str) -> Response:
    return _json({"error": error, "error_description": description}, 400)
