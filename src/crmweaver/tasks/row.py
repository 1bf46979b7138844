"""Task rows: CRMArena-Pro's JSONL row format plus crmweaver's additions, and their file I/O.

A CRMArena-Pro row (`idx, task, query, answer, reward_metric, metadata, persona`) validates
unchanged; crmweaver adds `skill`, `org`, `split`, `reference` (the expert's SOQL/SOSL steps and
answer), `facts` (what a simulated user may reveal in multi-turn mode) and `today` (the row's
reference date, which its context states).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crmweaver.errors import CrmweaverError
from crmweaver.tasks.types import TASK_TYPES


class Metadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    required: str = ""  # policy text and today's date: always shown to the agent
    optional: str = ""  # shared domain details: shown in aided mode


class Reference(BaseModel):
    """An expert trajectory: queries run through the engine, and the answer derived from their results."""

    model_config = ConfigDict(extra="forbid")

    steps: list[str]
    answer: list[Any]


class TaskRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idx: int
    task: str
    query: str
    answer: list[Any]  # [None] means the literal answer None
    reward_metric: Literal["exact_match", "fuzzy_match", "privacy_rejection"]
    metadata: Metadata = Field(default_factory=Metadata)
    persona: str = ""
    # crmweaver's additions
    skill: str | None = None
    org: str | None = None  # e.g. "b2b:0:1" (preset:seed:scale) — which org the gold holds for
    split: str | None = None
    reference: Reference | None = None
    facts: dict[str, Any] | None = None
    template: int | None = None  # which phrasing template wrote the query (diversity checks)
    today: str | None = None  # the row's reference date (ISO), as stated in metadata.required; stats read it

    @field_validator("task")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in TASK_TYPES:
            raise ValueError(f"unknown task type {value!r}")
        return value

    def model_post_init(self, _context: Any) -> None:
        if self.skill is None:
            self.skill = TASK_TYPES[self.task].skill


class TaskFileError(CrmweaverError):
    """A task file that cannot be read; the message names the file, the line and the fix."""


def read_tasks(path: str | Path) -> list[TaskRow]:
    """Rows from JSONL (one object per line) or a JSON list; errors name the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TaskFileError(f"cannot read task file {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise TaskFileError(f"{path} is not UTF-8 text (byte {e.start + 1}); give a JSONL task file") from e
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = list(enumerate(load_json(stripped), 1))
        except ValueError as e:
            raise TaskFileError(f"{path} is not a valid JSON list of tasks ({e})") from e
    else:
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    items.append((number, load_json(line)))
                except ValueError as e:
                    raise TaskFileError(f"{path}, line {number}: not valid JSON ({getattr(e, 'msg', e)})") from e
    rows = []
    for number, item in items:
        check_storable(path, number, item)
        try:
            rows.append(TaskRow.model_validate(item))
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "row"
            raise TaskFileError(f"{path}, row {number}: {where}: {first['msg']}") from e
    return rows


def load_json(text: str) -> Any:
    """json.loads, with nesting too deep for Python's stack refused as a ValueError like any bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def check_storable(path: Path, number: int, item: Any) -> None:
    """Refuse a row holding an unpaired surrogate (JSON's `\\ud800`): no UTF-8 file can store it, so
    it would end a run when its record is written."""
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise TaskFileError(f"{path}, row {number} holds an unpaired surrogate (like \\ud800), which no UTF-8 "
                            "file can store; fix or remove that row") from None


def write_tasks(path: str | Path, rows: list[TaskRow]) -> None:
    """Write JSONL atomically (temp file + rename), so a crash never leaves half a file (nor the temp file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(row.model_dump_json(exclude_none=True) + "\n")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
