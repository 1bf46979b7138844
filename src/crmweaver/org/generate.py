"""Build a deterministic CRM org (SQLite) for a preset, seed and scale: `build_org`, `canonical_hash`.

Stages run in a fixed order, each with its own seeded random stream (see `gen_*` modules):
reference records and people → sales pipeline → tasks/events → leads and lead calls → cases and
their messages → sales emails and opportunity calls. Rows are inserted in generation order, in one
transaction, into a temp file beside the target, which is renamed into place only when complete.

Ground truth for the text-based task types lives in a hidden table `_facts(record_id, kind, value)`
(value is JSON) that the SOQL engine never exposes. Kinds:

- `quote_violation` (Quote id): `{"article": Knowledge__kav Id, "kind": rule kind, "title": ...}` for the
  one sales rule the quote breaks (pricing kinds → quote_approval, configuration kinds →
  invalid_config), or `null` when it breaks none. One row per quote.
- `case_violation` (Case id): the one service-policy article an agent breached in the case's emails
  or chat (`{"article", "kind", "title"}`), or `null`. One row per case with emails or a chat.
- `lead_bant_unmet` (Lead id): BANT factors not met per the lead's latest call, in the order
  Budget, Authority, Need, Timeline (list), or `null` when qualified. One row per lead with calls.
- `true_stage` (Opportunity id): the stage its tasks belong to (differs from StageName for the
  planted wrong-stage opportunities, among them won deals never moved to 'Closed'). One row per opportunity.
- `task_misfit` (Task id): `true` for each 'Not Started' task whose subject is not an activity of its
  opportunity's current StageName (per the stage-activity guide): 4-7 planted on some correctly staged
  opportunities, and any 'Not Started' task of a wrong-stage one. Only such tasks have a row.
- `call_competitors` (Opportunity id, and VoiceCallTranscript__c id): `{competitor name: mentions}`
  over the opportunity's calls (strictly one most-mentioned competitor) / in one call.
- `negative_topics`, `positive_topics` (Opportunity id, and VoiceCallTranscript__c id): sorted
  sub-topics (dialogue.sub_topics(preset)) with negative / positive sentiment.

B2C contracts have no CompanySignedDate: there the signing date of a won deal is
Contract.CustomerSignedDate (sales-amount and sales-cycle windows use it).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from crmweaver.org import gen_comms, gen_people, gen_sales, gen_service
from crmweaver.org.catalog_kb import catalog
from crmweaver.org.gen_base import Ctx
from crmweaver.org.gen_people import SALES_PROFILE_ID, SERVICE_PROFILE_ID  # noqa: F401 (public constants)
from crmweaver.org.schema import PRESETS, SCHEMA_VERSION, schema_for
from crmweaver.org.store import FTS_SUFFIX, META_TABLE, OrgError, create_indexes, create_tables, write_meta

DEFAULT_TODAY = date(2025, 6, 30)
GENERATOR_VERSION = "1"
FACTS_TABLE = "_facts"
MIN_SCALE, MAX_SCALE = 0.01, 100.0

Progress = Callable[[str, int, int], None]  # (stage, done, total): each stage reports 0/1 then 1/1

STAGES: tuple[tuple[str, Callable[[Ctx], None]], ...] = (
    ("reference", gen_people.build_reference),
    ("users", gen_people.build_users),
    ("accounts", gen_people.build_accounts),
    ("opportunities", gen_sales.build_sales),
    ("tasks", gen_sales.build_activities),
    ("leads", gen_comms.build_leads),
    ("cases", gen_service.build_cases),
    ("case messages", gen_service.build_case_messages),
    ("sales emails and calls", gen_comms.build_opportunity_comms),
)


def generate(preset: str, *, seed: int = 0, scale: float = 1.0, today: date | None = None) -> Ctx:
    """Generate all records in memory (no file); `build_org` writes them."""
    return _generate(preset, seed, scale, today or DEFAULT_TODAY, None)


def _generate(preset: str, seed: int, scale: float, today: date, progress: Progress | None) -> Ctx:
    if preset not in PRESETS:
        raise OrgError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise OrgError(f"scale {scale} is out of range; choose a scale between {MIN_SCALE} and {MAX_SCALE}")
    ctx = Ctx(preset, seed, scale, today, schema_for(preset), catalog(preset, seed))
    for name, stage in STAGES:
        if progress:
            progress(name, 0, 1)
        stage(ctx)
        if progress:
            progress(name, 1, 1)
    return ctx


def build_org(
    out: Path | str,
    *,
    preset: str,
    seed: int = 0,
    scale: float = 1.0,
    today: date | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> dict[str, int]:
    """Build an org file at `out`; returns the record count per object.

    Refuses to replace an existing file unless `overwrite`; never leaves a partial file behind.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise OrgError(f"{out} already exists; pass --overwrite or choose another --out path")
    out.parent.mkdir(parents=True, exist_ok=True)
    today = today or DEFAULT_TODAY
    ctx = _generate(preset, seed, scale, today, progress)
    if progress:
        progress("writing", 0, 1)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA page_size=8192")
            with conn:
                _write(conn, ctx)
            if progress:
                progress("writing", 1, 1)
                progress("indexing", 0, 1)
            with conn:
                create_indexes(conn, ctx.schema)
                conn.execute(f"CREATE INDEX ix_facts_record ON {FACTS_TABLE} (record_id)")
                conn.execute(f"CREATE INDEX ix_facts_kind ON {FACTS_TABLE} (kind)")
        finally:
            conn.close()
        os.replace(tmp, out)
    except sqlite3.OperationalError as e:  # a full disk, an unwritable folder
        tmp.unlink(missing_ok=True)
        raise OrgError(f"cannot write the org next to {out} ({e}); free some disk space or choose another --out") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress:
        progress("indexing", 1, 1)
    return {name: len(rows) for name, rows in ctx.tables.items()}


def _write(conn: sqlite3.Connection, ctx: Ctx) -> None:
    create_tables(conn, ctx.schema)
    for name, rows in ctx.tables.items():
        marks = ", ".join("?" * len(rows.names))
        conn.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows.rows)
    conn.execute(f"CREATE TABLE {FACTS_TABLE} (record_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT)")
    conn.executemany(f"INSERT INTO {FACTS_TABLE} VALUES (?, ?, ?)", ctx.facts)
    write_meta(conn, {
        "preset": ctx.preset, "seed": str(ctx.seed), "scale": repr(float(ctx.scale)), "today": ctx.today.isoformat(),
        "schema_version": SCHEMA_VERSION, "generator_version": GENERATOR_VERSION,
    })


def canonical_hash(path: Path | str) -> str:
    """SHA-256 over every data table (name order, rows sorted), excluding derived full-text tables.

    Equal for two orgs iff their records, facts and metadata are equal, whatever the page layout.
    """
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        h = hashlib.sha256()
        for name in names:
            if FTS_SUFFIX in name or name.startswith("sqlite_"):
                continue
            h.update(f"\x00table {name}\x00".encode())
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            h.update(repr(cols).encode())
            for line in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{name}"')):
                h.update(line.encode())
                h.update(b"\n")
        return h.hexdigest()
    finally:
        conn.close()


def timed_build(out: Path | str, **kw) -> tuple[dict[str, int], float]:
    """`build_org` plus its wall time in seconds (for benchmarks and the CLI)."""
    t0 = time.perf_counter()
    counts = build_org(out, **kw)
    return counts, time.perf_counter() - t0


__all__ = ["DEFAULT_TODAY", "GENERATOR_VERSION", "FACTS_TABLE", "build_org", "canonical_hash", "generate", "META_TABLE"]
