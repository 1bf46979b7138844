"""knowledge_qa: a customer's product or service question, answered concisely from a knowledge FAQ.

Every FAQ article states its short answer as its Summary (the catalog's `Article.answer`, first
letter capitalised, plus a full stop); the gold is that answer as the org states it. Customers do
not quote article titles: each FAQ title pattern has several customer-voice paraphrases, wrapped in
one of the templates. The reference searches the knowledge base (SOSL on the product name or the
question's key words), picks the article that answers the question and reads off its Summary.
"""

from __future__ import annotations

import random
import re

from crmweaver.org.catalog import Article
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register

# FAQ title pattern (product -> X, company -> C) -> customer paraphrases
PARAPHRASES: dict[str, tuple[str, ...]] = {
    # b2b product FAQs
    "What are the system requirements for X?": (
        "What do I need to run X?", "Which operating systems and how much RAM does X need?",
        "What hardware and OS does X require?", "What are the minimum specs for running X?"),
    "How is X licensed?": (
        "How does licensing work for X?", "What kind of license does X use?", "What's the licensing model for X?",
        "How do you license X?"),
    "What is the latest release of X?": (
        "What's the newest version of X?", "Which version of X is the most recent one?",
        "What is the current release of X and when did it come out?", "What's the latest version of X?"),
    "Which file formats does X support?": (
        "What file formats can X read and write?", "Which formats does X handle?", "What file types does X work with?",
        "Which file formats can I use with X?"),
    "Which tools does X integrate with?": (
        "What tools does X connect to out of the box?", "Which integrations come with X?",
        "Which other tools does X integrate with?", "What does X integrate with?"),
    "Can we evaluate X before buying?": (
        "Is there a trial of X?", "Can we try X before we purchase it?", "Do you offer an evaluation license for X?",
        "Is it possible to test X before committing to buy it?"),
    "What is the maximum design size supported by X?": (
        "How large a design can X handle?", "What's the biggest design X supports?",
        "What is the design size limit of X?", "How big can a design get in X?"),
    # b2b general FAQs
    "What are the support hours for C customers?": (
        "When is your support team available?", "What hours can I reach C support?", "What are your support hours?"),
    "How many named support contacts can an account register?": (
        "How many support contacts can our account have?", "What's the limit on named support contacts per account?",
        "How many people at our company can be registered as support contacts?"),
    "Where can I download previous product releases?": (
        "Where do I get older versions of your products?", "How can I download a previous release?",
        "Where are past product releases available for download?"),
    "Which license server version is required for the current releases?": (
        "What license server version do the current releases need?",
        "Which version of the license server do I need for the latest releases?",
        "Which license server version is required now?"),
    "What training courses are available for new users?": (
        "What training do you offer for new users?", "Are there training courses for people new to your tools?",
        "How can our new hires get trained on your products?"),
    # b2c product FAQs
    "How much floor space does X have?": ("How big is the floor of the X?", "What's the floor area of the X?"),
    "What is X made of?": ("What material is X made from?", "What's X made of?", "Which materials are used in X?"),
    "What warranty comes with X?": (
        "What's the warranty on X?", "How long is X covered by warranty?", "What kind of warranty does X come with?"),
    "What temperature is X rated for?": ("How cold can it get with X?", "What's the temperature rating of X?"),
    "How much does X weigh?": ("What's the weight of X?", "How heavy is X?", "Roughly how much does X weigh?"),
    "How should I clean and care for X?": (
        "How do I clean X?", "What's the best way to look after X?", "What are the care instructions for X?"),
    "What laptop size fits in X?": ("How big a laptop can I fit in X?", "What's the largest laptop that fits in X?"),
    "Which inseam lengths does X come in?": ("What inseam lengths are available for X?", "Which inseams can I get X in?"),
    "Which weights come in X?": ("What weights does X include?", "Which weights are in X?"),
    "How big is X?": ("What are the dimensions of X?", "What size is X?"),
    "How much weight can X hold?": ("What's the weight capacity of X?", "How much can X hold?"),
    "Which connections does X support?": ("How does X connect to other devices?", "What connectivity does X have?"),
    "What resolution does X record?": (
        "What resolution do photos and videos from X have?", "At what resolution does X take photos and video?"),
    "How bright is X and how long does it last?": (
        "How many lumens is X and what's the battery life?", "What's the brightness and run time of X?"),
    # b2c general FAQs
    "How long does standard shipping take?": (
        "How long will standard shipping take?", "When would my order arrive with standard shipping?",
        "What's the delivery time for standard shipping?"),
    "What are the benefits of the C membership?": (
        "What do I get with a C membership?", "What are the perks of being a C member?",
        "What are the benefits of your membership?"),
    "Do C gift cards expire?": (
        "Will my C gift card expire?", "Is there an expiry date on C gift cards?", "Do your gift cards have an expiration date?"),
    "Does C ship internationally?": (
        "Do you ship outside the US?", "Can C deliver to other countries?", "Do you offer international shipping?"),
}

_LOWER_OK = {"what", "which", "how", "can", "could", "do", "does", "is", "are", "where", "when", "will", "would", "roughly"}
_STOP = {"what", "which", "how", "can", "does", "the", "for", "are", "with", "and", "long", "much", "many", "come",
         "comes", "made", "does", "an", "of", "in", "is", "a", "do", "an", "to", "we", "i", "it", "by", "before"}


def lc(q: str) -> str:
    """Lower-case a question's first word when it is a plain question word (never a product name)."""
    first = q.split(" ", 1)[0].lower().rstrip("'s")
    return q[:1].lower() + q[1:] if first in _LOWER_OK or q.split(" ", 1)[0].lower() in ("what's", "how's") else q


def pattern(article: Article, company: str) -> str:
    t = article.title.replace(article.product, "X") if article.product else article.title
    return t.replace(company, "C")


def fill(text: str, product: str | None, company: str) -> str:
    """Put the product and company names into a paraphrase's X and C slots (whole words only)."""
    if product:
        text = re.sub(r"\bX\b", lambda _: product, text)
    return re.sub(r"\bC\b", lambda _: company, text)


def summary_answer(summary: str) -> str:
    """The short answer an FAQ's Summary states: its text without the closing full stop."""
    return summary.strip()[:-1] if summary.strip().endswith(".") else summary.strip()


def _tokens(s: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", s.lower())


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
    )

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        faqs = [a for a in ctx.catalog.articles if a.kind == "faq" and a.answer]
        art = rng.choice(faqs)
        company = ctx.catalog.company
        paraphrases = PARAPHRASES.get(pattern(art, company), (art.title,))
        core = fill(rng.choice(paraphrases), art.product, company)
        query, template = self.phrase(rng, q=core, ql=lc(core))
        required = (
            f"Today's date is {ctx.today.isoformat()}. You are answering a customer of {company}. Use the knowledge base "
            "(Knowledge__kav articles) to find the FAQ that answers the question, and answer concisely with the short "
            "answer the article gives (its summary), without extra explanation."
        )
        values = {"title": art.title, "product": art.product}
        return Params(values, query, required, template, facts={"question": art.title})

    def solve(self, ctx: Context, params: Params) -> list:
        art = ctx.catalog.article(params.values["title"])
        rows = ctx.sql("SELECT Summary, FAQ_Answer__c FROM Knowledge__kav WHERE Title = ?", (art.title,))
        if len(rows) != 1:
            raise Resample
        gold = art.answer[:1].upper() + art.answer[1:]
        if summary_answer(rows[0]["Summary"]) != gold:
            raise RuntimeError(f"{art.title!r}: the org's Summary {rows[0]['Summary']!r} does not state {art.answer!r}")
        body = set(_tokens(rows[0]["FAQ_Answer__c"] or ""))
        toks = _tokens(gold)
        if sum(t in body for t in toks) < 0.75 * len(toks):
            raise Resample  # the article body does not back its short answer well enough
        return [gold]

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        if v["product"]:
            terms = f'"{v["product"]}"'
        else:
            words = sorted({w for w in _tokens(v["title"]) if w not in _STOP and len(w) > 3}, key=lambda w: (-len(w), w))
            terms = " AND ".join(words[:2])
        found = run(f"FIND {{{terms}}} IN ALL FIELDS RETURNING Knowledge__kav(Id, Title, Summary, FAQ_Answer__c)")
        hits = [r for r in found["searchRecords"] if r["Title"] == v["title"]]
        if not hits:
            title = v["title"].replace("'", "\\'")
            hits = run(f"SELECT Id, Title, Summary, FAQ_Answer__c FROM Knowledge__kav WHERE Title = '{title}'")["records"]
        return [summary_answer(hits[0]["Summary"])]
