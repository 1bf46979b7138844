"""CLI verbs on bad files and outputs (issue 17 items 7-12): one sentence, exit 1, nothing changed."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from crmweaver.cli import app

runner = CliRunner()


def _clear_error(result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return " ".join(result.output.split())  # rich wraps a long path onto a second line


def test_memory_commands_leave_a_non_memory_file_as_it_was(b2b_org_path, tmp_path):
    org = tmp_path / "org.db"
    shutil.copy(b2b_org_path, org)
    before = org.read_bytes()
    for argv in (["memory", "stats", str(org)], ["memory", "export", str(org)], ["memory", "show", str(org), "x"]):
        assert "not a memory file" in _clear_error(runner.invoke(app, argv))
    assert org.read_bytes() == before  # WAL used to rewrite the header, and a read-only copy no longer opened


@pytest.mark.parametrize("sql, words", [("UPDATE _org SET value = '2024-13-45' WHERE key = 'today'", "bad org metadata"),
                                        ("UPDATE _org SET value = 'b2z' WHERE key = 'preset'", "bad org metadata"),
                                        ('DROP TABLE "Case"', "lacks the table(s) Case")])
def test_bad_org_metadata_is_one_sentence(b2b_org_path, tmp_path, sql, words):
    org = tmp_path / "org.db"
    shutil.copy(b2b_org_path, org)
    with sqlite3.connect(org) as conn:
        conn.execute(sql)
    for argv in (["org", "info", str(org)], ["org", "validate", str(org)], ["query", "--org", str(org), "FIND {refund}"]):
        assert words in _clear_error(runner.invoke(app, argv))


def test_damaged_org_is_reported_not_a_traceback(b2b_org_path, tmp_path):
    org = tmp_path / "org.db"
    data = b2b_org_path.read_bytes()
    org.write_bytes(data[:40960] + b"\xa5" * (len(data) // 2) + data[40960 + len(data) // 2:])
    for argv in (["org", "validate", str(org)], ["org", "info", str(org)]):
        _clear_error(runner.invoke(app, argv))
    out = runner.invoke(app, ["query", "--org", str(org), "FIND {refund}"])
    assert "Traceback" not in out.output and out.exception is None or isinstance(out.exception, SystemExit)


def test_org_path_with_uri_characters(b2b_org_path, tmp_path):
    org = tmp_path / "org #1?x=%41.db"
    shutil.copy(b2b_org_path, org)
    result = runner.invoke(app, ["query", "--org", str(org), "SELECT COUNT() FROM Case"])
    assert result.exit_code == 0 and '"totalSize"' in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [org.name]  # no stray empty file named up to the '#'


def test_output_problems_are_one_sentence_and_leave_no_tmp(b2b_org_path, tmp_path):
    taken = tmp_path / "tasks.jsonl"
    taken.mkdir()
    result = runner.invoke(app, ["tasks", "synth", "--org", str(b2b_org_path), "--types", "handle_time", "--per-type", "1",
                                 "--out", str(taken)])
    assert "a folder has that name" in _clear_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tasks.jsonl"]  # no tasks.jsonl.tmp


def test_query_jsonl_batch_survives_bad_lines(b2b_org_path, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_bytes(b'{"q": "SELECT Id FROM Case LIMIT 1"}\n\xff\xfe not utf-8\n' + b"[" * 50_000 + b"\n"
                      + b'{"q": "SELECT Id FROM Case LIMIT ' + b"9" * 5000 + b'"}\n{"q": "SELECT Id FROM Case LIMIT 1"}\n')
    result = runner.invoke(app, ["query", "--org", str(b2b_org_path), "--jsonl", str(batch)])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and len(lines) == 5
    assert [("totalSize" in line, "MALFORMED" in line) for line in lines] == [(True, False), (False, True), (False, True),
                                                                              (False, True), (True, False)]


@pytest.mark.slow  # loads the bundled sentence model
def test_memory_write_into_an_empty_memory(b2b_org_path, tmp_path):
    """`if mem` was False for an empty memory (len 0), so --memory-write never wrote into one."""
    from crmweaver.memory import Store

    Store(tmp_path / "mem.db").close()
    tasks = tmp_path / "tasks.jsonl"
    assert runner.invoke(app, ["tasks", "synth", "--org", str(b2b_org_path), "--types", "handle_time", "--per-type", "2",
                               "--out", str(tasks)]).exit_code == 0
    result = runner.invoke(app, ["eval", "--org", str(b2b_org_path), "--tasks", str(tasks), "--out", str(tmp_path / "run"),
                                 "--memory", str(tmp_path / "mem.db"), "--memory-write"])
    assert result.exit_code == 0, result.output
    with Store(tmp_path / "mem.db", readonly=True) as store:
        assert len(list(store.items())) >= 1


def test_every_user_error_passes_one_boundary(tmp_path):
    """Issue 16: `train rl --tasks missing.jsonl` ended in a traceback (TaskFileError was not in that
    command's except list); every CrmweaverError is now converted where the CLI starts."""
    from crmweaver.errors import CrmweaverError
    from crmweaver.org.store import OrgError
    from crmweaver.tasks.row import TaskFileError

    assert issubclass(TaskFileError, CrmweaverError) and issubclass(OrgError, CrmweaverError)
    org = tmp_path / "org.db"
    org.write_text("x")
    result = runner.invoke(app, ["train", "rl", "--tasks", str(tmp_path / "missing.jsonl"), "--org", str(org),
                                 "--out", str(tmp_path / "rl"), "--preset", "cpu-smoke"])
    assert "missing.jsonl" in _clear_error(result)
    result = runner.invoke(app, ["tasks", "split", str(tmp_path / "missing.jsonl")])
    assert "missing.jsonl" in _clear_error(result)


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, "{}".encode("utf-16"), b"[" * 100_000 + b"\n",
                                     b'{"idx": ' + b"9" * 5000 + b"}\n", b""])
def test_unreadable_or_empty_inputs_keep_existing_outputs(tmp_path, content):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    kept = tmp_path / "kept.jsonl"
    kept.write_text("keep me\n")
    for argv in (["tasks", "stats", str(bad)], ["tasks", "import", str(bad), "--out", str(kept)],
                 ["tasks", "split", str(bad), "--out-dir", str(tmp_path / "splits")],
                 ["memory", "build", "--from", str(bad), "--out", str(tmp_path / "m.db"), "--embedder", "lexical"]):
        _clear_error(runner.invoke(app, argv))
    assert kept.read_text() == "keep me\n" and not (tmp_path / "splits").exists() and not (tmp_path / "m.db").exists()


def test_a_locked_memory_is_one_sentence(tmp_path, monkeypatch):
    """A memory another process keeps locked past the busy timeout: a MemoryStoreError, not an OperationalError."""
    from crmweaver.memory import MemoryStoreError, Store
    from crmweaver.memory import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "mem.db"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with Store(path) as store, pytest.raises(MemoryStoreError, match="stayed locked by another process"):
            with store.write():
                pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_read_only_memory_reads_and_refuses_writes_in_one_sentence(tmp_path):
    from crmweaver.memory import MemoryStoreError, Store

    path = tmp_path / "mem.db"
    Store(path).close()
    before = path.read_bytes()
    with Store(path, readonly=True) as store:
        assert store.stats()["items"] == 0
        with pytest.raises(MemoryStoreError, match="open read-only"):
            with store.write():
                pass
    assert path.read_bytes() == before


def test_a_read_only_memory_can_be_searched(tmp_path):
    """Checking the file's embedder only reads: a bound memory on read-only media is searchable."""
    from crmweaver.memory import Memory, MemoryStoreError, Store

    path = tmp_path / "mem.db"
    with Memory(path, embedder="lexical") as memory:
        model_id, dim = memory.embedder.model_id, memory.embedder.dim
        memory.store.bind_embedder(model_id, dim)  # as the first guideline's write does
    before = path.read_bytes()
    with Store(path, readonly=True) as store:
        store.bind_embedder(model_id, dim)
        with pytest.raises(MemoryStoreError, match="holds embeddings of"):
            store.bind_embedder("another-model", dim)
    assert path.read_bytes() == before
