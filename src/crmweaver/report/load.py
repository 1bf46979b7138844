"""Reading what the report shows: evaluation run folders and training-study folders, as they are.

A report is read-only and forgiving: a torn last line, a missing summary.json, a missing
results.jsonl or an unreadable log becomes a notice on the page, never an exception. Scores come
from evaluate.summary (the code that writes summary.json), so the page and the file agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmweaver.errors import CrmweaverError
from crmweaver.evaluate.record import ResultRecord, RunOptions
from crmweaver.evaluate.results import RESULTS, RUN, SUMMARY, ResultsFileError, load_results, run_in_progress
from crmweaver.evaluate.summary import GroupSummary, Summary, TypeScore, summarize
from crmweaver.memory import MemoryStoreError, Store
from crmweaver.train.metrics import sft_episodes_seen


class ReportError(CrmweaverError):
    """Nothing to report on (no such folder); the message names the fix."""


@dataclass
class Run:
    label: str
    path: Path
    records: list[ResultRecord]
    summary: Summary | None
    config: RunOptions  # run.json (empty when missing or unreadable)
    notices: list[str] = field(default_factory=list)


@dataclass
class Study:
    """A `train pipeline` folder, or a `train sft` / `train rl` output folder."""

    label: str
    path: Path
    sft: dict[str, Any] | None = None  # sft.json
    sft_log: list[dict[str, Any]] = field(default_factory=list)  # one line per optimizer step
    rl_steps: list[dict[str, Any]] = field(default_factory=list)  # rl metrics.jsonl
    screen: dict[str, Any] | None = None  # rl screen.json (pass-rate screening before RL)
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)  # memory file name -> Store.stats()
    timings: dict[str, float] = field(default_factory=dict)
    curve: list[tuple[int, str]] = field(default_factory=list)  # (SFT episodes, run label), memory off
    notices: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    runs: list[Run]
    studies: list[Study]
    notices: list[str]


def _group(d: dict[str, Any] | None) -> GroupSummary | None:
    if not d:
        return None
    d = dict(d)
    d["types"] = {code: TypeScore(**t) for code, t in d.get("types", {}).items()}
    d["pass_k"] = {int(k): v for k, v in d.get("pass_k", {}).items()}
    return GroupSummary(**d)


def summary_from_dict(d: dict[str, Any]) -> Summary:
    """summary.json back into a Summary (the inverse of Summary.to_dict)."""
    return Summary(model=d.get("model"), trials=int(d.get("trials") or 1), overall=_group(d.get("overall")),
                   by_org={name: g for name, raw in (d.get("by_org") or {}).items() if (g := _group(raw))})


def _json(path: Path, notices: list[str], what: str) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as e:
        notices.append(f"{path} is not readable JSON ({e}); {what} is left out.")
        return None


def _jsonl(path: Path, notices: list[str]) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out, bad = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(row, dict):
            out.append(row)
    if bad:
        notices.append(f"{path}: {bad} line(s) are not JSON (a torn write?) and are left out.")
    return out


def is_run(path: Path) -> bool:
    return any((path / name).is_file() for name in (RESULTS, SUMMARY, RUN))


def load_run(path: Path, label: str) -> Run:
    """A run folder: records, the summary computed from them as `crmweaver eval` does, and notices."""
    notices: list[str] = []
    if run_in_progress(path):
        notices.append(f"an eval is still writing {path}: its figures are partial (write the report again when it ends).")
    raw = _json(path / RUN, notices, "the run's configuration")
    try:
        config = RunOptions.model_validate(raw if raw is not None else {})
    except ValueError:
        notices.append(f"{path / RUN} does not have the layout crmweaver writes; the run's configuration is left out.")
        config = RunOptions()
    records: list[ResultRecord] = []
    if (path / RESULTS).is_file():
        try:
            records, torn = load_results(path / RESULTS)
            if torn:
                notices.append(f"{path / RESULTS}: the last line is torn (the run was interrupted while writing); "
                               "that episode is left out — `crmweaver eval --resume` reruns it.")
        except ResultsFileError as e:
            notices.append(f"{e}. The episodes of this run are not shown.")
    stored = _json(path / SUMMARY, notices, "the stored summary")
    summary = None
    if records:
        summary = summarize(records, trials=config.trials, model=config.model)
        if not (path / SUMMARY).is_file():
            notices.append(f"{path} has no {SUMMARY}: its scores are computed here from {RESULTS}.")
        elif isinstance(stored, dict) and (stored.get("overall") or {}).get("n") != len(records):
            notices.append(f"{path / SUMMARY} counts other episodes than {RESULTS} holds (a run resumed or cut short "
                           f"after it was written): the scores here are {RESULTS}'s, as `crmweaver report` rewrites them.")
    elif stored is not None:
        try:
            summary = summary_from_dict(stored)
        except (TypeError, ValueError, AttributeError) as e:
            notices.append(f"{path / SUMMARY} does not have the layout crmweaver writes ({e}).")
        notices.append(f"{path} has no episodes in {RESULTS}: scores come from {SUMMARY}; episodes, distributions and "
                       "differences are not available.")
    else:
        notices.append(f"{path} has neither episodes nor a summary yet: nothing to score.")
    return Run(label, path, records, summary, config, notices)


_CURVE = re.compile(r"^sft-after-(\d+)-mem-off$")


def load_study(path: Path, label: str) -> Study:
    """What a training folder holds: SFT log, RL steps and screening, memory counters, stage timings."""
    study = Study(label, path)
    n = study.notices
    sft_dir = path / "sft" if (path / "sft").is_dir() else path
    study.sft = _json(sft_dir / "sft.json", n, "the SFT summary")
    study.sft_log = _jsonl(sft_dir / "sft_log.jsonl", n)
    rl_dir = path / "rl" if (path / "rl").is_dir() else path
    study.rl_steps = _jsonl(rl_dir / "metrics.jsonl", n)
    study.screen = _json(rl_dir / "screen.json", n, "the RL screening")
    study.timings = _json(path / "timings.json", n, "the stage times") or {}
    for db in sorted(path.glob("*memory*.db")):
        study.memory[db.name] = _memory_stats(db, n)
    return study


def _memory_stats(db: Path, notices: list[str]) -> dict[str, Any]:
    try:
        with Store(db, create=False) as store:
            return store.stats()
    except (MemoryStoreError, OSError, ValueError) as e:
        notices.append(f"{db}: {e}")
        return {}


def is_study(path: Path) -> bool:
    return (path / "runs").is_dir() or any((path / p).is_file() for p in (
        "sft/sft.json", "sft/sft_log.jsonl", "rl/metrics.jsonl", "sft.json", "sft_log.jsonl", "rl_config.json"))


def load(paths: list[Path]) -> Loaded:
    """Run folders and study folders (a study's runs/* become runs, labelled study/run when ambiguous)."""
    found: list[tuple[Path, str, Study | None]] = []  # (run folder, default label, its study)
    studies: list[Study] = []
    notices: list[str] = []
    for path in paths:
        if not path.is_dir():
            raise ReportError(f"{path} is not a folder; give run folders (runs/ID) or training-study folders")
        if is_run(path):
            found.append((path, path.name, None))
        elif is_study(path):
            study = load_study(path, path.name)
            studies.append(study)
            runs_dir = path / "runs"
            # the stages in order (base, sft-after-N, sft, sft-rl); the teacher's run on the training tasks last
            for run in sorted(runs_dir.iterdir(), key=lambda p: (p.name.startswith("oracle"), p.name)) if runs_dir.is_dir() else []:
                if run.is_dir() and is_run(run):
                    found.append((run, run.name, study))
            if not (runs_dir.is_dir() and any(is_run(r) for r in runs_dir.iterdir())):
                study.notices.append(f"{path} holds no evaluation runs (runs/*/results.jsonl or summary.json): "
                                     "only its training curves are shown.")
        else:
            notices.append(f"{path} is neither a run folder (results.jsonl, summary.json, run.json) nor a training "
                           "folder (runs/, sft/, rl/): it is left out.")
    names = [name for _, name, _ in found]
    runs = []
    for path, name, study in found:
        label = f"{study.label}/{name}" if study and names.count(name) > 1 else name
        runs.append(load_run(path, label))
        if study is not None and (m := _CURVE.match(name)):
            study.curve.append((int(m.group(1)), label))
    for study in studies:  # the learning curve: base (0 episodes), sft-after-N, sft (all episodes), memory off
        by_name = {r.path.name: r.label for r in runs if r.path.parent == study.path / "runs"}
        points = sorted(study.curve)
        if "base-mem-off" in by_name:
            points.insert(0, (0, by_name["base-mem-off"]))
        if "sft-mem-off" in by_name and (seen := sft_episodes_seen(study.sft or {}, study.sft_log)):
            points.append((seen, by_name["sft-mem-off"]))
        study.curve = points if len(points) > 1 else []
    return Loaded(runs, studies, notices)
