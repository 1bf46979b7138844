"""Run the API on uvicorn with TLS, and the routing proxy beside it on the same event loop.

`serve_org(...)` runs both on a background thread for as long as a `with` block lasts (tests,
`sf-run`, programs); `serve_forever(...)` runs them in the foreground until Ctrl-C (the CLI).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from crmweaver.errors import CrmweaverError
from crmweaver.serve import proxy, tls
from crmweaver.serve.app import PAGE_SIZE, SalesforceApi
from crmweaver.serve.sessions import Credentials


class ServeError(CrmweaverError):
    """A server that cannot start for a reason the user can fix; the message names the fix."""


@dataclass
class Running:
    """A started server: where it listens, what to trust, who may log in."""

    instance_url: str  # https://127.0.0.1:PORT
    ca_path: Path  # the CA file a client trusts (REQUESTS_CA_BUNDLE), or the user's own certificate
    credentials: Credentials
    proxy_url: str | None  # http://127.0.0.1:PORT for HTTPS_PROXY, when the proxy runs
    api: SalesforceApi

    @property
    def port(self) -> int:
        return int(self.instance_url.rsplit(":", 1)[1])


class _Uvicorn(uvicorn.Server):
    """uvicorn, whose shutdown gives requests in flight a grace period and then drops what is left:
    an idle keep-alive client (a program still holding its Salesforce object) never answers the
    TLS close handshake, and would otherwise hold Ctrl-C up for the 30 s TLS shutdown timeout."""

    GRACE_S = 3.0

    async def shutdown(self, sockets=None) -> None:
        async def drop_rest() -> None:
            await asyncio.sleep(self.GRACE_S)
            self.force_exit = True
            for connection in list(self.server_state.connections):
                connection.transport.abort()

        dropper = asyncio.create_task(drop_rest())
        try:
            await super().shutdown(sockets)
        finally:
            dropper.cancel()


class _Server:
    def __init__(self, org_path: Path, credentials: Credentials, *, host: str, port: int, proxy_port: int | None,
                 tls_dir: Path | None, certfile: Path | None, keyfile: Path | None, session_ttl_s: float,
                 page_size: int, workers: int):
        if not credentials.username or not credentials.password:
            raise ServeError("give the API user a username and a password (--username/--password or --credentials FILE)")
        if (certfile is None) != (keyfile is None):
            raise ServeError("give both --cert and --key, or neither (a certificate is then made for you)")
        self.api = SalesforceApi(Path(org_path), credentials, session_ttl_s=session_ttl_s, page_size=page_size,
                                 workers=workers)
        try:
            self.sock = _bind(host, port)
            self.proxy_sock = _bind(host, proxy_port) if proxy_port is not None else None
        except ServeError:
            self.close()
            raise
        url_host = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
        bound = self.sock.getsockname()[1]
        self.api.instance_url = f"https://{_url_host(url_host)}:{bound}"
        if certfile is None:
            names = [url_host] if url_host not in ("0.0.0.0", "::") else []
            certfile, keyfile, ca_path = tls.server_certificate(Path(tls_dir or tls.default_dir()), names)
        else:
            ca_path = Path(certfile)
            _check_cert(Path(certfile), Path(keyfile))
        config = uvicorn.Config(self.api.app, ssl_certfile=str(certfile), ssl_keyfile=str(keyfile), log_level="warning",
                                access_log=False, lifespan="off", server_header=False)
        self.uvicorn = _Uvicorn(config)
        proxy_url = None
        if self.proxy_sock is not None:
            proxy_url = f"http://{_url_host(url_host)}:{self.proxy_sock.getsockname()[1]}"
        self.running = Running(self.api.instance_url, Path(ca_path), credentials, proxy_url, self.api)

    async def main(self) -> None:
        tunnels = None
        if self.proxy_sock is not None:
            target = self.sock.getsockname()[:2]
            local = "127.0.0.1" if target[0] in ("0.0.0.0", "") else "::1" if target[0] == "::" else target[0]
            tunnels = await asyncio.start_server(proxy.handler(local, target[1]), sock=self.proxy_sock,
                                                 limit=proxy.MAX_HEAD)
        try:
            await self.uvicorn.serve(sockets=[self.sock])
        finally:
            if tunnels is not None:
                tunnels.close()

    def close(self) -> None:
        for s in (getattr(self, "sock", None), getattr(self, "proxy_sock", None)):
            if s is not None:
                s.close()
        self.api.close()


@contextmanager
def serve_org(org_path: str | Path, credentials: Credentials, *, host: str = "127.0.0.1", port: int = 0,
              proxy_port: int | None = 0, tls_dir: str | Path | None = None, certfile: str | Path | None = None,
              keyfile: str | Path | None = None, session_ttl_s: float = 7200.0, page_size: int = PAGE_SIZE,
              workers: int = 4) -> Iterator[Running]:
    """Serve the org on a background thread while the block runs; yields where and how to connect.
    Port 0 picks a free port; `proxy_port=None` runs no proxy."""
    server = _Server(Path(org_path), credentials, host=host, port=port, proxy_port=proxy_port,
                     tls_dir=Path(tls_dir) if tls_dir else None, certfile=_path(certfile), keyfile=_path(keyfile),
                     session_ttl_s=session_ttl_s, page_size=page_size, workers=workers)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.main())
        except BaseException as e:  # reported to the caller below, not lost on the thread
            failure.append(e)

    thread = threading.Thread(target=run, name="crmweaver-serve", daemon=True)
    thread.start()
    try:
        while not server.uvicorn.started:
            if not thread.is_alive():
                raise ServeError(f"the server stopped while starting: {failure[0] if failure else 'no reason given'}")
            thread.join(0.02)
        yield server.running
    finally:
        server.uvicorn.should_exit = True
        server.uvicorn.force_exit = True  # idle keep-alive clients (a live Salesforce object) must not hold it open
        thread.join(10)
        server.close()


def serve_forever(org_path: str | Path, credentials: Credentials, *, on_ready: Callable[[Running], None],
                  host: str = "127.0.0.1", port: int = 8443, proxy_port: int | None = None,
                  tls_dir: str | Path | None = None, certfile: str | Path | None = None,
                  keyfile: str | Path | None = None, session_ttl_s: float = 7200.0) -> None:
    """Serve in the foreground until interrupted (Ctrl-C or SIGTERM end it cleanly)."""
    server = _Server(Path(org_path), credentials, host=host, port=port, proxy_port=proxy_port,
                     tls_dir=Path(tls_dir) if tls_dir else None, certfile=_path(certfile), keyfile=_path(keyfile),
                     session_ttl_s=session_ttl_s, page_size=PAGE_SIZE, workers=4)
    try:
        on_ready(server.running)
        asyncio.run(server.main())
    finally:
        server.close()


def load_credentials(path: str | Path) -> Credentials:
    """The API user from a JSON file `{"username": ..., "password": ..., "security_token": ...}`
    (the token optional): keeps the password off the command line and out of `ps`."""
    import json

    try:
        data = json.loads(Path(path).read_text())
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        creds = Credentials(str(data["username"]), str(data["password"]), str(data.get("security_token") or ""))
    except (OSError, ValueError, KeyError) as e:
        raise ServeError(f'cannot read credentials from {path} ({e}); write {{"username": "...", "password": "...", '
                         '"security_token": "..."}') from None
    return creds


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP proto: asyncio sets TCP_NODELAY on its connections
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port} ({e.strerror}); choose another --port or --host") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def _check_cert(certfile: Path, keyfile: Path) -> None:
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as e:
        raise ServeError(f"cannot use --cert {certfile} with --key {keyfile} ({e}); give a PEM certificate and its key") from None


def _path(p) -> Path | None:
    return None if p is None else Path(p)
