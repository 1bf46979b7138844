"""Workflow and policy task families: synthesis on scale-1 orgs, None shares, diversity, detectors, hand checks."""

from __future__ import annotations

import pytest

from crmweaver.org.catalog import QuoteLine
from crmweaver.org.store import open_org
from crmweaver.tasks.families.case_routing import pick_agent
from crmweaver.tasks.families.lead_qualification import FACTORS, bant_policy, bant_thresholds, unmet_factors
from crmweaver.tasks.families.lead_routing import pick as pick_lead_owner
from crmweaver.tasks.families.policy_violation_identification import PolicyViolationIdentification
from crmweaver.tasks.families.quote_approval import broken_rules, parse_article, parse_rule, quote_lines_sql
from crmweaver.tasks.family import Context, Params, Resample
from crmweaver.tasks.synth import run_reference, synthesize
from crmweaver.tasks.types import TASK_TYPES

pytestmark = pytest.mark.slow  # synthesizes its families' rows on scale-1 orgs

TYPES = ("case_routing", "lead_routing", "invalid_config", "policy_violation_identification", "lead_qualification",
         "quote_approval")
PRESETS = ("b2b", "b2c")


@pytest.fixture(scope="module")
def contexts(scale1_orgs):
    return {p: Context.open(open_org(scale1_orgs[p])) for p in PRESETS}


@pytest.fixture(scope="module")
def rows(scale1_orgs):
    """100 instances per type and preset (the synthesizer checks reference == gold on each)."""
    out = {}
    for p in PRESETS:
        org = open_org(scale1_orgs[p])
        for code in TYPES:
            out[p, code] = synthesize(org, per_type=100, seed=0, types=[code])
    return out


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("code", TYPES)
def test_synthesis_shares_and_diversity(rows, preset, code):
    got = rows[preset, code]
    assert len(got) == 100 and all(r.task == code and r.reference.steps for r in got)
    none = sum(r.answer == [None] for r in got) / len(got)
    assert abs(none - TASK_TYPES[code].none_share) <= 0.10
    assert len({r.template for r in got}) >= 12
    assert len({(r.query, r.metadata.required) for r in got}) == len(got)  # Ids may sit in the context
    assert all(f"Today's date is {r.today}." in r.metadata.required for r in got)


def test_deterministic(scale1_orgs, rows):
    org = open_org(scale1_orgs["b2b"])
    for code in TYPES:
        again = synthesize(org, per_type=100, seed=0, types=[code])
        assert [(r.query, r.answer) for r in again] == [(r.query, r.answer) for r in rows["b2b", code]]


def test_answer_shapes(rows):
    for p in PRESETS:
        assert all(len(r.answer) == 1 and r.answer[0].startswith("005") for r in rows[p, "case_routing"])
        assert all(len(r.answer) == 1 and r.answer[0].startswith("005") for r in rows[p, "lead_routing"])
        for code in ("invalid_config", "quote_approval", "policy_violation_identification"):
            assert all(r.answer == [None] or r.answer[0].startswith("ka0") for r in rows[p, code])
        for r in rows[p, "lead_qualification"]:
            assert r.answer == [None] or r.answer == [f for f in FACTORS if f in r.answer]


@pytest.mark.parametrize("preset", PRESETS)
def test_quote_facts_agree_with_rule_check(contexts, preset):
    """Every quote's planted fact equals catalog.quote_violations on its lines (no silent resampling)."""
    ctx = contexts[preset]
    ids = {r["Title"]: r["Id"] for r in ctx.sql("SELECT Id, Title FROM Knowledge__kav")}
    for quote, fact in ctx.facts("quote_violation").items():
        got = [ids[a.title] for a in ctx.catalog.quote_violations(quote_lines_sql(ctx, quote))]
        assert got == ([] if fact is None else [fact["article"]]), quote


@pytest.mark.parametrize("preset", PRESETS)
def test_bant_detector_matches_every_lead(contexts, preset):
    ctx = contexts[preset]
    bant = ctx.catalog.bant
    assert bant_thresholds(bant_policy(bant)) == (bant["budget_min"], bant["timeline_max_months"])
    for lead, unmet in ctx.facts("lead_bant_unmet").items():
        r = ctx.sql("SELECT v.Body__c, l.FirstName, l.LastName FROM VoiceCallTranscript__c v JOIN Lead l ON "
                    "l.Id = v.LeadId__c WHERE l.Id = ? ORDER BY v.CreatedDate DESC LIMIT 1", (lead,))[0]
        got = unmet_factors(r["Body__c"], f"{r['FirstName']} {r['LastName']}", bant["budget_min"],
                            bant["timeline_max_months"])
        assert got == ([f for f in FACTORS if f in unmet] if unmet else [None]), lead


@pytest.mark.parametrize("preset", PRESETS)
def test_policy_detectors_match_every_case(contexts, preset):
    """The reference's breach detectors agree with the planted fact on all cases, not only sampled ones."""
    ctx = contexts[preset]
    fam = PolicyViolationIdentification()
    for case in sorted(ctx.facts("case_violation")):
        params = Params({"case": case}, "", "", 0)
        assert run_reference(fam, ctx, params).answer == fam.solve(ctx, params), case


def test_quote_rule_parsing():
    products = {"Alpha and Beta Kit", "Gamma", "Delta"}
    r = parse_rule("ka1", "Alpha and Beta Kit and Gamma may not be sold on the same quote.", products)
    assert (r.kind, r.product, r.other) == ("exclusive_products", "Alpha and Beta Kit", "Gamma")
    assert parse_rule("ka2", "Discounts on Delta are capped at 12.5%.", products).number == 12.5
    assert parse_rule("ka3", "Who may approve which discount level; internal only.", products) is None
    rules = [parse_rule("g", "Quote line discounts may not exceed 20% off list price.", products),
             parse_rule("d", "Discounts on Delta are capped at 10%.", products),
             parse_rule("v", "Lines with fewer than 10 licenses may be discounted by at most 10%.", products)]
    assert broken_rules(rules, [QuoteLine("Delta", 12, 15.0)]) == ["d"]  # own cap replaces the general one
    assert broken_rules(rules, [QuoteLine("Gamma", 12, 15.0)]) == []
    assert broken_rules(rules, [QuoteLine("Gamma", 3, 12.0)]) == ["v"]
    assert broken_rules(rules, [QuoteLine("Gamma", 30, 25.0)]) == ["g"]
    # a generic configuration article states one rule per product, inside prose
    body = ("Some products have minimums. Gamma must be quoted with at least 3 licenses. The reason is support.\n\n"
            "Delta must be quoted with at least 5 licenses. For example, a quote with 2 of Gamma is invalid.")
    rules = parse_article("m", "Minimum quantities apply.", body, products)
    assert [(r.product, r.quantity) for r in rules] == [("Gamma", 3), ("Delta", 5)]
    assert broken_rules(rules, [QuoteLine("Delta", 4)]) == ["m"] and broken_rules(rules, [QuoteLine("Gamma", 3)]) == []


def test_tie_breaks():
    assert pick_agent({"a": 3, "b": 3}, {"a": 1, "b": 2}, {}) == ["b"]
    assert pick_agent({"a": 3, "b": 3}, {"a": 1, "b": 1}, {"a": 2, "b": 1}) == ["b"]
    with pytest.raises(Resample):
        pick_agent({"a": 3, "b": 3}, {}, {})
    assert pick_lead_owner(["u1", "u2", "u3"], {"u1": 2, "u2": 2}, {"u1": 5, "u2": 1}) == ["u2"]
    with pytest.raises(Resample):
        pick_lead_owner(["u1", "u2"], {}, {})


def test_hand_checked_instances(rows, contexts):
    """A few instances re-derived by hand-written SQL, independent of the families' code paths."""
    ctx = contexts["b2b"]
    r = rows["b2b", "lead_routing"][0]
    state = r.facts["state"]
    terr = [t["Id"] for t in ctx.sql("SELECT Id, Description FROM Territory2") if state in t["Description"].split(", ")]
    counts = ctx.sql(
        "SELECT a.UserId u, (SELECT COUNT(*) FROM Quote q JOIN Opportunity o ON o.Id = q.OpportunityId "
        "WHERE q.Status = 'Accepted' AND o.OwnerId = a.UserId) acc, (SELECT COUNT(*) FROM Lead l WHERE "
        "l.OwnerId = a.UserId AND l.IsConverted = 0) open FROM UserTerritory2Association a WHERE a.Territory2Id = ? "
        "ORDER BY acc DESC, open ASC", (terr[0],))
    assert r.answer == [counts[0]["u"]]

    r = next(x for x in rows["b2b", "quote_approval"] if x.answer != [None])
    title = ctx.sql("SELECT Title FROM Knowledge__kav WHERE Id = ?", (r.answer[0],))[0]["Title"]
    assert "Discount" in title and r.facts["quote"] in r.query + r.metadata.required

    r = next(x for x in rows["b2b", "invalid_config"] if x.answer != [None])
    body = ctx.sql("SELECT FAQ_Answer__c FROM Knowledge__kav WHERE Id = ?", (r.answer[0],))[0]["FAQ_Answer__c"]
    assert "invalid configuration" in body

    r = next(x for x in rows["b2c", "lead_qualification"] if x.answer == ["Budget"])
    call = contexts["b2c"].sql("SELECT Body__c, CreatedDate FROM VoiceCallTranscript__c WHERE LeadId__c = ? ORDER BY "
                               "CreatedDate DESC LIMIT 1", (r.facts["lead"],))[0]
    assert "$" in call["Body__c"] and "budget of at least $500 " in r.metadata.required and call["CreatedDate"][:10] <= r.today

    r = rows["b2b", "case_routing"][0]
    assert r.facts["subject"] in r.query and r.facts["description"] in r.query


def test_an_evidence_request_in_the_chat_does_not_cover_a_fix_in_the_emails():
    from crmweaver.tasks.families.policy_violation_identification import breaches

    fix, evidence = "reissue the license file for the new host ID", "the lmhostid output of the license server"
    email = ["No problem, I've reissued the license file for your new host ID, so you should be all set."]
    chat = ["Could you please share the lmhostid output of the license server?", "Thanks. I've reissued the license file for your new host ID."]
    assert breaches([email, chat], fix, evidence, ["a refund of the maintenance fee"]) == ["skip"]
    assert breaches([[], chat], fix, evidence, ["a refund of the maintenance fee"]) == []
    assert breaches([chat[1:] + chat[:1]], fix, evidence, []) == ["skip"]  # fixed first, asked after: too late
