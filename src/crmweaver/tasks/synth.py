"""Synthesize task rows on an org: sample, solve with SQL, replay the expert's queries, keep agreements.

Each row has its own reference date ("today"), drawn across the org's history (`Context.at`);
its windows and gold answer are computed from that date, never from the org's clock.

Deterministic: each type draws from its own `Random(f"{seed}:{code}")`, so adding a type or
changing one family never changes another's instances. The share of `None` answers follows
TASKS.md by quota (round(N x share) instances aim for None).
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable
from typing import Any

from crmweaver.errors import CrmweaverError
from crmweaver.org.store import Org
from crmweaver.soql.query import run
from crmweaver.tasks import families
from crmweaver.tasks.family import FAMILIES, Context, Family, Params, Resample
from crmweaver.tasks.row import Metadata, Reference, TaskRow
from crmweaver.tasks.types import TASK_TYPES
from crmweaver.tasks.windows import DOMAIN_DETAILS

MAX_TRIES = 200


class SynthError(CrmweaverError):
    """A family's reference trajectory disagrees with its gold solver, or it cannot produce instances."""


def load_families() -> dict[str, type[Family]]:
    """Import every module of `tasks/families` so each registers itself."""
    for module in pkgutil.iter_modules(families.__path__):
        importlib.import_module(f"{families.__name__}.{module.name}")
    return FAMILIES


def run_reference(family: Family, ctx: Context, params: Params) -> Reference:
    """Replay the expert's queries through the SOQL/SOSL engine; every query must succeed."""
    steps: list[str] = []

    def runner(query: str) -> Any:
        steps.append(query)
        result = run(ctx.org, query)
        if isinstance(result, list):
            raise SynthError(f"{family.code}: reference query failed: {query!r} -> {result}")
        return result

    answer = family.reference(ctx, params, runner)
    return Reference(steps=steps, answer=answer)


def same_answer(a: list, b: list) -> bool:
    return sorted(map(str, a)) == sorted(map(str, b))


def synthesize_type(ctx: Context, code: str, n: int, seed: int, start_idx: int = 0) -> list[TaskRow]:
    family = load_families()[code]()
    ttype = TASK_TYPES[code]
    rng = random.Random(f"{seed}:{code}")
    wants_none = set(rng.sample(range(n), round(n * ttype.none_share))) if n else set()
    org_label = f"{ctx.preset}:{ctx.org.meta.get('seed')}:{ctx.org.meta.get('scale')}"
    rows: list[TaskRow] = []
    seen: set[tuple[str, str]] = set()  # (query, required): a generic query whose entity sits in the context repeats
    for i in range(n):
        want_none = i in wants_none
        family.start_row()
        for attempt in range(MAX_TRIES):
            # after many misses, accept either polarity rather than fail the whole run
            strict = attempt < MAX_TRIES // 2
            day_ctx = ctx.at(ctx.draw_reference_date(rng))
            try:
                params = family.sample(day_ctx, rng, want_none)
                if (params.query, params.required) in seen:
                    continue
                gold = family.solve(day_ctx, params)
            except Resample:
                continue
            if strict and (gold == [None]) != want_none and ttype.none_share not in (0.0, 1.0):
                continue
            reference = run_reference(family, day_ctx, params)
            if not same_answer(reference.answer, gold):
                raise SynthError(
                    f"{code}: the reference trajectory answered {reference.answer} but the SQL solver {gold} "
                    f"for {params.values} — the org, the engine or the family has a bug"
                )
            break
        else:
            raise SynthError(f"{code}: no valid instance after {MAX_TRIES} draws; is the org too small?")
        seen.add((params.query, params.required))
        rows.append(
            TaskRow(
                idx=start_idx + i,
                task=code,
                query=params.query,
                answer=gold,
                reward_metric=ttype.metric,
                metadata=Metadata(required=params.required, optional=params.optional or DOMAIN_DETAILS),
                persona=params.values.get("persona") or _persona(ctx, ttype.persona),
                skill=ttype.skill,
                org=org_label,
                reference=reference,
                facts=params.facts or None,
                template=params.template,
                today=day_ctx.today.isoformat(),
            )
        )
    return rows


def _persona(ctx: Context, persona: str) -> str:
    if persona == "internal":
        return f"An employee of {ctx.catalog.company} working in sales or service operations."
    return f"A customer of {ctx.catalog.company} using the self-service portal."


def synthesize(
    org: Org,
    *,
    per_type: int,
    seed: int = 0,
    types: list[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[TaskRow]:
    """`per_type` instances of each requested type (default: all 22), idx numbered from 0."""
    known = load_families()
    types = types or [c for c in TASK_TYPES if c in known]
    unknown = [t for t in types if t not in TASK_TYPES]
    if unknown:
        raise SynthError(f"unknown task type(s) {', '.join(unknown)}; known: {', '.join(TASK_TYPES)}")
    missing = [t for t in types if t not in known]
    if missing:
        raise SynthError(f"no generator for task type(s) {', '.join(missing)} yet")
    ctx = Context.open(org)
    rows: list[TaskRow] = []
    for done, code in enumerate(types):
        if progress:
            progress(code, done, len(types))
        rows += synthesize_type(ctx, code, per_type, seed, start_idx=len(rows))
    if progress:
        progress("done", len(types), len(types))
    return rows
