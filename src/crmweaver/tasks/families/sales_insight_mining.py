"""sales_insight_mining: competitors and sub-topic sentiment in sales call transcripts.

Kinds of row, in CRMArena-Pro's proportions: the most-mentioned competitor (about 55 %: in one
opportunity's calls, or across all opportunity calls of a window), the sub-topics discussed
positively (about 20 %) or negatively (about 10 %) in one opportunity's calls, and the rest the
sub-topics discussed at all. Sub-topics come from a Title-Case taxonomy (`dialogue.sub_topics`);
a sentiment answer lists a sub-topic once per call in which it has that sentiment, so a topic may
repeat, and the gold is the comma-joined list (token F1). Windows are weeks, months, quarters,
seasons or named periods ending by the row's date; rows without a window ask about an
opportunity whose calls all took place by then.

Gold comes from the planted per-call `_facts` (`call_competitors`, `negative_topics`,
`positive_topics`), cross-checked with plain-SQL text counting. The reference reads competitor
names from the knowledge base's competitor profiles and the transcripts through the engine,
counts names, and judges each line naming a sub-topic with a fixed cue lexicon (verified against
the planted facts in tests).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter

from crmweaver.org.dialogue import SUB_TOPICS, sub_topics
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window, random_window

PROFILE_PREFIX = "Competitor Profile: "
KINDS = (("competitor_opp", 35), ("competitor_window", 20), ("positive", 20), ("negative", 10), ("topics", 15))
WINDOW_KINDS = ("past_weeks", "past_months", "past_quarters", "month", "quarter", "season")
ID_IN_CONTEXT = 0.7
KIND_TOTAL = sum(w for _, w in KINDS)
KIND_DRAWS = 40  # draws of one row that keep its kind (synth.MAX_TRIES allows 200)
# words and phrases by which a customer's statement about a sub-topic reads as negative
NEGATIVE_CUES = (
    "concern", "not happy", "sticking point", "disappointing", "disappointed", "worry", "worries", "worried", "problem",
    "too high", "is thin", "feel thin", "too slow", "harder", "a mess", "frustrat", "poor", "unhappy", "restrictive",
    "don't like", "confusing", "inflexible", "too long", "not comfortable", "too limited", "rushed", "risky", "painful",
    "non-starter", "above what", "complained", "missing", "out of date", "slowed",
)
_CUE = re.compile(r"\b(" + "|".join(map(re.escape, NEGATIVE_CUES)) + r")")


def topic_sentiment(body: str, topics: tuple[str, ...] = SUB_TOPICS) -> tuple[set[str], set[str]]:
    """(negative, positive) sub-topics of one transcript: each line naming a sub-topic is judged by its cues."""
    neg: set[str] = set()
    pos: set[str] = set()
    for line in body.splitlines():
        text = (line.split(": ", 1)[1] if ": " in line else line).lower()
        for topic in topics:
            if topic.lower() in text:
                (neg if _CUE.search(text) else pos).add(topic)
    return neg, pos


def mentions(body: str, names: list[str]) -> Counter:
    return Counter({n: body.count(n) for n in names if body.count(n)})


def most_mentioned(counts: Counter) -> list:
    """The one competitor with the most mentions; a tie (or no mention) cannot be answered."""
    ranked = counts.most_common()
    if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        raise Resample
    return [ranked[0][0]]


def join_topics(per_call: list) -> list:
    """One comma-joined answer: every call's topics, sorted (a topic repeats once per call that has it)."""
    topics = sorted(t for call in per_call for t in call)
    if not topics:
        raise Resample
    return [", ".join(topics)]


COMP_OPP = (
    "Which competitor came up most often in our calls on this opportunity{scope}?",
    "Who's the competitor we hear about most on this deal's calls{scope}?",
    "Before my next call, which competitor did the customer bring up the most{scope}?",
    "most mentioned competitor on this opp{scope}?",
    "Looking at the call transcripts for this opportunity{scope}, which rival is the customer most focused on?",
    "Which competitor should I be preparing for on this deal, going by how often they came up in our calls{scope}?",
    "Which competitor came up most often in the calls for opportunity {opp}{scope}?",
    "In the call transcripts of opportunity {opp}{scope}, which competitor was mentioned the most?",
)
COMP_WIN = (
    "Across all our opportunity calls {scope}, which competitor was mentioned most?",
    "Which competitor did prospects bring up most often in our sales calls {scope}?",
    "Competitive intel request: who was the most-mentioned competitor on deal calls {scope}?",
    "Which rival came up the most on our sales calls {scope}?",
    "Looking at every opportunity call {scope}, which competitor do customers talk about most?",
    "I'm preparing the competitive briefing. Which competitor was named most in our sales calls {scope}?",
)
POS_OPP = (
    "What did the customer like in our calls on this opportunity{scope}? Give me the sub-topics they spoke positively about.",
    "Which sub-topics got positive feedback on this deal's calls{scope}?",
    "Which parts of our offer did the customer praise in the calls{scope}?",
    "List the sub-topics with positive sentiment in this opportunity's call transcripts{scope}.",
    "What are the customer's positive talking points from our calls{scope}, by sub-topic?",
    "Which sub-topics did the customer speak positively about in the calls for opportunity {opp}{scope}?",
)
NEG_OPP = (
    "Which sub-topics did the customer feel negatively about in our calls on this opportunity{scope}?",
    "What were the pain points raised on this deal's calls{scope}? List the sub-topics.",
    "Which sub-topics did the customer complain about in our calls{scope}?",
    "negative sub-topics on this opp's calls{scope}?",
    "Where is this customer unhappy, going by our calls{scope}? Give me the sub-topics.",
    "List the sub-topics with negative sentiment in the call transcripts of opportunity {opp}{scope}.",
)
TOPICS_OPP = (
    "Which sub-topics came up in our calls on this opportunity{scope}?",
    "What did we discuss with the customer on this deal's calls{scope}? List the sub-topics.",
    "Give me the sub-topics the customer raised in the calls{scope}, whatever their sentiment.",
    "Summarise this opportunity's calls{scope} as a list of the sub-topics discussed.",
    "Which sub-topics were discussed in the calls for opportunity {opp}{scope}?",
)
GROUPS = {"competitor_opp": COMP_OPP, "competitor_window": COMP_WIN, "positive": POS_OPP, "negative": NEG_OPP,
          "topics": TOPICS_OPP}
OFFSETS = {k: sum(len(GROUPS[j]) for j in list(GROUPS)[:i]) for i, k in enumerate(GROUPS)}
FACT_KIND = {"positive": ("positive_topics",), "negative": ("negative_topics",),
             "topics": ("negative_topics", "positive_topics")}


@register
class SalesInsightMining(Family):
    code = "sales_insight_mining"
    templates = COMP_OPP + COMP_WIN + POS_OPP + NEG_OPP + TOPICS_OPP

    def __init__(self) -> None:
        self._kind_counts: Counter = Counter()  # rows started per kind, for the apportionment
        self._kind: str | None = None  # the current row's kind; None for a caller that never starts rows
        self._draws = 0  # draws of the current row

    def _calls(self, ctx: Context) -> dict[str, list[str]]:
        """opportunity -> days of its calls, in order (cached per org)."""
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] is not ctx.org:
            out: dict[str, list[str]] = {}
            for r in ctx.sql("SELECT OpportunityId__c o, CreatedDate d FROM VoiceCallTranscript__c "
                             "WHERE OpportunityId__c IS NOT NULL ORDER BY OpportunityId__c, CreatedDate, Id"):
                out.setdefault(r["o"], []).append(r["d"][:10])
            self._cache = cache = (ctx.org, out)
        return cache[1]

    def start_row(self) -> None:
        """The row's kind, by apportionment: the kind furthest below its share so far, so that 100 rows hold
        KINDS' weights exactly and redraws (a tie between competitors, no calls) cannot skew the mix."""
        rows = sum(self._kind_counts.values()) + 1
        self._kind = max(KINDS, key=lambda kw: kw[1] / KIND_TOTAL * rows - self._kind_counts[kw[0]])[0]
        self._kind_counts[self._kind] += 1
        self._draws = 0

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        calls = self._calls(ctx)
        self._draws += 1
        kind = self._kind
        if kind is None or self._draws > KIND_DRAWS:  # no rows started, or an org where the row's kind keeps failing
            kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        today = ctx.today.isoformat()
        window = None
        if kind == "competitor_window" or rng.random() < 0.5:
            window = random_window(rng, ctx.today, earliest=ctx.history_start, kinds=WINDOW_KINDS)
        if kind == "competitor_window":
            if sum(window.contains(d) for days in calls.values() for d in days) < 3:
                raise Resample
            opp = None
        else:
            pool = sorted(o for o, days in calls.items()
                          if (any(window.contains(d) for d in days) if window else days[-1] <= today))
            if not pool:
                raise Resample
            opp = rng.choice(pool)
        group = GROUPS[kind]
        named = [i for i, t in enumerate(group) if "{opp}" in t]
        if opp is None:
            i, in_context = rng.randrange(len(group)), False
        else:
            in_context = rng.random() < ID_IN_CONTEXT
            i = rng.choice([i for i in range(len(group)) if (i in named) != in_context])
        scope = f" during {window.phrase}" if window else ""
        if kind == "competitor_window":
            scope = scope.strip()
        query = group[i].format(opp=opp, scope=scope)
        required = f"{ctx.today_sentence()} {self._definitions(ctx, kind)}"
        if in_context:
            required += f" The opportunity's Id is {opp}."
        values = {"kind": kind, "opportunity": opp, "window": window.to_dict() if window else None}
        facts = {"kind": kind} | {k: v for k, v in values.items() if v and k != "kind"}
        return Params(values, query, required, OFFSETS[kind] + i, facts=facts)

    @staticmethod
    def _definitions(ctx: Context, kind: str) -> str:
        if kind.startswith("competitor"):
            return (f"Competitors are the companies with a competitor profile in the knowledge base (articles titled "
                    f"'{PROFILE_PREFIX}<name>'). The most-mentioned competitor is the one whose name appears most often "
                    "in the voice call transcripts in question. Answer with the competitor's name only.")
        taxonomy = ", ".join(sub_topics(ctx.preset))
        what = {"positive": "with positive sentiment (the customer speaks approvingly of it)",
                "negative": "with negative sentiment (the customer voices dissatisfaction, concern or frustration about it)",
                "topics": "discussed, whatever the sentiment"}[kind]
        return (f"Sub-topics of a sales conversation: {taxonomy}. List the sub-topics {what}: name a sub-topic once "
                "for each call where this holds, separated by commas.")

    # -- gold: planted facts per call, cross-checked with SQL text counting ------------------------

    def _where(self, v: dict) -> tuple[str, tuple]:
        """A plain-SQL condition on VoiceCallTranscript__c selecting the instance's calls."""
        conds, args = ["OpportunityId__c IS NOT NULL"], []
        if v["opportunity"]:
            conds.append("OpportunityId__c = ?")
            args.append(v["opportunity"])
        if v["window"]:
            w = Window.from_dict(v["window"])
            conds.append("substr(CreatedDate, 1, 10) >= ? AND substr(CreatedDate, 1, 10) < ?")
            args += [w.start.isoformat(), w.end.isoformat()]
        return " AND ".join(conds), tuple(args)

    def solve(self, ctx: Context, params: Params) -> list:
        v = params.values
        where, args = self._where(v)
        ids = [r["Id"] for r in ctx.sql(f"SELECT Id FROM VoiceCallTranscript__c WHERE {where}", args)]
        if not ids:
            raise Resample
        facts: dict[str, dict[str, object]] = {}
        marks = ", ".join("?" * len(ids))
        for r in ctx.sql(f"SELECT record_id, kind, value FROM _facts WHERE record_id IN ({marks})", tuple(ids)):
            facts.setdefault(r["record_id"], {})[r["kind"]] = json.loads(r["value"])
        if v["kind"].startswith("competitor"):
            planted: Counter = Counter()
            for vid in ids:
                planted.update(facts[vid]["call_competitors"])
            counted: Counter = Counter()
            for comp in ctx.catalog.competitors:
                n = ctx.sql(
                    "SELECT COALESCE(SUM((length(Body__c) - length(replace(Body__c, ?, ''))) / length(?)), 0) n "
                    f"FROM VoiceCallTranscript__c WHERE {where}", (comp.name, comp.name, *args))[0]["n"]
                if n:
                    counted[comp.name] = n
            if counted != planted:
                raise RuntimeError(f"competitor mentions in the text {dict(counted)} differ from the planted {dict(planted)}")
            return most_mentioned(planted)
        per_call = [[t for k in FACT_KIND[v["kind"]] for t in facts[vid][k]] for vid in ids]
        for vid, topics in zip(ids, per_call):  # every planted topic is really said in its call
            body = ctx.sql("SELECT Body__c FROM VoiceCallTranscript__c WHERE Id = ?", (vid,))[0]["Body__c"].lower()
            missing = [t for t in topics if t.lower() not in body]
            if missing:
                raise RuntimeError(f"planted topics {missing} are not in the text of call {vid}")
        return join_topics(per_call)

    # -- reference: knowledge base + transcripts through the engine --------------------------------

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"]) if v["window"] else None
        where = [f"OpportunityId__c = '{v['opportunity']}'"] if v["opportunity"] else ["OpportunityId__c != null"]
        if window:
            where.append(window.soql("CreatedDate"))
        soql_calls = f"SELECT Id, CreatedDate, Body__c FROM VoiceCallTranscript__c WHERE {' AND '.join(where)}"
        if not v["kind"].startswith("competitor"):
            per_call = []
            for r in run(soql_calls)["records"]:
                neg, pos = topic_sentiment(r["Body__c"], sub_topics(ctx.preset))
                per_call.append({"positive": pos, "negative": neg, "topics": neg | pos}[v["kind"]])
            return join_topics(per_call)
        profiles = run(f"SELECT Id, Title FROM Knowledge__kav WHERE Title LIKE '{PROFILE_PREFIX}%'")["records"]
        names = [r["Title"][len(PROFILE_PREFIX):] for r in profiles]
        counts: Counter = Counter()
        for r in run(soql_calls)["records"]:
            counts.update(mentions(r["Body__c"], names))
        return most_mentioned(counts)
