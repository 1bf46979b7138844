"""Import CRMArena-Pro task rows (a JSON list or JSONL) into crmweaver's row format."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from crmweaver.tasks.row import TaskFileError, TaskRow, check_storable, load_json

CRMARENA_KEYS = ("idx", "task", "query", "answer", "reward_metric", "metadata", "persona")


def _items(path: Path) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TaskFileError(f"cannot read {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise TaskFileError(f"{path} is not UTF-8 text (byte {e.start + 1}); give CRMArena-Pro rows as JSON or JSONL") from e
    try:
        if text.lstrip().startswith("["):
            return list(enumerate(load_json(text), 1))
        return [(n, load_json(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    except json.JSONDecodeError as e:
        raise TaskFileError(f"{path} is neither a JSON list nor JSONL ({e.msg} at line {e.lineno})") from e
    except ValueError as e:  # nesting too deep, a number of 4,300+ digits
        raise TaskFileError(f"{path} is neither a JSON list nor JSONL ({e})") from e


def import_rows(path: str | Path) -> tuple[list[TaskRow], list[str]]:
    """Validated rows (with `skill` added) and the names of any ignored extra keys."""
    path = Path(path)
    rows, ignored = [], set()
    items = _items(path)
    if not items:
        raise TaskFileError(f"{path} holds no task rows; give CRMArena-Pro rows as a JSON list or JSONL")
    for number, item in items:
        if not isinstance(item, dict):
            raise TaskFileError(f"{path}, row {number}: expected an object with {', '.join(CRMARENA_KEYS)}")
        missing = [k for k in CRMARENA_KEYS if k not in item and k != "persona"]
        if missing:
            raise TaskFileError(f"{path}, row {number}: missing {', '.join(missing)}")
        check_storable(path, number, item)
        ignored |= item.keys() - set(TaskRow.model_fields)
        data = {k: v for k, v in item.items() if k in TaskRow.model_fields}
        if isinstance(data.get("answer"), (str, type(None))):
            data["answer"] = [data["answer"]]  # a bare answer becomes a one-element list
        if isinstance(data.get("metadata"), str):
            data["metadata"] = {"required": data["metadata"]}
        try:
            rows.append(TaskRow.model_validate(data))
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "row"
            raise TaskFileError(f"{path}, row {number}: {where}: {first['msg']}") from e
    return rows, sorted(ignored)
