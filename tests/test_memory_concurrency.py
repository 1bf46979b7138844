"""Several processes writing one memory file: no lost write or update, no corrupt file after SIGKILL."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import time

import numpy as np

from crmweaver.memory import Store

WORKERS = 4
ITEMS = 1000
SHARED_BODY = "the guideline every worker updates"


def _worker(path: str, worker: int, start, items: int) -> None:
    store = Store(path)
    rng = np.random.default_rng(worker)
    shared, _ = store.add(title="shared", body=SHARED_BODY, key_text="k", embedding=None, task_type="handle_time")
    start.wait()
    for i in range(items):
        vector = rng.normal(size=8).astype(np.float32)
        item_id, created = store.add(title=f"w{worker}-{i}", body=f"worker {worker} item {i}", key_text=f"key {worker} {i}",
                                     embedding=vector, task_type="transfer_count", provenance={"trajectories": [f"w{worker}-{i}"]})
        assert created
        store.record([item_id], helpful=1)  # one update of its own item
        store.record([shared], helpful=1, harmful=i % 2)  # and one of the item every worker hits
        if i % 10 == 0:  # read-modify-write of shared provenance: lost updates would drop ids
            store.merge(shared, provenance={"trajectories": [f"w{worker}-{i}"]})
    store.close()


def test_four_processes_write_and_update_concurrently(tmp_path):
    path = str(tmp_path / "mem.db")
    with Store(path) as store:
        store.bind_embedder("test-vectors", 8)
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_worker, args=(path, w, start, ITEMS)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    with Store(path) as store:
        assert store.count() == WORKERS * ITEMS + 1
        items = {item.title: item for item in store.items()}
        for w in range(WORKERS):
            for i in range(ITEMS):
                item = items[f"w{w}-{i}"]
                assert (item.helpful, item.harmful, item.provenance["trajectories"]) == (1, 0, [f"w{w}-{i}"])
        shared = items["shared"]
        assert shared.helpful == WORKERS * ITEMS and shared.harmful == WORKERS * ITEMS // 2
        expected = {f"w{w}-{i}" for w in range(WORKERS) for i in range(0, ITEMS, 10)}
        assert set(shared.provenance["trajectories"]) == expected
        _, ids, matrix = store.vectors()
        assert len(ids) == WORKERS * ITEMS and matrix.shape == (WORKERS * ITEMS, 8)
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _endless_writer(path: str) -> None:
    store = Store(path)
    i = 0
    while True:
        item_id, _ = store.add(title=f"t{i}", body=f"body {i} " + "x" * 500, key_text="k", embedding=np.ones(64, np.float32))
        store.record([item_id], helpful=1)
        i += 1


def test_sigkill_mid_write_leaves_a_sound_file(tmp_path):
    path = str(tmp_path / "mem.db")
    Store(path).close()
    proc = mp.get_context("spawn").Process(target=_endless_writer, args=(path,))
    proc.start()
    deadline = time.time() + 60
    with Store(path) as watcher:
        while watcher.count() < 300 and time.time() < deadline:
            time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    assert proc.exitcode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = db.execute("SELECT title, body, helpful, length(embedding) FROM items").fetchall()
    assert len(rows) >= 300
    assert all(body.startswith("body ") and emb == 64 * 4 and helpful in (0, 1) for _, body, helpful, emb in rows)
    assert sum(h == 0 for *_, h, _ in rows) <= 1  # at most the last item lost its (separate) counter update
    with Store(path) as store:  # and it opens and takes writes again
        store.add(title="after", body="after the kill", key_text="k", embedding=None)
        assert store.count() == len(rows) + 1
