"""What a task file looks like, per type, next to CRMArena-Pro's measured figures, so drift shows.

Everything is computed from the rows themselves (answers, queries, `today` or the "Today's date is
…" sentence of `metadata.required`), so the same report reads our synthetic files and rows
imported from CRMArena-Pro. Knowledge-base figures need the org the rows were made on.

The benchmark's figures are in one place, `BENCHMARK` and `KB_BENCHMARK`, taken from
../shared/TASKS.md ("The 22 task types" and "What CRMArena-Pro's instances look like").
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from crmweaver.tasks.row import TaskRow
from crmweaver.tasks.types import TASK_TYPES

# -- the benchmark (TASKS.md) ----------------------------------------------------------------------

BENCH_DATE_YEARS = 4.0  # about 900 dated B2B rows use about 700 dates, spread over roughly four years
BENCH_DATES = (700, 900)  # (distinct dates, dated rows)
SHARE_TOLERANCE = 0.05  # "a few points": a share further than this (or two standard errors) drifts
# The benchmark's date spread is measured over a whole file; one type's dates may bunch a little where
# its data lives (leads worked for months, calls on open deals), so a type drifts only when they collapse.
TYPE_DATE_TOLERANCE = 0.10


@dataclass(frozen=True)
class Prior:
    """A type-specific answer prior: `measure(row)` is True/False when it applies to the row, else None."""

    name: str
    target: float  # a share, or a mean when `mean` is set
    measure: str  # key into MEASURES
    mean: bool = False
    tolerance: float | None = None  # for means


# type -> the answer priors TASKS.md lists ("Answer priors")
PRIORS: dict[str, tuple[Prior, ...]] = {
    "sales_amount_understanding": (Prior("asks for the lowest seller", 0.15, "asks_lowest"),),
    "lead_qualification": (Prior("one failing factor (non-None)", 0.90, "one_factor"),),
    "activity_priority": (
        Prior("Task Ids per answer (non-None), mean", 5.0, "answer_items", mean=True, tolerance=0.5),
        Prior("answers with 4-7 Task Ids (non-None)", 1.0, "four_to_seven"),
    ),
    "wrong_stage_rectification": (Prior("Closed stage (non-None)", 0.40, "closed_stage"),),
    "sales_insight_mining": (
        Prior("asks for the most-mentioned competitor", 0.55, "asks_competitor"),
        Prior("asks for positive-sentiment sub-topics", 0.20, "asks_positive"),
        Prior("asks for negative-sentiment sub-topics", 0.10, "asks_negative"),
    ),
}


@dataclass(frozen=True)
class KBBenchmark:
    articles: int = 194  # B2B
    median_chars: int = 2900
    band: tuple[int, int] = (2100, 3900)  # "most" articles are this long
    band_share: float = 0.5  # "most": more than half
    verbatim_share: float = 0.04  # knowledge_qa gold found verbatim in an article


KB_BENCHMARK = KBBenchmark()


def benchmark_items(code: str) -> float | None:
    """Items per non-None exact-match answer in the benchmark: one, except the list types."""
    kind = TASK_TYPES[code].answer
    if kind in ("text", "refusal"):
        return None
    return {"task_ids": 5.0, "bant": 1.1}.get(kind, 1.0)


# -- reading a row -----------------------------------------------------------------------------------

TODAY_SENTENCE = re.compile(r"Today's date is (\d{4}-\d{2}-\d{2})")
LOW = re.compile(r"\b(lowest|least|fewest|smallest|bottom|weakest|worst|minimum|(finish(ed)?|came|ranked|end(ed)? up) last|last place)\b", re.I)
POSITIVE = re.compile(r"\b(positive(ly)?|liked?|likes|praised?|pleased|happy|enthusias\w*|favou?rabl[ey]|upbeat)\b", re.I)
NEGATIVE = re.compile(r"\b(negative(ly)?|complain\w*|pain points?|concerns?|concerned|frustrat\w*|unhappy|dissatisf\w*|dislike\w*|worr(y|ied|ies))\b", re.I)
COMPETITOR = re.compile(r"\b(competitors?|rivals?|competing|competition)\b", re.I)


def row_date(row: TaskRow) -> date | None:
    """The row's reference date: `today`, else the "Today's date is …" sentence of its context."""
    if row.today:
        return date.fromisoformat(row.today)
    m = TODAY_SENTENCE.search(row.metadata.required or "")
    return date.fromisoformat(m.group(1)) if m else None


def ends_with_return_only(query: str) -> bool:
    """Whether the query's last sentence is a "Return only …" instruction."""
    text = query.strip()
    i = text.rfind("Return only")
    if i < 0:
        return False
    if i > 0 and not text[i - 1].isspace():
        return False
    return not re.search(r"[.?!]\s+\S", text[i:])


def is_none(row: TaskRow) -> bool:
    return row.answer == [None]


def asks_kind(row: TaskRow) -> str:
    """What a sales_insight_mining row asks for: positive, negative, competitor or other (from its words)."""
    recorded = str((row.facts or {}).get("kind", "")).replace("_", " ")  # e.g. "competitor_opp", "negative"
    text = recorded or row.query
    if POSITIVE.search(text) and not NEGATIVE.search(text):
        return "positive"
    if NEGATIVE.search(text):
        return "negative"
    if COMPETITOR.search(text):
        return "competitor"
    return "other"


def asks_lowest(row: TaskRow) -> bool:
    facts = row.facts or {}
    if isinstance(facts.get("lowest"), bool):
        return facts["lowest"]
    return bool(LOW.search(row.query))


MEASURES = {
    "asks_lowest": asks_lowest,
    "one_factor": lambda r: None if is_none(r) else len(r.answer) == 1,
    "answer_items": lambda r: None if is_none(r) else len(r.answer),
    "four_to_seven": lambda r: None if is_none(r) else 4 <= len(r.answer) <= 7,
    "closed_stage": lambda r: None if is_none(r) else str(r.answer[0]).startswith("Closed"),
    "asks_competitor": lambda r: asks_kind(r) == "competitor",
    "asks_positive": lambda r: asks_kind(r) == "positive",
    "asks_negative": lambda r: asks_kind(r) == "negative",
}


# -- per type ------------------------------------------------------------------------------------------


@dataclass
class TypeStats:
    code: str
    skill: str
    answer_kind: str
    count: int = 0
    none: int = 0
    answer_sizes: Counter = field(default_factory=Counter)  # number of answer items -> rows
    templates: set = field(default_factory=set)
    dates: list = field(default_factory=list)  # reference dates of the rows that state one
    return_only: int = 0  # queries ending with a "Return only" sentence
    answer_chars: list = field(default_factory=list)  # lengths of text answers

    @property
    def none_share(self) -> float:
        return self.none / self.count if self.count else 0.0

    @property
    def target_none_share(self) -> float:
        return TASK_TYPES[self.code].none_share

    @property
    def exact(self) -> bool:
        return TASK_TYPES[self.code].metric == "exact_match"

    @property
    def return_only_share(self) -> float | None:
        return self.return_only / self.count if self.exact and self.count else None

    @property
    def items_mean(self) -> float | None:
        """Mean items per non-None answer."""
        sizes = [(k, v) for k, v in self.answer_sizes.items() if k]
        n = sum(v for _, v in sizes)
        return sum(k * v for k, v in sizes) / n if n else None

    @property
    def chars_median(self) -> float | None:
        """Median characters of the text answers."""
        return statistics.median(self.answer_chars) if self.answer_chars else None

    @property
    def distinct_dates(self) -> int:
        return len(set(self.dates))

    @property
    def years_spanned(self) -> float:
        return (max(self.dates) - min(self.dates)).days / 365.25 if self.dates else 0.0

    def drift(self) -> list[str]:
        """Names of the figures that differ from the benchmark by more than a few points."""
        out = []
        if abs(self.none_share - self.target_none_share) > SHARE_TOLERANCE:
            out.append("None")
        bench = benchmark_items(self.code)
        if bench is not None and self.items_mean is not None and abs(self.items_mean - bench) > 0.5:
            out.append("length")
        if self.return_only_share is not None and self.return_only_share < 1.0 - SHARE_TOLERANCE:
            out.append("Return only")
        if len(self.dates) < self.count:
            out.append("dates")
        elif self.dates and (
            self.distinct_dates / len(self.dates) < uniform_distinct_share(len(self.dates)) - TYPE_DATE_TOLERANCE
            or self.years_spanned < uniform_span_years(len(self.dates)) - 0.5
        ):
            out.append("dates")
        return out


def uniform_distinct_share(n: int, years: float = BENCH_DATE_YEARS) -> float:
    """Expected distinct dates / rows for n dates drawn uniformly over `years`: the benchmark's
    700 of 900 is what uniform draws over four years give, so this scales it to any row count."""
    days = years * 365.25
    return days / n * (1 - (1 - 1 / days) ** n) if n else 0.0


def uniform_span_years(n: int, years: float = BENCH_DATE_YEARS) -> float:
    """Expected span of n dates drawn uniformly over `years`."""
    return years * (n - 1) / (n + 1) if n else 0.0


def task_stats(rows: list[TaskRow]) -> dict[str, TypeStats]:
    stats: dict[str, TypeStats] = {}
    for row in rows:
        t = TASK_TYPES[row.task]
        s = stats.setdefault(row.task, TypeStats(row.task, t.skill, t.answer))
        s.count += 1
        s.none += is_none(row)
        s.answer_sizes[0 if is_none(row) else len(row.answer)] += 1
        if row.template is not None:
            s.templates.add(row.template)
        if (day := row_date(row)) is not None:
            s.dates.append(day)
        s.return_only += ends_with_return_only(row.query)
        if t.answer == "text" and not is_none(row):
            s.answer_chars.append(sum(len(str(a)) for a in row.answer))
    order = {code: i for i, code in enumerate(TASK_TYPES)}
    return dict(sorted(stats.items(), key=lambda kv: order[kv[0]]))


def skill_counts(stats: dict[str, TypeStats]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for s in stats.values():
        out[s.skill] += s.count
    return dict(out)


# -- answer priors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorStats:
    code: str
    prior: Prior
    value: float | None  # None when no row applies
    n: int  # rows the measure applies to

    @property
    def drifts(self) -> bool:
        if self.value is None:
            return True
        if self.prior.mean:
            return abs(self.value - self.prior.target) > (self.prior.tolerance or 0.5)
        p = self.prior.target
        two_se = 2 * math.sqrt(p * (1 - p) / self.n) if self.n else 1.0
        return abs(self.value - p) > max(SHARE_TOLERANCE, two_se)


def prior_stats(rows: list[TaskRow]) -> list[PriorStats]:
    by_type: dict[str, list[TaskRow]] = defaultdict(list)
    for row in rows:
        by_type[row.task].append(row)
    out = []
    for code, priors in PRIORS.items():
        if code not in by_type:
            continue
        for prior in priors:
            values = [v for v in (MEASURES[prior.measure](r) for r in by_type[code]) if v is not None]
            value = sum(float(v) for v in values) / len(values) if values else None
            out.append(PriorStats(code, prior, value, len(values)))
    return out


# -- dates over the whole file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DateSpread:
    rows: int  # all rows
    dated: int  # rows with a reference date
    distinct: int
    years: float

    @property
    def share(self) -> float:
        return self.distinct / self.dated if self.dated else 0.0

    @property
    def expected_share(self) -> float:
        return uniform_distinct_share(self.dated)

    @property
    def drifts(self) -> bool:
        return (
            self.dated < self.rows
            or self.share < self.expected_share - SHARE_TOLERANCE
            or self.years < uniform_span_years(self.dated) - 0.5
        )


def date_spread(rows: list[TaskRow]) -> DateSpread:
    days = [d for d in map(row_date, rows) if d is not None]
    years = (max(days) - min(days)).days / 365.25 if days else 0.0
    return DateSpread(len(rows), len(days), len(set(days)), years)


# -- the knowledge base (needs the org) -------------------------------------------------------------------


@dataclass(frozen=True)
class KBStats:
    articles: int
    median_chars: float
    band_share: float
    verbatim: float | None  # share of knowledge_qa gold answers found verbatim in an article
    qa_rows: int

    def drift(self) -> list[str]:
        b = KB_BENCHMARK
        out = []
        if not b.band[0] <= self.median_chars <= b.band[1]:
            out.append("median length")
        if self.band_share <= b.band_share:
            out.append("length band")
        if self.verbatim is not None:
            p = b.verbatim_share
            two_se = 2 * math.sqrt(p * (1 - p) / self.qa_rows)
            if abs(self.verbatim - p) > max(SHARE_TOLERANCE, two_se):
                out.append("verbatim")
        return out


def _flat(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").lower()).strip()


def kb_stats(conn, rows: list[TaskRow]) -> KBStats:
    """Article body lengths (FAQ_Answer__c) and the knowledge_qa verbatim-answer share, on an org's connection."""
    articles = conn.execute("SELECT Title, Summary, FAQ_Answer__c FROM Knowledge__kav ORDER BY Id").fetchall()
    lengths = [len(a[2] or "") for a in articles]
    lo, hi = KB_BENCHMARK.band
    texts = [_flat(" ".join(str(x or "") for x in a)) for a in articles]
    golds = [_flat(str(r.answer[0])).rstrip(".") for r in rows if r.task == "knowledge_qa" and not is_none(r)]
    golds = [g for g in golds if g]
    verbatim = sum(any(g in t for t in texts) for g in golds) / len(golds) if golds else None
    return KBStats(
        articles=len(articles),
        median_chars=statistics.median(lengths) if lengths else 0.0,
        band_share=sum(lo <= n <= hi for n in lengths) / len(lengths) if lengths else 0.0,
        verbatim=verbatim,
        qa_rows=len(golds),
    )
