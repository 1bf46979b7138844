"""The shared memory inside the RL loop: when a rollout's prompt gets a guideline, and write-back.

CRMWeaver trains with its memory switched on: a rule decides which rollouts see the top-1
guideline retrieved for their task, and rollouts the scorer verified as successful write back
(counters of the item they were shown; a new distilled item, deduplicated, when none was shown),
so the memory grows while the policy learns. The rules:

    never           no rollout sees a guideline (memory only grows, by write-back)
    always          every rollout sees the top-1 guideline (when one matches)
    prob:P          each rollout sees it with probability P
    on_zero_group   a group runs without guidelines; only when all its rewards are 0 is the group
                    run again with the guideline, and the hinted group replaces it

The rollout itself is a callable, so this module knows nothing of models or trainers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from crmweaver.agent.batching import serving, wait_serving
from crmweaver.errors import ConfigError
from crmweaver.tasks.row import TaskRow

HINT_RULES = "never, always, prob:P (0 <= P <= 1), on_zero_group"


class Outcome(Protocol):
    """What the loop needs of a finished rollout (train.rollout.Rollout has these)."""

    reward: float
    hinted: bool

    def record(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class HintRule:
    kind: Literal["never", "always", "prob", "on_zero_group"] = "never"
    p: float = 0.0

    @classmethod
    def parse(cls, text: str) -> HintRule:
        """`never` | `always` | `prob:P` | `on_zero_group`; anything else is a ValueError naming the forms."""
        raw = (text or "never").strip().lower()
        if raw in ("never", "always", "on_zero_group"):
            return cls(raw)  # type: ignore[arg-type]
        if raw.startswith("prob:"):
            try:
                p = float(raw[5:])
            except ValueError:
                p = -1.0
            if 0.0 <= p <= 1.0:
                return cls("prob", p)
        raise ConfigError(f"unknown hint rule {text!r}; use one of: {HINT_RULES}")

    def __str__(self) -> str:
        return f"prob:{self.p:g}" if self.kind == "prob" else self.kind

    def first_pass(self, rng: random.Random) -> bool:
        """Whether one rollout of a group's first pass gets the guideline."""
        if self.kind == "always":
            return True
        if self.kind == "prob":
            return rng.random() < self.p
        return False

    def shows(self, key: str, seed: int = 0) -> bool:
        """Whether the first pass of the episode named `key` (a task) shows the guideline: a coin drawn
        from (seed, key), so a resumed or repeated run shows it to the same episodes (SFT's teacher)."""
        return self.first_pass(random.Random(f"{seed}:{key}"))

    def retry_with_hint(self, rewards: list[float]) -> bool:
        """on_zero_group: re-run the group with the guideline when it scored all zero."""
        return self.kind == "on_zero_group" and bool(rewards) and all(r == 0 for r in rewards)


RunOne = Callable[[TaskRow, "tuple[str, str] | None", int], Any]  # (task, (item id, text) | None, index) -> Outcome


@dataclass
class LoopStats:
    """Counters of one training step (reset by `take()`)."""

    rollouts: int = 0
    hinted: int = 0
    retried_groups: int = 0
    written: int = 0  # items added or merged by write-back
    outcomes: int = 0  # helpful/harmful counters bumped


@dataclass
class MemoryLoop:
    """Runs groups of rollouts under a hint rule and writes verified successes back to the memory.

    `memory` is a crmweaver.memory.Memory opened with write_policy="success" (or None: no hints,
    no write-back). The rng makes `prob:P` reproducible by seed."""

    memory: Any = None
    rule: HintRule = field(default_factory=HintRule)
    seed: int = 0
    write_back: bool = True
    stats: LoopStats = field(default_factory=LoopStats)
    concurrency: int = 1  # a group's rollouts run in this many threads (a batching sampler shares their forwards)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        if self.memory is None and self.rule.kind != "never":
            raise ConfigError(f"hint rule {self.rule} needs a memory: pass --memory MEM.db (or --hint-rule never)")

    def guideline(self, task: TaskRow) -> tuple[str, str] | None:
        return self.memory.guideline_for(task) if self.memory is not None else None

    def run_group(self, task: TaskRow, group_size: int, run_one: RunOne) -> list[Any]:
        """G rollouts of one task from the same state, hinted per the rule; then write-back."""
        found = self.guideline(task) if self.rule.kind != "never" else None
        hints = [found if (found and self.rule.first_pass(self.rng)) else None for _ in range(group_size)]
        group = self.run_all(run_one, [(task, hint, i) for i, hint in enumerate(hints)])
        if found and self.rule.retry_with_hint([o.reward for o in group]):
            self.stats.retried_groups += 1
            group = self.run_all(run_one, [(task, found, group_size + i) for i in range(group_size)])
        self.stats.rollouts += len(group)
        self.stats.hinted += sum(bool(o.hinted) for o in group)
        if self.write_back:
            for outcome in group:
                self.write(outcome)
        return group

    def run_all(self, run_one: RunOne, calls: list[tuple[TaskRow, Any, int]]) -> list[Any]:
        """The rollouts `calls` names, in order; in `concurrency` threads when that is above 1."""
        if self.concurrency <= 1 or len(calls) <= 1:
            return [run_one(*c) for c in calls]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(calls)), thread_name_prefix="crmweaver-rollout") as pool:
            with serving():  # this thread runs the policy's batched forwards while the rollouts wait
                futures = [pool.submit(run_one, *c) for c in calls]
                wait_serving(futures, ALL_COMPLETED)
            return [f.result() for f in futures]

    def write(self, outcome: Any) -> str | None:
        """Counters for the item shown, or a new/merged guideline from a verified success."""
        if self.memory is None:
            return None
        record = outcome.record()
        if record.get("memory"):
            self.stats.outcomes += 1
        written = self.memory.after_episode(record)
        if written is not None:
            self.stats.written += 1
        return written

    def size(self) -> int:
        return len(self.memory) if self.memory is not None else 0

    def take(self) -> dict[str, Any]:
        """This step's memory metrics; counters start again at zero."""
        s, self.stats = self.stats, LoopStats()
        return {
            "hint_rate": s.hinted / s.rollouts if s.rollouts else 0.0,
            "hinted_rollouts": s.hinted,
            "retried_groups": s.retried_groups,
            "memory_written": s.written,
            "memory_outcomes": s.outcomes,
            "memory_size": self.size(),
        }
