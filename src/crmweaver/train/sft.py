"""SFT cold start: teacher trajectories -> assistant-only loss -> a checkpoint `local:DIR` evaluates.

Stages, each usable alone:

1. `teacher_trajectories`: run the teacher on the training tasks through the evaluation runner
   (same environment, scorer and results.jsonl as `crmweaver eval`, resumable) and keep the episodes
   that scored 1; or read an existing run folder.
2. `build_examples`: render each chat with the policy's chat template (`data.render_episode`):
   loss mask 1 on assistant tokens, 0 on the system prompt, requests and observations.
3. `train_sft`: transformers' `Trainer` with its own training step:
   - the loss is the mean cross-entropy over the trained tokens of the whole optimizer step (token-level
     averaging across gradient accumulation, via the Trainer's `num_items_in_batch`);
   - logits are computed only where a trained token is predicted (`logits_to_keep` with indices): ~5 %
     of an episode's positions, which saves the output layer's time and gigabytes of logits;
   - with `share_prefix`, the episodes of a micro-batch are drawn from one group that shares its system
     prompt (`PrefixBatches`), and that prompt is encoded once: its keys/values become leaf tensors that
     every episode's forward reads; each episode is backpropagated in turn (only one episode's graph is
     alive at a time), the gradients reaching the shared keys/values are summed, and one backward pass
     through the prompt finishes the step. The gradient is the plain loss's gradient (tested to a cosine
     of 0.999), the prompt's forward and backward run once per micro-batch instead of once per episode;
   - `bf16`: the forward and backward run under bfloat16 autocast (float32 master weights and optimizer),
     which some CPUs (AMD Zen 5) run ~2-3x faster than float32 and others slower (an Intel Xeon here:
     ~0.6x); by default a probe decides (models.use_bf16). The loss stays within ~1 % of float32 (tested).
   TRL's SFTTrainer would mask the same tokens (its `completion_mask`/`assistant_masks` columns), but
   neither the shared prefix nor the sparse logits fit through it without overriding the same
   method, so the plain Trainer is used and SFT needs no trl.
4. `save_checkpoint` (models.py): LoRA merged, Hugging Face layout, tokenizer and chat template included.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crmweaver.env.episode import EnvConfig, turn_budget
from crmweaver.errors import CrmweaverError
from crmweaver.evaluate import EvalConfig, EvalError, backend_factory, evaluate, load_results
from crmweaver.memory import EmbedError, Memory, MemoryStoreError
from crmweaver.tasks.row import TaskRow
from crmweaver.train.data import Example, RenderError, render_episode, shared_prefixes
from crmweaver.train.memory_loop import HintRule
from crmweaver.train.models import count_parameters, load_policy, save_checkpoint, use_bf16
from crmweaver.train.presets import SFTConfig

Say = Callable[[str], None]
TEACHER_DIR = "teacher"
LOG_FILE = "sft_log.jsonl"
CURVE_DIR = "curve"  # OUT/curve/after-N: the policy after the first N episodes (SFTConfig.curve)


class SFTError(CrmweaverError):
    """SFT cannot start or finish (no successful teacher episodes, nothing fits max_length, ...)."""


@dataclass
class Trajectory:
    task_idx: int | None
    task_type: str | None
    messages: list[dict[str, Any]]
    reward: float
    hinted: bool = False  # the system prompt shows a memory guideline


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
    teacher_max_turns: int | None = None
    precision: str = "no"  # the accelerator's mixed precision: bf16 (autocast) or no (the weights' dtype)
    curve: list[int] = field(default_factory=list)  # N of each OUT/curve/after-N checkpoint written
    hinted_episodes: int = 0  # successful teacher episodes whose prompt showed a memory guideline (SFTConfig.hint_rule)
    unseen_answers: int = 0  # successful teacher episodes left out: their answer names an Id the dialogue never showed
    episodes_seen: int = 0  # examples the optimizer saw, counted again in every epoch (the learning curve's x)
    tokens_forwarded: int = 0  # their tokens through forward+backward: tokens_forwarded / seconds is SFT's throughput

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
    guideline_for: Callable[[TaskRow], tuple[str, str] | None] | None = None,
) -> tuple[list[Trajectory], int]:
    """(successful trajectories, episodes run). `teacher` is a model spec (run through the evaluation
    runner into `out_dir/teacher`, resumable) or a run folder / results.jsonl already written.
    `guideline_for` shows episodes a memory guideline (the eval runner's hook)."""
    source = Path(teacher)
    if source.is_dir() or source.suffix == ".jsonl":
        if guideline_for is not None:
            raise SFTError(f"a hint rule shows guidelines to teacher episodes run here, not to those of {source}; "
                           "use --hint-rule never, or a teacher model spec (e.g. oracle)")
        path = source / "results.jsonl" if source.is_dir() else source
        if not path.is_file():
            raise SFTError(f"no results.jsonl at {source}; give a run folder written by `crmweaver eval --out`")
        records, _ = load_results(path)
    else:
        run_dir = Path(out_dir) / TEACHER_DIR
        try:
            env = EnvConfig(max_turns=max_turns, schema=schema, observation_chars=observation_chars)
            run = EvalConfig(model=teacher, resume=True, concurrency=concurrency, env=env, guideline_for=guideline_for)
            evaluate(org_path, tasks, backend_factory(teacher), run, out_dir=run_dir, progress=progress, warn=warn)
        except EvalError as e:
            raise SFTError(f"the teacher {teacher!r} could not run: {e}") from e
        records, _ = load_results(run_dir / "results.jsonl")
        wanted = {t.idx for t in tasks}
        records = [r for r in records if r.idx in wanted]
    good = [Trajectory(r.idx, r.task, r.messages, r.reward, bool(r.memory))
            for r in records if r.reward >= 1 and not r.infra_error and r.messages]
    return good, len(records)


_ID_WORD = re.compile(r"\b[0-9A-Za-z]{18}\b")


def unseen_answer_ids(messages: Sequence[dict[str, Any]]) -> list[str]:
    """Record Ids the final answer gives that nothing before it showed. The oracle knows them from the
    gold solver; a student can only guess them (an observation cut at `observation_chars` hid the
    evidence), so training on such an episode teaches it to invent Ids."""
    if not messages or messages[-1].get("role") != "assistant":
        return []
    shown = "\n".join(str(m.get("content") or "") for m in messages[:-1])
    answer = str(messages[-1].get("content") or "")
    return [w for w in _ID_WORD.findall(answer) if sum(c.isdigit() for c in w) >= 3 and w not in shown]


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


class PrefixBatches:
    """A batch sampler: micro-batches of `batch_size` episodes that share their prefix (`prefix[i]`
    tokens of `sequences[i]`; 0 groups nothing), shuffled anew each epoch by `seed`. Episodes without
    a partner fill batches of their own, so every episode is drawn once per epoch."""

    def __init__(self, sequences: Sequence[Sequence[int]], prefix: Sequence[int], batch_size: int, seed: int):
        groups: dict[Any, list[int]] = {}
        for i, (ids, n) in enumerate(zip(sequences, prefix, strict=True)):
            groups.setdefault(tuple(ids[:n]) if n else ("alone",), []).append(i)
        self.groups, self.batch_size, self.seed, self.epoch = list(groups.values()), batch_size, seed, 0

    def _batches(self, epoch: int) -> list[list[int]]:
        import random

        rng = random.Random(self.seed * 1_000_003 + epoch)
        batches = []
        for group in self.groups:
            order = list(group)
            rng.shuffle(order)
            batches += [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        rng.shuffle(batches)
        return batches

    def __iter__(self):
        batches, self.epoch = self._batches(self.epoch), self.epoch + 1
        return iter(batches)

    def __len__(self) -> int:
        return sum(-(-len(g) // self.batch_size) for g in self.groups)


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


def masked_lm_loss(model: Any, input_ids: Any, labels: Any, *, cache: Any = None, start: int = 0) -> tuple[Any, int]:
    """(sum of cross-entropy over trained tokens, their count) for one sequence (1-D tensors).

    `cache` holds the keys/values of `input_ids[:start]`; only `input_ids[start:]` is run, so no
    label may sit at or before `start` (the position that predicts it would not run). Logits are
    produced only at positions that predict a label."""
    import torch.nn.functional as F

    if start > 0 and bool((labels[: start + 1] != -100).any()):
        raise ValueError(f"a trained token lies inside the first {start + 1} positions; a shared prefix must end before "
                         "the position that predicts the first trained token")
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


def shared_prefix_backward(model: Any, rows: Sequence[tuple[Any, Any]], prefix: int, denom: float, *,
                           autocast: Callable[[], Any] = contextlib.nullcontext,
                           backward: Callable[[Any], None] | None = None) -> tuple[float, int]:
    """Backpropagate sum(loss of each row) / denom, the rows' first `prefix` tokens encoded once.

    Exact: the prefix's keys/values are computed with their graph, then detached into leaf tensors
    that every row's forward reads; each row is backpropagated on its own (freeing its graph), which
    sums the gradients reaching the leaves; a last backward carries that sum through the prefix.
    `rows` are (input_ids, labels) 1-D tensors that agree on their first `prefix` ids, and no label
    may lie inside the prefix (see masked_lm_loss). Returns (the loss value, trained tokens)."""
    import torch
    from transformers import DynamicCache

    backward = backward or (lambda t: t.backward())
    name = _cache_kwarg(model)
    roots: list[Any] = []
    leaves: list[Any] = []
    if prefix > 0:
        with autocast():
            cache = DynamicCache()
            model(input_ids=rows[0][0][None, :prefix], **{name: cache, "use_cache": True, "logits_to_keep": 1})
        roots = [t for layer in cache.layers for t in (layer.keys, layer.values)]
        leaves = [t.detach().requires_grad_(True) for t in roots]
    total, count = 0.0, 0
    for ids, labels in rows:
        row_cache = None
        if prefix > 0:
            row_cache = DynamicCache()
            for layer in range(len(leaves) // 2):  # the update appends copies: the leaves stay the prefix
                row_cache.update(leaves[2 * layer], leaves[2 * layer + 1], layer)
        with autocast():
            loss, n = masked_lm_loss(model, ids, labels, cache=row_cache, start=prefix)
        if n:
            backward(loss / denom)
            total += float(loss.detach())
            count += n
    pairs = [(root, leaf.grad) for root, leaf in zip(roots, leaves, strict=True) if leaf.grad is not None]
    if pairs:
        torch.autograd.backward([r for r, _ in pairs], [g for _, g in pairs])
    return total / denom, count


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
        """Token-level loss over assistant tokens; a micro-batch's shared prefix encoded once (exact gradient)."""

        def __init__(self, *args: Any, batches: PrefixBatches | None = None, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.model_accepts_loss_kwargs = True  # makes the Trainer count num_items_in_batch over the whole step
            self.batches = batches
            self.episodes_seen = 0
            self.tokens_forwarded = 0  # episode tokens through forward+backward (with the shared prefix counted in each episode)

        def get_train_dataloader(self):
            if self.batches is None:
                return super().get_train_dataloader()
            from torch.utils.data import DataLoader

            loader = DataLoader(self.train_dataset, batch_sampler=self.batches, collate_fn=self.data_collator, num_workers=0)
            return self.accelerator.prepare(loader)

        def training_step(self, model: Any, inputs: dict[str, Any], num_items_in_batch: Any = None):
            import torch

            model.train()
            inputs = self._prepare_inputs(inputs)
            groups: dict[tuple[int, ...], list[int]] = {}
            for row in range(inputs["input_ids"].shape[0]):
                start = int(inputs["prefix_len"][row])
                groups.setdefault(tuple(inputs["input_ids"][row, :start].tolist()), []).append(row)
            count = sum(int((inputs["labels"][r, 1:int(inputs["lengths"][r])] != -100).sum()) for g in groups.values() for r in g)
            denom = float(num_items_in_batch) if num_items_in_batch is not None else float(max(count, 1))
            total = 0.0
            for key, members in groups.items():
                rows = [(inputs["input_ids"][r, :int(inputs["lengths"][r])], inputs["labels"][r, :int(inputs["lengths"][r])]) for r in members]
                prefix = len(key) if len(members) > 1 else 0  # a prefix of one episode saves nothing
                loss, _ = shared_prefix_backward(model, rows, prefix, denom, autocast=self.compute_loss_context_manager,
                                                 backward=self.accelerator.backward)
                total += loss
            self.episodes_seen += inputs["input_ids"].shape[0]
            self.tokens_forwarded += int(inputs["lengths"].sum())
            return torch.tensor(total)

    return MaskedSFTTrainer


def example_prefixes(examples: Sequence[Example], config: SFTConfig) -> list[int]:
    """Each example's shared-prefix length: what it has in common with other examples, ending before
    the position that predicts its first trained token (that position must run: it yields the
    token's logit)."""
    limits = [max(ex.loss_mask.index(1) - 1, 0) for ex in examples]
    return shared_prefixes([ex.input_ids for ex in examples], min_len=config.prefix_min_tokens, limits=limits)


def curve_checkpoint(out: str | Path, n: int) -> Path:
    return Path(out) / CURVE_DIR / f"after-{n}"


def _curve_callback(trainer: Any, tokenizer: Any, root: Path, counts: Sequence[int], say: Say | None):
    """Saves the policy after the optimizer step in which the N-th episode was seen, for each N."""
    from transformers import TrainerCallback

    class Curve(TrainerCallback):
        def __init__(self) -> None:
            self.todo = sorted(counts)

        def on_step_end(self, args, state, control, **kwargs):
            while self.todo and trainer.episodes_seen >= self.todo[0]:
                n = self.todo.pop(0)
                save_checkpoint(trainer.model, tokenizer, root / f"after-{n}",
                                meta={"stage": "sft", "episodes_seen": trainer.episodes_seen, "step": state.global_step})
                if say:
                    say(f"saved the policy after {trainer.episodes_seen} episodes ({root / f'after-{n}'})")

    return Curve()


def _log_callback(trainer: Any, path: Path, say: Say | None, losses: list[float]):
    from transformers import TrainerCallback

    class LossLog(TrainerCallback):
        """Every logged step as one JSON line (step, loss, lr, grad norm, seconds, episode tokens so far: the
        throughput, step by step); loss to `say`."""

        def __init__(self) -> None:
            self.start = time.perf_counter()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "loss" not in logs:
                return
            row = {"step": state.global_step, "epoch": round(state.epoch or 0, 3), "loss": logs["loss"],
                   "lr": logs.get("learning_rate"), "grad_norm": logs.get("grad_norm"), "seconds": round(time.perf_counter() - self.start, 1),
                   "tokens": trainer.tokens_forwarded}
            losses.append(float(logs["loss"]))
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            if say:
                say(f"step {row['step']}/{state.max_steps} · loss {row['loss']:.4f} · {row['seconds']:.0f}s"
                    f" · {row['tokens'] / max(row['seconds'], 0.1):.0f} tokens/s")

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
    prefix = example_prefixes(examples, config) if config.share_prefix and config.batch_size > 1 else [0] * len(examples)
    batches = PrefixBatches([ex.input_ids for ex in examples], prefix, config.batch_size, config.seed) if any(prefix) else None
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
        bf16=use_bf16(config.bf16),
    )
    trainer = _make_trainer_class()(
        model=model,
        args=args,
        train_dataset=_Dataset(examples, prefix),
        data_collator=_collate(tokenizer.pad_token_id),
        batches=batches,
    )
    trainer.add_callback(_log_callback(trainer, log_path, say, losses))
    if config.curve and tokenizer is not None:
        trainer.add_callback(_curve_callback(trainer, tokenizer, out / CURVE_DIR, config.curve, say))
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
        "episodes_seen": trainer.episodes_seen,
        "tokens_forwarded": trainer.tokens_forwarded,
        "precision": str(trainer.accelerator.mixed_precision),
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


@contextlib.contextmanager
def teacher_hints(config: SFTConfig, memory: str | Path | None):
    """The teacher run's guideline hook under `config.hint_rule` (the memory open meanwhile): a coin per
    task for prob:P, every task for always. Without a memory there is nothing to show (a preset's rule
    applies when one is given)."""
    rule = HintRule.parse(config.hint_rule)
    if rule.kind == "never" or memory is None:
        yield None
        return
    try:
        mem = Memory(memory, write_policy="off", create=False)
    except (MemoryStoreError, EmbedError) as e:
        raise SFTError(str(e)) from None
    with mem:
        yield lambda task: mem.guideline_for(task) if rule.shows(f"{task.task}:{task.idx}", config.seed) else None


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
    memory: str | Path | None = None,
) -> SFTResult:
    """Teacher episodes -> masked examples -> training -> checkpoint in `out_dir` (+ sft.json).

    With a `memory` file, the teacher episodes `config.hint_rule` picks show their task's top-1
    guideline in the system prompt, as evaluation with the memory on does: the policy learns to
    follow a guideline (and, from the others, to work without one)."""
    out = Path(out_dir)
    tasks = list(tasks)[: config.max_tasks] if config.max_tasks else list(tasks)
    if not tasks:
        raise SFTError("no tasks to train on; make some with `crmweaver tasks synth` and `crmweaver tasks split`")
    say = say or (lambda m: None)
    say(f"teacher {config.teacher} on {len(tasks)} tasks")
    max_turns = config.teacher_max_turns or turn_budget(tasks)  # the budget the student gets: no plan it cannot finish
    with teacher_hints(config, memory) as shown:
        trajectories, episodes = teacher_trajectories(org_path, tasks, config.teacher, out_dir=out, max_turns=max_turns, schema=config.schema,
                                                      observation_chars=config.observation_chars, progress=teacher_progress, warn=say,
                                                      guideline_for=shown)
    if not trajectories:
        raise SFTError(f"the teacher {config.teacher!r} solved none of {episodes} episodes; use --teacher oracle or a stronger model")
    successes, hinted = len(trajectories), sum(t.hinted for t in trajectories)
    hidden = [bool(unseen_answer_ids(t.messages)) for t in trajectories]
    unseen = Counter(t.task_type for t, h in zip(trajectories, hidden) if h)
    trajectories = [t for t, h in zip(trajectories, hidden) if not h]
    if not trajectories:
        raise SFTError(f"every successful teacher episode answers with an Id its dialogue never showed; raise observation_chars "
                       f"(now {config.observation_chars})")
    left_out = ""
    if unseen:
        by_type = ", ".join(f"{k} {n}" for k, n in unseen.most_common())
        left_out = f", {sum(unseen.values())} left out: their answer names an Id the dialogue never showed ({by_type})"
    say(f"{successes} of {episodes} teacher episodes scored 1 ({hinted} shown a guideline){left_out}; loading {model_spec}")
    model, tokenizer = load_policy(model_spec, dtype=config.dtype)
    examples, dropped = build_examples(tokenizer, trajectories, max_length=config.max_length)
    if dropped:
        say(f"cut {dropped} episode(s) longer than --max-length {config.max_length} after their last assistant message that fits")
    trained_tokens = sum(ex.trained_tokens for ex in examples)
    say(f"{len(examples)} examples · {sum(len(e.input_ids) for e in examples):,} tokens · {trained_tokens:,} trained (assistant) tokens")
    stats = train_sft(model, tokenizer, examples, config, out, say=say, progress_bar=progress_bar)
    meta = {"stage": "sft", "base_model": model_spec, "config": asdict(config), "examples": len(examples), "steps": stats["steps"],
            "lora": stats["lora"], "lr": stats["lr"], "teacher_max_turns": max_turns}
    save_checkpoint(stats["model"], tokenizer, out, meta=meta)
    losses = stats["losses"]
    result = SFTResult(
        checkpoint=out, examples=len(examples), cut_too_long=dropped, teacher_episodes=episodes, teacher_successes=successes,
        trained_tokens=trained_tokens, steps=stats["steps"], seconds=round(stats["seconds"], 1),
        s_per_step=round(stats["seconds"] / max(stats["steps"], 1), 2), first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None, lora=stats["lora"], lr=stats["lr"], params=stats["params"], log=stats["log"], losses=losses,
        teacher_max_turns=max_turns, precision=stats["precision"], curve=[n for n in config.curve if curve_checkpoint(out, n).is_dir()],
        hinted_episodes=hinted, unseen_answers=sum(unseen.values()), episodes_seen=stats["episodes_seen"],
        tokens_forwarded=stats["tokens_forwarded"],
    )
    (out / "sft.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    if losses and not all(math.isfinite(x) for x in losses):
        raise SFTError(f"the loss became {losses[-1]}; lower --lr (now {stats['lr']})")
    return result
