"""The SQLite layout of an org: tables, indexes, text-search tables, metadata, ids.

One table per object named by its API name, one column per field, `Id` primary key; `_org`
holds key/value metadata. Every reader and writer of an org file goes through here so the
layout lives in one place.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from crmweaver.errors import CrmweaverError
from crmweaver.org.schema import SCHEMA_VERSION, FieldType, Schema, SObject, schema_for

META_TABLE = "_org"
FTS_SUFFIX = "__fts"
_SAFE_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class OrgError(CrmweaverError):
    """A problem with an org file that the user can fix; the message names the fix."""


def make_id(prefix: str, n: int, pod: str = "Wt") -> str:
    """The n-th 18-character Salesforce-style id with a key prefix (15 chars + case-safe suffix)."""
    body = ""
    for _ in range(10):
        n, r = divmod(n, 62)
        body = _BASE62[r] + body
    id15 = prefix + pod + body
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += _SAFE_UPPER[bits]
    return id15 + suffix


def create_tables(conn: sqlite3.Connection, schema: Schema) -> None:
    """Create one table per object (no indexes yet: bulk inserts are faster before them)."""
    for obj in schema:
        cols = ", ".join(
            f'"{f.name}" {f.type.sqlite_type}' + (" PRIMARY KEY" if f.name == "Id" else "") for f in obj.fields
        )
        conn.execute(f'CREATE TABLE "{obj.name}" ({cols})')
    conn.execute(f"CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def indexed_fields(obj: SObject) -> list[str]:
    """Fields that get a b-tree index: every reference and every date/datetime."""
    kinds = (FieldType.REFERENCE, FieldType.DATE, FieldType.DATETIME)
    return [f.name for f in obj.fields if f.type in kinds]


def searchable_fields(obj: SObject) -> list[str]:
    """Text fields covered by the object's FTS5 table (SOSL `IN ALL FIELDS`)."""
    kinds = (FieldType.STRING, FieldType.TEXTAREA, FieldType.EMAIL, FieldType.PHONE, FieldType.PICKLIST)
    return [f.name for f in obj.fields if f.type in kinds]


def create_indexes(conn: sqlite3.Connection, schema: Schema) -> None:
    """B-tree indexes on references and dates, and an FTS5 table per object with text fields."""
    for obj in schema:
        for name in indexed_fields(obj):
            conn.execute(f'CREATE INDEX "ix_{obj.name}_{name}" ON "{obj.name}" ("{name}")')
        text = searchable_fields(obj)
        if text:
            cols = ", ".join(f'"{c}"' for c in text)
            fts = obj.name + FTS_SUFFIX
            conn.execute(
                f'CREATE VIRTUAL TABLE "{fts}" USING fts5({cols}, content="{obj.name}", content_rowid="rowid", '
                "tokenize='unicode61 remove_diacritics 2')"
            )
            conn.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')


def write_meta(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    conn.executemany(f"INSERT OR REPLACE INTO {META_TABLE} (key, value) VALUES (?, ?)", sorted(meta.items()))


@dataclass
class Org:
    """An open org file: connection, metadata and the schema of its preset."""

    path: Path
    conn: sqlite3.Connection
    meta: dict[str, str]
    schema: Schema

    @property
    def preset(self) -> str:
        return self.meta["preset"]

    @property
    def today(self) -> date:
        return date.fromisoformat(self.meta["today"])

    def count(self, obj: str) -> int:
        try:
            return self.conn.execute(f'SELECT COUNT(*) FROM "{self.schema.objects[obj].name}"').fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise OrgError(f"{self.path} is damaged ({e}); rebuild it with `crmweaver org build`") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Org":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_org(path: str | Path, *, readonly: bool = True) -> Org:
    """Open an org file built by `org build` or `org import`; read-only by default."""
    path = Path(path)
    if path.is_dir():
        raise OrgError(f"{path} is a folder, not an org file; give the org file's path (e.g. org.db)")
    if not path.is_file():
        raise OrgError(f"no org file at {path}; build one with `crmweaver org build --out {path}`")
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"  # as_uri escapes '#', '?' and '%'
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        rows = conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        raise OrgError(f"{path} is not a crmweaver org ({e}); build one with `crmweaver org build`") from e
    meta = {str(k): str(v) for k, v in rows}
    missing = {"preset", "today", "schema_version"} - meta.keys()
    if missing:
        raise OrgError(f"{path} lacks org metadata {sorted(missing)}; rebuild it with `crmweaver org build`")
    if meta["schema_version"] != SCHEMA_VERSION:
        raise OrgError(
            f"{path} has schema version {meta['schema_version']}, this crmweaver reads {SCHEMA_VERSION}; rebuild it"
        )
    try:
        schema = schema_for(meta["preset"])
        date.fromisoformat(meta["today"])
    except ValueError as e:
        raise OrgError(f"{path} has bad org metadata ({e}); rebuild it with `crmweaver org build`") from None
    lacking = sorted(o.name for o in schema if o.name not in tables)
    if lacking:
        raise OrgError(f"{path} lacks the table(s) {', '.join(lacking[:5])}; rebuild it with `crmweaver org build`")
    return Org(path, conn, meta, schema)
