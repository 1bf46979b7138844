"""The evaluation runner: oracle scores, summary math, resume after a real kill, concurrency, infra errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from math import comb
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmweaver.agent.backend import InfraError
from crmweaver.agent.oracle import OracleBackend
from crmweaver.cli import app
from crmweaver.evaluate import EvalConfig, EvalError, ResultRecord, evaluate, load_results, pass_hat_k, summarize, summary_table
from crmweaver.evaluate.results import work_key
from crmweaver.evaluate.runner import work_items
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.synth import synthesize

TYPES = ["handle_time", "transfer_count", "lead_routing", "quote_approval", "internal_operation_data"]


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=4, seed=1, types=TYPES)


@pytest.fixture(scope="module")
def tasks_file(tasks, tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "tasks.jsonl"
    write_tasks(path, tasks)
    return path


def rewards(out_dir) -> dict[str, float]:
    records, torn = load_results(Path(out_dir) / "results.jsonl")
    assert not torn
    return {r.key: r.reward for r in records}


def test_oracle_scores_one_on_handle_time(b2b_org_path, tasks, tmp_path):
    handle = [t for t in tasks if t.task == "handle_time"]
    summary = evaluate(b2b_org_path, handle, OracleBackend, EvalConfig(model="oracle"), out_dir=tmp_path)
    assert summary.overall.types["handle_time"].mean == 1.0
    assert summary.overall.skills == {"database": 1.0} and summary.overall.all == 1.0
    records, _ = load_results(tmp_path / "results.jsonl")
    assert len(records) == len(handle)
    r = records[0]
    for field in ("idx", "task", "skill", "trial", "reward", "reward_details", "response", "expected", "termination",
                  "turns", "tool_calls", "prompt_tokens", "completion_tokens", "latency_s", "memory", "messages", "infra_error"):
        assert field in r.model_fields_set, field
    assert r.termination == "respond" and r.infra_error is None and r.memory == []
    assert r.messages[0]["role"] == "system" and r.reward_details["metric"] == "exact_match"
    assert json.loads((tmp_path / "summary.json").read_text())["overall"]["all"] == 1.0


def rec(task, idx, trial, reward, org="b2b:0:1", infra=None, **extra):
    return ResultRecord(**{"key": f"{org}{task}{idx}/{trial}", "task_key": f"{org}{task}{idx}", "idx": idx, "task": task, "trial": trial,
            "reward": reward, "org": org, "infra_error": infra, "turns": 2, "prompt_tokens": 10, "completion_tokens": 4,
            "latency_s": 0.5, "tool_calls": 1, **extra})


def test_summary_math_on_hand_made_records():
    records = [
        rec("case_routing", 0, 0, 1.0), rec("lead_routing", 1, 0, 0.0),  # workflow = (1 + 0) / 2 = 0.5
        rec("invalid_config", 2, 0, 1.0),  # policy = 1
        rec("knowledge_qa", 3, 0, 0.5), rec("knowledge_qa", 4, 0, 0.25),  # text = 0.375
        rec("handle_time", 5, 0, 0.0, infra="timeout"),  # database = 0 (infra error counted as 0)
        rec("private_customer_information", 6, 0, 1.0),  # confidentiality, not in ALL
    ]
    g = summarize(records).overall
    assert g.skills == {"workflow": 0.5, "policy": 1.0, "text": 0.375, "database": 0.0}
    assert g.all == pytest.approx((0.5 + 1.0 + 0.375 + 0.0) / 4)
    assert g.confidentiality == 1.0
    assert g.infra_errors == 1 and g.types["handle_time"].infra_errors == 1
    assert g.types["knowledge_qa"].mean == pytest.approx(0.375) and g.types["knowledge_qa"].n == 2


def test_pass_hat_k_by_hand():
    # task a: 3/4 successes, task b: 1/4, task c: 4/4
    outcomes = {"a": [1, 1, 1, 0], "b": [0, 1, 0, 0], "c": [1, 1, 1, 1]}
    records = [rec("handle_time", i, t, float(v), task_key=name)
               for i, (name, vs) in enumerate(outcomes.items()) for t, v in enumerate(vs)]
    expect = {1: (3 / 4 + 1 / 4 + 1) / 3, 2: (3 / 6 + 0 + 1) / 3, 3: (1 / 4 + 0 + 1) / 3, 4: (0 + 0 + 1) / 3}
    for k, value in expect.items():
        assert pass_hat_k(records, k) == pytest.approx(value)
        assert value == pytest.approx(sum(comb(sum(v), k) / comb(4, k) for v in outcomes.values()) / 3)
    s = summarize(records)
    assert s.trials == 4 and s.overall.pass_k == pytest.approx(expect)
    assert pass_hat_k(records, 5) is None


def test_b2b_and_b2c_side_by_side():
    records = [rec("handle_time", 0, 0, 1.0, org="b2b:0:1"), rec("handle_time", 0, 0, 0.0, org="b2c:0:1"),
               rec("private_customer_information", 1, 0, 1.0, org="b2c:0:1")]
    s = summarize(records)
    assert set(s.by_org) == {"b2b", "b2c"}
    assert s.by_org["b2b"].all == 1.0 and s.by_org["b2c"].all == 0.0 and s.by_org["b2c"].confidentiality == 1.0
    table = summary_table(s)
    assert [c.header for c in table.columns] == ["", "B2B", "B2C"]
    assert summarize(records[:1]).by_org == {}  # one org: one column


def test_concurrency_four_matches_one(b2b_org_path, tasks, tmp_path):
    one = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="oracle", trials=2), out_dir=tmp_path / "c1")
    four = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="oracle", trials=2, concurrency=4), out_dir=tmp_path / "c4")
    assert rewards(tmp_path / "c1") == rewards(tmp_path / "c4")
    assert len(rewards(tmp_path / "c4")) == 2 * len(tasks)
    assert one.overall.all == four.overall.all == 1.0 and one.overall.confidentiality == 1.0


class FlakyBackend:
    """The oracle, except that tasks with an odd idx fail as the endpoint would."""

    name = "flaky"

    def __init__(self):
        self.oracle = OracleBackend()

    def generate(self, messages, *, tools=None, task=None):
        if task.idx % 2:
            raise InfraError("connection refused")
        return self.oracle.generate(messages, tools=tools, task=task)


def test_infra_errors_are_counted_apart(b2b_org_path, tasks, tmp_path):
    summary = evaluate(b2b_org_path, tasks, FlakyBackend, EvalConfig(model="flaky", concurrency=2), out_dir=tmp_path)
    odd = sum(t.idx % 2 for t in tasks)
    assert summary.overall.infra_errors == odd > 0
    records, _ = load_results(tmp_path / "results.jsonl")
    for r in records:
        if r.idx % 2:
            assert r.infra_error == "connection refused" and r.termination == "infra_error" and r.reward == 0
        else:
            assert r.infra_error is None and r.reward == 1.0
    mean = sum(r.reward for r in records) / len(records)
    assert mean == pytest.approx(1 - odd / len(tasks))  # counted as 0 in accuracy


def test_scripted_backend_infra_error(b2b_org_path, tasks, tmp_path):
    from crmweaver.agent.backend import ScriptedBackend

    summary = evaluate(b2b_org_path, tasks[:1], lambda: ScriptedBackend([InfraError("HTTP 503")]), out_dir=tmp_path)
    assert summary.overall.infra_errors == 1 and summary.overall.all == 0.0


def test_existing_results_need_resume(b2b_org_path, tasks, tmp_path):
    evaluate(b2b_org_path, tasks[:2], OracleBackend, EvalConfig(model="oracle"), out_dir=tmp_path)
    with pytest.raises(EvalError, match="--resume"):
        evaluate(b2b_org_path, tasks[:2], OracleBackend, EvalConfig(model="oracle"), out_dir=tmp_path)
    with pytest.raises(EvalError, match="other tasks, model or options"):
        evaluate(b2b_org_path, tasks[:2], OracleBackend, EvalConfig(model="other", resume=True), out_dir=tmp_path)
    # more trials on resume: the first trial is kept, the second run
    s = evaluate(b2b_org_path, tasks[:2], OracleBackend, EvalConfig(model="oracle", resume=True, trials=2), out_dir=tmp_path)
    assert s.overall.n == 4


def test_torn_last_line_is_dropped_and_rerun(b2b_org_path, tasks, tmp_path):
    evaluate(b2b_org_path, tasks[:3], OracleBackend, EvalConfig(model="oracle"), out_dir=tmp_path)
    path = tmp_path / "results.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # cut inside the last record
    records, torn = load_results(path)
    assert torn and len(records) == 2
    s = evaluate(b2b_org_path, tasks[:3], OracleBackend, EvalConfig(model="oracle", resume=True), out_dir=tmp_path)
    assert s.overall.n == 3 and len(rewards(tmp_path)) == 3


def test_guideline_hook_records_memory_items(b2b_org_path, tasks, tmp_path):
    seen = []

    def guideline_for(task):
        seen.append(task.idx)
        return (f"g-{task.task}", "Check the CaseHistory__c rows before averaging.")

    evaluate(b2b_org_path, tasks[:2], OracleBackend, EvalConfig(model="oracle", guideline_for=guideline_for), out_dir=tmp_path)
    records, _ = load_results(tmp_path / "results.jsonl")
    assert [r.memory for r in records] == [[f"g-{t.task}"] for t in tasks[:2]]
    assert "CaseHistory__c rows before averaging" in records[0].messages[0]["content"]


SLOW_CLI = """
import sys, time
from crmweaver.agent import oracle
fast = oracle.OracleBackend.generate
def slow(self, *a, **k):
    time.sleep(0.01)
    return fast(self, *a, **k)
oracle.OracleBackend.generate = slow
from crmweaver.cli import app
app(sys.argv[1:], prog_name="crmweaver")
"""


def test_resume_after_a_real_kill(b2b_org_path, tasks, tasks_file, tmp_path):
    out = tmp_path / "run"
    args = ["eval", "--org", str(b2b_org_path), "--tasks", str(tasks_file), "--model", "oracle", "--trials", "3",
            "--concurrency", "2", "--out", str(out)]
    results = out / "results.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if results.exists() and results.read_bytes().count(b"\n") >= 8:
            break
        time.sleep(0.005)
    assert proc.poll() is None, f"the run finished before it could be killed: {proc.stderr.read()[-500:]!r}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    total = 3 * len(tasks)
    data = results.read_bytes()
    lines = data.count(b"\n")
    assert 8 <= lines < total
    results.write_bytes(data[: len(data) - 25])  # a torn write of the last record
    kept = data[: data.rstrip(b"\n").rfind(b"\n") + 1]  # the complete records before the torn one

    result = CliRunner().invoke(app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    final = results.read_bytes()
    assert final.startswith(kept)  # records written before the kill are kept as they were
    records, torn = load_results(results)
    assert not torn and len(records) == total
    keys = [r.key for r in records]
    assert len(set(keys)) == total  # no duplicates
    from dataclasses import asdict

    from crmweaver.env.episode import EnvConfig

    config = {**asdict(EnvConfig()), "interactive": False, "memory": False}
    assert set(keys) == {i.key for i in work_items(tasks, 3, "oracle", config)}  # none lost
    assert all(r.reward == 1.0 for r in records)
    assert work_key(tasks[0], 0, "oracle", config) in keys
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["n"] == total and summary["overall"]["pass_k"]["3"] == 1.0


def test_cli_eval_prints_the_table(b2b_org_path, tasks_file, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["eval", "--org", str(b2b_org_path), "--tasks", str(tasks_file), "--out", str(out),
                                      "--interactive", "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    assert "ALL" in result.output and "confidentiality" in result.output and "results.jsonl" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["all"] == 1.0
    again = CliRunner().invoke(app, ["eval", "--org", str(b2b_org_path), "--tasks", str(tasks_file), "--out", str(out)])
    assert again.exit_code == 1 and "--resume" in again.output


def test_cli_eval_user_errors(b2b_org_path, tasks_file, tmp_path):
    runner = CliRunner()
    bad = runner.invoke(app, ["eval", "--org", str(b2b_org_path), "--tasks", str(tasks_file), "--model", "gpt9",
                              "--out", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "unknown model spec" in bad.output
    missing = runner.invoke(app, ["eval", "--org", str(tmp_path / "none.db"), "--tasks", str(tasks_file), "--out", str(tmp_path / "y")])
    assert missing.exit_code == 1 and "no org file" in missing.output


def test_tasks_for_another_org_warn_once(b2c_org_path, tasks, tmp_path):
    warnings = []
    evaluate(b2c_org_path, tasks[:3], OracleBackend, EvalConfig(model="oracle"), out_dir=tmp_path, warn=warnings.append)
    assert len(warnings) == 1 and "b2b:0:0.1" in warnings[0] and "b2c" in warnings[0]


@pytest.mark.slow
def test_ray_executor_matches_local(b2b_org_path, tasks, tmp_path):
    pytest.importorskip("ray")
    local = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="oracle", trials=2, concurrency=2), out_dir=tmp_path / "local")
    ray = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="oracle", trials=2, concurrency=2, executor="ray"), out_dir=tmp_path / "ray")
    assert rewards(tmp_path / "local") == rewards(tmp_path / "ray")
    assert local.to_dict()["overall"]["types"] == ray.to_dict()["overall"]["types"]
    strip = ("latency_s",)
    a = {r.key: {k: v for k, v in r.to_dict().items() if k not in strip} for r in load_results(tmp_path / "local" / "results.jsonl")[0]}
    b = {r.key: {k: v for k, v in r.to_dict().items() if k not in strip} for r in load_results(tmp_path / "ray" / "results.jsonl")[0]}
    assert a == b


def test_backend_that_cannot_be_built_stops_the_run(b2b_org_path, tasks, tmp_path):
    from crmweaver.errors import ConfigError

    def broken():  # a user's mistake is a CrmweaverError (ConfigError is also a ValueError)
        raise ConfigError("the local extra is missing: pip install 'crmweaver[local]'")

    with pytest.raises(EvalError, match=r"crmweaver\[local\].*0 of 2 records are saved.*--resume"):
        evaluate(b2b_org_path, tasks[:2], broken, EvalConfig(concurrency=2), out_dir=tmp_path)


def test_a_bug_in_backend_setup_keeps_its_traceback(b2b_org_path, tasks, tmp_path):
    """Issue 16: any exception in setup became a one-line EvalError; only user errors do now."""
    def buggy():
        return {}["no such key"]

    with pytest.raises(KeyError):
        evaluate(b2b_org_path, tasks[:1], buggy, out_dir=tmp_path)


def test_resume_can_retry_infra_errors(b2b_org_path, tasks, tmp_path):
    first = evaluate(b2b_org_path, tasks, FlakyBackend, EvalConfig(model="m"), out_dir=tmp_path)
    assert first.overall.infra_errors > 0
    kept = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="m", resume=True), out_dir=tmp_path)
    assert kept.overall.infra_errors == first.overall.infra_errors  # plain resume keeps them
    retried = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="m", resume=True, retry_infra_errors=True), out_dir=tmp_path)
    assert retried.overall.infra_errors == 0 and retried.overall.n == len(tasks) and retried.overall.all == 1.0
    assert len(rewards(tmp_path)) == len(tasks)


RUN_V1 = Path(__file__).parent / "fixtures" / "run_v1"  # written by the code before typed records (see test below)


def never_built():
    raise AssertionError("a resumed run with nothing left to do built a backend")


def test_a_run_written_before_typed_records_loads_and_resumes(b2b_org_path, tmp_path):
    """tests/fixtures/run_v1 was written when records were untyped dicts: an oracle run of two tasks
    on the b2b scale-0.1 org, its second record replaced by that code's crash record. It loads,
    is rewritten byte for byte, resumes without running anything, and --retry-infra-errors reruns
    only the crash."""
    import shutil

    from crmweaver.evaluate import RunOptions
    from crmweaver.evaluate.episode import WorkItem
    from crmweaver.evaluate.results import rewrite
    from crmweaver.tasks.row import read_tasks

    run = shutil.copytree(RUN_V1, tmp_path / "run")
    before = (run / "results.jsonl").read_bytes()
    records, torn = load_results(run / "results.jsonl")
    assert not torn and [r.termination for r in records] == ["respond", "infra_error"]
    assert records[0].traceback is None and "RuntimeError: a bug for the fixture" in records[1].traceback
    rewrite(tmp_path / "again.jsonl", records)
    assert (tmp_path / "again.jsonl").read_bytes() == before
    assert RunOptions.model_validate_json((run / "run.json").read_text()).to_json() == (run / "run.json").read_text()

    tasks = read_tasks(run / "tasks.jsonl")
    crash = json.loads(before.splitlines()[1])
    task = next(t for t in tasks if t.idx == crash["idx"] and t.task == crash["task"])
    item = WorkItem(crash["key"], crash["task_key"], task, crash["trial"])
    made = ResultRecord.crash(key=item.key, task_key=item.task_key, task=task, trial=0, model="oracle", org="b2b:0:0.1",
                              error=RuntimeError("a bug for the fixture")).to_dict()
    assert list(made) == list(crash)  # the same keys in the same order
    assert {k: v for k, v in made.items() if k != "traceback"} == {k: v for k, v in crash.items() if k != "traceback"}

    kept = evaluate(b2b_org_path, tasks, never_built, EvalConfig(model="oracle", resume=True), out_dir=run)
    assert (run / "results.jsonl").read_bytes() == before and kept.overall.infra_errors == 1
    retried = evaluate(b2b_org_path, tasks, OracleBackend, EvalConfig(model="oracle", resume=True, retry_infra_errors=True), out_dir=run)
    assert retried.overall.all == 1.0 and retried.overall.infra_errors == 0
    after = (run / "results.jsonl").read_bytes().splitlines()
    assert after[0] == before.splitlines()[0] and json.loads(after[1])["key"] == crash["key"]
