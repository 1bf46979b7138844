"""The partner SOAP API's `login` call: read the envelope, write the result or the fault.

Only `login` is answered; the REST API serves everything else. Documents with a DTD are refused
before parsing, so no entity expansion or external entity is ever processed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
MAX_BODY = 64 * 1024


class SoapFault(Exception):
    """A refused SOAP call: `code` is Salesforce's exceptionCode (None for a malformed envelope)."""

    def __init__(self, code: str | None, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def envelope(self) -> str:
        if self.code is None:  # Salesforce answers a body it cannot read with a bare client fault
            return _envelope(f"<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{escape(self.message)}</faultstring></soapenv:Fault>")
        kind = "LoginFault" if self.code == "INVALID_LOGIN" else "UnexpectedErrorFault"
        return _envelope(
            f"<soapenv:Fault><faultcode>sf:{self.code}</faultcode>"
            f"<faultstring>{escape(self.code)}: {escape(self.message)}</faultstring>"
            f'<detail><sf:{kind} xsi:type="sf:{kind}"><sf:exceptionCode>{self.code}</sf:exceptionCode>'
            f"<sf:exceptionMessage>{escape(self.message)}</sf:exceptionMessage></sf:{kind}></detail></soapenv:Fault>",
            fault=True,
        )


def parse_login(body: bytes) -> tuple[str, str]:
    """(username, password with token) from a `login` envelope; raises SoapFault otherwise."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise SoapFault(None, "DOCTYPE is disallowed in a SOAP message.")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise SoapFault(None, f"The request body is not well-formed XML ({e}).") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault(None, "The request body is not a SOAP 1.1 envelope.")
    body_el = root.find(f"{{{SOAP_ENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise SoapFault(None, "The SOAP envelope has no Body with a call in it.")
    call = body_el[0]
    if call.tag != f"{{{PARTNER}}}login":
        name = call.tag.rsplit("}", 1)[-1]
        raise SoapFault("INVALID_OPERATION", f"This server answers only 'login' over SOAP, not '{name}'; use the REST API (/services/data) for data.")
    username = call.findtext(f"{{{PARTNER}}}username")
    password = call.findtext(f"{{{PARTNER}}}password")
    if username is None or password is None:
        raise SoapFault(None, "The login call needs a username and a password element.")
    return username, password


def login_result(*, instance_url: str, version: str, org_id: str, user_id: str, username: str, session_id: str,
                 session_seconds: int) -> str:
    server = f"{instance_url}/services/Soap/u/{version}/{org_id[:15]}"
    return _envelope(
        f'<loginResponse><result><metadataServerUrl>{instance_url}/services/Soap/m/{version}/{org_id[:15]}</metadataServerUrl>'
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{escape(server)}</serverUrl><sessionId>{session_id}</sessionId><userId>{user_id}</userId>"
        f"<userInfo><currencySymbol>$</currencySymbol><organizationId>{org_id}</organizationId>"
        "<organizationMultiCurrency>false</organizationMultiCurrency><organizationName>crmweaver offline org</organizationName>"
        f"<profileId>00e000000000000AAA</profileId><sessionSecondsValid>{session_seconds}</sessionSecondsValid>"
        f"<userEmail>{escape(username)}</userEmail><userFullName>API User</userFullName><userId>{user_id}</userId>"
        f"<userName>{escape(username)}</userName><userType>Standard</userType></userInfo></result></loginResponse>",
        body_ns=f' xmlns="{PARTNER}"',
    )


def _envelope(inner: str, *, fault: bool = False, body_ns: str = "") -> str:
    ns = ' xmlns:sf="urn:fault.partner.soap.sforce.com"' if fault else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"{ns} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body{body_ns}>{inner}</soapenv:Body></soapenv:Envelope>"
    )
