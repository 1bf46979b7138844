"""verl adapter on a CPU without verl: dataset rows, the interaction's session logic, the reward."""

from __future__ import annotations

import asyncio
import json
import sys
import types

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


def test_session_steps_the_episode_and_scores(b2b_org_path, tasks):
    task = tasks[0]
    session = va.EnvSession(task.model_dump_json(), b2b_org_path, max_turns=5)
    chat = [{"role": "assistant", "content": f"<thought>q</thought><execute>{task.reference.steps[0]}</execute>"}]
    done, obs, turn_score, info = session.respond(chat)
    assert not done and obs.startswith("{") and turn_score == 0.0 and info["action"] == "execute"
    chat += [{"role": "user", "content": obs}, {"role": "assistant", "content": f"<respond>{answer_text(task)}</respond>"}]
    done, obs, turn_score, info = session.respond(chat)
    assert done and turn_score == 1.0 and session.score() == 1.0 and info["termination"] == "respond"


def test_reward_function_wraps_the_scorer(tasks):
    task = tasks[0]
    extra = {"task_json": task.model_dump_json()}
    right = f"<thought>x</thought><execute>SELECT Id FROM Case</execute>\n{{\"records\": []}}\n<respond>{answer_text(task)}</respond>"
    assert va.compute_score("crmweaver/x", right, None, extra) == 1.0
    assert va.compute_score("crmweaver/x", "<respond>nobody</respond>", None, extra) == score(task.model_dump(), "nobody").reward
    assert va.compute_score("crmweaver/x", "no answer at all", None, extra) == 0.0
    assert va.final_response("<respond>a</respond> later <respond>b</respond>") == "b"
    with pytest.raises(ValueError):
        va.compute_score("crmweaver/x", right, None, {})


def test_interaction_class_on_a_stub_verl(b2b_org_path, tasks, tmp_path, monkeypatch):
    """verl's BaseInteraction contract, exercised on a stub module (verl itself is not installed here)."""
    class BaseInteraction:
        def __init__(self, config):
            self.config, self.name = config, config.get("name", "interaction_agent")

    for name, mod in (("verl", types.ModuleType("verl")), ("verl.interactions", types.ModuleType("verl.interactions")),
                      ("verl.interactions.base", types.ModuleType("verl.interactions.base"))):
        monkeypatch.setitem(sys.modules, name, mod)
    sys.modules["verl.interactions.base"].BaseInteraction = BaseInteraction
    monkeypatch.delitem(va.__dict__, "CRMInteraction", raising=False)
    cls = va.CRMInteraction
    interaction = cls({"name": "crmweaver"})
    task = tasks[0]
    kwargs = json.loads(json.dumps(va.verl_rows([task], b2b_org_path)[0]["extra_info"]["interaction_kwargs"]))

    async def play():
        iid = await interaction.start_interaction(None, **kwargs)
        msgs = [{"role": "assistant", "content": f"<respond>{answer_text(task)}</respond>"}]
        done, _, s, _ = await interaction.generate_response(iid, msgs)
        final = await interaction.calculate_score(iid)
        await interaction.finalize_interaction(iid)
        return done, s, final, iid in interaction.sessions

    assert asyncio.run(play()) == (True, 1.0, 1.0, False)
    cfg = va.interaction_config(tmp_path / "interaction.yaml").read_text()
    assert "crmweaver.train.verl_adapter.CRMInteraction" in cfg
    monkeypatch.delitem(va.__dict__, "CRMInteraction", raising=False)
