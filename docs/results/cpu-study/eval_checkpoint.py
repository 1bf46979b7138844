"""Evaluate a checkpoint of a cpu-study folder as the pipeline's evaluation stages do (their environment, backend,
concurrency and memory) on one part of the study's tasks.

Usage (from the repository root):
  python docs/results/cpu-study/eval_checkpoint.py STUDY_DIR CHECKPOINT PART RUN_DIR [--memory]
PART: held-out (the 110 held-out tasks), seen-types / held-out-types (the held-out tasks of the trained types / of
the 4 types never trained on), trained (the first training task of each trained type: does the policy fit its own
training data?). --memory shows each task its top-1 guideline from STUDY_DIR/memory.db, as `eval --memory` does.
"""
import argparse
import functools
from contextlib import nullcontext
from pathlib import Path

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import turn_budget
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.memory import Memory
from crmweaver.tasks.row import read_tasks
from crmweaver.train.pipeline import eval_config
from crmweaver.train.presets import get_preset

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("study", type=Path)
ap.add_argument("checkpoint", type=Path)
ap.add_argument("part", choices=["held-out", "seen-types", "held-out-types", "trained"])
ap.add_argument("run_dir", type=Path)
ap.add_argument("--memory", action="store_true")
args = ap.parse_args()

preset = get_preset("cpu-study")
train, test = read_tasks(args.study / "train.jsonl"), read_tasks(args.study / "test.jsonl")
env = eval_config(preset, turn_budget(train + test))
held = set(preset.held_out_types)
trained = train[: preset.sft.max_tasks]  # SFT trains on the first max_tasks training tasks, in file order
tasks = {
    "held-out": test,
    "seen-types": [t for t in test if t.task not in held],
    "held-out-types": [t for t in test if t.task in held],
    "trained": [next(t for t in trained if t.task == code) for code in dict.fromkeys(t.task for t in trained)],
}[args.part]
spec = f"local:{args.checkpoint}"
with (Memory(args.study / "memory.db", write_policy="off") if args.memory else nullcontext()) as mem:
    cfg = EvalConfig(model=spec, resume=True, env=env, concurrency=preset.eval_concurrency,
                     guideline_for=mem.guideline_for if mem else None)
    s = evaluate(args.study / "b2b.db", tasks, functools.partial(make_backend, spec, max_tokens=preset.max_new_tokens), cfg,
                 out_dir=args.run_dir)
print(f"{args.part}, memory {'on' if args.memory else 'off'}: {len(tasks)} tasks, ALL {s.overall.all:.3f}, "
      f"non-None {s.overall.non_none}", flush=True)
