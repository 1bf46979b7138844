"""policy_violation_identification: did the service agent breach a policy in a case's emails or chat?

Gold: the generator's `_facts` kind `case_violation` (the one service-policy article breached, or
null), for cases that have emails or a chat. About 77 % of instances are compliant on purpose.

Reference: the case (priority, owner's email), its EmailMessage bodies and LiveChatTranscript
bodies, and the service-policy articles found by SOSL, whose summaries state the limits (refund
window in days, credit ceiling in dollars, escalation deadline in hours). One detector per rule
kind reads only the agent's words (emails from the owner's address, chat lines of "Agent ...")
and checks the verifiable facts the agent states against the article's limit:
- refund_window: a refund the agent approved/processed for a purchase "N days ago", N > window;
- credit_limit: a credit of $X the agent applied, X > ceiling;
- identity_verification: order details (the payment card) shared without confirming verification;
- no_roadmap_promises: a feature tied to a release in a named month;
- no_competitor_disparagement: a competitor named with a disparaging word;
- escalation: a Critical case the agent says is not escalated after more than the deadline.
All detectors agree with the gold on every case of the scale-1 orgs of both presets (the tests
check every case, not only sampled ones), so sampling needs no restriction.
"""

from __future__ import annotations

import random
import re

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
SUMMARIES = (
    ("refund_window", re.compile(r"Refunds may be promised only within (\d+) days of purchase\.")),
    ("credit_limit", re.compile(r"Agents may offer credits or vouchers of at most \$([\d,]+) per case\.")),
    ("identity_verification", re.compile(r"Verify the customer's identity before discussing account or order details\.")),
    ("no_roadmap_promises", re.compile(r"Do not promise unreleased features or release dates to customers\.")),
    ("no_competitor_disparagement", re.compile(r"Never disparage competitors when talking to customers\.")),
    ("escalation", re.compile(r"(\w+)-priority cases must be escalated within (\d+) hours\.")),
)
DISPARAGING = re.compile(r"\b(junk|garbage|a joke|a mess|terrible|unreliable|a scam|wouldn't touch)\b", re.I)
REFUSAL = re.compile(r"\b(can't|cannot|not able|unable|only available)\b", re.I)
SENTENCE = re.compile(r"(?<=[.!?])\s+")
CARD = re.compile(r"card ending in \d{4}")
VERIFIED = re.compile(r"you're verified|for verifying your identity")


def parse_policies(articles: list[dict]) -> dict[str, tuple[str, tuple]]:
    """rule kind -> (article Id, numbers stated in its summary), for the service-policy articles found."""
    out: dict[str, tuple[str, tuple]] = {}
    for a in articles:
        for kind, pattern in SUMMARIES:
            m = pattern.fullmatch((a.get("Summary") or "").strip())
            if m:
                out[kind] = (a["Id"], m.groups())
    return out


def _sentences(texts: list[str]) -> list[str]:
    return [s for t in texts for s in SENTENCE.split(t.replace("\n", " ")) if s]


def discloses_before_verifying(messages: list[str]) -> bool:
    """One conversation (an email thread or a chat) shows card details before the customer's
    identity was verified in it; a verification in another channel does not cover it."""
    for t in messages:
        if VERIFIED.search(t):
            return False
        if CARD.search(t):
            return True
    return False


def breaches(conversations: list[list[str]], priority: str | None, policies: dict[str, tuple[str, tuple]],
             competitors: list[str]) -> list[str]:
    """Rule kinds the agent's own words break; `conversations` holds the agent's messages per channel."""
    found: list[str] = []
    agent_texts = [t for conversation in conversations for t in conversation]
    text = " ".join(agent_texts)
    sents = _sentences(agent_texts)
    if "refund_window" in policies:
        days = int(policies["refund_window"][1][0])
        for s in sents:
            m = re.search(r"\b(\d+) days ago\b", s)
            if m and "refund" in s.lower() and re.search(r"approved|processed|issued", s) and not REFUSAL.search(s):
                if int(m[1]) > days:
                    found.append("refund_window")
                    break
    if "credit_limit" in policies:
        limit = float(policies["credit_limit"][1][0].replace(",", ""))
        amounts = [float(x.replace(",", "")) for x in re.findall(r"credit of \$([\d,]+)", text)]
        if any(x > limit for x in amounts):
            found.append("credit_limit")
    if "identity_verification" in policies:
        if any(discloses_before_verifying(conversation) for conversation in conversations):
            found.append("identity_verification")
    if "no_roadmap_promises" in policies:
        month = "|".join(MONTHS)
        if any(re.search(r"\brelease\b", s) and re.search(rf"\b({month})\b", s) for s in sents):
            found.append("no_roadmap_promises")
    if "no_competitor_disparagement" in policies:
        if any(DISPARAGING.search(t) and any(c in t for c in competitors) for t in agent_texts):
            found.append("no_competitor_disparagement")
    if "escalation" in policies:
        level, hours = policies["escalation"][1]
        if priority == level:
            for t in agent_texts:  # one message: the refusal to escalate and the hours it has waited
                waited = [int(h) for h in re.findall(r"\b(\d+) hours\b", t)]
                if waited and re.search(r"haven't escalated|rather than escalating|don't think escalation", t) and max(waited) > int(hours):
                    found.append("escalation")
                    break
    return found


@register
class PolicyViolationIdentification(Family):
    code = "policy_violation_identification"
    templates = (
        "Did the agent on case {case} violate any company policy in their communication with the customer? If so, give me the knowledge article Id.",
        "Review case {case} ({subject}) for policy breaches by our support agent. Which article was violated, if any?",
        "Any policy violations in case {case}?",
        "Please audit the emails and chat transcript of case {case} against our service policies and return the Id of the breached policy article, or None.",
        "QA review: did the rep handling {case} break a service policy? Cite the article.",
        "I'm doing quality checks on support conversations. Case {case}: was any knowledge-base policy breached by the agent?",
        "Check whether our agent stayed within policy on case {case}. Return the violated Knowledge article Id if not.",
        "hey, can you look over case {case} and tell me if the agent broke any policy",
        "A customer complained about how case {case} was handled. Read the agent's messages and determine whether they contradict a service policy article; answer with that article's Id or None.",
        "Was there a compliance issue in the agent's replies on case \"{subject}\" ({case})?",
        "Determine if the support agent's emails or chat in case {case} conflict with our service policies (refunds, credits, verification, roadmap, competitors, escalation). Which article, if any?",
        "For case {case}, identify the service policy article the agent violated, if there is one.",
        "Case {case} is up for review — did the agent say anything that goes against our knowledge base policies?",
        "Go through the communication history on case {case} and tell me whether the agent breached a policy. Article Id or None, please.",
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        facts = ctx.facts("case_violation")
        pool = sorted(cid for cid, f in facts.items() if (f is None) == want_none)
        if not pool:
            raise Resample
        case = rng.choice(pool)
        subject = ctx.sql('SELECT Subject FROM "Case" WHERE Id = ?', (case,))[0]["Subject"]
        query, template = self.phrase(rng, case=case, subject=subject)
        required = (
            f"Today's date is {ctx.today.isoformat()}. Review what the service agent wrote to the customer in the case's "
            "emails (EmailMessage linked by ParentId) and live chat transcripts (LiveChatTranscript linked by CaseId), "
            "and compare it with the company's service policy articles in the knowledge base (Knowledge__kav). If the "
            "agent breached a policy, answer with that article's Id; if the agent complied with every policy, answer None."
        )
        return Params({"case": case}, query, required, template, facts={"case": case, "subject": subject})

    def solve(self, ctx: Context, params: Params) -> list:
        fact = ctx.facts("case_violation").get(params.values["case"])
        return [fact["article"]] if fact else [None]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        case_id = params.values["case"]
        case = run(f"SELECT Id, Priority, Owner.Email FROM Case WHERE Id = '{case_id}'")["records"][0]
        agent_email = (case.get("Owner") or {}).get("Email")
        mails = run(f"SELECT FromAddress, TextBody, MessageDate FROM EmailMessage WHERE ParentId = '{case_id}' "
                    "ORDER BY MessageDate")["records"]
        chats = run(f"SELECT Body FROM LiveChatTranscript WHERE CaseId = '{case_id}'")["records"]
        conversations = [[m["TextBody"] or "" for m in mails if m["FromAddress"] == agent_email]]
        for c in chats:
            lines = [re.match(r"^\[[^\]]+\] Agent [^:]+: (.*)$", line) for line in (c["Body"] or "").splitlines()]
            conversations.append([m[1] for m in lines if m])
        found = run("FIND {policy} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, Summary)")["searchRecords"]
        policies = parse_policies(found)
        competitors = [a["Title"].split(": ", 1)[1] for a in run(
            "SELECT Title FROM Knowledge__kav WHERE Title LIKE 'Competitor Profile:%'")["records"]]
        kinds = breaches(conversations, case["Priority"], policies, competitors)
        if len(kinds) > 1:
            raise ValueError(f"case {case_id}: several breaches detected: {kinds}")
        return [policies[kinds[0]][0]] if kinds else [None]
