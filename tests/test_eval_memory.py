"""`eval --memory`: guidelines shown and logged, counters and write-back; `report` compares runs."""

import json

import pytest
from typer.testing import CliRunner

from crmweaver.cli import app
from crmweaver.memory import Memory
from crmweaver.org.store import open_org
from crmweaver.tasks.row import write_tasks
from crmweaver.tasks.split import split_rows
from crmweaver.tasks.synth import synthesize

runner = CliRunner()
TYPES = ["handle_time", "lead_qualification", "knowledge_qa", "private_customer_information"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.mark.slow
def test_memory_in_eval_and_report(b2b_org_path, tmp_path):
    with open_org(b2b_org_path) as org:
        rows = synthesize(org, per_type=4, seed=0, types=TYPES)
    parts = split_rows(rows, dev=0, test=0.5, seed=0)
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    write_tasks(train, parts["train"])
    write_tasks(test, parts["test"])
    base, with_mem, mem = tmp_path / "base", tmp_path / "mem_on", tmp_path / "mem.db"

    assert invoke("eval", "--org", b2b_org_path, "--tasks", train, "--model", "oracle", "--out", base).exit_code == 0
    assert invoke("memory", "build", "--from", base, "--out", mem).exit_code == 0

    result = invoke("eval", "--org", b2b_org_path, "--tasks", test, "--model", "oracle", "--out", with_mem,
                    "--memory", mem, "--memory-write")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (with_mem / "results.jsonl").read_text().splitlines()]
    assert len(records) == len(parts["test"])
    shown = [r for r in records if r["memory"]]
    assert shown, "no guideline was shown"
    for r in shown:
        assert "# Guideline from similar tasks" in r["messages"][0]["content"]
    # every shown item's helpful counter moved (the oracle always succeeds)
    m = Memory(mem)
    for item_id in {i for r in shown for i in r["memory"]}:
        assert m.get(item_id).helpful >= 1

    report = invoke("report", base, with_mem, "--per-type")
    assert report.exit_code == 0 and "base" in report.output and "mem_on" in report.output and "handle_time" in report.output
    assert "did not run the same tasks" in " ".join(report.output.split())  # base ran the training tasks, mem_on the test tasks
    assert "did not run the same tasks" not in invoke("report", base, base).output
    assert invoke("report", tmp_path / "nowhere").exit_code == 1


def test_memory_flags_are_checked(b2b_org_path, tmp_path):
    tasks = tmp_path / "t.jsonl"
    with open_org(b2b_org_path) as org:
        write_tasks(tasks, synthesize(org, per_type=1, seed=0, types=["handle_time"]))
    missing = invoke("eval", "--org", b2b_org_path, "--tasks", tasks, "--memory", tmp_path / "absent.db")
    assert missing.exit_code == 1 and "memory build" in missing.output
    alone = invoke("eval", "--org", b2b_org_path, "--tasks", tasks, "--memory-write")
    assert alone.exit_code == 1 and "--memory" in alone.output


def test_llm_user_through_the_runner(b2b_org_path, tmp_path):
    """--user-model: a model plays the user. A scripted backend stands in for it here; a user model
    that fails makes an infra error, not a crash."""
    from crmweaver.agent.backend import InfraError, ScriptedBackend
    from crmweaver.agent.oracle import OracleBackend
    from crmweaver.env.users import STOP, LLMUser
    from crmweaver.evaluate import EvalConfig, evaluate
    from crmweaver.evaluate.runner import backend_factory, llm_user_for

    assert isinstance(llm_user_for("oracle")(TaskStub).backend, OracleBackend)
    with open_org(b2b_org_path) as org:
        rows = synthesize(org, per_type=2, seed=0, types=["handle_time"])

    def user_for(task):  # opens vaguely, gives the request when asked, stops after the answer
        return LLMUser(task, ScriptedBackend(["I need an agent analysis.", task.query, STOP]))

    out = tmp_path / "run"
    summary = evaluate(b2b_org_path, rows, backend_factory("oracle"), EvalConfig(model="oracle", user_for=user_for), out_dir=out)
    assert summary.overall.n == len(rows) and summary.overall.all == 1.0

    def broken_user(task):
        return LLMUser(task, ScriptedBackend([InfraError("user model down")]))

    out2 = tmp_path / "run2"
    evaluate(b2b_org_path, rows, backend_factory("oracle"), EvalConfig(model="oracle", user_for=broken_user), out_dir=out2)
    records = [json.loads(line) for line in (out2 / "results.jsonl").read_text().splitlines()]
    assert all(r["infra_error"] == "user model down" and r["reward"] == 0 for r in records)
    bad = invoke("eval", "--org", b2b_org_path, "--tasks", tmp_path / "none.jsonl", "--user-model", "oracle")
    assert bad.exit_code == 1 and "--interactive" in bad.output


class TaskStub:
    query, persona, facts = "q", "p", {}
