"""`crmweaver mcp`: the offline org as a read-only MCP server (stdio or streamable HTTP).

Any MCP-capable agent framework gets the tools our own agents have: SOQL and SOSL through the
same engine as an episode (with an episode's limits), and the schema as the agent prompt
describes it. A refused query is a tool error whose text is Salesforce's error list; nothing a
client sends can crash the server or write to the org.
"""

# No `from __future__ import annotations`: FastMCP reads the tools' type hints at registration,
# and CallToolResult is imported inside build_server (the mcp extra is optional).

import json
import socket
import threading
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from crmweaver.env.actions import TOOL_SCHEMAS
from crmweaver.env.episode import EnvConfig
from crmweaver.env.prompts import company_name
from crmweaver.errors import CrmweaverError
from crmweaver.org.schema import describe
from crmweaver.org.store import Org, open_org
from crmweaver.soql.query import run
from crmweaver.soql.errors import SoqlError
from crmweaver.soql.validate import suggest

MCP_HINT = "the MCP server needs the mcp extra: pip install 'crmweaver[mcp]'"
Transport = Literal["stdio", "http"]


class McpServerError(CrmweaverError):
    """The server cannot start (the `mcp` extra is missing, the port is taken); names the fix."""


def build_server(org: Org, *, limits: EnvConfig | None = None, host: str = "127.0.0.1", port: int = 8000):
    """A `FastMCP` server whose tools read `org` (host and port matter only for streamable HTTP)."""
    try:
        import anyio
        from mcp.server.fastmcp import FastMCP
        from mcp.types import CallToolResult, TextContent, ToolAnnotations
    except ImportError:
        raise McpServerError(MCP_HINT) from None

    limits = limits or EnvConfig()
    lock = threading.Lock()  # one SQLite connection, one deadline handler: one query at a time
    read_only = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)
    about = {t["function"]["name"]: t["function"]["description"] for t in TOOL_SCHEMAS}

    def result(text: str, *, error: bool = False) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=text)], isError=error)

    def locked_run(text: str) -> dict | list:
        with lock:
            return run(org, text, timeout_s=limits.query_timeout_s, max_rows=limits.max_rows)

    async def answer(text: str) -> CallToolResult:
        """What an episode's observation holds (untruncated); Salesforce's error list as a tool error.
        The query runs in a worker thread so one slow query does not stall other sessions."""
        out = await anyio.to_thread.run_sync(locked_run, text)
        return result(json.dumps(out, ensure_ascii=False), error=isinstance(out, list))

    server = FastMCP(
        name="crmweaver",
        instructions=(
            f"A read-only Salesforce org of {company_name(org)} ({org.preset.upper()}; today is {org.meta['today']}). "
            "List its objects with list_objects, read their fields with describe_objects, "
            "then query with execute_soql or execute_sosl."
        ),
        log_level="WARNING",
        host=host,
        port=port,
    )

    @server.tool(description=about["execute_soql"], annotations=read_only)
    async def execute_soql(query: Annotated[str, Field(description="A SOQL SELECT statement.")]) -> CallToolResult:
        return await answer(query)

    @server.tool(description=about["execute_sosl"], annotations=read_only)
    async def execute_sosl(query: Annotated[str, Field(description="A SOSL FIND statement.")]) -> CallToolResult:
        return await answer(query)

    @server.tool(annotations=read_only)
    def list_objects() -> CallToolResult:
        """Every object of the org: API name, label, key prefix and what it holds."""
        rows = [{"name": o.name, "label": o.label, "keyPrefix": o.key_prefix, "description": o.description} for o in org.schema]
        return result(json.dumps(rows, ensure_ascii=False))

    @server.tool(annotations=read_only)
    def describe_objects(objects: list[str] | None = None) -> CallToolResult:
        """Fields (types, references, picklist values) and child relationships of the named objects,
        or of every object when none are named: the schema text the agent prompt holds."""
        for name in objects or ():
            if org.schema.object(name) is None:
                hint = suggest(name, [o.name for o in org.schema])
                error = SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported.{hint}")
                return result(json.dumps(error.to_json(), ensure_ascii=False), error=True)
        return result(describe(org.schema, objects or None))

    return server


def check_port(host: str, port: int) -> None:
    """Fail with one sentence before the server starts when the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise McpServerError(f"cannot listen on {host}:{port} ({e.strerror}); choose another --port or --host") from None


def serve(org_path: Path, *, transport: Transport = "stdio", host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the org until interrupted: on stdin/stdout, or over streamable HTTP at http://host:port/mcp."""
    with open_org(org_path) as org:
        build_server(org, host=host, port=port).run("stdio" if transport == "stdio" else "streamable-http")
