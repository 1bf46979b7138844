"""Customer service: cases on purchased products, their owner histories, email threads and live chats.

Cases are about an order item the account bought before the case; issues follow per-product
tendencies (plus a few monthly spikes per product), owners follow agent issue specialities, and
handle times and transfers follow agent traits, so the database task types have clear answers.
Every issue has a solution article (how its cases are resolved); in about a quarter of the cases
with emails or a chat the agent departs from it (fixes without the evidence it requires, or offers
a remedy it rules out), and most other such cases show the agent following it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from datetime import date, datetime, timedelta

from crmweaver.org import gen_text as T
from crmweaver.org.gen_base import Ctx, at_day, cumulative, weighted_index
from crmweaver.org.gen_people import Agent, Customer

CASE_VIOLATION_RATE = 0.25
RESOLVED_IN_TEXT = 0.8  # compliant cases whose conversation shows the resolution
EMAIL_THREAD_RATE = 0.85
SPIKE_SHARE = 0.12  # cases that form monthly spikes for one product
PRIORITY_W = (("Low", 25), ("Medium", 40), ("High", 25), ("Critical", 10))
BASE_HOURS = {"Critical": 10, "High": 30, "Medium": 55, "Low": 80}


def build_cases(ctx: Ctx) -> None:
    rng, st, cat = ctx.rng("cases"), ctx.state, ctx.catalog
    n = ctx.count("Case")
    items = st["order_items"]  # (effective date, order item id, account id, product idx), by date
    dates = [it[0] for it in items]
    agents: list[Agent] = st["service_agents"]
    agent_cum = cumulative([a.weight for a in agents])
    specialists = {i: [a for a in agents if i in a.specialities] for i in range(len(cat.issues))}
    n_issues = len(cat.issues)
    issue_cum = {}
    for p in range(len(cat.products)):
        fits = [i for i in range(n_issues) if cat.issues[i].affects(cat.products[p].category)]  # B2B: every issue
        w = [0.3 if i in fits else 0.0 for i in range(n_issues)]
        for i in rng.sample(fits, 3):
            w[i] += rng.choice((2.0, 4.0, 7.0))
        issue_cum[p] = cumulative(w)

    # case dates and order items: recency-weighted dates, plus spikes of one product in one month
    specs: list[tuple[datetime, tuple]] = []
    first_day = dates[0] + timedelta(days=2)
    n_spike = int(n * SPIKE_SHARE) if n >= 20 else 0
    old = [it for it in items if it[0] < ctx.today - timedelta(days=400)]
    while n_spike > 0 and old:
        k = min(n_spike, rng.randint(4, 6))
        p = rng.choice(old)[3]
        back = rng.randint(1, 11)
        m_start = _month_start(ctx.today, back)
        m_end = min(_month_start(ctx.today, back - 1), ctx.today) - timedelta(days=1)
        pool = [it for it in old if it[3] == p]
        for _ in range(k):
            specs.append((at_day(m_start + timedelta(days=rng.randint(0, (m_end - m_start).days)), rng), rng.choice(pool)))
        n_spike -= k
    while len(specs) < n:
        back = (ctx.today - first_day).days * rng.random() ** 1.5
        created = at_day(ctx.today - timedelta(days=int(back)), rng)
        hi = bisect_left(dates, created.date())
        if hi == 0:
            continue
        j = max(0, hi - 1 - int(rng.expovariate(1 / max(1.0, hi * 0.35))))
        specs.append((created, items[j]))
    specs.sort(key=lambda s: (s[0], s[1][1]))

    prio_cum = cumulative([w for _, w in PRIORITY_W])
    solutions = {a.issue: a for a in cat.articles if a.kind == "solution"}
    res_rng = ctx.rng("case_resolutions")
    n_chat = min(n, ctx.count("LiveChatTranscript"))
    chat_cases = set(rng.sample(range(n), n_chat))
    accounts = st["account_by_id"]
    art_ids = st["article_ids"]
    b2c = ctx.preset == "b2c"
    case_rows = []
    for k, (created, (_, oi_id, acc_id, p)) in enumerate(specs):
        created = min(created, ctx.now - timedelta(hours=1))
        account = accounts[acc_id]
        contact: Customer = rng.choice(account.contacts)
        issue_idx = weighted_index(rng, issue_cum[p])
        issue, product = cat.issues[issue_idx], cat.products[p]
        has_mail = rng.random() < EMAIL_THREAD_RATE
        has_chat = k in chat_cases
        solution = solutions[issue.name]
        violation, mode = None, None
        if has_mail or has_chat:  # its own stream: how a case is resolved never moves the case data
            if res_rng.random() < CASE_VIOLATION_RATE:
                violation, mode = solution, res_rng.choice(("skip", "forbidden"))
            elif res_rng.random() < RESOLVED_IN_TEXT:
                mode = res_rng.choice(("follow", "follow", "decline"))
        priority = PRIORITY_W[weighted_index(rng, prio_cum)][0]
        # owners: first owner, then transfers driven by each holder's tendency
        spec = specialists[issue_idx]
        first = rng.choice(spec) if spec and rng.random() < 0.6 else agents[weighted_index(rng, agent_cum)]
        chain = [first]
        while len(chain) < 4 and rng.random() < chain[-1].transfer_rate * (1.0 if len(chain) == 1 else 0.9):
            nxt = rng.choice(spec) if spec and rng.random() < 0.5 else agents[weighted_index(rng, agent_cum)]
            if nxt is not chain[-1]:
                chain.append(nxt)
        owner = chain[-1]
        hours = BASE_HOURS[priority] * owner.handle_factor * math.exp(rng.gauss(0, 0.45)) * (1 + 0.3 * (len(chain) - 1))
        closed = created + timedelta(seconds=int(max(0.5, hours) * 3600))
        is_closed = closed <= ctx.now and rng.random() < 0.95
        end = closed if is_closed else ctx.now
        if is_closed:
            status = "Closed"
        elif priority == "Critical" or rng.random() < 0.2:
            status = "Escalated"
        else:
            status = "New" if len(chain) == 1 and rng.random() < 0.4 else "Working"
        subject, description = T.case_text(rng, issue, product.name, b2c=b2c, category=product.category)
        cid = ctx.add("Case", Subject=subject, Description=description, Status=status, Priority=priority,
                      CreatedDate=created, ClosedDate=closed if is_closed else None, OwnerId=owner.id,
                      AccountId=acc_id, ContactId=contact.id, OrderItemId__c=oi_id, IssueId__c=st["issue_ids"][issue_idx])
        # history: creation, transfers at increasing times, closure
        n_tr = len(chain) - 1
        span = max(n_tr + 1, int((end - created).total_seconds()) - 1)
        offs = sorted(rng.sample(range(1, span), n_tr)) if n_tr and span > n_tr + 1 else list(range(1, n_tr + 1))
        ctx.add("CaseHistory__c", CaseId__c=cid, Field__c="Case Creation", OldValue__c=None, NewValue__c=first.id,
                CreatedDate=created)
        for j, off in enumerate(offs):
            ctx.add("CaseHistory__c", CaseId__c=cid, Field__c="Owner Assignment", OldValue__c=chain[j].id,
                    NewValue__c=chain[j + 1].id, CreatedDate=created + timedelta(seconds=off))
        if is_closed:
            ctx.add("CaseHistory__c", CaseId__c=cid, Field__c="Case Closed", OldValue__c=None, NewValue__c=owner.id,
                    CreatedDate=closed)
        resolution = (dict(solution.rule.params), mode) if mode else None
        case_rows.append((cid, created, end, subject, issue, product, contact, owner, priority, has_mail, has_chat,
                          resolution, acc_id))
        if has_mail or has_chat:
            ctx.fact(cid, "case_violation", None if violation is None else
                     {"article": art_ids[violation.title], "kind": mode, "title": violation.title})
    st["cases"] = case_rows


def build_case_messages(ctx: Ctx) -> None:
    """Email threads and chats of the cases; the case's resolution (followed or not) goes into one of them."""
    rng, st, cat = ctx.rng("case_messages"), ctx.state, ctx.catalog
    comps = list(cat.competitors)
    n_service = 0
    chat_no = 0
    b2c = ctx.preset == "b2c"
    for (cid, created, end, subject, issue, product, contact, owner, priority, has_mail, has_chat, resolution,
         acc_id) in st["cases"]:
        customer = T.Person(contact.first, contact.last, contact.email, None if b2c else contact.title)
        agent = T.Person(owner.first, owner.last, owner.email, owner.title)
        in_chat = resolution is not None and has_chat and (not has_mail or rng.random() < 0.5)
        if has_chat:
            start = created + min(timedelta(minutes=rng.randint(1, 20)), (end - created) / 10)
            body, chat_end = T.chat_transcript(rng, issue=issue, product=product, customer=customer, agent=agent,
                                               start=start, competitors=comps, b2c=b2c, decoy_rate=0.0,
                                               resolution=resolution if in_chat else None)
            chat_no += 1
            ctx.add("LiveChatTranscript", Body=body, EndTime=chat_end, CaseId=cid, AccountId=acc_id,
                    ContactId=contact.id, OwnerId=owner.id, LiveChatVisitorId=f"5717{chat_no + 10_000:07d}")
        if has_mail:
            n = rng.randint(2, 8)
            in_mail = resolution is not None and not in_chat
            if in_mail:
                n = max(n, 2 if resolution[1] == "skip" else 4)
            lo = created + min(timedelta(minutes=5), (end - created) / 20)
            drafts = T.service_emails(rng, case_subject=subject, issue=issue, product=product, customer=customer,
                                      agent=agent, start=lo, end=end, n=n, competitors=comps, b2c=b2c,
                                      decoy_rate=0.0, resolution=resolution if in_mail else None)
            for d in drafts:
                ctx.add("EmailMessage", Subject=d.subject, TextBody=d.body, FromAddress=d.from_address,
                        ToIds=contact.id if d.from_agent else owner.id, MessageDate=d.sent, ParentId=cid,
                        RelatedToId=cid)
            n_service += len(drafts)
    st["n_service_emails"] = n_service


def _month_start(today: date, back: int) -> date:
    y, m = today.year, today.month - back
    while m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1)
