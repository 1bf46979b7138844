"""The harness has no hole: the oracle scores 100 % on every task type of both presets, in every mode."""

import pytest

from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.env.users import ScriptedUser
from crmweaver.org.store import open_org
from crmweaver.tasks.synth import synthesize
from crmweaver.tasks.types import TASK_TYPES

MODES = {
    "single-turn react": (EnvConfig(), False),
    "single-turn tools": (EnvConfig(protocol="tools"), False),
    "scripted user react": (EnvConfig(), True),
    "scripted user tools": (EnvConfig(protocol="tools"), True),
}


@pytest.fixture(scope="module", params=["b2b", "b2c"])
def org_and_rows(request, scale1_orgs):
    with open_org(scale1_orgs[request.param]) as org:
        yield org, synthesize(org, per_type=3, seed=7)


@pytest.mark.parametrize("mode", list(MODES))
def test_oracle_scores_full_marks_everywhere(org_and_rows, mode):
    org, rows = org_and_rows
    config, interactive = MODES[mode]
    assert {r.task for r in rows} == set(TASK_TYPES)
    failures = []
    for row in rows:
        user = ScriptedUser(row) if interactive else None
        result = run_episode(Episode(org, row, config, user=user), OracleBackend())
        if result.reward != 1.0:
            failures.append((row.task, row.idx, result.termination, result.response, result.score.detail))
    assert not failures, failures
