"""Episodes whose answer names a record Id that their own dialogue never shows (the observation cut at 1,500
characters hid it): the SFT teacher's episodes (STUDY_DIR/sft/teacher) and the oracle on the held-out tasks under the
pipeline's environment (run here into STUDY_DIR/runs/oracle-test; no model, seconds). A student that reads the
dialogue cannot give those answers by following the oracle's plan; since commit b0141cb SFT leaves such episodes out.
Usage (from the repository root): python docs/results/cpu-study/answers_shown.py STUDY_DIR"""
import functools
import sys
from collections import Counter
from pathlib import Path

from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import turn_budget
from crmweaver.evaluate import EvalConfig, evaluate, load_results
from crmweaver.tasks.row import read_tasks
from crmweaver.train.pipeline import eval_config
from crmweaver.train.presets import get_preset
from crmweaver.train.sft import unseen_answer_ids

out = Path(sys.argv[1])
preset = get_preset("cpu-study")
train, test = read_tasks(out / "train.jsonl"), read_tasks(out / "test.jsonl")
env = eval_config(preset, turn_budget(train + test))
evaluate(out / "b2b.db", test, functools.partial(make_backend, "oracle"), EvalConfig(model="oracle", resume=True, env=env),
         out_dir=out / "runs" / "oracle-test")
for name, path in (("SFT teacher episodes", out / "sft" / "teacher"), ("oracle on the held-out tasks", out / "runs" / "oracle-test")):
    records = [r for r in load_results(path / "results.jsonl")[0] if r.reward >= 1]
    answered = [r for r in records if r.expected != [None]]
    hidden = Counter(r.task for r in answered if unseen_answer_ids(r.messages))
    print(f"{name}: {len(records)} scored 1, {len(answered)} with a non-None gold, {sum(hidden.values())} of them answer "
          f"with an Id never shown: {dict(hidden.most_common())}")
