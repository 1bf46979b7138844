"""sales_insight_mining: the most-mentioned competitor, or the negatively discussed sub-topics, in sales calls.

Three kinds of instance: the competitor mentioned most in one opportunity's calls (optionally in a
window), the sub-topics discussed negatively in one opportunity's calls (optionally in a window),
and the competitor mentioned most across all opportunity calls of a window. Gold comes from the
planted per-call `_facts` (`call_competitors`, `negative_topics`), cross-checked with plain-SQL
counting of the names in the transcript text. The reference reads competitor names from the
knowledge base's competitor profiles and the transcripts through the engine, counts names, and
finds negative statements with a fixed cue lexicon (verified against the planted facts in tests).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter

from crmweaver.org.dialogue import SUB_TOPICS, sub_topics
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window, past, random_window

PROFILE_PREFIX = "Competitor Profile: "
# words and phrases by which a customer's statement about a sub-topic reads as negative
NEGATIVE_CUES = (
    "concern", "not happy", "sticking point", "disappointing", "disappointed", "worry", "worries", "worried", "problem",
    "too high", "thin", "too slow", "harder", "a mess", "frustrat", "poor", "unhappy", "restrictive", "don't like",
    "confusing", "inflexible", "too long", "not comfortable", "too limited", "rushed", "risky", "painful", "non-starter",
    "above what", "complained", "missing", "out of date", "slowed",
)
_CUE = re.compile(r"\b(" + "|".join(map(re.escape, NEGATIVE_CUES)) + r")")


def topic_sentiment(body: str, topics: tuple[str, ...] = SUB_TOPICS) -> tuple[set[str], set[str]]:
    """(negative, positive) sub-topics of one transcript: each line naming a sub-topic is judged by its cues."""
    neg: set[str] = set()
    pos: set[str] = set()
    for line in body.splitlines():
        text = (line.split(": ", 1)[1] if ": " in line else line).lower()
        for topic in topics:
            if topic in text:
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


def join_topics(topics) -> list:
    if not topics:
        raise Resample
    return [", ".join(sorted(topics))]


COMP_OPP = (
    "Which competitor came up most often in the calls for opportunity {opp}{scope}?",
    "In the call transcripts of opportunity {opp}{scope}, which competitor was mentioned the most?",
    "Who's the competitor we hear about most on {opp}'s calls{scope}?",
    "Analyse the voice call transcripts linked to opportunity {opp}{scope} and name the competitor mentioned most frequently.",
    "most mentioned competitor on opp {opp}{scope}?",
    "Before my next call on {opp}, tell me which competitor the customer brought up most{scope}.",
)
NEG_OPP = (
    "Which sub-topics did the customer feel negatively about in the calls for opportunity {opp}{scope}?",
    "List the sub-topics with negative sentiment in the call transcripts of opportunity {opp}{scope}.",
    "What were the pain points (sub-topics with negative sentiment) raised on {opp}'s calls{scope}?",
    "Go through the calls on opportunity {opp}{scope} and tell me which sub-topics came up negatively.",
    "negative sub-topics for opp {opp}{scope}?",
    "I need a summary for deal {opp}: which sub-topics did the customer complain about in our calls{scope}?",
)
COMP_WIN = (
    "Across all opportunity calls in {window}, which competitor was mentioned most?",
    "Which competitor did prospects bring up most frequently in our sales calls during {window}?",
    "Looking at every opportunity call transcript from {window}, who is the most mentioned competitor?",
    "Competitive intel request: most-mentioned competitor in sales calls over {window}?",
    "For {window}, identify the competitor named most often in the voice call transcripts of our opportunities.",
    "Which rival came up the most on our deal calls in {window}?",
)


@register
class SalesInsightMining(Family):
    code = "sales_insight_mining"
    templates = COMP_OPP + NEG_OPP + COMP_WIN

    def _calls(self, ctx: Context) -> dict[str, list[tuple[str, str]]]:
        """opportunity -> [(call id, CreatedDate)] for opportunities with calls (cached per context)."""
        cache = getattr(self, "_cache", None)
        if cache is None or cache[0] is not ctx:
            out: dict[str, list[tuple[str, str]]] = {}
            for r in ctx.sql("SELECT Id, OpportunityId__c, CreatedDate FROM VoiceCallTranscript__c "
                             "WHERE OpportunityId__c IS NOT NULL ORDER BY OpportunityId__c, CreatedDate, Id"):
                out.setdefault(r["OpportunityId__c"], []).append((r["Id"], r["CreatedDate"]))
            self._cache = cache = (ctx, out)
        return cache[1]

    def _pick(self, rng: random.Random, group: tuple[str, ...], offset: int, **slots) -> tuple[str, int]:
        i = rng.randrange(len(group))
        return group[i].format(**slots), offset + i

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        calls = self._calls(ctx)
        kind = rng.choice(("competitor_opp", "negative_opp", "competitor_window"))
        today = ctx.today.isoformat()
        topics = ", ".join(sub_topics(ctx.preset))
        if kind == "competitor_window":
            window = random_window(rng, ctx.today, kinds=("past_weeks", "past_months", "month", "quarter", "season"))
            n = sum(window.contains(c) for cs in calls.values() for _, c in cs)
            if n < 3:
                raise Resample
            query, template = self._pick(rng, COMP_WIN, len(COMP_OPP) + len(NEG_OPP), window=window.phrase)
            values = {"kind": kind, "window": window.to_dict()}
            scope_text = f"all voice call transcripts linked to an opportunity whose CreatedDate falls in {window.phrase}"
        else:
            opp = rng.choice(sorted(calls))
            window = None
            if rng.random() < 0.4:
                window = past(rng.choice((1, 2, 3, 6, 12)), "month", ctx.today)
                if not any(window.contains(c) for _, c in calls[opp]):
                    raise Resample
            scope = f" over {window.phrase}" if window else ""
            group, offset = (COMP_OPP, 0) if kind == "competitor_opp" else (NEG_OPP, len(COMP_OPP))
            query, template = self._pick(rng, group, offset, opp=opp, scope=scope)
            values = {"kind": kind, "opportunity": opp, "window": window.to_dict() if window else None}
            scope_text = f"the voice call transcripts of opportunity {opp}" + (
                f" whose CreatedDate falls in {window.phrase}" if window else "")
        if kind.startswith("competitor"):
            required = (
                f"Today's date is {today}. Competitors are the companies that have a knowledge article titled "
                f"'{PROFILE_PREFIX}<name>'. Read {scope_text} (VoiceCallTranscript__c.Body__c) and count every mention "
                "of each competitor's name. Answer with the name of the competitor mentioned most often."
            )
        else:
            required = (
                f"Today's date is {today}. The sub-topics of a sales conversation are: {topics}. A sub-topic has negative "
                "sentiment when the customer voices dissatisfaction, concern or frustration about it. Read "
                f"{scope_text} (VoiceCallTranscript__c.Body__c) and answer with every sub-topic that has negative "
                "sentiment in any of them, in alphabetical order, separated by commas (for example: 'integration, pricing')."
            )
        return Params(values, query, required, template, facts={k: v for k, v in values.items() if v and k != "kind"})

    # -- gold: planted facts per call, cross-checked with SQL text counting ------------------------

    def _where(self, v: dict) -> tuple[str, tuple]:
        """A plain-SQL condition on VoiceCallTranscript__c selecting the instance's calls."""
        conds, args = ["OpportunityId__c IS NOT NULL"], []
        if v["kind"] != "competitor_window":
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
        kind = "negative_topics" if v["kind"] == "negative_opp" else "call_competitors"
        n_calls = ctx.sql(f"SELECT COUNT(*) n FROM VoiceCallTranscript__c WHERE {where}", args)[0]["n"]
        if not n_calls:
            raise Resample
        rows = ctx.sql(f"SELECT value FROM _facts WHERE +kind = ? AND record_id IN "
                       f"(SELECT Id FROM VoiceCallTranscript__c WHERE {where})", (kind, *args))
        if len(rows) != n_calls:
            raise RuntimeError(f"{kind}: {n_calls - len(rows)} of the selected calls have no planted fact")
        facts = [json.loads(r["value"]) for r in rows]
        if kind == "negative_topics":
            topics = {t for f in facts for t in f}
            for t in topics:  # every planted topic is really said in one of the calls
                hit = ctx.sql(f"SELECT COUNT(*) n FROM VoiceCallTranscript__c WHERE {where} AND lower(Body__c) LIKE ?",
                              (*args, f"%{t}%"))[0]["n"]
                if not hit:
                    raise RuntimeError(f"planted negative topic {t!r} is not in the text of the calls")
            return join_topics(topics)
        planted: Counter = Counter()
        for f in facts:
            planted.update(f)
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

    # -- reference: knowledge base + transcripts through the engine --------------------------------

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        v = params.values
        window = Window.from_dict(v["window"]) if v["window"] else None
        where = [f"OpportunityId__c = '{v['opportunity']}'"] if v["kind"] != "competitor_window" else ["OpportunityId__c != null"]
        if window:
            where.append(window.soql("CreatedDate"))
        soql_calls = f"SELECT Id, CreatedDate, Body__c FROM VoiceCallTranscript__c WHERE {' AND '.join(where)}"
        if v["kind"] == "negative_opp":
            neg: set[str] = set()
            for r in run(soql_calls)["records"]:
                neg |= topic_sentiment(r["Body__c"], sub_topics(ctx.preset))[0]
            return join_topics(neg)
        profiles = run(f"SELECT Id, Title FROM Knowledge__kav WHERE Title LIKE '{PROFILE_PREFIX}%'")["records"]
        names = [r["Title"][len(PROFILE_PREFIX):] for r in profiles]
        counts: Counter = Counter()
        for r in run(soql_calls)["records"]:
            counts.update(mentions(r["Body__c"], names))
        return most_mentioned(counts)
