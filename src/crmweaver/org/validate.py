"""Integrity checks of an org file: ids, references, picklists, value formats, date order, totals.

Every check is plain SQL driven by the schema, so it applies equally to generated and imported
orgs. `validate` returns human-readable violations; an empty list means the org is sound.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator

from crmweaver.org.schema import FieldType, Schema
from crmweaver.org.store import Org

_FORMATS = {
    FieldType.DATE: re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    FieldType.DATETIME: re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$"),
    FieldType.ID: re.compile(r"^[0-9A-Za-z]{18}$"),
}

# (object, earlier field, later field): the later one, when set, is not before the earlier one.
# Date and datetime fields are compared on their first 10 characters (the calendar day) when mixed.
DATE_ORDER = [
    ("Case", "CreatedDate", "ClosedDate"),
    ("Opportunity", "CreatedDate", "CloseDate"),
    ("Lead", "CreatedDate", "ConvertedDate"),
    ("Quote", "CreatedDate", "ExpirationDate"),
    ("Contract", "CustomerSignedDate", "CompanySignedDate"),
    ("VoiceCallTranscript__c", "CreatedDate", "EndTime__c"),
    ("Pricebook2", "ValidFrom", "ValidTo"),
]

MAX_EXAMPLES = 3


def validate(org: Org) -> list[str]:
    """All violations found in the org, one line each (with up to three example ids)."""
    conn, schema = org.conn, org.schema
    try:
        damage = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        if damage != ["ok"]:  # the other checks would read damaged pages
            return [f"the file is damaged: {d}" for d in damage]
        problems = list(check_tables(conn, schema))
        if problems:  # the other checks assume every table and column exists
            return problems
        for check in CHECKS:
            problems.extend(check(conn, schema))
    except sqlite3.DatabaseError as e:
        return [f"the file is damaged: {e}"]
    return problems


def _examples(rows: list[tuple]) -> str:
    return ", ".join(str(r[0]) for r in rows[:MAX_EXAMPLES])


def _violations(conn: sqlite3.Connection, label: str, sql: str, params: tuple = ()) -> Iterator[str]:
    rows = conn.execute(sql, params).fetchall()
    if rows:
        yield f"{label}: {len(rows)} row(s), e.g. {_examples(rows)}"


def check_tables(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    for obj in schema:
        cols = {r[1] for r in conn.execute(f'PRAGMA table_info("{obj.name}")')}
        if not cols:
            yield f"{obj.name}: table missing"
            continue
        for name in obj.field_names:
            if name not in cols:
                yield f"{obj.name}.{name}: column missing"


def check_ids(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    for obj in schema:
        yield from _violations(
            conn,
            f"{obj.name}.Id: not an 18-character id with key prefix {obj.key_prefix}",
            f'SELECT Id FROM "{obj.name}" WHERE Id IS NULL OR length(Id) != 18 OR substr(Id, 1, 3) != ?',
            (obj.key_prefix,),
        )


def check_references(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    for obj in schema:
        for f in obj.fields:
            if f.type is not FieldType.REFERENCE:
                continue
            targets = " AND ".join(f'"{f.name}" NOT IN (SELECT Id FROM "{t}")' for t in f.references)
            yield from _violations(
                conn,
                f"{obj.name}.{f.name}: reference to a missing {'/'.join(f.references)}",
                f'SELECT Id FROM "{obj.name}" WHERE "{f.name}" IS NOT NULL AND {targets}',
            )


def check_values(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    for obj in schema:
        for f in obj.fields:
            col = f'"{f.name}"'
            if f.picklist:
                marks = ", ".join("?" * len(f.picklist))
                yield from _violations(
                    conn,
                    f"{obj.name}.{f.name}: value outside its picklist",
                    f'SELECT Id FROM "{obj.name}" WHERE {col} IS NOT NULL AND {col} NOT IN ({marks})',
                    f.picklist,
                )
            elif f.type is FieldType.BOOLEAN:
                yield from _violations(
                    conn,
                    f"{obj.name}.{f.name}: boolean not stored as 0/1",
                    f'SELECT Id FROM "{obj.name}" WHERE {col} IS NOT NULL AND {col} NOT IN (0, 1)',
                )
            elif f.type in (FieldType.DATE, FieldType.DATETIME) and f.name != "Id":
                pattern = _FORMATS[f.type]
                bad = [
                    (rid,)
                    for rid, v in conn.execute(f'SELECT Id, {col} FROM "{obj.name}" WHERE {col} IS NOT NULL')
                    if not isinstance(v, str) or not pattern.match(v)
                ]
                if bad:
                    yield f"{obj.name}.{f.name}: not in {f.type.value} storage format: {len(bad)} row(s), e.g. {_examples(bad)}"


def check_date_order(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    for obj_name, early, late in DATE_ORDER:
        obj = schema.object(obj_name)
        if obj is None or obj.field(early) is None or obj.field(late) is None:
            continue
        yield from _violations(
            conn,
            f"{obj_name}.{late} before {early}",
            f'SELECT Id FROM "{obj_name}" WHERE "{late}" IS NOT NULL AND "{early}" IS NOT NULL '
            f'AND substr("{late}", 1, 10) < substr("{early}", 1, 10)',
        )


def check_case_life(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    """Case history follows the case: creation first, owners chain, closure last, final owner matches."""
    yield from _violations(
        conn,
        "Case: closed without ClosedDate (or ClosedDate on an open case)",
        "SELECT Id FROM \"Case\" WHERE (Status = 'Closed') != (ClosedDate IS NOT NULL)",
    )
    yield from _violations(
        conn,
        "Case: no 'Case Creation' history row",
        "SELECT Id FROM \"Case\" c WHERE NOT EXISTS (SELECT 1 FROM CaseHistory__c h "
        "WHERE h.CaseId__c = c.Id AND h.Field__c = 'Case Creation')",
    )
    yield from _violations(
        conn,
        "CaseHistory__c: event outside its case's life",
        "SELECT h.Id FROM CaseHistory__c h JOIN \"Case\" c ON c.Id = h.CaseId__c "
        "WHERE h.CreatedDate < c.CreatedDate OR (c.ClosedDate IS NOT NULL AND h.CreatedDate > c.ClosedDate)",
    )
    yield from _violations(
        conn,
        "Case: OwnerId differs from the last owner in its history",
        "SELECT c.Id FROM \"Case\" c WHERE c.OwnerId != (SELECT h.NewValue__c FROM CaseHistory__c h "
        "WHERE h.CaseId__c = c.Id AND h.Field__c IN ('Case Creation', 'Owner Assignment') "
        "ORDER BY h.CreatedDate DESC, h.Field__c = 'Owner Assignment' DESC LIMIT 1)",
    )


def check_totals(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    yield from _violations(
        conn,
        "QuoteLineItem.TotalPrice != Quantity x UnitPrice x (1 - Discount/100)",
        "SELECT Id FROM QuoteLineItem WHERE abs(TotalPrice - Quantity * UnitPrice * (1 - coalesce(Discount, 0) / 100.0)) > 0.01",
    )


def check_conversions(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    yield from _violations(
        conn,
        "Lead: converted without account, contact and date (or those set on an unconverted lead)",
        "SELECT Id FROM Lead WHERE (IsConverted = 1) != (ConvertedAccountId IS NOT NULL "
        "AND ConvertedContactId IS NOT NULL AND ConvertedDate IS NOT NULL)",
    )
    yield from _violations(
        conn,
        "Lead: converted contact not on the converted account",
        "SELECT l.Id FROM Lead l JOIN Contact c ON c.Id = l.ConvertedContactId WHERE c.AccountId != l.ConvertedAccountId",
    )


def check_contracts(conn: sqlite3.Connection, schema: Schema) -> Iterator[str]:
    yield from _violations(
        conn,
        "Opportunity: its contract was signed before the opportunity was created",
        "SELECT o.Id FROM Opportunity o JOIN Contract k ON k.Id = o.ContractID__c "
        "WHERE k.CustomerSignedDate < substr(o.CreatedDate, 1, 10)",
    )


CHECKS: list[Callable[[sqlite3.Connection, Schema], Iterator[str]]] = [
    check_ids,
    check_references,
    check_values,
    check_date_order,
    check_case_life,
    check_totals,
    check_conversions,
    check_contracts,
]
