"""SFT cold start: teacher trajectories -> assistant-only loss -> a checkpoint `local:DIR` evaluates.

Stages, each usable alone:

1. `teacher_trajectories`: run the teacher on the training tasks through the evaluation runner
   (same environment, scorer and results.jsonl as `crmweaver eval`, resumable) and keep the episodes
   that scored 1; or read an existing run folder.
2. `build_examples`: render each chat with the policy's chat template (`data.render_episode`):
   loss mask 1 on assistant tokens, 0 on the system prompt, requests and observations.
3. `train_sft`: transformers' `Trainer` with one override, `compute_loss`:
   - the loss is the mean cross-entropy over the trained tokens of the whole optimizer step (token-level
     averaging across gradient accumulation, via the Trainer's `num_items_in_batch`);
   - logits are computed only where a trained token is predicted (`logits_to_keep` with indices): ~5 %
     of an episode's positions, which saves the output layer's time and gigabytes of logits;
   - with `detach_prefix`, the system prompt that episodes share (the ~4.5k-token org schema) is
     encoded once per optimizer step without gradient and its key/value cache reused by every episode
     of that step: on a CPU a 6k-token forward+backward of SmolLM2-135M takes ~2 minutes, and the
     schema is most of it. The model still attends to the schema; what is not trained is how it encodes
     it (those tokens carry no loss anyway). The gpu preset turns this off and backpropagates through all.
   TRL's SFTTrainer would mask the same tokens (its `completion_mask`/`assistant_masks` columns), but
   neither the shared-prefix cache nor the sparse logits fit through it without overriding the same
   method, so the plain Trainer is used and SFT needs no trl.
4. `save_checkpoint` (models.py): LoRA merged, Hugging Face layout, tokenizer and chat template included.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crmweaver.tasks.row import TaskRow
from crmweaver.train.data import Example, RenderError, render_episode, shared_prefixes
from crmweaver.train.models import count_parameters, load_policy, save_checkpoint
from crmweaver.train.presets import SFTConfig

Say = Callable[[str], None]
TEACHER_DIR = "teacher"
LOG_FILE = "sft_log.jsonl"


class SFTError(Exception):
    """SFT cannot start or finish (no successful teacher episodes, nothing fits max_length, ...)."""


@dataclass
class Trajectory:
    task_idx: int | None
    task_type: str | None
    messages: list[dict[str, Any]]
    reward: float


@dataclass
class SFTResult:
    checkpoint: Path
    examples: int
    cut_too_long: int
    teacher_episodes: int
    teacher_successes: int
    trained_tokens: int
    steps: int
    seconds: float
    s_per_step: float
    first_loss: float | None
    last_loss: float | None
    lora: bool
    lr: float
    params: int
    log: Path
    losses: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


# ---- 1. teacher trajectories ------------------------------------------------------------------


def teacher_trajectories(
    org_path: str | Path,
    tasks: Sequence[TaskRow],
    teacher: str,
    *,
    out_dir: str | Path,
    max_turns: int = 20,
    schema: str = "full",
    observation_chars: int = 6000,
    concurrency: int = 1,
    progress: Callable[[Any], None] | None = None,
    warn: Say | None = None,
) -> tuple[list[Trajectory], int]:
    """(successful trajectories, episodes run). `teacher` is a model spec (run through the evaluation
    runner into `out_dir/teacher`, resumable) or a run folder / results.jsonl already written."""
    from crmweaver.evaluate import EvalError, backend_factory, evaluate, load_results
    from crmweaver.env.episode import EnvConfig

    source = Path(teacher)
    if source.is_dir() or source.suffix == ".jsonl":
        path = source / "results.jsonl" if source.is_dir() else source
        if not path.is_file():
            raise SFTError(f"no results.jsonl at {source}; give a run folder written by `crmweaver eval --out`")
        records, _ = load_results(path)
    else:
        run_dir = Path(out_dir) / TEACHER_DIR
        try:
            evaluate(org_path, tasks, backend_factory(teacher), model=teacher, out_dir=run_dir, resume=True, concurrency=concurrency,
                     env_config=EnvConfig(max_turns=max_turns, schema=schema, observation_chars=observation_chars), progress=progress, warn=warn)
        except EvalError as e:
            raise SFTError(f"the teacher {teacher!r} could not run: {e}") from e
        records, _ = load_results(run_dir / "results.jsonl")
        wanted = {t.idx for t in tasks}
        records = [r for r in records if r.get("idx") in wanted]
    good = [Trajectory(r.get("idx"), r.get("task"), r["messages"], float(r.get("reward") or 0))
            for r in records if float(r.get("reward") or 0) >= 1 and not r.get("infra_error") and r.get("messages")]
    return good, len(records)


# ---- 2. examples --------------------------------------------------------------------------------


def build_examples(tokenizer: Any, trajectories: Sequence[Trajectory], *, max_length: int) -> tuple[list[Example], int]:
    """(examples, how many were cut). An episode longer than `max_length` is cut after its last
    whole assistant message that fits (its first queries are still worth learning; the model could
    not have seen more at inference either); one whose first assistant message does not fit is dropped."""
    examples, cut = [], 0
    for traj in trajectories:
        try:
            ids, mask = render_episode(tokenizer, traj.messages)
        except RenderError as e:
            raise SFTError(str(e)) from e
        if len(ids) > max_length:
            cut += 1
            end = next((i + 1 for i in range(max_length - 1, 0, -1) if mask[i] and (i + 1 >= len(mask) or not mask[i + 1])), 0)
            ids, mask = ids[:end], mask[:end]
        if any(mask):
            examples.append(Example(ids, mask, traj.task_idx, traj.task_type))
    return examples, cut


class _Dataset:
    """Examples as the Trainer's dataset; `prefix` is each one's shared-prefix length (0: none)."""

    def __init__(self, examples: Sequence[Example], prefix: Sequence[int]):
        self.examples, self.prefix = list(examples), list(prefix)

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict[str, Any]:
        ex = self.examples[i]
        return {"input_ids": ex.input_ids, "labels": ex.labels(), "prefix_len": self.prefix[i]}


def _collate(pad_id: int):
    import torch

    def collate(features: list[dict[str, Any]]) -> dict[str, Any]:
        width = max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), width), pad_id, dtype=torch.long)
        labels = torch.full((len(features), width), -100, dtype=torch.long)
        for row, f in enumerate(features):
            n = len(f["input_ids"])
            ids[row, :n] = torch.tensor(f["input_ids"])
            labels[row, :n] = torch.tensor(f["labels"])
        return {
            "input_ids": ids,
            "labels": labels,
            "lengths": torch.tensor([len(f["input_ids"]) for f in features]),
            "prefix_len": torch.tensor([f["prefix_len"] for f in features]),
        }

    return collate


# ---- 3. the trainer -----------------------------------------------------------------------------


def masked_lm_loss(model: Any, input_ids: Any, labels: Any, *, cache: Any = None, start: int = 0, detach_context: bool = False) -> tuple[Any, int]:
    """(sum of cross-entropy over trained tokens, their count) for one sequence (1-D tensors).

    `cache` holds the keys/values of `input_ids[:start]` (computed without gradient); only
    `input_ids[start:]` is run. Logits are produced only at positions that predict a label.
    `detach_context`: every run of untrained tokens (observations, requests, headers) is encoded
    without gradient, and only each assistant message (with the position that predicts its first
    token) is run with gradient: the forward pass and the loss are the same, the backward pass covers
    ~5 % of the tokens."""
    import torch
    import torch.nn.functional as F

    if not detach_context:
        targets = labels[start + 1:]
        where = (targets != -100).nonzero(as_tuple=True)[0]  # positions (relative to start) predicting a trained token
        if where.numel() == 0:
            return _zero(model), 0
        kwargs: dict[str, Any] = {"logits_to_keep": where}
        if cache is not None:
            kwargs[_cache_kwarg(model)] = cache
            kwargs["use_cache"] = True
        out = model(input_ids=input_ids[None, start:], **kwargs)
        return F.cross_entropy(out.logits[0].float(), targets[where], reduction="sum"), int(where.numel())
    from transformers import DynamicCache

    name = _cache_kwarg(model)
    cache = cache if cache is not None else DynamicCache()
    trained = (labels != -100).tolist()
    total, count, pos, n = None, 0, start, len(trained)
    while pos < n:
        a = next((i for i in range(max(pos, 1), n) if trained[i]), None)
        if a is None:
            break
        b = next((i for i in range(a, n) if not trained[i]), n)
        if a - 1 > pos:  # the context before this message: encoded, not trained
            with torch.no_grad():
                model(input_ids=input_ids[None, pos:a - 1], **{name: cache, "use_cache": True, "logits_to_keep": 1})
        seg_start = max(a - 1, pos)
        out = model(input_ids=input_ids[None, seg_start:b], **{name: cache, "use_cache": True})
        logits = out.logits[0, a - 1 - seg_start: b - 1 - seg_start].float()
        loss = F.cross_entropy(logits, labels[a:b], reduction="sum")
        total = loss if total is None else total + loss
        count += b - a
        pos = b
    return (total, count) if total is not None else (_zero(model), 0)


def _zero(model: Any) -> Any:
    import torch

    return sum(p.sum() for p in model.parameters() if p.requires_grad) * 0.0 if any(p.requires_grad for p in model.parameters()) else torch.zeros(())


def _cache_kwarg(model: Any) -> str:
    """`cache` in transformers 5.x forward signatures, `past_key_values` before."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def _make_trainer_class():
    from transformers import Trainer

    class MaskedSFTTrainer(Trainer):
        """Token-level loss over assistant tokens, with the shared prefix encoded once per step."""

        loss_is_scaled_for_ga = True  # compute_loss divides by the step's trained-token count

        def __init__(self, *args: Any, detach_prefix: bool = True, detach_context: bool = False, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.model_accepts_loss_kwargs = True  # makes the Trainer count num_items_in_batch over the whole step
            self.detach_prefix = detach_prefix
            self.detach_context = detach_context
            self._prefix_step = -1
            self._prefix_cache: dict[tuple[int, ...], Any] = {}

        def _prefix(self, model: Any, ids: Any) -> Any:
            import torch
            from transformers import DynamicCache

            if self._prefix_step != self.state.global_step:  # new weights: encode the prefixes again
                self._prefix_step, self._prefix_cache = self.state.global_step, {}
            key = tuple(ids.tolist())
            if key not in self._prefix_cache:
                cache = DynamicCache()
                with torch.no_grad():
                    model(input_ids=ids[None], **{_cache_kwarg(model): cache, "use_cache": True, "logits_to_keep": 1})
                self._prefix_cache[key] = cache
            return copy.deepcopy(self._prefix_cache[key])  # each episode appends to its own copy

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None):
            total = None
            count = 0
            for row in range(inputs["input_ids"].shape[0]):
                n = int(inputs["lengths"][row])
                ids, labels = inputs["input_ids"][row, :n], inputs["labels"][row, :n]
                start = int(inputs["prefix_len"][row]) if self.detach_prefix else 0
                cache = self._prefix(model, ids[:start]) if start > 0 else None
                loss, k = masked_lm_loss(model, ids, labels, cache=cache, start=start, detach_context=self.detach_context)
                total = loss if total is None else total + loss
                count += k
            denom = num_items_in_batch if num_items_in_batch is not None else max(count, 1)
            loss = total / denom
            return (loss, {"loss": loss}) if return_outputs else loss

    return MaskedSFTTrainer


def _log_callback(path: Path, say: Say | None, losses: list[float]):
    from transformers import TrainerCallback

    class LossLog(TrainerCallback):
        """Every logged step as one JSON line (step, loss, lr, grad norm, seconds); loss to `say`."""

        def __init__(self) -> None:
            self.start = time.perf_counter()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "loss" not in logs:
                return
            row = {"step": state.global_step, "epoch": round(state.epoch or 0, 3), "loss": logs["loss"],
                   "lr": logs.get("learning_rate"), "grad_norm": logs.get("grad_norm"), "seconds": round(time.perf_counter() - self.start, 1)}
            losses.append(float(logs["loss"]))
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            if say:
                say(f"step {row['step']}/{state.max_steps} · loss {row['loss']:.4f} · {row['seconds']:.0f}s")

    return LossLog()


def train_sft(
    model: Any,
    tokenizer: Any,
    examples: Sequence[Example],
    config: SFTConfig,
    out_dir: str | Path,
    *,
    say: Say | None = None,
    progress_bar: bool = True,
) -> dict[str, Any]:
    """Train in place (LoRA adapters are added first when chosen); returns the trained model and stats."""
    import torch
    from transformers import TrainingArguments, set_seed

    if not examples:
        raise SFTError("no training examples: every teacher episode failed or exceeded max_length")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    set_seed(config.seed)
    n_params = count_parameters(model)
    use_lora = config.use_lora(n_params)
    if use_lora:
        model = _with_lora(model, config)
    lr = config.learning_rate(use_lora)
    limits = [ex.loss_mask.index(1) for ex in examples]  # a shared prefix ends before the first trained token
    prefix = shared_prefixes([ex.input_ids for ex in examples], min_len=config.prefix_min_tokens, limits=limits) if config.detach_prefix else [0] * len(examples)
    log_path = out / LOG_FILE
    log_path.unlink(missing_ok=True)
    losses: list[float] = []
    args = TrainingArguments(
        output_dir=str(out / "trainer"),
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=lr,
        lr_scheduler_type="linear",
        warmup_steps=config.warmup_ratio,  # a float < 1 is a ratio of the total steps
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        logging_steps=config.logging_steps,
        save_strategy="no",
        report_to="none",
        seed=config.seed,
        data_seed=config.seed,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=not progress_bar,
        use_cpu=not torch.cuda.is_available(),
        bf16=config.dtype == "bfloat16" and torch.cuda.is_available(),
    )
    trainer = _make_trainer_class()(
        model=model,
        args=args,
        train_dataset=_Dataset(examples, prefix),
        data_collator=_collate(tokenizer.pad_token_id),
        callbacks=[_log_callback(log_path, say, losses)],
        detach_prefix=config.detach_prefix,
        detach_context=config.detach_context,
    )
    if not progress_bar:  # our callback logs every step; drop the Trainer's dict printer
        from transformers import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    start = time.perf_counter()
    output = trainer.train()
    seconds = time.perf_counter() - start
    steps = int(output.global_step)
    with contextlib.suppress(OSError):  # save_strategy="no" leaves it empty
        (out / "trainer").rmdir()
    return {
        "model": trainer.model,
        "lora": use_lora,
        "lr": lr,
        "params": n_params,
        "steps": steps,
        "seconds": seconds,
        "losses": losses,
        "log": log_path,
        "shared_prefix_tokens": sorted(set(prefix)),
    }


def _with_lora(model: Any, config: SFTConfig) -> Any:
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise SFTError("LoRA needs peft: pip install -e '.[train]' (or pass --full)") from None
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=config.lora_targets, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


# ---- the facade ------------------------------------------------------------------------------


def run_sft(
    org_path: str | Path,
    tasks: Sequence[TaskRow],
    model_spec: str,
    out_dir: str | Path,
    config: SFTConfig,
    *,
    say: Say | None = None,
    teacher_progress: Callable[[Any], None] | None = None,
    progress_bar: bool = True,
) -> SFTResult:
    """Teacher episodes -> masked examples -> training -> checkpoint in `out_dir` (+ sft.json)."""
    out = Path(out_dir)
    tasks = list(tasks)[: config.max_tasks] if config.max_tasks else list(tasks)
    if not tasks:
        raise SFTError("no tasks to train on; make some with `crmweaver tasks synth` and `crmweaver tasks split`")
    say = say or (lambda m: None)
    say(f"teacher {config.teacher} on {len(tasks)} tasks")
    trajectories, episodes = teacher_trajectories(org_path, tasks, config.teacher, out_dir=out, max_turns=config.teacher_max_turns,
                                                  schema=config.schema, observation_chars=config.observation_chars, progress=teacher_progress, warn=say)
    if not trajectories:
        raise SFTError(f"the teacher {config.teacher!r} solved none of {episodes} episodes; use --teacher oracle or a stronger model")
    say(f"{len(trajectories)} of {episodes} teacher episodes scored 1; loading {model_spec}")
    model, tokenizer = load_policy(model_spec, dtype=config.dtype)
    examples, dropped = build_examples(tokenizer, trajectories, max_length=config.max_length)
    if dropped:
        say(f"cut {dropped} episode(s) longer than --max-length {config.max_length} after their last assistant message that fits")
    trained_tokens = sum(ex.trained_tokens for ex in examples)
    say(f"{len(examples)} examples · {sum(len(e.input_ids) for e in examples):,} tokens · {trained_tokens:,} trained (assistant) tokens")
    stats = train_sft(model, tokenizer, examples, config, out, say=say, progress_bar=progress_bar)
    meta = {"stage": "sft", "base_model": model_spec, "config": asdict(config), "examples": len(examples), "steps": stats["steps"],
            "lora": stats["lora"], "lr": stats["lr"]}
    save_checkpoint(stats["model"], tokenizer, out, meta=meta)
    losses = stats["losses"]
    result = SFTResult(
        checkpoint=out, examples=len(examples), cut_too_long=dropped, teacher_episodes=episodes, teacher_successes=len(trajectories),
        trained_tokens=trained_tokens, steps=stats["steps"], seconds=round(stats["seconds"], 1),
        s_per_step=round(stats["seconds"] / max(stats["steps"], 1), 2), first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None, lora=stats["lora"], lr=stats["lr"], params=stats["params"], log=stats["log"], losses=losses,
    )
    (out / "sft.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    if losses and not all(math.isfinite(x) for x in losses):
        raise SFTError(f"the loss became {losses[-1]}; lower --lr (now {stats['lr']})")
    return result
