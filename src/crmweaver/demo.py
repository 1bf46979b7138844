"""The main job, end to end and offline: org -> tasks -> evaluate the oracle and a model -> compare.

It is the README's first command: a new user sees every stage run on their machine, and the
numbers it prints come from the same harness as `crmweaver eval`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import EnvConfig
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.evaluate.summary import Summary
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.synth import synthesize


@dataclass
class DemoConfig:
    out: Path = Path("demo")
    preset: str = "b2b"
    seed: int = 0
    per_type: int = 1  # tasks per type (22 types)
    model: str | None = "local"  # evaluated next to the oracle; None = oracle only
    base_url: str | None = None
    max_turns: int = 3  # for the model, kept short so the bundled CPU model finishes in minutes
    max_new_tokens: int = 96
    runs: dict[str, Path] = field(default_factory=dict)


def run_demo(cfg: DemoConfig, say: Callable[[str], None] = print, progress=None) -> dict[str, Summary]:
    """Build the org, synthesize tasks, evaluate the oracle and `cfg.model`; summaries by label."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    org_path = cfg.out / f"{cfg.preset}.db"
    if not org_path.exists():
        build_org(org_path, preset=cfg.preset, seed=cfg.seed, scale=1.0)
    say(f"org: {org_path} ({cfg.preset}, seed {cfg.seed}, scale 1)")
    tasks_path = cfg.out / "tasks.jsonl"
    with open_org(org_path) as org:
        rows = synthesize(org, per_type=cfg.per_type, seed=cfg.seed)
    write_tasks(tasks_path, rows)
    say(f"tasks: {tasks_path} ({len(rows)} tasks, {cfg.per_type} per type, gold answers verified by reference trajectories)")
    summaries = {}
    for label in ["oracle"] + ([cfg.model] if cfg.model else []):
        # the oracle always gets CRMArena-Pro's 20 turns: its plans are up to 6 queries long
        config = EnvConfig() if label == "oracle" else EnvConfig(max_turns=cfg.max_turns)
        run = cfg.out / "runs" / label.replace(":", "_").replace("/", "_")
        factory = functools.partial(make_backend, label, base_url=cfg.base_url, max_tokens=cfg.max_new_tokens)
        say(f"evaluating {label} → {run}")
        summaries[label] = evaluate(
            org_path, rows, factory, EvalConfig(model=label, resume=run.joinpath("results.jsonl").exists(), env=config),
            out_dir=run, progress=progress,
        )
        cfg.runs[label] = run
    return summaries
