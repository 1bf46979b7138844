"""Rule-based answer extraction: the items of one answer kind (tasks.types.ANSWER_KINDS) in a response.

`extract(response, kind)` returns the answer as a list: item strings in canonical form
(ids as written, "January", "CA", "Budget", "Negotiation"), `[None]` for a None answer, or `[]`
when the response names nothing of the kind. Rules (each is tested in tests/test_scoring*.py):

- Ids: `<key prefix><12 or 15 alphanumerics>` not touching other letters/digits (15- or
  18-char Salesforce ids; the prefix is case-sensitive). A 15-char id and its 18-char form name one
  record and count once; metrics.exact_match maps either form to the gold's form.
- Months: full names and 3-letter abbreviations (and "Sept"), any case. "May"/"mar" are also
  words, so a lowercase "may"/"mar" counts only when it is followed by punctuation, a number or
  the end, or preceded by a month context word (in, of, during, since, until, is, ...); a
  capitalised "May" counts unless a pronoun or bare verb follows it ("May I help", "May be").
- States: upper-case two-letter tokens that are US state codes (50 + DC). Full state names do not
  count unless `state_names=True`. Codes that are also English words or abbreviations (IN, OR,
  ME, OK, HI, ID, OH) count only in an answer position: the whole response, emphasized, right
  after "is"/"state"/"answer:"/a colon, or next to their state name ("Indiana (IN)").
- Stages: Qualification, Discovery, Negotiation in any case; "Quote" and "Closed" are common
  words, so they count capitalised (not when followed by a number/id: "Quote Q-102"), and in
  lowercase only in a stage context ("stage", "phase", "to", "be", "is", "as", ":" before it,
  or "stage"/"phase" after it) or when emphasized.
- BANT: see scoring/bant.py (the factors said NOT to be met).
- None: when no item of the kind is found, "None", "N/A", "no record found", "no agent meets",
  "there is no ...", "could not find", ... make the answer `[None]`. An item wins over a None
  phrase ("005... ; none of the others qualify" is the id). Two kinds name the item they reject
  when they answer None, so there an affirmed-None phrase wins unless contradicted: stage
  ("the current stage, Negotiation, is correct") and knowledge_id ("no policy was violated;
  I checked ka0...").
- Single-answer kinds (every kind but task_ids and bant): when several distinct items appear,
  the final answer is found by tiers, first tier that isolates exactly one item wins:
  1. after an explicit marker ("answer:", "final answer is", "result:") - to the end of its line;
  2. right after a correction or answer verb ("should be", "change it to", "->", "violates",
     "route it to"), or right before a verdict ("X is correct", "X is the answer");
  3. right after a copula ("is", "was", "would be"; not "is:", which starts a list);
  4. emphasized (**bold**, `code`, quotes);
  5. not in a contrast ("compared to X", "than X", "followed by X", "versus ... X" to the end of
     their clause; "not X", "from X", "instead of X");
  6. the last non-empty line, and 7. the last sentence, unless the response ends in a bare list
     of items (two or more lines holding nothing but an item).
  If no tier isolates one, all distinct items are returned (an ambiguous answer scores 0).
- List kinds (task_ids, bant): an explicit answer marker, when present and followed by items,
  limits extraction to the text after the last such marker; otherwise the whole response counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from crmweaver.org.schema import STAGES, schema_for
from crmweaver.scoring import bant
from crmweaver.scoring.text import emphasized_spans, last_line, last_sentence, plain, unquote

# answer kind -> the object whose key prefix identifies its ids
ID_KINDS = {
    "user_id": "User",
    "knowledge_id": "Knowledge__kav",
    "issue_id": "Issue__c",
    "product_id": "Product2",
    "task_ids": "Task",
}
LIST_KINDS = frozenset({"task_ids", "bant"})
EXTRACT_KINDS = frozenset({*ID_KINDS, "month", "state", "stage", "bant"})


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    value: str


@cache
def key_prefix(kind: str) -> str:
    return schema_for("b2b").objects[ID_KINDS[kind]].key_prefix


@cache
def _id_regex(prefix: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(prefix)}[A-Za-z0-9]{{12}}(?:[A-Za-z0-9]{{3}})?(?![A-Za-z0-9])")


def find_ids(text: str, prefix: str) -> list[Hit]:
    return [Hit(m.start(), m.end(), m.group(0)) for m in _id_regex(prefix).finditer(text)]


# --- months -------------------------------------------------------------------------------
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
    re.I,
)
_MONTH_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:in|of|during|since|until|till|through|thru|from|by|month|is|was|be|as|early|late|mid|peak|peaked|highest|answer|and|or|to)\s*[:\-]?|[:\-(])\s*[\"'*`]*$",
    re.I,
)
_MONTH_END_AFTER = re.compile(r"\s*(?:$|[.,;:!?)\]\"'*`]|\d)")
_MODAL_AFTER = re.compile(
    r"\s+(?:i|we|you|he|she|they|it|this|that|there|be|have|not|also|well|need|want|help|require|include|vary|differ|apply|take|see|find"
    r"|consider|wish|like|change|affect|contain|depend|seem|appear|result|indicate|suggest|provide|lead|cause|show|reflect|mean|get|make"
    r"|occur|exist|become|remain|come|go|still|only|even|already|just)\b",
    re.I,
)
_MONTH_CANON = {m[:3].lower(): m for m in MONTHS}
_AMBIGUOUS_MONTH_WORDS = {"may", "mar"}


def find_months(text: str) -> list[Hit]:
    out = []
    for m in _MONTH.finditer(text):
        word = m.group(0)
        low = word.lower()
        if low in _AMBIGUOUS_MONTH_WORDS:
            before = text[max(0, m.start() - 30) : m.start()]
            context = bool(_MONTH_CONTEXT_BEFORE.search(before))
            if word.islower():
                if not (context or _MONTH_END_AFTER.match(text, m.end())):
                    continue
            elif low == "may" and not context and _MODAL_AFTER.match(text, m.end()):
                continue
        out.append(Hit(m.start(), m.end(), _MONTH_CANON[low[:3]]))
    return out


# --- states -------------------------------------------------------------------------------
STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip
WEAK_STATE_CODES = frozenset({"IN", "OR", "ME", "OK", "HI", "ID", "OH"})
_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})(?![A-Za-z0-9])")
_STATE_NAME = re.compile(r"\b(" + "|".join(sorted(STATE_NAMES.values(), key=len, reverse=True)) + r")\b")
_NAME_TO_CODE = {v: k for k, v in STATE_NAMES.items()}
_WEAK_BEFORE = re.compile(r"(?:\b(?:is|was|be|state|region|answer|code)\b\s*[:\-]?|[:(])\s*[\"'*`]*$", re.I)
_WEAK_NOT_BEFORE = re.compile(r"\b(?:user|account|record|case|owner|object|session|the|an?|your|my|their|his|her|its)\s*$", re.I)


def find_states(text: str, *, names: bool = False) -> list[Hit]:
    emph = emphasized_spans(text)
    whole = unquote(text)
    out = []
    for m in _CODE.finditer(text):
        code = m.group(1)
        if code not in STATE_NAMES:
            continue
        if code in WEAK_STATE_CODES and whole != code:
            before = text[max(0, m.start() - 30) : m.start()]
            after = text[m.end() : m.end() + 40]
            name = STATE_NAMES[code]
            ok = (
                any(s <= m.start() and m.end() <= e for s, e in emph)
                or (_WEAK_BEFORE.search(before) and not _WEAK_NOT_BEFORE.search(before))
                or before.rstrip().endswith(f"{name} (")
                or after.lstrip().startswith(f"({name}")
            )
            if not ok:
                continue
        out.append(Hit(m.start(), m.end(), code))
    if names:
        out += [Hit(m.start(), m.end(), _NAME_TO_CODE[m.group(1)]) for m in _STATE_NAME.finditer(text)]
        out.sort(key=lambda h: h.start)
    return out


# --- stages -------------------------------------------------------------------------------
_STAGE = re.compile(r"\b(" + "|".join(STAGES) + r")\b", re.I)
_STAGE_CANON = {s.lower(): s for s in STAGES}
_COMMON_STAGE_WORDS = {"quote", "closed"}
_STAGE_NOUN_AFTER = re.compile(r"\s*(?:#|\d|[A-Z]{1,3}-?\d|0Q0)|\s+(?:line\s+items?|records?|documents?|numbers?|ids?)\b", re.I)
_STAGE_CONTEXT_BEFORE = re.compile(r"(?:\b(?:stage|phase|stagename|to|be|is|as|in|at)\b\s*[:=]?|[:=]|->|\u2192)\s*[\"'*`]*$", re.I)
_STAGE_CONTEXT_AFTER = re.compile(r"[\"'*`]*\s+(?:stage|phase)\b", re.I)


def find_stages(text: str) -> list[Hit]:
    emph = emphasized_spans(text)
    whole = unquote(text).lower()
    out = []
    for m in _STAGE.finditer(text):
        word = m.group(1)
        low = word.lower()
        if low in _COMMON_STAGE_WORDS and whole != low:
            emphasized = any(s <= m.start() and m.end() <= e for s, e in emph)
            before = text[max(0, m.start() - 30) : m.start()]
            if word[0].isupper():
                if _STAGE_NOUN_AFTER.match(text, m.end()) and not emphasized:
                    continue
            elif not (emphasized or _STAGE_CONTEXT_BEFORE.search(before) or _STAGE_CONTEXT_AFTER.match(text, m.end())):
                continue
        out.append(Hit(m.start(), m.end(), _STAGE_CANON[low]))
    return out


# --- None ---------------------------------------------------------------------------------
_NONE_WHOLE = re.compile(r"^(?:none|null|nil|n/?a|no|nothing|no answer|not applicable|none found|no result)$", re.I)
_NONE_PHRASE = re.compile(
    r"\bnone\b|\bn/a\b|\bnobody\b|\bno\s?one\b"
    r"|\bno\s+(?:[\w-]+\s+){0,3}?(?:records?|results?|matche?s?|data|agents?|users?|articles?|issues?|products?|tasks?|months?|states?|regions?"
    r"|violations?|breach(?:es)?|entries|cases|reps?|representatives?|employees?|candidates?|policy|policies|answer|stage\s+change|change"
    r"|peaks?|spikes?|trends?|standouts?|winners?|differences?)\b"
    r"|\bthere\s+(?:is|are|was|were)\s+no\b|\bthere\s+(?:isn't|aren't|wasn't|weren't)\s+(?:any|a|an)\b"
    r"|\b(?:could|can|did)(?:\s*not|n't)\s+(?:find|identify|locate|determine)\b|\bunable\s+to\s+(?:find|identify|locate|determine)\b"
    r"|\bnot\s+found\b|\bnothing\s+(?:found|matche[sd]|qualifies|stands\s+out)\b|\bdoes(?:\s*not|n't)\s+exist\b",
    re.I,
)
# kinds whose None answer usually names the item it clears: (affirmed None, contradiction)
_AFFIRMED_NONE: dict[str, tuple[re.Pattern, re.Pattern]] = {
    "stage": (
        re.compile(
            r"(?<!not )(?<!n't )\b(?:is|are|seems|appears|looks)\s+(?:already\s+|currently\s+|still\s+)?(?:correct|accurate|appropriate|consistent|aligned|right|valid|fine)\b"
            r"|\bno\s+(?:stage\s+)?change\b|\b(?:current|existing|stage)\b[^.;\n]{0,60}\bmatches\b|\bis\s+in\s+line\b|\bdoes(?:n't|\s+not)\s+need\b|\bno\s+(?:update|correction)\b",
            re.I,
        ),
        re.compile(
            r"incorrect|\bnot\s+(?:correct|accurate|consistent|aligned)|n't\s+(?:correct|accurate|consistent|aligned)|inaccurate|inconsistent|misaligned"
            r"|mismatch|does(?:n't|\s+not)\s+match|\bshould\s+(?:instead\s+|actually\s+|rather\s+)?be\b|\bwrong\b|\bbetter\b|\bmore\s+(?:appropriate|accurate)\b"
            r"|\b(?:change|update|move|set|correct)\s+(?:it|the\s+stage|the\s+opportunity)?\s*to\b",
            re.I,
        ),
    ),
    "knowledge_id": (
        re.compile(
            r"\bno\s+(?:policy\s+|policies\s+)?(?:violations?|breach(?:es)?|conflicts?)\b|\b(?:does|did|do)(?:\s*not|n't)\s+(?:violate|breach|conflict)"
            r"|\bnot\s+(?:been\s+)?(?:violated|breached)\b|\bcompl(?:ies|iant|y)\b|\bin\s+compliance\b|\bno\s+polic(?:y|ies)\s+(?:was|were)\s+(?:violated|breached)",
            re.I,
        ),
        re.compile(
            r"(?<!no )(?<!not )(?<!non-)(?<!non )\b(?:violates|violated|breaches|breached|conflicts\s+with)\b|(?<!no )\bviolation\s+of\b|non-?compliant|not\s+compl",
            re.I,
        ),
    ),
}


def says_none(text: str, kind: str | None = None) -> bool:
    """Whether the response answers None (no record, no agent, not applicable, ...)."""
    if _NONE_WHOLE.match(unquote(text)) or _NONE_PHRASE.search(text):
        return True
    if kind == "bant" and bant.says_qualified(text):
        return True
    if kind in _AFFIRMED_NONE:
        return bool(_AFFIRMED_NONE[kind][0].search(text))
    return False


# --- final-answer narrowing ---------------------------------------------------------------
_MARKER_STRICT = re.compile(r"\b(?:final\s+answer|final|answer|result|conclusion)\b(?:\s+is\b|\s*[:=\-\u2014])", re.I)
_CORRECTION = re.compile(
    r"\bshould\s+(?:instead\s+|actually\s+|rather\s+|now\s+)?be\b|(?<!is )(?<!was )(?<!been )(?<!incorrectly )(?<!currently )(?<!wrongly )\b(?:change|changed|update|updated|move|moved|set|correct|corrected)\s+(?:it\s+|the\s+stage\s+|the\s+opportunity\s+)?to\b|->|\u2192|\bcorrect\s+\w+\s+(?:is|would\s+be)\b"
    r"|\b(?:violates|violated|breaches|breached|breaks|conflicts\s+with|contradicts|belongs\s+to|goes\s+to"
    r"|(?:route|routed|assign|assigned)\s+(?:it\s+|this\s+case\s+|the\s+case\s+|the\s+lead\s+)?to)\b",
    re.I,
)
_VERDICT_AFTER = re.compile(r"[\s*`\"')]*(?:is|would\s+be|seems)\s+(?:the\s+)?(?:correct|right|appropriate|accurate|answer|best\s+fit)\b", re.I)
_COPULA = re.compile(r"\b(?:is|are|was|were|would\s+be|be)\b", re.I)
_FILLER = re.compile(r"(?:[\s:=\-*`\"'(]|\b(?:in|at|the|a|an|to|stage|month|state|agent|user|article|policy|issue|product|task|region)\b)*", re.I)


_LIST_SEP = re.compile(r"[\s,/&*`\"'()-]*(?:\b(?:and|or|and/or|then)\b)?[\s*`\"'(-]*")


_COPULA_FILLER = re.compile(r"(?:[ \t*`\"'(]|\b(?:in|at|the|a|an|to|stage|month|state|agent|user|article|policy|issue|product|task|region)\b)*", re.I)
# items after these are context, not the answer: to the end of the clause, or (direct) the next item
_CONTRAST_CLAUSE = re.compile(
    r"\b(?:compared\s+(?:to|with)|versus|vs\.?|than|followed\s+by|ahead\s+of|behind|unlike|except(?:\s+for)?)\b[^.;,!?\n]*", re.I
)
_CONTRAST_DIRECT = re.compile(r"\b(?:not|from|instead\s+of|other\s+than|rather\s+than)\b", re.I)
_BARE_LINE = re.compile(r"[\s*`\"'.,;:()#\d-]*")


def _after_anchor(text: str, hits: list[Hit], anchor: re.Pattern, filler: re.Pattern = _FILLER) -> list[Hit]:
    """Items right after an anchor, with the list that continues them ("is X or Y" -> X, Y)."""
    starts = {h.start: i for i, h in enumerate(hits)}
    out = []
    for m in anchor.finditer(text):
        p = filler.match(text, m.end()).end()
        i = starts.get(p)
        while i is not None:
            out.append(hits[i])
            if i + 1 >= len(hits) or _LIST_SEP.fullmatch(text, hits[i].end, hits[i + 1].start) is None:
                break
            i += 1
    return out


def _in_span(hits: list[Hit], spans: list[tuple[int, int]]) -> list[Hit]:
    return [h for h in hits if any(s <= h.start and h.end <= e for s, e in spans)]


def _marker_segment(text: str, *, to_end: bool) -> tuple[int, int] | None:
    """Span after the last explicit answer marker: to the end of its line (or the next line if its line is empty)."""
    last = None
    for m in _MARKER_STRICT.finditer(text):
        last = m
    if last is None:
        return None
    start = last.end()
    if to_end:
        return start, len(text)
    end = text.find("\n", start)
    if end == -1:
        return start, len(text)
    if not text[start:end].strip():
        nxt = text.find("\n", end + 1)
        return start, len(text) if nxt == -1 else nxt
    return start, end


def _distinct(hits: list[Hit], key: Callable[[str], str]) -> list[str]:
    seen: dict[str, str] = {}
    for h in hits:
        k = key(h.value)
        if k not in seen or len(h.value) > len(seen[k]):  # keep the 18-char form of a 15/18 pair
            seen[k] = h.value
    return list(seen.values())


def _not_in_contrast(text: str, hits: list[Hit]) -> list[Hit]:
    context = set(_after_anchor(text, hits, _CONTRAST_DIRECT))
    context.update(_in_span(hits, [m.span() for m in _CONTRAST_CLAUSE.finditer(text)]))
    return [h for h in hits if h not in context]


def _is_item_list(text: str, hits: list[Hit]) -> bool:
    """Whether the last two non-empty lines are bare items (a list of candidates, not an answer)."""
    lines = [ln for ln in text.splitlines() if ln.strip()][-2:]
    if len(lines) < 2:
        return False
    bare = 0
    for ln in lines:
        rest = ln
        for h in hits:
            rest = rest.replace(h.value, "")
        bare += rest != ln and _BARE_LINE.fullmatch(rest) is not None
    return bare == 2


def narrow(text: str, hits: list[Hit], key: Callable[[str], str] = lambda v: v) -> list[str]:
    """The final answer among several distinct single-answer items (see the module docstring)."""
    everything = _distinct(hits, key)
    if len(everything) <= 1:
        return everything
    seg = _marker_segment(text, to_end=False)
    tiers = [
        lambda: _in_span(hits, [seg]) if seg else [],
        lambda: _after_anchor(text, hits, _CORRECTION) + [h for h in hits if _VERDICT_AFTER.match(text, h.end)],
        lambda: _after_anchor(text, hits, _COPULA, _COPULA_FILLER),
        lambda: _in_span(hits, emphasized_spans(text)),
        lambda: _not_in_contrast(text, hits),
        lambda: [] if _is_item_list(text, hits) else _in_span(hits, [last_line(text)]),
        lambda: [] if _is_item_list(text, hits) else _in_span(hits, [last_sentence(text)]),
    ]
    for tier in tiers:
        found = _distinct(tier(), key)
        if len(found) == 1:
            return [next(v for v in everything if key(v) == key(found[0]))]
    return everything


# --- dispatch -----------------------------------------------------------------------------
def find_items(text: str, kind: str, *, state_names: bool = False) -> list[Hit]:
    """Every mention of an item of the kind, in order (no narrowing, no None)."""
    if kind in ID_KINDS:
        return find_ids(text, key_prefix(kind))
    if kind == "month":
        return find_months(text)
    if kind == "state":
        return find_states(text, names=state_names)
    if kind == "stage":
        return find_stages(text)
    raise ValueError(f"no rule-based extraction for answer kind {kind!r}; use one of {sorted(EXTRACT_KINDS)}")


def _id_key(value: str) -> str:
    return value[:15]


def extract(response: str, kind: str, *, state_names: bool = False) -> list[str | None]:
    """The answer items of `kind` in `response`: items, [None] for a None answer, [] for no answer."""
    text = plain(response or "")
    if kind == "bant":
        return _extract_bant(text)
    hits = find_items(text, kind, state_names=state_names)
    if not hits:
        return [None] if says_none(text, kind) else []
    if kind in _AFFIRMED_NONE:
        affirm, contra = _AFFIRMED_NONE[kind]
        if affirm.search(text) and not contra.search(text):
            return [None]
    key = _id_key if kind in ID_KINDS else (lambda v: v)
    if kind in LIST_KINDS:
        seg = _marker_segment(text, to_end=True)
        if seg:
            in_seg = _in_span(hits, [seg])
            if in_seg:
                hits = in_seg
        return _distinct(hits, key)
    return narrow(text, hits, key)


def _extract_bant(text: str) -> list[str | None]:
    seg = _marker_segment(text, to_end=True)
    if seg:
        found = bant.unmet_factors(text[seg[0] : seg[1]])
        if found:
            return list(found)
    found = bant.unmet_factors(text)
    if found:
        return list(found)
    if found is None or says_none(text, "bant"):
        return [None]
    return []
