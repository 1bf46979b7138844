"""Train/dev/test splits: by instance (stratified by type) or by held-out task types."""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.errors import ConfigError
from crmweaver.tasks.row import TaskRow


def split_rows(rows: list[TaskRow], *, dev: float = 0.1, test: float = 0.2, holdout_types: tuple[str, ...] = (), seed: int = 0) -> dict[str, list[TaskRow]]:
    """Assign every row a split. Held-out types go wholly to test (the paper's unseen-task setting);
    the other types are split per type in the given fractions, seeded."""
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise ConfigError("--dev and --test are fractions whose sum is below 1, e.g. --dev 0.1 --test 0.2")
    by_type: dict[str, list[TaskRow]] = defaultdict(list)
    for row in rows:
        by_type[row.task].append(row)
    unknown = set(holdout_types) - by_type.keys()
    if unknown:
        raise ConfigError(f"held-out type(s) {', '.join(sorted(unknown))} have no rows in the file")
    out: dict[str, list[TaskRow]] = {"train": [], "dev": [], "test": []}
    for code in sorted(by_type):
        group = sorted(by_type[code], key=lambda r: r.idx)
        if code in holdout_types:
            out["test"] += [r.model_copy(update={"split": "test"}) for r in group]
            continue
        random.Random(f"{seed}:{code}").shuffle(group)
        n_test, n_dev = round(len(group) * test), round(len(group) * dev)
        parts = {"test": group[:n_test], "dev": group[n_test : n_test + n_dev], "train": group[n_test + n_dev :]}
        for name, part in parts.items():
            out[name] += [r.model_copy(update={"split": name}) for r in part]
    for name in out:
        out[name].sort(key=lambda r: r.idx)
    return out
