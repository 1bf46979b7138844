"""Salesforce-style query errors: a code, a message, and where in the query it went wrong."""

from __future__ import annotations

import json


class SoqlError(Exception):
    """A query the org refuses. Renders as Salesforce's REST error list, never a traceback."""

    def __init__(self, error_code: str, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.line = line
        self.column = column

    def to_json(self) -> list[dict]:
        return [{"errorCode": self.error_code, "message": self.message}]

    def __str__(self) -> str:
        return json.dumps(self.to_json())


def too_many_rows(max_rows: int) -> SoqlError:
    """The governor limit on rows one query may fetch (the engine's, and a live org's as the env applies it)."""
    return SoqlError(
        "LIMIT_EXCEEDED",
        f"Too many query rows: {max_rows + 1} (the limit is {max_rows}). Add a LIMIT or a more selective WHERE clause.",
    )


def malformed(message: str, *, line: int | None = None, column: int | None = None) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", message, line=line, column=column)


def invalid_field(message: str) -> SoqlError:
    return SoqlError("INVALID_FIELD", message)


def invalid_type(message: str) -> SoqlError:
    return SoqlError("INVALID_TYPE", message)


def invalid_operator(message: str) -> SoqlError:
    return SoqlError("INVALID_QUERY_FILTER_OPERATOR", message)


def invalid_relationship(message: str) -> SoqlError:
    return SoqlError("INVALID_RELATIONSHIP", message)


def at(query: str, line: int | None, column: int | None, message: str) -> str:
    """Salesforce's positioned message: the query line, a caret, `ERROR at Row:r:Column:c`, the text."""
    if not line or not column:
        return message
    lines = query.split("\n")
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"\n{src}\n{' ' * (column - 1)}^\nERROR at Row:{line}:Column:{column}\n{message}"


def positioned(error_code: str, query: str, line: int | None, column: int | None, message: str) -> SoqlError:
    return SoqlError(error_code, at(query, line, column, message), line=line, column=column)
