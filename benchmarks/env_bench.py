"""Environment steps per second with the oracle, and episodes per second on the local and Ray executors.

Issue target on 2 cores: >= 1,000 environment steps/s, so the environment never limits RL.
Builds a scale-1 b2b org and synthesizes a few hundred tasks (every type with a generator);
the Ray row appears when Ray is installed (pip install 'crmweaver[ray]').

    .venv/bin/python benchmarks/env_bench.py [--scale 1] [--per-type 15] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.env.episode import Episode
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.tasks.synth import load_families, synthesize
from crmweaver.tasks.types import TASK_TYPES


def env_steps(org_path: Path, tasks) -> None:
    """Steps/s of Episode.step driven by the oracle (one step = one turn: a query run, or the answer)."""
    steps: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    backend = OracleBackend()
    with open_org(org_path) as org:
        for task in tasks:
            env = Episode(org, task)
            start = time.perf_counter()
            result = run_episode(env, backend)
            seconds[task.task] += time.perf_counter() - start
            steps[task.task] += result.turns
            assert result.reward == 1.0, (task.task, task.idx, result.score)
    total_steps, total_s = sum(steps.values()), sum(seconds.values())
    print(f"{'type':<34}{'steps':>7}{'steps/s':>10}")
    for code in sorted(steps, key=lambda c: steps[c] / seconds[c]):
        print(f"{code:<34}{steps[code]:>7}{steps[code] / seconds[code]:>10,.0f}")
    print(f"{'all (target >= 1,000)':<34}{total_steps:>7}{total_steps / total_s:>10,.0f}")


def episodes(org_path: Path, tasks, concurrency: int, tmp: Path) -> None:
    """Episodes/s through `evaluate` (results file, fsync per record, summary) per executor."""
    print(f"\n{'executor':<28}{'episodes':>9}{'seconds':>9}{'episodes/s':>12}")
    runs = [("local", 1), ("local", concurrency)]
    try:
        import ray
    except ImportError:
        ray = None
        print("(ray not installed: pip install 'crmweaver[ray]' for the Ray row)")
    if ray is not None:
        start = time.perf_counter()
        ray.init(num_cpus=concurrency, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        print(f"{'ray.init (local runtime)':<28}{'':>9}{time.perf_counter() - start:>9.2f}")
        runs.append(("ray", concurrency))
    for executor, c in runs:
        start = time.perf_counter()
        s = evaluate(org_path, tasks, OracleBackend, EvalConfig(model="oracle", concurrency=c, executor=executor), out_dir=tmp / f"{executor}-{c}")
        took = time.perf_counter() - start
        assert s.overall.all == 1.0
        print(f"{f'{executor}, concurrency {c}':<28}{len(tasks):>9}{took:>9.2f}{len(tasks) / took:>12,.1f}")
    if ray is not None:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--per-type", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        org_path = tmp / "b2b.db"
        start = time.perf_counter()
        build_org(org_path, preset="b2b", seed=0, scale=args.scale)
        with open_org(org_path) as org:
            types = [c for c in TASK_TYPES if c in load_families()]
            tasks = synthesize(org, per_type=args.per_type, seed=0, types=types)
        print(f"b2b org at scale {args.scale}, {len(tasks)} tasks of {len(types)} types "
              f"(built and synthesized in {time.perf_counter() - start:.1f} s)\n")
        env_steps(org_path, tasks)
        episodes(org_path, tasks, args.concurrency, tmp)


if __name__ == "__main__":
    main()
