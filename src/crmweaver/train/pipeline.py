"""The whole training study in one command: tasks -> memory -> base eval -> SFT (learning curve) -> eval -> RL -> eval -> tables.

`crmweaver train pipeline --preset cpu-study` runs it. Every stage
writes into OUT and is skipped when its output is already there, so a killed run continues where
it stopped. The tables compare the base model, SFT and SFT+RL, each with the memory off and on,
per skill and per type, on held-out task instances of every type (the same evaluation harness as
`crmweaver eval`; `crmweaver report OUT/runs/*` prints it again) — types the preset holds out are
never trained on. Every figure carries a 95 % bootstrap interval, every difference between stages
a paired one, and every table the constant-"None" baseline and the accuracy on non-None golds, so
that answering None to everything never looks like progress. One turn budget (the tasks' most
reference steps + 2) serves the teacher, RL and every evaluation.
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
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import EnvConfig, turn_budget
from crmweaver.errors import ConfigError
from crmweaver.evaluate import EvalConfig, ResultRecord, evaluate, load_results
from crmweaver.evaluate.intervals import REPLICATES, answer_reward, difference, figures
from crmweaver.evaluate.summary import Summary, summarize
from crmweaver.evaluate.table import NONE_COLUMN, compare_rows
from crmweaver.memory import Memory, build_memory, read_records
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.tasks.row import TaskRow, read_tasks, write_tasks
from crmweaver.tasks.synth import synthesize
from crmweaver.tasks.types import TASK_TYPES
from crmweaver.train.metrics import plot_curve, sft_episodes_seen
from crmweaver.train.models import TINY, load_policy, save_checkpoint
from crmweaver.train.presets import Preset, get_preset
from crmweaver.train.rl import latest_checkpoint, train_rl
from crmweaver.train.sft import curve_checkpoint, run_sft

RESULTS_MD = "results.md"
PRIOR_COLUMN = "training prior"  # the baseline that answers each type's most frequent training gold
_STAGE_ORDER = ["base", "sft after", "sft", "sft+rl"]  # the tables' column order (runs finish in another)
MEMORY_ONLY_TASKS = "memory-only.jsonl"
CURVE_PNG = "learning_curve.png"


@dataclass
class PipelineConfig:
    out: Path
    preset: str = "cpu-demo"
    org_preset: str = "b2b"
    seed: int = 0
    model: str | None = None  # the base policy; None: the preset's
    command: str = ""  # the command line that ran this, written into the results


def split_by_type(rows: list[TaskRow], test_per_type: int, held_out: tuple[str, ...] = ()) -> tuple[list[TaskRow], list[TaskRow]]:
    """The first `test_per_type` instances of each type are held out, and every instance of the
    `held_out` types (those are only evaluated); the rest train, interleaved by type so that the
    first N training tasks cover every type."""
    by_type: dict[str, list[TaskRow]] = defaultdict(list)
    for r in rows:
        by_type[r.task].append(r)
    test = [r for group in by_type.values() for r in group[:test_per_type]]
    rest = [group[test_per_type:] for code, group in by_type.items() if code not in held_out]
    train = [group[i] for i in range(max(map(len, rest), default=0)) for group in rest if i < len(group)]
    return train, test


def eval_config(preset: Preset, max_turns: int | None = None) -> EnvConfig:
    """The environment every stage meets: the RL episodes' schema, observation cut and the turn budget."""
    return EnvConfig(max_turns=preset.eval_max_turns or max_turns or 20, observation_chars=preset.rl.observation_chars,
                     schema=preset.rl.schema)


@dataclass
class Study:
    """What the stages produced, for the tables: runs by label, and where the RL and SFT outputs are."""

    summaries: dict[str, Summary]
    runs: dict[str, Path]
    curve: list[tuple[int, str]]  # (episodes seen, run label), memory off
    held_out: tuple[str, ...]
    rl_dir: Path
    sft_dir: Path
    max_turns: int


def run_pipeline(cfg: PipelineConfig, say: Callable[[str], None] = print, progress=None) -> dict[str, Summary]:
    """Run (or continue) every stage; returns the evaluation summaries by label."""
    preset = get_preset(cfg.preset)
    if preset.rl is None:
        raise ConfigError("the pipeline needs the train extra: pip install 'crmweaver[train]'")
    unknown = [t for t in preset.held_out_types if t not in TASK_TYPES]
    if unknown:
        raise ConfigError(f"the {preset.name} preset holds out unknown task types {unknown}")
    model = cfg.model or preset.model
    if model is None:
        raise ConfigError(f"the {preset.name} preset needs --model PATH")
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
    unseen_path = out / MEMORY_ONLY_TASKS  # the held-out types' other instances: distilled into the memory, never trained on
    if not (train_path.exists() and test_path.exists()):
        seen = len(TASK_TYPES) - len(preset.held_out_types)
        test_per_type = max(1, -(-preset.eval_tasks // len(TASK_TYPES)))
        per_type = test_per_type + max(1, -(-preset.train_tasks // seen))
        with open_org(org_path) as org:
            rows = synthesize(org, per_type=per_type, seed=cfg.seed)
        train, test = split_by_type(rows, test_per_type, preset.held_out_types)
        test = test[: preset.eval_tasks]
        unseen = [r for r in rows if r.task in preset.held_out_types and r not in test]
        if unseen:
            write_tasks(unseen_path, unseen)
        write_tasks(train_path, train[: preset.train_tasks])
        write_tasks(test_path, test)
    train, test = read_tasks(train_path), read_tasks(test_path)
    unseen = read_tasks(unseen_path) if unseen_path.exists() else []
    budget = turn_budget(train + test)
    env = eval_config(preset, budget)
    held = f", {len(preset.held_out_types)} type(s) never trained on" if preset.held_out_types else ""
    say(f"org {org_path} · {len(train)} training tasks ({train_path}) · {len(test)} held-out tasks ({test_path}){held} · "
        f"{env.max_turns} turns per episode")

    # 2. the memory: guidelines distilled from the oracle's episodes (same turn budget) on the training tasks and on other
    # instances of the held-out types: the policy never trains on those types, it meets them only through the memory
    memory_path = out / "memory.db"
    if not memory_path.exists():
        teachers = [(out / "runs" / "oracle-train", train)] + ([(out / "runs" / "oracle-memory-only", unseen)] if unseen else [])
        for teacher, teacher_tasks in teachers:
            timed("memory", functools.partial(evaluate, org_path, teacher_tasks, functools.partial(make_backend, "oracle"),
                                              EvalConfig(model="oracle", resume=True, env=env), out_dir=teacher, progress=progress))
        building = memory_path.with_suffix(".partial.db")  # renamed when whole: a killed build is redone
        building.unlink(missing_ok=True)
        build_memory([r for teacher, _ in teachers for r in read_records(teacher)], building, distiller="rule")[0].close()
        building.rename(memory_path)
    with Memory(memory_path, write_policy="off") as mem:
        say(f"memory {memory_path}: {len(mem)} guidelines")

    summaries: dict[str, Summary] = {}
    runs: dict[str, Path] = {}
    curve: list[tuple[int, str]] = []
    sft_dir, rl_dir, rl_memory = out / "sft", out / "rl", out / "rl-memory.db"

    def write_results(complete: bool) -> None:
        """results.md after every evaluation: a study stopped part-way still shows what it measured."""
        spent = {**timings, "total": sum(timings.values())}
        ordered = dict(sorted(summaries.items(), key=lambda kv: _STAGE_ORDER.index(_stage(kv[0]))))
        study = Study(ordered, runs, curve, tuple(preset.held_out_types), rl_dir, sft_dir, env.max_turns)
        (out / RESULTS_MD).write_text(results_markdown(cfg, preset, study, spent, complete=complete), encoding="utf-8")

    def evaluate_run(label: str, name: str, spec: str, with_memory: bool, clock: str) -> None:
        run = out / "runs" / name
        say(f"evaluating {label} → {run}")
        factory = functools.partial(make_backend, spec, max_tokens=preset.max_new_tokens)
        mem = Memory(memory_path, write_policy="off") if with_memory else None
        try:
            run_cfg = EvalConfig(model=spec, resume=True, env=env, concurrency=preset.eval_concurrency,
                                 guideline_for=mem.guideline_for if mem else None)
            summaries[label] = timed(clock, lambda: evaluate(org_path, test, factory, run_cfg, out_dir=run, progress=progress))
            runs[label] = run
            write_results(complete=False)
        finally:
            if mem is not None:
                mem.close()

    def evaluate_stage(stage: str, spec: str) -> None:
        for with_memory in (False, True)[: 1 + (stage in preset.memory_on_stages)]:
            evaluate_run(f"{stage} · memory {'on' if with_memory else 'off'}",
                         f"{stage.replace('+', '-')}-mem-{'on' if with_memory else 'off'}", spec, with_memory, f"eval {stage}")

    # 3. base model, then SFT (evaluated, then its learning curve), then RL from the SFT checkpoint (the memory grows in a copy)
    evaluate_stage("base", _servable(model, out / "base"))
    if not (sft_dir / "sft.json").exists():
        say(f"SFT on the oracle's trajectories (guidelines shown: {preset.sft.hint_rule}) → {sft_dir}")
        sft_config = replace(preset.sft, teacher_max_turns=env.max_turns)
        timed("sft", lambda: run_sft(org_path, train, model, sft_dir, sft_config, say=say, progress_bar=False, memory=memory_path))
    evaluate_stage("sft", f"local:{sft_dir}")
    for n in preset.sft.curve:  # after the SFT stage's own evaluations
        if (curve_checkpoint(sft_dir, n) / "config.json").is_file():
            label = f"sft after {n} · memory off"
            curve.append((n, label))
            evaluate_run(label, f"sft-after-{n}-mem-off", f"local:{curve_checkpoint(sft_dir, n)}", False, "eval sft curve")
    if not (rl_dir / "rl_config.json").exists():
        if not rl_memory.exists():
            shutil.copyfile(memory_path, rl_memory)
        rl_config = replace(preset.rl, max_turns=env.max_turns)
        say(f"RL ({rl_config.algo}, G={rl_config.group_size}, {rl_config.steps} steps) from {sft_dir} → {rl_dir}")
        timed("rl", lambda: train_rl(train, org_path, str(sft_dir), rl_dir, rl_config, memory=rl_memory,
                                     resume=latest_checkpoint(rl_dir) is not None, progress=_say_step(say),
                                     screen_progress=_say_screen(say)))
    evaluate_stage("sft+rl", f"local:{rl_dir}")

    write_results(complete=True)
    say(f"results → {out / RESULTS_MD}")
    return summaries


def _stage(label: str) -> str:
    """A run label's stage: "sft · memory on" -> sft, "sft after 80 · memory off" -> sft after."""
    return "sft after" if label.startswith("sft after ") else label.split(" · ")[0]


def _servable(model: str, where: Path) -> str:
    """A backend spec for the base policy: the tiny CI model exists only in memory, so it is saved
    once as a checkpoint the local backend loads."""
    if model != TINY:
        return model
    if not (where / "config.json").exists():
        save_checkpoint(*load_policy(TINY), where, meta={"stage": "base", "base": TINY})
    return f"local:{where}"


def _say_step(say: Callable[[str], None]) -> Callable[[dict[str, Any]], None]:
    def report(record: dict[str, Any]) -> None:
        say(f"  RL step {record.get('step')}: reward {record.get('reward', 0):.3f}, hint rate {record.get('hint_rate', 0):.2f}, "
            f"{'gradient' if record.get('signal') else 'no gradient (every group dropped)'}, {record.get('step_s', 0):.0f} s")

    return report


def _say_screen(say: Callable[[str], None]) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            say(f"  pass-rate screening: {done}/{total} tasks")

    return report


# ---- the tables ------------------------------------------------------------------------------


def _cell(value: float | None, ci: list[float] | None = None) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f}" + (f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if ci else "")


def _delta(found: tuple[float, list[float]] | None) -> str:
    if found is None:
        return "-"
    d, (lo, hi) = found
    mark = " *" if lo > 0 or hi < 0 else ""  # the interval excludes 0
    return f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]{mark}"


def _table(head: list[str], rows: list[tuple[str, list[str]]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    lines += [f"| {'**ALL**' if name == 'ALL' else name} | " + " | ".join(cells) + " |" for name, cells in rows]
    return "\n".join(lines) + "\n"


def prior_answers(train: list[TaskRow]) -> dict[str, str]:
    """Each trained type's most frequent gold answer in the training tasks, as text: what a policy
    that learned only the answer prior (not how to query) would say. Held-out types have none."""
    counts: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for row in train:
        counts[row.task][tuple(row.answer)] += 1
    return {task: ", ".join("None" if a is None else str(a) for a in max(c, key=lambda k: (c[k], str(k))))
            for task, c in counts.items()}


def prior_reward(priors: dict[str, str]) -> Callable[[ResultRecord], float]:
    """What answering the training prior (else None) would have scored on a record's task."""
    return lambda record: answer_reward(record, priors.get(record.task, "None"))


def _records(run: Path) -> list[ResultRecord]:
    path = run / "results.jsonl"
    return load_results(path)[0] if path.is_file() else []


def results_markdown(cfg: PipelineConfig, preset: Preset, study: Study, timings: dict[str, float], *, complete: bool = True) -> str:
    """The study's tables (per skill, seen vs held-out types, differences between stages, learning
    curve, per type, RL signal) with intervals and baselines, and how they were made."""
    out = Path(cfg.out)
    labels = list(study.summaries)
    records = {label: _records(study.runs[label]) for label in labels if label in study.runs}
    held = set(study.held_out)

    def part(label: str, unseen: bool) -> list[ResultRecord]:
        return [r for r in records.get(label, []) if (r.task in held) == unseen]

    skill_rows, type_rows, episodes = compare_rows(study.summaries, intervals=True, baseline=True)
    train_path = out / "train.jsonl"
    first = next(iter(records.values()), [])
    by_prior = prior_reward(prior_answers(read_tasks(train_path))) if train_path.is_file() else None
    prior = figures(first, reward=by_prior) if by_prior and first else {}
    keys = {"ALL": "ALL", "non-None golds": "non-None"}
    skill_rows = [(name, cells + [_cell(prior.get(keys.get(name, name)))]) for name, cells in skill_rows]
    type_rows = [(name, cells + [_cell(prior.get(f"type:{name}"))]) for name, cells in type_rows]
    episodes = episodes + [episodes[-1]]
    head = [""] + labels + [NONE_COLUMN, PRIOR_COLUMN]
    skills = _table(head, skill_rows + [("episodes", episodes)])
    types = _table(head, [(f"{name} (held out)" if name in held else name, cells) for name, cells in type_rows])

    # seen vs held-out types
    split = ""
    if held:
        rows = []
        for label in labels:
            cells = []
            for unseen in (False, True):
                g = summarize(part(label, unseen)).overall
                cells += [_cell(g.all, g.ci.get("ALL")), _cell(g.non_none, g.ci.get("non-None"))] if g else ["-", "-"]
            rows.append((label, cells))
        base = labels[0] if labels else None
        if base:
            cells = []
            for unseen in (False, True):
                g = summarize(part(base, unseen)).overall
                cells += [_cell(g.none_baseline.get("ALL")), _cell(0.0)] if g else ["-", "-"]
            rows.append((NONE_COLUMN, cells))
            if by_prior:
                cells = []
                for unseen in (False, True):
                    f = figures(part(base, unseen), reward=by_prior)
                    cells += [_cell(f.get("ALL")), _cell(f.get("non-None"))]
                rows.append((PRIOR_COLUMN, cells))
        split = ("\n## Seen types and held-out types\n\nHeld out (never trained on): " + ", ".join(f"`{t}`" for t in sorted(held))
                 + ".\n\n" + _table(["", "seen: ALL", "seen: non-None golds", "held-out: ALL", "held-out: non-None golds"], rows))

    # differences between stages (paired bootstrap on the same tasks)
    pairs = [("base", "sft", "off"), ("sft", "sft+rl", "off"), ("base", "sft+rl", "off")]
    pairs = [(f"{a} · memory {m}", f"{b} · memory {m}", f"{b} vs {a} (memory {m})") for a, b, m in pairs]
    pairs += [(f"{st} · memory off", f"{st} · memory on", f"memory on vs off ({st})") for st in ("base", "sft", "sft+rl")]
    diff_rows = []
    for a, b, name in pairs:
        if a not in records or b not in records:
            continue
        every = difference(records[a], records[b])
        cells = [_delta(every.get("ALL")), _delta(every.get("non-None"))]
        if held:  # held-out types: the memory on vs off rows are the paper's unseen scenarios
            unseen = difference(part(a, True), part(b, True))
            cells += [_delta(difference(part(a, False), part(b, False)).get("ALL")), _delta(unseen.get("ALL")), _delta(unseen.get("non-None"))]
        diff_rows.append((name, cells))
    diff_head = ["", "ALL", "non-None golds"] + (["seen types: ALL", "held-out types: ALL", "held-out types: non-None golds"] if held else [])
    diffs = _table(diff_head, diff_rows)

    # the learning curve: held-out accuracy after 0, some and all SFT episodes (memory off)
    sft_json, sft_log = study.sft_dir / "sft.json", study.sft_dir / "sft_log.jsonl"
    n_all = sft_episodes_seen(json.loads(sft_json.read_text()) if sft_json.exists() else {},
                              [json.loads(x) for x in sft_log.read_text().splitlines() if x.strip()] if sft_log.exists() else [])
    points = [(0, "base · memory off")] + list(study.curve) + ([(n_all, "sft · memory off")] if n_all else [])
    curve_rows, plotted = [], []
    for n, label in points:
        g = study.summaries[label].overall if label in study.summaries else None
        if g is None:
            continue
        h = summarize(part(label, True)).overall if held else None
        curve_rows.append((str(n), [_cell(g.all, g.ci.get("ALL")), _cell(g.non_none, g.ci.get("non-None"))]
                           + ([_cell(h.all, h.ci.get("ALL")) if h else "-"] if held else [])))
        plotted.append({"episodes": n, "ALL": g.all, "ALL_ci": g.ci.get("ALL"), "non-None": g.non_none, "non-None_ci": g.ci.get("non-None")})
    png = plot_curve(plotted, out / CURVE_PNG, title=f"held-out accuracy after SFT on N oracle episodes ({preset.name})")
    curve = _table(["SFT episodes seen", "ALL", "non-None golds"] + (["held-out types: ALL"] if held else []), curve_rows)
    if png is not None:
        curve = f"![learning curve]({png.relative_to(out).as_posix()})\n\n" + curve

    # RL: screening, signal, reward per step
    rl_dir = study.rl_dir
    metrics = rl_dir / "metrics.jsonl"
    steps = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()] if metrics.exists() else []
    signal = sum(bool(r.get("signal", (r.get("trained_tokens") or 0) > 0)) for r in steps)
    screen_path = rl_dir / "screen.json"
    screen = json.loads(screen_path.read_text()) if screen_path.exists() else None
    rl_text = f"Optimizer steps with a non-zero gradient: **{signal} of {len(steps)}**" + (f" ({100 * signal / len(steps):.0f} %)." if steps else ".")
    rl_json = rl_dir / "rl_config.json"
    non_none = json.loads(rl_json.read_text()).get("screen_none_golds") is False if rl_json.exists() else False
    if screen:
        rl_text += (f" Before RL, {screen.get('rollouts')} rollouts of the SFT policy on each of {screen.get('tasks')} training tasks "
                    + ("(only tasks whose gold is not None) " if non_none else "") +
                    f"estimated its pass rate (mean {100 * screen.get('mean_pass_rate', 0):.0f} %); RL trained on the "
                    f"{screen.get('kept')} tasks whose rollouts were mixed (their mean pass rate {100 * screen.get('kept_pass_rate', 0):.0f} %)"
                    + (f"; {screen['fallback']}" if screen.get("fallback") else "") + ".")
    rl_curve = rl_dir / "metrics.png"
    step_rows = "".join(
        f"| {r.get('step')} | {r.get('iteration', 1)} | {r.get('reward', 0):.3f} | {'yes' if r.get('signal', (r.get('trained_tokens') or 0) > 0) else 'no'} | "
        f"{r.get('hint_rate', 0):.2f} | {r.get('equal_group_frac', 0):.2f} | {r.get('resampled_groups', 0)} | "
        f"{(r.get('clip_frac') or 0):.3f} | {r.get('response_tokens', 0):.0f} | {r.get('step_s', 0):.0f} |\n" for r in steps)
    config = {"sft": asdict(preset.sft), "rl": asdict(preset.rl), "eval": asdict(eval_config(preset, study.max_turns)),
              "max_new_tokens": preset.max_new_tokens, "eval_concurrency": preset.eval_concurrency,
              "held_out_types": list(preset.held_out_types)}
    memory_unseen = (" and on other instances of the held-out types (the policy never trains on a held-out type: it meets one "
                     "only through the memory, the paper's unseen scenarios)") if held else ""
    took = "\n".join(f"- {k}: {v / 60:.1f} min" for k, v in timings.items())
    took += f"\n\nOn {os.cpu_count()} CPU cores ({platform.platform()})."
    partial = "" if complete else (
        "\n**Partial:** the study has not finished (it is running, or was stopped); the stages not evaluated yet are missing "
        "from the tables. The same command continues it.\n")
    rl_png = f"![reward curve]({rl_curve.relative_to(out).as_posix()})\n\n" if rl_curve.exists() else ""
    return f"""# Training study: {preset.name} ({preset.summary})

Made by `{cfg.command or f'crmweaver train pipeline --preset {preset.name} --out {cfg.out}'}`.
{partial}
Scores are success rates in % on held-out task instances (exact or fuzzy match, as CRMArena-Pro scores),
{study.max_turns} turns per episode (the tasks' most reference steps + 2; the teacher, RL and every evaluation get the same).
`[low, high]` is a 95 % bootstrap interval ({REPLICATES} resamples of the tasks within each type, seeded).
**{NONE_COLUMN}** is what answering `None` to every task scores on the same tasks, **{PRIOR_COLUMN}** what answering each
trained type's most frequent gold answer in the training tasks scores (and `None` on held-out types): a policy that
learned the answers' prior but not how to query the org. **non-None golds** is the
accuracy on the tasks whose gold answer is not `None`, where that constant answer scores 0: a gain that is
not there is not learning. Memory on: the top-1 guideline (worked queries, the values to put in them named
in words) distilled from the oracle's episodes on the training tasks{memory_unseen} is shown in the prompt.
SFT trains on the oracle's trajectories, those its hint rule picks (`{preset.sft.hint_rule}`) shown their
guideline; RL (from the SFT checkpoint) runs with the memory in the loop (hint rule `{preset.rl.hint_rule}`)
and writes back to its own copy.

## Per skill

{skills}{split}
## Differences between stages

Paired: both runs resampled with the same draw of tasks. `*`: the interval excludes 0.

{diffs}
## Learning curve (memory off)

{curve}
## Per task type

{types}
## RL

{rl_text}

{rl_png}| step | use of its batch | mean reward | gradient | hint rate | all-equal groups (after resampling) | groups resampled | clipped tokens | sampled tokens/episode | seconds |
|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|
{step_rows}
## Time

{took}

## Configuration

```json
{json.dumps(config, indent=2, default=str)}
```
"""
