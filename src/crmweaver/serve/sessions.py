"""Who may call the server, for how long, and the query cursors they left open.

Sessions end after `ttl_s` without a request (Salesforce's idle timeout, 2 hours by default);
cursors after 15 minutes without a page read, as Salesforce's query locators do; a user is locked
out after 10 invalid passwords (LoginGuard). Cursors belong
to the user, not the session, so a client that logs in again mid-iteration keeps its cursor.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """One API user. As in Salesforce, both login flows take the password with the token appended."""

    username: str
    password: str
    security_token: str = ""

    def is_user(self, username: str) -> bool:
        return hmac.compare_digest(username.encode(), self.username.encode())

    def accepts(self, username: str, password_and_token: str) -> bool:
        ok_user = self.is_user(username)
        ok_pass = hmac.compare_digest(password_and_token.encode(), (self.password + self.security_token).encode())
        return ok_user and ok_pass


class LoginGuard:
    """Salesforce's lockout, at the org defaults: 10 invalid passwords for the user in a row lock it out
    for 15 minutes, during which even the right password fails as a wrong one does; a login resets the
    count. Clients' retry loops meet here what they meet on a live org."""

    MAX_FAILED = 10
    LOCK_S = 15 * 60.0

    def __init__(self, credentials: Credentials):
        self.credentials = credentials
        self._failed = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()

    def login(self, username: str, password_and_token: str) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._locked_until:
                return False
            if self.credentials.accepts(username, password_and_token):
                self._failed = 0
                return True
            if self.credentials.is_user(username):  # unknown users lock no one
                self._failed += 1
                if self._failed >= self.MAX_FAILED:
                    self._failed, self._locked_until = 0, now + self.LOCK_S
            return False


class Sessions:
    """Session ids handed out by login; each lookup renews the idle timer."""

    MAX = 10_000  # the oldest session is dropped beyond this many, so logins cannot exhaust memory

    def __init__(self, org_id: str, ttl_s: float):
        self.org_id = org_id
        self.ttl_s = ttl_s
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def open(self) -> str:
        sid = f"{self.org_id[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._drop_expired()
            self._expiry[sid] = time.monotonic() + self.ttl_s
            while len(self._expiry) > self.MAX:
                self._expiry.popitem(last=False)
        return sid

    def valid(self, sid: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(sid)
            if expiry is None:
                return False
            now = time.monotonic()
            if expiry <= now:
                del self._expiry[sid]
                return False
            self._expiry[sid] = now + self.ttl_s
            self._expiry.move_to_end(sid)
            return True

    def expire_all(self) -> None:
        """End every session now (what an admin's 'log out all users' does; tests use it)."""
        with self._lock:
            self._expiry.clear()

    def _drop_expired(self) -> None:
        now = time.monotonic()
        while self._expiry:
            sid, expiry = next(iter(self._expiry.items()))
            if expiry > now:
                break
            del self._expiry[sid]


class Cursors:
    """The records of queries answered in pages, keyed by a query locator like `01g…`. The oldest
    cursors are dropped beyond MAX cursors or MAX_RECORDS records in all, which bounds memory."""

    IDLE_S = 15 * 60
    MAX = 1_000
    MAX_RECORDS = 2_000_000

    def __init__(self):
        self._open: OrderedDict[str, tuple[list, float]] = OrderedDict()
        self._records = 0
        self._lock = threading.Lock()

    def open(self, records: list) -> str:
        locator = "01g" + secrets.token_hex(8)[:15]
        with self._lock:
            now = time.monotonic()
            while self._open and next(iter(self._open.values()))[1] <= now:
                self._drop_oldest()
            self._open[locator] = (records, now + self.IDLE_S)
            self._records += len(records)
            while len(self._open) > 1 and (len(self._open) > self.MAX or self._records > self.MAX_RECORDS):
                self._drop_oldest()
        return locator

    def get(self, locator: str) -> list | None:
        with self._lock:
            entry = self._open.get(locator)
            if entry is None:
                return None
            if entry[1] <= time.monotonic():
                self._records -= len(self._open.pop(locator)[0])
                return None
            self._open[locator] = (entry[0], time.monotonic() + self.IDLE_S)
            self._open.move_to_end(locator)
            return entry[0]

    def _drop_oldest(self) -> None:
        _, (records, _) = self._open.popitem(last=False)
        self._records -= len(records)
