"""An HTTPS proxy (HTTP CONNECT tunnels) that sends Salesforce's hosts to the local server.

Clients such as simple-salesforce hard-code `https://login.salesforce.com`. With `HTTPS_PROXY`
pointing here and the server's CA trusted, their TLS connection to any `*.salesforce.com` or
`*.force.com` host is tunnelled to this server (whose certificate covers those names), while
tunnels to every other host pass through untouched (TLS stays end to end), so the same program
can still reach, say, its LLM API. The proxy only moves bytes: TLS and HTTP are the server's.
"""

from __future__ import annotations

import asyncio
import contextlib

MAX_HEAD = 16 * 1024  # the StreamReader limit the server is started with
_HEAD_TIMEOUT_S = 30.0


def routes_here(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in ("salesforce.com", "force.com"))


def handler(server_host: str, server_port: int):
    """A `asyncio.start_server` callback tunnelling Salesforce hosts to (server_host, server_port)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target = await _connect_target(reader, writer)
            if target is None:
                return
            host, port = target
            dest = (server_host, server_port) if routes_here(host) else (host, port)
            try:
                up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(*dest), _HEAD_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError) as e:
                await _reply(writer, 502, f"cannot reach {host}:{port} ({e})")
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            try:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                up_writer.close()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            pass
        except asyncio.CancelledError:  # the server stopping; ending quietly keeps Python 3.11's stream callback calm
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

    return handle


async def _connect_target(reader, writer) -> tuple[str, int] | None:
    """(host, port) of a `CONNECT host:port HTTP/1.1` request; answers and returns None otherwise."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _HEAD_TIMEOUT_S)  # at most MAX_HEAD bytes
    parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
    if len(parts) != 3 or parts[0] != "CONNECT":
        await _reply(writer, 405, "this proxy only opens HTTPS tunnels (CONNECT host:port)")
        return None
    host, _, port = parts[1].rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        await _reply(writer, 400, f"CONNECT needs host:port, not {parts[1]!r}")
        return None
    return host, int(port)


async def _reply(writer, status: int, message: str) -> None:
    reason = {400: "Bad Request", 405: "Method Not Allowed", 502: "Bad Gateway"}[status]
    body = (message + "\n").encode()
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                 "Connection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(OSError):
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()
