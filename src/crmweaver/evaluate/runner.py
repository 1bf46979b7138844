"""Layers 2 and 3: build a run from names, then batch it with concurrency and checkpoints.

`evaluate` lists the work items (task x trial, keyed by content), skips those already in
`results.jsonl` when resuming, runs the rest on an executor (local threads or Ray actors), appends
each record as it finishes (flushed and fsynced), and writes `summary.json` from the file.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from crmweaver.agent.backend import Backend
from crmweaver.agent.specs import make_backend
from crmweaver.env.episode import EnvConfig
from crmweaver.env.users import LLMUser
from crmweaver.errors import CrmweaverError
from crmweaver.evaluate.episode import BackendFactory, BackendSetupError, GuidelineFor, ScorersFactory, UserFor, Worker, WorkItem
from crmweaver.evaluate.executors import ExecutorError, run_local, run_ray
from crmweaver.evaluate.record import ResultRecord, RunOptions
from crmweaver.evaluate.results import (
    RESULTS,
    RUN,
    SUMMARY,
    Appender,
    ResultsFileError,
    load_results,
    lock_run,
    rewrite,
    task_key,
    work_key,
    write_atomic,
)
from crmweaver.evaluate.salesforce import LiveOrg
from crmweaver.evaluate.summary import Summary, summarize
from crmweaver.org.store import Org, OrgError, open_org
from crmweaver.tasks.row import TaskRow


class EvalError(CrmweaverError):
    """A run that cannot start or go on (existing results, foreign records, bad spec); names the fix."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    mean_reward: float  # over all records so far, infra errors counted as 0
    infra_errors: int
    record: ResultRecord | None  # the record just written (None for the opening call)


# ---- layer 2: build from names ----------------------------------------------------------


def backend_factory(spec: str, *, base_url: str | None = None, max_tokens: int | None = None) -> BackendFactory:
    """A picklable factory for a model spec (`oracle`, `local`, `local:PATH`, `openai:MODEL`)."""
    kind, sep, arg = spec.strip().partition(":")
    kind = kind.lower()
    if not ((kind == "oracle" and not sep) or (kind == "local" and (not sep or arg.strip())) or (kind == "openai" and arg.strip())):
        raise EvalError(f"unknown model spec {spec!r}; use one of: oracle, local, local:PATH, openai:MODEL (with --base-url)")
    return functools.partial(make_backend, spec, base_url=base_url, max_tokens=max_tokens)


def _llm_user(task: TaskRow, *, spec: str, base_url: str | None):
    return LLMUser(task, make_backend(spec, base_url=base_url))


def llm_user_for(spec: str, *, base_url: str | None = None) -> UserFor:
    """A picklable `user_for`: each episode's simulated user is played by the model `spec`."""
    return functools.partial(_llm_user, spec=spec, base_url=base_url)


def org_mismatch(tasks: Sequence[TaskRow], org: Org) -> str | None:
    """A warning when some tasks were made for another org than this one (their gold may not hold)."""

    def norm(label: str) -> tuple[str, ...]:
        parts = label.split(":")
        if len(parts) == 3:
            try:
                parts[2] = repr(float(parts[2]))
            except ValueError:
                pass
        return tuple(parts)

    here = f"{org.preset}:{org.meta.get('seed', '?')}:{org.meta.get('scale', '?')}"
    other = sorted({t.org for t in tasks if t.org and norm(t.org) != norm(here)})
    if not other:
        return None
    n = sum(1 for t in tasks if t.org in other)
    return f"{n} task(s) were made for org {', '.join(other)} but the org given is {here}; their gold answers may not hold there"


def work_items(tasks: Sequence[TaskRow], trials: int, model: str, config: dict[str, Any]) -> list[WorkItem]:
    items, seen = [], set()
    for task in tasks:
        tkey = task_key(task)
        for trial in range(trials):
            key = work_key(task, trial, model, config)
            if key not in seen:  # identical rows are one task
                seen.add(key)
                items.append(WorkItem(key, tkey, task, trial))
    return items


# ---- layer 3: batch with concurrency and checkpoints ------------------------------------


@dataclass(frozen=True)
class EvalConfig:
    """How a run is made. `model`, `env`, `user_for`, `guideline_for`, `scorers` and `live_org`
    enter each work item's key (so a resumed run only skips records made the same way); the
    rest says how the work is spread and whether earlier records are kept."""

    model: str = "custom"  # the run's label (the model spec for `crmweaver eval`)
    trials: int = 1
    concurrency: int = 1
    resume: bool = False  # keep the records already in results.jsonl and run the rest
    retry_infra_errors: bool = False  # with resume: run again the records that ended in an infra error
    env: EnvConfig = field(default_factory=EnvConfig)
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    guideline_for: GuidelineFor | None = None  # show a memory item per episode (local executor only: one file open here)
    user_for: UserFor | None = None  # a simulated user per episode (multi-turn)
    scorers: ScorersFactory | None = None  # each worker's extractor and judge (evaluate.scorers.ScorerChoice); its label enters the keys
    live_org: LiveOrg | None = None  # run the queries on a Salesforce org (the org file still gives the prompt); its URL enters the keys


def evaluate(
    org_path: str | Path,
    tasks: Sequence[TaskRow],
    backend_factory: BackendFactory | Callable[[], Backend],
    config: EvalConfig | None = None,
    *,
    out_dir: str | Path,
    progress: Callable[[Progress], None] | None = None,
    warn: Callable[[str], None] | None = None,
    on_record: Callable[[ResultRecord], None] | None = None,
) -> Summary:
    """Run every task `config.trials` times, checkpointing each record; returns (and writes) the summary.

    `progress` sees the counts after each record, `warn` a warning (tasks made for another org),
    `on_record` each record once it is saved (e.g. the memory's counters and write-back).
    """
    cfg = config or EvalConfig()
    model, trials, concurrency, executor = cfg.model, cfg.trials, cfg.concurrency, cfg.executor
    guideline_for, user_for, scorers, live_org = cfg.guideline_for, cfg.user_for, cfg.scorers, cfg.live_org
    if trials < 1 or concurrency < 1:
        raise EvalError("--trials and --concurrency must be at least 1")
    if executor not in ("local", "ray"):
        raise EvalError(f"unknown executor {executor!r}; use local or ray")
    if executor == "ray" and guideline_for is not None:
        raise EvalError("a memory is read in this process: run with --executor local when using --memory")
    env = cfg.env
    out = Path(out_dir)
    results_path = out / RESULTS
    try:
        with open_org(org_path) as org:
            mismatch = org_mismatch(tasks, org)
            preset = org.preset
    except OrgError as e:  # only the user's mistake: a bug keeps its traceback
        raise EvalError(str(e)) from e
    if mismatch:
        (warn or (lambda m: warnings.warn(m, stacklevel=3)))(mismatch)
    key_config = {**asdict(env), "interactive": user_for is not None, "memory": guideline_for is not None}
    if scorers is not None and not getattr(scorers, "is_rules", False):  # the rule-based default keeps earlier keys
        label = getattr(scorers, "label", None)
        key_config["scoring"] = label() if callable(label) else "custom"
    if live_org is not None:  # local runs keep their earlier keys
        key_config["salesforce"] = live_org.url
    items = work_items(tasks, trials, model, key_config)
    wanted = {i.key for i in items}

    out.mkdir(parents=True, exist_ok=True)
    try:
        lock = lock_run(out)  # held until this run returns
    except ResultsFileError as e:
        raise EvalError(str(e)) from None
    try:
        records = _existing(results_path, cfg.resume, wanted, cfg.retry_infra_errors)
    except BaseException:
        if lock is not None:
            lock.close()
        raise
    done_keys = {r.key for r in records}
    todo = [i for i in items if i.key not in done_keys]
    options = RunOptions(org=str(org_path), model=model, trials=trials, concurrency=concurrency, executor=executor,
                         env_config=key_config, work_items=len(items))
    write_atomic(out / RUN, options.to_json())

    total_reward = sum(r.reward for r in records)
    infra = sum(1 for r in records if r.infra_error)
    if progress:
        progress(Progress(len(records), len(items), total_reward / len(records) if records else 0.0, infra, None))

    make_worker = functools.partial(Worker, org_path, backend_factory, env, model, guideline_for, user_for, scorers, live_org)
    if executor == "ray":
        stream = run_ray(todo, make_worker, concurrency, cfg.ray_address)
    else:
        stream = run_local(todo, make_worker, concurrency)
    done = len(records)
    try:
        with Appender(results_path) as sink:
            for record in stream:
                sink.append(record)
                if on_record:
                    on_record(record)
                done += 1
                total_reward += record.reward
                infra += bool(record.infra_error)
                if progress:
                    progress(Progress(done, len(items), total_reward / done, infra, record))
    except (ExecutorError, BackendSetupError) as e:
        raise EvalError(f"{e} ({done} of {len(items)} records are saved in {results_path}; fix this and rerun with --resume)") from e
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()
        if lock is not None:
            lock.close()
    return write_summary(out, trials=trials, model=model, default_org=preset)


def write_summary(out_dir: str | Path, *, trials: int | None = None, model: str | None = None, default_org: str = "") -> Summary:
    """Summarize `results.jsonl` into `summary.json` (atomically) and return it."""
    out = Path(out_dir)
    records, _ = load_results(out / RESULTS)
    summary = summarize(records, trials=trials, model=model, default_org=default_org)
    write_atomic(out / SUMMARY, summary.to_json())
    return summary


def _existing(path: Path, resume: bool, wanted: set[str], retry_infra: bool = False) -> list[ResultRecord]:
    """Records to keep from an earlier run; errors when one exists and --resume was not given."""
    if not resume:
        if path.exists() and path.stat().st_size > 0:
            raise EvalError(f"{path} already holds results; pass --resume to continue that run or choose another --out")
        return []
    try:
        records, torn = load_results(path)
    except ResultsFileError as e:
        raise EvalError(str(e)) from e
    foreign = [r for r in records if r.key not in wanted]
    if foreign:
        raise EvalError(
            f"{len(foreign)} record(s) in {path} were made with other tasks, model or options than this run; "
            "resume with the same --tasks/--model/options or choose another --out"
        )
    unique: dict[str, ResultRecord] = {}
    for r in records:
        if not (retry_infra and r.infra_error):
            unique.setdefault(r.key, r)
    if torn or len(unique) != len(records):
        rewrite(path, list(unique.values()))
    return list(unique.values())


__all__ = ["EvalConfig", "EvalError", "ExecutorError", "Progress", "backend_factory", "evaluate", "org_mismatch", "write_summary"]
