"""The main job, end to end and offline: org -> tasks -> evaluate the oracle and a model -> train it -> compare.

It is the README's first command: a new user sees every stage run on their machine, and the
numbers it prints come from the same harness as `crmweaver eval`. With `train_tasks`, the local
model is fine-tuned (SFT) on the oracle's episodes of that many other task instances and evaluated
again on the same held-out instances, so the table shows what training changed — next to the
accuracy on non-None golds, where answering None scores nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import EnvConfig, turn_budget
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.evaluate.summary import Summary
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.tasks.row import read_tasks, write_tasks
from crmweaver.tasks.synth import synthesize
from crmweaver.tasks.types import TASK_TYPES
from crmweaver.train.pipeline import split_by_type
from crmweaver.train.presets import get_preset
from crmweaver.train.sft import run_sft

TRAINED = "trained"  # the label of the fine-tuned model's run


@dataclass
class DemoConfig:
    out: Path = Path("demo")
    preset: str = "b2b"
    seed: int = 0
    per_type: int = 1  # held-out tasks per type (22 types)
    model: str | None = "local"  # evaluated next to the oracle; None = oracle only
    base_url: str | None = None
    max_turns: int | None = None  # for the model; None: the tasks' turn budget (most reference steps + 2)
    max_new_tokens: int = 128
    train_tasks: int = 0  # > 0 (a local model): SFT on the oracle's episodes of this many other instances, then evaluate again
    concurrency: int = 16  # model episodes at once (the local backend decodes them in one batch)
    runs: dict[str, Path] = field(default_factory=dict)


def run_demo(cfg: DemoConfig, say: Callable[[str], None] = print, progress=None) -> dict[str, Summary]:
    """Build the org, synthesize tasks, evaluate the oracle and `cfg.model` (then train and evaluate
    it again); summaries by label."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    org_path = cfg.out / f"{cfg.preset}.db"
    if not org_path.exists():
        build_org(org_path, preset=cfg.preset, seed=cfg.seed, scale=1.0)
    say(f"org: {org_path} ({cfg.preset}, seed {cfg.seed}, scale 1)")
    tasks_path, train_path = cfg.out / "tasks.jsonl", cfg.out / "train.jsonl"
    training = bool(cfg.train_tasks and cfg.model and cfg.model.split(":")[0] == "local")
    if tasks_path.exists() and (train_path.exists() or not training):  # a second run evaluates the same tasks
        rows = read_tasks(tasks_path)
    else:
        with open_org(org_path) as org:
            extra = -(-cfg.train_tasks // len(TASK_TYPES)) if training else 0
            everything = synthesize(org, per_type=cfg.per_type + extra, seed=cfg.seed)
        train, rows = split_by_type(everything, cfg.per_type)
        write_tasks(tasks_path, rows)
        if training:
            write_tasks(train_path, train[: cfg.train_tasks])
    say(f"tasks: {tasks_path} ({len(rows)} tasks, {cfg.per_type} per type, gold answers verified by reference trajectories)")
    train = read_tasks(train_path) if training else []
    budget = cfg.max_turns or turn_budget(rows + train)
    summaries: dict[str, Summary] = {}

    def run(label: str, spec: str, config: EnvConfig, concurrency: int = 1) -> None:
        folder = cfg.out / "runs" / label.replace(":", "_").replace("/", "_")
        factory = functools.partial(make_backend, spec, base_url=cfg.base_url, max_tokens=cfg.max_new_tokens)
        say(f"evaluating {label} → {folder}")
        summaries[label] = evaluate(
            org_path, rows, factory,
            EvalConfig(model=spec, resume=folder.joinpath("results.jsonl").exists(), env=config, concurrency=concurrency),
            out_dir=folder, progress=progress,
        )
        cfg.runs[label] = folder

    run("oracle", "oracle", EnvConfig())  # the oracle gets CRMArena-Pro's 20 turns: its plans are up to 6 queries long
    if cfg.model:
        local = cfg.model.split(":")[0] == "local"
        model_env = EnvConfig(max_turns=budget, schema="task", observation_chars=1500)  # the type's objects only: short prompts
        run(cfg.model, cfg.model, model_env, concurrency=cfg.concurrency if local else 1)
        if training:
            sft_dir = _train(cfg, org_path, train, budget, model_env, say)
            run(TRAINED, f"local:{sft_dir}", model_env, concurrency=cfg.concurrency)
    return summaries


def _train(cfg: DemoConfig, org_path: Path, train: list, budget: int, env: EnvConfig, say: Callable[[str], None]) -> Path:
    """SFT on the oracle's episodes (the cpu-demo preset's settings, one epoch), recorded under the
    turn budget the model is evaluated with; skipped when its checkpoint is already there."""
    sft_dir = cfg.out / "sft"
    if not (sft_dir / "sft.json").exists():
        base = get_preset("cpu-demo").sft
        config = replace(base, max_tasks=len(train), epochs=1, teacher_max_turns=budget, schema=env.schema,
                         observation_chars=env.observation_chars, hint_rule="never", curve=())
        say(f"training {cfg.model} on the oracle's episodes of {len(train)} other task instances (SFT, one epoch) → {sft_dir}")
        run_sft(org_path, train, cfg.model or "local", sft_dir, config, say=say, progress_bar=False)
    return sft_dir
