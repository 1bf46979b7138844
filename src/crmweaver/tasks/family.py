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
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from crmweaver.org.catalog import Catalog, catalog
from crmweaver.org.store import Org
from crmweaver.tasks.types import TASK_TYPES, TaskType


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
    """An org opened for task synthesis: plain SQL access, its catalog and its fixed today."""

    org: Org
    catalog: Catalog

    @classmethod
    def open(cls, org: Org) -> "Context":
        seed = org.meta.get("seed", "0")
        return cls(org, catalog(org.preset, int(seed) if seed.isdigit() else 0))

    @property
    def today(self) -> date:
        return self.org.today

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

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        raise NotImplementedError

    def solve(self, ctx: Context, params: Params) -> list[Any]:
        raise NotImplementedError

    def reference(self, ctx: Context, params: Params, run: Runner) -> list[Any]:
        raise NotImplementedError

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
