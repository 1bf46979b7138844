"""Short record texts (case subjects, opportunity and quote names, descriptions) and the one door to dialogue.

Long conversational text (emails, chats, calls) comes from `dialogue`; every call to it goes
through the wrappers here, so the generator's structure does not depend on its details.
"""

from __future__ import annotations

import random

from crmweaver.org import dialogue as D
from crmweaver.org.dialogue import BANT_FACTORS, SUB_TOPICS, EmailDraft, Person, sub_topics  # noqa: F401 (re-exported)

# ---------------------------------------------------------------------------------------------
# case texts

_SUBJECT = (
    "{p}: {il}", "{i} with {p}", "{p} - {kw} problem", "Urgent: {p} {kw} issue", "{kw} issue in {p}",
    "Problem with {p} ({kw})", "{p} {kw} failure", "Help needed: {p} {kw}", "{i} after update of {p}",
    "Question about {kw} in {p}", "{p}: {kw} not working", "Recurring {kw} trouble with {p}",
)
_DESC_OPEN = (
    "We are using {p} and ran into a problem.", "Our team has an issue with {p}.", "Reporting a problem with {p}.",
    "Since last week we have trouble with {p}.", "I need help with {p}.", "{p} is giving us trouble.",
    "We recently deployed {p} and hit a snag.", "One of our engineers found a problem in {p}.",
)
_DESC_IMPACT = (
    "This is blocking our release schedule.", "Several engineers are affected.", "We need a fix or workaround soon.",
    "It happens on every machine we tried.", "It started after the latest update.", "We can reproduce it reliably.",
    "It happens intermittently, roughly once a day.", "Please advise on next steps.", "",
)


# consumer (B2C) voice: someone who bought, wore or used the product, not a team that deployed it.
# Issues about delivery, billing or the account get the *_AWAY pools, which never talk about using a
# product the customer may not have. Each pool has the size of its B2B twin, so the draws consume
# the random stream exactly as in B2B and the rest of the case stage is unchanged.
_SUBJECT_C = (
    "{p}: {il}", "{i} with my {p}", "{p} - {kw} problem", "Urgent: {p} {kw} issue", "{kw} issue with my {p}",
    "Problem with my {p} purchase ({kw})", "My new {p}: {kw}", "Help please: {p} {kw}", "{i} - {p} purchase",
    "Question about {kw} on {p}", "{p} I bought: {kw} problem", "{kw} trouble with {p} again",
)
_DESC_OPEN_C = (
    "I bought {p} from your store and have a problem.", "I've only used {p} a few times and it's already giving me trouble.",
    "Reporting a problem with my {p} purchase.", "I took {p} on a hike last weekend and ran into a problem.",
    "I need help with my {p}.", "I've been using {p} at home and noticed a problem.",
    "I wore my {p} for the first time this weekend.", "I bought {p} for my family and there's a problem.",
)
_DESC_OPEN_C_AWAY = (
    "I bought {p} from your store and have a problem.", "I purchased {p} on your website and need some help.",
    "Reporting a problem with my {p} purchase.", "I'm writing about my {p} order.",
    "I need help with my {p} order.", "Hi, I'm writing about the {p} I bought.",
    "I bought {p} as a present and there's a problem.", "I bought {p} for my family and there's a problem.",
)
_DESC_IMPACT_C = (
    "I have a trip coming up, so I'd appreciate a quick answer.", "My family was looking forward to using it.",
    "I'd like this sorted soon.", "It happened every time I used it.", "It started after only a couple of uses.",
    "I'm really disappointed.", "I'd rather keep it if it can be fixed.", "Please let me know what to do next.", "",
)
_DESC_IMPACT_C_AWAY = (
    "I have a trip coming up, so I'd appreciate a quick answer.", "My family was looking forward to using it.",
    "I'd like this sorted soon.", "Hoping you can help.", "This is the first time I've had a problem with you.",
    "I'm really disappointed.", "I'd appreciate a quick reply.", "Please let me know what to do next.", "",
)
_NOT_IN_HAND = ("shipping", "delivery", "billing", "payment", "account", "login", "wrong item")
assert (len(_SUBJECT_C), len(_DESC_OPEN_C), len(_DESC_OPEN_C_AWAY), len(_DESC_IMPACT_C), len(_DESC_IMPACT_C_AWAY)) == (
    len(_SUBJECT), len(_DESC_OPEN), len(_DESC_OPEN), len(_DESC_IMPACT), len(_DESC_IMPACT))


def case_text(rng: random.Random, issue, product: str, *, b2c: bool = False, category: str = "") -> tuple[str, str]:
    """A subject and description that name the product and carry the issue's keywords and symptoms.

    B2C cases use a consumer voice (bought, used, wore) from parallel pools, with no talk of using a
    product the customer may not have yet (delivery, billing, account issues); keywords and symptoms
    come from the issue in both presets, so word overlap still identifies the issue.
    """
    if not b2c:
        subjects, opens, impacts = _SUBJECT, _DESC_OPEN, _DESC_IMPACT
    elif any(w in issue.name.lower() for w in _NOT_IN_HAND):
        subjects, opens, impacts = _SUBJECT_C, _DESC_OPEN_C_AWAY, _DESC_IMPACT_C_AWAY
    else:
        subjects, opens, impacts = _SUBJECT_C, _DESC_OPEN_C, _DESC_IMPACT_C
    kw = rng.choice(issue.keywords)
    fm = {"p": product, "i": issue.name, "il": issue.name.lower(), "kw": kw}
    subject = rng.choice(subjects).format_map(fm)
    subject = subject[0].upper() + subject[1:]
    pool = issue.symptoms_for(category)
    symptoms = rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2))))
    parts = [rng.choice(opens).format_map(fm), *symptoms, rng.choice(impacts)]
    return subject, " ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------
# sales record texts

_OPP_KIND = ("Expansion", "New Licenses", "Renewal", "Upgrade", "Pilot", "Team Rollout", "Enterprise Deal", "Add-on")
_OPP_KIND_C = ("Purchase", "Gear Upgrade", "Online Order", "In-Store Order", "Gift Order", "Bundle", "Replacement", "Add-on")
_OPP_LEAD = ("Proposed purchase of", "Customer is evaluating", "Opportunity covers", "Deal for")
_OPP_LEAD_C = ("Planned purchase of", "Customer is considering", "Opportunity covers", "Order for")
_OPP_EXTRA = (
    "Sponsor wants a decision this quarter.", "Procurement is involved early.", "Competes with an incumbent tool.",
    "Follows a successful evaluation.", "Budget comes from the engineering team.", "",
)
_OPP_EXTRA_C = (
    "Customer wants it before an upcoming trip.", "Shopping around for the best price.", "Comparing with another brand.",
    "Follows an in-store try-on.", "Gift for a family member.", "",
)


def opportunity_name(rng: random.Random, account: str, product: str, *, b2c: bool = False) -> str:
    return f"{account} - {product} {rng.choice(_OPP_KIND_C if b2c else _OPP_KIND)}"


def opportunity_description(rng: random.Random, account: str, products: list[str], units: str, *, b2c: bool = False) -> str:
    lead = rng.choice(_OPP_LEAD_C if b2c else _OPP_LEAD)
    extra = rng.choice(_OPP_EXTRA_C if b2c else _OPP_EXTRA)
    return f"{lead} {', '.join(products)} {units} for {account.rstrip('.')}. {extra}".strip()


def quote_description(rng: random.Random, products: list[str], n_units: int, units: str) -> str:
    return (f"{rng.choice(('Quote for', 'Pricing for', 'Proposal covering'))} {n_units} {units} across "
            f"{len(products)} product line{'s' if len(products) != 1 else ''}: {', '.join(products)}.")


def contract_description(rng: random.Random, account: str, term: int, products: list[str], *, b2c: bool = False) -> str:
    return (f"{term}-month agreement with {account} for {', '.join(products[:3])}"
            f"{' and more' if len(products) > 3 else ''}. {rng.choice(_CONTRACT_NOTES_C if b2c else _CONTRACT_NOTES)}")


_CONTRACT_NOTES = (
    "Payment net 30.", "Annual billing in advance.", "Includes standard support.", "Premier support included.",
    "Auto-renews unless cancelled 60 days before the end.", "Quarterly billing.",
)
_CONTRACT_NOTES_C = (
    "Paid by card at checkout.", "Monthly instalments.", "Includes the standard warranty.", "Extended warranty included.",
    "Free returns within the return window.", "Includes free delivery.",
)

TASK_DESC = (
    "Follow up with {c} at {a}.", "Coordinate with {c} on {p}.", "Owner: {o}. Keep {c} in the loop.",
    "Related to {p} for {a}.", "Notes from the last call with {c} attached.", "Check progress with {c} before the deadline.",
)
TASK_DESC_C = (  # B2C: the account is the customer, so no "{c} at {a}"
    "Follow up with {c}.", "Check in with {c} about {p}.", "Owner: {o}. Keep {c} updated.",
    "Related to {c}'s interest in {p}.", "Notes from the last call with {c} attached.", "Check back with {c} before the deadline.",
)
EVENT_SUBJECTS = {
    "Qualification": ("Intro call", "Discovery call", "First meeting"),
    "Discovery": ("Product demo", "Technical deep dive", "Requirements workshop"),
    "Quote": ("Pricing review meeting", "Proposal walkthrough", "Quote review"),
    "Negotiation": ("Contract negotiation", "Executive alignment", "Legal review call"),
    "Closed": ("Kickoff meeting", "Onboarding session", "Contract signing call"),
}
LOCATIONS = ("Zoom", "Microsoft Teams", "Google Meet", "Phone", "Customer office", "Our office")
EVENT_SUBJECTS_C = {
    "Qualification": ("Intro call", "Gear advice call", "First chat"),
    "Discovery": ("In-store fitting", "Product demo", "Gear consultation"),
    "Quote": ("Price review call", "Order walkthrough", "Quote review"),
    "Negotiation": ("Bundle offer call", "Price match discussion", "Delivery options call"),
    "Closed": ("Order confirmation call", "Delivery and setup", "Product setup session"),
}
LOCATIONS_C = ("Phone", "Video call", "Store", "Customer's home", "Phone", "Store")


# ---------------------------------------------------------------------------------------------
# dialogue wrappers (the only calls into `dialogue`)


def service_emails(rng, *, case_subject, issue, product, customer, agent, start, end, n, competitors, violation=None,
                   policies=(), priority=None, b2c=False, decoy_rate=0.35, resolution=None) -> list[EmailDraft]:
    return D.service_emails(rng, case_subject=case_subject, issue=issue, product=product, customer=customer,
                            agent=agent, start=start, end=end, n=n, violation=violation, policies=policies,
                            priority=priority, competitors=competitors, b2c=b2c, decoy_rate=decoy_rate,
                            resolution=resolution)


def sales_emails(rng, *, opportunity, product, contact, agent, stage, start, end, n, b2c=False) -> list[EmailDraft]:
    return D.sales_emails(rng, opportunity=opportunity, product=product, contact=contact, agent=agent, stage=stage,
                          start=start, end=end, n=n, b2c=b2c)


def chat_transcript(rng, *, issue, product, customer, agent, start, competitors, violation=None, policies=(),
                    priority=None, b2c=False, decoy_rate=0.35, reported=None, resolution=None):
    return D.chat_transcript(rng, issue=issue, product=product, customer=customer, agent=agent, start=start,
                             violation=violation, policies=policies, priority=priority, competitors=competitors,
                             b2c=b2c, decoy_rate=decoy_rate, reported=reported, resolution=resolution)


def lead_call(rng, *, lead, company, agent, product, start, bant_met, bant):
    return D.lead_call(rng, lead=lead, company=company, agent=agent, product=product, start=start,
                       bant_met=bant_met, bant=bant)


def opportunity_call(rng, *, contact, agent, product, start, competitors, negative_topics, positive_topics, b2c=False):
    return D.opportunity_call(rng, contact=contact, agent=agent, product=product, start=start,
                              competitors=competitors, negative_topics=negative_topics,
                              positive_topics=positive_topics, b2c=b2c)
