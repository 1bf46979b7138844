"""Shared text helpers for the scorers: normalisation, unquoting, sentence and line splits.

Kept apart so extraction, refusal detection and token F1 agree on what "the same text" means.
"""

from __future__ import annotations

import re

_FANCY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_WRAPPERS = "\"'`*_"


def plain(text: str) -> str:
    """Straight quotes and dashes, so one regex covers what models and editors type."""
    return text.translate(_FANCY)


def unquote(text: str) -> str:
    """Strip whitespace, wrapping quotes/backticks/emphasis and a trailing period, repeatedly.

    `' "**005Wt...**." '` -> `005Wt...`: the first exact-match check of TASKS.md compares this.
    """
    prev = None
    out = plain(text).strip()
    while out != prev:
        prev = out
        out = out.strip()
        if out.endswith(".") and not out.endswith(".."):
            out = out[:-1].rstrip()
        if len(out) >= 2 and out[0] in _WRAPPERS and out[-1] == out[0]:
            out = out[1:-1]
        elif len(out) >= 4 and out[:2] in ("**", "__") and out[-2:] == out[:2]:
            out = out[2:-2]
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")


def last_line(text: str) -> tuple[int, int]:
    """Span of the last non-empty line."""
    end = len(text.rstrip())
    start = text.rfind("\n", 0, end) + 1
    return start, end


def last_sentence(text: str) -> tuple[int, int]:
    """Span of the last sentence (split at . ! ? followed by space, and at newlines)."""
    end = len(text.rstrip())
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, end):
        start = m.end()
    return start, end


_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|`([^`\n]+)`|\"([^\"\n]{1,200})\"|(?<!\w)'([^'\n]{1,200})'(?!\w)", re.S)


def emphasized_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside **bold**, __bold__, `code`, "double" or 'single' quotes."""
    spans = []
    for m in _EMPHASIS.finditer(text):
        g = next(i for i in range(1, 6) if m.group(i) is not None)
        spans.append(m.span(g))
    return spans
