"""SOQL tokens with line and column, so every parse error can point at the offending text.

Keywords are not a token kind: SOQL keywords are contextual (a field may be called `Status`
or `Type`), so the parser compares an identifier's upper-cased text where it expects one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmweaver.soql.errors import malformed

IDENT, STRING, NUMBER, DATE, DATETIME, PUNCT, OP, OTHER, EOF = (
    "IDENT", "STRING", "NUMBER", "DATE", "DATETIME", "PUNCT", "OP", "OTHER", "EOF",
)

# Escapes Salesforce accepts inside a quoted string; `\%` and `\_` stay escaped for LIKE.
_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "%": "%", "_": "_"}
# ASCII digits only: `str.isdigit` and `\d` also accept "²" or "١٢", which int() then rejects or reads.
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2}))?", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
DIGITS = frozenset("0123456789")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCT = "(),.:"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # the source text (for strings: the unescaped value)
    line: int
    column: int
    raw: str = ""  # strings only: the content between the quotes, escapes untouched (for LIKE)

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == IDENT else ""


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens; an unterminated string or bad escape is a MALFORMED_QUERY."""
    tokens: list[Token] = []
    i, n, line, line_start = 0, len(text), 1, 0
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, line_start, i = line + 1, i + 1, i + 1
            continue
        if ch.isspace():
            i += 1
            continue
        col = i - line_start + 1
        if ch == "'":
            value, raw, i = _string(text, i, line, col)
            tokens.append(Token(STRING, value, line, col, raw))
            continue
        if ch in DIGITS or (ch in "+-." and i + 1 < n and text[i + 1] in DIGITS):
            m = _DATETIME.match(text, i) if ch in DIGITS else None
            if m and not _continues_word(text, m.end()):
                kind = DATETIME if m.group(1) else DATE
                tokens.append(Token(kind, m.group(0), line, col))
                i = m.end()
                continue
            m = _NUMBER.match(text, i)
            if m and not _continues_word(text, m.end()):
                tokens.append(Token(NUMBER, m.group(0), line, col))
                i = m.end()
                continue
        m = _IDENT.match(text, i)
        if m:
            tokens.append(Token(IDENT, m.group(0), line, col))
            i = m.end()
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op:
            tokens.append(Token(OP, op, line, col))
            i += len(op)
            continue
        tokens.append(Token(PUNCT if ch in _PUNCT else OTHER, ch, line, col))
        i += 1
    tokens.append(Token(EOF, "<EOF>", line, n - line_start + 1))
    return tokens


def _continues_word(text: str, end: int) -> bool:
    return end < len(text) and (text[end].isalnum() or text[end] == "_")


def _string(text: str, start: int, line: int, col: int) -> tuple[str, str, int]:
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            return "".join(out), text[start + 1 : i], i + 1
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt not in _ESCAPES:
                raise malformed(
                    f"Invalid string literal '{text[start:i + 2]}'. Illegal escape sequence '\\{nxt}'",
                    line=line, column=col,
                )
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise malformed(f"unterminated string literal starting at Row:{line}:Column:{col}", line=line, column=col)


def like_pattern(raw: str) -> str:
    """A SOQL LIKE pattern (raw string content) as a SQLite pattern for `ESCAPE '\\'`.

    `%` and `_` stay wildcards; `\\%` and `\\_` match the characters themselves; other escapes
    become their character, escaped again if SQLite would read it as a wildcard.
    """
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            lit = _ESCAPES.get(raw[i + 1], raw[i + 1])
            out.append("\\" + lit if lit in "%_\\" else lit)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
