"""Per-token loss of the SFT policy on its own training episodes: the tokens that carry values (quoted literals
in queries, the answer) vs the rest of the assistant tokens, teacher-forced, on the first training episode of each type.
Usage: python docs/results/cpu-study/value_loss.py STUDY_DIR [CHECKPOINT] (default STUDY_DIR/sft)"""
import json, sys, math
from pathlib import Path
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from crmweaver.train.data import render_episode

out = Path(sys.argv[1])
checkpoint = Path(sys.argv[2]) if len(sys.argv) > 2 else out / "sft"
tok = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32).eval()
rows = [json.loads(l) for l in open(out / "sft" / "teacher" / "results.jsonl")]
first = {}
for r in rows:
    first.setdefault(r["task"], r)
sums = {"value": [0.0, 0], "other": [0.0, 0]}
for r in first.values():
    msgs = [{"role": m["role"], "content": m["content"]} for m in r["messages"]]
    ids, mask = render_episode(tok, msgs)
    ids = ids[:4096]; mask = mask[:4096]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0]
    nll = torch.nn.functional.cross_entropy(logits[:-1], torch.tensor(ids[1:]), reduction="none")
    text, state = "", None  # state: inside a quoted literal of <execute>, or inside <respond>
    for i in range(1, len(ids)):
        piece = tok.decode([ids[i]])
        if not mask[i]:
            text = ""; continue
        before = text
        text += piece
        in_value = ("<respond>" in before and "</respond>" not in before) or \
                   ("<execute>" in before and before.split("<execute>")[-1].count("'") % 2 == 1)
        k = "value" if in_value else "other"
        sums[k][0] += float(nll[i - 1]); sums[k][1] += 1
for k, (s, n) in sums.items():
    print(f"{k}: {n} tokens, mean loss {s / n:.3f} nats (mean probability of the right token {math.exp(-s / n):.2f})")
