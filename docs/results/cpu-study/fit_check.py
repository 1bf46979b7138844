"""Does the SFT policy fit its own training data? Memory off, the first training task of each of the 18 trained
types (tasks the policy was trained on), the pipeline's environment and backend.
Usage: python docs/results/cpu-study/fit_check.py STUDY_DIR (writes STUDY_DIR/runs/sft-mem-off-trained-tasks)"""
import functools
import sys
from pathlib import Path

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import turn_budget
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.tasks.row import read_tasks
from crmweaver.train.pipeline import eval_config
from crmweaver.train.presets import get_preset

out = Path(sys.argv[1])
preset = get_preset("cpu-study")
train, test = read_tasks(out / "train.jsonl"), read_tasks(out / "test.jsonl")
env = eval_config(preset, turn_budget(train + test))
spec = f"local:{out / 'sft'}"
trained = train[: preset.sft.max_tasks]  # SFT trains on the first max_tasks training tasks, in file order
fit = [next(t for t in trained if t.task == code) for code in dict.fromkeys(t.task for t in trained)]
cfg = EvalConfig(model=spec, resume=True, env=env, concurrency=preset.eval_concurrency)
s = evaluate(out / "b2b.db", fit, functools.partial(make_backend, spec, max_tokens=preset.max_new_tokens), cfg,
             out_dir=out / "runs" / "sft-mem-off-trained-tasks")
print("trained-on tasks, memory off:", len(fit), s.overall.all, s.overall.non_none, flush=True)
