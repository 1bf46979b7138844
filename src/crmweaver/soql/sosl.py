"""SOSL: `FIND {term} [IN … FIELDS] [RETURNING Obj(fields WHERE … ORDER BY … LIMIT n), …] [LIMIT n]`.

The search term (AND, OR, AND NOT, parentheses, "phrases", `*` and `?` wildcards) is parsed
here and compiled to an FTS5 query over each object's `<Object>__fts` table, ranked by bm25.
Wildcards other than a trailing `*` are expanded against the table's own vocabulary, so the
FTS5 query stays exact; phone searches compare digits only (FTS5 narrows the candidates, a
digit check decides). Field lists, WHERE, ORDER BY, LIMIT and OFFSET of a RETURNING object are
handed to the SOQL engine as `… WHERE Id IN (<matched ids>) AND (<where>)`, so they are
validated exactly like any SOQL query. User text never reaches SQL: FTS5 queries are built
from word characters only, and passed as parameters.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

from crmweaver.org.schema import FieldType, SObject
from crmweaver.org.store import FTS_SUFFIX, searchable_fields
from crmweaver.soql.engine import CACHED_QUERY_CHARS, DEFAULT_TIMEOUT_S, MAX_QUERY_CHARS, PROGRESS_STEPS, execute, record_url
from crmweaver.soql.errors import SoqlError, invalid_type, malformed

MAX_ROWS = 2000  # Salesforce returns at most 2,000 SOSL records
MAX_TERM_DEPTH = 40
MAX_EXPANSION = 1000  # vocabulary terms one wildcard may expand to
NAME_WEIGHT = 2.0  # bm25 weight of name fields against other text fields


def search_error(message: str) -> SoqlError:
    return SoqlError("MALFORMED_SEARCH", message)


# ---------------------------------------------------------------------------------------------
# Search term: syntax tree and parser
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word or "phrase"; `text` keeps unescaped `*`/`?` as wildcards (escaped ones became spaces)."""

    text: str
    phrase: bool = False


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


_TOKEN_CHARS = re.compile(r"[^\W_]+")  # unicode61's token characters: letters and digits
_WORD_PARTS = re.compile(r"(?:[^\W_]|[*?])+")


def _term_tokens(text: str) -> list[tuple[str, str]]:
    """Lex a search term into (kind, text): WORD, PHRASE, AND, OR, NOT, (, )."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    buf: list[str] = []
    escaped = False  # an escaped word is never an operator (`\AND` searches for "and")

    def flush() -> None:
        nonlocal escaped
        if buf:
            word = "".join(buf)
            op = word.upper()
            out.append((op, word) if op in ("AND", "OR", "NOT") and not escaped else ("WORD", word))
            buf.clear()
        escaped = False

    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 == n:
                raise search_error("Invalid escape at the end of the search term; escape a backslash as \\\\")
            nxt = text[i + 1]
            # An escaped letter or digit is itself; an escaped special character is literal text,
            # which FTS5 treats as a separator (so `\*` is never a wildcard).
            buf.append(nxt if _TOKEN_CHARS.fullmatch(nxt) else " ")
            escaped = True
            i += 2
            continue
        if ch.isspace() or ch in '()"':
            flush()
            if ch == '"':
                end = i + 1
                chars = []
                while end < n and text[end] != '"':
                    if text[end] == "\\" and end + 1 < n:
                        nxt = text[end + 1]
                        chars.append(nxt if _TOKEN_CHARS.fullmatch(nxt) else " ")
                        end += 2
                        continue
                    chars.append(text[end])
                    end += 1
                if end >= n:
                    raise search_error(f"Unmatched quote in search term: {text}")
                phrase = "".join(chars).replace("*", " ").replace("?", " ")
                out.append(("PHRASE", phrase))
                i = end + 1
                continue
            if ch in "()":
                out.append((ch, ch))
            i += 1
            continue
        buf.append(ch)
        i += 1
    flush()
    return out


class _TermParser:
    """or := and (OR and)* ; and := unary ([AND] unary)* ; unary := NOT unary | ( or ) | WORD."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _term_tokens(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self):
        if not self.tokens:
            return None
        node = self.or_()
        if self.pos < len(self.tokens):
            raise search_error(f"Unexpected '{self.tokens[self.pos][1]}' in search term: {self.text}")
        return node

    def or_(self):
        items = [self.and_()]
        while self.peek() == "OR":
            self.take()
            items.append(self.and_())
        items = [x for x in items if x is not None]
        return None if not items else items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self):
        items = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            items.append(self.unary())
        items = [x for x in items if x is not None]
        return None if not items else items[0] if len(items) == 1 else And(tuple(items))

    def unary(self):
        kind = self.peek()
        if kind is None or kind in ("OR", "AND", ")"):
            what = "the end of the term" if kind is None else f"'{self.tokens[self.pos][1]}'"
            raise search_error(f"Missing search word before {what} in search term: {self.text}")
        if kind in ("NOT", "("):
            self.depth += 1
            if self.depth > MAX_TERM_DEPTH:
                raise search_error("Search term nests NOT or parentheses too deeply")
        if kind == "NOT":
            self.take()
            inner = self.unary()
            self.depth -= 1
            if isinstance(inner, Not):  # NOT NOT x is x
                return inner.item
            return None if inner is None else Not(inner)
        if kind == "(":
            self.take()
            if self.peek() == ")":
                raise search_error(f"Empty parentheses in search term: {self.text}")
            node = self.or_()
            if self.peek() != ")":
                raise search_error(f"Unmatched '(' in search term: {self.text}")
            self.take()
            self.depth -= 1
            return node
        _, text = self.take()
        has_token = bool(_TOKEN_CHARS.search(text))
        if not has_token and not (kind == "WORD" and ("*" in text or "?" in text)):
            return None  # punctuation only: FTS5 would ignore it too
        return Word(text, phrase=(kind == "PHRASE"))


def _positive(node) -> bool:
    """Whether `node` can match on its own (FTS5 has no unary NOT)."""
    if isinstance(node, Word):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, Or):
        return all(_positive(x) for x in node.items)
    return any(_positive(x) for x in node.items)


def _check(node, text: str) -> None:
    stack = [node]
    literal = 0
    while stack:
        n = stack.pop()
        if isinstance(n, Word):
            chars = sum(len(t) for t in _TOKEN_CHARS.findall(n.text))
            literal += chars
            if not n.phrase and ("*" in n.text or "?" in n.text) and chars < 2:
                raise search_error(f"search term must be longer than one character: {text}")
        elif isinstance(n, Not):
            stack.append(n.item)
        else:
            if isinstance(n, Or) and not all(_positive(x) for x in n.items):
                raise search_error(f"Use AND NOT, not OR NOT, to exclude a word: {text}")
            stack.extend(n.items)
    if not _positive(node):
        raise search_error(f"The search term needs a word to find, not only words to exclude: {text}")
    if literal < 2:
        raise search_error(f"search term must be longer than one character: {text}")


def parse_term(text: str):
    """The search term's syntax tree; raises MALFORMED_SEARCH for an empty or malformed term."""
    node = _TermParser(text).parse()
    if node is None:
        raise search_error("No search term found. The search term must be enclosed in braces.")
    _check(node, text)
    return node


# ---------------------------------------------------------------------------------------------
# The statement: FIND, IN, RETURNING, LIMIT
# ---------------------------------------------------------------------------------------------

SCOPES = ("ALL", "NAME", "EMAIL", "PHONE")


@dataclass
class Returning:
    obj: SObject
    fields: list[str] = field(default_factory=list)  # as written; empty = Id only
    where: str | None = None
    order_by: str | None = None
    limit: int | None = None
    offset: int | None = None

    @property
    def needs_soql(self) -> bool:
        return bool(self.where or self.order_by or any(f.lower() != "id" for f in self.fields))


@dataclass
class SoslQuery:
    term: object
    term_text: str
    scope: str = "ALL"
    returning: list[Returning] = field(default_factory=list)  # empty = every searchable object
    limit: int | None = None


_LEX = re.compile(
    r"(?P<ws>\s+)|(?P<str>'(?:[^'\\]|\\.)*')|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<num>\d[\w.:+-]*)|(?P<punct>.)",
    re.DOTALL,
)
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class _Tok:
    kind: str  # ident | str | num | punct
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "ident" else ""


def _lex(text: str, offset: int) -> list[_Tok]:
    out = []
    pos = offset
    while pos < len(text):
        m = _LEX.match(text, pos)
        kind = m.lastgroup
        if kind == "punct" and m.group() == "'":
            raise search_error(f"Unterminated string starting at position {pos + 1}")
        if kind != "ws":
            out.append(_Tok(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return out


def _split_find(text: str) -> tuple[str, int]:
    """The raw search term after FIND and the offset where the rest of the statement starts."""
    m = re.match(r"\s*([A-Za-z_]+)", text)
    if not m or m.group(1).upper() != "FIND":
        first = m.group(1) if m else text.strip()[:20]
        raise malformed(f"unexpected token: '{first}'; a search starts with FIND {{term}} (the org is read-only)")
    i = m.end()
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text) or text[i] not in "{'":
        raise search_error("No search term found. The search term must be enclosed in braces.")
    close = "}" if text[i] == "{" else "'"
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == close:
            return text[i + 1 : j], j + 1
        if close == "}" and ch == "{":
            raise search_error("Unbalanced braces in search term; escape a literal brace as \\{")
        j += 1
    what = "closing brace '}'" if close == "}" else "closing quote"
    raise search_error(f"No {what} for the search term")


class _StatementParser:
    def __init__(self, org, text: str):
        self.org = org
        self.text = text
        term_text, rest = _split_find(text)
        self.query = SoslQuery(parse_term(term_text), term_text)
        self.toks = _lex(text, rest)
        self.pos = 0

    def peek(self, k: int = 0) -> _Tok | None:
        return self.toks[self.pos + k] if self.pos + k < len(self.toks) else None

    def expect_word(self, *words: str) -> _Tok:
        tok = self.peek()
        if tok is None or tok.upper not in words:
            got = "end of search" if tok is None else f"'{tok.text}'"
            raise search_error(f"unexpected token: {got}; expected {' or '.join(words)}")
        self.pos += 1
        return tok

    def int_value(self, clause: str) -> int:
        tok = self.peek()
        if tok is None or tok.kind != "num" or not tok.text.isascii() or not tok.text.isdigit():
            got = "end of search" if tok is None else f"'{tok.text}'"
            raise search_error(f"{clause} needs a non-negative whole number, got {got}")
        self.pos += 1
        return int(tok.text) if len(tok.text) <= 12 else 2**31  # int() refuses 4,300+ digits

    def parse(self) -> SoslQuery:
        q = self.query
        if self.peek() and self.peek().upper == "IN":
            self.pos += 1
            q.scope = self.expect_word(*SCOPES).upper
            self.expect_word("FIELDS")
        if self.peek() and self.peek().upper == "RETURNING":
            self.pos += 1
            q.returning.append(self.returning())
            while self.peek() and self.peek().text == ",":
                self.pos += 1
                q.returning.append(self.returning())
        if self.peek() and self.peek().upper == "LIMIT":
            self.pos += 1
            q.limit = self.int_value("LIMIT")
        tok = self.peek()
        if tok is not None:
            hint = " (WITH and UPDATE clauses are not supported)" if tok.upper in ("WITH", "UPDATE") else ""
            raise search_error(f"unexpected token: '{tok.text}' at position {tok.start + 1}{hint}")
        return q

    def returning(self) -> Returning:
        tok = self.peek()
        if tok is None or tok.kind != "ident" or "." in tok.text:
            got = "end of search" if tok is None else f"'{tok.text}'"
            raise search_error(f"unexpected token: {got}; RETURNING needs an object name")
        self.pos += 1
        obj = self.org.schema.object(tok.text)
        if obj is None:
            raise invalid_type(f"sObject type '{tok.text}' is not supported.")
        if not searchable_fields(obj):
            raise invalid_type(f"entity type {obj.name} does not support search")
        if any(r.obj is obj for r in self.query.returning):
            raise search_error(f"duplicate entity {obj.name} in RETURNING")
        spec = Returning(obj)
        if self.peek() and self.peek().text == "(":
            self.pos += 1
            self.returning_body(spec)
        return spec

    def _slice(self, stops: tuple[str, ...]) -> str:
        """Raw text up to a top-level stop keyword or the closing parenthesis."""
        depth, first = 0, self.pos
        while True:
            tok = self.peek()
            if tok is None:
                raise search_error("Unmatched '(' in RETURNING clause")
            if depth == 0 and (tok.text == ")" or tok.upper in stops):
                break
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            self.pos += 1
        if self.pos == first:
            return ""
        return self.text[self.toks[first].start : self.toks[self.pos - 1].end].strip()

    def returning_body(self, spec: Returning) -> None:
        fields = self._slice(("WHERE", "ORDER", "LIMIT", "OFFSET"))
        items = [f.strip() for f in fields.split(",")]
        if not fields or not all(_FIELD.fullmatch(f) for f in items):
            raise search_error(f"RETURNING {spec.obj.name}(…) needs a comma-separated field list, got '{fields}'")
        spec.fields = items
        if self.peek().upper == "WHERE":
            self.pos += 1
            spec.where = self._slice(("ORDER", "LIMIT", "OFFSET"))
            if not spec.where:
                raise search_error(f"WHERE in RETURNING {spec.obj.name} needs a condition")
        if self.peek().upper == "ORDER":
            self.pos += 1
            self.expect_word("BY")
            spec.order_by = self._slice(("LIMIT", "OFFSET"))
            if not spec.order_by:
                raise search_error(f"ORDER BY in RETURNING {spec.obj.name} needs a field")
        if self.peek().upper == "LIMIT":
            self.pos += 1
            spec.limit = self.int_value("LIMIT")
        if self.peek() and self.peek().upper == "OFFSET":
            self.pos += 1
            spec.offset = self.int_value("OFFSET")
        tok = self.peek()
        if tok is None or tok.text != ")":
            got = "end of search" if tok is None else f"'{tok.text}'"
            raise search_error(f"unexpected token: {got} in RETURNING {spec.obj.name}(…); expected ')'")
        self.pos += 1


def parse(org, text: str) -> SoslQuery:
    """Parse a SOSL statement against the org's schema."""
    if not isinstance(text, str):
        raise search_error("A search must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise search_error(f"Search is too long: {len(text)} characters, the limit is {MAX_QUERY_CHARS}")
    parsed = _parsed if len(text) <= CACHED_QUERY_CHARS else _parsed.__wrapped__  # the cache would keep long texts
    return parsed(org.schema, text)


@lru_cache(maxsize=1024)
def _parsed(schema, text: str) -> SoslQuery:
    """Parse once per (preset schema, text): a statement depends on nothing else of the org, and
    `run` never changes it. Errors are not cached."""
    return _StatementParser(SimpleNamespace(schema=schema), text).parse()


# ---------------------------------------------------------------------------------------------
# Matching: term -> FTS5 query, per object and scope
# ---------------------------------------------------------------------------------------------


def scope_fields(obj: SObject, scope: str) -> list[str]:
    """The object's text fields a scope searches (empty: the object cannot match)."""
    text = searchable_fields(obj)
    if scope == "ALL":
        return text
    if scope == "NAME":
        return [f for f in obj.name_fields if f in text]
    kind = FieldType.EMAIL if scope == "EMAIL" else FieldType.PHONE
    return [f.name for f in obj.fields if f.type is kind and f.name in text]


def _fold(text: str) -> str:
    """Lower-case and strip diacritics, as FTS5's `unicode61 remove_diacritics 2` does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _digits(value) -> str:
    return "".join(c for c in str(value) if c.isdigit()) if value is not None else ""


class _Matcher:
    """Compiles a term for one object and scope; wildcards expand against the FTS vocabulary."""

    def __init__(self, conn: sqlite3.Connection, obj: SObject, columns: list[str], phone: bool):
        self.conn = conn
        self.obj = obj
        self.columns = columns
        self.phone = phone
        self._vocab_ready = False
        self._expanded: dict[str, list[str]] = {}  # a term may repeat a wildcard word
        self._digit_tokens: list[str] | None = None  # phone scope: read once per search, not once per word

    def _vocab(self, where: str, params: list, limit: int = -1) -> list[str]:
        vocab = f"{self.obj.name}{FTS_SUFFIX}_vocab"
        if not self._vocab_ready:
            self.conn.execute(
                f'CREATE VIRTUAL TABLE IF NOT EXISTS temp."{vocab}" '
                f"USING fts5vocab(main, '{self.obj.name}{FTS_SUFFIX}', 'col')"
            )
            self._vocab_ready = True
        marks = ", ".join("?" for _ in self.columns)
        sql = (
            f'SELECT term, SUM(doc) FROM temp."{vocab}" WHERE col IN ({marks}) AND {where} '
            "GROUP BY term ORDER BY SUM(doc) DESC, term LIMIT ?"
        )
        return [t for t, _ in self.conn.execute(sql, [*self.columns, *params, limit])]

    def _expand(self, pattern: str) -> list[str]:
        """Vocabulary terms a wildcard word matches. SQLite's GLOB does the matching, so it runs
        under the search's deadline and without a backtracking regex (`*?*?…` took minutes)."""
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
        where, params = "term GLOB ?", [pattern]  # the pattern holds word characters, * and ? only
        if literal:
            where, params = where + " AND term >= ? AND term < ?", [pattern, literal, literal + "\U0010ffff"]
        return self._vocab(where, params, limit=MAX_EXPANSION)

    def word(self, w: Word) -> str | None:
        """FTS5 text for one word or phrase; None when nothing can match."""
        if self.phone:
            return self._phone_word(w)
        if w.phrase or ("*" not in w.text and "?" not in w.text):
            return _quote(" ".join(_TOKEN_CHARS.findall(w.text)))
        parts = [_fold(p) for p in _WORD_PARTS.findall(w.text)]
        parts = [p for p in parts if _TOKEN_CHARS.search(p)]
        if all(re.fullmatch(r"[^*?]+", p) for p in parts[:-1]) and re.fullmatch(r"[^*?]+\*+", parts[-1]):
            return _quote(" ".join(parts[:-1] + [parts[-1].rstrip("*")])) + " *"  # FTS5 prefix query
        compiled = []
        for p in parts:
            if "*" not in p and "?" not in p:
                compiled.append(_quote(p))
                continue
            if p not in self._expanded:
                self._expanded[p] = self._expand(p)
            terms = self._expanded[p]
            if not terms:
                return None
            compiled.append("(" + " OR ".join(_quote(t) for t in terms) + ")")
        return compiled[0] if len(compiled) == 1 else "(" + " AND ".join(compiled) + ")"

    def _phone_word(self, w: Word) -> str | None:
        """Candidates for a phone number: stored number tokens that could hold part of its digits."""
        d = _digits(w.text)
        if not d:
            return None
        if self._digit_tokens is None:
            self._digit_tokens = [t for t in self._vocab("term GLOB '[0-9]*'", []) if t.isdigit()]
        hits = [t for t in self._digit_tokens if d in t or any(d.startswith(t[k:]) for k in range(len(t)))]
        return "(" + " OR ".join(_quote(t) for t in hits) + ")" if hits else None

    def compile(self, node) -> str | None:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Or):
            parts = [p for p in (self.compile(x) for x in node.items) if p is not None]
            return "(" + " OR ".join(parts) + ")" if parts else None
        positives = [x for x in node.items if not isinstance(x, Not)]
        pos = [self.compile(x) for x in positives]
        if any(p is None for p in pos):
            return None
        expr = "(" + " AND ".join(pos) + ")"
        if not self.phone:  # phone candidates are supersets: exclusions are decided per row
            neg = [p for p in (self.compile(x.item) for x in node.items if isinstance(x, Not)) if p is not None]
            if neg:
                expr += " NOT (" + " OR ".join(neg) + ")"
        return expr

    def query(self, node) -> str | None:
        body = self.compile(node)
        if body is None:
            return None
        if self.columns == searchable_fields(self.obj):
            return body
        return "{" + " ".join(self.columns) + "} : (" + body + ")"


def _phone_matches(node, numbers: list[str]) -> bool:
    """Exact digit-containment evaluation of a term over one record's phone numbers."""
    if isinstance(node, Word):
        d = _digits(node.text)
        return bool(d) and any(d in n for n in numbers)
    if isinstance(node, Not):
        return not _phone_matches(node.item, numbers)
    if isinstance(node, Or):
        return any(_phone_matches(x, numbers) for x in node.items)
    return all(_phone_matches(x, numbers) for x in node.items)


def _timeout(timeout_s: float) -> SoqlError:
    return SoqlError(
        "QUERY_TIMEOUT",
        f"Your search request was running for too long (limit {timeout_s:g} s). Use a more specific term.",
    )


def match_ids(org, obj: SObject, term, scope: str, limit: int, timeout_s: float = DEFAULT_TIMEOUT_S,
              deadline: float | None = None) -> list[str]:
    """Ids of the object's records matching the term in the scope, best first (bm25, then rowid).

    Wildcard expansion and the match both run before `deadline` (default: `timeout_s` from now)."""
    columns = scope_fields(obj, scope)
    if not columns or limit <= 0:
        return []
    phone = scope == "PHONE"
    deadline = time.monotonic() + timeout_s if deadline is None else deadline
    org.conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        fts_query = _Matcher(org.conn, obj, columns, phone).query(term)
        if fts_query is None:
            return []
        fts = obj.name + FTS_SUFFIX
        weights = ", ".join(str(NAME_WEIGHT if f in obj.name_fields else 1.0) for f in searchable_fields(obj))
        cols = "".join(f', t."{c}"' for c in columns) if phone else ""
        sql = (
            f'SELECT t."Id"{cols} FROM "{fts}" JOIN "{obj.name}" t ON t.rowid = "{fts}".rowid '
            f'WHERE "{fts}" MATCH ? ORDER BY bm25("{fts}", {weights}), t.rowid'
        )
        if not phone:
            sql += f" LIMIT {int(limit)}"
        rows = org.conn.execute(sql, (fts_query,)).fetchall()
    except sqlite3.OperationalError as e:
        if "interrupt" in str(e):
            raise _timeout(timeout_s) from None
        raise search_error(f"Search term could not be run: {e}") from e  # defensive: queries are built well-formed
    except sqlite3.DatabaseError as e:  # a damaged org file
        raise SoqlError("UNKNOWN_EXCEPTION", f"the org could not run this search: {e}") from None
    finally:
        org.conn.set_progress_handler(None, 0)
    if phone:
        rows = [r for r in rows if _phone_matches(term, [_digits(v) for v in r[1:]])][:limit]
    return [r[0] for r in rows]


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def _attributes(obj: str, record_id: str) -> dict:
    return {"type": obj, "url": record_url(obj, record_id)}


def _soql(spec: Returning, ids: list[str]) -> str:
    fields = ["Id"] + [f for f in spec.fields if f.lower() != "id"]
    id_list = ", ".join(f"'{i}'" for i in ids)
    soql = f"SELECT {', '.join(fields)} FROM {spec.obj.name} WHERE Id IN ({id_list})"
    if spec.where:
        soql += f" AND ({spec.where})"
    if spec.order_by:
        soql += f" ORDER BY {spec.order_by}"
        if spec.limit is not None:
            soql += f" LIMIT {spec.limit}"
        if spec.offset:
            soql += f" OFFSET {spec.offset}"
    return soql


def _records_via_soql(org, spec: Returning, ids: list[str], timeout_s: float) -> list[dict]:
    if not ids:
        return []
    if not all(re.fullmatch(r"[0-9A-Za-z]{15,18}", i) for i in ids):  # ids come from the org itself
        raise search_error("The org holds malformed record ids; rebuild it with `crmweaver org build`")
    result = execute(org, _soql(spec, ids), timeout_s=timeout_s)
    records = result.get("records", [])
    if not spec.order_by:  # keep relevance order; LIMIT/OFFSET apply after it
        rank = {i: k for k, i in enumerate(ids)}
        records.sort(key=lambda r: rank.get(r.get("Id"), len(rank)))
        start = spec.offset or 0
        records = records[start : None if spec.limit is None else start + spec.limit]
    out = []
    for r in records:
        rec = {"attributes": _attributes(spec.obj.name, r["Id"]), "Id": r["Id"]}
        rec.update((k, v) for k, v in r.items() if k not in ("attributes", "Id"))
        out.append(rec)
    return out


def run(org, query: SoslQuery, *, limit_rows: int = MAX_ROWS, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict:
    """Run a parsed search; records grouped by object in RETURNING order, best match first."""
    cap = max(0, min(limit_rows, MAX_ROWS))
    total = cap if query.limit is None else min(query.limit, cap)
    specs = query.returning or [Returning(o) for o in org.schema if searchable_fields(o)]
    deadline = time.monotonic() + timeout_s  # one limit for the whole search, not per object
    out: list[dict] = []
    for spec in specs:
        remaining = total - len(out)
        if remaining <= 0:
            break
        if spec.where:  # the filter runs after the search: look at every match up to the cap
            want = cap
        else:
            want = min(remaining, (spec.offset or 0) + (cap if spec.limit is None else spec.limit))
        ids = match_ids(org, spec.obj, query.term, query.scope, want, timeout_s, deadline)
        if spec.needs_soql:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _timeout(timeout_s)
            records = _records_via_soql(org, spec, ids, left)
        else:
            start = spec.offset or 0
            ids = ids[start : None if spec.limit is None else start + spec.limit]
            records = [{"attributes": _attributes(spec.obj.name, i), "Id": i} for i in ids]
        out.extend(records[:remaining])
    return {"searchRecords": out}


def search(
    org,
    text: str,
    *,
    limit_rows: int = MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_rows: int | None = None,
) -> dict:
    """Run a SOSL statement: `{"searchRecords": [...]}`, or SoqlError with a Salesforce-style code.

    `limit_rows` caps the records returned (Salesforce: 2,000); `max_rows` is the SOQL engine's
    row cap, accepted so one set of limits serves both languages; `timeout_s` bounds the whole search.
    """
    if max_rows is not None:
        limit_rows = min(limit_rows, max_rows)
    return run(org, parse(org, text), limit_rows=limit_rows, timeout_s=timeout_s)
