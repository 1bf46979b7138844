"""The bad-input table (issue 17): every CLI verb fed broken orgs, broken task files, folders
instead of files, unwritable outputs and a full disk. Each must answer one clear sentence and a
non-zero exit, never a traceback or a hang, and leave existing outputs untouched.

    .venv/bin/python benchmarks/hostile_inputs.py        # prints the table and every failure

Runs in-process (typer's CliRunner), each case under a 60 s alarm. The full-disk cases need a
small tmpfs (root); without one they are skipped and said so.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from crmweaver.cli import app
from crmweaver.org.generate import build_org
from crmweaver.memory import store
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.synth import synthesize


def prepare(root: Path) -> dict[str, Path]:
    f: dict[str, Path] = {}
    f["org"] = root / "org.db"
    build_org(f["org"], preset="b2b", seed=0, scale=0.1)
    with open_org(f["org"]) as org:
        rows = synthesize(org, per_type=1, seed=0, types=["handle_time", "top_issue_identification"])
    f["tasks"] = root / "tasks.jsonl"
    write_tasks(f["tasks"], rows)
    data = f["org"].read_bytes()
    f["truncated org"] = root / "truncated.db"
    f["truncated org"].write_bytes(data[: len(data) // 3])
    f["damaged org"] = root / "damaged.db"
    f["damaged org"].write_bytes(data[:40960] + bytes(range(256)) * (len(data) // 2 // 256) + data[40960 + len(data) // 2 // 256 * 256:])
    f["text file"] = root / "notes.db"
    f["text file"].write_text("not an org\n")
    f["empty file"] = root / "empty.db"
    f["empty file"].write_bytes(b"")
    f["folder"] = root / "folder.db"
    f["folder"].mkdir()
    for name, sql in (("unknown preset", "UPDATE _org SET value = 'b2z' WHERE key = 'preset'"),
                      ("bad today", "UPDATE _org SET value = '2024-13-45' WHERE key = 'today'"),
                      ("missing table", 'DROP TABLE "Case"')):
        f[name] = root / f"{name.replace(' ', '_')}.db"
        shutil.copy(f["org"], f[name])
        with sqlite3.connect(f[name]) as conn:
            conn.execute(sql)
    f["org #?%"] = root / "org #1?x=%41.db"
    shutil.copy(f["org"], f["org #?%"])
    f["binary tasks"] = root / "binary.jsonl"
    f["binary tasks"].write_bytes(bytes(range(256)) * 4)
    f["utf-16 tasks"] = root / "utf16.jsonl"
    f["utf-16 tasks"].write_text(f["tasks"].read_text(encoding="utf-8"), encoding="utf-16")
    f["nested tasks"] = root / "nested.jsonl"
    f["nested tasks"].write_text("[" * 100_000 + "\n")
    f["huge number tasks"] = root / "huge.jsonl"
    f["huge number tasks"].write_text('{"idx": ' + "9" * 5000 + "}\n")
    f["empty tasks"] = root / "empty.jsonl"
    f["empty tasks"].write_text("")
    f["truncated tasks"] = root / "torn.jsonl"
    f["truncated tasks"].write_text(f["tasks"].read_text()[:300])
    f["surrogate tasks"] = root / "surrogate.jsonl"
    f["surrogate tasks"].write_text(f["tasks"].read_text().replace('"query":"', '"query":"\\ud800', 1))
    f["run"] = root / "run"
    runner = CliRunner()
    runner.invoke(app, ["eval", "--org", str(f["org"]), "--tasks", str(f["tasks"]), "--out", str(f["run"])])
    f["memory"] = root / "memory.db"
    runner.invoke(app, ["memory", "build", "--from", str(f["run"]), "--out", str(f["memory"]), "--embedder", "lexical"])
    f["read-only org copy"] = root / "ro.db"
    shutil.copy(f["org"], f["read-only org copy"])
    f["file as folder"] = root / "afile"
    f["file as folder"].write_text("x")
    f["existing out"] = root / "existing.jsonl"
    f["existing out"].write_text("keep me\n")
    f["locked memory"] = root / "locked.db"
    shutil.copy(f["memory"], f["locked memory"])
    return f


def cases(f: dict[str, Path], full: Path | None, ro: Path | None) -> list[tuple[str, list[str], Path | None]]:
    """(label, argv, a file that must come out unchanged)."""
    bad_orgs = ["truncated org", "damaged org", "text file", "empty file", "folder", "unknown preset", "bad today",
                "missing table"]
    bad_tasks = ["binary tasks", "utf-16 tasks", "nested tasks", "huge number tasks", "empty tasks", "truncated tasks",
                 "surrogate tasks", "folder", "text file"]
    out: list[tuple[str, list[str], Path | None]] = []
    for b in bad_orgs:
        o = str(f[b])
        out += [(f"org info · {b}", ["org", "info", o], None), (f"org validate · {b}", ["org", "validate", o], None),
                (f"query · {b}", ["query", "--org", o, "SELECT Id FROM Case LIMIT 1"], None),
                (f"query SOSL · {b}", ["query", "--org", o, "FIND {refund}"], None),
                (f"tasks synth · {b}", ["tasks", "synth", "--org", o, "--types", "handle_time", "--per-type", "1",
                                        "--out", str(f["existing out"])], f["existing out"]),  # must fail before writing
                (f"tasks stats --org · {b}", ["tasks", "stats", str(f["tasks"]), "--org", o], None),
                (f"eval · {b}", ["eval", "--org", o, "--tasks", str(f["tasks"]), "--out", str(f["folder"].parent / f"r-{b}")], None),
                (f"memory stats · {b}", ["memory", "stats", o], f[b] if f[b].is_file() else None),
                (f"memory export · {b}", ["memory", "export", o], f[b] if f[b].is_file() else None)]
    for b in bad_tasks:
        t = str(f[b])
        out += [(f"tasks stats · {b}", ["tasks", "stats", t], None),
                (f"tasks split · {b}", ["tasks", "split", t, "--out-dir", str(f["folder"].parent / "splits")], None),
                (f"tasks import · {b}", ["tasks", "import", t, "--out", str(f["existing out"])], f["existing out"]),
                (f"eval · {b}", ["eval", "--org", str(f["org"]), "--tasks", t, "--out", str(f["folder"].parent / "r-t")], None),
                (f"memory build · {b}", ["memory", "build", "--from", t, "--out", str(f["folder"].parent / "m.db"), "--embedder", "lexical"], None),
                (f"query --jsonl · {b}", ["query", "--org", str(f["org"]), "--jsonl", t], None)]
    o, t = str(f["org"]), str(f["tasks"])
    unwritable = [("a folder under the output's name", str(f["folder"])), ("a file where a folder should be", str(f["file as folder"] / "x")),
                  ("existing output", str(f["existing out"]))]
    if full is not None:
        unwritable.append(("full disk", str(full / "out")))
    for label, target in unwritable:
        # tasks synth/import and memory export replace a named output by design; org build asks for --overwrite
        keep = f["existing out"] if label == "existing output" else None
        out += [(f"org build · {label}", ["org", "build", "--scale", "0.1", "--out", target], keep),
                (f"tasks synth · {label}", ["tasks", "synth", "--org", o, "--types", "handle_time", "--per-type", "1", "--out", target], None),
                (f"tasks split · {label}", ["tasks", "split", t, "--out-dir", target], None),
                (f"tasks import · {label}", ["tasks", "import", t, "--out", target], None),
                (f"eval · {label}", ["eval", "--org", o, "--tasks", t, "--out", target], keep),
                (f"memory export · {label}", ["memory", "export", str(f["memory"]), "--out", target], None),
                (f"memory build · {label}", ["memory", "build", "--from", str(f["run"]), "--out", target, "--embedder", "lexical"], keep)]
    out += [(f"report · {b}", ["report", str(f[b])], None) for b in ("folder", "text file")]
    locked = str(f["locked memory"])
    out += [("memory build · a locked memory", ["memory", "build", "--from", str(f["run"]), "--out", locked, "--embedder", "lexical"], f["locked memory"]),
            ("eval --memory-write · a locked memory", ["eval", "--org", o, "--tasks", t, "--out", str(f["folder"].parent / "r-locked"),
                                                      "--memory", locked, "--memory-write"], f["locked memory"])]
    if ro is not None:  # read-only media: reads work, writes are one sentence
        m, r = str(ro / "memory.db"), str(ro / "org.db")
        out += [("memory stats · read-only media", ["memory", "stats", m], None), ("memory export · read-only media", ["memory", "export", m], None),
                ("memory search · read-only media", ["memory", "search", "--memory", m, "Which agent"], None),
                ("memory build · into read-only media", ["memory", "build", "--from", str(f["run"]), "--out", m, "--embedder", "lexical"], None),
                ("org info · read-only media", ["org", "info", r], None), ("org validate · read-only media", ["org", "validate", r], None),
                ("query · read-only media", ["query", "--org", r, "FIND {refund}"], None),
                ("eval · into read-only media", ["eval", "--org", r, "--tasks", t, "--out", str(ro / "run")], None)]
    out += [("query · org path with #, ? and %", ["query", "--org", str(f["org #?%"]), "SELECT COUNT() FROM Case"], None),
            ("memory stats · an org file", ["memory", "stats", o], f["org"]),
            ("memory show · an org file", ["memory", "show", o, "x"], f["org"]),
            ("eval --resume · not a run", ["eval", "--org", o, "--tasks", t, "--out", str(f["folder"]), "--resume"], None)]
    return out


class Hang(Exception):
    pass


def _alarm(*_):
    raise Hang()


def run_all() -> list[dict]:
    runner = CliRunner()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        f = prepare(root)
        store.BUSY_TIMEOUT_MS = 2000  # a writer waits this long for a locked memory (60 s by default)
        holder = sqlite3.connect(f["locked memory"], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the memory's write lock throughout
        full = root / "full"
        full.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(full)], capture_output=True).returncode == 0
        if mounted:  # fill it to the last byte
            with (full / "filler").open("wb", buffering=0) as filler:
                try:
                    while True:
                        filler.write(b"x" * 512)
                except OSError:
                    pass
        ro = root / "ro"
        ro.mkdir()
        ro_mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(ro)], capture_output=True).returncode == 0
        if ro_mounted:
            shutil.copy(f["memory"], ro / "memory.db")
            shutil.copy(f["org"], ro / "org.db")
            ro_mounted = subprocess.run(["mount", "-o", "remount,ro", str(ro)], capture_output=True).returncode == 0
        try:
            for label, argv, keep in cases(f, full if mounted else None, ro if ro_mounted else None):
                before = keep.read_bytes() if keep is not None and keep.is_file() else None
                signal.signal(signal.SIGALRM, _alarm)
                signal.alarm(60)
                try:
                    result = runner.invoke(app, argv)
                    hang = False
                except Hang:
                    result, hang = None, True
                finally:
                    signal.alarm(0)
                after = keep.read_bytes() if keep is not None and keep.is_file() else None
                row = {"case": label, "hang": hang, "lost": before is not None and before != after}
                if result is not None:
                    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
                    text = result.output
                    errors = [line for line in text.splitlines() if line.startswith("error:")]
                    row.update(exit=result.exit_code, traceback=crashed or "Traceback" in text,
                               clear=not crashed and result.exit_code != 0 and len(errors) == 1,
                               ok=result.exit_code == 0 and not crashed, message=(errors or [text.strip()[-200:]])[0][:200],
                               error=repr(result.exception)[:200] if crashed else "")
                rows.append(row)
        finally:
            holder.close()
            for where, done in ((full, mounted), (ro, ro_mounted)):
                if done:
                    subprocess.run(["umount", "-l", str(where)], capture_output=True)  # lazy: a worker may still hold a file open
        if not (mounted and ro_mounted):
            print("(no tmpfs could be mounted: the full-disk and read-only media cases were skipped)")
    return rows


def main() -> None:
    rows = run_all()
    n = len(rows)
    clear = sum(r.get("clear", False) for r in rows)
    ok = sum(r.get("ok", False) for r in rows)
    tracebacks = [r for r in rows if r.get("traceback")]
    hangs = [r for r in rows if r["hang"]]
    lost = [r for r in rows if r["lost"]]
    print(f"| inputs tried | clear errors | accepted (exit 0) | tracebacks | hangs | data lost |")
    print(f"|---:|---:|---:|---:|---:|---:|")
    print(f"| {n} | {clear} | {ok} | {len(tracebacks)} | {len(hangs)} | {len(lost)} |")
    for r in rows:
        if not r.get("clear") or r["lost"]:
            kind = "LOST" if r["lost"] else "HANG" if r["hang"] else "ok  " if r.get("ok") else "FAIL"
            print(f"  {kind} {r['case']}: exit {r.get('exit')} {r.get('error') or r.get('message', '')}")
    print("\nsample messages:")
    for r in rows[:: max(1, n // 12)]:
        print(f"  {r['case']}: {r.get('message', '')}")


if __name__ == "__main__":
    main()
