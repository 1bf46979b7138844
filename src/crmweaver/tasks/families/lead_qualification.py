"""lead_qualification: which BANT factors does a lead NOT meet, per its latest call and the BANT article?

Gold: the generator's `_facts` kind `lead_bant_unmet` (the factors unmet in the lead's latest
call, in the order Budget, Authority, Need, Timeline, or null when qualified).

Reference: the lead's latest VoiceCallTranscript__c (by LeadId__c, newest CreatedDate) and the
BANT article found by SOSL. The article states the budget floor ("a budget of at least $N") and
the timeline ("within N months"); the lead's own lines state one `$` figure, one `N month(s)`
figure, whether they can sign (authority) and whether a project needs the product (need). The
authority and need checks read the lead's fixed statements of having or lacking them.
"""

from __future__ import annotations

import random
import re

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

FACTORS = ("Budget", "Authority", "Need", "Timeline")
NO_AUTHORITY = re.compile(
    r"can't sign off|don't have authority|can't approve|can't decide|not my decision|would have to approve", re.I)
NO_NEED = re.compile(r"no active project|don't have a concrete need|just browsing|don't really need|no real need", re.I)
LINE = re.compile(r"^\[[^\]]+\] ([^:]+): (.*)$")


def bant_thresholds(body: str) -> tuple[float, int]:
    """(minimum budget in dollars, maximum months to purchase) stated by the BANT article."""
    budget = re.search(r"budget of at least \$([\d,]+(?:\.\d+)?)", body)
    months = re.search(r"within (\d+) months", body)
    if not budget or not months:
        raise ValueError("the BANT article does not state a budget floor and a timeline")
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


@register
class LeadQualification(Family):
    code = "lead_qualification"
    templates = (
        "Based on the latest call with lead {lead}, which BANT criteria are not met?",
        "Is lead {lead} qualified? If not, tell me which of Budget, Authority, Need and Timeline are missing.",
        "Can you qualify {name} ({lead}) against our BANT guide using their most recent call transcript? List the unmet factors, or None if fully qualified.",
        "Which BANT factors is lead {lead} failing?",
        "I'm reviewing lead {lead} before moving it to Proposal. Using the latest call and the BANT article, which factors aren't satisfied?",
        "bant check on {lead} please — what's missing?",
        "Look at the newest voice call transcript for lead {lead} and determine which qualification criteria (Budget, Authority, Need, Timeline) the lead does not meet.",
        "According to our lead qualification criteria, what is lead {name} ({lead}) missing, if anything?",
        "Lead {lead}: qualified or not? If not, which BANT elements fall short?",
        "My manager wants to know why {name} hasn't been qualified yet. Check lead {lead}'s latest call against the BANT policy and list the unmet criteria.",
        "Evaluate lead {lead} on Budget, Authority, Need and Timeline from the most recent call. Which ones are not met?",
        "Does lead {lead} meet all four BANT criteria? Return the factors that are not met, or None.",
        "From the last conversation we had with {name} (lead {lead}), which parts of BANT are unmet?",
        "Please assess lead {lead}'s qualification status and name any BANT factor it doesn't satisfy.",
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        facts = ctx.facts("lead_bant_unmet")
        pool = sorted(lid for lid, unmet in facts.items() if (unmet is None) == want_none)
        if not pool:
            raise Resample
        lead = rng.choice(pool)
        row = ctx.sql("SELECT FirstName, LastName FROM Lead WHERE Id = ?", (lead,))[0]
        name = f"{row['FirstName']} {row['LastName']}"
        query, template = self.phrase(rng, lead=lead, name=name)
        required = (
            f"Today's date is {ctx.today.isoformat()}. Qualify the lead against the BANT criteria of the knowledge "
            "article on lead qualification (Budget, Authority, Need, Timeline), using only the lead's most recent call "
            "transcript (VoiceCallTranscript__c linked by LeadId__c, latest CreatedDate). Answer with the factors that "
            "are not met, in the order Budget, Authority, Need, Timeline, or None if the lead meets all four."
        )
        return Params({"lead": lead}, query, required, template, facts={"lead": lead, "lead_name": name})

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
        found = run("FIND {BANT} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, FAQ_Answer__c)")["searchRecords"]
        article = next(a for a in found if "budget of at least" in (a["FAQ_Answer__c"] or ""))
        budget_min, max_months = bant_thresholds(article["FAQ_Answer__c"])
        speaker = f"{lead['FirstName']} {lead['LastName']}"
        return unmet_factors(calls[0]["Body__c"], speaker, budget_min, max_months)
