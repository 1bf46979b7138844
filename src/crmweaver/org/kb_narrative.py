"""Narrative articles of the knowledge base: thought-leadership pieces, product deep dives, how-to
guides, customer stories and the solution article of every issue.

Each builder takes the shared `Writer` (template usage, seeded rng) and the preset's topic table
(`kb_b2b` / `kb_b2c`) and returns an Article with its planted facts. Solution articles carry a
`resolution` Rule: the evidence to obtain before the fix, the fix, and the remedies that may and
may not be offered; service conversations follow or break exactly these.
"""

from __future__ import annotations

import random
from types import ModuleType

from crmweaver.org import gen_names as N
from crmweaver.org import kb_phrases as PH
from crmweaver.org.catalog import Article, Fact, Issue, Product, Rule
from crmweaver.org.kb_lang import a_an, cap, ing, join
from crmweaver.org.kb_write import (
    Scope,
    Writer,
    first_step_fact,
    list_fact,
    measures_fact,
    results_fact,
    when_fact,
    why_fact,
)


def slug(title: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def article(title: str, summary: str, body: str, kind: str, **kw) -> Article:
    return Article(title=title, summary=summary, url_name=slug(title), body=body, kind=kind, **kw)


def _scope(w: Writer, company: str, cat: str, topics: ModuleType, about: str, **extra) -> Scope:
    """The shared slots of an article about one product category."""
    t = topics.TOPICS[cat]
    rng = w.rng
    ind, indc = rng.choice(topics.INDUSTRIES)
    ch = rng.sample(t["ch"], 2)
    m = rng.sample(t["metrics"], 2)
    s = Scope(company=company, cat=cat, about=about, aud=rng.choice(t["aud"]), ind=ind, indc=indc,
              ch=ch[0], ch2=ch[1], m=m[0], m2=m[1], tr=rng.choice(t["trends"]), topic=rng.choice(t["topics"]),
              goal=rng.choice(t["goals"]), pr=rng.choice(t["practices"]), ben=rng.choice(t["benefits"]),
              sit=rng.choice(t["situations"]))
    s.update(extra)
    return s


def _practice_sentences(w: Writer, s: Scope, practices: list[str], n: int) -> list[str]:
    out: list[str] = []
    taken: set[str] = set()
    for pr in practices[:n]:
        out += w.pick(PH.PRACTICE, Scope(s, pr=pr), 1, taken)
    return out


def _about(facts, about: str) -> tuple[Fact, ...]:
    return tuple(Fact(f.question, f.answer, f.evidence, about) for f in facts)


def _fillers() -> tuple[tuple[str, ...], ...]:
    return (PH.CONTEXT, PH.PRACTICE, PH.BENEFIT, PH.OUTLOOK)


# --- thought leadership ---------------------------------------------------------------------------


def insight(w: Writer, company: str, cat: str, topic: str, topics: ModuleType, about: str) -> Article:
    rng = w.rng
    t = topics.TOPICS[cat]
    s = _scope(w, company, cat, topics, about, topic=topic)
    pr = rng.sample(t["practices"], 5)
    b1, b2 = rng.sample(t["benefits"], 2)
    goal = s["goal"]
    taken: set[str] = set()
    f_why = why_fact(rng, f"Why is {topic} important for {s['aud']}?", topic, s["aud"], b1, b2)
    f_how = measures_fact(rng, rng.choice((
        f"When it comes to {topic}, which measures help {s['aud']} {goal}?",
        f"What do you recommend for {topic} if we want to {goal}?",
        f"For {topic}, what should {s['aud']} do to {goal}?")), goal, s["aud"], pr[:3])
    paras = [
        w.pick(PH.OPEN["insight"], s, 2, taken),
        w.pick(PH.CONTEXT, s, 3, taken) + [f_why.evidence],
        [f"Consider what {s['ch']} does to a typical project in {s['ind']}."] + w.pick(PH.CONTEXT, s, 2, taken),
        [f_how.evidence] + _practice_sentences(w, s, pr[3:], 2) + w.pick(PH.BENEFIT, Scope(s, ben=b1), 1, taken),
        w.pick(PH.OUTLOOK, s, 2, taken),
    ]
    topic = cap(topic)
    title = rng.choice((f"{topic}: What {cap(s['aud'])} Need to Know", f"Why {topic} Matters in {cap(s['ind'])}",
                        f"{topic} in Practice", f"Rethinking {topic}", f"The Case for {topic}",
                        f"{topic}: Lessons from the Field"))
    body = w.compose(paras, s, _fillers())
    return article(title, f"Why {s['topic']} matters for {s['aud']} and the practices that make it work.", body,
                   "insight", facts=_about((f_why, f_how), s["topic"]))


# --- product deep dives and how-to guides -------------------------------------------------------------


def product_deep_dive(w: Writer, company: str, p: Product, topics: ModuleType, about: str, spec: dict) -> Article:
    """spec: preset facts about the product (`formats`/`integrations` lists, `extra` sentences)."""
    rng = w.rng
    t = topics.TOPICS[p.category]
    s = _scope(w, company, p.category, topics, about, p=p.name)
    fmts = list(spec.get("formats", ()))
    integ = list(spec.get("integrations", ()))
    if fmts:
        s["fmt"] = fmts[0]
    if integ:
        s["integ"] = integ[0]
    taken: set[str] = set()
    pr = rng.sample(t["practices"], 4)
    goal = s["goal"]
    facts = [measures_fact(rng, rng.choice((f"What should we do with {p.name} to {goal}?",
                                            f"Which practices help teams using {p.name} {goal}?",
                                            f"How do I get the most out of {p.name} if I want to {goal}?")),
                           goal, s["aud"], pr[:3])]
    if len(fmts) >= 3:
        lead = rng.choice((f"{p.name} reads and writes", f"Supported formats in {p.name} include",
                           f"On the data side, {p.name} handles"))
        facts.append(list_fact(rng.choice((f"Which file formats can {p.name} work with?",
                                           f"What formats does {p.name} support?")), lead, fmts[:3]))
    elif len(integ) >= 3:
        facts.append(list_fact(f"Which tools does {p.name} connect to?", f"{p.name} connects out of the box to", integ[:3]))
    paras = [
        w.pick(PH.OPEN["product"], s, 2, taken) + [p.description.split(". ")[0].rstrip(".") + "."],
        w.pick(PH.CONTEXT, s, 2, taken) + w.pick(PH.PRODUCT, s, 2, taken),
        [f.evidence for f in facts[1:]] + list(spec.get("extra", ())) + w.pick(PH.PRODUCT, s, 2, taken),
        [facts[0].evidence] + _practice_sentences(w, s, pr[3:], 1) + w.pick(PH.BENEFIT, s, 1, taken),
        w.pick(PH.CLOSE, s, 1, taken),
    ]
    title = rng.choice((f"{p.name}: A Deep Dive", f"Inside {p.name}", f"Getting to Know {p.name}",
                        f"{p.name} Explained", f"A Closer Look at {p.name}", f"What {p.name} Does for {cap(s['aud'])}"))
    body = w.compose(paras, s, (PH.PRODUCT, PH.CONTEXT, PH.PRACTICE, PH.BENEFIT))
    return article(title, f"An in-depth look at {p.name}: what it does, who uses it and how to get the most from it.",
                   body, "product", product=p.name, facts=_about(facts, p.name))


def howto(w: Writer, company: str, p: Product, topics: ModuleType, about: str) -> Article:
    rng = w.rng
    t = topics.TOPICS[p.category]
    s = _scope(w, company, p.category, topics, about, p=p.name)
    taken: set[str] = set()
    steps = rng.sample(t["practices"], 4)
    goal, sit = s["goal"], s["sit"]
    f_first = first_step_fact(rng, rng.choice((f"What's the first step to {goal} with {p.name}?",
                                               f"Where should I start if I want to {goal} using {p.name}?")), steps[0])
    f_when = when_fact(rng, rng.choice((f"What do you recommend when {sit} with {p.name}?",
                                        f"What should I do with {p.name} when {sit}?")), sit, steps[2], steps[3])
    numbered = [f"Step {i}: {cap(x)}." for i, x in enumerate(steps[1:3], start=2)]
    paras = [
        w.pick(PH.OPEN["howto"], s, 2, taken),
        w.pick(PH.CONTEXT, s, 1, taken) + [f_first.evidence] + numbered,
        [f_when.evidence] + w.pick(PH.PRODUCT, s, 2, taken),
        w.pick(PH.BENEFIT, s, 2, taken),
        w.pick(PH.CLOSE, s, 1, taken),
    ]
    title = rng.choice((f"How to {cap(goal)} with {p.name}", f"{p.name}: A Practical Guide to Help You {cap(goal)}",
                        f"Step by Step: {cap(goal)} Using {p.name}", f"{p.name} How-To: {cap(goal)}"))
    body = w.compose(paras, s, (PH.PRACTICE, PH.PRODUCT, PH.BENEFIT))
    return article(title, f"A step-by-step guide to {goal} with {p.name}.", body, "howto", product=p.name,
                   facts=_about((f_first, f_when), p.name))


# --- customer stories ------------------------------------------------------------------------------


def story(w: Writer, company: str, p: Product, topics: ModuleType, about: str, customer: str, b2c: bool) -> Article:
    rng = w.rng
    t = topics.TOPICS[p.category]
    who = f"{rng.choice(N.FIRST_NAMES)} {rng.choice(N.LAST_NAMES)}"
    s = _scope(w, company, p.category, topics, about, p=p.name, cust=customer, who=who, role=rng.choice(topics.ROLES),
               n=str(rng.randint(4, 12)), n2=str(rng.randint(3, 9)))
    if b2c:  # a shopper's story: the customer is a person or a club, not a company
        s["ind"] = rng.choice(topics.INDUSTRIES)[0]
    taken: set[str] = set()
    m1, m2 = rng.sample(t["metrics"], 2)
    months = rng.randint(3, 14)
    x, y = rng.randint(12, 55), rng.randint(8, 40)
    f_res = results_fact(rng, rng.choice((f"What results did {customer} get from {p.name}?",
                                          f"How much did {customer} improve after adopting {p.name}?")),
                         customer, months, m1, x, m2, y)
    pr = rng.sample(t["practices"], 3)
    f_how = measures_fact(rng, f"What did {customer} do to {s['goal']}?", s["goal"], s["aud"], pr)
    paras = [
        w.pick(PH.OPEN["story"], s, 2, taken),
        w.pick(PH.CONTEXT, s, 2, taken) + w.pick(PH.STORY, s, 2, taken),
        [f_how.evidence] + w.pick(PH.STORY, s, 2, taken),
        [f_res.evidence] + w.pick(PH.STORY, s, 1, taken) + w.pick(PH.BENEFIT, s, 1, taken),
        w.pick(PH.OUTLOOK, s, 1, taken),
    ]
    title = rng.choice((f"How {customer} Uses {p.name}", f"Customer Story: {customer}",
                        f"{customer} and {p.name}: {cap(s['goal'])}", f"{customer}: From {cap(s['ch'])} to Results"))
    body = w.compose(paras, s, (PH.STORY, PH.CONTEXT, PH.BENEFIT))
    return article(title, f"How {customer} worked with {p.name} to {s['goal']}.", body, "story", product=p.name,
                   facts=_about((f_res, f_how), customer))


# --- solution articles ---------------------------------------------------------------------------------

_SOL_TITLES = ("Resolving {n} Cases", "{n}: Resolution Guide", "How Support Resolves {n}", "{n}: Diagnosis and Resolution",
               "Handling {n} Reports", "Resolution Path for {n}")
_BEFORE = (
    "Before you {fix}, always ask the customer for {evidence}.",
    "Never {fix} until the customer has sent {evidence}; ask for it first.",
)
_MAY = (
    "If these steps do not settle the case, you may offer {allowed}.",
    "Where the customer needs more help, the agent may offer {allowed}.",
)
_NOT = (
    "Do not offer {forbidden} for this issue.",
    "{Forbidden} are not part of this resolution and must not be offered.",
)


def solution(w: Writer, company: str, issue: Issue, spec: dict, products: str, i: int) -> Article:
    rng = w.rng
    name = issue.name
    s = Scope(company=company, issue_l=name.lower(), p_any=products, topic=name.lower())
    fix, evidence = spec["fix"], spec["evidence"]
    allowed, forbidden = list(spec["allowed"]), list(spec["forbidden"])
    before = rng.choice(_BEFORE).format(fix=fix, evidence=evidence)
    may = rng.choice(_MAY).format(allowed=join(allowed, "or"))
    no = Scope(forbidden=join(forbidden, "or"))
    nots = rng.choice(_NOT)
    if nots.startswith("{Forbidden}"):
        no["forbidden"] = join(forbidden, "and")
    nots = nots.format_map(no)
    symptoms = list(issue.symptoms[:2])
    step_text = [f"Then {spec['steps'][1]}."]
    paras = [
        w.pick(PH.OPEN["solution"], s, 2),
        [issue.description, f"Customers typically describe it like this: \u201c{symptoms[0]}\u201d or \u201c{symptoms[1]}\u201d"],
        step_text + [before, f"Once you have it, {fix}; this resolves the large majority of cases."],
        [may, nots],
        w.pick(PH.SERVICE, s, 2),
    ]
    f_need = Fact(rng.choice((f"What will support need from me to sort out {name.lower()}?",
                              f"What information should I have ready when I report {name.lower()}?")),
                  f"They first need {evidence}.", before)
    f_first = first_step_fact(rng, f"What is the first thing checked when a customer reports {name.lower()}?",
                              spec["steps"][0])
    paras[2].insert(0, f_first.evidence)
    rule = Rule("resolution", {"issue": name, "evidence": evidence, "fix": fix, "fix_done": spec["fix_done"],
                               "allowed": allowed, "forbidden": forbidden})
    body = w.compose(paras, s, (PH.SERVICE, PH.GENERAL))
    title = _SOL_TITLES[i % len(_SOL_TITLES)].format(n=name)
    summary = f"How cases about {name.lower()} are diagnosed and resolved, and what may be offered."
    return article(title, summary, body, "solution", rule=rule, issue=name, facts=_about((f_need, f_first), name))


def customers(rng: random.Random, n: int, b2c: bool) -> list[str]:
    """Names for customer stories: companies (B2B) or people and clubs (B2C)."""
    if not b2c:
        return N.company_names(rng, n)
    clubs = ("Hiking Club", "Running Club", "Scout Troop", "Outdoor Society", "Trail Runners", "Climbing Club")
    out: list[str] = []
    while len(out) < n:
        name = (f"the {rng.choice(N.LAST_NAMES)} family" if rng.random() < 0.5
                else f"{rng.choice(N.COMPANY_HEADS)} {rng.choice(clubs)}")
        if name not in out:
            out.append(name)
    return [cap(x) for x in out]


__all__ = ["article", "insight", "product_deep_dive", "howto", "story", "solution", "customers", "a_an", "ing"]
