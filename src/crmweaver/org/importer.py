"""Import a CRMArena-Pro style SQLite dump of an org into crmweaver's layout.

Table and column names are matched to the schema ignoring case and underscores
(`case_history__c` -> `CaseHistory__c`); values are normalised to our storage formats. The
importer is strict: a table or column it cannot map, a missing one, or a value it cannot read
stops the import with an error naming it, and nothing is written.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from crmweaver.org.schema import SCHEMA_VERSION, Field, FieldType, schema_for
from crmweaver.org.store import OrgError, create_indexes, create_tables, write_meta

BATCH = 5000


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def to_datetime(value) -> str:
    """Any ISO-8601 date/datetime (naive = UTC) as 'YYYY-MM-DDTHH:MM:SS.000+0000'."""
    dt = datetime.fromisoformat(str(value).strip())
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def to_date(value) -> str:
    return datetime.fromisoformat(str(value).strip()).strftime("%Y-%m-%d")


def to_bool(value) -> int:
    text = str(value).strip().lower()
    if text in ("1", "true", "t", "yes"):
        return 1
    if text in ("0", "false", "f", "no", ""):
        return 0
    raise ValueError(f"not a boolean: {value!r}")


def _converter(f: Field):
    if f.type is FieldType.DATETIME:
        return to_datetime
    if f.type is FieldType.DATE:
        return to_date
    if f.type is FieldType.BOOLEAN:
        return to_bool
    if f.type is FieldType.INT:
        return lambda v: int(float(v))
    if f.type.is_numeric:
        return float
    return str


def _map_names(src: sqlite3.Connection, schema) -> dict[str, tuple[str, dict[str, str]]]:
    """object name -> (source table, {field name: source column}); raises on anything unmapped."""
    tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    objects = {_key(o.name): o for o in schema}
    mapping: dict[str, tuple[str, dict[str, str]]] = {}
    for table in tables:
        if table.startswith("_") or "__fts" in table:  # our own metadata or search tables
            continue
        obj = objects.get(_key(table))
        if obj is None:
            raise OrgError(f"table {table!r} matches no {schema.preset} object; rename or drop it before importing")
        fields = {_key(f.name): f.name for f in obj.fields}
        columns: dict[str, str] = {}
        for (col,) in src.execute(f'SELECT name FROM pragma_table_info(?)', (table,)):
            name = fields.get(_key(col))
            if name is None:
                raise OrgError(f"column {table}.{col} matches no field of {obj.name}; rename or drop it before importing")
            columns[name] = col
        missing = [f for f in obj.field_names if f not in columns and not _derivable(f, obj, columns)]
        if missing:
            raise OrgError(f"table {table} lacks field(s) {', '.join(missing)} of {obj.name}")
        mapping[obj.name] = (table, columns)
    absent = [o.name for o in schema if o.name not in mapping]
    if absent:
        raise OrgError(f"the dump has no table for {', '.join(absent)}; a {schema.preset} org needs all {len(schema.objects)} objects")
    return mapping


def _derivable(field: str, obj, columns: dict[str, str]) -> bool:
    """A compound Name of people that dumps may omit: rebuilt from FirstName and LastName."""
    return field == "Name" and "FirstName" in columns and "LastName" in columns


def _source_expr(field: str, columns: dict[str, str]) -> str:
    if field in columns:
        return f'"{columns[field]}"'
    first, last = columns["FirstName"], columns["LastName"]
    return f"trim(coalesce(\"{first}\", '') || ' ' || coalesce(\"{last}\", ''))"


def _latest_created(conn: sqlite3.Connection, schema) -> date:
    latest = ""
    for obj in schema:
        if obj.field("CreatedDate") is not None:
            row = conn.execute(f'SELECT max(CreatedDate) FROM "{obj.name}"').fetchone()
            latest = max(latest, row[0] or "")
    if not latest:
        raise OrgError("the dump has no CreatedDate values to infer today's date from; pass --today")
    return date.fromisoformat(latest[:10]) + timedelta(days=1)


def import_dump(src_path: str | Path, out: str | Path, *, preset: str, today: date | None = None, overwrite: bool = False) -> dict[str, int]:
    """Copy a dump into a new org file at `out`; returns record counts per object.

    `today` (the org's fixed now) defaults to the day after the latest CreatedDate in the dump.
    """
    src_path, out = Path(src_path), Path(out)
    schema = schema_for(preset)
    if not src_path.is_file():
        raise OrgError(f"no dump file at {src_path}")
    if out.exists() and not overwrite:
        raise OrgError(f"{out} already exists; pass --overwrite to replace it")
    try:
        src = sqlite3.connect(f"file:{src_path.resolve()}?mode=ro", uri=True)
        mapping = _map_names(src, schema)
    except sqlite3.DatabaseError as e:
        raise OrgError(f"{src_path} is not a readable SQLite file ({e})") from e
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    counts: dict[str, int] = {}
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        create_tables(conn, schema)
        for obj in schema:
            table, columns = mapping[obj.name]
            fields = obj.fields
            convert = [_converter(f) for f in fields]
            select = ", ".join(_source_expr(f.name, columns) for f in fields)
            insert = f'INSERT INTO "{obj.name}" VALUES ({", ".join("?" * len(fields))})'
            cursor = src.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid')
            n = 0
            while rows := cursor.fetchmany(BATCH):
                out_rows = []
                for row in rows:
                    try:
                        out_rows.append(tuple(None if v is None else c(v) for c, v in zip(convert, row)))
                    except ValueError as e:
                        raise OrgError(f"{table} row with Id {row[0]!r}: cannot read a value ({e})") from e
                conn.executemany(insert, out_rows)
                n += len(out_rows)
            counts[obj.name] = n
        day = today or _latest_created(conn, schema)
        write_meta(conn, {"preset": preset, "seed": "imported", "scale": "1", "today": day.isoformat(),
                          "schema_version": SCHEMA_VERSION, "source": src_path.name})
        create_indexes(conn, schema)
        conn.commit()
    except (OrgError, sqlite3.DatabaseError) as e:
        conn.close()
        tmp.unlink(missing_ok=True)
        if isinstance(e, OrgError):
            raise
        raise OrgError(f"cannot import {src_path}: {e} (duplicate or malformed Ids?)") from e
    finally:
        src.close()
    conn.close()
    os.replace(tmp, out)
    return counts
