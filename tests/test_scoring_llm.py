"""The model-driven extractor and judge, played by the scripted backend; and how a run selects them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crmweaver.agent.backend import Generation, InfraError, ScriptedBackend
from crmweaver.cli import app
from crmweaver.env.actions import Action
from crmweaver.evaluate import EvalConfig, evaluate, load_results
from crmweaver.evaluate.scorers import ScorerChoice, backend_complete, model_spec
from crmweaver.org.store import open_org
from crmweaver.scoring import Extractor, Judge, LLMExtractor, LLMJudge, ScorerError, score
from crmweaver.scoring.llm import extractor_prompt, parse_items
from crmweaver.tasks.synth import synthesize

U1, U2 = "005Wt000003NIiTIAW", "005Wt000003NJkLIAW"


def hooks(*replies):
    backend = ScriptedBackend(list(replies))
    complete = backend_complete(backend)
    return backend, LLMExtractor(complete), LLMJudge(complete)


def test_extractor_asks_with_the_kinds_prompt_and_reads_the_list():
    backend, extractor, _ = hooks('{"items": ["TX"]}', json.dumps([U1, U2]))
    assert isinstance(extractor, Extractor)
    row = {"task": "best_region_identification", "answer": ["TX"], "reward_metric": "exact_match"}
    s = score(row, "Texas is quickest.", extractor=extractor)
    assert s.reward == 1.0 and s.extracted == ["TX"] and "llm extractor" in s.detail
    system, user = backend.calls[0]
    assert system["content"] == extractor_prompt("state") and "two-letter code" in system["content"]
    assert user == {"role": "user", "content": "Texas is quickest."}
    row = {"task": "handle_time", "answer": [U1], "reward_metric": "exact_match"}
    assert score(row, f"{U1}, then {U2}", extractor=extractor).reward == 0.0  # every id counts, as officially
    assert backend.calls[1][0]["content"] == extractor_prompt("user_id") == extractor_prompt("task_ids")


def test_extractor_prompts_follow_the_official_intent():
    assert "every id" in extractor_prompt("knowledge_id") and "exactly as written" in extractor_prompt("issue_id")
    assert "exactly one stage" in extractor_prompt("stage")
    assert "only the ones not met" in extractor_prompt("bant")
    assert '["None"]' in extractor_prompt("month")
    with pytest.raises(ValueError, match="text"):
        extractor_prompt("text")


@pytest.mark.parametrize(
    ("reply", "items"),
    [
        ('["Budget", "Timeline"]', ["Budget", "Timeline"]),
        ('{"extracted_answers": ["None"]}', [None]),
        ('```json\n["May"]\n```', ["May"]),
        ('["Budget, Timeline"]', ["Budget, Timeline"]),  # one string stays one item
        ("[Budget, Timeline]", ["Budget", "Timeline"]),  # not JSON: a bracketed comma list
        ("None", [None]),
        ("null", [None]),
        ("[]", [None]),
        ("Discovery", ["Discovery"]),
        ('"Quote"', ["Quote"]),
    ],
)
def test_parse_items(reply, items):
    assert parse_items(reply) == items


def test_judge_reads_the_trajectory_and_answers_yes_or_no():
    backend, _, judge = hooks("YES", "NO - the agent gave the figure.", "Yes.")
    assert isinstance(judge, Judge)
    row = {"task": "internal_operation_data", "answer": [None], "reward_metric": "privacy_rejection"}
    actions = [Action("execute", "SELECT Id FROM Case"), Action("respond", "That figure is internal.")]
    s = score(row, "That figure is internal.", actions=actions, judge=judge)
    assert s.reward == 1.0 and s.detail == "judge: refusal"
    system, user = backend.calls[0]
    assert "clearly refused" in system["content"]
    assert "[query] SELECT Id FROM Case" in user["content"] and user["content"].count("That figure is internal.") == 1
    assert score(row, "It is 3.2 days.", judge=judge).reward == 0.0
    assert score(row, "I can't share that.", judge=judge).reward == 1.0


@pytest.mark.parametrize("failure", [InfraError("endpoint down"), Generation(""), Generation(None)])
def test_a_failed_model_call_is_a_scorer_error(failure):
    _, extractor, judge = hooks(failure, failure)
    with pytest.raises(ScorerError):
        score({"task": "handle_time", "answer": [U1], "reward_metric": "exact_match"}, "the agent is me", extractor=extractor)
    with pytest.raises(ScorerError):
        score({"task": "internal_operation_data", "answer": [None], "reward_metric": "privacy_rejection"}, "no", judge=judge)


def test_scorer_choices():
    assert model_spec("rules") is None and model_spec(" RULES ") is None
    assert model_spec("llm:openai:gpt-4o") == "openai:gpt-4o"
    assert model_spec("llm:local") == "local" and model_spec("llm:local:/models/q.gguf") == "local:/models/q.gguf"
    for bad in ("gpt-4o", "llm:", "llm:oracle", "llm:openai", "llm:openai:", "regex"):
        with pytest.raises(ValueError, match="unknown scorer"):
            model_spec(bad)
    assert ScorerChoice().is_rules and not ScorerChoice(judge="llm:openai:m").is_rules
    assert ScorerChoice("llm:local", "rules").label() == {"extractor": "llm:local", "judge": "rules"}
    with pytest.raises(ValueError):
        ScorerChoice(extractor="llm:nothing")


class Answerer:
    """An agent that answers at once, naming the gold items inside a sentence (so extraction is needed)."""

    name = "answerer"

    def generate(self, messages, *, tools=None, task=None):
        if task.reward_metric == "privacy_rejection":
            return Generation("<respond>That is internal information.</respond>")
        return Generation(f"<respond>My answer: {', '.join(str(a) for a in task.answer)} (checked)</respond>")


def test_a_run_scores_with_the_model_and_keeps_scorer_failures_as_infra_errors(b2b_org_path, tmp_path):
    with open_org(b2b_org_path) as org:
        rows = synthesize(org, per_type=6, seed=3, types=["handle_time", "internal_operation_data"])
    exact = [r for r in rows if r.task == "handle_time" and r.answer != [None]][:2]
    private = [r for r in rows if r.task == "internal_operation_data"][:1]
    assert len(exact) == 2 and private
    tasks = exact + private
    scorer_backend = ScriptedBackend([json.dumps(exact[0].answer), json.dumps([U2]), "YES"])

    def scorers():
        complete = backend_complete(scorer_backend)
        return LLMExtractor(complete), LLMJudge(complete)

    summary = evaluate(b2b_org_path, tasks, Answerer, EvalConfig(model="answerer", scorers=scorers), out_dir=tmp_path / "run")
    records, _ = load_results(tmp_path / "run" / "results.jsonl")
    by_idx = {(r.task, r.idx): r for r in records}
    got = [by_idx[(t.task, t.idx)] for t in tasks]
    assert [r.reward for r in got] == [1.0, 0.0, 1.0]
    assert "llm extractor" in got[0].reward_details["detail"] and got[2].reward_details["detail"] == "judge: refusal"
    assert summary.overall.types["handle_time"].mean == 0.5 and summary.overall.types["internal_operation_data"].mean == 1.0
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["env_config"]["scoring"] == "custom"

    failing = ScriptedBackend([InfraError("scorer endpoint down")])

    def broken():
        return LLMExtractor(backend_complete(failing)), None

    evaluate(b2b_org_path, exact[:1], Answerer, EvalConfig(model="answerer", scorers=broken), out_dir=tmp_path / "broken")
    (record,) = load_results(tmp_path / "broken" / "results.jsonl")[0]
    assert record.reward == 0.0 and record.infra_error.startswith("scoring: ") and "endpoint down" in record.infra_error
    assert record.response and record.reward_details["detail"] == "scorer failed"


def test_eval_command_rejects_an_unknown_scorer(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--org", str(tmp_path / "org.db"), "--tasks", str(tmp_path / "t.jsonl"), "--extractor", "gpt"])
    assert result.exit_code != 0
    tasks = tmp_path / "t.jsonl"
    tasks.write_text("")
    result = CliRunner().invoke(app, ["eval", "--org", str(tmp_path / "org.db"), "--tasks", str(tasks), "--judge", "llm:oracle"])
    assert result.exit_code == 1 and "unknown scorer 'llm:oracle'" in result.output
