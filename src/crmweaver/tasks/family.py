"""What every task family provides, and the context it works in.

A family (one module per task type under `tasks/families/`) has three parts that check each other:
- `sample(ctx, rng, want_none)` picks entities and a window and phrases the query;
- `solve(ctx, params)` computes the gold answer with plain SQL on the org tables (never SOQL);
- `reference(ctx, params, run)` is what an expert would do: SOQL/SOSL through the engine via
  `run`, and an answer derived only from those results.
The synthesizer keeps an instance only when the two answers agree.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, ClassVar

from crmweaver.org.catalog import Catalog
from crmweaver.org.catalog_kb import catalog
from crmweaver.org.gen_base import HISTORY_DAYS
from crmweaver.org.store import Org
from crmweaver.tasks.types import RETURN_ONLY, TASK_TYPES, TaskType


REFERENCE_LEAD_DAYS = 365  # a row's date leaves this much history before it for its window
REFERENCE_LAG_DAYS = 30  # and comes at least this long before the org's own clock


class Resample(Exception):
    """The sampled instance cannot have one certain answer (an unbreakable tie, no data): draw again."""


@dataclass
class Params:
    """What a family's sampler chose: free-form values, the phrasing and the texts shown to the agent."""

    values: dict[str, Any]
    query: str
    required: str
    template: int  # index of the phrasing template
    optional: str = ""
    facts: dict[str, Any] = field(default_factory=dict)  # what a simulated user may reveal


@dataclass
class Context:
    """An org opened for task synthesis: plain SQL access, its catalog, and the row's reference date.

    `today` is the task's own "today" (CRMArena-Pro states one per instance), set by `at(day)`;
    the org's clock (`org.today`, what SOQL date literals resolve against) is later than every
    row's date, so an agent must turn "the past 2 quarters" into explicit bounds.
    """

    org: Org
    catalog: Catalog
    ref_date: date | None = None  # the row's "today"; None until the synthesizer draws one

    @classmethod
    def open(cls, org: Org) -> "Context":
        seed = org.meta.get("seed", "0")
        return cls(org, catalog(org.preset, int(seed) if seed.isdigit() else 0))

    def at(self, day: date) -> "Context":
        """The same org seen from a row whose "today" is `day`."""
        return replace(self, ref_date=day)

    @property
    def today(self) -> date:
        return self.ref_date or self.org.today

    @property
    def history_start(self) -> date:
        """The first day of the org's records."""
        return self.org.today - timedelta(days=HISTORY_DAYS)

    def draw_reference_date(self, rng: random.Random) -> date:
        """A row's "today": uniform over the org's history, a year of records before it for its window,
        and at least a month before the org's clock."""
        first = self.history_start + timedelta(days=REFERENCE_LEAD_DAYS)
        last = self.org.today - timedelta(days=REFERENCE_LAG_DAYS)
        return first + timedelta(days=rng.randrange((last - first).days + 1))

    def today_sentence(self) -> str:
        """How a row's context states its reference date."""
        return f"Today's date is {self.today.isoformat()}."

    @property
    def preset(self) -> str:
        return self.org.preset

    def sql(self, query: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        conn = self.org.conn
        conn.row_factory = sqlite3.Row
        return conn.execute(query, params).fetchall()

    def facts(self, kind: str) -> dict[str, Any]:
        """Ground truth the generator planted in text, by record id (the `_facts` table)."""
        return {r["record_id"]: json.loads(r["value"]) for r in self.sql("SELECT record_id, value FROM _facts WHERE kind = ?", (kind,))}


Runner = Callable[[str], Any]  # runs one SOQL/SOSL query through the engine and returns its JSON result


class Family:
    """Base class of task families; subclasses set `code` and implement the three parts."""

    code: ClassVar[str]
    templates: ClassVar[tuple[str, ...]] = ()  # query phrasings, str.format templates

    @property
    def type(self) -> TaskType:
        return TASK_TYPES[self.code]

    def start_row(self) -> None:
        """Called before a row's first draw. A family that draws a kind of question may keep it across
        the row's redraws (a tie, no data), so that the kinds that redraw more are not under-represented."""

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        raise NotImplementedError

    def solve(self, ctx: Context, params: Params) -> list[Any]:
        raise NotImplementedError

    def reference(self, ctx: Context, params: Params, run: Runner) -> list[Any]:
        raise NotImplementedError

    def return_only(self, none: str = "") -> str:
        """The closing "Return only ..." sentence of an exact-match query; `none` says when to answer None."""
        sentence = RETURN_ONLY[self.type.answer]
        return f"{sentence[:-1]}, or None {none}." if none else sentence

    def phrase(self, rng: random.Random, **slots: Any) -> tuple[str, int]:
        """A query from a random template; returns (text, template index)."""
        i = rng.randrange(len(self.templates))
        return self.templates[i].format(**slots), i


FAMILIES: dict[str, type[Family]] = {}


def register(cls: type[Family]) -> type[Family]:
    """Class decorator adding a family to the registry under its task type code."""
    if cls.code not in TASK_TYPES:
        raise ValueError(f"{cls.__name__}: unknown task type {cls.code!r}")
    FAMILIES[cls.code] = cls
    return cls
