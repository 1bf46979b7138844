"""Names and types: resolve SOQL identifiers against the schema and check what may meet what.

Every object, field and relationship in a query is looked up here (case-insensitively) and
replaced by the schema's canonical entry, so the translator only ever quotes canonical names.
Errors use Salesforce's codes and wording, with a "Did you mean" hint when one is close.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from crmweaver.org.schema import Field, FieldType, Schema, SObject
from crmweaver.soql import ast
from crmweaver.soql.errors import SoqlError, positioned

MAX_PARENT_LEVELS = 5
T = FieldType

# Salesforce's type names in "must be of type X" messages.
TYPE_NAMES = {
    T.ID: "id", T.REFERENCE: "reference", T.STRING: "string", T.TEXTAREA: "string", T.EMAIL: "string",
    T.PHONE: "string", T.PICKLIST: "string", T.MULTIPICKLIST: "string", T.INT: "integer", T.DOUBLE: "double",
    T.CURRENCY: "currency", T.PERCENT: "percent", T.DATE: "date", T.DATETIME: "dateTime", T.BOOLEAN: "boolean",
}
# Which literal kinds each field type accepts in a filter (null is handled separately).
ACCEPTS = {
    T.ID: {"string"}, T.REFERENCE: {"string"}, T.STRING: {"string"}, T.TEXTAREA: {"string"}, T.EMAIL: {"string"},
    T.PHONE: {"string"}, T.PICKLIST: {"string"}, T.MULTIPICKLIST: {"string"}, T.INT: {"number"},
    T.DOUBLE: {"number"}, T.CURRENCY: {"number"}, T.PERCENT: {"number"}, T.DATE: {"date", "date_literal"},
    T.DATETIME: {"datetime", "date_literal"}, T.BOOLEAN: {"boolean"},
}
NOT_SORTABLE = frozenset({T.TEXTAREA, T.MULTIPICKLIST})
_SAFE_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@dataclass(frozen=True)
class Hop:
    """One parent traversal: the reference field, its relationship name and its target objects."""

    field: Field
    targets: tuple[str, ...]

    @property
    def rel(self) -> str:
        return self.field.relationship_name or self.field.name

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) > 1


@dataclass(frozen=True)
class FieldRef:
    """A resolved field path: the parent hops from the query's object, then the field."""

    hops: tuple[Hop, ...]
    field: Field
    owners: tuple[str, ...]  # objects that carry the field (several only after a polymorphic hop)

    @property
    def type(self) -> FieldType:
        return self.field.type

    @property
    def label(self) -> str:
        return ".".join([h.rel for h in self.hops] + [self.field.name])


class Resolver:
    """Looks names up for one query text, raising positioned Salesforce-style errors."""

    def __init__(self, schema: Schema, text: str):
        self.schema = schema
        self.text = text

    def error(self, code: str, node: ast.Pos | None, message: str) -> SoqlError:
        line, col = (node.line, node.column) if node is not None else (None, None)
        return positioned(code, self.text, line, col, message)

    def object(self, name: str, node: ast.Pos | None) -> SObject:
        obj = self.schema.object(name)
        if obj is None:
            raise self.error(
                "INVALID_TYPE", node,
                f"sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure "
                "to append the '__c' after the entity name. Please reference your WSDL or the describe call for "
                "the appropriate names." + suggest(name, [o.name for o in self.schema]),
            )
        return obj

    def path(self, obj: SObject, alias: str | None, path: ast.Path) -> FieldRef:
        parts = list(path.parts)
        if len(parts) > 1 and obj.reference_by_relationship(parts[0]) is None:
            if parts[0].lower() == obj.name.lower() or (alias and parts[0].lower() == alias.lower()):
                parts = parts[1:]
        if len(parts) - 1 > MAX_PARENT_LEVELS:
            raise self.error(
                "MALFORMED_QUERY", path,
                f"SOQL statements cannot query more than {MAX_PARENT_LEVELS} levels of relationships "
                f"from the parent: {path.text}",
            )
        hops: list[Hop] = []
        current: list[SObject] = [obj]
        for rel in parts[:-1]:
            if len(current) > 1:
                raise self.error(
                    "INVALID_RELATIONSHIP", path,
                    f"Didn't understand relationship '{rel}' in field path. '{hops[-1].rel}' is polymorphic "
                    f"({'/'.join(o.name for o in current)}); select only its Id or Name, or query each object on its own.",
                )
            ref = current[0].reference_by_relationship(rel)
            if ref is None:
                rels = [f.relationship_name for f in current[0].fields if f.relationship_name]
                hint = suggest(rel, rels)
                if not hint and current[0].field(rel) is not None and current[0].field(rel).relationship_name:
                    hint = f" Did you mean '{current[0].field(rel).relationship_name}'?"
                raise self.error(
                    "INVALID_RELATIONSHIP", path,
                    f"Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom "
                    "relationship, be sure to append the '__r' after the custom relationship name. Please reference "
                    "your WSDL or the describe call for the appropriate names." + hint,
                )
            targets = tuple(t for t in ref.references if self.schema.object(t) is not None)
            hops.append(Hop(ref, targets))
            current = [self.schema.objects[t] for t in targets]
        name = parts[-1]
        if len(current) == 1:
            f = current[0].field(name)
            if f is None:
                raise self.no_such_column(current[0], name, path)
            return FieldRef(tuple(hops), f, (current[0].name,))
        # After a polymorphic hop: fields every target has, plus Id and Name.
        owners = [o for o in current if o.field(name) is not None]
        common = len(owners) == len(current)
        if not owners or not (common or name.lower() in ("id", "name")):
            shared = sorted(set.intersection(*({f.name for f in o.fields} for o in current)) | {"Id", "Name"})
            raise self.error(
                "INVALID_FIELD", path,
                f"No such column '{name}' on polymorphic relationship '{hops[-1].rel}' "
                f"({'/'.join(o.name for o in current)}); use one of: {', '.join(shared)}.",
            )
        return FieldRef(tuple(hops), owners[0].field(name), tuple(o.name for o in owners))

    def no_such_column(self, obj: SObject, name: str, node: ast.Pos | None) -> SoqlError:
        candidates = obj.field_names + [f.relationship_name for f in obj.fields if f.relationship_name]
        return self.error(
            "INVALID_FIELD", node,
            f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a custom field, be sure "
            "to append the '__c' after the custom field name. Please reference your WSDL or the describe call for "
            "the appropriate names." + suggest(name, candidates),
        )

    def child(self, parent: SObject, name: str, node: ast.Pos | None):
        rel = parent.child(name)
        if rel is None:
            raise self.error(
                "INVALID_RELATIONSHIP", node,
                f"Didn't understand relationship '{name}' in FROM part of query call. If you are attempting to use a "
                "custom relationship, be sure to append the '__r' after the custom relationship name. Please "
                "reference your WSDL or the describe call for the appropriate names."
                + suggest(name, [c.name for c in parent.children]),
            )
        return rel


def suggest(name: str, candidates: list[str]) -> str:
    """` Did you mean 'X'?` for the closest candidate, case-insensitively, or ''."""
    lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.7)
    return f" Did you mean '{lower[close[0]]}'?" if close else ""


def id18(value: str) -> str:
    """A 15-character id with its case-safe 3-character suffix; 18-character ids unchanged."""
    if len(value) != 15:
        return value
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(value[chunk * 5 : chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _SAFE_UPPER[bits]
    return value + suffix


def is_id(value: str) -> bool:
    return len(value) in (15, 18) and value.isascii() and value.isalnum()
