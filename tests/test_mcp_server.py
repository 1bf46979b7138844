"""`crmweaver mcp`: the real command, driven by the MCP SDK's own client over stdio and streamable HTTP.

Every answer must equal what the engine gives an episode (the same JSON text), refused queries
must come back as tool errors holding Salesforce's error list, and the server must survive them.
"""

import json
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

pytest.importorskip("mcp", reason="needs the mcp extra: pip install -e '.[mcp]'")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from crmweaver.org.schema import describe  # noqa: E402
from crmweaver.org.store import open_org  # noqa: E402
from crmweaver.soql.query import run  # noqa: E402

CLI = [sys.executable, "-c", "from crmweaver.cli import app; app()"]
SOQL = "SELECT Id, Name, (SELECT Id FROM Contacts) FROM Account ORDER BY Name LIMIT 3"
SOSL = "FIND {Solar*} IN ALL FIELDS RETURNING Account(Id, Name), Contact(Id)"


def local(org_path, query: str) -> str:
    """The observation text an episode would show for this query (before truncation)."""
    with open_org(org_path) as org:
        return json.dumps(run(org, query, timeout_s=5.0, max_rows=2000), ensure_ascii=False)


async def exercise(read, write, org_path: Path) -> None:
    """One session's worth of checks, the same for both transports."""
    async with ClientSession(read, write, read_timeout_seconds=timedelta(seconds=30)) as client:
        init = await client.initialize()
        assert "read-only Salesforce org" in (init.instructions or "")
        await checks(client, org_path)


async def checks(client: ClientSession, org_path: Path) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"execute_soql", "execute_sosl", "list_objects", "describe_objects"}
    assert all(t.annotations and t.annotations.readOnlyHint for t in tools.values())

    got = await client.call_tool("execute_soql", {"query": SOQL})
    assert not got.isError and got.content[0].text == local(org_path, SOQL)
    assert json.loads(got.content[0].text)["totalSize"] == 3

    got = await client.call_tool("execute_sosl", {"query": SOSL})
    assert not got.isError and got.content[0].text == local(org_path, SOSL)

    for bad, code in [("SELECT Nope FROM Account", "INVALID_FIELD"), ("SELECT Id FROM Nowhere", "INVALID_TYPE"),
                      ("DELETE FROM Account", "INVALID_OPERATION"), ("SELECT Id FROM", "MALFORMED_QUERY"),
                      ("FIND {x} RETURNING", "MALFORMED_SEARCH")]:
        got = await client.call_tool("execute_soql", {"query": bad})
        assert got.isError, bad
        assert got.content[0].text == local(org_path, bad)
        assert json.loads(got.content[0].text)[0]["errorCode"] == code, bad

    got = await client.call_tool("execute_soql", {"query": 42})  # the SDK's argument check: still a tool error
    assert got.isError and "query" in got.content[0].text

    with open_org(org_path) as org:
        names = [o.name for o in org.schema]
        full, case = describe(org.schema), describe(org.schema, ["Case"])
    got = await client.call_tool("list_objects", {})
    assert [o["name"] for o in json.loads(got.content[0].text)] == names
    got = await client.call_tool("describe_objects", {"objects": ["Case"]})
    assert not got.isError and got.content[0].text == case
    for none in ({}, {"objects": []}):
        got = await client.call_tool("describe_objects", none)
        assert got.content[0].text == full
    got = await client.call_tool("describe_objects", {"objects": ["Acount"]})
    assert got.isError and json.loads(got.content[0].text) == [
        {"errorCode": "INVALID_TYPE", "message": "sObject type 'Acount' is not supported. Did you mean 'Account'?"}]

    # still serving after all of that
    got = await client.call_tool("execute_soql", {"query": "SELECT COUNT() FROM Case"})
    assert got.content[0].text == local(org_path, "SELECT COUNT() FROM Case")


def test_stdio(b2b_org_path):
    params = StdioServerParameters(command=CLI[0], args=[*CLI[1:], "mcp", "--org", str(b2b_org_path)])

    async def main():
        async with stdio_client(params) as (read, write):
            await exercise(read, write, b2b_org_path)

    anyio.run(main)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamable_http(b2b_org_path):
    port = free_port()
    server = subprocess.Popen([*CLI, "mcp", "--org", str(b2b_org_path), "--transport", "http", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:  # wait for the port to accept connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the MCP server did not start in 30 s"
                time.sleep(0.1)

        async def main():
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write, _):
                await exercise(read, write, b2b_org_path)

        anyio.run(main)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_missing_org_and_busy_port_are_one_line(b2b_org_path, tmp_path):
    out = subprocess.run([*CLI, "mcp", "--org", str(tmp_path / "none.db")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "crmweaver org build" in out.stderr and "Traceback" not in out.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        out = subprocess.run([*CLI, "mcp", "--org", str(b2b_org_path), "--transport", "http", "--port", port],
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "cannot listen on 127.0.0.1" in out.stderr and "Traceback" not in out.stderr
