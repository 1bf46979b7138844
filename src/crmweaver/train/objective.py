"""The objective TRL computes for our RL config, written out in plain functions.

Group-relative advantages, the all-equal-group test behind dynamic sampling, the env masks the
trainer gets (dropped groups, overlong episodes) and the clipped policy loss with clip-higher.
train.rl uses the masks and group test; the rest is documentation and a test oracle for any
trainer (TRL's own loss is checked against `clipped_policy_loss` in tests/test_train_rl.py;
verl: train.verl_adapter). Pure functions: torch only where the loss takes tensors.
"""

from __future__ import annotations

import math
from typing import Any


def equal_groups(rewards: list[float], group_size: int) -> list[bool]:
    """Per group of `group_size` consecutive rewards: are they all equal (zero advantage)?"""
    return [len(set(rewards[i:i + group_size])) <= 1 for i in range(0, len(rewards), group_size)]


def group_advantages(rewards: list[float], group_size: int, scale: str = "group", eps: float = 1e-4) -> list[float]:
    """GRPO: reward minus its group's mean, divided by the group's std (`group`, unbiased, as TRL),
    the batch's std (`batch`) or nothing (`none`, Dr. GRPO)."""
    out: list[float] = []
    batch_std = _std(rewards)
    for i in range(0, len(rewards), group_size):
        g = rewards[i:i + group_size]
        mean = sum(g) / len(g)
        std = {"group": _std(g), "batch": batch_std}.get(scale, None)
        out += [(r - mean) / (std + eps) if std is not None else r - mean for r in g]
    return out


def _std(xs: list[float]) -> float:
    if len(xs) < 2:
        return 0.0
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def clipped_policy_loss(logp, old_logp, advantages, mask, *, eps_low: float = 0.2, eps_high: float = 0.2,
                        token_level: bool = True):
    """PPO-clip with separate bounds (DAPO clip-higher: ratio in [1-eps_low, 1+eps_high]).

    logp/old_logp/mask: (B, T) tensors; advantages: (B,). token_level: mean over all unmasked
    tokens of the batch (DAPO); else mean per sequence, then over sequences (GRPO).
    Returns (loss, clipped fraction of unmasked tokens)."""
    import torch

    adv = advantages.unsqueeze(1)
    ratio = torch.exp(logp - old_logp)
    clipped = torch.clamp(ratio, 1 - eps_low, 1 + eps_high)
    per_token = -torch.min(ratio * adv, clipped * adv)
    mask = mask.to(per_token.dtype)
    if token_level:
        loss = (per_token * mask).sum() / mask.sum().clamp(min=1.0)
    else:
        loss = ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    is_clipped = ((ratio < 1 - eps_low) & (adv < 0)) | ((ratio > 1 + eps_high) & (adv > 0))
    frac = (is_clipped.to(mask.dtype) * mask).sum() / mask.sum().clamp(min=1.0)
    return loss, frac


def train_masks(rollouts: list[Any], group_size: int, *, dynamic_sampling: bool, overlong_filter: bool) -> tuple[list[list[int]], dict[str, int]]:
    """The env masks the trainer gets: each rollout's own, zeroed for dropped groups / overlong episodes."""
    dropped = equal_groups([r.reward for r in rollouts], group_size) if dynamic_sampling else []
    masks, n_groups, n_overlong = [], 0, 0
    for i, r in enumerate(rollouts):
        keep = True
        if dynamic_sampling and dropped[i // group_size]:
            keep = False
        if overlong_filter and r.truncated:
            keep, n_overlong = False, n_overlong + 1
        masks.append(list(r.env_mask) if keep else [0] * len(r.env_mask))
    n_groups = sum(dropped)
    return masks, {"dropped_groups": n_groups, "overlong_masked": n_overlong}
