"""Which answer kind a task row asks for: from its task type, else guessed from its gold items."""

from __future__ import annotations

from typing import Any

from crmweaver.org.schema import STAGES, schema_for
from crmweaver.scoring.bant import FACTORS
from crmweaver.scoring.extract import ID_KINDS
from crmweaver.scoring.items import MONTHS, STATE_NAMES
from crmweaver.tasks.types import TASK_TYPES


def answer_kind(task_row: dict[str, Any]) -> str:
    """The row's answer kind: from its task type, else guessed from the gold items (imported rows)."""
    t = TASK_TYPES.get(str(task_row.get("task", "")))
    if t is not None:
        return t.answer
    gold = [g for g in task_row.get("answer") or [] if g is not None]
    objects = schema_for("b2b").objects
    for kind, obj in ID_KINDS.items():
        prefix = objects[obj].key_prefix
        if gold and all(isinstance(g, str) and g.startswith(prefix) and len(g) in (15, 18) for g in gold):
            return kind
    for kind, values in (("month", MONTHS), ("state", STATE_NAMES), ("stage", STAGES), ("bant", FACTORS)):
        if gold and all(g in values for g in gold):
            return kind
    return "text"
