"""lead_routing: route a new lead by its state to the territory rep with the most accepted quotes.

Policy: the territory whose Description lists the lead's state (two-letter code); among the users
assigned to it (UserTerritory2Association) the one with the most Quotes in Status 'Accepted',
a quote counting for the owner of its opportunity; tie -> fewest unconverted leads (Lead.OwnerId,
IsConverted false); a tie after that cannot be broken, so the instance is drawn again.
Leads carry no state in the org, so the query states it (the lead itself need not exist yet).
"""

from __future__ import annotations

import random
import re

from crmweaver.org.gen_names import FIRST_NAMES, LAST_NAMES, company_names
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register


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


@register
class LeadRouting(Family):
    code = "lead_routing"
    templates = (
        "A new lead just came in from {state}: {who}. Who should it be assigned to under our lead routing policy?",
        "Route this lead, please. {who}, located in {state}. Which rep gets it?",
        "New inbound lead — {who}, based in {state}. Give me the User Id of the sales rep it should go to.",
        "We received a lead from the state of {state} ({who}). According to the routing rules, which user should own it?",
        "Which sales representative should receive the lead {who}? The lead is in {state}.",
        "Lead in {state}: {who}. Who's the right owner?",
        "Please determine the owner for a new lead located in {state}. Details: {who}.",
        "I have a fresh lead from {state} — {who}. Following the territory-based routing policy, who should I hand it to?",
        "Assign the incoming lead ({who}, region {state}) to the correct rep and tell me their Id.",
        "Quick routing question: lead from {state}, {who}. Owner?",
        "Marketing passed over a lead: {who}, state {state}. Identify the territory rep who should take it according to policy.",
        "For a lead whose region is {state} ({who}), which user in the matching territory should the lead be routed to?",
        "Who gets the {state} lead? It's {who}.",
        "Our routing rules send leads to the strongest closer in the lead's territory. A new one from {state} arrived ({who}) — who should own it?",
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        terrs = ctx.sql("SELECT Id, Description FROM Territory2 ORDER BY Id")
        states = sorted({s for t in terrs for s in states_of(t["Description"])})
        if not states:
            raise Resample
        state = rng.choice(states)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if ctx.preset == "b2b":
            who = f"{name} from {rng.choice(company_names(rng, 1))}"
        else:
            who = name
        query, template = self.phrase(rng, state=state, who=who)
        required = (
            f"Today's date is {ctx.today.isoformat()}. Lead routing policy: find the sales territory (Territory2) "
            "whose Description lists the lead's state. Among the users assigned to that territory "
            "(UserTerritory2Association), pick the one with the most quotes in Status 'Accepted'; a quote belongs "
            "to the owner (OwnerId) of its opportunity. If several users tie, pick the one who currently owns the "
            "fewest unconverted leads (Lead.OwnerId with IsConverted = false). Answer with the User Id."
        )
        return Params({"state": state, "lead": who}, query, required, template, facts={"state": state, "lead": who})

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
