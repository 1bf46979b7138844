"""Small English helpers for the knowledge-base writer: verb forms, lists, capitals.

The KB tables store practices and remedies once, as base-form verb phrases ("tune alert
thresholds per site"); an article states them in one form ("it tunes ...") and the knowledge_qa
answer in another ("by tuning ..."), so the gold paraphrases the prose instead of copying it.
"""

from __future__ import annotations

_THIRD = {"be": "is", "have": "has", "do": "does", "go": "goes", "undo": "undoes"}
_ING = {"be": "being", "see": "seeing", "free": "freeing", "agree": "agreeing", "dye": "dyeing"}
_DOUBLE = {"set", "run", "get", "put", "plan", "cut", "stop", "pin", "ship", "map", "log", "tag", "swap", "trim",
           "begin", "flag", "drop", "scan", "chip", "step", "strip", "zip", "wrap", "grip", "plug", "shop", "slim", "cap",
           "skip", "rerun", "split", "floorplan", "commit", "submit", "refer", "control", "dip", "sum", "tip", "pad", "dim", "jog", "hug", "rub", "mop", "prop", "shut", "let"}


def _split(vp: str) -> tuple[str, str]:
    head, _, rest = vp.partition(" ")
    return head, (" " + rest if rest else "")


def third(vp: str) -> str:
    """'tune alert thresholds' -> 'tunes alert thresholds' (third person singular)."""
    v, rest = _split(vp)
    if v in _THIRD:
        return _THIRD[v] + rest
    if v.endswith(("s", "sh", "ch", "x", "z", "o")):
        return v + "es" + rest
    if v.endswith("y") and len(v) > 1 and v[-2] not in "aeiou":
        return v[:-1] + "ies" + rest
    return v + "s" + rest


def ing(vp: str) -> str:
    """'tune alert thresholds' -> 'tuning alert thresholds'."""
    v, rest = _split(vp)
    if v in _ING:
        return _ING[v] + rest
    if v in _DOUBLE:
        return v + v[-1] + "ing" + rest
    if v.endswith("ie"):
        return v[:-2] + "ying" + rest
    if v.endswith("e") and not v.endswith(("ee", "ye", "oe")) and len(v) > 2:
        return v[:-1] + "ing" + rest
    return v + "ing" + rest


def join(items: list[str] | tuple[str, ...], conj: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def cap(s: str) -> str:
    """Capitalise the first letter only (keeps product names and acronyms)."""
    return s[:1].upper() + s[1:]


def a_an(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeio" else "a ") + noun
