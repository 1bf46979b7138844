"""org.dialogue: determinism, timestamps, planted policy facts, BANT figures, competitor counts, variety."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest

from crmweaver.org import dialogue as D
from crmweaver.org import dialogue_phrases
from crmweaver.org.catalog import SERVICE_RULE_KINDS
from crmweaver.org.catalog_kb import catalog

START = datetime(2024, 3, 4, 9, 15)
END = START + timedelta(days=4)
CUST = D.Person("Sam", "Lee", "sam.lee@example.com", "Design Engineer")
AGENT = D.Person("Jane", "Doe", "jane.doe@voltaris.example")
CHAT_LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (Agent|Visitor) [^:]+: \S.*$")
CALL_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\] [^:\[]+: \S.*$")


@pytest.fixture(scope="module", params=["b2b", "b2c"])
def cat(request):
    return catalog(request.param, 0)


def _policy(cat, kind):
    return cat.rules(kind)[0]


def _emails(cat, seed, violation=None, n=4, **kw):
    rng = random.Random(seed)
    return D.service_emails(
        rng, case_subject="It stopped working", issue=cat.issues[seed % len(cat.issues)],
        product=cat.products[seed % len(cat.products)], customer=CUST, agent=AGENT, start=START, end=END,
        n=n, violation=violation, b2c=cat.preset == "b2c", competitors=cat.competitors, **kw,
    )


def _chat(cat, seed, violation=None, **kw):
    rng = random.Random(seed)
    return D.chat_transcript(
        rng, issue=cat.issues[seed % len(cat.issues)], product=cat.products[seed % len(cat.products)],
        customer=CUST, agent=AGENT, start=START, violation=violation, b2c=cat.preset == "b2c",
        competitors=cat.competitors, **kw,
    )


def _agent_texts(cat, seed, violation=None, **kw):
    """Agent-side text of one email thread (even seeds) or chat (odd seeds), plus the whole text."""
    if seed % 2:
        body, _ = _chat(cat, seed, violation, **kw)
        agent = [ln for ln in body.splitlines() if "] Agent " in ln]
        return "\n".join(agent), body
    mails = _emails(cat, seed, violation, n=2 + seed % 5, **kw)
    return "\n".join(m.body for m in mails if m.from_agent), "\n".join(m.body for m in mails)


def test_deterministic(cat):
    assert _emails(cat, 3) == _emails(cat, 3)
    assert _chat(cat, 3) == _chat(cat, 3)
    bant_met = dict.fromkeys(D.BANT_FACTORS, True)
    a = D.lead_call(random.Random(1), lead=CUST, company="Acme", agent=AGENT, product=cat.products[0],
                    start=START, bant_met=bant_met, bant=cat.bant)
    b = D.lead_call(random.Random(1), lead=CUST, company="Acme", agent=AGENT, product=cat.products[0],
                    start=START, bant_met=bant_met, bant=cat.bant)
    assert a == b


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_email_times_and_roles(cat, n):
    for seed in range(20):
        mails = _emails(cat, seed, n=n)
        assert len(mails) == n
        assert not mails[0].from_agent
        sent = [m.sent for m in mails]
        assert all(START <= t <= END for t in sent)
        assert all(a < b for a, b in zip(sent, sent[1:]))
        for m in mails:
            assert m.from_address == (AGENT.email if m.from_agent else CUST.email)
            assert "{" not in m.body and "}" not in m.body
    tight = _emails(cat, 1, n=5)  # sub-second spans still increase strictly
    short = D.service_emails(random.Random(0), case_subject="x", issue=cat.issues[0], product=cat.products[0],
                             customer=CUST, agent=AGENT, start=START, end=START + timedelta(seconds=2), n=5)
    assert tight and all(a.sent < b.sent for a, b in zip(short, short[1:]))


def test_chat_format(cat):
    for seed in range(30):
        body, end = _chat(cat, seed)
        lines = body.splitlines()
        assert all(CHAT_LINE.match(ln) for ln in lines), body
        assert f"Agent {AGENT.name}" in body and f"Visitor {CUST.name}" in body
        assert end > START and "{" not in body


def _ints(pattern, text):
    return [int(x.replace(",", "")) for x in re.findall(pattern, text)]


def _breaks(kind, params, agent, whole):
    """Whether the text shows the planted breach of a rule of this kind (the fact a reader checks)."""
    if kind == "refund_window":
        days = _ints(r"(\d+) days (?:ago|since)", whole)
        granted = re.search(r"(approved|processed|issued)[^.]*refund|refund[^.]*(approved|processed)", agent)
        return bool(granted) and max(days) > params["days"]
    if kind == "credit_limit":
        return any(x > params["max_amount"] for x in _ints(r"credit of \$([\d,]+)", agent))
    if kind == "identity_verification":
        return "card ending in" in agent and bool(re.search(r"(skip|without verifying|Don't worry about the verification)", agent))
    if kind == "no_roadmap_promises":
        return any(m in agent for m in dialogue_phrases.MONTHS) and bool(re.search(r"(release in|release, which|release;|promise you)", agent))
    if kind == "no_competitor_disparagement":
        return bool(re.search(r"\b(junk|garbage|a joke|a mess)\b", agent))
    if kind == "escalation":
        hours = _ints(r"(\d+) hours", agent)
        stalled = re.search(r"(rather than escalating|haven't escalated|escalation is needed yet)", agent)
        return bool(stalled) and max(hours) > params["hours"]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", SERVICE_RULE_KINDS)
def test_violation_states_checkable_fact(cat, kind):
    art = _policy(cat, kind)
    for seed in range(24):
        agent, whole = _agent_texts(cat, seed, art)
        assert _breaks(kind, art.rule.params, agent, whole), (seed, whole)


@pytest.mark.parametrize("kind", SERVICE_RULE_KINDS)
def test_no_violation_no_breach(cat, kind):
    policies = [_policy(cat, k) for k in SERVICE_RULE_KINDS]
    art = _policy(cat, kind)
    decoys = 0
    for seed in range(80):
        for kw in ({}, {"policies": policies}, {"policies": policies, "decoy_rate": 1.0}):
            agent, whole = _agent_texts(cat, seed, None, **kw)
            assert not _breaks(kind, art.rule.params, agent, whole), (seed, kw, whole)
            decoys += "refund" in whole or "credit" in whole or "roadmap" in whole
    assert decoys > 20  # compliant look-alike scenarios do appear


def test_critical_priority_is_escalated_promptly(cat):
    policies = [_policy(cat, k) for k in SERVICE_RULE_KINDS]
    hours = _policy(cat, "escalation").rule.params["hours"]
    for seed in range(20):
        mails = _emails(cat, seed, n=4, policies=policies, priority="Critical")
        first_agent = next(m for m in mails if m.from_agent)
        assert "escalat" in first_agent.body
        assert first_agent.sent - mails[0].sent <= timedelta(hours=hours)


def test_email_variety(cat):
    bodies = [m.body for seed in range(50) for m in _emails(cat, seed, n=4)]
    assert len(bodies) == 200 and len(set(bodies)) >= 190
    chats = {_chat(cat, seed)[0].split("] ", 1)[1] for seed in range(100)}
    assert len(chats) >= 95


def test_sales_emails(cat):
    for stage in ("Qualification", "Discovery", "Quote", "Negotiation", "Closed"):
        mails = D.sales_emails(random.Random(7), opportunity="Acme - Expansion", product=cat.products[2], contact=CUST,
                               agent=AGENT, stage=stage, start=START, end=END, n=5, b2c=cat.preset == "b2c")
        assert len(mails) == 5 and all(START <= m.sent <= END for m in mails)
        assert all(a.sent < b.sent for a, b in zip(mails, mails[1:]))
        assert all("{" not in m.body for m in mails)
        assert not any(k.name in m.body for k in cat.competitors for m in mails)


def _call_lines(body):
    lines = body.splitlines()
    stamps = []
    for ln in lines:
        m = CALL_LINE.match(ln)
        assert m, ln
        stamps.append(datetime.fromisoformat(m.group(1)))
    assert all(a <= b for a, b in zip(stamps, stamps[1:])) and stamps[0] >= START
    return lines


def test_lead_call_bant(cat):
    bant = cat.bant
    consumer = cat.preset == "b2c"
    for seed in range(64):
        met = {f: bool(seed >> i & 1) for i, f in enumerate(D.BANT_FACTORS)}
        lead = D.Person("Ana", "Ruiz", "ana@example.com", None if consumer else "Research Analyst")
        body, end = D.lead_call(random.Random(seed), lead=lead, company=None if consumer else "Acme Corp",
                                agent=AGENT, product=cat.products[seed % len(cat.products)], start=START,
                                bant_met=met, bant=bant)
        _call_lines(body)
        assert end > START
        lead_text = "\n".join(ln for ln in body.splitlines() if "] Ana Ruiz:" in ln)
        budgets = _ints(r"\$([\d,]+)", body)
        assert len(budgets) == 1 and (budgets[0] >= bant["budget_min"]) == met["Budget"]
        months = _ints(r"(\d+) months?\b", body)
        assert len(months) == 1 and (months[0] <= bant["timeline_max_months"]) == met["Timeline"]
        says_title = [t for t in bant["authority_titles"] if t in lead_text]
        assert says_title
        cannot = re.search(r"can't|not my decision|don't have authority", lead_text)
        assert bool(cannot) != met["Authority"]
        no_need = re.search(r"no active project|don't have a concrete need|just browsing|don't really need|no real need", lead_text)
        assert bool(no_need) != met["Need"]


def test_opportunity_call_mentions(cat):
    names = [k.name for k in cat.competitors]
    for seed in range(40):
        rng = random.Random(seed)
        picked = rng.sample(names, rng.randint(0, 3))
        comps = [k for i, k in enumerate(picked) for _ in range(i + 1)]  # strict maximum: the last picked
        topics = rng.sample(D.SUB_TOPICS, 4)
        neg, pos = topics[: rng.randint(0, 2)], topics[2:4]
        body, end = D.opportunity_call(random.Random(seed), contact=CUST, agent=AGENT, product=cat.products[seed % 5],
                                       start=START, competitors=comps, negative_topics=neg, positive_topics=pos,
                                       b2c=cat.preset == "b2c")
        _call_lines(body)
        for name in names:
            assert body.count(name) == comps.count(name), (name, body)
        low = body.lower()
        for t in D.SUB_TOPICS:  # said in lower case, only when planted
            assert (t.lower() in low) == (t in neg or t in pos), (t, body)


def test_subtopics():
    assert len(D.SUB_TOPICS) >= 10 and D.BANT_FACTORS == ("Budget", "Authority", "Need", "Timeline")
    assert D.Person("A", "B", "a@b.c").name == "A B"


def test_chat_states_real_hours_since_report(cat):
    """With `reported`, a stalled escalation states the whole hours between the report and the chat."""
    art = _policy(cat, "escalation")
    limit = art.rule.params["hours"]
    for seed in range(10):
        reported = START - timedelta(hours=limit + 1 + seed, minutes=seed * 7)
        body, _ = D.chat_transcript(random.Random(seed), issue=cat.issues[seed], product=cat.products[seed],
                                    customer=CUST, agent=AGENT, start=START, violation=art, b2c=cat.preset == "b2c",
                                    competitors=cat.competitors, reported=reported)
        gap = int((START - reported).total_seconds() // 3600)
        assert f"I first reported it {gap} hours ago" in body and f"{gap} hours" in body.split("] Agent", 2)[-1]


def test_stalled_email_comes_after_the_deadline(cat):
    art = _policy(cat, "escalation")
    limit = timedelta(hours=art.rule.params["hours"])
    for seed in range(30):
        mails = _emails(cat, seed, art, n=2 + seed % 6)
        stalled = next(m for m in mails if m.from_agent and re.search(r"haven't escalated|rather than escalating|escalation is needed", m.body))
        hours = int(re.search(r"(\d+) hours", stalled.body)[1])
        assert mails[0].sent == START and stalled.sent - START > limit
        assert timedelta(hours=hours) <= stalled.sent - START


def test_b2c_service_text_has_no_software_talk():
    cat = catalog("b2c", 0)
    policies = [_policy(cat, k) for k in SERVICE_RULE_KINDS]
    b2b_words = re.compile(r"\b(engineers?|Tier 2|production environment|our team|workstations?|portal|license)\b")
    for seed in range(40):
        for kw in ({"violation": policies[seed % len(policies)]}, {"policies": policies, "decoy_rate": 1.0}):
            _, whole = _agent_texts(cat, seed, **kw)
            assert not b2b_words.search(whole), (seed, whole)
