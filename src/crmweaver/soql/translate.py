"""Translate a parsed SOQL query into one SQLite statement plus a plan for shaping its rows.

Identifiers in the SQL are only ever canonical schema names (quoted) and generated table
aliases; every value the user wrote travels as a bound parameter. Parent paths become LEFT
JOINs (one per distinct path), semi-joins become `IN (SELECT …)`, child subqueries become one
extra statement over the parent ids (`IN (SELECT value FROM json_each(?))`), run by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crmweaver.org.schema import FieldType, Schema, SObject
from crmweaver.soql import ast, dates
from crmweaver.soql.errors import SoqlError, positioned
from crmweaver.soql.lexer import like_pattern
from crmweaver.soql.validate import ACCEPTS, NOT_SORTABLE, TYPE_NAMES, FieldRef, Hop, Resolver, id18, is_id

T = FieldType
TEXT_TYPES = frozenset({T.STRING, T.TEXTAREA, T.EMAIL, T.PHONE, T.PICKLIST, T.MULTIPICKLIST})
ID_TYPES = frozenset({T.ID, T.REFERENCE})
MAX_OFFSET = 2000
FIELDS_LIMIT = 200
AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
PASSTHROUGH = frozenset({"CONVERTTIMEZONE", "TOLABEL", "FORMAT", "CONVERTCURRENCY"})
NOT_GROUPABLE = frozenset({T.TEXTAREA, T.MULTIPICKLIST})


# -- plans -----------------------------------------------------------------------------------
@dataclass
class Shape:
    """How one record (or nested parent record) is built from a result row."""

    type: str | None  # object name; None after a polymorphic hop (found from the id's prefix)
    id_index: int
    items: list = field(default_factory=list)  # ("f", key, index, convert) | ("p", key, Shape) | ("c", key, n)


@dataclass
class ChildPlan:
    key: str  # the child relationship name, as the output key
    plan: "Plan"
    limit: int | None
    offset: int


@dataclass
class Plan:
    kind: str  # "records" | "aggregate" | "count"
    sql: str
    params: tuple
    shape: Shape | None = None
    agg_items: tuple = ()  # aggregate: (key, index, convert)
    children: tuple[ChildPlan, ...] = ()


@dataclass(frozen=True)
class Bound:
    """A bound expression: its SQL, result type, default output key and whether it aggregates."""

    sql: str
    type: FieldType
    key: str
    aggregate: bool = False
    ref: FieldRef | None = None
    named: bool = True  # False for expressions that get exprN without an alias
    label: str = ""


def _bool(v):
    return None if v is None else bool(v)


def _convert(t: FieldType):
    return _bool if t is T.BOOLEAN else None


def _picklist_rank(column_sql: str, values: tuple[str, ...]) -> str:
    """Salesforce sorts a picklist by its defined value order, not alphabetically; unknown values go last.

    The values come from the schema module, never from query text.
    """
    whens = " ".join(f"WHEN lower({column_sql}) = '{v.lower().replace(chr(39), chr(39) * 2)}' THEN {i}" for i, v in enumerate(values))
    return f"(CASE WHEN {column_sql} IS NULL THEN NULL {whens} ELSE {len(values)} END)"


# -- scopes ----------------------------------------------------------------------------------
class Scope:
    """One SELECT over one object: its table alias and the LEFT JOINs its parent paths need."""

    def __init__(self, tr: "Translator", obj: SObject, alias: str | None):
        self.tr = tr
        self.obj = obj
        self.alias = alias
        self.t = tr.new_alias()
        self.joins: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        self.join_sql: list[str] = []

    def join(self, hops: tuple[Hop, ...]) -> list[tuple[str, str]]:
        """(target object, table alias) pairs for the last hop, adding joins as needed."""
        prev = self.t
        targets: list[tuple[str, str]] = []
        for i, hop in enumerate(hops):
            key = tuple(h.field.name for h in hops[: i + 1])
            if key not in self.joins:
                pairs = []
                for target in hop.targets:
                    a = self.tr.new_alias()
                    self.join_sql.append(f'LEFT JOIN "{target}" {a} ON {a}."Id" = {prev}."{hop.field.name}"')
                    pairs.append((target, a))
                self.joins[key] = pairs
            targets = self.joins[key]
            prev = targets[0][1]
        return targets

    def column(self, ref: FieldRef) -> str:
        if not ref.hops:
            return f'{self.t}."{ref.field.name}"'
        cols = [f'{a}."{ref.field.name}"' for target, a in self.join(ref.hops) if target in ref.owners]
        return cols[0] if len(cols) == 1 else f"COALESCE({', '.join(cols)})"

    def parent_id(self, hops: tuple[Hop, ...]) -> str:
        cols = [f'{a}."Id"' for _, a in self.join(hops)]
        return cols[0] if len(cols) == 1 else f"COALESCE({', '.join(cols)})"

    def from_sql(self) -> str:
        return " ".join([f'FROM "{self.obj.name}" {self.t}', *self.join_sql])


# -- the translator --------------------------------------------------------------------------
class Translator:
    def __init__(self, schema: Schema, text: str, today: date):
        self.schema = schema
        self.text = text
        self.today = today
        self.r = Resolver(schema, text)
        self.n_alias = 0

    def new_alias(self) -> str:
        a = f"t{self.n_alias}"
        self.n_alias += 1
        return a

    def err(self, code: str, node: ast.Pos | None, message: str) -> SoqlError:
        return self.r.error(code, node, message)

    def malformed(self, node: ast.Pos | None, message: str) -> SoqlError:
        return self.err("MALFORMED_QUERY", node, message)

    def reposition(self, e: SoqlError, node: ast.Pos) -> SoqlError:
        """A positionless error from dates.py, pinned to where the user wrote the value."""
        if e.line:
            return e
        return positioned(e.error_code, self.text, node.line, node.column, e.message)

    # -- top level -------------------------------------------------------------------------
    def translate(self, q: ast.Query) -> Plan:
        obj = self.r.object(q.from_name, q.from_pos)
        return self.query(q, obj, allow_children=True)

    def query(self, q: ast.Query, obj: SObject, *, allow_children: bool, link: str | None = None) -> Plan:
        scope = Scope(self, obj, q.alias)
        self.check_paging(q)
        calls = [i for i in q.select if isinstance(i, ast.SelectItem) and isinstance(i.expr, ast.Call)]
        if any(c.expr.name == "COUNT" and not c.expr.args for c in calls):
            return self.count_query(q, scope)
        is_agg = bool(q.group_by) or any(c.expr.name in AGGREGATES or dates.is_date_function(c.expr.name) for c in calls)
        if is_agg:
            if link is not None:
                raise self.malformed(q, "aggregate functions are not supported in a child relationship subquery")
            return self.aggregate_query(q, scope)
        return self.records_query(q, scope, allow_children=allow_children, link=link)

    def check_paging(self, q: ast.Query) -> None:
        if q.offset is not None and q.offset > MAX_OFFSET:
            raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")

    def tail(self, q: ast.Query, scope: Scope, group: dict | None, *, paging: bool = True) -> tuple[str, list]:
        """ORDER BY / LIMIT / OFFSET SQL and parameters."""
        sql, params = "", []
        if q.order_by:
            sql += " ORDER BY " + ", ".join(self.order_item(scope, o, group) for o in q.order_by)
        if paging and (q.limit is not None or q.offset is not None):
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if q.limit is None else q.limit, q.offset or 0]
        return sql, params

    def order_item(self, scope: Scope, o: ast.OrderItem, group: dict | None) -> str:
        b = self.bind(scope, o.expr)
        if group is None and b.aggregate:
            raise self.malformed(o, f"Ordered field must be grouped or aggregated: {b.label}")
        if group is not None and not b.aggregate and b.sql not in group:
            raise self.malformed(o, f"Ordered field must be grouped or aggregated: {b.label}")
        if not b.aggregate and b.type in NOT_SORTABLE:
            raise self.err("INVALID_FIELD", o, f"field '{b.label}' can not be sorted in a query call")
        keys = [b.sql + (" COLLATE NOCASE" if b.type in TEXT_TYPES else "")]
        if not b.aggregate and b.ref is not None and b.ref.field.picklist:
            keys.insert(0, _picklist_rank(b.sql, b.ref.field.picklist))
        suffix = " DESC" if o.descending else ""
        if o.nulls_first is not None:
            suffix += " NULLS FIRST" if o.nulls_first else " NULLS LAST"
        return ", ".join(k + suffix for k in keys)

    def where(self, q: ast.Query, scope: Scope) -> tuple[str, list]:
        if q.where is None:
            return "", []
        sql, params = self.condition(scope, q.where, None)
        return " WHERE " + sql, params

    # -- SELECT COUNT() --------------------------------------------------------------------
    def count_query(self, q: ast.Query, scope: Scope) -> Plan:
        if len(q.select) != 1:
            raise self.malformed(q.select[0], "COUNT() must be the only element in the SELECT list")
        where_sql, params = self.where(q, scope)
        group = ""
        if q.group_by:
            group = " GROUP BY " + ", ".join(self.group_keys(scope, q.group_by))
        having_sql = ""
        if q.having is not None:
            if not q.group_by:
                raise self.malformed(q.having, "HAVING requires GROUP BY with COUNT()")
            h, hp = self.condition(scope, q.having, self.group_keys(scope, q.group_by))
            having_sql, params = " HAVING " + h, params + hp
        if q.order_by:
            raise self.malformed(q.order_by[0], "ORDER BY is not allowed with COUNT()")
        tail_sql, tail_params = self.tail(q, scope, None)
        inner = f"SELECT 1 {scope.from_sql()}{where_sql}{group}{having_sql}{tail_sql}"
        return Plan("count", f"SELECT COUNT(*) FROM ({inner})", tuple(params + tail_params))

    # -- record queries --------------------------------------------------------------------
    def records_query(self, q: ast.Query, scope: Scope, *, allow_children: bool, link: str | None) -> Plan:
        cols = [f'{scope.t}."Id"']
        if link is not None:
            cols.append(f'{scope.t}."{link}"')
        shape = Shape(scope.obj.name, 0)
        parents: dict[tuple[str, ...], Shape] = {}
        seen: set[str] = set()
        children: list[ChildPlan] = []
        fields_needs_limit = False

        def add(ref: FieldRef, node: ast.Pos) -> None:
            label = ref.label.lower()
            if label in seen:
                raise self.malformed(node, f"duplicate field selected: {ref.label}")
            seen.add(label)
            target = shape
            for i in range(len(ref.hops)):
                key = tuple(h.field.name for h in ref.hops[: i + 1])
                if key not in parents:
                    hop = ref.hops[i]
                    cols.append(scope.parent_id(ref.hops[: i + 1]))
                    sub = Shape(None if hop.polymorphic else hop.targets[0], len(cols) - 1)
                    target.items.append(("p", hop.rel, sub))
                    parents[key] = sub
                target = parents[key]
            cols.append(scope.column(ref))
            target.items.append(("f", ref.field.name, len(cols) - 1, _convert(ref.type)))

        for item in q.select:
            if isinstance(item, ast.SubquerySelect):
                if not allow_children:
                    raise self.malformed(item, "nested subqueries are not supported: a child subquery cannot contain another")
                children.append(self.child_plan(scope.obj, item.query))
                shape.items.append(("c", children[-1].key, len(children) - 1))
                continue
            if item.alias is not None:
                raise self.malformed(item, f"unexpected token: '{item.alias}'. Only aggregate expressions use field aliasing")
            expr = item.expr
            if isinstance(expr, ast.Call):
                if expr.name != "FIELDS":
                    self.bind(scope, expr)  # raises a precise error for unknown functions
                    raise self.malformed(item, f"Field must be grouped or aggregated: {expr.name}")
                kind = self.fields_kind(expr)
                fields_needs_limit |= kind in ("ALL", "CUSTOM")
                for f in scope.obj.fields:
                    custom = f.name.endswith("__c")
                    if kind == "ALL" or (kind == "CUSTOM") == custom:
                        if f.name.lower() not in seen:
                            add(FieldRef((), f, (scope.obj.name,)), item)
                continue
            add(self.r.path(scope.obj, scope.alias, expr), item)

        if fields_needs_limit and (q.limit is None or q.limit > FIELDS_LIMIT):
            raise self.malformed(q, f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}")
        where_sql, params = self.where(q, scope)
        if link is not None:  # a child subquery: restrict to the parent ids, bound as one JSON array
            link_sql = f'{scope.t}."{link}" IN (SELECT value FROM json_each(?))'
            where_sql = f" WHERE {link_sql}" + (f" AND {where_sql[len(' WHERE '):]}" if where_sql else "")
            params = [None, *params]
        if q.having is not None:
            raise self.malformed(q.having, "HAVING requires GROUP BY or an aggregate function")
        tail_sql, tail_params = self.tail(q, scope, None, paging=link is None)
        sql = f"SELECT {', '.join(cols)} {scope.from_sql()}{where_sql}{tail_sql}"
        return Plan("records", sql, tuple(params + tail_params), shape=shape, children=tuple(children))

    def fields_kind(self, expr: ast.Call) -> str:
        arg = expr.args[0] if len(expr.args) == 1 else None
        kind = arg.parts[0].upper() if isinstance(arg, ast.Path) and len(arg.parts) == 1 else ""
        if kind not in ("ALL", "STANDARD", "CUSTOM"):
            raise self.malformed(expr, "FIELDS() takes ALL, STANDARD or CUSTOM")
        return kind

    def child_plan(self, parent: SObject, q: ast.Query) -> ChildPlan:
        rel = self.r.child(parent, q.from_name, q.from_pos)
        child = self.schema.objects[rel.child]
        plan = self.query(q, child, allow_children=False, link=rel.field)
        if plan.kind != "records":
            raise self.malformed(q, "COUNT() is not supported in a child relationship subquery")
        return ChildPlan(rel.name, plan, q.limit, q.offset or 0)

    # -- aggregate queries -----------------------------------------------------------------
    def group_keys(self, scope: Scope, exprs: tuple[ast.Expr, ...]) -> dict[str, Bound]:
        keys: dict[str, Bound] = {}
        for e in exprs:
            b = self.bind(scope, e)
            if b.aggregate:
                raise self.malformed(e, f"Aggregate functions are not allowed in GROUP BY: {b.label}")
            if b.type in NOT_GROUPABLE:
                raise self.err("INVALID_FIELD", e, f"field '{b.label}' can not be grouped in a query call")
            keys[b.sql] = b
        return keys

    def aggregate_query(self, q: ast.Query, scope: Scope) -> Plan:
        group = self.group_keys(scope, q.group_by)
        cols, items, used = [], [], set()
        n_expr = 0
        for item in q.select:
            if isinstance(item, ast.SubquerySelect):
                raise self.malformed(item, "child relationship subqueries are not allowed in aggregate queries")
            if isinstance(item.expr, ast.Call) and item.expr.name == "FIELDS":
                raise self.malformed(item, "FIELDS() is not allowed in aggregate queries")
            b = self.bind(scope, item.expr)
            if not b.aggregate and b.sql not in group:
                raise self.malformed(item, f"Field must be grouped or aggregated: {b.label}")
            if item.alias is not None:
                key = item.alias
            elif b.named and not b.aggregate:
                key = b.key
            else:
                key, n_expr = f"expr{n_expr}", n_expr + 1
            if key.lower() in used:
                raise self.malformed(item, f"duplicate alias: {key}")
            used.add(key.lower())
            cols.append(b.sql)
            items.append((key, len(cols) - 1, _convert(b.type)))
        where_sql, params = self.where(q, scope)
        group_sql = " GROUP BY " + ", ".join(group) if group else ""
        having_sql = ""
        if q.having is not None:
            h, hp = self.condition(scope, q.having, group)
            having_sql, params = " HAVING " + h, params + hp
        tail_sql, tail_params = self.tail(q, scope, group)
        sql = f"SELECT {', '.join(cols)} {scope.from_sql()}{where_sql}{group_sql}{having_sql}{tail_sql}"
        return Plan("aggregate", sql, tuple(params + tail_params), agg_items=tuple(items))

    # -- expressions -----------------------------------------------------------------------
    def bind(self, scope: Scope, expr: ast.Expr) -> Bound:
        if isinstance(expr, ast.Path):
            ref = self.r.path(scope.obj, scope.alias, expr)
            return Bound(scope.column(ref), ref.type, ref.field.name, ref=ref, label=ref.label)
        name = expr.name
        if name in AGGREGATES:
            return self.bind_aggregate(scope, expr)
        if dates.is_date_function(name):
            return self.bind_date_function(scope, expr)
        if name in PASSTHROUGH and len(expr.args) == 1:
            return self.bind(scope, expr.args[0])
        if name == "FIELDS":
            raise self.malformed(expr, "FIELDS() is only allowed in the SELECT list")
        raise self.malformed(expr, f"Unknown function: {name}")

    def single_field(self, scope: Scope, expr: ast.Call) -> Bound:
        if len(expr.args) != 1 or not isinstance(expr.args[0], (ast.Path, ast.Call)):
            raise self.malformed(expr, f"{expr.name}() takes exactly one field")
        arg = self.bind(scope, expr.args[0])
        if arg.aggregate:
            raise self.malformed(expr, f"Aggregate functions cannot be nested: {expr.name}")
        return arg

    def bind_aggregate(self, scope: Scope, expr: ast.Call) -> Bound:
        name = expr.name
        if name == "COUNT" and not expr.args:
            raise self.malformed(expr, "COUNT() must be the only element in the SELECT list")
        arg = self.single_field(scope, expr)
        label = f"{name}({arg.label})"
        if name in ("SUM", "AVG") and not arg.type.is_numeric:
            raise self.malformed(expr, f"field {arg.label} does not support aggregate operator {name}")
        if name in ("MIN", "MAX", "COUNT_DISTINCT") and arg.type in (T.TEXTAREA, T.MULTIPICKLIST, T.BOOLEAN):
            raise self.malformed(expr, f"field {arg.label} does not support aggregate operator {name}")
        if name == "COUNT":
            return Bound(f"COUNT({arg.sql})", T.INT, "", True, named=False, label=label)
        if name == "COUNT_DISTINCT":
            return Bound(f"COUNT(DISTINCT {arg.sql})", T.INT, "", True, named=False, label=label)
        if name == "AVG":
            return Bound(f"AVG({arg.sql})", T.DOUBLE, "", True, named=False, label=label)
        if name == "SUM":
            rtype = T.INT if arg.type is T.INT else T.DOUBLE
            return Bound(f"SUM({arg.sql})", rtype, "", True, named=False, label=label)
        return Bound(f"{name}({arg.sql})", arg.type, "", True, named=False, label=label)

    def bind_date_function(self, scope: Scope, expr: ast.Call) -> Bound:
        fn = dates.date_function(expr.name)
        arg = self.single_field(scope, expr)
        allowed = (T.DATETIME,) if fn.datetime_only else (T.DATE, T.DATETIME)
        if arg.type not in allowed:
            kinds = "dateTime" if fn.datetime_only else "date or dateTime"
            raise self.malformed(expr, f"{fn.name} requires a {kinds} field, not {arg.label}")
        rtype = T.DATE if fn.returns == "date" else T.INT
        return Bound(dates.date_function_sql(fn.name, arg.sql), rtype, "", named=False, label=f"{fn.name}({arg.label})")

    # -- conditions ------------------------------------------------------------------------
    def condition(self, scope: Scope, cond: ast.Condition, group: dict | None) -> tuple[str, list]:
        """SQL for a WHERE (group None) or HAVING (group = the GROUP BY keys) condition."""
        if isinstance(cond, ast.And) or isinstance(cond, ast.Or):
            joiner = " AND " if isinstance(cond, ast.And) else " OR "
            parts, params = [], []
            for c in cond.items:
                s, p = self.condition(scope, c, group)
                parts.append(s)
                params += p
            return "(" + joiner.join(parts) + ")", params
        if isinstance(cond, ast.Not):
            s, p = self.condition(scope, cond.item, group)
            return f"(NOT IFNULL({s}, 0))", p
        left = self.bind(scope, cond.left)
        if group is None and left.aggregate:
            raise self.malformed(cond, f"Aggregate functions are not allowed in the WHERE clause: {left.label}; use HAVING")
        if group is not None and not left.aggregate and left.sql not in group:
            raise self.malformed(cond, f"Field must be grouped or aggregated: {left.label}")
        if not left.aggregate and left.type is T.TEXTAREA:  # long text areas: SOSL searches them, SOQL cannot filter
            raise self.err("INVALID_FIELD", cond.left, f"field '{left.label}' can not be filtered in query call")
        return getattr(self, OPERATORS[cond.op])(scope, cond, left)

    def type_error(self, left: Bound, lit: ast.Literal) -> SoqlError:
        t = left.type
        quoted = "" if t in TEXT_TYPES or t in ID_TYPES else "not "
        return self.err(
            "INVALID_FIELD", lit,
            f"value of filter criterion for field '{left.label}' must be of type {TYPE_NAMES[t]} "
            f"and should {quoted}be enclosed in quotes",
        )

    def value(self, left: Bound, lit: ast.Literal):
        """A literal as the parameter to bind for a comparison with `left`, after type checks."""
        kind, t = lit.kind, left.type
        if kind == "date_literal":
            raise self.malformed(lit, f"unexpected token: '{lit.raw}'")
        if kind not in ACCEPTS[t]:
            raise self.type_error(left, lit)
        try:
            if kind == "date":
                return dates.parse_date(lit.value)
            if kind == "datetime":
                return dates.parse_datetime(lit.value)
        except SoqlError as e:
            raise self.reposition(e, lit) from None
        if kind == "boolean":
            return 1 if lit.value else 0
        if t in ID_TYPES:
            if not is_id(lit.value):
                raise self.err("INVALID_QUERY_FILTER_OPERATOR", lit, f"invalid ID field: {lit.value}")
            return id18(lit.value)
        return lit.value

    def op_compare(self, scope: Scope, c: ast.Comparison, left: Bound) -> tuple[str, list]:
        lit = c.right
        if lit.kind == "null":
            if c.op not in ("=", "!="):
                raise self.err("INVALID_QUERY_FILTER_OPERATOR", c, f"invalid operator on null value: {c.op}; use = null or != null")
            return f"{left.sql} IS {'NOT ' if c.op == '!=' else ''}NULL", []
        if lit.kind == "date_literal":
            if not dates.is_date_literal(lit.value):
                raise self.malformed(lit, f"unexpected token: '{lit.raw}'")
            if left.type not in (T.DATE, T.DATETIME):
                raise self.type_error(left, lit)
            try:
                return dates.literal_condition(c.op, left.sql, lit.value, lit.n, self.today, left.type is T.DATE)
            except SoqlError as e:
                raise self.reposition(e, lit) from None
        if left.type is T.BOOLEAN and c.op not in ("=", "!="):
            raise self.err("INVALID_QUERY_FILTER_OPERATOR", c, f"invalid operator on boolean field: {c.op}")
        v = self.value(left, lit)
        collate = " COLLATE NOCASE" if left.type in TEXT_TYPES else ""
        if c.op == "!=":
            return f"{left.sql} IS NOT ?{collate}", [v]
        return f"{left.sql} {c.op} ?{collate}", [v]

    def op_like(self, scope: Scope, c: ast.Comparison, left: Bound) -> tuple[str, list]:
        if left.type not in TEXT_TYPES or left.aggregate:
            raise self.err(
                "INVALID_QUERY_FILTER_OPERATOR", c,
                f"invalid operator on field '{left.label}': LIKE applies only to text fields",
            )
        lit = c.right
        if lit.kind != "string":
            raise self.type_error(left, lit)
        return f"{left.sql} LIKE ? ESCAPE '\\'", [like_pattern(lit.raw)]

    def op_in(self, scope: Scope, c: ast.Comparison, left: Bound) -> tuple[str, list]:
        negate = c.op == "NOT_IN"
        if isinstance(c.right, ast.Query):
            return self.semi_join(scope, c, left, negate)
        values, has_null = [], False
        for lit in c.right:
            if lit.kind == "null":
                has_null = True
            else:
                values.append(self.value(left, lit))
        collate = " COLLATE NOCASE" if left.type in TEXT_TYPES else ""
        marks = ", ".join("?" * len(values))
        if negate:
            sql = f"{left.sql} IS NOT NULL" if has_null else f"{left.sql} IS NULL"
            if values:
                sql = f"({sql} {'AND' if has_null else 'OR'} {left.sql}{collate} NOT IN ({marks}))"
        else:
            sql = f"{left.sql}{collate} IN ({marks})" if values else "0"
            if has_null:
                sql = f"({sql} OR {left.sql} IS NULL)"
        return sql, values

    def semi_join(self, scope: Scope, c: ast.Comparison, left: Bound, negate: bool) -> tuple[str, list]:
        q: ast.Query = c.right
        if left.type not in ID_TYPES or left.ref is None:
            raise self.err("INVALID_FIELD", c, f"Invalid semi/anti join field: {left.label}; the left operand must be an Id or reference field")
        if q.group_by or q.having or q.order_by or q.limit is not None or q.offset is not None:
            raise self.malformed(q, "semi-join and anti-join subqueries cannot use GROUP BY, HAVING, ORDER BY, LIMIT or OFFSET")
        if len(q.select) != 1 or not isinstance(q.select[0], ast.SelectItem) or not isinstance(q.select[0].expr, ast.Path):
            raise self.malformed(q, "a semi-join or anti-join subquery must select exactly one Id or reference field")
        inner = Scope(self, self.r.object(q.from_name, q.from_pos), q.alias)
        b = self.bind(inner, q.select[0].expr)
        if b.type not in ID_TYPES:
            raise self.err("INVALID_FIELD", q.select[0], f"Invalid semi/anti join field: {b.label}; select an Id or reference field")
        where_sql, params = self.where(q, inner)
        nonnull = f"{b.sql} IS NOT NULL"
        where_sql = f"{where_sql} AND {nonnull}" if where_sql else f" WHERE {nonnull}"
        sub = f"SELECT {b.sql} {inner.from_sql()}{where_sql}"
        if negate:
            return f"({left.sql} IS NULL OR {left.sql} NOT IN ({sub}))", params
        return f"{left.sql} IN ({sub})", params

    def op_includes(self, scope: Scope, c: ast.Comparison, left: Bound) -> tuple[str, list]:
        if left.type is not T.MULTIPICKLIST:
            raise self.err(
                "INVALID_QUERY_FILTER_OPERATOR", c,
                f"includes or excludes operator only valid on multipicklist field: {left.label}",
            )
        ors, params = [], []
        for lit in c.right:
            if lit.kind != "string":
                raise self.type_error(left, lit)
            parts = [p.strip().lower() for p in lit.value.split(";") if p.strip()]
            ands = []
            for p in parts:
                ands.append(f"instr(';' || lower({left.sql}) || ';', ?) > 0")
                params.append(f";{p};")
            ors.append("(" + (" AND ".join(ands) or "0") + ")")
        sql = "(" + " OR ".join(ors) + ")"
        if c.op == "EXCLUDES":
            sql = f"(NOT IFNULL({sql}, 0))"
        return sql, params


OPERATORS = {
    "=": "op_compare", "!=": "op_compare", "<": "op_compare", "<=": "op_compare", ">": "op_compare",
    ">=": "op_compare", "LIKE": "op_like", "IN": "op_in", "NOT_IN": "op_in", "INCLUDES": "op_includes",
    "EXCLUDES": "op_includes",
}


def translate(schema: Schema, text: str, query: ast.Query, today: date) -> Plan:
    return Translator(schema, text, today).translate(query)
