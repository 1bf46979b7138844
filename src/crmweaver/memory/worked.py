"""Worked plans: a successful episode's queries as steps a small model can follow, and nothing
the model chose freely.

A 135M model copies `<CASE_ID>` into its query verbatim. It follows a worked query far better:
`... WHERE Id = '500XX0000000001AAA'` with the line "replace 500XX0000000001AAA with the case Id
given in the request". Each task-specific value becomes an example value (the same one for every
task of the plan, so a guideline stays a function of its plan) named in words by where it came
from: the request, the task context, or an earlier step's result.

The same pass keeps the memory from being poisoned. A guideline written back from a model's
successful episode reaches every later episode's prompt, so a query is rebuilt token by token and
only what a guideline needs survives:

- identifiers: SOQL/SOSL words and names of the schema; an alias becomes `expr0`, `expr1`, ...
  (the names Salesforce gives unnamed columns);
- ids, dates and datetimes: example values, named in words;
- string literals and search words: schema picklist values and org data the same query returned
  (an article title the plan looks up) stay; values of the request, the task context or an earlier
  result become example values named in words; any other literal drops the step;
- numbers stay (they carry no text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from crmweaver.memory.abstract import is_id_literal, picklist_values
from crmweaver.org.schema import PRESETS, schema_for
from crmweaver.soql import dates
from crmweaver.soql.errors import SoqlError
from crmweaver.soql.lexer import DATE, DATETIME, EOF, IDENT, NUMBER, OP, PUNCT, STRING, Token, tokenize
from crmweaver.soql.parser import RESERVED
from crmweaver.soql.translate import AGGREGATES, PASSTHROUGH

SOSL_WORDS = frozenset({"FIND", "IN", "ALL", "FIELDS", "NAME", "EMAIL", "PHONE", "SIDEBAR", "RETURNING"})
MAX_KEPT_CHARS = 100  # a longer literal is never kept verbatim, even when the org returned it
EXAMPLE_DATES = {"start": ("2025-01-01", "2024-07-01", "2024-01-01"), "end": ("2025-04-01", "2024-10-01", "2024-04-01"),
                 "last": ("2025-03-31", "2024-09-30", "2024-03-31"), "point": ("2025-02-15", "2024-08-15", "2024-02-15")}
DATE_WORDS = {
    "start": "the first day of the request's period (from today's date)",
    "end": "the day after its last day",
    "last": "its last day",
    "point": "the day the request names (from today's date)",
}


class Unexplained(Exception):
    """A literal that is neither the task's own value, nor schema, nor org data: the step is dropped."""


@cache
def vocabulary() -> frozenset[str]:
    """Upper-cased identifiers a kept query may contain: SOQL/SOSL words and every schema name."""
    words = set(RESERVED) | set(dates.DATE_LITERALS) | set(dates.DATE_FUNCTIONS) | set(AGGREGATES) | set(PASSTHROUGH) | SOSL_WORDS
    for preset in PRESETS:
        for obj in schema_for(preset):
            words.add(obj.name.upper())
            words.update(c.name.upper() for c in obj.children)
            for f in obj.fields:
                words.add(f.name.upper())
                if f.relationship_name:
                    words.add(f.relationship_name.upper())
    return frozenset(words)


@cache
def object_labels() -> dict[str, str]:
    """Key prefix -> lower-case object label (`500` -> `case`)."""
    out: dict[str, str] = {}
    for preset in PRESETS:
        for obj in schema_for(preset):
            out.setdefault(obj.key_prefix, obj.label if obj.label == "User" else obj.label.lower())
    return out


@dataclass(frozen=True)
class WorkedPlan:
    """The steps (worked queries) and, per step, its "replace X with Y" notes."""

    steps: tuple[str, ...] = ()
    notes: tuple[tuple[str, ...], ...] = ()
    dropped: int = 0  # steps left out because a literal could not be explained

    def lines(self) -> list[str]:
        out = []
        for i, (step, notes) in enumerate(zip(self.steps, self.notes), 1):
            out.append(f"{i}. {step}")
            if notes:
                out.append("   replace " + "; ".join(notes))
        return out


@dataclass
class _Slots:
    """Example values handed out over one plan: the same source value gets the same example."""

    request: str
    context: str
    by_value: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # (kind, value) -> (example, words)
    counters: dict[str, int] = field(default_factory=dict)

    def example(self, kind: str, value: str, make) -> tuple[str, str, bool]:
        """(example, words, first time seen) for a source value."""
        key = (kind, value.lower())
        if key in self.by_value:
            return (*self.by_value[key], False)
        n = self.counters.get(kind, 0)
        self.counters[kind] = n + 1
        example, words = make(n)
        self.by_value[key] = (example, words)
        return example, words, True


def _mentions(text: str, value: str) -> bool:
    return bool(value) and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE) is not None


def result_values(observation: Any) -> list[tuple[str, str]]:
    """(field path, string value) pairs of a query result: parsed JSON, or raw text cut short at
    observation_chars (then the whole `"key": "value"` pairs are read)."""
    if isinstance(observation, str):
        try:
            observation = json.loads(observation)
        except ValueError:
            pairs = []
            for key, raw in re.findall(r'"(\w+)"\s*:\s*"((?:[^"\\]|\\.)*)"', observation):
                try:
                    pairs.append((key, json.loads(f'"{raw}"')))
                except ValueError:
                    continue
            return [(k, v) for k, v in pairs if k != "url"]
    out: list[tuple[str, str]] = []

    def walk(data: Any, path: tuple[str, ...]) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key != "attributes":
                    walk(value, path if key in ("records", "searchRecords") else (*path, key))
        elif isinstance(data, list):
            for value in data:
                walk(value, path)
        elif isinstance(data, str) and path:
            out.append((".".join(path), data))

    walk(observation, ())
    return out


Earlier = list[tuple["int | None", list[tuple[str, str]]]]  # (step number in the guideline, result values) of earlier steps


def _source(value: str, slots: _Slots, earlier: Earlier, *, word: bool = False) -> str | None:
    """Where the task got a value, in words; None when neither the task nor an earlier result has it.
    A search `word` may also be one word of an earlier result's value (an issue's name)."""
    if _mentions(slots.request, value):
        return "given in the request"
    if _mentions(slots.context, value):
        return "given in the task context"
    for number, values in earlier:
        path = next((p for p, v in values if v.lower() == value.lower()), None)
        if path:
            return f"the {path} from step {number}'s result" if number else f"the {path} of an earlier result"
    if word:
        for number, values in earlier:
            path = next((p for p, v in values if _mentions(v, value)), None)
            if path:
                return f"a word of the {path} from step {number}'s result" if number else f"a word of the {path} of an earlier result"
    return None


def _returned(value: str, own: list[tuple[str, str]]) -> bool:
    """The org returned this text to the query that used it (so it is org data, not the model's)."""
    bare = value.strip("%_*? ").lower()
    return not bare or (len(bare) <= MAX_KEPT_CHARS and any(bare in v.lower() for _, v in own))


def _id_example(value: str, slots: _Slots, earlier: Earlier) -> tuple[str, str, bool]:
    prefix = value[:3]
    label = object_labels().get(prefix, "record")
    where = _source(value, slots, earlier)
    words = f"the {label} Id {where}" if where and where.startswith("given") else (where or f"the {label} Id this task is about")
    return slots.example("id:" + prefix, value, lambda n: (f"{prefix}XX{n + 1:010d}AAA", words))


def _date_example(token: Token, role: str, slots: _Slots) -> tuple[str, str | None]:
    day, rest = token.text[:10], token.text[10:]
    given = "given in the request" if _mentions(slots.request, day) else "given in the task context" if _mentions(slots.context, day) else None
    words = f"the date {given}" if given else DATE_WORDS[role]
    example, words, first = slots.example("date:" + (given or role), day, lambda n: (EXAMPLE_DATES[role][n % 3], words))
    return example + rest, (f"{example + rest} with {words}" if first else None)


def _text_example(value: str, column: str, slots: _Slots, earlier: Earlier, own, *, search: bool = False) -> tuple[str, str, bool] | None:
    """(example, words, first time seen) for a string literal or search word; None keeps it as it is.
    Raises Unexplained for text with no source (the model's own)."""
    if is_id_literal(value):
        return _id_example(value, slots, earlier)
    bare = value.strip("%_*?\" ")
    if not bare or bare.lower() in picklist_values():
        return None
    where = _source(bare, slots, earlier, word=search)
    if where is None:
        if _returned(value, own):
            return None
        raise Unexplained(value)
    given = where.startswith("given")
    if search:
        return slots.example("word", bare, lambda n: (f"word{n + 1}", f"a word {where}" if given else where))
    thing = column or "value"
    example, words, first = slots.example("text", bare, lambda n: (f"Example {thing}" + (f" {n + 1}" if n else ""),
                                                                   f"the {thing} {where}" if given else where))
    return value.replace(bare, example), words, first  # LIKE's % stay around it (the note names the bare example)


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _join(parts: list[str]) -> str:
    out = ""
    for i, part in enumerate(parts):
        prev = parts[i - 1] if i else ""
        tight = part in (",", ")", ".", ":") or prev in ("(", ".", ":") or (
            part == "(" and re.fullmatch(r"\w+", prev) is not None and prev.upper() not in RESERVED | SOSL_WORDS)
        out += ("" if not out or tight else " ") + part
    return out


def _literal_list(items: list[Token], column: str, slots: _Slots, earlier: Earlier, own, notes: list[str]) -> list[str]:
    """An IN list: at most two examples per source, one note per source ("every UserId from step 2's result")."""
    groups: dict[str, list[str]] = {}
    new: set[str] = set()  # sources with an example not shown before (an earlier step's note covers the others)
    kept: list[str] = []
    for tok in items:
        if tok.kind in (DATE, DATETIME):
            example, note = _date_example(tok, "point", slots)
            kept.append(example)
            if note:
                notes.append(note)
            continue
        found = _text_example(tok.text, column, slots, earlier, own) if tok.kind == STRING else None
        if found is None:
            kept.append("'" + tok.raw + "'" if tok.kind == STRING else tok.text)
            continue
        example, words, first = found
        group = groups.setdefault(words, [])
        group.append(example)
        if first:
            new.add(words)
        if len(group) <= 2:
            kept.append(_quote(example))
    for words, examples in groups.items():
        if words not in new:
            continue
        shown = ", ".join(examples[:2]) + (", …" if len(examples) > 2 else "")
        notes.append(f"{shown} with " + (re.sub(r"^the ", "every ", words) if len(examples) > 1 else words))
    parts = ["("]
    for i, item in enumerate(kept):
        parts += ([","] if i else []) + [item]
    return parts + [")"]


def _rebuild_soql(tokens: list[Token], slots: _Slots, earlier: Earlier, own, notes: list[str], aliases: dict[str, str]) -> list[str]:
    parts: list[str] = []
    column = op = ""  # the field a literal is compared with (for its note's words) and the operator
    i = 0
    while i < len(tokens) and tokens[i].kind != EOF:
        tok = tokens[i]
        i += 1
        if tok.kind == IDENT:
            upper = tok.text.upper()
            if upper not in vocabulary():
                parts.append(aliases.setdefault(upper, f"expr{len(aliases)}"))
                continue
            parts.append(tok.text)
            if upper not in RESERVED:
                column = tok.text
            if upper in ("IN", "INCLUDES", "EXCLUDES") and i < len(tokens) and tokens[i].text == "(" and i + 1 < len(tokens) \
                    and tokens[i + 1].kind in (STRING, NUMBER, DATE, DATETIME):
                end = next((j for j in range(i + 1, len(tokens)) if tokens[j].text == ")" or tokens[j].kind == EOF), len(tokens))
                items = [t for t in tokens[i + 1:end] if t.text != ","]
                if any(t.kind not in (STRING, NUMBER, DATE, DATETIME) for t in items):
                    raise Unexplained(tok.text)
                parts += _literal_list(items, column, slots, earlier, own, notes)
                i = end + 1
            continue
        if tok.kind == OP:
            op = tok.text
            parts.append(tok.text)
        elif tok.kind in (DATE, DATETIME):
            example, note = _date_example(tok, {">=": "start", ">": "start", "<": "end", "<=": "last"}.get(op, "point"), slots)
            parts.append(example)
            if note:
                notes.append(note)
        elif tok.kind == STRING:
            found = _text_example(tok.text, column, slots, earlier, own)
            if found is None:
                parts.append("'" + tok.raw + "'")
                continue
            example, words, first = found
            parts.append(_quote(example))
            if first:
                notes.append(f"{example.strip('%_')} with {words}")
        elif tok.kind in (NUMBER, PUNCT):
            parts.append(tok.text)
        else:
            raise Unexplained(tok.text)  # anything else is not SOQL a guideline needs
    return parts


_FIND = re.compile(r"\s*FIND\s*\{((?:[^{}\\]|\\.)*)\}", re.IGNORECASE)
_TERM = re.compile(r'"(?:[^"\\]|\\.)*"|[()]|[^\s()"]+')


def _rebuild_sosl(query: str, slots: _Slots, earlier: Earlier, own, notes: list[str], aliases: dict[str, str]) -> str:
    m = _FIND.match(query)
    if m is None:
        raise Unexplained(query[:40])
    words = []
    for part in _TERM.findall(m.group(1)):
        if part.upper() in ("AND", "OR", "NOT") or part in "()":
            words.append(part.upper())
            continue
        found = _text_example(part.strip('"'), "", slots, earlier, own, search=True)
        if found is None:
            words.append(part)
            continue
        example, word, first = found
        words.append(f'"{example}"' if part.startswith('"') else example)
        if first:
            notes.append(f"{example} with {word}")
    try:
        rest = _rebuild_soql(tokenize(query[m.end():]), slots, earlier, own, notes, aliases)
    except SoqlError:
        raise Unexplained(query[m.end():][:40]) from None
    term = " ".join(words).replace("( ", "(").replace(" )", ")")
    return f"FIND {{{term}}} " + _join(rest)


def worked_step(query: str, slots: _Slots, earlier: Earlier, own: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """(worked query, notes) of one step; raises Unexplained when a literal has no source."""
    notes: list[str] = []
    aliases: dict[str, str] = {}
    if query.lstrip()[:4].upper() == "FIND":
        return _rebuild_sosl(query, slots, earlier, own, notes, aliases), notes
    try:
        tokens = tokenize(query)
    except SoqlError:
        raise Unexplained(query[:40]) from None
    return _join(_rebuild_soql(tokens, slots, earlier, own, notes, aliases)), notes


def worked_plan(steps: list[str], results: list[Any], request: str, context: str) -> WorkedPlan:
    """The worked plan of a trajectory's steps (queries that returned data) and their results."""
    slots = _Slots(request, context)
    earlier: Earlier = []
    out_steps: list[str] = []
    out_notes: list[tuple[str, ...]] = []
    dropped = 0
    for k, query in enumerate(steps):
        own = result_values(results[k]) if k < len(results) else []
        saved = (dict(slots.by_value), dict(slots.counters))
        try:
            step, notes = worked_step(query, slots, earlier, own)
        except Unexplained:
            slots.by_value, slots.counters = saved  # a dropped step hands out no examples
            dropped += 1
            earlier.append((None, own))
            continue
        if step in out_steps:  # a query repeated verbatim is one step
            earlier.append((out_steps.index(step) + 1, own))
            continue
        out_steps.append(step)
        out_notes.append(tuple(notes))
        earlier.append((len(out_steps), own))
    return WorkedPlan(tuple(out_steps), tuple(out_notes), dropped)
