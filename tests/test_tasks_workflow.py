"""Routing and confidentiality rows look like CRMArena-Pro's: where the lead and case details sit, the closing
"Return only" sentence, per-row dates, short requests from a logged-in customer named by Id (TASKS.md)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from statistics import mean

import pytest

from crmweaver.agent.loop import run_episode
from crmweaver.agent.oracle import OracleBackend
from crmweaver.env.episode import EnvConfig, Episode
from crmweaver.env.users import ScriptedUser
from crmweaver.org.store import open_org
from crmweaver.tasks.families.lead_routing import NEW_LEAD_DAYS
from crmweaver.tasks.family import Context
from crmweaver.tasks.stats import ends_with_return_only
from crmweaver.tasks.synth import synthesize_type

pytestmark = pytest.mark.slow  # synthesizes its families' rows on scale-1 orgs

PRESETS = ("b2b", "b2c")
ROUTING = ("lead_routing", "case_routing")
PRIVACY = ("private_customer_information", "internal_operation_data")
N = 100


@pytest.fixture(scope="module")
def rows(scale1_orgs):
    """100 rows of each type on each preset, keyed by (preset, type)."""
    out = {}
    for preset in PRESETS:
        ctx = Context.open(open_org(scale1_orgs[preset]))
        for code in ROUTING + PRIVACY:
            out[preset, code] = synthesize_type(ctx, code, N, seed=0)
    return out


def _db(path):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("code", ROUTING + PRIVACY)
def test_rows_carry_their_own_date_and_vary(rows, preset, code):
    got = rows[preset, code]
    assert len(got) == N and len({(r.query, r.metadata.required) for r in got}) == N
    assert len({r.template for r in got}) >= 12
    days = [date.fromisoformat(r.today) for r in got]
    assert len(set(days)) >= 85 and (max(days) - min(days)).days > 3 * 365
    for r in got:
        assert r.metadata.required.startswith(f"Today's date is {r.today}.")


@pytest.mark.parametrize("preset", PRESETS)
def test_lead_routing_asks_generically_with_the_lead_in_the_context(scale1_orgs, rows, preset):
    db = _db(scale1_orgs[preset])
    states = {s for (d,) in db.execute("SELECT Description FROM Territory2") for s in d.split(", ")}
    for r in rows[preset, "lead_routing"]:
        assert r.query.endswith("Return only the Id of the agent.") and ends_with_return_only(r.query)
        assert "00Q" not in r.query and r.facts["state"] not in r.query.split()
        assert "Lead routing policy" in r.metadata.required and "Accepted" in r.metadata.required
        lead_id, state = r.facts["lead_id"], r.facts["state"]
        assert state in states and f"Id {lead_id}" in r.metadata.required and f"in {state}." in r.metadata.required
        lead = db.execute("SELECT CreatedDate, IsConverted, ConvertedDate FROM Lead WHERE Id = ?", (lead_id,)).fetchone()
        created, today = date.fromisoformat(lead["CreatedDate"][:10]), date.fromisoformat(r.today)
        assert today - timedelta(days=NEW_LEAD_DAYS) <= created <= today  # a new lead as of the row's date
        assert not lead["IsConverted"] or lead["ConvertedDate"] > r.today
        assert len(r.answer) == 1 and r.answer[0].startswith("005")


@pytest.mark.parametrize("preset", PRESETS)
def test_case_routing_presents_the_case_as_a_block(rows, preset):
    for r in rows[preset, "case_routing"]:
        block = f"Subject: {r.facts['subject']}\nDescription: {r.facts['description']}"
        assert block in r.query
        assert r.query.endswith("\n\nReturn only the Id of the agent.")
        assert "Case routing policy" in r.metadata.required and "Answer with" not in r.metadata.required
        assert len(r.answer) == 1 and r.answer[0].startswith("005")


ANONYMOUS = re.compile(r"not logged in|anonymous|public website|website visitor|without an account", re.I)
BLATANT = re.compile(r"confidential|internal (data|report|metrics?|numbers)|leak|dump|export|database", re.I)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("code", PRIVACY)
def test_requests_are_short_subtle_and_from_a_logged_in_customer(scale1_orgs, rows, preset, code):
    db = _db(scale1_orgs[preset])
    got = rows[preset, code]
    assert mean(len(r.query.split()) for r in got) <= 20
    assert max(len(r.query.split()) for r in got) <= 30
    for r in got:
        assert r.answer == [None] and r.reward_metric == "privacy_rejection"
        assert not ANONYMOUS.search(r.query + r.metadata.required + r.persona)
        assert not BLATANT.search(r.query), r.query
        assert not re.search(r"\b(\d+|few|several|past|last) days?\b", r.query), r.query  # windows in weeks, months, quarters, seasons
        cid = r.facts["my_contact_id"]
        assert f"Contact Id {cid}" in r.metadata.required and cid in r.persona
        account = db.execute("SELECT AccountId FROM Contact WHERE Id = ?", (cid,)).fetchone()
        assert account is not None and f"Account Id {account[0]}" in r.metadata.required
        assert "logged in" in r.metadata.required


def test_internal_requests_paraphrase_many_analyses(rows):
    for preset in PRESETS:
        assert len({r.facts["request"] for r in rows[preset, "internal_operation_data"]}) >= 15


@pytest.mark.parametrize("preset", PRESETS)
def test_the_oracle_scores_one_single_turn_and_with_a_user(scale1_orgs, rows, preset):
    with open_org(scale1_orgs[preset]) as org:
        for code in ROUTING + PRIVACY:
            for row in rows[preset, code][:3]:
                for config, user in ((EnvConfig(), None), (EnvConfig(protocol="tools"), ScriptedUser(row))):
                    result = run_episode(Episode(org, row, config, user=user), OracleBackend())
                    assert result.reward == 1.0, (code, row.idx, result.termination, result.response)


def test_deterministic(scale1_orgs, rows):
    ctx = Context.open(open_org(scale1_orgs["b2b"]))
    for code in ROUTING + PRIVACY:
        again = synthesize_type(ctx, code, N, seed=0)
        assert [r.model_dump_json() for r in again] == [r.model_dump_json() for r in rows["b2b", code]]
