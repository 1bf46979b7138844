"""lead_routing: which territory rep should take a new lead, by the lead's state and accepted quotes.

Policy: the territory whose Description lists the lead's state (two-letter code); among the users
assigned to it (UserTerritory2Association) the one with the most Quotes in Status 'Accepted',
a quote counting for the owner of its opportunity; tie -> fewest unconverted leads (Lead.OwnerId,
IsConverted false); a tie after that cannot be broken, so the instance is drawn again.

As in CRMArena-Pro, the request only asks which agent should take the lead; the lead's details
(a real Lead created in the weeks before the row's date, and its state, which the org's Lead
object does not store) sit in the context next to the policy.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

NEW_LEAD_DAYS = 90  # a lead to route was created at most this long before the row's date


def states_of(description: str | None) -> set[str]:
    """Two-letter codes listed in a territory description ("CT, MA, ME")."""
    return set(re.findall(r"\b[A-Z]{2}\b", description or ""))


def pick(users: list[str], accepted: dict[str, int], open_leads: dict[str, int]) -> list:
    """Most accepted quotes, then fewest unconverted leads; an unbreakable tie resamples."""
    if not users:
        raise Resample
    key = {u: (-accepted.get(u, 0), open_leads.get(u, 0)) for u in users}
    best = min(key.values())
    winners = sorted(u for u in users if key[u] == best)
    if len(winners) > 1:
        raise Resample
    return winners


POLICY = (
    "Lead routing policy: find the sales territory (Territory2) whose Description lists the lead's state. Among "
    "the users assigned to that territory (UserTerritory2Association), pick the one with the most quotes in Status "
    "'Accepted'; a quote belongs to the owner (OwnerId) of its opportunity. If several users tie, pick the one who "
    "currently owns the fewest unconverted leads (Lead.OwnerId with IsConverted = false)."
)


@register
class LeadRouting(Family):
    code = "lead_routing"
    templates = (
        "Which agent should this lead be routed to?",
        "Who should take this lead?",
        "A new lead just came in. Which sales agent should it be assigned to?",
        "Can you work out who this lead should go to under our routing policy?",
        "Please determine the right owner for this lead.",
        "Which rep gets this one?",
        "Marketing just handed over this lead. Which of our sales agents should own it?",
        "Who is the most suitable agent to follow up on this lead?",
        "Route this lead to the correct sales agent, please.",
        "Based on where the lead is located, who should it be assigned to?",
        "Which user should become the owner of this new lead?",
        "Help me route a fresh lead: which agent should pick it up?",
        "Our lead routing policy decides who works new leads. Who should get this one?",
        "I need to hand this lead to someone on the sales team. Who's the right person?",
        "Who on the team should this lead be assigned to?",
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        terrs = ctx.sql("SELECT Id, Description FROM Territory2 ORDER BY Id")
        states = sorted({s for t in terrs for s in states_of(t["Description"])})
        since = (ctx.today - timedelta(days=NEW_LEAD_DAYS)).isoformat()
        today = ctx.today.isoformat()
        extra = ", Company, Title" if ctx.preset == "b2b" else ""
        leads = ctx.sql(
            f"SELECT Id, Name{extra} FROM Lead WHERE substr(CreatedDate, 1, 10) BETWEEN ? AND ? "
            "AND (IsConverted = 0 OR ConvertedDate > ?) ORDER BY Id", (since, today, today))
        if not states or not leads:
            raise Resample
        lead = rng.choice(leads)
        state = rng.choice(states)
        who = lead["Name"]
        if ctx.preset == "b2b":
            who += f" ({lead['Title']} at {lead['Company']})" if lead["Title"] else f" ({lead['Company']})"
        query, template = self.phrase(rng)
        query = f"{query} {self.return_only()}"
        required = (
            f"{ctx.today_sentence()} {POLICY}\n"
            f"The lead: Id {lead['Id']}, {who}, located in {state}."
        )
        facts = {"lead_id": lead["Id"], "lead": who, "state": state}
        return Params({"state": state, "lead": lead["Id"]}, query, required, template, facts=facts)

    def solve(self, ctx: Context, params: Params) -> list:
        state = params.values["state"]
        terrs = [t["Id"] for t in ctx.sql("SELECT Id, Description FROM Territory2") if state in states_of(t["Description"])]
        if len(terrs) != 1:
            raise Resample
        users = sorted({r["UserId"] for r in ctx.sql(
            "SELECT UserId FROM UserTerritory2Association WHERE Territory2Id = ?", (terrs[0],))})
        accepted = {r["u"]: r["n"] for r in ctx.sql(
            "SELECT o.OwnerId u, COUNT(*) n FROM Quote q JOIN Opportunity o ON o.Id = q.OpportunityId "
            "WHERE q.Status = 'Accepted' GROUP BY o.OwnerId")}
        open_leads = {r["u"]: r["n"] for r in ctx.sql(
            "SELECT OwnerId u, COUNT(*) n FROM Lead WHERE IsConverted = 0 GROUP BY OwnerId")}
        return pick(users, accepted, open_leads)

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        state = params.values["state"]
        terrs = run("SELECT Id, Name, Description FROM Territory2")["records"]
        match = [t["Id"] for t in terrs if state in states_of(t["Description"])]
        if len(match) != 1:
            return [None]
        users = run(f"SELECT UserId FROM UserTerritory2Association WHERE Territory2Id = '{match[0]}'")["records"]
        ids = sorted({u["UserId"] for u in users})
        in_list = ", ".join(f"'{u}'" for u in ids)
        accepted = run(
            "SELECT Opportunity.OwnerId owner, COUNT(Id) n FROM Quote WHERE Status = 'Accepted' "
            f"AND Opportunity.OwnerId IN ({in_list}) GROUP BY Opportunity.OwnerId"
        )["records"]
        leads = run(
            f"SELECT OwnerId, COUNT(Id) n FROM Lead WHERE IsConverted = false AND OwnerId IN ({in_list}) GROUP BY OwnerId"
        )["records"]
        try:
            return pick(ids, {r["owner"]: r["n"] for r in accepted}, {r["OwnerId"]: r["n"] for r in leads})
        except Resample:
            return [None]
