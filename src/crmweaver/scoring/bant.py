"""BANT extraction: which of Budget, Authority, Need, Timeline a response says are NOT met.

A lead-qualification answer names the failing factors, but models also name the factors that
pass ("Budget is confirmed, but Timeline is not"). So each mention gets a polarity from the cue
words of its clause, and the answer is the factors said to fail. Rules, in order, per mention:

1. a negator right before it ("no budget", "lacks decision authority", "unclear timeline") -> not met;
2. else the nearest polarity cue after it in the same clause ("Budget and Timeline are not met");
3. else the nearest cue before it in the clause ("Not met: Budget, Timeline");
4. else neutral (a bare list: "Budget, Timeline").

Clauses end at . ! ? ; newlines, contrast words (but, while, whereas, however, although) and
exception words (except, other than, apart from, ...). A mention in a clause opened by an exception
word with no cue after it is not met: "all factors are met except Authority" -> Authority.
Answer = the factors marked not met if any; else the neutral ones if nothing was marked met;
else none (every factor mentioned is met -> the lead is qualified -> the answer `None`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

FACTORS = ("Budget", "Authority", "Need", "Timeline")

_FACTOR = re.compile(
    r"\b(?:(?P<Budget>budget(?:s|ary)?)|(?P<Authority>authority)|(?P<Need>needs?)"
    r"|(?P<Timeline>timelines?|timing|time\s?frames?))\b",
    re.I,
)
# lowercase "need" is usually a verb; it is a factor only when it reads as a noun
_NEED_VERB_AFTER = re.compile(
    r"\s+(?:to|a|an|the|this|that|these|those|it|them|more|approval|help|some|further|additional|your|our|their|his|her|sign-?off)\b"
)
_NEED_VERB_BEFORE = re.compile(
    r"\b(?:i|we|you|they|he|she|it|who|which|that|customer|lead|contact|company|team|prospect|client|still|may|might|will|would|could|should|not|don't|doesn't|does|do|really|also|only|they'll|we'll)\s*$",
    re.I,
)

_POS_WORDS = (
    r"met|meets|satisfied|satisfies|confirmed|qualified|clear|clearly|established|present|strong|good|fine|ok|okay"
    r"|identified|approved|defined|allocated|in\s+place|adequate|sufficient|verified|fulfilled|addressed|known|determined|yes"
)
_ADVERBS = r"(?:\s+(?:yet|been|be|fully|clearly|really|sufficiently|adequately|properly))*"
_CUE = re.compile(
    rf"(?P<neg>(?:\b(?:not|never)|n't){_ADVERBS}(?:\s+(?:{_POS_WORDS})\b)?"
    r"|\bno\s+(?:clear|confirmed|defined|established|approved|allocated|specific|firm|real|identified|set|concrete|definite)\b"
    r"|\b(?:no|missing|lacks?|lacking|unmet|fails?|failed|failing|insufficient|inadequate|unclear|unknown|absent|without"
    r"|undefined|unconfirmed|unresolved|undetermined|unspecified|uncertain|vague|weak|tbd|unqualified)\b|\u274c|\u2717|\u2718)"
    rf"|(?P<pos>\b(?:{_POS_WORDS})\b|\u2705|\u2714|\u2713)",
    re.I,
)
_NEGATOR_BEFORE = re.compile(
    r"\b(?:no|lacks?|lacking|without|missing|insufficient|inadequate|unclear|unknown|undefined|unconfirmed|unmet|weak|limited|vague|uncertain)"
    r"(?:\s+(?:a|any|clear|real|the|firm|defined|confirmed|specific|approved|allocated|decision(?:-making)?|buying|purchasing|signing|budgetary|set|identified))?\s*$",
    re.I,
)
_EXCEPT = r"except(?:\s+for)?|other\s+than|apart\s+from|aside\s+from|with\s+the\s+exception\s+of|save\s+for"
_CLAUSE_END = re.compile(rf"[.!?;\n]+(?:\s|$)|\n|\b(?:but|while|whereas|however|although|though|{_EXCEPT})\b", re.I)
_EXCEPT_OPENER = re.compile(rf"\b(?:{_EXCEPT})\b", re.I)

_QUALIFIED = re.compile(
    r"(?<!not )(?<!un)\b(?:is|are|as|be|seems|appears)\s+(?:fully\s+|well\s+|a\s+)?qualified\b"
    r"|\ball\s+(?:four\s+|4\s+|of\s+the\s+|the\s+)*(?:bant\s+)?(?:factors|criteria|requirements|conditions|elements)\s+(?:are\s+|were\s+|have\s+been\s+)?(?:met|satisfied)"
    r"|\bmeets\s+all\b|\bsatisfies\s+all\b",
    re.I,
)


def _mentions(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _FACTOR.finditer(text):
        name = m.lastgroup
        word = m.group(0)
        if name == "Need":
            if word[0].islower() and (_NEED_VERB_AFTER.match(text, m.end()) or _NEED_VERB_BEFORE.search(text[max(0, m.start() - 40) : m.start()])):
                continue
            if word[0].isupper() and re.match(r"\s+to\b", text[m.end() :]):
                continue
        out.append((m.start(), m.end(), name))
    return out


def _clauses(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, opened by an exception word) for each clause."""
    spans, start, excepting = [], 0, False
    for m in _CLAUSE_END.finditer(text):
        spans.append((start, m.start(), excepting))
        start, excepting = m.end(), bool(_EXCEPT_OPENER.fullmatch(m.group(0)))
    spans.append((start, len(text), excepting))
    return spans


def polarities(text: str) -> list[tuple[str, str]]:
    """(factor, 'neg' | 'pos' | 'neutral') for each factor mention, in order."""
    out = []
    for c_start, c_end, excepting in _clauses(text):
        clause = text[c_start:c_end]
        mentions = _mentions(clause)
        if not mentions:
            continue
        cues = [(m.start(), m.end(), m.lastgroup) for m in _CUE.finditer(clause)]
        starts, ends = [c[0] for c in cues], [c[1] for c in cues]  # both ascending: cues do not overlap
        for start, end, name in mentions:
            if _NEGATOR_BEFORE.search(clause[max(0, start - 40) : start]):
                out.append((name, "neg"))
                continue
            i = bisect_left(starts, end)  # first cue after the mention
            j = bisect_right(ends, start)  # cues ending before it: cues[:j]
            if i < len(cues):
                out.append((name, cues[i][2]))
            elif excepting:
                out.append((name, "neg"))
            elif j:
                out.append((name, cues[j - 1][2]))
            else:
                out.append((name, "neutral"))
    return out


def unmet_factors(text: str) -> list[str] | None:
    """The factors said NOT to be met, in BANT order; [] when none is named; None when all are met."""
    pol = polarities(text)
    if not pol:
        return []
    neg = {f for f, p in pol if p == "neg"}
    if neg:
        return [f for f in FACTORS if f in neg]
    pos = {f for f, p in pol if p == "pos"}
    neutral = {f for f, p in pol if p == "neutral"} - pos
    if neutral and not pos and not _QUALIFIED.search(text):
        return [f for f in FACTORS if f in neutral]
    return None


def says_qualified(text: str) -> bool:
    return bool(_QUALIFIED.search(text))
