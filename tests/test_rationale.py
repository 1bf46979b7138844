"""The oracle's thoughts name each value beside its source, and say only what the dialogue shows."""

import json
import re

import pytest

from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.agent.rationale import answer_thought, locate, observations, step_thought
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.org.store import open_org
from crmweaver.tasks.synth import synthesize


def result(*records):
    return json.dumps({"totalSize": len(records), "done": True,
                       "records": [{"attributes": {"type": "Case", "url": "/x"}, **r} for r in records]})


CASES = result({"Id": "500Wt0000000001IAA", "OwnerId": "005Wt0000000004IAA"},
               {"Id": "500Wt0000000002IAA", "OwnerId": "005Wt000000000FIAQ", "Account": {"ShippingState": "MS"}})


def test_step_thought_names_each_value_with_its_source():
    query = ("SELECT Id FROM Task WHERE WhatId = '006Wt00000000D0IAI' AND OwnerId = '005Wt000000000FIAQ' "
             "AND Status = 'Completed' AND Subject = 'unexplained'")
    thought = step_thought(query, "Check opportunity 006Wt00000000D0IAI.", "Count the tasks whose Status is Completed.", [CASES])
    assert thought == ("I query Task with 006Wt00000000D0IAI from the request; "
                       "005Wt000000000FIAQ (the OwnerId of record 2 in the last result); Completed from the task context.")
    older = step_thought("SELECT Id FROM Case WHERE OwnerId = '005Wt0000000004IAA'", "", "", [CASES, result()])
    assert older == "I query Case with 005Wt0000000004IAA (the OwnerId of record 1 in an earlier result)."


def test_step_thought_reads_the_outer_object_and_sosl():
    sub = "SELECT Id, (SELECT Id FROM Orders WHERE EffectiveDate = 2021-09-05) FROM Account WHERE Id = '001Wt0000000012IAA'"
    assert step_thought(sub, "", "", []) == "I query Account."
    assert step_thought("FIND {Altivo} IN ALL FIELDS RETURNING Account(Id)", "Who is Altivo?", "", []) == \
        "I search the org with Altivo from the request."
    assert step_thought("SELECT Id FROM Case WHERE Name = 'open", "", "", []) == "I query the org."  # a query the lexer rejects


def test_answer_thought_points_at_the_record_only_when_it_was_looked_up():
    assert answer_thought(["005Wt000000000FIAQ"], "", "", [CASES]) == \
        "The answer is 005Wt000000000FIAQ: the OwnerId of record 2 in the last result."
    assert answer_thought(["MS"], "", "", [CASES]) == "The answer is MS: the Account.ShippingState of record 2 in the last result."
    # in an earlier result only: worked out (an average, a ranking), not read off a record
    assert answer_thought(["005Wt0000000004IAA"], "", "", [CASES, result()]).startswith("I have what I need")
    assert answer_thought(["Negotiation"], "", "", [CASES]).startswith("I have what I need")
    assert answer_thought([None], "", "", [result()]) == "The last result has no records: nothing matches, so the answer is None."
    assert answer_thought([None], "", "", [CASES]) == "No record meets the request's conditions, so the answer is None."


def test_locate_reads_a_result_cut_short():
    cut = CASES[:120]
    assert locate("500Wt0000000001IAA", cut) == (None, "Id")
    assert locate("005Wt000000000FIAQ", cut) is None  # cut off
    assert locate("500Wt0000000002IAA", CASES) == (2, "Id")


def test_observations_are_the_results_after_the_request():
    messages = [{"role": "system", "content": "{not a result}"}, {"role": "user", "content": "request"},
                {"role": "assistant", "content": "<execute>…</execute>"}, {"role": "user", "content": CASES},
                {"role": "assistant", "content": "…"}, {"role": "user", "content": "Please use the format."}]
    assert observations(messages, 1) == [CASES]


@pytest.fixture(scope="module", params=["b2b", "b2c"])
def oracle_episodes(request, scale1_orgs):
    with open_org(scale1_orgs[request.param]) as org:
        rows = synthesize(org, per_type=2, seed=11)
        return [run_episode(Episode(org, row, EnvConfig(observation_chars=1500)), OracleBackend()) for row in rows]


def test_every_value_a_thought_names_is_in_the_dialogue(oracle_episodes):
    """No thought invents a value, and "record N of the last result" is where the answer really is."""
    checked = 0
    for episode in oracle_episodes:
        assert episode.reward == 1.0
        messages = episode.messages
        seen = ""
        for i, m in enumerate(messages):
            if m["role"] != "assistant":
                seen += m["content"]
                continue
            thought = re.search(r"<thought>(.*?)</thought>", m["content"], re.S).group(1)
            for value in re.findall(r"\b[0-9a-zA-Z]{3}Wt[0-9a-zA-Z]{13}\b", thought):
                assert value in seen, (thought, value)
                checked += 1
            pointed = re.fullmatch(r"The answer is (.+?): the ([\w.]+) of record (\d+) in the last result\.", thought)
            if pointed:
                value, field, number = pointed.groups()
                record = json.loads(messages[i - 1]["content"])["records"][int(number) - 1]
                for key in field.split("."):
                    record = record[key]
                assert str(record) == value
    assert checked > 50
