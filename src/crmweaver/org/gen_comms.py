"""Leads with their qualification calls, and the opportunities' sales emails and calls.

Lead calls state BANT facts; the latest call of a lead states the current truth (earlier calls
may show factors not yet met; an unqualified lead misses one factor in most cases), and a lead's
calls fall within a few months of its creation, so leads of every period of the history have them. Opportunity calls name competitors (one strictly most-mentioned
competitor per opportunity; one "hot" competitor per quarter across the org) and carry
negative/positive sentiment about sub-topics.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crmweaver.org import gen_names as N
from crmweaver.org import gen_text as T
from crmweaver.org.gen_base import Ctx, allocate, at_day, cumulative, weighted_index
from crmweaver.org.gen_people import AccountInfo, Agent
from crmweaver.org.gen_sales import Opp

LEAD_CALLS_PER_LEAD = {"b2b": 1.4, "b2c": 2.0}
OPEN_LEAD_STATUS = (("New", 25), ("Contacted", 30), ("Qualified", 15), ("Proposal", 8), ("Negotiation", 7), ("Closed", 15))
LEAD_WORKED_DAYS = (30, 240)  # an unconverted lead's calls fall within this many days of its creation
STAGE_TALK = {"Qualification": 0.6, "Discovery": 0.9, "Quote": 1.1, "Negotiation": 1.3, "Closed": 1.4}


def build_leads(ctx: Ctx) -> None:
    rng, st = ctx.rng("leads"), ctx.state
    agents: list[Agent] = st["sales_agents"]
    cum = cumulative([a.weight for a in agents])
    accounts: list[AccountInfo] = st["accounts"]
    by_state = st["accounts_by_state"]
    status_cum = cumulative([w for _, w in OPEN_LEAD_STATUS])
    b2b = ctx.preset == "b2b"
    companies = N.company_names(rng, 300) if b2b else []
    span = (ctx.now - datetime.combine(ctx.start, datetime.min.time())).days
    specs = []
    for _ in range(ctx.count("Lead")):
        owner = agents[weighted_index(rng, cum)]
        created = at_day(ctx.today - timedelta(days=1 + int((span - 1) * rng.random() ** 1.3)), rng)
        converted = created.date() <= ctx.today - timedelta(days=7) and rng.random() < owner.conversion
        if converted:
            conv = min(ctx.today, created.date() + timedelta(days=rng.randint(3, 120)))
            local = [a for s in owner.states for a in by_state.get(s, ())]
            acc = rng.choice(local) if local and rng.random() < 0.8 else rng.choice(accounts)
            con = rng.choice(acc.contacts)
            person = (con.first, con.last, con.email, con.title if b2b else None, acc.name if b2b else None)
            status, acc_id, con_id = "Closed", acc.id, con.id
        else:
            conv, acc_id, con_id = None, None, None
            first, last = rng.choice(N.FIRST_NAMES), rng.choice(N.LAST_NAMES)
            if b2b:
                company = rng.choice(companies)
                person = (first, last, f"{first.lower()}.{last.lower()}@{N.company_domain(company)}",
                          rng.choice(N.B2B_TITLES), company)
            else:
                person = (first, last, f"{first.lower()}{rng.randint(1, 999)}@{rng.choice(N.EMAIL_DOMAINS)}", None, None)
            status = OPEN_LEAD_STATUS[weighted_index(rng, status_cum)][0]
            if created.date() < ctx.today - timedelta(days=540) and rng.random() < 0.7:
                status = "Closed"
        specs.append((created, owner, person, status, conv, acc_id, con_id))
    specs.sort(key=lambda s: s[0])
    leads = []
    for created, owner, (first, last, email, title, company), status, conv, acc_id, con_id in specs:
        lid = ctx.add("Lead", FirstName=first, LastName=last, Email=email, Phone=N.phone(rng), Company=company,
                      Title=title, Status=status, OwnerId=owner.id, CreatedDate=created, IsConverted=conv is not None,
                      ConvertedDate=conv, ConvertedAccountId=acc_id, ConvertedContactId=con_id)
        leads.append((lid, created, owner, T.Person(first, last, email, title), company, status, conv))
    _lead_calls(ctx, leads)


def _lead_calls(ctx: Ctx, leads: list) -> None:
    rng, cat = ctx.rng("lead_calls"), ctx.catalog
    total = round(LEAD_CALLS_PER_LEAD[ctx.preset] * len(leads))
    per = allocate(total, [(0.3 if l[5] == "New" else 1.0) * rng.uniform(0.3, 1.7) for l in leads])
    n_calls = 0
    for (lid, created, owner, person, company, status, conv), n in zip(leads, per):
        if n == 0:
            continue
        if conv is not None:
            unmet: list[str] = []
        elif status in ("Qualified", "Proposal", "Negotiation"):
            unmet = [] if rng.random() < 0.7 else rng.sample(T.BANT_FACTORS, 1)
        elif status == "Closed":
            unmet = rng.sample(T.BANT_FACTORS, _unmet_count(rng))
        else:
            unmet = [] if rng.random() < 0.25 else rng.sample(T.BANT_FACTORS, _unmet_count(rng))
        unmet = [f for f in T.BANT_FACTORS if f in unmet]
        # a lead is worked for a few months: its calls end then (or at conversion), not at the org's clock
        worked = created + timedelta(days=rng.randint(*LEAD_WORKED_DAYS))
        end = datetime.combine(conv, datetime.min.time()) + timedelta(hours=8) if conv else min(worked, ctx.now - timedelta(hours=2))
        times = _call_times(rng, created + timedelta(hours=1), end, n)
        product = rng.choice(cat.products)
        agent = T.Person(owner.first, owner.last, owner.email, owner.title)
        for k, t in enumerate(times):
            now_unmet = set(unmet)
            if k < n - 1 and rng.random() < 0.6:
                now_unmet.add(rng.choice(T.BANT_FACTORS))  # earlier calls: not everything settled yet
            body, call_end = T.lead_call(rng, lead=person, company=company, agent=agent, product=product, start=t,
                                         bant_met={f: f not in now_unmet for f in T.BANT_FACTORS}, bant=cat.bant)
            ctx.add("VoiceCallTranscript__c", Body__c=body, CreatedDate=t, EndTime__c=call_end, LeadId__c=lid)
            n_calls += 1
        ctx.fact(lid, "lead_bant_unmet", unmet or None)
    ctx.state["n_lead_calls"] = n_calls


def _unmet_count(rng) -> int:
    """How many BANT factors an unqualified lead misses: mostly one (CRMArena-Pro: about 90 % of answers)."""
    r = rng.random()
    return 1 if r < 0.85 else 2 if r < 0.97 else 3


def build_opportunity_comms(ctx: Ctx) -> None:
    """Sales email threads (the rest of the EmailMessage target) and opportunity calls."""
    st, cat = ctx.state, ctx.catalog
    opps: list[Opp] = st["opps"]
    rng = ctx.rng("sales_emails")
    n_mail = max(0, ctx.count("EmailMessage") - st["n_service_emails"])
    per = allocate(n_mail, [STAGE_TALK[o.true_stage] * rng.uniform(0.5, 1.5) for o in opps])
    for opp, n in zip(opps, per):
        if n == 0:
            continue
        contact, agent = _persons(opp)
        end = at_day(opp.signed, rng) if opp.signed else ctx.now - timedelta(hours=1)
        drafts = T.sales_emails(rng, opportunity=opp.name, product=cat.products[opp.products[0]], contact=contact,
                                agent=agent, stage=opp.true_stage, start=opp.created + timedelta(minutes=30),
                                end=max(end, opp.created + timedelta(hours=2)), n=n,
                                b2c=ctx.preset == "b2c")
        for d in drafts:
            ctx.add("EmailMessage", Subject=d.subject, TextBody=d.body, FromAddress=d.from_address,
                    ToIds=opp.contact.id if d.from_agent else opp.owner.id, MessageDate=min(d.sent, ctx.now),
                    ParentId=None, RelatedToId=opp.id)

    rng = ctx.rng("opportunity_calls")
    n_calls = max(0, ctx.count("VoiceCallTranscript__c") - st["n_lead_calls"])
    per = allocate(n_calls, [STAGE_TALK[o.true_stage] * rng.uniform(0.5, 1.5) for o in opps])
    names = [c.name for c in cat.competitors]
    hot: dict[int, str] = {}
    for opp, n in zip(opps, per):
        if n == 0:
            continue
        q = opp.created.year * 4 + (opp.created.month - 1) // 3
        hot.setdefault(q, rng.choice(names))
        dominant = hot[q] if rng.random() < 0.5 else rng.choice(names)
        others = [c for c in names if c != dominant]
        topics = rng.sample(T.sub_topics(ctx.preset), rng.randint(2, 4))
        n_neg = rng.randint(1, len(topics) - 1)
        neg, pos = topics[:n_neg], topics[n_neg:]
        plans = []
        for k in range(n):
            comps = [dominant] * rng.choice((0, 1, 1, 2)) + ([rng.choice(others)] if rng.random() < 0.35 else [])
            plans.append([comps, [t for t in neg if rng.random() < 0.6], [t for t in pos if rng.random() < 0.5]])
        # every topic said at least once; the dominant competitor strictly most mentioned
        for t in neg:
            if not any(t in p[1] for p in plans):
                rng.choice(plans)[1].append(t)
        for t in pos:
            if not any(t in p[2] for p in plans):
                rng.choice(plans)[2].append(t)
        counts = _count(plans)
        while counts.get(dominant, 0) <= max([v for c, v in counts.items() if c != dominant], default=0):
            plans[-1][0].append(dominant)
            counts = _count(plans)
        contact, agent = _persons(opp)
        end = at_day(opp.signed, rng) if opp.signed else ctx.now - timedelta(hours=2)
        times = _call_times(rng, opp.created + timedelta(hours=1), max(end, opp.created + timedelta(days=1)), n)
        product = cat.products[opp.products[0]]
        for t, (comps, n_t, p_t) in zip(times, plans):
            rng.shuffle(comps)
            body, call_end = T.opportunity_call(rng, contact=contact, agent=agent, product=product, start=t,
                                                competitors=comps, negative_topics=n_t, positive_topics=p_t,
                                                b2c=ctx.preset == "b2c")
            vid = ctx.add("VoiceCallTranscript__c", Body__c=body, CreatedDate=t, EndTime__c=call_end,
                          OpportunityId__c=opp.id)
            ctx.fact(vid, "call_competitors", _count([[comps]]))
            ctx.fact(vid, "negative_topics", sorted(n_t))
            ctx.fact(vid, "positive_topics", sorted(p_t))
        ctx.fact(opp.id, "call_competitors", counts)
        ctx.fact(opp.id, "negative_topics", sorted(neg))
        ctx.fact(opp.id, "positive_topics", sorted(pos))


def _count(plans) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in plans:
        for c in p[0]:
            out[c] = out.get(c, 0) + 1
    return dict(sorted(out.items()))


def _persons(opp: Opp):
    c, o = opp.contact, opp.owner
    return T.Person(c.first, c.last, c.email, c.title), T.Person(o.first, o.last, o.email, o.title)


def _call_times(rng, lo: datetime, hi: datetime, n: int) -> list[datetime]:
    """n call start times in (lo, hi], on distinct days when the window allows, in increasing order."""
    days = (hi.date() - lo.date()).days
    if days - 1 >= n:
        return [at_day(lo.date() + timedelta(days=d), rng) for d in sorted(rng.sample(range(1, days), n))]
    step = max(timedelta(minutes=1), (hi - lo) / (n + 1))
    return [(lo + step * (i + 1)).replace(microsecond=0) for i in range(n)]
