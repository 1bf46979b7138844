"""Lexer and parser units: tokens with positions, escapes, the AST of each clause."""

from __future__ import annotations

import pytest

from crmweaver.soql import ast
from crmweaver.soql.errors import SoqlError
from crmweaver.soql.lexer import DATE, DATETIME, IDENT, NUMBER, OP, STRING, like_pattern, tokenize
from crmweaver.soql.parser import parse


def kinds(text):
    return [(t.kind, t.text) for t in tokenize(text)[:-1]]


def test_tokens_and_positions():
    toks = tokenize("SELECT Id\n  FROM Case WHERE Amount >= -1.5")
    assert [(t.kind, t.text, t.line, t.column) for t in toks[:4]] == [
        (IDENT, "SELECT", 1, 1), (IDENT, "Id", 1, 8), (IDENT, "FROM", 2, 3), (IDENT, "Case", 2, 8),
    ]
    assert kinds("a >= -1.5 <> != 2")[1:] == [(OP, ">="), (NUMBER, "-1.5"), (OP, "<>"), (OP, "!="), (NUMBER, "2")]


def test_date_and_datetime_tokens():
    assert kinds("2024-01-31 2024-01-31T10:00:00Z 2024-01-31T10:00:00.000+0530 2024-01-31T10:00:00-08:00") == [
        (DATE, "2024-01-31"), (DATETIME, "2024-01-31T10:00:00Z"),
        (DATETIME, "2024-01-31T10:00:00.000+0530"), (DATETIME, "2024-01-31T10:00:00-08:00"),
    ]


@pytest.mark.parametrize(
    "src, value",
    [(r"'a\'b'", "a'b"), (r"'a\"b'", 'a"b'), (r"'a\\b'", "a\\b"), (r"'a\nb'", "a\nb"), (r"'a\tb'", "a\tb"),
     (r"'50\%'", "50%"), (r"'a\_b'", "a_b"), ("''", "")],
)
def test_string_escapes(src, value):
    (tok,) = tokenize(src)[:-1]
    assert tok.kind == STRING and tok.text == value


def test_like_pattern_keeps_escaped_wildcards_literal():
    assert like_pattern(r"50\% off\_x%") == r"50\% off\_x%"
    assert like_pattern(r"a\\b_") == r"a\\b_"
    assert like_pattern(r"it\'s%") == "it's%"


def test_parse_full_query():
    q = parse(
        "SELECT Name, Owner.FirstName, (SELECT LastName FROM Contacts) FROM Account a "
        "WHERE (Industry = 'Energy' OR NOT Name LIKE 'A%') AND Id IN (SELECT AccountId FROM Case) "
        "ORDER BY Name DESC NULLS LAST, Id LIMIT 10 OFFSET 5"
    )
    assert q.from_name == "Account" and q.alias == "a"
    assert q.select[0] == ast.SelectItem(expr=ast.Path(parts=("Name",)))
    assert q.select[1].expr.parts == ("Owner", "FirstName")
    assert isinstance(q.select[2], ast.SubquerySelect) and q.select[2].query.from_name == "Contacts"
    assert isinstance(q.where, ast.And)
    left, right = q.where.items
    assert isinstance(left, ast.Or) and isinstance(left.items[1], ast.Not)
    assert right.op == "IN" and isinstance(right.right, ast.Query)
    assert q.order_by[0] == ast.OrderItem(expr=ast.Path(parts=("Name",)), descending=True, nulls_first=False)
    assert (q.limit, q.offset) == (10, 5)


def test_parse_aggregates_and_literals():
    q = parse(
        "SELECT CALENDAR_YEAR(CreatedDate) y, COUNT(Id) FROM Case WHERE CreatedDate = LAST_N_DAYS:30 "
        "AND IsClosed = TRUE AND Amount IN (1, 2.5) AND x = null GROUP BY CALENDAR_YEAR(CreatedDate) HAVING COUNT(Id) > 1"
    )
    assert q.select[0].alias == "y" and q.select[0].expr == ast.Call(name="CALENDAR_YEAR", args=(ast.Path(parts=("CreatedDate",)),))
    assert q.group_by[0] == q.select[0].expr  # positions do not take part in equality
    lit = q.where.items[0].right
    assert (lit.kind, lit.value, lit.n) == ("date_literal", "LAST_N_DAYS", 30)
    assert q.where.items[1].right.value is True
    assert [v.value for v in q.where.items[2].right] == [1, 2.5]
    assert q.where.items[3].right.kind == "null"
    assert isinstance(q.having, ast.Comparison) and q.having.left.name == "COUNT"


def test_keywords_are_case_insensitive_and_contextual():
    q = parse("select Status from Case where Status = 'New' order by Status asc limit 1")
    assert q.select[0].expr.parts == ("Status",) and q.limit == 1


def test_not_like_and_with_for_view():
    q = parse("SELECT Id FROM Case WHERE Subject NOT LIKE 'a%' WITH SECURITY_ENFORCED FOR VIEW")
    assert isinstance(q.where, ast.Not) and q.where.item.op == "LIKE"


@pytest.mark.parametrize(
    "text",
    ["SELECT", "SELECT Id", "SELECT Id FROM", "SELECT Id, FROM Case", "SELECT Id FROM Case WHERE (Name = 'x'",
     "SELECT Id FROM Case LIMIT x", "SELECT Id FROM Case LIMIT 1.5", "SELECT Id FROM Case ORDER BY",
     "SELECT Id FROM Case WHERE Name IN ()", "SELECT Id FROM Case WHERE Name", "SELECT Id FROM Case Case Case",
     "SELECT Id FROM Case WHERE Name == 'x'", "SELECT Owner. FROM Case", "(SELECT Id FROM Case)"],
)
def test_malformed(text):
    with pytest.raises(SoqlError) as info:
        parse(text)
    assert info.value.error_code == "MALFORMED_QUERY"
    assert "unexpected token" in info.value.message


def test_deep_nesting_is_refused_not_a_crash():
    text = "SELECT Id FROM Case WHERE " + "(" * 500 + "Name = 'x'" + ")" * 500
    with pytest.raises(SoqlError):
        parse(text)
    text = "SELECT Id FROM Case WHERE " + "NOT " * 500 + "Name = 'x'"
    with pytest.raises(SoqlError):
        parse(text)
