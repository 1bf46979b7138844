"""Two SFT policies on the same 110 held-out tasks: paired bootstrap as the pipeline's tables, plus what the
episodes did (queries that returned records, errors, episodes repeating a query, answers that appear in the
episode's own results). Labels are the run folders' names; differences are second minus first.
Used for grounded teacher thoughts vs "Step N of the plan" (commit 5670729, reverted) and for a second SFT
epoch vs the first. Usage (from the repository root):
  python docs/results/cpu-study/compare_runs.py docs/results/cpu-study/runs/sft-mem-off \
      docs/results/cpu-study/runs/grounded-thoughts-sft-mem-off
"""
import re
import sys
from collections import Counter
from pathlib import Path

from crmweaver.evaluate import load_results
from crmweaver.evaluate.intervals import difference
from crmweaver.evaluate.summary import summarize
from crmweaver.train.presets import HELD_OUT_TYPES

HELD = set(HELD_OUT_TYPES)


def behaviour(records):
    queries = returned = errors = looping = answered = answer_seen = 0
    for r in records:
        msgs = r.messages
        executed = [re.search(r"<execute>(.*?)(</execute>|$)", m["content"], re.S).group(1).strip()
                    for m in msgs if m["role"] == "assistant" and "<execute>" in m["content"]]
        obs = [m["content"] for m in msgs[2:] if m["role"] == "user" and m["content"].lstrip()[:1] in "{["]
        queries += len(executed)
        returned += sum(o.startswith("{") and not re.match(r'\{"totalSize": ?0\b', o) for o in obs)  # either JSON spacing
        errors += sum(o.startswith("[") and "errorCode" in o[:40] for o in obs)
        looping += any(c > 2 for c in Counter(executed).values())
        if r.response and r.response.strip() not in ("None", ""):
            answered += 1
            answer_seen += any(r.response.strip() in o for o in obs)
    return {"episodes": len(records), "queries": queries, "returned records": returned, "errors": errors,
            "looping episodes": looping, "non-None answers": answered, "of which seen in a result": answer_seen}


runs = [Path(p) for p in sys.argv[1:3]]
recs = [load_results(p / "results.jsonl")[0] for p in runs]
names = [p.name for p in runs]
width = max(map(len, names))
for name, rs in zip(names, recs):
    for part, sub in (("all", rs), ("seen types", [r for r in rs if r.task not in HELD]), ("held-out types", [r for r in rs if r.task in HELD])):
        g = summarize(sub).overall
        print(f"{name:{width}s} {part:15s} n={len(sub):3d} ALL {100 * g.all:5.1f} {g.ci.get('ALL')}  non-None {g.non_none} {g.ci.get('non-None')}")
    print(f"{name:{width}s} behaviour {behaviour(rs)}")
    solved = Counter(r.task for r in rs if r.reward == 1.0 and r.expected != [None])
    print(f"{name:{width}s} exact non-None successes by type {dict(solved)}")
for part, keep in (("all", lambda r: True), ("seen types", lambda r: r.task not in HELD), ("held-out types", lambda r: r.task in HELD)):
    d = difference([r for r in recs[0] if keep(r)], [r for r in recs[1] if keep(r)])
    print(f"{names[1]} - {names[0]}", part, {k: (round(100 * v[0], 1), [round(100 * x, 1) for x in v[1]]) for k, v in d.items()
                                     if k in ("ALL", "non-None")})
