"""Short record texts (case subjects, opportunity and quote names, descriptions) and the one door to dialogue.

Long conversational text (emails, chats, calls) comes from `dialogue`; every call to it goes
through the wrappers here, so the generator's structure does not depend on its details.
"""

from __future__ import annotations

import random

from crmweaver.org import dialogue as D
from crmweaver.org.dialogue import BANT_FACTORS, SUB_TOPICS, EmailDraft, Person  # noqa: F401 (re-exported)

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


def case_text(rng: random.Random, issue, product: str) -> tuple[str, str]:
    """A subject and description that name the product and carry the issue's keywords and symptoms."""
    kw = rng.choice(issue.keywords)
    fm = {"p": product, "i": issue.name, "il": issue.name.lower(), "kw": kw}
    subject = rng.choice(_SUBJECT).format_map(fm)
    subject = subject[0].upper() + subject[1:]
    symptoms = rng.sample(issue.symptoms, k=min(len(issue.symptoms), rng.choice((1, 1, 2))))
    parts = [rng.choice(_DESC_OPEN).format_map(fm), *symptoms, rng.choice(_DESC_IMPACT)]
    return subject, " ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------
# sales record texts

_OPP_KIND = ("Expansion", "New Licenses", "Renewal", "Upgrade", "Pilot", "Team Rollout", "Enterprise Deal", "Add-on")


def opportunity_name(rng: random.Random, account: str, product: str) -> str:
    return f"{account} - {product} {rng.choice(_OPP_KIND)}"


def opportunity_description(rng: random.Random, account: str, products: list[str], units: str) -> str:
    lead = rng.choice(("Proposed purchase of", "Customer is evaluating", "Opportunity covers", "Deal for"))
    extra = rng.choice((
        "Sponsor wants a decision this quarter.", "Procurement is involved early.", "Competes with an incumbent tool.",
        "Follows a successful evaluation.", "Budget comes from the engineering team.", "",
    ))
    return f"{lead} {', '.join(products)} {units} for {account.rstrip('.')}. {extra}".strip()


def quote_description(rng: random.Random, products: list[str], n_units: int, units: str) -> str:
    return (f"{rng.choice(('Quote for', 'Pricing for', 'Proposal covering'))} {n_units} {units} across "
            f"{len(products)} product line{'s' if len(products) != 1 else ''}: {', '.join(products)}.")


def contract_description(rng: random.Random, account: str, term: int, products: list[str]) -> str:
    return (f"{term}-month agreement with {account} for {', '.join(products[:3])}"
            f"{' and more' if len(products) > 3 else ''}. {rng.choice(_CONTRACT_NOTES)}")


_CONTRACT_NOTES = (
    "Payment net 30.", "Annual billing in advance.", "Includes standard support.", "Premier support included.",
    "Auto-renews unless cancelled 60 days before the end.", "Quarterly billing.",
)

TASK_DESC = (
    "Follow up with {c} at {a}.", "Coordinate with {c} on {p}.", "Owner: {o}. Keep {c} in the loop.",
    "Related to {p} for {a}.", "Notes from the last call with {c} attached.", "Check progress with {c} before the deadline.",
)
EVENT_SUBJECTS = {
    "Qualification": ("Intro call", "Discovery call", "First meeting"),
    "Discovery": ("Product demo", "Technical deep dive", "Requirements workshop"),
    "Quote": ("Pricing review meeting", "Proposal walkthrough", "Quote review"),
    "Negotiation": ("Contract negotiation", "Executive alignment", "Legal review call"),
    "Closed": ("Kickoff meeting", "Onboarding session", "Contract signing call"),
}
LOCATIONS = ("Zoom", "Microsoft Teams", "Google Meet", "Phone", "Customer office", "Our office")


# ---------------------------------------------------------------------------------------------
# dialogue wrappers (the only calls into `dialogue`)


def service_emails(rng, *, case_subject, issue, product, customer, agent, start, end, n, violation, policies,
                   priority, competitors) -> list[EmailDraft]:
    return D.service_emails(rng, case_subject=case_subject, issue=issue, product=product, customer=customer,
                            agent=agent, start=start, end=end, n=n, violation=violation, policies=policies,
                            priority=priority, competitors=competitors)


def sales_emails(rng, *, opportunity, product, contact, agent, stage, start, end, n) -> list[EmailDraft]:
    return D.sales_emails(rng, opportunity=opportunity, product=product, contact=contact, agent=agent, stage=stage,
                          start=start, end=end, n=n)


def chat_transcript(rng, *, issue, product, customer, agent, start, violation, policies, priority, competitors):
    return D.chat_transcript(rng, issue=issue, product=product, customer=customer, agent=agent, start=start,
                             violation=violation, policies=policies, priority=priority, competitors=competitors)


def lead_call(rng, *, lead, company, agent, product, start, bant_met, bant):
    return D.lead_call(rng, lead=lead, company=company, agent=agent, product=product, start=start,
                       bant_met=bant_met, bant=bant)


def opportunity_call(rng, *, contact, agent, product, start, competitors, negative_topics, positive_topics):
    return D.opportunity_call(rng, contact=contact, agent=agent, product=product, start=start,
                              competitors=competitors, negative_topics=negative_topics,
                              positive_topics=positive_topics)
