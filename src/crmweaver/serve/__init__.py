"""The offline org served as Salesforce's API (SOAP/OAuth login, REST query, search, describe),
so programs written against Salesforce, such as simple-salesforce clients, run against it.

    with serve_org("org.db", Credentials("user", "pass", "token")) as srv:
        srv.instance_url, srv.ca_path, srv.proxy_url  # connect, trust, route unmodified clients

Needs the `serve` extra (starlette, uvicorn, cryptography).
"""

from crmweaver.serve.server import Running, ServeError, load_credentials, serve_forever, serve_org
from crmweaver.serve.sessions import Credentials

__all__ = ["Credentials", "Running", "ServeError", "load_credentials", "serve_forever", "serve_org"]
