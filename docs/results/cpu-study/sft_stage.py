"""The cpu-study up to its SFT policy's evaluation, without the base model's (which scores 0 and costs half an hour):
the pipeline's stages 1-2 (org, tasks, memory), its SFT stage with the same arguments, and the SFT policy's evaluation
with the memory off, into the folders the pipeline uses, so that `crmweaver train pipeline --preset cpu-study --out OUT`
goes on from there (base evaluation, learning curve, RL). Used for the compact-observation SFT (README).
Usage (from the repository root): python docs/results/cpu-study/sft_stage.py OUT"""
import functools
import sys
import time
from dataclasses import replace
from pathlib import Path

import crmweaver.train.pipeline as P
from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import turn_budget
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.tasks.row import read_tasks
from crmweaver.train.presets import get_preset
from crmweaver.train.sft import run_sft

out = Path(sys.argv[1])


class Stop(Exception):
    """Raised where the pipeline would evaluate the base model."""


real = P.evaluate


def guarded(org, tasks, factory, cfg, out_dir=None, **kw):
    if out_dir is not None and Path(out_dir).name.startswith("base"):
        raise Stop
    return real(org, tasks, factory, cfg, out_dir=out_dir, **kw)


P.evaluate = guarded
t = time.perf_counter()
try:
    P.run_pipeline(P.PipelineConfig(preset="cpu-study", out=str(out)))
except Stop:
    pass
print(f"stages 1-2: {time.perf_counter() - t:.0f} s", flush=True)
preset = get_preset("cpu-study")
train, test = read_tasks(out / "train.jsonl"), read_tasks(out / "test.jsonl")
env = P.eval_config(preset, turn_budget(train + test))
sft_dir = out / "sft"
if not (sft_dir / "sft.json").exists():
    t = time.perf_counter()
    run_sft(out / "b2b.db", train, preset.model, sft_dir, replace(preset.sft, teacher_max_turns=env.max_turns),
            say=print, progress_bar=False, memory=out / "memory.db")
    print(f"sft: {time.perf_counter() - t:.0f} s", flush=True)
spec = f"local:{sft_dir}"
t = time.perf_counter()
cfg = EvalConfig(model=spec, resume=True, env=env, concurrency=preset.eval_concurrency)
s = evaluate(out / "b2b.db", test, functools.partial(make_backend, spec, max_tokens=preset.max_new_tokens), cfg,
             out_dir=out / "runs" / "sft-mem-off")
print(f"eval sft: {time.perf_counter() - t:.0f} s; ALL {s.overall.all:.3f}", flush=True)
