"""Opportunity stages: finding them, and the one stage a response settles on.

CRMArena-Pro's extractor takes exactly one stage: the one the agent believes the opportunity
should be in ("we'll align the stage to 'Discovery'" -> Discovery). When a response names several,
the first tier that isolates exactly one wins:
  1. after an explicit marker ("answer:", "final answer is", "result:") - to the end of its line;
  2. right after a correction verb ("should be", "change it to", "->"), or right before a verdict
     ("X is correct", "X is the answer");
  3. right after a copula ("is", "was", "would be"; not "is:", which starts a list);
  4. emphasized (**bold**, `code`, quotes);
  5. not in a contrast ("compared to X", "than X", "versus ... X" to the end of their clause;
     "not X", "from X", "instead of X");
  6. the last non-empty line, and 7. the last sentence, unless the response ends in a bare list.
If no tier isolates one, every stage named is returned: a hedge between stages scores 0.
"""

from __future__ import annotations

import re

from crmweaver.org.schema import STAGES
from crmweaver.scoring.items import Hit
from crmweaver.scoring.text import emphasized_spans, last_line, last_sentence, unquote

# --- stages -------------------------------------------------------------------------------
_STAGE = re.compile(r"\b(" + "|".join(STAGES) + r")\b", re.I)
_STAGE_CANON = {s.lower(): s for s in STAGES}
_COMMON_STAGE_WORDS = {"quote", "closed"}
_STAGE_NOUN_AFTER = re.compile(r"\s*(?:#|\d|[A-Z]{1,3}-?\d|0Q0)|\s+(?:line\s+items?|records?|documents?|numbers?|ids?)\b", re.I)
_STAGE_CONTEXT_BEFORE = re.compile(r"(?:\b(?:stage|phase|stagename|to|be|is|as|in|at)\b\s*[:=]?|[:=]|->|\u2192)\s*[\"'*`]*$", re.I)
_STAGE_CONTEXT_AFTER = re.compile(r"[\"'*`]*\s+(?:stage|phase)\b", re.I)


def find_stages(text: str) -> list[Hit]:
    """Stage names in any case; "Quote" and "Closed" are also common words, so they count
    capitalised (not before a number or id: "Quote Q-102"), and in lowercase only in a stage
    context ("stage", "to", "be", "is", ":" before it, "stage"/"phase" after it) or emphasized."""
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


# --- final-answer narrowing ---------------------------------------------------------------
_MARKER_STRICT = re.compile(r"\b(?:final\s+answer|final|answer|result|conclusion)\b(?:\s+is\b|\s*[:=\-\u2014])", re.I)
_CORRECTION = re.compile(
    r"\bshould\s+(?:instead\s+|actually\s+|rather\s+|now\s+)?be\b|(?<!is )(?<!was )(?<!been )(?<!incorrectly )(?<!currently )(?<!wrongly )\b(?:change|changed|update|updated|move|moved|set|correct|corrected)\s+(?:it\s+|the\s+stage\s+|the\s+opportunity\s+)?to\b|->|\u2192|\bcorrect\s+\w+\s+(?:is|would\s+be)\b"
    r"|\b(?:belongs\s+(?:to|in)|goes\s+to)\b",
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


def marker_segment(text: str, *, to_end: bool) -> tuple[int, int] | None:
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


def _distinct(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(h.value for h in hits))


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
            rest = rest.replace(text[h.start : h.end], "")
        bare += rest != ln and _BARE_LINE.fullmatch(rest) is not None
    return bare == 2


def narrow(text: str, hits: list[Hit]) -> list[str]:
    """The one stage a response settles on among several (the tiers of the module docstring)."""
    everything = _distinct(hits)
    if len(everything) <= 1:
        return everything
    seg = marker_segment(text, to_end=False)
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
        found = _distinct(tier())
        if len(found) == 1:
            return found
    return everything
