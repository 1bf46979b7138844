"""lead_qualification: which BANT factors does a lead NOT meet, judged from its latest call alone?

As in CRMArena-Pro, the knowledge base has no BANT scoring article: the row's policy text
(metadata.required) states the criteria, and the lead's call transcripts carry the evidence. Gold:
the generator's `_facts` kind `lead_bant_unmet` (the factors unmet in the lead's latest call, in
the order Budget, Authority, Need, Timeline, or null when qualified). Non-None rows name one
factor in about 90 % of rows and two in the rest (CRMArena-Pro's prior); only leads whose latest
call took place by the row's date are asked about, and the lead's Id sits in the context for
most rows.

Reference: the lead's latest VoiceCallTranscript__c (by LeadId__c, newest CreatedDate) and the
thresholds stated by the policy text ("a budget of at least $N", "within N months"); the lead's
own lines state one `$` figure, one `N month(s)` figure, whether they can sign (authority) and
whether a project needs the product (need). The authority and need checks read the lead's fixed
statements of having or lacking them.
"""

from __future__ import annotations

import random
import re

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

FACTORS = ("Budget", "Authority", "Need", "Timeline")
ONE_FACTOR_SHARE = 0.9  # CRMArena-Pro: non-None answers name a single factor in about 90 % of rows
ID_IN_CONTEXT = 0.75
NO_AUTHORITY = re.compile(
    r"can't sign off|don't have authority|can't approve|can't decide|not my decision|would have to approve", re.I)
NO_NEED = re.compile(r"no active project|don't have a concrete need|just browsing|don't really need|no real need", re.I)
LINE = re.compile(r"^\[[^\]]+\] ([^:]+): (.*)$")


def bant_thresholds(text: str) -> tuple[float, int]:
    """(minimum budget in dollars, maximum months to purchase) stated by a BANT policy text."""
    budget = re.search(r"budget of at least \$([\d,]+(?:\.\d+)?)", text)
    months = re.search(r"within (\d+) months", text)
    if not budget or not months:
        raise ValueError("the BANT policy does not state a budget floor and a timeline")
    return float(budget[1].replace(",", "")), int(months[1])


def unmet_factors(transcript: str, speaker: str, budget_min: float, max_months: int) -> list:
    """BANT factors the speaker's statements in one call do not meet (None when all are met)."""
    said = " ".join(m[2] for m in map(LINE.match, transcript.splitlines()) if m and m[1].strip() == speaker)
    unmet = []
    money = [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+(?:\.\d+)?)", said)]
    if not money or max(money) < budget_min:
        unmet.append("Budget")
    if NO_AUTHORITY.search(said):
        unmet.append("Authority")
    if NO_NEED.search(said):
        unmet.append("Need")
    months = [int(x) for x in re.findall(r"\b(\d+) months?\b", said)]
    if not months or max(months) > max_months:
        unmet.append("Timeline")
    return unmet or [None]


def bant_policy(bant: dict) -> str:
    """The qualification criteria as the row's policy text states them (the only place they are written)."""
    titles = ", ".join(bant["authority_titles"][:-1]) + " or " + bant["authority_titles"][-1]
    return (
        "Lead qualification policy (BANT): judge the lead only from its most recent call transcript. "
        f"Budget: the lead has confirmed a budget of at least ${bant['budget_min']:,.0f} for the purchase. "
        f"Authority: the person on the call can make or sign the purchasing decision ({titles}). "
        f"Need: the lead has {bant['need']}. "
        f"Timeline: the lead plans to buy within {bant['timeline_max_months']} months. "
        "A lead that meets all four factors is qualified."
    )


GENERIC = (
    "Is this lead qualified? If not, which BANT factors are missing?",
    "Based on the latest call with this lead, which BANT criteria are not met?",
    "Which BANT factors is this lead failing?",
    "I'm reviewing this lead before moving it to Proposal. Which qualification factors aren't satisfied yet?",
    "bant check on this lead please: what's missing?",
    "Can you qualify {name} against our BANT criteria from their most recent call?",
    "According to our lead qualification criteria, what is {name} missing, if anything?",
    "Qualified or not? If not, which BANT elements fall short for this lead?",
    "My manager wants to know why {name} hasn't been qualified yet. What's holding it back?",
    "Evaluate this lead on Budget, Authority, Need and Timeline from the last call. Which ones are not met?",
    "Does this lead meet all four BANT criteria?",
    "From the last conversation we had with {name}, which parts of BANT are unmet?",
    "I just listened to my call with {name} again. Are they a qualified lead, or is something missing?",
    "Before I hand {name} over to an account executive, can you confirm the lead is qualified?",
    "What's stopping this lead from being qualified?",
    "Should this lead move forward? Tell me which BANT factors, if any, it does not meet.",
)
WITH_ID = (
    "Based on the latest call with lead {lead}, which BANT criteria are not met?",
    "Is lead {lead} qualified? If not, which of Budget, Authority, Need and Timeline are missing?",
    "Which BANT factors is lead {lead} failing?",
    "Lead {lead}: qualified or not? If not, which BANT elements fall short?",
    "Please assess lead {lead}'s qualification status against BANT.",
)


@register
class LeadQualification(Family):
    code = "lead_qualification"
    templates = GENERIC + WITH_ID

    def _leads(self, ctx: Context) -> dict[str, tuple[int | None, str]]:
        """lead -> (number of unmet factors or None, day of its latest call), cached per org."""
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] is not ctx.org:
            last = {r["l"]: r["d"][:10] for r in ctx.sql(
                "SELECT LeadId__c l, MAX(CreatedDate) d FROM VoiceCallTranscript__c WHERE LeadId__c IS NOT NULL GROUP BY 1")}
            out = {lid: (len(unmet) if unmet else None, last[lid])
                   for lid, unmet in sorted(ctx.facts("lead_bant_unmet").items()) if lid in last}
            self._cache = cache = (ctx.org, out)
        return cache[1]

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        size = None if want_none else (1 if rng.random() < ONE_FACTOR_SHARE else 2)
        today = ctx.today.isoformat()
        pool = [lid for lid, (n, day) in self._leads(ctx).items() if n == size and day <= today]
        if not pool:
            raise Resample
        lead = rng.choice(pool)
        row = ctx.sql("SELECT FirstName, LastName FROM Lead WHERE Id = ?", (lead,))[0]
        name = f"{row['FirstName']} {row['LastName']}"
        in_context = rng.random() < ID_IN_CONTEXT
        group, offset = (GENERIC, 0) if in_context else (WITH_ID, len(GENERIC))
        i = rng.randrange(len(group))
        query = f"{group[i].format(lead=lead, name=name)} {self.return_only(none='if the lead is qualified')}"
        required = f"{ctx.today_sentence()} {bant_policy(ctx.catalog.bant)}"
        if in_context:
            required += f" The lead's Id is {lead}."
        return Params({"lead": lead}, query, required, offset + i, facts={"lead": lead, "lead_name": name})

    def solve(self, ctx: Context, params: Params) -> list:
        unmet = ctx.facts("lead_bant_unmet").get(params.values["lead"])
        return [f for f in FACTORS if f in unmet] if unmet else [None]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        lead_id = params.values["lead"]
        lead = run(f"SELECT Id, FirstName, LastName FROM Lead WHERE Id = '{lead_id}'")["records"][0]
        calls = run(
            f"SELECT Id, Body__c, CreatedDate FROM VoiceCallTranscript__c WHERE LeadId__c = '{lead_id}' "
            "ORDER BY CreatedDate DESC LIMIT 1"
        )["records"]
        budget_min, max_months = bant_thresholds(params.required)
        speaker = f"{lead['FirstName']} {lead['LastName']}"
        return unmet_factors(calls[0]["Body__c"], speaker, budget_min, max_months)
