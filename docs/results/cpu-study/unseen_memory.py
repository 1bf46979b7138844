"""SFT with the memory on, on the held-out types' tasks only (the pipeline's sft-mem-on run did not fit
the session): the same environment, backend and memory as the pipeline's evaluate_run."""
import functools
from pathlib import Path

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import turn_budget
from crmweaver.evaluate import EvalConfig, evaluate
from crmweaver.memory import Memory
from crmweaver.tasks.row import read_tasks
from crmweaver.train.pipeline import eval_config
from crmweaver.train.presets import get_preset

out = Path("/work/study")
preset = get_preset("cpu-study")
train, test = read_tasks(out / "train.jsonl"), read_tasks(out / "test.jsonl")
env = eval_config(preset, turn_budget(train + test))
unseen = [t for t in test if t.task in preset.held_out_types]
spec = f"local:{out / 'sft'}"
with Memory(out / "memory.db", write_policy="off") as mem:
    cfg = EvalConfig(model=spec, resume=True, env=env, concurrency=preset.eval_concurrency, guideline_for=mem.guideline_for)
    s = evaluate(out / "b2b.db", unseen, functools.partial(make_backend, spec, max_tokens=preset.max_new_tokens), cfg,
                 out_dir=Path("/work/study-extra/sft-mem-on-heldout-types"))
print(env, len(unseen), s.overall.all, s.overall.non_none)
