"""Multi-turn GRPO/DAPO on our environment, trained by TRL's GRPOTrainer through a rollout function.

Why TRL and not an own optimiser loop: TRL 1.16's GRPOTrainer takes a `rollout_func(prompts,
trainer)` that returns, per sample, `prompt_ids`, `completion_ids`, `logprobs` and an `env_mask`
(1 = a token the policy generated, 0 = an environment token; TRL multiplies it into the loss
mask, exactly as it masks the results of its own tool calls). Our episodes fit that shape: the
first turn's prompt is the prompt and every later token (sampled turns, observations, template
tokens) the completion, with the mask built from the sampled ids (train.rollout). TRL then gives
us, without code of ours: group-relative advantages (`scale_rewards` group/batch/none), the clipped
objective with clip-higher (`epsilon` low, `epsilon_high`), token-level averaging
(`loss_type="dapo"`) or per-sequence (`"grpo"`), no KL by default (`beta=0`), AdamW, gradient
accumulation, vLLM weight sync, checkpoints with optimizer state and `resume_from_checkpoint`.

What TRL does not do, we do inside the rollout function, by zeroing `env_mask`:
  * dynamic sampling (DAPO): a group whose rewards are all equal has zero advantage; its tokens
    are masked so they do not dilute the token-level mean (the batch is not refilled: TRL's batch
    size is fixed, so "drop" means "contributes neither gradient nor tokens to the average");
  * overlong filtering (DAPO): an episode cut off without an answer (its last turn hit the token
    limit, or the context ran out) is masked out; a turn cut short in an episode that then
    answered is not (train.rollout);
  * dynamic sampling up front (`screen_rollouts`): before training, each task's pass rate under the
    starting policy is estimated from a few rollouts, and RL trains on the tasks in (0, 1), where
    a group of G is likely to hold both successes and failures; `screen_none_golds=False` screens
    only tasks whose gold is not None (a None gold is answered without reading a result, and a
    small SFT policy's mixed tasks are mostly those: docs/results/cpu-study);
  * a micro-batch whose every token is masked skips its forward and backward (an all-dropped step
    costs rollouts only), and an optimizer step without gradient is skipped (`_skip_empty_steps`).
`num_iterations` >= 2 reuses each rollout batch for several optimizer steps (TRL's mu), so the
policy moves between them and DAPO's clip-higher has ratios away from 1 to clip.
The memory rule and write-back run there too (train.memory_loop). The environment stays
trainer-agnostic: rollouts are plain data; train.objective writes out the objective TRL computes
for our config (group advantages, masks, the clipped loss), as documentation and as a test oracle
for any other trainer (verl, see train.verl_adapter).
"""

from __future__ import annotations

import json
import os
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crmweaver.agent.backend import InfraError
from crmweaver.env.episode import EnvConfig, check_schema, turn_budget
from crmweaver.errors import ConfigError, CrmweaverError
from crmweaver.memory import Memory
from crmweaver.memory.store import MemoryStoreError
from crmweaver.org.store import OrgError, open_org
from crmweaver.tasks.row import TaskRow
from crmweaver.tasks.stats import is_none
from crmweaver.train.memory_loop import HintRule, MemoryLoop
from crmweaver.train.metrics import MetricsLog, plot, rollout_metrics
from crmweaver.train.models import ModelLoadError, load_policy, save_checkpoint, use_bf16
from crmweaver.train.objective import equal_groups, train_masks
from crmweaver.train.rollout import PolicySampler, VLLMSampler, run_rollout

ALGOS = ("grpo", "dapo")
SAMPLERS = ("policy", "vllm")
METRICS_FILE = "metrics.jsonl"
SCREEN_FILE = "screen.json"
PLOT_FILE = "metrics.png"
CHECKPOINTS = "checkpoints"
TRAIN_HINT = "install the training stack: pip install -c constraints-cpu.txt -e '.[train]'"


class RLError(CrmweaverError):
    """A run that cannot start as asked (no checkpoint to resume, no tasks, missing stack); names the fix."""


SCREEN_BATCH = 16  # rollouts decoded together while screening (a batch engine's forward serves them all)


def screen_tasks(tasks: list[TaskRow], run_groups: Callable[[list[TaskRow], int], list[list[Any]]], rollouts: int, *,
                 chunk: int = 1, path: Path | None = None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[list[TaskRow], dict[str, Any]]:
    """DAPO's dynamic sampling, done once before training: `rollouts` episodes per task
    (`run_groups(tasks, rollouts)`, `chunk` tasks at a time so that a batching sampler decodes them
    together; no hints) estimate its pass rate under the starting policy; the
    tasks whose rewards were not all equal (for exact-match tasks: a pass rate in (0, 1)) are
    kept, since only they give a group an
    advantage to learn from. When none is mixed, the tasks solved at least once are kept, else all
    (the report says which). Results go to `path` as they come, so a killed screening resumes.
    Returns (kept tasks, the screening record)."""
    record: dict[str, Any] = json.loads(path.read_text()) if path is not None and path.exists() else {}
    rewards: dict[str, list[float]] = record.get("rewards", {}) if record.get("rollouts") == rollouts else {}
    todo = [t for t in tasks if f"{t.task}:{t.idx}" not in rewards]
    for start in range(0, len(todo), chunk):
        part = todo[start: start + chunk]
        for task, outcomes in zip(part, run_groups(part, rollouts), strict=True):
            rewards[f"{task.task}:{task.idx}"] = [float(o.reward) for o in outcomes]
        if path is not None:
            path.write_text(json.dumps({"rollouts": rollouts, "rewards": rewards}) + "\n")
        if progress:
            progress(len(tasks) - len(todo) + start + len(part), len(tasks))
    got = [rewards[f"{t.task}:{t.idx}"] for t in tasks]
    keep = [i for i, r in enumerate(got) if len(set(r)) > 1]
    fallback = None
    if not keep:
        keep, fallback = [i for i, r in enumerate(got) if max(r) > 0], "no task was mixed: kept the tasks solved at least once"
        if not keep:
            keep, fallback = list(range(len(tasks))), "no task was solved: kept all"
    kept = [tasks[i] for i in keep]
    pass_rates = [sum(x >= 1 for x in r) / len(r) for r in got]
    record = {"rollouts": rollouts, "rewards": rewards, "tasks": len(tasks), "kept": len(kept), "fallback": fallback,
              "mean_pass_rate": sum(pass_rates) / len(pass_rates) if pass_rates else 0.0,
              "kept_pass_rate": sum(pass_rates[i] for i in keep) / len(keep) if keep else 0.0}
    if path is not None:
        path.write_text(json.dumps(record, indent=1) + "\n")
    return kept, record


# --- configuration ----------------------------------------------------------------------------


@dataclass
class RLConfig:
    """One RL run. `None` fields take the algorithm's default (see `__post_init__`)."""

    algo: str = "dapo"  # grpo | dapo (DAPO: clip-higher, token-level loss, dynamic sampling, overlong filter)
    steps: int = 10  # optimizer steps (one rollout batch each)
    tasks_per_step: int = 2  # groups per step
    group_size: int = 4  # G rollouts per task, all from the same task state
    lr: float = 1e-6
    temperature: float = 1.0
    top_p: float = 1.0
    max_turns: int | None = None  # per episode; None: the tasks' turn budget (env.episode.turn_budget: max reference steps + 2)
    max_new_tokens: int = 256  # per turn
    observation_chars: int = 3000  # longer query results are cut (EnvConfig.observation_chars)
    schema: str = "full"  # the prompt's schema: full, or task (only the type's objects; EnvConfig.schema)
    eps_low: float = 0.2
    eps_high: float | None = None  # dapo: 0.28, grpo: = eps_low
    scale_rewards: str = "group"  # group | batch | none
    loss_type: str | None = None  # dapo: "dapo" (token-level), grpo: "grpo" (per-sequence mean)
    dynamic_sampling: bool | None = None  # dapo: True
    resample_groups: int = 0  # dynamic sampling: extra groups per step rolled out to replace all-equal ones
    screen_rollouts: int = 0  # > 0: before training, this many rollouts per task estimate its pass rate; train on tasks in (0, 1)
    screen_tasks: int | None = None  # screen the first N training tasks (None: all)
    screen_none_golds: bool = True  # False: screen (and so train on) only tasks whose gold is not None
    num_iterations: int = 1  # optimizer steps per rollout batch (TRL's mu); >= 2 lets the clipping act
    overlong_filter: bool | None = None  # dapo: True
    beta: float = 0.0  # KL to the initial policy; 0 = no reference model
    save_every: int = 5  # checkpoint (weights + optimizer) every N steps, and at the end
    seed: int = 0
    hint_rule: str = "never"  # memory: never | always | prob:P | on_zero_group
    sampler: str = "policy"  # policy (in process) | vllm (TRL's vLLM server mode)
    vllm_url: str | None = None  # vllm: http://HOST:PORT of `trl vllm-serve`
    gradient_checkpointing: bool = False  # saves memory on long episodes, costs ~30 % time; turns off detach_prefix
    dtype: str = "float32"  # the weights' dtype: float32 master weights on CPUs, bfloat16 on GPUs
    bf16: bool | None = None  # compute in bfloat16 (autocast); None: where it is faster (train.models.use_bf16)
    max_grad_norm: float = 1.0
    micro_batch: int = 1  # sequences per forward/backward (episodes are long: 1 on CPU)

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise ConfigError(f"unknown algo {self.algo!r}; use grpo or dapo")
        dapo = self.algo == "dapo"
        if self.eps_high is None:
            self.eps_high = 0.28 if dapo else self.eps_low
        if self.loss_type is None:
            self.loss_type = "dapo" if dapo else "grpo"
        if self.dynamic_sampling is None:
            self.dynamic_sampling = dapo
        if self.overlong_filter is None:
            self.overlong_filter = dapo
        if self.group_size < 2:
            raise ConfigError(f"group_size must be >= 2 (got {self.group_size}): advantages are relative to the group")
        if self.resample_groups < 0:
            raise ConfigError(f"resample_groups must be >= 0 (got {self.resample_groups})")
        for name in ("steps", "tasks_per_step", "max_new_tokens", "save_every", "micro_batch", "num_iterations"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1 (got {getattr(self, name)})")
        for name in ("max_turns", "screen_tasks"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1 or None (got {getattr(self, name)})")
        if self.screen_rollouts < 0 or self.screen_rollouts == 1:
            raise ConfigError(f"screen_rollouts must be 0 (off) or >= 2 to tell mixed tasks (got {self.screen_rollouts})")
        if not (self.lr > 0 and self.temperature > 0):
            raise ConfigError("lr and temperature must be > 0 (sampling at temperature 0 gives identical rollouts)")
        if self.scale_rewards not in ("group", "batch", "none"):
            raise ConfigError(f"scale_rewards must be group, batch or none (got {self.scale_rewards!r})")
        check_schema(self.schema)
        if self.sampler not in SAMPLERS:
            raise ConfigError(f"unknown sampler {self.sampler!r}; use policy or vllm")
        if (self.group_size * self.tasks_per_step) % self.micro_batch:
            raise ConfigError(f"micro_batch ({self.micro_batch}) must divide group_size * tasks_per_step ({self.group_size * self.tasks_per_step})")
        HintRule.parse(self.hint_rule)  # a bad rule fails here, before any model loads


RL_PRESETS: dict[str, RLConfig] = {
    # CI: proves rollouts, masks, the TRL step, checkpoints and resume work (a random tiny model)
    "cpu-smoke": RLConfig(algo="dapo", steps=2, tasks_per_step=1, group_size=2, lr=1e-4, max_new_tokens=16,
                          observation_chars=1000, save_every=1, schema="task", bf16=True),
    # the bundled SmolLM2-135M on 2 CPU cores: a few steps
    "cpu-demo": RLConfig(algo="dapo", steps=12, tasks_per_step=1, group_size=4, lr=1e-5, max_new_tokens=128,
                         observation_chars=1500, save_every=4, schema="task", hint_rule="prob:0.5", resample_groups=2),
    # the study: tasks screened (4 rollouts each) for a pass rate in (0, 1), groups of 8, each batch used twice
    "cpu-study": RLConfig(algo="dapo", steps=8, tasks_per_step=1, group_size=8, lr=1e-5, max_new_tokens=128,
                          observation_chars=1500, save_every=2, schema="task", hint_rule="prob:0.5", resample_groups=1,
                          screen_rollouts=4, screen_tasks=24, num_iterations=2),
    # a 1.5B-8B model on GPUs, generation on a vLLM server (docs/gpu.md)
    "gpu": RLConfig(algo="dapo", steps=200, tasks_per_step=16, group_size=8, lr=1e-6, max_turns=20, max_new_tokens=512,
                    observation_chars=6000, save_every=20, gradient_checkpointing=True, dtype="bfloat16", sampler="vllm",
                    resample_groups=16),
}


def episode_reward(prompts=None, completions=None, episode_reward: list[float] | None = None, **kwargs) -> list[float]:
    """TRL reward function: the scorer's reward of each episode (scoring.score through
    Episode.reward), computed when the episode ended and passed along by the rollout function."""
    return [float(r) for r in episode_reward or []]


# --- the run ----------------------------------------------------------------------------------


@dataclass
class RLResult:
    out: Path
    steps: int
    metrics: Path
    plot: Path | None
    records: list[dict[str, Any]] = field(default_factory=list)


def _unflag_gguf(model: Any) -> None:
    """A GGUF file is dequantised to float weights on load, but transformers still flags the model
    as quantized and its Trainer then refuses full fine-tuning; the weights are plain tensors."""
    q = getattr(model, "hf_quantizer", None)
    if getattr(model, "is_quantized", False) and q is not None and "gguf" in str(getattr(q.quantization_config, "quant_method", "")).lower():
        model.is_quantized, model.hf_quantizer = False, None


def latest_checkpoint(out: Path) -> tuple[Path, int] | None:
    root = Path(out) / CHECKPOINTS
    found = []
    for d in root.glob("checkpoint-*") if root.is_dir() else []:
        try:
            found.append((int(d.name.split("-")[-1]), d))
        except ValueError:
            continue
    if not found:
        return None
    step, path = max(found)
    return path, step


class _Rollouts:
    """TRL's rollout function: run each group in our environment, hand back ids + masks + rewards."""

    def __init__(self, tasks: list[TaskRow], org: Any, sampler: Any, loop: Any, config: RLConfig, env_config: Any):
        self.tasks, self.org, self.sampler, self.loop, self.config, self.env_config = tasks, org, sampler, loop, config, env_config
        self.pending: dict[str, Any] | None = None  # the last batch's metrics, logged with each step that uses it
        self.uses = 0  # steps logged from the pending batch
        self.started = time.perf_counter()

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, Any]:
        self.started = start = time.perf_counter()
        step = int(trainer.state.global_step) + 1
        self.sampler.refresh(seed=self.config.seed * 1_000_003 + step)
        G = self.config.group_size
        keys = [str(p) for p in prompts]
        if len(keys) % G or any(keys[i] != keys[i - i % G] for i in range(len(keys))):
            raise RLError(f"expected each task {G} times in a row from the trainer, got {keys}; this TRL version groups prompts differently")

        def run_one(task: TaskRow, guideline, index: int):
            return run_rollout(self.org, task, self.sampler, config=self.env_config, guideline=guideline, index=index)

        groups = [self.loop.run_group(self.tasks[int(keys[i])], G, run_one) for i in range(0, len(keys), G)]
        resampled = self._fill_with_informative_groups(groups, run_one, step) if self.config.dynamic_sampling else 0
        rollouts = [r for group in groups for r in group]
        masks, dropped = train_masks(rollouts, G, dynamic_sampling=bool(self.config.dynamic_sampling),
                                     overlong_filter=bool(self.config.overlong_filter))
        eos = trainer.processing_class.eos_token_id
        prompt_ids, completion_ids = [], []
        for r, m in zip(rollouts, masks, strict=True):
            prompt_ids.append(r.prompt_ids or [eos])
            if not r.completion_ids:  # nothing sampled (infra error): one masked token keeps shapes valid
                completion_ids.append([eos])
                m[:] = [0]
            else:
                completion_ids.append(r.completion_ids)
        logprobs = [r.logprobs for r in rollouts] if all(r.logprobs is not None for r in rollouts) else None
        metrics = rollout_metrics(rollouts, G)
        metrics.update(self.loop.take())
        metrics.update(dropped)
        metrics["resampled_groups"] = resampled
        metrics["trained_tokens"] = sum(sum(m) for m in masks)
        metrics["rollout_s"] = round(time.perf_counter() - start, 3)
        self.pending, self.uses = {"step": step, **metrics}, 0
        return {"prompt_ids": prompt_ids, "completion_ids": completion_ids, "logprobs": logprobs, "env_mask": masks,
                "episode_reward": [r.reward for r in rollouts]}


    def _fill_with_informative_groups(self, groups: list[list[Any]], run_one: Any, step: int) -> int:
        """DAPO's dynamic sampling: a group whose rewards are all equal has no advantage to learn
        from, so up to `resample_groups` more tasks (drawn by seed and step) are rolled out per step
        to take the place of such groups. Returns how many extra groups were run."""
        G, rng = self.config.group_size, random.Random(self.config.seed * 7919 + step)
        tries = 0
        for slot, group in enumerate(groups):
            while equal_groups([r.reward for r in group], G)[0] and tries < self.config.resample_groups:
                tries += 1
                group = self.loop.run_group(self.tasks[rng.randrange(len(self.tasks))], G, run_one)
                groups[slot] = group
        return tries


def _skip_empty_steps(base: type) -> type:
    """A step whose every group was dropped (all-equal rewards, overlong) has zero gradients, yet
    Adam would still move the weights by its momentum: such an optimizer step is skipped."""

    class SkipEmptySteps(base):
        def create_optimizer(self, *args: Any, **kwargs: Any):
            optimizer = super().create_optimizer(*args, **kwargs)
            if getattr(optimizer, "_skips_empty", False):
                return optimizer
            step = optimizer.step

            def step_unless_empty(*a: Any, **k: Any):
                if all(p.grad is None or not p.grad.any() for g in optimizer.param_groups for p in g["params"]):
                    return None
                return step(*a, **k)

            optimizer.step, optimizer._skips_empty = step_unless_empty, True
            return optimizer

    return SkipEmptySteps


def _skip_masked_batches(base: type) -> type:
    """A micro-batch whose every completion token is masked (its groups dropped, its episodes
    overlong) contributes nothing to the loss or its token count: its forward and backward are
    skipped. The zero returned is a leaf, so the Trainer's backward on it touches no weight."""

    class SkipMaskedBatches(base):
        skipped_batches = 0

        def _compute_loss(self, model, inputs):
            import torch

            mask = inputs["completion_mask"] if "tool_mask" not in inputs else inputs["completion_mask"] * inputs["tool_mask"]
            if not bool(mask.any()):
                self.skipped_batches += 1
                return torch.zeros((), device=mask.device, requires_grad=True)
            return super()._compute_loss(model, inputs)

    return SkipMaskedBatches


def _cpu_trainer(base: type) -> type:
    """GRPOTrainer with plain log-probs on the CPU.

    TRL projects the LM head in fixed tiles of 4096 positions (a Triton kernel on GPUs, torch ops
    elsewhere); on a CPU, with a few hundred completion tokens per episode, that made a tiny
    model's step ~50 s. Here the model returns logits for the scored positions only and
    log_softmax picks the sampled tokens; entropy (a logged metric) is computed without grad.
    Every sequence is forwarded whole, with gradient: the log-probs and their gradient are TRL's."""

    class CPUGRPOTrainer(base):
        def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep, batch_size=None,
                                               compute_entropy=False, compute_aux_loss=False, **multimodal):
            import torch

            batch_size = batch_size or input_ids.size(0)
            logps, entropies = [], []
            for start in range(0, input_ids.size(0), batch_size):
                ids, att = input_ids[start:start + batch_size], attention_mask[start:start + batch_size]
                with self.accelerator.autocast():
                    logits = model(input_ids=ids, attention_mask=att, logits_to_keep=logits_to_keep + 1).logits
                logits = logits[:, :-1, :].float() / self.temperature
                logp_all = logits.log_softmax(-1)
                logps.append(logp_all.gather(-1, ids[:, -logits_to_keep:].unsqueeze(-1)).squeeze(-1))
                if compute_entropy:
                    with torch.no_grad():
                        entropies.append(-(logp_all.exp() * logp_all).sum(-1))
            return torch.cat(logps), (torch.cat(entropies) if compute_entropy else None), None

    return CPUGRPOTrainer


def _callback(rollouts: _Rollouts, log: Any, out: Path, progress: Callable[[dict[str, Any]], None] | None, trainer: Any = None):
    from transformers import TrainerCallback

    class StepLog(TrainerCallback):
        """Joins TRL's loss/clip numbers to the step's rollout metrics: one JSONL line per step (with
        num_iterations > 1, the steps that reuse a batch repeat its rollout metrics, `iteration` 2, 3, ...)."""

        last, skipped = 0.0, 0

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if rollouts.pending is None or "loss" not in logs:
                return
            record = dict(rollouts.pending)
            rollouts.uses += 1
            now = time.perf_counter()
            fresh = rollouts.uses == 1
            skipped = int(getattr(trainer, "skipped_batches", 0))
            record["step"] = int(state.global_step)
            record["iteration"] = rollouts.uses
            record["signal"] = record.get("trained_tokens", 0) > 0  # a non-zero gradient: some group mixed, some token kept
            record["skipped_batches"] = skipped - self.skipped
            self.skipped = skipped
            record.update({
                "loss": logs.get("loss"),
                "clip_frac": logs.get("clip_ratio/region_mean"),
                "clip_frac_low": logs.get("clip_ratio/low_mean"),
                "clip_frac_high": logs.get("clip_ratio/high_mean"),
                "grad_norm": logs.get("grad_norm"),
                "lr": logs.get("learning_rate"),
                "step_s": round(now - (rollouts.started if fresh else self.last), 3),
            })
            self.last = now
            log.append(record)
            if progress:
                progress(record)

        def on_save(self, args, state, control, **kwargs):
            plot(log.read(), out / PLOT_FILE)

    return StepLog()


def train_rl(
    tasks: list[TaskRow],
    org_path: str | Path,
    model: str,
    out: str | Path,
    config: RLConfig | None = None,
    *,
    memory: str | Path | None = None,
    resume: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
    sampler_factory: Callable[[Any, Any], Any] | None = None,
    screen_progress: Callable[[int, int], None] | None = None,
) -> RLResult:
    """Train `model` (a spec for train.models.load_policy, or a checkpoint dir) with GRPO/DAPO on
    `tasks` in the org at `org_path`; write the policy to `out` (loadable as `local:OUT`),
    checkpoints under `out/checkpoints`, metrics to `out/metrics.jsonl` and `out/metrics.png`.
    `sampler_factory(model, tokenizer)` replaces the rollout sampler (tests script it);
    `screen_progress(done, total)` follows the pass-rate screening (`screen_rollouts`)."""
    config = config or RLConfig()
    if not tasks:
        raise RLError("no tasks to train on: give a non-empty --tasks file (crmweaver tasks synth)")
    out = Path(out)
    ckpt = latest_checkpoint(out) if resume else None
    if resume and ckpt is None:
        raise RLError(f"nothing to resume: no checkpoint under {out / CHECKPOINTS}; run without --resume")
    if not resume and latest_checkpoint(out) is not None:
        raise RLError(f"{out} already holds a run; continue it with --resume or choose another --out")
    try:
        import torch
        from datasets import Dataset
        from trl import GRPOConfig, GRPOTrainer
    except ImportError as e:
        raise RLError(f"RL training needs torch, transformers, datasets and trl ({e}): {TRAIN_HINT}") from None
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    # TRL 1.16 still passes transformers' renamed gradient_checkpointing options: not the user's to fix
    warnings.filterwarnings("ignore", message=r".*gradient_checkpointing.* is deprecated", category=FutureWarning)

    mem = None
    try:
        if memory is not None:
            mem = Memory(memory, write_policy="success")
        loop = MemoryLoop(mem, HintRule.parse(config.hint_rule), seed=config.seed)
        org = open_org(org_path)
        torch.manual_seed(config.seed)
        policy, tokenizer = load_policy(model, dtype=config.dtype)
    except (ValueError, OSError, ModelLoadError, OrgError, MemoryStoreError, InfraError) as e:  # bad rule, memory file, org or model: one sentence
        raise RLError(str(e)) from None
    _unflag_gguf(policy)
    max_turns = config.max_turns or turn_budget(tasks)
    env_config = EnvConfig(max_turns=max_turns, observation_chars=config.observation_chars, schema=config.schema)
    out.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(out / METRICS_FILE)
    if ckpt is not None:
        log.truncate_after(ckpt[1])
    elif log.path.exists():
        log.path.unlink()

    cuda = torch.cuda.is_available()
    batch = config.group_size * config.tasks_per_step
    use_vllm = config.sampler == "vllm"
    args = GRPOConfig(
        output_dir=str(out / CHECKPOINTS),
        max_steps=config.steps,
        learning_rate=config.lr,
        lr_scheduler_type="constant",
        warmup_steps=0,
        optim="adamw_torch",
        weight_decay=0.0,
        max_grad_norm=config.max_grad_norm,
        per_device_train_batch_size=config.micro_batch,
        gradient_accumulation_steps=batch // config.micro_batch,
        steps_per_generation=batch // config.micro_batch,
        num_generations=config.group_size,
        num_iterations=config.num_iterations,
        temperature=config.temperature,
        top_p=config.top_p,
        max_completion_length=config.max_new_tokens * max_turns,
        beta=config.beta,
        epsilon=config.eps_low,
        epsilon_high=config.eps_high,
        loss_type=config.loss_type,
        scale_rewards=config.scale_rewards,
        mask_truncated_completions=False,  # overlong filtering is ours (a multi-turn episode ends in a stop tag, not EOS)
        gradient_checkpointing=config.gradient_checkpointing,
        bf16=use_bf16(config.bf16),
        fp16=False,
        use_cpu=not cuda,
        logging_steps=1,
        save_strategy="steps",
        save_steps=config.save_every,
        save_only_model=False,
        report_to="none",
        seed=config.seed,
        data_seed=config.seed,
        dataloader_num_workers=0,
        disable_tqdm=True,
        log_completions=False,
        use_vllm=use_vllm,
        **({"vllm_mode": "server", "vllm_server_base_url": config.vllm_url} if use_vllm and config.vllm_url else {}),
    )
    dataset = Dataset.from_list([{"prompt": str(i)} for i in range(len(tasks))])
    rollouts = _Rollouts(tasks, org, None, loop, config, env_config)  # its sampler is bound below
    trainer_cls = _skip_empty_steps(_skip_masked_batches(GRPOTrainer if cuda else _cpu_trainer(GRPOTrainer)))
    trainer = trainer_cls(model=policy, reward_funcs=[episode_reward], args=args, train_dataset=dataset,
                          processing_class=tokenizer, rollout_func=rollouts)
    # the sampler is made after the trainer has moved the policy to its device: the PolicySampler's batch
    # engine copies the weights where they are then (made before, on a GPU run it would decode on the CPU)
    if sampler_factory is not None:
        rollouts.sampler = sampler_factory(policy, tokenizer)
    elif use_vllm:
        client = getattr(getattr(trainer, "vllm_generation", None), "vllm_client", None)
        if client is None:
            raise RLError("sampler vllm needs TRL's server mode: start `trl vllm-serve --model MODEL` and pass --vllm-url")
        rollouts.sampler = VLLMSampler(tokenizer, client=client, temperature=config.temperature, top_p=config.top_p,
                                       max_new_tokens=config.max_new_tokens)
    else:
        rollouts.sampler = PolicySampler(policy, tokenizer, temperature=config.temperature, top_p=config.top_p,
                                         max_new_tokens=config.max_new_tokens, seed=config.seed)
    if isinstance(rollouts.sampler, PolicySampler):  # its batch engine shares one forward among a group's threads
        loop.concurrency = max(config.group_size * config.tasks_per_step, SCREEN_BATCH)
    from transformers import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # our StepLog reports each step; TRL's raw dict would too
    if config.screen_rollouts:  # dynamic sampling up front: train on the tasks the policy sometimes solves
        pool = [t for t in tasks if config.screen_none_golds or not is_none(t)]
        if not pool:
            raise RLError("no training task has a gold other than None to screen: screen_none_golds=False leaves none")
        pool = pool[: config.screen_tasks] if config.screen_tasks else pool

        def screen_groups(part: list[TaskRow], n: int) -> list[list[Any]]:
            rollouts.sampler.refresh(seed=config.seed * 1_000_003 + 7919 * (part[0].idx + 1))  # each rollout's seed: this and its key
            calls = [(task, None, i) for task in part for i in range(n)]
            outcomes = loop.run_all(lambda t, g, i: run_rollout(org, t, rollouts.sampler, config=env_config, index=i), calls)
            return [outcomes[k * n: (k + 1) * n] for k in range(len(part))]

        chunk = max(1, loop.concurrency // config.screen_rollouts) if isinstance(rollouts.sampler, PolicySampler) else 1
        kept, _ = screen_tasks(pool, screen_groups, config.screen_rollouts, chunk=chunk, path=out / SCREEN_FILE, progress=screen_progress)
        rollouts.tasks = kept
        trainer.train_dataset = Dataset.from_list([{"prompt": str(i)} for i in range(len(kept))])
    trainer.add_callback(_callback(rollouts, log, out, progress, trainer))
    trainer.train(resume_from_checkpoint=str(ckpt[0]) if ckpt else None)
    save_checkpoint(trainer.model, tokenizer, out, meta={"stage": "rl", "base": model, "config": asdict(config),
                                                        "steps": int(trainer.state.global_step), "memory": str(memory) if memory else None})
    records = log.read()
    png = plot(records, out / PLOT_FILE, title=f"crmweaver train rl ({config.algo}, G={config.group_size})")
    (out / "rl_config.json").write_text(json.dumps({**asdict(config), "max_turns": max_turns}, indent=2) + "\n")
    if mem is not None:
        mem.close()
    return RLResult(out=out, steps=int(trainer.state.global_step), metrics=log.path, plot=png, records=records)
