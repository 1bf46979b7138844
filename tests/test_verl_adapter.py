"""verl adapter without verl: dataset rows and the reward function (verl's own classes: tests/test_adapters.py)."""

from __future__ import annotations

import json
import sys

import pytest

from crmweaver.agent.oracle import answer_text
from crmweaver.org.store import open_org
from crmweaver.scoring import score
from crmweaver.tasks.synth import synthesize
from crmweaver.train import verl_adapter as va


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=1, seed=0, types=["handle_time", "lead_qualification"])


def test_rows_carry_the_episode_prompt_and_the_task(b2b_org_path, tasks, tmp_path):
    rows = va.verl_rows(tasks, b2b_org_path, split="train")
    row = rows[0]
    assert row["data_source"] == f"crmweaver/{tasks[0].task}" and row["agent_name"] == "tool_agent"
    assert [m["role"] for m in row["prompt"]] == ["system", "user"] and row["prompt"][1]["content"] == tasks[0].query
    assert "# Org schema" in row["prompt"][0]["content"]
    kwargs = row["extra_info"]["interaction_kwargs"]
    assert kwargs["name"] == "crmweaver" and kwargs["org_path"] == str(b2b_org_path)
    assert json.loads(kwargs["task_json"])["answer"] == tasks[0].answer
    assert json.loads(row["reward_model"]["ground_truth"]) == tasks[0].answer
    path = va.write_verl_dataset(rows, tmp_path / "train.jsonl")
    assert [json.loads(x)["extra_info"]["index"] for x in path.read_text().splitlines()] == [0, 1]
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(str(va.write_verl_dataset(rows, tmp_path / "train.parquet")))
    assert table.num_rows == 2 and table.to_pylist()[1]["prompt"][1]["content"] == tasks[1].query


def test_guideline_goes_into_the_prompt(b2b_org_path, tasks):
    class Mem:
        def guideline_for(self, task):
            return ("g", "Always filter by CreatedDate.")

    row = va.verl_rows(tasks[:1], b2b_org_path, memory=Mem())[0]
    assert "Always filter by CreatedDate." in row["prompt"][0]["content"]


def test_tools_rows_carry_the_tool_kwargs(b2b_org_path, tasks):
    row = va.verl_rows(tasks[:1], b2b_org_path, protocol="tools")[0]
    assert "execute_soql" in row["prompt"][0]["content"] and "<execute>" not in row["prompt"][0]["content"]
    create = row["extra_info"]["tools_kwargs"]["execute_sosl"]["create_kwargs"]
    assert create == {k: v for k, v in row["extra_info"]["interaction_kwargs"].items() if k != "name"} and create["protocol"] == "tools"
    assert "tools_kwargs" not in va.verl_rows(tasks[:1], b2b_org_path)[0]["extra_info"]


def test_reward_function_wraps_the_scorer(tasks):
    task = tasks[0]
    extra = {"task_json": task.model_dump_json()}
    right = f"<thought>x</thought><execute>SELECT Id FROM Case</execute>\n{{\"records\": []}}\n<respond>{answer_text(task)}</respond>"
    assert va.compute_score("crmweaver/x", right, None, extra) == 1.0
    assert va.compute_score("crmweaver/x", "<respond>nobody</respond>", None, extra) == score(task.model_dump(), "nobody").reward
    assert va.compute_score("crmweaver/x", "no answer at all", None, extra) == 0.0
    assert va.compute_score("crmweaver/x", "no answer at all", None, {**extra, "turn_scores": [0.0, 1.0]}) == 1.0  # the interaction's
    with pytest.raises(ValueError):
        va.compute_score("crmweaver/x", right, None, {})


def test_verl_classes_need_verl_only_when_asked(monkeypatch):
    """Without verl, the data and reward parts work and asking for a class names the fix."""
    for name in [m for m in sys.modules if m == "verl" or m.startswith("verl.")] or ["verl"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(va.__dict__, "CRMTool", raising=False)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[verl\]'"):
        va.CRMTool  # noqa: B018
    monkeypatch.delitem(va.__dict__, "CRMTool", raising=False)
