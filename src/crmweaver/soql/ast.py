"""SOQL syntax trees as frozen dataclasses: plain data the validator and translator walk.

Nodes keep the line/column of their first token (excluded from equality) so later stages can
report errors where the user wrote the text, and so equal expressions compare equal
(`GROUP BY CALENDAR_YEAR(CreatedDate)` matches the same call in `SELECT`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Pos:
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Path(Pos):
    """A field or a dotted parent-relationship path as written: ('Owner', 'FirstName')."""

    parts: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Call(Pos):
    """A function call: aggregates, date functions, FIELDS(...)."""

    name: str = ""  # upper-cased
    args: tuple["Expr", ...] = ()


@dataclass(frozen=True)
class Literal(Pos):
    """kind: string | number | boolean | null | date | datetime | date_literal."""

    kind: str = ""
    value: object = None
    raw: str = ""  # strings: escapes untouched, for LIKE patterns
    n: int | None = None  # LAST_N_DAYS:n and friends


Expr = Union[Path, Call]


@dataclass(frozen=True)
class SelectItem(Pos):
    expr: Expr | None = None
    alias: str | None = None


@dataclass(frozen=True)
class SubquerySelect(Pos):
    query: "Query | None" = None


@dataclass(frozen=True)
class Comparison(Pos):
    """`left op right`; op is one of = != < <= > >= LIKE IN NOT_IN INCLUDES EXCLUDES."""

    left: Expr | None = None
    op: str = ""
    right: object = None  # Literal | tuple[Literal, ...] | Query


@dataclass(frozen=True)
class And(Pos):
    items: tuple["Condition", ...] = ()


@dataclass(frozen=True)
class Or(Pos):
    items: tuple["Condition", ...] = ()


@dataclass(frozen=True)
class Not(Pos):
    item: "Condition | None" = None


Condition = Union[Comparison, And, Or, Not]


@dataclass(frozen=True)
class OrderItem(Pos):
    expr: Expr | None = None
    descending: bool = False
    nulls_first: bool | None = None  # None: Salesforce default (first for ASC, last for DESC)


@dataclass(frozen=True)
class Query(Pos):
    select: tuple[SelectItem | SubquerySelect, ...] = ()
    from_name: str = ""
    from_pos: Pos = Pos()
    alias: str | None = None
    where: Condition | None = None
    group_by: tuple[Expr, ...] = ()
    having: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
