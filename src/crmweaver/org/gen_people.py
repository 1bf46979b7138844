"""Reference records and people: catalog objects, users with their traits, territories, accounts, contacts.

Agents get hidden traits here (workload, issue specialities, handle-time and transfer tendencies,
sales-cycle length, lead conversion rate) so that every "which agent is best/worst" task has
clear, varied answers in the data the later stages write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from crmweaver.org import gen_names as N
from crmweaver.org.gen_base import Ctx, allocate, cumulative, weighted_index
from crmweaver.org.store import make_id

SERVICE_PROFILE_ID = make_id("00e", 1)  # "Customer Service Agent" profile
SALES_PROFILE_ID = make_id("00e", 2)  # "Sales Agent" profile
N_SERVICE_AGENTS = 80  # the rest of the 212 users are sales agents
CATALOG_ID = make_id("0ZS", 1, pod="Ct")
TIME_ZONES = ("America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York")


@dataclass
class Agent:
    id: str
    first: str
    last: str
    email: str
    title: str
    weight: float  # relative workload
    states: tuple[str, ...] = ()  # sales: states of the agent's territories
    cycle_days: float = 0.0  # sales: typical days from opportunity creation to signature
    conversion: float = 0.0  # sales: lead conversion rate
    handle_factor: float = 1.0  # service: multiplier on case handle time
    transfer_rate: float = 0.0  # service: chance to pass a case on
    specialities: list[int] = field(default_factory=list)  # service: issue indexes


@dataclass
class Customer:
    id: str  # contact id
    account_id: str
    first: str
    last: str
    email: str
    title: str


@dataclass
class AccountInfo:
    id: str
    name: str
    state: str
    domain: str
    contacts: list[Customer] = field(default_factory=list)


def build_reference(ctx: Ctx) -> None:
    """Issues, knowledge articles, products, categories, price books and entries, territories."""
    cat, st, rng = ctx.catalog, ctx.state, ctx.rng("reference")
    st["issue_ids"] = [ctx.add("Issue__c", Name=i.name, Description__c=i.description) for i in cat.issues]
    st["article_ids"] = {
        a.title: ctx.add("Knowledge__kav", Title=a.title, Summary=a.summary, UrlName=a.url_name, FAQ_Answer__c=a.body)
        for a in cat.articles
    }
    cat_ids = {c: ctx.add("ProductCategory", Name=c, CatalogId=CATALOG_ID) for c in cat.categories}
    st["product_ids"] = [
        ctx.add("Product2", Name=p.name, Description=p.description, IsActive=True, External_ID__c=p.code)
        for p in cat.products
    ]
    # every product in its own category, plus cross-listings up to the target link count
    links = [(cat_ids[p.category], st["product_ids"][i]) for i, p in enumerate(cat.products)]
    extra = max(0, ctx.count("ProductCategoryProduct") - len(links))
    names = list(cat.categories)
    seen = set(links)
    while extra > 0 and len(names) > 1:
        i = rng.randrange(len(cat.products))
        pair = (cat_ids[rng.choice(names)], st["product_ids"][i])
        if pair not in seen:
            seen.add(pair)
            links.append(pair)
            extra -= 1
    for c_id, p_id in sorted(links, key=lambda x: (x[1], x[0])):
        ctx.add("ProductCategoryProduct", ProductCategoryId=c_id, ProductId=p_id)
    valid_from = ctx.start.replace(month=1, day=1)
    st["pricebook_ids"] = [
        ctx.add("Pricebook2", Name=name, Description=desc, IsActive=True, ValidFrom=valid_from,
                ValidTo=valid_from.replace(year=ctx.today.year + 2, month=12, day=31))
        for name, desc in cat.pricebooks
    ]
    std = st["pricebook_ids"][0]
    st["entry_ids"] = [
        ctx.add("PricebookEntry", Pricebook2Id=std, Product2Id=pid, UnitPrice=p.list_price)
        for pid, p in zip(st["product_ids"], cat.products)
    ]
    st["territory_ids"] = [
        ctx.add("Territory2", Name=t.name, Description=", ".join(t.states)) for t in cat.territories
    ]


def build_users(ctx: Ctx) -> None:
    """Service and sales agents with traits; sales agents in one or two territories each."""
    rng, st, cat = ctx.rng("users"), ctx.state, ctx.catalog
    n_users = ctx.count("User")
    names = N.unique_names(rng, n_users)
    domain = N.company_domain(cat.company)
    n_issues = len(cat.issues)
    service, sales = [], []
    for k, (first, last) in enumerate(names):
        is_service = k < N_SERVICE_AGENTS
        email = f"{first.lower()}.{last.lower()}@{domain}"
        uid = ctx.add(
            "User", FirstName=first, LastName=last, Alias=(first[0] + last)[:8].lower(), Email=email,
            Phone=N.phone(rng), Username=f"{first.lower()}.{last.lower()}@{ctx.preset}.{domain}",
            ProfileId=SERVICE_PROFILE_ID if is_service else SALES_PROFILE_ID, EmailEncodingKey="UTF-8",
            LanguageLocaleKey="en_US", LocaleSidKey="en_US", TimeZoneSidKey=rng.choice(TIME_ZONES),
        )
        weight = math.exp(rng.gauss(0, 0.6))
        if is_service:
            service.append(Agent(uid, first, last, email, "Customer Support Specialist", weight,
                                 handle_factor=math.exp(rng.uniform(-1.0, 1.0)),
                                 transfer_rate=rng.uniform(0.12, 0.62)))
        else:
            sales.append(Agent(uid, first, last, email, "Account Executive", weight,
                               cycle_days=rng.uniform(25, 160), conversion=rng.uniform(0.08, 0.55)))
    # issue specialists: three per issue, so "most closed cases of an issue" has clear leaders
    for i in range(n_issues):
        for a in rng.sample(service, 3):
            a.specialities.append(i)
    # territories: round-robin first assignment, then second territories up to the association count
    terr = cat.territories
    order = sales[:]
    rng.shuffle(order)
    pairs = [(a, k % len(terr)) for k, a in enumerate(order)]
    extra = max(0, ctx.count("UserTerritory2Association") - len(pairs))
    nt = len(terr)
    for k, a in enumerate(order[:extra]):
        pairs.append((a, (k % nt + 1 + (k // nt) % (nt - 1)) % nt))
    states: dict[str, list[str]] = {a.id: [] for a in sales}
    for a, t in pairs:
        ctx.add("UserTerritory2Association", UserId=a.id, Territory2Id=st["territory_ids"][t])
        states[a.id].extend(terr[t].states)
    for a in sales:
        a.states = tuple(states[a.id])
    st["service_agents"], st["sales_agents"] = service, sales


def build_accounts(ctx: Ctx) -> None:
    """Accounts spread over every state (companies in B2B, person accounts in B2C) and their contacts."""
    rng, st = ctx.rng("accounts"), ctx.state
    all_states = sorted({s for t in ctx.catalog.territories for s in t.states})
    n = ctx.count("Account")
    states = all_states[:]
    rng.shuffle(states)
    states = (states + [rng.choice(all_states) for _ in range(max(0, n - len(states)))])[:n]
    accounts: list[AccountInfo] = []
    if ctx.preset == "b2b":
        companies = N.company_names(rng, n)
        for name, state in zip(companies, states):
            industry = rng.choice(N.INDUSTRIES)
            employees = int(math.exp(rng.uniform(math.log(40), math.log(60000))))
            desc = (f"{name} is a {industry.lower()} company based in {state} with about {employees:,} employees. "
                    f"Engineering teams use {ctx.catalog.company} tools for {rng.choice(_B2B_USES)}.")
            aid = ctx.add("Account", Name=name, Industry=industry, Description=desc, NumberOfEmployees=employees,
                          Phone=N.phone(rng), ShippingState=state)
            accounts.append(AccountInfo(aid, name, state, N.company_domain(name)))
        per = allocate(ctx.count("Contact"), [math.exp(rng.gauss(0, 0.5)) for _ in accounts], minimum=2)
        taken: set[tuple[str, str]] = set()
        for acc, k in zip(accounts, per):
            for first, last in N.unique_names(rng, k, taken):
                title = rng.choice(N.B2B_TITLES)
                email = f"{first.lower()}.{last.lower()}@{acc.domain}"
                cid = ctx.add("Contact", FirstName=first, LastName=last, Email=email, AccountId=acc.id)
                acc.contacts.append(Customer(cid, acc.id, first, last, email, title))
    else:
        emails: list[str] = []
        for (first, last), state in zip(N.unique_names(rng, n), states):
            email = f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(N.EMAIL_DOMAINS)}"
            since = ctx.start.year + rng.randint(0, 4)
            desc = f"Customer since {since}; {rng.choice(_B2C_NOTES)}"
            aid = ctx.add("Account", Name=f"{first} {last}", FirstName=first, LastName=last, PersonEmail=email,
                          Phone=N.phone(rng), ShippingState=state, Description=desc)
            accounts.append(AccountInfo(aid, f"{first} {last}", state, email.split("@")[1]))
            emails.append(email)
        for acc, email in zip(accounts, emails):
            cid = ctx.add("Contact", AccountId=acc.id)
            first, last = acc.name.split(" ", 1)
            acc.contacts.append(Customer(cid, acc.id, first, last, email, "Customer"))
    st["accounts"] = accounts
    st["account_by_id"] = {a.id: a for a in accounts}
    st["accounts_by_state"] = {}
    for a in accounts:
        st["accounts_by_state"].setdefault(a.state, []).append(a)


def pick_agent(rng, agents: list[Agent], cum: list[float] | None = None) -> Agent:
    cum = cum or cumulative([a.weight for a in agents])
    return agents[weighted_index(rng, cum)]


_B2B_USES = (
    "analog and mixed-signal verification", "board layout and manufacturability checks", "power sign-off",
    "high-speed channel analysis", "thermal design of enclosures", "FPGA prototyping", "plant security monitoring",
    "yield and test analytics", "embedded firmware development", "pre-silicon verification",
)
_B2C_NOTES = (
    "prefers email contact.", "usually orders online.", "member of the loyalty program.", "prefers phone support.",
    "asked not to receive marketing calls.", "often buys gifts around the holidays.", "shops mostly on weekends.",
)
