"""The knowledge-base writer: long narrative articles composed from sentence pools and topic tables.

One `Writer` per catalog, driven by the catalog's seeded rng. It picks the least-used templates
of each pool first (ties broken by the rng), so the 100-200 articles of an org spread over the
pools instead of repeating favourites, and fills them with article-specific slots (product,
topic, customer, numbers). Each article is padded with on-topic sentences to a drawn target
length (most between 2,100 and 3,900 characters, as CRMArena-Pro's articles).

Narrative articles plant `Fact`s: an evidence sentence in the prose, the customer's question
and a short answer that restates the evidence in other words (other verb forms, another order),
never a verbatim span of the article.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Sequence

from crmweaver.org import kb_phrases as PH
from crmweaver.org.catalog import Fact
from crmweaver.org.kb_lang import cap, ing, join

TARGET = (2150, 3850, 2850)  # triangular(low, high, mode) of an article's body length in characters


class Scope(dict):
    """Slot values of one article; `{P}` is `{p}` with a capital first letter."""

    def __missing__(self, key: str) -> str:
        low = key[:1].lower() + key[1:]
        if key[:1].isupper() and low in self:
            return cap(str(self[low]))
        raise KeyError(key)

    def has(self, fields: frozenset[str]) -> bool:
        return all(f in self or (f[:1].isupper() and (f[:1].lower() + f[1:]) in self) for f in fields)


def _fields(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


class Writer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: Counter[str] = Counter()
        self.said: set[str] = set()  # every sentence written so far: none is written twice
        self._fields: dict[str, frozenset[str]] = {}

    def pick(self, pool: Sequence[str], scope: Scope, k: int = 1, taken: set[str] | None = None) -> list[str]:
        """k sentences from the least-used templates of `pool` whose slots the scope fills."""
        taken = taken if taken is not None else set()
        fits = []
        for t in pool:
            f = self._fields.get(t)
            if f is None:
                f = self._fields[t] = _fields(t)
            if t not in taken and scope.has(f):
                fits.append(t)
        keyed = sorted(fits, key=lambda t: (self.used[t], self.rng.random()))
        out = []
        for t in keyed:
            if len(out) == k:
                break
            text = t.format_map(scope)
            if text in self.said:
                continue
            self.used[t] += 1
            taken.add(t)
            self.said.add(text)
            out.append(text)
        return out

    def target(self) -> int:
        return int(self.rng.triangular(*TARGET))

    def compose(self, paragraphs: list[list[str]], scope: Scope, fillers: Sequence[Sequence[str]],
                target: int | None = None) -> str:
        """Join paragraphs; add filler sentences (new paragraphs of 3-5) until the body reaches the target length."""
        target = target or self.target()
        taken: set[str] = set()
        paras = [p for p in paragraphs if p]
        body = _join(paras)
        extra: list[str] = []
        pools = [list(p) for p in fillers]
        rounds = 0
        while len(body) + sum(len(s) + 1 for s in extra) < target and rounds < 60:
            rounds += 1
            pool = pools[rounds % len(pools)]
            got = self.pick(pool, scope, 1, taken)
            if not got:
                if all(not self.pick_possible(p, scope, taken) for p in pools):
                    break
                continue
            extra += got
            if len(extra) >= self.rng.randint(3, 5):
                paras.insert(self.rng.randint(1, max(1, len(paras) - 1)), extra)
                body = _join(paras)
                extra = []
        if extra:
            paras.insert(max(1, len(paras) - 1), extra)
        return _join(paras)

    def pick_possible(self, pool: Sequence[str], scope: Scope, taken: set[str]) -> bool:
        return any(t not in taken and scope.has(self._fields.get(t) or _fields(t)) and t.format_map(scope) not in self.said
                   for t in pool)


def _join(paras: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paras if p)


# --- facts ------------------------------------------------------------------------------------------


def measures_fact(rng: random.Random, question: str, goal: str, aud: str, practices: Sequence[str]) -> Fact:
    """Which measures / what to do to reach a goal: three practices, stated in base form, answered as gerunds."""
    p1, p2, p3 = practices[:3]
    forms = (
        (f"To {goal}, the teams we work with {p1}, {p2} and {p3}.", f"By {ing(p1)}, {ing(p2)} and {ing(p3)}."),
        (f"Our advice for {aud} who want to {goal} is to {p1}, {p2} and {p3}.",
         f"{cap(ing(p1))}, {ing(p2)} and {ing(p3)}."),
        (f"{cap(aud)} who manage to {goal} tend to {p1}, to {p2} and to {p3}.",
         f"They {p1}, {p2} and {p3}."),
    )
    evidence, answer = rng.choice(forms)
    return Fact(question, answer, evidence)


def why_fact(rng: random.Random, question: str, subject: str, aud: str, b1: str, b2: str) -> Fact:
    forms = (
        (f"{cap(subject)} matters to {aud} because it lets them {b1} and {b2}.", f"It helps them {b1} and {b2}."),
        (f"The reason {subject} deserves attention is simple: done well, it allows {aud} to {b1} and to {b2}.",
         f"Because it lets {aud} {b1} and {b2}."),
        (f"What {subject} buys {aud} is the ability to {b1} while also managing to {b2}.",
         f"It lets them {b1} and {b2}."),
    )
    evidence, answer = rng.choice(forms)
    return Fact(question, answer, evidence)


def when_fact(rng: random.Random, question: str, sit: str, s1: str, s2: str) -> Fact:
    forms = (
        (f"When {sit}, we recommend that you first {s1} and then {s2}.", f"{cap(ing(s1))} first, then {ing(s2)}."),
        (f"If {sit}, the quickest route back is to {s1}, followed by a second step: {s2}.",
         f"Start by {ing(s1)}, then {s2}."),
    )
    evidence, answer = rng.choice(forms)
    return Fact(question, answer, evidence)


def first_step_fact(rng: random.Random, question: str, s1: str) -> Fact:
    forms = (
        (f"The first step is to {s1}; everything else depends on it.", f"Begin by {ing(s1)}."),
        (f"Before anything else, {s1}.", f"{cap(ing(s1))} comes first."),
        (f"Start here: {s1}.", f"The first thing is {ing(s1)}."),
    )
    evidence, answer = rng.choice(forms)
    return Fact(question, answer, evidence)


def results_fact(rng: random.Random, question: str, cust: str, months: int, m1: str, x: int, m2: str, y: int) -> Fact:
    forms = (
        (f"Within {months} months of the rollout, {cust} had improved {m1} by {x} percent and {m2} by {y} percent.",
         f"{cap(m1)} improved {x}% and {m2} improved {y}%."),
        (f"After {months} months, the numbers at {cust} were clear: {m1} was {x} percent better and {m2} {y} percent better.",
         f"A {x}% better {m1} and a {y}% better {m2}."),
    )
    evidence, answer = rng.choice(forms)
    return Fact(question, answer, evidence)


def list_fact(question: str, evidence_lead: str, items: Sequence[str]) -> Fact:
    """A list the article states in one order; the answer names the same items in another."""
    items = list(items)
    rotated = items[1:] + items[:1]
    return Fact(question, join(rotated) + ".", f"{evidence_lead} {join(items)}.")
