"""Training configs (one validated dataclass per component) and the named presets that fill them.

    cpu-smoke  a random tiny Llama (SmolLM2's tokenizer), 8 tasks, a few steps: CI runs SFT + RL in minutes
    cpu-demo   the bundled SmolLM2-135M-Instruct on 2 CPU cores: a small study (train pipeline);
               prompts describe only the task type's objects (EnvConfig.schema="task"), ~1k tokens instead of ~5k
    cpu-study  the bundled SmolLM2-135M-Instruct on 2 CPU cores, a longer study: SFT on hundreds of oracle
               episodes with a learning curve, RL on the tasks the SFT policy sometimes solves, 5 held-out instances
               of every type, 4 of the types never trained on
    gpu        a Qwen-class 1.5B-8B instruct model the user gives (--model PATH); LoRA, bf16, full-length
               episodes; RL generation through vLLM (see the RL docs)

Each preset's `minutes` is its study's wall-clock on 2 CPU cores: the one figure the demo prints and the
README quotes (tests/test_docs.py checks the README). A preset is a starting point: command-line flags override its fields, and `__post_init__` checks the
result and says how to fix a bad value (TRL's config style).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from crmweaver.env.episode import check_schema
from crmweaver.errors import ConfigError
from crmweaver.train.memory_loop import HintRule
from crmweaver.train.rl import RL_PRESETS, RLConfig

LORA_MIN_PARAMS = 1_000_000_000  # `lora=None` picks LoRA from this size up, full fine-tuning below


@dataclass
class SFTConfig:
    """Supervised cold start on teacher trajectories; only assistant tokens are trained."""

    teacher: str = "oracle"  # oracle, any model spec (its successful episodes are kept), or a run folder runs/ID
    max_tasks: int | None = None  # use the first N training tasks (None: all)
    teacher_max_turns: int | None = None  # turns per teacher episode; None: the tasks' turn budget (turn_budget), as the student is evaluated
    schema: str = "full"  # the prompt's schema: full, or task (only the type's objects; EnvConfig.schema)
    observation_chars: int = 6000  # longer query results are cut in teacher episodes (EnvConfig.observation_chars)
    epochs: float = 2.0
    max_steps: int = -1  # > 0 stops after this many optimizer steps (overrides epochs)
    lr: float | None = None  # None: 1e-4 for full fine-tuning, 2e-4 for LoRA
    lora: bool | None = None  # None: LoRA for models >= 1B parameters, full fine-tuning below (135M trains fully on a CPU)
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    lora_targets: str = "all-linear"  # peft's shorthand: every linear layer but the output head
    batch_size: int = 1  # episodes per micro-batch (each is forwarded on its own: no padding); same-prefix episodes are batched together
    grad_accum: int = 4  # micro-batches per optimizer step
    max_length: int = 8192  # longer episodes are cut after their last whole assistant message that fits (counted)
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    share_prefix: bool = True  # a micro-batch's shared system prompt is encoded once, its gradient exact (see sft.py)
    prefix_min_tokens: int = 256  # shortest prefix worth sharing
    dtype: str = "float32"  # the weights' dtype (the optimizer's master copy): float32 on CPUs, bfloat16 on GPUs
    bf16: bool | None = None  # compute in bfloat16 (autocast), weights stay in dtype; None: where it is faster (models.use_bf16)
    curve: tuple[int, ...] = ()  # also save the policy after the first N episodes seen (OUT/curve/after-N), for a learning curve
    hint_rule: str = "never"  # given a memory: which teacher episodes show the top-1 guideline (never, always or prob:P, as in RL)
    seed: int = 0
    logging_steps: int = 1

    def __post_init__(self) -> None:
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ConfigError("SFT needs epochs > 0 or max_steps > 0")
        if self.lr is not None and not 0 < self.lr < 1:
            raise ConfigError(f"lr={self.lr} is not a learning rate; use e.g. 1e-4 (full) or 2e-4 (LoRA)")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ConfigError("batch_size and grad_accum must be >= 1")
        if self.max_length < 256:
            raise ConfigError(f"max_length={self.max_length} cannot hold even the system prompt; use >= 8192 for our episodes")
        if self.max_tasks is not None and self.max_tasks < 1:
            raise ConfigError("max_tasks must be >= 1 (or None for all)")
        if HintRule.parse(self.hint_rule).kind == "on_zero_group":  # a bad rule fails here, before any model loads
            raise ConfigError("SFT's hint rule is never, always or prob:P (on_zero_group re-runs RL groups that scored 0)")
        check_schema(self.schema)
        if self.dtype not in ("float32", "bfloat16", "float16"):
            raise ConfigError(f"dtype must be float32, bfloat16 or float16, not {self.dtype!r}")
        if self.teacher_max_turns is not None and self.teacher_max_turns < 1:
            raise ConfigError("teacher_max_turns must be >= 1 (or None for the tasks' turn budget)")
        self.curve = tuple(sorted(set(self.curve)))
        if any(not isinstance(n, int) or n < 1 for n in self.curve):
            raise ConfigError(f"curve holds episode counts >= 1, not {self.curve}")

    def learning_rate(self, use_lora: bool) -> float:
        return self.lr if self.lr is not None else (2e-4 if use_lora else 1e-4)

    def use_lora(self, n_params: int) -> bool:
        return self.lora if self.lora is not None else n_params >= LORA_MIN_PARAMS


@dataclass
class Preset:
    """Everything a named preset fixes; the RL trainer adds its own config next to `sft`."""

    name: str
    summary: str
    model: str | None  # None: the user must give --model (the gpu preset)
    train_tasks: int  # tasks to train on (the first N of --tasks)
    eval_tasks: int  # held-out tasks the before/after table uses (spread evenly over the types)
    eval_max_turns: int | None  # None: the tasks' turn budget (turn_budget), for teacher, RL and evaluation alike
    max_new_tokens: int  # per model turn, in rollouts and evaluation
    held_out_types: tuple[str, ...] = ()  # types never trained on: evaluated only (unseen scenarios)
    eval_concurrency: int = 1  # episodes evaluated at once (the local backend batches them)
    memory_on_stages: tuple[str, ...] = ("base", "sft", "sft+rl")  # stages also evaluated with the memory on
    minutes: int | None = None  # `train pipeline` wall-clock on 2 CPU cores; help texts and the README quote it (None: GPU-bound)
    sft: SFTConfig = field(default_factory=SFTConfig)
    rl: RLConfig | None = None  # the RL trainer's config (train/rl.py's RL_PRESETS of the same name)

    def sft_with(self, **overrides: Any) -> SFTConfig:
        """The preset's SFT config with the flags a user gave (None means: keep the preset's)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self.sft, **given)

    def rl_with(self, **overrides: Any) -> RLConfig:
        """The preset's RL config with the flags a user gave (None means: keep the preset's). A
        given `algo` brings that algorithm's own defaults for what it decides (clip-higher, loss
        type, dynamic sampling, overlong filter), not the preset's; a `vllm_url` generates on vLLM."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if given.get("vllm_url"):
            given["sampler"] = "vllm"
        if "algo" in given:  # in the same replace, so that __post_init__ fills them for the new algorithm
            given = {"eps_high": None, "loss_type": None, "dynamic_sampling": None, "overlong_filter": None, **given}
        return dataclasses.replace(self.rl or RLConfig(), **given)


HELD_OUT_TYPES = ("lead_routing", "quote_approval", "activity_priority", "transfer_count")  # one per business skill,
# each with a seen sibling (case_routing, invalid_config, wrong_stage_rectification, handle_time)

PRESETS: dict[str, Preset] = {
    "cpu-smoke": Preset(
        name="cpu-smoke",
        summary="random tiny Llama with SmolLM2's tokenizer; proves the pipeline runs (CI)",
        model="tiny",
        train_tasks=8,
        eval_tasks=4,
        eval_max_turns=None,
        max_new_tokens=16,
        minutes=2,
        sft=SFTConfig(max_tasks=8, epochs=1, max_steps=3, lr=1e-3, warmup_ratio=0.0, batch_size=2, grad_accum=1, max_length=16384,
                      schema="task", curve=(2,), bf16=True, hint_rule="prob:0.5"),
    ),
    "cpu-demo": Preset(
        name="cpu-demo",
        summary="bundled SmolLM2-135M-Instruct, full fine-tuning on 2 CPU cores, task-focused schema",
        model="local",
        train_tasks=44,
        eval_tasks=22,
        eval_max_turns=None,
        max_new_tokens=128,
        minutes=60,  # measured: 59.9 (docs/results/cpu-demo)
        sft=SFTConfig(max_tasks=44, epochs=2, lr=1e-4, batch_size=2, grad_accum=2, max_length=3072, schema="task", observation_chars=1500,
                      hint_rule="prob:0.5"),
    ),
    # ~280 minutes on 2 cores, measured stage by stage in docs/results/cpu-study (a Zen 5 pair in bfloat16: SFT 104 min,
    # RL 51, each evaluation ~24; the base evaluation, 35 on a Xeon, uses every turn); two SFT epochs at 3e-4, as one epoch
    # at 1e-4 answered no non-None gold; the memory is evaluated on for the final policy only (the slowest stage to repeat)
    "cpu-study": Preset(
        name="cpu-study",
        summary="bundled SmolLM2-135M-Instruct on 2 CPU cores: SFT on 240 oracle episodes with a learning curve, RL on the "
                "tasks SFT sometimes solves; 5 held-out instances per type, 4 types never trained on",
        model="local",
        train_tasks=360,
        eval_tasks=110,
        eval_max_turns=None,
        max_new_tokens=128,
        held_out_types=HELD_OUT_TYPES,
        eval_concurrency=16,
        memory_on_stages=("sft+rl",),
        minutes=280,  # measured (above)
        sft=SFTConfig(max_tasks=240, epochs=2, lr=3e-4, batch_size=4, grad_accum=2, max_length=4096, schema="task",
                      observation_chars=1500, curve=(80,), hint_rule="prob:0.5"),
    ),
    "gpu": Preset(
        name="gpu",
        summary="a Qwen-class 1.5B-8B instruct model you give with --model PATH; LoRA, bf16",
        model=None,
        train_tasks=2000,
        eval_tasks=440,
        eval_max_turns=20,
        max_new_tokens=512,
        eval_concurrency=8,
        sft=SFTConfig(epochs=2, lr=None, lora=None, batch_size=1, grad_accum=16, max_length=32768, dtype="bfloat16", share_prefix=False),
    ),
}


def get_preset(name: str) -> Preset:
    """The named preset, with the RL trainer's config of the same name attached (train/rl.py's
    RL_PRESETS)."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    return preset


# The RL stage's config of each preset (train/rl.py owns RLConfig and its presets).
for _name, _rl in RL_PRESETS.items():
    PRESETS[_name].rl = _rl
