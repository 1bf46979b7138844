"""`crmweaver sf-run -- CMD`: run an unmodified Salesforce program against the offline org.

The program's HTTPS traffic goes through the server's proxy (`HTTPS_PROXY`): its calls to
login.salesforce.com (and any *.salesforce.com host) reach the offline org, everything else
passes through untouched. `REQUESTS_CA_BUNDLE` holds the usual roots plus the server's CA, and the
credentials, made fresh for this run, are in the variables CRMArena-Pro's harness reads.
"""

from __future__ import annotations

import os
import secrets
import subprocess
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
        env = child_env(running, preset, os.environ)
        try:
            return subprocess.run(list(command), env=env).returncode
        except OSError as e:
            raise ServeError(f"cannot run {command[0]!r} ({e.strerror}); give a program on the PATH after --") from None
