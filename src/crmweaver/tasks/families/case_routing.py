"""case_routing: route a new case (a subject and description block in the query) to the best-suited agent.

Policy: the agent with the most Closed cases of the most similar Issue__c; tie -> most Closed cases
for the product the case is about; tie -> fewest cases not Closed; a tie after that resamples.

The new case is written like the generator writes cases (`gen_text.case_text`: the product, one
of the issue's keywords and symptoms), and does not exist in the org. Which issue is "most
similar" is decided the way an analyst would with the org's own data: every issue is described
by its name, its description and the texts of its past cases; a word of the new case counts for
an issue when that issue's texts use it, weighted by how few issues use it (idf), product names
removed. The sampler keeps only cases whose planted issue wins that comparison clearly (margin
`MIN_MARGIN`), so the gold (the planted issue) is certain; the reference computes the same
comparison from SOQL results.
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict

from crmweaver.org.gen_text import case_text
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

MIN_MARGIN = 1.0  # the planted issue must beat the runner-up by this much idf weight
STOP = frozenset(
    "a an the and or of to in on for with our we is it at by as be are was this that my i from after not has have "
    "our us you your about since".split()
)


def tokens(text: str | None) -> set[str]:
    return {t for t in re.findall(r"[a-z0-9]+", (text or "").lower()) if t not in STOP}


def issue_scores(new_text: str, product_words: set[str], issues: dict[str, list[str]]) -> dict[str, float]:
    """issue Id -> idf-weighted count of the new text's words that the issue's texts also use."""
    vocab = {i: set().union(*(tokens(t) for t in texts)) - product_words for i, texts in issues.items()}
    df: dict[str, int] = defaultdict(int)
    for words in vocab.values():
        for w in words:
            df[w] += 1
    n = len(vocab)
    words = tokens(new_text) - product_words
    return {i: sum(math.log(n / df[w]) for w in words if w in v) for i, v in vocab.items()}


def best_issue(scores: dict[str, float], margin: float = 0.0) -> str | None:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] <= margin):
        return None
    return ranked[0][0]


def pick_agent(issue_closed: dict[str, int], product_closed: dict[str, int], not_closed: dict[str, int]) -> list:
    """Most closed cases of the issue, then of the product, then fewest open cases; else resample."""
    if not issue_closed:
        raise Resample
    key = {a: (-n, -product_closed.get(a, 0), not_closed.get(a, 0)) for a, n in issue_closed.items()}
    best = min(key.values())
    winners = sorted(a for a in key if key[a] == best)
    if len(winners) > 1:
        raise Resample
    return winners


@register
class CaseRouting(Family):
    code = "case_routing"
    templates = (
        "A new case just came in. Which agent should it be routed to?\n\n{block}",
        "Please route this case to the right agent per our routing policy.\n\n{block}",
        "Who should handle this new case?\n\n{block}",
        "{block}\n\nWho's the best agent for this one?",
        "I need to assign a newly created case. Which agent should get it?\n\n{block}",
        "Routing request for the case below.\n\n{block}\n\nWhich user should own it?",
        "Can you tell me which support agent should take this case?\n\n{block}",
        "Based on our case routing rules, which agent is the best fit for this case?\n\n{block}",
        "A customer just opened this case:\n\n{block}\n\nFind the agent with the most relevant experience, following the routing policy.",
        "New case in the queue:\n\n{block}\n\nWho should it be assigned to?",
        "Help me triage this one; it needs an owner.\n\n{block}",
        "Given the following new case, identify the agent who should receive it.\n\n{block}",
        "Which agent should we route the following case to?\n\n{block}",
        "{block}\n\nThis just arrived in the support inbox. Who should pick it up?",
    )

    # -- data both sides read (SQL here, SOQL in the reference) --------------------------------
    def issue_texts_sql(self, ctx: Context) -> tuple[dict[str, list[str]], set[str]]:
        issues: dict[str, list[str]] = {r["Id"]: [r["Name"], r["Description__c"]] for r in ctx.sql(
            "SELECT Id, Name, Description__c FROM Issue__c ORDER BY Id")}
        for r in ctx.sql('SELECT IssueId__c, Subject, Description FROM "Case" WHERE IssueId__c IS NOT NULL ORDER BY Id'):
            issues[r["IssueId__c"]] += [r["Subject"], r["Description"]]
        names = {r["Name"] for r in ctx.sql("SELECT Name FROM Product2")}
        return issues, names

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        cat = ctx.catalog
        issue_ids = {r["Name"]: r["Id"] for r in ctx.sql("SELECT Id, Name FROM Issue__c")}
        issue = rng.choice(cat.issues)
        product = rng.choice(cat.products)
        subject, description = case_text(rng, issue, product.name, b2c=cat.preset == "b2c")
        issues, names = self.issue_texts_sql(ctx)
        product_words = tokens(product.name)
        if best_issue(issue_scores(f"{subject} {description}", product_words, issues), MIN_MARGIN) != issue_ids.get(issue.name):
            raise Resample  # the text does not point clearly to the planted issue
        query, template = self.phrase(rng, block=f"Subject: {subject}\nDescription: {description}")
        query = f"{query}\n\n{self.return_only()}"
        required = (
            f"{ctx.today_sentence()} Case routing policy: determine the issue (Issue__c) most similar to the new case "
            "from its subject and description, and the product it concerns. Route the case to the agent (case "
            "OwnerId) with the most cases in Status 'Closed' for that issue. If several agents tie, pick the one with "
            "the most Closed cases for that product (the product of the case's order item); if they still tie, pick "
            "the one with the fewest cases that are not Closed."
        )
        values = {"issue": issue_ids[issue.name], "product": product.name, "subject": subject, "description": description}
        return Params(values, query, required, template, facts={"subject": subject, "description": description})

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        issue_closed = {r["OwnerId"]: r["n"] for r in ctx.sql(
            "SELECT OwnerId, COUNT(*) n FROM \"Case\" WHERE Status = 'Closed' AND IssueId__c = ? GROUP BY OwnerId",
            (v["issue"],))}
        product_closed = {r["OwnerId"]: r["n"] for r in ctx.sql(
            "SELECT c.OwnerId, COUNT(*) n FROM \"Case\" c JOIN OrderItem oi ON oi.Id = c.OrderItemId__c "
            "JOIN Product2 p ON p.Id = oi.Product2Id WHERE c.Status = 'Closed' AND p.Name = ? GROUP BY c.OwnerId",
            (v["product"],))}
        not_closed = {r["OwnerId"]: r["n"] for r in ctx.sql(
            "SELECT OwnerId, COUNT(*) n FROM \"Case\" WHERE Status != 'Closed' GROUP BY OwnerId")}
        return pick_agent(issue_closed, product_closed, not_closed)

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        text = f"{v['subject']} {v['description']}"
        products = run("SELECT Id, Name FROM Product2")["records"]
        mentioned = [p for p in products if p["Name"].lower() in text.lower()]
        if not mentioned:
            return [None]
        product = max(mentioned, key=lambda p: len(p["Name"]))  # the most specific name the text uses
        issues: dict[str, list[str]] = {
            r["Id"]: [r["Name"], r["Description__c"]] for r in run("SELECT Id, Name, Description__c FROM Issue__c")["records"]
        }
        for r in run("SELECT IssueId__c, Subject, Description FROM Case WHERE IssueId__c != null")["records"]:
            issues[r["IssueId__c"]] += [r["Subject"], r["Description"]]
        issue = best_issue(issue_scores(text, tokens(product["Name"]), issues))
        if issue is None:
            return [None]
        issue_closed = run(
            f"SELECT OwnerId, COUNT(Id) n FROM Case WHERE Status = 'Closed' AND IssueId__c = '{issue}' GROUP BY OwnerId")
        product_closed = run(
            "SELECT OwnerId, COUNT(Id) n FROM Case WHERE Status = 'Closed' "
            f"AND OrderItemId__r.Product2Id = '{product['Id']}' GROUP BY OwnerId")
        not_closed = run("SELECT OwnerId, COUNT(Id) n FROM Case WHERE Status != 'Closed' GROUP BY OwnerId")
        counts = [{r["OwnerId"]: r["n"] for r in res["records"]} for res in (issue_closed, product_closed, not_closed)]
        try:
            return pick_agent(*counts)
        except Resample:
            return [None]
