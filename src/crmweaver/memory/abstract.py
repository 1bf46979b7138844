"""Abstract concrete text into placeholders: record ids, dates, numbers and names.

A retrieval key must hold for the next task of its kind, not for this one: `Case
500Wt000000000BIAQ since 2025-05-01` becomes `Case <CASE_ID> since <DATE>`. The same function
turns an incoming task's query into the key text that retrieval compares, so stored keys and
queries meet in one space. Id placeholders come from the schema's key prefixes (org/schema.py),
so they stay right as objects are added. (Guideline bodies use worked examples instead: worked.py.)
"""

from __future__ import annotations

import re
from functools import cache

from crmweaver.org.schema import PRESETS, schema_for


def _placeholder_name(obj: str) -> str:
    """`Case` -> CASE_ID, `Knowledge__kav` -> KNOWLEDGE_ID, `VoiceCallTranscript__c` -> VOICE_CALL_TRANSCRIPT_ID."""
    base = re.sub(r"__(c|kav|r)$", "", obj)
    base = re.sub(r"\d+$", "", base)
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base).upper()
    return f"<{snake}_ID>"


@cache
def id_placeholders() -> dict[str, str]:
    """Key prefix -> placeholder, over every preset's objects."""
    out: dict[str, str] = {}
    for preset in PRESETS:
        for obj in schema_for(preset):
            out.setdefault(obj.key_prefix, _placeholder_name(obj.name))
    return out


@cache
def picklist_values() -> frozenset[str]:
    """Values that carry meaning in a query plan (`Status = 'Closed'`) and must stay literal."""
    values: set[str] = set()
    for preset in PRESETS:
        for obj in schema_for(preset):
            for f in obj.fields:
                values.update(v.lower() for v in f.picklist)
    return frozenset(values)


_ID = re.compile(r"\b([a-zA-Z0-9]{3})([a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?)\b")
_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_MONEY = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?")
_NUMBER = re.compile(r"(?<![\w<])-?\d+(?:[.,]\d+)*(?![\w>])")
_QUOTED = re.compile(r"(?P<q>[\"“])(?P<s>[^\"“”]{1,120})[\"”]")
_CAPS = re.compile(r"(?<![\w<])(?:[A-Z][\w&'-]*[a-z0-9][\w&'-]*|[A-Z]{2,}\w*)(?:[ \t]+(?:of[ \t]+|&[ \t]+|de[ \t]+)?(?:[A-Z][\w&'-]*|\d+[A-Za-z][\w-]*|\d{1,3}\b))+\.?")
_NOT_NAMES = frozenset({"id", "ids", "none", "bant", "soql", "sosl"})
_PLACEHOLDER_RUN = re.compile(r"('?)(<[A-Z_]+>)\1(?:\s*,\s*\1\2\1)+")


def _is_id(prefix: str, rest: str) -> bool:
    return prefix in id_placeholders() and sum(c.isdigit() for c in prefix + rest) >= 3


def abstract_ids(text: str) -> str:
    def sub(m: re.Match) -> str:
        return id_placeholders()[m.group(1)] if _is_id(m.group(1), m.group(2)) else m.group(0)

    return _ID.sub(sub, text)


def abstract_values(text: str) -> str:
    """Ids, datetimes, dates, money, years and numbers (not names)."""
    text = abstract_ids(text)
    text = _DATETIME.sub("<DATETIME>", text)
    text = _DATE.sub("<DATE>", text)
    text = _MONEY.sub("<AMOUNT>", text)
    text = _YEAR.sub("<YEAR>", text)
    text = _NUMBER.sub("<N>", text)
    return _PLACEHOLDER_RUN.sub(r"\1\2\1, …", text)


def find_names(text: str, names: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Entity strings in a request: the given `names` found in it, quoted phrases, and runs of
    capitalised words (not picklist values such as 'Not Started', not plain 'User Id')."""
    text = _DATE.sub("<DATE>", _DATETIME.sub("<DATETIME>", abstract_ids(text)))
    found = [n for n in names if len(n) >= 3 and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE)]
    found += [m.group("s").strip() for m in _QUOTED.finditer(text)]
    keep = picklist_values()
    for m in _CAPS.finditer(text):
        words = m.group(0).rstrip(".'").split()
        while words and words[-1].lower() in _NOT_NAMES:
            words.pop()
        while words and words[0].lower() in keep | _NOT_NAMES:
            words.pop(0)
        phrase = " ".join(words)
        if any(" ".join(words[i:]).lower() in keep for i in range(len(words))):
            continue  # '... Not Started' names a status, not an entity
        if len(words) >= 2 and phrase.lower() not in keep and not _ID.fullmatch(phrase):
            found.append(phrase)
    return sorted(set(found), key=len, reverse=True)


def abstract_query(text: str, names: set[str] | frozenset[str] = frozenset()) -> str:
    """A user's request with its entities abstracted: the key text of retrieval.

    `names` are strings known to be entities (e.g. names read in the observations); quoted
    phrases and runs of capitalised words are found by `find_names`.
    """
    text = _DATE.sub("<DATE>", _DATETIME.sub("<DATETIME>", abstract_ids(text)))
    for name in find_names(text, names):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "<NAME>", text, flags=re.IGNORECASE)
    text = abstract_values(text)
    text = re.sub(r"<NAME>(?:\s*(?:'s|-|,|&)?\s*<NAME>)+", "<NAME>", text)
    return re.sub(r"\s+", " ", text).strip()


def is_id_literal(value: str) -> bool:
    m = _ID.fullmatch(value)
    return bool(m and _is_id(m.group(1), m.group(2)))


CONTEXT_CHARS = 300
_TODAY = re.compile(r"Today's date is \S+?\.\s*")
# The closing "Return only the Id of the agent." names the answer's form, which many task types share:
# kept in the key it pulls different types' requests together.
_RETURN_ONLY = re.compile(r"\s*Return only\b[^.]*\.?\s*$", re.IGNORECASE)


def compose_key(query: str, context: str = "", names: set[str] | frozenset[str] = frozenset()) -> str:
    """Retrieval key of a task: its abstracted request, plus the start of its task context (the
    policy text the agent is shown) when there is one. The context tells a customer asking for
    someone's data (confidentiality) from an employee asking the same (database)."""
    key = abstract_query(_RETURN_ONLY.sub("", query), names)
    context = _TODAY.sub("", context or "").strip()
    if context:
        key += " | " + abstract_query(context[:CONTEXT_CHARS], names)
    return key
