"""best_region_identification: the shipping state whose cases close quickest on average in a window.

As in CRMArena-Pro, the row's context carries only its date; what a region is and how closure
time is measured are shared definitions in `metadata.optional`.
"""

from __future__ import annotations

import random
from collections import defaultdict

from crmweaver.tasks.families._database import (
    bounds, busy_window, empty_window, extreme, optional_text, required_text, seconds_between,
)
from crmweaver.tasks.family import Context, Family, Params, Resample, Runner, register
from crmweaver.tasks.windows import Window

DEFINITIONS = optional_text(
    "A case's region (state) is the ShippingState of its account (Case.AccountId -> Account.ShippingState). "
    "A case's closure time is the time from its CreatedDate to its ClosedDate; cases belong to a period by "
    "their CreatedDate, and only closed cases have a closure time. The best region is the state with the "
    "smallest average closure time.",
)


def pick(durations: dict[str, list[float]]) -> list:
    return extreme({state: sum(d) / len(d) for state, d in durations.items() if d}, lowest=True)


@register
class BestRegionIdentification(Family):
    code = "best_region_identification"
    templates = (
        "Which state had the quickest average case closure time in {window}?",
        "In {window}, which region closed its cases the fastest on average?",
        "Identify the state where cases were resolved the fastest on average during {window}.",
        "What was our best region for case closure speed in {window}?",
        "Fastest average case closure by state, {window}?",
        "For cases opened in {window}, which customer state shows the shortest average time from creation to closure?",
        "I'm comparing regions for {window}: which state's cases got closed the quickest on average?",
        "Which state had the lowest average case closure time in {window}?",
        "Where did our service team close cases the fastest in {window}, by state?",
        "Our VP of service asked which state had the speediest case resolution in {window}. Can you find it?",
        "Looking at {window}, in which state do cases close the fastest on average?",
        "Which region had the best average case closure time across {window}?",
        "Hey, which state had the shortest average time to close cases in {window}?",
        "Which state's customers had their cases resolved the quickest on average in {window}?",
    )

    def durations(self, ctx: Context, window: Window) -> dict[str, list[float]]:
        rows = ctx.sql(
            """SELECT a.ShippingState, c.CreatedDate, c.ClosedDate FROM "Case" c JOIN Account a ON a.Id = c.AccountId
               WHERE c.ClosedDate IS NOT NULL AND a.ShippingState IS NOT NULL
                 AND substr(c.CreatedDate, 1, 10) >= ? AND substr(c.CreatedDate, 1, 10) < ?
               ORDER BY c.Id""",
            bounds(window),
        )
        out: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            out[r["ShippingState"]].append(seconds_between(r["CreatedDate"], r["ClosedDate"]))
        return out

    def sample(self, ctx: Context, rng: random.Random, want_none: bool) -> Params:
        if want_none:
            window = empty_window(rng, ctx, lambda w: not self.durations(ctx, w))
        else:
            window = busy_window(rng, ctx)
            if not self.durations(ctx, window):
                raise Resample
        query, template = self.phrase(rng, window=window.phrase)
        query += " " + self.return_only(none="if no case from that period was closed")
        return Params(
            {"window": window.to_dict()}, query, required_text(ctx), template, optional=DEFINITIONS,
            facts={"period": window.phrase},
        )

    def solve(self, ctx: Context, params: Params) -> list:
        return pick(self.durations(ctx, Window.from_dict(params.values["window"])))

    def reference(self, ctx: Context, params: Params, run: Runner) -> list:
        window = Window.from_dict(params.values["window"])
        cases = run(
            "SELECT Id, Account.ShippingState, CreatedDate, ClosedDate FROM Case "
            f"WHERE ClosedDate != null AND {window.soql('CreatedDate')}"
        )
        durations: dict[str, list[float]] = defaultdict(list)
        for r in cases["records"]:
            state = (r.get("Account") or {}).get("ShippingState")
            if state:
                durations[state].append(seconds_between(r["CreatedDate"], r["ClosedDate"]))
        return pick(durations)
