"""Finding answer items in text: record ids, month names, US states. Every mention, in order.

Kept apart from extract.py, which decides what a response's answer is from these mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from crmweaver.org.schema import PRESETS, schema_for
from crmweaver.scoring.text import emphasized_spans, unquote


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    value: str


# --- ids ----------------------------------------------------------------------------------
@cache
def _any_id() -> re.Pattern:
    """A record id of any object either org preset knows: key prefix in any case, 15 to 18 characters.

    The official extractor takes every id-looking token ("Case IDs, Account IDs, ..."), as written:
    a 15-character, truncated or lower-cased id is still an id, and then does not equal the gold.
    """
    prefixes = sorted({o.key_prefix for p in PRESETS for o in schema_for(p).objects.values()})
    alt = "|".join(re.escape(p) for p in prefixes)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alt})[A-Za-z0-9]{{12,15}}(?![A-Za-z0-9])", re.I)


def find_ids(text: str) -> list[Hit]:
    return [Hit(m.start(), m.end(), m.group(0)) for m in _any_id().finditer(text)]


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
    """Month names and abbreviations. "may"/"mar" are also words: a lowercase one counts before
    punctuation, a number or the end, or after a month context word; a capitalised "May" counts
    unless a pronoun or bare verb follows it ("May I help", "it may be")."""
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
_STATE_NAME = re.compile(r"\b(" + "|".join(sorted(STATE_NAMES.values(), key=len, reverse=True)) + r")\b", re.I)
_NAME_TO_CODE = {v.lower(): k for k, v in STATE_NAMES.items()}
_WEAK_BEFORE = re.compile(
    r"(?:\b(?:is|was|be|state|region|answer|code|with|and|than|vs|versus|then|by|behind|of)\b\s*[:\-]?|[:(,])\s*[\"'*`]*$", re.I
)
_WEAK_NOT_BEFORE = re.compile(r"\b(?:user|account|record|case|owner|object|session|the|an?|your|my|their|his|her|its)\s*$", re.I)


def find_states(text: str) -> list[Hit]:
    """Upper-case US state codes and full state names (as their codes: the official extractor maps
    "New York" to NY). Codes that are also words (IN, OR, ME, OK, HI, ID, OH) count only in an
    answer position: the whole response, emphasized, after "is"/"state"/"with"/"than"/a colon or
    comma, or next to their name."""
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
    out += [Hit(m.start(), m.end(), _NAME_TO_CODE[m.group(1).lower()]) for m in _STATE_NAME.finditer(text)]
    out.sort(key=lambda h: h.start)
    return out
