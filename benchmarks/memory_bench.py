"""Memory benchmarks: retrieval latency at 1k/10k/100k items, and top-1 task-type accuracy.

Latency: a memory file of N synthetic items (random unit vectors of the embedder's dimension)
is searched with `Memory.retrieve_vector` (embedding excluded: index sync check, matrix product,
top-k, item fetch) and `Memory.retrieve` (embedding of the request included). Target: p50 <= 2 ms
at 10k items, embedding excluded.

Accuracy (the issue's check): tasks of every family that exists are synthesized on an org, split
per type into train and test; a memory is built with the rule distiller from the oracle
trajectories of train; every held-out test query (new phrasings, new entities) must retrieve a
guideline of its own task type as top-1 (target >= 95 %), reported per type.

    .venv/bin/python benchmarks/memory_bench.py [--sizes 1000,10000,100000] [--embedder lexical|minilm]
        [--per-type 20] [--scale 0.1] [--skip-latency] [--skip-accuracy]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from crmweaver.memory import Memory, make_embedder, rule_distill, trajectories
from crmweaver.memory.store import content_hash, now, to_blob

QUERIES = [
    "Which agent had the shortest average handle time in the past 3 months?",
    "Does lead 00QWt0000000020MAA meet all four BANT criteria?",
    "What kind of license does PanelForge DFM Checker use?",
    "Who transferred the most cases in Q4 2024, among agents with more than 5 cases?",
]


def fill(memory: Memory, n: int, seed: int = 0) -> None:
    """N items with random unit vectors, written in one transaction (a bulk load, not dedupe-checked)."""
    memory.store.bind_embedder(memory.embedder.model_id, memory.embedder.dim)
    rng = np.random.default_rng(seed)
    stamp = now()
    with memory.store.write() as db:
        for start in range(0, n, 5000):
            rows = []
            for i in range(start, min(n, start + 5000)):
                v = rng.normal(size=memory.embedder.dim).astype(np.float32)
                body = f"synthetic guideline {i}"
                rows.append((content_hash("handle_time", body)[:16], content_hash("handle_time", body), f"item {i}", body, f"key {i}",
                             to_blob(v / np.linalg.norm(v)), "handle_time", "database", "{}", stamp, stamp))
            db.executemany("INSERT INTO items (id, content_hash, title, body, key_text, embedding, task_type, skill, provenance, created, updated) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def latency(sizes: list[int], embedder_spec: str, repeats: int) -> None:
    embedder = make_embedder(embedder_spec)
    print(f"\n## Retrieval latency · embedder {embedder.model_id} (dim {embedder.dim}) · top-1 · {repeats} queries per cell")
    print(f"{'items':>8} {'load s':>8} {'p50 ms (no embed)':>18} {'p99 ms':>8} {'p50 ms (with embed)':>20} {'p99 ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            memory = Memory(Path(tmp) / f"m{n}.db", embedder=embedder, threshold=-1.0)
            fill(memory, n)
            t0 = time.perf_counter()
            memory.retrieve(QUERIES[0])  # first call loads the index from the file
            load = time.perf_counter() - t0
            vectors = embedder.embed(QUERIES)
            bare, full = [], []
            for r in range(repeats):
                t = time.perf_counter()
                hits = memory.retrieve_vector(vectors[r % len(QUERIES)], k=1)
                bare.append((time.perf_counter() - t) * 1000)
                assert hits
                t = time.perf_counter()
                memory.retrieve(QUERIES[r % len(QUERIES)], k=1)
                full.append((time.perf_counter() - t) * 1000)
            print(f"{n:>8} {load:>8.2f} {statistics.median(bare):>18.3f} {percentile(bare, 99):>8.3f} "
                  f"{statistics.median(full):>20.3f} {percentile(full, 99):>8.3f}")
            memory.close()


def accuracy(embedder_spec: str, per_type: int, scale: float, test: float, seed: int) -> None:
    from crmweaver.agent.loop import run_episode
    from crmweaver.agent.oracle import OracleBackend
    from crmweaver.env.episode import Episode
    from crmweaver.org.generate import build_org
    from crmweaver.org.store import open_org
    from crmweaver.tasks.split import split_rows
    from crmweaver.tasks.synth import load_families, synthesize
    from crmweaver.tasks.types import TASK_TYPES

    with tempfile.TemporaryDirectory() as tmp:
        org_path = Path(tmp) / "org.db"
        t0 = time.perf_counter()
        build_org(org_path, preset="b2b", seed=0, scale=scale)
        org = open_org(org_path)
        types = [c for c in TASK_TYPES if c in load_families()]
        rows = synthesize(org, per_type=per_type, seed=seed, types=types)
        parts = split_rows(rows, dev=0.0, test=test, seed=seed)
        records = []
        for task in parts["train"]:
            r = run_episode(Episode(org, task), OracleBackend())
            records.append({"key": f"{task.task}:{task.idx}", "idx": task.idx, "task": task.task, "model": "oracle",
                            "reward": r.reward, "response": r.response, "messages": r.messages})
        build_s = time.perf_counter() - t0
        memory = Memory(Path(tmp) / "mem.db", embedder=embedder_spec)
        t0 = time.perf_counter()
        counts = memory.add_all(rule_distill(trajectories(records)))
        distill_s = time.perf_counter() - t0
        print(f"\n## Top-1 task-type accuracy · embedder {memory.embedder.model_id} · b2b scale {scale} · {len(types)} types · "
              f"{len(parts['train'])} train / {len(parts['test'])} test tasks · {len(memory)} items ({counts}) · "
              f"org+tasks+oracle {build_s:.1f}s, distil+store {distill_s:.1f}s · threshold {memory.threshold}")
        right, plain, total, missed, confused = Counter(), Counter(), Counter(), Counter(), Counter()
        for task in parts["test"]:
            hits = memory.retrieve(task.query, k=1, context=task.metadata.required)  # what guideline_for(task) does
            bare = memory.retrieve(task.query, k=1, threshold=-1.0)  # the request alone (memory search "...")
            total[task.task] += 1
            plain[task.task] += bool(bare) and bare[0].task_type == task.task
            if not hits:
                missed[task.task] += 1
            elif hits[0].task_type == task.task:
                right[task.task] += 1
            else:
                confused[(task.task, hits[0].task_type)] += 1
        print(f"{'task type':<34}{'test':>6}{'top-1 right':>13}{'no hit':>8}{'request only':>14}")
        for code in types:
            if total[code]:
                print(f"{code:<34}{total[code]:>6}{right[code] / total[code]:>12.0%}{missed[code]:>8}{plain[code] / total[code]:>13.0%}")
        n = max(1, sum(total.values()))
        print(f"{'ALL':<34}{sum(total.values()):>6}{sum(right.values()) / n:>12.1%}{sum(missed.values()):>8}{sum(plain.values()) / n:>13.1%}"
              "   (target >= 95 %, top-1 with the task context as guideline_for does)")
        if confused:
            print("confusions (true -> retrieved): " + ", ".join(f"{a}->{b} x{n}" for (a, b), n in confused.most_common(8)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--embedder", default="lexical", help="lexical, minilm or openai:MODEL")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--per-type", type=int, default=20)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--test", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    if not args.skip_latency:
        latency([int(s) for s in args.sizes.split(",")], args.embedder, args.repeats)
    if not args.skip_accuracy:
        accuracy(args.embedder, args.per_type, args.scale, args.test, args.seed)


if __name__ == "__main__":
    main()
