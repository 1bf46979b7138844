"""`crmweaver sf-run -- CMD`: run an unmodified Salesforce program against the offline org.

The program's HTTPS traffic goes through the server's proxy (`HTTPS_PROXY`): its calls to
login.salesforce.com (and any *.salesforce.com host) reach the offline org, everything else
passes through untouched. `REQUESTS_CA_BUNDLE` holds the usual roots plus the server's CA, and the
credentials, made fresh for this run, are in the variables CRMArena-Pro's harness reads.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from crmweaver.org.store import open_org
from crmweaver.serve import tls
from crmweaver.serve.server import Running, ServeError, serve_org
from crmweaver.serve.sessions import Credentials


def child_env(running: Running, preset: str, base: Mapping[str, str]) -> dict[str, str]:
    """`base` plus the proxy, the CA bundle and the credentials, under generic and per-preset names."""
    env = dict(base)
    bundle = tls.bundle_with_system_roots(running.ca_path)
    env.update({"HTTPS_PROXY": running.proxy_url, "https_proxy": running.proxy_url, "REQUESTS_CA_BUNDLE": str(bundle)})
    creds = running.credentials
    for prefix in ("SALESFORCE", f"SALESFORCE_{preset.upper()}"):
        env.update({f"{prefix}_USERNAME": creds.username, f"{prefix}_PASSWORD": creds.password,
                    f"{prefix}_SECURITY_TOKEN": creds.security_token})
    return env


def sf_run(org_path: str | Path, command: Sequence[str], *, tls_dir: str | Path | None = None) -> int:
    """Serve the org, run `command` routed to it, and return the command's exit status."""
    with open_org(org_path) as org:
        preset = org.preset
    creds = Credentials(f"crmweaver@{preset}.offline", secrets.token_urlsafe(16), secrets.token_urlsafe(18))
    with serve_org(org_path, creds, tls_dir=tls_dir) as running:
        return run_forwarding(list(command), child_env(running, preset, os.environ))


FORWARDED = (signal.SIGTERM, signal.SIGHUP)


def run_forwarding(command: list[str], env: dict[str, str]) -> int:
    """Run `command`; its exit status (128 + N when signal N ended it, as a shell reports it). A SIGTERM
    or SIGHUP sent to sf-run (a job scheduler stopping it) goes on to the program, and the org is served
    until the program has exited; Ctrl-C reaches it through the terminal's process group, so sf-run
    waits. The handlers are in place before the program starts: a signal can never fall between."""
    child: subprocess.Popen | None = None

    def forward(signum: int, _frame: object) -> None:
        if child is None:  # before the program started: stop here, as the signal asks
            raise SystemExit(128 + signum)
        child.send_signal(signum)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, forward) for s in FORWARDED}
    try:
        try:
            child = subprocess.Popen(command, env=env)
        except OSError as e:
            raise ServeError(f"cannot run {command[0]!r} ({e.strerror}); give a program on the PATH after --") from None
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:
                continue
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 - code if code < 0 else code
