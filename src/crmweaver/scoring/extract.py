"""Rule-based answer extraction, reading a response as CRMArena-Pro's gpt-4o extractor reads it.

The official extractor is told to take every item of the task's kind that a response mentions,
to answer "None" when it finds none, and for opportunity stages to take exactly one stage.
`extract(response, kind)` returns the same list deterministically: item strings (ids as written,
"January", "CA", "Budget", "Negotiation") or `[None]`. Rules (each is in tests/fixtures/scoring_golden.jsonl):

- Ids (every id kind): every record id of any object, as written, each distinct string once: an
  answer that also names a runner-up, a case or an account is several ids. A 15-character or
  lower-cased id is kept as written, so it does not equal the 18-character gold (the official
  comparison is exact).
- Months: every month named (items.find_months: "May I help" is not a month).
- States: every state, by two-letter code or full name ("Michigan" -> MI).
- Stages: exactly one, the stage the response settles on (stage.narrow); a hedge stays several.
- BANT: the factors said not to be met (bant.py); "all factors are met except X" -> X. Factors
  joined inside one bold or quoted span ("**Budget, Timeline**") are one string, as the official
  extractor returns them, which equals no gold.
- Nothing of the kind (an empty reply, "no record found", a name without an id) -> `[None]`.
"""

from __future__ import annotations

import re

from crmweaver.scoring import bant
from crmweaver.scoring.items import Hit, find_ids, find_months, find_states
from crmweaver.scoring.stage import find_stages, marker_segment, narrow
from crmweaver.scoring.text import plain

# answer kind -> the object whose key prefix identifies its ids
ID_KINDS = {
    "user_id": "User",
    "knowledge_id": "Knowledge__kav",
    "issue_id": "Issue__c",
    "product_id": "Product2",
    "task_ids": "Task",
}
EXTRACT_KINDS = frozenset({*ID_KINDS, "month", "state", "stage", "bant"})


def find_items(text: str, kind: str) -> list[Hit]:
    """Every mention of an item of the kind, in order (no narrowing, no None)."""
    if kind in ID_KINDS:
        return find_ids(text)
    if kind == "month":
        return find_months(text)
    if kind == "state":
        return find_states(text)
    if kind == "stage":
        return find_stages(text)
    raise ValueError(f"no rule-based extraction for answer kind {kind!r}; use one of {sorted(EXTRACT_KINDS)}")


def extract(response: str | None, kind: str) -> list[str | None]:
    """The answer items of `kind` in `response`, or [None] when it names none."""
    text = plain(response or "")
    if kind == "bant":
        return _extract_bant(text)
    hits = find_items(text, kind)
    values = narrow(text, hits) if kind == "stage" else list(dict.fromkeys(h.value for h in hits))
    return values or [None]


# --- BANT ---------------------------------------------------------------------------------
_JOIN = r"\s*(?:,\s*(?:and|or)\b|,|;|/|&|\+|\band\b|\bor\b)\s*"
_FACTOR_WORD = r"(?:budget|authority|need|timeline)"
_JOINED = re.compile(rf"{_FACTOR_WORD}(?:{_JOIN}{_FACTOR_WORD})+", re.I)
_WRAPPED = re.compile(r"\*\*([^*\n]+?)\*\*|__([^_\n]+?)__|`([^`\n]+)`|\"([^\"\n]+)\"|(?<!\w)'([^'\n]+)'(?!\w)")


def _joined_spans(text: str) -> list[tuple[int, int, str]]:
    """Bold/quoted spans holding nothing but two or more factors and joiners: (start, end, inner text)."""
    out = []
    for m in _WRAPPED.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if _JOINED.fullmatch(inner.strip().rstrip(".")):
            out.append((m.start(), m.end(), inner.strip()))
    return out


def _extract_bant(text: str) -> list[str | None]:
    """Unmet factors; after an explicit answer marker ("Factors not met: ...") only what follows it."""
    seg = marker_segment(text, to_end=True)
    if seg:
        found = _bant_items(text[seg[0] : seg[1]])
        if found != [None]:
            return found
    return _bant_items(text)


def _bant_items(text: str) -> list[str | None]:
    joined = _joined_spans(text)
    for start, end, _ in reversed(joined):
        text = text[:start] + " " * (end - start) + text[end:]
    items: list[str | None] = [inner for _, _, inner in joined]
    items += bant.unmet_factors(text) or []
    return items or [None]
