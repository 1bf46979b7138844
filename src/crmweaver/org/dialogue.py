"""Seeded generators of the org's conversational long text: case emails, chats, sales emails, calls.

The task families read these texts to find planted facts (a policy breach, BANT factors, competitor
mentions, sub-topic sentiment), so each generator states its facts explicitly and with fixed
phrasings that a careful reader can check against the knowledge base, while the surrounding talk
is drawn from large template pools so no two texts read the same. The pools live in
dialogue_phrases; this module picks from them with `str.format_map`, and its output depends only
on the rng state and the arguments.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crmweaver.org import dialogue_phrases as P

# The sub-topic taxonomy of sales calls (sales_insight_mining answers with these Title-Case names);
# a call says a topic in lower case ("the implementation timeline is too long").
SUB_TOPICS: tuple[str, ...] = (
    "Pricing",
    "Product Features",
    "Customer Support",
    "Implementation Timeline",
    "Integration",
    "Licensing Terms",
    "Performance",
    "Documentation",
    "Contract Length",
    "Training",
    "Data Migration",
    "Onboarding",
)
# A shopper's sales call talks about other things than a software buyer's.
SUB_TOPICS_B2C: tuple[str, ...] = (
    "Pricing",
    "Delivery Time",
    "Product Quality",
    "Warranty",
    "Return Policy",
    "Sizing",
    "Durability",
    "Customer Service",
    "Financing Options",
    "Stock Availability",
)


def sub_topics(preset: str) -> tuple[str, ...]:
    """The sub-topics sales calls of a preset's org discuss (sales_insight_mining asks about them)."""
    return SUB_TOPICS_B2C if preset == "b2c" else SUB_TOPICS


BANT_FACTORS = ("Budget", "Authority", "Need", "Timeline")


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    title: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class EmailDraft:
    subject: str
    body: str
    from_address: str
    sent: datetime
    from_agent: bool = field(kw_only=True)


# ---------------------------------------------------------------------------------------------
# small helpers


def _attr(obj, name: str, default=None):
    return getattr(obj, name, default) if obj is not None else default


def _params(article) -> tuple[str | None, dict]:
    rule = _attr(article, "rule")
    if rule is None:
        return None, {}
    return rule.kind, dict(rule.params or {})


def _money(x: float) -> str:
    x = round(x)
    return f"${x:,}"


def _times(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    """n strictly increasing datetimes in [start, end], whole seconds when the span allows."""
    if n <= 0:
        return []
    span = int((end - start).total_seconds())
    if span + 1 >= n:
        offs = sorted(rng.sample(range(span + 1), n))
        return [start + timedelta(seconds=o) for o in offs]
    step = (end - start) / n  # sub-second spacing: still strictly increasing
    return [start + step * i for i in range(n)]


def _lc_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not s[:2].isupper() else s


def _sentence(s: str) -> str:
    s = s.strip()
    return s if s.endswith((".", "!", "?")) else s + "."


# ---------------------------------------------------------------------------------------------
# policy scenarios: (customer setup, agent response). Violating responses state the breach with
# the planted fact (days since purchase, credit amount, feature date, ...); compliant ones stay
# inside the rule, so a reader must compare against the article.


def _pool(name: str, *, b2c: bool) -> tuple:
    """The template pool of that name in dialogue_phrases; in a B2C org, its consumer variant where one exists."""
    return P.B2C[name] if b2c and name in P.B2C else getattr(P, name)


def _scenario(rng: random.Random, kind: str, params: dict, ctx: dict, *, violate: bool, b2c: bool) -> tuple[str, str]:
    """(customer setup, agent response) for one service-rule scenario."""
    c = rng.choice
    if kind == "refund_window":
        w = params.get("days")
        if violate:
            d = int(w or 30) + rng.randint(12, 90)
            ctx["d"] = d
            return c(_pool('REFUND_ASK', b2c=b2c)).format_map(ctx), c(P.REFUND_VIOLATE).format_map(ctx)
        if w is None:
            ctx["d"] = rng.randint(5, 120)
            return c(_pool('REFUND_ASK', b2c=b2c)).format_map(ctx), c(P.REFUND_FORWARD).format_map(ctx)
        w = int(w)
        ctx["w"] = w
        if rng.random() < 0.5 and w > 3:
            ctx["d"] = rng.randint(1, w - 2)
            return c(_pool('REFUND_ASK', b2c=b2c)).format_map(ctx), c(P.REFUND_APPROVE_OK).format_map(ctx)
        ctx["d"] = w + rng.randint(12, 90)
        return c(_pool('REFUND_ASK', b2c=b2c)).format_map(ctx), c(P.REFUND_DECLINE).format_map(ctx)
    if kind == "credit_limit":
        lim = params.get("max_amount")
        ctx["y"] = _money(25 * rng.randint(8, 40))
        if violate:
            base = float(lim or 150)
            ctx["x"] = _money(base + 25 * rng.randint(2, 30))
            return c(_pool('CREDIT_ASK', b2c=b2c)).format_map(ctx), c(_pool('CREDIT_GIVE', b2c=b2c)).format_map(ctx)
        if lim is not None and rng.random() < 0.6:
            hi = max(1, int(float(lim) // 5))
            ctx["x"] = _money(5 * rng.randint(max(1, hi // 4), hi))
            return c(_pool('CREDIT_ASK', b2c=b2c)).format_map(ctx), c(_pool('CREDIT_GIVE', b2c=b2c)).format_map(ctx)
        return c(_pool('CREDIT_ASK', b2c=b2c)).format_map(ctx), c(P.CREDIT_DECLINE).format_map(ctx)
    if kind == "identity_verification":
        ctx["order"] = f"{rng.randint(100, 999)}-{rng.randint(10000, 99999)}"
        ctx["qty"] = rng.randint(1, 25)
        ctx["card"] = f"{rng.randint(0, 9999):04d}"
        ctx["city"] = c(P.CITIES)
        ctx["date"] = f"{c(P.MONTHS)} {rng.randint(1, 28)}"
        details = c(_pool('ORDER_DETAILS', b2c=b2c)).format_map(ctx)
        ctx["details"] = details
        ctx["Details"] = details[:1].upper() + details[1:]
        if violate:
            return c(P.ID_FAIL).format_map(ctx), c(P.ID_VIOLATE).format_map(ctx)
        if rng.random() < 0.5:
            return c(P.ID_OK).format_map(ctx), c(P.ID_VERIFIED).format_map(ctx)
        return c(P.ID_FAIL).format_map(ctx), c(P.ID_DECLINE).format_map(ctx)
    if kind == "no_roadmap_promises":
        ctx["f"] = c(_pool('FEATURES', b2c=b2c))
        ctx["m"] = c(P.MONTHS)
        return c(_pool('ROADMAP_ASK', b2c=b2c)).format_map(ctx), c(P.ROADMAP_VIOLATE if violate else P.ROADMAP_OK).format_map(ctx)
    if kind == "no_competitor_disparagement":
        return c(_pool('COMP_ASK', b2c=b2c)).format_map(ctx), c(_pool('COMP_VIOLATE' if violate else 'COMP_OK', b2c=b2c)).format_map(ctx)
    if kind == "escalation":
        hours = int(params.get("hours") or 4)
        gap = ctx.get("gap_h", 0)
        ctx["h"] = gap if gap > hours else hours + rng.randint(3, 30)
        return c(_pool('ESC_ASK', b2c=b2c)).format_map(ctx), c(_pool('ESC_VIOLATE' if violate else 'ESC_OK', b2c=b2c)).format_map(ctx)
    raise ValueError(f"not a service rule kind: {kind!r}")


_DECOY_KINDS = (
    "refund_window", "credit_limit", "identity_verification",
    "no_roadmap_promises", "no_competitor_disparagement", "escalation",
)


def _plan_scenario(rng, violation, policies, priority, decoy_rate):
    """Pick the scenario to plant: (kind, params, violate) or None."""
    if violation is not None:
        kind, params = _params(violation)
        if kind not in _DECOY_KINDS:
            raise ValueError(f"violation must be a service_policy article, got rule kind {kind!r}")
        return kind, params, True
    by_kind = {}
    for art in policies or ():
        k, p = _params(art)
        if k in _DECOY_KINDS:
            by_kind[k] = p
    esc = by_kind.get("escalation")
    if priority is not None and priority == (esc or {}).get("priority", "Critical"):
        return "escalation", esc or {}, False  # a critical case must show a timely escalation
    if rng.random() < decoy_rate:
        k = rng.choice(_DECOY_KINDS)
        return k, by_kind.get(k, {}), False
    return None


# ---------------------------------------------------------------------------------------------
# issue resolutions: the agent follows the issue's solution article (asks for the evidence it names
# before the fix, offers only what it allows) or departs from it (fixes without the evidence, offers
# a remedy the article rules out). `resolution` = (the article's rule params, mode).

RESOLUTION_MODES = ("follow", "decline", "skip", "forbidden")  # the last two break the article


def resolution_turns(rng: random.Random, params: dict, mode: str) -> tuple[str | None, str, str]:
    """(agent's request for the evidence or None, the customer's message, the agent's resolution)."""
    if mode not in RESOLUTION_MODES:
        raise ValueError(f"unknown resolution mode {mode!r}; expected one of {RESOLUTION_MODES}")
    c = rng.choice
    slots = {"evidence": params["evidence"], "fix_done": params["fix_done"],
             "allowed": c(params["allowed"]), "forbidden": c(params["forbidden"])}
    if mode == "skip":
        return None, c(P.RES_RUSH), c(P.RES_DONE_RUSH).format_map(slots)
    ask = c(P.RES_ASK).format_map(slots)
    if mode == "follow":
        return ask, c(P.RES_GIVE), c(P.RES_DONE).format_map(slots)
    setup = c(P.RES_GIVE) + " " + c(P.RES_ASK_MORE)
    offer = P.RES_OFFER_BAD if mode == "forbidden" else P.RES_OFFER_OK
    return ask, setup, c(P.RES_DONE).format_map(slots) + " " + c(offer).format_map(slots)


def _ctx(issue, product, customer: Person, agent: Person, competitors) -> tuple[dict, list[str], list[str]]:
    iname = _attr(issue, "name", "an issue")
    by_category = getattr(issue, "symptoms_for", None)
    category = _attr(product, "category", "")
    symptoms = list(by_category(category) if by_category else (_attr(issue, "symptoms", ()) or ()))
    if not symptoms:
        desc = _attr(issue, "description", "")
        symptoms = [desc] if desc else ["It isn't working as expected."]
    comps = [_attr(k, "name", k) for k in competitors or ()] or list(P.FALLBACK_COMPETITORS)
    ctx = {
        "c": customer.first, "cn": customer.name, "a": agent.first, "an": agent.name,
        "p": _attr(product, "name", "the product"), "i": iname, "il": iname.lower(), "b2c": False,
    }
    return ctx, [_sentence(s) for s in symptoms], comps


def _customer_body(rng, ctx, role_idx: int, symptoms, setup, *, first: bool, fixed: bool) -> str:
    c = rng.choice
    b2c = ctx['b2c']
    parts = []
    if first:
        parts.append(c(P.C_GREET_FIRST))
        para = [c(_pool('C_OPEN', b2c=b2c)).format_map(ctx), c(symptoms)]
        if rng.random() < 0.6:
            para.append(c(_pool('C_CONTEXT', b2c=b2c)))
        if len(symptoms) > 1 and rng.random() < 0.35:
            other = c(symptoms)
            if other != para[1]:
                para.append("Also: " + _lc_first(other))
        parts.append(" ".join(para))
        parts.append(setup if setup else c(_pool('C_IMPACT', b2c=b2c)))
    else:
        parts.append(c(P.C_GREET).format_map(ctx))
        para = [c(P.C_FOLLOW)]
        if setup:
            para.append(c(_pool('C_TRIED_FAIL', b2c=b2c)) if rng.random() < 0.5 else c(_pool('C_DETAILS', b2c=b2c)))
            parts.append(" ".join(para))
            parts.append(setup)
        elif fixed:
            para.append(c(_pool('C_TRIED_OK', b2c=b2c)))
            para.append(c(P.C_THANKS))
            parts.append(" ".join(para))
        else:
            r = rng.random()
            if r < 0.4:
                para.append(c(_pool('C_DETAILS', b2c=b2c)))
            elif r < 0.75:
                para.append(c(_pool('C_TRIED_FAIL', b2c=b2c)))
            else:
                para = [c(_pool('C_WAITING', b2c=b2c))]
            if rng.random() < 0.3:
                para.append(c(_pool('C_CONTEXT', b2c=b2c)))
            parts.append(" ".join(para))
    sign = c(P.C_SIGN)
    signature = ctx["cn"] if rng.random() < 0.6 else ctx["c"]
    if ctx.get("ct") and rng.random() < 0.5:
        signature += "\n" + ctx["ct"]
    parts.append(f"{sign}\n{signature}" if sign else signature)
    return "\n\n".join(parts)


def _agent_body(rng, ctx, k: int, response, ask_id, *, last: bool, resolved: bool, nudge: bool, confirmed: bool) -> str:
    c = rng.choice
    b2c = ctx['b2c']
    parts = [c(P.A_GREET).format_map(ctx)]
    if nudge:
        parts.append(c(P.A_NUDGE) + " " + c(_pool('A_STEP', b2c=b2c)).format_map(ctx))
    elif k == 0:
        para = [c(_pool('A_ACK', b2c=b2c)).format_map(ctx), c(P.A_RESTATE).format_map(ctx)]
        if response is None or rng.random() < 0.5:
            para.append(c(_pool('A_ASK', b2c=b2c)).format_map(ctx))
            if rng.random() < 0.5:
                para.append(c(_pool('A_STEP', b2c=b2c)).format_map(ctx))
        parts.append(" ".join(para))
    elif last and resolved:
        if response:
            parts.append(response)
            response = None
        parts.append(c(P.A_CLOSE) if confirmed else c(P.A_WRAP))  # no generic fix claim: the resolution says what was done
    else:
        para = [c(_pool('A_STEP', b2c=b2c)).format_map(ctx)]
        if rng.random() < 0.5:
            para.append(c(_pool('A_STEP', b2c=b2c)).format_map(ctx))
        if rng.random() < 0.4:
            para.append(c(_pool('A_ASK', b2c=b2c)).format_map(ctx))
        parts.append(" ".join(para))
    if response:
        parts.append(response)
    if isinstance(ask_id, str):
        parts.append(ask_id)
    elif ask_id:
        parts.append(rng.choice(P.CH_A_ID_ASK))
    if not (last and resolved):
        parts.append(c(P.A_CHECK))
    parts.append(f"{c(P.A_SIGN)}\n{ctx['an']}\n{ctx['ar']}")
    return "\n\n".join(parts)


def service_emails(
    rng: random.Random,
    *,
    case_subject: str,
    issue,
    product,
    customer: Person,
    agent: Person,
    start: datetime,
    end: datetime,
    n: int,
    violation=None,
    policies: Sequence = (),
    priority: str | None = None,
    competitors: Sequence = (),
    decoy_rate: float = 0.35,
    b2c: bool = False,
    resolution: tuple[dict, str] | None = None,
) -> list[EmailDraft]:
    """An n-email case thread, customer first, mostly alternating, sent strictly increasing in [start, end].

    resolution: (the issue's solution-article rule params, mode): the thread alternates strictly and
    one agent email resolves the case as `resolution_turns` says, after asking for the evidence in an
    earlier email unless the mode skips it (needs n >= 4; n >= 2 for "skip").
    violation: a service_policy Article whose rule one agent email breaks, stating the checkable
    fact. Without it the agent stays within every rule; `policies` (the org's service-policy
    articles) lets compliant decoys use the real limits, `priority` = the escalation rule's priority
    makes the agent escalate promptly, `competitors` names whom a customer may bring up.
    """
    if n <= 0:
        return []
    ctx, symptoms, comps = _ctx(issue, product, customer, agent, competitors)
    ctx["b2c"] = b2c
    ctx["k"] = rng.choice(comps)
    ctx["ct"] = customer.title or ""
    ctx["ar"] = agent.title or rng.choice(_pool("A_ROLE", b2c=b2c))
    roles = ["C"]
    for _ in range(1, n):
        prev = roles[-1]
        if len(roles) >= 2 and rng.random() < 0.12:
            roles.append(prev)
        else:
            roles.append("A" if prev == "C" else "C")
    plan = resolution_turns(rng, *resolution) if resolution is not None else None
    if plan is not None:
        roles = ["C" if i % 2 == 0 else "A" for i in range(n)]
    scen = None if plan is not None else _plan_scenario(rng, violation, policies, priority, decoy_rate)
    if scen is not None and "A" not in roles:
        if violation is None and scen[0] != "escalation":
            scen = None
        else:
            roles[-1] = "A"  # n == 1: the one email is the agent's
    times = _times(rng, start, end, n)
    setup_at = resp_at = ask_at = -1
    setup = response = ask_text = None
    if scen is not None:
        kind, params, violate = scen
        agent_idx = [i for i, r in enumerate(roles) if r == "A"]
        if kind == "escalation":
            limit_s = float(params.get("hours") or 4) * 3600
            if violate:
                times[0] = start  # the report that opened the case: the stated hours count from here
                lo_s, hi_s = limit_s + 3600, limit_s + 31 * 3600  # an hour to a day past the deadline
                late = [i for i in agent_idx if lo_s < (times[i] - times[0]).total_seconds() <= hi_s]
                resp_at = rng.choice(late) if late else agent_idx[-1]
                after = n - 1 - resp_at
                room = min(hi_s, (end - times[0]).total_seconds() - 60 * (after + 1)) - lo_s
                if not late and resp_at > 0 and room > 0:  # move the stalled reply into that window
                    t = times[0] + timedelta(seconds=int(lo_s + 1 + rng.random() * room))
                    times[1:resp_at] = _times(rng, times[0] + timedelta(seconds=1), t - timedelta(seconds=1), resp_at - 1)
                    times[resp_at] = t
                    times[resp_at + 1:] = _times(rng, t + timedelta(seconds=1), end, after)
                ctx["gap_h"] = int((times[resp_at] - times[0]).total_seconds() // 3600)
            else:
                resp_at = agent_idx[0]
                if resp_at > 0:  # the first reply lands well inside the escalation window
                    nxt = times[resp_at + 1] if resp_at + 1 < n else end
                    cap = min(limit_s * 0.5, (nxt - times[0]).total_seconds() - 1, 3600)
                    if cap >= 60:
                        times[resp_at] = times[0] + timedelta(seconds=rng.randint(60, int(cap)))
            setup_at = 0 if roles[0] == "C" else -1
        else:
            prefer = []
            if kind == "identity_verification":  # ask for verification first, then the customer fails/passes
                prefer = [i for i in agent_idx if i >= 3 and roles[i - 1] == "C" and "A" in roles[: i - 1]]
            resp_at = rng.choice(prefer or agent_idx)
            setup_at = next((i for i in range(resp_at - 1, -1, -1) if roles[i] == "C"), -1)
            if prefer:
                ask_at = max(i for i in agent_idx if i < setup_at)
        setup, response = _scenario(rng, kind, params, ctx, violate=violate, b2c=b2c)
        if setup_at < 0:
            response = "To recap what you told us: \u201c" + setup + "\u201d " + response
    elif plan is not None:
        ask, setup, response = plan
        first = 3 if ask is not None else 1
        slots = [i for i in range(first, n, 2)]
        if not slots:
            raise ValueError(f"a {resolution[1]!r} resolution needs at least {first + 1} emails, got {n}")
        resp_at = rng.choice(slots)
        setup_at = resp_at - 1
        if ask is not None:
            ask_at = resp_at - 2
            ask_text = ask
    resolved = rng.random() < 0.75
    confirmed = resolved and n >= 2 and roles[-1] == "A" and roles[-2] == "C" and n - 2 != setup_at and rng.random() < 0.5
    subj = case_subject
    re = rng.choice(("Re: ", "RE: ", "Re: "))
    out: list[EmailDraft] = []
    ck = ak = 0
    for i, role in enumerate(roles):
        last = i == n - 1
        subject = subj if i == 0 else re + subj
        if role == "C":
            fixed = (last and resolved) or (confirmed and i == n - 2)
            body = _customer_body(rng, ctx, ck, symptoms, setup if i == setup_at else None, first=i == 0, fixed=fixed)
            ck += 1
            out.append(EmailDraft(subject, body, customer.email, times[i], from_agent=False))
        else:
            nudge = i > 0 and roles[i - 1] == "A" and i != resp_at
            asking = ask_text if (plan is not None and i == ask_at) else i == ask_at
            body = _agent_body(rng, ctx, ak, response if i == resp_at else None, asking,
                               last=last, resolved=resolved, nudge=nudge, confirmed=confirmed)
            ak += 1
            out.append(EmailDraft(subject, body, agent.email, times[i], from_agent=True))
    return out


# ---------------------------------------------------------------------------------------------
# sales emails


def sales_emails(
    rng: random.Random,
    *,
    opportunity: str,
    product,
    contact: Person,
    agent: Person,
    stage: str,
    start: datetime,
    end: datetime,
    n: int,
    b2c: bool = False,
) -> list[EmailDraft]:
    """An n-email thread on an opportunity whose content fits `stage` (no competitors, no sub-topic sentiment)."""
    if n <= 0:
        return []
    st = stage if stage in P.S_AGENT else "Qualification"
    ctx = {"c": contact.first, "a": agent.first, "p": _attr(product, "name", "our software"), "o": opportunity}
    c = rng.choice
    subject = c(_pool('S_SUBJECT', b2c=b2c)[st]).format_map(ctx)
    times = _times(rng, start, end, n)
    agent_turn = rng.random() < 0.7
    out = []
    for i in range(n):
        if i > 0 and rng.random() < 0.85:
            agent_turn = not agent_turn
        if b2c:
            pool = P.S_AGENT_C[st] if agent_turn else P.S_CONTACT_C[st]
        else:
            pool = P.S_AGENT[st] if agent_turn else P.S_CONTACT[st]
        k = 2 if agent_turn else 1
        lines = rng.sample(pool, min(len(pool), k + (rng.random() < 0.4)))
        opener = c(P.S_OPEN)
        if agent_turn:
            greet = c(("Hi {c},", "Hello {c},", "Dear {c},", "{c},", "Good morning {c},")).format_map(ctx)
            role = agent.title or c(("Sales Advisor", "Customer Advisor") if b2c else ("Account Executive", "Sales", "Account Manager"))
            sign = f"{c(P.A_SIGN)}\n{agent.name}\n{role}"
        else:
            greet = c(("Hi {a},", "Hello {a},", "{a},", "Hi,", "Dear {a},")).format_map(ctx)
            sign = f"{c(P.C_SIGN) or 'Thanks,'}\n{contact.name}"
        body = "\n\n".join(
            x for x in (greet, opener, " ".join(s.format_map(ctx) for s in lines), c(P.S_CLOSE), sign) if x
        )
        out.append(
            EmailDraft(
                subject if i == 0 else "Re: " + subject,
                body,
                agent.email if agent_turn else contact.email,
                times[i],
                from_agent=agent_turn,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# live chat


def _hms(t: datetime) -> str:
    return f"[{t.hour:02d}:{t.minute:02d}:{t.second:02d}]"


def chat_transcript(
    rng: random.Random,
    *,
    issue,
    product,
    customer: Person,
    agent: Person,
    start: datetime,
    violation=None,
    policies: Sequence = (),
    priority: str | None = None,
    competitors: Sequence = (),
    decoy_rate: float = 0.35,
    b2c: bool = False,
    reported: datetime | None = None,
    resolution: tuple[dict, str] | None = None,
) -> tuple[str, datetime]:
    """A live chat body (`[HH:MM:SS] Agent Name: ...` / `[HH:MM:SS] Visitor Name: ...`) and its end time.

    `resolution` as in `service_emails`: after the troubleshooting, the agent asks for the evidence
    (unless the mode skips it), the visitor answers and the agent resolves the case.
    Same violation semantics and keyword options as `service_emails`. `reported` (the case's
    creation) makes a stalled escalation state the real hours since then when they exceed the
    deadline; the caller starts such a chat late enough.
    """
    ctx, symptoms, comps = _ctx(issue, product, customer, agent, competitors)
    ctx["b2c"] = b2c
    if reported is not None:
        ctx["gap_h"] = int((start - reported).total_seconds() // 3600)
    ctx["k"] = rng.choice(comps)
    c = rng.choice
    s = c(symptoms)
    ctx["s"] = s
    ctx["sl"] = _lc_first(s)
    an = "Agent " + agent.name
    vn = "Visitor " + customer.name
    turns: list[tuple[str, str]] = [(an, c(P.CH_A_HELLO).format_map(ctx)), (vn, c(_pool('CH_V_PROBLEM', b2c=b2c)).format_map(ctx))]
    plan = resolution_turns(rng, *resolution) if resolution is not None else None
    scen = None if plan is not None else _plan_scenario(rng, violation, policies, priority, decoy_rate)
    setup = response = None
    if scen is not None:
        setup, response = _scenario(rng, scen[0], scen[1], ctx, violate=scen[2], b2c=b2c)
        if scen[0] == "escalation":
            if scen[2]:
                setup += f" I first reported it {ctx['h']} hours ago."
            turns.append((vn, setup))
            if not scen[2]:
                turns.append((an, response))
                setup = response = None
    turns.append((an, c(P.CH_A_ACK).format_map(ctx)))
    q, answers = c(_pool('CH_QA', b2c=b2c))
    turns.append((an, q.format_map(ctx)))
    turns.append((vn, c(answers)))
    fixed = False
    for _ in range(rng.randint(1, 3)):
        turns.append((an, c(_pool('CH_A_STEP', b2c=b2c)).format_map(ctx)))
        if rng.random() < 0.5:
            turns.append((vn, c(P.CH_V_WAIT)))
        fixed = rng.random() < 0.45 and plan is None  # with a resolution ahead, the quick steps do not fix it
        turns.append((vn, c(P.CH_V_OK if fixed else _pool('CH_V_FAIL', b2c=b2c))))
        if fixed:
            break
    if setup is not None:
        if scen[0] == "identity_verification":
            turns.append((an, c(P.CH_A_ID_ASK)))
            turns.append((vn, setup))
        elif scen[0] != "escalation":
            turns.append((vn, setup))
        turns.append((an, response))
    if plan is not None:
        ask, said, done = plan
        if ask is not None:
            turns.append((an, ask))
        turns += [(vn, said), (an, done)]
        fixed = True
    if not fixed:
        turns.append((an, c(_pool('CH_A_ESC_NEXT', b2c=b2c))))
    turns.append((an, c(P.CH_A_MORE)))
    turns.append((vn, c(P.CH_V_BYE)))
    turns.append((an, c(P.CH_A_BYE).format_map(ctx)))
    t = start
    lines = []
    rint = rng.randint
    for who, text in turns:
        t = t + timedelta(seconds=rint(4, 20) + len(text) // 4)
        lines.append(f"{_hms(t)} {who}: {text}")
    return "\n".join(lines), t + timedelta(seconds=rint(2, 30))


# ---------------------------------------------------------------------------------------------
# voice calls (lines `[2023-10-21T10:02:00] Name: text`)


def _iso(t: datetime) -> str:
    return f"[{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}]"


def _render_call(rng: random.Random, start: datetime, turns: list[tuple[str, str]]) -> tuple[str, datetime]:
    t = start
    lines = []
    rint = rng.randint
    for i, (who, text) in enumerate(turns):
        if i:
            t = t + timedelta(seconds=rint(3, 12) + len(text) // 12)
        lines.append(f"{_iso(t)} {who}: {text}")
    return "\n".join(lines), t + timedelta(seconds=rint(5, 40))


def _round_money(x: float, floor_min: float, *, up: bool) -> int:
    step = 1000 if floor_min >= 10000 else 50 if floor_min >= 500 else 5
    v = int(-(-x // step) * step) if up else int(x // step * step)
    return v


def lead_call(
    rng: random.Random,
    *,
    lead: Person,
    company: str | None,
    agent: Person,
    product,
    start: datetime,
    bant_met: dict[str, bool],
    bant: dict,
) -> tuple[str, datetime]:
    """A discovery call where the lead states one unambiguous fact per BANT factor.

    Budget: one `$N` figure, above budget_min when met and below it when not. Authority: the
    lead's title (from `authority_titles` when met) and whether they can sign. Need: an active
    project the product addresses, or none. Timeline: one `N month(s)` figure, within
    timeline_max_months when met and beyond it when not. No other `$` or month figures appear.
    """
    c = rng.choice
    consumer = company is None
    pname = _attr(product, "name", "our product")
    cat = (_attr(product, "category", None) or "design").lower()
    ctx = {"l": lead.first, "a": agent.first, "p": pname, "cat": cat, "plan": c(P.PLANS_FIT if ("fitness" in cat or "wearable" in cat) else P.PLANS_TRIP)}
    an, ln = agent.name, lead.name
    bmin = float(bant.get("budget_min", 50000))
    titles = tuple(bant.get("authority_titles", ()) or ("Director",))
    tmax = int(bant.get("timeline_max_months", 6))
    turns = [(an, c(P.LC_A_OPEN).format_map(ctx)), (ln, c(P.LC_L_OPEN).format_map(ctx))]
    if rng.random() < 0.6:
        q, answers = c(P.CALL_SMALL)
        turns.append((an, q))
        turns.append((ln, c(answers)))
        if rng.random() < 0.3:
            turns.append((an, c(P.CALL_SMALL_A2)))
    order = list(BANT_FACTORS)
    rng.shuffle(order)
    for f in order:
        met = bool(bant_met.get(f, True))
        if f == "Budget":
            if met:
                b = _round_money(bmin * rng.uniform(1.15, 3.0), bmin, up=True)
            else:
                b = _round_money(bmin * rng.uniform(0.2, 0.75), bmin, up=False)
                b = max(b, min(5, int(bmin) - 1))
                if b >= bmin:
                    b = int(bmin) - 1
            ans = c(P.LC_BUDGET_C if consumer else P.LC_BUDGET).format(b=_money(b))
        elif f == "Authority":
            if consumer:
                ans = c(P.LC_AUTH_YES_C if met else P.LC_AUTH_NO_C).format(t=c(titles), boss=c(P.BOSSES_C))
            elif met:
                t = lead.title if lead.title in titles else c(titles)
                ans = c(P.LC_AUTH_YES).format(t=t)
            else:
                t = lead.title if lead.title and lead.title not in titles else c(P.NON_AUTH_TITLES)
                ans = c(P.LC_AUTH_NO).format(t=t, boss=c(titles))
        elif f == "Need":
            if consumer:
                pool = P.LC_NEED_YES_C if met else P.LC_NEED_NO_C
            else:
                pool = P.LC_NEED_YES if met else P.LC_NEED_NO
            ans = c(pool).format_map(ctx)
        else:
            m = rng.randint(1, max(1, tmax)) if met else tmax + rng.randint(3, 18)
            ans = c(P.LC_TIME_YES if met else P.LC_TIME_NO).format(m=f"{m} month" if m == 1 else f"{m} months")
        turns.append((an, c(P.LC_Q[f])))
        if consumer:
            ans = ans.replace("We ", "I ").replace("we're", "I'm").replace("Our ", "My ").replace(" we ", " I ")
        turns.append((ln, ans))
        if rng.random() < 0.5:
            turns.append((an, c(P.LC_ACK)))
    turns.append((an, c(P.LC_A_CLOSE).format_map(ctx)))
    turns.append((ln, c(P.LC_L_CLOSE)))
    return _render_call(rng, start, turns)


# ---------------------------------------------------------------------------------------------
# opportunity calls: competitor mentions and sub-topic sentiment


def opportunity_call(
    rng: random.Random,
    *,
    contact: Person,
    agent: Person,
    product,
    start: datetime,
    competitors: list,
    negative_topics: list[str],
    positive_topics: list[str],
    b2c: bool = False,
) -> tuple[str, datetime]:
    """A call on an open opportunity.

    Each name in `competitors` is mentioned exactly once per occurrence in the list (and no other
    competitor is named); each negative topic gets one clearly negative statement and each
    positive topic one clearly positive statement, using the topic words; other sub-topics are not
    mentioned.
    """
    c = rng.choice
    ctx = {"l": contact.first, "a": agent.first, "p": _attr(product, "name", "our product")}
    an, ln = agent.name, contact.name
    turns = [(an, c(_pool('OC_A_OPEN', b2c=b2c)).format_map(ctx)), (ln, c(P.OC_L_OPEN).format_map(ctx))]
    if rng.random() < 0.5:
        q, answers = c(P.CALL_SMALL)
        turns.append((an, q))
        turns.append((ln, c(answers)))
    items = [("k", _attr(k, "name", k)) for k in competitors]
    items += [("n", t) for t in negative_topics]
    items += [("p", t) for t in positive_topics]
    rng.shuffle(items)
    for kind, val in items:
        if kind == "k":
            if rng.random() < 0.25:
                turns.append((an, c(P.OC_COMP_A).format(k=val)))
                turns.append((ln, c(("Yes, still.", "Yes, they're in the mix.", "For now, yes.", "We are."))))
            else:
                turns.append((ln, c(_pool('OC_COMP_L', b2c=b2c)).format(k=val)))
                if rng.random() < 0.6:
                    turns.append((an, c(P.OC_COMP_REPLY)))
        else:
            neg = kind == "n"
            spec = ((P.OC_NEG_C if neg else P.OC_POS_C) if b2c else (P.OC_NEG if neg else P.OC_POS)).get(val)
            if spec and rng.random() < 0.6:
                text = c(spec)
            else:
                text = c(_pool('OC_NEG_FRAME' if neg else 'OC_POS_FRAME', b2c=b2c)).format(t=val.lower())
                text = text[:1].upper() + text[1:]
            turns.append((ln, text))
            turns.append((an, c(P.OC_NEG_REPLY if neg else P.OC_POS_REPLY)))
    turns.append((an, c(P.OC_A_CLOSE).format_map(ctx)))
    turns.append((ln, c(P.OC_L_CLOSE).format_map(ctx)))
    return _render_call(rng, start, turns)
