"""Evaluation: run tasks through an agent, checkpoint every record, summarize as CRMArena-Pro.

Layers (tau2's runner): `episode` runs one (task, trial) with no side effects; `runner` builds a
run from names and batches it on an executor (`executors`: local threads or Ray actors) with an
append-only `results.jsonl`; `summary` turns the file into `summary.json`; `table` prints it.
"""

from crmweaver.evaluate.record import ResultRecord, RunOptions
from crmweaver.evaluate.results import load_results
from crmweaver.evaluate.runner import EvalConfig, EvalError, Progress, backend_factory, evaluate, org_mismatch, write_summary
from crmweaver.evaluate.summary import GroupSummary, Summary, pass_hat_k, summarize
from crmweaver.evaluate.table import summary_table, type_table

__all__ = [
    "EvalConfig",
    "EvalError",
    "GroupSummary",
    "Progress",
    "ResultRecord",
    "RunOptions",
    "Summary",
    "backend_factory",
    "evaluate",
    "load_results",
    "org_mismatch",
    "pass_hat_k",
    "summarize",
    "summary_table",
    "type_table",
    "write_summary",
]
