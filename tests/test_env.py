"""Action parsing and the episode environment: nothing an agent emits can crash it."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmweaver
from crmweaver.agent.backend import Generation, InfraError, ScriptedBackend
from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.env.actions import Action, parse_react, parse_tool_call
from crmweaver.env.episode import EnvConfig, Episode, UserTurn
from crmweaver.org.store import open_org
from crmweaver.tasks.synth import synthesize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<thought>x</thought><execute>SELECT Id FROM Case</execute>", Action("execute", "SELECT Id FROM Case")),
        ("<EXECUTE>SELECT Id FROM Case</Execute>", Action("execute", "SELECT Id FROM Case")),
        ("Let me look.\n<execute>\n```sql\nSELECT Id FROM Case\n```\n</execute>\nthanks", Action("execute", "SELECT Id FROM Case")),
        ("<execute>SELECT Id FROM Case", Action("execute", "SELECT Id FROM Case")),
        ("<execute>SELECT Id FROM Case\n<respond>x</respond>", Action("execute", "SELECT Id FROM Case")),
        ("<respond>005Wt000001AbCdIAK</respond><execute>SELECT Id FROM Case</execute>", Action("respond", "005Wt000001AbCdIAK")),
        ("< respond >None</ respond >", Action("respond", "None")),
        ("<respond>  the answer is May  ", Action("respond", "the answer is May")),
        ("I think the answer is 42.", Action("invalid", "no <execute> or <respond> tag")),
        ("", Action("invalid", "empty message")),
        (None, Action("invalid", "empty message")),
        ("<execute></execute>", Action("invalid", "empty <execute>")),
    ],
)
def test_parse_react(text, expected):
    assert parse_react(text) == expected


def test_parse_tool_call():
    assert parse_tool_call("execute_soql", '{"query": "SELECT Id FROM Case"}') == Action("execute", "SELECT Id FROM Case")
    assert parse_tool_call("respond", {"content": " None "}) == Action("respond", "None")
    assert parse_tool_call("respond", "{bad").kind == "invalid"
    assert parse_tool_call("drop_table", "{}").kind == "invalid"
    assert parse_tool_call("execute_sosl", '{"query": ""}').kind == "invalid"
    assert parse_tool_call("respond", "[1, 2]").kind == "invalid"


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_parse_react_never_raises(text):
    assert parse_react(text).kind in ("execute", "respond", "invalid")


@pytest.fixture(scope="module")
def org_and_tasks(b2b_org_path):
    org = open_org(b2b_org_path)
    rows = synthesize(org, per_type=8, seed=0, types=["handle_time"])
    yield org, rows
    org.close()


@pytest.mark.parametrize("protocol", ["react", "tools"])
def test_oracle_scores_full_marks(org_and_tasks, protocol):
    org, rows = org_and_tasks
    results = [run_episode(Episode(org, row, EnvConfig(protocol=protocol)), OracleBackend()) for row in rows]
    assert [r.reward for r in results] == [1.0] * len(rows)
    assert all(r.termination == "respond" and r.tool_calls == len(row.reference.steps) for r, row in zip(results, rows))


def test_prompt_contents(org_and_tasks):
    org, rows = org_and_tasks
    row = rows[0]
    env = Episode(org, row, EnvConfig(aided=True, confidentiality=True), guideline="Use CaseHistory__c.")
    system, user = env.reset()
    assert user == {"role": "user", "content": row.query}
    for needle in ("<execute>", "CaseHistory__c", "relationship Owner", row.metadata.required[:60],
                   "Quarters are calendar quarters", "# Confidentiality", "Use CaseHistory__c.", row.persona):
        assert needle in system["content"], needle
    plain = Episode(org, row).reset()[0]["content"]
    assert "# Confidentiality" not in plain and "Quarters are calendar quarters" not in plain


def test_bad_turns_cost_turns_and_never_raise(org_and_tasks):
    org, rows = org_and_tasks
    junk = ["no tags at all", "<execute>SELEC Id FROM Case</execute>", "<execute>DELETE FROM Case</execute>",
            "<execute>SELECT Id FROM Case; DROP TABLE Case</execute>", "\x00\ufffd<execute>", "<execute>" + "(" * 5000]
    env = Episode(org, rows[0], EnvConfig(max_turns=len(junk)))
    env.reset()
    for text in junk:
        step = env.step(text)
    assert env.done and env.termination == "max_turns" and env.reward().reward == 0.0
    observations = [m["content"] for m in env.messages if m["role"] == "user"][1:]
    assert "no valid action" in observations[0]
    assert json.loads(observations[1])[0]["errorCode"] == "MALFORMED_QUERY"
    assert org.count("Case") > 0  # nothing was deleted
    assert step.done and env.step("<respond>x</respond>").done


def test_observation_truncated_with_marker(org_and_tasks):
    org, rows = org_and_tasks
    env = Episode(org, rows[0], EnvConfig(observation_chars=300))
    env.reset()
    obs = env.step("<execute>SELECT Id, Subject, Description FROM Case</execute>").observation
    assert len(obs) < 450 and "[truncated:" in obs


def test_observation_is_the_result_without_record_attributes(org_and_tasks):
    """The agent reads the engine's result as compact JSON with every record's `attributes` (type and API url)
    dropped, parents and child subqueries too; a SOSL record keeps its object type, which its fields do not say."""
    org, rows = org_and_tasks
    env = Episode(org, rows[0], EnvConfig(observation_chars=10**6))
    env.reset()
    soql = "SELECT Id, Account.Name, (SELECT Id FROM Contacts LIMIT 1) FROM Account WHERE Id IN (SELECT AccountId FROM Contact) LIMIT 2"
    shown = json.loads(env.step(f"<execute>{soql}</execute>").observation)
    engine = crmweaver.query(org, soql)
    assert shown["totalSize"] == engine["totalSize"] == 2 and "attributes" not in json.dumps(shown)
    assert [r["Id"] for r in shown["records"]] == [r["Id"] for r in engine["records"]]
    assert shown["records"][0]["Contacts"]["records"][0]["Id"] == engine["records"][0]["Contacts"]["records"][0]["Id"]
    found = json.loads(env.step("<execute>FIND {Scheduler} RETURNING Product2(Id, Name), Case(Id)</execute>").observation)
    assert found["searchRecords"] and all(set(r) >= {"type", "Id"} and r["type"] in ("Product2", "Case") for r in found["searchRecords"])
    error = env.step("<execute>SELECT Nope FROM Case</execute>").observation
    assert json.loads(error)[0]["errorCode"] == "INVALID_FIELD"


def test_infra_error_ends_episode_with_zero(org_and_tasks):
    org, rows = org_and_tasks
    backend = ScriptedBackend(["<execute>SELECT Id FROM Case LIMIT 1</execute>", InfraError("connection refused")])
    result = run_episode(Episode(org, rows[0]), backend)
    assert result.termination == "infra_error" and result.infra_error == "connection refused" and result.reward == 0.0


def test_simulated_user_hook(org_and_tasks):
    org, rows = org_and_tasks
    row = rows[0]

    class User:
        def __init__(self):
            self.heard = []

        def opening(self):
            return "Hi, I have a question about agents."

        def reply(self, message):
            self.heard.append(message)
            return UserTurn("Which period do you mean? " + row.query) if len(self.heard) == 1 else UserTurn("thanks", stop=True)

    from crmweaver.agent.oracle import answer_text

    user = User()
    backend = ScriptedBackend(["<respond>Could you tell me more?</respond>", Generation(f"<respond>{answer_text(row)}</respond>")])
    result = run_episode(Episode(org, row, user=user), backend)
    assert result.messages[1]["content"] == "Hi, I have a question about agents."
    assert result.termination == "user_stop" and result.reward == 1.0 and len(user.heard) == 2


@pytest.mark.parametrize("protocol", ["react", "tools"])
def test_oracle_with_scripted_user(org_and_tasks, protocol):
    from crmweaver.env.users import ScriptedUser

    org, rows = org_and_tasks
    for row in rows:
        result = run_episode(Episode(org, row, EnvConfig(protocol=protocol), user=ScriptedUser(row)), OracleBackend())
        assert result.reward == 1.0 and result.termination == "user_stop"
        assert result.messages[1]["content"] != row.query  # the user opened vaguely


def test_scripted_user_reveals_then_stops(org_and_tasks):
    from crmweaver.env.users import NOTHING_MORE, ScriptedUser

    row = org_and_tasks[1][0]
    user = ScriptedUser(row)
    assert user.opening() != row.query
    assert user.reply("Which period do you mean?").text == row.query
    facts = sorted((row.facts or {}).items())
    for key, value in facts:
        assert user.reply("Anything else?").text == f"{key.replace('_', ' ')}: {value}"
    assert user.reply("And?").text == NOTHING_MORE or len(facts) >= 3
    assert user.reply("The answer is 005Wt000001AbCdIAK.").stop


def test_llm_user_through_a_backend(org_and_tasks):
    from crmweaver.env.users import STOP, LLMUser

    row = org_and_tasks[1][0]
    backend = ScriptedBackend(["I need an agent report.", "It's about " + row.query, STOP])
    user = LLMUser(row, backend)
    assert user.opening() == "I need an agent report."
    assert not user.reply("What exactly?").stop
    assert user.reply("The answer is None.").stop
    assert row.query in backend.calls[0][0]["content"]


# --- the task-focused schema (EnvConfig.schema="task") -------------------------------------------


@pytest.mark.parametrize("preset", ["b2b", "b2c"])
def test_task_schema_names_every_object_the_reference_queries(preset, b2b_org_path, b2c_org_path):
    from crmweaver.soql import sosl
    from crmweaver.soql.parser import parse
    from crmweaver.tasks.types import OBJECTS

    with open_org(b2b_org_path if preset == "b2b" else b2c_org_path) as org:
        rows = synthesize(org, per_type=3, seed=11)
        assert {r.task for r in rows} == set(OBJECTS)
        for row in rows:
            for step in row.reference.steps:
                if step.lstrip().upper().startswith("FIND"):
                    used = {r.obj.name for r in sosl.parse(org, step).returning}
                else:
                    used = {org.schema.object(parse(step).from_name).name}
                assert used <= set(OBJECTS[row.task]), (row.task, step)


def test_task_schema_prompt_is_short_and_the_oracle_still_solves_every_type(b2b_org_path):
    from crmweaver.tasks.types import OBJECTS

    with open_org(b2b_org_path) as org:
        for row in synthesize(org, per_type=1, seed=2):
            full = Episode(org, row, EnvConfig()).reset()[0]["content"]
            env = Episode(org, row, EnvConfig(schema="task"))
            focused = env.reset()[0]["content"]
            assert len(focused) < len(full) / 2
            described = {line.split(" (")[0] for line in focused.split("# Org schema")[1].split("\n# ")[0].splitlines()[1:] if line[:1].isalpha()}
            assert described == set(OBJECTS[row.task]) & {o.name for o in org.schema}
            assert run_episode(env, OracleBackend()).reward == 1.0, row.task
