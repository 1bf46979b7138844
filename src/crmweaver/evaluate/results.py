"""The results file: one JSON record per (task, trial), appended and fsynced, keyed by content.

A run can be killed at any moment: every record is flushed and fsynced before the next starts,
so at worst the last line is torn. `load_results` drops a torn last line (that episode is rerun)
and `rewrite` replaces the file through a temp file and an atomic rename.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from crmweaver.errors import CrmweaverError
from crmweaver.evaluate.record import ResultRecord
from crmweaver.tasks.row import TaskRow

RESULTS = "results.jsonl"
SUMMARY = "summary.json"
RUN = "run.json"


class ResultsFileError(CrmweaverError):
    """A results file that cannot be resumed; the message names the file and the fix."""


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]  # a lone surrogate is still text


def task_key(task: TaskRow) -> str:
    """The task's identity: a hash of its row, so an edited row is a different task."""
    return _digest(task.model_dump(mode="json", exclude_none=True))


def work_key(task: TaskRow, trial: int, model: str, config: Any) -> str:
    """One work item's identity: task content + trial + model spec + environment options."""
    cfg = asdict(config) if is_dataclass(config) else config
    return _digest({"task": task_key(task), "trial": trial, "model": model, "config": cfg})


def load_results(path: str | Path) -> tuple[list[ResultRecord], bool]:
    """The records of a results file and whether its last line was torn (and dropped)."""
    path = Path(path)
    if not path.exists():
        return [], False
    data = path.read_bytes()
    lines = data.split(b"\n")
    torn = False
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:  # no final newline: the last write was cut short
        lines.pop()
        torn = True
    records: list[ResultRecord] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = ResultRecord.model_validate(json.loads(line))
        except ValueError:  # not JSON, or not a record (pydantic's ValidationError is a ValueError)
            if number == len(lines):  # a complete-looking but unparseable last line: torn too
                torn = True
                continue
            raise ResultsFileError(
                f"{path}, line {number} is not a results record; the file was edited by hand — "
                "remove that line or start a new run with another --out"
            ) from None
        records.append(record)
    return records, torn


def write_atomic(path: str | Path, text: str) -> None:
    """Replace a file whole: temp file, fsync, rename; a crash leaves the old or the new file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def dumps(record: dict[str, Any]) -> str:
    """One JSON line, valid UTF-8 even when a model replied with a lone surrogate (escaped as `\\ud800`,
    which reads back to the same text)."""
    text = json.dumps(record, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(record, default=str)
    return text


def rewrite(path: str | Path, records: list[ResultRecord]) -> None:
    """Rewrite the results file with exactly these records (drops a torn line)."""
    write_atomic(path, "".join(dumps(r.to_dict()) + "\n" for r in records))


LOCK = ".lock"


def lock_run(out: str | Path):
    """Hold the run folder's lock (an open file; closing it releases). Two evals appending to one
    results file would both run what is missing and duplicate records. None where flock is missing."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        return None
    f = (Path(out) / LOCK).open("a")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise ResultsFileError(f"another crmweaver eval is writing {out}; wait for it to finish or choose another --out") from None
    return f


def run_in_progress(out: str | Path) -> bool:
    """Whether an eval holds the run folder's lock now (report warns: its figures are partial)."""
    path = Path(out) / LOCK
    if not path.exists():
        return False
    try:
        import fcntl
    except ImportError:
        return False
    with path.open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


class Appender:
    """Appends records one line at a time, flushed and fsynced, from one thread."""

    def __init__(self, path: str | Path):
        self.file = Path(path).open("a", encoding="utf-8")

    def append(self, record: ResultRecord) -> None:
        self.file.write(dumps(record.to_dict()) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> "Appender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
