"""Recursive-descent SOQL parser: tokens -> `ast.Query`, or a MALFORMED_QUERY naming the token.

Clauses, operators and literal kinds are dispatch tables, so adding one is a table entry.
Only syntax is checked here; names and types are the validator's job.
"""

from __future__ import annotations

import math

from crmweaver.soql import ast
from crmweaver.soql.errors import SoqlError, positioned
from crmweaver.soql.lexer import DATE, DATETIME, EOF, IDENT, NUMBER, OP, PUNCT, STRING, Token, tokenize

DML = frozenset({"INSERT", "UPDATE", "DELETE", "UPSERT", "MERGE", "UNDELETE", "DROP", "CREATE", "ALTER", "REPLACE", "TRUNCATE", "ATTACH", "PRAGMA"})
RESERVED = frozenset({
    "SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "AND", "OR", "NOT", "IN", "LIKE",
    "INCLUDES", "EXCLUDES", "WITH", "FOR", "USING", "ASC", "DESC", "NULLS", "BY", "TYPEOF", "ROLLUP", "CUBE",
    "NULL", "TRUE", "FALSE", "FIRST", "LAST", "UPDATE", "VIEW", "REFERENCE", "SCOPE", "END", "WHEN", "THEN", "ELSE",
})
# Keywords that are also object names: Salesforce's `Order` object (`FROM Order`, `Order.AccountId`).
NAME_KEYWORDS = frozenset({"ORDER"})
COMPARISON_OPS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
MAX_COUNT = 2**31 - 1  # LIMIT/OFFSET ceiling, well inside SQLite's integers
MAX_DEPTH = 64  # nesting of parentheses/NOT; deeper input is refused instead of overflowing the stack


class Parser:
    def __init__(self, text: str):
        self.text = text
        try:
            self.tokens = tokenize(text)
        except SoqlError as e:
            raise positioned(e.error_code, text, e.line, e.column, e.message) from None
        self.i = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        if t.kind != EOF:
            self.i += 1
        return t

    def is_kw(self, *words: str, tok: Token | None = None) -> bool:
        t = tok or self.tok
        return t.kind == IDENT and t.text.upper() in words

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.advance()
            return True
        return False

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.unexpected()
        return self.advance()

    def is_punct(self, ch: str) -> bool:
        return self.tok.kind == PUNCT and self.tok.text == ch

    def expect_punct(self, ch: str) -> Token:
        if not self.is_punct(ch):
            raise self.unexpected()
        return self.advance()

    def unexpected(self, tok: Token | None = None) -> SoqlError:
        t = tok or self.tok
        what = "<EOF>" if t.kind == EOF else t.text
        return self.error(t, f"unexpected token: '{what}'")

    def error(self, tok: Token, message: str, code: str = "MALFORMED_QUERY") -> SoqlError:
        return positioned(code, self.text, tok.line, tok.column, message)

    def pos(self, tok: Token | None = None) -> dict:
        t = tok or self.tok
        return {"line": t.line, "column": t.column}

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(self.tok, "query is nested too deeply")

    # -- statements ----------------------------------------------------------------------
    def parse_statement(self) -> ast.Query:
        if self.tok.kind == IDENT and self.tok.text.upper() in DML:
            raise SoqlError(
                "INVALID_OPERATION",
                f"{self.tok.text.upper()} is not supported: the org is read-only; run SOQL SELECT or SOSL FIND queries only.",
                line=self.tok.line, column=self.tok.column,
            )
        q = self.parse_query()
        if self.tok.kind != EOF:
            raise self.unexpected()
        return q

    def parse_query(self) -> ast.Query:
        start = self.expect_kw("SELECT")
        select = self.parse_select_list()
        if not self.is_kw("FROM"):
            last = select[-1]
            if isinstance(last, ast.SelectItem) and isinstance(last.expr, ast.Path) and last.alias:
                # `SELECT Id FORM Case`: the typo parsed as an alias; point at it, not at `Case`.
                alias_tok = self.tokens[self.i - 1]
                raise self.unexpected(alias_tok)
            raise self.unexpected()
        self.advance()
        from_tok = self.tok
        name_keyword = from_tok.text.upper() in NAME_KEYWORDS and not self.peek().text.upper() == "BY"
        if from_tok.kind != IDENT or (from_tok.text.upper() in RESERVED and not name_keyword):
            raise self.unexpected()
        self.advance()
        fields: dict = {"select": select, "from_name": from_tok.text, "from_pos": ast.Pos(**self.pos(from_tok))}
        if self.tok.kind == IDENT and self.tok.text.upper() not in RESERVED:
            fields["alias"] = self.advance().text
        for keyword, method in CLAUSES:
            if self.is_kw(keyword):
                getattr(self, method)(fields)
        return ast.Query(**self.pos(start), **fields)

    def parse_select_list(self) -> tuple:
        items = [self.parse_select_item()]
        while self.is_punct(","):
            self.advance()
            items.append(self.parse_select_item())
        return tuple(items)

    def parse_select_item(self):
        if self.is_punct("("):
            start = self.advance()
            self.nest()
            q = self.parse_query()
            self.depth -= 1
            self.expect_punct(")")
            return ast.SubquerySelect(**self.pos(start), query=q)
        if self.is_kw("TYPEOF"):
            raise self.error(self.tok, "TYPEOF is not supported by this org; select the polymorphic field's Id or Name instead")
        start = self.tok
        expr = self.parse_expr()
        alias = None
        if self.tok.kind == IDENT and self.tok.text.upper() not in RESERVED:
            alias = self.advance().text
        return ast.SelectItem(**self.pos(start), expr=expr, alias=alias)

    def parse_expr(self) -> ast.Expr:
        """A field path or a function call (aggregate, date function, FIELDS)."""
        start = self.tok
        path_of_keyword = start.text.upper() in NAME_KEYWORDS and self.peek().kind == PUNCT and self.peek().text == "."
        if start.kind != IDENT or (start.text.upper() in RESERVED and not path_of_keyword):
            raise self.unexpected()
        self.advance()
        if self.is_punct("("):
            self.advance()
            args: list[ast.Expr] = []
            if not self.is_punct(")"):
                self.nest()
                args.append(self.parse_expr())
                while self.is_punct(","):
                    self.advance()
                    args.append(self.parse_expr())
                self.depth -= 1
            self.expect_punct(")")
            return ast.Call(**self.pos(start), name=start.text.upper(), args=tuple(args))
        parts = [start.text]
        while self.is_punct("."):
            self.advance()
            if self.tok.kind != IDENT:
                raise self.unexpected()
            parts.append(self.advance().text)
        return ast.Path(**self.pos(start), parts=tuple(parts))

    # -- clauses (dispatched through CLAUSES, in Salesforce's order) -----------------------
    def clause_where(self, fields: dict) -> None:
        self.advance()
        fields["where"] = self.parse_condition()

    def clause_with(self, fields: dict) -> None:
        self.advance()
        if self.accept_kw("SECURITY_ENFORCED") or self.accept_kw("USER_MODE") or self.accept_kw("SYSTEM_MODE"):
            return
        raise self.unexpected()

    def clause_group_by(self, fields: dict) -> None:
        self.advance()
        self.expect_kw("BY")
        if self.is_kw("ROLLUP", "CUBE"):
            raise self.error(self.tok, f"GROUP BY {self.tok.text.upper()} is not supported by this org")
        exprs = [self.parse_expr()]
        while self.is_punct(","):
            self.advance()
            exprs.append(self.parse_expr())
        fields["group_by"] = tuple(exprs)

    def clause_having(self, fields: dict) -> None:
        self.advance()
        fields["having"] = self.parse_condition()

    def clause_order_by(self, fields: dict) -> None:
        self.advance()
        self.expect_kw("BY")
        items = [self.parse_order_item()]
        while self.is_punct(","):
            self.advance()
            items.append(self.parse_order_item())
        fields["order_by"] = tuple(items)

    def parse_order_item(self) -> ast.OrderItem:
        start = self.tok
        expr = self.parse_expr()
        desc = False
        if self.accept_kw("DESC"):
            desc = True
        else:
            self.accept_kw("ASC")
        nulls = None
        if self.accept_kw("NULLS"):
            if self.accept_kw("FIRST"):
                nulls = True
            elif self.accept_kw("LAST"):
                nulls = False
            else:
                raise self.unexpected()
        return ast.OrderItem(**self.pos(start), expr=expr, descending=desc, nulls_first=nulls)

    def clause_limit(self, fields: dict) -> None:
        self.advance()
        fields["limit"] = self.parse_count("LIMIT")

    def clause_offset(self, fields: dict) -> None:
        self.advance()
        fields["offset"] = self.parse_count("OFFSET")

    def parse_count(self, what: str) -> int:
        t = self.tok
        if t.kind != NUMBER or not t.text.isdigit():
            raise self.unexpected()
        self.advance()
        value = int(t.text) if len(t.text) <= 12 else MAX_COUNT + 1  # int() refuses 4,300+ digits
        if value > MAX_COUNT:
            raise self.error(t, f"{what} must be at most {MAX_COUNT}")
        return value

    def clause_for(self, fields: dict) -> None:
        self.advance()
        if self.accept_kw("VIEW") or self.accept_kw("REFERENCE"):
            return
        if self.is_kw("UPDATE"):
            raise SoqlError("INVALID_OPERATION", "FOR UPDATE is not supported: the org is read-only.",
                            line=self.tok.line, column=self.tok.column)
        raise self.unexpected()

    # -- conditions ----------------------------------------------------------------------
    def parse_condition(self) -> ast.Condition:
        start = self.tok
        items = [self.parse_and(after_or=False)]
        while self.accept_kw("OR"):
            items.append(self.parse_and(after_or=True))
        return items[0] if len(items) == 1 else ast.Or(**self.pos(start), items=tuple(items))

    def parse_and(self, *, after_or: bool) -> ast.Condition:
        """An AND chain; Salesforce needs parentheses where AND and OR meet, so mixing them is an error."""
        start = self.tok
        items = [self.parse_not()]
        while self.is_kw("AND"):
            if after_or:
                raise self.unexpected()
            self.advance()
            items.append(self.parse_not())
        if len(items) > 1 and self.is_kw("OR"):
            raise self.unexpected()
        return items[0] if len(items) == 1 else ast.And(**self.pos(start), items=tuple(items))

    def parse_not(self) -> ast.Condition:
        start = self.tok
        if self.accept_kw("NOT"):
            self.nest()
            item = self.parse_not()
            self.depth -= 1
            return ast.Not(**self.pos(start), item=item)
        if self.is_punct("("):
            self.advance()
            self.nest()
            cond = self.parse_condition()
            self.depth -= 1
            self.expect_punct(")")
            return cond
        return self.parse_comparison()

    def parse_comparison(self) -> ast.Comparison:
        start = self.tok
        left = self.parse_expr()
        t = self.tok
        if t.kind == OP:
            self.advance()
            return ast.Comparison(**self.pos(start), left=left, op=COMPARISON_OPS[t.text], right=self.parse_value())
        word = t.text.upper() if t.kind == IDENT else ""
        if word == "NOT":
            self.advance()
            if self.accept_kw("IN"):
                return ast.Comparison(**self.pos(start), left=left, op="NOT_IN", right=self.parse_in_rhs())
            if self.accept_kw("LIKE"):
                inner = ast.Comparison(**self.pos(start), left=left, op="LIKE", right=self.parse_value())
                return ast.Not(**self.pos(start), item=inner)
            raise self.unexpected()
        if word == "IN":
            self.advance()
            return ast.Comparison(**self.pos(start), left=left, op="IN", right=self.parse_in_rhs())
        if word == "LIKE":
            self.advance()
            return ast.Comparison(**self.pos(start), left=left, op="LIKE", right=self.parse_value())
        if word in ("INCLUDES", "EXCLUDES"):
            self.advance()
            self.expect_punct("(")
            values = self.parse_value_list()
            return ast.Comparison(**self.pos(start), left=left, op=word, right=values)
        raise self.unexpected()

    def parse_in_rhs(self):
        self.expect_punct("(")
        if self.is_kw("SELECT"):
            self.nest()
            q = self.parse_query()
            self.depth -= 1
            self.expect_punct(")")
            return q
        return self.parse_value_list()

    def parse_value_list(self) -> tuple[ast.Literal, ...]:
        """Values after an opening parenthesis, up to and including the closing one."""
        values = [self.parse_value()]
        while self.is_punct(","):
            self.advance()
            values.append(self.parse_value())
        self.expect_punct(")")
        return tuple(values)

    def parse_value(self) -> ast.Literal:
        t = self.tok
        handler = VALUE_PARSERS.get(t.kind)
        if handler is None:
            if t.kind == PUNCT and t.text == ":" and self.peek().kind == IDENT:
                raise self.error(t, f"bind variables are not supported: ':{self.peek().text}'; write the value itself")
            raise self.unexpected()
        return getattr(self, handler)(t)

    def value_string(self, t: Token) -> ast.Literal:
        self.advance()
        return ast.Literal(**self.pos(t), kind="string", value=t.text, raw=t.raw)

    def value_number(self, t: Token) -> ast.Literal:
        self.advance()
        text = t.text
        value = float(text) if "." in text or len(text) > 20 else int(text)  # int() refuses 4,300+ digits
        if isinstance(value, int) and abs(value) > 2**63 - 1:
            value = float(value)  # beyond SQLite's integers; compare as a double
        if not math.isfinite(value):
            raise self.error(t, f"number out of range: {text[:20]}… has {len(text)} characters")
        return ast.Literal(**self.pos(t), kind="number", value=value, raw=text)

    def value_date(self, t: Token) -> ast.Literal:
        self.advance()
        return ast.Literal(**self.pos(t), kind="date" if t.kind == DATE else "datetime", value=t.text, raw=t.text)

    def value_ident(self, t: Token) -> ast.Literal:
        word = t.text.upper()
        self.advance()
        if word in KEYWORD_VALUES:
            kind, value = KEYWORD_VALUES[word]
            return ast.Literal(**self.pos(t), kind=kind, value=value, raw=t.text)
        n = None
        if self.is_punct(":"):
            self.advance()
            nt = self.tok
            if nt.kind != NUMBER or not nt.text.lstrip("+-").isdigit():
                raise self.unexpected()
            if len(nt.text) > 12:
                raise self.error(nt, f"{word}:n takes a number of at most 12 digits, not {len(nt.text)}")
            self.advance()
            n = int(nt.text)
        return ast.Literal(**self.pos(t), kind="date_literal", value=word, raw=t.text, n=n)


CLAUSES = (
    ("WHERE", "clause_where"),
    ("WITH", "clause_with"),
    ("GROUP", "clause_group_by"),
    ("HAVING", "clause_having"),
    ("ORDER", "clause_order_by"),
    ("LIMIT", "clause_limit"),
    ("OFFSET", "clause_offset"),
    ("FOR", "clause_for"),
)
VALUE_PARSERS = {STRING: "value_string", NUMBER: "value_number", DATE: "value_date", DATETIME: "value_date", IDENT: "value_ident"}
KEYWORD_VALUES = {"TRUE": ("boolean", True), "FALSE": ("boolean", False), "NULL": ("null", None)}


def parse(text: str) -> ast.Query:
    """Parse one SOQL statement; anything but a single SELECT raises SoqlError."""
    if not text or not text.strip():
        raise SoqlError("MALFORMED_QUERY", "empty query: write a SOQL SELECT statement")
    return Parser(text).parse_statement()


__all__ = ["parse", "Parser"]
