"""CRMEnv, the one episode API, and the `crmweaver` facade (its docstring runs as a doctest)."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmweaver
from crmweaver.agent.oracle import answer_text
from crmweaver.env import CRMEnv
from crmweaver.env.crm_env import score_transcript, transcript_actions
from crmweaver.org.store import open_org
from crmweaver.scoring import score
from crmweaver.tasks.synth import synthesize


@pytest.fixture(scope="module")
def tasks(b2b_org_path):
    with open_org(b2b_org_path) as org:
        return synthesize(org, per_type=1, seed=0, types=["handle_time", "private_customer_information"])


def test_facade_docstring_runs():
    result = doctest.testmod(crmweaver, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


def test_import_crmweaver_loads_no_extra():
    code = ("import sys, crmweaver; heavy = [m for m in ('numpy', 'torch', 'transformers', 'gymnasium', 'verifiers', 'verl', "
            "'datasets', 'crmweaver.env') if m in sys.modules]; print(heavy)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    assert crmweaver.CRMEnv is CRMEnv and "CRMEnv" in dir(crmweaver)
    with pytest.raises(AttributeError):
        crmweaver.no_such_thing  # noqa: B018


def test_facade_names_survive_subpackage_imports():
    import importlib
    import types

    for package in ("agent", "env", "evaluate", "memory", "org", "scoring", "soql", "tasks", "train", "adapters"):
        importlib.import_module(f"crmweaver.{package}")
    for name in crmweaver.__all__:
        assert not isinstance(getattr(crmweaver, name), types.ModuleType), name


def test_every_action_shape_is_one_step(b2b_org_path, tasks):
    task = tasks[0]
    query = task.reference.steps[0]
    shapes = [
        f"<execute>{query}</execute>",
        {"name": "execute_soql", "arguments": {"query": query}},
        {"id": "c1", "type": "function", "function": {"name": "execute_soql", "arguments": json.dumps({"query": query})}},
        [{"id": "c1", "function": {"name": "execute_soql", "arguments": {"query": query}}}],
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "function": {"name": "execute_soql", "arguments": json.dumps({"query": query})}}]},
    ]
    observations = set()
    for i, action in enumerate(shapes):
        env = CRMEnv.from_task(task.model_dump(), b2b_org_path, protocol="react" if i == 0 else "tools")
        assert [m["role"] for m in env.reset()] == ["system", "user"]
        observation, reward, done, info = env.step(action)
        assert (reward, done, info["action"].kind, info["action"].content) == (0.0, False, "execute", query)
        observations.add(observation)
    assert len(observations) == 1  # the same query result whatever the shape


def test_garbage_never_raises_and_costs_a_turn(b2b_org_path, tasks):
    env = CRMEnv.from_task(tasks[0], b2b_org_path, max_turns=6, protocol="tools")
    env.reset()
    for junk in (None, 42, {"name": "drop_table"}, [{"function": {"name": "respond", "arguments": "{not json"}}], {"weird": 1}, object()):
        observation, reward, done, info = env.step(junk)
        assert reward == 0.0 and info["action"].kind == "invalid"
    assert done and info["termination"] == "max_turns" and info["score"].reward == 0.0


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                         st.sampled_from(["name", "arguments", "function", "tool_calls", "content", "role", "id", "query"]), inner, max_size=4),
                     max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=_json)
def test_no_action_shape_raises(b2b_org_path, tasks, action):
    env = CRMEnv.from_task(tasks[0], b2b_org_path, protocol="tools", max_turns=2)
    observation, reward, done, info = env.step(action)
    assert isinstance(observation, str) and reward in (0.0, 1.0) and info["action"].kind in ("execute", "respond", "invalid")


def test_reward_is_the_scorer_and_copies_are_independent(b2b_org_path, tasks):
    task = tasks[0]
    env = CRMEnv.from_task(task, b2b_org_path)
    twin = env.copy()
    _, reward, done, info = env.step(f"<respond>{answer_text(task)}</respond>")
    assert done and reward == 1.0 == score(task.model_dump(), answer_text(task)).reward and info["termination"] == "respond"
    assert not twin.done and twin.messages == []
    _, reward, done, _ = twin.step("<respond>nobody</respond>")
    assert done and reward == score(task.model_dump(), "nobody").reward == 0.0 and env.score().reward == 1.0


def test_copies_run_in_threads_on_their_own_connections(b2b_org_path, tasks):
    with open_org(b2b_org_path) as org:
        base = CRMEnv.from_task(tasks[0], org)  # an Org opened on the main thread is used there only
        rewards, orgs = [], []  # the Org objects themselves: kept alive, their ids stay distinct

        def play(good: bool):
            env = base.copy()
            env.reset()
            for step in tasks[0].reference.steps:
                env.step(f"<execute>{step}</execute>")
            orgs.append(env.episode.org)
            rewards.append(env.step(f"<respond>{answer_text(tasks[0]) if good else 'nobody'}</respond>")[1])

        threads = [threading.Thread(target=play, args=(i % 2 == 0,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(rewards) == [0.0, 0.0, 1.0, 1.0] and len({id(o) for o in orgs}) == 4 and org not in orgs


def test_transcript_scoring_finds_every_action(tasks):
    task = tasks[1]  # private_customer_information: scored on the refusal and on the queries run
    react = f"<thought>a</thought><execute>SELECT Id FROM Case</execute>\n{{\"records\": []}}\n<respond>{answer_text(task)}</respond>"
    hermes = ('<tool_call>\n{"name": "execute_soql", "arguments": {"query": "SELECT Id FROM Case"}}\n</tool_call>\n'
              f'<tool_call>{{"name": "respond", "arguments": {{"content": {json.dumps(answer_text(task))}}}}}</tool_call>')
    for text in (react, hermes):
        assert [a.kind for a in transcript_actions(text)] == ["execute", "respond"]
        assert score_transcript(task, text).reward == score(task.model_dump(), answer_text(task), actions=transcript_actions(text)).reward
    assert score_transcript(task, "no answer").reward == 0.0
    from crmweaver.env.episode import FORMAT_REMINDER

    assert transcript_actions(f"<respond>{answer_text(task)}</respond>\n{FORMAT_REMINDER}")[-1].content == answer_text(task)
    assert [a.content for a in transcript_actions("<respond>a</respond> later <respond>b</respond>")] == ["a", "b"]


def test_a_failing_judge_is_an_infra_error_not_an_exception(b2b_org_path, tasks):
    from crmweaver.scoring import ScorerError

    def judge(response, task, actions=None):
        raise ScorerError("the judge's endpoint is down")

    env = CRMEnv.from_task(tasks[1], b2b_org_path, judge=judge)  # private_customer_information: judged
    _, reward, done, info = env.step(f"<respond>{answer_text(tasks[1])}</respond>")
    assert done and reward == 0.0 and "endpoint is down" in info["infra_error"]

