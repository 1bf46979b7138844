"""`crmweaver serve`: the real server (a free port, its own CA) driven by the real simple-salesforce
client, through login.salesforce.com routed by the server's proxy as an unmodified client would be.
Results must equal the engine's (what `crmweaver query` prints); every failure must be Salesforce's
error, never a traceback or a 500; nothing outside the org's objects is reachable."""

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("simple_salesforce", reason="needs simple-salesforce: pip install -e '.[salesforce]'")
pytest.importorskip("uvicorn", reason="needs the serve extra: pip install -e '.[serve]'")

import requests  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from simple_salesforce import Salesforce, SalesforceLogin  # noqa: E402
from simple_salesforce.exceptions import (  # noqa: E402
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from crmweaver.org.store import open_org  # noqa: E402
from crmweaver.serve import Credentials, ServeError, serve_org  # noqa: E402
from crmweaver.serve.app import id18  # noqa: E402
from crmweaver.soql import run  # noqa: E402

USER, PASSWORD, TOKEN = "agent@crmweaver.test", "s3cret&<Pass>", "TOKEN42"  # XML-special characters on purpose
ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "crmweaver")
QUERIES = [
    "SELECT Id, Subject, Status, Owner.Name, Account.Name FROM Case ORDER BY CreatedDate DESC LIMIT 20",
    "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account ORDER BY Name LIMIT 5",
    "SELECT Status, COUNT(Id) n FROM Case GROUP BY Status ORDER BY Status",
    "SELECT Id, Subject FROM Task WHERE ActivityDate = LAST_N_DAYS:400 ORDER BY Id LIMIT 30",
    "SELECT Id, Name FROM Contact WHERE Account.Industry != null ORDER BY Id LIMIT 7",
]
BAD = ["SELECT Nope FROM Case", "SELECT Id FROM _org", "SELECT Id FROM Case WHERE", "DELETE FROM Case"]
SEARCHES = ["FIND {battery} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title), Case(Id, Subject)", "FIND {Smith} RETURNING Contact(Id, Name)"]


@pytest.fixture(scope="module")
def org_path(scale1_orgs):
    return scale1_orgs["b2b"]  # scale 1: Task has more than 2,000 records, so the default page size shows


@pytest.fixture(scope="module")
def engine(org_path):
    with open_org(org_path) as org:
        yield lambda text: json.loads(json.dumps(run(org, text)))


@pytest.fixture(scope="module")
def server(org_path, tmp_path_factory):
    with serve_org(org_path, Credentials(USER, PASSWORD, TOKEN), tls_dir=tmp_path_factory.mktemp("tls")) as running:
        yield running


def http(server, proxy=True) -> requests.Session:
    """What a user's environment gives requests: the CA to trust and, for unmodified clients, the proxy.
    (Set on the session, with the process environment ignored, so the test does not depend on it.)"""
    s = requests.Session()
    s.trust_env = False
    s.verify = str(server.ca_path)
    if proxy:
        s.proxies = {"https": server.proxy_url}
    return s


@pytest.fixture(scope="module")
def sf(server):
    return Salesforce(username=USER, password=PASSWORD, security_token=TOKEN, session=http(server))


def plain(x):
    return json.loads(json.dumps(x))


def content(exc) -> list:
    """The error list out of a simple-salesforce exception's text, as CRMArena-Pro's connector reads it."""
    return ast.literal_eval(str(exc).split("Response content:")[1].strip())


# ---- login ---------------------------------------------------------------------------------------

def test_soap_login_through_login_salesforce_com(server, sf):
    assert sf.sf_instance == server.instance_url.removeprefix("https://")
    assert sf.session_id.startswith("00D")


def test_oauth_password_flow(server, engine):
    sf = Salesforce(username=USER, password=PASSWORD + TOKEN, consumer_key="any-app", consumer_secret="shh",
                    session=http(server))
    q = QUERIES[0]
    assert plain(sf.query(q)) == engine(q)


def test_direct_login_at_the_instance_url(server, engine):
    session_id, instance = SalesforceLogin(username=USER, password=PASSWORD, security_token=TOKEN,
                                           scratch_url=server.instance_url, session=http(server, proxy=False))
    sf = Salesforce(session_id=session_id, instance=instance, session=http(server, proxy=False))
    assert plain(sf.query(QUERIES[2])) == engine(QUERIES[2])


@pytest.mark.parametrize("password,token", [("wrong", TOKEN), (PASSWORD, ""), (PASSWORD, "TOKEN4")])
def test_wrong_credentials_are_refused(server, password, token):
    with pytest.raises(SalesforceAuthenticationFailed) as e:
        Salesforce(username=USER, password=password, security_token=token, session=http(server))
    assert e.value.code == "INVALID_LOGIN"
    with pytest.raises(SalesforceAuthenticationFailed) as e:
        Salesforce(username=USER, password=password + token, consumer_key="k", consumer_secret="s", session=http(server))
    assert e.value.code == "invalid_grant"
    with pytest.raises(SalesforceAuthenticationFailed):
        Salesforce(username=USER + "x", password=PASSWORD, security_token=TOKEN, session=http(server))


def test_ten_wrong_passwords_lock_the_user_out(org_path, tmp_path, monkeypatch):
    """Salesforce's default lockout: after 10 invalid passwords in a row even the right one fails, over SOAP
    and OAuth alike, until the lockout period ends; a login in between resets the count."""
    from crmweaver.serve.sessions import LoginGuard

    monkeypatch.setattr(LoginGuard, "LOCK_S", 1.0)
    with serve_org(org_path, Credentials(USER, PASSWORD), proxy_port=None, tls_dir=tmp_path) as srv:
        session = http(srv, proxy=False)

        def soap(password):
            return SalesforceLogin(username=USER, password=password, security_token="", scratch_url=srv.instance_url,
                                   session=session)

        def wrong(times):
            for _ in range(times):
                with pytest.raises(SalesforceAuthenticationFailed):
                    soap("wrong")

        wrong(9)
        soap(PASSWORD)  # resets the count
        wrong(9)
        for _ in range(3):  # another user's failures lock no one
            with pytest.raises(SalesforceAuthenticationFailed):
                SalesforceLogin(username="x" + USER, password="wrong", security_token="", scratch_url=srv.instance_url,
                                session=session)
        soap(PASSWORD)
        wrong(10)
        with pytest.raises(SalesforceAuthenticationFailed) as e:
            soap(PASSWORD)
        assert e.value.code == "INVALID_LOGIN"
        r = session.post(srv.instance_url + "/services/oauth2/token", data={
            "grant_type": "password", "username": USER, "password": PASSWORD, "client_id": "k", "client_secret": "s"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
        time.sleep(1.2)
        session_id, _ = soap(PASSWORD)
        assert session_id.startswith("00D")


@pytest.mark.parametrize("body", [
    b"", b"not xml", b"<a><b></a>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY f SYSTEM "file:///etc/passwd">]><x>&f;</x>',
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>',
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<query xmlns="urn:partner.soap.sforce.com"><queryString>SELECT Id FROM Case</queryString></query></soapenv:Body></soapenv:Envelope>',
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<login xmlns="urn:partner.soap.sforce.com"><username>x</username></login></soapenv:Body></soapenv:Envelope>',
    b"<x>" * 20000,
])
def test_malformed_soap_bodies_are_refused_with_a_fault(server, body):
    r = http(server, proxy=False).post(server.instance_url + "/services/Soap/u/59.0", data=body,
                                       headers={"content-type": "text/xml", "SOAPAction": "login"})
    assert r.status_code == 400
    assert "soapenv:Fault" in r.text and "sessionId" not in r.text and "root:" not in r.text


# ---- results equal the engine's ------------------------------------------------------------------

@pytest.mark.parametrize("q", QUERIES)
def test_query_equals_the_engine(sf, engine, q):
    assert plain(sf.query(q)) == engine(q)
    assert plain(sf.query_all(q)["records"]) == engine(q)["records"]


def test_count_query(sf, engine):
    q = "SELECT COUNT() FROM Case WHERE Status != 'Closed'"
    assert plain(sf.query(q)) == engine(q) and engine(q)["totalSize"] > 0


@pytest.mark.parametrize("q", SEARCHES)
def test_search_equals_the_engine(sf, engine, q):
    expected = engine(q)
    assert plain(sf.search(q)) == expected
    assert "searchRecords" in expected


def test_query_all_across_2000_record_pages(sf, engine):
    q = "SELECT Id, Subject, WhatId FROM Task ORDER BY Id"
    expected = engine(q)["records"]
    assert len(expected) > 4000  # three pages
    first = sf.query(q)
    assert first["done"] is False and len(first["records"]) == 2000 and first["totalSize"] == len(expected)
    url = first["nextRecordsUrl"]
    assert url.startswith("/services/data/v59.0/query/01g") and url.endswith("-2000")
    second = sf.query_more(url, identifier_is_url=True)
    assert plain(second["records"]) == expected[2000:4000]
    third = sf.query_more(second["nextRecordsUrl"].rsplit("/", 1)[1])  # the locator alone, as query_more also takes
    assert third["done"] is True and "nextRecordsUrl" not in third
    assert plain(third["records"]) == expected[4000:]
    assert plain(sf.query_all(q)["records"]) == expected
    assert plain(sf.query_all(q, include_deleted=True)["records"]) == expected  # queryAll/


def test_batch_size_header(sf, engine):
    q = "SELECT Id FROM Contact ORDER BY Id"
    page = sf.query(q, headers={"Sforce-Query-Options": "batchSize=200"})
    assert len(page["records"]) == 200 and page["nextRecordsUrl"].endswith("-200")
    records = list(sf.query_all_iter(q, headers={"Sforce-Query-Options": "batchSize=200"}))
    assert plain(records) == engine(q)["records"]


def test_a_stale_query_locator_is_a_salesforce_error(sf):
    with pytest.raises(SalesforceMalformedRequest) as e:
        sf.query_more("01g000000000000AAA-2000")
    assert content(e.value)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_concurrent_clients_get_their_own_results(server, engine):
    clients = [Salesforce(username=USER, password=PASSWORD, security_token=TOKEN, session=http(server)) for _ in range(4)]
    expected = {q: engine(q) for q in QUERIES}  # here: one engine connection is not for several threads at once
    failures = []

    def work(i, sf):
        for k in range(6):
            q = QUERIES[(i + k) % len(QUERIES)]
            if plain(sf.query(q)) != expected[q]:
                failures.append(q)

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# ---- describe, records, limits -------------------------------------------------------------------

def test_describe_global_and_object(sf, org_path):
    with open_org(org_path) as org:
        schema = org.schema
    names = [o["name"] for o in sf.describe()["sobjects"]]
    assert names == [o.name for o in schema]
    case = sf.Case.describe()
    assert [f["name"] for f in case["fields"]] == schema.object("Case").field_names
    owner = next(f for f in case["fields"] if f["name"] == "OwnerId")
    assert owner["type"] == "reference" and owner["relationshipName"] == "Owner" and owner["referenceTo"] == ["User"]
    status = next(f for f in case["fields"] if f["name"] == "Status")
    assert [v["value"] for v in status["picklistValues"]] == list(schema.object("Case").field("Status").picklist)
    assert {"childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts"}.items() <= next(
        c for c in sf.Account.describe()["childRelationships"] if c["relationshipName"] == "Contacts").items()
    assert sf.Case.metadata()["objectDescribe"]["keyPrefix"] == "500"


def test_get_by_id(sf, engine, org_path):
    case_id = engine("SELECT Id FROM Case ORDER BY Id LIMIT 1")["records"][0]["Id"]
    with open_org(org_path) as org:
        fields = org.schema.object("Case").field_names
    expected = engine(f"SELECT {', '.join(fields)} FROM Case WHERE Id = '{case_id}'")["records"][0]
    assert plain(sf.Case.get(case_id)) == expected
    assert plain(sf.Case.get(case_id[:15])) == expected  # the 15-character form
    assert id18(case_id[:15]) == case_id
    assert set(sf.restful(f"sobjects/Case/{case_id}", params={"fields": "Subject,Status"})) == {"attributes", "Id", "Subject", "Status"}


def test_limits(sf):
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] >= limits["DailyApiRequests"]["Remaining"] > 0


# ---- every error class simple-salesforce maps ----------------------------------------------------

@pytest.mark.parametrize("q", BAD)
def test_400_refused_query_is_the_engines_error(sf, engine, q):
    with pytest.raises(SalesforceMalformedRequest) as e:
        sf.query_all(q)
    assert content(e.value) == engine(q)


def test_401_expired_session_logs_in_again(server, sf):
    old = sf.session_id
    server.api.sessions.expire_all()
    assert sf.query("SELECT COUNT() FROM Case")["totalSize"] > 0
    assert sf.session_id != old


def test_401_forged_session(server):
    sf = Salesforce(session_id="00DWt0000000001!forged", instance_url=server.instance_url, session=http(server, proxy=False))
    with pytest.raises(SalesforceExpiredSession) as e:
        sf.query("SELECT Id FROM Case LIMIT 1")
    assert content(e.value)[0]["errorCode"] == "INVALID_SESSION_ID"
    r = http(server, proxy=False).get(server.instance_url + "/services/data/v59.0/sobjects")  # no session at all
    assert r.status_code == 401 and r.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_sessions_expire_when_idle(org_path, tmp_path):
    with serve_org(org_path, Credentials(USER, PASSWORD), proxy_port=None, tls_dir=tmp_path, session_ttl_s=0.3) as srv:
        session = http(srv, proxy=False)
        session_id, instance = SalesforceLogin(username=USER, password=PASSWORD, security_token="",
                                               scratch_url=srv.instance_url, session=session)
        sf = Salesforce(session_id=session_id, instance=instance, session=session)
        sf.query("SELECT Id FROM Case LIMIT 1")
        time.sleep(0.5)
        with pytest.raises(SalesforceExpiredSession):
            sf.query("SELECT Id FROM Case LIMIT 1")


def test_403_writes_are_refused_and_the_org_is_unchanged(sf, org_path):
    before = org_path.read_bytes()
    case_id = sf.query("SELECT Id FROM Case LIMIT 1")["records"][0]["Id"]
    for write in (lambda: sf.Case.create({"Subject": "x"}), lambda: sf.Case.update(case_id, {"Subject": "x"}),
                  lambda: sf.Case.delete(case_id), lambda: sf.restful("sobjects/_org", method="POST", data="{}")):
        with pytest.raises(SalesforceRefusedRequest) as e:
            write()
        assert content(e.value)[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert org_path.read_bytes() == before


def test_404_unknown_objects_ids_and_paths(sf):
    for call in (lambda: sf.Case.get("500000000000000AAA"), lambda: sf.Case.get("001Wt0000000001IAA"),
                 lambda: sf.Nope.describe(), lambda: sf.restful("nope/at/all"), lambda: sf.Case.get("../../etc/passwd"),
                 lambda: sf.restful("sobjects/_org/describe"), lambda: sf.restful("sobjects/sqlite_master/x"),
                 lambda: sf.restful("sobjects/Account__fts/describe")):
        with pytest.raises(SalesforceResourceNotFound) as e:
            call()
        assert content(e.value)[0]["errorCode"] == "NOT_FOUND"


# ---- hostile input: Salesforce errors only, nothing outside the org's objects --------------------

HOSTILE_PATHS = [
    "/services/data/v59.0/query?q=SELECT+Id+FROM+Case;+DROP+TABLE+Case",
    "/services/data/v59.0/query?q=SELECT+key,+value+FROM+_org",
    "/services/data/v59.0/query?q=SELECT+name+FROM+sqlite_master",
    "/services/data/v59.0/query?q=SELECT+Id+FROM+Case__fts",
    "/services/data/v59.0/query?q=%ff%fe",
    "/services/data/v59.0/query?q=",
    "/services/data/v59.0/query",
    "/services/data/v59.0/search?q=SELECT+Id+FROM+Case",
    "/services/data/v59.0/search",
    "/services/data/v59.0/query/01gnotalocator",
    "/services/data/v59.0/query/01g000000000000AAA-99999999999",
    "/services/data/vX/query?q=SELECT+Id+FROM+Case",
    "/services/data/v59.0/sobjects/Case/500Wt0000000001IAA?fields=Id)+FROM+_org+--",
    "/services/data/v59.0/sobjects/Case/500Wt0000000001IAA?fields=Nope",
    "/services/data/v59.0/sobjects/Case/x'+OR+'1'='1",
    "/services/data/v59.0/sobjects/%2e%2e/%2e%2e/etc/passwd",
    "/services/data/v59.0/tooling/query?q=SELECT+Id+FROM+ApexClass",
    "/services/apexrest/anything",
    "/etc/passwd",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_hostile_requests_get_salesforce_errors(server, sf, path):
    r = http(server, proxy=False).get(server.instance_url + path, headers={"Authorization": f"Bearer {sf.session_id}",
                                                                           "Sforce-Query-Options": "batchSize=abc"})
    assert r.status_code in (400, 404), (path, r.status_code, r.text[:200])
    body = r.json()
    assert isinstance(body, list) and body[0]["errorCode"] and body[0]["message"]
    assert "Traceback" not in r.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_any_query_text_gets_a_result_or_a_salesforce_error(server, sf, engine, text):
    session = http(server, proxy=False)
    headers = {"Authorization": f"Bearer {sf.session_id}"}
    for endpoint in ("query", "search"):
        r = session.get(f"{server.instance_url}/services/data/v59.0/{endpoint}/", params={"q": text}, headers=headers)
        assert r.status_code in (200, 400), (text, r.status_code)
        if r.status_code == 400:
            assert r.json()[0]["errorCode"]


# ---- the unmodified-client route -----------------------------------------------------------------

def test_sf_run_runs_an_unmodified_simple_salesforce_program(org_path, engine, tmp_path):
    queries = QUERIES[:2] + SEARCHES[:1] + BAD[:2] + ["SELECT Id FROM Task ORDER BY Id"]
    (tmp_path / "q.jsonl").write_text("".join(json.dumps({"q": q}) + "\n" for q in queries))
    program = ROOT / "tests" / "fixtures" / "sf_client_program.py"
    env = {**os.environ, "REQUESTS_CA_BUNDLE": "/nonexistent.pem"}  # whatever the user had; sf-run sets its own
    proc = subprocess.run([CLI, "sf-run", "--org", str(org_path), "--tls-dir",
                           str(tmp_path / "tls"), "--", sys.executable, str(program), str(tmp_path / "q.jsonl")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(queries) + 1
    for q, got in zip(queries, lines):
        expected = engine(q)
        if isinstance(expected, list):
            assert got == {"error": expected[0]}
        elif "searchRecords" in expected:
            assert got == {"searchRecords": expected["searchRecords"]}
        else:
            assert got == {"records": expected["records"]}
    assert lines[-1]["limits"]["DailyApiRequests"]["Remaining"] > 0


def test_sf_run_passes_the_exit_status_and_other_hosts_through(org_path, tmp_path):
    """A tunnel to a host that is not Salesforce's reaches that host (here a local echo server)."""
    echo = socket.create_server(("127.0.0.1", 0))
    port = echo.getsockname()[1]

    def serve_echo():
        conn, _ = echo.accept()
        with conn:
            conn.sendall(conn.recv(100).upper())

    threading.Thread(target=serve_echo, daemon=True).start()
    script = (
        "import os, socket, sys, urllib.parse\n"
        "u = urllib.parse.urlsplit(os.environ['HTTPS_PROXY'])\n"
        "s = socket.create_connection((u.hostname, u.port))\n"
        f"s.sendall(b'CONNECT 127.0.0.1:{port} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
        "head = s.recv(200)\n"
        "assert head.startswith(b'HTTP/1.1 200'), head\n"
        "s.sendall(b'hello'); print(s.recv(100).decode())\n"
        "sys.exit(7)\n"
    )
    proc = subprocess.run([CLI, "sf-run", "--org", str(org_path), "--tls-dir",
                           str(tmp_path), "--", sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 7, proc.stderr[-2000:]
    assert proc.stdout.strip() == "HELLO"
    echo.close()


def test_the_proxy_only_opens_tunnels(server):
    with socket.create_connection(("127.0.0.1", int(server.proxy_url.rsplit(":", 1)[1]))) as s:
        s.sendall(b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 405")


# ---- the command ---------------------------------------------------------------------------------

def test_serve_command_prints_url_and_ca_and_stops_on_ctrl_c(org_path, tmp_path):
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"username": USER, "password": PASSWORD, "security_token": TOKEN}))
    proc = subprocess.Popen([CLI, "serve", "--org", str(org_path), "--port", "0",
                             "--credentials", str(creds), "--tls-dir", str(tmp_path / "tls")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split(" at ")[1].strip()
        ca = proc.stdout.readline().split("CA certificate: ")[1].split()[0]
        assert Path(ca).is_file() and url.startswith("https://127.0.0.1:")
        session = requests.Session()
        session.trust_env = False
        session.verify = ca
        sid, instance = SalesforceLogin(username=USER, password=PASSWORD, security_token=TOKEN, scratch_url=url, session=session)
        assert Salesforce(session_id=sid, instance=instance, session=session).query("SELECT COUNT() FROM Case")["totalSize"] > 0
        session.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0, proc.stderr.read()[-2000:]


def test_serve_refuses_to_start_open_or_on_a_taken_port(org_path, tmp_path):
    with pytest.raises(ServeError, match="username and a password"):
        with serve_org(org_path, Credentials("", ""), tls_dir=tmp_path):
            pass
    taken = socket.create_server(("127.0.0.1", 0))
    with pytest.raises(ServeError, match="choose another --port"):
        with serve_org(org_path, Credentials(USER, PASSWORD), port=taken.getsockname()[1], tls_dir=tmp_path):
            pass
    taken.close()


def test_the_ca_is_kept_across_restarts(org_path, tmp_path):
    with serve_org(org_path, Credentials(USER, PASSWORD), proxy_port=None, tls_dir=tmp_path) as first:
        ca = first.ca_path.read_bytes()
    with serve_org(org_path, Credentials(USER, PASSWORD), proxy_port=None, tls_dir=tmp_path) as second:
        assert second.ca_path.read_bytes() == ca
        assert http(second, proxy=False).get(second.instance_url + "/services/data").status_code == 200


def test_sf_run_forwards_sigterm_to_the_program(org_path, tmp_path):
    """A scheduler's SIGTERM to sf-run reaches the program, which exits in its own way while the org still serves it."""
    script = ("import signal, sys, time\n"
              "signal.signal(signal.SIGTERM, lambda *a: (print('stopping', flush=True), sys.exit(5)))\n"
              "print('ready', flush=True)\n"
              "time.sleep(60)\n")
    proc = subprocess.Popen([CLI, "sf-run", "--org", str(org_path), "--tls-dir", str(tmp_path), "--",
                             sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert out.strip() == "stopping", err[-2000:]
    assert proc.returncode == 5
