"""The whole training study in one command: tasks -> memory -> base eval -> SFT -> eval -> RL -> eval -> table.

`crmweaver train pipeline --preset cpu-demo` (and `crmweaver demo --train`) run it. Every stage
writes into OUT and is skipped when its output is already there, so a killed run continues where
it stopped. The table compares the base model, SFT and SFT+RL, each with the memory off and on,
per skill and per type, on held-out task instances of every type (the same evaluation harness as
`crmweaver eval`; `crmweaver report OUT/runs/*` prints it again).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crmweaver.env.episode import EnvConfig
from crmweaver.evaluate import evaluate
from crmweaver.evaluate.summary import Summary
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.tasks.row import TaskRow, read_tasks, write_tasks
from crmweaver.tasks.synth import synthesize
from crmweaver.train.presets import Preset, get_preset

RESULTS_MD = "results.md"


@dataclass
class PipelineConfig:
    out: Path
    preset: str = "cpu-demo"
    org_preset: str = "b2b"
    seed: int = 0
    model: str | None = None  # the base policy; None: the preset's
    command: str = ""  # the command line that ran this, written into the results


def split_by_type(rows: list[TaskRow], test_per_type: int) -> tuple[list[TaskRow], list[TaskRow]]:
    """The first `test_per_type` instances of each type are held out; the rest train, interleaved by
    type so that the first N training tasks cover every type."""
    by_type: dict[str, list[TaskRow]] = defaultdict(list)
    for r in rows:
        by_type[r.task].append(r)
    test = [r for group in by_type.values() for r in group[:test_per_type]]
    rest = [group[test_per_type:] for group in by_type.values()]
    train = [group[i] for i in range(max(map(len, rest), default=0)) for group in rest if i < len(group)]
    return train, test


def eval_config(preset: Preset) -> EnvConfig:
    """The environment every stage meets: the RL episodes' schema, observation cut and turn limit."""
    return EnvConfig(max_turns=preset.eval_max_turns, observation_chars=preset.rl.observation_chars, schema=preset.rl.schema)


def run_pipeline(cfg: PipelineConfig, say: Callable[[str], None] = print, progress=None) -> dict[str, Summary]:
    """Run (or continue) every stage; returns the six evaluation summaries by label."""
    from crmweaver.agent.specs import make_backend
    from crmweaver.memory import Memory, build_memory, read_records
    from crmweaver.train.rl import latest_checkpoint, train_rl
    from crmweaver.train.sft import run_sft

    preset = get_preset(cfg.preset)
    if preset.rl is None:
        raise ValueError("the pipeline needs the train extra: pip install 'crmweaver[train]'")
    model = cfg.model or preset.model
    if model is None:
        raise ValueError(f"the {preset.name} preset needs --model PATH")
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    timings_path = out / "timings.json"  # seconds per stage, summed over invocations (a resumed run keeps them)
    timings: dict[str, float] = json.loads(timings_path.read_text()) if timings_path.exists() else {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        try:
            return fn()
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - t
            timings_path.write_text(json.dumps(timings, indent=2) + "\n")

    # 1. org and tasks
    org_path = out / f"{cfg.org_preset}.db"
    if not org_path.exists():
        timed("org", lambda: build_org(org_path, preset=cfg.org_preset, seed=cfg.seed, scale=1.0))
    train_path, test_path = out / "train.jsonl", out / "test.jsonl"
    if not (train_path.exists() and test_path.exists()):
        test_per_type = max(1, -(-preset.eval_tasks // 22))
        per_type = test_per_type + max(1, -(-preset.train_tasks // 22))
        with open_org(org_path) as org:
            rows = synthesize(org, per_type=per_type, seed=cfg.seed)
        train, test = split_by_type(rows, test_per_type)
        write_tasks(train_path, train[: preset.train_tasks])
        write_tasks(test_path, test[: preset.eval_tasks])
    train, test = read_tasks(train_path), read_tasks(test_path)
    say(f"org {org_path} · {len(train)} training tasks ({train_path}) · {len(test)} held-out tasks ({test_path})")

    # 2. the memory: guidelines distilled from the oracle's episodes on the training tasks
    env = eval_config(preset)
    memory_path = out / "memory.db"
    if not memory_path.exists():
        teacher = out / "runs" / "oracle-train"
        timed("memory", lambda: evaluate(org_path, train, functools.partial(make_backend, "oracle"), model="oracle",
                                         out_dir=teacher, resume=True, env_config=EnvConfig(schema=env.schema), progress=progress))
        building = memory_path.with_suffix(".partial.db")  # renamed when whole: a killed build is redone
        building.unlink(missing_ok=True)
        build_memory(read_records(teacher), building, distiller="rule")[0].close()
        building.rename(memory_path)
    with Memory(memory_path, write_policy="off") as mem:
        say(f"memory {memory_path}: {len(mem)} guidelines")

    summaries: dict[str, Summary] = {}

    def evaluate_stage(stage: str, spec: str) -> None:
        for with_memory in (False, True):
            label = f"{stage} · memory {'on' if with_memory else 'off'}"
            run = out / "runs" / f"{stage.replace('+', '-')}-mem-{'on' if with_memory else 'off'}"
            say(f"evaluating {label} → {run}")
            factory = functools.partial(make_backend, spec, max_tokens=preset.max_new_tokens)
            mem = Memory(memory_path, write_policy="off") if with_memory else None
            try:
                summaries[label] = timed(f"eval {stage}", lambda: evaluate(
                    org_path, test, factory, model=spec, out_dir=run, resume=True, env_config=env,
                    guideline_for=mem.guideline_for if mem else None, progress=progress))
            finally:
                if mem is not None:
                    mem.close()

    # 3. base model, then SFT, then RL from the SFT checkpoint (the memory grows in a copy)
    evaluate_stage("base", _servable(model, out / "base"))
    sft_dir = out / "sft"
    if not (sft_dir / "sft.json").exists():
        say(f"SFT on the oracle's trajectories → {sft_dir}")
        timed("sft", lambda: run_sft(org_path, train, model, sft_dir, preset.sft, say=say, progress_bar=False))
    evaluate_stage("sft", f"local:{sft_dir}")
    rl_dir, rl_memory = out / "rl", out / "rl-memory.db"
    if not (rl_dir / "rl_config.json").exists():
        if not rl_memory.exists():
            shutil.copyfile(memory_path, rl_memory)
        say(f"RL ({preset.rl.algo}, G={preset.rl.group_size}, {preset.rl.steps} steps) from {sft_dir} → {rl_dir}")
        timed("rl", lambda: train_rl(train, org_path, str(sft_dir), rl_dir, preset.rl, memory=rl_memory,
                                     resume=latest_checkpoint(rl_dir) is not None, progress=_say_step(say)))
    evaluate_stage("sft+rl", f"local:{rl_dir}")

    timings = {**timings, "total": sum(timings.values())}
    (out / RESULTS_MD).write_text(results_markdown(cfg, preset, summaries, rl_dir, timings), encoding="utf-8")
    say(f"results → {out / RESULTS_MD}")
    return summaries


def _servable(model: str, where: Path) -> str:
    """A backend spec for the base policy: the tiny CI model exists only in memory, so it is saved
    once as a checkpoint the local backend loads."""
    from crmweaver.train.models import TINY, load_policy, save_checkpoint

    if model != TINY:
        return model
    if not (where / "config.json").exists():
        save_checkpoint(*load_policy(TINY), where, meta={"stage": "base", "base": TINY})
    return f"local:{where}"


def _say_step(say: Callable[[str], None]) -> Callable[[dict[str, Any]], None]:
    def report(record: dict[str, Any]) -> None:
        say(f"  RL step {record.get('step')}: reward {record.get('reward', 0):.3f}, hint rate {record.get('hint_rate', 0):.2f}, "
            f"{record.get('step_s', 0):.0f} s")

    return report


def results_markdown(cfg: PipelineConfig, preset: Preset, summaries: dict[str, Summary], rl_dir: Path,
                     timings: dict[str, float]) -> str:
    """The before/after table (per skill, then per type) with how it was made."""
    from crmweaver.evaluate.table import compare_rows

    labels = list(summaries)
    head = "| | " + " | ".join(labels) + " |\n|---|" + "---:|" * len(labels) + "\n"
    skill_rows, type_rows, episodes = compare_rows(summaries)

    def lines(rows) -> str:
        return "".join(f"| {'**ALL**' if name == 'ALL' else name} | " + " | ".join(row) + " |\n" for name, row in rows)

    skills = lines(skill_rows) + "| episodes | " + " | ".join(episodes) + " |\n"
    types = lines(type_rows)
    rl_curve = rl_dir / "metrics.png"
    metrics = rl_dir / "metrics.jsonl"
    steps = [json.loads(line) for line in metrics.read_text().splitlines()] if metrics.exists() else []
    curve = "".join(f"| {r.get('step')} | {r.get('reward', 0):.3f} | {r.get('hint_rate', 0):.2f} | {r.get('equal_group_frac', 0):.2f} | {r.get('resampled_groups', 0)} | "
                    f"{r.get('response_tokens', 0):.0f} | {r.get('step_s', 0):.0f} |\n" for r in steps)
    config = {"sft": asdict(preset.sft), "rl": asdict(preset.rl), "eval": asdict(eval_config(preset)),
              "max_new_tokens": preset.max_new_tokens}
    took = "\n".join(f"- {k}: {v / 60:.1f} min" for k, v in timings.items())
    took += f"\n\nOn {os.cpu_count()} CPU cores ({platform.platform()})."
    return f"""# Training study: {preset.name} ({preset.summary})

Made by `{cfg.command or f'crmweaver train pipeline --preset {preset.name} --out {cfg.out}'}`.
Scores are success rates in % on held-out task instances (exact or fuzzy match, as CRMArena-Pro scores).
Memory on: the top-1 guideline distilled from the oracle's episodes on the training tasks is shown in
the prompt. SFT trains on the oracle's trajectories; RL (from the SFT checkpoint) runs with the memory
in the loop and writes back to its own copy.

## Per skill

{head}{skills}
## Per task type

{head}{types}
## RL reward per step

![reward curve]({rl_curve.relative_to(cfg.out).as_posix()})

| step | mean reward | hint rate | all-equal groups (after resampling) | groups resampled | sampled tokens/episode | seconds |
|---:|---:|---:|---:|---:|---:|---:|
{curve}
## Time

{took}

## Configuration

```json
{json.dumps(config, indent=2, default=str)}
```
"""
