"""knowledge_qa: a customer's question about a fact inside a knowledge article's prose; short free-text answer.

The knowledge base plants facts in its narrative articles (`Article.facts`: the customer's question,
the evidence sentence in the body, and a short answer that restates it in other words), so the
gold is grounded in the text but is not a span to copy: CRMArena-Pro's golds are paraphrases
(verbatim in an article in about 4 of 100), scored by token F1. Most questions come from
thought-leadership, product, how-to, story and solution articles; some from the public parts of
competitor and policy articles, the same articles that confidential_company_knowledge rows ask
about. The reference searches the knowledge base (SOSL on what the question is about), reads the
bodies it finds, and answers with the fact whose evidence sentence it reads there.
"""

from __future__ import annotations

import random
import re
from collections import Counter

from crmweaver.org.catalog import Article, Catalog, Fact
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

SHARED_KINDS = ("competitor", "service_policy", "sales_policy")  # articles confidential rows ask about too
SHARED_SHARE = 0.2

_LOWER_OK = {"what", "which", "how", "can", "could", "do", "does", "is", "are", "where", "when", "will", "would", "why",
             "what's", "where's"}
_STOP = {"what", "which", "how", "the", "for", "are", "with", "and", "does", "into", "from", "that", "this", "your",
         "about", "when", "they", "their", "and", "not"}


def lc(q: str) -> str:
    """Lower-case a question's first word when it is a plain question word (never a product name)."""
    return q[:1].lower() + q[1:] if q.split(" ", 1)[0].lower() in _LOWER_OK else q


def search_terms(about: str) -> str:
    """A SOSL search for what a question is about: its three longest distinctive words, ANDed."""
    words = sorted({w for w in re.findall(r"[A-Za-z0-9]+", about) if len(w) > 3 and w.lower() not in _STOP},
                   key=lambda w: (-len(w), w))
    if not words:
        raise Resample
    return " AND ".join(words[:3])


def askable(cat: Catalog) -> list[tuple[Article, Fact]]:
    """Every planted fact whose question is asked by no other fact of the knowledge base."""
    pairs = [(a, f) for a in cat.articles for f in a.facts if f.about]
    counts = Counter(f.question for _, f in pairs)
    return [(a, f) for a, f in pairs if counts[f.question] == 1]


@register
class KnowledgeQA(Family):
    code = "knowledge_qa"
    templates = (
        "{q}",
        "Hi there, {ql}",
        "Hello, quick question: {ql}",
        "{q} Thanks!",
        "Hey! {q}",
        "Could you help me out? {q}",
        "I couldn't find this on your website: {ql}",
        "Good afternoon. {q} A short answer is fine.",
        "Before we go any further, I'd like to know: {ql}",
        "{q} I'd appreciate a concise answer.",
        "Sorry to bother you, but {ql}",
        "One more thing I was wondering about. {q}",
        "Hi, {ql} Just need the short version.",
        "My team keeps asking me this, so: {ql}",
        "I read something about this on your site but can't find it again. {q}",
        "Quick one for you: {ql}",
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        pairs = askable(ctx.catalog)
        shared = [p for p in pairs if p[0].kind in SHARED_KINDS]
        art, fact = rng.choice(shared if shared and rng.random() < SHARED_SHARE else pairs)
        query, template = self.phrase(rng, q=fact.question, ql=lc(fact.question))
        company = ctx.catalog.company
        required = (
            f"{ctx.today_sentence()} You are answering a customer of {company}. Use the knowledge base (Knowledge__kav "
            "articles) to answer the question in a short phrase or sentence."
        )
        values = {"title": art.title, "question": fact.question, "about": fact.about}
        return Params(values, query, required, template, facts={"question": fact.question, "article": art.title})

    def solve(self, ctx: Context, params: Params) -> list:
        """The planted answer, once SQL confirms the org's article states its evidence."""
        art = ctx.catalog.article(params.values["title"])
        fact = next(f for f in art.facts if f.question == params.values["question"])
        rows = ctx.sql("SELECT FAQ_Answer__c FROM Knowledge__kav WHERE Title = ?", (art.title,))
        if len(rows) != 1 or fact.evidence not in (rows[0]["FAQ_Answer__c"] or ""):
            raise RuntimeError(f"{art.title!r}: the org's article does not state {fact.evidence!r}")
        return [fact.answer]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        question = params.values["question"]
        terms = search_terms(params.values["about"])
        found = run(f"FIND {{{terms}}} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, FAQ_Answer__c)")["searchRecords"]
        candidates = [f for a in ctx.catalog.articles for f in a.facts if f.question == question]
        for hit in found:
            body = hit.get("FAQ_Answer__c") or ""
            for f in candidates:
                if f.evidence in body:
                    return [f.answer]
        raise RuntimeError(f"no article found by {terms!r} states the answer to {question!r}")
