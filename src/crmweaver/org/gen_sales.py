"""The sales pipeline: opportunities with line items, quotes (some breaking one sales rule), contracts,
orders and order items for won deals, tasks (some at the wrong stage or misfit) and events.

Every won opportunity (true stage 'Closed'; a quarter of them were never moved to StageName 'Closed'
by their rep, which wrong_stage_rectification asks about) has exactly one contract and one order
with the same products; so Contract and Order counts match and sales-cycle / sales-amount answers
follow from the agents' hidden `cycle_days` and workload. Quote rule breaks follow CRMArena-Pro's
priors: pricing breaks are mostly of the volume-discount rule, configuration breaks spread over
the few generic configuration articles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crmweaver.org import gen_text as T
from crmweaver.org.catalog import CONFIG_RULE_KINDS, PRICING_RULE_KINDS, Article
from crmweaver.org.gen_base import Ctx, allocate, at_day, cumulative, rand_dt, weighted_index
from crmweaver.org.gen_people import AccountInfo, Agent, Customer
from crmweaver.org.gen_quotes import LinePlanner, plan_opportunity
from crmweaver.org.schema import STAGES

OPEN_STAGES = STAGES[:4]
PROBABILITY = {"Qualification": 10, "Discovery": 25, "Quote": 50, "Negotiation": 75, "Closed": 100}
OPEN_AGE_DAYS = {"Qualification": 45, "Discovery": 80, "Quote": 120, "Negotiation": 150}
WRONG_STAGE_RATE = 0.15  # share of open opportunities whose StageName contradicts their tasks
LEFT_OPEN_RATE = 0.25  # share of won deals whose rep never moved StageName to 'Closed' (their tasks say Closed)
MISFIT_RATE = 0.12  # share of other open opportunities given 'Not Started' tasks of other stages
MISFIT_COUNTS = ((4, 30), (5, 35), (6, 20), (7, 15))  # how many (weights): CRMArena-Pro lists 4-7 tasks, mean about 5
QUOTE_VIOLATION_RATE = 0.4  # share of quoted opportunities whose quotes break a sales rule
CONFIG_SHARE = 0.5  # of those, configuration rules (all quotes of the opportunity) rather than pricing (one quote)
VOLUME_SHARE = 0.85  # pricing breaks of the volume-discount rule (CRMArena-Pro's quote_approval cites it nearly always)
TASK_PRIORITY_W = (("Low", 25), ("Medium", 45), ("High", 22), ("Urgent", 8))


@dataclass
class Opp:
    id: str
    owner: Agent
    account: AccountInfo
    contact: Customer
    true_stage: str
    stage: str
    created: datetime
    close: date
    name: str = ""
    products: list[int] = field(default_factory=list)  # product indexes of the lines
    signed: date | None = None  # the date the deal was signed (CompanySignedDate in B2B)


def build_sales(ctx: Ctx) -> None:
    rng, st, cat = ctx.rng("opportunities"), ctx.state, ctx.catalog
    n_opp = ctx.count("Opportunity")
    n_quotes = ctx.count("Quote")
    bearing = min(n_opp, max(1, round(n_quotes / 1.1)))
    n_two = max(0, min(bearing, n_quotes - bearing))
    n_closed = min(bearing, ctx.count("Contract"))
    n_quote_stage = (bearing - n_closed) * 45 // 100
    n_neg = bearing - n_closed - n_quote_stage
    n_early = n_opp - bearing
    stages = (["Closed"] * n_closed + ["Quote"] * n_quote_stage + ["Negotiation"] * n_neg
              + ["Qualification"] * (n_early // 2) + ["Discovery"] * (n_early - n_early // 2))
    rng.shuffle(stages)

    agents: list[Agent] = st["sales_agents"]
    agent_cum = cumulative([a.weight for a in agents])
    accounts: list[AccountInfo] = st["accounts"]
    by_state = st["accounts_by_state"]
    planner = LinePlanner(cat, ctx.preset)
    volume = cat.rules("volume_discount_cap")
    pricing = [a for k in PRICING_RULE_KINDS for a in cat.rules(k) if a not in volume]
    config = [a for k in CONFIG_RULE_KINDS for a in cat.rules(k)]
    two_quotes = set(rng.sample([i for i, s in enumerate(stages) if s in ("Quote", "Negotiation", "Closed")], n_two))
    n_lines = _line_counts(ctx, rng, stages, two_quotes)
    units = _units(ctx)
    has_company_signed = ctx.has("Contract", "CompanySignedDate")
    entry_field = "PriceBookEntryId" if ctx.has("OrderItem", "PriceBookEntryId") else "PricebookEntryId"
    pids, eids = st["product_ids"], st["entry_ids"]
    std_pb = st["pricebook_ids"][0]
    art_ids = st["article_ids"]
    opps: list[Opp] = []
    order_items: list[tuple] = []  # (effective date, order item id, account id, product idx)

    for i, true_stage in enumerate(stages):
        owner = agents[weighted_index(rng, agent_cum)]
        local = [a for s in owner.states for a in by_state.get(s, ())]
        account = rng.choice(local) if local and rng.random() < 0.8 else rng.choice(accounts)
        contact = rng.choice(account.contacts)
        stage = true_stage
        if true_stage != "Closed" and rng.random() < WRONG_STAGE_RATE:
            stage = rng.choice([s for s in OPEN_STAGES if s != true_stage])
        elif true_stage == "Closed" and rng.random() < LEFT_OPEN_RATE:
            stage = rng.choice(("Negotiation", "Negotiation", "Quote"))
        signed = None
        if true_stage == "Closed":
            cycle = int(min(400, max(10, owner.cycle_days * math.exp(rng.gauss(0, 0.3)))))
            lo = ctx.start + timedelta(days=cycle + 5)
            span = (ctx.today - timedelta(days=3) - lo).days
            signed = lo + timedelta(days=int(span * rng.random() ** 0.8))
            created = at_day(signed - timedelta(days=cycle), rng)
            close = signed
        else:
            age = min(4 * 365, rng.expovariate(1 / OPEN_AGE_DAYS[true_stage]) + 2)
            created = rand_dt(rng, ctx.now - timedelta(days=age + 1), ctx.now - timedelta(days=age))
            cycle = int(max(14, owner.cycle_days * math.exp(rng.gauss(0, 0.3))))
            close = created.date() + timedelta(days=cycle)
        opp = Opp(ctx.new_id("Opportunity"), owner, account, contact, true_stage, stage, created, close, signed=signed)

        # quotes and their planted rule breaks
        n_q = (2 if i in two_quotes else 1) if true_stage in ("Quote", "Negotiation", "Closed") else 0
        plans: list[Article | None] = [None] * n_q
        if n_q and rng.random() < QUOTE_VIOLATION_RATE:
            if rng.random() < CONFIG_SHARE:
                plans = [rng.choice(config)] * n_q
            else:
                plans[rng.randrange(n_q)] = rng.choice(volume if volume and rng.random() < VOLUME_SHARE else pricing)
        lines, discounts, plans = plan_opportunity(planner, rng, n_lines[i], plans)
        opp.products = [p for p, _ in lines]
        main = cat.products[lines[0][0]].name
        opp.name = T.opportunity_name(rng, account.name, main, b2c=ctx.preset == "b2c")
        oli_ids = []
        amount = 0.0
        for p, q in lines:
            price = cat.products[p].list_price
            total = round(q * price, 2)
            amount += total
            oli_ids.append(ctx.add("OpportunityLineItem", OpportunityId=opp.id, Product2Id=pids[p],
                                   PricebookEntryId=eids[p], Quantity=float(q), TotalPrice=total))
        names = [cat.products[p].name for p, _ in lines]
        n_units = sum(q for _, q in lines)

        # quote dates: inside [created, signed) for won deals, [created, now] otherwise
        q_end = at_day(signed - timedelta(days=1), rng) if signed else ctx.now
        q_lo = max(created + timedelta(hours=1), q_end - timedelta(days=75)) if signed else created + timedelta(hours=1)
        q_times = sorted(rand_dt(rng, q_lo, max(q_lo, q_end)) for _ in range(n_q))
        for k, (plan, disc) in enumerate(zip(plans, discounts)):
            last = k == n_q - 1
            status = _quote_status(rng, true_stage, last)
            qid = ctx.add("Quote", Name=f"{opp.name} Quote{'' if n_q == 1 else f' v{k + 1}'}",
                          Description=T.quote_description(rng, names, n_units, units), OpportunityId=opp.id,
                          AccountId=account.id, ContactId=contact.id, Status=status, CreatedDate=q_times[k],
                          ExpirationDate=q_times[k].date() + timedelta(days=rng.choice((30, 45, 60, 90))))
            for (p, q), d, oli in zip(lines, disc, oli_ids):
                price = cat.products[p].list_price
                ctx.add("QuoteLineItem", QuoteId=qid, OpportunityLineItemId=oli, Product2Id=pids[p],
                        PricebookEntryId=eids[p], Quantity=float(q), UnitPrice=price, Discount=d,
                        TotalPrice=round(q * price * (1 - d / 100), 2))
            ctx.fact(qid, "quote_violation", None if plan is None else
                     {"article": art_ids[plan.title], "kind": plan.rule.kind, "title": plan.title})

        contract_id = None
        if signed is not None:
            customer_signed = signed - timedelta(days=rng.randint(0, max(0, min(7, (signed - created.date()).days - 1))))
            if not has_company_signed:
                customer_signed = signed
            start = min(ctx.today, signed + timedelta(days=rng.randint(0, 14)))
            term = rng.choice((12, 12, 24, 36))
            contract_id = ctx.add("Contract", AccountId=account.id, Status="Activated", StartDate=start,
                                  CustomerSignedDate=customer_signed, CompanySignedDate=signed, ContractTerm=term,
                                  Description=T.contract_description(rng, account.name, term, names, b2c=ctx.preset == "b2c"))
            order_id = ctx.add("Order", AccountId=account.id, OwnerId=owner.id, Pricebook2Id=std_pb,
                               ContractId=contract_id, Status="Draft" if start > ctx.today - timedelta(days=3) else "Activated",
                               EffectiveDate=start)
            for (p, q), d in zip(lines, discounts[-1]):
                price = cat.products[p].list_price
                oi = ctx.add("OrderItem", OrderId=order_id, Product2Id=pids[p], **{entry_field: eids[p]},
                             Quantity=float(q), UnitPrice=round(price * (1 - d / 100), 2))
                order_items.append((start, oi, account.id, p))
        ctx.tables["Opportunity"].add(
            Id=opp.id, Name=opp.name, Description=T.opportunity_description(rng, account.name, names, units, b2c=ctx.preset == "b2c"),
            AccountId=account.id, ContactId=contact.id, OwnerId=owner.id, ContractID__c=contract_id,
            Amount=round(amount, 2), Probability=float(PROBABILITY[stage]), StageName=stage, CreatedDate=created,
            CloseDate=close)
        ctx.fact(opp.id, "true_stage", true_stage)
        opps.append(opp)
    order_items.sort(key=lambda x: (x[0], x[1]))
    st["opps"], st["order_items"] = opps, order_items


REPAIR_DRIFT = 0.95  # rule repairs add companion products; draw a little fewer lines to compensate


def _line_counts(ctx: Ctx, rng, stages: list[str], two: set[int]) -> list[int]:
    """Lines per opportunity so that order items, quote lines and opportunity lines all hit their targets."""
    closed = [i for i, s in enumerate(stages) if s == "Closed"]
    quoted = [i for i, s in enumerate(stages) if s in ("Quote", "Negotiation")]
    early = [i for i, s in enumerate(stages) if s not in ("Quote", "Negotiation", "Closed")]
    out = [1] * len(stages)

    def fill(idx: list[int], total: float) -> None:
        for i, k in zip(idx, allocate(round(total * REPAIR_DRIFT), [rng.uniform(0.4, 1.6) for _ in idx], minimum=1)):
            out[i] = k

    fill(closed, ctx.count("OrderItem"))
    qli_left = ctx.count("QuoteLineItem") - sum(out[i] * (2 if i in two else 1) for i in closed)
    quotes_q = sum(2 if i in two else 1 for i in quoted) or 1
    fill(quoted, max(len(quoted), qli_left * len(quoted) / quotes_q))
    fill(early, max(len(early), ctx.count("OpportunityLineItem") - sum(out[i] for i in closed + quoted)))
    return out


def _units(ctx: Ctx) -> str:
    return "licenses" if ctx.preset == "b2b" else "units"


def _quote_status(rng, true_stage: str, last: bool) -> str:
    if not last:
        return rng.choice(("Rejected", "Denied", "Rejected"))
    if true_stage == "Closed":
        return "Accepted"
    if true_stage == "Negotiation":
        return rng.choice(("Presented", "Approved", "In Review", "Presented"))
    return rng.choice(("Draft", "Needs Review", "In Review", "Presented"))


def build_activities(ctx: Ctx) -> None:
    """Tasks from the stage→activity guide (with planted wrong stages and misfits) and events."""
    rng, st = ctx.rng("tasks"), ctx.state
    acts = ctx.catalog.stage_activities
    opps: list[Opp] = st["opps"]
    per, misfits = _task_counts(ctx, rng, opps)
    prio_cum = cumulative([w for _, w in TASK_PRIORITY_W])
    for i, (opp, n) in enumerate(zip(opps, per)):
        subjects = _sample_cycle(rng, acts[opp.true_stage], n)
        statuses = [_task_status(rng, opp) for _ in subjects]
        if i in misfits:  # k 'Not Started' tasks of one or two other stages; the stage keeps the majority
            others = rng.sample([s for s in STAGES if s != opp.stage], 2 if misfits[i] > 5 or rng.random() < 0.35 else 1)
            for j, subj in enumerate(rng.sample([a for s in others for a in acts[s]], misfits[i])):
                subjects[-1 - j], statuses[-1 - j] = subj, "Not Started"
            mixed = list(zip(subjects, statuses))
            rng.shuffle(mixed)  # misfits among the others, not the opportunity's last Task Ids
            subjects, statuses = [m[0] for m in mixed], [m[1] for m in mixed]
        fit = set(acts[opp.stage])
        end = min(ctx.today, opp.close) if opp.signed else ctx.today
        for subj, status in zip(subjects, statuses):
            if opp.signed or status in ("Completed", "In Progress", "Deferred"):
                day = _rand_day(rng, opp.created.date(), end)
            else:
                day = _rand_day(rng, max(opp.created.date(), ctx.today - timedelta(days=10)), ctx.today + timedelta(days=30))
            tid = ctx.add("Task", Subject=subj, Description=_task_desc(rng, opp, ctx), Status=status,
                          Priority=TASK_PRIORITY_W[weighted_index(rng, prio_cum)][0], ActivityDate=day,
                          OwnerId=opp.owner.id, WhatId=opp.id)
            if status == "Not Started" and subj not in fit:
                ctx.fact(tid, "task_misfit", True)
    # events
    erng = ctx.rng("events")
    cum = cumulative([1.0 + STAGES.index(o.true_stage) * 0.3 for o in opps])
    for _ in range(ctx.count("Event")):
        opp = opps[weighted_index(erng, cum)]
        hi = min(ctx.now, datetime.combine(opp.close, opp.created.time())) if opp.signed else ctx.now
        t = rand_dt(erng, opp.created, max(opp.created, hi)).replace(minute=erng.choice((0, 15, 30, 45)), second=0)
        t = max(t, opp.created.replace(second=0, microsecond=0) + timedelta(minutes=1))
        all_day = erng.random() < 0.05
        ctx.add("Event", Subject=erng.choice((T.EVENT_SUBJECTS_C if ctx.preset == "b2c" else T.EVENT_SUBJECTS)[opp.true_stage]),
                Description=f"{erng.choice(('Meeting with', 'Session with', 'Call with'))} {opp.contact.first} "
                            f"{opp.contact.last}{'' if ctx.preset == 'b2c' else f' ({opp.account.name})'} about {ctx.catalog.products[opp.products[0]].name}.",
                Location=erng.choice(T.LOCATIONS_C if ctx.preset == "b2c" else T.LOCATIONS), StartDateTime=t if not all_day else t.replace(hour=0, minute=0),
                DurationInMinutes=1440 if all_day else erng.choice((30, 45, 60, 60, 90, 120)), IsAllDayEvent=all_day,
                OwnerId=opp.owner.id, WhatId=opp.id)


def _task_counts(ctx: Ctx, rng, opps: list[Opp]) -> tuple[list[int], dict[int, int]]:
    """Tasks per opportunity (summing to the Task target), and {opportunity index: misfit count} for the
    opportunities that get misfits: each of those gets enough tasks of its own stage to keep the majority."""
    k_cum = cumulative([w for _, w in MISFIT_COUNTS])
    misfits = {i: MISFIT_COUNTS[weighted_index(rng, k_cum)][0] for i, o in enumerate(opps)
               if o.stage == o.true_stage and o.stage != "Closed" and rng.random() < MISFIT_RATE}
    per = [0] * len(opps)
    for i, k in misfits.items():
        per[i] = 2 * k + 1 + rng.randint(0, 3)
    rest = [i for i in range(len(opps)) if i not in misfits]
    left = max(len(rest), ctx.count("Task") - sum(per))
    for i, n in zip(rest, allocate(left, [rng.uniform(0.6, 1.4) for _ in rest], minimum=1)):
        per[i] = n
    return per, misfits


def _sample_cycle(rng, pool, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        out.extend(rng.sample(list(pool), min(len(pool), n - len(out))))
    return out


def _task_status(rng, opp: Opp) -> str:
    r = rng.random()
    if opp.signed:
        return "Completed" if r < 0.9 else "Deferred"
    for status, p in (("Completed", 0.35), ("In Progress", 0.55), ("Not Started", 0.88), ("Waiting", 0.94)):
        if r < p:
            return status
    return "Deferred"


def _rand_day(rng, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def _task_desc(rng, opp: Opp, ctx: Ctx) -> str:
    return rng.choice(T.TASK_DESC_C if ctx.preset == "b2c" else T.TASK_DESC).format(c=f"{opp.contact.first} {opp.contact.last}", a=opp.account.name,
                                          p=ctx.catalog.products[opp.products[0]].name,
                                          o=f"{opp.owner.first} {opp.owner.last}")
