"""The guideline store: one SQLite file, numbered migrations, content-hash ids, atomic counters.

Modelled on simonw/llm's embeddings store. Many processes (RL rollout workers, eval threads) may
write one file at once: WAL lets readers run beside the writer, `busy_timeout` makes a writer
wait for the lock instead of failing, every read-modify-write runs inside `BEGIN IMMEDIATE`
(the write lock is taken before the read, so no update is lost), and counters are bumped with
`SET helpful = helpful + 1` in SQL. A process killed mid-write leaves the last committed state:
SQLite's journal rolls the torn transaction back on the next open.

An item's id is a hash of its task type and body, so writing the same guideline twice is one item
(the second write merges provenance). The embedder's model id and dimension live in `meta`; a
file refuses vectors of another model rather than mix incomparable spaces.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from crmweaver.errors import CrmweaverError
from crmweaver.memory.embed import spec_for

BUSY_TIMEOUT_MS = 60_000
MAX_PROVENANCE = 1000  # trajectory ids kept per item (the newest win); counts go on regardless


class MemoryStoreError(CrmweaverError):
    """A memory file that cannot be used as asked (other embedder, not a memory file); names the fix."""


@dataclass
class Item:
    id: str
    title: str
    body: str
    key_text: str  # what retrieval matches against: one or more abstracted task phrasings, one per line
    task_type: str | None = None
    skill: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)  # {"trajectories": [...], "models": [...], "distiller": ...}
    helpful: int = 0
    harmful: int = 0
    support: int = 1  # how many trajectories or distillations back it
    created: str = ""
    updated: str = ""
    embedding: np.ndarray | None = None

    def public(self) -> dict[str, Any]:
        """The JSON form (export, show): everything but the vector."""
        return {
            "id": self.id, "title": self.title, "task_type": self.task_type, "skill": self.skill,
            "body": self.body, "key_text": self.key_text, "provenance": self.provenance,
            "helpful": self.helpful, "harmful": self.harmful, "support": self.support,
            "created": self.created, "updated": self.updated,
        }


def content_hash(task_type: str | None, body: str) -> str:
    """Identity of a guideline: its type and its body, whitespace-insensitive."""
    text = json.dumps([task_type or "", re.sub(r"\s+", " ", body).strip()], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4", count=dim).astype(np.float32)


# --- numbered migrations: MIGRATIONS[i] brings the file from user_version i to i + 1 ----------------


def m001_items(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE items (
            id TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            key_text TEXT NOT NULL,
            embedding BLOB,
            task_type TEXT,
            skill TEXT,
            provenance TEXT NOT NULL DEFAULT '{}',
            helpful INTEGER NOT NULL DEFAULT 0,
            harmful INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )"""
    )


def m002_support_and_type_index(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE items ADD COLUMN support INTEGER NOT NULL DEFAULT 1")
    db.execute("CREATE INDEX items_task_type ON items (task_type)")
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('vector_generation', '0')")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_items, m002_support_and_type_index]

_COLUMNS = "id, title, body, key_text, task_type, skill, provenance, helpful, harmful, support, created, updated"


class Store:
    """One open memory file. Thread-safe (one connection behind a lock); open one per process."""

    def __init__(self, path: str | Path, *, create: bool = True, migrations: list | None = None, readonly: bool = False):
        """`readonly` opens the file as it is (no WAL switch, no migration): it works on a read-only
        file and never changes one that turns out not to be a memory."""
        self.path = Path(path)
        if (readonly or not create) and not self.path.exists():
            raise MemoryStoreError(f"no memory file at {self.path}; build one with: crmweaver memory build --from runs/ID --out {self.path}")
        if self.path.parent and not self.path.parent.exists():
            raise MemoryStoreError(f"the folder of {self.path} does not exist; create it or choose another path")
        if self.path.is_dir():
            raise MemoryStoreError(f"{self.path} is a folder, not a memory file; give the memory file's path")
        self._lock = threading.RLock()
        migrations = MIGRATIONS if migrations is None else migrations
        if self.path.exists() and not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            readonly = True  # a read-only file or folder: reads work, a write says why it cannot
        self.readonly = readonly
        try:
            uri = self.path.resolve().as_uri() + ("?mode=ro" if readonly else "")
            if readonly and not os.access(self.path.parent, os.W_OK):
                uri += "&immutable=1"  # read-only media: a WAL file would need a -shm file it cannot create
            self.db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._check_is_memory()  # before anything writes: WAL would rewrite a foreign file's header
            if readonly:
                if self.version == 0:
                    raise MemoryStoreError(f"{self.path} holds no memory yet; build one with: crmweaver memory build "
                                           f"--from runs/ID --out {self.path}")
                if self.version < len(migrations):
                    raise MemoryStoreError(f"{self.path} is a memory of an older crmweaver; open it writable once "
                                           "(e.g. crmweaver memory build) to upgrade it")
                return
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate(migrations)
        except sqlite3.DatabaseError as e:
            raise MemoryStoreError(f"{self.path} is not a memory file ({e}); choose another path") from None
        if str(mode).lower() != "wal":  # e.g. a network file system: still correct, just slower under contention
            self.db.execute("PRAGMA journal_mode = DELETE")

    def _check_is_memory(self) -> None:
        """A file with tables but no migration number was written by something else."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and tables:
            raise MemoryStoreError(f"{self.path} is an SQLite file but not a memory file; choose another path")

    # --- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds the write lock from its first read (no lost update)."""
        if self.readonly:
            raise MemoryStoreError(f"{self.path} is open read-only (a read-only file or folder); copy it to a writable "
                                   "folder to update it")
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:  # busy_timeout ran out
                raise MemoryStoreError(f"{self.path} stayed locked by another process for {BUSY_TIMEOUT_MS // 1000} s ({e}); "
                                       "wait for it to finish and rerun") from None
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _migrate(self, migrations: list) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version >= len(migrations):
            return
        with self.write() as db:  # re-read under the lock: another process may have migrated meanwhile
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise MemoryStoreError(f"{self.path} is an SQLite file but not a memory file; choose another path")
            for number in range(version, len(migrations)):
                migrations[number](db)
                db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def data_version(self) -> int:
        """Changes whenever another connection commits (cheap cache invalidation)."""
        with self._lock:
            return self.db.execute("PRAGMA data_version").fetchone()[0]

    # --- meta and the embedder ---------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def embedder(self) -> tuple[str, int] | None:
        meta = self.meta()
        if "embedder" not in meta:
            return None
        return meta["embedder"], int(meta["dim"])

    def bind_embedder(self, model_id: str, dim: int) -> None:
        """Record the file's embedder on first use; refuse another model or dimension afterwards.
        A bound file is only read (a read-only memory can still be searched)."""
        with self._lock:
            row = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('embedder', 'dim')").fetchall())
        if not row:
            with self.write() as db:  # re-read under the write lock: another process may bind first
                row = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('embedder', 'dim')").fetchall())
                if not row:
                    db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("embedder", model_id), ("dim", str(dim))])
                    return
        if row.get("embedder") != model_id or int(row.get("dim", -1)) != dim:
            raise MemoryStoreError(
                f"{self.path} holds embeddings of {row.get('embedder')} (dim {row.get('dim')}), not {model_id} (dim {dim}); "
                f"open it with --embedder {spec_for(row.get('embedder', ''))} or build a new memory file"
            )

    def vector_generation(self) -> int:
        """Bumped whenever a stored vector changes or an item is deleted (appends don't bump it)."""
        return int(self.meta().get("vector_generation", "0"))

    def _bump_generation(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vector_generation'")

    # --- writes ------------------------------------------------------------------------------

    def add(
        self,
        *,
        title: str,
        body: str,
        key_text: str,
        embedding: np.ndarray | None,
        task_type: str | None = None,
        skill: str | None = None,
        provenance: dict[str, Any] | None = None,
        support: int = 1,
    ) -> tuple[str, bool]:
        """Insert a guideline, or merge into the one with the same content. Returns (id, created)."""
        digest = content_hash(task_type, body)
        item_id = digest[:16]
        stamp = now()
        with self.write() as db:
            row = db.execute("SELECT id, provenance FROM items WHERE content_hash = ?", (digest,)).fetchone()
            if row:
                old = json.loads(row[1])
                db.execute("UPDATE items SET provenance = ?, support = support + ?, updated = ? WHERE id = ?",
                           (json.dumps(merge_provenance(old, provenance or {})), new_support(old, provenance, support), stamp, row[0]))
                return row[0], False
            db.execute(
                "INSERT INTO items (id, content_hash, title, body, key_text, embedding, task_type, skill, provenance, "
                "support, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item_id, digest, title, body, key_text, None if embedding is None else to_blob(embedding), task_type, skill,
                 json.dumps(merge_provenance({}, provenance or {})), support, stamp, stamp),
            )
            return item_id, True

    def merge(
        self,
        item_id: str,
        *,
        provenance: dict[str, Any] | None = None,
        support: int = 1,
        key_variants: list[str] | None = None,
        embed_key: Callable[[str], np.ndarray] | None = None,
        max_variants: int = 24,
    ) -> bool:
        """Fold a near-duplicate into an item: provenance union, support + n, new key phrasings
        (re-embedded with `embed_key`). False when the item does not exist."""
        with self.write() as db:
            row = db.execute("SELECT provenance, key_text FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                return False
            old = json.loads(row[0])
            lines = row[1].split("\n")
            new = [v for v in dict.fromkeys(key_variants or []) if v and v not in lines][: max(0, max_variants - len(lines))]
            db.execute("UPDATE items SET provenance = ?, support = support + ?, updated = ? WHERE id = ?",
                       (json.dumps(merge_provenance(old, provenance or {})), new_support(old, provenance, support), now(), item_id))
            if new:
                key_text = "\n".join(lines + new)
                vector = embed_key(key_text) if embed_key else None
                db.execute("UPDATE items SET key_text = ?, embedding = COALESCE(?, embedding) WHERE id = ?",
                           (key_text, None if vector is None else to_blob(vector), item_id))
                if vector is not None:
                    self._bump_generation(db)
            return True

    def record(self, item_ids: list[str], *, helpful: int = 0, harmful: int = 0) -> int:
        """Atomically add to the counters of these items; returns how many items exist."""
        if not item_ids:
            return 0
        marks = ",".join("?" * len(item_ids))
        with self.write() as db:
            cur = db.execute(f"UPDATE items SET helpful = helpful + ?, harmful = harmful + ?, updated = ? WHERE id IN ({marks})",
                             (helpful, harmful, now(), *item_ids))
            return cur.rowcount

    def update_body(self, item_id: str, *, title: str | None = None, body: str | None = None) -> None:
        """Edit an item's text in place (an LLM refinement): keeps id, counters and provenance."""
        with self.write() as db:
            row = db.execute("SELECT title, body, task_type FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise MemoryStoreError(f"no item {item_id} in {self.path}")
            new_title, new_body = title or row[0], body or row[1]
            db.execute("UPDATE items SET title = ?, body = ?, content_hash = ?, updated = ? WHERE id = ?",
                       (new_title, new_body, content_hash(row[2], new_body), now(), item_id))

    def delete(self, item_id: str) -> bool:
        with self.write() as db:
            gone = db.execute("DELETE FROM items WHERE id = ?", (item_id,)).rowcount > 0
            if gone:
                self._bump_generation(db)
            return gone

    # --- reads -------------------------------------------------------------------------------

    def _item(self, row: tuple, dim: int | None = None, blob: bytes | None = None) -> Item:
        item = Item(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), row[7], row[8], row[9], row[10], row[11])
        if blob is not None and dim:
            item.embedding = from_blob(blob, dim)
        return item

    def get(self, item_id: str) -> Item | None:
        with self._lock:
            row = self.db.execute(f"SELECT {_COLUMNS}, embedding FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        bound = self.embedder()
        return self._item(row[:-1], bound[1] if bound else None, row[-1])

    def get_many(self, item_ids: list[str]) -> dict[str, Item]:
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        with self._lock:
            rows = self.db.execute(f"SELECT {_COLUMNS} FROM items WHERE id IN ({marks})", item_ids).fetchall()
        return {r[0]: self._item(r) for r in rows}

    def has_content(self, task_type: str | None, body: str) -> str | None:
        """The id of the item with exactly this content, if any."""
        with self._lock:
            row = self.db.execute("SELECT id FROM items WHERE content_hash = ?", (content_hash(task_type, body),)).fetchone()
        return row[0] if row else None

    def find_prefix(self, prefix: str) -> list[str]:
        """Ids starting with `prefix` (the CLI accepts an id's first characters)."""
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT id FROM items WHERE id LIKE ? ORDER BY id", (prefix.replace("%", "") + "%",))]

    def items(self, task_type: str | None = None) -> Iterator[Item]:
        """Every item, oldest first (no vectors)."""
        sql = f"SELECT {_COLUMNS} FROM items" + (" WHERE task_type = ?" if task_type else "") + " ORDER BY rowid"
        with self._lock:
            rows = self.db.execute(sql, (task_type,) if task_type else ()).fetchall()
        for row in rows:
            yield self._item(row)

    def count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM items").fetchone()[0]

    def vectors(self, after_rowid: int = 0) -> tuple[int, list[str], np.ndarray]:
        """(last rowid, ids, matrix) of the items with a vector and rowid > after_rowid."""
        bound = self.embedder()
        with self._lock:
            rows = self.db.execute("SELECT rowid, id, embedding FROM items WHERE rowid > ? AND embedding IS NOT NULL ORDER BY rowid",
                                   (after_rowid,)).fetchall()
        if not bound or not rows:
            return after_rowid, [], np.zeros((0, bound[1] if bound else 0), dtype=np.float32)
        dim = bound[1]
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), dim).astype(np.float32)
        return rows[-1][0], [r[1] for r in rows], matrix

    def stats(self) -> dict[str, Any]:
        with self._lock:
            total, helpful, harmful, support = self.db.execute(
                "SELECT count(*), coalesce(sum(helpful), 0), coalesce(sum(harmful), 0), coalesce(sum(support), 0) FROM items").fetchone()
            per_type = self.db.execute(
                "SELECT coalesce(task_type, '-'), count(*), sum(helpful), sum(harmful), sum(support) FROM items GROUP BY 1 ORDER BY 1").fetchall()
        bound = self.embedder()
        return {
            "path": str(self.path), "items": total, "helpful": helpful, "harmful": harmful, "support": support,
            "embedder": bound[0] if bound else None, "dim": bound[1] if bound else None, "schema_version": self.version,
            "per_type": {t: {"items": n, "helpful": h, "harmful": x, "support": s} for t, n, h, x, s in per_type},
        }


def new_support(old: dict[str, Any], new: dict[str, Any] | None, support: int) -> int:
    """Support added by a merge: only trajectories not already counted (re-distilling a run is a no-op)."""
    ids = (new or {}).get("trajectories")
    if not ids:
        return support
    known = set(old.get("trajectories", []))
    return len([t for t in dict.fromkeys(ids) if t not in known])


def merge_provenance(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Union of list fields (order kept, newest last, capped), scalars from `new` when absent in `old`."""
    out = dict(old)
    for key, value in new.items():
        if isinstance(value, list):
            merged = list(dict.fromkeys([*out.get(key, []), *value]))
            out[key] = merged[-MAX_PROVENANCE:]
        elif key not in out:
            out[key] = value
    return out
