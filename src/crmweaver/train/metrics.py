"""Per-step RL metrics: computed from a step's rollouts, appended to a JSONL log, drawn as a PNG.

One line per optimizer step; a resumed run first drops the lines after its checkpoint's step, so
the log never holds a step twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from crmweaver.train.objective import equal_groups

PLOTTED = (("reward", "mean reward"), ("success", "success rate"), ("hint_rate", "hint rate"),
           ("equal_group_frac", "all-equal groups"), ("response_tokens", "sampled tokens / episode"), ("loss", "loss"))


def rollout_metrics(rollouts: list[Any], group_size: int) -> dict[str, Any]:
    """Reward, success (overall and per task type), sampled length, turns, all-equal groups, overlong."""
    if not rollouts:
        return {"rollouts": 0}
    rewards = [r.reward for r in rollouts]
    by_type: dict[str, list[float]] = defaultdict(list)
    for r in rollouts:
        by_type[r.task.task].append(1.0 if r.reward >= 1.0 else 0.0)
    groups = max(1, len(rewards) // group_size)
    return {
        "rollouts": len(rollouts),
        "reward": sum(rewards) / len(rewards),
        "success": sum(r >= 1.0 for r in rewards) / len(rewards),
        "success_by_type": {t: sum(v) / len(v) for t, v in sorted(by_type.items())},
        "response_tokens": sum(r.sampled_tokens for r in rollouts) / len(rollouts),
        "sequence_tokens": sum(len(r.prompt_ids) + len(r.completion_ids) for r in rollouts) / len(rollouts),
        "turns": sum(r.turns for r in rollouts) / len(rollouts),
        "equal_group_frac": sum(equal_groups(rewards, group_size)) / groups,
        "truncated_frac": sum(bool(r.truncated) for r in rollouts) / len(rollouts),
        "answered_frac": sum(r.termination in ("respond", "user_stop") for r in rollouts) / len(rollouts),
    }


class MetricsLog:
    """Append-only JSONL of step records."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps(record, default=float) + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a torn last line from a killed run
                continue
        return out

    def truncate_after(self, step: int) -> None:
        """Keep only steps <= `step` (resume from that step's checkpoint); atomic rewrite."""
        keep = [r for r in self.read() if int(r.get("step", 0)) <= step]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, default=float) + "\n" for r in keep))
        tmp.replace(self.path)


def plot(records: list[dict[str, Any]], out: str | Path, title: str = "crmweaver train rl") -> Path | None:
    """A grid of the main curves against the step; None when matplotlib is missing or nothing to draw."""
    if not records:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, axes = plt.subplots(2, 3, figsize=(12, 6))
    steps = [r["step"] for r in records]
    for ax, (key, label) in zip(axes.flat, PLOTTED, strict=True):
        pts = [(s, r[key]) for s, r in zip(steps, records, strict=True) if isinstance(r.get(key), int | float)]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, marker="o", markersize=3)
            if key == "reward" and len(ys) >= 5:  # a moving average shows the trend through the noise
                w = 5
                ma = [sum(ys[max(0, i - w + 1): i + 1]) / (i + 1 - max(0, i - w + 1)) for i in range(len(ys))]
                ax.plot(xs, ma, linewidth=2, label=f"mean of last {w}")
                ax.legend(fontsize=7)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def sft_episodes_seen(summary: dict[str, Any], log: list[dict[str, Any]]) -> int | None:
    """The learning curve's last x: the examples SFT's optimizer saw, every epoch counted (sft.json's
    `episodes_seen`; an sft.json written before it: its examples × the last epoch in its log)."""
    if summary.get("episodes_seen"):
        return int(summary["episodes_seen"])
    epoch = next((row["epoch"] for row in reversed(log) if isinstance(row.get("epoch"), (int, float))), 1.0)
    return round(summary["examples"] * epoch) if summary.get("examples") else None


def plot_curve(points: list[dict[str, Any]], out: str | Path, title: str = "learning curve") -> Path | None:
    """Held-out ALL and non-None accuracy (in %) against SFT episodes seen, with their 95 % intervals
    as error bars; None when matplotlib is missing or there is nothing to draw."""
    if not points:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [p["episodes"] for p in points]
    for key, label in (("ALL", "ALL"), ("non-None", "non-None golds")):
        pts = [(x, p[key], p.get(f"{key}_ci")) for x, p in zip(xs, points, strict=True) if p.get(key) is not None]
        if not pts:
            continue
        x, y = [a for a, _, _ in pts], [100 * b for _, b, _ in pts]
        err = [[100 * (b - ci[0]) if ci else 0 for _, b, ci in pts], [100 * (ci[1] - b) if ci else 0 for _, b, ci in pts]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=label)
    ax.set_xlabel("SFT episodes seen")
    ax.set_ylabel("held-out accuracy (%)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out
